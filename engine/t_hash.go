package engine

import (
	"math"
	"math/big"
	"strconv"
	"strings"
	"sync"

	"github.com/volleydb/volley/engine/config"
	"github.com/volleydb/volley/engine/keyspace"
)

// The hash group, as Valkey 9.0's t_hash.c: HSET and friends over two
// encodings, and the hash field expiration commands.
//
// A small hash is a listpack in the record's value bytes (kind
// kindHashListpack): pointer-free, one slab slot per key. Past
// hash-max-listpack-entries fields or a field or value longer than
// hash-max-listpack-value it becomes a hashObj in Value.Obj (kind
// kindHashTable), and never goes back. A listpack holds no expiries: giving
// a field a time to live converts the hash, as Valkey does, so OBJECT
// ENCODING says hashtable for any hash that had a volatile field.

var hashHandlers = map[string]Handler{
	"hset":         cmdHset,
	"hmset":        cmdHset,
	"hsetnx":       cmdHsetnx,
	"hget":         cmdHget,
	"hmget":        cmdHmget,
	"hdel":         cmdHdel,
	"hlen":         cmdHlen,
	"hstrlen":      cmdHstrlen,
	"hexists":      cmdHexists,
	"hincrby":      cmdHincrby,
	"hincrbyfloat": cmdHincrbyfloat,
	"hkeys":        func(c *Client) { hashGetAll(c, true, false) },
	"hvals":        func(c *Client) { hashGetAll(c, false, true) },
	"hgetall":      func(c *Client) { hashGetAll(c, true, true) },
	"hrandfield":   cmdHrandfield,
	"hscan":        cmdHscan,
	"hexpire":      func(c *Client) { hashExpireGeneric(c, false, true) },
	"hpexpire":     func(c *Client) { hashExpireGeneric(c, true, true) },
	"hexpireat":    func(c *Client) { hashExpireGeneric(c, false, false) },
	"hpexpireat":   func(c *Client) { hashExpireGeneric(c, true, false) },
	"httl":         func(c *Client) { hashTTLGeneric(c, false, true) },
	"hpttl":        func(c *Client) { hashTTLGeneric(c, true, true) },
	"hexpiretime":  func(c *Client) { hashTTLGeneric(c, false, false) },
	"hpexpiretime": func(c *Client) { hashTTLGeneric(c, true, false) },
	"hpersist":     cmdHpersist,
	"hsetex":       cmdHsetex,
	"hgetex":       cmdHgetex,
}

const (
	kindHashListpack = TypeHash | EncListpack
	kindHashTable    = TypeHash | EncHashtable
)

// Error replies of the hash group.
const (
	errHashNotInt    = "ERR hash value is not an integer"
	errHashNotFloat  = "ERR hash value is not a float"
	errHashNaNInf    = "ERR value is NaN or Infinity"
	errHashNumFields = "ERR numfields should be greater than 0 and match the provided number of fields"
	errHashRange     = "ERR value is out of range"
)

// Results of the field expiry commands, per field.
const (
	hexpNoField   = -2 // no such field or key
	hexpNoTTL     = -1 // HPERSIST: the field has no expiry
	hexpCondition = 0  // NX/XX/GT/LT said no
	hexpSet       = 1
	hexpDeleted   = 2 // the time was not in the future: the field is gone
)

// Conditions of HEXPIRE and friends.
const (
	hexpNX = 1 << iota
	hexpXX
	hexpGT
	hexpLT
)

// hashState is the server's hash bookkeeping: the expired_fields counter
// and, per database, the hashes that have fields with a time to live
// (Valkey's keys_with_volatile_items), which the active cycle visits.
type hashState struct {
	ExpiredFields int64   // INFO stats expired_fields
	StalePerc     float64 // INFO stats expired_keys_with_volatile_items_stale_perc, a fraction

	// volatile is keyed by the database's main table, so SWAPDB (which
	// swaps tables) carries it along and FLUSHDB (which replaces the table)
	// leaves it behind, to be dropped by the cycle.
	volatile map[*keyspace.Table]map[string]*hashObj
}

// hashElem is a field or a value as read from either encoding: bytes, or
// an integer that a listpack keeps in integer form.
type hashElem struct {
	s     []byte
	n     int64
	isInt bool
	ref   bool // s is immutable (a hashObj string) and may be sent by reference
}

// len is the length of the element's text.
func (x hashElem) len() int {
	if x.isInt {
		return digits10(x.n)
	}
	return len(x.s)
}

// text is the element's bytes, using buf for an integer.
func (x hashElem) text(buf []byte) []byte {
	if x.isInt {
		return strconv.AppendInt(buf[:0], x.n, 10)
	}
	return x.s
}

func digits10(n int64) int {
	if n < 0 {
		if n == math.MinInt64 {
			return 20
		}
		return digits10(-n) + 1
	}
	d := 1
	for n >= 10 {
		n /= 10
		d++
	}
	return d
}

func (c *Client) addHashElem(x hashElem) {
	switch {
	case x.isInt:
		c.AddBulkInt(x.n)
	case x.ref:
		c.AddBulk(x.s)
	default:
		c.AddBulkCopy(x.s)
	}
}

func fieldElem(f *hashField) hashElem { return hashElem{s: bstr(f.name), ref: true} }
func valueElem(f *hashField) hashElem { return hashElem{s: bstr(f.value), ref: true} }

// hashRef is a stored hash as a read command sees it.
type hashRef struct {
	lp []byte // listpack encoding: aliases the record, valid until the key changes
	ht *hashObj
}

func hashRefOf(e keyspace.Entry) hashRef {
	if e.Kind() == kindHashTable {
		return hashRef{ht: e.Obj().(*hashObj)}
	}
	return hashRef{lp: e.Value()}
}

func (h hashRef) get(field []byte, now int64) (hashElem, bool) {
	if h.ht != nil {
		if f := h.ht.get(field, now); f != nil {
			return valueElem(f), true
		}
		return hashElem{}, false
	}
	return lpHashGet(h.lp, field)
}

