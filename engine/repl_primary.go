package engine

import (
	"errors"
	"fmt"
	"math"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/volleydb/volley/engine/rdb"
	"github.com/volleydb/volley/engine/resp"
)

// The primary side of replication (Valkey's replication.c, primary half):
// SYNC/PSYNC, the snapshot of a full resynchronization, streaming to the
// replicas, REPLCONF, WAIT/WAITAOF, ROLE, min-replicas-to-write and the
// once-a-second upkeep.
//
// A replica is a client connection flagged ClientReplica. Its stream is
// appended to its output (c.Out) like any reply, and its I/O loop writes
// it when woken: replFeedReplicas appends the bytes of every propagated
// command and notes the replica, and BeforeSleep wakes each noted replica
// once per hold of the engine, not once per command.
//
// A full resynchronization sends a snapshot first. Volley does not fork:
// the snapshot is a background save's copy-ahead image (bgsave.go), taken
// while holding the engine at the instant +FULLRESYNC names, so the RDB is
// the dataset at exactly that offset. Everything the stream carries after
// it accumulates in the replica's output, which its I/O loop leaves alone
// while the RDB is on its way (OutputHeld): the RDB bytes go out from a
// goroutine of their own on a duplicate of the socket (replSock), with
// non-blocking writes and poll(2) while the socket is full, so the engine
// never waits on a replica and no replica's RDB is copied into memory.
// When the RDB is through, the hold is lifted and the loop is woken: the
// accumulated stream follows the RDB on the socket.
//
//   - repl-diskless-sync yes: one snapshot is streamed to every replica
//     waiting for one, as $EOF:<mark>\r\n, the RDB, and the mark again.
//     The replicas go online at their first REPLCONF ACK, as in Valkey,
//     so the end of the RDB is not glued to the stream.
//   - repl-diskless-sync no (or a replica without capa eof): the snapshot
//     is an ordinary BGSAVE to dbfilename, then each waiting replica is
//     sent $<size>\r\n and the file with sendfile(2).
//
// The socket's own fd belongs to the I/O loop. The engine writes on it
// directly only the short lines Valkey writes directly (+FULLRESYNC, the
// keep-alive newlines), and only while the output is held, when the loop
// writes nothing on it. A SYNC with replies still pending is refused, as
// in Valkey, so nothing the loop has yet to write can follow them.

// replSyncState is where a replica is in its synchronization
// (REPLICA_STATE_*).
type replSyncState uint8

const (
	replNone          replSyncState = iota // a client that sent REPLCONF only
	replWaitBgsave                         // waiting for a snapshot to start
	replWaitBgsaveEnd                      // its snapshot is being taken (and, diskless, sent)
	replSendBulk                           // the RDB file is being sent
	replOnline                             // streaming
	replRDBDone                            // rdb-only: the RDB is sent, the client is closing
)

// Replica capabilities (REPLCONF capa) and requirements.
const (
	capaEOF          = 1 << 0 // takes the $EOF: form of the RDB
	capaPSync2       = 1 << 1 // understands +CONTINUE <id>
	capaSkipChecksum = 1 << 3

	reqNoData      = 1 << 0 // rdb-filter-only: the RDB without the keys
	reqNoFunctions = 1 << 1 // rdb-filter-only: the RDB without the functions
	reqMask        = reqNoData | reqNoFunctions
)

// replClient is a replica's replication state, made by its first
// REPLCONF or SYNC (ClientReplicationData).
type replClient struct {
	state      replSyncState
	capa       int
	req        int
	rdbOnly    bool   // REPLCONF rdb-only 1: the snapshot, no stream
	prePsync   bool   // came with SYNC: no +FULLRESYNC, no ACKs expected
	port       int    // REPLCONF listening-port
	addr       string // REPLCONF ip-address
	version    int    // REPLCONF version, as major<<16|minor<<8|patch
	ackOff     int64  // REPLCONF ACK: the offset it applied
	aofOff     int64  // REPLCONF ACK .. FACK: the offset its AOF made durable
	ackTime    int64  // unix seconds of its last ACK
	initialOff int64  // the offset its snapshot is at (psync_initial_offset)

	hold        bool // the I/O loop leaves the output alone: an RDB goes out first
	streamOnAck bool // online after a diskless sync: the stream starts with its first ACK
	noted       bool // in replPrimary.wake
	softSince   int64
	send        replSender // what the RDB goes out on, while it does
}

// replPrimary is the primary side's state.
type replPrimary struct {
	replicas   []*Client // replicas from their SYNC on, in arrival order
	wake       []*Client // replicas with stream to write since the last BeforeSleep
	good       int       // replicas online with a recent ACK (repl_good_replicas_count)
	getack     bool      // WAIT asked for ACKs: GETACK goes out before the engine is let go
	waiting    []*Client // clients blocked in WAIT or WAITAOF; releaseBlocked takes them off
	cronTick   int64     // when the periodic work last ran (replCronDue)
	cronRuns   int64     // its runs, for repl-ping-replica-period
	rdbForSync bool      // dbfilename was written to feed replicas, with rdb-del-sync-files (removeSyncRDB)

	syncFull, syncPartialOK, syncPartialErr int64 // INFO stats
}

var replPrimaryHandlers = map[string]Handler{
	"sync":     cmdSync,
	"psync":    cmdSync,
	"replconf": cmdReplconf,
	"wait":     cmdWait,
	"waitaof":  cmdWaitAOF,
	"failover": cmdFailover,
}

// OutputHeld reports whether the client's I/O loop must leave its output
// alone: a replica whose RDB goes out first. The loop asks while holding
// the engine.
func (c *Client) OutputHeld() bool { return c.repl != nil && c.repl.hold }

// --- feeding the stream ------------------------------------------------

