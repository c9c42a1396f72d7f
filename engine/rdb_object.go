package engine

import (
	"errors"
	"math"

	"github.com/volleydb/volley/engine/config"
	"github.com/volleydb/volley/engine/intset"
	"github.com/volleydb/volley/engine/keyspace"
	"github.com/volleydb/volley/engine/listpack"
	"github.com/volleydb/volley/engine/rdb"
	"github.com/volleydb/volley/engine/strset"
)

// Values in Valkey's RDB format, as rdb.c's rdbSaveObject and
// rdbLoadObject: what an RDB file, a DUMP payload and (later) a full
// resynchronization carry for one key. The compact encodings (listpack,
// intset) are byte-compatible with Valkey's and go out as they are
// stored; the large ones are written element by element. Loading applies
// the encoding rules of the current configuration, as Valkey does, so a
// value can come back in another encoding than it was saved in.

// errEmptyKey is returned by rdbLoad.value for a collection with no
// elements: a file load skips the key, RESTORE refuses the payload.
var errEmptyKey = errors.New("empty key")

// errCorrupt is returned by rdbLoad.value for a value that is well formed
// as a byte stream but breaks a rule of its type (a duplicate member, a
// NaN score, a listpack that fails its integrity check).
var errCorrupt = errors.New("corrupt value")

// rdbType is the RDB type e's value is saved as.
func rdbType(e keyspace.Entry) byte {
	switch e.Kind() {
	case kindListListpack, kindListQuicklist:
		return rdb.TypeListQuicklist2
	case KindSetIntset:
		return rdb.TypeSetIntset
	case KindSetListpack:
		return rdb.TypeSetListpack
	case KindSetHashtable:
		return rdb.TypeSet
	case kindZsetListpack:
		return rdb.TypeZSetListpack
	case kindZsetSkiplist:
		return rdb.TypeZSet2
	case kindHashListpack:
		return rdb.TypeHashListpack
	case kindHashTable:
		if e.Obj().(*hashObj).nvol > 0 {
			return rdb.TypeHash2
		}
		return rdb.TypeHash
	case kindStream:
		return rdb.TypeStreamListpacks3
	}
	return rdb.TypeString
}

// rdbSaveValue writes e's RDB type byte, key (unless nil, as in a DUMP
// payload) and value.
func rdbSaveValue(w *rdb.Writer, e keyspace.Entry, key []byte) {
	typ := rdbType(e)
	w.Byte(typ)
	if key != nil {
		w.String(key)
	}
	switch e.Kind() {
	case kindListListpack:
		// A listpack list is saved as a quicklist of one packed node.
		w.Len(1)
		w.Len(rdb.ContainerPacked)
		w.String(e.Value())
	case kindListQuicklist:
		q := e.Obj().(*quicklist)
		w.Len(uint64(q.numNodes()))
		for i := range q.numNodes() {
			n := q.node(i)
			if n.plain {
				w.Len(rdb.ContainerPlain)
			} else {
				w.Len(rdb.ContainerPacked)
			}
			if n.lzf {
				// A compressed node goes out compressed, as Valkey's does.
				w.LZFBlob(n.lp, n.sz)
			} else {
				w.String(n.lp)
			}
		}
	case KindSetHashtable:
		ht := e.Obj().(*strset.Set)
		w.Len(uint64(ht.Len()))
		for i := range ht.Len() {
			w.String(ht.At(i))
		}
	case kindZsetSkiplist:
		// Highest score first, so that loading inserts every member at
		// the head of the skiplist.
		zs := zsetOf(e)
		w.Len(uint64(zs.len()))
		zs.eachReverse(func(ele []byte, score float64) {
			w.String(ele)
			w.BinaryDouble(score)
		})
	case kindHashTable:
		// Expired fields not yet reclaimed are saved too, with their
		// times: the loader sees them expired, as a reader would.
		h := e.Obj().(*hashObj)
		w.Len(uint64(h.n))
		h.each(math.MinInt64, func(f *hashField) bool {
			w.String(bstr(f.name))
			w.String(bstr(f.value))
			if typ == rdb.TypeHash2 {
				w.MillisecondTime(f.expire)
			}
			return true
		})
	case kindStream:
		rdbSaveStream(w, streamOf(e))
	default:
		// Strings, and the compact encodings, whose bytes are the format.
		w.String(e.Value())
	}
}

