package iothreads

import (
	"context"
	"errors"
	"math"
	"net"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/panjf2000/gnet/v2"
	"github.com/panjf2000/gnet/v2/pkg/logging"
	"golang.org/x/sys/unix"

	"github.com/volleydb/volley/engine"
	"github.com/volleydb/volley/engine/config"
	"github.com/volleydb/volley/engine/resp"
	"github.com/volleydb/volley/loop"
)

// Options configure the I/O loops.
type Options struct {
	Loops        int      // io-threads: the number of event loops
	Addrs        []string // gnet addresses: tcp://127.0.0.1:6379, unix:///tmp/s.sock
	TCPKeepAlive time.Duration
	TCPBacklog   int
	Log          *engine.Logger
}

// Server runs the gnet event loops that own client connections.
type Server struct {
	gnet.BuiltinEventEngine

	co   *loop.Coordinator
	opts Options
	eng  gnet.Engine

	booted  chan struct{}
	stopped atomic.Bool

	loopsMu sync.Mutex
	loops   map[gnet.EventLoop]*loopState

	tls tlsServer // TLS listeners and connections (tls.go)
	tcp struct {  // gnet's TCP listeners (rebind.go)
		mu   sync.Mutex
		open []BindAddr // the addresses listened on
	}
	noLoops chan struct{} // closed by Stop when there are no gnet listeners
	served  chan struct{} // closed when gnet's loops have all ended
}

// loopState is an event loop's own state: the connections whose replies
// wait for the end of the loop's current poll round.
//
// Why replies wait: a round hands the loop every connection that became
// readable together. Writing each batch's replies as soon as it has run
// wakes a client that is waiting for them once per connection; writing
// them all after the round, as Valkey does before it sleeps, wakes it once
// and hands it many connections' replies for one of its own polls. Under
// ZADD at -P 16 the benchmark client woke 12,500 times a second with
// immediate writes, 320 with deferred ones (Valkey: 490). When the client
// is the bottleneck (GET at -P 16, rounds of about two connections) it
// also spends less per reply: 1.17 us against 1.23 us with immediate
// writes, so 6% more requests get through.
//
// The flush runs from gnet's round-end hook (third_party/gnet, a patch of
// ours): upstream gnet could only run it as a queued task, whose eventfd
// write and the extra poll to notice it cost the server 0.58 write and
// 0.15 epoll_pwait calls per batch at GET -P 16. Without the hook (a
// poll_opt build of gnet) replies are written at once.
type loopState struct {
	el       gnet.EventLoop
	hooked   bool // gnet runs flushRound at the end of every round
	pending  []*conn
	draining []*conn // connections whose output gnet holds (conn.noteUnsent)

	conns map[*conn]struct{} // the loop's connections, for busy scripts
	busy  *busyPoll          // set while a script this loop runs is timed out (busy.go)
}

// RoundEndHook implements gnet.RoundEnder (third_party/gnet): gnet calls
// it once per loop and runs what it returns after every poll round.
func (s *Server) RoundEndHook(el gnet.EventLoop) func() {
	ls := s.loopOf(el)
	ls.hooked = true
	return ls.flushRound
}

// flushRound writes the replies that waited for the end of the round.
func (ls *loopState) flushRound() {
	if len(ls.draining) > 0 {
		ls.noteDrained()
	}
	if len(ls.pending) == 0 {
		return
	}
	for i, cn := range ls.pending {
		ls.pending[i] = nil
		cn.flush()
	}
	ls.pending = ls.pending[:0]
}

// noteDrained notes again what gnet holds for the connections whose
// sockets were full: gnet writes it out on its own as the socket takes
// it. A connection leaves the list once nothing is held or it closed.
func (ls *loopState) noteDrained() {
	kept := ls.draining[:0]
	for _, cn := range ls.draining {
		if cn.cl != nil {
			cn.noteUnsent()
		}
		if cn.cl == nil || cn.unsent == 0 {
			cn.draining = false
			continue
		}
		kept = append(kept, cn)
	}
	clear(ls.draining[len(kept):])
	ls.draining = kept
}

// deferWrite queues cn's replies for the end of the round, and says
// whether it did.
func (ls *loopState) deferWrite(cn *conn) bool {
	if ls == nil || !ls.hooked {
		return false
	}
	cn.pending = true
	ls.pending = append(ls.pending, cn)
	return true
}

// loopOf is the state of the loop el, made on first use.
func (s *Server) loopOf(el gnet.EventLoop) *loopState {
	if el == nil {
		return nil
	}
	s.loopsMu.Lock()
	defer s.loopsMu.Unlock()
	ls := s.loops[el]
	if ls == nil {
		if s.loops == nil {
			s.loops = make(map[gnet.EventLoop]*loopState)
		}
		ls = &loopState{el: el, conns: make(map[*conn]struct{})}
		s.loops[el] = ls
	}
	return ls
}