// replFeedReplicas hands b, just added to the stream, to the replicas
// that take the stream: online ones and those whose snapshot was taken
// (which accumulate it). The I/O loops are woken in BeforeSleep.
func (s *Server) replFeedReplicas(b []byte) {
	p := &s.repl.prim
	for _, c := range p.replicas {
		r := c.repl
		if r.state == replWaitBgsave || r.rdbOnly || r.state == replRDBDone {
			continue
		}
		c.Out.buf = append(c.Out.buf, b...)
		if r.hold {
			if lim := s.Cfg.ClientOutputBufferLimits[OutputClass(c)].Hard; lim > 0 && uint64(c.Out.Len()) >= lim {
				s.replOverLimit(c)
			}
			continue
		}
		if !r.noted {
			r.noted = true
			p.wake = append(p.wake, c)
		}
	}
}

// replOverLimit drops a replica whose held output passed its
// client-output-buffer-limit.
func (s *Server) replOverLimit(c *Client) {
	if c.Flags&ClientCloseASAP != 0 {
		return
	}
	s.Log.Warningf("Client %s scheduled to be closed ASAP for overcoming of output buffer limits.", clientShortInfo(c))
	s.Stats.ClientOutbufLimitDisc++
	s.closeReplica(c)
}

// closeReplica has c's connection closed at once.
func (s *Server) closeReplica(c *Client) {
	c.Flags |= ClientCloseASAP
	if c.repl != nil && c.repl.send != nil {
		c.repl.send.cancel()
	}
	if c.link != nil {
		c.link.Close(true)
	}
}

// replBeforeSleep sends the GETACK that WAIT asked for and wakes the
// replicas the stream reached since the last time.
func (s *Server) replBeforeSleep() {
	p := &s.repl.prim
	if p.getack {
		p.getack = false
		if s.repl.backlog != nil && s.Cfg.ReplicaOfHost == "" {
			s.replFeed(-1, []byte("*3\r\n$8\r\nREPLCONF\r\n$6\r\nGETACK\r\n$1\r\n*\r\n"))
		}
	}
	for i, c := range p.wake {
		p.wake[i] = nil
		if c.repl != nil {
			c.repl.noted = false
		}
		if c.link != nil && s.clients[c.ID] == c {
			c.link.Wake()
		}
	}
	p.wake = p.wake[:0]
}

// --- SYNC and PSYNC ----------------------------------------------------

// SYNC
// PSYNC replicationid offset
func cmdSync(c *Client) {
	s := c.srv
	if c.Flags&ClientReplica != 0 {
		return // already a replica: ignored
	}
	if c.repl == nil {
		c.repl = &replClient{}
	}
	r := c.repl
	psync := equalFoldASCII(c.Argv[0], "psync")
	if psync && len(c.Argv) > 3 && equalFoldASCII(c.Argv[3], "failover") {
		if s.failoverPsyncWaits(c) {
			return
		}
		s.Log.Noticef("Failover request received for replid %s.", c.Argv[1])
		if s.Cfg.ReplicaOfHost == "" {
			c.AddError("ERR PSYNC FAILOVER can't be sent to a master.")
			return
		}
		if !strings.EqualFold(string(c.Argv[1]), s.repl.id) {
			c.AddError("ERR PSYNC FAILOVER replid must match my replid.")
			return
		}
		// Our primary hands its role over (repl_failover.go): we take it,
		// our history goes on, and the PSYNC below lets it continue from
		// us as our replica.
		s.replicationUnsetPrimary()
		s.Log.Noticef("PRIMARY MODE enabled (failover request from '%s')", clientShortInfo(c))
	}
	if s.repl.failover.state != failoverNone {
		c.AddError("NOMASTERLINK Can't SYNC while failing over")
		return
	}
	if s.Cfg.ReplicaOfHost != "" && !s.replLinkUp() {
		c.AddError("NOMASTERLINK Can't SYNC while not connected with my master")
		return
	}
	if c.Out.Len() > 0 {
		c.AddError("ERR SYNC and PSYNC are invalid with pending output")
		return
	}
	if r.req&reqMask != 0 && r.capa&capaEOF == 0 {
		c.AddError("ERR Filtered replica requires EOF capability")
		return
	}
	s.Log.Noticef("Replica %s asks for synchronization", replicaName(c))
	if psync {
		off, ok := parseInt(c.Argv[2])
		if !ok {
			s.Log.Warningf("Replica %s asks for synchronization but with a wrong offset", replicaName(c))
			c.AddError(ErrNotInteger)
			return
		}
		if s.replTryPartial(c, string(c.Argv[1]), off) {
			s.repl.prim.syncPartialOK++
			return
		}
		if len(c.Argv[1]) == 0 || c.Argv[1][0] != '?' {
			s.repl.prim.syncPartialErr++
		}
	} else {
		r.prePsync = true
	}
	s.repl.prim.syncFull++

	r.state = replWaitBgsave
	r.hold = true
	c.Flags |= ClientReplica
	p := &s.repl.prim
	p.replicas = append(p.replicas, c)
	if len(p.replicas) == 1 && s.repl.backlog == nil {
		s.changeReplID()
		s.clearReplID2()
		s.createReplBacklog()
		s.Log.Noticef("Replication backlog created, my new replication IDs are '%s' and '%s'", s.repl.id, s.repl.id2)
	}

	bg := s.bgsave.run
	switch {
	case bg != nil && !bg.aofRewrite && bg.repl == nil:
		// A save to disk is running: a replica whose snapshot it is
		// accumulates the stream since it began, which this one can copy.
		var peer *Client
		for _, o := range p.replicas {
			if o.repl.state == replWaitBgsaveEnd && (!o.repl.rdbOnly || r.rdbOnly) {
				peer = o
				break
			}
		}
		if peer != nil && r.capa&peer.repl.capa == peer.repl.capa && r.req == peer.repl.req {
			if !r.rdbOnly {
				c.Out.buf = append(c.Out.buf[:0], peer.Out.Bytes()...)
			}
			s.replSetupFullResync(c, peer.repl.initialOff)
			s.Log.Noticef("Waiting for end of BGSAVE for SYNC")
		} else {
			s.Log.Noticef("Can't attach the replica to the current BGSAVE. Waiting for next BGSAVE for SYNC")
		}
	case bg != nil && bg.repl != nil:
		s.Log.Noticef("Current BGSAVE has socket target. Waiting for next BGSAVE for SYNC")
	case s.Cfg.ReplDisklessSync && r.capa&capaEOF != 0 && s.Cfg.ReplDisklessSyncDelay > 0:
		s.Log.Noticef("Delay next BGSAVE for diskless SYNC") // the cron starts it
	case bg == nil:
		s.replStartSnapshot(r.capa, r.req)
	default:
		s.Log.Noticef("No BGSAVE in progress, but another BG operation is active. BGSAVE for replication delayed")
	}
}

