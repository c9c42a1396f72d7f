package engine

import (
	"bytes"
	"math"
	"math/big"
	"math/bits"
	"strconv"

	"github.com/volleydb/volley/engine/config"
	"github.com/volleydb/volley/engine/keyspace"
)

// stringHandlers are the string group.
var stringHandlers = map[string]Handler{
	"get":         cmdGet,
	"set":         cmdSet,
	"setnx":       cmdSetnx,
	"setex":       cmdSetex,
	"psetex":      cmdPsetex,
	"getset":      cmdGetset,
	"getdel":      cmdGetdel,
	"getex":       cmdGetex,
	"mget":        cmdMget,
	"mset":        cmdMset,
	"msetnx":      cmdMsetnx,
	"append":      cmdAppend,
	"strlen":      cmdStrlen,
	"getrange":    cmdGetrange,
	"substr":      cmdGetrange,
	"setrange":    cmdSetrange,
	"incr":        cmdIncr,
	"decr":        cmdDecr,
	"incrby":      cmdIncrby,
	"decrby":      cmdDecrby,
	"incrbyfloat": cmdIncrbyfloat,
	"lcs":         cmdLcs,
	"delifeq":     cmdDelifeq,
}

// Error replies of the string group, with Valkey's text.
const (
	errStringTooLong = "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
	errOffsetRange   = "ERR offset is out of range"
	errDecrOverflow  = "ERR decrement would overflow"
	errIncrNaN       = "ERR increment would produce NaN or Infinity"
	errLCSType       = "ERR The specified keys must contain string values"
	errLCSLenAndIdx  = "ERR If you want both the length and indexes, please just use IDX."
	errLCSTooLong    = "ERR String too long for LCS"
	errLCSMemory     = "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len"
)

// ---- Encodings ----
//
// Valkey 9 stores a key inside its value object, and an embstr value
// inside the same allocation, but only when object header, key, optional
// expiry field and value fit in 64 bytes; otherwise the value is raw even
// if it is short. So OBJECT ENCODING of a short string depends on the key's
// length and on whether the key has (or had, when it was written) a time
// to live. These functions reproduce that rule.

// embstrFits reports whether a value of vlen bytes under a key of klen
// bytes fits an embedded object of 64 bytes: the 16-byte header, the key
// as an sds with its one-byte size prefix, the expiry field when ttl, and
// the value as an sds8.
func embstrFits(klen, vlen int, ttl bool) bool {
	if vlen > embstrMaxLen {
		return false
	}
	keyHdr := 1 // sds5 for keys under 32 bytes
	if klen >= 32 {
		keyHdr = 3 // sds8; anything longer cannot fit anyway
	}
	n := 16 + 1 + keyHdr + klen + 1 + 3 + vlen + 1
	if ttl {
		n += 8
	}
	return n <= 64
}

// storedStringKind is the kind Valkey gives value when a command stores it
// as given (SET, MSET, GETSET, APPEND of a new key...): int when it is the
// canonical text of a 64-bit integer, else embstr or raw by embstrFits.
// ttl says whether the key has a time to live before or after the write.
func storedStringKind(key, val []byte, ttl bool) uint8 {
	if len(val) <= 20 && isCanonicalInt(val) {
		return KindInt
	}
	return textKind(key, val, ttl)
}

// textKind is the kind of a string built as text (INCRBYFLOAT's result):
// embstr or raw, never int.
func textKind(key, val []byte, ttl bool) uint8 {
	if embstrFits(len(key), len(val), ttl) {
		return KindEmbstr
	}
	return KindRaw
}

// rekeyedKind is the kind a stored string of the given kind takes when
// Valkey re-creates its object: when the key gains a time to live
// (kindWithTTL), or when the value moves to another key (RENAME, MOVE,
// COPY), with ttl saying whether that key has one. An embedded value that
// no longer fits is reallocated raw; raw and int values stay as they are.
func rekeyedKind(kind uint8, klen, vlen int, ttl bool) uint8 {
	if kind == KindEmbstr && !embstrFits(klen, vlen, ttl) {
		return KindRaw
	}
	return kind
}

// kindWithTTL is the kind a string takes when its key gains a time to live
// (EXPIRE, GETEX EX...).
func kindWithTTL(kind uint8, klen, vlen int) uint8 { return rekeyedKind(kind, klen, vlen, true) }

// isString reports whether e holds a string.
func isString(e keyspace.Entry) bool { return e.Kind()&typeMask == TypeString }

// ---- Shared steps ----

// optIs reports whether the option argument arg is name, compared
// case-insensitively as Valkey compares C strings: up to a NUL byte.
func optIs(arg []byte, name string) bool {
	if len(arg) < len(name) || (len(arg) > len(name) && arg[len(name)] != 0) {
		return false
	}
	for i := 0; i < len(name); i++ {
		ch := arg[i]
		if 'A' <= ch && ch <= 'Z' {
			ch += 'a' - 'A'
		}
		if ch != name[i] {
			return false
		}
	}
	return true
}

// Extended options of SET and GETEX (Valkey's ARGS_* flags).
type strOpts uint16

const (
	optNX strOpts = 1 << iota
	optXX
	optIFEQ
	optGet
	optKeepTTL
	optPersist
	optEX
	optPX
	optEXAT
	optPXAT

	optExpire = optEX | optPX | optEXAT | optPXAT
)

// parseStrOpts parses SET's options (forSet) from argv[3:] or GETEX's
// from argv[2:], with Valkey's rules on which may be combined. It returns
// the options and the positions of the expire and IFEQ arguments (0 for
// none), or replies a syntax error and returns ok false.
func parseStrOpts(c *Client, forSet bool) (f strOpts, expireAt, cmpAt int, ok bool) {
	argv := c.Argv
	j := 2
	if forSet {
		j = 3
	}
	for ; j < len(argv); j++ {
		opt := argv[j]
		next := j+1 < len(argv)
		switch {
		case forSet && optIs(opt, "nx") && f&(optXX|optIFEQ) == 0:
			f |= optNX
		case forSet && optIs(opt, "xx") && f&(optNX|optIFEQ) == 0:
			f |= optXX
		case forSet && optIs(opt, "ifeq") && next && f&(optNX|optXX|optIFEQ) == 0:
			f |= optIFEQ
			j++
			cmpAt = j
		case forSet && optIs(opt, "get"):
			f |= optGet
		case forSet && optIs(opt, "keepttl") && f&(optPersist|optExpire) == 0:
			f |= optKeepTTL
		case !forSet && optIs(opt, "persist") && f&(optExpire|optKeepTTL) == 0:
			f |= optPersist
		case optIs(opt, "ex") && next && f&(optKeepTTL|optPersist|optEXAT|optPX|optPXAT) == 0:
			f |= optEX
			j++
			expireAt = j
		case optIs(opt, "px") && next && f&(optKeepTTL|optPersist|optEX|optEXAT|optPXAT) == 0:
			f |= optPX
			j++
			expireAt = j
		case optIs(opt, "exat") && next && f&(optKeepTTL|optPersist|optEX|optPX|optPXAT) == 0:
			f |= optEXAT
			j++
			expireAt = j
		case optIs(opt, "pxat") && next && f&(optKeepTTL|optPersist|optEX|optEXAT|optPX) == 0:
			f |= optPXAT
			j++
			expireAt = j
		default:
			c.AddError(ErrSyntax)
			return 0, 0, 0, false
		}
	}
	return f, expireAt, cmpAt, true
}