// New returns an I/O server that executes commands through co.
func New(co *loop.Coordinator, opts Options) *Server {
	if opts.Loops < 1 {
		opts.Loops = 1
	}
	// Every loop executes commands under the coordinator's hold, so a
	// loop for every CPU only competes for the cores with the kernel's
	// network work and with the clients, and the loops contend for the
	// hold: on 2 CPUs io-threads 2 served 1.2-1.5x fewer requests than
	// io-threads 1 at -P 1 and -P 16 (bench, both on CPUs 0-1). One CPU
	// is left to the rest. GOMAXPROCS defaults to the CPUs in the
	// affinity mask (and the container's quota).
	if limit := max(1, runtime.GOMAXPROCS(0)-1); opts.Loops > limit {
		if opts.Log != nil {
			opts.Log.Noticef("io-threads %d reduced to %d: %d CPUs are available to this process, and one is left to the network stack and the clients",
				opts.Loops, limit, runtime.GOMAXPROCS(0))
		}
		opts.Loops = limit
	}
	s := &Server{co: co, opts: opts, booted: make(chan struct{}), noLoops: make(chan struct{}), served: make(chan struct{})}
	co.Do(func(srv *engine.Server) {
		srv.IOLoops = opts.Loops
		if srv.Cfg.TLSPort != 0 {
			s.tls.startAddrs = BindAddrs(srv.Cfg.Bind, srv.Cfg.TLSPort)
		}
		srv.SetBusyHooks(s.whileBusy, s.busyEnded)
		s.watchListenDirectives(srv)
	})
	for _, a := range opts.Addrs {
		network, addr, _ := strings.Cut(a, "://")
		if strings.HasPrefix(network, "tcp") {
			s.tcp.open = append(s.tcp.open, BindAddr{Network: network, Addr: addr})
		}
	}
	return s
}

// Serve listens and runs the loops until Stop. It returns an error if a
// listener cannot be opened. It does not take the engine until a client
// connects: the caller may hold it meanwhile (the start-up load does).
func (s *Server) Serve() error {
	gopts := []gnet.Option{
		gnet.WithMulticore(s.opts.Loops > 1),
		gnet.WithNumEventLoop(s.opts.Loops),
		gnet.WithReusePort(false),
		gnet.WithReuseAddr(true),
		gnet.WithTCPNoDelay(gnet.TCPNoDelay),
		// Not locked to an OS thread: gnet yields (runtime.Gosched) each
		// time a poll finds nothing, and a locked goroutine that yields
		// hands its P to another thread and must be handed it back, two
		// futex wake-ups and context switches per idle turn. Unlocked,
		// SET and GET at -P 16 took 10-20% less server CPU per request.
		gnet.WithLockOSThread(false),
		gnet.WithLogger(gnetLogger{s.opts.Log}),
		gnet.WithLogLevel(logging.ErrorLevel),
		gnet.WithReadBufferCap(64 << 10),
	}
	if s.opts.TCPKeepAlive > 0 {
		gopts = append(gopts, gnet.WithTCPKeepAlive(s.opts.TCPKeepAlive))
	}
	if err := s.serveTLS(); err != nil {
		return err
	}
	if len(s.opts.Addrs) == 0 {
		// TLS only (port 0, no unix socket): no event loops to run.
		close(s.booted)
		<-s.noLoops
		return nil
	}
	defer close(s.served)
	return gnet.Rotate(s, s.opts.Addrs, gopts...)
}

// Booted is closed once every listener is open.
func (s *Server) Booted() <-chan struct{} { return s.booted }

// Stop closes the listeners and every connection.
func (s *Server) Stop(ctx context.Context) error {
	if s.stopped.Swap(true) {
		return nil
	}
	<-s.booted
	tlsErr := s.stopTLS(ctx)
	if len(s.opts.Addrs) == 0 {
		close(s.noLoops)
		return tlsErr
	}
	s.refuseNew()
	return errors.Join(s.stopLoops(ctx), tlsErr)
}

// refuseNew stops the TCP listeners from taking connections, so that a
// client that connects while the loops close theirs is refused, as it is
// once Valkey has exited, instead of being accepted and then reset.
// shutdown(2) on a duplicate of a listener stops the socket itself, and
// gnet drops it from its poll (third_party/gnet); gnet closes it later.
func (s *Server) refuseNew() {
	s.tcp.mu.Lock()
	defer s.tcp.mu.Unlock()
	// A unix socket's file is removed once the loops have stopped.
	for _, a := range s.tcp.open {
		fd, err := s.eng.DupListener("tcp", a.Addr) // gnet names tcp4 and tcp6 listeners tcp
		if err != nil {
			continue
		}
		_ = unix.Shutdown(fd, unix.SHUT_RD)
		_ = unix.Close(fd)
	}
}

