package engine

import (
	"strconv"
	"strings"
	"testing"
)

// pauseEnv is a client test server where SET, GET, PUBLISH and EXEC have
// stand-in handlers, so the pause sees them as runnable commands.
func pauseEnv(t *testing.T) *clientTestEnv {
	e := newClientTestEnv(t)
	for _, name := range []string{"set", "get", "publish", "exec", "pfcount"} {
		sp := e.s.specByFullName(name)
		if sp == nil {
			t.Fatalf("no spec for %s", name)
		}
		sp.Handler = func(c *Client) { c.AddOK() }
	}
	return e
}

func argvOf(args ...string) [][]byte {
	argv := make([][]byte, len(args))
	for i, a := range args {
		argv[i] = []byte(a)
	}
	return argv
}

func TestPauseWriteHoldsWritesOnly(t *testing.T) {
	e := pauseEnv(t)
	admin, _ := e.client()
	c, link := e.client()
	if got := e.call(admin, "client", "pause", "60000", "write"); got != "+OK\r\n" {
		t.Fatalf("PAUSE: %q", got)
	}
	tests := []struct {
		argv   []string
		paused bool
	}{
		{[]string{"get", "x"}, false},
		{[]string{"ping"}, false},
		{[]string{"client", "info"}, false},
		{[]string{"nosuch"}, false},            // rejected at once
		{[]string{"set", "x"}, false},          // wrong arity: rejected at once
		{[]string{"publish", "ch", "m"}, true}, // may replicate
		{[]string{"pfcount", "h"}, true},       // may replicate (it can rewrite the cache)
		{[]string{"set", "x", "1"}, true},
	}
	for _, tt := range tests {
		if got := e.s.Paused(c, argvOf(tt.argv...)); got != tt.paused {
			t.Errorf("Paused(%q) = %v, want %v", tt.argv, got, tt.paused)
		}
	}

	// The postponed client is listed as blocked, with the command it waits for.
	line := e.call(admin, "client", "list", "id", strconv.FormatInt(c.ID, 10))
	for _, want := range []string{" flags=b ", " argv-mem=5 ", " cmd=set "} {
		if !strings.Contains(line, want) {
			t.Errorf("postponed client lacks %q: %s", want, line)
		}
	}
	if n := e.s.PostponedCount(); n != 1 {
		t.Errorf("PostponedCount = %d, want 1", n)
	}
	if e.s.ActionsPaused(PauseExpire|PauseEvict) != PauseExpire|PauseEvict {
		t.Error("expiry and eviction not paused along with writes")
	}
	reason, actions, left := e.s.PauseInfo()
	if reason != "client_pause" || actions != "write" || left != 60000 {
		t.Errorf("PauseInfo = %q %q %d", reason, actions, left)
	}

	if got := e.call(admin, "client", "unpause"); got != "+OK\r\n" {
		t.Fatalf("UNPAUSE: %q", got)
	}
	if link.wakes != 1 || c.Flags&ClientBlocked != 0 || c.postponed {
		t.Fatalf("after UNPAUSE: wakes=%d flags=%b", link.wakes, c.Flags)
	}
	if e.s.Paused(c, argvOf("set", "x", "1")) {
		t.Fatal("still paused after UNPAUSE")
	}
	if reason, actions, left := e.s.PauseInfo(); reason != "none" || actions != "none" || left != 0 {
		t.Errorf("PauseInfo after UNPAUSE = %q %q %d", reason, actions, left)
	}
}

