package engine

import (
	"strconv"
	"strings"
	"testing"
)

// Expected replies taken from Valkey 9.0.4 unless computed in the test.

func TestStreamRESP3Shapes(t *testing.T) {
	e, _ := fakeClockEnv(t)
	c := e.newClient()
	c.Proto = 3
	e.expect(c, []replyCase{
		rc("flushall", "+OK\r\n"),
		rc("xadd s 1-0 a 1", "$3\r\n1-0\r\n"),
		rc("xadd s 2-0 b 2", "$3\r\n2-0\r\n"),
		rc("xadd t 1-0 c 3", "$3\r\n1-0\r\n"),
		rc("xread streams s t 0 0", "%2\r\n$1\r\ns\r\n*2\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$3\r\n2-0\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nt\r\n*1\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n"),
		rc("xread count 1 streams s t 1-0 0", "%2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n2-0\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nt\r\n*1\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n"),
		rc("xread streams s $", "_\r\n"),
		rc("xgroup create s g 0", "+OK\r\n"),
		rc("xreadgroup group g alice count 1 streams s >", "%1\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n"),
		rc("xpending s g", "*4\r\n:1\r\n$3\r\n1-0\r\n$3\r\n1-0\r\n*1\r\n*2\r\n$5\r\nalice\r\n$1\r\n1\r\n"),
		rc("xinfo groups s", "*1\r\n%6\r\n$4\r\nname\r\n$1\r\ng\r\n$9\r\nconsumers\r\n:1\r\n$7\r\npending\r\n:1\r\n$17\r\nlast-delivered-id\r\n$3\r\n1-0\r\n$12\r\nentries-read\r\n:1\r\n$3\r\nlag\r\n:1\r\n"),
		rc("xinfo stream s", "%10\r\n$6\r\nlength\r\n:2\r\n$15\r\nradix-tree-keys\r\n:1\r\n$16\r\nradix-tree-nodes\r\n:2\r\n$17\r\nlast-generated-id\r\n$3\r\n2-0\r\n$20\r\nmax-deleted-entry-id\r\n$3\r\n0-0\r\n$13\r\nentries-added\r\n:2\r\n$23\r\nrecorded-first-entry-id\r\n$3\r\n1-0\r\n$6\r\ngroups\r\n:1\r\n$11\r\nfirst-entry\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n$10\r\nlast-entry\r\n*2\r\n$3\r\n2-0\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n"),
		rc("xrange s - + count 0", "_\r\n"),
		rc("xadd nokey nomkstream * a b", "_\r\n"),
		rc("xautoclaim s g bob 0 0 justid", "*3\r\n$3\r\n0-0\r\n*1\r\n$3\r\n1-0\r\n*0\r\n"),
	})
}

// Node boundaries decide what approximate trimming removes and what
// XINFO STREAM reports: they must fall where Valkey's do.
func TestStreamNodeLimitsAndTrimming(t *testing.T) {
	e, _ := fakeClockEnv(t)
	c := e.newClient()
	e.do(c, "config", "set", "stream-node-max-entries", "10")
	for i := 1; i <= 35; i++ {
		n := strconv.Itoa(i)
		if r := e.do(c, "xadd", "s", n+"-0", "f", "v"+n); r != bulk(n+"-0") {
			t.Fatalf("xadd %d: %q", i, r)
		}
	}
	e.expect(c, []replyCase{
		rc("xtrim s maxlen ~ 12", ":20\r\n"),
		rc("xlen s", ":15\r\n"),
		rc("xtrim s minid ~ 27", ":0\r\n"),
		rc("xlen s", ":15\r\n"),
		rc("xtrim s minid ~ 27 limit 5", ":0\r\n"),
		rc("xdel s 23-0", ":1\r\n"),
		rc("xtrim s minid 27", ":5\r\n"),
		rc("xlen s", ":9\r\n"),
		rc("xinfo stream s", "*20\r\n$6\r\nlength\r\n:9\r\n$15\r\nradix-tree-keys\r\n:2\r\n$16\r\nradix-tree-nodes\r\n:6\r\n$17\r\nlast-generated-id\r\n$4\r\n35-0\r\n$20\r\nmax-deleted-entry-id\r\n$4\r\n23-0\r\n$13\r\nentries-added\r\n:35\r\n$23\r\nrecorded-first-entry-id\r\n$4\r\n27-0\r\n$6\r\ngroups\r\n:0\r\n$11\r\nfirst-entry\r\n*2\r\n$4\r\n27-0\r\n*2\r\n$1\r\nf\r\n$3\r\nv27\r\n$10\r\nlast-entry\r\n*2\r\n$4\r\n35-0\r\n*2\r\n$1\r\nf\r\n$3\r\nv35\r\n"),
		rc("xadd s maxlen ~ 3 36-0 f v36", "$4\r\n36-0\r\n"),
		rc("xlen s", ":6\r\n"),
	})
	e.do(c, "config", "set", "stream-node-max-entries", "0")
	e.do(c, "config", "set", "stream-node-max-bytes", "60")
	for i := 37; i <= 45; i++ {
		n := strconv.Itoa(i)
		e.do(c, "xadd", "s", n+"-0", "field", "value-"+n)
	}
	e.expect(c, []replyCase{
		rc("xinfo stream s", "*20\r\n$6\r\nlength\r\n:15\r\n$15\r\nradix-tree-keys\r\n:6\r\n$16\r\nradix-tree-nodes\r\n:14\r\n$17\r\nlast-generated-id\r\n$4\r\n45-0\r\n$20\r\nmax-deleted-entry-id\r\n$4\r\n23-0\r\n$13\r\nentries-added\r\n:45\r\n$23\r\nrecorded-first-entry-id\r\n$4\r\n31-0\r\n$6\r\ngroups\r\n:0\r\n$11\r\nfirst-entry\r\n*2\r\n$4\r\n31-0\r\n*2\r\n$1\r\nf\r\n$3\r\nv31\r\n$10\r\nlast-entry\r\n*2\r\n$4\r\n45-0\r\n*2\r\n$5\r\nfield\r\n$8\r\nvalue-45\r\n"),
	})
}