// stopLoops stops gnet's engine and waits for its loops to end. gnet's
// Stop looks for the end only every half second, which every SHUTDOWN
// would wait out (Valkey exits at once); Serve returning is the same end,
// noticed at once.
func (s *Server) stopLoops(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-s.served:
			cancel()
		case <-ctx.Done():
		}
	}()
	err := s.eng.Stop(ctx)
	select {
	case <-s.served:
		return nil
	default:
		return err
	}
}

// OnBoot implements gnet.EventHandler.
func (s *Server) OnBoot(eng gnet.Engine) gnet.Action {
	s.eng = eng
	close(s.booted)
	return gnet.None
}

// transport is what a conn needs from its connection. A gnet.Conn is
// one (plain TCP and unix sockets); a tlsConn (tls.go) is the other. The
// calls go through an interface either way, as they did through
// gnet.Conn, so plain connections pay nothing for the choice.
type transport interface {
	Writev(bs [][]byte) (int, error)
	OutboundBuffered() int         // bytes written but not yet taken by the socket
	Wake(gnet.AsyncCallback) error // have the connection's traffic run with no new input
	Fd() int                       // the socket for raw writes, or -1 for none
}

// conn is one client connection's I/O-loop state. Everything here is
// touched only by the connection's own event loop (for TLS, by whichever
// of its goroutines holds its lock), except closeReq.
type conn struct {
	gc     transport
	cl     *engine.Client
	parser resp.Parser
	qbuf   []byte       // the unparsed tail of the input, kept across reads
	args   [][]byte     // the batch's arguments, every command's in a row
	ends   []int        // where each command's arguments end in args
	out    engine.Reply // the reply being written; swapped with cl.Out
	unix   bool

	qbufLimit int64 // client-query-buffer-limit as of the last batch
	overQbuf  bool  // closed for going over qbufLimit
	qbufPeak  int   // the most input held at once since the last trim
	notedLen  int   // qbuf's length and capacity as the engine was last told
	notedCap  int

	trimReq atomic.Uint32 // trimBusy or trimIdle, set by the engine's cron

	closeReq atomic.Uint32 // closeAfterFlush or closeNow, set by the engine

	held    *heldBatch // commands a CLIENT PAUSE stopped (see heldBatch)
	iov     iovecs     // scratch for write (write_linux.go)
	resumed bool       // args/ends are a held batch being retried

	loop    *loopState // the event loop that owns the connection
	pending bool       // out waits in loop.pending for the end of the round

	// What gnet holds of the output because the socket did not take it,
	// as last noted (unsent) and as the engine reads it (unsentOut), and
	// whether the connection is in loop.draining to have it noted again
	// as the socket drains.
	unsent    int
	unsentOut atomic.Int64
	draining  bool
}

// flush writes the replies that wait for the end of the round.
func (cn *conn) flush() {
	if !cn.pending {
		return
	}
	cn.pending = false
	if cn.out.Len() > 0 {
		cn.write(cn.out.Vec())
	}
	cn.out.Reset()
}

// noteUnsent tells the engine how much output gnet holds for the socket
// (engine.OutputHolder), when that changed; while it holds some, the loop
// notes it again after every round, as the socket drains.
func (cn *conn) noteUnsent() {
	n := cn.gc.OutboundBuffered()
	if n == cn.unsent {
		return
	}
	cn.unsent = n
	cn.unsentOut.Store(int64(n))
	if n > 0 && !cn.draining && cn.loop != nil {
		cn.draining = true
		cn.loop.draining = append(cn.loop.draining, cn)
	}
}

const (
	closeAfterFlush = 1
	closeNow        = 2

	trimBusy = 1
	trimIdle = 2
)

// link implements engine.Link for a conn.
type link struct{ cn *conn }

func (l link) Wake() { _ = l.cn.gc.Wake(nil) }

// OutputHeld implements engine.OutputHolder. A TLS connection's queue
// has its own lock; gnet's buffer is noted by the loop that owns it.
func (l link) OutputHeld() int {
	if t, ok := l.cn.gc.(*tlsConn); ok {
		return t.OutboundBuffered()
	}
	return int(l.cn.unsentOut.Load())
}

// TrimQueryBuf implements engine.QueryBufTrimmer: the loop trims the
// buffer the next time it serves the connection, woken now for it.
func (l link) TrimQueryBuf(idle bool) {
	l.request(&l.cn.trimReq, choose(idle, trimIdle, trimBusy))
}

