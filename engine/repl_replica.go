package engine

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/volleydb/volley/engine/repllink"
	"github.com/volleydb/volley/engine/resp"
)

// The replica side of replication: REPLICAOF, and the link to a primary
// (Valkey's replication.c, replica half).
//
// The link runs on goroutines of its own: one does the blocking network
// I/O of a connection (connect, handshake, the snapshot's transfer to a
// temporary file, then reading the command stream), another writes what
// goes back to the primary (REPLCONF ACK). Every step that touches the
// engine (state changes, loading the snapshot, applying a batch of the
// stream on the primary client) runs inside s.Hold, as a background
// save's steps do, so the engine never waits for the network.
//
// Each connection attempt has a generation number. Dropping the link
// (REPLICAOF, a timeout, CLIENT KILL) bumps it and closes the
// connection; the goroutine of the old attempt, woken by the close,
// finds its generation stale at its next hold and stops without
// touching anything.
//
// The link uses the standard net package, not cloudwego/netpoll: there
// is one link per replica, a goroutine blocked in Read is exactly the
// model it needs, and the snapshot is copied to a file through a
// bufio.Reader. netpoll would add its own poller goroutines for a single
// connection and its zero-copy reader saves nothing here (it builds with
// Go 1.26, which is not the reason). With tls-replication the connection
// is wrapped in TLS by the I/O layer (SecureReplication) before the
// handshake.
//
// Loading goes through a temporary file unless repl-diskless-load says
// otherwise (repl_diskless_load.go).

// linkState is the replica's state of its link (Valkey's repl_state,
// with the handshake's sub-states folded into one).
type linkState uint8

const (
	linkNone       linkState = iota // not a replica
	linkConnect                     // must connect: the cron does it
	linkConnecting                  // connecting
	linkHandshake                   // PING to the reply to PSYNC
	linkTransfer                    // receiving the snapshot
	linkConnected                   // applying the stream
)

// primaryHist is what the primary client (or the cached one) knows of
// the primary's stream: its replication ID and the offsets applied and
// read.
type primaryHist struct {
	id       string
	off      int64 // reploff: applied
	readOff  int64 // read_reploff: read, applied or not
	prePsync bool  // a primary that did not understand PSYNC: no offsets, no ACKs
	db       int   // the database the primary's stream had selected: a partial resync continues in it
}

// replicaState is the replica side's state, touched only while holding
// the engine, except the atomics the transfer goroutine updates.
type replicaState struct {
	state     linkState
	gen       uint64      // the current connection attempt
	conn      net.Conn    // the attempt's connection, once connected
	out       chan []byte // to the writer goroutine, while connected
	primary   *Client     // the primary client while connected (server.primary)
	hist      primaryHist
	histOK    bool   // hist holds a primary or cached primary
	pending   []byte // applied stream bytes of an open transaction, passed on at EXEC
	lastIO    int64  // unix s of the last byte from the primary (repl_transfer_lastio, last_interaction)
	downSince int64  // unix s the link went down; 0 if never up
	cronTick  int64  // when the periodic work last ran (replCronDue)

	fullID     string // the primary's id from +FULLRESYNC (primary_replid)
	fullOffset int64  // and its offset (primary_initial_offset)

	transferSize atomic.Int64 // bytes announced by the transfer, 0 for the EOF form, -1 before its header
	transferRead atomic.Int64 // bytes read of it
	progressed   atomic.Bool  // the transfer read something since the cron last looked
	socketLoad   bool         // a diskless load is reading the transfer, with its own read deadline

	user *User // the primary client's user: allowed everything ("(superuser)")
}

// replicaHold runs fn while holding the engine if the connection attempt
// gen is still the current one, and reports whether it was.
func (s *Server) replicaHold(gen uint64, fn func()) bool {
	ok := false
	s.Hold(func(*Server) {
		if s.replica.gen == gen && s.Cfg.ReplicaOfHost != "" {
			ok = true
			fn()
		}
	})
	return ok
}

func (s *Server) unixNow() int64 { return s.Clock.NowMs() / 1000 }

// --- REPLICAOF, ROLE --------------------------------------------------

var replicaHandlers = map[string]Handler{
	"replicaof": cmdReplicaOf,
	"slaveof":   cmdReplicaOf,
	"role":      cmdRole,
}

// REPLICAOF host port | NO ONE (and SLAVEOF).
func cmdReplicaOf(c *Client) {
	s := c.srv
	if s.Cfg.ClusterEnabled {
		c.AddError("ERR REPLICAOF not allowed in cluster mode.")
		return
	}
	if s.repl.failover.state != failoverNone {
		c.AddError("ERR REPLICAOF not allowed while failing over.")
		return
	}
	if equalFoldASCII(c.Argv[1], "no") && equalFoldASCII(c.Argv[2], "one") {
		if s.Cfg.ReplicaOfHost != "" {
			s.replicationUnsetPrimary()
			s.Log.Noticef("PRIMARY MODE enabled (user request from '%s')", clientShortInfo(c))
		}
		c.AddOK()
		return
	}
	if c.Flags&ClientReplica != 0 {
		c.AddError("ERR Command is not valid when client is a replica.")
		return
	}
	port, ok := parseInt(c.Argv[2])
	if !ok || port < 0 || port > 65535 {
		c.AddError("ERR Invalid master port")
		return
	}
	host := string(c.Argv[1])
	if s.Cfg.ReplicaOfHost != "" && kwEqual(c.Argv[1], s.Cfg.ReplicaOfHost) && s.Cfg.ReplicaOfPort == int(port) {
		s.Log.Noticef("REPLICAOF would result into synchronization with the primary we are already connected with. No operation performed.")
		c.AddRawString("+OK Already connected to specified master\r\n")
		return
	}
	s.replicationSetPrimary(host, int(port), true)
	s.Log.Noticef("REPLICAOF %s:%d enabled (user request from '%s')", host, port, clientShortInfo(c))
	c.AddOK()
}

