package engine

import (
	"strconv"
	"strings"
	"testing"
)

func TestSlowlogAndCommandlogErrors(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	typeErr := errReply("ERR type should be one of the following: slow, large-request, large-reply")
	countErr := errReply("ERR count should be greater than or equal to -1")
	e.expect(c, []replyCase{
		rc("slowlog get abc", countErr),
		rc("slowlog get -2", countErr),
		rc("slowlog get 99999999999999999999999", countErr),
		rc("slowlog get 1 2", errReply("ERR unknown subcommand or wrong number of arguments for 'get'. Try SLOWLOG HELP.")),
		rc("SLOWLOG GET 1 2", errReply("ERR unknown subcommand or wrong number of arguments for 'GET'. Try SLOWLOG HELP.")),
		rc("slowlog len x", errReply("ERR wrong number of arguments for 'slowlog|len' command")),
		rc("slowlog foo", errReply("ERR unknown subcommand 'foo'. Try SLOWLOG HELP.")),
		rc("commandlog get 1 foo", typeErr),
		rc("commandlog get x foo", countErr),
		rc("commandlog len foo", typeErr),
		rc("commandlog reset foo", typeErr),
		rc("commandlog get 1", errReply("ERR wrong number of arguments for 'commandlog|get' command")),
		rc("commandlog get -1 slow", "*0\r\n"),
		rc("slowlog get 0", "*0\r\n"),
		rc("commandlog len large-reply", ":0\r\n"),
		rc("commandlog reset LARGE-REQUEST", "+OK\r\n"),
		rc("slowlog reset", "+OK\r\n"),
	})
}

func TestSlowlogHelp(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	e.expect(c, []replyCase{
		rc("slowlog help", "*12\r\n+SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+GET [<count>]\r\n+    Return top <count> entries from the slowlog (default: 10, -1 mean all).\r\n+    Entries are made of:\r\n+    id, timestamp, time in microseconds, arguments array, client IP and port,\r\n+    client name\r\n+LEN\r\n+    Return the length of the slowlog.\r\n+RESET\r\n+    Reset the slowlog.\r\n+HELP\r\n+    Print this help.\r\n"),
		rc("commandlog help", "*16\r\n+COMMANDLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+GET <count> <type>\r\n+    Return top <count> entries of the specified <type> from the commandlog (-1 mean all).\r\n+    Entries are made of:\r\n+    id, timestamp,\r\n+        time in microseconds for type of slow,\r\n+        or size in bytes for type of large-request,\r\n+        or size in bytes for type of large-reply\r\n+    arguments array, client IP and port,\r\n+    client name\r\n+LEN <type>\r\n+    Return the length of the specified type of commandlog.\r\n+RESET <type>\r\n+    Reset the specified type of commandlog.\r\n+HELP\r\n+    Print this help.\r\n"),
	})
}

