package engine

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/volleydb/volley/engine/keyspace"
	"github.com/volleydb/volley/engine/rdb"
)

// Background saves (BGSAVE and the save points) without fork.
//
// Valkey forks, and the child writes the memory image of the moment of
// the fork while the parent goes on serving. Go cannot fork, so Volley
// takes the same image with the keyspace's copy-ahead snapshots
// (keyspace/snapshot.go): at the start every database's table begins a
// snapshot, and the engine's holder serializes it a few buckets at a time
// between batches of commands (bgsaveStep). A command about to change or
// delete a key the save has not reached yet hands it to the save first,
// which serializes it as it was. The encoded bytes go to a writer
// goroutine that does the file I/O, so the engine never waits for the
// disk. What the save costs the engine is the encoding, spread over the
// steps: when commands are waiting, steps take at most half of its time.
//
// The file is the one SAVE writes: a key saved ahead goes out under a
// SELECTDB of its own database, then the scan's database is selected
// again. Tables are bound to database numbers at the start, so SWAPDB
// during a save does not move keys between databases in the image, and a
// database flushed during a save hands its old table to the save, which
// goes on reading it (nothing changes it any more) and frees it at the end.

const (
	bgsaveStepNs      = 500_000  // the longest a step holds the engine
	bgsaveMaxBacklog  = 32 << 20 // encoded bytes the writer may lag behind before steps wait
	bgsaveBacklogWait = time.Millisecond
	bgsaveRetryDelay  = 5 // seconds before a failed background save is retried by the save points
)

// bgsaveState is the background-save bookkeeping INFO persistence and the
// save points use.
type bgsaveState struct {
	run       *bgSave // the running save, or nil
	seq       int     // saves started, naming their temporary files
	scheduled bool    // BGSAVE inside EXEC (or SCHEDULE): start from the cron
	lastErr   bool    // rdb_last_bgsave_status:err
	lastTry   int64   // unix seconds the last background save started
	lastSecs  int64   // rdb_last_bgsave_time_sec, -1 before the first
	holds     int64   // times the engine was acquired: tells a busy engine from an idle one
	forks     int64   // total_forks: background snapshots started, Volley's fork
	forkUsec  int64   // latest_fork_usec: how long the last one took to start
	stepHolds int64   // holds as the last step ended
}

// bgSave is one background save in progress.
type bgSave struct {
	*rdbImage
	out   *saveQueue
	start time.Time
	dirty int64             // s.Dirty at the start: what a success subtracts
	keep  []*keyspace.Arena // flushed databases' memory, freed at the end

	aofRewrite  bool   // an AOF rewrite's new base, not a BGSAVE (aof_rewrite.go)
	aofPreamble bool   // the base is RDB (aof-use-rdb-preamble when it started)
	tmp         string // the rewrite's temporary file

	repl *replSockSave // a snapshot streamed to replicas' sockets, not a file (repl_primary.go)
}

// startBGSave starts a background save of the dataset to dbfilename
// (Valkey's rdbSaveBackground). It fails only if the temporary file cannot
// be created.
func (s *Server) startBGSave() error {
	st := &s.bgsave
	s.persist.saves++
	st.lastTry = s.Clock.NowMs() / 1000
	st.seq++
	path := s.rdbPath()
	tmp := filepath.Join(filepath.Dir(path), fmt.Sprintf("temp-bgsave-%d-%d.rdb", os.Getpid(), st.seq))
	f, err := os.Create(tmp)
	if err != nil {
		st.lastErr = true
		s.Log.Warningf("Can't save in background: failed opening the temp RDB file %s (in server root dir %s) for saving: %v", filepath.Base(tmp), filepath.Dir(path), err)
		return err
	}
	bg := &bgSave{out: newSaveQueue(), start: time.Now(), dirty: s.Dirty}
	bg.rdbImage = s.newRDBImage(rdb.NewWriter(bg.out), true)
	st.run = bg
	s.snapshotStarted(bg)
	s.Log.Noticef("Background saving started")
	go bg.out.drain(f, tmp, path)
	if s.Hold != nil {
		go s.driveBGSave(bg)
	}
	return nil
}