// clientShortInfo is catClientInfoShortString, for the log.
func clientShortInfo(c *Client) string {
	user := "(superuser)"
	if c.User != nil {
		user = c.User.Name
	}
	return fmt.Sprintf("id=%d addr=%s laddr=%s fd=%d name=%s user=%s lib-name=%s lib-ver=%s",
		c.ID, c.Addr, c.LAddr, c.Fd, c.Name, user, c.LibName, c.LibVer)
}

// ROLE
func cmdRole(c *Client) {
	s := c.srv
	if s.Cfg.ReplicaOfHost == "" {
		s.rolePrimary(c)
		return
	}
	r := &s.replica
	c.AddArrayLen(5)
	c.AddBulkString("slave")
	c.AddBulkString(s.Cfg.ReplicaOfHost)
	c.AddInt(int64(s.Cfg.ReplicaOfPort))
	var state string
	switch r.state {
	case linkNone:
		state = "none"
	case linkConnect:
		state = "connect"
	case linkConnecting:
		state = "connecting"
	case linkHandshake:
		state = "handshake"
	case linkTransfer:
		state = "sync"
	case linkConnected:
		state = "connected"
	}
	c.AddBulkString(state)
	off := int64(-1)
	if r.primary != nil {
		off = r.hist.off
	}
	c.AddInt(off)
}

// --- becoming a replica, or a primary again --------------------------

// replicationSetPrimary makes this server a replica of host:port
// (replicationSetPrimary): the link to a former primary is dropped (and
// cached, for a partial resynchronization with the new one), and a
// former primary caches its own history for the same purpose. With
// unblock the clients blocked on keys are sent away; a FAILOVER leaves
// them until its target has taken over.
func (s *Server) replicationSetPrimary(host string, port int, unblock bool) {
	r := &s.replica
	wasPrimary := s.Cfg.ReplicaOfHost == ""
	s.Cfg.ReplicaOfHost = ""
	s.replicaDropPrimary()
	s.Cfg.ReplicaOfHost, s.Cfg.ReplicaOfPort = host, port
	s.Log.SetRole('S')
	if unblock {
		s.unblockForRoleChange()
	}
	s.cancelHandshake(false)
	if wasPrimary {
		s.discardCachedPrimary()
		s.Log.Noticef("Before turning into a replica, using my own primary parameters to synthesize a cached primary: I may be able to synchronize with the new primary with just a partial transfer.")
		r.hist = primaryHist{id: s.repl.id, off: s.repl.offset, readOff: s.repl.offset}
		r.histOK = true
	}
	r.state = linkConnect
	s.Log.Noticef("Connecting to PRIMARY %s:%d", host, port)
	s.connectWithPrimary()
}

// replicationUnsetPrimary turns this replica into a primary
// (replicationUnsetPrimary): the link goes, the data stays, the history
// continues under a new ID with the old one as the second, so that
// replicas of the same primary can continue from this one.
func (s *Server) replicationUnsetPrimary() {
	r := &s.replica
	if s.Cfg.ReplicaOfHost == "" {
		return
	}
	s.Cfg.ReplicaOfHost = ""
	s.Log.SetRole('M')
	s.replicaDropPrimary()
	s.discardCachedPrimary()
	s.cancelHandshake(false)
	s.shiftReplID()
	s.replDisconnectReplicas()
	r.state = linkNone
	s.repl.seldb = -1
	s.repl.noReplicasSince = s.unixNow()
	r.downSince = 0
	if s.Cfg.AppendOnly && s.aof.status == aofOff {
		s.restartAOFAfterSync()
	}
}

// unblockForRoleChange ends the wait of blocked clients, as a server
// turning replica does (disconnectOrRedirectAllBlockedClients): those
// blocked on keys could otherwise be served by a write the primary never
// makes. A READONLY client blocked by a read is left waiting. A client
// that announced CLIENT CAPA REDIRECT and waits on keys is sent to the
// primary and stays connected; the others are told and disconnected.
func (s *Server) unblockForRoleChange() {
	for _, c := range s.clients {
		if c.blocked == nil {
			continue
		}
		if c.Flags&ClientReadonly != 0 && c.Cmd != nil && c.Cmd.Flags&FlagWrite == 0 {
			continue
		}
		bt := c.blocked.btype
		st := s.releaseBlocked(c)
		if (bt == blockList || bt == blockZSet || bt == blockStream) && s.canRedirect(c) {
			c.AddError(s.redirectError())
		} else {
			c.AddError("UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)")
			c.Flags |= ClientCloseAfterReply
		}
		s.countUnblocked(c, st, true)
		s.wakeUnblocked(c)
	}
}

// discardCachedPrimary forgets the cached primary
// (replicationDiscardCachedPrimary).
func (s *Server) discardCachedPrimary() {
	r := &s.replica
	if !r.histOK || r.primary != nil {
		return
	}
	s.Log.Noticef("Discarding previously cached primary state.")
	r.histOK = false
	r.hist = primaryHist{}
}

// --- the connection ---------------------------------------------------

// connectWithPrimary starts a connection attempt on a goroutine of its
// own.
func (s *Server) connectWithPrimary() {
	r := &s.replica
	if s.Hold == nil {
		s.Log.Warningf("Unable to connect to PRIMARY: no engine holder")
		return
	}
	r.gen++
	r.state = linkConnecting
	r.lastIO = s.unixNow()
	s.Log.Noticef("PRIMARY <-> REPLICA sync started")
	hs := s.handshakeCommands()
	go s.runReplicaLink(r.gen, net.JoinHostPort(s.Cfg.ReplicaOfHost, strconv.Itoa(s.Cfg.ReplicaOfPort)),
		time.Duration(s.Cfg.ReplTimeout)*time.Second, hs)
}

