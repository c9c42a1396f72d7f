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

// Idle times and delivery times follow the command clock.
func TestStreamGroupTimes(t *testing.T) {
	e, clk := fakeClockEnv(t)
	c := e.newClient()
	t0 := clk.Ms
	e.do(c, "xadd", "s", "1-0", "a", "1")
	e.do(c, "xadd", "s", "2-0", "a", "2")
	e.do(c, "xgroup", "create", "s", "g", "0")
	e.do(c, "xgroup", "createconsumer", "s", "g", "idler")
	e.do(c, "xreadgroup", "group", "g", "alice", "streams", "s", ">")
	clk.Ms += 100
	ms := func(v int64) string { return ":" + strconv.FormatInt(v, 10) + "\r\n" }
	e.expect(c, []replyCase{
		rc("xpending s g - + 10", "*2\r\n*4\r\n$3\r\n1-0\r\n$5\r\nalice\r\n"+ms(100)+":1\r\n*4\r\n$3\r\n2-0\r\n$5\r\nalice\r\n"+ms(100)+":1\r\n"),
		rc("xpending s g idle 101 - + 10", "*0\r\n"),
		rc("xpending s g idle 100 - + 1", "*1\r\n*4\r\n$3\r\n1-0\r\n$5\r\nalice\r\n"+ms(100)+":1\r\n"),
		rc("xinfo consumers s g", "*2\r\n*8\r\n$4\r\nname\r\n$5\r\nalice\r\n$7\r\npending\r\n:2\r\n$4\r\nidle\r\n"+ms(100)+
			"$8\r\ninactive\r\n"+ms(100)+"*8\r\n$4\r\nname\r\n$5\r\nidler\r\n$7\r\npending\r\n:0\r\n$4\r\nidle\r\n"+ms(100)+
			"$8\r\ninactive\r\n:-1\r\n"),
		// XCLAIM with a minimum idle time the entries lack claims nothing.
		rc("xclaim s g bob 200 1-0 justid", "*0\r\n"),
		// IDLE sets the idle time, RETRYCOUNT the count; JUSTID leaves it.
		rc("xclaim s g bob 50 1-0 idle 30 retrycount 5 justid", "*1\r\n$3\r\n1-0\r\n"),
		rc("xpending s g - + 1", "*1\r\n*4\r\n$3\r\n1-0\r\n$3\r\nbob\r\n"+ms(30)+":5\r\n"),
		// TIME in the future is taken as now; a delivery counts one more.
		rc("xclaim s g bob 0 2-0 time 99999999999999", "*1\r\n*2\r\n$3\r\n2-0\r\n*2\r\n$1\r\na\r\n$1\r\n2\r\n"),
		rc("xpending s g (1-0 + 1", "*1\r\n*4\r\n$3\r\n2-0\r\n$3\r\nbob\r\n:0\r\n:2\r\n"),
	})
	// The consumer's history is delivered again: count and time move.
	clk.Ms += 10
	e.do(c, "xreadgroup", "group", "g", "bob", "streams", "s", "0")
	e.expect(c, []replyCase{rc("xpending s g - + 10 bob", "*2\r\n*4\r\n$3\r\n1-0\r\n$3\r\nbob\r\n:0\r\n:6\r\n*4\r\n$3\r\n2-0\r\n$3\r\nbob\r\n:0\r\n:3\r\n")})
	// XAUTOCLAIM takes what was idle long enough.
	clk.Ms += 40
	e.expect(c, []replyCase{
		rc("xautoclaim s g carol 41 0", "*3\r\n$3\r\n0-0\r\n*0\r\n*0\r\n"),
		rc("xautoclaim s g carol 40 0 count 1", "*3\r\n$3\r\n2-0\r\n*1\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*0\r\n"),
	})
	full := e.do(c, "xinfo", "stream", "s", "full")
	at := strconv.FormatInt(t0+150, 10)
	if !strings.Contains(full, "$5\r\ncarol\r\n$9\r\nseen-time\r\n:"+at+"\r\n$11\r\nactive-time\r\n:"+at+"\r\n") {
		t.Fatalf("xinfo stream full: %q", full)
	}
}

