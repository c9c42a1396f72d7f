package engine

import (
	"bytes"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"hash/maphash"
	"math/rand/v2"
	"net"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/volleydb/volley/engine/config"
)

// Version is the Valkey version Volley reports for compatibility
// (valkey_version, HELLO's version), and VolleyVersion its own.
const (
	Version       = "9.0.4"
	RedisVersion  = "7.2.4" // redis_version in INFO, for clients that check it
	VolleyVersion = "0.1.0"
	ServerName    = "valkey"
)

// CommandStats are one command's counters for INFO commandstats.
type CommandStats struct {
	Calls, Usec, Rejected, Failed int64
	Latency                       Histogram
}

// Stats are the server-wide counters INFO stats reports.
type Stats struct {
	ConnectionsReceived   int64
	CommandsProcessed     int64
	RejectedConns         int64
	NetInputBytes         int64
	NetOutputBytes        int64
	NetReplInputBytes     int64 // the primary's stream, read by a replica
	NetReplOutputBytes    int64 // the stream written to replicas
	TotalErrorReplies     int64
	UnexpectedErrReplies  int64
	ClientQbufLimitDisc   int64
	ClientOutbufLimitDisc int64
	TotalReadsProcessed   int64
	TotalWritesProcessed  int64
	IOReadsProcessed      int64
	IOWritesProcessed     int64
	ResetTimeMs           int64
	KeyspaceHits          int64
	KeyspaceMisses        int64
	ExpiredKeys           int64
	ExpiredStalePerc      float64 // running estimate of expired keys among volatile ones
	ExpiredTimeCapReached int64   // active expiry cycles that stopped at their time limit
	ExpireCycleCPUMs      int64
	EvictedKeys           int64
}