// length is HLEN: fields stored, expired or not.
func (h hashRef) length() int {
	if h.ht != nil {
		return h.ht.n
	}
	return lpHashLen(h.lp)
}

// each calls fn for every live field and its value until fn returns false.
func (h hashRef) each(now int64, fn func(f, v hashElem) bool) {
	if h.ht != nil {
		h.ht.each(now, func(f *hashField) bool { return fn(fieldElem(f), valueElem(f)) })
		return
	}
	lpHashEach(h.lp, fn)
}

// hashLookupRead finds key for a read command: ok is false when the key is
// missing or of another type (then WRONGTYPE has been sent).
func (c *Client) hashLookupRead(key []byte) (h hashRef, found, ok bool) {
	e, found := c.db().Lookup(key)
	if !found {
		return hashRef{}, false, true
	}
	if typeOf(e) != TypeHash {
		c.AddError(ErrWrongType)
		return hashRef{}, true, false
	}
	return hashRefOf(e), true, true
}

// lpPool holds scratch buffers in which write commands build a listpack
// before storing it, so a steady stream of HSETs allocates nothing.
var lpPool = sync.Pool{New: func() any { b := make([]byte, 0, 256); return &b }}

// hashW is a hash being changed by one command. A listpack is edited in a
// pooled copy and stored once at the end; a hashObj is changed in place.
type hashW struct {
	c     *Client
	db    *DB
	key   []byte
	lp    []byte   // the working listpack, nil when ht is set
	buf   *[]byte  // lp's pooled buffer
	ht    *hashObj // hashtable encoding
	isNew bool     // created by this command, not yet stored
	dirty bool     // lp changed or ht must be stored anew
}

// open finds key for writing. A missing key is created (in memory, stored
// by store) when create is set. It reports whether the command goes on:
// false after WRONGTYPE. w.exists() tells whether there is a hash.
func (w *hashW) open(c *Client, key []byte, create bool) bool {
	w.c, w.db, w.key = c, c.db(), key
	e, found := w.db.LookupWrite(key)
	if found {
		if typeOf(e) != TypeHash {
			c.AddError(ErrWrongType)
			return false
		}
		if e.Kind() == kindHashTable {
			w.ht = e.Obj().(*hashObj)
			return true
		}
		w.buf = lpPool.Get().(*[]byte)
		w.lp = append((*w.buf)[:0], e.Value()...)
		return true
	}
	if create {
		w.create()
	}
	return true
}

// create starts an empty listpack hash for a missing key.
func (w *hashW) create() {
	w.buf = lpPool.Get().(*[]byte)
	w.lp = lpHashNew((*w.buf)[:0])
	w.isNew, w.dirty = true, true
}

func (w *hashW) exists() bool { return w.lp != nil || w.ht != nil }

// release returns the scratch buffer; w.lp is invalid afterwards.
func (w *hashW) release() {
	if w.buf != nil {
		if cap(w.lp) <= 64<<10 {
			*w.buf = w.lp[:0]
			lpPool.Put(w.buf)
		}
		w.buf, w.lp = nil, nil
	}
}

func (w *hashW) length() int {
	if w.ht != nil {
		return w.ht.n
	}
	if w.lp != nil {
		return lpHashLen(w.lp)
	}
	return 0
}

func (w *hashW) get(field []byte, now int64) (hashElem, bool) {
	switch {
	case w.ht != nil:
		return hashRef{ht: w.ht}.get(field, now)
	case w.lp != nil:
		return lpHashGet(w.lp, field)
	}
	return hashElem{}, false
}

// convert turns a listpack hash into a hashtable with room for hint
// fields (hashTypeConvertListpack).
func (w *hashW) convert(hint int) {
	n := lpHashLen(w.lp)
	if hint < n {
		hint = n
	}
	h := newHashObj(hint)
	var fb, vb [20]byte // two buffers: the conversions may run after both calls
	lpHashEach(w.lp, func(f, v hashElem) bool {
		h.add(f.text(fb[:]), string(v.text(vb[:])), hashNoTTL)
		return true
	})
	w.release()
	w.ht, w.dirty = h, true
}

// tryConversion converts before a write of the given field/value
// arguments when they could not all fit a listpack (hashTypeTryConversion).
func (w *hashW) tryConversion(args [][]byte) {
	if w.lp == nil {
		return
	}
	cfg := w.c.srv.Cfg
	if len(args)/2 > cfg.HashMaxListpackEntries {
		w.convert(len(args) / 2)
		return
	}
	for _, a := range args {
		if len(a) > cfg.HashMaxListpackValue {
			w.convert(0)
			return
		}
	}
}

// set writes field=value with expiry expire (or hashNoTTL), as
// hashTypeSet: with keepTTL an existing live field keeps its expiry. It
// reports whether a live field was updated and whether an expired one
// was overwritten (which counts as an expiry).
func (w *hashW) set(field, value []byte, expire int64, keepTTL bool) (update, expiredOverwritten bool) {
	cfg := w.c.srv.Cfg
	if w.lp != nil && (expire != hashNoTTL || len(field) > cfg.HashMaxListpackValue || len(value) > cfg.HashMaxListpackValue) {
		w.convert(0)
	}
	if w.lp != nil {
		w.lp, update = lpHashSet(w.lp, field, value)
		w.dirty = true
		if lpHashLen(w.lp) > cfg.HashMaxListpackEntries {
			w.convert(0)
		}
		return update, false
	}
	h := w.ht
	f := h.find(field)
	if f == nil {
		h.add(field, string(value), expire)
		return false, false
	}
	expiredOverwritten = f.expire != hashNoTTL && pastExpiry(w.c.srv, f.expire)
	if !expiredOverwritten && keepTTL {
		expire = f.expire
	}
	f.value = string(value)
	h.setExpire(f, expire)
	return !expiredOverwritten, expiredOverwritten
}