// Notifications, the change counter and WATCH, as Valkey's.
func TestStreamNotificationsAndDirty(t *testing.T) {
	e, _ := fakeClockEnv(t)
	c := e.newClient()
	var events []string
	e.keyEventSpy(func(event, key string, db int) { events = append(events, event+" "+key) })
	e.do(c, "config", "set", "notify-keyspace-events", "KEAn")
	s := e.srv
	step := func(cmd string, dirty int64, want ...string) {
		t.Helper()
		events = events[:0]
		d := s.Dirty
		e.do(c, strings.Fields(cmd)...)
		if s.Dirty-d != dirty {
			t.Errorf("%s: dirty +%d, want +%d", cmd, s.Dirty-d, dirty)
		}
		if strings.Join(events, ",") != strings.Join(want, ",") {
			t.Errorf("%s: events %q, want %q", cmd, events, want)
		}
	}
	step("xadd s 1-0 a 1", 1, "new s", "xadd s")
	step("xadd s 2-0 a 2", 1, "xadd s")
	step("xadd s maxlen 1 3-0 a 3", 1, "xadd s", "xtrim s")
	step("xadd s 2-0 a 2", 0)
	step("xdel s 3-0 9-0", 1, "xdel s")
	step("xdel s 9-0", 0)
	step("xadd s 4-0 a 4", 1, "xadd s")
	step("xadd s 5-0 a 5", 1, "xadd s")
	step("xtrim s maxlen 1", 1, "xtrim s")
	step("xtrim s maxlen 1", 0)
	step("xsetid s 10-0", 1, "xsetid s")
	step("xgroup create s g 0", 1, "xgroup-create s")
	step("xgroup create s2 g 0 mkstream", 1, "new s2", "xgroup-create s2")
	step("xgroup createconsumer s g c", 1, "xgroup-createconsumer s")
	step("xgroup createconsumer s g c", 0)
	step("xreadgroup group g alice streams s >", 2, "xgroup-createconsumer s")
	step("xack s g 5-0 6-0", 1)
	step("xgroup setid s g 0", 1, "xgroup-setid s")
	step("xclaim s g bob 0 5-0", 1, "xgroup-createconsumer s")
	step("xreadgroup group g alice streams s >", 1)
	step("xclaim s g bob 0 5-0", 1)
	step("xgroup delconsumer s g bob", 1, "xgroup-delconsumer s")
	step("xgroup destroy s g", 1, "xgroup-destroy s")
	step("xgroup destroy s g", 0)

	// WATCH sees XADD, XDEL, XTRIM; a read does not touch it.
	c2 := e.newClient()
	e.do(c2, "watch", "s")
	e.do(c, "xrange", "s", "-", "+")
	e.do(c2, "multi")
	e.do(c2, "ping")
	if r := e.do(c2, "exec"); r != "*1\r\n+PONG\r\n" {
		t.Fatalf("exec after a read = %q", r)
	}
	e.do(c2, "watch", "s")
	e.do(c, "xadd", "s", "20-0", "a", "1")
	e.do(c2, "multi")
	if r := e.do(c2, "exec"); r != "*-1\r\n" {
		t.Fatalf("exec after XADD = %q", r)
	}
}

func TestStreamMemoryUsage(t *testing.T) {
	e, _ := fakeClockEnv(t)
	c := e.newClient()
	usage := func() int64 {
		r := e.do(c, "memory", "usage", "s")
		v, err := strconv.ParseInt(strings.TrimSpace(r[1:]), 10, 64)
		if err != nil {
			t.Fatalf("memory usage = %q", r)
		}
		return v
	}
	e.do(c, "xadd", "s", "1-0", "field", "value")
	small := usage()
	for i := 2; i <= 1000; i++ {
		e.do(c, "xadd", "s", strconv.Itoa(i)+"-0", "field", strings.Repeat("v", 20))
	}
	big := usage()
	// About 25 bytes an entry in the listpacks.
	if small < 100 || big < 20000 || big > 200000 {
		t.Fatalf("memory usage %d for one entry, %d for 1000", small, big)
	}
	e.do(c, "xgroup", "create", "s", "g", "0")
	e.do(c, "xreadgroup", "group", "g", "alice", "streams", "s", ">")
	if withPEL := usage(); withPEL < big+1000*24 {
		t.Fatalf("memory usage %d with 1000 pending, %d before", withPEL, big)
	}
}

// TestStreamApproxTrimPropagatesExact: an approximate trim goes to the
// AOF as the exact trim it did (the lines are Valkey 9.0.4's), and a
// replay with other node sizes, LIMIT and all, ends with the same stream.
func TestStreamApproxTrimPropagatesExact(t *testing.T) {
	e, clk := aofEnv(t)
	c := e.newClient()
	e.do(c, "config", "set", "stream-node-max-entries", "10")
	for i := 1; i <= 100; i++ {
		e.do(c, "xadd", "s", strconv.Itoa(i)+"-0", "f", "v")
	}
	e.expect(c, []replyCase{
		rc("xadd s maxlen ~ 55 limit 30 101-0 f v", "$5\r\n101-0\r\n"),
		rc("xlen s", ":71\r\n"),
		rc("xadd s minid ~ 35 102-0 f v", "$5\r\n102-0\r\n"),
		rc("xtrim s maxlen ~ 40", ":30\r\n"),
		rc("xtrim s maxlen ~ 1000", ":0\r\n"),
		rc("xtrim s MINID ~ 61", ":0\r\n"),
	})
	got := aofCommands(t, e.incrFile(t))
	want := []string{
		"xadd s 100-0 f v",
		"xadd s maxlen = 71 limit 30 101-0 f v",
		"xadd s minid = 31-0 102-0 f v",
		"xtrim s maxlen = 42",
	}
	if len(got) < len(want) || strings.Join(got[len(got)-len(want):], "\n") != strings.Join(want, "\n") {
		t.Fatalf("AOF ends %q, want %q", got[max(len(got)-len(want), 0):], want)
	}
	before := e.digest()
	n := e.reopen(t, clk) // stream-node-max-entries 100 now
	if after := n.digest(); after != before {
		t.Fatalf("replayed digest %s, want %s", after, before)
	}
	n.expect(n.newClient(), []replyCase{rc("xlen s", ":42\r\n")})
}