func TestStreamBlockingXreadWokenByXadd(t *testing.T) {
	e, clk := fakeClockEnv(t)
	c1, c2, w := e.newClient(), e.newClient(), e.newClient()
	e.do(w, "xadd", "s", "1-0", "a", "1")
	// "$" is the last ID when the client blocks, not when it is served.
	if r := e.do(c1, "xread", "block", "0", "streams", "s", "$"); r != "" {
		t.Fatalf("blocked client got %q", r)
	}
	if r := e.do(c2, "xread", "count", "1", "block", "0", "streams", "nokey", "s", "0", "$"); r != "" {
		t.Fatalf("blocked client got %q", r)
	}
	if got := string(c1.blocked.argv[5]); got != "1-0" {
		t.Fatalf("$ kept as %q, want the rewritten 1-0", got)
	}
	if e.srv.BlockingKeys() != 2 || e.srv.BlockingKeysOnNoKey() != 0 {
		t.Fatalf("blocking keys %d on nokey %d", e.srv.BlockingKeys(), e.srv.BlockingKeysOnNoKey())
	}
	clk.Ms += 5
	if r := e.do(w, "xadd", "s", "2-0", "b", "2"); r != bulk("2-0") {
		t.Fatalf("xadd = %q", r)
	}
	want := "*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n2-0\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n"
	if r := takeOut(c1); r != want {
		t.Fatalf("c1 got %q", r)
	}
	if r := takeOut(c2); r != want {
		t.Fatalf("c2 got %q", r)
	}
	if c1.blocked != nil || c2.blocked != nil || e.srv.BlockingKeys() != 0 {
		t.Fatal("blocking state left behind")
	}
	// An XADD to a key nobody waits on, and a write of another type to a
	// waited key, serve nobody.
	e.do(c1, "xread", "block", "0", "streams", "s", "$")
	e.do(w, "xadd", "other", "1-0", "a", "1")
	e.do(w, "del", "s")
	e.do(w, "rpush", "s", "x")
	if r := takeOut(c1); r != "" || c1.blocked == nil {
		t.Fatalf("c1 served by another key or type: %q", r)
	}
	// It waits for entries past 2-0, the last ID when it blocked.
	e.do(w, "del", "s")
	e.do(w, "xadd", "s", "1-0", "a", "1")
	if r := takeOut(c1); r != "" {
		t.Fatalf("c1 served an entry before its ID: %q", r)
	}
	e.do(w, "xadd", "s", "3-0", "a", "1")
	if r := takeOut(c1); !strings.Contains(r, "3-0") {
		t.Fatalf("c1 after the stream came back: %q", r)
	}
}

