package engine

import (
	"bytes"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/volleydb/volley/engine/config"
)

// The backlog against a model: the whole stream, of which the backlog
// must hold the last size bytes, at the right offsets, through growth,
// wrapping, writes larger than the ring, and resizes.
func TestReplBacklogRing(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		rng := rand.New(rand.NewPCG(seed, 7))
		size := int64(1 + rng.IntN(64))
		b := &replBacklog{size: size, start: 1}
		var stream []byte // every byte ever appended; offset 1 is stream[0]
		for step := 0; step < 300; step++ {
			if rng.IntN(20) == 0 {
				size = int64(1 + rng.IntN(64))
				b.resize(size)
			} else {
				p := make([]byte, rng.IntN(int(size)*2+2))
				for i := range p {
					p[i] = byte('a' + rng.IntN(26))
				}
				b.append(p)
				stream = append(stream, p...)
			}
			total := int64(len(stream))
			keep := min(b.histlen, size)
			if b.histlen != keep || b.start+b.histlen != total+1 {
				t.Fatalf("seed %d step %d: start %d histlen %d, stream %d size %d", seed, step, b.start, b.histlen, total, size)
			}
			if total > 0 && b.histlen == 0 {
				t.Fatalf("seed %d step %d: nothing kept of %d bytes", seed, step, total)
			}
			for off := b.start; off <= b.start+b.histlen; off++ {
				var got []byte
				b.from(off, func(p []byte) { got = append(got, p...) })
				if want := stream[off-1:]; !bytes.Equal(got, want) {
					t.Fatalf("seed %d step %d: from %d = %q, want %q", seed, step, off, got, want)
				}
			}
		}
	}
}

// A primary with a backlog feeds every propagated command to it, with a
// SELECT before the first command of each database, and counts the bytes
// in its offset; without one it feeds nothing.
func TestReplFeed(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	e.do(c, "set", "a", "1")
	if e.srv.repl.offset != 0 || e.srv.prop.on {
		t.Fatalf("offset %d, propagating %v without a backlog", e.srv.repl.offset, e.srv.prop.on)
	}
	e.srv.createReplBacklog()
	e.do(c, "set", "b", "2")
	e.do(c, "select", "3")
	e.do(c, "incr", "n")
	e.do(c, "get", "n")
	want := "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nset\r\n$1\r\nb\r\n$1\r\n2\r\n" +
		"*2\r\n$6\r\nSELECT\r\n$1\r\n3\r\n*2\r\n$4\r\nincr\r\n$1\r\nn\r\n"
	got := e.backlog()
	if got != want {
		t.Fatalf("backlog %q\nwant %q", got, want)
	}
	if e.srv.repl.offset != int64(len(want)) || !e.srv.replCanContinue(1) || !e.srv.replCanContinue(int64(len(want))+1) || e.srv.replCanContinue(int64(len(want))+2) {
		t.Fatalf("offset %d for %d bytes", e.srv.repl.offset, len(want))
	}
	if r := e.do(c, "info", "replication"); !strings.Contains(r, "master_repl_offset:"+strconv.Itoa(len(want))+"\r\n") || !strings.Contains(r, "repl_backlog_active:1\r\nrepl_backlog_size:10485760\r\nrepl_backlog_first_byte_offset:1\r\nrepl_backlog_histlen:"+strconv.Itoa(len(want))+"\r\n") {
		t.Fatalf("info replication:\n%s", r)
	}
}

// A command that lowers the dirty count (SAVE resets it) changed nothing
// a replica or the AOF must redo: it is not propagated.
func TestReplSaveNotPropagated(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	e.srv.createReplBacklog()
	e.do(c, "set", "a", "1")
	if r := e.do(c, "save"); r != "+OK\r\n" {
		t.Fatalf("SAVE: %q", r)
	}
	want := "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nset\r\n$1\r\na\r\n$1\r\n1\r\n"
	got := e.backlog()
	if got != want {
		t.Fatalf("backlog %q\nwant %q", got, want)
	}
}

// min-replicas-to-write holds for scripts too: a script declaring flags
// without no-writes is refused before it runs, an EVAL without flags when
// it first calls a write; reads go on. The texts are Valkey 9.0.4's.
func TestReplNoReplicasScripts(t *testing.T) {
	e := newTestEnv(t)
	e.srv.Cfg.MinReplicasToWrite = 1
	c := e.newClient()
	e.expect(c, []replyCase{
		{[]string{"eval", "redis.call('set','foo','bar')", "0"}, "-NOREPLICAS Not enough good replicas to write. script: a3862cfaeddaf7c3473803cba58cdd0bdca53397, on @user_script:1.\r\n"},
		{[]string{"eval", "#!lua\nreturn redis.call('set','foo','bar')", "0"}, "-NOREPLICAS Not enough good replicas to write.\r\n"},
		{[]string{"eval", "#!lua flags=no-writes\nreturn redis.call('get','foo')", "0"}, "$-1\r\n"},
		{[]string{"eval", "return redis.call('get','foo')", "0"}, "$-1\r\n"},
		rc("set a b", "-NOREPLICAS Not enough good replicas to write.\r\n"),
	})
}

