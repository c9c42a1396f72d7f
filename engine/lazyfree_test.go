package engine

import (
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
)

// waitLazyfree waits for the lazy-free collection in flight, if any.
func waitLazyfree(s *Server) {
	for s.gc.running() || s.lazyfreePending.Load() != 0 {
		runtime.Gosched()
	}
}

// The free effort is Valkey's: a list's nodes, not its elements; a
// stream's nodes plus its groups and their pending entries; elements for
// the rest.
func TestFreeEffort(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	e.do(c, "config", "set", "list-max-listpack-size", "4")
	e.do(c, "config", "set", "stream-node-max-entries", "5")
	e.do(c, "config", "set", "set-max-listpack-entries", "16")
	for i := range 100 {
		n := strconv.Itoa(i)
		e.do(c, "rpush", "l", n)
		e.do(c, "sadd", "s", "m"+n)
		e.do(c, "xadd", "x", n+"-1", "f", "v")
	}
	e.do(c, "xgroup", "create", "x", "g1", "0")
	e.do(c, "xgroup", "create", "x", "g2", "0")
	e.do(c, "xreadgroup", "group", "g1", "alice", "count", "3", "streams", "x", ">")
	effort := func(key string) int {
		en, ok := e.srv.DB(0).Keys().Get([]byte(key))
		if !ok {
			t.Fatalf("no %s", key)
		}
		return freeEffort(en.Obj().(Object))
	}
	if got := effort("l"); got != 25 {
		t.Errorf("list of 100 in nodes of 4: effort %d, want 25", got)
	}
	if got := effort("s"); got != 100 {
		t.Errorf("set of 100: effort %d", got)
	}
	if got := effort("x"); got != 20+2*(1+3) {
		t.Errorf("stream of 20 nodes, 2 groups, 3 pending: effort %d", got)
	}
}

// UNLINK of a large value leaves it pending until the collection that
// reclaims it ran; RESETSTAT zeroes lazyfreed_objects.
func TestLazyfreeCounters(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	for i := range 200 {
		e.do(c, "sadd", "s", "m"+strconv.Itoa(i))
	}
	if got := e.do(c, "unlink", "s"); got != ":1\r\n" {
		t.Fatalf("unlink = %q", got)
	}
	waitLazyfree(e.srv)
	_, f := infoFields(t, infoText(t, e, c, "memory"))
	if f["lazyfreed_objects"] != "1" || f["lazyfree_pending_objects"] != "0" {
		t.Errorf("after UNLINK: lazyfreed_objects %s pending %s", f["lazyfreed_objects"], f["lazyfree_pending_objects"])
	}
	e.do(c, "config", "resetstat")
	if _, f := infoFields(t, infoText(t, e, c, "memory")); f["lazyfreed_objects"] != "0" {
		t.Errorf("after RESETSTAT: lazyfreed_objects %s", f["lazyfreed_objects"])
	}
}

// FLUSHDB ASYNC and FLUSHALL ASYNC of databases holding values on the
// Go heap count each database freed only after a forced collection has
// run; FLUSHALL's sixteen share the runner's collections.
func TestFlushAsyncCollects(t *testing.T) {
	for _, tc := range []struct {
		flush string
		dbs   int
	}{{"flushdb", 1}, {"flushall", 16}} {
		e := newTestEnv(t)
		c := e.newClient()
		for db := range tc.dbs {
			e.do(c, "select", strconv.Itoa(db))
			for i := range 200 { // past set-max-listpack-entries: a Go heap value
				e.do(c, "sadd", "s", "m"+strconv.Itoa(i))
			}
		}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		e.do(c, tc.flush, "async")
		waitLazyfree(e.srv)
		runtime.ReadMemStats(&after)
		if forced := after.NumForcedGC - before.NumForcedGC; forced < 1 || e.srv.lazyfreed.Load() != int64(tc.dbs) {
			t.Fatalf("%s async: forced collections %d, lazyfreed %d", tc.flush, forced, e.srv.lazyfreed.Load())
		}
	}
}

// A request made while a collection runs is served by a later one, which
// starts after it; each callback runs once.
func TestGCRunnerServesLateRequests(t *testing.T) {
	var g gcRunner
	var calls atomic.Int32
	release := make(chan struct{})
	g.request(func() { <-release; calls.Add(1) }) // holds the runner in its first batch
	for !g.running() {
		runtime.Gosched()
	}
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	for range 5 {
		g.request(func() { calls.Add(1) })
	}
	close(release)
	for g.running() {
		runtime.Gosched()
	}
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if calls.Load() != 6 || after.NumForcedGC-before.NumForcedGC < 1 {
		t.Fatalf("callbacks %d, forced collections after the late requests %d", calls.Load(), after.NumForcedGC-before.NumForcedGC)
	}
}
