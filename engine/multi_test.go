package engine

import (
	"strings"
	"testing"
)

func TestMultiQueueAndExec(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	e.expect(c, []replyCase{
		rc("rpush l a b c", ":3\r\n"),
		rc("multi", "+OK\r\n"),
		rc("lrange l 0 -1", "+QUEUED\r\n"),
		rc("ping", "+QUEUED\r\n"),
		rc("set s 1", "+QUEUED\r\n"),
		rc("incr s", "+QUEUED\r\n"),
		rc("lpush s x", "+QUEUED\r\n"), // fails at run time: the error is inside the array
		rc("get s", "+QUEUED\r\n"),
		rc("exec", "*6\r\n*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n+PONG\r\n+OK\r\n:2\r\n"+
			errReply(ErrWrongType)+"$1\r\n2\r\n"),
		// The transaction is over.
		rc("exec", errReply("ERR EXEC without MULTI")),
		rc("get s", "$1\r\n2\r\n"),
		// An empty transaction.
		rc("multi", "+OK\r\n"),
		rc("exec", "*0\r\n"),
	})
}

func TestMultiExecRESP3(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	e.do(c, "hello", "3")
	e.expect(c, []replyCase{
		rc("multi", "+OK\r\n"),
		rc("set a 1", "+QUEUED\r\n"),
		rc("get a", "+QUEUED\r\n"),
		rc("lpop nolist", "+QUEUED\r\n"),
		rc("blpop nolist 0", "+QUEUED\r\n"),
		rc("exec", "*4\r\n+OK\r\n$1\r\n1\r\n_\r\n_\r\n"),
		// A failed WATCH is a null, RESP3's own.
		rc("watch a", "+OK\r\n"),
		rc("set a 2", "+OK\r\n"),
		rc("multi", "+OK\r\n"),
		rc("get a", "+QUEUED\r\n"),
		rc("exec", "_\r\n"),
	})
}

func TestMultiDiscard(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	e.expect(c, []replyCase{
		rc("discard", errReply("ERR DISCARD without MULTI")),
		rc("discard x", errReply("ERR wrong number of arguments for 'discard' command")),
		rc("rpush l a", ":1\r\n"),
		rc("multi", "+OK\r\n"),
		rc("del l", "+QUEUED\r\n"),
		rc("discard", "+OK\r\n"),
		rc("llen l", ":1\r\n"),
		rc("exec", errReply("ERR EXEC without MULTI")),
	})
	if c.Flags&ClientMulti != 0 || c.Counts.Multi != 0 || c.Counts.MultiMem != 0 {
		t.Fatalf("after DISCARD: flags %b counts %+v", c.Flags, c.Counts)
	}
}

func TestMultiQueueTimeErrors(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	abort := errReply("EXECABORT Transaction discarded because of previous errors.")
	e.expect(c, []replyCase{
		rc("exec", errReply("ERR EXEC without MULTI")),
		rc("exec foo", errReply("EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command")),
		// Nested MULTI and WATCH inside MULTI are rejected (no-multi) and doom the transaction.
		rc("multi", "+OK\r\n"),
		rc("multi", errReply("ERR Command 'multi' not allowed inside a transaction")),
		rc("exec", abort),
		rc("multi", "+OK\r\n"),
		rc("watch x", errReply("ERR Command 'watch' not allowed inside a transaction")),
		rc("exec", abort),
		rc("multi", "+OK\r\n"),
		rc("client reply off", errReply("ERR Command 'client|reply' not allowed inside a transaction")),
		rc("exec", abort),
		// Unknown command and wrong arity.
		rc("multi", "+OK\r\n"),
		rc("set foo1 bar1", "+QUEUED\r\n"),
		rc("non-existing-command", errReply("ERR unknown command 'non-existing-command', with args beginning with: ")),
		rc("set foo2 bar2", "+QUEUED\r\n"),
		rc("exec", abort),
		rc("multi", "+OK\r\n"),
		rc("set a", errReply("ERR wrong number of arguments for 'set' command")),
		rc("set a b", "+QUEUED\r\n"),
		rc("exec", abort),
		rc("exists foo1 foo2 a", ":0\r\n"),
		// The state is cleared after an abort.
		rc("ping", "+PONG\r\n"),
		// A rejected EXEC inside MULTI aborts it, naming the reason.
		rc("multi", "+OK\r\n"),
		rc("set a b", "+QUEUED\r\n"),
		rc("exec x", errReply("EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command")),
		rc("exec", errReply("ERR EXEC without MULTI")),
		rc("exists a", ":0\r\n"),
	})
	if n := e.srv.cmdStats[e.srv.specByFullName("exec").ID].Rejected; n != 2 {
		t.Errorf("exec rejected_calls = %d, want 2", n)
	}
}

