package engine

import (
	"bytes"
	"math"
	"strconv"

	"github.com/volleydb/volley/engine/cnum"
	"github.com/volleydb/volley/engine/config"
	"github.com/volleydb/volley/engine/keyspace"
)

// genericHandlers are the generic group (DEL, EXISTS, EXPIRE, SCAN,
// OBJECT, COPY and the rest) and the server group's database commands
// (DBSIZE, FLUSHDB, FLUSHALL, SWAPDB), which act on the same tables.
var genericHandlers = map[string]Handler{
	"del":             cmdDel,
	"unlink":          cmdUnlink,
	"exists":          cmdExists,
	"type":            cmdType,
	"touch":           cmdTouch,
	"rename":          cmdRename,
	"renamenx":        cmdRenameNX,
	"keys":            cmdKeys,
	"scan":            cmdScan,
	"randomkey":       cmdRandomKey,
	"expire":          cmdExpire,
	"pexpire":         cmdPExpire,
	"expireat":        cmdExpireAt,
	"pexpireat":       cmdPExpireAt,
	"ttl":             cmdTTL,
	"pttl":            cmdPTTL,
	"expiretime":      cmdExpireTime,
	"pexpiretime":     cmdPExpireTime,
	"persist":         cmdPersist,
	"object|encoding": cmdObjectEncoding,
	"object|freq":     cmdObjectFreq,
	"object|idletime": cmdObjectIdleTime,
	"object|refcount": cmdObjectRefCount,
	"object|help":     cmdObjectHelp,
	"move":            cmdMove,
	"copy":            cmdCopy,
	"dbsize":          cmdDBSize,
	"flushdb":         cmdFlushDB,
	"flushall":        cmdFlushAll,
	"swapdb":          cmdSwapDB,
	"dump":            cmdDump,
	"restore":         cmdRestore,
	"restore-asking":  cmdRestore,
}

// Error texts of this group that engine/errors.go does not have.
const (
	errNoKeyCompat    = "ERR NX and XX, GT or LT options at the same time are not compatible"
	errGTLTCompat     = "ERR GT and LT options at the same time are not compatible"
	errInvalidCursor  = "ERR invalid cursor"
	errLFUNotSelected = "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that " +
		"when switching between policies at runtime LRU and LFU data will take some time to adjust."
	errLFUSelected = "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when " +
		"switching between policies at runtime LRU and LFU data will take some time to adjust."
	errSwapDBCluster = "ERR SWAPDB is not allowed in cluster mode"
	errIntRange      = "ERR value is out of range, value must between -2147483648 and 2147483647"
)

// lazyfreeThreshold is the free effort above which UNLINK (and DEL with
// lazyfree-lazy-user-del) hands a value to the background (LAZYFREE_THRESHOLD).
const lazyfreeThreshold = 64

// ---- DEL, UNLINK, EXISTS, TYPE, TOUCH ----

func cmdDel(c *Client) { delGeneric(c, c.srv.Cfg.LazyfreeLazyUserDel) }

func cmdUnlink(c *Client) { delGeneric(c, true) }

// delGeneric deletes the keys that exist: an expired key is reclaimed as
// expired (its "expired" event) and not counted.
func delGeneric(c *Client, lazy bool) {
	s, db := c.srv, c.db()
	var n int64
	for _, key := range c.Argv[1:] {
		e, ok := db.LookupFlags(key, lookupWrite|lookupNoTouch)
		if !ok {
			continue
		}
		if lazy {
			s.freeLazily(e)
		}
		db.Delete(key)
		s.keyModified(db, key)
		s.notifyKeyspaceEvent(config.NotifyGeneric, "del", key, db.ID)
		s.Dirty++
		n++
	}
	c.AddInt(n)
}

// freeLazily frees in the background a value whose memory Valkey would
// free on its lazy-free thread: a free effort over lazyfreeThreshold
// (lazyfree.go).
func (s *Server) freeLazily(e keyspace.Entry) {
	o, ok := e.Obj().(Object)
	if !ok || freeEffort(o) <= lazyfreeThreshold {
		return
	}
	s.lazyfreeObject()
}

