package engine

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/volleydb/volley/engine/config"
)

// The append-only file (Valkey's aof.c), in the multi-part layout of
// aof_manifest.go.
//
// Every command that changed the dataset reaches aofFeed through
// propagation (propagate.go), already in the form that replays
// deterministically, and is appended to s.aof.buf. Before the engine is
// given up after a batch (BeforeSleep), and so before the I/O loops write
// the batch's replies, the buffer goes to the file:
//
//   - appendfsync always: written and fsynced before BeforeSleep returns,
//     so a client never sees a reply to a write that is not on disk;
//   - everysec: handed to the writer goroutine (aof_writer.go), which
//     writes it and fsyncs once a second, so the engine never waits for
//     the disk and a crash loses at most about a second of writes;
//   - no: handed to the writer, which never fsyncs.
//
// A rewrite (BGREWRITEAOF, the automatic one, CONFIG SET appendonly yes)
// opens a new incr file for the writes from then on, and writes a new
// base from a snapshot of the dataset at that moment: the fork-less,
// copy-ahead snapshot BGSAVE uses (bgsave.go). When the base is complete
// the manifest is swapped atomically to name it, and the older base and
// incr files become history and are deleted.

type aofStatus uint8

const (
	aofOff         aofStatus = iota
	aofOn                    // writing
	aofWaitRewrite           // turned on at run time: the first rewrite will make the files
)

// aofState is the AOF's bookkeeping.
type aofState struct {
	status   aofStatus
	buf      []byte       // fed commands not yet handed to the writer
	selected int          // database the file last selected, -1 before any
	manifest *aofManifest // the files as the manifest on disk lists them
	w        *aofWriter   // the writer of the incr file, nil when off
	incrName string       // the incr file being written (temp-... while waiting for the first rewrite)

	currentSize int64 // aof_current_size: base and incr files
	baseSize    int64 // aof_base_size: the size after the last rewrite, for the automatic rewrite
	incrSize    int64 // bytes of the current incr file

	rewriteScheduled bool  // aof_rewrite_scheduled
	rewrites         int64 // aof_rewrites
	rewriteFailures  int64 // aof_rewrites_consecutive_failures
	lastRewriteSecs  int64 // aof_last_rewrite_time_sec, -1 before the first
	lastRewriteErr   bool  // aof_last_bgrewrite_status:err
	lastWriteErr     error // the writer's last error: aof_last_write_status:err and MISCONF
	retryAt          int64 // unix seconds before which the automatic rewrite waits after failures
	retryDelayMin    int64 // its current delay, doubling

	stalls       int64 // hand-overs that waited for a writer too far behind
	stallLogSecs int64 // unix seconds of the last log of a stall
}

// aofDir is appenddirname inside dir.
func (s *Server) aofDir() string { return filepath.Join(s.Cfg.Dir, s.Cfg.AppendDirname) }

// aofFeed appends one encoded command to the AOF buffer.
func (s *Server) aofFeed(db int, cmd []byte) {
	if s.aofSelect(db) {
		s.aof.buf = append(s.aof.buf, cmd...)
	}
}

// aofFeedArgs appends one command to the AOF buffer, encoding args.
func (s *Server) aofFeedArgs(db int, args [][]byte) {
	if s.aofSelect(db) {
		s.aof.buf = appendCommand(s.aof.buf, args)
	}
}

// aofSelect prepares the AOF buffer for a command in database db (-1: a
// command of no database, MULTI and EXEC): a SELECT when db is not the
// one the file last selected. It reports false when nothing is written.
func (s *Server) aofSelect(db int) bool {
	a := &s.aof
	if a.status == aofOff || a.w == nil {
		return false
	}
	if db != -1 && db != a.selected {
		a.buf = appendSelect(a.buf, db)
		a.selected = db
	}
	return true
}

// appendSelect appends SELECT db as the AOF writes it.
func appendSelect(dst []byte, db int) []byte {
	var num [20]byte
	d := strconv.AppendInt(num[:0], int64(db), 10)
	dst = append(dst, "*2\r\n$6\r\nSELECT\r\n$"...)
	dst = strconv.AppendInt(dst, int64(len(d)), 10)
	dst = append(dst, '\r', '\n')
	dst = append(dst, d...)
	return append(dst, '\r', '\n')
}