// replTryPartial continues c's replication from offset when the history
// id is this server's (or its previous one, up to where it is valid) and
// the backlog holds the stream from offset on
// (primaryTryPartialResynchronization).
func (s *Server) replTryPartial(c *Client, id string, offset int64) bool {
	rs := &s.repl
	if !strings.EqualFold(id, rs.id) && (!strings.EqualFold(id, rs.id2) || offset > rs.secondOffset) {
		switch {
		case strings.HasPrefix(id, "?"):
			s.Log.Noticef("Full resync requested by replica %s", replicaName(c))
		case !strings.EqualFold(id, rs.id) && !strings.EqualFold(id, rs.id2):
			s.Log.Noticef("Partial resynchronization not accepted: Replication ID mismatch (Replica asked for '%s', my replication IDs are '%s' and '%s')", id, rs.id, rs.id2)
		default:
			s.Log.Noticef("Partial resynchronization not accepted: Requested offset for second ID was %d, but I can reply up to %d", offset, rs.secondOffset)
		}
		return false
	}
	if !s.replCanContinue(offset) {
		s.Log.Noticef("Unable to partial resync with replica %s for lack of backlog (Replica request was: %d).", replicaName(c), offset)
		if offset > rs.offset {
			s.Log.Warningf("Warning: replica %s tried to PSYNC with an offset that is greater than the primary replication offset.", replicaName(c))
		}
		return false
	}
	r := c.repl
	c.Flags |= ClientReplica
	r.state = replOnline
	r.ackTime = s.unixNow()
	s.repl.prim.replicas = append(s.repl.prim.replicas, c)
	if r.capa&capaPSync2 != 0 {
		c.AddRawString("+CONTINUE " + rs.id + "\r\n")
	} else {
		c.AddRawString("+CONTINUE\r\n")
	}
	n := 0
	s.replBacklogFrom(offset, func(b []byte) {
		c.Out.buf = append(c.Out.buf, b...)
		n += len(b)
	})
	s.Log.Noticef("Partial resynchronization request from %s accepted. Sending %d bytes of backlog starting from offset %d.", replicaName(c), n, offset)
	s.refreshGoodReplicas()
	return true
}

// replSetupFullResync tells c its snapshot is at offset (Valkey's
// replicationSetupReplicaForFullResync): +FULLRESYNC, written straight on
// the socket since the output is held for the stream. The next command
// selects its database, for the replicas starting here.
func (s *Server) replSetupFullResync(c *Client, offset int64) bool {
	r := c.repl
	r.initialOff = offset
	r.state = replWaitBgsaveEnd
	s.repl.seldb = -1
	if r.prePsync {
		return true
	}
	if !replWriteNow(c, []byte("+FULLRESYNC "+s.repl.id+" "+strconv.FormatInt(offset, 10)+"\r\n")) {
		s.closeReplica(c)
		return false
	}
	return true
}

// replStartSnapshot starts the snapshot for the replicas waiting for one
// with requirements req (startBgsaveForReplication): streamed to their
// sockets when diskless sync is on (or the RDB is filtered) and every one
// of them takes the EOF form, else a save to disk.
func (s *Server) replStartSnapshot(mincapa, req int) {
	socket := (s.Cfg.ReplDisklessSync || req&reqMask != 0) && mincapa&capaEOF != 0
	target := "disk"
	if socket {
		target = "replicas sockets"
	}
	s.Log.Noticef("Starting BGSAVE for SYNC with target: %s using: normal sync", target)
	var err error
	if socket {
		err = s.startSocketSave(req)
	} else {
		err = s.startBGSave()
	}
	p := &s.repl.prim
	if err != nil {
		s.Log.Warningf("BGSAVE for replication failed")
		for _, c := range slices.Clone(p.replicas) {
			if c.repl.state != replWaitBgsave {
				continue
			}
			s.replRemove(c)
			c.Flags &^= ClientReplica
			c.repl.state, c.repl.hold = replNone, false
			c.AddError("ERR BGSAVE failed, replication can't continue")
			c.Flags |= ClientCloseAfterReply
			if c.link != nil {
				c.link.Wake()
			}
		}
		return
	}
	if !socket {
		p.rdbForSync = p.rdbForSync || s.cfgBool("rdb-del-sync-files")
		for _, c := range slices.Clone(p.replicas) {
			if c.repl.state == replWaitBgsave && c.repl.req == req {
				s.replSetupFullResync(c, s.repl.offset)
			}
		}
	}
}

// persistenceOff reports whether neither RDB save points nor the AOF keep
// the dataset on disk (allPersistenceDisabled).
func (s *Server) persistenceOff() bool {
	return len(s.Cfg.Save) == 0 && s.aof.status == aofOff
}

// removeSyncRDB deletes the file a persistence-less primary wrote only to
// feed its replicas, once none of them still needs it: with
// rdb-del-sync-files no copy of the data outlives the synchronization
// (removeRDBUsedToSyncReplicas).
func (s *Server) removeSyncRDB() {
	p := &s.repl.prim
	if !s.cfgBool("rdb-del-sync-files") {
		p.rdbForSync = false // so that turning it on later does not delete a file it did not write
		return
	}
	if !p.rdbForSync || !s.persistenceOff() {
		return
	}
	for _, c := range p.replicas {
		switch c.repl.state {
		case replWaitBgsave, replWaitBgsaveEnd, replSendBulk:
			return
		}
	}
	path := s.rdbPath()
	if _, err := os.Lstat(path); err != nil {
		return
	}
	p.rdbForSync = false
	s.Log.Noticef("Removing the RDB file used to feed replicas in a persistence-less instance")
	removeInBackground(path)
}

