package engine

// Pausing clients (CLIENT PAUSE, and the pauses SHUTDOWN, FAILOVER and
// slot migration take) follows Valkey's model: each purpose holds a set
// of paused actions and an end time; the server-wide set is their union
// over the purposes that have not ended. Ended pauses are cleared by
// Cron, not by the dispatcher, so between the end time and the next cron
// tick commands still wait, exactly as in Valkey, and the per-command
// check is one load of pause.actions.
//
// A paused command is not rejected: it is postponed. The I/O layer asks
// Paused before executing each command of a batch; when it says yes, the
// I/O layer stops the batch there and keeps that command and everything
// after it in the connection's query buffer. When the pause ends or
// becomes less strict, releasePostponed wakes each postponed client
// (Link.Wake), and its I/O loop re-parses the kept input and asks again,
// so a command that is still paused (a write under a WRITE pause left
// over from an ALL pause) simply parks again.

// PauseAction is a set of actions a pause holds back.
type PauseAction uint32

// The actions, with Valkey's numbering: ALL must compare greater than
// WRITE, because a pause that goes from ALL to WRITE is less strict and
// wakes the postponed clients (see updatePause).
const (
	PauseClientWrite PauseAction = 1 << iota // commands that write or may replicate
	PauseClientAll                           // every command of normal clients
	PauseExpire                              // deleting expired keys (lazy and active)
	PauseEvict                               // evicting keys for maxmemory
	PauseReplica                             // feeding the replication stream

	pauseClientMask = PauseClientWrite | PauseClientAll

	// PauseWriteSet and PauseAllSet are what CLIENT PAUSE WRITE and
	// CLIENT PAUSE ALL hold back: besides the clients, nothing may change
	// the dataset behind their back, so expiry and eviction wait too.
	PauseWriteSet = PauseClientWrite | PauseExpire | PauseEvict | PauseReplica
	PauseAllSet   = PauseClientAll | PauseExpire | PauseEvict | PauseReplica
)

// PausePurpose says who asked for a pause; each purpose has its own
// actions and end time.
type PausePurpose uint8

const (
	PauseByClient PausePurpose = iota // CLIENT PAUSE
	PauseDuringShutdown
	PauseDuringFailover
	PauseDuringSlotMigration
	numPausePurposes
)

// String returns the purpose as INFO's paused_reason names it.
func (p PausePurpose) String() string {
	switch p {
	case PauseByClient:
		return "client_pause"
	case PauseDuringShutdown:
		return "shutdown_in_progress"
	case PauseDuringFailover:
		return "failover_in_progress"
	case PauseDuringSlotMigration:
		return "slot_migration_in_progress"
	}
	return "none"
}

// pauseState is the server's pause bookkeeping.
type pauseState struct {
	actions   PauseAction // union of the purposes' actions that have not ended
	purposes  [numPausePurposes]pauseEvent
	postponed []*Client // clients whose next command waits for the pause, in arrival order
}

type pauseEvent struct {
	actions PauseAction
	end     int64 // unix ms; the event is over once the clock passes it
}

// PauseActions pauses actions for purpose until endMs (unix ms). A
// purpose's new actions replace its old ones, and its end time only ever
// grows until the pause is lifted with UnpauseActions.
func (s *Server) PauseActions(purpose PausePurpose, endMs int64, actions PauseAction) {
	p := &s.pause.purposes[purpose]
	p.actions = actions
	if p.end < endMs {
		p.end = endMs
	}
	s.updatePause(s.Clock.NowMs())
}

// UnpauseActions lifts purpose's pause and lets the postponed clients
// retry.
func (s *Server) UnpauseActions(purpose PausePurpose) {
	s.pause.purposes[purpose] = pauseEvent{}
	s.updatePause(s.Clock.NowMs())
}

// ActionsPaused returns which of actions are paused now. The keyspace
// asks it before deleting an expired key (PauseExpire) or evicting
// (PauseEvict): during a pause expired keys are only logically expired.
func (s *Server) ActionsPaused(actions PauseAction) PauseAction {
	return s.pause.actions & actions
}

// updatePause recomputes the paused actions at now, dropping the pauses
// that have ended, and wakes the postponed clients if the client pause
// became less strict.
func (s *Server) updatePause(now int64) {
	prev := s.pause.actions
	s.pause.actions = 0
	for i := range s.pause.purposes {
		p := &s.pause.purposes[i]
		if p.end > now {
			s.pause.actions |= p.actions
		} else {
			*p = pauseEvent{}
		}
	}
	if s.pause.actions&pauseClientMask < prev&pauseClientMask {
		s.releasePostponed()
	}
}