// aofFlush hands the buffer to the file (Valkey's flushAppendOnlyFile):
// with appendfsync always it is written and fsynced before this returns.
func (s *Server) aofFlush() {
	a := &s.aof
	if a.w == nil {
		return
	}
	if err := a.w.lastError(); err != a.lastWriteErr {
		if err == nil {
			s.Log.Noticef("AOF write error looks solved. The server can write again.")
		}
		a.lastWriteErr = err
	}
	if len(a.buf) == 0 {
		return
	}
	n := int64(len(a.buf))
	always := s.Cfg.AppendFsync == config.FsyncAlways
	var stall aofStall
	a.buf, stall = a.w.write(a.buf, always)
	a.currentSize += n
	a.incrSize += n
	if stall.waited {
		s.aofStalled(stall)
	}
	if always {
		if err := a.w.lastError(); err != nil {
			s.Log.Warningf("Can't recover from AOF write error when the AOF fsync policy is 'always': %v. Exiting...", err)
			aofExit(1)
		}
	}
	if cap(a.buf) > 4<<20 {
		a.buf = nil // do not keep a burst's buffer
	}
}

// aofStalled accounts for a hand-over that waited for the writer to
// catch up: the engine stalled on the disk, as Valkey's main thread
// stalls in write(). The wait goes to the latency monitor under Valkey's
// events for a slow AOF write, split as Valkey splits them (a snapshot or
// rewrite running stands for its child process), and is logged at most
// once a minute. aof_delayed_fsync does not count it: Valkey counts there
// writes made while an fsync had been pending over two seconds, which the
// writer, writing and fsyncing in turn, never does.
func (s *Server) aofStalled(st aofStall) {
	a := &s.aof
	us := st.d.Microseconds()
	a.stalls++
	switch {
	case st.syncing:
		s.LatencyAddSampleIfNeeded("aof-write-pending-fsync", us)
	case s.bgsave.run != nil:
		s.LatencyAddSampleIfNeeded("aof-write-active-child", us)
	default:
		s.LatencyAddSampleIfNeeded("aof-write-alone", us)
	}
	s.LatencyAddSampleIfNeeded("aof-write", us)
	if now := s.Now() / 1000; now-a.stallLogSecs >= 60 {
		a.stallLogSecs = now
		s.Log.Noticef("The AOF writer fell more than %d MiB behind (disk is slow?): writes waited %.3f seconds for the disk.", aofMaxBehind>>20, st.d.Seconds())
	}
}

// aofExit ends the process when the AOF cannot be written with appendfsync
// always (tests replace it).
var aofExit = os.Exit

// LoadAOF loads the dataset from the AOF at start-up (Valkey's
// loadAppendOnlyFiles): the base, then each incr file, replayed in order.
// A single-file AOF of an older server (appendfilename in dir) is moved
// into appenddirname first. No AOF at all leaves the dataset empty.
func (s *Server) LoadAOF() error {
	dir := s.aofDir()
	m, err := readManifest(dir, s.Cfg.AppendFilename)
	if err != nil {
		return fmt.Errorf("fatal AOF manifest file error: %w", err)
	}
	legacy := filepath.Join(s.Cfg.Dir, s.Cfg.AppendFilename)
	if fileExists(legacy) {
		_, dirErr := os.Stat(dir)
		upgrade := dirErr != nil || m.empty() ||
			(m.base != nil && len(m.incr) == 0 && m.base.name == s.Cfg.AppendFilename && !fileExists(filepath.Join(dir, m.base.name)))
		if upgrade {
			if err := s.aofUpgrade(m, legacy); err != nil {
				return err
			}
		}
	}
	s.aof.manifest = m
	if m.empty() {
		return nil
	}
	var files []aofInfo
	if m.base != nil {
		files = append(files, *m.base)
	}
	files = append(files, m.incr...)
	var total int64
	for _, ai := range files {
		fi, err := os.Stat(filepath.Join(dir, ai.name))
		if err != nil {
			return fmt.Errorf("unable to obtain the AOF file %s length: %w", ai.name, err)
		}
		total += fi.Size()
	}
	if total == 0 {
		return nil
	}
	start := time.Now()
	for i, ai := range files {
		last := i == len(files)-1
		t := time.Now()
		truncated, err := s.loadAOFFile(filepath.Join(dir, ai.name), ai.name == s.Cfg.AppendFilename)
		if err != nil {
			return err
		}
		if truncated && !last {
			return fmt.Errorf("fatal error: the truncated file %s is not the last file", ai.name)
		}
		kind := "incr"
		if ai.typ == aofTypeBase {
			kind = "base"
			if fi, err := os.Stat(filepath.Join(dir, ai.name)); err == nil {
				s.aof.baseSize = fi.Size()
			}
		}
		s.Log.Noticef("DB loaded from %s file %s: %.3f seconds", kind, ai.name, time.Since(t).Seconds())
	}
	s.aof.currentSize = total
	s.Log.Noticef("DB loaded from append only file: %.3f seconds", time.Since(start).Seconds())
	return nil
}