func cmdExists(c *Client) {
	db := c.db()
	var n int64
	for _, key := range c.Argv[1:] {
		if _, ok := db.LookupFlags(key, lookupNoTouch); ok {
			n++
		}
	}
	c.AddInt(n)
}

func cmdType(c *Client) {
	e, ok := c.db().LookupFlags(c.Argv[1], lookupNoTouch)
	if !ok {
		c.AddSimple("none")
		return
	}
	c.AddSimple(TypeName(e.Kind()))
}

func cmdTouch(c *Client) {
	db := c.db()
	var n int64
	for _, key := range c.Argv[1:] {
		if _, ok := db.Lookup(key); ok {
			n++
		}
	}
	c.AddInt(n)
}

// ---- RENAME, RENAMENX, MOVE, COPY ----

// moved is a value leaving its record for the key to (RENAME, MOVE). Its
// bytes alias the source record, which stays in place while other keys
// are written, so the new key is written first and the source deleted
// after: the value is copied once, into the new record.
func moved(e keyspace.Entry, to []byte) (keyspace.Value, uint32) {
	return rekeyed(e, to, e.Obj()), e.Access()
}

// rekeyed is e's value as stored under the key to, with the object obj.
// Valkey re-creates a value's object with its new key embedded, and an
// embedded string that no longer fits beside the key becomes raw.
func rekeyed(e keyspace.Entry, to []byte, obj any) keyspace.Value {
	v := keyspace.Value{Kind: e.Kind(), Bytes: e.Value(), Obj: obj, Expire: e.Expire()}
	v.Kind = rekeyedKind(v.Kind, len(to), len(v.Bytes), v.Expire != 0)
	return v
}

func cmdRename(c *Client)   { renameGeneric(c, false) }
func cmdRenameNX(c *Client) { renameGeneric(c, true) }

func renameGeneric(c *Client, nx bool) {
	s, db := c.srv, c.db()
	src, dst := c.Argv[1], c.Argv[2]
	e, ok := db.LookupWrite(src)
	if !ok {
		c.AddError(ErrNoKey)
		return
	}
	if bytes.Equal(src, dst) {
		if nx {
			c.AddInt(0)
		} else {
			c.AddOK()
		}
		return
	}
	if _, ok := db.LookupWrite(dst); ok {
		if nx {
			c.AddInt(0)
			return
		}
		db.Delete(dst)
	}
	// The value keeps its object, expiry and access time under the new name.
	v, access := moved(e, dst)
	db.Set(dst, v, false).SetAccess(access)
	db.Delete(src)
	s.signalKeyAsReady(db, dst, v.Kind&typeMask)
	s.keyModified(db, src)
	s.keyModified(db, dst)
	s.notifyKeyspaceEvent(config.NotifyGeneric, "rename_from", src, db.ID)
	s.notifyKeyspaceEvent(config.NotifyGeneric, "rename_to", dst, db.ID)
	s.Dirty++
	if nx {
		c.AddInt(1)
	} else {
		c.AddOK()
	}
}

// targetDB parses a database index argument of MOVE and COPY and checks it
// as SELECT would, replying the error and returning nil when it fails.
func targetDB(c *Client, arg []byte) *DB {
	id, ok := parseInt(arg)
	if !ok {
		c.AddError(ErrNotInteger)
		return nil
	}
	if id < math.MinInt32 || id > math.MaxInt32 {
		c.AddError(errIntRange)
		return nil
	}
	s := c.srv
	if id < 0 || id >= int64(len(s.dbs)) {
		c.AddError(ErrInvalidDB)
		return nil
	}
	s.dbs[id].selected = true
	return s.dbs[id]
}