// pauseClientsByClient is CLIENT PAUSE: an ALL pause in force is kept
// even if the new request is only for writes.
func (s *Server) pauseClientsByClient(endMs int64, all bool) {
	actions := PauseAllSet
	if !all && s.pause.purposes[PauseByClient].actions&PauseClientAll == 0 {
		actions = PauseWriteSet
	}
	s.PauseActions(PauseByClient, endMs, actions)
}

// PauseInfo returns INFO clients' paused_reason, paused_actions and
// paused_timeout_milliseconds.
func (s *Server) PauseInfo() (reason, actions string, timeoutMs int64) {
	var which PauseAction
	switch {
	case s.pause.actions&PauseClientAll != 0:
		actions, which = "all", PauseClientAll
	case s.pause.actions&PauseClientWrite != 0:
		actions, which = "write", PauseClientWrite
	default:
		return "none", "none", 0
	}
	now := s.Clock.NowMs()
	purpose := numPausePurposes
	for i, p := range s.pause.purposes {
		if p.actions&which != 0 && p.end-now > timeoutMs {
			timeoutMs = p.end - now
			purpose = PausePurpose(i)
		}
	}
	return purpose.String(), actions, timeoutMs
}

// Paused reports whether c's command argv must wait for a client pause
// to end. The I/O layer calls it before Call for every command; on true
// it must not execute argv, and must keep argv and the rest of the batch
// queued until the client is woken through its Link. Commands the
// dispatcher would reject (unknown, wrong arity, not authenticated) are
// not paused: their errors are sent at once, as Valkey sends them.
func (s *Server) Paused(c *Client, argv [][]byte) bool {
	if c.blocked != nil {
		return true // blocked in BLPOP and friends: the rest waits until it is served (blocking.go)
	}
	if s.pause.actions&pauseClientMask == 0 {
		return false
	}
	return s.postpone(c, argv)
}

// postpone is Paused's slow path, taken only while clients are paused.
func (s *Server) postpone(c *Client, argv [][]byte) bool {
	// Replicas (and MONITOR clients, which Valkey also marks as replicas)
	// are never paused: a failover needs them to keep up.
	if len(argv) == 0 || c.Flags&(ClientReplica|ClientMonitor) != 0 {
		return false
	}
	// The checks Call makes before running a command, in step with it:
	// a command Call would reject gets its error now, not after the pause.
	// A WRITE pause holds back what may replicate, judged by the flags
	// the checks judged it by: EXEC by the commands it would run,
	// EVAL/EVALSHA/FCALL by their script's shebang (a no-writes script is
	// not held back).
	cmd := s.LookupCommand(argv)
	msg, flags := s.rejection(c, cmd, argv)
	if msg != "" && msg != errRedirectLater {
		return false
	}
	if msg == "" && s.pause.actions&PauseClientAll == 0 && flags&(FlagWrite|FlagMayReplicate) == 0 {
		return false
	}
	if !c.postponed {
		c.postponed = true
		c.Flags |= ClientBlocked
		s.pause.postponed = append(s.pause.postponed, c)
	}
	// CLIENT LIST shows a postponed client with the command it waits to
	// run, as Valkey does (its lastcmd is set at lookup).
	c.Cmd = cmd
	c.ArgvMem = 0
	for _, a := range argv {
		c.ArgvMem += len(a)
	}
	return true
}

// releasePostponed wakes every postponed client so its I/O loop retries
// the waiting command.
func (s *Server) releasePostponed() {
	list := s.pause.postponed
	s.pause.postponed = nil
	for _, c := range list {
		c.postponed = false
		c.Flags &^= ClientBlocked
		c.ArgvMem = 0
		if s.clients[c.ID] != c {
			continue // closed while it waited
		}
		if c.link != nil {
			c.link.Wake()
		}
	}
}

// PostponedCount returns how many clients wait for a pause; INFO counts
// them in blocked_clients.
func (s *Server) PostponedCount() int {
	n := 0
	for _, c := range s.pause.postponed {
		if s.clients[c.ID] == c {
			n++
		}
	}
	return n
}

// pauseCron ends the pauses whose time is up and forgets postponed
// clients that have closed meanwhile.
func (s *Server) pauseCron(now int64) {
	s.updatePause(now)
	live := s.pause.postponed[:0]
	for _, c := range s.pause.postponed {
		if s.clients[c.ID] == c {
			live = append(live, c)
		}
	}
	clear(s.pause.postponed[len(live):])
	s.pause.postponed = live
}