// startSocketSave starts a snapshot streamed to the sockets of the
// replicas waiting with requirements req.
func (s *Server) startSocketSave(req int) error {
	x := &replSockSave{mark: newReplID()} // the $EOF: mark: 40 random hex characters, as a replication ID
	for _, c := range slices.Clone(s.repl.prim.replicas) {
		if c.repl.state != replWaitBgsave || c.repl.req != req {
			continue
		}
		if !s.replSetupFullResync(c, s.repl.offset) {
			continue
		}
		sock, err := newReplSender(c, s.Cfg.ReplTimeout)
		if err != nil {
			s.Log.Warningf("Can't send the RDB to replica %s: %v", replicaName(c), err)
			s.closeReplica(c)
			continue
		}
		c.repl.send = sock
		x.targets = append(x.targets, &replTarget{c: c, sock: sock})
	}
	if len(x.targets) == 0 {
		return fmt.Errorf("no replica to send the RDB to")
	}
	st := &s.bgsave
	st.lastTry = s.Clock.NowMs() / 1000
	bg := &bgSave{out: newSaveQueue(), start: time.Now(), dirty: s.Dirty, repl: x}
	bg.rdbImage = s.newRDBImage(rdb.NewWriter(bg.out), true)
	if req&reqNoData != 0 {
		bg.abandon()
		bg.tables, bg.total = nil, 0
	}
	st.run = bg
	s.snapshotStarted(bg)
	go x.drain(bg.out)
	if s.Hold != nil {
		go s.driveBGSave(bg)
	}
	return nil
}

// replSockSave is a snapshot streamed to replicas' sockets.
type replSockSave struct {
	mark    string // the 40 random characters around the RDB
	targets []*replTarget
}

// replTarget is one replica a socket snapshot goes to.
type replTarget struct {
	c    *Client
	sock replSender
	err  error // set by the drain goroutine; read after it has finished

	// timedOut is set by the drain goroutine when the replica stopped
	// reading for repl-timeout; the cron drops it (replDropTimedOut).
	timedOut atomic.Bool
}

// drain is the goroutine that writes the snapshot to every target: the
// $EOF: header, the RDB as the engine encodes it, and the mark. A target
// that fails is dropped; the others go on.
func (x *replSockSave) drain(q *saveQueue) {
	x.writeAll([]byte("$EOF:" + x.mark + "\r\n"))
	err := q.drainTo(func(b []byte) error {
		x.writeAll(b)
		return nil
	})
	if err == nil {
		x.writeAll([]byte(x.mark))
	}
	q.result <- err
}

func (x *replSockSave) writeAll(b []byte) {
	for _, t := range x.targets {
		if t.err == nil {
			t.err = t.sock.write(b)
			if errors.Is(t.err, errReplSockTimeout) {
				t.timedOut.Store(true)
			}
		}
	}
}

// receiving reports whether t's replica is still there and waiting for
// this snapshot.
func (s *Server) receiving(t *replTarget) bool {
	c := t.c
	return s.clients[c.ID] == c && c.repl != nil && c.repl.state == replWaitBgsaveEnd && c.repl.send == t.sock
}

// replDropTimedOut drops the replicas that stopped reading a socket
// snapshot for repl-timeout (replicationCron's full sync timeout): the
// one set now, which the sender's stalledSince is held to, or the one
// the transfer started with, after which the sender gives up by itself.
func (s *Server) replDropTimedOut(x *replSockSave, nowMs int64) {
	for _, t := range x.targets {
		c := t.c
		stalled := t.timedOut.Swap(false)
		if since := t.sock.stalledSince(); since != 0 && nowMs-since > int64(s.Cfg.ReplTimeout)*1000 {
			stalled = true
		}
		if stalled && s.receiving(t) && c.Flags&ClientCloseASAP == 0 {
			s.Log.Warningf("Disconnecting timedout replica (full sync): %s", replicaName(c))
			s.closeReplica(c)
		}
	}
}

// replTargetGone stops the socket snapshot whose last replica c was, as
// it goes (freeClient's check of the RDB pipe's connections): nobody is
// left to read the rest.
func (s *Server) replTargetGone(c *Client) {
	bg := s.bgsave.run
	if bg == nil || bg.repl == nil {
		return
	}
	mine, alive := false, 0
	for _, t := range bg.repl.targets {
		switch {
		case t.c == c:
			mine = true
		case s.receiving(t):
			alive++
		}
	}
	if mine && alive == 0 {
		s.bgsaveStop("Diskless rdb transfer, last replica dropped, killing fork child.")
	}
}