func TestPauseAllHoldsEverything(t *testing.T) {
	e := pauseEnv(t)
	admin, _ := e.client()
	c, _ := e.client()
	e.call(admin, "client", "pause", "1000")
	for _, argv := range [][]string{{"get", "x"}, {"ping"}, {"client", "unpause"}} {
		if !e.s.Paused(c, argvOf(argv...)) {
			t.Errorf("%q not paused under ALL", argv)
		}
	}
	// Replicas and MONITOR clients are never paused, and neither are
	// commands that fail before running.
	r := e.s.NewClient("127.0.0.1:9", "127.0.0.1:6379", 9, false)
	r.Flags |= ClientReplica
	m := e.s.NewClient("127.0.0.1:8", "127.0.0.1:6379", 8, false)
	m.Flags |= ClientMonitor
	if e.s.Paused(r, argvOf("ping")) || e.s.Paused(m, argvOf("ping")) {
		t.Error("replica or monitor paused")
	}
	e.call(admin, "config", "set", "requirepass", "secret") // clients connecting from now on must AUTH
	u, _ := e.client()
	if u.Authenticated {
		t.Fatal("a new client is authenticated under requirepass")
	}
	if e.s.Paused(u, argvOf("get", "x")) {
		t.Error("unauthenticated command paused instead of rejected")
	}
	if e.s.Paused(c, argvOf("client", "nosuch")) {
		t.Error("unknown subcommand paused")
	}
}

func TestPauseEndsInCron(t *testing.T) {
	e := pauseEnv(t)
	admin, _ := e.client()
	c, link := e.client()
	e.call(admin, "client", "pause", "100", "WRITE")
	if !e.s.Paused(c, argvOf("set", "k", "v")) {
		t.Fatal("not paused")
	}
	e.clock.Ms += 50
	e.s.Cron()
	if link.wakes != 0 || !e.s.Paused(c, argvOf("set", "k", "v")) {
		t.Fatal("pause ended early")
	}
	if _, _, left := e.s.PauseInfo(); left != 50 {
		t.Errorf("paused_timeout_milliseconds = %d, want 50", left)
	}
	e.clock.Ms += 51
	// Like Valkey, the pause is over only once cron has noticed.
	if !e.s.Paused(c, argvOf("set", "k", "v")) {
		t.Fatal("pause lifted before cron")
	}
	e.s.Cron()
	if link.wakes != 1 || e.s.Paused(c, argvOf("set", "k", "v")) {
		t.Fatalf("after the end: wakes=%d", link.wakes)
	}
	// A client that waited only once is woken only once.
	e.s.Cron()
	if link.wakes != 1 {
		t.Fatalf("woken again: %d", link.wakes)
	}
}

func TestPauseKeepsTheStricterAndLongerPause(t *testing.T) {
	e := pauseEnv(t)
	admin, _ := e.client()
	c, _ := e.client()
	e.call(admin, "client", "pause", "200", "all")
	e.call(admin, "client", "pause", "20", "write")
	if _, actions, left := e.s.PauseInfo(); actions != "all" || left != 200 {
		t.Fatalf("after ALL 200 then WRITE 20: %s for %d ms", actions, left)
	}
	e.clock.Ms += 50
	e.s.Cron()
	if !e.s.Paused(c, argvOf("get", "x")) {
		t.Fatal("GET not paused: the ALL pause was weakened")
	}
	// PAUSE 0 does not end a pause in force.
	e.call(admin, "client", "unpause")
	e.call(admin, "client", "pause", "1000", "write")
	e.call(admin, "client", "pause", "0", "write")
	if _, actions, left := e.s.PauseInfo(); actions != "write" || left != 1000 {
		t.Fatalf("after PAUSE 0: %s for %d ms", actions, left)
	}
	// Alone, PAUSE 0 pauses nothing.
	e.call(admin, "client", "unpause")
	e.call(admin, "client", "pause", "0", "all")
	if e.s.Paused(c, argvOf("get", "x")) {
		t.Fatal("PAUSE 0 paused")
	}
}

