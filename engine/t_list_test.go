package engine

import (
	"fmt"
	"math/big"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/volleydb/volley/engine/config"
	"github.com/volleydb/volley/engine/listpack"
	"github.com/volleydb/volley/engine/rdb"
)

// The expected replies here were captured from Valkey 9.0.4 by sending the
// same commands.

func TestListRepliesMatchValkey(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	e.expect(c, []replyCase{
		rc("flushall", "+OK\r\n"),
		rc("config set list-max-listpack-size -2", "+OK\r\n"),
		// pushes and reads
		rc("lpush l a b c", ":3\r\n"),
		rc("rpush l 1 2 3", ":6\r\n"),
		rc("lpushx nokey a", ":0\r\n"),
		rc("rpushx l x", ":7\r\n"),
		rc("lrange l 0 -1", "*7\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\nx\r\n"),
		rc("lrange l -100 100", "*7\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\nx\r\n"),
		rc("lrange l 5 2", "*0\r\n"),
		rc("lrange l 20 30", "*0\r\n"),
		rc("lrange nokey 0 -1", "*0\r\n"),
		rc("lrange l a 1", "-ERR value is not an integer or out of range\r\n"),
		rc("llen l", ":7\r\n"),
		rc("llen nokey", ":0\r\n"),
		rc("lindex l 0", "$1\r\nc\r\n"),
		rc("lindex l -1", "$1\r\nx\r\n"),
		rc("lindex l 100", "$-1\r\n"),
		rc("lindex nokey x", "$-1\r\n"),
		rc("lindex l x", "-ERR value is not an integer or out of range\r\n"),
		// pops
		rc("lpop l", "$1\r\nc\r\n"),
		rc("rpop l", "$1\r\nx\r\n"),
		rc("lpop l 2", "*2\r\n$1\r\nb\r\n$1\r\na\r\n"),
		rc("rpop l 2", "*2\r\n$1\r\n3\r\n$1\r\n2\r\n"),
		rc("lpop l 0", "*0\r\n"),
		rc("lpop l -1", "-ERR value is out of range, must be positive\r\n"),
		rc("lpop l x", "-ERR value is out of range, must be positive\r\n"),
		rc("lpop nokey", "$-1\r\n"),
		rc("lpop nokey 2", "*-1\r\n"),
		rc("lpop l 1 2", "-ERR wrong number of arguments for 'lpop' command\r\n"),
		rc("rpop l 100", "*1\r\n$1\r\n1\r\n"),
		rc("exists l", ":0\r\n"),
		// set, insert
		rc("rpush l a b c b a", ":5\r\n"),
		rc("lset l 1 B", "+OK\r\n"),
		rc("lset l -1 A", "+OK\r\n"),
		rc("lset l 10 x", "-ERR index out of range\r\n"),
		// Valkey's index is a C int: only the low 32 bits count
		rc("lset l 4294967296 head", "+OK\r\n"),
		rc("lset l -4294967297 tail", "+OK\r\n"),
		rc("lset l -9223372036854775808 first", "+OK\r\n"),
		rc("lset l 4294967306 x", "-ERR index out of range\r\n"),
		rc("lrange l 0 -1", "*5\r\n$5\r\nfirst\r\n$1\r\nB\r\n$1\r\nc\r\n$1\r\nb\r\n$4\r\ntail\r\n"),
		rc("lset l 0 a", "+OK\r\n"),
		rc("lset l -1 A", "+OK\r\n"),
		rc("lset nokey 0 x", "-ERR no such key\r\n"),
		rc("lset l x y", "-ERR value is not an integer or out of range\r\n"),
		rc("linsert l before B X", ":6\r\n"),
		rc("linsert l after A Z", ":7\r\n"),
		rc("linsert l before nothere Y", ":-1\r\n"),
		rc("linsert l middle B Y", "-ERR syntax error\r\n"),
		rc("linsert nokey before a b", ":0\r\n"),
		rc("lrange l 0 -1", "*7\r\n$1\r\na\r\n$1\r\nX\r\n$1\r\nB\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\nA\r\n$1\r\nZ\r\n"),
		// lrem
		rc("rpush r a b a c a", ":5\r\n"),
		rc("lrem r 1 a", ":1\r\n"),
		rc("lrem r -1 a", ":1\r\n"),
		rc("lrem r 0 a", ":1\r\n"),
		rc("lrem r 0 zz", ":0\r\n"),
		rc("lrem r x a", "-ERR value is not an integer or out of range\r\n"),
		rc("lrem r -9223372036854775808 a", "-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n"),
		rc("lrem nokey 1 a", ":0\r\n"),
		rc("lrange r 0 -1", "*2\r\n$1\r\nb\r\n$1\r\nc\r\n"),
		// ltrim
		rc("rpush t 1 2 3 4 5 6", ":6\r\n"),
		rc("ltrim t 1 -2", "+OK\r\n"),
		rc("lrange t 0 -1", "*4\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n"),
		rc("ltrim t 5 1", "+OK\r\n"),
		rc("exists t", ":0\r\n"),
		rc("ltrim nokey 0 1", "+OK\r\n"),
		rc("ltrim t a 1", "-ERR value is not an integer or out of range\r\n"),
		// lpos
		rc("rpush p a b c 1 2 3 c c", ":8\r\n"),
		rc("lpos p c", ":2\r\n"),
		rc("lpos p c rank 2", ":6\r\n"),
		rc("lpos p c rank -1", ":7\r\n"),
		rc("lpos p c count 0", "*3\r\n:2\r\n:6\r\n:7\r\n"),
		rc("lpos p c count 2 rank 2", "*2\r\n:6\r\n:7\r\n"),
		rc("lpos p c rank -1 count 0", "*3\r\n:7\r\n:6\r\n:2\r\n"),
		rc("lpos p c maxlen 3", ":2\r\n"),
		rc("lpos p c count 0 maxlen 4", "*1\r\n:2\r\n"),
		rc("lpos p zz", "$-1\r\n"),
		rc("lpos p zz count 1", "*0\r\n"),
		rc("lpos nokey a", "$-1\r\n"),
		rc("lpos nokey a count 1", "*0\r\n"),
		rc("lpos p c rank 0", "-ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list\r\n"),
		rc("lpos p c count -1", "-ERR COUNT can't be negative\r\n"),
		rc("lpos p c maxlen -1", "-ERR MAXLEN can't be negative\r\n"),
		rc("lpos p c count x", "-ERR COUNT can't be negative\r\n"),
		rc("lpos p c rank -9223372036854775808", "-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n"),
		rc("lpos p c rank", "-ERR syntax error\r\n"),
		rc("lpos p c foo 1", "-ERR syntax error\r\n"),
		rc("lpos p 1", ":3\r\n"),
		rc("lpos p 01", "$-1\r\n"),
		// move
		rc("rpush m1 a b c", ":3\r\n"),
		rc("lmove m1 m2 left right", "$1\r\na\r\n"),
		rc("lmove m1 m2 right left", "$1\r\nc\r\n"),
		rc("lmove m1 m1 left right", "$1\r\nb\r\n"),
		rc("lrange m1 0 -1", "*1\r\n$1\r\nb\r\n"),
		rc("lrange m2 0 -1", "*2\r\n$1\r\nc\r\n$1\r\na\r\n"),
		rc("lmove m1 m2 up left", "-ERR syntax error\r\n"),
		rc("lmove nokey m2 left left", "$-1\r\n"),
		rc("rpoplpush m1 m2", "$1\r\nb\r\n"),
		rc("rpoplpush m1 m2", "$-1\r\n"),
		rc("exists m1", ":0\r\n"),
		rc("lrange m2 0 -1", "*3\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\na\r\n"),
		// mpop
		rc("lmpop 2 nokey m2 left", "*2\r\n$2\r\nm2\r\n*1\r\n$1\r\nb\r\n"),
		rc("lmpop 2 nokey m2 right count 10", "*2\r\n$2\r\nm2\r\n*2\r\n$1\r\na\r\n$1\r\nc\r\n"),
		rc("lmpop 1 nokey left", "*-1\r\n"),
		rc("lmpop 0 m2 left", "-ERR numkeys should be greater than 0\r\n"),
		rc("lmpop x m2 left", "-ERR numkeys should be greater than 0\r\n"),
		// numkeys + 2 past LONG_MAX: a syntax error, not a wrapped index
		rc("lmpop 9223372036854775806 m2 left", "-ERR syntax error\r\n"),
		rc("lmpop 9223372036854775807 m2 left count 1", "-ERR syntax error\r\n"),
		rc("blmpop 0 9223372036854775807 m2 left", "-ERR syntax error\r\n"),
		rc("lmpop 3 a b left", "-ERR syntax error\r\n"),
		rc("lmpop 1 m2 middle", "-ERR syntax error\r\n"),
		rc("lmpop 1 m2 left count 0", "-ERR count should be greater than 0\r\n"),
		rc("lmpop 1 m2 left count 1 count 1", "-ERR syntax error\r\n"),
		rc("lmpop 1 m2 left foo", "-ERR syntax error\r\n"),
		// wrong types
		rc("set s v", "+OK\r\n"),
		rc("lpush s a", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
		rc("lpushx s a", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
		rc("lrange s 0 1", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
		rc("llen s", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
		rc("lindex s 0", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
		rc("lset s 0 a", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
		rc("linsert s before a b", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
		rc("lrem s 0 a", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
		rc("ltrim s 0 1", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
		rc("lpos s a", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
		rc("lpop s", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
		rc("lmove s l left left", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
		rc("lmove l s left left", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
		rc("lmpop 2 nokey s left", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
		rc("rpush ints 1 -1 300 -4096 70000 9223372036854775807 -9223372036854775808 18446744073709551616 01 +1", ":10\r\n"),
		rc("lrange ints 0 -1", "*10\r\n$1\r\n1\r\n$2\r\n-1\r\n$3\r\n300\r\n$5\r\n-4096\r\n$5\r\n70000\r\n$19\r\n9223372036854775807\r\n$20\r\n-9223372036854775808\r\n$20\r\n18446744073709551616\r\n$2\r\n01\r\n$2\r\n+1\r\n"),
		rc("lpos ints 300", ":2\r\n"),
		rc("lpos ints 0300", "$-1\r\n"),
		rc("lrem ints 0 -1", ":1\r\n"),
	})
}

func TestListRESP3Nulls(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	c.Proto = 3
	e.expect(c, []replyCase{
		rc("flushall", "+OK\r\n"),
		rc("lpop nokey", "_\r\n"),
		rc("lpop nokey 2", "_\r\n"),
		rc("lpos nokey a", "_\r\n"),
		rc("lindex nokey 0", "_\r\n"),
		rc("lmpop 1 nokey left", "_\r\n"),
		rc("lmove nokey x left left", "_\r\n"),
		rc("rpush l a b", ":2\r\n"),
		rc("lpop l 0", "*0\r\n"),
		rc("lrange nokey 0 1", "*0\r\n"),
	})
}

// TestListEncodingTransitions pushes 100-byte elements one at a time and
// pops them again, recording where OBJECT ENCODING changes; the points are
// Valkey's for each list-max-listpack-size.
func TestListEncodingTransitions(t *testing.T) {
	want := map[string]string{
		"-2": "push1=listpack push80=quicklist pop39=listpack pop0=none",
		"-1": "push1=listpack push40=quicklist pop19=listpack pop0=none",
		"5":  "push1=listpack push6=quicklist pop2=listpack pop0=none",
		"0":  "push1=listpack push2=quicklist pop0=none",
		"1":  "push1=listpack push2=quicklist pop0=none",
	}
	v := strings.Repeat("v", 100)
	for fill, w := range want {
		e := newTestEnv(t)
		c := e.newClient()
		e.do(c, "config", "set", "list-max-listpack-size", fill)
		enc := func() string {
			switch r := e.do(c, "object", "encoding", "e"); r {
			case "$-1\r\n":
				return "none"
			default:
				return strings.TrimSpace(r[strings.IndexByte(r, '\n')+1:])
			}
		}
		var got []string
		last := ""
		for i := 1; i < 200; i++ {
			e.do(c, "rpush", "e", v)
			if en := enc(); en != last {
				got = append(got, "push"+strconv.Itoa(i)+"="+en)
				last = en
			}
		}
		for i := 198; i >= 0; i-- {
			e.do(c, "rpop", "e")
			if en := enc(); en != last {
				got = append(got, "pop"+strconv.Itoa(i)+"="+en)
				last = en
			}
		}
		if g := strings.Join(got, " "); g != w {
			t.Errorf("fill %s:\n got %s\nwant %s", fill, g, w)
		}
	}
}

func TestListLargeValuesAndConversions(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	big := strings.Repeat("x", 9000) // over the 8 KiB node limit: a plain node
	e.expect(c, []replyCase{
		{[]string{"rpush", "l", "a", big, "b"}, ":3\r\n"},
		rc("object encoding l", bulk("quicklist")),
		{[]string{"lindex", "l", "1"}, bulk(big)},
		{[]string{"lpos", "l", big}, ":1\r\n"},
		{[]string{"lrem", "l", "0", big}, ":1\r\n"},
		// Two nodes: no conversion back yet.
		rc("object encoding l", bulk("quicklist")),
		{[]string{"lset", "l", "0", big}, "+OK\r\n"},
		rc("object encoding l", bulk("quicklist")),
		// The plain node's replacement joins the next node: one packed node.
		rc("lset l 0 small", "+OK\r\n"),
		rc("object encoding l", bulk("listpack")),
		{[]string{"linsert", "l", "after", "small", big}, ":3\r\n"},
		rc("object encoding l", bulk("quicklist")),
		rc("ltrim l 0 0", "+OK\r\n"),
		rc("object encoding l", bulk("listpack")),
		rc("lrange l 0 -1", "*1\r\n"+bulk("small")),
	})
	// A quicklist and its key's TTL survive edits.
	e.do(c, "rpush", "q", big, big)
	e.do(c, "expire", "q", "100")
	e.do(c, "rpop", "q")
	if r := e.do(c, "ttl", "q"); r != ":100\r\n" {
		t.Fatalf("ttl after pop = %q", r)
	}
	// COPY and MEMORY USAGE work on the object encoding.
	if en, ok := e.srv.DB(0).Lookup([]byte("q")); !ok || en.Kind() != kindListQuicklist {
		t.Fatal("q is not a quicklist")
	} else if q := en.Obj().(*quicklist); q.Len() != 1 || q.MemUsage(0) < 9000 {
		t.Fatalf("Len %d MemUsage %d", q.Len(), q.MemUsage(0))
	} else if cl := q.Clone().(*quicklist); &cl.nodes()[0].lp[0] == &q.nodes()[0].lp[0] {
		t.Fatal("Clone shares node memory")
	}
}

// qlCheck compares a quicklist with the oracle and checks its invariants.
func qlCheck(t *testing.T, q *quicklist, want []string) {
	t.Helper()
	if q.count != len(want) {
		t.Fatalf("count %d, want %d", q.count, len(want))
	}
	q.release()
	qlCheckCompression(t, q)
	sum := 0
	for i, n := range q.nodes() {
		if n.count == 0 {
			t.Fatalf("node %d is empty", i)
		}
		if n.lzf {
			b := make([]byte, n.sz)
			if m, err := rdb.LZFDecompress(n.lp, b); err != nil || m != n.sz {
				t.Fatalf("node %d: bad compressed bytes", i)
			}
			n.lp = b
		}
		if !n.plain && (!validListpack(n.lp) || listpackLen(n.lp) != n.count) {
			t.Fatalf("node %d: bad listpack or count %d", i, n.count)
		}
		sum += n.count
	}
	if sum != q.count {
		t.Fatalf("nodes hold %d, count %d", sum, q.count)
	}
	l := listRef{ql: q}
	i := 0
	for pos := l.first(); pos.valid(); pos = l.next(pos) {
		if got := string(l.appendValue(nil, pos)); got != want[i] {
			t.Fatalf("element %d = %q, want %q", i, got, want[i])
		}
		i++
	}
	for j := range want {
		if got := string(l.appendValue(nil, l.index(j))); got != want[j] {
			t.Fatalf("index %d = %q, want %q", j, got, want[j])
		}
		if got := string(l.appendValue(nil, l.index(j-len(want)))); got != want[j] {
			t.Fatalf("index %d = %q, want %q", j-len(want), got, want[j])
		}
	}
}

// qlCheckCompression checks list-compress-depth's rule on a list at
// rest: the depth nodes at each end expanded, every interior node
// compressed unless compression would not save enough.
func qlCheckCompression(t *testing.T, q *quicklist) {
	t.Helper()
	nn := q.numNodes()
	for i, n := range q.nodes() {
		switch {
		case q.depth == 0 || i < q.depth || i >= nn-q.depth:
			if n.lzf {
				t.Fatalf("depth %d: end node %d of %d is compressed", q.depth, i, nn)
			}
		case !n.lzf:
			out := make([]byte, len(n.lp))
			if c := rdb.LZFCompress(n.lp, out); len(n.lp) >= 48 && c > 0 && c+8 < len(n.lp) {
				t.Fatalf("depth %d: interior node %d of %d (%d bytes, %d compressed) is not compressed", q.depth, i, nn, len(n.lp), c)
			}
		}
	}
}

func TestQuicklistRandomOps(t *testing.T) {
	defer setQuicklistPackedThreshold(0)
	for seed := uint64(1); seed <= 30; seed++ {
		r := newRand(seed)
		fills := []int{-1, -2, 1, 2, 3, 0, -5}
		q := newQuicklist(fills[r.IntN(len(fills))], r.IntN(4))
		thresholds := []int64{0, 0, 20, 300}
		setQuicklistPackedThreshold(thresholds[r.IntN(len(thresholds))])
		var want []string
		val := func() string {
			switch r.IntN(5) {
			case 0:
				return strings.Repeat("z", r.IntN(10000))
			case 1:
				return strconv.Itoa(r.IntN(100000))
			default:
				return "v" + strconv.Itoa(r.IntN(50))
			}
		}
		for step := 0; step < 400; step++ {
			n := len(want)
			switch op := r.IntN(7); {
			case op == 0:
				v := val()
				q.pushHead([]byte(v))
				want = append([]string{v}, want...)
			case op == 1:
				v := val()
				q.pushTail([]byte(v))
				want = append(want, v)
			case op == 2 && n > 0:
				head := r.IntN(2) == 0
				q.pop(head)
				if head {
					want = want[1:]
				} else {
					want = want[:n-1]
				}
			case op == 3 && n > 0:
				i, after, v := r.IntN(n), r.IntN(2) == 0, val()
				q.insert(q.index(i), []byte(v), after)
				if after {
					i++
				}
				want = append(want[:i], append([]string{v}, want[i:]...)...)
			case op == 4 && n > 0:
				i, v := r.IntN(n), val()
				q.replace(q.index(i), []byte(v))
				want[i] = v
			case op == 5 && n > 0:
				start, cnt := r.IntN(2*n)-n, r.IntN(5)
				q.delRange(start, cnt)
				s := start
				if s < 0 {
					s += n
				}
				e := min(s+cnt, n)
				want = append(want[:s], want[e:]...)
			case op == 6 && n > 0:
				i := r.IntN(n)
				q.delAt(q.index(i))
				want = append(want[:i], want[i+1:]...)
			}
			qlCheck(t, q, want)
		}
	}
}

// ---- Blocking ----

// takeOut returns and clears what was written to c outside e.do.
func takeOut(c *Client) string {
	s := string(c.Out.Bytes())
	c.Out.Reset()
	return s
}

func TestBlockingServedInFIFOOrderAfterThePush(t *testing.T) {
	e, _ := fakeClockEnv(t)
	c1, c2, c3 := e.newClient(), e.newClient(), e.newClient()
	if r := e.do(c1, "blpop", "k", "0"); r != "" {
		t.Fatalf("blocked client got %q", r)
	}
	e.do(c2, "blpop", "k", "0")
	if c1.Flags&ClientBlocked == 0 || !e.srv.Paused(c1, [][]byte{[]byte("ping")}) {
		t.Fatal("c1 not blocked, or its next commands not held")
	}
	if r := e.do(e.newClient(), "info", "clients"); !strings.Contains(r, "blocked_clients:2\r\n") || !strings.Contains(r, "total_blocking_keys:1\r\n") {
		t.Fatalf("info: %q", r)
	}
	// The pusher sees the length before anyone is served.
	if r := e.do(c3, "rpush", "k", "a", "b", "c"); r != ":3\r\n" {
		t.Fatalf("rpush = %q", r)
	}
	if r := takeOut(c1); r != "*2\r\n$1\r\nk\r\n$1\r\na\r\n" {
		t.Fatalf("c1 got %q", r)
	}
	if r := takeOut(c2); r != "*2\r\n$1\r\nk\r\n$1\r\nb\r\n" {
		t.Fatalf("c2 got %q", r)
	}
	if c1.link.(*wakeLink).wakes != 1 || c1.blocked != nil || c1.Flags&ClientBlocked != 0 {
		t.Fatal("c1 not woken and unblocked")
	}
	e.expect(c3, []replyCase{rc("lrange k 0 -1", "*1\r\n$1\r\nc\r\n")})
	if e.srv.BlockingKeys() != 0 || len(e.srv.blocking.clients) != 0 {
		t.Fatal("blocking state left behind")
	}
	// Counted once, when served.
	if r := e.do(c3, "info", "commandstats"); !strings.Contains(r, "cmdstat_blpop:calls=2,") {
		t.Fatalf("commandstats: %q", r)
	}
}

func TestBlockingMultipleKeysAndTypes(t *testing.T) {
	e, _ := fakeClockEnv(t)
	c1, c2 := e.newClient(), e.newClient()
	e.do(c1, "brpop", "k1", "k2", "k1", "0")
	// A string at a waited key does not serve, nor does a list elsewhere.
	e.do(c2, "set", "k1", "str")
	e.do(c2, "rpush", "other", "x")
	if takeOut(c1) != "" || c1.blocked == nil {
		t.Fatal("served by the wrong key")
	}
	// Served through k2, the command runs again and meets the string at
	// k1 first: WRONGTYPE, as in Valkey.
	e.do(c2, "rpush", "k2", "a", "b")
	if r := takeOut(c1); r != errReply(ErrWrongType) {
		t.Fatalf("c1 got %q", r)
	}
	e.do(c2, "del", "k1")
	e.expect(c1, []replyCase{
		rc("brpop k1 k2 0", "*2\r\n$2\r\nk2\r\n$1\r\nb\r\n"),
		rc("brpop k1 k2 0", "*2\r\n$2\r\nk2\r\n$1\r\na\r\n"),
		rc("brpop k1 k2 0", ""),
	})
	e.do(c2, "rpush", "k2", "a", "b")
	if r := takeOut(c1); r != "*2\r\n$2\r\nk2\r\n$1\r\nb\r\n" {
		t.Fatalf("c1 got %q", r)
	}
	// Served from the first key that has elements, in argument order.
	e.do(c2, "del", "k1")
	e.do(c2, "rpush", "k1", "x")
	e.expect(c1, []replyCase{rc("blpop k1 k2 0", "*2\r\n$2\r\nk1\r\n$1\r\nx\r\n")})
	// BLMPOP with COUNT when served.
	e.do(c1, "blmpop", "0", "2", "n1", "n2", "right", "count", "5")
	e.do(c2, "rpush", "n2", "a", "b", "c")
	if r := takeOut(c1); r != "*2\r\n$2\r\nn2\r\n*3\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n" {
		t.Fatalf("blmpop got %q", r)
	}
}

func TestBlockingMoveChainAndWrongType(t *testing.T) {
	e, _ := fakeClockEnv(t)
	c1, c2, c3 := e.newClient(), e.newClient(), e.newClient()
	e.do(c1, "blmove", "src", "dst", "left", "right", "0")
	e.do(c2, "blpop", "dst", "0")
	e.do(c3, "lpush", "src", "v")
	if r := takeOut(c1); r != "$1\r\nv\r\n" {
		t.Fatalf("blmove got %q", r)
	}
	if r := takeOut(c2); r != "*2\r\n$3\r\ndst\r\n$1\r\nv\r\n" {
		t.Fatalf("blpop on dst got %q", r)
	}
	e.expect(c3, []replyCase{rc("exists src dst", ":0\r\n")})
	// The destination turned into a string while waiting: the command run
	// again fails as LMOVE would.
	e.do(c1, "brpoplpush", "src", "dst", "0")
	e.do(c3, "set", "dst", "x")
	e.do(c3, "rpush", "src", "v")
	if r := takeOut(c1); r != errReply(ErrWrongType) {
		t.Fatalf("got %q", r)
	}
	e.expect(c3, []replyCase{rc("llen src", ":1\r\n")})
}

func TestBlockingTimeout(t *testing.T) {
	e, clk := fakeClockEnv(t)
	s := e.srv
	c1, c2 := e.newClient(), e.newClient()
	e.do(c1, "blpop", "k", "1.5")
	e.do(c2, "blmove", "a", "b", "left", "left", "0.001")
	e.do(e.newClient(), "blpop", "forever", "0")
	if s.BlockedInTimeoutTable() != 2 {
		t.Fatalf("timeout table %d", s.BlockedInTimeoutTable())
	}
	clk.Ms += 1
	s.Cron()
	if takeOut(c1) != "" || takeOut(c2) != "" {
		t.Fatal("timed out early")
	}
	clk.Ms += 1
	s.Cron()
	if r := takeOut(c2); r != "*-1\r\n" { // a null array, even for BLMOVE, as Valkey
		t.Fatalf("blmove timeout = %q", r)
	}
	clk.Ms += 1499
	s.Cron()
	if r := takeOut(c1); r != "*-1\r\n" {
		t.Fatalf("blpop timeout = %q", r)
	}
	// Under traffic a deadline is noticed after the next command, without
	// waiting for the cron.
	e.do(c1, "blpop", "k", "0.01")
	clk.Ms += 11
	e.do(c2, "ping")
	if r := takeOut(c1); r != "*-1\r\n" {
		t.Fatalf("timeout after a command = %q", r)
	}
	c3 := e.newClient()
	c3.Proto = 3
	e.do(c3, "blmpop", "0.5", "1", "k", "left")
	clk.Ms += 501
	s.Cron()
	if r := takeOut(c3); r != "_\r\n" {
		t.Fatalf("RESP3 timeout = %q", r)
	}
	if c1.blocked != nil || c3.blocked != nil || len(s.blocking.clients) != 1 {
		t.Fatal("timed out clients still blocked")
	}
	if r := e.do(c1, "info", "commandstats"); !strings.Contains(r, "cmdstat_blpop:calls=2,") {
		t.Fatalf("commandstats: %q", r)
	}
	// Deadlines as Valkey computes them: ceil of seconds*1000 in long double.
	for arg, ms := range map[string]int64{".07": 70, "1.012": 1013, "0.0015": 2, "0": 0, "-0": 0, "-0.0001": 0, "1e-400": 1} {
		c1.Out.Reset()
		got, ok := parseBlockTimeout(c1, []byte(arg))
		if ms > 0 {
			ms += s.Now()
		}
		if !ok || got != ms {
			t.Errorf("timeout %q: %d %v, want %d", arg, got, ok, ms)
		}
	}
	// Timeout errors.
	e.expect(c1, []replyCase{
		rc("blpop k abc", errReply("ERR timeout is not a float or out of range")),
		rc("blpop k -1", errReply("ERR timeout is negative")),
		rc("blpop k inf", errReply("ERR timeout is out of range")),
		rc("blpop k -inf", errReply("ERR timeout is negative")),
		rc("blpop k 9223372036854775", errReply("ERR timeout is out of range")),
		rc("brpoplpush a b nan", errReply("ERR timeout is not a float or out of range")),
		rc("blmove a b left up 1", errReply(ErrSyntax)),
		rc("blmpop 0 0 k left", errReply(errNumkeys)),
		rc("blmpop x 1 k left", errReply("ERR timeout is not a float or out of range")),
	})
}

func TestBlockingClientUnblockAndDisconnect(t *testing.T) {
	e, _ := fakeClockEnv(t)
	s := e.srv
	c1, c2, admin := e.newClient(), e.newClient(), e.newClient()
	e.do(c1, "blpop", "k", "0")
	e.do(c2, "blpop", "k", "0")
	id1, id2 := strconv.Itoa(int(c1.ID)), strconv.Itoa(int(c2.ID))
	e.expect(admin, []replyCase{
		{[]string{"client", "unblock", id1}, ":1\r\n"},
		{[]string{"client", "unblock", id1}, ":0\r\n"},
		{[]string{"client", "unblock", id2, "error"}, ":1\r\n"},
		{[]string{"client", "unblock", id2, "bogus"}, errReply("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR")},
	})
	if r := takeOut(c1); r != "*-1\r\n" {
		t.Fatalf("c1 got %q", r)
	}
	if r := takeOut(c2); r != "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n" {
		t.Fatalf("c2 got %q", r)
	}
	if r := e.do(admin, "info", "commandstats"); !strings.Contains(r, "cmdstat_blpop:calls=2,usec=0,usec_per_call=0.00,rejected_calls=1,failed_calls=0") {
		t.Fatalf("commandstats: %q", r)
	}
	// A client that goes away while blocked leaves nothing behind, and a
	// push afterwards keeps its element.
	e.do(c1, "blpop", "k", "0")
	s.FreeClient(c1)
	if s.BlockingKeys() != 0 || len(s.blocking.clients) != 0 {
		t.Fatal("freed client still waiting")
	}
	e.expect(admin, []replyCase{
		rc("rpush k a", ":1\r\n"),
		rc("llen k", ":1\r\n"),
	})
}

func TestBlockingSwapDBAndTransactionsDenied(t *testing.T) {
	e, _ := fakeClockEnv(t)
	c1, c2 := e.newClient(), e.newClient()
	e.do(c1, "blpop", "k", "0")
	e.do(c2, "select", "1")
	e.do(c2, "rpush", "k", "v")
	if takeOut(c1) != "" {
		t.Fatal("served from another database")
	}
	if r := e.do(c2, "swapdb", "0", "1"); r != "+OK\r\n" {
		t.Fatalf("swapdb = %q", r)
	}
	if r := takeOut(c1); r != "*2\r\n$1\r\nk\r\n$1\r\nv\r\n" {
		t.Fatalf("after swapdb c1 got %q", r)
	}
	// Inside MULTI a blocking command answers as a timeout would.
	e.do(c1, "multi")
	e.expect(c1, []replyCase{
		rc("blpop none 0", "+QUEUED\r\n"),
		rc("blmpop 0 1 none left", "+QUEUED\r\n"),
		rc("blmove none x left left 0", "+QUEUED\r\n"),
		rc("exec", "*3\r\n*-1\r\n*-1\r\n$-1\r\n"),
	})
}

func TestListStoredBytesAreAListpack(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	e.do(c, "rpush", "l", "a", "300", "-1")
	en, _ := e.srv.DB(0).Lookup([]byte("l"))
	if en.Kind() != kindListListpack {
		t.Fatalf("kind %x", en.Kind())
	}
	// The record holds Valkey's listpack bytes, as RDB stores them.
	want := "\x10\x00\x00\x00\x03\x00\x81a\x02\xc1\x2c\x02\xdf\xff\x02\xff"
	if got := string(en.Value()); got != want {
		t.Fatalf("bytes %q", got)
	}
}

func validListpack(lp []byte) bool { return listpack.ValidateIntegrity(lp) }

func listpackLen(lp []byte) int { return listpack.Len(lp) }

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 3)) }

// FuzzBlockTimeout checks the timeout parser never panics, and that short
// decimal timeouts give ceil(seconds*1000) ms after the command's time.
func FuzzBlockTimeout(f *testing.F) {
	for _, s := range []string{"0", "1", "0.5", "0.0001", "-1", "inf", "-inf", "nan", "1e3", "0x10", " 1", "9223372036854775", "1.2.3", ""} {
		f.Add(s)
	}
	e, _ := fakeClockEnv(&testing.T{})
	c := e.newClient()
	f.Fuzz(func(t *testing.T, arg string) {
		c.Out.Reset()
		got, ok := parseBlockTimeout(c, []byte(arg))
		if !ok {
			if c.Out.Len() == 0 {
				t.Fatalf("%q: rejected without an error reply", arg)
			}
			return
		}
		if got < 0 {
			t.Fatalf("%q: negative deadline %d", arg, got)
		}
		if len(arg) > 8 || strings.Trim(arg, "0123456789.") != "" || strings.Count(arg, ".") > 1 {
			return
		}
		// Valkey computes in long double, so a value whose exact product is
		// a whole number of ms may come out one more (1.012 s is 1013 ms).
		exact, ok := new(big.Rat).SetString(arg)
		if !ok {
			return
		}
		exact.Mul(exact, big.NewRat(1000, 1))
		want := new(big.Int).Quo(exact.Num(), exact.Denom()).Int64()
		whole := exact.IsInt()
		if !whole {
			want++ // ceil
		}
		now := e.srv.Now()
		if want > 0 {
			want += now
		}
		if got != want && !(whole && want > 0 && got == want+1) {
			t.Fatalf("%q: deadline %d, want %d", arg, got, want)
		}
	})
}

// blockingStateEmpty fails unless the server keeps no trace of any
// blocked client.
func blockingStateEmpty(t *testing.T, s *Server) {
	t.Helper()
	b := &s.blocking
	if len(b.waiting) != 0 || len(b.clients) != 0 || len(b.ready) != 0 || len(b.readySet) != 0 ||
		b.deadline != 0 || b.byType != [numBlockTypes]int{} || b.handling || b.nested != 0 || b.reexec != nil {
		t.Fatalf("blocking state left: waiting %v clients %d ready %v set %v deadline %d byType %v",
			b.waiting, len(b.clients), b.ready, b.readySet, b.deadline, b.byType)
	}
	if s.BlockingKeys() != 0 || s.BlockedInTimeoutTable() != 0 {
		t.Fatal("INFO still counts blocked clients")
	}
}

// Clients that disconnect while blocked, on several keys, databases,
// commands and deadlines, leave nothing behind, and the keys they waited
// on go to the clients still waiting.
func TestBlockingDisconnectLeavesNothingBehind(t *testing.T) {
	e, _ := fakeClockEnv(t)
	s := e.srv
	pusher := e.newClient()
	cmds := [][]string{
		{"blpop", "a", "b", "a", "0"},
		{"brpop", "b", "c", "1.5"},
		{"blmove", "a", "dst", "left", "right", "0"},
		{"brpoplpush", "c", "dst", "100"},
		{"blmpop", "0", "3", "a", "b", "c", "left", "count", "2"},
		{"bzpopmin", "z", "a", "0"},
		{"bzmpop", "7", "2", "z", "y", "max"},
	}
	var clients []*Client
	for i := range 70 {
		c := e.newClient()
		if i%3 == 1 {
			e.do(c, "select", "1")
		}
		if r := e.do(c, cmds[i%len(cmds)]...); r != "" {
			t.Fatalf("%v replied %q instead of blocking", cmds[i%len(cmds)], r)
		}
		clients = append(clients, c)
	}
	if r := e.do(pusher, "info", "clients"); !strings.Contains(r, "blocked_clients:70\r\n") {
		t.Fatalf("info: %q", r)
	}
	// Every client but the last waiting on "a" in db 0 goes away.
	var last *Client
	for _, c := range clients {
		if c.db().ID == 0 && slices.Contains(c.blocked.keys, "a") && c.blocked.btype == blockList {
			if last != nil {
				s.FreeClient(last)
			}
			last = c
			continue
		}
		s.FreeClient(c)
	}
	if len(s.blocking.clients) != 1 || s.BlockingKeys() != len(last.blocked.keys) {
		t.Fatalf("%d blocked, %d keys left, want 1 client", len(s.blocking.clients), s.BlockingKeys())
	}
	// It is served by the push, as the command it ran says.
	replies := map[string]string{
		"blpop":  "*2\r\n$1\r\na\r\n$1\r\nx\r\n",
		"blmove": "$1\r\nx\r\n",
		"blmpop": "*2\r\n$1\r\na\r\n*2\r\n$1\r\nx\r\n$1\r\ny\r\n",
	}
	name := string(last.blocked.argv[0])
	e.do(pusher, "rpush", "a", "x", "y")
	if got := takeOut(last); got != replies[name] {
		t.Fatalf("%s got %q, want %q", name, got, replies[name])
	}
	blockingStateEmpty(t, s)
	left := ":1\r\n"
	if name == "blmpop" {
		left = ":0\r\n"
	}
	if r := e.do(pusher, "llen", "a"); r != left {
		t.Fatalf("llen a = %q, want %q", r, left)
	}
	// Freeing a client twice, or one that never blocked, is harmless.
	s.FreeClient(last)
	s.FreeClient(pusher)
	blockingStateEmpty(t, s)
}

// list-compress-depth (DEBUG OBJECT checked against Valkey 9.0.4):
// interior nodes are compressed and stay so across reads and edits, and
// every command sees the same elements.
func TestListCompressDepth(t *testing.T) {
	e := newTestEnv(t)
	e.srv.Cfg.EnableDebugCommand = config.PermitYes
	c := e.newClient()
	e.do(c, "config", "set", "list-max-listpack-size", "4")
	e.do(c, "config", "set", "list-compress-depth", "1")
	var want []string
	for i := range 40 {
		v := fmt.Sprintf("element-%02d-%s", i, strings.Repeat("x", 40))
		e.do(c, "rpush", "l", v)
		want = append(want, v)
	}
	ql := func() *quicklist {
		en, ok := e.srv.DB(0).Lookup([]byte("l"))
		if !ok || en.Kind() != kindListQuicklist {
			t.Fatal("l is not a quicklist")
		}
		return en.Obj().(*quicklist)
	}
	check := func() {
		t.Helper()
		q := ql()
		if q.depth != 1 || q.used != nil && len(q.used) != 0 {
			t.Fatalf("depth %d, %v still expanded", q.depth, q.used)
		}
		qlCheckCompression(t, q)
		n := 0
		for _, nd := range q.nodes() {
			if nd.lzf {
				n++
			}
		}
		if n == 0 {
			t.Fatal("nothing compressed")
		}
		var lr strings.Builder
		fmt.Fprintf(&lr, "*%d\r\n", len(want))
		for _, v := range want {
			lr.WriteString(bulk(v))
		}
		if r := e.do(c, "lrange", "l", "0", "-1"); r != lr.String() {
			t.Fatalf("lrange = %q, want %q", r, lr.String())
		}
		qlCheckCompression(t, q)
	}
	check()
	if r := e.do(c, "debug", "object", "l"); !strings.HasSuffix(r, " ql_nodes:10 ql_avg_node:4.00 ql_listpack_max:4 ql_compressed:1 ql_uncompressed_size:2190\r\n") {
		t.Fatalf("debug object: %q", r)
	}
	if r := e.do(c, "lindex", "l", "20"); r != bulk(want[20]) {
		t.Fatalf("lindex = %q", r)
	}
	check()
	e.do(c, "lset", "l", "21", "changed")
	want[21] = "changed"
	check()
	e.do(c, "linsert", "l", "before", want[17], "inserted")
	want = slices.Insert(want, 17, "inserted")
	check()
	e.do(c, "lrem", "l", "0", want[30])
	want = slices.Delete(want, 30, 31)
	check()
	if r := e.do(c, "lpos", "l", want[25]); r != ":25\r\n" {
		t.Fatalf("lpos = %q", r)
	}
	check()
	e.do(c, "ltrim", "l", "3", "-4")
	want = want[3 : len(want)-3]
	check()
	e.do(c, "lpop", "l", "5")
	e.do(c, "rpop", "l", "5")
	want = want[5 : len(want)-5]
	check()
	// COPY keeps the compressed nodes, a new depth applies to new lists only.
	e.do(c, "copy", "l", "l2")
	e.do(c, "config", "set", "list-compress-depth", "0")
	if r := e.do(c, "lrange", "l2", "0", "-1"); r != e.do(c, "lrange", "l", "0", "-1") {
		t.Fatalf("copy differs: %q", r)
	}
	check()
	e.do(c, "sort", "l", "alpha", "store", "l3")
	if r := e.do(c, "debug", "object", "l3", "fast"); !strings.HasSuffix(r, " ql_listpack_max:4 ql_compressed:0\r\n") {
		t.Fatalf("debug object: %q", r)
	}
}
