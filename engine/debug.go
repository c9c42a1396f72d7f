package engine

import (
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/volleydb/volley/engine/cnum"
	"github.com/volleydb/volley/engine/config"
	"github.com/volleydb/volley/engine/keyspace"
	"github.com/volleydb/volley/engine/rdb"
	"github.com/volleydb/volley/engine/resp"
)

// DEBUG is one command with its own subcommand table: in Valkey's
// command table it is not a container (arity -2), so the dispatcher
// cannot resolve its subcommands. Each entry checks its own argument
// count; a wrong count or an unknown name gets Valkey's "unknown
// subcommand or wrong number of arguments" error.

// debugSub is one DEBUG subcommand.
type debugSub struct {
	arity int // as a spec's: the full argv length, negative for "at least"
	run   Handler
	help  []string // its lines in DEBUG HELP
}

// debugSubs are the DEBUG subcommands Volley implements, by lower-case
// name. The keyspace and persistence groups add theirs (OBJECT,
// POPULATE, RELOAD, ...) here.
var debugSubs = map[string]debugSub{
	"change-repl-id": {2, debugChangeReplID, []string{
		"CHANGE-REPL-ID",
		"    Change the replication IDs of the instance.",
		"    Dangerous: should be used only for testing the replication subsystem.",
	}},
	"config-rewrite-force-all": {2, debugConfigRewriteForceAll, []string{
		"CONFIG-REWRITE-FORCE-ALL",
		"    Like CONFIG REWRITE but writes all configuration options, including",
		"    keywords not listed in original configuration file or default values.",
	}},
	"client-enforce-reply-list": {3, func(c *Client) {
		c.srv.DebugReplyList = cnum.Atoi(c.Argv[2]) != 0
		c.AddOK()
	}, nil},
	"set-disable-deny-scripts": {3, func(c *Client) {
		c.srv.scriptDenyOff = cnum.Atoi(c.Argv[2]) != 0
		c.AddOK()
	}, nil},
	"replicate": {-3, debugReplicate, []string{
		"REPLICATE <string>",
		"    Replicates the provided string to replicas, allowing data divergence.",
	}},
	"digest": {2, debugDigest, []string{
		"DIGEST",
		"    Output a hex signature representing the current DB content.",
	}},
	"digest-value": {-2, debugDigestValue, []string{
		"DIGEST-VALUE <key> [<key> ...]",
		"    Output a hex signature of the values of all the specified keys.",
	}},
	"error": {3, debugError, []string{
		"ERROR <string>",
		"    Return a RESP protocol error with <string> as message. Useful for clients",
		"    unit tests to simulate error replies.",
	}},
	"object": {-3, debugObject, []string{
		"OBJECT <key> [fast]",
		"    Show low level info about `key` and associated value.",
		"    Some fields of the default behavior may be time consuming to fetch,",
		"    and `fast` can be passed to avoid fetching them.",
	}},
	"populate": {-3, debugPopulate, []string{
		"POPULATE <count> [<prefix>] [<size>]",
		"    Create <count> string keys named key:<num>. If <prefix> is specified then",
		"    it is used instead of the 'key' prefix. These are not propagated to",
		"    replicas. Cluster slots are not respected so keys not belonging to the",
		"    current node can be created in cluster mode.",
	}},
	"quicklist-packed-threshold": {3, debugQuicklistPackedThreshold, []string{
		"QUICKLIST-PACKED-THRESHOLD <size>",
		"    Sets the threshold for elements to be inserted as plain vs packed nodes",
		"    Default value is 1GB, allows values up to 4GB. Setting to 0 restores to default.",
	}},
	"reload": {-2, debugReload, []string{
		"RELOAD [option ...]",
		"    Save the RDB on disk and reload it back to memory. Valid <option> values:",
		"    * MERGE: conflicting keys will be loaded from RDB.",
		"    * NOFLUSH: the existing database will not be removed before load, but",
		"      conflicting keys will generate an exception and kill the server.",
		"    * NOSAVE: the database will be loaded from an existing RDB file.",
		"    Examples:",
		"    * DEBUG RELOAD: verify that the server is able to persist, flush and reload",
		"      the database.",
		"    * DEBUG RELOAD NOSAVE: replace the current database with the contents of an",
		"      existing RDB file.",
		"    * DEBUG RELOAD NOSAVE NOFLUSH MERGE: add the contents of an existing RDB",
		"      file to the database.",
	}},
	"loadaof": {2, debugLoadAOF, []string{
		"LOADAOF",
		"    Flush the AOF buffers on disk and reload the AOF in memory.",
	}},
	"set-skip-checksum-validation": {3, debugSetSkipChecksum, []string{
		"SET-SKIP-CHECKSUM-VALIDATION <0|1>",
		"    Enables or disables checksum checks for RDB files and RESTORE's payload.",
	}},
	"set-active-expire": {3, debugSetActiveExpire, []string{
		"SET-ACTIVE-EXPIRE <0|1>",
		"    Setting it to 0 disables expiring keys in background when they are not",
		"    accessed (otherwise the behavior). Setting it to 1 reenables back the",
		"    default.",
	}},
	"sleep": {3, debugSleep, []string{
		"SLEEP <seconds>",
		"    Stop the server for <seconds>. Decimals allowed.",
	}},
	"protocol": {3, debugProtocol, []string{
		"PROTOCOL <type>",
		"    Reply with a test value of the specified type. <type> can be: string,",
		"    integer, double, bignum, null, array, set, map, attrib, push, verbatim,",
		"    true, false.",
	}},
	"htstats": {-3, debugHTStats, []string{
		"HTSTATS <dbid> [full]",
		"    Return hash table statistics of the specified database.",
	}},
	"pause-cron": {3, debugPauseCron, []string{
		"PAUSE-CRON <0|1>",
		"    Stop periodic cron job processing.",
	}},
	"log": {3, debugLog, []string{
		"LOG <message>",
		"    Write <message> to the server log.",
	}},
}

