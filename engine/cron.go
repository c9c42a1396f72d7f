package engine

import "github.com/volleydb/volley/engine/keyspace"

// Cron runs the periodic work, hz times a second, while holding the
// engine: idle-client timeouts, statistics, the tracking table's limit. Each step is bounded so a
// large server never stalls its clients.
func (s *Server) Cron() {
	if s.script.busy.timedOut {
		return // the cron got the engine while a script lets others in: no timers then, as in Valkey
	}
	if s.cronPaused {
		return // DEBUG PAUSE-CRON 1
	}
	if s.sigShutdown.Load() > 0 {
		s.shutdownCron()
	}
	if s.shutdownWait.active {
		s.shutdownWaitCron(s.Clock.NowMs())
	}
	cronStart := s.mono.now()
	defer func() { s.el.cron.add(s.mono.now() - cronStart) }()
	now := s.Clock.NowMs()
	s.cronLoops++
	s.updateCachedTime(now)
	s.mono.tick()
	s.lazyfreeKick(s.mono.now()) // values lazily freed while a collection ran
	s.StatsCron(now)
	s.pauseCron(now)       // end CLIENT PAUSE when its time is up, waking the postponed clients
	s.blockedCron(now)     // time out clients blocked in BLPOP and friends
	s.retryPsyncFailover() // a PSYNC FAILOVER waiting for a link that went meanwhile (repl_failover.go)
	s.databasesCron(now)   // active expiry, table resizing and rehashing
	if len(s.replicaKeys) > 0 && s.Cfg.ReplicaOfHost != "" && !s.expire.disabled {
		s.expireReplicaKeys(now) // keys written on a writable replica expire there
	}
	keyspace.DecayLargeSpare(now) // kept memory goes back once churn stops
	for _, db := range s.dbs {
		db.arena.Decay(now)
	}
	s.saveCron(now) // the save points, and a BGSAVE scheduled inside EXEC
	s.aofCron(now)  // scheduled and automatic AOF rewrites, the writer's once-a-second fsync
	if len(s.migrate.conns) > 0 {
		s.migrateCron(now) // MIGRATE's idle cached connections
	}
	s.replicaCron(now)     // a replica's link: connect, time out, ACK (repl_replica.go)
	s.replPrimaryCron(now) // the replicas: PING, timeouts, the backlog's TTL, waiting full syncs (repl_primary.go)
	if t := s.Cfg.Timeout; t > 0 {
		s.closeIdleClients(now, t*1000)
	}
	s.clientsCron(now)
	if lim := s.Cfg.TrackingTableMaxKeys; lim > 0 && len(s.tracking.table) > lim {
		s.trackingLimit() // also when idle, after a CONFIG SET lowered the limit
	}
}

// BeforeSleep is the work done each time the coordinator is about to give
// the engine up (Valkey's beforeSleep, before the event loop waits): a
// fast active expiry cycle when the last one ran out of time.
func (s *Server) BeforeSleep() {
	if s.script.busy.timedOut || s.loading {
		return // a batch served while a script or a load lets others in: it still runs
	}
	if len(s.aof.buf) > 0 {
		aofStart := s.mono.now()
		s.aofFlush() // before the replies go out: with appendfsync always, on disk
		s.el.aof.add(s.mono.now() - aofStart)
	}
	if p := &s.repl.prim; len(p.wake) > 0 || p.getack {
		s.replBeforeSleep() // WAIT's GETACK, then the replicas' I/O loops woken once for the stream
	}
	if s.repl.failover.state == failoverWaitForSync {
		s.updateFailover() // the ACKs that came may let a FAILOVER go ahead, or its time is up (repl_failover.go)
	}
	if len(s.tracking.prefixes) > 0 {
		s.trackingBroadcast()
	}
	if s.evict.running {
		// The pass before stopped at its time limit (or CONFIG SET
		// maxmemory asked for one). The cron's hold ends here too, so an
		// eviction goes on with no command coming.
		s.performEvictions()
	}
	// The cheap test first: this runs after every batch of commands.
	acceptable := activeExpireAcceptableStale - s.activeExpireEffort()
	if !s.fastCycleWanted(expireJobKeys, acceptable) && !s.fastCycleWanted(expireJobFields, acceptable) {
		return
	}
	if s.activeExpireOn() {
		s.activeExpireCycle(expireCycleFast, s.Clock.NowMs())
	}
}