func TestMultiRejectedExecFeedsMonitors(t *testing.T) {
	e := newTestEnv(t)
	mon, c := e.newClient(), e.newClient()
	e.do(mon, "monitor")
	e.do(c, "multi")
	e.do(c, "set", "a", "b")
	e.do(c, "exec", "x")
	out := takeOut(mon)
	if !strings.Contains(out, `"multi"`) || !strings.Contains(out, `"exec" "x"`) || strings.Contains(out, `"set"`) {
		t.Fatalf("monitor saw %q", out)
	}
	e.do(c, "multi")
	e.do(c, "set", "a", "b")
	e.do(c, "exec")
	out = takeOut(mon)
	i, j, k := strings.Index(out, `"multi"`), strings.Index(out, `"set" "a" "b"`), strings.Index(out, `"exec"`)
	if i < 0 || j < i || k < j {
		t.Fatalf("monitor saw %q, want multi, set, exec in order", out)
	}
}

func TestMultiQueuedArgsAreCopied(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	e.do(c, "multi")
	argv := [][]byte{[]byte("set"), []byte("key"), []byte("value")}
	e.srv.Call(c, argv)
	copy(argv[1], "XXX") // the I/O layer reuses its read buffer
	copy(argv[2], "YYYYY")
	takeOut(c)
	e.expect(c, []replyCase{
		rc("exec", "*1\r\n+OK\r\n"),
		rc("get key", "$5\r\nvalue\r\n"),
	})
	// A second transaction reuses the buffers without mixing arguments.
	e.expect(c, []replyCase{
		rc("multi", "+OK\r\n"),
		rc("set k2 v2", "+QUEUED\r\n"),
		rc("get key", "+QUEUED\r\n"),
		rc("exec", "*2\r\n+OK\r\n$5\r\nvalue\r\n"),
		rc("get k2", "$2\r\nv2\r\n"),
	})
}

func TestMultiStatistics(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	s := e.srv
	stat := func(name string) *CommandStats { return &s.cmdStats[s.specByFullName(name).ID] }
	e.do(c, "set", "s", "x")
	e.do(c, "multi")
	e.do(c, "incr", "s")
	e.do(c, "get", "s")
	if stat("incr").Calls != 0 || stat("get").Calls != 0 {
		t.Fatal("queued commands counted before EXEC")
	}
	processed := s.Stats.CommandsProcessed
	e.do(c, "exec")
	if st := stat("incr"); st.Calls != 1 || st.Failed != 1 {
		t.Errorf("incr calls %d failed %d, want 1 1", st.Calls, st.Failed)
	}
	if st := stat("get"); st.Calls != 1 || st.Failed != 0 {
		t.Errorf("get calls %d failed %d, want 1 0", st.Calls, st.Failed)
	}
	if st := stat("exec"); st.Calls != 1 || st.Failed != 0 {
		t.Errorf("exec calls %d failed %d, want 1 0 (its commands' errors are theirs)", st.Calls, st.Failed)
	}
	if got := s.Stats.CommandsProcessed - processed; got != 3 {
		t.Errorf("commands processed by EXEC = %d, want 3", got)
	}
	e.do(c, "multi")
	e.do(c, "nosuchcommand")
	e.do(c, "exec")
	if st := stat("exec"); st.Calls != 2 || st.Failed != 1 {
		t.Errorf("aborted exec: calls %d failed %d, want 2 1", st.Calls, st.Failed)
	}
}