// aofUpgrade moves a single-file AOF into appenddirname as the base of a
// new manifest (aofUpgradePrepare). A crash on the way is retried at the
// next start.
func (s *Server) aofUpgrade(m *aofManifest, legacy string) error {
	dir := s.aofDir()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("can't open or create append-only dir %s: %w", s.Cfg.AppendDirname, err)
	}
	m.base = &aofInfo{name: s.Cfg.AppendFilename, seq: 1, typ: aofTypeBase}
	m.baseSeq = 1
	if err := writeManifest(dir, s.Cfg.AppendFilename, m); err != nil {
		return err
	}
	if err := os.Rename(legacy, filepath.Join(dir, s.Cfg.AppendFilename)); err != nil {
		return fmt.Errorf("error trying to move the old AOF file %s into dir %s: %w", s.Cfg.AppendFilename, s.Cfg.AppendDirname, err)
	}
	s.Log.Noticef("Successfully migrated an old-style AOF file (%s) into the AOF directory (%s).", s.Cfg.AppendFilename, s.Cfg.AppendDirname)
	return nil
}

func fileExists(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular()
}

// OpenAOF starts writing the AOF after the dataset was loaded
// (aofOpenIfNeededOnServerStart): with no files yet a base is written of
// the dataset (empty, or loaded from an older single file), then the last
// incr file is opened for appending, or a new one created, and the
// manifest saved.
func (s *Server) OpenAOF() error {
	a := &s.aof
	if a.manifest == nil {
		a.manifest = &aofManifest{}
	}
	dir := s.aofDir()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("can't open or create append-only dir %s: %w", s.Cfg.AppendDirname, err)
	}
	m := a.manifest
	fresh := m.empty()
	if fresh {
		name := m.newBase(s.Cfg.AppendFilename, true) // always an RDB base for now
		if err := s.writeAOFBase(filepath.Join(dir, name)); err != nil {
			return err
		}
		s.Log.Noticef("Creating AOF base file %s on server start", name)
		if fi, err := os.Stat(filepath.Join(dir, name)); err == nil {
			a.baseSize = fi.Size()
			a.currentSize = fi.Size()
		}
	}
	had := len(m.incr) > 0
	name := m.lastIncr(s.Cfg.AppendFilename)
	f, err := os.OpenFile(filepath.Join(dir, name), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o666)
	if err != nil {
		return fmt.Errorf("can't open the append-only file %s: %w", name, err)
	}
	if err := writeManifest(dir, s.Cfg.AppendFilename, m); err != nil {
		f.Close()
		return err
	}
	a.incrSize = fileSize(f)
	if had {
		s.Log.Noticef("Opening AOF incr file %s on server start", name)
	} else {
		s.Log.Noticef("Creating AOF incr file %s on server start", name)
	}
	a.incrName = name
	a.w = newAOFWriter(f, s.Cfg.AppendFsync)
	a.status = aofOn
	a.selected = -1
	s.updatePropagating()
	return nil
}

// cfgBool and cfgInt read directives that have no typed field.
func (s *Server) cfgBool(name string) bool {
	v, _ := s.Cfg.Value(name)
	return v == "yes"
}

func (s *Server) cfgInt(name string) int64 {
	v, _ := s.Cfg.Value(name)
	n, _ := parseInt([]byte(v))
	return n
}

// writeAOFBase writes the whole dataset as a base file at path, in the
// foreground (rewriteAppendOnlyFile): an RDB preamble with the aof-base
// flag.
func (s *Server) writeAOFBase(path string) error {
	tmp := filepath.Join(s.Cfg.Dir, fmt.Sprintf("temp-rewriteaof-%d.aof", os.Getpid()))
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("opening the temp file for AOF rewrite: %w", err)
	}
	if err := commitTemp(f, tmp, path, s.writeRDBStream(f, true)); err != nil {
		return fmt.Errorf("write error writing append only file on disk: %w", err)
	}
	return nil
}