func cmdMove(c *Client) {
	s, src := c.srv, c.db()
	key := c.Argv[1]
	dst := targetDB(c, c.Argv[2])
	if dst == nil {
		return
	}
	if dst == src {
		c.AddError(ErrSameObject)
		return
	}
	e, ok := src.LookupWrite(key)
	if !ok {
		c.AddInt(0)
		return
	}
	if _, ok := dst.LookupWrite(key); ok {
		c.AddInt(0)
		return
	}
	v, access := moved(e, key)
	dst.Set(key, v, false).SetAccess(access)
	src.Delete(key)
	s.signalKeyAsReady(dst, key, v.Kind&typeMask)
	s.keyModified(src, key)
	s.keyModified(dst, key)
	s.notifyKeyspaceEvent(config.NotifyGeneric, "move_from", key, src.ID)
	s.notifyKeyspaceEvent(config.NotifyGeneric, "move_to", key, dst.ID)
	s.Dirty++
	c.AddInt(1)
}

func cmdCopy(c *Client) {
	s, src := c.srv, c.db()
	dst := src
	replace := false
	for j := 3; j < len(c.Argv); j++ {
		switch arg := c.Argv[j]; {
		case equalFoldASCII(arg, "replace"):
			replace = true
		case equalFoldASCII(arg, "db") && j+1 < len(c.Argv):
			if dst = targetDB(c, c.Argv[j+1]); dst == nil {
				return
			}
			j++
		default:
			c.AddError(ErrSyntax)
			return
		}
	}
	key, newKey := c.Argv[1], c.Argv[2]
	if src == dst && bytes.Equal(key, newKey) {
		c.AddError(ErrSameObject)
		return
	}
	e, ok := src.Lookup(key)
	if !ok {
		c.AddInt(0)
		return
	}
	exists := false
	if _, ok := dst.LookupWrite(newKey); ok {
		if !replace {
			c.AddInt(0)
			return
		}
		exists = true
	}
	// A copy is a new value: its own bytes and a deep copy of its object;
	// it starts with a fresh access time, as a newly created object does.
	var obj any
	if o, ok := e.Obj().(Object); ok {
		obj = o.Clone()
	}
	v := rekeyed(e, newKey, obj)
	if exists {
		dst.Delete(newKey)
	}
	// v.Bytes still aliases the source record, which writes to other keys
	// leave in place; Set copies them into the new one.
	dst.Set(newKey, v, false)
	s.signalKeyAsReady(dst, newKey, v.Kind&typeMask)
	s.keyModified(dst, newKey)
	s.notifyKeyspaceEvent(config.NotifyGeneric, "copy_to", newKey, dst.ID)
	s.Dirty++
	c.AddInt(1)
}

// ---- KEYS, SCAN, RANDOMKEY ----

// expiredNow reports whether e's time to live has passed at the command's
// time (a key expires strictly after its expiry time). To an import
// source, on a primary in import-mode, nothing has expired.
func (s *Server) expiredNow(e keyspace.Entry) bool {
	at := e.Expire()
	return at != 0 && s.Now() > at && !s.importSourceView()
}

// importSourceView reports whether the executing client is an import
// source of a primary in import-mode, which sees expired keys as live
// (Valkey's objectIsExpired).
func (s *Server) importSourceView() bool {
	c := s.current
	return c != nil && c.Flags&ClientImportSource != 0 && s.Cfg.ReplicaOfHost == "" && s.importMode()
}

// expiryDeletes reports whether an expired key found while walking the
// table may be deleted now: not on a replica, which waits for its
// primary's DEL, not in import-mode, which waits for the importer's, and
// not while CLIENT PAUSE holds expiry.
func (s *Server) expiryDeletes() bool {
	return s.expirePolicy(0) == expireDelete
}

func cmdKeys(c *Client) {
	s, db := c.srv, c.db()
	pattern := c.Argv[1]
	all := len(pattern) == 1 && pattern[0] == '*'
	d := c.AddDeferredLen()
	n := 0
	it := db.Keys().Iter()
	for it.Next() {
		e := it.Entry()
		key := e.Key()
		if (all || globMatch(pattern, key, false)) && !s.expiredNow(e) {
			c.AddBulkCopy(key)
			n++
			if c.replyPastLimit() {
				break
			}
		}
	}
	it.Close()
	c.SetDeferredArrayLen(d, n)
}

