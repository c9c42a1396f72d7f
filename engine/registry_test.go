package engine

import (
	"io"
	"strconv"
	"strings"
	"testing"
)

// rename-command: the new name dispatches (also straight after the old
// name was the last command looked up), the old one is unknown, a command
// renamed to "" is gone, and a name may be reused once freed.
func TestRenameCommand(t *testing.T) {
	cfg := testConfig(t)
	long := strings.Repeat("x", 40)
	cfg.RenameCommands = [][2]string{{"SET", "myset"}, {"config", ""}, {"get", "set"}, {"ping", long}}
	e := &testEnv{t: t, srv: NewServer(cfg, NewLogger(io.Discard, LogWarning))}
	c := e.newClient()
	e.expect(c, []replyCase{
		rc("myset k v", "+OK\r\n"),
		rc("set k", "$1\r\nv\r\n"),
		rc("set k v", "-ERR wrong number of arguments for 'get' command\r\n"),
		rc("get k", "-ERR unknown command 'get', with args beginning with: 'k' \r\n"),
		rc("config get port", "-ERR unknown command 'config', with args beginning with: 'get' 'port' \r\n"),
		rc("ping", "-ERR unknown command 'ping', with args beginning with: \r\n"),
		rc(long, "+PONG\r\n"),
		rc("command count", ":"+strconv.Itoa(len(commandSpecs())-1)+"\r\n"),
		rc("command info config", "*1\r\n$-1\r\n"),
	})
	if r := e.do(c, "command", "info", "myset"); !strings.HasPrefix(r, "*1\r\n*10\r\n$3\r\nset\r\n") {
		t.Errorf("command info myset = %q", r)
	}
}

// The checker sees each line against the table the lines before it left.
func TestRenameChecker(t *testing.T) {
	check := RenameChecker()
	for _, tc := range []struct{ from, to, err string }{
		{"nosuch", "x", "No such command in rename-command"},
		{"get", "set", "Target command name already exists"},
		{"SET", "MySet", ""},
		{"get", "set", ""},
		{"myset", "", ""},
		{"myset", "y", "No such command in rename-command"},
		{"config|get", "x", "No such command in rename-command"},
	} {
		err := check(tc.from, tc.to)
		if got := ""; err != nil && err.Error() != tc.err || err == nil && tc.err != got {
			t.Errorf("rename-command %s %q: %v, want %q", tc.from, tc.to, err, tc.err)
		}
	}
}

// ACL rules name commands by their own names, not their rename-command
// ones, and the denial names the command so too.
func TestRenameCommandACL(t *testing.T) {
	cfg := testConfig(t)
	cfg.RenameCommands = [][2]string{{"ping", "vping"}, {"incr", "vincr"}, {"sadd", "vsadd"}}
	e := &testEnv{t: t, srv: NewServer(cfg, NewLogger(io.Discard, LogWarning))}
	c := e.newClient()
	e.expect(c, []replyCase{
		rc("acl setuser newuser on nopass ~* +acl -ping +incr", "+OK\r\n"),
		rc("acl setuser other on nopass +vping", "-ERR Error in ACL SETUSER modifier '+vping': Unknown command or category name in ACL\r\n"),
		rc("auth newuser x", "+OK\r\n"),
		rc("vincr n", ":1\r\n"),
		rc("vping", "-NOPERM User newuser has no permissions to run the 'ping' command\r\n"),
		rc("acl setuser newuser -@all +@set +acl", "+OK\r\n"),
		rc("vsadd s a", ":1\r\n"),
	})
}

// Valkey quotes arguments in these errors with C's "%.*s", which stops at
// a NUL byte.
func TestUnknownCommandQuotesAsC(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"nosuch\x00x", "a\x00b", "\x00", "c"}, "-ERR unknown command 'nosuch', with args beginning with: 'a' '' 'c' \r\n"},
		{[]string{"client", "fo\x00o"}, "-ERR unknown subcommand 'fo'. Try CLIENT HELP.\r\n"},
		{[]string{"acl", "cat", "x\x00y"}, "-ERR Unknown category 'x'\r\n"},
	} {
		if got := e.do(c, tc.args...); got != tc.want {
			t.Errorf("%q: got %q, want %q", tc.args, got, tc.want)
		}
	}
}
