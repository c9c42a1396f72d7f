package engine

import (
	"math"
	"slices"
	"strconv"
	"strings"
)

// FAILOVER: a primary hands its role to one of its replicas without
// losing a write (Valkey's coordinated failover, replication.c).
//
//   - waiting-for-sync: writes are paused (PauseDuringFailover), so the
//     stream stops growing, and the primary waits for a replica (the
//     one named by TO, or the first of any) to acknowledge its whole
//     stream. The replicas acknowledge on their own, once a second, as
//     Valkey's do: a GETACK would lengthen the stream it waits for them
//     to reach. (So does the cron's PING, which Valkey stops only when
//     there is a TIMEOUT; see replPrimaryCron.)
//   - failover-in-progress: the primary becomes a replica of that
//     replica, and its PSYNC carries FAILOVER. The replica, seeing its
//     own primary's history in the request, promotes itself (as
//     REPLICAOF NO ONE, keeping that history as its second), once it
//     has applied what its primary sent before (failoverPsyncWaits),
//     and lets the former primary continue from it.
//   - back to no-failover: the PSYNC was answered with +CONTINUE or
//     +FULLRESYNC, so the roles are swapped; the clients blocked on keys
//     are sent away as on any change to replica, and the pause ends, so
//     the writes it held back now meet a replica.
//
// TIMEOUT bounds the wait for the sync: past it the failover is aborted,
// or with FORCE goes ahead with the named replica anyway. FAILOVER ABORT
// ends it at any point before the PSYNC is answered; so does a PSYNC
// refused or unanswered. Aborting puts the server back as a primary, with
// writes unpaused. While a failover is under way REPLICAOF is refused
// (only ABORT may change the roles then), and so are the SYNC and PSYNC
// of other replicas, whose primary is about to stop being one; the
// replicas already there stay connected and follow the former primary.
// The replication cron runs ten times a second meanwhile (replCronDue).
//
// Clients that announced CLIENT CAPA REDIRECT are sent to the new primary
// with -REDIRECT once the failover has succeeded (rejection); while it is
// in progress their reads wait with the paused writes, since the target
// may not have promoted itself yet.

// failoverState is where a FAILOVER is (failover_state).
type failoverState uint8

const (
	failoverNone        failoverState = iota
	failoverWaitForSync               // writes paused, waiting for a replica to catch up
	failoverInProgress                // a replica of the target, its PSYNC FAILOVER not yet answered
)

// String is the state as INFO's master_failover_state shows it.
func (st failoverState) String() string {
	switch st {
	case failoverWaitForSync:
		return "waiting-for-sync"
	case failoverInProgress:
		return "failover-in-progress"
	}
	return "no-failover"
}

// replFailover is the FAILOVER under way, if any.
type replFailover struct {
	state failoverState
	end   int64  // unix ms the wait for the sync ends; 0 without TIMEOUT
	force bool   // at the end, fail over to host anyway
	host  string // the target: given by TO, or the first replica that caught up; "" until known
	port  int
}

// FAILOVER [TO host port [FORCE]] [ABORT] [TIMEOUT milliseconds]
func cmdFailover(c *Client) {
	s := c.srv
	if s.Cfg.ClusterEnabled {
		c.AddError("ERR FAILOVER not allowed in cluster mode. Use CLUSTER FAILOVER command instead.")
		return
	}
	f := &s.repl.failover
	if len(c.Argv) == 2 && equalFoldASCII(c.Argv[1], "abort") {
		if f.state == failoverNone {
			c.AddError("ERR No failover in progress.")
			return
		}
		s.abortFailover("Failover manually aborted")
		c.AddOK()
		return
	}
	var timeout, port int64
	var host string
	to, force := false, false
	for j := 1; j < len(c.Argv); j++ {
		a := c.Argv[j]
		switch {
		case equalFoldASCII(a, "timeout") && j+1 < len(c.Argv) && timeout == 0:
			v, ok := parseLongArg(c, c.Argv[j+1], "")
			if !ok {
				return
			}
			if v <= 0 {
				c.AddError("ERR FAILOVER timeout must be greater than 0")
				return
			}
			timeout = v
			j++
		case equalFoldASCII(a, "to") && j+2 < len(c.Argv) && !to:
			v, ok := parseLongArg(c, c.Argv[j+2], "")
			if !ok {
				return
			}
			host, port, to = string(c.Argv[j+1]), v, true
			j += 2
		case equalFoldASCII(a, "force") && !force:
			force = true
		default:
			c.AddError(ErrSyntax)
			return
		}
	}
	switch {
	case f.state != failoverNone:
		c.AddError("ERR FAILOVER already in progress.")
		return
	case s.Cfg.ReplicaOfHost != "":
		c.AddError("ERR FAILOVER is not valid when server is a replica.")
		return
	case len(s.repl.prim.replicas) == 0:
		c.AddError("ERR FAILOVER requires connected replicas.")
		return
	case force && (timeout == 0 || !to):
		c.AddError("ERR FAILOVER with force option requires both a timeout and target HOST and IP.")
		return
	}
	if to {
		r := s.findReplica(host, port)
		if r == nil {
			c.AddError("ERR FAILOVER target HOST and PORT is not a replica.")
			return
		}
		if r.repl.state != replOnline {
			c.AddError("ERR FAILOVER target replica is not online.")
			return
		}
		s.Log.Noticef("FAILOVER requested to %s:%d.", host, port)
	} else {
		s.Log.Noticef("FAILOVER requested to any replica.")
	}
	*f = replFailover{state: failoverWaitForSync, force: force, host: host, port: int(port)}
	if timeout > 0 {
		f.end = s.Clock.NowMs() + timeout
	}
	s.PauseActions(PauseDuringFailover, math.MaxInt64, PauseWriteSet)
	c.AddOK()
}