// expireMs turns an expire argument into an absolute Unix time in
// milliseconds as Valkey does: seconds for EX/EXAT, relative for EX/PX,
// positive and without overflow. It replies the error and returns false
// when the argument is not acceptable.
func expireMs(c *Client, arg []byte, f strOpts) (int64, bool) {
	ms, ok := parseInt(arg)
	if !ok {
		c.AddError(ErrNotInteger)
		return 0, false
	}
	seconds := f&(optEX|optEXAT) != 0
	if ms <= 0 || (seconds && ms > math.MaxInt64/1000) {
		addExpireTimeError(c)
		return 0, false
	}
	if seconds {
		ms *= 1000
	}
	if f&(optEX|optPX) != 0 {
		ms += c.srv.Now() // wraps negative on overflow, caught below
	}
	if ms <= 0 {
		addExpireTimeError(c)
		return 0, false
	}
	return ms, true
}

// pastExpiry reports whether an expiry time has already passed, in which
// case a command deletes the key instead of setting it (checkAlreadyExpired).
// A replica stores the key with its past time and waits for its primary's
// DEL, and a primary in import-mode for its import source's.
func pastExpiry(s *Server, at int64) bool {
	return at <= s.Now() && s.Cfg.ReplicaOfHost == "" && !s.importMode() && !s.loading
}

// deleteExpiredOnWrite deletes key, which a command gave an expiry time in
// the past, accounting for it as an expiration.
func deleteExpiredOnWrite(c *Client, db *DB, key []byte) {
	s := c.srv
	db.Delete(key)
	s.Dirty++
	s.keyModified(db, key)
	s.notifyKeyspaceEvent(config.NotifyExpired, "expired", key, db.ID)
	s.Stats.ExpiredKeys++
	c.rewriteArgv(delOrUnlink(s.Cfg.LazyfreeLazyExpire), key)
}

// maxStoredString is the longest value a keyspace record can hold (its
// length field is 32 bits); proto-max-bulk-len may be set higher.
const maxStoredString = math.MaxUint32

// checkStringLength replies an error and returns false when a string of
// size+add bytes would exceed proto-max-bulk-len (not checked for the
// primary's stream, as in Valkey), overflow, or not fit a record.
func checkStringLength(c *Client, size, add int64) bool {
	total := int64(uint64(size) + uint64(add))
	if total < size || total < add || total > maxStoredString ||
		(total > c.srv.Cfg.ProtoMaxBulkLen && c.Flags&ClientPrimary == 0) {
		c.AddError(errStringTooLong)
		return false
	}
	return true
}

// ---- GET, SET and their variants ----

func cmdGet(c *Client) {
	e, ok := c.db().Lookup(c.Argv[1])
	if !ok {
		c.AddNull()
		return
	}
	if !isString(e) {
		c.AddError(ErrWrongType)
		return
	}
	c.AddBulkValue(e)
}

// replyGet adds GET's reply for key; false when the key holds another
// type (the error is replied).
func replyGet(c *Client, db *DB, key []byte) bool {
	e, ok := db.Lookup(key)
	if !ok {
		c.AddNull()
		return true
	}
	if !isString(e) {
		c.AddError(ErrWrongType)
		return false
	}
	c.AddBulkValue(e)
	return true
}

// How setGeneric replies: +OK or null (SET), :1 or :0 (SETNX).
const (
	setReplyOK = iota
	setReplyInt
)

func cmdSet(c *Client) {
	var f strOpts
	var expireAt, cmpAt int
	if len(c.Argv) > 3 {
		var ok bool
		if f, expireAt, cmpAt, ok = parseStrOpts(c, true); !ok {
			return
		}
	}
	var exp, cmp []byte
	if expireAt > 0 {
		exp = c.Argv[expireAt]
	}
	if cmpAt > 0 {
		cmp = c.Argv[cmpAt]
	}
	setGeneric(c, f, c.Argv[1], c.Argv[2], exp, cmp, setReplyOK)
}

func cmdSetnx(c *Client) { setGeneric(c, optNX, c.Argv[1], c.Argv[2], nil, nil, setReplyInt) }

func cmdSetex(c *Client) { setGeneric(c, optEX, c.Argv[1], c.Argv[3], c.Argv[2], nil, setReplyOK) }

func cmdPsetex(c *Client) { setGeneric(c, optPX, c.Argv[1], c.Argv[3], c.Argv[2], nil, setReplyOK) }

// setGeneric is SET with options f (setGenericCommand): exp is the expire
// argument (nil for none), cmp IFEQ's comparison value.
func setGeneric(c *Client, f strOpts, key, val, exp, cmp []byte, mode int) {
	s := c.srv
	var at int64
	if exp != nil {
		var ok bool
		if at, ok = expireMs(c, exp, f); !ok {
			return
		}
	}
	db := c.db()
	get := f&optGet != 0
	if get && !replyGet(c, db, key) {
		return
	}
	h := db.Hash(key)
	e, found := db.LookupHashed(key, h, lookupWrite)
	if f&optIFEQ != 0 {
		if !found {
			setAborted(c, get, mode)
			return
		}
		if !get && !isString(e) {
			c.AddError(ErrWrongType)
			return
		}
		if !bytes.Equal(e.Value(), cmp) {
			setAborted(c, get, mode)
			return
		}
	}
	if (f&optNX != 0 && found) || (f&optXX != 0 && !found) {
		setAborted(c, get, mode)
		return
	}
	if exp != nil && pastExpiry(s, at) {
		if found {
			deleteExpiredOnWrite(c, db, key)
		}
		if !get {
			c.AddOK()
		}
		return
	}
	ttl := exp != nil || (found && e.Expire() != 0)
	db.SetHashed(key, h, keyspace.Value{Kind: storedStringKind(key, val, ttl), Bytes: val, Expire: at}, f&optKeepTTL != 0)
	s.Dirty++
	s.keyModified(db, key)
	s.notifyKeyspaceEvent(config.NotifyString, "set", key, db.ID)
	if exp != nil {
		s.notifyKeyspaceEvent(config.NotifyGeneric, "expire", key, db.ID)
		if f&optPXAT == 0 {
			c.rewriteArgv(argSET, key, val, argPXAT, s.propInt(at))
		}
	} else if get {
		c.propagateWithoutGet()
	}
	if !get {
		if mode == setReplyInt {
			c.AddInt(1)
		} else {
			c.AddOK()
		}
	}
}