// handshake is what the link sends after PING, and how many replies it
// expects to each part.
type handshake struct {
	cmds       []byte
	auth       bool // AUTH was sent
	ip         bool // REPLCONF ip-address was sent
	noDelayOff bool // repl-disable-tcp-nodelay
	tls        bool // tls-replication: the link is a TLS one (SecureReplication)
}

// handshakeCommands composes the handshake after PING, as Valkey's
// replica sends it: AUTH when primaryauth is set, REPLCONF
// listening-port, REPLCONF ip-address when replica-announce-ip is set,
// the capabilities, the version.
func (s *Server) handshakeCommands() handshake {
	var hs handshake
	if s.Cfg.PrimaryAuth != "" {
		if s.Cfg.PrimaryUser != "" {
			hs.cmds = repllink.AppendCommand(hs.cmds, "AUTH", s.Cfg.PrimaryUser, s.Cfg.PrimaryAuth)
		} else {
			hs.cmds = repllink.AppendCommand(hs.cmds, "AUTH", s.Cfg.PrimaryAuth)
		}
		hs.auth = true
	}
	hs.tls = s.cfgBool("tls-replication")
	port := s.cfgInt("replica-announce-port")
	switch {
	case port != 0:
	case hs.tls:
		port = int64(s.Cfg.TLSPort) // where this server takes replicas of its own
	default:
		port = int64(s.Cfg.Port)
	}
	hs.cmds = repllink.AppendCommand(hs.cmds, "REPLCONF", "listening-port", strconv.FormatInt(port, 10))
	if ip, _ := s.Cfg.Value("replica-announce-ip"); ip != "" {
		hs.cmds = repllink.AppendCommand(hs.cmds, "REPLCONF", "ip-address", ip)
		hs.ip = true
	}
	hs.cmds = repllink.AppendCommand(hs.cmds, "REPLCONF", "capa", "eof", "capa", "psync2")
	hs.cmds = repllink.AppendCommand(hs.cmds, "REPLCONF", "version", Version)
	hs.noDelayOff = s.cfgBool("repl-disable-tcp-nodelay")
	return hs
}

// linkIO is one connection attempt's goroutine-side state.
type linkIO struct {
	s    *Server
	gen  uint64
	conn net.Conn
	br   *bufio.Reader
	tmp  string // the transfer's temporary file, removed unless it became dbfilename
}

// runReplicaLink is a connection attempt, from the connect to the end of
// the stream.
func (s *Server) runReplicaLink(gen uint64, addr string, timeout time.Duration, hs handshake) {
	l := &linkIO{s: s, gen: gen}
	defer func() {
		if l.tmp != "" {
			_ = os.Remove(l.tmp)
		}
	}()
	conn, err := s.dialPrimary(addr, timeout, hs)
	ok := s.replicaHold(gen, func() {
		if err != nil {
			s.Log.Warningf("Error condition on socket for SYNC: %s", connErrText(err))
			s.replicaLinkFailed()
			return
		}
		s.replica.conn = conn
		s.replica.state = linkHandshake
		s.replica.lastIO = s.unixNow()
		s.Log.Noticef("Non blocking connect for SYNC fired the event.")
	})
	if !ok || err != nil {
		if conn != nil {
			conn.Close()
		}
		return
	}
	l.conn = conn
	l.br = bufio.NewReaderSize(conn, 64<<10)
	kind, ok := l.handshake(hs)
	if !ok {
		return
	}
	switch kind {
	case repllink.PsyncContinue:
		l.stream()
	default:
		if l.transfer() {
			l.stream()
		}
	}
}

// dialPrimary connects to the primary at addr, as hs says: TCP_NODELAY
// unless repl-disable-tcp-nodelay, and TLS with tls-replication.
func (s *Server) dialPrimary(addr string, timeout time.Duration, hs handshake) (net.Conn, error) {
	conn, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return nil, err
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(!hs.noDelayOff)
	}
	if !hs.tls {
		return conn, nil
	}
	if s.SecureReplication == nil {
		conn.Close()
		return nil, errors.New("TLS is not configured")
	}
	tc, err := s.SecureReplication(conn, timeout)
	if err != nil {
		conn.Close()
		return nil, err
	}
	return tc, nil
}

func connErrText(err error) string {
	if oe, ok := err.(*net.OpError); ok && oe.Err != nil {
		if se, ok := oe.Err.(*os.SyscallError); ok {
			return se.Err.Error()
		}
		return oe.Err.Error()
	}
	return err.Error()
}

// fail ends the attempt after an error in the handshake: the cron
// connects again within a second (syncWithPrimaryHandleError).
func (l *linkIO) fail(format string, args ...any) {
	l.s.replicaHold(l.gen, func() {
		if format != "" {
			l.s.Log.Warningf(format, args...)
		}
		l.s.replicaLinkFailed()
	})
	l.conn.Close()
}

// replicaLinkFailed drops the attempt's connection and leaves the
// reconnection to the cron.
func (s *Server) replicaLinkFailed() {
	r := &s.replica
	if r.conn != nil {
		r.conn.Close()
		r.conn = nil
	}
	r.gen++
	r.state = linkConnect
}

// reply reads one reply line of the handshake, noting the time.
func (l *linkIO) reply() (string, bool) {
	line, err := repllink.ReadLine(l.br)
	if err != nil {
		l.fail("Failed to read response from the server: %s", connErrText(err))
		return "", false
	}
	return line, l.s.replicaHold(l.gen, func() { l.s.replica.lastIO = l.s.unixNow() })
}

func (l *linkIO) send(b []byte) bool {
	if _, err := l.conn.Write(b); err != nil {
		l.fail("Sending command to primary in replication handshake: -Writing to master: %s", connErrText(err))
		return false
	}
	return true
}