// debugHelpOrder lists debugSubs in DEBUG HELP's order.
var debugHelpOrder = []string{"change-repl-id", "config-rewrite-force-all", "digest", "digest-value", "error", "log", "htstats", "loadaof", "replicate", "object", "populate", "protocol",
	"reload", "set-active-expire", "quicklist-packed-threshold", "set-skip-checksum-validation", "sleep", "pause-cron"}

func cmdDebug(c *Client) {
	name := strings.ToLower(string(c.Argv[1]))
	if name == "help" && len(c.Argv) == 2 {
		var lines []string
		for _, n := range debugHelpOrder {
			lines = append(lines, debugSubs[n].help...)
		}
		c.AddHelp(strings.ToUpper(string(c.Argv[0])), lines)
		return
	}
	sub, ok := debugSubs[name]
	if !ok || (sub.arity > 0 && len(c.Argv) != sub.arity) || len(c.Argv) < -sub.arity {
		subcommandSyntaxError(c)
		return
	}
	sub.run(c)
}

// DEBUG SLEEP seconds: block the whole server, as Valkey does. Like
// Valkey's strtod, an unparsable number sleeps for 0 seconds.
func debugSleep(c *Client) {
	secs, _ := strconv.ParseFloat(leadingFloat(string(c.Argv[2])), 64)
	if us := int64(secs * 1e6); us > 0 {
		time.Sleep(time.Duration(us) * time.Microsecond)
	}
	c.AddOK()
}

// leadingFloat returns the longest prefix of s that strtod would read
// as a decimal number, after leading spaces ("1.5abc" → "1.5").
func leadingFloat(s string) string {
	s = strings.TrimLeft(s, " \t\n\v\f\r")
	end := 0
	if end < len(s) && (s[end] == '+' || s[end] == '-') {
		end++
	}
	digits := false
	for end < len(s) && s[end] >= '0' && s[end] <= '9' {
		end++
		digits = true
	}
	if end < len(s) && s[end] == '.' {
		end++
		for end < len(s) && s[end] >= '0' && s[end] <= '9' {
			end++
			digits = true
		}
	}
	if !digits {
		return "0"
	}
	if end < len(s) && (s[end] == 'e' || s[end] == 'E') {
		e := end + 1
		if e < len(s) && (s[e] == '+' || s[e] == '-') {
			e++
		}
		if e < len(s) && s[e] >= '0' && s[e] <= '9' {
			for e < len(s) && s[e] >= '0' && s[e] <= '9' {
				e++
			}
			end = e
		}
	}
	return s[:end]
}