// replSaveEnded is called when a background save ends, with its error,
// (updateReplicasWaitingBgsave): after a socket snapshot its replicas
// are online (streaming from their first ACK) or dropped; after a save to
// disk the replicas waiting for it are sent the file.
func (s *Server) replSaveEnded(bg *bgSave, err error) {
	if x := bg.repl; x != nil {
		if err == nil {
			up := 0
			for _, t := range x.targets {
				if t.err == nil && s.receiving(t) {
					up++
				}
			}
			if up > 0 {
				s.Log.Noticef("Diskless rdb transfer, done reading from pipe, %d replicas still up.", up)
			}
			s.Log.Noticef("Background RDB transfer terminated with success")
		} else {
			s.Log.Warningf("Background transfer error")
		}
		for _, t := range x.targets {
			c := t.c
			t.sock.close()
			if !s.receiving(t) {
				continue
			}
			c.repl.send = nil
			if err != nil || t.err != nil {
				s.Log.Warningf("SYNC failed. BGSAVE child returned an error")
				s.closeReplica(c)
				continue
			}
			s.Log.Noticef("Streamed RDB transfer with replica %s succeeded (socket). Waiting for REPLCONF ACK from replica to enable streaming", replicaName(c))
			if s.replicaPutOnline(c) {
				c.repl.streamOnAck = true
			}
		}
		return
	}
	for _, c := range slices.Clone(s.repl.prim.replicas) {
		if c.repl.state != replWaitBgsaveEnd {
			continue
		}
		if err != nil {
			s.Log.Warningf("SYNC failed. BGSAVE child returned an error")
			s.closeReplica(c)
			continue
		}
		f, ferr := os.Open(s.rdbPath())
		var size int64
		if ferr == nil {
			var fi os.FileInfo
			if fi, ferr = f.Stat(); ferr == nil {
				size = fi.Size()
			} else {
				f.Close()
			}
		}
		if ferr != nil {
			s.Log.Warningf("SYNC failed. Can't open DB after BGSAVE: %v", ferr)
			s.closeReplica(c)
			continue
		}
		sock, derr := newReplSender(c, s.Cfg.ReplTimeout)
		if derr != nil {
			f.Close()
			s.closeReplica(c)
			continue
		}
		c.repl.state = replSendBulk
		c.repl.send = sock
		go s.sendBulk(c, sock, f, size)
	}
}

// sendBulk is the goroutine that sends a replica the RDB file: $<size>
// and the file's bytes.
func (s *Server) sendBulk(c *Client, sock replSender, f *os.File, size int64) {
	err := sock.write([]byte("$" + strconv.FormatInt(size, 10) + "\r\n"))
	if err == nil {
		err = sock.sendFile(f, size)
	}
	f.Close()
	sock.close()
	if s.Hold == nil {
		return
	}
	s.Hold(func(s *Server) { s.bulkSent(c, sock, err) })
}

// bulkSent puts a replica online once its RDB file is through.
func (s *Server) bulkSent(c *Client, sock replSender, err error) {
	if s.clients[c.ID] != c || c.repl == nil || c.repl.send != sock {
		return
	}
	c.repl.send = nil
	if err != nil {
		s.Log.Warningf("Write error sending DB to replica: %v", err)
		s.closeReplica(c)
		return
	}
	if s.replicaPutOnline(c) {
		s.replStartStream(c)
	}
}

// replicaPutOnline marks a replica whose RDB is through as online, or,
// rdb-only, closes it (replicaPutOnline). It reports whether the replica
// stays.
func (s *Server) replicaPutOnline(c *Client) bool {
	r := c.repl
	if r.rdbOnly {
		r.state = replRDBDone
		s.Log.Noticef("RDB transfer completed, rdb only replica (%s) should be disconnected asap", replicaName(c))
		s.closeReplica(c)
		return false
	}
	r.state = replOnline
	r.ackTime = s.unixNow()
	s.refreshGoodReplicas()
	s.Log.Noticef("Synchronization with replica %s succeeded", replicaName(c))
	return true
}

// replStartStream lets the accumulated stream go out to c.
func (s *Server) replStartStream(c *Client) {
	c.repl.streamOnAck = false
	c.repl.hold = false
	if c.link != nil {
		c.link.Wake()
	}
}

// replRemove takes c off the replica list.
func (s *Server) replRemove(c *Client) {
	p := &s.repl.prim
	if i := slices.Index(p.replicas, c); i >= 0 {
		p.replicas = slices.Delete(p.replicas, i, i+1)
	}
	if i := slices.Index(p.wake, c); i >= 0 {
		p.wake = slices.Delete(p.wake, i, i+1)
	}
	if len(p.replicas) == 0 {
		s.repl.noReplicasSince = s.unixNow()
	}
}

// freeReplClient forgets a closing client's replication state
// (freeClientReplicationData); FreeClient calls it.
func (s *Server) freeReplClient(c *Client) {
	r := c.repl
	if r == nil {
		return
	}
	if r.send != nil {
		r.send.cancel()
		r.send = nil
	}
	if r.state == replWaitBgsaveEnd {
		s.replTargetGone(c)
	}
	if c.Flags&ClientReplica != 0 {
		if c.Flags&ClientMonitor == 0 && !s.exiting {
			s.Log.Noticef("Connection with replica %s lost.", replicaName(c))
		}
		s.replRemove(c)
		s.refreshGoodReplicas()
	}
}

// replSaveStopping is called when a running snapshot is abandoned: its
// socket transfers stop, so that its goroutine ends promptly.
func (s *Server) replSaveStopping(bg *bgSave) {
	if x := bg.repl; x != nil {
		for _, t := range x.targets {
			t.sock.cancel()
		}
	}
}

// replicaName names a replica in the log: its address and listening
// port (replicationGetReplicaName).
func replicaName(c *Client) string {
	ip := replicaIP(c)
	port := 0
	if c.repl != nil {
		port = c.repl.port
	}
	switch {
	case ip != "" && port != 0:
		return net.JoinHostPort(ip, strconv.Itoa(port))
	case ip != "":
		return ip + ":<unknown-replica-port>"
	}
	return "client id #" + strconv.FormatInt(c.ID, 10)
}

// replicaIP is the address a replica announced, or its peer address.
func replicaIP(c *Client) string {
	if c.repl != nil && c.repl.addr != "" {
		return c.repl.addr
	}
	host, _, err := net.SplitHostPort(c.Addr)
	if err != nil {
		return ""
	}
	return host
}

// --- REPLCONF ----------------------------------------------------------

