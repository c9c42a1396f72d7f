package engine

// INFO's event loop metrics. Valkey counts a cycle from the return of the
// poll to the next beforeSleep; here the engine's equivalent is a hold:
// from Acquired (a batch of commands, a cron step, a background save's
// step) to Released. Durations are kept in nanoseconds and shown in
// microseconds.

// durationStat sums the samples of one kind of duration.
type durationStat struct {
	cnt, sum, max int64 // sum and max in ns
}

func (d *durationStat) add(ns int64) {
	d.cnt++
	d.sum += ns
	if ns > d.max {
		d.max = ns
	}
}

// eventLoopStats are the counters behind eventloop_* in INFO stats and
// INFO debug.
type eventLoopStats struct {
	start    int64 // monotonic ns the current hold began, 0 outside one
	cmdStart int64 // CommandsProcessed when it began

	cycle durationStat // whole holds
	cmd   durationStat // top-level commands
	aof   durationStat // AOF flushes before giving the engine up
	cron  durationStat // the cron's steps

	cmdPerCycleMax int64
}

// holdStarted opens a cycle at monotonic time now.
func (s *Server) holdStarted(now int64) {
	s.el.start = now
	s.el.cmdStart = s.Stats.CommandsProcessed
}

// holdEnded closes the cycle opened by holdStarted.
func (s *Server) holdEnded() {
	el := &s.el
	if el.start == 0 {
		return
	}
	el.cycle.add(s.mono.now() - el.start)
	el.start = 0
	if n := s.Stats.CommandsProcessed - el.cmdStart; n > el.cmdPerCycleMax {
		el.cmdPerCycleMax = n
	}
}

// resetEventLoopStats zeroes the counters (CONFIG RESETSTAT), keeping the
// cycle in progress.
func (s *Server) resetEventLoopStats() {
	el := &s.el
	*el = eventLoopStats{start: el.start}
}

func (s *Server) infoEventLoopStats(w *infoWriter) {
	el := &s.el
	w.int("eventloop_cycles", el.cycle.cnt)
	w.int("eventloop_duration_sum", el.cycle.sum/1000)
	w.int("eventloop_duration_cmd_sum", el.cmd.sum/1000)
	w.int("instantaneous_eventloop_cycles_per_sec", s.inst.rate(instELCycles))
	w.int("instantaneous_eventloop_duration_usec", s.inst.rate(instELDuration))
}

func (s *Server) infoEventLoopDebug(w *infoWriter) {
	el := &s.el
	w.int("eventloop_duration_aof_sum", el.aof.sum/1000)
	w.int("eventloop_duration_cron_sum", el.cron.sum/1000)
	w.int("eventloop_duration_max", el.cycle.max/1000)
	w.int("eventloop_cmd_per_cycle_max", el.cmdPerCycleMax)
}