// rdbLoad loads values under the configuration whose encoding limits
// apply. Whatever the source, every compact encoding is validated deeply
// (Valkey does so only with sanitize-dump-payload): a corrupt value must
// be refused, never crash the server later.
type rdbLoad struct {
	cfg *config.Config
}

// lenHint caps a length read from the input before the elements are, so
// that a corrupt length cannot make the loader presize a huge table.
func lenHint(n uint64) int { return int(min(n, 1<<16)) }

// value reads a value of RDB type typ for key. hasTTL says whether the
// key will have a time to live, which decides a short string's encoding.
func (ld rdbLoad) value(r *rdb.Reader, typ byte, key []byte, hasTTL bool) (keyspace.Value, error) {
	switch typ {
	case rdb.TypeString:
		s, err := r.String()
		if err != nil {
			return keyspace.Value{}, err
		}
		return keyspace.Value{Kind: storedStringKind(key, s, hasTTL), Bytes: s}, nil
	case rdb.TypeList:
		return ld.listElements(r)
	case rdb.TypeListQuicklist, rdb.TypeListQuicklist2:
		return ld.quicklist(r, typ == rdb.TypeListQuicklist2)
	case rdb.TypeListZiplist:
		return ld.listZiplist(r)
	case rdb.TypeSet:
		return ld.setElements(r)
	case rdb.TypeSetIntset:
		return ld.setIntset(r)
	case rdb.TypeSetListpack:
		return ld.setListpack(r)
	case rdb.TypeZSet, rdb.TypeZSet2:
		return ld.zsetElements(r, typ == rdb.TypeZSet2)
	case rdb.TypeZSetListpack, rdb.TypeZSetZiplist:
		return ld.zsetListpack(r, typ == rdb.TypeZSetZiplist)
	case rdb.TypeHash, rdb.TypeHash2:
		return ld.hashElements(r, typ == rdb.TypeHash2)
	case rdb.TypeHashListpack, rdb.TypeHashZiplist, rdb.TypeHashZipmap:
		return ld.hashListpack(r, typ)
	case rdb.TypeStreamListpacks, rdb.TypeStreamListpacks2, rdb.TypeStreamListpacks3:
		return ld.stream(r, typ)
	}
	return keyspace.Value{}, errUnknownRDBType
}

// errUnknownRDBType is returned for a value type Volley cannot load:
// module values, which it does not have.
var errUnknownRDBType = errors.New("unknown RDB object type")

// ---- lists ----

// listValue is what a loaded quicklist becomes: a listpack when it is one
// packed node within list-max-listpack-size (listTypeTryConversion, not
// shrinking), else the quicklist.
func (ld rdbLoad) listValue(q *quicklist) (keyspace.Value, error) {
	if q.count == 0 {
		return keyspace.Value{}, errEmptyKey
	}
	if q.numNodes() == 1 && !q.node(0).plain {
		szLimit, countLimit := nodeLimit(ld.cfg.ListMaxListpackSize)
		n := q.raw(0)
		if (szLimit < 0 || n.sz <= szLimit) && (countLimit < 0 || q.count <= countLimit) {
			return keyspace.Value{Kind: kindListListpack, Bytes: n.lp}, nil
		}
	}
	q.settle(-1)
	return keyspace.Value{Kind: kindListQuicklist, Obj: q}, nil
}

// listElements loads RDB_TYPE_LIST: a length and the elements.
func (ld rdbLoad) listElements(r *rdb.Reader) (keyspace.Value, error) {
	n, err := rdbLen(r)
	if err != nil {
		return keyspace.Value{}, err
	}
	q := newQuicklist(ld.cfg.ListMaxListpackSize, ld.cfg.ListCompressDepth)
	for range n {
		s, err := r.String()
		if err != nil {
			return keyspace.Value{}, err
		}
		q.pushTail(s)
	}
	return ld.listValue(q)
}