// del deletes a live field (any stored field with ignoreTTL) and reports
// whether it did.
func (w *hashW) del(field []byte, ignoreTTL bool) bool {
	switch {
	case w.ht != nil:
		f := w.ht.find(field)
		// A file being loaded deletes what it says: its fields had not
		// expired when it was written (Valkey ignores expiry while loading).
		if f == nil || (!ignoreTTL && !w.c.srv.loading && f.expired(w.c.srv.Now())) {
			return false
		}
		w.ht.remove(field)
		return true
	case w.lp != nil:
		var ok bool
		w.lp, ok = lpHashDel(w.lp, field)
		w.dirty = w.dirty || ok
		return ok
	}
	return false
}

// setExpire gives field the expiry when under the NX/XX/GT/LT flags
// (hashTypeSetExpire) and returns the field's result code.
func (w *hashW) setExpire(field []byte, when int64, flags int) int {
	if !w.exists() {
		return hexpNoField
	}
	now := w.c.srv.Now()
	past := pastExpiry(w.c.srv, when)
	if w.lp != nil {
		if _, ok := lpHashGet(w.lp, field); !ok {
			return hexpNoField
		}
		switch {
		case flags&(hexpXX|hexpGT) != 0:
			return hexpCondition
		case past:
			w.del(field, false)
			return hexpDeleted
		}
		w.convert(0)
	}
	f := w.ht.get(field, now)
	if f == nil {
		return hexpNoField
	}
	cur := f.expire
	switch {
	case flags&hexpNX != 0 && cur != hashNoTTL,
		flags&hexpXX != 0 && cur == hashNoTTL,
		flags&hexpGT != 0 && (cur == hashNoTTL || when <= cur),
		flags&hexpLT != 0 && cur != hashNoTTL && when >= cur:
		return hexpCondition
	}
	if past {
		w.ht.remove(field)
		return hexpDeleted
	}
	w.ht.setExpire(f, when)
	return hexpSet
}

// persist removes field's expiry (hashTypePersist) and returns the
// field's result code.
func (w *hashW) persist(field []byte) int {
	switch {
	case w.ht != nil:
		f := w.ht.get(field, w.c.srv.Now())
		if f == nil {
			return hexpNoField
		}
		if f.expire == hashNoTTL {
			return hexpNoTTL
		}
		w.ht.setExpire(f, hashNoTTL)
		return hexpSet
	case w.lp != nil:
		if _, ok := lpHashGet(w.lp, field); ok {
			return hexpNoTTL
		}
	}
	return hexpNoField
}

// store saves what changed: the listpack bytes, or a hashtable new to
// this key; it keeps the key's time to live and the volatile index.
func (w *hashW) store() {
	switch {
	case w.lp != nil && w.dirty:
		w.db.Set(w.key, keyspace.Value{Kind: kindHashListpack, Bytes: w.lp}, true)
	case w.ht != nil && w.dirty:
		w.db.Set(w.key, keyspace.Value{Kind: kindHashTable, Obj: w.ht}, true)
	case w.ht != nil:
		w.c.srv.hash.track(w.db, w.key, w.ht)
	}
	w.isNew, w.dirty = false, false
}

// finish stores the hash, or deletes the key when it was left with no
// fields (with the "del" event, as Valkey sends it even for a hash this
// command created and emptied), and releases the scratch buffer.
func (w *hashW) finish() (deleted bool) {
	if w.exists() && w.length() == 0 {
		if !w.isNew {
			w.db.Delete(w.key)
		}
		w.c.srv.notifyKeyspaceEvent(config.NotifyGeneric, "del", w.key, w.db.ID)
		deleted = true
	} else if w.exists() {
		w.store()
	}
	w.release()
	return deleted
}

// modified signals the key's change and counts n changes.
func (w *hashW) modified(n int) {
	s := w.c.srv
	s.Dirty += int64(n)
	s.keyModified(w.db, w.key)
}

func (w *hashW) notify(event string) {
	w.c.srv.notifyKeyspaceEvent(config.NotifyHash, event, w.key, w.db.ID)
}

// ---- Commands ----

func cmdHset(c *Client) {
	if len(c.Argv)%2 == 1 {
		c.AddError("ERR wrong number of arguments for '" + c.Cmd.FullName + "' command")
		return
	}
	var w hashW
	if !w.open(c, c.Argv[1], true) {
		return
	}
	args := c.Argv[2:]
	w.tryConversion(args)
	created, expired := 0, 0
	for i := 0; i < len(args); i += 2 {
		update, exp := w.set(args[i], args[i+1], hashNoTTL, false)
		if !update {
			created++
		}
		if exp {
			expired++
		}
	}
	w.finish()
	w.modified(len(args) / 2)
	s := c.srv
	if expired > 0 {
		s.hash.ExpiredFields += int64(expired)
		w.notify("hexpired")
	}
	w.notify("hset")
	if c.Cmd.Name == "hset" {
		c.AddInt(int64(created))
	} else {
		c.AddOK()
	}
}

func cmdHsetnx(c *Client) {
	var w hashW
	if !w.open(c, c.Argv[1], true) {
		return
	}
	field, value := c.Argv[2], c.Argv[3]
	if _, ok := w.get(field, c.srv.Now()); ok {
		w.release()
		c.AddInt(0)
		return
	}
	w.tryConversion(c.Argv[2:4])
	_, expired := w.set(field, value, hashNoTTL, false)
	w.finish()
	w.modified(1)
	if expired {
		c.srv.hash.ExpiredFields++
		w.notify("hexpired")
	}
	w.notify("hset")
	c.AddInt(1)
}

func cmdHget(c *Client) {
	h, found, ok := c.hashLookupRead(c.Argv[1])
	if !ok {
		return
	}
	if found {
		if v, ok := h.get(c.Argv[2], c.srv.Now()); ok {
			c.addHashElem(v)
			return
		}
	}
	c.AddNull()
}

