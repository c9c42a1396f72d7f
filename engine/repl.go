package engine

import (
	crand "crypto/rand"
	"encoding/hex"
	"strings"
)

// Replication's shared bookkeeping: what both roles use (Valkey's
// replication.c). The primary side (serving SYNC/PSYNC, streaming to
// replicas, WAIT) is in repl_primary.go, the replica side (REPLICAOF, the
// link to a primary) in repl_replica.go.
//
// The write stream is the propagation of propagate.go: every change, in
// the form that replays the same anywhere. A primary feeds it to the
// backlog and to its replicas (replFeed), with a SELECT whenever the
// database changes. A replica does not feed its own commands: it passes
// on its primary's stream byte for byte, as it applies it (replFeedRaw),
// so that its replicas, and its own backlog, hold exactly the bytes and
// offsets of its primary's. That is what lets any server of the chain
// take over with a partial resynchronization (PSYNC2).
//
// The replication ID names a history of the stream; the offset is how
// many bytes of it this server has produced or applied. When a replica is
// promoted, its primary's ID becomes its second ID, valid up to the
// offset it had reached, so that its former fellow replicas can continue
// from it.

// replState is the replication ID pair, the offset and the backlog.
type replState struct {
	id           string // master_replid
	id2          string // master_replid2: the previous history, or 40 zeros
	offset       int64  // master_repl_offset
	secondOffset int64  // second_repl_offset: id2 is valid up to here; -1 without id2

	backlog *replBacklog // nil until the first replica (repl_backlog_active)
	seldb   int          // the database the stream last selected; -1: select before the next command

	noReplicasSince int64 // unix seconds the last replica went, for repl-backlog-ttl; 0 with replicas

	prim     replPrimary  // the replicas, WAIT (repl_primary.go)
	failover replFailover // a FAILOVER under way (repl_failover.go)
}

// replSaveInfo is what an RDB says of the replication stream it is at
// (rdbPopulateSaveInfo): the database the stream selected, and whether
// the RDB carries the stream's ID and offset at all: a primary with a
// backlog, or a replica with its primary's link.
func (s *Server) replSaveInfo() (db int, ok bool) {
	if s.Cfg.ReplicaOfHost == "" {
		if s.repl.backlog == nil {
			return 0, false
		}
		// -1: nothing written since the last full sync; the next write
		// selects its database anyway.
		return max(s.repl.seldb, 0), true
	}
	if p := s.replica.primary; p != nil {
		return p.DB, true
	}
	return 0, false
}

// replLinkUp reports whether this server is a replica whose link to its
// primary is up (a replica refuses PSYNC with -NOMASTERLINK when it is
// not). The link is repl_replica.go's.
func (s *Server) replLinkUp() bool { return s.replica.state == linkConnected }

// replDisconnectReplicas closes the connections of this server's
// replicas (disconnectReplicas): after a change of history they must
// resynchronize, partially when they can.
func (s *Server) replDisconnectReplicas() {
	for _, c := range s.clients {
		if c.Flags&ClientReplica != 0 && c.link != nil {
			c.link.Close(true)
		}
	}
}

// replFsyncedOffset is the stream offset the AOF has made durable
// (fsynced_reploff), -1 when the AOF is off; a replica's ACK carries it
// as FACK. Volley's AOF does not track it separately yet: what was
// applied is taken as written.
func (s *Server) replFsyncedOffset() int64 {
	if s.aof.status == aofOff {
		return -1
	}
	return s.repl.offset
}

// replCronDue reports whether replication's periodic work (the primary's
// and the replica's crons) is due at nowMs, and notes the run in *tick,
// which is nowMs in periods: once a second, and ten times a second while
// a FAILOVER is under way so that its handshake moves on quickly, as
// Valkey runs its replicationCron.
func (s *Server) replCronDue(nowMs int64, tick *int64) bool {
	period := int64(1000)
	if s.repl.failover.state != failoverNone {
		period = 100
	}
	if nowMs/period == *tick {
		return false
	}
	*tick = nowMs / period
	return true
}

// replIDZero is the ID of no history (master_replid2 when there is none).
var replIDZero = strings.Repeat("0", 40)