// DEBUG LOG message: write message to the server log.
func debugLog(c *Client) {
	c.srv.Log.Warningf("DEBUG LOG: %s", c.Argv[2])
	c.AddOK()
}

// DEBUG PROTOCOL type: a sample reply of each RESP type, for client
// library tests.
func debugProtocol(c *Client) {
	switch name := string(c.Argv[2]); {
	case strings.EqualFold(name, "string"):
		c.AddBulkString("Hello World")
	case strings.EqualFold(name, "integer"):
		c.AddInt(12345)
	case strings.EqualFold(name, "double"):
		c.AddDouble(3.141)
	case strings.EqualFold(name, "bignum"):
		if !c.skipping() {
			c.Out.buf = resp.AppendBigNumber(c.Out.buf, []byte("1234567999999999999999999999999999999"), c.Proto)
		}
	case strings.EqualFold(name, "null"):
		c.AddNull()
	case strings.EqualFold(name, "array"):
		c.AddArrayLen(3)
		for j := int64(0); j < 3; j++ {
			c.AddInt(j)
		}
	case strings.EqualFold(name, "set"):
		c.AddSetLen(3)
		for j := int64(0); j < 3; j++ {
			c.AddInt(j)
		}
	case strings.EqualFold(name, "map"):
		c.AddMapLen(3)
		for j := int64(0); j < 3; j++ {
			c.AddInt(j)
			c.AddBool(j == 1)
		}
	case strings.EqualFold(name, "attrib"):
		if c.Proto >= resp.RESP3 && !c.skipping() {
			c.Out.buf = resp.AppendAttributeLen(c.Out.buf, 1)
			c.AddBulkString("key-popularity")
			c.AddArrayLen(2)
			c.AddBulkString("key:123")
			c.AddInt(90)
		}
		c.AddBulkString("Some real reply following the attribute")
	case strings.EqualFold(name, "push"):
		if c.Proto < resp.RESP3 {
			c.AddError("ERR RESP2 is not supported by this command")
			return
		}
		// Valkey delivers a push message raised while a command runs after
		// that command's reply.
		c.AddBulkString("Some real reply following the push reply")
		c.AddPushLen(2)
		c.AddBulkString("server-cpu-usage")
		c.AddInt(42)
	case strings.EqualFold(name, "true"):
		c.AddBool(true)
	case strings.EqualFold(name, "false"):
		c.AddBool(false)
	case strings.EqualFold(name, "verbatim"):
		c.AddVerbatim([]byte("This is a verbatim\nstring"))
	default:
		c.AddError("ERR Wrong protocol type name. Please use one of the following: " +
			"string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false")
	}
}

// protectedAllowed reports whether c may run cmd, a PROTECTED command,
// under enable-debug-command / enable-module-command.
func (s *Server) protectedAllowed(c *Client, cmd *Spec) bool {
	var p config.Permission
	switch cmdRoot(cmd).Name {
	case "debug":
		p = s.Cfg.EnableDebugCommand
	case "module":
		p = s.Cfg.EnableModuleCommand
	default:
		return true
	}
	return p.Allowed(isLocalClient(c))
}

// cmdRoot is cmd's container command (MODULE for MODULE LOAD), or cmd.
func cmdRoot(cmd *Spec) *Spec {
	if cmd.Parent != nil {
		return cmd.Parent
	}
	return cmd
}