// REPLCONF option value [option value ...]
func cmdReplconf(c *Client) {
	s := c.srv
	if len(c.Argv)%2 == 0 {
		c.AddError(ErrSyntax)
		return
	}
	if c.repl == nil {
		c.repl = &replClient{}
	}
	r := c.repl
	for j := 1; j < len(c.Argv); j += 2 {
		opt, val := c.Argv[j], c.Argv[j+1]
		switch {
		case equalFoldASCII(opt, "listening-port"):
			port, ok := parseLongArg(c, val, "")
			if !ok {
				return
			}
			r.port = int(port)
		case equalFoldASCII(opt, "ip-address"):
			if len(val) >= 46 { // NET_HOST_STR_LEN
				c.AddError(fmt.Sprintf("ERR REPLCONF ip-address provided by replica instance is too long: %d bytes", len(val)))
				return
			}
			r.addr = string(val)
		case equalFoldASCII(opt, "capa"):
			switch {
			case equalFoldASCII(val, "eof"):
				r.capa |= capaEOF
			case equalFoldASCII(val, "psync2"):
				r.capa |= capaPSync2
			case equalFoldASCII(val, "skip-rdb-checksum"):
				r.capa |= capaSkipChecksum
			}
			// Anything else (dual-channel, which this primary does not
			// offer) is ignored, as Valkey ignores what it does not know.
		case equalFoldASCII(opt, "ack"):
			s.replconfAck(c, c.Argv[j:])
			return // no reply
		case equalFoldASCII(opt, "getack"):
			if s.Cfg.ReplicaOfHost != "" && s.replica.primary != nil {
				s.replicaSendAck()
			}
			return // no reply
		case equalFoldASCII(opt, "rdb-only"):
			v, ok := parseRangeLongArg(c, val, 0, 1, "")
			if !ok {
				return
			}
			r.rdbOnly = v == 1
		case equalFoldASCII(opt, "rdb-filter-only"):
			filters, err := resp.SplitArgs(val)
			if err != nil {
				c.AddError("ERR Missing rdb-filter-only values")
				return
			}
			r.req |= reqNoData | reqNoFunctions
			for _, f := range filters {
				if !equalFoldASCII(f, "functions") {
					c.AddError("ERR Unsupported rdb-filter-only option: " + string(f))
					return
				}
				r.req &^= reqNoFunctions
			}
		case equalFoldASCII(opt, "version"):
			v, ok := parseVersion(val)
			if !ok {
				c.AddError("ERR Unrecognized version format: " + string(val))
				return
			}
			r.version = v
		case equalFoldASCII(opt, "rdb-channel"):
			// Dual-channel synchronization is not offered (the capa is
			// ignored), but the option parses as Valkey's does.
			if _, ok := parseRangeLongArg(c, val, 0, 1, ""); !ok {
				return
			}
		case equalFoldASCII(opt, "set-rdb-client-id"):
			id, ok := parseLongArg(c, val, "")
			if !ok {
				return
			}
			c.AddError("ERR Unrecognized RDB client id " + strconv.FormatInt(id, 10))
			return
		case equalFoldASCII(opt, "set-cluster-node-id"):
			c.AddError("ERR This instance has cluster support disabled")
			return
		default:
			c.AddError("ERR Unrecognized REPLCONF option: " + string(opt))
			return
		}
	}
	c.AddOK()
}

// replconfAck applies REPLCONF ACK offset [FACK aofoffset] from a
// replica; args start at ACK. A malformed ACK is ignored, as in Valkey.
func (s *Server) replconfAck(c *Client, args [][]byte) {
	r := c.repl
	if c.Flags&ClientReplica == 0 {
		return
	}
	off, fack, hasFack, ok := parseReplconfAck(args)
	if !ok {
		return
	}
	if off > r.ackOff {
		r.ackOff = off
	}
	if hasFack && fack > r.aofOff {
		r.aofOff = fack
	}
	r.ackTime = s.unixNow()
	if r.streamOnAck && r.state == replOnline {
		s.replStartStream(c)
	}
	if len(s.repl.prim.waiting) > 0 {
		s.processWaitingReplicas()
	}
}

// parseReplconfAck parses ACK <offset> [FACK <aofoffset>]: ok is false
// when the offset is not an integer, or FACK's is not (the ACK's offset
// is then not applied either, as Valkey returns before).
func parseReplconfAck(args [][]byte) (off, fack int64, hasFack, ok bool) {
	if len(args) < 2 {
		return 0, 0, false, false
	}
	off, ok = parseInt(args[1])
	if !ok {
		return 0, 0, false, false
	}
	if len(args) >= 4 && equalFoldASCII(args[2], "fack") {
		fack, ok = parseInt(args[3])
		if !ok {
			return 0, 0, false, false
		}
		hasFack = true
	}
	return off, fack, hasFack, true
}

// parseVersion parses major.minor.patch as Valkey's version2num: digits
// and exactly two dots, each part at most 255; a part may be empty (0).
func parseVersion(b []byte) (int, bool) {
	v, part, parts := 0, 0, 0
	for i := 0; i <= len(b); i++ {
		if i == len(b) || b[i] == '.' {
			if parts++; parts > 3 {
				return 0, false
			}
			v = v<<8 | part
			part = 0
			continue
		}
		if b[i] < '0' || b[i] > '9' {
			return 0, false
		}
		part = part*10 + int(b[i]-'0')
		if part > 255 {
			return 0, false
		}
	}
	if parts != 3 {
		return 0, false
	}
	return v, true
}

// --- WAIT and WAITAOF --------------------------------------------------

// waitState is a client's wait in WAIT or WAITAOF.
type waitState struct {
	offset      int64
	numreplicas int64
	numlocal    int64
	aof         bool
}

// WAIT numreplicas timeout
func cmdWait(c *Client) {
	s := c.srv
	if s.Cfg.ReplicaOfHost != "" {
		c.AddError("ERR WAIT cannot be used with replica instances. Please also note that if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.")
		return
	}
	num, ok := parseLongArg(c, c.Argv[1], "")
	if !ok {
		return
	}
	timeout, ok := parseBlockTimeoutMs(c, c.Argv[2])
	if !ok {
		return
	}
	off := s.waitOffset(c)
	acks := s.countAcks(off, false)
	if int64(acks) >= num || s.blockingDenied(c) {
		c.AddInt(int64(acks))
		return
	}
	s.blockForReplicas(c, timeout, &waitState{offset: off, numreplicas: num})
}

