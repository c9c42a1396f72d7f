package engine

import (
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/volleydb/volley/engine/config"
	"github.com/volleydb/volley/engine/keyspace"
)

// fakeClockEnv is a test server whose clock the test moves.
func fakeClockEnv(t *testing.T) (*testEnv, *FakeClock) {
	e := newTestEnv(t)
	clk := &FakeClock{Ms: 1_700_000_000_000}
	e.srv.Clock = clk
	e.srv.updateCachedTime(clk.Ms)
	return e, clk
}

func TestDBLazyExpiry(t *testing.T) {
	e, clk := fakeClockEnv(t)
	s := e.srv
	db := s.DB(0)
	k := []byte("k")
	db.Set(k, keyspace.Value{Kind: KindEmbstr, Bytes: []byte("v"), Expire: clk.Ms + 100}, false)
	if db.Len() != 1 || db.ExpiresLen() != 1 {
		t.Fatalf("len %d expires %d", db.Len(), db.ExpiresLen())
	}
	// Valkey expires a key strictly after its time.
	clk.Ms += 100
	s.nowMs = 0
	if _, ok := db.Lookup(k); !ok {
		t.Fatal("key expired at its expiry time, not after it")
	}
	clk.Ms++
	s.nowMs = 0
	if _, ok := db.Lookup(k); ok {
		t.Fatal("expired key visible")
	}
	if db.Len() != 0 || db.ExpiresLen() != 0 || s.Stats.ExpiredKeys != 1 {
		t.Fatalf("after lazy expiry: len %d expires %d expired_keys %d", db.Len(), db.ExpiresLen(), s.Stats.ExpiredKeys)
	}
	if s.Stats.KeyspaceHits != 1 || s.Stats.KeyspaceMisses != 1 {
		t.Fatalf("hits %d misses %d", s.Stats.KeyspaceHits, s.Stats.KeyspaceMisses)
	}
	// lookupNoExpire reports the key missing but leaves it for the cycle.
	db.Set(k, keyspace.Value{Bytes: []byte("v"), Expire: clk.Ms - 1}, false)
	if _, ok := db.LookupFlags(k, lookupNoExpire); ok || db.Len() != 1 {
		t.Fatalf("noexpire: found %v len %d", ok, db.Len())
	}
}

func TestDBSetKeepsExpiresIndexInStep(t *testing.T) {
	e, clk := fakeClockEnv(t)
	db := e.srv.DB(0)
	k := []byte("k")
	db.Set(k, keyspace.Value{Bytes: []byte("a"), Expire: clk.Ms + 1000}, false)
	db.Set(k, keyspace.Value{Bytes: []byte("bb")}, true) // KEEPTTL
	if en, _ := db.Lookup(k); en.Expire() != clk.Ms+1000 || db.ExpiresLen() != 1 {
		t.Fatalf("keepttl: expire %d index %d", en.Expire(), db.ExpiresLen())
	}
	db.Set(k, keyspace.Value{Bytes: []byte("c")}, false)
	if en, _ := db.Lookup(k); en.Expire() != 0 || db.ExpiresLen() != 0 {
		t.Fatalf("plain set: expire %d index %d", en.Expire(), db.ExpiresLen())
	}
	db.SetExpire(k, clk.Ms+5)
	if ex, ok := db.Expires().Get(k); !ok || ex.Expire() != clk.Ms+5 {
		t.Fatalf("SetExpire not indexed")
	}
	if !db.Persist(k) || db.Persist(k) || db.ExpiresLen() != 0 {
		t.Fatalf("persist")
	}
	db.SetExpire(k, clk.Ms+5)
	if !db.Delete(k) || db.Delete(k) || db.ExpiresLen() != 0 || db.Len() != 0 {
		t.Fatalf("delete left %d keys %d expires", db.Len(), db.ExpiresLen())
	}
}

func TestDBAccessClock(t *testing.T) {
	e, clk := fakeClockEnv(t)
	s := e.srv
	db := s.DB(0)
	k := []byte("k")
	en := db.Set(k, keyspace.Value{Bytes: []byte("v")}, false)
	if en.LRU() != lruClockOf(clk.Ms) {
		t.Fatalf("new key lru %d, want %d", en.LRU(), lruClockOf(clk.Ms))
	}
	clk.Ms += 10_000
	s.updateCachedTime(clk.Ms)
	if got := s.idleMs(en); got != 10_000 {
		t.Fatalf("idle %d", got)
	}
	// An overwrite keeps the access time; a lookup refreshes it.
	en = db.Set(k, keyspace.Value{Bytes: []byte("w")}, false)
	if s.idleMs(en) != 10_000 {
		t.Fatalf("overwrite reset the access time")
	}
	en, _ = db.Lookup(k)
	if s.idleMs(en) != 0 {
		t.Fatalf("lookup did not touch")
	}
	// LFU mode: new keys start at the initial counter.
	s.Cfg.MaxMemoryPolicy = config.AllKeysLFU
	en = db.Set([]byte("n"), keyspace.Value{Bytes: []byte("v")}, false)
	if en.LFU() != lfuInitVal {
		t.Fatalf("lfu %d", en.LFU())
	}
}