// initRepl gives the server a fresh history.
func (s *Server) initRepl() {
	r := &s.repl
	r.id = newReplID()
	r.id2 = replIDZero
	r.secondOffset = -1
	r.seldb = -1
	s.Cfg.OnChange("repl-backlog-size", func(_, _ string) error { s.resizeReplBacklog(); return nil })
	good := func(_, _ string) error { s.refreshGoodReplicas(); return nil }
	s.Cfg.OnChange("min-replicas-to-write", good)
	s.Cfg.OnChange("min-replicas-max-lag", good)
}

// newReplID returns a random replication ID: 40 hexadecimal digits.
func newReplID() string {
	var id [20]byte
	_, _ = crand.Read(id[:])
	return hex.EncodeToString(id[:])
}

// changeReplID starts a new history (changeReplicationId): a primary
// whose dataset no longer continues the old stream.
func (s *Server) changeReplID() {
	s.repl.id = newReplID()
}

// clearReplID2 forgets the previous history (clearReplicationId2).
func (s *Server) clearReplID2() {
	s.repl.id2 = replIDZero
	s.repl.secondOffset = -1
}

// shiftReplID keeps the current history as the second one, valid up to
// the offset reached, and starts a new one (shiftReplicationId): a
// replica turning primary, whose replicas may continue from it.
func (s *Server) shiftReplID() {
	r := &s.repl
	r.id2 = r.id
	// The second history is valid up to the offset reached: a replica
	// asking to continue from offset+1 asks for the first byte the new
	// history will produce.
	r.secondOffset = r.offset + 1
	r.id = newReplID()
	s.Log.Noticef("Setting secondary replication ID to %s, valid up to offset: %d. New replication ID is %s",
		r.id2, r.secondOffset, r.id)
}

// createReplBacklog starts the backlog (createReplicationBacklog): its
// first byte will be the next the stream produces, and the next command
// selects its database, as a replica starting from here needs.
func (s *Server) createReplBacklog() {
	r := &s.repl
	if r.backlog != nil {
		return
	}
	r.backlog = &replBacklog{size: s.Cfg.ReplBacklogSize, start: r.offset + 1}
	r.seldb = -1
	s.updatePropagating()
}

// freeReplBacklog drops the backlog (freeReplicationBacklog).
func (s *Server) freeReplBacklog() {
	s.repl.backlog = nil
	s.updatePropagating()
}

// resizeReplBacklog applies CONFIG SET repl-backlog-size.
func (s *Server) resizeReplBacklog() {
	if b := s.repl.backlog; b != nil {
		b.resize(s.Cfg.ReplBacklogSize)
	}
}

// updatePropagating switches propagation on when something consumes it:
// the AOF, or the backlog (and with it the replicas).
func (s *Server) updatePropagating() {
	s.setPropagating(s.aof.status != aofOff && s.aof.w != nil || s.repl.backlog != nil)
}

// replFeed adds one encoded command of database db (-1: of none, MULTI
// and EXEC) to the stream: to the backlog and the replicas, with a
// SELECT first when db is not the one the stream last selected
// (replicationFeedReplicas). A replica feeds nothing of its own: it
// passes its primary's stream on (replFeedRaw).
func (s *Server) replFeed(db int, cmd []byte) {
	r := &s.repl
	if r.backlog == nil || s.Cfg.ReplicaOfHost != "" {
		return
	}
	if db != -1 && db != r.seldb {
		var sel [48]byte
		s.replFeedBytes(appendSelect(sel[:0], db))
		r.seldb = db
	}
	s.replFeedBytes(cmd)
}

// replFeedRaw passes on bytes of the primary's stream that this replica
// has applied: to its backlog and its own replicas, advancing its offset
// (replicationFeedStreamFromPrimaryStream).
func (s *Server) replFeedRaw(b []byte) {
	if s.repl.backlog == nil {
		s.repl.offset += int64(len(b))
		return
	}
	s.replFeedBytes(b)
}

// replFeedBytes appends b to the stream.
func (s *Server) replFeedBytes(b []byte) {
	r := &s.repl
	r.backlog.append(b)
	r.offset += int64(len(b))
	s.replFeedReplicas(b)
}