// handshake runs PING to the reply to PSYNC (syncWithPrimary), and
// returns what the primary answered.
func (l *linkIO) handshake(hs handshake) (repllink.PsyncKind, bool) {
	s := l.s
	if !l.send(repllink.AppendCommand(nil, "PING")) {
		return 0, false
	}
	line, ok := l.reply()
	if !ok {
		return 0, false
	}
	if line == "" || line[0] != '+' && !strings.HasPrefix(line, "-NOAUTH") && !strings.HasPrefix(line, "-NOPERM") && !strings.HasPrefix(line, "-ERR operation not permitted") {
		l.fail("Error reply to PING from primary: '%s'", line)
		return 0, false
	}
	s.replicaHold(l.gen, func() { s.Log.Noticef("Primary replied to PING, replication can continue...") })
	if !l.send(hs.cmds) {
		return 0, false
	}
	if hs.auth {
		if line, ok = l.reply(); !ok {
			return 0, false
		}
		if strings.HasPrefix(line, "-") {
			l.fail("Unable to AUTH to PRIMARY: %s", line)
			return 0, false
		}
	}
	replies := []string{"REPLCONF listening-port", "REPLCONF ip-address", "REPLCONF capa", "REPLCONF VERSION"}
	for i, what := range replies {
		if i == 1 && !hs.ip {
			continue
		}
		if line, ok = l.reply(); !ok {
			return 0, false
		}
		if strings.HasPrefix(line, "-") {
			s.replicaHold(l.gen, func() {
				s.Log.Noticef("(Non critical) Primary does not understand %s: %s", what, line)
			})
		}
	}
	// PSYNC with the cached primary's history, or "? -1" without one;
	// a primary failing over asks its target to take over with FAILOVER.
	var psync []byte
	if !s.replicaHold(l.gen, func() {
		r := &s.replica
		r.fullOffset = -1
		id, off := "?", "-1"
		if r.histOK {
			id, off = r.hist.id, strconv.FormatInt(r.hist.off+1, 10)
			s.Log.Noticef("Trying a partial resynchronization (request %s:%s).", id, off)
		} else {
			s.Log.Noticef("Partial resynchronization not possible (no cached primary)")
		}
		if s.repl.failover.state == failoverInProgress {
			psync = repllink.AppendCommand(nil, "PSYNC", id, off, "FAILOVER")
		} else {
			psync = repllink.AppendCommand(nil, "PSYNC", id, off)
		}
	}) {
		return 0, false
	}
	if _, err := l.conn.Write(psync); err != nil {
		s.replicaHold(l.gen, func() {
			const why = "Write error sending the PSYNC command."
			s.Log.Warningf("Unable to send PSYNC to primary: -Writing to master: %s", connErrText(err))
			stillReplica := s.failoverPsyncDone(false, why)
			s.Log.Warningf("Sending command to primary in replication handshake: %s", why)
			if stillReplica {
				s.replicaLinkFailed()
			}
		})
		l.conn.Close()
		return 0, false
	}
	var rep repllink.PsyncReply
	for {
		line, err := repllink.ReadLine(l.br)
		if err != nil {
			s.replicaHold(l.gen, func() {
				s.Log.Warningf("Primary did not reply to PSYNC, will try later")
				if s.failoverPsyncDone(false, failoverRejected) {
					s.replicaLinkFailed()
				}
			})
			l.conn.Close()
			return 0, false
		}
		rep = repllink.ParsePsyncReply(line)
		if rep.Kind != repllink.PsyncWait {
			ok = false
			s.replicaHold(l.gen, func() { ok = s.psyncReplied(l, rep, line) })
			break
		}
		if !s.replicaHold(l.gen, func() { s.replica.lastIO = s.unixNow() }) {
			return 0, false
		}
	}
	if !ok {
		return 0, false
	}
	switch rep.Kind {
	case repllink.PsyncTryLater:
		l.fail("")
		return 0, false
	case repllink.PsyncNotSupported, repllink.PsyncDualChannel:
		if _, err := l.conn.Write([]byte("SYNC\r\n")); err != nil {
			l.fail("I/O error writing to PRIMARY: %s", connErrText(err))
			return 0, false
		}
	}
	return rep.Kind, true
}

// psyncReplied acts on the reply to PSYNC (replicaProcessPsyncReply) and
// reports whether the link goes on: not when it settled a failover by
// aborting it.
func (s *Server) psyncReplied(l *linkIO, rep repllink.PsyncReply, line string) bool {
	r := &s.replica
	r.lastIO = s.unixNow()
	switch rep.Kind {
	case repllink.PsyncFull:
		r.fullID, r.fullOffset = rep.ID, rep.Offset
		s.Log.Noticef("Full resync from primary: %s:%d", r.fullID, r.fullOffset)
	case repllink.PsyncBadFull:
		s.Log.Warningf("Primary replied with wrong +FULLRESYNC syntax.")
		r.fullID = ""
	case repllink.PsyncContinue:
		s.Log.Noticef("Successful partial resynchronization with primary.")
		if rep.ID != "" && rep.ID != r.hist.id {
			// The primary continues our history under a new ID: the old
			// one is our second, for our own replicas, who must learn it.
			s.Log.Noticef("Primary replication ID changed to %s", rep.ID)
			s.repl.id2 = r.hist.id
			s.repl.secondOffset = s.repl.offset + 1
			s.repl.id = rep.ID
			r.hist.id = rep.ID
			s.replDisconnectReplicas()
		}
		s.createPrimaryClient(l)
		r.primary.DB = r.hist.db // the stream goes on without a SELECT
		if s.repl.backlog == nil {
			s.createReplBacklog()
		}
	case repllink.PsyncTryLater:
		s.Log.Noticef("Primary is currently unable to PSYNC but should be in the future: %s", line)
	case repllink.PsyncDualChannel:
		s.Log.Warningf("Unexpected reply to PSYNC from primary: %s", line)
	case repllink.PsyncNotSupported:
		if strings.HasPrefix(line, "-ERR") {
			s.Log.Noticef("Primary does not support PSYNC or is in error state (reply: %s)", line)
		} else {
			s.Log.Warningf("Unexpected reply to PSYNC from primary: %s", line)
		}
	}
	full := rep.Kind == repllink.PsyncFull || rep.Kind == repllink.PsyncBadFull
	if !s.failoverPsyncDone(full || rep.Kind == repllink.PsyncContinue, failoverRejected) {
		return false
	}
	switch rep.Kind {
	case repllink.PsyncContinue:
		s.Log.Noticef("PRIMARY <-> REPLICA sync: Primary accepted a Partial Resynchronization.")
		return true
	case repllink.PsyncTryLater:
		return true
	case repllink.PsyncDualChannel, repllink.PsyncNotSupported:
		s.Log.Noticef("Retrying with SYNC...")
	}
	// A full synchronization: the snapshot comes next.
	r.state = linkTransfer
	r.transferSize.Store(-1)
	r.transferRead.Store(0)
	r.progressed.Store(false)
	return true
}