// quicklist loads RDB_TYPE_LIST_QUICKLIST (nodes are ziplists) and
// RDB_TYPE_LIST_QUICKLIST_2 (each node a container kind and a listpack or
// a plain element).
func (ld rdbLoad) quicklist(r *rdb.Reader, v2 bool) (keyspace.Value, error) {
	n, err := rdbLen(r)
	if err != nil {
		return keyspace.Value{}, err
	}
	q := newQuicklist(ld.cfg.ListMaxListpackSize, ld.cfg.ListCompressDepth)
	for range n {
		container := uint64(rdb.ContainerPacked)
		if v2 {
			if container, err = rdbLen(r); err != nil {
				return keyspace.Value{}, err
			}
			if container != rdb.ContainerPacked && container != rdb.ContainerPlain {
				return keyspace.Value{}, errCorrupt
			}
		}
		data, err := r.String()
		if err != nil {
			return keyspace.Value{}, err
		}
		if len(data) == 0 {
			return keyspace.Value{}, errCorrupt
		}
		if container == rdb.ContainerPlain {
			q.appendPlain(data)
			continue
		}
		lp := data
		if v2 {
			if !listpack.ValidateIntegrity(lp) {
				return keyspace.Value{}, errCorrupt
			}
		} else if lp, err = rdb.ZiplistToListpack(data); err != nil {
			return keyspace.Value{}, errCorrupt
		}
		if listpack.Len(lp) == 0 {
			continue // an empty node is dropped, as Valkey does
		}
		q.appendListpack(lp)
	}
	return ld.listValue(q)
}

// listZiplist loads RDB_TYPE_LIST_ZIPLIST, a whole list in one ziplist,
// into a quicklist (Valkey does not convert these to a listpack).
func (ld rdbLoad) listZiplist(r *rdb.Reader) (keyspace.Value, error) {
	data, err := r.String()
	if err != nil {
		return keyspace.Value{}, err
	}
	lp, err := rdb.ZiplistToListpack(data)
	if err != nil {
		return keyspace.Value{}, errCorrupt
	}
	q := newQuicklist(ld.cfg.ListMaxListpackSize, ld.cfg.ListCompressDepth)
	var buf [20]byte
	for p := listpack.First(lp); p >= 0 && !listpack.AtEnd(lp, p); p = listpack.Next(lp, p) {
		s, v, isInt := listpack.Get(lp, p)
		q.pushTail(memberText(s, v, isInt, &buf))
	}
	if q.count == 0 {
		return keyspace.Value{}, errEmptyKey
	}
	q.settle(-1)
	return keyspace.Value{Kind: kindListQuicklist, Obj: q}, nil
}

// ---- sets ----

// setElements loads RDB_TYPE_SET. It starts an intset (or a table when
// the length is past set-max-intset-entries) and moves to a listpack or a
// table as the members require, the way Valkey's loader does, which is not
// quite the way SADD does.
func (ld rdbLoad) setElements(r *rdb.Reader) (keyspace.Value, error) {
	n, err := rdbLen(r)
	if err != nil {
		return keyspace.Value{}, err
	}
	if n == 0 {
		return keyspace.Value{}, errEmptyKey
	}
	cfg := ld.cfg
	sv := newIntsetVal()
	if n > uint64(min(cfg.SetMaxIntsetEntries, 1<<30)) {
		sv = newHashtableVal(lenHint(n))
	}
	maxLen, sumLen := 0, 0
	for range n {
		s, err := r.String()
		if err != nil {
			return keyspace.Value{}, err
		}
		sumLen += len(s)
		maxLen = max(maxLen, len(s))
		if sv.enc == EncIntset {
			if v, ok := parseInt(s); ok {
				if !sv.addIntsetMember(v) {
					return keyspace.Value{}, errCorrupt
				}
				continue
			}
			if sv.size() < cfg.SetMaxListpackEntries && maxLen <= cfg.SetMaxListpackValue && listpack.SafeToAdd(nil, sumLen) {
				sv.toListpack(sv.size() + 1)
			} else {
				sv.toHashtable(lenHint(n))
			}
		}
		if sv.enc == EncListpack {
			if sv.size() < cfg.SetMaxListpackEntries && len(s) <= cfg.SetMaxListpackValue && listpack.SafeToAdd(sv.b, len(s)) {
				if listpack.Find(sv.b, listpack.First(sv.b), s, 0) >= 0 {
					return keyspace.Value{}, errCorrupt
				}
				sv.b = listpack.Append(sv.b, s)
				continue
			}
			sv.toHashtable(lenHint(n))
		}
		if !sv.ht.Add(s) {
			return keyspace.Value{}, errCorrupt
		}
	}
	return sv.value(), nil
}

// addIntsetMember adds v to an intset set, reporting false if it was
// there already.
func (sv *setVal) addIntsetMember(v int64) bool {
	is, added := intset.Add(sv.b, v)
	sv.b = is
	return added
}