// Server is the engine: the keyspace, the command table, the clients and
// the counters. It is not safe for concurrent use: exactly one goroutine
// at a time holds it (see loop/), and every method runs on that holder.
type Server struct {
	Cfg   *config.Config
	Clock Clock
	Log   *Logger

	commands map[string]*Spec // top-level commands by lower-case name
	// origCommands are the top-level commands by their own names, before
	// rename-command: ACL rules name commands so, as Valkey's orig_commands.
	origCommands map[string]*Spec
	cmdByID      []*Spec
	cmdStats     []CommandStats
	errStats     map[string]*int64
	Stats        Stats

	// IOLoops is the number of I/O event loops running (io-threads after
	// the I/O layer's cap); INFO's io_threads_active is IOLoops > 1.
	IOLoops int

	clients      map[int64]*Client
	nextClientID int64

	// Server identity and lifecycle.
	RunID      string
	StartTime  time.Time
	ConfigFile string
	Executable string
	TCPPort    int

	zeroCopyMin int

	// Hooks the process wiring (cmd/, loop/) provides.
	Shutdown func(flags ShutdownFlags) error
	exiting  bool // Shutdown took the server's exit (exit)
	// SecureReplication makes conn, just connected to this replica's
	// primary, a TLS connection (tls-replication), the handshake done
	// within timeout. It runs on the link's goroutine.
	SecureReplication func(conn net.Conn, timeout time.Duration) (net.Conn, error)
	// ConfigApplied runs after the configuration changed (CONFIG SET):
	// the process title follows proc-title-template.
	ConfigApplied func(cfg *config.Config)
	// Hold runs fn while holding the engine, from any goroutine (a
	// background save's steps); nil when nothing else holds it (tests).
	Hold func(fn func(*Server))
	// Yield, called while holding the engine, lets the goroutines waiting
	// for it have it for a moment and takes it back (the coordinator's
	// Yield); a replica loading its primary's snapshot serves clients so.
	Yield func()
	// YieldWhile, called while holding the engine, runs fn without it and
	// takes it back; a diskless load waits for its primary's bytes so,
	// letting clients in meanwhile. nil runs fn holding the engine.
	YieldWhile func(fn func())

	cronLoops  int64
	clientRing clientRing // the clients in turn for the cron's pass (cron.go)
	tick       int64      // monotonic ns when the last command ended, or the engine was acquired
	current    *Client    // the client whose command is executing
	resetHooks []func(*Client)

	pause        pauseState    // CLIENT PAUSE and friends (pause.go)
	blocking     blockingState // clients blocked on keys (blocking.go)
	watchScratch []*watchedKey // touchWatchedKey's copy of a key's watchers (multi.go)

	repl    replState    // replication IDs, offset and backlog (repl.go)
	migrate migrateState // MIGRATE's cached connections (migrate.go)
	load    loadState    // the start-up load in progress (loading.go)

	replicaKeys map[string]uint64 // keys a writable replica's clients gave an expiry, by database bits (repl_replica_expire.go)
	replica     replicaState      // the link to a primary, when a replica (repl_replica.go)
	cmdLogs     commandLogs       // COMMANDLOG and SLOWLOG (commandlog.go)
	latency     latencyMonitor    // LATENCY's events (latency.go)
	monitors    []*Client         // MONITOR clients (monitor.go)
	mem         memoryState       // used_memory at start-up and its peak (memory.go)
	evict       evictState        // maxmemory (evict.go)
	gc          gcRunner          // forced collections (gc.go)
	inst        instantaneous     // INFO's instantaneous_* rates (info.go)
	el          eventLoopStats    // INFO's eventloop_* counters (eventloop.go)

	cronPaused    bool         // DEBUG PAUSE-CRON 1: Cron does nothing
	sigShutdown   atomic.Int32 // a signal's shutdown the cron has yet to serve (shutdown_signal.go)
	shutdownWait  shutdownWait // a shutdown waiting for the replicas (shutdown_wait.go)
	scriptDenyOff bool         // DEBUG SET-DISABLE-DENY-SCRIPTS 1: scripts may call noscript commands

	// DebugReplyList is DEBUG CLIENT-ENFORCE-REPLY-LIST: Valkey then
	// queues every reply in its reply list, outside the client's static
	// buffer, so that any unsent reply counts against the output limits.
	DebugReplyList bool

	mono         monoClock  // the per-command timing clock (monotime.go)
	lastCmd      *Spec      // the last top-level command looked up, tried first
	longCmdNames bool       // a rename-command name is longer than lookup's buffer
	prefetch     prefetcher // the batch executor's scratch (prefetch.go)

	// The keyspace (db.go).
	dbs          []*DB
	seed         maphash.Seed
	nowMs        int64  // the current command's time, 0 until read (Now)
	cachedUnixMs int64  // the cron's clock, for LFU decrement times
	lruClock     uint32 // the 24-bit LRU clock, refreshed by the cron
	rand         *rand.Rand
	Dirty        int64     // changes since the last save (rdb_changes_since_last_save)
	hash         hashState // hash field expiry: volatile index, counters (t_hash.go)

	expire expireState // active expiry and the cron's table upkeep (expire.go)

	lazyfreePending atomic.Int64  // objects a background flush has yet to free
	lazyfreed       atomic.Int64  // objects freed in the background
	lazy            lazyfreeState // values waiting for a collection (lazyfree.go)

	pubsub      pubsubState   // channels, patterns and shard channels (pubsub.go)
	tracking    trackingState // client-side caching's tables (tracking.go)
	pendingPush []byte        // pushes for the running command's own client, sent after its reply

	persist      persistState // RDB saves and loads (rdb_file.go)
	bgsave       bgsaveState  // background saves and the save points (bgsave.go)
	skipChecksum bool         // DEBUG SET-SKIP-CHECKSUM-VALIDATION: RESTORE trusts payload checksums
	dump         dumpState    // DUMP's reused writer (cmd_dump.go)

	script scriptingState // Lua scripts and function libraries (script.go, function.go)

	acl aclState // users, permissions and the ACL log (acl*.go)

	prop    propState // what commands changed, for the AOF (propagate.go)
	aof     aofState  // the append-only file (aof.go)
	loading bool      // a file is being loaded: keys do not expire meanwhile
}

// ShutdownFlags are SHUTDOWN's options: the set shutdown-on-sigterm and
// shutdown-on-sigint name too.
type ShutdownFlags = config.ShutdownFlags

const (
	ShutdownNoSave = config.ShutdownNoSave
	ShutdownSave   = config.ShutdownSave
	ShutdownNow    = config.ShutdownNow
	ShutdownForce  = config.ShutdownForce
)

