package engine

import (
	"github.com/volleydb/volley/engine/config"

	"math"
	"path/filepath"
	"strings"
	"testing"
)

// Under maxmemory the dispatcher judges a script by its declared flags,
// as processCommand does with getCommandFlags: a shebang without
// allow-oom or no-writes gets the plain OOM error before it runs. The
// script's own "allow-oom flag is not set" error is for a script whose
// flags the dispatcher did not know: an EVALSHA queued in MULTI before
// the script was loaded. Texts are Valkey 9.0.4's.
func TestScriptFlagsOOM(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	other := e.newClient()
	rw := "#!lua\nreturn 1"
	set := "return redis.call('set','k','v')"
	e.srv.evict.gcMinGapNs = math.MaxInt64
	e.do(c, "config", "set", "maxmemory", "1") // maxmemory-policy noeviction
	e.expect(c, []replyCase{
		{[]string{"eval", rw, "0"}, "-OOM command not allowed when used memory > 'maxmemory'.\r\n"},
		{[]string{"eval_ro", rw, "0"}, "-OOM command not allowed when used memory > 'maxmemory'.\r\n"},
		{[]string{"eval", "#!lua flags=\nreturn 1", "0"}, "-OOM command not allowed when used memory > 'maxmemory'.\r\n"},
		{[]string{"eval", "#!lua flags=allow-oom\nreturn 1", "0"}, ":1\r\n"},
		{[]string{"eval", "#!lua flags=no-writes\nreturn 1", "0"}, ":1\r\n"},
		{[]string{"eval", "return 1", "0"}, ":1\r\n"}, // no shebang: judged when it writes
		{[]string{"eval", set, "0"}, "-OOM command not allowed when used memory > 'maxmemory'. script: " + sha1hex(set) + ", on @user_script:1.\r\n"},
		rc("multi", "+OK\r\n"),
		{[]string{"evalsha", sha1hex(rw), "0"}, "+QUEUED\r\n"},
	})
	if got := e.do(other, "script", "load", rw); got != bulk(sha1hex(rw)) {
		t.Fatalf("SCRIPT LOAD: %q", got)
	}
	e.expect(c, []replyCase{
		rc("exec", "*1\r\n-OOM allow-oom flag is not set on the script, can not run it when used memory > 'maxmemory'\r\n"),
		{[]string{"evalsha", sha1hex(rw), "0"}, "-OOM command not allowed when used memory > 'maxmemory'.\r\n"},
	})
}

// After a failed background save a script that may write is refused with
// the dispatcher's MISCONF before it runs; a no-writes one runs. One the
// dispatcher could not judge (queued before it was loaded) gets the
// script's own MISCONF text.
func TestScriptFlagsMisconf(t *testing.T) {
	e, c, _ := bgsaveEnv(t)
	other := e.newClient()
	dir := e.srv.Cfg.Dir
	e.srv.Cfg.Dir = filepath.Join(dir, "missing")
	rw := "#!lua\nreturn 1"
	e.expect(c, []replyCase{
		rc("bgsave", "-ERR\r\n"),
		{[]string{"eval", "#!lua flags=no-writes\nreturn 1", "0"}, ":1\r\n"},
		{[]string{"eval", rw, "0"}, misconf},
		{[]string{"eval", "#!lua flags=allow-oom\nreturn 1", "0"}, misconf},
		{[]string{"eval", "return 1", "0"}, ":1\r\n"}, // no shebang: judged when it writes
		rc("multi", "+OK\r\n"),
		{[]string{"evalsha", sha1hex(rw), "0"}, "+QUEUED\r\n"},
	})
	if got := e.do(other, "script", "load", rw); got != bulk(sha1hex(rw)) {
		t.Fatalf("SCRIPT LOAD: %q", got)
	}
	e.expect(c, []replyCase{
		rc("exec", "*1\r\n-MISCONF Valkey is configured to save RDB snapshots, but it's currently unable to persist to disk. "+
			"Writable scripts are blocked. Use 'no-writes' flag for read only scripts.\r\n"),
	})
}