// setAborted replies for a SET whose condition failed: nothing with GET
// (the old value was the reply), else null or 0.
func setAborted(c *Client, get bool, mode int) {
	switch {
	case get:
	case mode == setReplyInt:
		c.AddInt(0)
	default:
		c.AddNull()
	}
}

func cmdGetset(c *Client) {
	s := c.srv
	db := c.db()
	key, val := c.Argv[1], c.Argv[2]
	if !replyGet(c, db, key) {
		return
	}
	h := db.Hash(key)
	e, found := db.LookupHashed(key, h, lookupWrite)
	ttl := found && e.Expire() != 0
	db.SetHashed(key, h, keyspace.Value{Kind: storedStringKind(key, val, ttl), Bytes: val}, false)
	s.keyModified(db, key)
	s.notifyKeyspaceEvent(config.NotifyString, "set", key, db.ID)
	s.Dirty++
	c.rewriteArgv(argSET, key, val)
}

func cmdGetdel(c *Client) {
	s := c.srv
	db := c.db()
	key := c.Argv[1]
	if !replyGet(c, db, key) {
		return
	}
	if db.Delete(key) {
		s.keyModified(db, key)
		s.notifyKeyspaceEvent(config.NotifyGeneric, "del", key, db.ID)
		s.Dirty++
		c.rewriteArgv(argDEL, key)
	}
}

func cmdGetex(c *Client) {
	f, expireAt, _, ok := parseStrOpts(c, false)
	if !ok {
		return
	}
	s := c.srv
	db := c.db()
	key := c.Argv[1]
	e, found := db.Lookup(key)
	if !found {
		c.AddNull()
		return
	}
	if !isString(e) {
		c.AddError(ErrWrongType)
		return
	}
	var at int64
	if expireAt > 0 {
		if at, ok = expireMs(c, c.Argv[expireAt], f); !ok {
			return
		}
	}
	c.AddBulkValue(e)
	switch {
	case f&(optEXAT|optPXAT) != 0 && pastExpiry(s, at):
		deleteExpiredOnWrite(c, db, key)
	case expireAt > 0:
		db.SetExpire(key, at) // converts an embstr that cannot hold the expiry field
		s.keyModified(db, key)
		s.notifyKeyspaceEvent(config.NotifyGeneric, "expire", key, db.ID)
		s.Dirty++
		c.rewriteArgv(argPEXPIREAT, key, s.propInt(at))
	case f&optPersist != 0:
		if db.Persist(key) {
			s.keyModified(db, key)
			s.notifyKeyspaceEvent(config.NotifyGeneric, "persist", key, db.ID)
			s.Dirty++
			c.rewriteArgv(argPERSIST, key)
		}
	}
}

func cmdMget(c *Client) {
	db := c.db()
	keys := c.Argv[1:]
	c.AddArrayLen(len(keys))
	for _, k := range keys {
		e, ok := db.Lookup(k)
		if !ok || !isString(e) {
			c.AddNull()
			continue
		}
		c.AddBulkValue(e)
	}
}

func cmdMset(c *Client) { msetGeneric(c, false) }

func cmdMsetnx(c *Client) { msetGeneric(c, true) }

func msetGeneric(c *Client, nx bool) {
	argv := c.Argv
	if len(argv)%2 == 0 {
		c.AddError("ERR wrong number of arguments for '" + c.Cmd.FullName + "' command")
		return
	}
	s := c.srv
	db := c.db()
	if nx {
		for j := 1; j < len(argv); j += 2 {
			if _, ok := db.LookupWrite(argv[j]); ok {
				c.AddInt(0)
				return
			}
		}
	}
	for j := 1; j < len(argv); j += 2 {
		key, val := argv[j], argv[j+1]
		h := db.Hash(key)
		e, found := db.LookupHashed(key, h, lookupWrite)
		ttl := found && e.Expire() != 0
		db.SetHashed(key, h, keyspace.Value{Kind: storedStringKind(key, val, ttl), Bytes: val}, false)
		s.keyModified(db, key)
		s.notifyKeyspaceEvent(config.NotifyString, "set", key, db.ID)
	}
	s.Dirty += int64(len(argv) / 2)
	if nx {
		c.AddInt(1)
	} else {
		c.AddOK()
	}
}

// ---- APPEND, SETRANGE, GETRANGE, STRLEN ----

func cmdAppend(c *Client) {
	s := c.srv
	db := c.db()
	key, add := c.Argv[1], c.Argv[2]
	h := db.Hash(key)
	e, found := db.LookupHashed(key, h, lookupWrite)
	var total int
	if !found {
		db.SetHashed(key, h, keyspace.Value{Kind: storedStringKind(key, add, false), Bytes: add}, false)
		total = len(add)
	} else {
		if !isString(e) {
			c.AddError(ErrWrongType)
			return
		}
		old := e.Value()
		if !checkStringLength(c, int64(len(old)), int64(len(add))) {
			return
		}
		total = len(old) + len(add)
		if len(add) == 0 {
			e.SetKind(KindRaw) // Valkey still unshares the value to a raw string
		} else {
			nv := make([]byte, 0, len(old)+len(add))
			nv = append(append(nv, old...), add...)
			db.SetHashed(key, h, keyspace.Value{Kind: KindRaw, Bytes: nv}, true)
		}
	}
	s.keyModified(db, key)
	s.notifyKeyspaceEvent(config.NotifyString, "append", key, db.ID)
	s.Dirty++
	c.AddInt(int64(total))
}