// NewServer builds an engine for cfg.
func NewServer(cfg *config.Config, log *Logger) *Server {
	s := &Server{
		Cfg:       cfg,
		Clock:     wallClock{},
		Log:       log,
		errStats:  make(map[string]*int64),
		clients:   make(map[int64]*Client),
		StartTime: time.Now(),
	}
	s.bgsave.lastSecs = -1
	s.aof.lastRewriteSecs, s.aof.selected = -1, -1
	var id [20]byte
	_, _ = crand.Read(id[:])
	s.RunID = hex.EncodeToString(id[:])
	s.initRepl()
	s.Executable, _ = os.Executable()
	s.buildCommandTable()
	s.renameCommands(cfg.RenameCommands)
	s.initACL()
	s.applyConfig()
	s.rand = rand.New(rand.NewPCG(uint64(nanotimeWall()), uint64(nanotime())))
	s.updateCachedTime(s.Clock.NowMs())
	s.mono.init()
	s.initDBs()
	s.resetHooks = append(s.resetHooks, s.discardTransaction) // RESET ends a transaction and its watches
	cfg.OnChange("maxmemory", func(_, _ string) error { s.maxmemoryChanged(); return nil })
	cfg.OnChange("lua-enable-insecure-api", func(old, cur string) error {
		if old != cur && s.script.inited {
			s.script.resetEval(s) // as Valkey's evalReset: the script cache goes too
		}
		return nil
	})
	cfg.OnChange("appendonly", s.aofConfigChanged) // starts or stops the AOF (aof.go)
	cfg.OnChange("appendfsync", s.aofFsyncChanged)
	s.memory() // used_memory_startup
	return s
}

// applyConfig refreshes the engine's cached copies of hot settings.
func (s *Server) applyConfig() {
	s.zeroCopyMin = s.Cfg.MinStringSizeAvoidCopyReply
	if s.zeroCopyMin <= 0 {
		s.zeroCopyMin = 1 << 62
	}
	for _, db := range s.dbs {
		db.arena.SetLargeRecord(s.largeRecord())
	}
	if s.ConfigApplied != nil {
		s.ConfigApplied(s.Cfg)
	}
}

// largeRecord is the record size above which values get an allocation of
// their own, so that every value long enough for a zero-copy reply is
// Stable (a record is a few header bytes plus key plus value).
func (s *Server) largeRecord() int { return s.zeroCopyMin - 1 }

// NewClient registers a new connection's client.
func (s *Server) NewClient(addr, laddr string, fd int, unix bool) *Client {
	s.nextClientID++
	now := s.Clock.NowMs()
	c := &Client{
		srv:             s,
		ID:              s.nextClientID,
		Proto:           2,
		Addr:            addr,
		LAddr:           laddr,
		Fd:              fd,
		Created:         now,
		LastInteraction: now,
		User:            s.acl.def,
		Authenticated:   s.defaultAuthenticated(),
	}
	c.everAuthenticated = c.Authenticated
	if unix {
		c.Flags |= ClientUnixSocket
	}
	s.clients[c.ID] = c
	s.clientRing.add(c)
	s.Stats.ConnectionsReceived++
	return c
}

// FreeClient unregisters a client whose connection closed.
func (s *Server) FreeClient(c *Client) {
	s.FreedHeap(c.Out.Cap() + c.queryBufAlloc() + c.ArgvMem)
	delete(s.clients, c.ID)
	s.clientRing.remove(c)
	s.forgetBlockedClient(c)
	s.freeReplClient(c)
	s.freeMultiState(c)
	s.freePubSub(c)
	s.disableTracking(c)
	c.Out.Reset()
	c.link = nil
}

// exit hands the process its shutdown (the Shutdown hook), which was
// prepared for already. Once it is taken the server is on its way out:
// the connections closed from then on are not lost links to log.
// finishShutdown saves what the flags ask for and exits the process, as
// Valkey's finishShutdown; when either fails the server stays up, and
// the failure is logged in Valkey's words after its reason.
func (s *Server) finishShutdown(flags ShutdownFlags) error {
	err := s.PrepareShutdown(flags)
	if err == nil {
		if err = s.exit(flags); err != nil {
			s.Log.Warningf("Failed to stop the server: %v", err)
		}
	}
	if err != nil {
		s.Log.Warningf("Errors trying to shut down the server. Check the logs for more information.")
	}
	return err
}

