package engine

import (
	"strings"
	"testing"
)

// busyEnv is a server whose script clock moves a millisecond at every
// look (every hookInstructions instructions), with busy hooks that run
// a test's script of other clients' commands, one step per tick.
type busyEnv struct {
	*testEnv
	nowNs  int64
	ticks  int // ticks served while timed out
	ended  int
	onTick func(tick int)
}

func newBusyEnv(t *testing.T, thresholdMs int64) *busyEnv {
	e := &busyEnv{testEnv: newTestEnv(t)}
	e.srv.Cfg.BusyReplyThreshold = thresholdMs
	e.srv.script.busy.now = func() int64 { e.nowNs += 1e6; return e.nowNs }
	e.srv.SetBusyHooks(func(s *Server, caller *Client) {
		e.ticks++
		if e.onTick != nil {
			e.onTick(e.ticks)
		}
	}, func(*Server, *Client) { e.ended++ })
	return e
}

// doNested runs a command for c from inside the busy hook.
func (e *busyEnv) doNested(c *Client, args ...string) string {
	return e.do(c, args...)
}

func TestScriptBusyKill(t *testing.T) {
	e := newBusyEnv(t, 100)
	caller, other := e.newClient(), e.newClient()
	const busy = "-BUSY Valkey is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n"
	var got []string
	e.onTick = func(tick int) {
		switch tick {
		case 1:
			got = append(got,
				e.doNested(other, "ping"),
				e.doNested(other, "get", "k"),
				e.doNested(other, "function", "kill"),
				e.doNested(other, "function", "stats"),
				e.doNested(other, "shutdown"),
				e.doNested(other, "multi"),
				e.doNested(other, "set", "k", "v"),
				e.doNested(other, "exec"))
		case 3:
			got = append(got, e.doNested(other, "script", "kill"))
		}
	}
	reply := e.do(caller, "eval", "local i = 0 while true do i = i + 1 end", "0")
	want := []string{busy, busy, busy, busy, busy, "+OK\r\n", busy,
		"-EXECABORT Transaction discarded because of: " + busy[1:], "+OK\r\n"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("while busy:\n got %q\nwant %q", got, want)
	}
	if wantReply := "-ERR Script killed by user with SCRIPT KILL. script: "; !strings.HasPrefix(reply, wantReply) || !strings.HasSuffix(reply, ", on @user_script:1.\r\n") {
		t.Fatalf("caller got %q", reply)
	}
	if e.ticks != 3 || e.ended != 1 {
		t.Fatalf("ticks %d ended %d, want 3 and 1", e.ticks, e.ended)
	}
	// Served normally again.
	if r := e.do(other, "ping"); r != "+PONG\r\n" {
		t.Fatalf("after the kill: %q", r)
	}
	if r := e.do(other, "script", "kill"); r != "-NOTBUSY No scripts in execution right now.\r\n" {
		t.Fatalf("SCRIPT KILL with no script: %q", r)
	}
}

// A script under the threshold is never timed out, and the hook never
// calls the I/O layer.
func TestScriptBusyUnderThreshold(t *testing.T) {
	e := newBusyEnv(t, 1000)
	c := e.newClient()
	// About 20 ticks of instructions: 20 fake ms, under 1000.
	if r := e.do(c, "eval", "local i = 0 while i < 100000 do i = i + 1 end return i", "0"); r != ":100000\r\n" {
		t.Fatalf("got %q", r)
	}
	if e.ticks != 0 || e.ended != 0 || e.srv.ScriptTimedOut() {
		t.Fatalf("ticks %d ended %d timed out %v", e.ticks, e.ended, e.srv.ScriptTimedOut())
	}
}

// pcall cannot catch the kill, nor can a coroutine hide the loop.
func TestScriptBusyKillUncatchable(t *testing.T) {
	for _, script := range []string{
		"local f = function() while true do end end while true do pcall(f) end",
		"local co = coroutine.wrap(function() while true do end end) co()",
		"local co = coroutine.create(function() while true do end end) while true do coroutine.resume(co) end",
	} {
		e := newBusyEnv(t, 10)
		caller, other := e.newClient(), e.newClient()
		e.onTick = func(tick int) {
			if tick == 1 {
				if r := e.doNested(other, "script", "kill"); r != "+OK\r\n" {
					t.Errorf("%s: SCRIPT KILL got %q", script, r)
				}
			}
		}
		reply := e.do(caller, "eval", script, "0")
		if !strings.HasPrefix(reply, "-ERR Script killed by user with SCRIPT KILL.") {
			t.Fatalf("%s: caller got %q", script, reply)
		}
		if e.srv.ScriptTimedOut() || e.ended != 1 {
			t.Fatalf("%s: still timed out", script)
		}
	}
}

func TestScriptBusyUnkillableAndShutdown(t *testing.T) {
	e := newBusyEnv(t, 10)
	var shutdowns []ShutdownFlags
	e.srv.Shutdown = func(f ShutdownFlags) error { shutdowns = append(shutdowns, f); return nil }
	caller, other := e.newClient(), e.newClient()
	e.onTick = func(tick int) {
		switch tick {
		case 1:
			if r := e.doNested(other, "script", "kill"); !strings.HasPrefix(r, "-UNKILLABLE Sorry the script already executed write commands") {
				t.Errorf("SCRIPT KILL got %q", r)
			}
		case 2:
			if r := e.doNested(other, "shutdown", "nosave"); r != "" {
				t.Errorf("SHUTDOWN NOSAVE replied %q", r)
			}
		case 1000:
			t.Errorf("the script did not stop after SHUTDOWN NOSAVE")
			e.srv.script.running.killed = true
		}
	}
	e.do(caller, "eval", "redis.call('set', 'k', 'v') while true do end", "0")
	if len(shutdowns) != 1 || shutdowns[0] != ShutdownNoSave {
		t.Fatalf("shutdowns %v", shutdowns)
	}
	if e.ticks != 2 {
		t.Fatalf("ticks %d, want 2", e.ticks)
	}
}

func TestScriptBusyFunctionKill(t *testing.T) {
	e := newBusyEnv(t, 10)
	e.srv.Cfg.ExtendedRedisCompat = true
	caller, other := e.newClient(), e.newClient()
	if r := e.do(caller, "function", "load", "#!lua name=lib\nserver.register_function('spin', function() while true do end end)"); r != "$3\r\nlib\r\n" {
		t.Fatalf("FUNCTION LOAD: %q", r)
	}
	e.onTick = func(tick int) {
		if tick != 1 {
			return
		}
		for _, c := range []struct {
			args []string
			want string
		}{
			{[]string{"ping"}, "-BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.\r\n"},
			{[]string{"script", "kill"}, "-BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.\r\n"},
			{[]string{"function", "kill"}, "+OK\r\n"},
		} {
			if r := e.doNested(other, c.args...); r != c.want {
				t.Errorf("%v: got %q want %q", c.args, r, c.want)
			}
		}
	}
	if r := e.do(caller, "fcall", "spin", "0"); r != "-ERR Script killed by user with FUNCTION KILL. script: spin, on @user_function:2.\r\n" {
		t.Fatalf("caller got %q", r)
	}
}