// parseScanCursor parses a SCAN cursor as Valkey's string2ull does: an
// unsigned 64-bit decimal; what string2ll rejects is given to strtoull,
// which also takes leading white space, a sign (a minus negates modulo
// 2^64) and leading zeros, and stops at a NUL byte.
func parseScanCursor(b []byte) (uint64, bool) { return cnum.String2ull(b) }

// scanTypes are the names SCAN TYPE takes, by type nibble.
var scanTypes = [...]struct {
	name string
	typ  uint8
}{
	{"string", TypeString}, {"list", TypeList}, {"set", TypeSet},
	{"zset", TypeZSet}, {"hash", TypeHash}, {"stream", TypeStream},
}

// scanDefaultCount is SCAN's COUNT when none is given.
const scanDefaultCount = 10

// replyEmptyScan is the reply of SSCAN, HSCAN and ZSCAN for a missing key.
const replyEmptyScan = "*2\r\n$1\r\n0\r\n*0\r\n"

// scanKeyspace is parseScanOptions' "of" for SCAN itself.
const scanKeyspace uint8 = 0xff

// scanOptions are the options SCAN and its per-type variants share.
type scanOptions struct {
	count    int64
	pattern  []byte // nil matches everything
	typ      uint8  // SCAN TYPE's type, if byType
	byType   bool
	noValues bool // HSCAN NOVALUES
	noScores bool // ZSCAN NOSCORES
}

// parseScanOptions parses argv[from:] as Valkey's scanGenericCommand does,
// for a scan of the keyspace (of is scanKeyspace) or of a value of type
// of. It replies the error and returns false on bad input.
func parseScanOptions(c *Client, from int, of uint8) (scanOptions, bool) {
	o := scanOptions{count: scanDefaultCount}
	argv := c.Argv
	for i := from; i < len(argv); {
		more := len(argv) - i
		switch arg := argv[i]; {
		case equalFoldASCII(arg, "count") && more >= 2:
			n, ok := parseInt(argv[i+1])
			if !ok {
				c.AddError(ErrNotInteger)
				return o, false
			}
			if n < 1 {
				c.AddError(ErrSyntax)
				return o, false
			}
			o.count = n
			i += 2
		case equalFoldASCII(arg, "match") && more >= 2:
			o.pattern = argv[i+1]
			if len(o.pattern) == 1 && o.pattern[0] == '*' {
				o.pattern = nil
			}
			i += 2
		case equalFoldASCII(arg, "type") && of == scanKeyspace && more >= 2:
			name := argv[i+1]
			found := false
			for _, t := range scanTypes {
				if equalFoldASCII(name, t.name) {
					o.typ, found = t.typ, true
					break
				}
			}
			if !found {
				c.AddError("ERR unknown type name '" + cString(name) + "'")
				return o, false
			}
			o.byType = true
			i += 2
		case equalFoldASCII(arg, "novalues"):
			if of != TypeHash {
				c.AddError("ERR NOVALUES option can only be used in HSCAN")
				return o, false
			}
			o.noValues = true
			i++
		case equalFoldASCII(arg, "noscores"):
			if of != TypeZSet {
				c.AddError("ERR NOSCORES option can only be used in ZSCAN")
				return o, false
			}
			o.noScores = true
			i++
		default:
			c.AddError(ErrSyntax)
			return o, false
		}
	}
	return o, true
}

