package engine

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/volleydb/volley/engine/config"
)

const debugDenied = "-ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.\r\n"

func TestDebugProtectedGate(t *testing.T) {
	e := newTestEnv(t)
	local := e.clientAt("127.0.0.1:5000")
	local6 := e.clientAt("[::1]:5000")
	remote := e.clientAt("10.1.2.3:5000")
	unix := e.srv.NewClient("/tmp/s.sock:0", "/tmp/s.sock:0", 3, true)
	for _, tc := range []struct {
		perm config.Permission
		c    *Client
		ok   bool
	}{
		{config.PermitNo, local, false},
		{config.PermitNo, unix, false},
		{config.PermitYes, remote, true},
		{config.PermitLocal, local, true},
		{config.PermitLocal, local6, true},
		{config.PermitLocal, unix, true},
		{config.PermitLocal, remote, false},
	} {
		e.srv.Cfg.EnableDebugCommand = tc.perm
		want := debugDenied
		if tc.ok {
			want = "+OK\r\n"
		}
		if got := e.do(tc.c, "debug", "sleep", "0"); got != want {
			t.Errorf("permission %d, client %s: %q", tc.perm, tc.c.Addr, got)
		}
	}
	// The arity check comes first, and a refusal counts as rejected.
	e.srv.Cfg.EnableDebugCommand = config.PermitNo
	if got := e.do(local, "debug"); got != errReply("ERR wrong number of arguments for 'debug' command") {
		t.Errorf("DEBUG = %q", got)
	}
	if st := e.srv.CommandStats(e.srv.specByFullName("debug")); st.Rejected != 4 || st.Calls != 4 {
		t.Errorf("debug stats: %+v", *st)
	}
}

func TestDebugProtocol(t *testing.T) {
	e := newTestEnv(t)
	e.srv.Cfg.EnableDebugCommand = config.PermitYes
	c2 := e.newClient()
	c3 := e.newClient()
	e.do(c3, "hello", "3")
	for _, tc := range []struct{ typ, resp2, resp3 string }{
		{"string", "$11\r\nHello World\r\n", "$11\r\nHello World\r\n"},
		{"integer", ":12345\r\n", ":12345\r\n"},
		{"double", "$5\r\n3.141\r\n", ",3.141\r\n"},
		{"bignum", "$37\r\n1234567999999999999999999999999999999\r\n", "(1234567999999999999999999999999999999\r\n"},
		{"null", "$-1\r\n", "_\r\n"},
		{"array", "*3\r\n:0\r\n:1\r\n:2\r\n", "*3\r\n:0\r\n:1\r\n:2\r\n"},
		{"set", "*3\r\n:0\r\n:1\r\n:2\r\n", "~3\r\n:0\r\n:1\r\n:2\r\n"},
		{"map", "*6\r\n:0\r\n:0\r\n:1\r\n:1\r\n:2\r\n:0\r\n", "%3\r\n:0\r\n#f\r\n:1\r\n#t\r\n:2\r\n#f\r\n"},
		{"attrib", "$39\r\nSome real reply following the attribute\r\n", "|1\r\n$14\r\nkey-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n$39\r\nSome real reply following the attribute\r\n"},
		{"push", "-ERR RESP2 is not supported by this command\r\n", "$40\r\nSome real reply following the push reply\r\n>2\r\n$16\r\nserver-cpu-usage\r\n:42\r\n"},
		{"verbatim", "$25\r\nThis is a verbatim\nstring\r\n", "=29\r\ntxt:This is a verbatim\nstring\r\n"},
		{"true", ":1\r\n", "#t\r\n"},
		{"FALSE", ":0\r\n", "#f\r\n"},
		{"xx", "-ERR Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false\r\n", "-ERR Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false\r\n"},
	} {
		if got := e.do(c2, "debug", "protocol", tc.typ); got != tc.resp2 {
			t.Errorf("RESP2 %s: %q, want %q", tc.typ, got, tc.resp2)
		}
		if got := e.do(c3, "debug", "protocol", tc.typ); got != tc.resp3 {
			t.Errorf("RESP3 %s: %q, want %q", tc.typ, got, tc.resp3)
		}
	}
}