func cmdHmget(c *Client) {
	h, found, ok := c.hashLookupRead(c.Argv[1])
	if !ok {
		return
	}
	now := c.srv.Now()
	c.AddArrayLen(len(c.Argv) - 2)
	for _, f := range c.Argv[2:] {
		if found {
			if v, ok := h.get(f, now); ok {
				c.addHashElem(v)
				continue
			}
		}
		c.AddNull()
	}
}

func cmdHdel(c *Client) {
	var w hashW
	if !w.open(c, c.Argv[1], false) {
		return
	}
	if !w.exists() {
		c.AddInt(0)
		return
	}
	deleted := 0
	for _, f := range c.Argv[2:] {
		if w.del(f, false) {
			deleted++
			if w.length() == 0 {
				break
			}
		}
	}
	if deleted == 0 {
		w.release()
		c.AddInt(0)
		return
	}
	s := c.srv
	s.keyModified(w.db, w.key)
	w.notify("hdel")
	w.finish() // sends "del" when the hash is gone
	s.Dirty += int64(deleted)
	c.AddInt(int64(deleted))
}

func cmdHlen(c *Client) {
	h, found, ok := c.hashLookupRead(c.Argv[1])
	if !ok {
		return
	}
	if !found {
		c.AddInt(0)
		return
	}
	c.AddInt(int64(h.length()))
}

func cmdHstrlen(c *Client) {
	h, found, ok := c.hashLookupRead(c.Argv[1])
	if !ok {
		return
	}
	n := 0
	if found {
		if v, ok := h.get(c.Argv[2], c.srv.Now()); ok {
			n = v.len()
		}
	}
	c.AddInt(int64(n))
}

func cmdHexists(c *Client) {
	h, found, ok := c.hashLookupRead(c.Argv[1])
	if !ok {
		return
	}
	if found {
		if _, ok := h.get(c.Argv[2], c.srv.Now()); ok {
			c.AddInt(1)
			return
		}
	}
	c.AddInt(0)
}

// fieldExpiry is the expiry of a live field, 0 for none or a listpack.
func (w *hashW) fieldExpiry(field []byte) int64 {
	if w.ht != nil {
		if f := w.ht.get(field, w.c.srv.Now()); f != nil {
			return f.expire
		}
	}
	return hashNoTTL
}

func cmdHincrby(c *Client) {
	incr, ok := parseInt(c.Argv[3])
	if !ok {
		c.AddError(ErrNotInteger)
		return
	}
	var w hashW
	if !w.open(c, c.Argv[1], true) {
		return
	}
	field := c.Argv[2]
	var value int64
	if v, found := w.get(field, c.srv.Now()); found {
		if v.isInt {
			value = v.n
		} else if value, ok = parseInt(v.s); !ok {
			w.release()
			c.AddError(errHashNotInt)
			return
		}
	}
	if (incr < 0 && value < 0 && incr < math.MinInt64-value) ||
		(incr > 0 && value > 0 && incr > math.MaxInt64-value) {
		w.release()
		c.AddError(ErrOverflow)
		return
	}
	value += incr
	var nb [20]byte
	expire := w.fieldExpiry(field)
	_, expired := w.set(field, strconv.AppendInt(nb[:0], value, 10), expire, false)
	w.finish()
	w.modified(1)
	if expired {
		c.srv.hash.ExpiredFields++
		w.notify("hexpired")
	}
	w.notify("hincrby")
	c.AddInt(value)
}

func cmdHincrbyfloat(c *Client) {
	incr, ok := parseLongDouble(c.Argv[3])
	if !ok {
		c.AddError(ErrNotFloat)
		return
	}
	if incr.IsInf() {
		c.AddError(errHashNaNInf)
		return
	}
	var w hashW
	if !w.open(c, c.Argv[1], true) {
		return
	}
	field := c.Argv[2]
	value := new(big.Float)
	if v, found := w.get(field, c.srv.Now()); found {
		if v.isInt {
			value.SetInt64(v.n)
		} else if value, ok = parseLongDouble(v.s); !ok {
			w.release()
			c.AddError(errHashNotFloat)
			return
		}
	}
	sum, finite := ldAdd(value, incr)
	if !finite {
		w.release()
		c.AddError(errIncrNaN)
		return
	}
	text := formatLongDoubleHuman(sum)
	expire := w.fieldExpiry(field)
	_, expired := w.set(field, text, expire, false)
	w.finish()
	w.modified(1)
	if expired {
		c.srv.hash.ExpiredFields++
		w.notify("hexpired")
	}
	w.notify("hincrbyfloat")
	c.AddBulk(text)
	c.rewriteArg(0, argHSET) // the result, not the increment, for replay
	c.rewriteArg(3, text)
}

// hashGetAll is HKEYS, HVALS and HGETALL.
func hashGetAll(c *Client, fields, values bool) {
	h, found, ok := c.hashLookupRead(c.Argv[1])
	if !ok {
		return
	}
	both := fields && values
	if !found {
		if both {
			c.AddMapLen(0)
		} else {
			c.AddArrayLen(0)
		}
		return
	}
	d := c.AddDeferredLen()
	n := 0
	h.each(c.srv.Now(), func(f, v hashElem) bool {
		if fields {
			c.addHashElem(f)
		}
		if values {
			c.addHashElem(v)
		}
		n++
		return true
	})
	if both {
		c.SetDeferredMapLen(d, n)
	} else {
		c.SetDeferredArrayLen(d, n)
	}
}