// setIntset loads RDB_TYPE_SET_INTSET.
func (ld rdbLoad) setIntset(r *rdb.Reader) (keyspace.Value, error) {
	b, err := r.String()
	if err != nil {
		return keyspace.Value{}, err
	}
	if !rdb.ValidIntset(b) {
		return keyspace.Value{}, errCorrupt
	}
	sv := setVal{enc: EncIntset, b: b}
	if sv.size() > ld.cfg.SetMaxIntsetEntries {
		sv.toHashtable(sv.size())
	}
	return sv.value(), nil
}

// setListpack loads RDB_TYPE_SET_LISTPACK.
func (ld rdbLoad) setListpack(r *rdb.Reader) (keyspace.Value, error) {
	b, err := r.String()
	if err != nil {
		return keyspace.Value{}, err
	}
	if !listpack.ValidateIntegrity(b) || lpHasDuplicates(b, 1) {
		return keyspace.Value{}, errCorrupt
	}
	sv := setVal{enc: EncListpack, b: b}
	switch {
	case sv.size() == 0:
		return keyspace.Value{}, errEmptyKey
	case sv.size() > ld.cfg.SetMaxListpackEntries:
		sv.toHashtable(sv.size())
	}
	return sv.value(), nil
}

// lpHasDuplicates reports whether the listpack repeats an element among
// its entries 0, step, 2*step... (step 2 checks the fields of a hash or
// the members of a sorted set), or has an entry count that is not a
// multiple of step.
func lpHasDuplicates(lp []byte, step int) bool {
	n := listpack.Len(lp)
	if n%step != 0 {
		return true
	}
	seen := make(map[string]struct{}, n/step)
	var buf [20]byte
	i := 0
	for p := listpack.First(lp); p >= 0 && !listpack.AtEnd(lp, p); p = listpack.Next(lp, p) {
		if i%step == 0 {
			s, v, isInt := listpack.Get(lp, p)
			k := string(memberText(s, v, isInt, &buf))
			if _, dup := seen[k]; dup {
				return true
			}
			seen[k] = struct{}{}
		}
		i++
	}
	return false
}

// ---- sorted sets ----

// zsetElements loads RDB_TYPE_ZSET_2 (binary scores) and RDB_TYPE_ZSET
// (text scores) into a skiplist, then to a listpack if it fits.
func (ld rdbLoad) zsetElements(r *rdb.Reader, binary bool) (keyspace.Value, error) {
	n, err := rdbLen(r)
	if err != nil {
		return keyspace.Value{}, err
	}
	if n == 0 {
		return keyspace.Value{}, errEmptyKey
	}
	z := newZsetObj(lenHint(n))
	maxLen, totLen := 0, 0
	for range n {
		ele, err := r.String()
		if err != nil {
			return keyspace.Value{}, err
		}
		var score float64
		if binary {
			score, err = r.BinaryDouble()
		} else {
			score, err = r.Double()
		}
		if err != nil {
			return keyspace.Value{}, err
		}
		if math.IsNaN(score) || z.find(ele) != nil {
			return keyspace.Value{}, errCorrupt
		}
		maxLen = max(maxLen, len(ele))
		totLen += len(ele)
		z.add(string(ele), score)
	}
	zs := zset{z: z}
	if z.length <= ld.cfg.ZsetMaxListpackEntries && maxLen <= ld.cfg.ZsetMaxListpackValue && listpack.SafeToAdd(nil, totLen) {
		zs.toListpack()
	}
	return zs.value(), nil
}

// zsetListpack loads RDB_TYPE_ZSET_LISTPACK and RDB_TYPE_ZSET_ZIPLIST.
func (ld rdbLoad) zsetListpack(r *rdb.Reader, ziplist bool) (keyspace.Value, error) {
	b, err := r.String()
	if err != nil {
		return keyspace.Value{}, err
	}
	if ziplist {
		if b, err = rdb.ZiplistToListpack(b); err != nil {
			return keyspace.Value{}, errCorrupt
		}
	} else if !listpack.ValidateIntegrity(b) {
		return keyspace.Value{}, errCorrupt
	}
	if lpHasDuplicates(b, 2) {
		return keyspace.Value{}, errCorrupt
	}
	zs := zset{lp: b}
	switch {
	case zs.len() == 0:
		return keyspace.Value{}, errEmptyKey
	case zs.len() > ld.cfg.ZsetMaxListpackEntries:
		zs.toSkiplist(zs.len())
	}
	return zs.value(), nil
}