// findReplica returns the replica whose address (as it announced it, or
// its connection's) and listening port are host and port, nil if none.
func (s *Server) findReplica(host string, port int64) *Client {
	for _, c := range s.repl.prim.replicas {
		if ip := replicaIP(c); ip != "" && strings.EqualFold(ip, host) && int64(c.repl.port) == port {
			return c
		}
	}
	return nil
}

// updateFailover moves a failover waiting for its sync on
// (updateFailoverStatus): past its TIMEOUT it is aborted or, forced,
// goes ahead; once the target (or, without one, any replica) has
// acknowledged the whole stream, this server becomes its replica. It
// runs before the engine is let go, not where the ACK arrives, because
// turning replica must not happen in the middle of a command.
func (s *Server) updateFailover() {
	f := &s.repl.failover
	if f.state != failoverWaitForSync {
		return
	}
	if f.end != 0 && f.end <= s.Clock.NowMs() {
		if !f.force {
			s.abortFailover("Replica never caught up before timeout")
			return
		}
		f.state = failoverInProgress
		s.Log.Noticef("FAILOVER to %s:%d time out exceeded, failing over.", f.host, f.port)
		s.replicationSetPrimary(f.host, f.port, false)
		return
	}
	var target *Client
	if f.host != "" {
		target = s.findReplica(f.host, int64(f.port))
	} else {
		for _, c := range s.repl.prim.replicas {
			ip := replicaIP(c)
			if c.repl.ackOff == s.repl.offset && ip != "" {
				target = c
				f.host, f.port = ip, c.repl.port
				break
			}
		}
	}
	if target == nil || target.repl.ackOff != s.repl.offset {
		return
	}
	f.state = failoverInProgress
	s.Log.Noticef("Failover target %s:%d is synced, failing over.", f.host, f.port)
	// Blocked clients stay as they are until the target has taken over:
	// if it refuses, they are still a primary's.
	s.replicationSetPrimary(f.host, f.port, false)
}

// abortFailover ends a failover that has not succeeded, why says why for
// the log: a server that already turned replica is a primary again.
func (s *Server) abortFailover(why string) {
	f := &s.repl.failover
	if f.state == failoverNone {
		return
	}
	if f.host != "" {
		s.Log.Noticef("FAILOVER to %s:%d aborted: %s", f.host, f.port, why)
	} else {
		s.Log.Noticef("FAILOVER to any replica aborted: %s", why)
	}
	if f.state == failoverInProgress {
		s.replicationUnsetPrimary()
	}
	s.clearFailover(false)
}

// clearFailover ends the failover and its pause (clearFailoverState);
// after a success the clients blocked on keys are released as when
// turning replica.
func (s *Server) clearFailover(success bool) {
	s.repl.failover = replFailover{}
	if success {
		s.unblockForRoleChange()
	}
	s.UnpauseActions(PauseDuringFailover)
}

// failoverRejected is why a failover is aborted when its target answers
// the PSYNC FAILOVER with anything but +CONTINUE or +FULLRESYNC, or not
// at all.
const failoverRejected = "Failover target rejected psync request"

// failoverPsyncDone settles a failover in progress once its PSYNC
// FAILOVER has had its answer: accepted (+CONTINUE or +FULLRESYNC) means
// the target took over; anything else (an error, no reply, or the PSYNC
// not even sent) aborts the failover for why. It reports false when it
// aborted: this server is a primary again and the link must stop.
func (s *Server) failoverPsyncDone(accepted bool, why string) bool {
	if s.repl.failover.state != failoverInProgress {
		return true
	}
	if accepted {
		s.clearFailover(true)
		return true
	}
	s.abortFailover(why)
	return false
}

// failoverPsyncWaits holds back a PSYNC FAILOVER from this replica's
// primary while the link is up and has not applied the stream up to the
// offset the request asks to continue from, and reports whether it did.
// Valkey, reading every connection from one event loop, in practice
// applies the stream before it serves the request that arrived after it;
// here the link's goroutine may be scheduled later than the request's
// I/O loop, and a replica promoted short of those bytes would cost the
// former primary a full resynchronization. The link's next batch, or
// the cron once the link has gone, runs the PSYNC again
// (retryPsyncFailover).
func (s *Server) failoverPsyncWaits(c *Client) bool {
	if s.Cfg.ReplicaOfHost == "" || !s.replLinkUp() || !strings.EqualFold(string(c.Argv[1]), s.repl.id) {
		return false
	}
	off, err := strconv.ParseInt(string(c.Argv[2]), 10, 64)
	if err != nil || off-1 <= s.repl.offset {
		return false
	}
	s.blockForKeys(c, blockPsyncFailover, nil, 0)
	return true
}

// retryPsyncFailover runs again the PSYNC FAILOVER requests waiting for
// the stream; each is served now or waits again.
func (s *Server) retryPsyncFailover() {
	if s.blocking.byType[blockPsyncFailover] == 0 {
		return
	}
	for _, c := range slices.Clone(s.blocking.clients) {
		if c.blocked != nil && c.blocked.btype == blockPsyncFailover {
			s.reexecute(c)
		}
	}
}