func cmdHscan(c *Client) {
	cursor, ok := parseScanCursor(c.Argv[2])
	if !ok {
		c.AddError(errInvalidCursor)
		return
	}
	h, found, ok := c.hashLookupRead(c.Argv[1])
	if !ok {
		return
	}
	if !found {
		c.AddRawString(replyEmptyScan)
		return
	}
	o, ok := parseScanOptions(c, 3, TypeHash)
	if !ok {
		return
	}
	count, pattern, novalues := o.count, o.pattern, o.noValues
	now := c.srv.Now()
	var out []hashElem
	if h.ht != nil {
		sampled := int64(0)
		maxIter := count * 10
		for {
			cursor = h.ht.scan(cursor, now, func(f *hashField) {
				sampled++
				if pattern != nil && !globMatch(pattern, bstr(f.name), false) {
					return
				}
				out = append(out, fieldElem(f))
				if !novalues {
					out = append(out, valueElem(f))
				}
			})
			if cursor == 0 || maxIter == 0 || sampled >= count {
				break
			}
			maxIter--
		}
	} else {
		var ib [20]byte
		lpHashEach(h.lp, func(f, v hashElem) bool {
			if pattern != nil && !globMatch(pattern, f.text(ib[:]), false) {
				return true
			}
			out = append(out, f)
			if !novalues {
				out = append(out, v)
			}
			return true
		})
		cursor = 0
	}
	c.AddArrayLen(2)
	c.AddBulkString(strconv.FormatUint(cursor, 10))
	c.AddArrayLen(len(out))
	for _, x := range out {
		c.addHashElem(x)
	}
}

// hrandfieldSampleLimit bounds one batch of listpack picks for a negative
// count (HRANDFIELD_RANDOM_SAMPLE_LIMIT).
const hrandfieldSampleLimit = 1000

func cmdHrandfield(c *Client) {
	if len(c.Argv) == 2 {
		h, found, ok := c.hashLookupRead(c.Argv[1])
		if !ok {
			return
		}
		if !found {
			c.AddNull()
			return
		}
		if f, _, ok := hashRandom(c.srv, h, c.srv.Now()); ok {
			c.addHashElem(f)
		} else {
			c.AddNull()
		}
		return
	}
	l, ok := parseInt(c.Argv[2])
	if !ok {
		c.AddError(ErrNotInteger)
		return
	}
	if l < -math.MaxInt64 {
		c.AddError("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807")
		return
	}
	withValues := false
	if len(c.Argv) > 4 || (len(c.Argv) == 4 && !equalFoldASCII(c.Argv[3], "withvalues")) {
		c.AddError(ErrSyntax)
		return
	} else if len(c.Argv) == 4 {
		withValues = true
		if l < -math.MaxInt64/2 || l > math.MaxInt64/2 {
			c.AddError(errHashRange)
			return
		}
	}
	hrandfieldWithCount(c, l, withValues)
}

// hashRandom picks a live field at random: any field of a listpack; for a
// hashtable up to 100 tries past expired ones (hashTypeRandomElement).
func hashRandom(s *Server, h hashRef, now int64) (f, v hashElem, ok bool) {
	if h.ht == nil {
		f, v = lpHashAt(h.lp, s.rand.IntN(lpHashLen(h.lp)))
		return f, v, true
	}
	for tries := 0; tries < 100; tries++ {
		if x := h.ht.random(s.rand); !x.expired(now) {
			return fieldElem(x), valueElem(x), true
		}
	}
	return hashElem{}, hashElem{}, false
}

func hrandfieldWithCount(c *Client, l int64, withValues bool) {
	h, found, ok := c.hashLookupRead(c.Argv[1])
	if !ok {
		return
	}
	if !found || l == 0 {
		c.AddArrayLen(0)
		return
	}
	s := c.srv
	now := s.Now()
	size := h.length()
	count, uniq := uint64(l), true
	if l < 0 {
		count, uniq = uint64(-l), false
	}
	resp3 := c.Proto > 2
	emit := func(f, v hashElem) {
		if withValues && resp3 {
			c.AddArrayLen(2)
		}
		c.addHashElem(f)
		if withValues {
			c.addHashElem(v)
		}
	}
	d := c.AddDeferredLen()
	n := uint64(0)
	switch {
	case !uniq || count == 1:
		// Repeats allowed: independent picks.
		if h.ht == nil {
			for n < count && !c.replyPastLimit() {
				f, v := lpHashAt(h.lp, s.rand.IntN(size))
				emit(f, v)
				n++
			}
			break
		}
		for n < count && !c.replyPastLimit() {
			f, v, ok := hashRandom(s, h, now)
			if !ok {
				break
			}
			emit(f, v)
			n++
		}
	case count >= uint64(size):
		h.each(now, func(f, v hashElem) bool {
			emit(f, v)
			n++
			return true
		})
	case h.ht == nil:
		// Unique picks from a listpack, in listpack order: selection
		// sampling visits each pair once.
		need := int(count)
		for i := 0; i < size && need > 0; i++ {
			if s.rand.IntN(size-i) < need {
				f, v := lpHashAt(h.lp, i)
				emit(f, v)
				need--
				n++
			}
		}
	case count*3 > uint64(size):
		// Most of the hash: copy it and remove random fields.
		all := make([]*hashField, 0, size)
		h.ht.each(now, func(f *hashField) bool { all = append(all, f); return true })
		for uint64(len(all)) > count {
			i := s.rand.IntN(len(all))
			all[i] = all[len(all)-1]
			all = all[:len(all)-1]
		}
		for _, f := range all {
			emit(fieldElem(f), valueElem(f))
			n++
		}
	default:
		// A small part of a big hash: random picks until enough are unique.
		seen := make(map[*hashField]struct{}, count)
		for n < count {
			var x *hashField
			for tries := 0; tries < 100; tries++ {
				if y := h.ht.random(s.rand); !y.expired(now) {
					x = y
					break
				}
			}
			if x == nil {
				break
			}
			if _, dup := seen[x]; dup {
				continue
			}
			seen[x] = struct{}{}
			emit(fieldElem(x), valueElem(x))
			n++
		}
	}
	if withValues && !resp3 {
		c.SetDeferredArrayLen(d, int(n*2))
	} else {
		c.SetDeferredArrayLen(d, int(n))
	}
}

