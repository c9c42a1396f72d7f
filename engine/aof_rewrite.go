package engine

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/volleydb/volley/engine/rdb"
)

// AOF rewrites without fork: the new base is written from a copy-ahead
// snapshot of the dataset (bgsave.go's machinery, the same steps and
// writer goroutine), while the writes from the moment it starts go to a
// new incr file. When the base is complete it is renamed into
// appenddirname and the manifest swapped to name it with the new incr
// file; the files it replaces become history and are deleted.

// errChildActive: another background save is running.
var errChildActive = errors.New("a background save is in progress")

// aofRewriteRunning reports whether a rewrite is in progress.
func (s *Server) aofRewriteRunning() bool {
	return s.bgsave.run != nil && s.bgsave.run.aofRewrite
}

// aofTempIncrName is the incr file a rewrite that turns the AOF on writes
// to until it is named in the manifest.
func (s *Server) aofTempIncrName() string { return "temp-" + s.Cfg.AppendFilename + ".incr" }

// startAOFRewrite starts a background rewrite
// (rewriteAppendOnlyFileBackground).
func (s *Server) startAOFRewrite() error {
	a := &s.aof
	if s.bgsave.run != nil {
		return errChildActive
	}
	dir := s.aofDir()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		s.Log.Warningf("Can't open or create append-only dir %s: %v", s.Cfg.AppendDirname, err)
		a.lastRewriteErr = true
		return err
	}
	if a.manifest == nil {
		a.manifest = &aofManifest{}
	}
	// What is buffered belongs to the incr file being left.
	a.selected = -1
	s.aofFlush()
	if err := s.openNewIncr(); err != nil {
		a.lastRewriteErr = true
		return err
	}
	a.rewrites++

	tmp := filepath.Join(s.Cfg.Dir, fmt.Sprintf("temp-rewriteaof-bg-%d.aof", os.Getpid()))
	f, err := os.Create(tmp)
	if err != nil {
		s.Log.Warningf("Can't rewrite append only file in background: %v", err)
		a.lastRewriteErr = true
		return err
	}
	bg := &bgSave{out: newSaveQueue(), start: time.Now(), dirty: s.Dirty, aofRewrite: true,
		aofPreamble: true, tmp: tmp} // a base in commands (aof-use-rdb-preamble no) is not written yet
	bg.rdbImage = s.newRDBImageFor(rdb.NewWriter(bg.out), true, true)
	s.bgsave.run = bg
	s.snapshotStarted(bg)
	a.rewriteScheduled = false
	s.Log.Noticef("Background append only file rewriting started")
	go bg.out.drain(f, tmp, tmp)
	if s.Hold != nil {
		go s.driveBGSave(bg)
	}
	return nil
}

// openNewIncr opens the incr file the writes go to from now on
// (openNewIncrAofForAppend): a new one named in the manifest, or while
// the AOF waits for its first rewrite a temporary one. The old file is
// fsynced and closed by its writer.
func (s *Server) openNewIncr() error {
	a := &s.aof
	if a.status == aofOff {
		return nil
	}
	dir := s.aofDir()
	var m *aofManifest
	var name string
	if a.status == aofWaitRewrite {
		name = s.aofTempIncrName()
	} else {
		m = a.manifest.clone()
		name = m.newIncr(s.Cfg.AppendFilename)
	}
	f, err := os.OpenFile(filepath.Join(dir, name), os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o666)
	if err != nil {
		s.Log.Warningf("Can't open the append-only file %s: %v", name, err)
		return err
	}
	if m != nil {
		if err := writeManifest(dir, s.Cfg.AppendFilename, m); err != nil {
			s.Log.Warningf("%v", err)
			f.Close()
			_ = os.Remove(filepath.Join(dir, name))
			return err
		}
		a.manifest = m
	}
	s.Log.Noticef("Creating AOF incr file %s on background rewrite", name)
	if a.w != nil {
		a.w.closeAsync()
	}
	a.w = newAOFWriter(f, s.Cfg.AppendFsync)
	a.incrName = name
	a.incrSize = 0
	s.updatePropagating()
	return nil
}

// aofRewriteDone completes a rewrite whose base was written (err nil) or
// failed (backgroundRewriteDoneHandler).
func (s *Server) aofRewriteDone(bg *bgSave, err error) {
	a := &s.aof
	a.lastRewriteSecs = int64(time.Since(bg.start).Seconds())
	if err == nil {
		err = s.aofInstallRewrite(bg)
	}
	if err != nil {
		_ = os.Remove(bg.tmp)
		a.lastRewriteErr = true
		a.rewriteFailures++
		s.Log.Warningf("Background AOF rewrite terminated with error: %v", err)
		if a.status == aofWaitRewrite {
			// Try again from the start: the temporary incr file is
			// useless without its base.
			if a.w != nil {
				a.w.closeAsync()
				a.w = nil
			}
			a.buf = a.buf[:0]
			s.updatePropagating()
			_ = os.Remove(filepath.Join(s.aofDir(), s.aofTempIncrName()))
			a.rewriteScheduled = true
		}
		return
	}
	a.lastRewriteErr = false
	a.rewriteFailures = 0
	s.Log.Noticef("Background AOF rewrite finished successfully")
	if a.status == aofWaitRewrite {
		a.status = aofOn
	}
}