// driveBGSave runs the save's steps, each while holding the engine, then
// waits for the writer and reports the outcome.
func (s *Server) driveBGSave(bg *bgSave) {
	for {
		var more bool
		var pause time.Duration
		s.Hold(func(s *Server) {
			if s.bgsave.run == bg {
				more, pause = s.bgsaveStep()
			}
		})
		if !more {
			break
		}
		if pause > 0 {
			time.Sleep(pause)
		} else {
			// Even when no one else held the engine since the last step,
			// give way: with one P an I/O loop back from epoll_wait needs
			// it to run at all, and steps back to back would starve it
			// until the scheduler preempts them.
			runtime.Gosched()
		}
	}
	err := bg.out.wait()
	s.Hold(func(s *Server) { s.bgsaveDone(bg, err) })
}

// bgsaveStep serializes part of the dataset. It reports whether there is
// more to do and how long the engine should be left to others before the
// next step: as long as this one took when others are waiting for it, so
// that a save takes at most half the engine's time while commands are
// served, and not at all when no one else held it since the last step.
func (s *Server) bgsaveStep() (more bool, pause time.Duration) {
	bg, st := s.bgsave.run, &s.bgsave
	if bg == nil || bg.done() && bg.out.closed() {
		return false, 0
	}
	if bg.out.backlog() > bgsaveMaxBacklog {
		return true, bgsaveBacklogWait
	}
	start := s.mono.now()
	delay := s.Cfg.RDBKeySaveDelay
	bg.keys = 0
	for !bg.done() {
		bg.scanGroup(delay)
		if delay != 0 && bg.keys > 0 {
			// rdb-key-save-delay: Valkey's child sleeps after each key;
			// here the engine is given back for that long.
			return true, time.Duration(bg.keys*max(delay, 1)) * time.Microsecond
		}
		if s.mono.now()-start > bgsaveStepNs || bg.out.backlog() > bgsaveMaxBacklog {
			break
		}
	}
	if bg.done() {
		_ = bg.w.Footer() // flushes into the queue, which does not fail
		bg.out.close()
		return false, 0
	}
	ran := time.Duration(s.mono.now() - start)
	alone := st.holds == st.stepHolds+1 // no other holder since the last step
	st.stepHolds = st.holds
	if alone {
		return true, 0
	}
	return true, ran
}

// bgsaveDone applies the outcome of a save whose writer has finished
// (Valkey's backgroundSaveDoneHandlerDisk). A save that was stopped has
// been accounted for by bgsaveStop already.
func (s *Server) bgsaveDone(bg *bgSave, err error) {
	st := &s.bgsave
	if st.run != bg {
		return
	}
	st.run = nil
	s.releaseKept(bg)
	defer s.replStartPending() // replicas that waited for this save to end (repl_primary.go)
	if bg.aofRewrite {
		s.aofRewriteDone(bg, err)
		return
	}
	if bg.repl != nil || len(s.repl.prim.replicas) > 0 {
		// The replicas this save was for get the file, or were sent it.
		defer s.replSaveEnded(bg, err)
		if bg.repl != nil {
			return
		}
	}
	st.lastSecs = int64(time.Since(bg.start).Seconds())
	if err != nil {
		st.lastErr = true
		s.Log.Warningf("Background saving error: %v", err)
		return
	}
	s.Log.Noticef("Background saving terminated with success")
	s.Dirty -= bg.dirty
	s.persist.lastSave = s.Clock.NowMs() / 1000
	st.lastErr = false
}

// bgsaveStop abandons the running save, if any (FLUSHALL, SHUTDOWN,
// BGSAVE CANCEL), logging why unless that is empty. Its temporary file
// is removed before it returns; the
// status of the last save is left as it was, as after Valkey kills its
// child with SIGUSR1.
func (s *Server) bgsaveStop(why string) bool {
	st := &s.bgsave
	bg := st.run
	if bg == nil || bg.aofRewrite { // an AOF rewrite is not a save: aofRewriteStop
		return false
	}
	if why != "" {
		s.Log.Noticef("%s", why)
	}
	st.run = nil
	bg.abandon()
	s.replSaveStopping(bg) // its socket transfers end at once
	bg.out.abort()
	_ = bg.out.wait()
	s.releaseKept(bg)
	if bg.repl != nil || len(s.repl.prim.replicas) > 0 {
		// The replicas waiting for it are dropped; a socket transfer's
		// sockets are closed.
		s.replSaveEnded(bg, errBGSaveStopped)
	}
	if bg.repl == nil {
		st.lastSecs = int64(time.Since(bg.start).Seconds())
	}
	return true
}