func (l link) Close(asap bool) {
	l.request(&l.cn.closeReq, choose(asap, closeNow, closeAfterFlush))
}

// request sets one of the connection's request words, which its loop
// reads when it next serves the connection, and wakes the loop for it.
func (l link) request(word *atomic.Uint32, req uint32) {
	word.Store(req)
	_ = l.cn.gc.Wake(nil)
}

// choose is yes if b holds, no otherwise.
func choose(b bool, yes, no uint32) uint32 {
	if b {
		return yes
	}
	return no
}

// maxBulkLen is the longest bulk argument the parser takes:
// proto-max-bulk-len, but never more than a keyspace record's 32-bit
// length fields hold, so that a longer value is refused as a protocol
// error instead of being stored truncated.
func maxBulkLen(cfg *config.Config) int64 {
	return min(cfg.ProtoMaxBulkLen, math.MaxUint32)
}

// OnOpen implements gnet.EventHandler.
func (s *Server) OnOpen(gc gnet.Conn) ([]byte, gnet.Action) {
	addr, laddr, isUnix, local := describe(gc)
	cn, refused := s.open(gc, peer{addr: addr, laddr: laddr, fd: gc.Fd(), unix: isUnix, local: local}, s.loopOf(gc.EventLoop()))
	if cn == nil {
		return []byte(refused), gnet.Close
	}
	gc.SetContext(cn)
	return nil, gnet.None
}

// peer describes a new connection for open.
type peer struct {
	addr, laddr string // CLIENT LIST's addr and laddr
	fd          int
	unix        bool
	local       bool // loopback or unix: exempt from protected mode
	tls         bool // encrypted: the engine must not write to fd itself
}

// open admits a new connection as a client, or refuses it: a nil conn
// and the error line to send before closing it.
func (s *Server) open(t transport, p peer, ls *loopState) (*conn, string) {
	cn := &conn{gc: t, unix: p.unix}
	srv := ls.busyServer()
	if srv == nil {
		srv = s.co.Acquire()
		defer s.co.Release()
	}
	cfg := srv.Cfg
	if srv.ClientCount() >= cfg.MaxClients {
		srv.Stats.RejectedConns++
		return nil, errMaxClients
	}
	if cfg.ProtectedMode && cfg.RequirePass == "" && !p.local {
		srv.Stats.RejectedConns++
		return nil, deniedProtectedMode
	}
	cn.cl = srv.NewClient(p.addr, p.laddr, p.fd, p.unix)
	cn.cl.TLS = p.tls
	if t, ok := cn.gc.(*tlsConn); ok {
		cn.cl.SetLink(tlsLink{link{cn}, t})
	} else {
		cn.cl.SetLink(link{cn})
	}
	cn.parser.MaxBulkLen = maxBulkLen(cfg)
	cn.loop = ls
	if cn.loop != nil {
		cn.loop.conns[cn] = struct{}{}
		if cn.loop.busy != nil {
			cn.loop.busyWatch(cn)
		}
	}
	return cn, ""
}

const errMaxClients = "-ERR max number of clients reached\r\n"

// OnClose implements gnet.EventHandler.
func (s *Server) OnClose(gc gnet.Conn, err error) gnet.Action {
	cn, _ := gc.Context().(*conn)
	if cn == nil || cn.cl == nil {
		return gnet.None
	}
	s.closeConn(cn)
	return gnet.None
}

// closeConn frees a closing connection's client. Replies still pending
// are written (unless it is closed at once); the connection must still
// take them.
func (s *Server) closeConn(cn *conn) {
	cn.flush()
	if cn.cl == nil {
		return // the flush failed, and closing there freed the client
	}
	if srv := cn.loop.busyServer(); srv != nil {
		s.freeConn(srv, cn) // a script this loop runs holds the engine
		return
	}
	srv := s.co.Acquire()
	s.freeConn(srv, cn)
	s.co.Release()
}

// freeConn is closeConn after the flush, with the engine held.
func (s *Server) freeConn(srv *engine.Server, cn *conn) {
	if cn.loop != nil {
		delete(cn.loop.conns, cn)
	}
	if cn.overQbuf {
		srv.Stats.ClientQbufLimitDisc++
		srv.Log.Warningf("Closing client that reached max query buffer length: id=%d addr=%s (qbuf initial bytes: %q)", cn.cl.ID, cn.cl.Addr, head(cn.qbuf, 64))
	}
	// Replies the engine added since the last write (a blocked command
	// served just before the peer shut down its side) still go out, as
	// Valkey writes pending replies before it frees a client; gnet has
	// not closed the socket yet.
	cn.out, cn.cl.Out = cn.cl.Out, cn.out
	if cn.closeReq.Load() == closeNow || cn.cl.OutputHeld() {
		cn.out.Reset()
	}
	srv.Stats.NetOutputBytes += int64(cn.out.Len())
	srv.FreedHeap(cn.gc.OutboundBuffered() + cap(cn.qbuf) + cn.out.Cap())
	srv.FreeClient(cn.cl)
	cn.cl = nil
	if cn.out.Len() > 0 {
		_, _ = cn.gc.Writev(cn.out.Vec())
	}
	cn.out.Reset()
}