func cmdScan(c *Client) {
	s, db := c.srv, c.db()
	cursor, ok := parseScanCursor(c.Argv[1])
	if !ok {
		c.AddError(errInvalidCursor)
		return
	}
	o, ok := parseScanOptions(c, 2, scanKeyspace)
	if !ok {
		return
	}
	count, pattern := o.count, o.pattern

	// Keys are copied out as they are found: a later callback may reclaim
	// an expired key, and its slot may be reused.
	var keys []byte
	var ends []int
	var sampled int64
	deletes := s.expiryDeletes()
	visit := func(e keyspace.Entry) {
		sampled++
		if o.byType && typeOf(e) != o.typ {
			return
		}
		key := e.Key()
		if pattern != nil && !globMatch(pattern, key, false) {
			return
		}
		if s.expiredNow(e) {
			if deletes {
				k := bytes.Clone(key)
				db.expireKey(k, db.Hash(k))
			}
			return
		}
		keys = append(keys, key...)
		ends = append(ends, len(keys))
	}
	// Stop after count keys sampled, or ten times count buckets visited
	// when the table is sparse, as Valkey bounds each call.
	maxIter := count * 10
	for {
		cursor = db.Keys().Scan(cursor, visit)
		if cursor == 0 || maxIter == 0 {
			break
		}
		maxIter--
		if sampled >= count {
			break
		}
	}
	c.AddArrayLen(2)
	c.AddBulkString(strconv.FormatUint(cursor, 10))
	c.AddArrayLen(len(ends))
	prev := 0
	for _, end := range ends {
		c.AddBulkCopy(keys[prev:end])
		prev = end
	}
}

