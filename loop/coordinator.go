package loop

import (
	"sync"
	"time"

	"github.com/volleydb/volley/engine"
)

// Coordinator serializes access to the engine and runs its timers.
type Coordinator struct {
	mu   sync.Mutex
	srv  *engine.Server
	stop chan struct{}
	done chan struct{}
}

// New returns a coordinator for srv, and gives srv the means to hold
// itself from its own goroutines. Call Start to run the timers.
func New(srv *engine.Server) *Coordinator {
	co := &Coordinator{srv: srv}
	srv.Hold = co.Do     // background saves step while holding the engine
	srv.Yield = co.Yield // a replica's load lets clients in between reads
	srv.YieldWhile = co.YieldWhile
	return co
}

// Acquire waits for the engine and returns it; the caller must Release.
func (co *Coordinator) Acquire() *engine.Server {
	co.mu.Lock()
	co.srv.Acquired()
	return co.srv
}

// Release hands the engine back, after the engine's before-sleep work
// (a fast expiry cycle when one is due).
func (co *Coordinator) Release() {
	co.srv.BeforeSleep()
	co.srv.Released()
	co.mu.Unlock()
}

// Do runs fn while holding the engine.
func (co *Coordinator) Do(fn func(*engine.Server)) {
	co.Acquire()
	defer co.Release()
	fn(co.srv)
}

// Start runs the cron timer on its own goroutine, hz times a second.
func (co *Coordinator) Start() {
	co.stop = make(chan struct{})
	co.done = make(chan struct{})
	go co.cron()
}

// Stop ends the timers and waits for the running step to finish.
func (co *Coordinator) Stop() {
	if co.stop == nil {
		return
	}
	close(co.stop)
	<-co.done
	co.stop = nil
}

func (co *Coordinator) cron() {
	defer close(co.done)
	t := time.NewTimer(co.period())
	defer t.Stop()
	for {
		select {
		case <-co.stop:
			return
		case <-t.C:
		}
		co.Acquire()
		co.srv.Cron()
		period := co.periodLocked()
		evicting := co.srv.EvictionRunning()
		co.Release()
		// Memory over maxmemory that a pass could not bring down in its
		// time goes on being evicted whether commands come or not
		// (Valkey's eviction time proc runs every turn of its loop): a
		// pass per hold, Release's BeforeSleep runs it. A millisecond
		// between holds leaves the engine to the I/O loops, whose own
		// batches run passes too; holding it back to back starved them.
		for evicting {
			t.Reset(time.Millisecond)
			select {
			case <-co.stop:
				return
			case <-t.C:
			}
			co.Acquire()
			evicting = co.srv.EvictionRunning()
			co.Release()
		}
		t.Reset(period)
	}
}

func (co *Coordinator) period() time.Duration {
	co.mu.Lock()
	defer co.mu.Unlock()
	return co.periodLocked()
}

func (co *Coordinator) periodLocked() time.Duration {
	hz := co.srv.Cfg.Hz
	if hz < 1 {
		hz = 1
	}
	if hz > 500 {
		hz = 500
	}
	return time.Second / time.Duration(hz)
}

// Yield lets the goroutines waiting for the engine have it, a hold each,
// and takes it back. A script past busy-reply-threshold calls it between
// instructions (through engine.Server.SetBusyHooks), so that the other
// I/O loops can answer their clients (-BUSY, or SCRIPT KILL and the few
// commands allowed then) and the cron and background saves do not stall.
//
// Why this hands the engine over at all: a goroutine waiting in
// sync.Mutex.Lock for longer than a millisecond puts the mutex in its
// starvation mode, in which Unlock passes ownership straight to the
// first waiter and a new Lock queues behind the others. The script's
// waiters have waited at least busy-reply-threshold by the first Yield,
// or a tick of the script (about a millisecond) by a later one.
func (co *Coordinator) Yield() {
	co.mu.Unlock()
	co.mu.Lock()
}

// YieldWhile runs fn without the engine, which the goroutines waiting for
// it have meanwhile, and takes it back: a replica's diskless load reads
// its primary's snapshot so (engine.Server.YieldWhile).
func (co *Coordinator) YieldWhile(fn func()) {
	co.mu.Unlock()
	defer co.mu.Lock()
	fn()
}