func cmdSetrange(c *Client) {
	s := c.srv
	db := c.db()
	key, val := c.Argv[1], c.Argv[3]
	offset, ok := parseInt(c.Argv[2])
	if !ok {
		c.AddError(ErrNotInteger)
		return
	}
	if offset < 0 {
		c.AddError(errOffsetRange)
		return
	}
	h := db.Hash(key)
	e, found := db.LookupHashed(key, h, lookupWrite)
	var old []byte
	if found {
		if !isString(e) {
			c.AddError(ErrWrongType)
			return
		}
		old = e.Value()
	}
	if len(val) == 0 {
		c.AddInt(int64(len(old))) // nothing to set: the key is left alone
		return
	}
	if !checkStringLength(c, offset, int64(len(val))) {
		return
	}
	end := int(offset) + len(val)
	if found && end <= len(old) && e.Mutable() {
		copy(old[offset:], val) // same length: rewrite in place
		e.SetKind(KindRaw)
	} else {
		n := max(end, len(old))
		nv := make([]byte, n) // zeroed: the gap before offset reads as zero bytes
		copy(nv, old)
		copy(nv[offset:], val)
		db.SetHashed(key, h, keyspace.Value{Kind: KindRaw, Bytes: nv}, true)
		end = n
	}
	s.keyModified(db, key)
	s.notifyKeyspaceEvent(config.NotifyString, "setrange", key, db.ID)
	s.Dirty++
	if end < len(old) {
		end = len(old)
	}
	c.AddInt(int64(end))
}

func cmdGetrange(c *Client) {
	start, ok := parseInt(c.Argv[2])
	if !ok {
		c.AddError(ErrNotInteger)
		return
	}
	end, ok := parseInt(c.Argv[3])
	if !ok {
		c.AddError(ErrNotInteger)
		return
	}
	e, found := c.db().Lookup(c.Argv[1])
	if !found {
		c.AddRawString("$0\r\n\r\n")
		return
	}
	if !isString(e) {
		c.AddError(ErrWrongType)
		return
	}
	v := e.Value()
	n := int64(len(v))
	if start < 0 && end < 0 && start > end {
		c.AddRawString("$0\r\n\r\n")
		return
	}
	if start < 0 {
		start += n
	}
	if end < 0 {
		end += n
	}
	start = max(start, 0)
	end = max(end, 0)
	if end >= n {
		end = n - 1
	}
	if start > end || n == 0 {
		c.AddRawString("$0\r\n\r\n")
		return
	}
	c.AddBulkStored(e, v[start:end+1])
}

func cmdStrlen(c *Client) {
	e, ok := c.db().Lookup(c.Argv[1])
	if !ok {
		c.AddInt(0)
		return
	}
	if !isString(e) {
		c.AddError(ErrWrongType)
		return
	}
	c.AddInt(int64(len(e.Value())))
}

// ---- Counters ----

func cmdIncr(c *Client) { incrDecr(c, 1) }

func cmdDecr(c *Client) { incrDecr(c, -1) }

func cmdIncrby(c *Client) {
	n, ok := parseInt(c.Argv[2])
	if !ok {
		c.AddError(ErrNotInteger)
		return
	}
	incrDecr(c, n)
}

func cmdDecrby(c *Client) {
	n, ok := parseInt(c.Argv[2])
	if !ok {
		c.AddError(ErrNotInteger)
		return
	}
	if n == math.MinInt64 {
		c.AddError(errDecrOverflow)
		return
	}
	incrDecr(c, -n)
}

// incrDecr adds incr to key's integer value (incrDecrCommand). The result
// is int-encoded and the key keeps its time to live; a value of the same
// length is rewritten in place.
func incrDecr(c *Client, incr int64) {
	s := c.srv
	db := c.db()
	key := c.Argv[1]
	h := db.Hash(key)
	e, found := db.LookupHashed(key, h, lookupWrite)
	var v int64
	if found {
		if !isString(e) {
			c.AddError(ErrWrongType)
			return
		}
		var ok bool
		if v, ok = parseInt(e.Value()); !ok {
			c.AddError(ErrNotInteger)
			return
		}
	}
	if (incr < 0 && v < 0 && incr < math.MinInt64-v) || (incr > 0 && v > 0 && incr > math.MaxInt64-v) {
		c.AddError(ErrOverflow)
		return
	}
	v += incr
	var buf [20]byte
	if b := strconv.AppendInt(buf[:0], v, 10); found && !e.Stable() && len(e.Value()) == len(b) {
		copy(e.Value(), b) // the common case: same length, in place
		e.SetKind(KindInt)
	} else {
		storeInt(db, key, h, v)
	}
	s.keyModified(db, key)
	s.notifyKeyspaceEvent(config.NotifyString, "incrby", key, db.ID)
	s.Dirty++
	c.AddInt(v)
}

// storeInt stores v under key, keeping its time to live. It is apart from
// incrDecr because a value handed to the table escapes to the heap, and
// the in-place path should not pay for that.
func storeInt(db *DB, key []byte, h uint64, v int64) {
	db.SetHashed(key, h, keyspace.Value{Kind: KindInt, Bytes: strconv.AppendInt(nil, v, 10)}, true)
}

func cmdIncrbyfloat(c *Client) {
	s := c.srv
	db := c.db()
	key := c.Argv[1]
	h := db.Hash(key)
	e, found := db.LookupHashed(key, h, lookupWrite)
	var cur []byte
	if found {
		if !isString(e) {
			c.AddError(ErrWrongType)
			return
		}
		cur = e.Value()
	}
	text, errMsg := incrByFloat(cur, found, c.Argv[2])
	if errMsg != "" {
		c.AddError(errMsg)
		return
	}
	ttl := found && e.Expire() != 0
	db.SetHashed(key, h, keyspace.Value{Kind: textKind(key, text, ttl), Bytes: text}, true)
	s.keyModified(db, key)
	s.notifyKeyspaceEvent(config.NotifyString, "incrbyfloat", key, db.ID)
	s.Dirty++
	c.AddBulk(text)
	c.rewriteArgv(argSET, key, text, argKEEPTTL)
}

// incrByFloat returns the text of cur (0 when !found) plus incr in long
// double arithmetic, or the error INCRBYFLOAT replies.
func incrByFloat(cur []byte, found bool, incr []byte) ([]byte, string) {
	if text, ok := fastIncrByFloat(cur, incr); ok {
		return text, ""
	}
	x := new(big.Float)
	if found {
		var ok bool
		if x, ok = parseLongDouble(cur); !ok {
			return nil, ErrNotFloat
		}
	}
	y, ok := parseLongDouble(incr)
	if !ok {
		return nil, ErrNotFloat
	}
	sum, finite := ldAdd(x, y)
	if !finite {
		return nil, errIncrNaN
	}
	return formatLongDoubleHuman(sum), ""
}

// ---- DELIFEQ ----

func cmdDelifeq(c *Client) {
	s := c.srv
	db := c.db()
	key := c.Argv[1]
	e, found := db.LookupWrite(key)
	if !found {
		c.AddInt(0)
		return
	}
	if !isString(e) {
		c.AddError(ErrWrongType)
		return
	}
	if !bytes.Equal(e.Value(), c.Argv[2]) {
		c.AddInt(0)
		return
	}
	db.Delete(key)
	c.rewriteArgv(argDEL, key) // replicas need not compare again
	s.keyModified(db, key)
	s.notifyKeyspaceEvent(config.NotifyGeneric, "del", key, db.ID)
	s.Dirty++
	c.AddInt(1)
}