// stopAOF turns the AOF off (CONFIG SET appendonly no): what is buffered
// is written and fsynced, a rewrite in progress is abandoned.
func (s *Server) stopAOF() {
	a := &s.aof
	if a.status == aofOff {
		return
	}
	s.aofFlush()
	if a.w != nil {
		_ = a.w.close()
		a.w = nil
	}
	a.status = aofOff
	a.selected = -1
	if a.rewriteScheduled {
		a.rewriteScheduled = false
		s.Log.Noticef("AOF was disabled but there is a scheduled AOF background, cancel it.")
	}
	a.incrSize = 0
	a.lastWriteErr = nil
	s.aofRewriteStop()
	a.buf = a.buf[:0]
	s.updatePropagating()
}

// startAOF turns the AOF on at run time (CONFIG SET appendonly yes): a
// rewrite makes the first base, and the writes from its start go to a
// temporary incr file that becomes the first incr file when it ends.
func (s *Server) startAOF() error {
	a := &s.aof
	if a.status != aofOff {
		return nil
	}
	if a.manifest == nil {
		m, err := readManifest(s.aofDir(), s.Cfg.AppendFilename)
		if err != nil {
			m = &aofManifest{}
		}
		a.manifest = m
	}
	a.status = aofWaitRewrite
	switch {
	case s.bgsave.run != nil && !s.bgsave.run.aofRewrite:
		a.rewriteScheduled = true
		s.Log.Noticef("AOF was enabled but there is already another background operation. An AOF background was scheduled to start when possible.")
	case s.current != nil && s.current.inExec():
		a.rewriteScheduled = true
		s.Log.Noticef("AOF was enabled during a transaction. An AOF background was scheduled to start when possible.")
	default:
		if s.bgsave.run != nil {
			s.Log.Noticef("AOF was enabled but there is already an AOF rewriting in background. Stopping background AOF and starting a rewrite now.")
			s.aofRewriteStop()
		}
		if err := s.startAOFRewrite(); err != nil {
			a.status = aofOff
			s.Log.Warningf("The server needs to enable the AOF but can't trigger a background AOF rewrite operation. Check the above logs for more info about the error.")
			return err
		}
	}
	if a.lastWriteErr != nil {
		s.Log.Warningf("AOF reopen, just ignore the last error.")
		a.lastWriteErr = nil
	}
	return nil
}

// aofConfigChanged is the appendonly directive's CONFIG SET hook.
func (s *Server) aofConfigChanged(_, _ string) error {
	switch {
	case s.Cfg.AppendOnly && s.aof.status == aofOff:
		if err := s.startAOF(); err != nil {
			return errors.New("Unable to turn on AOF. Check server logs.")
		}
	case !s.Cfg.AppendOnly && s.aof.status != aofOff:
		s.stopAOF()
	}
	return nil
}

// aofFsyncChanged is appendfsync's hook: the writer learns the policy.
func (s *Server) aofFsyncChanged(_, _ string) error {
	if s.aof.w != nil {
		s.aof.w.setPolicy(s.Cfg.AppendFsync)
	}
	return nil
}

// aofCron runs the scheduled and the automatic rewrites
// (auto-aof-rewrite-percentage of growth over the base, once the files
// are at least auto-aof-rewrite-min-size).
func (s *Server) aofCron(nowMs int64) {
	a := &s.aof
	if a.status == aofOff && !a.rewriteScheduled {
		return
	}
	if a.w != nil {
		a.w.kick() // the once-a-second fsync, and the retry of a failed write
	}
	if s.aofRewriteRunning() {
		return
	}
	if s.bgsave.run != nil {
		return
	}
	if a.rewriteScheduled && !s.aofRewriteLimited(nowMs) {
		_ = s.startAOFRewrite()
		return
	}
	if a.status != aofOn {
		return
	}
	perc := s.cfgInt("auto-aof-rewrite-percentage")
	if perc == 0 || a.currentSize <= s.cfgInt("auto-aof-rewrite-min-size") {
		return
	}
	base := max(a.baseSize, 1)
	growth := a.currentSize*100/base - 100
	if growth >= perc && !s.aofRewriteLimited(nowMs) {
		s.Log.Noticef("Starting automatic rewriting of AOF on %d%% growth", growth)
		_ = s.startAOFRewrite()
	}
}