// cString is b as C's %s prints it: up to the first NUL byte.
func cString(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

func cmdRandomKey(c *Client) {
	s, db := c.srv, c.db()
	allVolatile := db.Len() == db.ExpiresLen()
	policy := s.expirePolicy(0) // for an expired key drawn: the same for each
	tries := 100
	for {
		e, ok := db.Keys().Random()
		if !ok {
			c.AddNull()
			return
		}
		if s.expiredNow(e) {
			switch policy {
			case expireIgnore:
				c.AddBulkCopy(e.Key())
				return
			case expireDelete:
				k := bytes.Clone(e.Key())
				db.expireKey(k, db.Hash(k))
			case expireKeep:
				// Where expired keys stay (a replica, import-mode, a
				// pause), a table of nothing else would keep this loop
				// going: after enough tries one of them is the answer.
				if allVolatile {
					if tries--; tries == 0 {
						c.AddBulkCopy(e.Key())
						return
					}
				}
			}
			continue
		}
		c.AddBulkCopy(e.Key())
		return
	}
}

// ---- EXPIRE and friends, TTL and friends, PERSIST ----

// Expire options.
const (
	expireNX = 1 << iota
	expireXX
	expireGT
	expireLT
)

func cmdExpire(c *Client)    { expireGeneric(c, c.srv.Now(), true) }
func cmdPExpire(c *Client)   { expireGeneric(c, c.srv.Now(), false) }
func cmdExpireAt(c *Client)  { expireGeneric(c, 0, true) }
func cmdPExpireAt(c *Client) { expireGeneric(c, 0, false) }

// expireGeneric sets key's expiry to argv[2] (seconds or milliseconds)
// after base (now, or 0 for the absolute forms), with NX/XX/GT/LT.
func expireGeneric(c *Client, base int64, seconds bool) {
	s, db := c.srv, c.db()
	key := c.Argv[1]
	var flags int
	for _, opt := range c.Argv[3:] {
		switch {
		case equalFoldASCII(opt, "nx"):
			flags |= expireNX
		case equalFoldASCII(opt, "xx"):
			flags |= expireXX
		case equalFoldASCII(opt, "gt"):
			flags |= expireGT
		case equalFoldASCII(opt, "lt"):
			flags |= expireLT
		default:
			c.AddError("ERR Unsupported option " + cString(opt))
			return
		}
	}
	if flags&expireNX != 0 && flags&(expireXX|expireGT|expireLT) != 0 {
		c.AddError(errNoKeyCompat)
		return
	}
	if flags&expireGT != 0 && flags&expireLT != 0 {
		c.AddError(errGTLTCompat)
		return
	}
	when, ok := parseInt(c.Argv[2])
	if !ok {
		c.AddError(ErrNotInteger)
		return
	}
	if seconds {
		if when > math.MaxInt64/1000 || when < math.MinInt64/1000 {
			addExpireTimeError(c)
			return
		}
		when *= 1000
	}
	if when > math.MaxInt64-base {
		addExpireTimeError(c)
		return
	}
	when += base
	if when < 0 {
		when = 0 // already expired
	}
	e, ok := db.LookupWrite(key)
	if !ok {
		c.AddInt(0)
		return
	}
	if flags != 0 {
		cur := e.Expire() // 0: none, an infinite time to live
		switch {
		case flags&expireNX != 0 && cur != 0,
			flags&expireXX != 0 && cur == 0,
			flags&expireGT != 0 && (cur == 0 || when <= cur),
			flags&expireLT != 0 && cur != 0 && when >= cur:
			c.AddInt(0)
			return
		}
	}
	if pastExpiry(s, when) {
		// A time in the past deletes the key, as its expiry would.
		deleteExpiredOnWrite(c, db, key)
		c.AddInt(1)
		return
	}
	if when == 0 {
		when = 1 // 0 means no expiry here; a replica or import-mode keeps the key until told to delete it
	}
	db.SetExpire(key, when)
	s.keyModified(db, key)
	s.notifyKeyspaceEvent(config.NotifyGeneric, "expire", key, db.ID)
	s.Dirty++
	if base != 0 || seconds { // propagated as PEXPIREAT with the absolute time
		c.rewriteArg(0, argPEXPIREAT)
		c.rewriteArg(2, s.propInt(when))
	}
	c.AddInt(1)
}

func cmdTTL(c *Client)         { ttlGeneric(c, false, false) }
func cmdPTTL(c *Client)        { ttlGeneric(c, true, false) }
func cmdExpireTime(c *Client)  { ttlGeneric(c, false, true) }
func cmdPExpireTime(c *Client) { ttlGeneric(c, true, true) }

// ttlGeneric replies key's time to live (or, abs, its expiry time) in
// seconds or milliseconds: -2 for no key, -1 for no expiry.
func ttlGeneric(c *Client, ms, abs bool) {
	e, ok := c.db().LookupFlags(c.Argv[1], lookupNoTouch)
	if !ok {
		c.AddInt(-2)
		return
	}
	at := e.Expire()
	if at == 0 {
		c.AddInt(-1)
		return
	}
	ttl := at
	if !abs {
		ttl = at - c.srv.Now()
	}
	ttl = max(ttl, 0)
	if !ms {
		ttl = (ttl + 500) / 1000
	}
	c.AddInt(ttl)
}

func cmdPersist(c *Client) {
	s, db := c.srv, c.db()
	key := c.Argv[1]
	if _, ok := db.LookupWrite(key); !ok || !db.Persist(key) {
		c.AddInt(0)
		return
	}
	s.keyModified(db, key)
	s.notifyKeyspaceEvent(config.NotifyGeneric, "persist", key, db.ID)
	s.Dirty++
	c.AddInt(1)
}

// ---- OBJECT ----

var objectHelp = []string{
	"ENCODING <key>",
	"    Return the kind of internal representation used in order to store the value",
	"    associated with a <key>.",
	"FREQ <key>",
	"    Return the access frequency index of the <key>. The returned integer is",
	"    proportional to the logarithm of the recent access frequency of the key.",
	"IDLETIME <key>",
	"    Return the idle time of the <key>, that is the approximated number of",
	"    seconds elapsed since the last access to the key.",
	"REFCOUNT <key>",
	"    Return the number of references of the value associated with the specified",
	"    <key>.",
}

func cmdObjectHelp(c *Client) { c.AddHelp("OBJECT", objectHelp) }

// objectLookup finds OBJECT's key without touching it or sending keymiss,
// replying null when it is missing.
func objectLookup(c *Client) (keyspace.Entry, bool) {
	e, ok := c.db().LookupFlags(c.Argv[2], lookupNoTouch|lookupNoNotify)
	if !ok {
		c.AddNull()
	}
	return e, ok
}

func cmdObjectEncoding(c *Client) {
	if e, ok := objectLookup(c); ok {
		c.AddBulkString(EncodingName(e.Kind()))
	}
}

// cmdObjectRefCount replies 1: Valkey 9 embeds the key in the value's
// object, so a stored value is never a shared object.
func cmdObjectRefCount(c *Client) {
	if _, ok := objectLookup(c); ok {
		c.AddInt(1)
	}
}

func cmdObjectIdleTime(c *Client) {
	e, ok := objectLookup(c)
	if !ok {
		return
	}
	if c.srv.lfuMode() {
		c.AddError(errLFUSelected)
		return
	}
	c.AddInt(c.srv.idleMs(e) / 1000)
}

func cmdObjectFreq(c *Client) {
	e, ok := objectLookup(c)
	if !ok {
		return
	}
	if !c.srv.lfuMode() {
		c.AddError(errLFUNotSelected)
		return
	}
	c.AddInt(int64(c.srv.lfuDecr(e)))
}

// ---- DBSIZE, FLUSHDB, FLUSHALL, SWAPDB ----

func cmdDBSize(c *Client) { c.AddInt(int64(c.db().Len())) }

// flushAsync parses FLUSHDB's and FLUSHALL's option: SYNC, ASYNC, or
// lazyfree-lazy-user-flush without one.
func flushAsync(c *Client) (async, ok bool) {
	switch {
	case len(c.Argv) == 1:
		return c.srv.Cfg.LazyfreeLazyUserFlush, true
	case len(c.Argv) == 2 && equalFoldASCII(c.Argv[1], "sync"):
		return false, true
	case len(c.Argv) == 2 && equalFoldASCII(c.Argv[1], "async"):
		return true, true
	}
	c.AddError(ErrSyntax)
	return false, false
}

func cmdFlushDB(c *Client) {
	async, ok := flushAsync(c)
	if !ok {
		return
	}
	c.srv.Dirty += int64(c.db().Flush(async))
	c.srv.trackingFlushed()
	c.forcePropagation() // an empty database's FLUSHDB is propagated too, as in Valkey
	c.AddOK()
}

func cmdFlushAll(c *Client) {
	async, ok := flushAsync(c)
	if !ok {
		return
	}
	s := c.srv
	for _, db := range s.dbs {
		s.Dirty += int64(db.Flush(async))
	}
	s.trackingFlushed()
	s.forgetReplicaKeys()
	s.bgsaveStop("Background saving stopped by FLUSHALL")
	if len(s.Cfg.Save) > 0 {
		// With save points configured Valkey writes the now empty dataset
		// at once, so that a restart does not bring the old one back.
		_ = s.SaveRDB()
	}
	// Propagated even when nothing was there to flush, or the save above
	// reset the dirty count.
	c.forcePropagation()
	c.AddOK()
}

// swapDBIndex parses one SWAPDB index, an int like SELECT's.
func swapDBIndex(c *Client, arg []byte, msg string) (int, bool) {
	id, ok := parseInt(arg)
	if !ok || id < math.MinInt32 || id > math.MaxInt32 {
		c.AddError(msg)
		return 0, false
	}
	return int(id), true
}

func cmdSwapDB(c *Client) {
	s := c.srv
	if s.Cfg.ClusterEnabled {
		c.AddError(errSwapDBCluster)
		return
	}
	id1, ok := swapDBIndex(c, c.Argv[1], "ERR invalid first DB index")
	if !ok {
		return
	}
	id2, ok := swapDBIndex(c, c.Argv[2], "ERR invalid second DB index")
	if !ok {
		return
	}
	n := len(s.dbs)
	if id1 < 0 || id1 >= n || id2 < 0 || id2 >= n {
		c.AddError(ErrInvalidDB)
		return
	}
	s.dbs[id1].selected, s.dbs[id2].selected = true, true
	if id1 != id2 {
		db1, db2 := s.dbs[id1], s.dbs[id2]
		db1.swapContents(db2)
		// Clients blocked on a key stay in their database; the key may now
		// exist there.
		s.scanDatabaseForReadyKeys(db1)
		s.scanDatabaseForReadyKeys(db2)
	}
	s.Dirty++
	c.AddOK()
}