// DEBUG REPLICATE puts a command into the stream as it is.
func TestDebugReplicate(t *testing.T) {
	e := newTestEnv(t)
	e.srv.Cfg.EnableDebugCommand = config.PermitYes
	c := e.newClient()
	e.srv.createReplBacklog()
	e.expect(c, []replyCase{rc("debug replicate fake-command-1 a", "+OK\r\n")})
	got := e.backlog()
	if want := "*2\r\n$14\r\nfake-command-1\r\n$1\r\na\r\n"; got != want {
		t.Fatalf("backlog %q, want %q", got, want)
	}
}

// FLUSHDB and FLUSHALL are propagated even when there was nothing to
// flush, also from a script.
func TestReplFlushOfEmptyPropagates(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	e.srv.createReplBacklog()
	e.do(c, "flushdb")
	e.do(c, "eval", "redis.call('flushdb')", "0")
	e.do(c, "flushall")
	want := "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*1\r\n$7\r\nflushdb\r\n*1\r\n$7\r\nflushdb\r\n*1\r\n$8\r\nflushall\r\n"
	got := e.backlog()
	if got != want {
		t.Fatalf("backlog %q\nwant %q", got, want)
	}
}

// RESTORE ... REPLACE of a value already expired deletes the key, and
// propagates as DEL (UNLINK under lazyfree-lazy-server-del).
func TestReplRestoreExpiredPropagatesDel(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	e.do(c, "set", "k1", "v")
	e.do(c, "set", "k2", "v")
	payload := e.do(c, "dump", "k1")
	payload = payload[strings.Index(payload, "\r\n")+2 : len(payload)-2]
	e.srv.createReplBacklog()
	e.srv.Cfg.LazyfreeLazyServerDel = false
	e.do(c, "restore", "k1", "1", payload, "replace", "absttl")
	e.srv.Cfg.LazyfreeLazyServerDel = true // the default
	e.do(c, "restore", "k2", "1", payload, "replace", "absttl")
	want := "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*2\r\n$3\r\nDEL\r\n$2\r\nk1\r\n*2\r\n$6\r\nUNLINK\r\n$2\r\nk2\r\n"
	got := e.backlog()
	if got != want {
		t.Fatalf("backlog %q\nwant %q", got, want)
	}
	if r := e.do(c, "exists", "k1", "k2"); r != ":0\r\n" {
		t.Fatalf("EXISTS: %q", r)
	}
}

// PUBLISH goes to the replicas, so that their subscribers get it, and
// not to the AOF; inside MULTI it is not wrapped when alone.
func TestReplPublishToReplicasOnly(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	e.srv.createReplBacklog()
	e.do(c, "publish", "ch", "m1")
	e.do(c, "multi")
	e.do(c, "publish", "ch", "m2")
	e.do(c, "exec")
	want := "*3\r\n$7\r\npublish\r\n$2\r\nch\r\n$2\r\nm1\r\n*3\r\n$7\r\npublish\r\n$2\r\nch\r\n$2\r\nm2\r\n"
	got := e.backlog()
	if !strings.HasSuffix(got, want) || strings.Count(got, "publish") != 2 {
		t.Fatalf("backlog %q\nwant ...%q", got, want)
	}
}

// backlog returns the whole stream the backlog holds.
func (e *testEnv) backlog() string {
	var b strings.Builder
	e.srv.replBacklogFrom(e.srv.repl.backlog.start, func(p []byte) { b.Write(p) })
	return b.String()
}

// A read-only replica refuses a script that declared it may write as it
// refuses any write; a no-writes one runs.
func TestReplReadOnlyReplicaScripts(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	e.do(c, "function", "load", "#!lua name=lib\nserver.register_function('w', function() return server.call('set', 'x', '1') end)\nserver.register_function{function_name='r', callback=function() return 1 end, flags={'no-writes'}}")
	e.srv.Cfg.ReplicaOfHost, e.srv.Cfg.ReplicaOfPort = "127.0.0.1", 1 // the role only: never connected
	e.expect(c, []replyCase{
		rc("fcall w 0", "-READONLY You can't write against a read only replica.\r\n"),
		{[]string{"eval", "#!lua\nreturn 1", "0"}, "-READONLY You can't write against a read only replica.\r\n"},
		rc("fcall r 0", ":1\r\n"),
		{[]string{"eval", "return 1", "0"}, ":1\r\n"},
	})
}