func TestDebugSubcommands(t *testing.T) {
	e := newTestEnv(t)
	e.srv.Cfg.EnableDebugCommand = config.PermitYes
	c := e.newClient()
	e.expect(c, []replyCase{
		rc("debug foo", errReply("ERR unknown subcommand or wrong number of arguments for 'foo'. Try DEBUG HELP.")),
		rc("debug protocol", errReply("ERR unknown subcommand or wrong number of arguments for 'protocol'. Try DEBUG HELP.")),
		rc("debug sleep 0 1", errReply("ERR unknown subcommand or wrong number of arguments for 'sleep'. Try DEBUG HELP.")),
		rc("debug help x", errReply("ERR unknown subcommand or wrong number of arguments for 'help'. Try DEBUG HELP.")),
		rc("debug sleep abc", "+OK\r\n"),
		rc("debug sleep 0.001", "+OK\r\n"),
		rc("debug log hello", "+OK\r\n"),
		rc("DEBUG HELP", "*63\r\n+DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+CHANGE-REPL-ID\r\n+    Change the replication IDs of the instance.\r\n+    Dangerous: should be used only for testing the replication subsystem.\r\n+CONFIG-REWRITE-FORCE-ALL\r\n+    Like CONFIG REWRITE but writes all configuration options, including\r\n+    keywords not listed in original configuration file or default values.\r\n+DIGEST\r\n+    Output a hex signature representing the current DB content.\r\n+DIGEST-VALUE <key> [<key> ...]\r\n+    Output a hex signature of the values of all the specified keys.\r\n+ERROR <string>\r\n+    Return a RESP protocol error with <string> as message. Useful for clients\r\n+    unit tests to simulate error replies.\r\n+LOG <message>\r\n+    Write <message> to the server log.\r\n+HTSTATS <dbid> [full]\r\n+    Return hash table statistics of the specified database.\r\n+LOADAOF\r\n+    Flush the AOF buffers on disk and reload the AOF in memory.\r\n+REPLICATE <string>\r\n+    Replicates the provided string to replicas, allowing data divergence.\r\n+OBJECT <key> [fast]\r\n+    Show low level info about `key` and associated value.\r\n+    Some fields of the default behavior may be time consuming to fetch,\r\n+    and `fast` can be passed to avoid fetching them.\r\n+POPULATE <count> [<prefix>] [<size>]\r\n+    Create <count> string keys named key:<num>. If <prefix> is specified then\r\n+    it is used instead of the 'key' prefix. These are not propagated to\r\n+    replicas. Cluster slots are not respected so keys not belonging to the\r\n+    current node can be created in cluster mode.\r\n+PROTOCOL <type>\r\n+    Reply with a test value of the specified type. <type> can be: string,\r\n+    integer, double, bignum, null, array, set, map, attrib, push, verbatim,\r\n+    true, false.\r\n+RELOAD [option ...]\r\n+    Save the RDB on disk and reload it back to memory. Valid <option> values:\r\n+    * MERGE: conflicting keys will be loaded from RDB.\r\n+    * NOFLUSH: the existing database will not be removed before load, but\r\n+      conflicting keys will generate an exception and kill the server.\r\n+    * NOSAVE: the database will be loaded from an existing RDB file.\r\n+    Examples:\r\n+    * DEBUG RELOAD: verify that the server is able to persist, flush and reload\r\n+      the database.\r\n+    * DEBUG RELOAD NOSAVE: replace the current database with the contents of an\r\n+      existing RDB file.\r\n+    * DEBUG RELOAD NOSAVE NOFLUSH MERGE: add the contents of an existing RDB\r\n+      file to the database.\r\n+SET-ACTIVE-EXPIRE <0|1>\r\n+    Setting it to 0 disables expiring keys in background when they are not\r\n+    accessed (otherwise the behavior). Setting it to 1 reenables back the\r\n+    default.\r\n+QUICKLIST-PACKED-THRESHOLD <size>\r\n+    Sets the threshold for elements to be inserted as plain vs packed nodes\r\n+    Default value is 1GB, allows values up to 4GB. Setting to 0 restores to default.\r\n+SET-SKIP-CHECKSUM-VALIDATION <0|1>\r\n+    Enables or disables checksum checks for RDB files and RESTORE's payload.\r\n+SLEEP <seconds>\r\n+    Stop the server for <seconds>. Decimals allowed.\r\n+PAUSE-CRON <0|1>\r\n+    Stop periodic cron job processing.\r\n+HELP\r\n+    Print this help.\r\n"),
	})
	for _, n := range debugHelpOrder {
		if _, ok := debugSubs[n]; !ok {
			t.Errorf("DEBUG HELP lists %q, which has no entry", n)
		}
	}
	listed := 0 // the subcommands with help lines; Valkey leaves some out (REPLICATE)
	for _, sub := range debugSubs {
		if sub.help != nil {
			listed++
		}
	}
	if len(debugHelpOrder) != listed {
		t.Errorf("DEBUG HELP lists %d subcommands of %d", len(debugHelpOrder), listed)
	}
}