// WAITAOF numlocal numreplicas timeout
func cmdWaitAOF(c *Client) {
	s := c.srv
	numlocal, ok := parseRangeLongArg(c, c.Argv[1], 0, 1, "")
	if !ok {
		return
	}
	// getPositiveLongFromObjectOrReply: its message also answers a non-integer.
	num, ok := parseRangeLongArg(c, c.Argv[2], 0, math.MaxInt64, ErrNegativeCount)
	if !ok {
		return
	}
	timeout, ok := parseBlockTimeoutMs(c, c.Argv[3])
	if !ok {
		return
	}
	if s.Cfg.ReplicaOfHost != "" {
		c.AddError("ERR WAITAOF cannot be used with replica instances. Please also note that writes to replicas are just local and are not propagated.")
		return
	}
	if numlocal != 0 && s.aof.status == aofOff {
		c.AddError("ERR WAITAOF cannot be used when numlocal is set but appendonly is disabled.")
		return
	}
	off := s.waitOffset(c)
	acks := s.countAcks(off, true)
	local := int64(boolInt(s.replFsyncedOffset() >= off))
	if int64(acks) >= num && local >= numlocal || s.blockingDenied(c) {
		addWaitReply(c, true, local, acks)
		return
	}
	s.blockForReplicas(c, timeout, &waitState{offset: off, numreplicas: num, numlocal: numlocal, aof: true})
}

// waitOffset is the offset a WAIT waits for: the stream's offset after
// the client's last write (the calling client's, in a script).
func (s *Server) waitOffset(c *Client) int64 {
	if cur := s.current; cur != nil && cur != c {
		return cur.woff
	}
	return c.woff
}

// countAcks counts the online replicas that acknowledged offset (or,
// aof, made it durable in their AOF).
func (s *Server) countAcks(offset int64, aof bool) int {
	n := 0
	for _, c := range s.repl.prim.replicas {
		r := c.repl
		if r.state != replOnline {
			continue
		}
		if aof && r.aofOff >= offset || !aof && r.ackOff >= offset {
			n++
		}
	}
	return n
}

// blockForReplicas blocks c until enough replicas acknowledge, or the
// timeout (absolute Unix ms, 0 for none); a GETACK goes out before the
// engine is let go.
func (s *Server) blockForReplicas(c *Client, timeout int64, w *waitState) {
	s.blockForKeys(c, blockWait, nil, timeout)
	c.blocked.wait = w
	s.repl.prim.waiting = append(s.repl.prim.waiting, c)
	s.repl.prim.getack = true
}

// processWaitingReplicas replies to the WAIT and WAITAOF clients whose
// acknowledgements have come (processClientsWaitingReplicas).
func (s *Server) processWaitingReplicas() {
	p := &s.repl.prim
	for _, c := range slices.Clone(p.waiting) {
		st := c.blocked
		if st == nil || st.wait == nil {
			continue
		}
		w := st.wait
		if w.aof && w.numlocal != 0 && s.aof.status == aofOff {
			s.countUnblocked(c, s.releaseBlocked(c), false)
			c.AddError("ERR WAITAOF cannot be used when numlocal is set but appendonly is disabled.")
			s.wakeUnblocked(c)
			continue
		}
		n := s.countAcks(w.offset, w.aof)
		if int64(n) < w.numreplicas {
			continue
		}
		local := int64(boolInt(s.replFsyncedOffset() >= w.offset))
		if w.aof && local < w.numlocal {
			continue
		}
		s.countUnblocked(c, s.releaseBlocked(c), false)
		addWaitReply(c, w.aof, local, n)
		s.wakeUnblocked(c)
	}
}

// replyWait is a WAIT's or WAITAOF's reply: the acknowledgements now.
func (s *Server) replyWait(c *Client, w *waitState) {
	addWaitReply(c, w.aof, int64(boolInt(s.replFsyncedOffset() >= w.offset)), s.countAcks(w.offset, w.aof))
}

// addWaitReply replies n replicas to WAIT, or [local, n] to WAITAOF.
func addWaitReply(c *Client, aof bool, local int64, n int) {
	if aof {
		c.AddArrayLen(2)
		c.AddInt(local)
	}
	c.AddInt(int64(n))
}

// --- ROLE and INFO -----------------------------------------------------

// rolePrimary is ROLE on a primary: "master", the offset, and the online
// replicas: address, listening port and acknowledged offset.
func (s *Server) rolePrimary(c *Client) {
	c.AddArrayLen(3)
	c.AddBulkString("master")
	c.AddInt(s.repl.offset)
	d, n := c.AddDeferredLen(), 0
	for _, r := range s.repl.prim.replicas {
		ip := replicaIP(r)
		if r.repl.state != replOnline || ip == "" {
			continue
		}
		c.AddArrayLen(3)
		c.AddBulkString(ip)
		c.AddBulkInt(int64(r.repl.port))
		c.AddBulkInt(r.repl.ackOff)
		n++
	}
	c.SetDeferredArrayLen(d, n)
}

// replStateName is a replica's sync state as INFO and the log name it
// (replstateToString); "" for a state they do not show.
func replStateName(st replSyncState) string {
	switch st {
	case replWaitBgsave, replWaitBgsaveEnd:
		return "wait_bgsave"
	case replSendBulk:
		return "send_bulk"
	case replOnline:
		return "online"
	}
	return ""
}

// infoReplicas writes INFO replication's connected_slaves, the replicas
// and replicas_waiting_psync.
func (s *Server) infoReplicas(w *infoWriter) {
	p := &s.repl.prim
	w.int("connected_slaves", int64(len(p.replicas)))
	if s.Cfg.MinReplicasToWrite > 0 && s.Cfg.MinReplicasMaxLag > 0 {
		w.int("min_slaves_good_slaves", int64(p.good))
	}
	id := 0
	now := s.unixNow()
	for _, c := range p.replicas {
		r := c.repl
		ip := replicaIP(c)
		state := replStateName(r.state)
		if ip == "" || state == "" {
			continue
		}
		lag := int64(0)
		if r.state == replOnline {
			lag = now - r.ackTime
		}
		w.str("slave"+strconv.Itoa(id), fmt.Sprintf("ip=%s,port=%d,state=%s,offset=%d,lag=%d,type=replica", ip, r.port, state, r.ackOff, lag))
		id++
	}
	w.int("replicas_waiting_psync", 0)
}