// OnTraffic implements gnet.EventHandler: parse every complete command in
// the input, execute them as one batch while holding the engine, and
// write all the replies with one writev.
func (s *Server) OnTraffic(gc gnet.Conn) gnet.Action {
	cn, _ := gc.Context().(*conn)
	if cn == nil || cn.cl == nil {
		return gnet.Close
	}
	if cn.closeReq.Load() == closeNow {
		return gnet.Close
	}
	data, _ := gc.Next(-1)
	return s.traffic(cn, data)
}

// traffic serves data, the input just read (none for a wake-up): see
// OnTraffic. Both transports run it. A trim the cron asked for is done
// last, so that keeping the input's tail cannot grow the buffer again
// before new input calls for it.
func (s *Server) traffic(cn *conn, data []byte) gnet.Action {
	action := s.serveInput(cn, data)
	if cn.trimReq.Load() != 0 && action == gnet.None {
		cn.trimQbuf(cn.trimReq.Swap(0) == trimIdle)
	}
	return action
}

// serveInput is traffic's work.
func (s *Server) serveInput(cn *conn, data []byte) gnet.Action {
	nread := len(data)
	if cn.held != nil {
		action, waiting := s.resumeHeld(cn, nread)
		if action != gnet.None {
			return action
		}
		if waiting {
			cn.qbuf = append(cn.qbuf, data...) // parsed once the pause ends
			return cn.keepTail(cn.qbuf, 0)
		}
		nread = 0 // counted by resumeHeld
	}
	buf := data
	if len(cn.qbuf) > 0 {
		cn.qbuf = append(cn.qbuf, data...)
		buf = cn.qbuf
	}

	pos := 0
	for {
		var perr error
		var early bool
		pos, perr, early = cn.parseBatch(buf, pos)
		if action := s.execute(cn, nread, perr); action != gnet.None {
			return action
		}
		if cn.cl == nil {
			// Writing the replies failed (the peer went away) and gnet
			// closed the connection there and then: nothing is left to
			// serve.
			return gnet.None
		}
		nread = 0
		if !early || perr != nil || cn.held != nil {
			break
		}
	}
	return cn.keepTail(buf, pos)
}

// parseBatch parses commands from buf[pos:] into cn.args/ends: all of
// them, or just one while the client is unauthenticated (AUTH or HELLO
// changes the parser's limits for what follows). It returns the new
// position, the protocol error that stopped it, if any, and whether it
// stopped early with input left to parse.
func (cn *conn) parseBatch(buf []byte, pos int) (int, error, bool) {
	cn.args = cn.args[:0]
	cn.ends = cn.ends[:0]
	unauth := !cn.cl.Authenticated
	cn.parser.Unauthenticated = unauth
	for pos < len(buf) {
		got, n, err := cn.parser.Parse(buf[pos:], cn.args[len(cn.args):len(cn.args)])
		if err != nil {
			return pos, err, false
		}
		if n == 0 {
			break
		}
		pos += n
		if len(got) == 0 {
			continue
		}
		cn.args = append(cn.args, got...)
		cn.ends = append(cn.ends, len(cn.args))
		if unauth {
			return pos, nil, pos < len(buf)
		}
	}
	return pos, nil, false
}

