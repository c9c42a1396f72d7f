package engine

import (
	"strconv"
	"sync"

	"github.com/volleydb/volley/engine/config"
	"github.com/volleydb/volley/engine/intset"
	"github.com/volleydb/volley/engine/keyspace"
	"github.com/volleydb/volley/engine/listpack"
	"github.com/volleydb/volley/engine/strset"
)

// setHandlers are the set group.
var setHandlers = map[string]Handler{
	"sadd":        cmdSadd,
	"srem":        cmdSrem,
	"smove":       cmdSmove,
	"sismember":   cmdSismember,
	"smismember":  cmdSmismember,
	"scard":       cmdScard,
	"spop":        cmdSpop,
	"srandmember": cmdSrandmember,
	"smembers":    cmdSinter,
	"sinter":      cmdSinter,
	"sintercard":  cmdSintercard,
	"sinterstore": cmdSinterstore,
	"sunion":      cmdSunion,
	"sunionstore": cmdSunionstore,
	"sdiff":       cmdSdiff,
	"sdiffstore":  cmdSdiffstore,
	"sscan":       cmdSscan,
}

// Kinds of the three set encodings.
const (
	KindSetIntset    = TypeSet | EncIntset
	KindSetListpack  = TypeSet | EncListpack
	KindSetHashtable = TypeSet | EncHashtable
)

// A set is kept as Valkey keeps it, and converted at the same moments, as
// OBJECT ENCODING shows: an intset (sorted integers, pointer-free bytes)
// while every member is an integer and there are at most
// set-max-intset-entries; a listpack (members in insertion order) while
// there are at most set-max-listpack-entries of at most
// set-max-listpack-value bytes; a strset.Set beyond. The compact forms are
// the record's value bytes; the hash table is the record's object.
//
// setVal is a set being read or built. Members come and go as
// (s, v, isInt): a string, or an integer when isInt. The intset yields
// integers, the hash table strings, the listpack either, as Valkey's
// setTypeNext does; every operation accepts both forms.
type setVal struct {
	enc uint8       // EncIntset, EncListpack or EncHashtable
	b   []byte      // the intset or listpack
	ht  *strset.Set // the hash table
}

// setOf views a stored set. For the compact encodings the bytes alias the
// record: read them only, and only until the key is written (own copies
// them before a change).
func setOf(e keyspace.Entry) setVal {
	enc := e.Kind() & encMask
	if enc == EncHashtable {
		ht, _ := e.Obj().(*strset.Set)
		return setVal{enc: enc, ht: ht}
	}
	return setVal{enc: enc, b: e.Value()}
}

// value is what to store for sv.
func (sv *setVal) value() keyspace.Value {
	if sv.enc == EncHashtable {
		return keyspace.Value{Kind: KindSetHashtable, Obj: sv.ht}
	}
	return keyspace.Value{Kind: TypeSet | sv.enc, Bytes: sv.b}
}

// setScratch lends buffers to build a compact set in before the database
// copies it into the record, so a write does not allocate.
var setScratch = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// maxScratch is the largest buffer given back to setScratch.
const maxScratch = 64 << 10

// own copies a compact set's bytes into a borrowed buffer so they can be
// changed; release gives it back once the result is stored.
func (sv *setVal) own() *[]byte {
	if sv.enc == EncHashtable {
		return nil
	}
	buf := setScratch.Get().(*[]byte)
	sv.b = append((*buf)[:0], sv.b...)
	return buf
}

func (sv *setVal) release(buf *[]byte) {
	if buf == nil {
		return
	}
	if sv.enc != EncHashtable && cap(sv.b) > cap(*buf) {
		*buf = sv.b // keep the grown array
	}
	if cap(*buf) <= maxScratch {
		*buf = (*buf)[:0]
		setScratch.Put(buf)
	}
}

func newIntsetVal() setVal   { return setVal{enc: EncIntset, b: intset.New()} }
func newListpackVal() setVal { return setVal{enc: EncListpack, b: listpack.New(0)} }
func newHashtableVal(n int) setVal {
	return setVal{enc: EncHashtable, ht: strset.New(n)}
}

// intsetMaxEntries is set-max-intset-entries, capped as Valkey caps it.
func intsetMaxEntries(cfg *config.Config) int {
	return min(cfg.SetMaxIntsetEntries, 1<<30)
}

// newSetFor is the empty set setTypeCreate makes for a first member and
// about sizeHint members: an intset if the member is an integer and the
// hint fits one, else a listpack if the hint fits, else a presized table.
func newSetFor(cfg *config.Config, first []byte, sizeHint int) setVal {
	if _, ok := parseInt(first); ok && sizeHint <= cfg.SetMaxIntsetEntries {
		return newIntsetVal()
	}
	if sizeHint <= cfg.SetMaxListpackEntries {
		return newListpackVal()
	}
	return newHashtableVal(sizeHint)
}

// maybeConvert turns a compact set that is about to receive sizeHint
// members past its limit into a hash table now (setTypeMaybeConvert).
func (sv *setVal) maybeConvert(cfg *config.Config, sizeHint int) {
	if (sv.enc == EncListpack && sizeHint > cfg.SetMaxListpackEntries) ||
		(sv.enc == EncIntset && sizeHint > cfg.SetMaxIntsetEntries) {
		sv.toHashtable(sizeHint)
	}
}

func (sv *setVal) size() int {
	switch sv.enc {
	case EncIntset:
		return intset.Len(sv.b)
	case EncListpack:
		return listpack.Len(sv.b)
	}
	return sv.ht.Len()
}