// keepFlushed hands the arena of a database being flushed to the running
// save when one of its tables is still being scanned: the save goes on
// reading it and frees it at the end. It reports whether it took it.
func (s *Server) keepFlushed(t *keyspace.Table, a *keyspace.Arena) bool {
	bg := s.bgsave.run
	if bg == nil || !t.Snapshotting() {
		return false
	}
	bg.keep = append(bg.keep, a)
	return true
}

// releaseKept frees the flushed databases a save kept, on another
// goroutine as an asynchronous flush does.
func (s *Server) releaseKept(bg *bgSave) {
	if len(bg.keep) == 0 {
		return
	}
	keep := bg.keep
	bg.keep = nil
	go func() {
		for _, a := range keep {
			a.Release()
		}
	}()
}

// saveCron starts a background save when a save point is reached, or a
// scheduled one (Valkey's serverCron): at least changes writes and more
// than seconds since the last successful save, and after a failure not
// before bgsaveRetryDelay seconds.
func (s *Server) saveCron(nowMs int64) {
	st := &s.bgsave
	if st.run != nil {
		return
	}
	now := nowMs / 1000
	retryOK := !st.lastErr || now-st.lastTry > bgsaveRetryDelay
	if st.scheduled && retryOK {
		if s.startBGSave() == nil {
			st.scheduled = false
		}
		return
	}
	for _, sp := range s.Cfg.Save {
		if s.Dirty >= sp[1] && now-s.lastSave() > sp[0] && retryOK {
			s.Log.Noticef("%d changes in %d seconds. Saving...", sp[1], sp[0])
			_ = s.startBGSave()
			return
		}
	}
}

// diskErrorRejects reports whether cmd, judged by flags, is refused
// because the last background save failed (stop-writes-on-bgsave-error):
// writes, and PING, so that monitoring notices.
func (s *Server) diskErrorRejects(cmd *Spec, flags Flags) bool {
	if !s.Cfg.StopWritesOnBgsaveError || len(s.Cfg.Save) == 0 {
		return false
	}
	return flags&FlagWrite != 0 || cmd.FullName == "ping"
}

// misconfError is the MISCONF reply to a write refused by
// diskErrorRejects.
func (s *Server) misconfError() string {
	name := s.serverTitle()
	return "MISCONF " + name + " is configured to save RDB snapshots, but it's currently unable to persist to disk. " +
		"Commands that may modify the data set are disabled, because this instance is configured to report errors " +
		"during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the " + name +
		" logs for details about the RDB error."
}

// BGSAVE [SCHEDULE | CANCEL]
func cmdBGSave(c *Client) {
	s, st := c.srv, &c.srv.bgsave
	schedule := false
	if len(c.Argv) > 1 {
		switch {
		case len(c.Argv) == 2 && equalFoldASCII(c.Argv[1], "schedule"):
			schedule = true // waits for an AOF rewrite, else starts now
		case len(c.Argv) == 2 && equalFoldASCII(c.Argv[1], "cancel"):
			switch {
			case s.bgsaveStop("Background saving will be aborted due to user request"):
				c.AddSimple("Background saving cancelled")
			case st.scheduled:
				s.Log.Noticef("Scheduled background saving will be cancelled due to user request")
				st.scheduled = false
				c.AddSimple("Scheduled background saving cancelled")
			default:
				c.AddError("ERR Background saving is currently not in progress or scheduled")
			}
			return
		default:
			c.AddError(ErrSyntax)
			return
		}
	}
	switch {
	case st.run != nil && !st.run.aofRewrite:
		c.AddError("ERR Background save already in progress")
	case st.run != nil && !schedule && !c.inExec():
		c.AddError("ERR Another child process is active (AOF?): can't BGSAVE right now. " +
			"Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.")
	case st.run != nil || c.inExec():
		// Valkey defers a save asked for inside a transaction to the cron.
		st.scheduled = true
		s.Log.Noticef("Background saving scheduled to run after transaction execution")
		c.AddSimple("Background saving scheduled")
	case s.startBGSave() == nil:
		c.AddSimple("Background saving started")
	default:
		c.AddError("ERR")
	}
}

