package engine

// Cron runs the periodic work, hz times a second, while holding the
// engine: idle-client timeouts and statistics. Each step is bounded so a
// large server never stalls its clients.
func (s *Server) Cron() {
	now := s.Clock.NowMs()
	s.cronLoops++
	s.updateCachedTime(now)
	s.mono.tick()
	s.StatsCron(now)
	s.pauseCron(now)     // end CLIENT PAUSE when its time is up, waking the postponed clients
	s.blockedCron(now)   // time out clients blocked in BLPOP and friends
	s.databasesCron(now) // active expiry, table resizing and rehashing
	s.activeExpireFields(now)
	if t := s.Cfg.Timeout; t > 0 {
		s.closeIdleClients(now, t*1000)
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