// aofInstallRewrite renames the new base into place and saves the
// manifest that names it.
func (s *Server) aofInstallRewrite(bg *bgSave) error {
	a := &s.aof
	dir := s.aofDir()
	s.Log.Noticef("Background AOF rewrite terminated with success")
	m := a.manifest.clone()
	base := m.newBase(s.Cfg.AppendFilename, bg.aofPreamble)
	basePath := filepath.Join(dir, base)
	if err := os.Rename(bg.tmp, basePath); err != nil {
		return fmt.Errorf("error trying to rename the temporary AOF base file %s into %s: %w", filepath.Base(bg.tmp), base, err)
	}
	s.Log.Noticef("Successfully renamed the temporary AOF base file %s into %s", filepath.Base(bg.tmp), base)
	var incrPath string
	if a.status == aofWaitRewrite {
		incr := m.newIncr(s.Cfg.AppendFilename)
		incrPath = filepath.Join(dir, incr)
		if err := os.Rename(filepath.Join(dir, s.aofTempIncrName()), incrPath); err != nil {
			_ = os.Remove(basePath)
			return fmt.Errorf("error trying to rename the temporary AOF incr file %s into %s: %w", s.aofTempIncrName(), incr, err)
		}
		s.Log.Noticef("Successfully renamed the temporary AOF incr file %s into %s", s.aofTempIncrName(), incr)
		a.incrName = incr
	}
	m.incrToHistory(a.w != nil)
	if err := writeManifest(dir, s.Cfg.AppendFilename, m); err != nil {
		_ = os.Remove(basePath)
		if incrPath != "" {
			_ = os.Remove(incrPath)
		}
		return err
	}
	a.manifest = m
	if a.status != aofOff {
		if fi, err := os.Stat(basePath); err == nil {
			a.currentSize = fi.Size() + a.incrSize
			a.baseSize = a.currentSize
		}
	}
	s.aofDeleteHistory()
	return nil
}

// aofDeleteHistory deletes the history files and drops them from the
// manifest, unless aof-disable-auto-gc.
func (s *Server) aofDeleteHistory() {
	m := s.aof.manifest
	if m == nil || len(m.history) == 0 || s.cfgBool("aof-disable-auto-gc") {
		return
	}
	dir := s.aofDir()
	for _, h := range m.history {
		s.Log.Noticef("Removing the history file %s in the background", h.name)
		path := filepath.Join(dir, h.name)
		removeInBackground(path)
	}
	m.history = nil
	if err := writeManifest(dir, s.Cfg.AppendFilename, m); err != nil {
		s.Log.Warningf("%v", err)
	}
}

// aofRewriteStop abandons a rewrite in progress (killAppendOnlyChild).
func (s *Server) aofRewriteStop() bool {
	bg := s.bgsave.run
	if bg == nil || !bg.aofRewrite {
		return false
	}
	s.Log.Noticef("Killing running AOF rewrite child")
	s.bgsave.run = nil
	bg.abandon()
	bg.out.abort()
	_ = bg.out.wait()
	s.releaseKept(bg)
	_ = os.Remove(bg.tmp)
	s.aof.lastRewriteSecs = int64(time.Since(bg.start).Seconds())
	return true
}

// finishBackground runs a background save or rewrite to its end on the
// calling goroutine, for engines without a holder (tests, tools).
func (s *Server) finishBackground() {
	bg := s.bgsave.run
	if bg == nil {
		return
	}
	for {
		more, _ := s.bgsaveStep()
		if !more {
			break
		}
	}
	s.bgsaveDone(bg, bg.out.wait())
}

// BGREWRITEAOF
func cmdBGRewriteAOF(c *Client) {
	s, a := c.srv, &c.srv.aof
	switch {
	case s.aofRewriteRunning():
		c.AddError("ERR Background append only file rewriting already in progress")
	case s.bgsave.run != nil || c.inExec():
		a.rewriteScheduled = true
		a.rewriteFailures = 0 // asked for: no delay
		s.Log.Noticef("Background append only file rewriting scheduled.")
		c.AddSimple("Background append only file rewriting scheduled")
	case s.startAOFRewrite() == nil:
		c.AddSimple("Background append only file rewriting started")
	default:
		c.AddError("ERR Can't execute an AOF background rewriting. Please check the server logs for more information.")
	}
}

// DEBUG LOADAOF: write out what is buffered, empty the dataset and load
// the AOF again.
func debugLoadAOF(c *Client) {
	s := c.srv
	if s.aof.status == aofOn {
		s.aofFlush()
		if s.aof.w != nil {
			_ = s.aof.w.sync()
		}
	}
	for _, db := range s.dbs {
		db.Flush(false)
	}
	s.trackingFlushed()
	m, err := readManifest(s.aofDir(), s.Cfg.AppendFilename)
	if err == nil {
		if s.aof.manifest != nil && m != nil {
			s.aof.manifest = m
			s.aofDeleteHistory()
		}
		err = s.LoadAOF()
	}
	if err != nil {
		s.Log.Warningf("DEBUG LOADAOF: %v", err)
		aofExit(1)
		return
	}
	s.Dirty = 0
	s.Log.Noticef("Append Only File loaded by DEBUG LOADAOF")
	c.AddOK()
}