// --- the snapshot ------------------------------------------------------

// transfer receives the snapshot into a temporary file, then loads it
// while holding the engine, or with a diskless load reads it straight
// into memory (repl_diskless_load.go). It reports whether the link goes
// on to the stream.
func (l *linkIO) transfer() bool {
	s := l.s
	r := &s.replica
	var dir string
	var diskless bool
	if !s.replicaHold(l.gen, func() { dir, diskless = s.Cfg.Dir, s.useDisklessLoad() }) {
		return false
	}
	var f *os.File
	var err error
	if !diskless {
		if f, err = l.openTemp(dir); err != nil {
			l.fail("Opening the temp file needed for PRIMARY <-> REPLICA synchronization: %s", errnoText(err))
			return false
		}
		defer f.Close()
	}
	// The header, after any newlines the primary sends while it prepares
	// the snapshot.
	var line string
	for {
		line, err = repllink.ReadLine(l.br)
		if err != nil {
			l.fail("I/O error reading bulk count from PRIMARY: %s", connErrText(err))
			return false
		}
		if line != "" {
			break
		}
		r.progressed.Store(true)
	}
	switch {
	case line[0] == '-':
		l.fail("PRIMARY aborted replication with an error: %s", line[1:])
		return false
	case line[0] != '$':
		l.fail("Bad protocol from PRIMARY, the first byte is not '$' (we received '%s'), are you sure the host and port are right?", line)
		return false
	}
	p, err := repllink.ParsePayloadHeader(line)
	if err != nil {
		l.fail("Bad protocol from PRIMARY: %s", line)
		return false
	}
	r.transferSize.Store(p.Size)
	r.progressed.Store(true)
	if diskless {
		ok := false
		if !s.replicaHold(l.gen, func() { ok = s.loadFromSocket(l, p) }) {
			return false
		}
		return ok
	}
	if !s.replicaHold(l.gen, func() {
		if p.Mark != nil {
			s.Log.Noticef("PRIMARY <-> REPLICA sync: receiving streamed RDB from primary with EOF to disk")
		} else {
			s.Log.Noticef("PRIMARY <-> REPLICA sync: receiving %d bytes from primary to disk", p.Size)
		}
	}) {
		return false
	}
	_, err = repllink.CopyPayload(f, l.br, p, func(n int64) {
		r.transferRead.Store(n)
		r.progressed.Store(true)
	})
	if err != nil {
		l.fail("I/O error trying to sync with PRIMARY: %s", connErrText(err))
		return false
	}
	if err := f.Sync(); err != nil {
		l.fail("Failed trying to sync the temp DB to disk in PRIMARY <-> REPLICA synchronization: %s", errnoText(err))
		return false
	}
	ok := false
	if !s.replicaHold(l.gen, func() { ok = s.loadTransferred(l) }) {
		return false
	}
	return ok
}

// openTemp creates the file the snapshot is received into, in dir.
func (l *linkIO) openTemp(dir string) (*os.File, error) {
	var err error
	for tries := 0; tries < 5; tries++ {
		l.tmp = filepath.Join(dir, fmt.Sprintf("temp-%d.%d.rdb", time.Now().Unix()+int64(tries), os.Getpid()))
		f, e := os.OpenFile(l.tmp, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o666)
		if e == nil {
			return f, nil
		}
		err = e
	}
	l.tmp = ""
	return nil, err
}

// loadTransferred replaces the dataset with the snapshot received and
// takes on the primary's history (replicaLoadPrimaryRDBFromDisk and
// replicaAfterLoadPrimaryRDB).
func (s *Server) loadTransferred(l *linkIO) bool {
	s.Log.Noticef("Done downloading RDB")
	s.Log.Noticef("Loading the RDB and finalizing primary-replica sync...")
	s.beforeLoadFromPrimary(false)
	path := s.rdbPath()
	if err := os.Rename(l.tmp, path); err != nil {
		s.Log.Warningf("Failed trying to rename the temp DB into %s in PRIMARY <-> REPLICA synchronization: %s", s.Cfg.DBFilename, errnoText(err))
		s.cancelHandshake(true)
		return false
	}
	l.tmp = ""
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		_ = d.Sync()
		d.Close()
	}
	s.attachToNewPrimary()
	s.Log.Noticef("PRIMARY <-> REPLICA sync: Flushing old data")
	s.emptyForSync()
	s.Log.Noticef("PRIMARY <-> REPLICA sync: Loading DB in memory")
	f, err := os.Open(path)
	if err == nil {
		// Clients are answered LOADING meanwhile, as at start-up.
		s.BeginLoading()
		if s.Yield != nil {
			s.SetLoadYield(func() error { s.Yield(); return nil })
		}
		var st loadStats
		st, err = s.readRDB(f, fileSize(f), false)
		s.EndLoading()
		f.Close()
		if err != nil {
			s.logLoadError(err, st, errors.Is(err, io.ErrUnexpectedEOF), false)
		}
	}
	if err != nil {
		s.Log.Warningf("Failed trying to load the PRIMARY synchronization DB from disk, check server logs.")
		s.removeReceivedRDB(path)
		s.Log.Noticef("PRIMARY <-> REPLICA sync: Discarding the half-loaded data")
		s.emptyForSync()
		s.Log.Warningf("Failed to load RDB")
		s.cancelHandshake(true)
		return false
	}
	s.removeReceivedRDB(path)
	s.Dirty = 0
	s.afterLoadFromPrimary(l)
	return true
}

