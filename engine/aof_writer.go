package engine

import (
	"os"
	"sync"
	"time"

	"github.com/volleydb/volley/engine/config"
)

// aofWriter appends to one incr file on a goroutine of its own, so that
// the engine hands its buffer over and goes on: under appendfsync always
// it waits for the write and the fsync of what it handed over, and
// otherwise only when the writer is too far behind (aofMaxBehind). Under
// everysec the writer fsyncs at most once a second, when the engine's
// cron kicks it (or a hand-over comes) and a second has passed since the
// last one.
//
// A write that fails is retried at the next kick, its bytes kept: the
// error is reported to the engine (aof_last_write_status, MISCONF) until
// a write succeeds, as Valkey keeps the failed part of its buffer.
type aofWriter struct {
	mu     sync.Mutex
	cond   sync.Cond
	f      aofFile
	policy config.FsyncPolicy
	limit  int // a hand-over waits while more than this is behind (aofMaxBehind)

	queue   []byte // handed over, not yet taken by the writer
	spare   []byte // a drained buffer to give back to the engine
	writing int    // bytes the writer took from the queue and is writing
	seq     uint64 // hand-overs made
	synced  uint64 // hand-overs written and fsynced

	size     int64     // bytes in the file
	dirty    bool      // written since the last fsync
	lastSync time.Time // when the last fsync ended
	syncing  bool      // an fsync is running (aof_pending_bio_fsync)
	syncTo   uint64    // fsync at least up to this hand-over (always, sync)
	paused   bool      // the last write failed: wait for a kick before retrying
	closing  bool
	err      error // the last write or fsync error, nil after a success
	exited   chan struct{}

	stallHook func() // tests: called (w.mu held) when a hand-over starts waiting
}

// aofMaxBehind is how far the writer may fall behind the engine under
// appendfsync everysec or no before a hand-over waits for it to catch up.
// Valkey write()s its buffer on the main thread, so a disk slower than
// the writes stalls it there (the kernel throttles a writer of too many
// dirty pages) and the buffer never outgrows one event-loop iteration's
// writes. The writer goroutine takes that wait off the engine, but
// unbounded it would let the queue grow with the write rate over the
// disk's, in memory. 32 MiB absorbs bursts of large pipelines and the
// write a once-a-second fsync holds up on a busy disk (at 100 MB/s of
// writes, a third of a second) without a wait, and caps what the queue
// holds to that plus one batch.
const aofMaxBehind = 32 << 20

// aofFile is what the writer writes to: the incr file, or a test's.
type aofFile interface {
	Write(b []byte) (int, error)
	Truncate(size int64) error
	Datasync() error
	Close() error
}

// osAOFFile is an aofFile on disk.
type osAOFFile struct{ *os.File }

func (f osAOFFile) Datasync() error { return fdatasync(f.File) }

// aofStall is what a hand-over waited for.
type aofStall struct {
	waited  bool          // the writer was too far behind
	syncing bool          // it was fsyncing when the wait began
	d       time.Duration // how long the wait took
}

func newAOFWriter(f *os.File, policy config.FsyncPolicy) *aofWriter {
	return startAOFWriter(osAOFFile{f}, fileSize(f), policy, aofMaxBehind)
}

// startAOFWriter starts a writer appending to f, of size bytes, that lets
// hand-overs get at most limit bytes ahead.
func startAOFWriter(f aofFile, size int64, policy config.FsyncPolicy, limit int) *aofWriter {
	w := &aofWriter{f: f, policy: policy, limit: limit, size: size, lastSync: time.Now(), exited: make(chan struct{})}
	w.cond.L = &w.mu
	go w.run()
	return w
}

// write hands b over and returns an empty buffer for the engine to fill
// next. With wait it returns once b is written and fsynced (or failed);
// without, once the writer is at most w.limit bytes behind (or failed:
// a failed writer waits for the engine's kick, and the engine refuses
// writes meanwhile), saying in stall what it waited for.
func (w *aofWriter) write(b []byte, wait bool) (ret []byte, stall aofStall) {
	w.mu.Lock()
	if len(w.queue) == 0 {
		ret, w.queue = w.queue[:0], b
	} else {
		w.queue = append(w.queue, b...)
		ret = b[:0]
	}
	w.seq++
	w.cond.Broadcast()
	if wait {
		w.syncUpTo(w.seq)
	} else if w.behindTooFar() {
		stall.waited, stall.syncing = true, w.syncing
		if w.stallHook != nil {
			w.stallHook()
		}
		start := time.Now()
		for w.behindTooFar() {
			w.cond.Wait()
		}
		stall.d = time.Since(start)
	}
	w.mu.Unlock()
	return ret, stall
}