func TestLeadingFloat(t *testing.T) {
	for in, want := range map[string]string{
		"1.5abc": "1.5", "  2": "2", "abc": "0", ".5": ".5", "1e3x": "1e3", "1e": "1", "-": "0", "-0.25": "-0.25",
	} {
		if got := leadingFloat(in); got != want {
			t.Errorf("leadingFloat(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDebugPopulate(t *testing.T) {
	e := newTestEnv(t)
	e.srv.Cfg.EnableDebugCommand = config.PermitYes
	c := e.newClient()
	e.expect(c, []replyCase{
		rc("set key:1 keep", "+OK\r\n"),
		rc("debug populate 3", "+OK\r\n"),
		rc("get key:0", "$7\r\nvalue:0\r\n"),
		rc("get key:1", "$4\r\nkeep\r\n"), // existing keys are skipped
		rc("get key:2", "$7\r\nvalue:2\r\n"),
		rc("object encoding key:2", "$6\r\nembstr\r\n"),
		rc("debug populate 2 p 3", "+OK\r\n"),
		rc("get p:1", "$3\r\nval\r\n"),
		rc("debug populate 12 q 50", "+OK\r\n"),
		rc("get q:11", "$50\r\nvalue:11"+strings.Repeat("\x00", 42)+"\r\n"),
		rc("object encoding q:11", "$3\r\nraw\r\n"),
		rc("debug populate 1 z 40", "+OK\r\n"),
		rc("object encoding z:0", "$3\r\nraw\r\n"), // Valkey 9: key and value do not fit 64 bytes together
		rc("debug populate 1 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "+OK\r\n"),
		rc("object encoding aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:0", "$3\r\nraw\r\n"),
		rc("dbsize", ":19\r\n"),
		rc("debug populate -1", errReply(ErrNegativeCount)),
		rc("debug populate abc", errReply(ErrNegativeCount)),
		rc("debug populate 1 x -1", errReply(ErrNegativeCount)),
		rc("debug populate 1 x 1 2", errReply("ERR unknown subcommand or wrong number of arguments for 'populate'. Try DEBUG HELP.")),
		rc("debug populate 0", "+OK\r\n"),
		rc("debug populate 99999999999999999", errReply("ERR OOM in dbExpand")),
	})
	if e.srv.Dirty != 1 { // the SET only: DEBUG POPULATE is not a change to save
		t.Errorf("dirty %d", e.srv.Dirty)
	}
}

func TestDebugObject(t *testing.T) {
	e, clk := fakeClockEnv(t)
	e.srv.Cfg.EnableDebugCommand = config.PermitYes
	c := e.newClient()
	e.do(c, "set", "s", "hello")
	e.do(c, "set", "n", "100")
	e.do(c, "set", "big", "123456789012")
	e.do(c, "set", "n11", "12345678901")
	e.do(c, "set", "r", strings.Repeat("x", 100))
	en, _ := e.srv.DB(0).Keys().Get([]byte("s"))
	lru := e.srv.lruClock
	addr := "0x" + strconv.FormatUint(uint64(uintptr(en.Addr())), 16)
	tail := " lru:" + strconv.Itoa(int(lru)) + " lru_seconds_idle:0 lfu_freq:0 lfu_access_time_minutes:" + strconv.Itoa(int(lru>>8))
	e.expect(c, []replyCase{
		rc("debug object s", "+Value at:"+addr+" refcount:1 encoding:embstr serializedlength:6"+tail+"\r\n"),
		rc("debug object s fast", "+Value at:"+addr+" refcount:1 encoding:embstr"+tail+"\r\n"),
		rc("debug object nokey", errReply(ErrNoKey)),
		rc("debug object s fast x", errReply("ERR unknown subcommand or wrong number of arguments for 'object'. Try DEBUG HELP.")),
	})
	for key, want := range map[string]string{"n": "encoding:int serializedlength:2", "big": "encoding:int serializedlength:13",
		"n11": "encoding:int serializedlength:12", "r": "encoding:raw serializedlength:13"} {
		if got := e.do(c, "debug", "object", key); !strings.Contains(got, want) {
			t.Errorf("DEBUG OBJECT %s = %q, want %q", key, got, want)
		}
	}
	// Idle time counts from the last access; DEBUG OBJECT itself is no access.
	clk.Advance(5 * time.Second)
	e.srv.updateCachedTime(clk.Ms)
	for range 2 {
		if got := e.do(c, "debug", "object", "s", "fast"); !strings.Contains(got, " lru_seconds_idle:5 ") {
			t.Errorf("after 5 s: %q", got)
		}
	}
}

func TestRDBLengths(t *testing.T) {
	for in, want := range map[string]int64{
		"": 1, "a": 2, "0": 2, "-128": 2, "127": 2, "128": 3, "-32768": 3, "32768": 5, "2147483647": 5,
		"-2147483648": 5, "2147483648": 11, "007": 4, "+1": 3, strings.Repeat("a", 63): 64, strings.Repeat("a", 64): 66,
		strings.Repeat("a", 16384): 16389,
	} {
		if got := rdbRawStringLen([]byte(in), false); got != want {
			t.Errorf("rdbRawStringLen(%d bytes %.12q) = %d, want %d", len(in), in, got, want)
		}
	}
	if rdbLenLen(1<<32) != 9 || rdbLenLen(1<<32-1) != 5 {
		t.Error("rdbLenLen at 32 bits")
	}
}

func TestDebugSmallSubcommands(t *testing.T) {
	e := newTestEnv(t)
	e.srv.Cfg.EnableDebugCommand = config.PermitYes
	c := e.newClient()
	id := e.srv.repl.id
	e.expect(c, []replyCase{
		rc("debug change-repl-id", "+OK\r\n"),
		{[]string{"debug", "error", "bad\r\nthing"}, "-bad  thing\r\n"},
		rc("debug set-active-expire 0", "+OK\r\n"),
	})
	if e.srv.repl.id == id || len(e.srv.repl.id) != 40 {
		t.Errorf("repl id %q after %q", e.srv.repl.id, id)
	}
	if !e.srv.expire.disabled {
		t.Error("active expiry still on")
	}
	e.expect(c, []replyCase{rc("debug set-active-expire 1", "+OK\r\n")})
	if e.srv.expire.disabled {
		t.Error("active expiry still off")
	}
	// DEBUG ERROR's reply is not a failed command (Valkey writes it raw).
	if n := e.srv.Stats.TotalErrorReplies; n != 0 {
		t.Errorf("total_error_replies %d", n)
	}
}

func TestDebugHTStats(t *testing.T) {
	e := newTestEnv(t)
	e.srv.Cfg.EnableDebugCommand = config.PermitYes
	c := e.newClient()
	e.do(c, "select", "9")
	e.do(c, "debug", "populate", "100")
	e.do(c, "expire", "key:1", "100")
	e.expect(c, []replyCase{
		rc("debug htstats 9", "$183\r\n[Dictionary HT]\nHash table 0 stats (main hash table):\n table size: 112\n number of entries: 100\n"+
			"[Expires HT]\nHash table 0 stats (main hash table):\n table size: 7\n number of entries: 1\n\r\n"),
		rc("debug htstats 0", "$29\r\n[Dictionary HT]\n[Expires HT]\n\r\n"),
		rc("debug htstats 16", errReply("ERR Out of range database")),
		rc("debug htstats x", errReply(ErrNotInteger)),
	})
}

// lcgText is a pseudo-random string over alpha, for compression tests.
func lcgText(n int, alpha string) string {
	x := uint32(7)
	b := make([]byte, n)
	for i := range b {
		x = (x*1103515245 + 12345) & 0x7fffffff
		b[i] = alpha[(x>>16)%uint32(len(alpha))]
	}
	return string(b)
}

// serializedlength with rdbcompression, as Valkey 9.0.4 reports it for the
// same strings (DEBUG OBJECT on the real server).
func TestRDBLengthLZF(t *testing.T) {
	var lines strings.Builder
	for i := range 600 {
		lines.WriteString("line " + strconv.Itoa(i) + " of the file with some text\n")
	}
	lorem := "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. Lorem ipsum dolor sit amet."
	for _, tc := range []struct {
		name, v string
		want    int64
	}{
		{"a100", strings.Repeat("a", 100), 13},
		{"ab50", strings.Repeat("ab", 50), 14},
		{"digits", strings.Repeat("0123456789", 10), 22},
		{"alnum36", "abcdefghijklmnopqrstuvwxyz0123456789", 37},
		{"lorem", strings.Repeat(lorem, 3), 151},
		{"acgt300", lcgText(300, "ACGT"), 205},
		{"hex2000", lcgText(2000, "0123456789abcdef"), 1938},
		{"lines", "the quick brown fox jumps over the lazy dog %d; " + lines.String(), 3077},
		{"x21", strings.Repeat("x", 21), 9},
		{"mixed", strings.Repeat("aaaaaaaaaabbbbbbbbbbaaaaaaaaaabbbbbbbbbbccccccccccaaaaaaaaaa", 5), 38},
		{"populate", "value:1" + strings.Repeat("\x00", 93), 19},
	} {
		if got := rdbRawStringLen([]byte(tc.v), true); got != tc.want {
			t.Errorf("%s (%d bytes): %d, want %d", tc.name, len(tc.v), got, tc.want)
		}
	}
}

// DEBUG PAUSE-CRON 1 leaves the cron's steps without work until 0.
func TestDebugPauseCron(t *testing.T) {
	e := newTestEnv(t)
	e.srv.Cfg.EnableDebugCommand = config.PermitYes
	c := e.newClient()
	e.expect(c, []replyCase{rc("debug pause-cron 1", "+OK\r\n")})
	loops, steps := e.srv.cronLoops, e.srv.el.cron.cnt
	e.srv.Cron()
	if e.srv.cronLoops != loops || e.srv.el.cron.cnt != steps {
		t.Fatalf("paused cron ran: loops %d→%d", loops, e.srv.cronLoops)
	}
	e.expect(c, []replyCase{
		rc("debug pause-cron 0", "+OK\r\n"),
		rc("debug pause-cron", "-ERR unknown subcommand or wrong number of arguments for 'pause-cron'. Try DEBUG HELP.\r\n"),
	})
	e.srv.Cron()
	if e.srv.cronLoops != loops+1 {
		t.Fatal("cron did not run after PAUSE-CRON 0")
	}
}