// protectedError is the rejection of a PROTECTED command.
func protectedError(cmd *Spec) string {
	name, option := "DEBUG", "enable-debug-command"
	if cmdRoot(cmd).Name == "module" {
		name, option = "MODULE", "enable-module-command"
	}
	return "ERR " + name + " command not allowed. If the " + option + " option is set to \"local\", " +
		"you can run it from a local connection, otherwise you need to set this option in the configuration " +
		"file, and then restart the server."
}

// isLocalClient reports whether c is connected over a unix socket or
// from a loopback address (127.0.0.0/8 or ::1), as Valkey decides it.
func isLocalClient(c *Client) bool {
	if c.Flags&ClientUnixSocket != 0 {
		return true
	}
	host, _, err := net.SplitHostPort(c.Addr)
	if err != nil {
		return false
	}
	return strings.HasPrefix(host, "127.") || host == "::1"
}

// DEBUG OBJECT key [fast]: the value's low-level facts on one status line,
// in Valkey's format. "Value at" is the record's address, which stays put
// while the key is changed in place (INCR); refcount is always 1, as for
// every value Valkey 9 stores in a database. lru is the 24-bit field
// Valkey keeps per object: the LRU clock, or in LFU mode the decrement
// time and the counter, so the lfu_* fields read it as Valkey does.
func debugObject(c *Client) {
	if len(c.Argv) > 4 {
		subcommandSyntaxError(c)
		return
	}
	fast := len(c.Argv) == 4 && strings.EqualFold(string(c.Argv[3]), "fast")
	s := c.srv
	// As Valkey's dbFind: no expiry check, no access-time update.
	e, ok := c.db().Keys().Get(c.Argv[2])
	if !ok {
		c.AddError(ErrNoKey)
		return
	}
	lru := s.valkeyLRUField(e)
	b := make([]byte, 0, 160)
	b = append(b, "Value at:0x"...)
	b = strconv.AppendUint(b, uint64(uintptr(e.Addr())), 16)
	b = append(b, " refcount:1 encoding:"...)
	b = append(b, EncodingName(e.Kind())...)
	if !fast {
		b = append(b, " serializedlength:"...)
		b = strconv.AppendInt(b, rdbValueLen(e, s.Cfg.RDBCompression), 10)
	}
	b = append(b, " lru:"...)
	b = strconv.AppendUint(b, uint64(lru), 10)
	b = append(b, " lru_seconds_idle:"...)
	b = strconv.AppendInt(b, s.idleMsOf(lru)/1000, 10)
	b = append(b, " lfu_freq:"...)
	b = strconv.AppendUint(b, uint64(s.lfuDecay(lru>>8, lru&255)), 10)
	b = append(b, " lfu_access_time_minutes:"...)
	b = strconv.AppendUint(b, uint64(lru>>8), 10)
	if q, ok := e.Obj().(*quicklist); ok {
		b = q.appendDebugObject(b, fast)
	}
	c.AddSimple(string(b))
}

// valkeyLRUField is e's access word as Valkey's 24-bit robj.lru: the LRU
// clock, or in LFU mode the decrement minutes above the 8-bit counter.
func (s *Server) valkeyLRUField(e keyspace.Entry) uint32 {
	if s.lfuMode() {
		a := e.Access()
		return (a&0xffff)<<8 | a>>24
	}
	return e.LRU()
}

// rdbValueLen is DEBUG OBJECT's serializedlength: the bytes the value
// takes in an RDB file, without its type byte and key.
//
// Strings are exact, LZF compression included. Collections are
// approximated: a compact encoding is counted as the one blob RDB would
// store it as (uncompressed); a large one by its memory estimate.
func rdbValueLen(e keyspace.Entry, compress bool) int64 {
	switch {
	case e.Kind() == KindInt:
		v, _ := parseInt(e.Value())
		if n := rdbIntLen(v); n > 0 {
			return n
		}
		return rdbStringLen(len(e.Value()))
	case typeOf(e) == TypeString:
		return rdbRawStringLen(e.Value(), compress)
	case e.Obj() != nil:
		if o, ok := e.Obj().(Object); ok {
			return o.MemUsage(0)
		}
		return 0
	case typeOf(e) == TypeList:
		// A quicklist of one node: node count and container, then the blob.
		return 2 + rdbStringLen(len(e.Value()))
	default:
		return rdbStringLen(len(e.Value()))
	}
}