// execute runs the parsed batch and writes the replies.
func (s *Server) execute(cn *conn, nread int, perr error) gnet.Action {
	cn.flush() // a wake-up, or the previous command of an unauthenticated batch, can run before the round's flush
	if cn.cl == nil {
		// The flush failed (the peer went away) and gnet closed the
		// connection there and then; traffic sees it and stops.
		return gnet.None
	}
	srv := s.co.Acquire()
	cl := cn.cl
	countInput(srv, cn, nread)
	cn.qbufLimit = srv.Cfg.ClientQueryBufferLimit
	if !cl.Authenticated && cn.qbufLimit > resp.UnauthMaxQueryBuf {
		// Valkey drops an unauthenticated client past 1 MiB of input.
		cn.qbufLimit = resp.UnauthMaxQueryBuf
	}
	start := 0
	window := srv.PrefetchWindow()
	if len(cn.ends) < 2 {
		window = 0 // one command has nothing to overlap with
	}
	for i, end := range cn.ends {
		if window > 0 && i%window == 0 {
			srv.Prefetch(cl, cn.args, cn.ends, i, min(i+window, len(cn.ends)))
		}
		argv := cn.args[start:end]
		start = end
		if securityAttack(srv, argv) {
			s.co.Release()
			return gnet.Close
		}
		if srv.Paused(cl, argv) {
			cn.hold(i)
			if perr != nil {
				// The bad input comes after the held commands: parse it
				// again, and fail, once they have run.
				cn.parser.Reset()
				perr = nil
			}
			break
		}
		srv.Call(cl, argv)
		if closingAfterReply(cl) {
			break
		}
	}
	if perr != nil {
		protocolFailure(srv, cl, perr)
	}
	n := takeReplies(srv, cn)
	cn.parser.MaxBulkLen = maxBulkLen(srv.Cfg) // a CONFIG SET applies from the next read
	closing := closingAfterReply(cl)
	limitHit := s.overOutputLimit(srv, cn)
	s.co.Release()

	if limitHit {
		cn.out.Reset()
		return gnet.Close
	}
	closing = closing || cn.closeReq.Load() != 0
	if n > 0 && (closing || !cn.loop.deferWrite(cn)) {
		cn.write(cn.out.Vec())
	}
	if !cn.pending {
		cn.out.Reset()
	}
	if cap(cn.args) > maxKeptArgs {
		// One huge command (SADD of 100k members) would otherwise keep its
		// argument table for the connection's life; Valkey frees argv.
		cn.args, cn.ends = nil, nil
	}
	if closing {
		return gnet.Close
	}
	return gnet.None
}

// maxKeptArgs is the most arguments whose table a connection keeps
// between batches: far more than a busy pipeline's batch needs.
const maxKeptArgs = 1 << 16

// The steps of running a batch that execute and, for a loop serving its
// connections while a script is busy, executeBusy share.

// countInput counts nread bytes just read (none when a batch is run
// again) and notes the query buffer left.
func countInput(srv *engine.Server, cn *conn, nread int) {
	cl := cn.cl
	if nread > 0 {
		cl.NetIn += int64(nread)
		srv.Stats.NetInputBytes += int64(nread)
		cl.LastInteraction = srv.CachedNowMs()
	}
}

// securityAttack reports, and logs as Valkey does, a command line that is
// an HTTP request ("POST" or a "Host:" header line): its connection is to
// be closed at once. It is run for every command, so it is one call.
func securityAttack(srv *engine.Server, argv [][]byte) bool {
	switch name := argv[0]; len(name) {
	case 4:
		if !strings.EqualFold(string(name), "post") {
			return false
		}
	case 5:
		if !strings.EqualFold(string(name), "host:") {
			return false
		}
	default:
		return false
	}
	srv.Log.Warningf("Possible SECURITY ATTACK detected. It looks like somebody is sending POST or Host: commands to Valkey. This is likely due to an attacker attempting to use Cross Protocol Scripting to compromise your Valkey instance. Connection aborted.")
	return true
}

// closingAfterReply reports whether cl is to be closed once its replies
// are written.
func closingAfterReply(cl *engine.Client) bool {
	return cl.Flags&(engine.ClientCloseAfterReply|engine.ClientCloseASAP) != 0
}

// protocolFailure replies the parse error that ended a batch and has the
// client closed after it.
func protocolFailure(srv *engine.Server, cl *engine.Client, perr error) {
	var pe *resp.ProtocolError
	if errors.As(perr, &pe) {
		cl.AddError(pe.Msg)
	}
	srv.Log.Verbosef("Protocol error (%v) from client: id=%d addr=%s", perr, cl.ID, cl.Addr)
	cl.Flags |= engine.ClientCloseAfterReply
}

// takeReplies moves the batch's replies from the client to cn.out,
// counts them and returns their length. A replica's output is left where
// it is while the engine sends it an RDB on the socket: it follows the
// RDB, when the engine lets go of it and wakes the loop.
func takeReplies(srv *engine.Server, cn *conn) int {
	cl := cn.cl
	if cl.OutputHeld() {
		return 0
	}
	cn.out, cl.Out = cl.Out, cn.out
	n := cn.out.Len()
	cl.NetOut += int64(n)
	if cl.Flags&(engine.ClientReplica|engine.ClientMonitor) == engine.ClientReplica {
		srv.Stats.NetReplOutputBytes += int64(n) // the stream, counted apart as in Valkey
	} else {
		srv.Stats.NetOutputBytes += int64(n)
	}
	return n
}

