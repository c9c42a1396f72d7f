package engine

import (
	"math"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/volleydb/volley/engine/config"
	"github.com/volleydb/volley/engine/keyspace"
)

// fillStrings stores n keys prefix0.. with values of size bytes, each with
// the given EX seconds (0 for none).
func (e *testEnv) fillStrings(c *Client, prefix string, n, size, ex int) {
	v := strings.Repeat("v", size)
	for i := range n {
		if ex > 0 {
			e.do(c, "set", prefix+strconv.Itoa(i), v, "ex", strconv.Itoa(ex))
		} else {
			e.do(c, "set", prefix+strconv.Itoa(i), v)
		}
	}
}

// countPrefix counts the keys of db 0 whose name starts with prefix.
func (e *testEnv) countPrefix(prefix string) int {
	n := 0
	e.srv.DB(0).Keys().ForEach(func(en keyspace.Entry) bool {
		if strings.HasPrefix(string(en.Key()), prefix) {
			n++
		}
		return true
	})
	return n
}

// limitBelow sets maxmemory to what is used now less drop bytes. The
// collections eviction may start to refresh its heap figures are turned
// off: the tests want eviction to act on the figures of the moment.
//
// The heap is collected first, so that the figure is live memory: taken
// with garbage in it, a collection the runtime runs during the eviction
// would lower used memory by itself, and fewer keys than the test wants
// would go (seen under -race on CI's two cores).
func (e *testEnv) limitBelow(drop uint64) {
	e.srv.evict.gcMinGapNs = math.MaxInt64
	runtime.GC()
	e.srv.Cfg.MaxMemory = e.srv.usedMemory(true) - drop
}

// evictAll runs eviction passes until one ends it: memory is under the
// limit, or nothing more may be evicted (a command may come while a pass
// is cut short by its time limit, and is then let through).
func (e *testEnv) evictAll() {
	for e.srv.performEvictions() == evictRunning {
	}
}

// Under allkeys-lru the keys nobody touched for a while go first, and the
// memory ends under the limit.
func TestEvictAllKeysLRU(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	e.srv.Cfg.MaxMemoryPolicy = config.AllKeysLRU
	e.srv.updateCachedTime(1_000_000_000)
	e.fillStrings(c, "old:", 2000, 200, 0)
	e.srv.updateCachedTime(1_000_000_000 + 3_600_000) // an hour on
	e.fillStrings(c, "new:", 2000, 200, 0)

	e.limitBelow(200 * 1000) // room for about 1000 fewer keys
	if got := e.do(c, "set", "trigger", "x"); got != "+OK\r\n" {
		t.Fatalf("SET over the limit = %q, want OK after eviction", got)
	}
	e.evictAll()
	if used := e.srv.usedMemory(true); used > e.srv.Cfg.MaxMemory {
		t.Fatalf("used %d over maxmemory %d after eviction", used, e.srv.Cfg.MaxMemory)
	}
	old, recent := e.countPrefix("old:"), e.countPrefix("new:")
	evicted := e.srv.Stats.EvictedKeys
	if evicted < 500 || int64(4000-old-recent) != evicted {
		t.Fatalf("evicted_keys %d, old %d, new %d left", evicted, old, recent)
	}
	// Sampling is approximate, but an hour's difference in idle time
	// decides every comparison that has an old key in the pool.
	if recent < 1950 {
		t.Fatalf("LRU evicted %d recently written keys (old left %d)", 2000-recent, old)
	}
	if info := e.do(c, "info", "stats"); !strings.Contains(info, "\r\nevicted_keys:"+strconv.FormatInt(evicted, 10)+"\r\n") {
		t.Fatalf("INFO lacks evicted_keys:%d", evicted)
	}
}

// The volatile policies evict only keys with a time to live; with none
// left a write is refused with Valkey's OOM error, and reads, DEL and
// EXEC of a read-only queue still run.
func TestEvictVolatileAndOOM(t *testing.T) {
	for _, policy := range []string{"volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"} {
		t.Run(policy, func(t *testing.T) {
			e := newTestEnv(t)
			c := e.newClient()
			e.do(c, "config", "set", "maxmemory-policy", policy)
			e.fillStrings(c, "keep:", 500, 200, 0)
			e.fillStrings(c, "ttl:", 500, 200, 1000)

			e.limitBelow(200 * 200)
			if got := e.do(c, "set", "x", "y"); got != "+OK\r\n" {
				t.Fatalf("SET = %q, want OK: volatile keys are left to evict", got)
			}
			e.evictAll()
			if keep := e.countPrefix("keep:"); keep != 500 {
				t.Fatalf("%d keys without a TTL evicted", 500-keep)
			}
			if ttl := e.countPrefix("ttl:"); ttl > 450 {
				t.Fatalf("%d of 500 volatile keys left", ttl)
			}

			// Now below what the keys without a TTL alone take: once the
			// volatile keys are gone, nothing may go.
			e.srv.Cfg.MaxMemory = 1
			e.evictAll()
			oom := errReply(ErrOOM)
			e.expect(c, []replyCase{
				rc("set a b", oom),
				rc("get keep:1", bulk(strings.Repeat("v", 200))),
				rc("del keep:2", ":1\r\n"),
				rc("multi", "+OK\r\n"),
				rc("set a b", oom),
				rc("exec", errReply("EXECABORT Transaction discarded because of previous errors.")),
				rc("multi", "+OK\r\n"),
				rc("get keep:1", "+QUEUED\r\n"),
				rc("exec", "*1\r\n"+bulk(strings.Repeat("v", 200))),
			})
			if n := e.countPrefix("keep:"); n != 499 {
				t.Fatalf("%d keys without a TTL left, want 499", n)
			}
			if !strings.Contains(e.do(c, "info", "errorstats"), "errorstat_OOM:count=2\r\n") {
				t.Fatalf("errorstats lacks OOM: %q", e.do(c, "info", "errorstats"))
			}
		})
	}
}