func TestMultiClientReplySkip(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	e.expect(c, []replyCase{
		rc("client reply skip", ""),
		rc("multi", ""),
		rc("ping pong2", "+QUEUED\r\n"),
		rc("ping pong3", "+QUEUED\r\n"),
		rc("exec", "*2\r\n$5\r\npong2\r\n$5\r\npong3\r\n"),
	})
}

func TestMultiResetAndQuitRunAtOnce(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	e.expect(c, []replyCase{
		rc("set x 1", "+OK\r\n"),
		rc("watch x", "+OK\r\n"),
		rc("multi", "+OK\r\n"),
		rc("set y 1", "+QUEUED\r\n"),
		rc("reset", "+RESET\r\n"),
		rc("exec", errReply("ERR EXEC without MULTI")),
		rc("exists y", ":0\r\n"),
	})
	if e.srv.WatchedKeys() != 0 || c.Counts.Watch != 0 {
		t.Fatal("RESET left the client watching")
	}
	e.expect(c, []replyCase{
		rc("multi", "+OK\r\n"),
		rc("quit", "+OK\r\n"),
	})
	if c.Flags&ClientCloseAfterReply == 0 {
		t.Fatal("QUIT inside MULTI was queued")
	}
}

// cas runs WATCH key, then between (another client's changes), then a
// transaction of PING, and returns EXEC's reply.
func cas(e *testEnv, c, other *Client, watch []string, between [][]string) string {
	e.t.Helper()
	if r := e.do(c, append([]string{"watch"}, watch...)...); r != "+OK\r\n" {
		e.t.Fatalf("watch = %q", r)
	}
	for _, cmd := range between {
		e.do(other, cmd...)
	}
	e.do(c, "multi")
	e.do(c, "ping")
	return e.do(c, "exec")
}

const (
	casOK     = "*1\r\n+PONG\r\n"
	casFailed = "*-1\r\n"
)

func TestWatchCAS(t *testing.T) {
	e := newTestEnv(t)
	c, o := e.newClient(), e.newClient()
	cmds := func(lines ...string) [][]string {
		var out [][]string
		for _, l := range lines {
			out = append(out, strings.Fields(l))
		}
		return out
	}
	for _, tc := range []struct {
		name    string
		setup   []string
		watch   string
		between []string
		want    string
	}{
		{"untouched", []string{"set x 1"}, "x y z", nil, casOK},
		{"set", []string{"set x 1"}, "x", []string{"set x 2"}, casFailed},
		{"1 of 5", []string{"set x 1"}, "a b x k z", []string{"set x 2"}, casFailed},
		{"set a missing key", nil, "x", []string{"set x 2"}, casFailed},
		{"del", []string{"set x 1"}, "x", []string{"del x"}, casFailed},
		{"del of a missing key", nil, "x", []string{"del x"}, casOK},
		{"expire", []string{"set x 1"}, "x", []string{"expire x 10"}, casFailed},
		{"read", []string{"set x 1"}, "x", []string{"get x", "exists x", "ttl x"}, casOK},
		{"other key", []string{"set x 1"}, "x", []string{"set y 1"}, casOK},
		{"rename source", []string{"set x 1"}, "x", []string{"rename x y"}, casFailed},
		{"rename destination", []string{"set y 1"}, "x", []string{"rename y x"}, casFailed},
		{"sort store of nothing", []string{"lpush x bar"}, "x", []string{"sort emptylist store x"}, casFailed},
		{"flushdb", []string{"set x 1"}, "x", []string{"flushdb"}, casFailed},
		{"flushdb of a missing key", []string{"set y 1"}, "x", []string{"flushdb"}, casOK},
		{"flushall", []string{"set x 1"}, "x", []string{"flushall"}, casFailed},
		{"flushall of a missing key", []string{"set y 1"}, "x", []string{"flushall"}, casOK},
		{"same key in another db", []string{"set x 1"}, "x", []string{"select 1", "set x 2", "select 0"}, casOK},
		{"swapdb, key exists", []string{"set x 1"}, "x", []string{"swapdb 0 1"}, casFailed},
		{"swapdb, key appears", []string{"select 1", "set x 1", "select 0"}, "x", []string{"swapdb 0 1"}, casFailed},
		{"swapdb, missing in both", []string{"select 1", "set y 1", "select 0"}, "x", []string{"swapdb 0 1"}, casOK},
		{"touched, then unwatched", []string{"set x 1"}, "x", []string{"set x 2"}, casFailed},
	} {
		e.do(o, "flushall")
		for _, l := range tc.setup {
			e.do(o, strings.Fields(l)...)
		}
		e.do(o, "select", "0")
		if got := cas(e, c, o, strings.Fields(tc.watch), cmds(tc.between...)); got != tc.want {
			t.Errorf("%s: exec = %q, want %q", tc.name, got, tc.want)
		}
		if e.srv.WatchedKeys() != 0 || c.Counts.Watch != 0 || c.Flags&(ClientMulti|ClientDirtyCAS) != 0 {
			t.Fatalf("%s: still watching after EXEC (%d keys, flags %b)", tc.name, e.srv.WatchedKeys(), c.Flags)
		}
	}
}