// CLIENT PAUSE. The engine's Paused says, before each command, whether
// it must wait for a pause to end. The waiting command and the rest of
// its batch are held: their arguments are copied out of the input buffer
// (the parser may have unescaped inline arguments in place, so the input
// cannot simply be parsed again), and input that arrives meanwhile is
// buffered unparsed. When the pause ends the engine wakes the client
// through its Link, and the held commands are retried first; one still
// paused (a write under a WRITE pause) is held again.

// heldBatch is the part of a batch a pause stopped: the arguments of
// every command from the waiting one on, in args/ends form.
type heldBatch struct {
	args [][]byte
	ends []int
}

// hold keeps commands i.. of the current batch for later.
func (cn *conn) hold(i int) {
	if i == 0 && cn.resumed {
		// Retried and still waiting: the arguments are already copies.
		cn.held = &heldBatch{cn.args, cn.ends}
		cn.args, cn.ends = nil, nil
		return
	}
	first := 0
	if i > 0 {
		first = cn.ends[i-1]
	}
	args := cn.args[first:]
	n := 0
	for _, a := range args {
		n += len(a)
	}
	mem := make([]byte, 0, n) // one block; appends below never move it
	h := &heldBatch{args: make([][]byte, len(args)), ends: make([]int, 0, len(cn.ends)-i)}
	for j, a := range args {
		off := len(mem)
		mem = append(mem, a...)
		h.args[j] = mem[off:len(mem):len(mem)]
	}
	for _, e := range cn.ends[i:] {
		h.ends = append(h.ends, e-first)
	}
	cn.held = h
}

// resumeHeld retries the held commands, counting nread new input bytes.
// waiting is true when the first of them is still paused.
func (s *Server) resumeHeld(cn *conn, nread int) (action gnet.Action, waiting bool) {
	h := cn.held
	cn.held = nil
	cn.args, cn.ends, cn.resumed = h.args, h.ends, true
	action = s.execute(cn, nread, nil)
	cn.resumed = false
	return action, cn.held != nil
}

// minQbuf is the least a connection's own query buffer holds once it
// needs one, as Valkey's read buffer (PROTO_IOBUF_LEN): a client whose
// commands were split across reads once is likely to be again.
const minQbuf = 16 << 10

// keepTail keeps the unparsed input for the next read, growing the query
// buffer once to the size the parser says it needs, and enforces
// client-query-buffer-limit. The buffer is kept when it empties, for the
// next split command, unless it is over a megabyte; the cron has what is
// left trimmed when it goes unused (trimQbuf).
func (cn *conn) keepTail(buf []byte, pos int) gnet.Action {
	rest := buf[pos:]
	switch need := max(cn.parser.Need(), len(rest), minQbuf); {
	case len(rest) == 0:
		cn.qbuf = cn.qbuf[:0]
		if cap(cn.qbuf) > 1<<20 {
			cn.qbuf = nil
		}
	case need > cap(cn.qbuf):
		nb := make([]byte, len(rest), need)
		copy(nb, rest)
		cn.qbuf = nb
	case pos > 0 || len(cn.qbuf) == 0:
		cn.qbuf = append(cn.qbuf[:0], rest...)
	}
	cn.qbufPeak = max(cn.qbufPeak, len(buf))
	cn.noteQbuf()
	if cn.qbufLimit > 0 && int64(len(cn.qbuf)) > cn.qbufLimit {
		cn.overQbuf = true
		return gnet.Close
	}
	return gnet.None
}

// noteQbuf tells the engine the query buffer's size, for CLIENT LIST and
// the memory figures, when it changed: most reads leave it empty.
func (cn *conn) noteQbuf() {
	if n, c := len(cn.qbuf), cap(cn.qbuf); cn.cl != nil && (n != cn.notedLen || c != cn.notedCap) {
		cn.notedLen, cn.notedCap = n, c
		cn.cl.SetQueryBuf(n, c)
	}
}

// trimQbuf gives back the query buffer's free space, as the cron asked:
// an idle client's all of it (the buffer itself when nothing is waiting),
// a busy client's down to what it has needed since the last trim, or
// what the argument being read needs.
func (cn *conn) trimQbuf(idle bool) {
	size := len(cn.qbuf)
	if !idle {
		size = max(size, cn.qbufPeak, cn.parser.Need())
		if cap(cn.qbuf)/2 <= size {
			size = cap(cn.qbuf) // used enough of late: kept
		}
	}
	switch {
	case size == 0:
		cn.qbuf = nil
	case size < cap(cn.qbuf):
		cn.qbuf = append(make([]byte, 0, size), cn.qbuf...)
	}
	cn.qbufPeak = len(cn.qbuf)
	cn.noteQbuf()
}