// replCanContinue reports whether the backlog holds the stream from
// offset on, up to the present (the range test of
// primaryTryPartialResynchronization).
func (s *Server) replCanContinue(offset int64) bool {
	b := s.repl.backlog
	return b != nil && offset >= b.start && offset <= b.start+b.histlen
}

// replBacklogFrom calls fn with the backlog's bytes from offset on, in
// order (one or two slices, valid only during the call). The caller has
// checked replCanContinue(offset).
func (s *Server) replBacklogFrom(offset int64, fn func([]byte)) {
	s.repl.backlog.from(offset, fn)
}

// replBacklog is the last repl-backlog-size bytes of the stream, as a
// ring that grows to its size as the stream comes.
type replBacklog struct {
	buf     []byte // the ring; len(buf) grows to size, then stays
	size    int64  // repl-backlog-size
	next    int    // where the next byte goes in buf, once it is full
	start   int64  // repl_backlog_first_byte_offset: the offset of the oldest byte kept
	histlen int64  // repl_backlog_histlen: bytes kept
}

// append adds b to the ring, dropping the oldest bytes past its size.
func (b *replBacklog) append(p []byte) {
	n := int64(len(p))
	if n >= b.size {
		// Only the tail fits: keep it as the whole ring.
		b.start += b.histlen + n - b.size
		b.buf = append(b.buf[:0], p[n-b.size:]...)
		b.next, b.histlen = 0, b.size
		return
	}
	if room := b.size - int64(len(b.buf)); room > 0 {
		// Still growing: append what fits, wrap the rest.
		k := min(room, n)
		b.buf = append(b.buf, p[:k]...)
		p = p[k:]
		b.next = len(b.buf) % int(b.size)
	}
	for len(p) > 0 {
		k := copy(b.buf[b.next:], p)
		p = p[k:]
		b.next = (b.next + k) % len(b.buf)
	}
	b.histlen += n
	if b.histlen > b.size {
		b.start += b.histlen - b.size
		b.histlen = b.size
	}
}

// from calls fn with the bytes from offset to the end, oldest first.
func (b *replBacklog) from(offset int64, fn func([]byte)) {
	skip := offset - b.start
	if skip < 0 || skip > b.histlen {
		return
	}
	want := int(b.histlen - skip)
	if want == 0 {
		return
	}
	// The oldest byte is at next once the ring is full, at 0 before.
	first := 0
	if int64(len(b.buf)) == b.size {
		first = b.next
	}
	pos := (first + int(skip)) % len(b.buf)
	if end := pos + want; end <= len(b.buf) {
		fn(b.buf[pos:end])
		return
	}
	fn(b.buf[pos:])
	fn(b.buf[:want-(len(b.buf)-pos)])
}

// resize keeps the newest bytes that fit size (resizeReplicationBacklog).
func (b *replBacklog) resize(size int64) {
	if size == b.size {
		return
	}
	keep := min(b.histlen, size)
	nb := make([]byte, 0, keep)
	b.from(b.start+b.histlen-keep, func(p []byte) { nb = append(nb, p...) })
	b.start += b.histlen - keep
	b.buf, b.size, b.histlen = nb, size, keep
	b.next = len(nb) % int(size)
}

// infoReplication writes INFO's replication section: the replica's link
// (when this is one), the replicas, then the history and the backlog.
func (s *Server) infoReplication(w *infoWriter) {
	r := &s.repl
	w.section("Replication")
	if s.Cfg.ReplicaOfHost == "" {
		w.str("role", "master")
	} else {
		w.str("role", "slave")
		s.infoPrimaryLink(w)
	}
	s.infoReplicas(w)
	w.str("master_failover_state", r.failover.state.String())
	w.str("master_replid", r.id)
	w.str("master_replid2", r.id2)
	w.int("master_repl_offset", r.offset)
	w.int("second_repl_offset", r.secondOffset)
	var active, start, histlen int64
	if b := r.backlog; b != nil {
		active, start, histlen = 1, b.start, b.histlen
	}
	w.int("repl_backlog_active", active)
	w.int("repl_backlog_size", s.Cfg.ReplBacklogSize)
	w.int("repl_backlog_first_byte_offset", start)
	w.int("repl_backlog_histlen", histlen)
}