// The sizes below are those valkey-server 9.0.4 logged for the same
// commands: a request is measured in RESP bytes, a reply in the bytes
// appended to the client's output.
func TestCommandlogEntries(t *testing.T) {
	e := newTestEnv(t)
	e.srv.Clock = &FakeClock{Ms: 1_795_426_075_000}
	c := e.newClient()
	e.expect(c, []replyCase{
		rc("config set commandlog-request-larger-than 0", "+OK\r\n"),
		rc("config set commandlog-reply-larger-than 0", "+OK\r\n"),
		rc("client setname bob", "+OK\r\n"),
		rc("echo v", "$1\r\nv\r\n"),
		rc("ping", "+PONG\r\n"),
	})
	// Newest first: ping (14 bytes in, 7 out), echo (21 in, 7 out), client setname (38 in, 5 out).
	peer := bulk(c.Addr)
	e.expect(c, []replyCase{
		rc("commandlog get 3 large-request", "*3\r\n"+
			"*6\r\n:4\r\n:1795426075\r\n:14\r\n*1\r\n$4\r\nping\r\n"+peer+"$3\r\nbob\r\n"+
			"*6\r\n:3\r\n:1795426075\r\n:21\r\n*2\r\n$4\r\necho\r\n$1\r\nv\r\n"+peer+"$3\r\nbob\r\n"+
			"*6\r\n:2\r\n:1795426075\r\n:38\r\n*3\r\n$6\r\nclient\r\n$7\r\nsetname\r\n$3\r\nbob\r\n"+peer+"$3\r\nbob\r\n"),
	})
	got := e.do(c, "commandlog", "get", "2", "large-reply")
	// The newest large-reply entry is the previous COMMANDLOG GET itself.
	if !strings.HasPrefix(got, "*2\r\n*6\r\n:4\r\n:1795426075\r\n:") ||
		!strings.Contains(got, "*4\r\n$10\r\ncommandlog\r\n$3\r\nget\r\n$1\r\n3\r\n$13\r\nlarge-request\r\n") ||
		!strings.HasSuffix(got, "*6\r\n:3\r\n:1795426075\r\n:7\r\n*1\r\n$4\r\nping\r\n"+peer+"$3\r\nbob\r\n") {
		t.Errorf("large-reply log: %q", got)
	}
	// Every command since the threshold went to 0 is there, the first
	// CONFIG SET included: it is logged after it ran.
	if got := e.do(c, "commandlog", "len", "large-request"); got != ":7\r\n" {
		t.Errorf("len = %q", got)
	}
	e.do(c, "config", "set", "commandlog-large-request-max-len", "2")
	e.do(c, "ping") // trims on the next command
	if got := e.do(c, "commandlog", "len", "large-request"); got != ":2\r\n" {
		t.Errorf("len after max-len 2 = %q", got)
	}
	e.do(c, "commandlog", "reset", "large-request")
	e.do(c, "config", "set", "commandlog-request-larger-than", "-1")
	e.do(c, "ping")
	// Only the RESET itself, logged after it ran.
	if got := e.do(c, "commandlog", "len", "large-request"); got != ":1\r\n" {
		t.Errorf("len with the log disabled = %q", got)
	}
}

func TestSlowlogRecordsAndTruncates(t *testing.T) {
	e := newTestEnv(t)
	e.srv.Clock = &FakeClock{Ms: 1_700_000_000_000}
	c := e.newClient()
	e.do(c, "config", "set", "slowlog-log-slower-than", "0")
	args := []string{"echo"}
	for i := 0; i < 40; i++ {
		args = append(args, "a"+strconv.Itoa(i))
	}
	e.do(c, args...) // wrong arity: rejected, not logged
	long := strings.Repeat("x", 200)
	e.do(c, "echo", long)
	got := e.do(c, "slowlog", "get", "1")
	want := "$" + strconv.Itoa(128+len("... (72 more bytes)")) + "\r\n" + strings.Repeat("x", 128) + "... (72 more bytes)\r\n"
	if !strings.Contains(got, "*2\r\n$4\r\necho\r\n"+want) {
		t.Errorf("truncated argument not found in %q", got)
	}
	// 40 arguments keep 31 and a note for the other 10.
	argv := make([][]byte, 41)
	argv[0] = []byte("lolwut")
	for i := 1; i < len(argv); i++ {
		argv[i] = []byte("1")
	}
	c.Argv = argv
	entry := e.srv.newCommandLogEntry(c, e.srv.specByFullName("lolwut"), 1, 7)
	c.Argv = nil
	if len(entry.argv) != 32 || string(entry.argv[31]) != "... (10 more arguments)" || string(entry.argv[30]) != "1" {
		t.Errorf("argv of a long command: %d args, last %q", len(entry.argv), entry.argv[len(entry.argv)-1])
	}
	// CONFIG SET, ECHO and SLOWLOG GET; the ECHO with too many arguments was rejected.
	if got := e.do(c, "slowlog", "len"); got != ":3\r\n" {
		t.Errorf("slowlog len = %q", got)
	}
}

func TestCommandlogSkipsFlaggedAndRedacts(t *testing.T) {
	e := newTestEnv(t)
	e.srv.Clock = &FakeClock{Ms: 1_700_000_000_000}
	c := e.newClient()
	e.do(c, "config", "set", "slowlog-log-slower-than", "0")
	e.do(c, "slowlog", "reset")
	e.do(c, "auth", "secret")
	e.do(c, "config", "set", "requirepass", "pw", "hz", "10")
	e.do(c, "auth", "pw")
	got := e.do(c, "slowlog", "get", "3")
	for _, secret := range []string{"secret", "$2\r\npw\r\n"} {
		if strings.Contains(got, secret) {
			t.Errorf("slowlog shows %q: %q", secret, got)
		}
	}
	if !strings.Contains(got, "*6\r\n$6\r\nconfig\r\n$3\r\nset\r\n$11\r\nrequirepass\r\n$10\r\n(redacted)\r\n$2\r\nhz\r\n$2\r\n10\r\n") {
		t.Errorf("config set entry not redacted as expected: %q", got)
	}
	if !strings.Contains(got, "*2\r\n$4\r\nauth\r\n$10\r\n(redacted)\r\n") {
		t.Errorf("auth entry not redacted as expected: %q", got)
	}
}

