package engine

import (
	"math"
	"slices"
)

// A primary's shutdown waits for its replicas (shutdown-timeout), as
// Valkey's does: writes are paused, the replicas are asked for their
// offsets (REPLCONF GETACK), and the shutdown goes on once every online
// replica has acknowledged everything, or after shutdown-timeout seconds
// at the latest. A replica that had not caught up is logged. Without it a
// planned restart of a primary would lose the writes still on their way.
// SHUTDOWN blocks its client meanwhile, and so does any SHUTDOWN sent
// during the wait; SHUTDOWN ABORT cancels the wait. Each of them gets an
// error if the wait is aborted or the shutdown fails, and no reply if
// the server exits.

// shutdownWait is a shutdown waiting for the replicas. The SHUTDOWN
// clients waiting on it are the ones blocked as blockShutdown: the first
// and any that came during the wait.
type shutdownWait struct {
	active   bool
	deadline int64 // unix ms
	flags    ShutdownFlags
	signal   string // the signal's name, for a signal's
}

// readyToShutdown reports whether every replica has acknowledged the
// whole stream (isReadyToShutdown): one still syncing is waited for too.
func (s *Server) readyToShutdown() bool {
	for _, c := range s.repl.prim.replicas {
		if c.repl.ackOff != s.repl.offset {
			return false
		}
	}
	return true
}

// logReplicasAtShutdown logs, as Valkey's finishShutdown does on every
// shutdown of a server with replicas, each replica that lags and how
// many are in sync.
func (s *Server) logReplicasAtShutdown() {
	reps := s.repl.prim.replicas
	if len(reps) == 0 {
		return
	}
	lagging := 0
	now := s.unixNow()
	for _, c := range reps {
		r := c.repl
		if r.ackOff == s.repl.offset {
			continue
		}
		lagging++
		lag := int64(0)
		if r.state == replOnline {
			lag = now - r.ackTime
		}
		s.Log.Noticef("Lagging replica %s reported offset %d behind master, lag=%d, state=%s.",
			replicaName(c), s.repl.offset-r.ackOff, lag, replStateName(r.state))
	}
	s.Log.Noticef("%d of %d replicas are in sync when shutting down.", len(reps)-lagging, len(reps))
}

// waitReplicasBeforeShutdown starts the wait and reports true when there
// is one to make; SHUTDOWN NOW, shutdown-timeout 0, a load in progress and
// replicas all caught up go on at once.
func (s *Server) waitReplicasBeforeShutdown(c *Client, flags ShutdownFlags, signal string) bool {
	if flags&ShutdownNow != 0 || s.Cfg.ShutdownTimeout == 0 || s.loading || s.readyToShutdown() {
		return false
	}
	w := &s.shutdownWait
	*w = shutdownWait{active: true, deadline: s.Clock.NowMs() + int64(s.Cfg.ShutdownTimeout)*1000, flags: flags, signal: signal}
	if s.ActionsPaused(PauseReplica) == 0 {
		s.repl.prim.getack = true // REPLCONF GETACK goes out before the engine is let go
	}
	s.PauseActions(PauseDuringShutdown, math.MaxInt64, PauseWriteSet)
	s.Log.Noticef("Waiting for replicas before shutting down.")
	if c != nil {
		s.blockForShutdown(c)
	}
	return true
}

// blockForShutdown blocks c until the waiting shutdown ends
// (blockClientShutdown): its own kind of wait, off the WAIT clients'
// list and deaf to CLIENT UNBLOCK, without a timeout of its own.
func (s *Server) blockForShutdown(c *Client) {
	s.blockForKeys(c, blockShutdown, nil, 0)
}

// shutdownWaitCron finishes a waiting shutdown once the replicas caught
// up or the time is up; if the final save fails the server stays up and
// every SHUTDOWN waiting gets the error.
func (s *Server) shutdownWaitCron(now int64) {
	w := &s.shutdownWait
	if !s.readyToShutdown() && now < w.deadline {
		return
	}
	wait := *w
	s.endShutdownWait()
	if s.finishShutdown(wait.flags) == nil {
		return // the process exits; the SHUTDOWN gets no reply, as in Valkey
	}
	if wait.signal != "" {
		s.Log.Warningf("%s received but errors trying to shut down the server, check the logs for more information", wait.signal)
		s.sigShutdown.Store(0)
	}
	s.failShutdownClients()
}

// abortShutdownWait cancels a waiting shutdown (SHUTDOWN ABORT) and
// reports whether there was one.
func (s *Server) abortShutdownWait() bool {
	w := &s.shutdownWait
	if !w.active {
		return false
	}
	s.endShutdownWait()
	s.Log.Noticef("Shutdown manually aborted.")
	s.failShutdownClients()
	return true
}

// endShutdownWait lifts the pause of a waiting shutdown.
func (s *Server) endShutdownWait() {
	s.shutdownWait = shutdownWait{}
	s.UnpauseActions(PauseDuringShutdown)
}

// failShutdownClients answers every SHUTDOWN still waiting with the
// failure (replyToClientsBlockedOnShutdown): the shutdown was aborted or
// could not be made. Like Valkey, it counts no statistics for them.
func (s *Server) failShutdownClients() {
	if s.blocking.byType[blockShutdown] == 0 {
		return
	}
	for _, c := range slices.Clone(s.blocking.clients) {
		if c.blocked.btype != blockShutdown {
			continue
		}
		s.releaseBlocked(c)
		c.AddError("ERR Errors trying to SHUTDOWN. Check logs.")
		s.wakeUnblocked(c)
	}
}