// ---- Field expiration ----

// hashFindFields finds the FIELDS keyword at or after from, as Valkey's
// loops do (case-insensitively, not as the last argument), and returns its
// index, or -1.
func hashFindFields(argv [][]byte, from int) int {
	for i := from; i < len(argv)-1; i++ {
		if equalFoldASCII(argv[i], "fields") {
			return i
		}
	}
	return -1
}

// hashExpireTime converts a time argument to Unix ms
// (convertExpireArgumentToUnixTime): relative to now unless absolute.
func hashExpireTime(c *Client, arg []byte, ms, relative bool) (int64, bool) {
	when, ok := parseInt(arg)
	if !ok {
		c.AddError(ErrNotInteger)
		return 0, false
	}
	if when < 0 || !ms && when > math.MaxInt64/1000 {
		addExpireTimeError(c)
		return 0, false
	}
	if !ms {
		when *= 1000
	}
	var base int64
	if relative {
		base = c.srv.Now()
	}
	if when > math.MaxInt64-base {
		addExpireTimeError(c)
		return 0, false
	}
	return when + base, true
}

// hashExpireGeneric is HEXPIRE, HPEXPIRE, HEXPIREAT and HPEXPIREAT.
func hashExpireGeneric(c *Client, ms, relative bool) {
	argv := c.Argv
	fi := hashFindFields(argv, 3)
	var numFields int64
	start := len(argv)
	if fi >= 0 {
		var flags, nx, xx, gt, lt int
		for _, o := range argv[3:fi] {
			switch strings.ToLower(string(o)) {
			case "nx":
				flags |= hexpNX
				nx = 1
			case "xx":
				flags |= hexpXX
				xx = 1
			case "gt":
				flags |= hexpGT
				gt = 1
			case "lt":
				flags |= hexpLT
				lt = 1
			default:
				c.AddError("ERR Unsupported option " + cString(o))
				return
			}
		}
		if nx == 1 && xx+gt+lt > 0 {
			c.AddError("ERR NX and XX, GT or LT options at the same time are not compatible")
			return
		}
		if gt == 1 && lt == 1 {
			c.AddError("ERR GT and LT options at the same time are not compatible")
			return
		}
		n, ok := parseInt(argv[fi+1])
		if !ok {
			c.AddError(ErrNotInteger)
			return
		}
		numFields, start = n, fi+2
		hashExpireFields(c, flags, numFields, start, ms, relative)
		return
	}
	c.AddError(errHashNumFields)
}

func hashExpireFields(c *Client, flags int, numFields int64, start int, ms, relative bool) {
	if numFields == 0 || numFields != int64(len(c.Argv)-start) {
		c.AddError(errHashNumFields)
		return
	}
	when, ok := hashExpireTime(c, c.Argv[2], ms, relative)
	if !ok {
		return
	}
	var w hashW
	if !w.open(c, c.Argv[1], false) {
		return
	}
	c.AddArrayLen(int(numFields))
	expired, updated := 0, 0
	hdel := c.srv.newPropBatch(c.DB, argHDEL, c.Argv[1]) // the fields a past time deleted
	for _, f := range c.Argv[start:] {
		r := w.setExpire(f, when, flags)
		switch r {
		case hexpSet:
			updated++
		case hexpDeleted:
			c.srv.hash.ExpiredFields++
			expired++
			hdel.add(f)
		}
		c.AddInt(int64(r))
	}
	if expired+updated == 0 {
		w.release()
		return
	}
	if expired > 0 {
		w.notify("hexpired")
		c.preventPropagation()
		hdel.flush()
	} else {
		w.notify("hexpire")
		if !equalFoldASCII(c.Argv[0], "hpexpireat") {
			c.rewriteArg(0, argHPEXPIREAT)
		}
		if relative || !ms { // propagated with the absolute time in ms
			c.rewriteArg(2, c.srv.propInt(when))
		}
	}
	w.modified(expired + updated)
	w.finish()
}

func cmdHpersist(c *Client) {
	n, ok := parseInt(c.Argv[3])
	if !ok {
		c.AddError(ErrNotInteger)
		return
	}
	if n == 0 || n != int64(len(c.Argv)-4) {
		c.AddError(errHashNumFields)
		return
	}
	// Valkey 9.0 sends the array header before the type check, so a
	// wrong type answers inside it; clients see the same bytes here.
	c.AddArrayLen(int(n))
	var w hashW
	if !w.open(c, c.Argv[1], false) {
		return
	}
	changes := 0
	for _, f := range c.Argv[4:] {
		r := w.persist(f)
		if r == hexpSet {
			changes++
		}
		c.AddInt(int64(r))
	}
	if changes == 0 {
		w.release()
		return
	}
	w.finish()
	c.srv.Dirty += int64(changes)
	w.notify("hpersist")
	c.srv.keyModified(w.db, w.key)
}

// hashTTLGeneric is HTTL, HPTTL, HEXPIRETIME and HPEXPIRETIME.
func hashTTLGeneric(c *Client, ms, relative bool) {
	n, ok := parseInt(c.Argv[3])
	if !ok {
		c.AddError(ErrNotInteger)
		return
	}
	if n == 0 || n != int64(len(c.Argv)-4) {
		c.AddError(ErrSyntax)
		return
	}
	h, found, ok := c.hashLookupRead(c.Argv[1])
	if !ok {
		return
	}
	now := c.srv.Now()
	var base int64
	if relative {
		base = now
	}
	c.AddArrayLen(int(n))
	for _, field := range c.Argv[4:] {
		at := hashNoTTL
		switch {
		case !found:
			c.AddInt(hexpNoField)
			continue
		case h.ht != nil:
			f := h.ht.get(field, now)
			if f == nil {
				c.AddInt(hexpNoField)
				continue
			}
			at = f.expire
		default:
			if _, ok := lpHashGet(h.lp, field); !ok {
				c.AddInt(hexpNoField)
				continue
			}
		}
		if at == hashNoTTL {
			c.AddInt(-1)
			continue
		}
		r := max(at-base, 0)
		if !ms {
			r = (r + 500) / 1000
		}
		c.AddInt(r)
	}
}