// rdbRawStringLen is rdbSaveRawString's length: short strings that read
// as a 32-bit integer are stored as one; with compress (rdbcompression),
// strings over 20 bytes that LZF shrinks by at least 4 bytes are stored
// compressed, after an encoding byte and both lengths.
func rdbRawStringLen(v []byte, compress bool) int64 {
	if len(v) <= 11 {
		if n, ok := parseInt(v); ok {
			if l := rdbIntLen(n); l > 0 {
				return l
			}
		}
	}
	if compress && len(v) > 20 {
		if c := rdb.LZFCompress(v, make([]byte, len(v)-4)); c > 0 {
			return 1 + rdbLenLen(uint64(c)) + rdbLenLen(uint64(len(v))) + int64(c)
		}
	}
	return rdbStringLen(len(v))
}

// rdbIntLen is the size of RDB's integer string encoding of v (a type
// byte and 1, 2 or 4 bytes), or 0 if v does not fit 32 bits.
func rdbIntLen(v int64) int64 {
	switch {
	case v >= -1<<7 && v < 1<<7:
		return 2
	case v >= -1<<15 && v < 1<<15:
		return 3
	case v >= -1<<31 && v < 1<<31:
		return 5
	}
	return 0
}

// rdbStringLen is the size of an n-byte string in RDB: its length, in RDB's
// variable-width encoding, and its bytes.
func rdbStringLen(n int) int64 {
	return rdbLenLen(uint64(n)) + int64(n)
}

func rdbLenLen(n uint64) int64 {
	switch {
	case n < 1<<6:
		return 1
	case n < 1<<14:
		return 2
	case n <= 0xffffffff:
		return 5
	}
	return 9
}

// DEBUG POPULATE count [prefix] [size]: create keys "prefix:0" ... as
// strings "value:N", zero-padded or cut to size bytes when size is given.
// Existing keys are left alone. The table is sized for count keys first,
// so a large populate does not rehash on the way.
func debugPopulate(c *Client) {
	if len(c.Argv) > 5 {
		subcommandSyntaxError(c)
		return
	}
	// Valkey's getPositiveLongFromObjectOrReply: one message for both a
	// non-number and a negative one.
	count, ok := parseInt(c.Argv[2])
	if !ok || count < 0 {
		c.AddError(ErrNegativeCount)
		return
	}
	s := c.srv
	db := c.db()
	// A bucket array for count keys must be something the machine could
	// hold (Valkey's dbExpand fails when the allocation does).
	if mem := totalSystemMemory(); mem > 0 && uint64(count) > mem/8 {
		c.AddError("ERR OOM in dbExpand")
		return
	}
	db.Keys().Expand(int(count))
	var size int64
	if len(c.Argv) == 5 {
		if size, ok = parseInt(c.Argv[4]); !ok || size < 0 {
			c.AddError(ErrNegativeCount)
			return
		}
	}
	prefix := []byte("key")
	if len(c.Argv) >= 4 {
		prefix = c.Argv[3]
	}
	key := make([]byte, 0, len(prefix)+21)
	key = append(append(key, prefix...), ':')
	plen := len(key)
	var val []byte
	if size > 0 {
		val = make([]byte, size) // zero-filled; "value:N" is written over its start
	}
	var text [32]byte
	for j := int64(0); j < count; j++ {
		key = strconv.AppendInt(key[:plen], j, 10)
		h := db.Hash(key)
		if _, exists := db.LookupHashed(key, h, lookupWrite); exists {
			continue
		}
		v := strconv.AppendInt(append(text[:0], "value:"...), j, 10)
		if size > 0 {
			copy(val, v)
			v = val
		}
		db.SetHashed(key, h, keyspace.Value{Kind: textKind(key, v, false), Bytes: v}, false)
		s.keyModified(db, key)
	}
	c.AddOK()
}