func (s *Server) exit(flags ShutdownFlags) error {
	if s.Shutdown == nil {
		return errors.New("the process cannot shut down")
	}
	err := s.Shutdown(flags)
	s.exiting = err == nil
	return err
}

// Clients returns the connected clients in ID order.
func (s *Server) Clients() []*Client {
	out := make([]*Client, 0, len(s.clients))
	for _, c := range s.clients {
		out = append(out, c)
	}
	sortClients(out)
	return out
}

// ClientCount returns the number of connected clients.
func (s *Server) ClientCount() int { return len(s.clients) }

func sortClients(cs []*Client) {
	sort.Slice(cs, func(i, j int) bool { return cs[i].ID < cs[j].ID })
}

// Client returns the client with the given ID, or nil.
func (s *Server) Client(id int64) *Client { return s.clients[id] }

// lookup finds a top-level command by name, case-insensitively, without
// allocating.
func (s *Server) lookup(name []byte) *Spec {
	var buf [32]byte
	if len(name) > len(buf) {
		if !s.longCmdNames {
			return nil
		}
		return s.commands[strings.ToLower(string(name))]
	}
	for i, ch := range name {
		if 'A' <= ch && ch <= 'Z' {
			ch += 'a' - 'A'
		}
		buf[i] = ch
	}
	return s.commands[string(buf[:len(name)])]
}

// LookupCommand resolves argv to a command or subcommand spec, as
// Valkey's lookupCommand does: a container with a second argument
// resolves to the subcommand (nil if unknown).
func (s *Server) LookupCommand(argv [][]byte) *Spec {
	// A pipeline mostly repeats one command: try the last one first.
	if sp := s.lastCmd; sp != nil && equalFoldASCII(argv[0], sp.current) {
		return sp
	}
	cmd := s.lookup(argv[0])
	if cmd != nil && len(cmd.Subs) == 0 {
		s.lastCmd = cmd
	}
	if cmd == nil || len(cmd.Subs) == 0 || len(argv) < 2 {
		return cmd
	}
	var buf [48]byte
	name := argv[1]
	if len(name) > len(buf) {
		return nil
	}
	for i, ch := range name {
		if 'A' <= ch && ch <= 'Z' {
			ch += 'a' - 'A'
		}
		buf[i] = ch
	}
	return cmd.subIndex[string(buf[:len(name)])]
}

// Call executes one parsed command for c: lookup, the checks Valkey's
// processCommand makes, the handler, and the bookkeeping. argv's slices
// are valid only during the call.
func (s *Server) Call(c *Client, argv [][]byte) {
	if len(argv) == 0 {
		return
	}
	start := s.monoNow() // outside a hold (tests, tools) this command is timed alone
	s.current = c
	s.nowMs = 0
	c.Argv = argv
	c.errored = false
	if c.Replying == ReplySkipNext {
		c.Replying = ReplySkip
	}

	cmd := s.LookupCommand(argv)
	c.Cmd = cmd
	if lim := s.Cfg.TrackingTableMaxKeys; lim > 0 && len(s.tracking.table) > lim {
		s.trackingLimit()
	}
	msg, flags := s.rejection(c, cmd, argv)
	if len(s.pendingPush) > 0 {
		// Keys evicted before the command ran: their invalidations and
		// notifications for this client come before its reply.
		s.flushPendingPush(c)
	}
	if msg != "" {
		s.rejectCommand(c, cmd, argv, msg) // multi.go: dooms a transaction being queued
	} else if c.Flags&ClientMulti != 0 && !runsInMulti(cmd) {
		s.queueMultiCommand(c, cmd, argv, flags) // multi.go
		c.AddRawString("+QUEUED\r\n")
	} else {
		outBefore := c.Out.Len()
		if s.prop.on {
			off := s.repl.offset
			s.callPropagating(c, cmd) // cmd.Handler, recording what it changed (propagate.go)
			if s.repl.offset != off {
				c.woff = s.repl.offset // what WAIT waits for
			}
		} else {
			cmd.Handler(c)
		}
		end := s.mono.now()
		s.tick = end
		s.el.cmd.add(end - start)
		// A command that blocked is counted when it completes
		// (blocking.go), but MONITOR shows it as it was called, and not
		// again when it runs once more.
		if c.blocked == nil {
			c.LastCmd = cmd
			s.commandCompleted(c, cmd, start, end, c.Out.Len()-outBefore)
		} else if len(s.monitors) > 0 && cmd.Flags&(FlagSkipMonitor|FlagAdmin) == 0 && s.blocking.reexec != c {
			s.FeedMonitors(c, cmd, c.Argv)
		}
		if c.Flags&ClientTracking != 0 {
			s.trackingRemember(c, cmd, argv)
		}
	}
	if c.Flags&ClientTracking != 0 {
		s.trackingCommandDone(c, cmd)
	}
	if c.Replying == ReplySkip {
		c.Replying = ReplyOn
	}
	if len(s.pendingPush) > 0 {
		s.flushPendingPush(c)
	}
	c.Argv = nil
	c.evalSHA = ""
	s.current = nil
	if len(s.blocking.ready) > 0 || s.blocking.deadline != 0 {
		s.afterCommand() // serve clients blocked on keys this command filled, time out others (blocking.go)
	}
}

