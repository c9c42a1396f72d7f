package engine

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// Forced collections. Three things want the collector to run now rather
// than when allocation would trigger it: eviction, which needs fresh heap
// figures (evict.go); lazy freeing, whose values count as freed only once
// a collection has reclaimed them (lazyfree.go); and FLUSHDB/FLUSHALL
// ASYNC, whose dropped databases are garbage the same way. They share one
// runner, so that at most one forced collection runs at a time, requests
// made while it runs are served together by the next one, and each of
// them sees the others' collections as in flight. (The runtime coalesces
// concurrent runtime.GC calls only in part: a FLUSHALL ASYNC of sixteen
// databases forced 2 to 4 collections with a goroutine calling it per
// database, 2 or 3 through the runner, in 20 runs each.)

// gcRunner runs forced collections on a goroutine of its own.
type gcRunner struct {
	mu      sync.Mutex
	again   bool     // a request came while a collection ran
	pending []func() // callbacks of requests not yet served
	busy    atomic.Bool
}

// request asks for a collection that starts after this call; done, if
// not nil, is called on the runner's goroutine once it has completed.
func (g *gcRunner) request(done func()) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if done != nil {
		g.pending = append(g.pending, done)
	}
	if g.busy.Load() {
		g.again = true
		return
	}
	g.busy.Store(true)
	go g.run()
}

// running reports whether a forced collection is under way.
func (g *gcRunner) running() bool { return g.busy.Load() }

// run collects until no request is left unserved.
func (g *gcRunner) run() {
	for {
		g.mu.Lock()
		batch := g.pending
		g.pending, g.again = nil, false
		g.mu.Unlock()
		runtime.GC()
		for _, f := range batch {
			f()
		}
		g.mu.Lock()
		if !g.again {
			g.busy.Store(false)
			g.mu.Unlock()
			return
		}
		g.mu.Unlock()
	}
}