// setIter walks a set's members in its internal order.
type setIter struct {
	sv *setVal
	i  int // intset or table index; listpack offset (-2 before the first)
}

func (sv *setVal) iter() setIter {
	if sv.enc == EncListpack {
		return setIter{sv: sv, i: -2}
	}
	return setIter{sv: sv}
}

// next returns the next member; ok is false at the end. A string aliases
// the set.
func (it *setIter) next() (s []byte, v int64, isInt, ok bool) {
	sv := it.sv
	switch sv.enc {
	case EncIntset:
		if it.i >= intset.Len(sv.b) {
			return nil, 0, false, false
		}
		v = intset.Get(sv.b, it.i)
		it.i++
		return nil, v, true, true
	case EncListpack:
		if it.i == -2 {
			it.i = listpack.First(sv.b)
		} else if it.i >= 0 {
			it.i = listpack.Next(sv.b, it.i)
		}
		if it.i < 0 {
			return nil, 0, false, false
		}
		s, v, isInt = listpack.Get(sv.b, it.i)
		return s, v, isInt, true
	}
	if it.i >= sv.ht.Len() {
		return nil, 0, false, false
	}
	s = sv.ht.At(it.i)
	it.i++
	return s, 0, false, true
}

// memberText is a member as bytes: s itself, or v formatted into buf.
func memberText(s []byte, v int64, isInt bool, buf *[20]byte) []byte {
	if isInt {
		return strconv.AppendInt(buf[:0], v, 10)
	}
	return s
}

// toHashtable converts a compact set to a table presized for n members.
func (sv *setVal) toHashtable(n int) {
	ht := strset.New(max(n, sv.size()))
	var buf [20]byte
	it := sv.iter()
	for {
		s, v, isInt, ok := it.next()
		if !ok {
			break
		}
		ht.Add(memberText(s, v, isInt, &buf))
	}
	sv.enc, sv.b, sv.ht = EncHashtable, nil, ht
}

// toListpack converts an intset to a listpack (the only conversion to a
// listpack Valkey makes on a live set), leaving room for n members.
func (sv *setVal) toListpack(n int) {
	lp := listpack.New(lpRepeatedIntBytes(sv.b, n))
	for i := range intset.Len(sv.b) {
		lp = listpack.AppendInt(lp, intset.Get(sv.b, i))
	}
	sv.enc, sv.b = EncListpack, lp
}

// lpRepeatedIntBytes is the size of a listpack of n copies of the intset's
// widest element (lpEstimateBytesRepeatedInteger on its min and max): an
// upper bound for the listpack the intset becomes.
func lpRepeatedIntBytes(is []byte, n int) int {
	if intset.Len(is) == 0 {
		return 2 * n
	}
	per := func(v int64) int {
		e := listpack.EncodedIntSize(v)
		return e + lpBacklenSize(e)
	}
	return listpack.HeaderSize + max(per(intset.Min(is)), per(intset.Max(is)))*n + 1
}

// lpBacklenSize is the bytes a listpack entry's back length takes.
func lpBacklenSize(n int) int {
	switch {
	case n <= 127:
		return 1
	case n < 16383:
		return 2
	case n < 2097151:
		return 3
	case n < 268435455:
		return 4
	}
	return 5
}

// maybeToIntset turns a set whose members are all integers into an intset
// if it is small enough for one (maybeConvertToIntset).
func (sv *setVal) maybeToIntset(cfg *config.Config) {
	if sv.enc == EncIntset || sv.size() > intsetMaxEntries(cfg) {
		return
	}
	is := intset.New()
	it := sv.iter()
	for {
		s, v, isInt, ok := it.next()
		if !ok {
			break
		}
		if !isInt {
			v, _ = parseInt(s)
		}
		is, _ = intset.Add(is, v)
	}
	sv.enc, sv.b, sv.ht = EncIntset, is, nil
}

// add inserts a member and reports whether it was new, converting the
// encoding as Valkey's setTypeAddAux does.
func (sv *setVal) add(cfg *config.Config, s []byte, v int64, isInt bool) bool {
	var buf [20]byte
	switch sv.enc {
	case EncIntset:
		if !isInt {
			if n, ok := parseInt(s); ok {
				v, isInt = n, true
			}
		}
		if isInt {
			var added bool
			sv.b, added = intset.Add(sv.b, v)
			if added && intset.Len(sv.b) > intsetMaxEntries(cfg) {
				sv.toHashtable(0)
			}
			return added
		}
		// A string joins: a listpack if everything will fit one.
		n := intset.Len(sv.b)
		maxEleLen, totSize := 0, 0
		if n > 0 {
			maxEleLen = max(digits10(intset.Max(sv.b)), digits10(intset.Min(sv.b)))
			totSize = lpRepeatedIntBytes(sv.b, n)
		}
		if n < cfg.SetMaxListpackEntries && len(s) <= cfg.SetMaxListpackValue &&
			maxEleLen <= cfg.SetMaxListpackValue && listpack.SafeToAdd(nil, totSize+len(s)) {
			sv.toListpack(n + 1)
			sv.b = listpack.Append(sv.b, s)
			return true
		}
		sv.toHashtable(n + 1)
		sv.ht.Add(s)
		return true
	case EncListpack:
		text := memberText(s, v, isInt, &buf)
		if listpack.Find(sv.b, listpack.First(sv.b), text, 0) >= 0 {
			return false
		}
		if listpack.Len(sv.b) < cfg.SetMaxListpackEntries && len(text) <= cfg.SetMaxListpackValue &&
			listpack.SafeToAdd(sv.b, len(text)) {
			if isInt {
				sv.b = listpack.AppendInt(sv.b, v)
			} else {
				sv.b = listpack.Append(sv.b, s)
			}
			return true
		}
		sv.toHashtable(listpack.Len(sv.b) + 1)
		sv.ht.Add(text)
		return true
	}
	return sv.ht.Add(memberText(s, v, isInt, &buf))
}