// On a read-only replica under CLIENT PAUSE WRITE a script that declared
// it may write is refused with READONLY at once, not held for the pause
// and refused after (the dispatcher's checks judge it by the argv it is
// given, before the client's Argv is set); a no-writes one is not held.
func TestScriptFlagsPausedReadOnlyReplica(t *testing.T) {
	e := newClientTestEnv(t)
	admin, _ := e.client()
	c, _ := e.client()
	e.s.Cfg.ReplicaOfHost, e.s.Cfg.ReplicaOfPort = "127.0.0.1", 1 // the role only: never connected
	if got := e.call(admin, "client", "pause", "60000", "write"); got != "+OK\r\n" {
		t.Fatalf("PAUSE: %q", got)
	}
	for _, tt := range []struct {
		argv   []string
		paused bool
		want   string
	}{
		{[]string{"eval", "#!lua\nreturn 1", "0"}, false, "-READONLY You can't write against a read only replica.\r\n"},
		{[]string{"eval_ro", "#!lua\nreturn 1", "0"}, false, "-READONLY You can't write against a read only replica.\r\n"},
		{[]string{"eval", "#!lua flags=no-writes\nreturn 1", "0"}, false, ":1\r\n"},
		{[]string{"eval", "return 1", "0"}, true, ""}, // no shebang: may replicate
	} {
		if got := e.s.Paused(c, argvOf(tt.argv...)); got != tt.paused {
			t.Errorf("Paused(%q) = %v, want %v", tt.argv, got, tt.paused)
		}
		if tt.paused {
			continue
		}
		if got := e.call(c, tt.argv...); got != tt.want {
			t.Errorf("%q: got %q, want %q", tt.argv, got, tt.want)
		}
	}

	// With the link down and replica-serve-stale-data off, a script
	// without allow-stale is refused at once too.
	e.s.Cfg.ReplicaServeStaleData = false
	stale := []string{"eval", "#!lua flags=no-writes\nreturn 1", "0"}
	if e.s.Paused(c, argvOf(stale...)) {
		t.Errorf("Paused(%q) on a stale replica", stale)
	}
	if got := e.call(c, stale...); got != "-"+ErrPrimaryDown+"\r\n" {
		t.Errorf("%q on a stale replica: %q", stale, got)
	}
	if got := e.call(c, "eval", "#!lua flags=no-writes,allow-stale\nreturn 1", "0"); got != ":1\r\n" {
		t.Errorf("allow-stale script on a stale replica: %q", got)
	}
	// A script without a shebang is refused when it starts (eval.c's
	// compatibility mode), not by the dispatcher.
	e.call(admin, "client", "unpause")
	if got := e.call(c, "eval", "return 1", "0"); got != "-"+ErrPrimaryDown+"\r\n" {
		t.Errorf("EVAL without shebang on a stale replica: %q", got)
	}
	if strings.Contains(e.call(c, "info", "replication"), "role:master") {
		t.Error("not a replica")
	}
}

// A read-only replica refuses a script that may write (the dispatcher
// does, knowing its flags), except from its primary and from the AOF it
// replays, whose commands it must obey.
func TestScriptWriteFlagOnReplicaObeysPrimary(t *testing.T) {
	e := newTestEnv(t)
	s := e.srv
	s.Cfg.ReplicaOfHost, s.Cfg.ReplicaOfPort = "127.0.0.1", 1 // never connected: only the role matters
	c := e.newClient()
	primary := e.newClient()
	primary.Flags |= ClientPrimary
	set := "#!lua\nreturn redis.call('set', KEYS[1], 'v')"
	if got := e.do(c, "eval", set, "1", "k"); got != "-"+ErrReadonly+"\r\n" {
		t.Fatalf("EVAL from a client: %q", got)
	}
	if got := e.do(primary, "eval", set, "1", "k"); got != "+OK\r\n" {
		t.Fatalf("EVAL from the primary: %q", got)
	}
	// The AOF loader runs commands without the dispatcher's checks.
	aof := s.newAOFClient()
	aof.Argv = [][]byte{[]byte("eval"), []byte(set), []byte("1"), []byte("k2")}
	aof.Cmd = s.LookupCommand(aof.Argv)
	s.current = aof
	aof.Cmd.Handler(aof)
	s.current = nil
	if got := e.do(c, "exists", "k", "k2"); got != ":2\r\n" {
		t.Fatalf("EXISTS: %q", got)
	}
}

// getfenv, setfenv and newproxy exist in scripts only with
// lua-enable-insecure-api; changing it remakes EVAL's interpreter and
// empties the script cache, as Valkey's evalReset.
func TestLuaInsecureAPI(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	e.srv.Cfg.EnableProtectedConfigs = config.PermitYes
	missing := func(name string) string {
		return "-ERR user_script:1: Script attempted to access nonexistent global variable '" + name + "' script: " +
			sha1hex("return "+name+"()") + ", on @user_script:1.\r\n"
	}
	loaded := bulk(sha1hex("return 1"))
	e.expect(c, []replyCase{
		{[]string{"eval", "return getfenv()", "0"}, missing("getfenv")},
		{[]string{"script", "load", "return 1"}, loaded},
		rc("config set lua-enable-insecure-api yes", "+OK\r\n"),
		{[]string{"evalsha", sha1hex("return 1"), "0"}, "-NOSCRIPT No matching script.\r\n"},
		{[]string{"eval", "return getfenv()", "0"}, "*0\r\n"},
		{[]string{"eval", "return type(setfenv) .. type(newproxy)", "0"}, bulk("functionfunction")},
		rc("config set lua-enable-insecure-api no", "+OK\r\n"),
		{[]string{"eval", "return getfenv()", "0"}, missing("getfenv")},
	})
}