// overOutputLimit applies client-output-buffer-limit for the client's
// class: over the hard limit, or over the soft limit for longer than its
// seconds, the client is closed.
func (s *Server) overOutputLimit(srv *engine.Server, cn *conn) bool {
	if cn.cl.OutputLimitedUnauthenticated() && s.overUnauthenticatedLimit(srv, cn) {
		srv.OutputLimitClosed(cn.cl)
		return true
	}
	if cn.cl.OutputOverLimit(uint64(cn.gc.OutboundBuffered() + cn.out.Len())) {
		if cn.cl.Flags&engine.ClientCloseASAP != 0 {
			return true // closing already (the cron found it over): counted and logged then
		}
		srv.OutputLimitClosed(cn.cl)
		return true
	}
	return false
}

// overUnauthenticatedLimit is Valkey's limit on a client that must
// authenticate and never has: at most 1 KiB of unsent replies
// (REPLY_BUFFER_SIZE_UNAUTHENTICATED_CLIENT), counted past the 16 KiB
// static buffer every client has, in the reply list, whose first block
// alone takes 16 KiB. In effect the client is closed once its unsent
// replies overflow the static buffer; with DEBUG CLIENT-ENFORCE-REPLY-LIST
// every reply goes to the list, and any unsent reply closes it.
func (s *Server) overUnauthenticatedLimit(srv *engine.Server, cn *conn) bool {
	const staticReplyBuffer = 16 << 10 // PROTO_REPLY_BUF_SIZE
	pending := cn.gc.OutboundBuffered() + cn.out.Len()
	if srv.DebugReplyList {
		return pending > 0
	}
	return pending > staticReplyBuffer
}

func head(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}

// describe returns the peer and local addresses in CLIENT LIST's form,
// whether the connection is a unix socket, and whether it is local
// (loopback or unix) for protected mode.
func describe(gc gnet.Conn) (addr, laddr string, isUnix, local bool) {
	switch ra := gc.RemoteAddr().(type) {
	case *net.TCPAddr:
		addr = net.JoinHostPort(ra.IP.String(), strconv.Itoa(ra.Port))
		local = ra.IP.IsLoopback()
		laddr = sockName(gc.Fd())
	case *net.UnixAddr:
		isUnix, local = true, true
		if la, ok := gc.LocalAddr().(*net.UnixAddr); ok {
			laddr = la.Name + ":0"
		}
		addr = laddr
	default:
		local = true
	}
	return
}

const deniedProtectedMode = "-DENIED Running in protected mode because protected " +
	"mode is enabled and no password is set for the default user. " +
	"In this mode connections are only accepted from the loopback interface. " +
	"If you want to connect from external computers, you " +
	"may adopt one of the following solutions: " +
	"1) Just disable protected mode sending the command " +
	"'CONFIG SET protected-mode no' from the loopback interface " +
	"by connecting from the same host the server is " +
	"running, however MAKE SURE it's not publicly accessible " +
	"from internet if you do so. Use CONFIG REWRITE to make this " +
	"change permanent. " +
	"2) Alternatively you can just disable the protected mode by " +
	"editing the configuration file, and setting the protected " +
	"mode option to 'no', and then restarting the server. " +
	"3) If you started the server manually just for testing, restart " +
	"it with the '--protected-mode no' option. " +
	"4) Set up an authentication password for the default user. " +
	"NOTE: You only need to do one of the above things in order for " +
	"the server to start accepting connections from the outside.\r\n"

// sockName returns the accepted socket's own address ("ip:port"): gnet
// reports the listener's, which is 0.0.0.0 for a wildcard bind, while
// CLIENT LIST's laddr is the address the client actually reached.
func sockName(fd int) string {
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return ""
	}
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return net.JoinHostPort(net.IP(a.Addr[:]).String(), strconv.Itoa(a.Port))
	case *unix.SockaddrInet6:
		return net.JoinHostPort(net.IP(a.Addr[:]).String(), strconv.Itoa(a.Port))
	}
	return ""
}

// gnetLogger sends gnet's own messages to the server log.
type gnetLogger struct{ l *engine.Logger }

func (g gnetLogger) Debugf(format string, args ...any) { g.l.Debugf("gnet: "+format, args...) }
func (g gnetLogger) Infof(format string, args ...any)  { g.l.Verbosef("gnet: "+format, args...) }
func (g gnetLogger) Warnf(format string, args ...any)  { g.l.Warningf("gnet: "+format, args...) }
func (g gnetLogger) Errorf(format string, args ...any) { g.l.Warningf("gnet: "+format, args...) }
func (g gnetLogger) Fatalf(format string, args ...any) { g.l.Warningf("gnet: "+format, args...) }