// removeReceivedRDB deletes the snapshot just loaded from path when this
// replica keeps no data on disk and rdb-del-sync-files says no copy may
// stay (replicaLoadPrimaryRDBFromDisk).
func (s *Server) removeReceivedRDB(path string) {
	if s.cfgBool("rdb-del-sync-files") && s.persistenceOff() {
		s.Log.Noticef("Removing the RDB file obtained from the primary. This replica has persistence disabled")
		removeInBackground(path)
	}
}

// beforeLoadFromPrimary stops what may go on writing the old dataset or
// a file of it: the AOF and a background save
// (replicaBeforeLoadPrimaryRDB). A diskless load stops the save without
// a word.
func (s *Server) beforeLoadFromPrimary(diskless bool) {
	if s.aof.status != aofOff {
		s.stopAOF()
	}
	if s.bgsave.run != nil && !s.bgsave.run.aofRewrite {
		msg := "Replica is about to load the RDB file received from the primary, but there is a pending RDB child running. Killing process and removing its temp file to avoid any race"
		if diskless {
			msg = ""
		}
		s.bgsaveStop(msg)
	}
}

// attachToNewPrimary is the start of a new history: the cached primary
// is useless, our replicas must resynchronize and cannot continue from
// our backlog (replicationAttachToNewPrimary).
func (s *Server) attachToNewPrimary() {
	s.discardCachedPrimary()
	s.replDisconnectReplicas()
	s.freeReplBacklog()
}

// afterLoadFromPrimary takes on the primary's history once its snapshot
// is loaded, and the link goes on to the stream
// (replicaAfterLoadPrimaryRDB).
func (s *Server) afterLoadFromPrimary(l *linkIO) {
	r := &s.replica
	s.createPrimaryClient(l)
	r.hist = primaryHist{id: r.fullID, off: r.fullOffset, readOff: r.fullOffset, prePsync: r.fullOffset == -1}
	r.histOK = true
	s.replicaSendAck()
	s.repl.id = r.fullID
	if s.repl.id == "" {
		s.repl.id = replIDZero
	}
	s.repl.offset = r.fullOffset
	s.clearReplID2()
	if s.repl.backlog == nil {
		s.createReplBacklog()
	}
	s.Log.Noticef("PRIMARY <-> REPLICA sync: Finished with success")
	if s.Cfg.AppendOnly {
		s.restartAOFAfterSync()
	}
}

// emptyForSync empties the dataset before a snapshot is loaded
// (emptyData), functions included.
func (s *Server) emptyForSync() {
	async := s.cfgBool("replica-lazy-flush")
	for _, db := range s.dbs {
		db.Flush(async)
	}
	s.trackingFlushed()
	s.forgetReplicaKeys()
	s.functionsFlush()
}

// restartAOFAfterSync turns the AOF back on after a synchronization: a
// rewrite of the new dataset starts it (restartAOFAfterSYNC).
func (s *Server) restartAOFAfterSync() {
	if err := s.startAOF(); err != nil {
		s.Log.Warningf("Failed enabling the AOF after successful primary synchronization! Trying it again in one second.")
	}
}

// cancelHandshake drops an attempt in progress, connecting to
// receiving the snapshot (cancelReplicationHandshake), and with
// reconnect starts another at once. It reports whether there was one.
func (s *Server) cancelHandshake(reconnect bool) bool {
	r := &s.replica
	switch r.state {
	case linkConnecting, linkHandshake, linkTransfer:
	default:
		return false
	}
	s.replicaLinkFailed()
	if reconnect && s.Cfg.ReplicaOfHost != "" {
		s.Log.Noticef("Reconnecting to PRIMARY %s:%d after failure", s.Cfg.ReplicaOfHost, s.Cfg.ReplicaOfPort)
		s.connectWithPrimary()
	}
	return true
}

// --- the primary client and the stream ---------------------------------

// primaryClientLink is the Link of the primary client: its replies are
// discarded, and closing it (CLIENT KILL) closes the connection, which
// the link's goroutine then finds lost. Waking it (the CLIENT PAUSE that
// held its stream back has ended) cuts the goroutine's read short, so
// that it applies what it has read without waiting for more.
type primaryClientLink struct{ conn net.Conn }

func (p primaryClientLink) Wake()      { _ = p.conn.SetReadDeadline(time.Unix(1, 0)) }
func (p primaryClientLink) Close(bool) { p.conn.Close() }
func (s *Server) primaryUser() *User {
	r := &s.replica
	if r.user == nil {
		r.user = s.newUser("(superuser)")
		for _, op := range []string{"+@all", "~*", "&*", "on", "nopass"} {
			s.aclSetUser(r.user, op)
		}
	}
	return r.user
}