func TestWatchOwnChangesAndLifecycle(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	e.expect(c, []replyCase{
		rc("watch", errReply("ERR wrong number of arguments for 'watch' command")),
		rc("unwatch x", errReply("ERR wrong number of arguments for 'unwatch' command")),
		rc("unwatch", "+OK\r\n"),
		// The client's own change before MULTI counts.
		rc("watch x", "+OK\r\n"),
		rc("set x 10", "+OK\r\n"),
		rc("multi", "+OK\r\n"),
		rc("incr x", "+QUEUED\r\n"),
		rc("exec", casFailed),
		// After a failed EXEC the key is no longer watched.
		rc("set x 40", "+OK\r\n"),
		rc("multi", "+OK\r\n"),
		rc("ping", "+QUEUED\r\n"),
		rc("exec", casOK),
		// UNWATCH clears the dirty flag.
		rc("watch x", "+OK\r\n"),
		rc("set x 30", "+OK\r\n"),
		rc("unwatch", "+OK\r\n"),
		rc("multi", "+OK\r\n"),
		rc("ping", "+QUEUED\r\n"),
		rc("exec", casOK),
		// DISCARD clears the dirty flag and unwatches.
		rc("watch x", "+OK\r\n"),
		rc("set x 10", "+OK\r\n"),
		rc("multi", "+OK\r\n"),
		rc("discard", "+OK\r\n"),
		rc("set x 10", "+OK\r\n"),
		rc("multi", "+OK\r\n"),
		rc("incr x", "+QUEUED\r\n"),
		rc("exec", "*1\r\n:11\r\n"),
		// WATCH remembers the database.
		rc("select 5", "+OK\r\n"),
		rc("watch x", "+OK\r\n"),
		rc("select 1", "+OK\r\n"),
		rc("set x 10", "+OK\r\n"),
		rc("multi", "+OK\r\n"),
		rc("ping", "+QUEUED\r\n"),
		rc("exec", casOK),
		rc("select 0", "+OK\r\n"),
		// The transaction's own writes do not fail it (keys are unwatched at EXEC).
		rc("watch x", "+OK\r\n"),
		rc("multi", "+OK\r\n"),
		rc("set x 1", "+QUEUED\r\n"),
		rc("set x 2", "+QUEUED\r\n"),
		rc("exec", "*2\r\n+OK\r\n+OK\r\n"),
	})
}

func TestWatchDirtiedWhileQueuing(t *testing.T) {
	e := newTestEnv(t)
	c, o := e.newClient(), e.newClient()
	e.expect(c, []replyCase{
		rc("watch x y", "+OK\r\n"),
		rc("multi", "+OK\r\n"),
		rc("set a 1", "+QUEUED\r\n"),
	})
	if c.Counts.Multi != 1 || c.Counts.Watch != 2 {
		t.Fatalf("counts %+v", c.Counts)
	}
	e.do(o, "set", "y", "1")
	// Marked dirty: the queue is dropped and the keys unwatched at once.
	if c.Flags&ClientDirtyCAS == 0 || c.Counts.Multi != 0 || c.Counts.Watch != 0 || e.srv.WatchedKeys() != 0 {
		t.Fatalf("after the touch: flags %b counts %+v watched %d", c.Flags, c.Counts, e.srv.WatchedKeys())
	}
	e.expect(c, []replyCase{
		rc("set b 1", "+QUEUED\r\n"),
		rc("exec", casFailed),
		rc("exists a b", ":0\r\n"),
	})
}