func TestRequestSize(t *testing.T) {
	for _, tc := range []struct {
		argv []string
		want int64
	}{
		{[]string{"ping"}, 14},
		{[]string{"set", "k", "v"}, 27},
		{[]string{"get", "k"}, 20},
		{[]string{"set", "k", strings.Repeat("v", 10)}, 37},
	} {
		argv := make([][]byte, len(tc.argv))
		for i, a := range tc.argv {
			argv[i] = []byte(a)
		}
		if got := requestSize(argv, 0); got != tc.want {
			t.Errorf("requestSize(%q) = %d, want %d", tc.argv, got, tc.want)
		}
		if got := requestSize(argv, 1<<40); got >= 1<<40 {
			t.Errorf("bound for %q reached the threshold", tc.argv)
		}
	}
}

// Lowering max-len trims at once; disabling a log keeps what it holds.
func TestCommandlogMaxLen(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	e.do(c, "config", "set", "slowlog-log-slower-than", "0")
	for i := 0; i < 5; i++ {
		e.do(c, "ping")
	}
	e.expect(c, []replyCase{
		rc("slowlog len", ":6\r\n"),
		rc("config set slowlog-max-len 3", "+OK\r\n"),
		rc("slowlog len", ":3\r\n"),
		rc("config set slowlog-log-slower-than -1", "+OK\r\n"),
		rc("config set slowlog-max-len 1", "+OK\r\n"),
		rc("slowlog len", ":3\r\n"),
		rc("config set commandlog-slow-execution-max-len 0", "+OK\r\n"),
		rc("config set slowlog-log-slower-than 0", "+OK\r\n"),
		rc("slowlog len", ":3\r\n"),
	})
}

// ACL SETUSER, DELUSER and GETUSER hide every user name and rule, even
// when the command fails; a script's commands are logged under the
// client that ran the script.
func TestCommandlogACLRedactionAndScriptCaller(t *testing.T) {
	e := newTestEnv(t)
	e.srv.Clock = &FakeClock{Ms: 1_700_000_000_000}
	c := e.newClient()
	e.do(c, "client", "setname", "caller")
	e.do(c, "config", "set", "slowlog-log-slower-than", "0")
	e.do(c, "slowlog", "reset")
	e.do(c, "acl", "setuser", "bad user", "+get")
	e.do(c, "acl", "getuser", "bad user")
	e.do(c, "acl", "deluser", "x", "y")
	got := e.do(c, "slowlog", "get", "3")
	for _, want := range []string{
		"*4\r\n$3\r\nacl\r\n$7\r\nsetuser\r\n$10\r\n(redacted)\r\n$10\r\n(redacted)\r\n",
		"*3\r\n$3\r\nacl\r\n$7\r\ngetuser\r\n$10\r\n(redacted)\r\n",
		"*4\r\n$3\r\nacl\r\n$7\r\ndeluser\r\n$10\r\n(redacted)\r\n$10\r\n(redacted)\r\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("slowlog lacks %q: %q", want, got)
		}
	}
	if strings.Contains(got, "bad user") {
		t.Errorf("slowlog shows a user name: %q", got)
	}

	e.do(c, "slowlog", "reset")
	e.do(c, "eval", "server.call('ping')", "0")
	got = e.do(c, "slowlog", "get", "2")
	who := "$" + strconv.Itoa(len(c.Addr)) + "\r\n" + c.Addr + "\r\n$6\r\ncaller\r\n"
	if strings.Count(got, who) != 2 || !strings.Contains(got, "*1\r\n$4\r\nping\r\n"+who) {
		t.Errorf("script's PING not logged as the caller's: %q", got)
	}
}