// createPrimaryClient makes the primary client on the attempt's
// connection and starts the writer; the link is up
// (replicationCreatePrimaryClient, establishPrimaryConnection).
func (s *Server) createPrimaryClient(l *linkIO) {
	r := &s.replica
	addr, laddr := l.conn.RemoteAddr().String(), l.conn.LocalAddr().String()
	fd := -1
	c := s.NewClient(addr, laddr, fd, false)
	s.Stats.ConnectionsReceived-- // not an accepted connection
	c.Flags |= ClientPrimary
	c.User = s.primaryUser()
	c.Authenticated = true
	c.SetLink(primaryClientLink{l.conn})
	r.primary = c
	r.pending = r.pending[:0]
	r.state = linkConnected
	r.downSince = 0
	r.lastIO = s.unixNow()
	out := make(chan []byte, 64)
	r.out = out
	go func(conn net.Conn) {
		for b := range out {
			if _, err := conn.Write(b); err != nil {
				conn.Close()
				for range out {
				}
				return
			}
		}
	}(l.conn)
}

// replicaDropPrimary frees the primary client and keeps what it knew as
// the cached primary (freeClient of the primary, replicationCachePrimary),
// and reconnects when this is still a replica
// (replicationHandlePrimaryDisconnection).
func (s *Server) replicaDropPrimary() {
	r := &s.replica
	c := r.primary
	if c == nil {
		return
	}
	s.Log.Noticef("Connection with primary lost.")
	s.Log.Noticef("Caching the disconnected primary state.")
	r.primary = nil
	if r.out != nil {
		close(r.out)
		r.out = nil
	}
	if r.conn != nil {
		r.conn.Close()
		r.conn = nil
	}
	r.gen++
	if c.Flags&ClientMulti != 0 {
		s.discardTransaction(c)
	}
	r.hist.db = c.DB
	s.FreeClient(c)
	r.pending = r.pending[:0]
	r.hist.readOff = r.hist.off
	r.state = linkConnect
	r.downSince = s.unixNow()
	if s.Cfg.ReplicaOfHost != "" {
		s.Log.Noticef("Reconnecting to PRIMARY %s:%d", s.Cfg.ReplicaOfHost, s.Cfg.ReplicaOfPort)
		s.connectWithPrimary()
	}
}

// replicaSendAck tells the primary the offset applied (replicationSendAck),
// with the offset the AOF has made durable when it is on.
func (s *Server) replicaSendAck() {
	r := &s.replica
	if r.primary == nil || r.hist.prePsync || r.out == nil {
		return
	}
	fack := s.replFsyncedOffset()
	n := 3
	if fack >= 0 {
		n = 5
	}
	// A fresh buffer each time: the writer goroutine owns what it is sent.
	b := resp.AppendArrayLen(make([]byte, 0, 64), n)
	b = resp.AppendBulkString(b, "REPLCONF")
	b = resp.AppendBulkString(b, "ACK")
	b = resp.AppendBulkInt(b, r.hist.off)
	if fack >= 0 {
		b = resp.AppendBulkString(b, "FACK")
		b = resp.AppendBulkInt(b, fack)
	}
	select {
	case r.out <- b:
	default: // the primary is not reading: the next ACK will tell it
	}
}

// stream reads the command stream and applies it, a read at a time, on
// the primary client.
func (l *linkIO) stream() {
	s := l.s
	var p resp.Parser
	p.Replicated = true
	buf := make([]byte, 0, 64<<10)
	pos := 0
	var argv [][]byte
	for {
		// Room for the next read: what is unparsed moves to the front, and
		// the buffer grows to what the command being read needs.
		if pos > 0 {
			n := copy(buf, buf[pos:])
			buf, pos = buf[:n], 0
		}
		want := max(p.Need(), len(buf)+16<<10)
		if cap(buf) > 1<<20 && want < 64<<10 {
			// A large command has gone: so does its room.
			buf = append(make([]byte, 0, 64<<10), buf...)
		}
		if cap(buf) < want {
			nb := make([]byte, len(buf), want)
			copy(nb, buf)
			buf = nb
		}
		n, err := l.br.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if errors.Is(err, os.ErrDeadlineExceeded) {
			// A wake-up (primaryClientLink.Wake), not a failure.
			err = l.conn.SetReadDeadline(time.Time{})
		}
		lost := false
		ok := s.replicaHold(l.gen, func() {
			if n > 0 || pos < len(buf) {
				argv, pos = s.applyStream(&p, buf, pos, n, argv)
			}
			s.retryPsyncFailover() // it may have waited for these bytes
			if err != nil && s.replica.primary != nil {
				s.replicaDropPrimary()
				lost = true
			}
		})
		if !ok || lost {
			return
		}
	}
}

// applyStream applies the whole commands of buf from pos, n bytes of
// which were just read, and returns where it stopped. A command's bytes
// are passed on (replFeedRaw) once it is applied; a transaction's when
// its EXEC is.
func (s *Server) applyStream(p *resp.Parser, buf []byte, pos, n int, argv [][]byte) ([][]byte, int) {
	r := &s.replica
	c := r.primary
	gen := r.gen
	now := s.Clock.NowMs()
	r.lastIO = now / 1000
	r.hist.readOff += int64(n)
	c.LastInteraction = now
	c.NetIn += int64(n)
	s.Stats.NetReplInputBytes += int64(n)
	for pos < len(buf) {
		var k int
		var err error
		argv, k, err = p.Parse(buf[pos:], argv)
		if err != nil {
			s.Log.Warningf("Protocol error (%v) from client: %s. Query buffer during protocol error: '%s'", err, clientShortInfo(c), truncate(buf[pos:], 128))
			r.conn.Close()
			return argv, len(buf)
		}
		if k == 0 {
			break
		}
		if len(argv) > 0 && s.Paused(c, argv) {
			// A CLIENT PAUSE holds writes back: so is the stream, from
			// this command on, as Valkey postpones its primary client.
			// Reading goes on (slave_read_repl_offset); the wake-up at
			// the pause's end resumes applying.
			break
		}
		raw := buf[pos : pos+k]
		pos += k
		if len(argv) > 0 {
			s.applyPrimaryCommand(c, argv)
			if r.gen != gen || r.primary != c {
				return argv, len(buf)
			}
		}
		if c.Flags&ClientMulti != 0 {
			r.pending = append(r.pending, raw...)
			continue
		}
		if len(r.pending) > 0 {
			raw = append(r.pending, raw...)
			r.pending = raw[:0]
		}
		r.hist.off += int64(len(raw))
		s.replFeedRaw(raw)
	}
	return argv, pos
}

