package engine

import (
	"fmt"
	"os"
	"path/filepath"
)

// A shutdown signal (SIGTERM, SIGINT) only schedules a shutdown, as
// Valkey's signal handler sets shutdown_asap: the cron serves it on its
// next step, holding the engine, so SHUTDOWN ABORT can cancel it until
// then (and DEBUG PAUSE-CRON holds it off).

// Signals the shutdown scheduler tells apart.
const (
	SignalTerm = 1
	SignalInt  = 2
)

// SignalShutdownPending reports whether a signal's shutdown is scheduled
// and not yet served or aborted. It may be called from any goroutine.
func (s *Server) SignalShutdownPending() bool { return s.sigShutdown.Load() != 0 }

// ScheduleSignalShutdown records that sig asked for a shutdown. It may be
// called from any goroutine.
func (s *Server) ScheduleSignalShutdown(sig int32) { s.sigShutdown.Store(sig) }

// RemoveTempRDB removes the file a foreground save of this process writes
// before renaming it, for an exit in the middle of the save. Any
// goroutine may call it.
func (s *Server) RemoveTempRDB() {
	_ = os.Remove(filepath.Join(s.Cfg.Dir, fmt.Sprintf("temp-%d.rdb", os.Getpid())))
}

// shutdownCron serves a scheduled signal shutdown: the final save as
// shutdown-on-sigterm / shutdown-on-sigint say, then the exit. If the
// save fails the server stays up and forgets the signal.
func (s *Server) shutdownCron() {
	sig := s.sigShutdown.Load()
	if sig <= 0 {
		return
	}
	name, flags := "SIGTERM", s.Cfg.ShutdownOnSigterm
	if sig == SignalInt {
		name, flags = "SIGINT", s.Cfg.ShutdownOnSigint
	}
	if s.shutdownWait.active {
		s.sigShutdown.Store(-1) // a SHUTDOWN waits already; a second SIGINT exits at once
		return
	}
	if s.waitReplicasBeforeShutdown(nil, flags, name) {
		s.sigShutdown.Store(-1) // served by the wait (shutdown_wait.go)
		return
	}
	s.sigShutdown.Store(-1) // on its way out: not served twice
	if s.finishShutdown(flags) == nil {
		return
	}
	s.Log.Warningf("%s received but errors trying to shut down the server, check the logs for more information", name)
	s.sigShutdown.Store(0)
}

// abortSignalShutdown cancels a scheduled signal shutdown (SHUTDOWN
// ABORT) and reports whether there was one.
func (s *Server) abortSignalShutdown() bool {
	if s.sigShutdown.Load() <= 0 {
		return false
	}
	s.sigShutdown.Store(0)
	s.Log.Noticef("Shutdown manually aborted.")
	return true
}