func TestPauseWeakenedWakesClients(t *testing.T) {
	e := pauseEnv(t)
	admin, _ := e.client()
	reader, rl := e.client()
	writer, wl := e.client()
	e.s.PauseActions(PauseDuringShutdown, e.clock.Ms+1_000_000, PauseWriteSet)
	e.call(admin, "client", "pause", "100", "all")
	if !e.s.Paused(reader, argvOf("get", "x")) || !e.s.Paused(writer, argvOf("set", "x", "1")) {
		t.Fatal("not paused under ALL")
	}
	e.clock.Ms += 101
	e.s.Cron() // ALL ends, the shutdown's WRITE pause stays: less strict, so retry
	if rl.wakes != 1 || wl.wakes != 1 {
		t.Fatalf("wakes reader=%d writer=%d", rl.wakes, wl.wakes)
	}
	if e.s.Paused(reader, argvOf("get", "x")) {
		t.Error("GET still paused under WRITE")
	}
	if !e.s.Paused(writer, argvOf("set", "x", "1")) {
		t.Error("SET no longer paused under WRITE")
	}
	if reason, actions, _ := e.s.PauseInfo(); reason != "shutdown_in_progress" || actions != "write" {
		t.Errorf("PauseInfo = %q %q", reason, actions)
	}
	e.s.UnpauseActions(PauseDuringShutdown)
	if wl.wakes != 2 {
		t.Fatalf("writer wakes = %d after the last pause ended", wl.wakes)
	}
}

func TestPauseExecJudgedByQueuedCommands(t *testing.T) {
	e := pauseEnv(t)
	admin, _ := e.client()
	c, _ := e.client()
	e.call(admin, "client", "pause", "1000", "write")
	c.Flags |= ClientMulti
	c.Counts.MultiFlags = FlagReadonly | FlagFast
	if e.s.Paused(c, argvOf("exec")) {
		t.Fatal("read-only EXEC paused")
	}
	c.Counts.MultiFlags |= FlagWrite
	if !e.s.Paused(c, argvOf("exec")) {
		t.Fatal("EXEC with a queued write not paused")
	}
}

func TestPauseForgetsClosedClients(t *testing.T) {
	e := pauseEnv(t)
	admin, _ := e.client()
	c, link := e.client()
	e.call(admin, "client", "pause", "1000", "write")
	e.s.Paused(c, argvOf("set", "x", "1"))
	e.s.FreeClient(c)
	if n := e.s.PostponedCount(); n != 0 {
		t.Fatalf("PostponedCount = %d after the client closed", n)
	}
	e.s.Cron()
	if len(e.s.pause.postponed) != 0 {
		t.Fatal("cron kept a closed client")
	}
	e.call(admin, "client", "unpause")
	if link.wakes != 0 {
		t.Fatal("closed client woken")
	}
}

// Under a WRITE pause scripts are judged by their declared flags: a
// no-writes script runs, one that may write, or declares nothing, waits
// (Valkey's evalGetCommandFlags / fcallGetCommandFlags).
func TestPauseWriteJudgesScriptsByFlags(t *testing.T) {
	e := newClientTestEnv(t)
	admin, _ := e.client()
	c, _ := e.client()
	ro := "#!lua flags=no-writes\nreturn 1"
	rw := "#!lua\nreturn 1"
	if got := e.call(admin, "script", "load", ro); !strings.HasPrefix(got, "$40\r\n") {
		t.Fatalf("SCRIPT LOAD: %q", got)
	}
	e.call(admin, "function", "load", "#!lua name=lib\nserver.register_function{function_name='r', callback=function() return 1 end, flags={'no-writes'}}\nserver.register_function('w', function() return 1 end)")
	if got := e.call(admin, "client", "pause", "60000", "write"); got != "+OK\r\n" {
		t.Fatalf("PAUSE: %q", got)
	}
	for _, tt := range []struct {
		argv   []string
		paused bool
	}{
		{[]string{"eval", ro, "0"}, false},
		{[]string{"evalsha", sha1hex(ro), "0"}, false},
		{[]string{"eval", rw, "0"}, true},
		{[]string{"eval", "return 1", "0"}, true}, // no shebang: may replicate
		{[]string{"fcall", "r", "0"}, false},
		{[]string{"fcall", "w", "0"}, true},
		{[]string{"eval_ro", "return 1", "0"}, false},
	} {
		if got := e.s.Paused(c, argvOf(tt.argv...)); got != tt.paused {
			t.Errorf("Paused(%q) = %v, want %v", tt.argv, got, tt.paused)
		}
	}
}