// remove deletes a member and reports whether it was there.
func (sv *setVal) remove(s []byte, v int64, isInt bool) bool {
	var buf [20]byte
	switch sv.enc {
	case EncIntset:
		if !isInt {
			n, ok := parseInt(s)
			if !ok {
				return false
			}
			v = n
		}
		var removed bool
		sv.b, removed = intset.Remove(sv.b, v)
		return removed
	case EncListpack:
		p := listpack.Find(sv.b, listpack.First(sv.b), memberText(s, v, isInt, &buf), 0)
		if p < 0 {
			return false
		}
		sv.b = listpack.Delete(sv.b, p)
		return true
	}
	return sv.ht.Remove(memberText(s, v, isInt, &buf))
}

// has reports whether a member is in the set.
func (sv *setVal) has(s []byte, v int64, isInt bool) bool {
	var buf [20]byte
	switch sv.enc {
	case EncIntset:
		if !isInt {
			n, ok := parseInt(s)
			if !ok {
				return false
			}
			v = n
		}
		return intset.Find(sv.b, v)
	case EncListpack:
		return listpack.Find(sv.b, listpack.First(sv.b), memberText(s, v, isInt, &buf), 0) >= 0
	}
	return sv.ht.Has(memberText(s, v, isInt, &buf))
}

// random returns a uniformly chosen member of a non-empty set.
func (sv *setVal) random(s *Server) (str []byte, v int64, isInt bool) {
	n := sv.size()
	switch sv.enc {
	case EncIntset:
		return nil, intset.Get(sv.b, s.rand.IntN(n)), true
	case EncListpack:
		return listpack.Get(sv.b, listpack.Seek(sv.b, s.rand.IntN(n)))
	}
	return sv.ht.At(s.rand.IntN(n)), 0, false
}

// popRandom removes a random member and returns it as text in dst.
func (sv *setVal) popRandom(s *Server, dst []byte) []byte {
	n := sv.size()
	i := s.rand.IntN(n)
	switch sv.enc {
	case EncIntset:
		v := intset.Get(sv.b, i)
		sv.b, _ = intset.Remove(sv.b, v)
		return strconv.AppendInt(dst, v, 10)
	case EncListpack:
		p := listpack.Seek(sv.b, i)
		str, v, isInt := listpack.Get(sv.b, p)
		if isInt {
			dst = strconv.AppendInt(dst, v, 10)
		} else {
			dst = append(dst, str...)
		}
		sv.b = listpack.Delete(sv.b, p)
		return dst
	}
	dst = append(dst, sv.ht.At(i)...)
	sv.ht.RemoveAt(i)
	return dst
}

// lpNextRandom picks, from offset p (entry number *index) on, the next
// entry of a selection sample of remaining entries: each entry is taken
// with probability remaining over the entries not yet visited, so a walk
// that asks for k entries returns k distinct ones in listpack order, each
// set of k equally likely. It returns -1 if none is left.
func lpNextRandom(s *Server, lp []byte, p int, index *int, remaining int) int {
	total := listpack.Len(lp)
	for i := *index; i < total && p >= 0; i++ {
		if s.rand.IntN(total-i) < remaining {
			*index = i
			return p
		}
		p = listpack.Next(lp, p)
	}
	return -1
}

// addMember replies with a member as a bulk string.
func addMember(c *Client, s []byte, v int64, isInt bool) {
	if isInt {
		c.AddBulkInt(v)
	} else {
		c.AddBulkCopy(s)
	}
}

// addEmptySet replies with an empty set (an empty array in RESP2).
func addEmptySet(c *Client) { c.AddSetLen(0) }

// lookupSet finds key for reading. A missing key gives ok false; a key of
// another type replies WRONGTYPE and gives wrong true.
func lookupSet(c *Client, key []byte, write bool) (e keyspace.Entry, ok, wrong bool) {
	db := c.db()
	if write {
		e, ok = db.LookupWrite(key)
	} else {
		e, ok = db.Lookup(key)
	}
	if ok && typeOf(e) != TypeSet {
		c.AddError(ErrWrongType)
		return e, false, true
	}
	return e, ok, false
}

// ---- SADD, SREM, SMOVE ----

func cmdSadd(c *Client) {
	s, db := c.srv, c.db()
	key := c.Argv[1]
	e, exists, wrong := lookupSet(c, key, true)
	if wrong {
		return
	}
	members := c.Argv[2:]
	var sv setVal
	var buf *[]byte
	origEnc := uint8(0)
	if exists {
		sv = setOf(e)
		origEnc = sv.enc
		buf = sv.own()
		sv.maybeConvert(s.Cfg, len(members))
	} else {
		sv = newSetFor(s.Cfg, members[0], len(members))
	}
	added := 0
	for _, m := range members {
		if sv.add(s.Cfg, m, 0, false) {
			added++
		}
	}
	// A table that was already stored changed in place.
	if !exists || (origEnc != EncHashtable && (added > 0 || sv.enc != origEnc)) {
		db.Set(key, sv.value(), true)
	}
	sv.release(buf)
	if added > 0 {
		s.keyModified(db, key)
		s.notifyKeyspaceEvent(config.NotifySet, "sadd", key, db.ID)
		s.Dirty += int64(added)
	}
	c.AddInt(int64(added))
}