// commandCompleted does the bookkeeping of an executed command (Valkey's
// call() after the handler): its statistics, the command logs, MONITOR.
// start and end are monotonic ns; replyBytes is what it appended to c's
// output. EXEC calls it for each command it runs.
func (s *Server) commandCompleted(c *Client, cmd *Spec, start, end int64, replyBytes int) {
	st := &s.cmdStats[cmd.ID]
	st.Calls++
	durUs := (end - start) / 1000
	st.Usec += durUs
	st.Latency.Record(end - start)
	if c.errored {
		st.Failed++
	}
	s.Stats.CommandsProcessed++
	if cur := s.current; cur != nil {
		cur.TotCmds++ // a script's calls count to the client that ran it
	} else {
		c.TotCmds++
	}
	s.commandDone(c, cmd, durUs, replyBytes)
}

// Acquired marks the start of a hold on the engine. The dispatcher times
// each command from the end of the previous one in the same hold, so a
// batch of n commands costs n clock reads, not 2n (a read is 30-80 ns on
// a kvm-clock VM, as much as a simple command itself).
func (s *Server) Acquired() {
	s.tick = s.mono.now()
	s.holdStarted(s.tick)
	s.bgsave.holds++
}

// Released marks the end of a hold.
func (s *Server) Released() {
	s.holdEnded()
	s.tick = 0
}

// monoNow is the monotonic time in ns: the end of the last command while
// a hold times its commands, else the clock.
func (s *Server) monoNow() int64 {
	if s.tick != 0 {
		return s.tick
	}
	return s.mono.now()
}

// equalFoldASCII reports whether b equals the lower-case name, ignoring
// ASCII case.
func equalFoldASCII(b []byte, name string) bool {
	if len(b) != len(name) {
		return false
	}
	for i := 0; i < len(b); i++ {
		ch := b[i]
		if 'A' <= ch && ch <= 'Z' {
			ch += 'a' - 'A'
		}
		if ch != name[i] {
			return false
		}
	}
	return true
}

// CachedNowMs is the wall clock as of the last cron run, for bookkeeping
// that needs no more precision than 1/hz (client idle times), as Valkey's
// server.unixtime.
func (s *Server) CachedNowMs() int64 { return s.cachedUnixMs }