// ---- LCS ----

func cmdLcs(c *Client) {
	db := c.db()
	ea, okA := db.Lookup(c.Argv[1])
	eb, okB := db.Lookup(c.Argv[2])
	if (okA && !isString(ea)) || (okB && !isString(eb)) {
		c.AddError(errLCSType)
		return
	}
	// Copy both values: the replies below may not alias the records, and
	// the lookups' entries stay valid only while nothing is written.
	var a, b []byte
	if okA {
		a = bytes.Clone(ea.Value())
	}
	if okB {
		b = bytes.Clone(eb.Value())
	}
	var getLen, getIdx, withMatchLen bool
	var minMatchLen int64
	for j := 3; j < len(c.Argv); j++ {
		opt := c.Argv[j]
		switch {
		case optIs(opt, "idx"):
			getIdx = true
		case optIs(opt, "len"):
			getLen = true
		case optIs(opt, "withmatchlen"):
			withMatchLen = true
		case optIs(opt, "minmatchlen") && j+1 < len(c.Argv):
			n, ok := parseInt(c.Argv[j+1])
			if !ok {
				c.AddError(ErrNotInteger)
				return
			}
			minMatchLen = max(n, 0)
			j++
		default:
			c.AddError(ErrSyntax)
			return
		}
	}
	if getLen && getIdx {
		c.AddError(errLCSLenAndIdx)
		return
	}
	if uint64(len(a)) >= math.MaxUint32-1 || uint64(len(b)) >= math.MaxUint32-1 {
		c.AddError(errLCSTooLong)
		return
	}
	alen, blen := len(a), len(b)
	if cells := uint64(alen+1) * uint64(blen+1); cells*4 > uint64(c.srv.Cfg.ProtoMaxBulkLen) {
		c.AddError(errLCSMemory)
		return
	}
	// table[i*(blen+1)+j] is the LCS length of a[:i] and b[:j].
	w := blen + 1
	table := make([]uint32, (alen+1)*w)
	for i := 1; i <= alen; i++ {
		row, prev := table[i*w:(i+1)*w], table[(i-1)*w:i*w]
		ai := a[i-1]
		for j := 1; j <= blen; j++ {
			switch {
			case ai == b[j-1]:
				row[j] = prev[j-1] + 1
			case prev[j] > row[j-1]:
				row[j] = prev[j]
			default:
				row[j] = row[j-1]
			}
		}
	}
	total := table[alen*w+blen]

	// Walk back from the end, building the LCS string and the matching
	// ranges, as Valkey does (so ties resolve the same way).
	computeLCS := getIdx || !getLen
	var result []byte
	if computeLCS {
		result = make([]byte, total)
	}
	var d Deferred
	if getIdx {
		c.AddMapLen(2)
		c.AddBulkString("matches")
		d = c.AddDeferredLen()
	}
	ranges := 0
	idx := total
	aStart, aEnd, bStart, bEnd := alen, 0, 0, 0 // aStart == alen: no range open
	i, j := alen, blen
	for computeLCS && i > 0 && j > 0 {
		emit := false
		if a[i-1] == b[j-1] {
			result[idx-1] = a[i-1]
			if aStart == alen {
				aStart, aEnd = i-1, i-1
				bStart, bEnd = j-1, j-1
			} else if aStart == i && bStart == j {
				aStart--
				bStart--
			} else {
				emit = true
			}
			if aStart == 0 || bStart == 0 {
				emit = true
			}
			idx--
			i--
			j--
		} else {
			if table[(i-1)*w+j] > table[i*w+j-1] {
				i--
			} else {
				j--
			}
			if aStart != alen {
				emit = true
			}
		}
		if emit {
			matchLen := int64(aEnd - aStart + 1)
			if getIdx && (minMatchLen == 0 || matchLen >= minMatchLen) {
				if withMatchLen {
					c.AddArrayLen(3)
				} else {
					c.AddArrayLen(2)
				}
				c.AddArrayLen(2)
				c.AddInt(int64(aStart))
				c.AddInt(int64(aEnd))
				c.AddArrayLen(2)
				c.AddInt(int64(bStart))
				c.AddInt(int64(bEnd))
				if withMatchLen {
					c.AddInt(matchLen)
				}
				ranges++
			}
			aStart = alen
		}
	}
	switch {
	case getIdx:
		c.AddBulkString("len")
		c.AddInt(int64(total))
		c.SetDeferredArrayLen(d, ranges)
	case getLen:
		c.AddInt(int64(total))
	default:
		c.AddBulk(result)
	}
}

// ---- INCRBYFLOAT's arithmetic ----
//
// Valkey computes INCRBYFLOAT in C's long double, which on x86-64 is the
// x87 80-bit extended format (64-bit significand, 15-bit exponent), parses
// with strtold and prints with "%.17Lf" before trimming zeros. Go has no
// such type, so values are big.Floats kept rounded as the x87 would round
// them: to nearest even at 64 bits, with gradual underflow and overflow to
// infinity. The decimal text printed from them is exact, as glibc's is.

const (
	ldMaxExp    = 16384  // the largest binary exponent (big.Float's MantExp convention)
	ldMinExp    = -16381 // the smallest exponent of a normal value
	ldSubnormal = 16445  // -log2 of the smallest subnormal value
	maxLDChars  = 5 * 1024
)

// ldRound rounds a value whose exact binary exponent is e to long double;
// round(p) returns it rounded to nearest even at p bits. It reports false
// when the result overflows or underflows to zero.
func ldRound(e int, round func(p uint) *big.Float) (*big.Float, bool) {
	p := 64
	if e < ldMinExp {
		p = e + ldSubnormal // subnormal: the unit in the last place is fixed
	}
	switch {
	case p < 0:
		return nil, false
	case p == 0:
		// Between half the smallest subnormal and the smallest: rounds up,
		// except the exact half, which ties to even (zero).
		if z := round(64); z.MantExp(nil) == -ldSubnormal && isHalfMant(z) {
			return nil, false
		}
		return new(big.Float).SetMantExp(big.NewFloat(0.5), 1-ldSubnormal), true
	}
	z := round(uint(p))
	if z.MantExp(nil) > ldMaxExp {
		return nil, false
	}
	return z, true
}

// isHalfMant reports whether |z| is a power of two.
func isHalfMant(z *big.Float) bool {
	var m big.Float
	z.MantExp(&m)
	return m.Abs(&m).Cmp(big.NewFloat(0.5)) == 0
}