// saveQueue carries the encoded file from the engine to the writer
// goroutine. Writes never block: the engine checks backlog and holds
// back its steps instead, and bytes saved ahead of the scan are queued
// whatever the backlog.
type saveQueue struct {
	mu      sync.Mutex
	ready   sync.Cond
	chunks  [][]byte
	free    [][]byte
	pending int  // bytes queued and not yet written
	done    bool // close or abort was called
	stopped bool // abort: discard and remove the file
	result  chan error
}

func newSaveQueue() *saveQueue {
	q := &saveQueue{result: make(chan error, 1)}
	q.ready.L = &q.mu
	return q
}

// Write queues a copy of p (the rdb.Writer's buffer, which it reuses).
func (q *saveQueue) Write(p []byte) (int, error) {
	q.mu.Lock()
	var b []byte
	if n := len(q.free); n > 0 && cap(q.free[n-1]) >= len(p) {
		b, q.free = q.free[n-1][:0], q.free[:n-1]
	}
	b = append(b, p...)
	q.chunks = append(q.chunks, b)
	q.pending += len(p)
	q.mu.Unlock()
	q.ready.Signal()
	return len(p), nil
}

func (q *saveQueue) backlog() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.pending
}

func (q *saveQueue) closed() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.done
}

// close ends the stream: the writer syncs and renames the file.
func (q *saveQueue) close() {
	q.mu.Lock()
	q.done = true
	q.mu.Unlock()
	q.ready.Signal()
}

// abort ends the stream: the writer discards what is queued and removes
// the file.
func (q *saveQueue) abort() {
	q.mu.Lock()
	q.done, q.stopped = true, true
	q.chunks = nil
	q.mu.Unlock()
	q.ready.Signal()
}

// wait returns the writer's outcome once it has finished.
func (q *saveQueue) wait() error {
	err := <-q.result
	q.result <- err // for a second waiter (a stop racing the driver)
	return err
}

var errBGSaveStopped = errors.New("background save stopped")

// drain is the writer goroutine: it writes the queued chunks to f, then
// syncs it and renames it over path (or removes it when aborted).
func (q *saveQueue) drain(f *os.File, tmp, path string) {
	err := q.drainTo(func(b []byte) error {
		_, err := f.Write(b)
		return err
	})
	q.result <- commitTemp(f, tmp, path, err)
}

// drainTo hands the queued chunks to write until the stream ends, and
// returns the first error of write (the chunks after it are discarded)
// or errBGSaveStopped when the stream was aborted.
func (q *saveQueue) drainTo(write func([]byte) error) error {
	var err error
	for {
		q.mu.Lock()
		for len(q.chunks) == 0 && !q.done {
			q.ready.Wait()
		}
		if q.stopped || len(q.chunks) == 0 {
			stopped := q.stopped
			q.mu.Unlock()
			if stopped {
				err = errBGSaveStopped
			}
			break
		}
		b := q.chunks[0]
		q.chunks[0] = nil
		q.chunks = q.chunks[1:]
		q.mu.Unlock()
		if err == nil {
			err = write(b)
		}
		q.mu.Lock()
		q.pending -= len(b)
		if len(q.free) < 8 {
			q.free = append(q.free, b)
		}
		q.mu.Unlock()
	}
	return err
}

// inExec reports whether c's command runs inside EXEC.
func (c *Client) inExec() bool { return c.multi != nil && c.multi.execCmd != nil }

// snapshotStarted counts a background snapshot where Valkey counts a
// fork (INFO's total_forks and latest_fork_usec): the copy-ahead
// snapshot is what stands in for one, and its start is what the engine
// waits for.
func (s *Server) snapshotStarted(bg *bgSave) {
	s.bgsave.forks++
	s.bgsave.forkUsec = time.Since(bg.start).Microseconds()
}