func TestStreamBlockingTimeoutAndMulti(t *testing.T) {
	e, clk := fakeClockEnv(t)
	s := e.srv
	c1, c3, w := e.newClient(), e.newClient(), e.newClient()
	c3.Proto = 3
	e.do(c1, "xread", "block", "100", "streams", "s", "0")
	if r := e.do(c3, "xreadgroup", "group", "g", "alice", "block", "50", "streams", "s", ">"); r != "-NOGROUP No such key 's' or consumer group 'g' in XREADGROUP with GROUP option\r\n" {
		t.Fatalf("xreadgroup on a missing key = %q", r)
	}
	e.do(w, "xgroup", "create", "s", "g", "$", "mkstream")
	e.do(c3, "xreadgroup", "group", "g", "alice", "block", "50", "streams", "s", ">")
	if s.BlockedInTimeoutTable() != 2 || s.BlockingKeysOnNoKey() != 1 {
		t.Fatalf("timeout table %d, on nokey %d", s.BlockedInTimeoutTable(), s.BlockingKeysOnNoKey())
	}
	clk.Ms += 50
	s.Cron()
	if takeOut(c1) != "" || takeOut(c3) != "" {
		t.Fatal("timed out early")
	}
	clk.Ms++
	s.Cron()
	if r := takeOut(c3); r != "_\r\n" {
		t.Fatalf("RESP3 timeout = %q", r)
	}
	clk.Ms += 50
	s.Cron()
	if r := takeOut(c1); r != "*-1\r\n" {
		t.Fatalf("timeout = %q", r)
	}
	// Inside MULTI a blocking read that finds nothing answers at once.
	e.do(c1, "multi")
	e.do(c1, "xread", "block", "0", "streams", "s", "$")
	if r := e.do(c1, "exec"); r != "*1\r\n*-1\r\n" {
		t.Fatalf("exec = %q", r)
	}
	if c1.blocked != nil {
		t.Fatal("blocked inside MULTI")
	}
}

func TestStreamBlockingXreadgroup(t *testing.T) {
	e, _ := fakeClockEnv(t)
	c1, c2, w := e.newClient(), e.newClient(), e.newClient()
	e.do(w, "xgroup", "create", "s", "g", "$", "mkstream")
	e.do(c1, "xreadgroup", "group", "g", "alice", "block", "0", "streams", "s", ">")
	e.do(c2, "xreadgroup", "group", "g", "bob", "block", "0", "streams", "s", ">")
	e.do(w, "xadd", "s", "1-0", "a", "1")
	if r := takeOut(c1); r != "*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n" {
		t.Fatalf("alice got %q", r)
	}
	// Bob runs again, finds nothing new and waits on.
	if r := takeOut(c2); r != "" || c2.blocked == nil {
		t.Fatalf("bob got %q", r)
	}
	e.expect(w, []replyCase{rc("xpending s g", "*4\r\n:1\r\n$3\r\n1-0\r\n$3\r\n1-0\r\n*1\r\n*2\r\n$5\r\nalice\r\n$1\r\n1\r\n")})
	// Destroying the group wakes bob with -NOGROUP.
	e.do(w, "xgroup", "destroy", "s", "g")
	if r := takeOut(c2); r != "-NOGROUP No such key 's' or consumer group 'g' in XREADGROUP with GROUP option\r\n" {
		t.Fatalf("bob after destroy: %q", r)
	}
	// So does deleting the key, and overwriting it with another type.
	e.do(w, "xgroup", "create", "s", "g", "$")
	e.do(c1, "xreadgroup", "group", "g", "alice", "block", "0", "streams", "s", ">")
	e.do(w, "del", "s")
	if r := takeOut(c1); !strings.HasPrefix(r, "-NOGROUP") {
		t.Fatalf("alice after del: %q", r)
	}
	e.do(w, "xgroup", "create", "s", "g", "$", "mkstream")
	e.do(c1, "xreadgroup", "group", "g", "alice", "block", "0", "streams", "s", ">")
	e.do(w, "set", "s", "x")
	if r := takeOut(c1); r != "-"+ErrWrongType+"\r\n" {
		t.Fatalf("alice after set: %q", r)
	}
	e.do(w, "del", "s")
	e.do(w, "xgroup", "create", "s", "g", "$", "mkstream")
	e.do(c1, "xreadgroup", "group", "g", "alice", "block", "0", "streams", "s", ">")
	e.do(w, "flushall")
	if r := takeOut(c1); !strings.HasPrefix(r, "-NOGROUP") {
		t.Fatalf("alice after flushall: %q", r)
	}
	if e.srv.BlockingKeys() != 0 {
		t.Fatal("blocking state left behind")
	}
}