// ldFromFloat rounds an exactly held value to long double.
func ldFromFloat(x *big.Float) (*big.Float, bool) {
	if x.Sign() == 0 || x.IsInf() {
		return x, true
	}
	return ldRound(x.MantExp(nil), func(p uint) *big.Float {
		return new(big.Float).SetMode(big.ToNearestEven).SetPrec(p).Set(x)
	})
}

// ldFromRat rounds an exact rational to long double.
func ldFromRat(r *big.Rat, neg bool) (*big.Float, bool) {
	// Truncation never carries into the next power of two, so this gives
	// the exact value's exponent.
	e := new(big.Float).SetMode(big.ToZero).SetPrec(128).SetRat(r).MantExp(nil)
	z, ok := ldRound(e, func(p uint) *big.Float {
		return new(big.Float).SetMode(big.ToNearestEven).SetPrec(p).SetRat(r)
	})
	if ok && neg {
		z.Neg(z)
	}
	return z, ok
}

// parseLongDouble parses b as Valkey's string2ld does: the whole of b must
// be what strtold accepts (decimal or hexadecimal, optional exponent, inf
// and infinity), with no leading space, no NaN, and no overflow or
// underflow to zero. Infinities are returned as such.
func parseLongDouble(b []byte) (*big.Float, bool) {
	if len(b) == 0 || len(b) >= maxLDChars {
		return nil, false
	}
	i := 0
	neg := false
	if b[0] == '+' || b[0] == '-' {
		neg = b[0] == '-'
		i++
	}
	rest := b[i:]
	if optIsExact(rest, "inf") || optIsExact(rest, "infinity") {
		return new(big.Float).SetInf(neg), true
	}
	if len(rest) >= 2 && rest[0] == '0' && (rest[1] == 'x' || rest[1] == 'X') {
		return parseHexLongDouble(rest[2:], neg)
	}
	return parseDecLongDouble(rest, neg)
}

// optIsExact reports whether b is name, ignoring case.
func optIsExact(b []byte, name string) bool {
	return len(b) == len(name) && optIs(b, name)
}

// scanDigits returns the digits of the mantissa in b (with at most one
// '.'), how many came after the point, and what follows.
func scanDigits(b []byte, isDigit func(byte) bool) (digits []byte, frac int, rest []byte, ok bool) {
	i, dot := 0, -1
	for ; i < len(b); i++ {
		switch {
		case isDigit(b[i]):
			digits = append(digits, b[i])
			if dot >= 0 {
				frac++
			}
		case b[i] == '.' && dot < 0:
			dot = i
		default:
			return digits, frac, b[i:], len(digits) > 0
		}
	}
	return digits, frac, nil, len(digits) > 0
}

// scanExponent parses what follows a mantissa: empty, or the marker, an
// optional sign and at least one digit. Large exponents are clamped; they
// overflow or underflow whatever the mantissa.
func scanExponent(b []byte, marker byte) (int, bool) {
	if len(b) == 0 {
		return 0, true
	}
	if b[0]|0x20 != marker || len(b) < 2 {
		return 0, false
	}
	b = b[1:]
	neg := false
	if b[0] == '+' || b[0] == '-' {
		neg = b[0] == '-'
		b = b[1:]
	}
	if len(b) == 0 {
		return 0, false
	}
	n := 0
	for _, ch := range b {
		if ch < '0' || ch > '9' {
			return 0, false
		}
		if n < 1e8 {
			n = n*10 + int(ch-'0')
		}
	}
	if neg {
		n = -n
	}
	return n, true
}

func isDecDigit(ch byte) bool { return '0' <= ch && ch <= '9' }

func isHexDigit(ch byte) bool {
	return isDecDigit(ch) || ('a' <= ch|0x20 && ch|0x20 <= 'f')
}

func parseDecLongDouble(b []byte, neg bool) (*big.Float, bool) {
	digits, frac, rest, ok := scanDigits(b, isDecDigit)
	if !ok {
		return nil, false
	}
	exp, ok := scanExponent(rest, 'e')
	if !ok {
		return nil, false
	}
	digits = bytes.TrimLeft(digits, "0")
	if len(digits) == 0 {
		z := new(big.Float)
		if neg {
			z.Neg(z)
		}
		return z, true
	}
	exp -= frac
	// The value lies in [10^(mag-1), 10^mag). Far outside the long double
	// range (about 3.6e-4951 to 1.2e4932) it overflows or underflows.
	if mag := len(digits) + exp; mag > 4940 || mag < -4960 {
		return nil, false
	}
	m, _ := new(big.Int).SetString(string(digits), 10)
	if exp >= 0 {
		m.Mul(m, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(exp)), nil))
		x := new(big.Float).SetPrec(uint(max(m.BitLen(), 1))).SetInt(m)
		if neg {
			x.Neg(x)
		}
		return ldFromFloat(x)
	}
	den := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(-exp)), nil)
	return ldFromRat(new(big.Rat).SetFrac(m, den), neg)
}

func parseHexLongDouble(b []byte, neg bool) (*big.Float, bool) {
	digits, frac, rest, ok := scanDigits(b, isHexDigit)
	if !ok {
		return nil, false
	}
	exp, ok := scanExponent(rest, 'p')
	if !ok {
		return nil, false
	}
	m, _ := new(big.Int).SetString(string(digits), 16)
	x := new(big.Float).SetPrec(uint(max(m.BitLen(), 1))).SetInt(m)
	if m.Sign() != 0 {
		e := x.MantExp(nil) + exp - 4*frac
		if e > ldMaxExp+1 || e < -ldSubnormal-2 {
			return nil, false
		}
		x.SetMantExp(x, exp-4*frac)
	}
	if neg {
		x.Neg(x)
	}
	return ldFromFloat(x)
}

// ldAdd adds two long doubles with one rounding; false when the sum is
// not finite.
func ldAdd(x, y *big.Float) (*big.Float, bool) {
	if x.IsInf() || y.IsInf() {
		return nil, false
	}
	if x.Sign() == 0 && y.Sign() == 0 {
		return new(big.Float).Add(x, y), true
	}
	// Enough precision for the exact sum of two 64-bit significands.
	var ex, ey int
	if x.Sign() != 0 {
		ex = x.MantExp(nil)
	}
	if y.Sign() != 0 {
		ey = y.MantExp(nil)
	}
	if x.Sign() == 0 {
		ex = ey
	}
	if y.Sign() == 0 {
		ey = ex
	}
	d := ex - ey
	if d < 0 {
		d = -d
	}
	sum := new(big.Float).SetPrec(uint(d+130)).Add(x, y)
	if sum.Sign() == 0 {
		return sum, true
	}
	return ldFromFloat(sum)
}