// applyPrimaryCommand runs one command of the stream. REPLCONF GETACK
// is answered here: the ACK carries the offset before it.
func (s *Server) applyPrimaryCommand(c *Client, argv [][]byte) {
	if len(argv) >= 2 && equalFoldASCII(argv[0], "replconf") && equalFoldASCII(argv[1], "getack") {
		s.replicaSendAck()
		return
	}
	s.Call(c, argv)
	if c.errored && c.Out.Len() > 0 {
		name := "<unknown>"
		if c.Cmd != nil {
			name = c.Cmd.FullName
		}
		msg := string(c.Out.Bytes())
		if len(msg) > 0 && msg[0] == '-' {
			msg = msg[1:]
		}
		for len(msg) > 0 && (msg[len(msg)-1] == '\n' || msg[len(msg)-1] == '\r') {
			msg = msg[:len(msg)-1]
		}
		s.Log.Warningf("== CRITICAL == This replica is sending an error to its primary: '%s' after processing the command '%s'", msg, name)
		s.Stats.UnexpectedErrReplies++
	}
	c.Out.Reset()
}

// --- the cron ------------------------------------------------------------

// replicaCron is the replica's part of replicationCron, called by Cron:
// the start-up connection, then once a second (replCronDue) the
// timeouts, the reconnection and the ACK.
func (s *Server) replicaCron(nowMs int64) {
	r := &s.replica
	if s.Cfg.ReplicaOfHost == "" {
		return
	}
	now := nowMs / 1000
	if r.progressed.Swap(false) && r.state == linkTransfer {
		r.lastIO = now
	}
	if r.state == linkNone {
		// replicaof in the configuration: connect at once.
		r.state = linkConnect
		s.Log.SetRole('S')
		s.Log.Noticef("Connecting to PRIMARY %s:%d", s.Cfg.ReplicaOfHost, s.Cfg.ReplicaOfPort)
		s.connectWithPrimary()
		return
	}
	if !s.replCronDue(nowMs, &r.cronTick) {
		return
	}
	timeout := int64(s.Cfg.ReplTimeout)
	switch {
	case (r.state == linkConnecting || r.state == linkHandshake) && now-r.lastIO > timeout:
		s.Log.Warningf("Timeout connecting to the PRIMARY...")
		s.cancelHandshake(true)
	case r.state == linkTransfer && !r.socketLoad && now-r.lastIO > timeout:
		s.Log.Warningf("Timeout receiving bulk data from PRIMARY... If the problem persists try to set the 'repl-timeout' parameter in valkey.conf to a larger value.")
		s.cancelHandshake(true)
	case r.state == linkConnected && now-r.lastIO > timeout:
		s.Log.Warningf("PRIMARY timeout: no data nor PING received...")
		s.replicaDropPrimary()
	}
	if r.state == linkConnect {
		s.Log.Noticef("Connecting to PRIMARY %s:%d", s.Cfg.ReplicaOfHost, s.Cfg.ReplicaOfPort)
		s.connectWithPrimary()
	}
	s.replicaSendAck()
}

// --- INFO ----------------------------------------------------------------

// infoPrimaryLink writes INFO replication's fields of a replica's link
// to its primary, from master_host to replica_announced.
func (s *Server) infoPrimaryLink(w *infoWriter) {
	r := &s.replica
	now := s.unixNow()
	off, readOff := int64(1), int64(1)
	if r.histOK {
		off, readOff = r.hist.off, r.hist.readOff
	}
	w.str("master_host", s.Cfg.ReplicaOfHost)
	w.int("master_port", int64(s.Cfg.ReplicaOfPort))
	if r.state == linkConnected {
		w.str("master_link_status", "up")
	} else {
		w.str("master_link_status", "down")
	}
	lastIO := int64(-1)
	if r.primary != nil {
		lastIO = now - r.lastIO
	}
	w.int("master_last_io_seconds_ago", lastIO)
	w.int("master_sync_in_progress", boolInt(r.state == linkTransfer))
	w.int("slave_read_repl_offset", readOff)
	w.int("slave_repl_offset", off)
	w.int("replicas_repl_buffer_size", 0)
	w.int("replicas_repl_buffer_peak", 0)
	if r.state == linkTransfer {
		size, read := r.transferSize.Load(), r.transferRead.Load()
		var perc float64
		if size != 0 {
			perc = float64(read) / float64(size) * 100
		}
		w.int("master_sync_total_bytes", size)
		w.int("master_sync_read_bytes", read)
		w.int("master_sync_left_bytes", size-read)
		w.str("master_sync_perc", strconv.FormatFloat(perc, 'f', 2, 64))
		w.int("master_sync_last_io_seconds_ago", now-r.lastIO)
	}
	if r.state != linkConnected {
		down := int64(-1)
		if r.downSince != 0 {
			down = now - r.downSince
		}
		w.int("master_link_down_since_seconds", down)
	}
	w.int("slave_priority", s.cfgInt("replica-priority"))
	w.int("slave_read_only", boolInt(s.Cfg.ReplicaReadOnly))
	w.int("replica_announced", boolInt(s.cfgBool("replica-announced")))
}