func TestWatchExpiry(t *testing.T) {
	e, clk := fakeClockEnv(t)
	c, o := e.newClient(), e.newClient()
	tick := func(ms int64) { clk.Ms += ms; e.srv.nowMs = 0 }

	// A watched key that expires before EXEC fails it, even unread.
	e.do(o, "set", "key", "1", "px", "100")
	e.do(c, "watch", "key")
	tick(101)
	e.expect(c, []replyCase{
		rc("multi", "+OK\r\n"),
		rc("incr key", "+QUEUED\r\n"),
		rc("exec", casFailed),
	})
	// So does its deletion by a lookup.
	e.do(o, "set", "key", "1", "px", "100")
	e.do(c, "watch", "key")
	tick(101)
	e.do(o, "get", "key")
	if got := cas(e, c, o, []string{"key"}, nil); got != casFailed {
		t.Errorf("lazily expired after WATCH: %q", got)
	}

	// A key already expired when watched is missing: its lazy deletion is
	// no change.
	for _, between := range [][][]string{
		nil,
		{{"exists", "x"}},
		{{"flushdb"}},
		{{"del", "x"}},
	} {
		e.do(o, "flushall")
		e.do(o, "set", "x", "foo", "px", "1")
		tick(2)
		if got := cas(e, c, o, []string{"x"}, between); got != casOK {
			t.Errorf("stale key, then %q: exec = %q", between, got)
		}
	}
	// But its creation after the lazy delete is.
	e.do(o, "set", "x", "foo", "px", "1")
	tick(2)
	if got := cas(e, c, o, []string{"x"}, [][]string{{"set", "x", "bar"}}); got != casFailed {
		t.Errorf("stale key, then SET: exec = %q", got)
	}
}

