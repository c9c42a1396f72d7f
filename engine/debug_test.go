package engine

import (
	"testing"

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
		rc("DEBUG HELP", "*11\r\n+DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+LOG <message>\r\n+    Write <message> to the server log.\r\n+PROTOCOL <type>\r\n+    Reply with a test value of the specified type. <type> can be: string,\r\n+    integer, double, bignum, null, array, set, map, attrib, push, verbatim,\r\n+    true, false.\r\n+SLEEP <seconds>\r\n+    Stop the server for <seconds>. Decimals allowed.\r\n+HELP\r\n+    Print this help.\r\n"),
	})
	for _, n := range debugHelpOrder {
		if _, ok := debugSubs[n]; !ok {
			t.Errorf("DEBUG HELP lists %q, which has no entry", n)
		}
	}
	if len(debugHelpOrder) != len(debugSubs) {
		t.Errorf("DEBUG HELP lists %d subcommands of %d", len(debugHelpOrder), len(debugSubs))
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