// clientRing holds the clients in an order the cron can go round in
// turns, which a map's does not give.
type clientRing struct {
	list []*Client
	next int // the next to visit
}

func (r *clientRing) add(c *Client) {
	c.ringPos = len(r.list)
	r.list = append(r.list, c)
}

func (r *clientRing) remove(c *Client) {
	i := c.ringPos
	if i >= len(r.list) || r.list[i] != c {
		return
	}
	last := len(r.list) - 1
	r.list[i] = r.list[last]
	r.list[i].ringPos = i
	r.list[last] = nil
	r.list = r.list[:last]
}

// clientsCronMin is the fewest clients a cron step visits.
const clientsCronMin = 5

// clientsCron visits a share of the clients each step, so that each one
// is visited about once a second however many there are, as Valkey's
// clients cron goes round: with few clients, every one every step.
func (s *Server) clientsCron(now int64) {
	r := &s.clientRing
	n := len(r.list)
	visits := n / s.Cfg.Hz
	if visits < clientsCronMin {
		visits = min(n, clientsCronMin)
	}
	for range visits {
		if r.next >= len(r.list) {
			r.next = 0
		}
		c := r.list[r.next]
		s.trimQueryBuf(c, now)
		s.checkOutputLimit(c)
		r.next++
	}
}

// checkOutputLimit closes c if its output is over its limit, as
// Valkey's clients cron does: the I/O loop checks only when output is
// added, and a client over its soft limit that gets no more would
// otherwise stay past its seconds for ever.
func (s *Server) checkOutputLimit(c *Client) {
	if c.link == nil || c.Flags&ClientCloseASAP != 0 {
		return
	}
	if !c.OutputOverLimit(uint64(c.Out.Len() + c.sendPending())) {
		return
	}
	if c.Flags&ClientReplica != 0 && c.Flags&ClientMonitor == 0 {
		s.replOverLimit(c)
		return
	}
	s.OutputLimitClosed(c)
	c.Flags |= ClientCloseASAP
	c.link.Close(true)
}

// OutputLimitClosed logs and counts the close of c for going over its
// output buffer limit.
func (s *Server) OutputLimitClosed(c *Client) {
	s.Log.Warningf("Client id=%d addr=%s closed for overcoming of output buffer limits.", c.ID, c.Addr)
	s.Stats.ClientOutbufLimitDisc++
}

// A query buffer left with free space is trimmed, as Valkey's clients
// cron resizes it: an I/O loop keeps a buffer it grew (for a big
// argument, a pipeline split across reads) for the next command, and this
// gives the space back once it is wasted.
const (
	qbufTrimMinFree  = 4 << 10  // less free space than this is left alone
	qbufTrimIdleSecs = 2        // idle longer than this: all of it goes
	qbufTrimMinAlloc = 32 << 10 // a busy client's buffer is trimmed only above this
)

// trimQueryBuf asks c's I/O loop to trim its query buffer if that is
// worth it.
func (s *Server) trimQueryBuf(c *Client, now int64) {
	used, free := c.QueryBuf()
	if free <= qbufTrimMinFree {
		return
	}
	t, ok := c.link.(QueryBufTrimmer)
	if !ok {
		return
	}
	// Valkey counts idle time in whole seconds.
	if idle := now/1000-c.LastInteraction/1000 > qbufTrimIdleSecs; idle || used+free > qbufTrimMinAlloc {
		t.TrimQueryBuf(idle)
	}
}

// closeIdleClients closes normal clients idle for longer than limitMs, as
// Valkey's timeout directive does (replicas, primaries, blocked and
// pub/sub clients are exempt).
func (s *Server) closeIdleClients(now, limitMs int64) {
	for _, c := range s.clients {
		if c.Flags&(ClientReplica|ClientPrimary|ClientBlocked|ClientPubSub) != 0 {
			continue
		}
		if now-c.LastInteraction > limitMs && c.link != nil {
			s.Log.Verbosef("Closing idle client")
			c.link.Close(true)
		}
	}
}