// DEBUG SET-DISABLE-DENY-SCRIPTS lets scripts call commands flagged
// noscript, as Valkey's test switch does.
func TestDebugDisableDenyScripts(t *testing.T) {
	e := newTestEnv(t)
	e.srv.Cfg.EnableDebugCommand = config.PermitYes
	c := e.newClient()
	e.expect(c, []replyCase{
		{[]string{"eval", "return redis.pcall('client', 'id') ~= nil", "0"}, ":1\r\n"},
	})
	r := e.do(c, "eval", "return redis.call('multi')", "0")
	if !strings.Contains(r, "This Valkey command is not allowed from script") {
		t.Fatalf("MULTI from a script: %q", r)
	}
	e.expect(c, []replyCase{rc("debug set-disable-deny-scripts 1", "+OK\r\n")})
	if r := e.do(c, "eval", "return redis.call('multi')", "0"); strings.Contains(r, "not allowed from script") {
		t.Fatalf("MULTI from a script with the switch on: %q", r)
	}
}

// staleReplicaWith returns a server with the function library lib loaded
// that then became a stale replica: a replica in role only, never
// connected, with replica-serve-stale-data no.
func staleReplicaWith(t *testing.T, lib string) (*testEnv, *Client) {
	e := newTestEnv(t)
	c := e.newClient()
	if got := e.do(c, "function", "load", lib); got != "$1\r\nt\r\n" {
		t.Fatalf("FUNCTION LOAD: %q", got)
	}
	e.srv.Cfg.ReplicaOfHost, e.srv.Cfg.ReplicaOfPort = "127.0.0.1", 1
	e.srv.Cfg.ReplicaServeStaleData = false
	return e, c
}

// A stale replica (link down, replica-serve-stale-data no) runs a
// function only if it declared allow-stale, as Valkey judges FCALL by the
// function's flags.
func TestReplStaleReplicaFunctions(t *testing.T) {
	e, c := staleReplicaWith(t, "#!lua name=t\nserver.register_function{function_name='f1', callback=function() return 'hello' end, flags={'no-writes'}}\nserver.register_function{function_name='f2', callback=function() return 'hello' end, flags={'allow-stale', 'no-writes'}}\nserver.register_function{function_name='f3', callback=function() return server.call('get', 'x') end, flags={'allow-stale', 'no-writes'}}")
	e.expect(c, []replyCase{
		rc("fcall f1 0", "-MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.\r\n"),
		rc("fcall f2 0", "$5\r\nhello\r\n"),
		rc("fcall f3 1 x", "-ERR Can not execute the command on a stale replica script: f3, on @user_function:4.\r\n"),
	})
}

// server.set_repl chooses where a script's following commands go: both
// (the default), the AOF, the replicas, or neither.
func TestReplScriptSetRepl(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	e.srv.createReplBacklog()
	e.do(c, "eval", `
		redis.call('set','a','1')
		redis.set_repl(redis.REPL_NONE)
		redis.call('set','b','2')
		redis.set_repl(redis.REPL_AOF)
		redis.call('set','c','3')
		redis.set_repl(redis.REPL_REPLICA)
		redis.call('set','d','4')
		redis.set_repl(redis.REPL_ALL)
		redis.call('set','e','5')`, "0")
	e.do(c, "set", "f", "6") // after the script: everywhere again
	got := e.backlog()
	for _, k := range []string{"a", "d", "e", "f"} {
		if !strings.Contains(got, "$1\r\n"+k+"\r\n") {
			t.Errorf("%s not propagated to replicas: %q", k, got)
		}
	}
	for _, k := range []string{"b", "c"} {
		if strings.Contains(got, "$1\r\n"+k+"\r\n") {
			t.Errorf("%s propagated to replicas: %q", k, got)
		}
	}
}

// The AOF side of server.set_repl, and PUBLISH kept out of the AOF.
func TestAOFScriptSetReplAndPublish(t *testing.T) {
	e, _ := aofEnv(t)
	e.srv.createReplBacklog()
	c := e.newClient()
	e.do(c, "eval", `
		redis.set_repl(redis.REPL_REPLICA)
		redis.call('set','r','1')
		redis.set_repl(redis.REPL_AOF)
		redis.call('set','a','2')`, "0")
	e.do(c, "publish", "ch", "m")
	got := strings.Join(aofCommands(t, e.incrFile(t)), "|")
	if want := "MULTI|SELECT 0|set a 2|EXEC"; got != want {
		t.Fatalf("AOF %q, want %q", got, want)
	}
	if b := e.backlog(); !strings.Contains(b, "$1\r\nr\r\n") || strings.Contains(b, "$1\r\na\r\n") || !strings.Contains(b, "publish") {
		t.Fatalf("backlog %q", b)
	}
}