// hashSetOptions are HSETEX's and HGETEX's options
// (parseExtendedCommandArgumentsOrReply for COMMAND_HSET / COMMAND_HGET).
type hashSetOptions struct {
	fnx, fxx, keepTTL, persist bool
	expire                     []byte // the time argument, nil for none
	ms, relative               bool
}

// parseHashSetOptions reads the options in argv[2:end]; forGet selects
// HGETEX's set (PERSIST) over HSETEX's (FNX, FXX, KEEPTTL).
func parseHashSetOptions(c *Client, end int, forGet bool) (o hashSetOptions, ok bool) {
	const (
		ex = 1 << iota
		px
		exat
		pxat
	)
	var times int
	for j := 2; j < end; j++ {
		opt := strings.ToLower(cString(c.Argv[j]))
		hasNext := j < end-1
		timeSet := func(bit int) bool { return times&^bit == 0 && !o.keepTTL && !o.persist && hasNext }
		switch {
		case opt == "fnx" && !forGet && !o.fxx:
			o.fnx = true
		case opt == "fxx" && !forGet && !o.fnx:
			o.fxx = true
		case opt == "keepttl" && !forGet && !o.persist && times == 0:
			o.keepTTL = true
		case opt == "persist" && forGet && times == 0 && !o.keepTTL:
			o.persist = true
		case opt == "ex" && timeSet(ex):
			times, o.expire, o.ms, o.relative = ex, c.Argv[j+1], false, true
			j++
		case opt == "px" && timeSet(px):
			times, o.expire, o.ms, o.relative = px, c.Argv[j+1], true, true
			j++
		case opt == "exat" && timeSet(exat):
			times, o.expire, o.ms, o.relative = exat, c.Argv[j+1], false, false
			j++
		case opt == "pxat" && timeSet(pxat):
			times, o.expire, o.ms, o.relative = pxat, c.Argv[j+1], true, false
			j++
		default:
			c.AddError(ErrSyntax)
			return o, false
		}
	}
	return o, true
}

func cmdHsetex(c *Client) {
	argv := c.Argv
	fi := hashFindFields(argv, 0)
	var o hashSetOptions
	var numFields int64
	start := len(argv)
	if fi >= 0 {
		var ok bool
		if o, ok = parseHashSetOptions(c, fi, false); !ok {
			return
		}
		if numFields, ok = parseInt(argv[fi+1]); !ok {
			c.AddError(ErrNotInteger)
			return
		}
		start = fi + 2
	}
	if numFields == 0 || numFields > math.MaxInt64/2 || numFields*2 != int64(len(argv)-start) {
		c.AddError(errHashNumFields)
		return
	}
	var w hashW
	if !w.open(c, argv[1], false) {
		return
	}
	s := c.srv
	var when int64
	past := false
	if !o.keepTTL && o.expire != nil {
		var ok bool
		if when, ok = hashExpireTime(c, o.expire, o.ms, o.relative); !ok {
			w.release()
			return
		}
		past = pastExpiry(s, when)
	}
	now := s.Now()
	if o.fnx || o.fxx {
		if !w.exists() && o.fxx {
			c.AddInt(0)
			return
		}
		for i := start; w.exists() && i < len(argv); i += 2 {
			_, has := w.get(argv[i], now)
			if (o.fnx && has) || (o.fxx && !has) {
				w.release()
				c.AddInt(0)
				return
			}
		}
	}
	if !w.exists() {
		w.create()
	}
	changes, overwritten := 0, 0
	var deleted [][]byte // a past time: HDEL of the fields it removed is what replays
	if past {
		deleted = append(make([][]byte, 0, 2+(len(argv)-start)/2), argHDEL, w.key)
	}
	for i := start; i < len(argv); i += 2 {
		if past {
			if w.del(argv[i], true) {
				changes++
				deleted = append(deleted, argv[i])
			}
			s.hash.ExpiredFields++ // counted as an expiry, present or not
			continue
		}
		exp := when
		if o.expire == nil || o.keepTTL {
			exp = hashNoTTL
		}
		if _, expired := w.set(argv[i], argv[i+1], exp, o.keepTTL); expired {
			overwritten++
		}
		changes++
	}
	// Valkey adds a missing key before changing it: "new" comes first,
	// even for a key that a past time leaves empty and deletes.
	if w.length() > 0 {
		w.store()
	} else if w.isNew {
		s.notifyKeyspaceEvent(config.NotifyNew, "new", w.key, w.db.ID)
	}
	if changes > 0 {
		if overwritten > 0 {
			s.hash.ExpiredFields += int64(overwritten)
			w.notify("hexpired")
		}
		w.modified(changes)
	}
	w.notify("hset")
	if o.expire != nil && !o.keepTTL {
		w.notify("hexpire")
		if i := hashExpireArgIdx(argv, fi); !past && i > 0 && (o.relative || !o.ms) {
			c.rewriteArg(i-1, argPXAT) // the absolute time, for replay
			c.rewriteArg(i, s.propInt(when))
		}
	}
	if past {
		w.notify("hexpired")
		if len(deleted) > 2 {
			c.rewriteArgv(deleted...)
		} else {
			c.preventPropagation() // nothing was there to remove
		}
	}
	if (o.fnx || o.fxx) && !past {
		// The conditions held here: a replica must not test them again.
		c.propagateWithout(fi, func(a []byte) bool { return equalFoldASCII(a, "fnx") || equalFoldASCII(a, "fxx") })
	}
	w.finish()
	c.AddInt(1)
}