// DEBUG SET-ACTIVE-EXPIRE 0|1: turn the active expiry cycle off or on.
// As Valkey's atoi, anything not starting with a non-zero number is 0.
func debugSetActiveExpire(c *Client) {
	c.srv.expire.disabled = cnum.Atoi(c.Argv[2]) == 0
	c.AddOK()
}

// DEBUG PAUSE-CRON 0|1: stop or restart the cron's work (the timer still
// fires and does nothing), for tests that must not race it.
func debugPauseCron(c *Client) {
	c.srv.cronPaused = cnum.Atoi(c.Argv[2]) != 0
	c.AddOK()
}

// DEBUG CONFIG-REWRITE-FORCE-ALL: CONFIG REWRITE with every directive
// written, defaults included.
func debugConfigRewriteForceAll(c *Client) {
	s := c.srv
	if err := s.Cfg.RewriteAll(s.configPath()); err == config.ErrNoConfigFile {
		c.AddError(err.Error())
		return
	} else if err != nil {
		c.AddError("ERR CONFIG-REWRITE-FORCE-ALL failed: " + config.Strerror(err))
		return
	}
	c.AddOK()
}

// DEBUG REPLICATE command [arg ...]: put a command into the replication
// stream as it is, as if this server had executed it (a test's way of
// sending replicas what the primary never ran).
func debugReplicate(c *Client) {
	var buf []byte
	buf = appendCommand(buf, c.Argv[2:])
	c.srv.replFeed(-1, buf)
	c.AddOK()
}

// DEBUG CHANGE-REPL-ID: give the server a new replication ID.
func debugChangeReplID(c *Client) {
	s := c.srv
	s.Log.Noticef("Changing replication IDs after receiving DEBUG change-repl-id")
	s.changeReplID()
	s.clearReplID2()
	c.AddOK()
}

// DEBUG ERROR string: reply with string as an error, line breaks turned
// into spaces. As in Valkey it is a plain reply, not a failed command.
func debugError(c *Client) {
	msg := []byte(string(c.Argv[2]))
	for i, ch := range msg {
		if ch == '\r' || ch == '\n' {
			msg[i] = ' '
		}
	}
	b := make([]byte, 0, len(msg)+3)
	b = append(append(append(b, '-'), msg...), '\r', '\n')
	c.AddRaw(b)
}

// DEBUG HTSTATS dbid [full]: the sizes of a database's main and expires
// tables, as Valkey prints them. The "full" form's chain-length details are
// not computed: the same summary is printed.
func debugHTStats(c *Client) {
	if len(c.Argv) > 4 {
		subcommandSyntaxError(c)
		return
	}
	id, ok := parseInt(c.Argv[2])
	if !ok {
		c.AddError(ErrNotInteger)
		return
	}
	if id < 0 || id >= int64(len(c.srv.dbs)) {
		c.AddError("ERR Out of range database")
		return
	}
	db := c.srv.dbs[id]
	b := append([]byte(nil), "[Dictionary HT]\n"...)
	b = appendHTStats(b, db.Keys())
	b = append(b, "[Expires HT]\n"...)
	b = appendHTStats(b, db.Expires())
	c.AddVerbatim(b)
}

// appendHTStats writes one table's summary; an empty table prints nothing.
func appendHTStats(b []byte, t *keyspace.Table) []byte {
	if t.Len() == 0 {
		return b
	}
	size, used := t.TableSizes()
	for i, name := range []string{"main hash table", "rehashing target"} {
		if i == 1 && !t.IsRehashing() {
			break
		}
		b = append(b, "Hash table "...)
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, " stats ("...)
		b = append(b, name...)
		b = append(b, "):\n"...)
		if used[i] == 0 {
			b = append(b, "No stats available for empty hash tables\n"...)
			continue
		}
		b = append(b, " table size: "...)
		b = strconv.AppendInt(b, int64(size[i]), 10)
		b = append(b, "\n number of entries: "...)
		b = strconv.AppendInt(b, int64(used[i]), 10)
		b = append(b, '\n')
	}
	return b
}