// EXEC of a queue that holds a deny-oom command is refused when memory
// ran over while it was being queued.
func TestEvictExecDenyOOM(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	e.fillStrings(c, "k", 100, 100, 0)
	e.expect(c, []replyCase{
		rc("multi", "+OK\r\n"),
		rc("set a b", "+QUEUED\r\n"),
	})
	e.limitBelow(10_000) // noeviction, the default
	e.expect(c, []replyCase{
		rc("exec", errReply("EXECABORT Transaction discarded because of: "+ErrOOM)),
		rc("get a", "$-1\r\n"),
	})
}

// volatile-ttl evicts the keys that expire soonest.
func TestEvictVolatileTTLOrder(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	e.srv.Cfg.MaxMemoryPolicy = config.VolatileTTL
	e.fillStrings(c, "soon:", 1000, 200, 100)
	e.fillStrings(c, "late:", 1000, 200, 100000)
	e.limitBelow(200 * 500)
	e.do(c, "set", "x", "y")
	e.evictAll()
	if late := e.countPrefix("late:"); late < 980 {
		t.Fatalf("volatile-ttl evicted %d late keys (soon left %d)", 1000-late, e.countPrefix("soon:"))
	}
	if soon := e.countPrefix("soon:"); soon > 700 {
		t.Fatalf("%d of 1000 soon-expiring keys left", soon)
	}
}

// A primary in import-mode never evicts: writes get OOM instead.
func TestEvictImportMode(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	e.do(c, "set", "key", "val")
	e.do(c, "config", "set", "import-mode", "yes")
	e.do(c, "config", "set", "maxmemory-policy", "allkeys-lru")
	e.srv.evict.gcMinGapNs = math.MaxInt64
	e.do(c, "config", "set", "maxmemory", "1")
	e.expect(c, []replyCase{
		rc("dbsize", ":1\r\n"),
		rc("set key1 val1", errReply(ErrOOM)),
		rc("config set import-mode no", "+OK\r\n"),
		rc("dbsize", ":0\r\n"),
	})
}

// A key evicted from the Go heap (a large hash) stops counting at once,
// before the collector has freed it, so one eviction is not followed by
// more to pay for memory already let go of.
func TestEvictHeapObjectsCountAtOnce(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	e.srv.Cfg.MaxMemoryPolicy = config.AllKeysRandom
	for h := range 10 {
		args := []string{"hset", "h" + strconv.Itoa(h)}
		for f := range 2000 {
			args = append(args, "field"+strconv.Itoa(f), "value-"+strconv.Itoa(f))
		}
		e.do(c, args...)
	}
	runtime.GC()
	size, _ := e.srv.keyMemoryUsage(0, []byte("h0"), 0)
	if size < 50_000 {
		t.Fatalf("a hash of 2000 fields takes %d bytes", size)
	}
	e.limitBelow(uint64(size) * 3 / 2) // two hashes' worth must go
	e.do(c, "ping")
	e.evictAll()
	if n := e.srv.DB(0).Len(); n < 7 || n > 8 {
		t.Fatalf("%d of 10 hashes left, want 8 (or 7 if a sampled size fell short)", n)
	}
	if used := e.srv.usedMemory(true); used > e.srv.Cfg.MaxMemory {
		t.Fatalf("used %d over maxmemory %d", used, e.srv.Cfg.MaxMemory)
	}
}

// CONFIG SET maxmemory below what is used starts evicting without a
// command to trigger it, and says so in the log.
func TestEvictConfigSetStartsEviction(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	e.srv.Cfg.MaxMemoryPolicy = config.AllKeysRandom
	e.srv.evict.gcMinGapNs = math.MaxInt64
	e.fillStrings(c, "k", 1000, 200, 0)
	limit := e.srv.usedMemory(true) - 200*300
	if got := e.do(c, "config", "set", "maxmemory", strconv.FormatUint(limit, 10)); got != "+OK\r\n" {
		t.Fatalf("CONFIG SET = %q", got)
	}
	if !e.srv.EvictionRunning() {
		t.Fatal("CONFIG SET maxmemory did not start eviction")
	}
	e.evictAll()
	if n := e.srv.DB(0).Len(); n > 750 || n < 500 {
		t.Fatalf("%d of 1000 keys left", n)
	}
}

// The pool keeps the best candidates in ascending order and drops the
// worst when full.
func TestEvictPoolInsert(t *testing.T) {
	var ev evictState
	for i, idle := range []uint64{50, 10, 30, 70, 20, 60, 40} {
		ev.insert([]byte("k"+strconv.Itoa(i)), idle, 0)
	}
	var got []uint64
	for _, cand := range ev.pool {
		if cand.set {
			got = append(got, cand.idle)
		}
	}
	if want := []uint64{10, 20, 30, 40, 50, 60, 70}; !slices.Equal(got, want) {
		t.Fatalf("pool %v, want %v", got, want)
	}
	for i := range 20 {
		ev.insert([]byte("x"+strconv.Itoa(i)), uint64(100+i), 0)
	}
	if first, last := ev.pool[0], ev.pool[evictPoolSize-1]; first.idle != 104 || last.idle != 119 || string(last.key) != "x19" {
		t.Fatalf("full pool from %d to %d (%q)", first.idle, last.idle, last.key)
	}
	ev.insert([]byte("low"), 1, 0)
	if ev.pool[0].idle != 104 {
		t.Fatalf("a worse candidate entered a full pool")
	}
}