func cmdHgetex(c *Client) {
	argv := c.Argv
	fi := hashFindFields(argv, 0)
	numFields := int64(-1)
	start := len(argv) - 1
	var o hashSetOptions
	if fi >= 0 {
		var ok bool
		if o, ok = parseHashSetOptions(c, fi, true); !ok {
			return
		}
		if numFields, ok = parseInt(argv[fi+1]); !ok {
			c.AddError(ErrNotInteger)
			return
		}
		start = fi + 2
	}
	if numFields == 0 || numFields != int64(len(argv)-start) {
		c.AddError(errHashNumFields)
		return
	}
	s := c.srv
	db := c.db()
	e, found := db.Lookup(argv[1])
	if found && typeOf(e) != TypeHash {
		c.AddError(ErrWrongType)
		return
	}
	var when int64
	setExpiry, setExpired := false, false
	if o.expire != nil {
		var ok bool
		if when, ok = hashExpireTime(c, o.expire, o.ms, o.relative); !ok {
			return
		}
		setExpired = pastExpiry(s, when)
		setExpiry = !setExpired
	}
	var w hashW
	if found && (setExpiry || setExpired || o.persist) {
		w.open(c, argv[1], false)
	} else {
		w.c, w.db, w.key = c, db, argv[1]
		if found {
			if e.Kind() == kindHashTable {
				w.ht = e.Obj().(*hashObj)
			} else {
				w.lp = e.Value() // read only: nothing changes without an option
			}
		}
	}
	// A read with side effects: propagated as what it changed, the fields
	// it changed and their count.
	var prop [][]byte
	countAt := 0 // where the count goes in prop
	if s.propagating() && (setExpiry || setExpired || o.persist) {
		prop = s.prop.scratch[:0]
		switch {
		case setExpired:
			prop = append(prop, argHDEL, argv[1])
		case setExpiry:
			prop = append(prop, argHPEXPIREAT, argv[1], s.propInt(when), argFIELDS, nil)
			countAt = len(prop) - 1
		default:
			prop = append(prop, argHPERSIST, argv[1], argFIELDS, nil)
			countAt = len(prop) - 1
		}
	}
	now := s.Now()
	c.AddArrayLen(int(numFields))
	changes := 0
	for _, f := range argv[start:] {
		if v, ok := w.get(f, now); ok {
			c.addHashElem(v)
		} else {
			c.AddNull()
		}
		changed := false
		switch {
		case w.exists() && setExpired:
			if changed = w.del(f, false); changed {
				s.hash.ExpiredFields++
			}
		case setExpiry:
			changed = w.setExpire(f, when, 0) == hexpSet
		case o.persist:
			changed = w.persist(f) == hexpSet
		}
		if changed {
			changes++
			if prop != nil {
				prop = append(prop, f)
			}
		}
	}
	if prop != nil {
		s.prop.scratch = prop[:0] // its memory, for the next time
	}
	if changes == 0 {
		w.release()
		return
	}
	switch {
	case setExpired:
		w.notify("hexpired")
	case setExpiry:
		w.notify("hexpire")
	default:
		w.notify("hpersist")
	}
	w.modified(changes)
	w.finish()
	if prop != nil {
		if countAt > 0 {
			prop[countAt] = s.propInt(int64(changes))
		}
		c.rewriteArgv(prop...)
	}
}

// hashExpireArgIdx is the index of the time argument of HSETEX's or
// HGETEX's EX/PX/EXAT/PXAT among argv[2:fields], 0 when there is none.
func hashExpireArgIdx(argv [][]byte, fields int) int {
	for j := 2; j+1 < fields; j++ {
		if a := argv[j]; equalFoldASCII(a, "ex") || equalFoldASCII(a, "px") || equalFoldASCII(a, "exat") || equalFoldASCII(a, "pxat") {
			return j + 1
		}
	}
	return 0
}

// ---- Volatile hashes and the active field expiry cycle ----

// reg returns db's registry of hashes with volatile fields.
func (hs *hashState) reg(db *DB, create bool) map[string]*hashObj {
	r := hs.volatile[db.keys]
	if r == nil && create {
		if hs.volatile == nil {
			hs.volatile = make(map[*keyspace.Table]map[string]*hashObj)
		}
		r = make(map[string]*hashObj)
		hs.volatile[db.keys] = r
	}
	return r
}

// track records whether key holds a hash with volatile fields.
func (hs *hashState) track(db *DB, key []byte, h *hashObj) {
	if h != nil && h.nvol > 0 {
		hs.reg(db, true)[string(key)] = h
		return
	}
	if len(hs.volatile) == 0 {
		return
	}
	if r := hs.volatile[db.keys]; r != nil {
		delete(r, string(key))
	}
}

// hashStored is DB.SetHashed's hook: whatever key now holds, the volatile
// index follows (RENAME, MOVE, COPY and RESTORE store hashes this way).
func (db *DB) hashStored(key []byte, obj any) {
	hs := &db.srv.hash
	if obj == nil && len(hs.volatile) == 0 {
		return
	}
	h, _ := obj.(*hashObj)
	hs.track(db, key, h)
}

// hashRemoved is the hook of DB.Delete and key expiry.
func (db *DB) hashRemoved(key []byte) {
	hs := &db.srv.hash
	if len(hs.volatile) == 0 {
		return
	}
	if r := hs.volatile[db.keys]; r != nil {
		delete(r, string(key))
	}
}

// KeysWithVolatileItems is the number of hashes in db with fields that
// have a time to live, INFO keyspace's keys_with_volatile_items.
func (s *Server) KeysWithVolatileItems(db *DB) int {
	return len(s.hash.volatile[db.keys])
}

// ExpiredFields is INFO stats' expired_fields.
func (s *Server) ExpiredFields() int64 { return s.hash.ExpiredFields }

// ExpiredVolatileStalePerc is INFO stats'
// expired_keys_with_volatile_items_stale_perc, as a percentage.
func (s *Server) ExpiredVolatileStalePerc() float64 { return s.hash.StalePerc * 100 }