// Where each command goes is one mask, as Valkey's call() computes it:
// everywhere when it changed the dataset, plus where it forced itself
// (PUBLISH: the replicas), less where server.set_repl bars it; and a
// target nothing consumes (no backlog) takes no command.
func TestPropagationTargets(t *testing.T) {
	e, _ := aofEnv(t)
	c := e.newClient()
	// No backlog: the script's PUBLISH goes nowhere, so its SET is a unit
	// of one command, with no MULTI around it.
	e.do(c, "eval", "server.call('publish','ch','m'); server.call('set','y','1')", "0")
	if got, want := strings.Join(aofCommands(t, e.incrFile(t)), "|"), "SELECT 0|set y 1"; got != want {
		t.Fatalf("AOF without a backlog %q, want %q", got, want)
	}
	e.srv.createReplBacklog()
	e.do(c, "eval", "server.set_repl(server.REPL_AOF); server.call('publish','ch','m')", "0") // nowhere
	e.do(c, "eval", "server.set_repl(server.REPL_REPLICA); server.call('set','k','v')", "0")  // backlog only
	e.do(c, "publish", "ch", "m")                                                             // backlog only
	e.do(c, "set", "x", "1")                                                                  // both
	if got, want := strings.Join(aofCommands(t, e.incrFile(t)), "|"), "SELECT 0|set y 1|set x 1"; got != want {
		t.Fatalf("AOF %q, want %q", got, want)
	}
	want := "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n" +
		"*3\r\n$3\r\nset\r\n$1\r\nk\r\n$1\r\nv\r\n" +
		"*3\r\n$7\r\npublish\r\n$2\r\nch\r\n$1\r\nm\r\n" +
		"*3\r\n$3\r\nset\r\n$1\r\nx\r\n$1\r\n1\r\n"
	if got := e.backlog(); got != want {
		t.Fatalf("backlog %q\nwant %q", got, want)
	}
}

// TIME inside a script is the script's start time throughout.
func TestScriptTimeIsFrozen(t *testing.T) {
	e := newTestEnv(t)
	e.srv.Cfg.EnableDebugCommand = config.PermitYes
	c := e.newClient()
	e.srv.scriptDenyOff = true // DEBUG SLEEP from the script, as Valkey's test does it
	r := e.do(c, "eval", "local a = redis.call('time'); redis.call('debug', 'sleep', '0.002'); local b = redis.call('time'); return {a[1] == b[1] and a[2] == b[2] and 1 or 0}", "0")
	if r != "*1\r\n:1\r\n" {
		t.Fatalf("TIME moved inside a script: %q", r)
	}
}

// Under extended-redis-compatibility the noscript refusal names Redis,
// as Valkey's does.
func TestScriptNoscriptTitle(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	e.srv.Cfg.ExtendedRedisCompat = true
	if r := e.do(c, "eval", "return redis.pcall('multi')['err']", "0"); r != "$49\r\nERR This Redis command is not allowed from script\r\n" {
		t.Fatalf("EVAL: %q", r)
	}
}

// EXEC is judged by its queued commands' flags as they were at queue
// time, scripts by their declared flags: on a stale replica EXEC of an
// allow-stale function runs, EXEC of a plain GET does not.
func TestReplStaleReplicaExec(t *testing.T) {
	e, c := staleReplicaWith(t, "#!lua name=t\nserver.register_function{function_name='f2', callback=function() return 'hello' end, flags={'allow-stale', 'no-writes'}}")
	// Queued while the link is up, run after it went down.
	queue := func(cmds ...replyCase) {
		e.srv.replica.state = linkConnected
		e.expect(c, append([]replyCase{rc("multi", "+OK\r\n")}, cmds...))
		e.srv.replica.state = linkNone
	}
	queue(rc("fcall f2 0", "+QUEUED\r\n"))
	e.expect(c, []replyCase{rc("exec", "*1\r\n$5\r\nhello\r\n")})
	queue(rc("fcall f2 0", "+QUEUED\r\n"), rc("get x", "+QUEUED\r\n"))
	e.expect(c, []replyCase{rc("exec", "-EXECABORT Transaction discarded because of: MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.\r\n")})
}
