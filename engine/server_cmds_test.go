package engine

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestConfigCommands(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	e.expect(c, []replyCase{
		rc("config help", "*11\r\n+CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+GET <pattern>\r\n+    Return parameters matching the glob-like <pattern> and their values.\r\n+SET <directive> <value>\r\n+    Set the configuration <directive> to <value>.\r\n+RESETSTAT\r\n+    Reset statistics reported by the INFO command.\r\n+REWRITE\r\n+    Rewrite the configuration file.\r\n+HELP\r\n+    Print this help.\r\n"),
		rc("config get", errReply("ERR wrong number of arguments for 'config|get' command")),
		rc("config get nosuch", "*0\r\n"),
		rc("config get port hz port", "*4\r\n$2\r\nhz\r\n$2\r\n10\r\n$4\r\nport\r\n$4\r\n6379\r\n"),
		rc("config set port", errReply("ERR wrong number of arguments for 'config|set' command")),
		rc("config set hz 5 maxmemory", errReply("ERR syntax error")),
		rc("config set foo bar", errReply("ERR Unknown option or number of arguments for CONFIG SET - 'foo'")),
		rc("config set hz 5 foo 1", errReply("ERR Unknown option or number of arguments for CONFIG SET - 'foo'")),
		rc("config set port abc", errReply("ERR CONFIG SET failed (possibly related to argument 'port') - argument couldn't be parsed into an integer")),
		rc("config set maxmemory 1gb maxmemory 2gb", errReply("ERR CONFIG SET failed (possibly related to argument 'maxmemory') - duplicate parameter")),
		rc("config set daemonize yes", errReply("ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable config")),
		rc("config rewrite", errReply("ERR The server is running without a config file")),
		rc("config resetstat", "+OK\r\n"),
		rc("config foo", errReply("ERR unknown subcommand 'foo'. Try CONFIG HELP.")),
		rc("config set hz 20", "+OK\r\n"),
		rc("config get hz", "*2\r\n$2\r\nhz\r\n$2\r\n20\r\n"),
	})
	if e.srv.Cfg.Hz != 20 {
		t.Errorf("hz = %d after CONFIG SET", e.srv.Cfg.Hz)
	}
	// CONFIG SET refreshes the engine's cached settings.
	e.do(c, "config", "set", "min-string-size-avoid-copy-reply", "1000")
	if e.srv.zeroCopyMin != 1000 {
		t.Errorf("zeroCopyMin = %d", e.srv.zeroCopyMin)
	}
	e.do(c, "hello", "3")
	if got := e.do(c, "config", "get", "hz"); got != "%1\r\n$2\r\nhz\r\n$2\r\n20\r\n" {
		t.Errorf("RESP3 CONFIG GET = %q", got)
	}
}

func TestConfigRewrite(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	path := filepath.Join(t.TempDir(), "volley.conf")
	if err := os.WriteFile(path, []byte("# mine\nhz 10\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	e.srv.ConfigFile = path
	e.expect(c, []replyCase{
		rc("config set hz 15", "+OK\r\n"),
		rc("config rewrite", "+OK\r\n"),
	})
	b, err := os.ReadFile(path)
	if err != nil || !strings.Contains(string(b), "# mine\nhz 15\n") {
		t.Errorf("rewritten file %q, %v", b, err)
	}
	e.srv.ConfigFile = filepath.Join(t.TempDir(), "missing", "x.conf")
	if got := e.do(c, "config", "rewrite"); !strings.HasPrefix(got, "-ERR Rewriting config file: ") {
		t.Errorf("rewrite of a missing file = %q", got)
	}
}

func TestShutdown(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	var got []ShutdownFlags
	var fail error
	e.srv.Shutdown = func(f ShutdownFlags) error {
		got = append(got, f)
		return fail
	}
	e.expect(c, []replyCase{
		rc("shutdown foo", errReply("ERR syntax error")),
		rc("shutdown abort nosave", errReply("ERR syntax error")),
		rc("shutdown save nosave", errReply("ERR syntax error")),
		rc("shutdown failover", errReply("ERR SHUTDOWN FAILOVER is only supported in cluster mode.")),
		rc("shutdown abort", errReply("ERR No shutdown in progress.")),
		rc("shutdown ABORT abort", errReply("ERR No shutdown in progress.")),
		rc("shutdown", ""),
		rc("shutdown NOSAVE now force safe", ""),
	})
	if len(got) != 2 || got[0] != 0 || got[1] != ShutdownNoSave|ShutdownNow|ShutdownForce|ShutdownSafe {
		t.Errorf("hook got %v", got)
	}
	fail = errors.New("disk full")
	var log bytes.Buffer
	e.srv.Log = NewLogger(&log, LogNotice)
	if r := e.do(c, "shutdown", "save"); r != errReply("ERR Errors trying to SHUTDOWN. Check logs.") {
		t.Errorf("failed shutdown = %q", r)
	}
	if !strings.HasSuffix(log.String(), "# Errors trying to shut down the server. Check the logs for more information.\n") {
		t.Errorf("log after the failure:\n%s", log.String())
	}
}

func TestLastSaveAndTime(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	if got, want := e.do(c, "lastsave"), ":"+strconv.FormatInt(e.srv.StartTime.Unix(), 10)+"\r\n"; got != want {
		t.Errorf("LASTSAVE = %q, want %q", got, want)
	}
	got := e.do(c, "time")
	parts := strings.Split(got, "\r\n")
	if len(parts) != 6 || parts[0] != "*2" || len(parts[2]) != 10 {
		t.Errorf("TIME = %q", got)
	}
}