// formatLongDoubleHuman prints x as Valkey's ld2string in human mode:
// "%.17Lf" with trailing zeros (and a trailing point) removed, and "-0"
// printed as "0".
func formatLongDoubleHuman(x *big.Float) []byte {
	b := x.Append(nil, 'f', 17)
	if bytes.IndexByte(b, '.') >= 0 {
		b = bytes.TrimRight(b, "0")
		b = bytes.TrimSuffix(b, []byte("."))
	}
	if string(b) == "-0" {
		b = append(b[:0], '0')
	}
	return b
}

// ---- INCRBYFLOAT's fast path ----
//
// Most INCRBYFLOAT operands are short decimals of moderate size. For them
// the long double arithmetic is done directly on a 64-bit significand
// with 128-bit intermediates, exactly as the x87 rounds, without math/big.
// Anything outside the path's range (more than 38 significant digits,
// large exponents, hexadecimal, infinities, operands far apart, results
// of 2^64 or more) goes to the general code, which also decides errors.

// ext is a long double m × 2^e, m normalized (top bit set), or zero (m 0).
type ext struct {
	neg bool
	m   uint64
	e   int
}

// u128 is an unsigned 128-bit integer.
type u128 struct{ hi, lo uint64 }

func (x u128) bitLen() int {
	if x.hi != 0 {
		return 64 + bits.Len64(x.hi)
	}
	return bits.Len64(x.lo)
}

func (x u128) less(y u128) bool { return x.hi < y.hi || (x.hi == y.hi && x.lo < y.lo) }

func (x u128) sub(y u128) u128 {
	lo, b := bits.Sub64(x.lo, y.lo, 0)
	hi, _ := bits.Sub64(x.hi, y.hi, b)
	return u128{hi, lo}
}

// mulSmall returns x*m+a and whether it fits 128 bits.
func (x u128) mulSmall(m, a uint64) (u128, bool) {
	h1, l1 := bits.Mul64(x.lo, m)
	h2, l2 := bits.Mul64(x.hi, m)
	hi, c := bits.Add64(h1, l2, 0)
	lo, c2 := bits.Add64(l1, a, 0)
	hi, c3 := bits.Add64(hi, 0, c2)
	return u128{hi, lo}, h2 == 0 && c == 0 && c3 == 0
}

// pow10u128[k] is 10^k, for k up to 38.
var pow10u128 = func() (t [39]u128) {
	t[0] = u128{0, 1}
	for i := 1; i < len(t); i++ {
		t[i], _ = t[i-1].mulSmall(10, 0)
	}
	return t
}()

// fastIncrByFloat is cur + incr when both are on the fast path (cur nil
// is 0).
func fastIncrByFloat(cur, incr []byte) ([]byte, bool) {
	x := ext{}
	if cur != nil {
		var ok bool
		if x, ok = fastParseLD(cur); !ok {
			return nil, false
		}
	}
	y, ok := fastParseLD(incr)
	if !ok {
		return nil, false
	}
	sum, ok := fastAddLD(x, y)
	if !ok {
		return nil, false
	}
	return fastFormatLD(sum)
}

// fastParseLD parses a plain decimal of at most 38 significant digits and
// a small exponent, correctly rounded to a long double.
func fastParseLD(b []byte) (ext, bool) {
	if len(b) == 0 || len(b) > 96 {
		return ext{}, false
	}
	var x ext
	i := 0
	if b[0] == '+' || b[0] == '-' {
		x.neg = b[0] == '-'
		i++
	}
	var m u128
	nd, frac, digits := 0, 0, 0 // significant digits, digits after the point, all digits
	dot := false
	for ; i < len(b); i++ {
		ch := b[i]
		switch {
		case '0' <= ch && ch <= '9':
			digits++
			if dot {
				frac++
			}
			if nd == 0 && ch == '0' {
				continue // leading zero
			}
			if nd == 38 {
				return ext{}, false
			}
			m, _ = m.mulSmall(10, uint64(ch-'0'))
			nd++
		case ch == '.' && !dot:
			dot = true
		default:
			goto exponent
		}
	}
exponent:
	if digits == 0 {
		return ext{}, false
	}
	exp := 0
	if i < len(b) {
		if b[i]|0x20 != 'e' || i+1 == len(b) {
			return ext{}, false
		}
		i++
		eneg := false
		if b[i] == '+' || b[i] == '-' {
			eneg = b[i] == '-'
			i++
		}
		if i == len(b) || len(b)-i > 4 {
			return ext{}, false
		}
		for ; i < len(b); i++ {
			if b[i] < '0' || b[i] > '9' {
				return ext{}, false
			}
			exp = exp*10 + int(b[i]-'0')
		}
		if eneg {
			exp = -exp
		}
	}
	if nd == 0 {
		return x, true // a signed zero
	}
	exp -= frac
	switch {
	case exp >= 0 && exp < len(pow10u128):
		// An integer: exact in 128 bits, or off the path.
		p := pow10u128[exp]
		if p.hi != 0 && m.hi != 0 {
			return ext{}, false
		}
		n, ok := m, true
		if p.hi == 0 {
			n, ok = m.mulSmall(p.lo, 0)
		} else {
			n, ok = p.mulSmall(m.lo, 0)
		}
		if !ok {
			return ext{}, false
		}
		x.m, x.e = roundU128(n)
	case exp < 0 && -exp < len(pow10u128):
		x.m, x.e = divRound(m, pow10u128[-exp])
	default:
		return ext{}, false
	}
	return x, true
}

// roundU128 rounds a nonzero n to a 64-bit significand: n ≈ q × 2^e.
func roundU128(n u128) (q uint64, e int) {
	z := 128 - n.bitLen()
	hi, lo := shl128(n.hi, n.lo, z)
	q, e = hi, 64-z
	if lo > 1<<63 || (lo == 1<<63 && q&1 == 1) {
		q++
		if q == 0 {
			q, e = 1<<63, e+1
		}
	}
	return q, e
}