// aofRewriteLimited delays the automatic rewrite after repeated
// failures: 1 minute after the third, then 2, 4, ... up to an hour
// (aofRewriteLimited), so that failures do not pile up small incr files.
func (s *Server) aofRewriteLimited(nowMs int64) bool {
	a := &s.aof
	if a.rewriteFailures < 3 {
		a.retryAt, a.retryDelayMin = 0, 0
		return false
	}
	now := nowMs / 1000
	if a.retryAt != 0 {
		if now < a.retryAt {
			return true
		}
		a.retryAt = 0
		return false
	}
	a.retryDelayMin = min(max(a.retryDelayMin*2, 1), 60)
	a.retryAt = now + a.retryDelayMin*60
	s.Log.Warningf("Background AOF rewrite has repeatedly failed and triggered the limit, will retry in %d minutes", a.retryDelayMin)
	return true
}

// aofMisconf is the MISCONF error of a write refused because the AOF
// cannot be written, "" when writes may go on.
func (s *Server) aofMisconf() string {
	if s.aof.status == aofOff || s.aof.lastWriteErr == nil {
		return ""
	}
	return "MISCONF Errors writing to the AOF file: " + errnoText(s.aof.lastWriteErr)
}

// errnoText is the strerror text of a system call's error.
func errnoText(err error) string { return config.Strerror(err) }

// FlushAOF writes and fsyncs what the AOF has buffered, for a shutdown
// (Valkey's prepareForShutdown flushes with force and fsyncs).
func (s *Server) FlushAOF() {
	a := &s.aof
	if a.status == aofOff || a.w == nil {
		return
	}
	s.aofFlush()
	if err := a.w.sync(); err != nil {
		s.Log.Warningf("Fail to fsync the AOF file: %v", err)
	}
}

// CloseAOF flushes, fsyncs and closes the AOF at exit.
func (s *Server) CloseAOF() {
	s.FlushAOF()
	s.aofRewriteStop()
	if s.aof.w != nil {
		_ = s.aof.w.close()
		s.aof.w = nil
	}
}

// aofRejects reports whether cmd is refused while the AOF cannot be
// written: writes, and PING so that monitoring notices, as for RDB
// errors.
func (s *Server) aofRejects(cmd *Spec, flags Flags) bool {
	if s.aof.status == aofOff {
		return false
	}
	return flags&FlagWrite != 0 || cmd.FullName == "ping"
}

// infoAOF writes INFO persistence's aof_* fields.
func (s *Server) infoAOF(w *infoWriter) {
	a := &s.aof
	w.int("aof_enabled", boolInt(a.status != aofOff))
	rewriting := s.aofRewriteRunning()
	w.int("aof_rewrite_in_progress", boolInt(rewriting))
	w.int("aof_rewrite_scheduled", boolInt(a.rewriteScheduled))
	w.int("aof_last_rewrite_time_sec", a.lastRewriteSecs)
	current := int64(-1)
	if rewriting {
		current = int64(time.Since(s.bgsave.run.start).Seconds())
	}
	w.int("aof_current_rewrite_time_sec", current)
	w.str("aof_last_bgrewrite_status", okErr(!a.lastRewriteErr))
	w.int("aof_rewrites", a.rewrites)
	w.int("aof_rewrites_consecutive_failures", a.rewriteFailures)
	w.str("aof_last_write_status", okErr(a.lastWriteErr == nil))
	w.zeros("aof_last_cow_size", "module_fork_in_progress", "module_fork_last_cow_size",
		"slot_migration_fork_in_progress")
	if s.Cfg.AppendOnly {
		w.int("aof_current_size", a.currentSize)
		w.int("aof_base_size", a.baseSize)
		w.int("aof_pending_rewrite", boolInt(a.rewriteScheduled))
		buffered := int64(len(a.buf))
		if a.w != nil {
			buffered += int64(a.w.behind()) // handed over, not in the file yet
		}
		w.int("aof_buffer_length", buffered)
		pending := false
		if a.w != nil {
			pending = a.w.pendingFsync()
		}
		w.int("aof_pending_bio_fsync", boolInt(pending))
		w.int("aof_delayed_fsync", 0)
	}
}

func okErr(ok bool) string {
	if ok {
		return "ok"
	}
	return "err"
}