func TestDBFlushAndSwap(t *testing.T) {
	e, _ := fakeClockEnv(t)
	s := e.srv
	a, b := s.DB(0), s.DB(1)
	a.Set([]byte("x"), keyspace.Value{Bytes: []byte("1")}, false)
	b.Set([]byte("y"), keyspace.Value{Bytes: []byte("2")}, false)
	b.Set([]byte("z"), keyspace.Value{Bytes: []byte("3")}, false)
	a.swapContents(b)
	if a.Len() != 2 || b.Len() != 1 || !b.Exists([]byte("x")) || !a.Exists([]byte("z")) {
		t.Fatalf("swap: %d %d", a.Len(), b.Len())
	}
	if n := a.Flush(true); n != 2 || a.Len() != 0 || a.Exists([]byte("y")) {
		t.Fatalf("flush async removed %d, left %d", n, a.Len())
	}
	a.Set([]byte("again"), keyspace.Value{Bytes: []byte("v")}, false)
	if !a.Exists([]byte("again")) || b.Flush(false) != 1 {
		t.Fatal("database unusable after flush")
	}
	for s.lazyfreePending.Load() != 0 {
		runtime.Gosched() // the background free of the async flush
	}
	if s.lazyfreed.Load() != 2 {
		t.Fatalf("lazyfreed %d", s.lazyfreed.Load())
	}
}

// TestCronTrimsIdleArenas checks that the empty chunks a database's Arena
// keeps after its keys are deleted go back once the cron has seen no chunk
// taken for keyspace.DecayMs, and not before.
func TestCronTrimsIdleArenas(t *testing.T) {
	e, clk := fakeClockEnv(t)
	s := e.srv
	c := e.newClient()
	val := strings.Repeat("v", 200)
	cron := func(ms int64) {
		clk.Ms += ms
		s.nowMs = 0
		s.Cron()
	}
	// churn takes chunks and empties them, and lets the tables shrink
	// (which may take chunks too) in 100 cron ticks.
	churn := func() {
		for i := range 5000 {
			e.do(c, "set", "k"+strconv.Itoa(i), val)
		}
		for i := range 5000 {
			e.do(c, "del", "k"+strconv.Itoa(i))
		}
		for range 100 {
			cron(10)
		}
	}
	churn()
	cron(keyspace.DecayMs / 2)
	churn() // half a period later: the wait starts again
	slab := func() int64 { return s.DB(0).Arena().Stats().SlabBytes }
	kept := slab()
	cron(keyspace.DecayMs - 100*10 - 1) // DecayMs since the first churn, not since the second
	if got := slab(); got != kept {
		t.Fatalf("trimmed while chunks were being taken: %d -> %d", kept, got)
	}
	cron(100*10 + 1) // DecayMs since the last tick of the second churn
	if got := slab(); got >= kept {
		t.Fatalf("idle Arena kept its empty chunks: %d -> %d", kept, got)
	}
	if r := e.do(c, "set", "k", val); r != "+OK\r\n" {
		t.Fatalf("SET after trim: %q", r)
	}
	if r := e.do(c, "get", "k"); r != "$200\r\n"+val+"\r\n" {
		t.Fatalf("GET after trim: %q", r)
	}
}

// With CLIENT NO-TOUCH on, reads leave access times alone but TOUCH still
// touches, also when a script calls it.
func TestNoTouchAndScriptTouch(t *testing.T) {
	e, clk := fakeClockEnv(t)
	c := e.newClient()
	e.do(c, "set", "a", "1")
	e.do(c, "set", "b", "1")
	e.do(c, "set", "g", "1")
	e.do(c, "client", "no-touch", "on")
	clk.Ms += 5000
	e.srv.updateCachedTime(clk.Ms)
	e.do(c, "get", "g")
	e.do(c, "touch", "a")
	e.do(c, "eval", "redis.call('touch', KEYS[1])", "1", "b")
	e.expect(c, []replyCase{
		rc("object idletime g", ":5\r\n"),
		rc("object idletime a", ":0\r\n"),
		rc("object idletime b", ":0\r\n"),
	})
}