func TestWatchSwapDBStaleKeys(t *testing.T) {
	e, clk := fakeClockEnv(t)
	c, o := e.newClient(), e.newClient()
	tick := func(ms int64) { clk.Ms += ms; e.srv.nowMs = 0 }
	stale := func(db string) {
		e.do(o, "select", db)
		e.do(o, "set", "x", "foo", "px", "1")
	}
	for _, tc := range []struct {
		name  string
		setup func()
		want  string
	}{
		{"stale key replaced by nothing", func() { stale("1") }, casOK},
		{"nothing replaced by a stale key", func() { stale("0") }, casOK},
		{"stale key replaced by a stale key", func() { stale("0"); stale("1") }, casOK},
		{"stale key replaced by a live key", func() { stale("1"); e.do(o, "select", "0"); e.do(o, "set", "x", "live") }, casFailed},
	} {
		e.do(o, "flushall")
		tc.setup()
		tick(2)
		e.do(c, "select", "1")
		if got := cas(e, c, o, []string{"x"}, [][]string{{"swapdb", "0", "1"}}); got != tc.want {
			t.Errorf("%s: exec = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestWatchActiveExpiry(t *testing.T) {
	e, clk := fakeClockEnv(t)
	c, o := e.newClient(), e.newClient()
	e.do(o, "set", "x", "foo", "px", "100")
	e.do(c, "watch", "x")
	clk.Ms += 200
	e.srv.nowMs = 0
	// The active cycle deleting the key is a change, as a lookup's is.
	e.srv.DB(0).confirmExpired([]byte("x"), clk.Ms)
	if e.srv.DB(0).Len() != 0 {
		t.Fatal("key not expired")
	}
	if c.Flags&ClientDirtyCAS == 0 {
		t.Fatal("active expiry of a watched key did not touch it")
	}
}

func TestWatchFreedClientLeavesNothing(t *testing.T) {
	e := newTestEnv(t)
	c1, c2, o := e.newClient(), e.newClient(), e.newClient()
	e.do(c1, "watch", "a", "b")
	e.do(c2, "watch", "b", "c")
	e.do(c2, "watch", "b") // already watched
	if n := e.srv.WatchedKeys(); n != 3 {
		t.Fatalf("watched keys = %d, want 3", n)
	}
	if c2.Counts.Watch != 2 {
		t.Fatalf("c2 watches %d keys, want 2", c2.Counts.Watch)
	}
	e.do(c1, "multi")
	e.do(c1, "set", "q", "1")
	e.srv.FreeClient(c1)
	if n := e.srv.WatchedKeys(); n != 2 {
		t.Fatalf("watched keys after c1 left = %d, want 2", n)
	}
	if l := e.srv.DB(0).watched["b"]; len(l) != 1 || l[0].c != c2 {
		t.Fatalf("watchers of b = %v", l)
	}
	e.do(o, "set", "a", "1")
	e.do(o, "set", "b", "1")
	if c2.Flags&ClientDirtyCAS == 0 || e.srv.WatchedKeys() != 0 {
		t.Fatal("the remaining watcher was not touched")
	}
	// Several watchers of one key are all touched.
	e.do(c1, "unwatch")
	c3 := e.newClient()
	e.do(c2, "unwatch")
	e.do(c2, "watch", "k")
	e.do(c3, "watch", "k", "j")
	e.do(o, "del", "k")
	e.do(o, "set", "k", "v")
	if c2.Flags&ClientDirtyCAS == 0 || c3.Flags&ClientDirtyCAS == 0 || e.srv.WatchedKeys() != 0 {
		t.Fatal("not every watcher was touched")
	}
}

func TestWatchFlushAllSeveralKeysOneClient(t *testing.T) {
	e := newTestEnv(t)
	c, o := e.newClient(), e.newClient()
	e.do(o, "mset", "a", "a", "b", "b")
	e.do(c, "watch", "b", "a")
	e.do(o, "flushall")
	e.expect(c, []replyCase{
		rc("ping", "+PONG\r\n"),
		rc("multi", "+OK\r\n"),
		rc("ping", "+QUEUED\r\n"),
		rc("exec", casFailed),
		rc("unwatch", "+OK\r\n"),
	})
	if e.srv.WatchedKeys() != 0 {
		t.Fatal("keys still watched")
	}
}

func TestMultiClientListFields(t *testing.T) {
	e := newTestEnv(t)
	c, o := e.newClient(), e.newClient()
	info := func() string {
		return string(e.srv.appendClientInfo(nil, c, e.srv.Clock.NowMs()))
	}
	if l := info(); !strings.Contains(l, " flags=N ") || !strings.Contains(l, " multi=-1 watch=0 ") || !strings.Contains(l, " multi-mem=0 ") {
		t.Fatalf("new client: %s", l)
	}
	e.do(c, "watch", "x", "y")
	if l := info(); !strings.Contains(l, " flags=N ") || !strings.Contains(l, " multi=0 watch=2 ") {
		t.Fatalf("after WATCH: %s", l)
	}
	e.do(c, "multi")
	e.do(c, "client", "info") // 6+4 bytes and two argument pointers: 26, as Valkey
	if l := info(); !strings.Contains(l, " flags=x ") || !strings.Contains(l, " multi=1 watch=2 ") || !strings.Contains(l, " multi-mem=26 ") {
		t.Fatalf("in MULTI: %s", l)
	}
	e.do(o, "set", "x", "1")
	if l := info(); !strings.Contains(l, " flags=xd ") || !strings.Contains(l, " multi=0 watch=0 ") {
		t.Fatalf("dirty: %s", l)
	}
	var w infoWriter
	e.do(c, "discard")
	e.do(c, "watch", "x")
	e.srv.infoClients(&w)
	if s := string(w.b); !strings.Contains(s, "watching_clients:1\r\n") || !strings.Contains(s, "total_watched_keys:1\r\n") {
		t.Fatalf("INFO clients:\n%s", s)
	}
	// Inside EXEC the client is still in MULTI.
	e.do(c, "multi")
	e.do(c, "client", "info")
	r := e.do(c, "exec")
	if !strings.Contains(r, " flags=x ") || !strings.Contains(r, " multi=1 ") || !strings.Contains(r, " cmd=exec ") || !strings.Contains(r, " argv-mem=4 ") {
		t.Fatalf("CLIENT INFO inside EXEC: %q", r)
	}
}

func TestMultiBlockingCommandsDoNotBlock(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	e.expect(c, []replyCase{
		rc("multi", "+OK\r\n"),
		rc("blpop empty 0", "+QUEUED\r\n"),
		rc("brpop empty 0", "+QUEUED\r\n"),
		rc("brpoplpush empty1 empty2 0", "+QUEUED\r\n"),
		rc("blmove empty1 empty2 LEFT LEFT 0", "+QUEUED\r\n"),
		rc("bzpopmin emptyz 0", "+QUEUED\r\n"),
		rc("bzpopmax emptyz 0", "+QUEUED\r\n"),
		rc("exec", "*6\r\n*-1\r\n*-1\r\n$-1\r\n$-1\r\n*-1\r\n*-1\r\n"),
	})
	if c.blocked != nil || e.srv.BlockingKeys() != 0 {
		t.Fatal("a command inside EXEC blocked")
	}
}

func TestMultiServesBlockedClientsAfterExec(t *testing.T) {
	e := newTestEnv(t)
	waiter, c := e.newClient(), e.newClient()
	if r := e.do(waiter, "blpop", "l", "0"); r != "" {
		t.Fatalf("blpop replied %q", r)
	}
	e.expect(c, []replyCase{
		rc("multi", "+OK\r\n"),
		rc("lpush l a", "+QUEUED\r\n"),
		rc("lpush l b", "+QUEUED\r\n"),
		rc("llen l", "+QUEUED\r\n"),
		// Nobody is served between the transaction's commands.
		rc("exec", "*3\r\n:1\r\n:2\r\n:2\r\n"),
	})
	if r := takeOut(waiter); r != "*2\r\n$1\r\nl\r\n$1\r\nb\r\n" {
		t.Fatalf("waiter got %q after EXEC", r)
	}
	if waiter.link.(*wakeLink).wakes == 0 {
		t.Fatal("waiter not woken")
	}
	e.expect(c, []replyCase{rc("lrange l 0 -1", "*1\r\n$1\r\na\r\n")})
}

func TestMultiSelectInsideExec(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	e.expect(c, []replyCase{
		rc("multi", "+OK\r\n"),
		rc("select 3", "+QUEUED\r\n"),
		rc("set k v", "+QUEUED\r\n"),
		rc("exec", "*2\r\n+OK\r\n+OK\r\n"),
		rc("get k", "$1\r\nv\r\n"),
		rc("select 0", "+OK\r\n"),
		rc("exists k", ":0\r\n"),
	})
}

func TestMultiBufferReuseIsBounded(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	big := strings.Repeat("x", maxKeptQueuedBuf+1)
	e.do(c, "multi")
	e.do(c, "set", "k", big)
	e.do(c, "set", "j", "small")
	if r := e.do(c, "exec"); r != "*2\r\n+OK\r\n+OK\r\n" {
		t.Fatalf("exec = %q", r)
	}
	if ms := c.multi; ms.n != 0 || ms.cmds[0].buf != nil || ms.cmds[1].buf == nil {
		t.Fatalf("kept buffers: big %d small %d", cap(ms.cmds[0].buf), cap(ms.cmds[1].buf))
	}
	e.do(c, "multi")
	for i := 0; i < maxKeptQueued+1; i++ {
		e.do(c, "ping")
	}
	e.do(c, "exec")
	if c.multi.cmds != nil {
		t.Fatalf("kept %d command slots", len(c.multi.cmds))
	}
}

func TestMultiExecRejectedBeforeAuth(t *testing.T) {
	e := newTestEnv(t)
	e.do(e.newClient(), "config", "set", "requirepass", "foo") // the default user's password (ACL)
	c := e.newClient()
	e.expect(c, []replyCase{
		rc("exec", errReply("EXECABORT Transaction discarded because of: NOAUTH Authentication required.")),
		rc("multi", errReply("NOAUTH Authentication required.")),
	})
}