// ---- hashes ----

// hashElements loads RDB_TYPE_HASH, and RDB_TYPE_HASH_2 whose fields each
// carry an expiry time (-1 for none). A hash with field expiries, or more
// fields than hash-max-listpack-entries, is a table from the start;
// otherwise the fields go into a listpack until one does not fit.
func (ld rdbLoad) hashElements(r *rdb.Reader, withTTL bool) (keyspace.Value, error) {
	n, err := rdbLen(r)
	if err != nil {
		return keyspace.Value{}, err
	}
	if n == 0 {
		return keyspace.Value{}, errEmptyKey
	}
	cfg := ld.cfg
	var lp []byte
	var h *hashObj
	if n > uint64(cfg.HashMaxListpackEntries) || withTTL {
		h = newHashObj(lenHint(n))
	} else {
		lp = lpHashNew(nil)
	}
	for range n {
		field, err := r.String()
		if err != nil {
			return keyspace.Value{}, err
		}
		value, err := r.String()
		if err != nil {
			return keyspace.Value{}, err
		}
		expire := hashNoTTL
		if withTTL {
			if expire, err = r.MillisecondTime(); err != nil {
				return keyspace.Value{}, err
			}
			if expire < hashNoTTL {
				return keyspace.Value{}, errCorrupt
			}
		}
		if h == nil {
			if lpHashFind(lp, field) >= 0 {
				return keyspace.Value{}, errCorrupt
			}
			if len(field) <= cfg.HashMaxListpackValue && len(value) <= cfg.HashMaxListpackValue &&
				listpack.SafeToAdd(lp, len(field)+len(value)) {
				lp = listpack.Append(listpack.Append(lp, field), value)
				continue
			}
			h = lpToHashObj(lp, lenHint(n))
			lp = nil
		}
		if h.find(field) != nil {
			return keyspace.Value{}, errCorrupt
		}
		h.add(field, string(value), expire)
	}
	if h != nil {
		return keyspace.Value{Kind: kindHashTable, Obj: h}, nil
	}
	return keyspace.Value{Kind: kindHashListpack, Bytes: lp}, nil
}

// lpToHashObj copies a listpack hash into a table with room for hint
// fields.
func lpToHashObj(lp []byte, hint int) *hashObj {
	h := newHashObj(max(hint, lpHashLen(lp)))
	var fb, vb [20]byte
	lpHashEach(lp, func(f, v hashElem) bool {
		h.add(f.text(fb[:]), string(v.text(vb[:])), hashNoTTL)
		return true
	})
	return h
}

// hashListpack loads RDB_TYPE_HASH_LISTPACK, and the older
// RDB_TYPE_HASH_ZIPLIST and RDB_TYPE_HASH_ZIPMAP.
func (ld rdbLoad) hashListpack(r *rdb.Reader, typ byte) (keyspace.Value, error) {
	b, err := r.String()
	if err != nil {
		return keyspace.Value{}, err
	}
	switch typ {
	case rdb.TypeHashZipmap:
		b, err = rdb.ZipmapToListpack(b)
	case rdb.TypeHashZiplist:
		b, err = rdb.ZiplistToListpack(b)
	default:
		if !listpack.ValidateIntegrity(b) {
			err = errCorrupt
		}
	}
	if err != nil || lpHasDuplicates(b, 2) {
		return keyspace.Value{}, errCorrupt
	}
	n := lpHashLen(b)
	if n == 0 {
		return keyspace.Value{}, errEmptyKey
	}
	convert := n > ld.cfg.HashMaxListpackEntries
	if typ == rdb.TypeHashZipmap && !convert {
		// A zipmap also converts for an element past
		// hash-max-listpack-value.
		var fb, vb [20]byte
		lpHashEach(b, func(f, v hashElem) bool {
			convert = len(f.text(fb[:])) > ld.cfg.HashMaxListpackValue || len(v.text(vb[:])) > ld.cfg.HashMaxListpackValue
			return !convert
		})
	}
	if convert {
		return keyspace.Value{Kind: kindHashTable, Obj: lpToHashObj(b, n)}, nil
	}
	return keyspace.Value{Kind: kindHashListpack, Bytes: b}, nil
}

// rdbLen reads a length that must not be an encoded-value marker.
func rdbLen(r *rdb.Reader) (uint64, error) {
	n, encoded, err := r.Len()
	if err == nil && encoded {
		err = errCorrupt
	}
	return n, err
}