// rejection returns the error a command gets without running, from the
// checks Valkey's processCommand makes before executing, in its order; ""
// when the command may run. cmd is argv's spec, nil if unknown.
//
// With "" it also returns the flags the checks judged the command by,
// worked out once here as processCommand does with getCommandFlags: those
// a script's shebang declares for EVAL/EVALSHA/FCALL, and for EXEC the
// union of its queued commands' (what a CLIENT PAUSE WRITE holds back by,
// and what a command queued in MULTI is recorded with).
func (s *Server) rejection(c *Client, cmd *Spec, argv [][]byte) (string, Flags) {
	switch {
	case !c.Authenticated && !s.defaultAuthenticated() && (cmd == nil || cmd.Flags&FlagNoAuth == 0):
		return ErrNoAuth, 0
	case cmd == nil:
		return unknownCommandError(s, argv), 0
	case !cmd.arityOK(len(argv)):
		return "ERR wrong number of arguments for '" + cmd.FullName + "' command", 0
	case cmd.Flags&FlagProtected != 0 && !s.protectedAllowed(c, cmd):
		return protectedError(cmd), 0
	case c.Flags&ClientMulti != 0 && cmd.Flags&FlagNoMulti != 0:
		return "ERR Command '" + cmd.FullName + "' not allowed inside a transaction", 0
	case !c.User.open: // one test for a user allowed everything
		if msg := s.aclRejection(c, cmd, argv, s.aclContext(c)); msg != "" {
			return msg, 0
		}
	}
	if cmd.Handler == nil {
		return "ERR command '" + cmd.FullName + "' is not implemented in Volley yet", 0
	}
	// flags is what the command has, inv what it lacks; EXEC adds its
	// queued commands' (combined_flags and combined_inv_flags).
	var flags Flags
	flags, c.evalSHA = s.commandFlagsSHA(cmd, argv)
	inv := ^flags
	if cmd.FullName == "exec" && c.Flags&ClientMulti != 0 {
		flags |= c.Counts.MultiFlags
		if c.multi != nil {
			inv |= c.multi.invFlags
		}
	}
	write := flags&FlagWrite != 0
	if s.redirects(c, flags) {
		if s.repl.failover.state == failoverInProgress {
			return errRedirectLater, flags // Paused holds it back (pause.go)
		}
		return s.redirectError(), 0
	}
	switch {
	case s.Cfg.MaxMemory != 0 && !s.script.busy.timedOut && s.oomRejects(flags): // evicts first (evict.go)
		return ErrOOM, 0
	case s.bgsave.lastErr && c.Flags&ClientPrimary == 0 && s.diskErrorRejects(cmd, flags):
		return s.misconfError(), 0
	case s.aof.lastWriteErr != nil && c.Flags&ClientPrimary == 0 && s.aofRejects(cmd, flags):
		return s.aofMisconf(), 0
	case write && s.Cfg.MinReplicasToWrite > 0 && !s.goodReplicasOK(): // repl_primary.go
		return ErrNoReplicas, 0
	case write && s.Cfg.ReplicaOfHost != "" && s.Cfg.ReplicaReadOnly && c.Flags&ClientPrimary == 0:
		return ErrReadonly, 0 // a read-only replica takes writes from its primary only (repl_replica.go)
	case c.Flags&ClientPubSub != 0 && c.Proto == 2 && !allowedInPubSub(cmd):
		return "ERR Can't execute '" + cmd.FullName + "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context", 0
	case inv&FlagStale != 0 && s.Cfg.ReplicaOfHost != "" && !s.Cfg.ReplicaServeStaleData && !s.replLinkUp():
		return ErrPrimaryDown, 0
	case s.loading && !s.load.async && inv&FlagLoading != 0: // a load serves others between its reads (loading.go)
		return ErrLoading, 0
	case s.load.async && flags&FlagNoAsyncLoading != 0: // the old dataset is served meanwhile (repl_diskless_load.go)
		return ErrLoading, 0
	case s.script.busy.timedOut && cmd.Flags&FlagAllowBusy == 0: // a script serves others between its instructions (script_busy.go)
		return s.busyError(), 0
	}
	return "", flags
}

// redirects reports whether c's command is to be sent to the primary
// with -REDIRECT: c is a replica's client that announced CLIENT CAPA
// REDIRECT (Valkey's clientSupportStandAloneRedirect), and the command
// writes, or reads and c has not asked for READONLY. flags are the
// command's as rejection judged them (EXEC's include its queue's).
func (s *Server) redirects(c *Client, flags Flags) bool {
	if !s.canRedirect(c) || c.Flags&ClientPrimary != 0 {
		return false
	}
	return flags&FlagWrite != 0 || flags&FlagReadonly != 0 && c.Flags&ClientReadonly == 0
}