// --- min-replicas-to-write ---------------------------------------------

// refreshGoodReplicas counts the online replicas whose last ACK is at
// most min-replicas-max-lag seconds old (refreshGoodReplicasCount).
func (s *Server) refreshGoodReplicas() {
	if s.Cfg.MinReplicasToWrite == 0 || s.Cfg.MinReplicasMaxLag == 0 {
		return
	}
	now := s.unixNow()
	good := 0
	for _, c := range s.repl.prim.replicas {
		if c.repl.state == replOnline && now-c.repl.ackTime <= int64(s.Cfg.MinReplicasMaxLag) {
			good++
		}
	}
	s.repl.prim.good = good
}

// goodReplicasOK reports whether writes may go on as far as
// min-replicas-to-write is concerned (checkGoodReplicasStatus).
func (s *Server) goodReplicasOK() bool {
	return s.Cfg.ReplicaOfHost != "" || s.Cfg.MinReplicasMaxLag <= 0 || s.Cfg.MinReplicasToWrite <= 0 ||
		s.repl.prim.good >= s.Cfg.MinReplicasToWrite
}

// --- the once-a-second upkeep ------------------------------------------

// replPrimaryCron is the primary side of replicationCron, once a second
// (replCronDue): PING into the stream, keep-alive newlines to replicas
// waiting for a snapshot, timed-out replicas dropped, the backlog freed
// after repl-backlog-ttl without replicas, waiting full syncs started.
func (s *Server) replPrimaryCron(nowMs int64) {
	p := &s.repl.prim
	if !s.replCronDue(nowMs, &p.cronTick) {
		return
	}
	now := s.unixNow()
	// Run 0 is Valkey's first replicationCron, at start-up, before any
	// replica can be there: a restarted primary must not PING into the
	// history its replicas are about to continue before they have. Nor
	// is a PING fed while a FAILOVER with a TIMEOUT waits for its
	// replicas to reach the paused stream's end, which must not move;
	// without a TIMEOUT it is, as Valkey does.
	if period := int64(max(s.Cfg.ReplPingReplicaPeriod, 1)); p.cronRuns > 0 && p.cronRuns%period == 0 && len(p.replicas) > 0 && s.repl.failover.end == 0 {
		s.replFeed(-1, []byte("*1\r\n$4\r\nPING\r\n"))
	}
	s.removeSyncRDB()
	socketSave := s.bgsave.run != nil && s.bgsave.run.repl != nil
	if socketSave {
		s.replDropTimedOut(s.bgsave.run.repl, nowMs)
	}
	for _, c := range slices.Clone(p.replicas) {
		r := c.repl
		if r.state == replWaitBgsave || r.state == replWaitBgsaveEnd && !socketSave {
			replWriteNow(c, []byte("\n"))
		}
		if r.state == replOnline && !r.prePsync && now-r.ackTime > int64(s.Cfg.ReplTimeout) {
			s.Log.Warningf("Disconnecting timedout replica (streaming sync): %s", replicaName(c))
			s.closeReplica(c)
			s.replRemove(c)
			continue
		}
		if r.hold {
			s.replHeldSoftLimit(c, nowMs)
		}
	}
	if len(p.replicas) == 0 && s.Cfg.ReplBacklogTTL > 0 && s.repl.backlog != nil && s.Cfg.ReplicaOfHost == "" {
		if s.repl.noReplicasSince == 0 {
			s.repl.noReplicasSince = now
		}
		if now-s.repl.noReplicasSince > s.Cfg.ReplBacklogTTL {
			s.changeReplID()
			s.clearReplID2()
			s.freeReplBacklog()
			s.Log.Noticef("Replication backlog freed after %d seconds without connected replicas.", s.Cfg.ReplBacklogTTL)
		}
	}
	s.replStartPending()
	s.refreshGoodReplicas()
	p.cronRuns++
}

// replHeldSoftLimit applies the soft output limit to a replica whose
// output is held (the I/O loop applies it to the others).
func (s *Server) replHeldSoftLimit(c *Client, nowMs int64) {
	lim := s.Cfg.ClientOutputBufferLimits[OutputClass(c)]
	r := c.repl
	if lim.Soft == 0 || uint64(c.Out.Len()) < lim.Soft {
		r.softSince = 0
		return
	}
	if r.softSince == 0 {
		r.softSince = nowMs
		return
	}
	if nowMs-r.softSince > lim.SoftSeconds*1000 {
		s.replOverLimit(c)
	}
}

// replStartPending starts the snapshot replicas wait for, when nothing
// else is being saved and, for a diskless one, the delay is over or
// enough replicas came (shouldStartChildReplication).
func (s *Server) replStartPending() {
	if s.bgsave.run != nil {
		return
	}
	var maxIdle int64
	waiting, mincapa, req, first := 0, 0, 0, true
	now := s.CachedNowMs()
	for _, c := range s.repl.prim.replicas {
		r := c.repl
		if r.state != replWaitBgsave {
			continue
		}
		if first {
			req = r.req
		} else if req != r.req {
			continue
		}
		maxIdle = max(maxIdle, (now-c.LastInteraction)/1000)
		if first {
			mincapa = r.capa
		} else {
			mincapa &= r.capa
		}
		first = false
		waiting++
	}
	if waiting == 0 {
		return
	}
	if !s.Cfg.ReplDisklessSync || s.Cfg.ReplDisklessSyncMaxReplicas > 0 && waiting >= s.Cfg.ReplDisklessSyncMaxReplicas ||
		maxIdle >= int64(s.Cfg.ReplDisklessSyncDelay) {
		s.replStartSnapshot(mincapa, req)
	}
}