// divRound returns m / d rounded to nearest even as q × 2^e with q a
// 64-bit significand (m, d nonzero, below 2^127).
func divRound(m, d u128) (q uint64, e int) {
	// Scale so that the quotient has exactly 64 bits: m × 2^sh / d in
	// [2^63, 2^64). The numerator takes up to 191 bits, the divisor is
	// normalized to a top bit set, and one step of long division (Knuth's
	// algorithm D) gives the quotient digit and the exact remainder.
	t := 128 - d.bitLen()
	dn := u128{}
	dn.hi, dn.lo = shl128(d.hi, d.lo, t)
	sh := 63 + d.bitLen() - m.bitLen()
	for {
		n2, n1, n0 := shl192(m, sh+t)
		var qh uint64
		if n2 >= dn.hi {
			qh = math.MaxUint64
		} else {
			qh, _ = bits.Div64(n2, n1, dn.hi)
		}
		// p = qh × dn, at most two too large.
		p1a, p0 := bits.Mul64(qh, dn.lo)
		p2, p1b := bits.Mul64(qh, dn.hi)
		p1, c := bits.Add64(p1a, p1b, 0)
		p2 += c
		for p2 > n2 || (p2 == n2 && (p1 > n1 || (p1 == n1 && p0 > n0))) {
			qh--
			var b uint64
			p0, b = bits.Sub64(p0, dn.lo, 0)
			p1, b = bits.Sub64(p1, dn.hi, b)
			p2 -= b
		}
		if qh < 1<<63 {
			sh++ // m × 2^sh < 2^(63+len(d)) keeps the quotient under 2^64; this doubles it
			continue
		}
		r0, b := bits.Sub64(n0, p0, 0)
		r1, _ := bits.Sub64(n1, p1, b)
		r := u128{r1, r0}
		if half := dn.sub(r); half.less(r) || (half == r && qh&1 == 1) {
			qh++
			if qh == 0 {
				return 1 << 63, -sh + 1
			}
		}
		return qh, -sh
	}
}

// shl192 returns m << n as three words (n < 192, the result fits).
func shl192(m u128, n int) (w2, w1, w0 uint64) {
	w2, w1, w0 = 0, m.hi, m.lo
	for n >= 64 {
		w2, w1, w0 = w1, w0, 0
		n -= 64
	}
	if n > 0 {
		w2 = w2<<n | w1>>(64-n)
		w1 = w1<<n | w0>>(64-n)
		w0 <<= n
	}
	return w2, w1, w0
}

// shl128 shifts the 128-bit hi:lo left by n (0 <= n < 128).
func shl128(hi, lo uint64, n int) (uint64, uint64) {
	switch {
	case n == 0:
		return hi, lo
	case n >= 64:
		return lo << (n - 64), 0
	}
	return hi<<n | lo>>(64-n), lo << n
}

// fastAddLD adds with one rounding to nearest even, when the operands'
// exponents are close enough for the exact sum to fit 128 bits.
func fastAddLD(x, y ext) (ext, bool) {
	switch {
	case x.m == 0 && y.m == 0:
		return ext{neg: x.neg && y.neg}, true
	case x.m == 0:
		return y, true
	case y.m == 0:
		return x, true
	}
	if y.e > x.e || (y.e == x.e && y.m > x.m) {
		x, y = y, x // |x| >= |y|
	}
	d := x.e - y.e
	if d > 64 {
		return ext{}, false
	}
	// x as hi:lo = m:0 at exponent x.e-64; y shifted right by d.
	xh, xl := x.m, uint64(0)
	var yh, yl uint64
	if d == 64 {
		yh, yl = 0, y.m
	} else if d == 0 {
		yh, yl = y.m, 0
	} else {
		yh, yl = y.m>>d, y.m<<(64-d)
	}
	e := x.e - 64
	var hi, lo uint64
	var sticky uint64
	if x.neg == y.neg {
		var carry uint64
		lo, carry = bits.Add64(xl, yl, 0)
		hi, carry = bits.Add64(xh, yh, carry)
		if carry != 0 {
			sticky = lo & 1
			lo = lo>>1 | hi<<63
			hi = hi>>1 | 1<<63
			e++
		}
	} else {
		var borrow uint64
		lo, borrow = bits.Sub64(xl, yl, 0)
		hi, _ = bits.Sub64(xh, yh, borrow)
		if hi == 0 && lo == 0 {
			return ext{}, true // exact cancellation is +0
		}
		n := bits.LeadingZeros64(hi)
		if hi == 0 {
			n = 64 + bits.LeadingZeros64(lo)
		}
		hi, lo = shl128(hi, lo, n)
		e -= n
	}
	// Round hi:lo(:sticky) to the 64 bits of hi.
	q := hi
	half := uint64(1) << 63
	if lo > half || (lo == half && (sticky != 0 || q&1 == 1)) {
		q++
		if q == 0 {
			q, e = 1<<63, e+1
		}
	}
	return ext{neg: x.neg, m: q, e: e + 64}, true
}

// fastFormatLD prints as "%.17Lf" with zeros trimmed, for values below
// 2^64.
func fastFormatLD(x ext) ([]byte, bool) {
	if x.m == 0 {
		return []byte{'0'}, true
	}
	if x.e > 0 {
		return nil, false
	}
	// r = x × 10^17, rounded to an integer, half to even.
	hi, lo := bits.Mul64(x.m, 1e17)
	k := -x.e
	var r1, r0 uint64 // r = r1:r0
	switch {
	case k == 0:
		r1, r0 = hi, lo
	case k >= 128:
		// Below 2^-64: far under the last printed digit.
	default:
		var rem1, rem0 uint64 // the bits shifted out
		if k >= 64 {
			r0 = hi >> (k - 64)
			rem1, rem0 = hi&(1<<(k-64)-1), lo
		} else {
			r1, r0 = hi>>k, hi<<(64-k)|lo>>k
			rem0 = lo & (1<<k - 1)
		}
		// Compare the remainder with half of 2^k.
		var h1, h0 uint64
		if k-1 >= 64 {
			h1 = 1 << (k - 1 - 64)
		} else {
			h0 = 1 << (k - 1)
		}
		if rem1 > h1 || (rem1 == h1 && (rem0 > h0 || (rem0 == h0 && r0&1 == 1))) {
			var c uint64
			r0, c = bits.Add64(r0, 1, 0)
			r1 += c
		}
	}
	if r1 >= 1e17 {
		return nil, false // an integer part beyond 64 bits
	}
	intPart, fracPart := bits.Div64(r1, r0, 1e17)
	var buf [48]byte
	out := buf[:0]
	if x.neg && (intPart != 0 || fracPart != 0) {
		out = append(out, '-')
	}
	out = strconv.AppendUint(out, intPart, 10)
	if fracPart != 0 {
		var f [17]byte
		for i := 16; i >= 0; i-- {
			f[i] = byte('0' + fracPart%10)
			fracPart /= 10
		}
		n := 17
		for f[n-1] == '0' {
			n--
		}
		out = append(out, '.')
		out = append(out, f[:n]...)
	}
	return bytes.Clone(out), true
}

// isCanonicalInt reports whether v is exactly how a 64-bit integer prints:
// what string2ll accepts (no leading zeros, '+' or spaces; "-0" is not).
func isCanonicalInt(v []byte) bool {
	_, ok := parseInt(v)
	return ok
}