// behindTooFar reports whether a hand-over must wait for the writer;
// w.mu held.
func (w *aofWriter) behindTooFar() bool {
	return len(w.queue)+w.writing > w.limit && w.err == nil && !w.closing
}

// behind is how many bytes were handed over and are not in the file yet
// (part of aof_buffer_length).
func (w *aofWriter) behind() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.queue) + w.writing
}

// syncUpTo has the writer write and fsync up to hand-over seq and waits
// for it, or for a failure or the end; w.mu held.
func (w *aofWriter) syncUpTo(seq uint64) {
	w.syncTo, w.paused = seq, false
	w.cond.Broadcast()
	for w.synced < seq && w.err == nil && !w.closing {
		w.cond.Wait()
	}
}

// kick wakes the writer for its once-a-second fsync and for retries.
func (w *aofWriter) kick() {
	w.mu.Lock()
	w.paused = false
	w.cond.Broadcast()
	w.mu.Unlock()
}

// sync waits until everything handed over is written and fsynced.
func (w *aofWriter) sync() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.syncUpTo(w.seq)
	return w.err
}

func (w *aofWriter) setPolicy(p config.FsyncPolicy) {
	w.mu.Lock()
	w.policy = p
	w.cond.Broadcast()
	w.mu.Unlock()
}

func (w *aofWriter) lastError() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// pendingFsync reports whether an fsync is running.
func (w *aofWriter) pendingFsync() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.syncing
}

// close writes what is queued, fsyncs and closes the file, and returns
// the last error.
func (w *aofWriter) close() error {
	w.closeAsync()
	<-w.exited
	return w.lastError()
}

// closeAsync has the writer finish, fsync and close the file without
// waiting for it (the incr file a rewrite moved on from).
func (w *aofWriter) closeAsync() {
	w.mu.Lock()
	w.closing, w.paused = true, false
	w.cond.Broadcast()
	w.mu.Unlock()
}

// wantsWork reports whether the writer has something to do; w.mu held.
func (w *aofWriter) wantsWork() bool {
	if w.closing {
		return true
	}
	if w.paused {
		return false
	}
	return len(w.queue) > 0 || w.syncTo > w.synced || (w.dirty && w.everysecDue())
}

// everysecDue reports whether appendfsync everysec wants an fsync now;
// w.mu held.
func (w *aofWriter) everysecDue() bool {
	return w.policy == config.FsyncEverysec && time.Since(w.lastSync) >= time.Second
}

func (w *aofWriter) run() {
	defer close(w.exited)
	w.mu.Lock()
	for {
		for !w.wantsWork() {
			w.cond.Wait()
		}
		cur := w.queue
		w.queue, w.spare = w.spare, nil
		w.writing = len(cur)
		seq := w.seq
		closing := w.closing
		f := w.f
		w.mu.Unlock()

		kept, err := w.writeAll(f, cur)

		w.mu.Lock()
		w.writing = 0
		if err != nil {
			// Keep what was not written in front of what came since.
			w.queue = append(cur[kept:], w.queue...)
			w.err, w.paused = err, !closing
			w.cond.Broadcast()
			if closing {
				break
			}
			continue
		}
		w.spare = cur[:0]
		if len(cur) > 0 {
			w.dirty = true
			w.cond.Broadcast() // a hand-over waiting for it to catch up does not wait for the fsync
		}
		needSync := w.dirty && (w.syncTo > w.synced || closing || w.policy == config.FsyncAlways || w.everysecDue())
		if needSync {
			w.syncing = true
			w.mu.Unlock()
			err = f.Datasync()
			w.mu.Lock()
			w.syncing = false
			w.lastSync = time.Now()
			if err != nil {
				w.err = err
			} else {
				w.dirty = false
			}
		}
		if err == nil {
			w.err = nil
			if !w.dirty {
				w.synced = seq
			}
		}
		w.cond.Broadcast()
		if closing && len(w.queue) == 0 {
			break
		}
	}
	w.closing = true
	w.cond.Broadcast()
	w.mu.Unlock()
	_ = w.f.Close()
}

// writeAll appends b to the file. A short write is undone by truncating
// the file back, so that a retry does not leave half a command in it.
// It returns how much of b is in the file after a failure.
func (w *aofWriter) writeAll(f aofFile, b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	n, err := f.Write(b)
	if err != nil {
		if n > 0 && f.Truncate(w.size) != nil {
			w.size += int64(n) // it stays: only the rest is retried
			return n, err
		}
		return 0, err
	}
	w.size += int64(n)
	return 0, nil
}