func cmdSrem(c *Client) {
	s, db := c.srv, c.db()
	key := c.Argv[1]
	e, ok, wrong := lookupSet(c, key, true)
	if wrong {
		return
	}
	if !ok {
		c.AddInt(0)
		return
	}
	sv := setOf(e)
	buf := sv.own()
	deleted, keyRemoved := 0, false
	for _, m := range c.Argv[2:] {
		if sv.remove(m, 0, false) {
			deleted++
			if sv.size() == 0 {
				keyRemoved = true
				break
			}
		}
	}
	switch {
	case keyRemoved:
		db.Delete(key)
	case deleted > 0 && sv.enc != EncHashtable:
		db.Set(key, sv.value(), true)
	}
	sv.release(buf)
	if deleted > 0 {
		s.keyModified(db, key)
		s.notifyKeyspaceEvent(config.NotifySet, "srem", key, db.ID)
		if keyRemoved {
			s.notifyKeyspaceEvent(config.NotifyGeneric, "del", key, db.ID)
		}
		s.Dirty += int64(deleted)
	}
	c.AddInt(int64(deleted))
}

func cmdSmove(c *Client) {
	s, db := c.srv, c.db()
	src, dst, member := c.Argv[1], c.Argv[2], c.Argv[3]
	se, srcOK := db.LookupWrite(src)
	de, dstOK := db.LookupWrite(dst)
	if !srcOK {
		c.AddInt(0)
		return
	}
	if typeOf(se) != TypeSet || (dstOK && typeOf(de) != TypeSet) {
		c.AddError(ErrWrongType)
		return
	}
	if dstOK && se.Addr() == de.Addr() {
		sv := setOf(se)
		c.AddInt(b2i(sv.has(member, 0, false)))
		return
	}
	ssv := setOf(se)
	sbuf := ssv.own()
	if !ssv.remove(member, 0, false) {
		ssv.release(sbuf)
		c.AddInt(0)
		return
	}
	s.notifyKeyspaceEvent(config.NotifySet, "srem", src, db.ID)
	if ssv.size() == 0 {
		db.Delete(src)
		s.notifyKeyspaceEvent(config.NotifyGeneric, "del", src, db.ID)
	} else if ssv.enc != EncHashtable {
		db.Set(src, ssv.value(), true)
	}
	ssv.release(sbuf)

	// The destination's entry is still valid: only src was written.
	var dsv setVal
	var dbuf *[]byte
	if dstOK {
		dsv = setOf(de)
		dbuf = dsv.own()
	} else {
		dsv = newSetFor(s.Cfg, member, 1)
	}
	s.keyModified(db, src)
	s.Dirty++
	added := dsv.add(s.Cfg, member, 0, false)
	if !dstOK || (added && (dsv.enc != EncHashtable || de.Kind()&encMask != EncHashtable)) {
		db.Set(dst, dsv.value(), true)
	}
	dsv.release(dbuf)
	if added {
		s.Dirty++
		s.keyModified(db, dst)
		s.notifyKeyspaceEvent(config.NotifySet, "sadd", dst, db.ID)
	}
	c.AddInt(1)
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// ---- SISMEMBER, SMISMEMBER, SCARD ----

func cmdSismember(c *Client) {
	e, ok, wrong := lookupSet(c, c.Argv[1], false)
	if wrong {
		return
	}
	if !ok {
		c.AddInt(0)
		return
	}
	sv := setOf(e)
	c.AddInt(b2i(sv.has(c.Argv[2], 0, false)))
}

func cmdSmismember(c *Client) {
	e, ok, wrong := lookupSet(c, c.Argv[1], false)
	if wrong {
		return
	}
	c.AddArrayLen(len(c.Argv) - 2)
	var sv setVal
	if ok {
		sv = setOf(e)
	}
	for _, m := range c.Argv[2:] {
		c.AddInt(b2i(ok && sv.has(m, 0, false)))
	}
}

func cmdScard(c *Client) {
	e, ok, wrong := lookupSet(c, c.Argv[1], false)
	if wrong {
		return
	}
	if !ok {
		c.AddInt(0)
		return
	}
	sv := setOf(e)
	c.AddInt(int64(sv.size()))
}

// ---- SPOP, SRANDMEMBER ----

// spopMoveStrategyMul: SPOP with a count builds the remainder as a new set
// instead of popping one by one once the remainder is this many times
// smaller than the count.
const spopMoveStrategyMul = 5

func cmdSpop(c *Client) {
	if len(c.Argv) == 3 {
		spopWithCount(c)
		return
	}
	if len(c.Argv) > 3 {
		c.AddError(ErrSyntax)
		return
	}
	s, db := c.srv, c.db()
	key := c.Argv[1]
	e, ok, wrong := lookupSet(c, key, true)
	if wrong {
		return
	}
	if !ok {
		c.AddNull()
		return
	}
	sv := setOf(e)
	buf := sv.own()
	var mbuf [64]byte
	m := sv.popRandom(s, mbuf[:0])
	c.rewriteArgv(argSREM, key, s.propCopy(m)) // what chance picked, for replay
	s.notifyKeyspaceEvent(config.NotifySet, "spop", key, db.ID)
	c.AddBulkCopy(m)
	if sv.size() == 0 {
		db.Delete(key)
		s.notifyKeyspaceEvent(config.NotifyGeneric, "del", key, db.ID)
	} else if sv.enc != EncHashtable {
		db.Set(key, sv.value(), true)
	}
	sv.release(buf)
	s.keyModified(db, key)
	s.Dirty++
}

func spopWithCount(c *Client) {
	s, db := c.srv, c.db()
	key := c.Argv[1]
	l, ok := parseInt(c.Argv[2])
	if !ok || l < 0 {
		c.AddError(ErrNegativeCount)
		return
	}
	count := int(l)
	e, ok, wrong := lookupSet(c, key, true)
	if wrong {
		return
	}
	if !ok || count == 0 {
		addEmptySet(c)
		return
	}
	sv := setOf(e)
	size := sv.size()
	s.notifyKeyspaceEvent(config.NotifySet, "spop", key, db.ID)
	s.Dirty += int64(min(count, size))

	// Case 1: everything goes; the reply is what SUNION of the set gives.
	if count >= size {
		replyUnion(c, sv)
		c.rewriteArgv(delOrUnlink(s.Cfg.LazyfreeLazyServerDel), key)
		db.Delete(key)
		s.notifyKeyspaceEvent(config.NotifyGeneric, "del", key, db.ID)
		s.keyModified(db, key)
		return
	}

	remaining := size - count
	c.AddSetLen(count)
	// What chance picked is propagated as SREMs instead.
	c.preventPropagation()
	pb := s.newPropBatch(db.ID, argSREM, key)
	defer pb.flush()
	buf := sv.own()
	var newSet setVal
	replaced := false
	switch {
	case remaining*spopMoveStrategyMul > count && sv.enc == EncListpack:
		// Case 2 on a listpack: one walk picks count entries in order.
		lp := sv.b
		p, index := listpack.First(lp), 0
		picked := make([]int, 0, count)
		for i := 0; i < count; i++ {
			p = lpNextRandom(s, lp, p, &index, count-i)
			str, v, isInt := listpack.Get(lp, p)
			addMember(c, str, v, isInt)
			pb.addMember(str, v, isInt)
			picked = append(picked, p)
			p = listpack.Next(lp, p)
			index++
		}
		sv.b = lpDeleteOffsets(lp, picked)
	case remaining*spopMoveStrategyMul > count:
		// Case 2: pop count random members one by one.
		var mbuf [64]byte
		for range count {
			m := sv.popRandom(s, mbuf[:0])
			c.AddBulkCopy(m)
			pb.add(m)
		}
	default:
		// Case 3: most members go. Move the few that stay to a new set,
		// then reply with what is left of the old one.
		if sv.enc == EncListpack {
			newSet = newListpackVal()
			lp := sv.b
			p, index := listpack.First(lp), 0
			picked := make([]int, 0, remaining)
			for i := 0; i < remaining; i++ {
				p = lpNextRandom(s, lp, p, &index, remaining-i)
				str, v, isInt := listpack.Get(lp, p)
				newSet.add(s.Cfg, str, v, isInt)
				picked = append(picked, p)
				p = listpack.Next(lp, p)
				index++
			}
			sv.b = lpDeleteOffsets(lp, picked)
		} else {
			for i := 0; i < remaining; i++ {
				str, v, isInt := sv.random(s)
				if i == 0 {
					if isInt {
						newSet = newIntsetVal()
					} else {
						newSet = newListpackVal()
					}
				}
				if !isInt {
					str = append([]byte(nil), str...) // removal below reuses the table's slot
				}
				newSet.add(s.Cfg, str, v, isInt)
				sv.remove(str, v, isInt)
			}
		}
		it := sv.iter()
		for {
			str, v, isInt, ok := it.next()
			if !ok {
				break
			}
			addMember(c, str, v, isInt)
			pb.addMember(str, v, isInt)
		}
		replaced = true
	}
	if replaced {
		db.Set(key, newSet.value(), true)
	} else if sv.enc != EncHashtable {
		db.Set(key, sv.value(), true)
	}
	sv.release(buf)
	s.keyModified(db, key)
}

// lpDeleteOffsets deletes the entries at the given ascending offsets in
// one pass (lpBatchDelete).
func lpDeleteOffsets(lp []byte, offs []int) []byte {
	// Back to front: deleting an entry moves only what follows it.
	for i := len(offs) - 1; i >= 0; i-- {
		lp = listpack.Delete(lp, offs[i])
	}
	return lp
}

// srandmemberSubStrategyMul: SRANDMEMBER with a count copies the whole set
// and removes members when the set is at most this many times the count.
const srandmemberSubStrategyMul = 3

// srandRandomSampleLimit bounds the listpack entries sampled per round.
const srandRandomSampleLimit = 1000

func cmdSrandmember(c *Client) {
	if len(c.Argv) == 3 {
		srandmemberWithCount(c)
		return
	}
	if len(c.Argv) > 3 {
		c.AddError(ErrSyntax)
		return
	}
	e, ok, wrong := lookupSet(c, c.Argv[1], false)
	if wrong {
		return
	}
	if !ok {
		c.AddNull()
		return
	}
	sv := setOf(e)
	str, v, isInt := sv.random(c.srv)
	addMember(c, str, v, isInt)
}

func srandmemberWithCount(c *Client) {
	s := c.srv
	l, ok := parseInt(c.Argv[2])
	if !ok {
		c.AddError(ErrNotInteger)
		return
	}
	if l == -1<<63 {
		c.AddError("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807")
		return
	}
	uniq := l >= 0
	count := l
	if !uniq {
		count = -l
	}
	e, ok, wrong := lookupSet(c, c.Argv[1], false)
	if wrong {
		return
	}
	if !ok || count == 0 {
		c.AddArrayLen(0)
		return
	}
	sv := setOf(e)
	size := int64(sv.size())

	// Case 1: repeats allowed (or just one): independent picks.
	if !uniq || count == 1 {
		c.AddArrayLen(int(count))
		if sv.enc == EncListpack && count > 1 {
			limit := min(count, srandRandomSampleLimit)
			picks := make([]lpPick, limit)
			for count > 0 {
				n := min(count, limit)
				count -= n
				lpRandomEntries(s, sv.b, picks[:n], func(str []byte, v int64, isInt bool) {
					addMember(c, str, v, isInt)
				})
				if c.replyPastLimit() {
					break
				}
			}
			return
		}
		for ; count > 0 && !c.replyPastLimit(); count-- {
			str, v, isInt := sv.random(s)
			addMember(c, str, v, isInt)
		}
		return
	}

	// Case 2: the whole set.
	if count >= size {
		c.AddArrayLen(int(size))
		it := sv.iter()
		for {
			str, v, isInt, ok := it.next()
			if !ok {
				break
			}
			addMember(c, str, v, isInt)
		}
		return
	}

	// Case 2.5: a listpack is sampled in one ordered walk.
	if sv.enc == EncListpack {
		c.AddArrayLen(int(count))
		lp := sv.b
		p, index := listpack.First(lp), 0
		for left := int(count); left > 0; left-- {
			p = lpNextRandom(s, lp, p, &index, left)
			str, v, isInt := listpack.Get(lp, p)
			addMember(c, str, v, isInt)
			p = listpack.Next(lp, p)
			index++
		}
		return
	}

	// Cases 3 and 4 collect distinct members in a scratch table.
	n := int(count)
	tmp := strset.New(n)
	var buf [20]byte
	if count*srandmemberSubStrategyMul > size {
		// Case 3: copy everything, then drop random members.
		tmp.Expand(int(size))
		it := sv.iter()
		for {
			str, v, isInt, ok := it.next()
			if !ok {
				break
			}
			tmp.Add(memberText(str, v, isInt, &buf))
		}
		for tmp.Len() > n {
			tmp.RemoveAt(s.rand.IntN(tmp.Len()))
		}
	} else {
		// Case 4: draw until count distinct members are found.
		for tmp.Len() < n {
			str, v, isInt := sv.random(s)
			tmp.Add(memberText(str, v, isInt, &buf))
		}
	}
	c.AddArrayLen(n)
	for i := range tmp.Len() {
		c.AddBulkCopy(tmp.At(i))
	}
}

// lpPick is one draw of lpRandomEntries: an entry number and the order
// it was drawn in.
type lpPick struct{ index, order int }

// lpRandomEntries draws len(picks) entries of lp uniformly with repeats
// and calls fn with them in draw order, walking lp once.
func lpRandomEntries(s *Server, lp []byte, picks []lpPick, fn func(str []byte, v int64, isInt bool)) {
	total := listpack.Len(lp)
	for i := range picks {
		picks[i] = lpPick{index: s.rand.IntN(total), order: i}
	}
	// Offsets by entry number, for the picks in draw order.
	sortPicksByIndex(picks)
	offs := make([]int, len(picks))
	p, j := listpack.First(lp), 0
	for _, pk := range picks {
		for j < pk.index {
			p = listpack.Next(lp, p)
			j++
		}
		offs[pk.order] = p
	}
	for _, off := range offs {
		str, v, isInt := listpack.Get(lp, off)
		fn(str, v, isInt)
	}
}

func sortPicksByIndex(picks []lpPick) {
	// Insertion sort: at most srandRandomSampleLimit picks.
	for i := 1; i < len(picks); i++ {
		for j := i; j > 0 && picks[j].index < picks[j-1].index; j-- {
			picks[j], picks[j-1] = picks[j-1], picks[j]
		}
	}
}

// ---- SINTER, SINTERCARD, SINTERSTORE ----

func cmdSinter(c *Client) { sinterGeneric(c, c.Argv[1:], nil, false, 0) }

func cmdSinterstore(c *Client) { sinterGeneric(c, c.Argv[2:], c.Argv[1], false, 0) }

func cmdSintercard(c *Client) {
	numkeys, ok := parseInt(c.Argv[1])
	if !ok || numkeys < 1 {
		c.AddError("ERR numkeys should be greater than 0")
		return
	}
	if numkeys > int64(len(c.Argv)-2) {
		c.AddError("ERR Number of keys can't be greater than number of args")
		return
	}
	var limit int64
	for j := 2 + int(numkeys); j < len(c.Argv); j++ {
		if equalFoldASCII(c.Argv[j], "limit") && j < len(c.Argv)-1 {
			j++
			l, ok := parseInt(c.Argv[j])
			if !ok || l < 0 {
				c.AddError("ERR LIMIT can't be negative")
				return
			}
			limit = l
		} else {
			c.AddError(ErrSyntax)
			return
		}
	}
	sinterGeneric(c, c.Argv[2:2+numkeys], nil, true, limit)
}

// setIn is one input set of SINTER, SUNION or SDIFF.
type setIn struct {
	sv      setVal
	present bool // false: a missing key, an empty set
	same    int  // index of the first input naming the same key's set
	addr    uintptr
}

// size is the input's cardinality, 0 when missing.
func (in *setIn) size() int {
	if !in.present {
		return 0
	}
	return in.sv.size()
}

// maxStackInputs is how many inputs the set algebra keeps on the stack.
const maxStackInputs = 8

// lookupSets reads the sets named by keys, appending them to ins (which
// the caller may back with an array on its stack). It replies WRONGTYPE
// and reports false if a key holds another type.
func lookupSets(c *Client, keys [][]byte, ins []setIn) ([]setIn, bool) {
	db := c.db()
	for i, key := range keys {
		ins = append(ins, setIn{same: i})
		e, found := db.Lookup(key)
		if !found {
			continue
		}
		if typeOf(e) != TypeSet {
			c.AddError(ErrWrongType)
			return nil, false
		}
		in := &ins[i]
		in.sv, in.present, in.addr = setOf(e), true, uintptr(e.Addr())
		for j := 0; j < i; j++ {
			if ins[j].present && ins[j].addr == in.addr {
				in.same = ins[j].same
				break
			}
		}
	}
	return ins, true
}

// storeSetResult stores a non-empty result at dst, or deletes dst for an
// empty one, and replies with the result's size, as the *STORE commands.
func storeSetResult(c *Client, dst []byte, res *setVal, event string) {
	s, db := c.srv, c.db()
	if n := res.size(); n > 0 {
		db.Set(dst, res.value(), false)
		s.keyModified(db, dst)
		s.notifyKeyspaceEvent(config.NotifySet, event, dst, db.ID)
		s.Dirty++
		c.AddInt(int64(n))
		return
	}
	deleteStoreTarget(c, dst)
}

// deleteStoreTarget deletes dst for an empty *STORE result (dbDelete: an
// expired key not yet reclaimed counts as deleted) and replies 0.
func deleteStoreTarget(c *Client, dst []byte) {
	s, db := c.srv, c.db()
	if db.Delete(dst) {
		s.keyModified(db, dst)
		s.notifyKeyspaceEvent(config.NotifyGeneric, "del", dst, db.ID)
		s.Dirty++
	}
	c.AddInt(0)
}

func sinterGeneric(c *Client, keys [][]byte, dst []byte, cardOnly bool, limit int64) {
	s := c.srv
	var inBuf [maxStackInputs]setIn
	ins, ok := lookupSets(c, keys, inBuf[:0])
	if !ok {
		return
	}
	for i := range ins {
		if !ins[i].present {
			switch {
			case dst != nil:
				deleteStoreTarget(c, dst)
			case cardOnly:
				c.AddInt(0)
			default:
				addEmptySet(c)
			}
			return
		}
	}
	// Smallest first: every member of the first is looked up in the rest.
	var orderBuf [maxStackInputs]int
	order := orderBuf[:0]
	for i := range ins {
		order = append(order, i)
	}
	sortStableBy(order, func(a, b int) bool { return ins[a].sv.size() < ins[b].sv.size() })
	first := &ins[order[0]]

	var res setVal
	var d Deferred
	if dst != nil {
		switch first.sv.enc {
		case EncIntset:
			res = newIntsetVal()
		case EncListpack:
			res = setVal{enc: EncListpack, b: listpack.New(len(first.sv.b))}
		default:
			res = newListpackVal()
		}
	} else if !cardOnly {
		d = c.AddDeferredLen()
	}
	onlyIntegers := true
	var card int64
	it := first.sv.iter()
scan:
	for {
		str, v, isInt, ok := it.next()
		if !ok {
			break
		}
		for _, j := range order[1:] {
			if ins[j].same == first.same {
				continue
			}
			if !ins[j].sv.has(str, v, isInt) {
				continue scan
			}
		}
		switch {
		case cardOnly:
			card++
			if limit > 0 && card >= limit {
				break scan
			}
		case dst == nil:
			addMember(c, str, v, isInt)
			card++
		default:
			if !isInt && onlyIntegers {
				if n, ok := parseInt(str); ok && first.sv.enc == EncHashtable {
					if res.enc != EncHashtable {
						str, v, isInt = nil, n, true // cheaper to add as an integer
					}
				} else {
					onlyIntegers = false
				}
			}
			res.add(s.Cfg, str, v, isInt)
		}
	}
	switch {
	case cardOnly:
		c.AddInt(card)
	case dst != nil:
		if res.size() > 0 && onlyIntegers {
			res.maybeToIntset(s.Cfg)
		}
		storeSetResult(c, dst, &res, "sinterstore")
	default:
		c.SetDeferredSetLen(d, int(card))
	}
}

// sortStableBy sorts idx stably by less (few elements: insertion sort).
func sortStableBy(idx []int, less func(a, b int) bool) {
	for i := 1; i < len(idx); i++ {
		for j := i; j > 0 && less(idx[j], idx[j-1]); j-- {
			idx[j], idx[j-1] = idx[j-1], idx[j]
		}
	}
}

// ---- SUNION, SDIFF and their STORE forms ----

const (
	setOpUnion = iota
	setOpDiff
)

func cmdSunion(c *Client)      { sunionDiffGeneric(c, c.Argv[1:], nil, setOpUnion) }
func cmdSunionstore(c *Client) { sunionDiffGeneric(c, c.Argv[2:], c.Argv[1], setOpUnion) }
func cmdSdiff(c *Client)       { sunionDiffGeneric(c, c.Argv[1:], nil, setOpDiff) }
func cmdSdiffstore(c *Client)  { sunionDiffGeneric(c, c.Argv[2:], c.Argv[1], setOpDiff) }

func sunionDiffGeneric(c *Client, keys [][]byte, dst []byte, op int) {
	var inBuf [maxStackInputs]setIn
	ins, ok := lookupSets(c, keys, inBuf[:0])
	if !ok {
		return
	}
	res := computeSetOp(c.srv, ins, dst != nil, op)
	if dst == nil {
		replySet(c, &res)
		return
	}
	event := "sunionstore"
	if op == setOpDiff {
		event = "sdiffstore"
	}
	storeSetResult(c, dst, &res, event)
}

// replyUnion replies with the members of sv the way SUNION of its one key
// would (SPOP of the whole set).
func replyUnion(c *Client, sv setVal) {
	ins := [1]setIn{{sv: sv, present: true}}
	res := computeSetOp(c.srv, ins[:], false, setOpUnion)
	replySet(c, &res)
}

// replySet replies with every member of res, as a set.
func replySet(c *Client, res *setVal) {
	c.AddSetLen(res.size())
	it := res.iter()
	for {
		str, v, isInt, ok := it.next()
		if !ok {
			break
		}
		addMember(c, str, v, isInt)
	}
}

// computeSetOp builds the union or difference of the inputs the way
// Valkey's sunionDiffGenericCommand does, so the result's encoding
// (observable once stored) and, for compact results, member order match:
// the result starts as an intset when storing or when every input is an
// intset, as a table otherwise, and converts as members are added.
func computeSetOp(s *Server, ins []setIn, store bool, op int) setVal {
	startIntset := true
	sameSet := false
	for i := range ins {
		in := &ins[i]
		if !in.present {
			continue
		}
		if !store && in.sv.enc != EncIntset {
			startIntset = false
		}
		if i > 0 && ins[0].present && in.same == ins[0].same {
			sameSet = true
		}
	}
	var orderBuf [maxStackInputs]int
	order := orderBuf[:0]
	for i := range ins {
		order = append(order, i)
	}
	algo := 1
	if op == setOpDiff && ins[0].present && !sameSet {
		algoOne, algoTwo := 0, 0
		for j := range ins {
			if ins[j].present {
				algoOne += ins[0].sv.size()
				algoTwo += ins[j].sv.size()
			}
		}
		algoOne /= 2
		if algoOne > algoTwo {
			algo = 2
		}
		if algo == 1 && len(ins) > 1 {
			// Largest first: members are more likely found early.
			sortStableBy(order[1:], func(a, b int) bool { return ins[a].size() > ins[b].size() })
		}
	}
	var res setVal
	if startIntset {
		res = newIntsetVal()
	} else {
		res = newHashtableVal(0)
	}
	cfg := s.Cfg
	switch {
	case op == setOpUnion:
		for i := range ins {
			if !ins[i].present {
				continue
			}
			it := ins[i].sv.iter()
			for {
				str, v, isInt, ok := it.next()
				if !ok {
					break
				}
				res.add(cfg, str, v, isInt)
			}
		}
	case sameSet:
		// The first set is subtracted from itself: nothing is left.
	case ins[0].present && algo == 1:
		it := ins[0].sv.iter()
	members:
		for {
			str, v, isInt, ok := it.next()
			if !ok {
				break
			}
			for _, j := range order[1:] {
				if ins[j].present && ins[j].sv.has(str, v, isInt) {
					continue members
				}
			}
			res.add(cfg, str, v, isInt)
		}
	case ins[0].present:
		for j := range ins {
			if !ins[j].present {
				continue
			}
			it := ins[j].sv.iter()
			for {
				str, v, isInt, ok := it.next()
				if !ok {
					break
				}
				if j == 0 {
					res.add(cfg, str, v, isInt)
				} else {
					res.remove(str, v, isInt)
				}
			}
			if res.size() == 0 {
				break
			}
		}
	}
	return res
}

// ---- SSCAN ----

func cmdSscan(c *Client) {
	cursor, ok := parseScanCursor(c.Argv[2])
	if !ok {
		c.AddError(errInvalidCursor)
		return
	}
	e, ok, wrong := lookupSet(c, c.Argv[1], false)
	if wrong {
		return
	}
	if !ok {
		c.AddRawString(replyEmptyScan)
		return
	}
	o, ok := parseScanOptions(c, 3, TypeSet)
	if !ok {
		return
	}
	count, pattern := o.count, o.pattern
	sv := setOf(e)
	var members []byte
	var ends []int
	keep := func(m []byte) {
		if pattern != nil && !globMatch(pattern, m, false) {
			return
		}
		members = append(members, m...)
		ends = append(ends, len(members))
	}
	if sv.enc == EncHashtable {
		// Up to count buckets' members, or ten times count buckets visited
		// when the table is sparse.
		var sampled int64
		maxIter := count * 10
		for {
			cursor = sv.ht.Scan(cursor, func(m []byte) { sampled++; keep(m) })
			if cursor == 0 || maxIter == 0 {
				break
			}
			maxIter--
			if sampled >= count {
				break
			}
		}
	} else {
		// A compact set is returned whole, ending the scan.
		var buf [20]byte
		it := sv.iter()
		for {
			str, v, isInt, ok := it.next()
			if !ok {
				break
			}
			keep(memberText(str, v, isInt, &buf))
		}
		cursor = 0
	}
	c.AddArrayLen(2)
	c.AddBulkString(strconv.FormatUint(cursor, 10))
	c.AddArrayLen(len(ends))
	prev := 0
	for _, end := range ends {
		c.AddBulkCopy(members[prev:end])
		prev = end
	}
}