// canRedirect reports whether c may be answered -REDIRECT: this server
// is a standalone replica and c announced CLIENT CAPA REDIRECT.
func (s *Server) canRedirect(c *Client) bool {
	return c.Capa&CapaRedirect != 0 && s.Cfg.ReplicaOfHost != "" && !s.Cfg.ClusterEnabled
}

// redirectError is the -REDIRECT error naming the primary.
func (s *Server) redirectError() string {
	return "REDIRECT " + s.Cfg.ReplicaOfHost + ":" + strconv.Itoa(s.Cfg.ReplicaOfPort)
}

// errRedirectLater is rejection's answer for a command that would be
// redirected while a FAILOVER is in progress: the primary named now is
// the replica being promoted, which may still be a replica itself, so
// the command waits for the failover to end (Valkey's
// blockPostponeClient) and is judged again then. It is never a reply.
const errRedirectLater = "\x00redirect-later"

func unknownCommandError(s *Server, argv [][]byte) string {
	if top := s.lookup(argv[0]); top != nil && len(top.Subs) > 0 && len(argv) >= 2 {
		return "ERR unknown subcommand '" + truncate(argv[1], 128) + "'. Try " + strings.ToUpper(truncate(argv[0], len(argv[0]))) + " HELP."
	}
	var args strings.Builder
	for _, a := range argv[1:] {
		if args.Len() >= 128 {
			break
		}
		room := 128 - args.Len() // measured before the quote, as Valkey does
		args.WriteByte('\'')
		args.WriteString(truncate(a, room))
		args.WriteString("' ")
	}
	return "ERR unknown command '" + truncate(argv[0], 128) + "', with args beginning with: " + args.String()
}

// truncate is b as C's "%.*s" prints it with precision n, which Valkey's
// error messages quote arguments with: up to the first NUL byte, and at
// most n bytes.
func truncate(b []byte, n int) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	if n < 0 {
		n = 0
	}
	if len(b) > n {
		b = b[:n]
	}
	return string(b)
}

func allowedInPubSub(cmd *Spec) bool {
	switch cmd.FullName {
	case "ping", "subscribe", "ssubscribe", "unsubscribe", "sunsubscribe", "psubscribe", "punsubscribe", "quit", "reset":
		return true
	}
	return false
}

// countError counts an error reply by its code (the first word) for INFO
// errorstats. The server's own codes are a fixed set, so they are always
// counted under their own name.
func (s *Server) countError(msg string) {
	s.countErrorCode(errorCode(msg), false)
}

// countErrorCustom counts an error whose code a script chose: once the
// table holds maxErrorCodes codes, a new one is counted under
// ERRORSTATS_OVERFLOW so scripts cannot grow the table without bound.
func (s *Server) countErrorCustom(msg string) {
	s.countErrorCode(errorCode(msg), true)
}

// errorCode is the code errorstats counts msg under: its first word when a
// space ends it within the first 31 bytes, else ERR (Valkey looks no
// further for it).
func errorCode(msg string) string {
	head := msg
	if len(head) > 31 {
		head = head[:31]
	}
	if i := strings.IndexByte(head, ' '); i >= 0 {
		return msg[:i]
	}
	return "ERR"
}

func (s *Server) countErrorCode(code string, custom bool) {
	s.Stats.TotalErrorReplies++
	if p := s.errStats[code]; p != nil {
		*p++
		return
	}
	if custom && len(s.errStats) >= maxErrorCodes {
		code = "ERRORSTATS_OVERFLOW"
		if p := s.errStats[code]; p != nil {
			*p++
			return
		}
	}
	n := int64(1)
	s.errStats[code] = &n
}

// maxErrorCodes is how many distinct codes errorstats holds before a
// script's made-up codes go under ERRORSTATS_OVERFLOW.
const maxErrorCodes = 128

// serverTitle is the product name Valkey's error texts carry: "Valkey",
// or "Redis" under extended-redis-compatibility (SERVER_TITLE).
func (s *Server) serverTitle() string {
	if s.Cfg.ExtendedRedisCompat {
		return "Redis"
	}
	return "Valkey"
}
