package iothreads

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/panjf2000/gnet/v2"

	"github.com/volleydb/volley/engine"
)

// TLS clients (tls-port). gnet has no TLS, so TLS connections are served
// by crypto/tls on standard listeners, with goroutines per connection: a
// TLS connection's cost is in the crypto, not in the scheduling. Each is
// a conn like a gnet one, run by the same code (open, traffic, closeConn:
// parsing, batches, CLIENT PAUSE holds, query and output buffer limits),
// over a tlsConn transport:
//
//   - its reader goroutine reads decrypted input and runs traffic on it;
//   - Wake, which the engine calls while it is held, signals its waker
//     goroutine, which runs traffic with no input, as gnet runs
//     OnTraffic after a wake-up;
//   - Writev queues the replies for its writer goroutine, which encrypts
//     and sends them, so that the others never wait on a slow peer and
//     OutboundBuffered tells the output buffer limits what is queued, as
//     gnet's outbound buffer does.
//
// The tlsConn's lock lets one of the reader and the waker run traffic at
// a time, as a gnet loop runs one event of a connection at a time. The
// plain connections' path is unchanged: the transport interface replaces
// gnet.Conn in conn, an interface as well. Busy scripts (busy_linux.go)
// poll only gnet loops' connections; a TLS client's goroutines are
// served through the coordinator's Yield like any other goroutine.

// tlsServer is the TLS side of a Server.
type tlsServer struct {
	confs atomic.Pointer[tlsConfigs] // nil until configured

	mu      sync.Mutex
	lns     map[BindAddr]net.Listener // by address (Optional unset)
	conns   map[*tlsConn]struct{}
	stopped bool
	wg      sync.WaitGroup // connections' goroutines

	startAddrs []BindAddr // what Serve opens: read by New, as Serve may not take the engine
}

// ConfigureTLS builds the TLS configuration when the tls-* directives ask
// for TLS, and sets the tls-* directives to take effect on CONFIG SET. On
// failure the reason has been logged, as Valkey logs it; the caller logs
// that TLS failed and exits, as Valkey does.
func (s *Server) ConfigureTLS() error {
	var err error
	s.co.Do(func(srv *engine.Server) {
		cfg := srv.Cfg
		if tlsWanted(cfg) {
			var c *tlsConfigs
			if c, err = buildTLS(readTLSSettings(cfg), srv.Log); err != nil {
				return
			}
			s.tls.confs.Store(c)
		}
		srv.SecureReplication = s.secureReplication
		for _, name := range tlsReloadDirectives {
			cfg.OnChange(name, func(_, _ string) error { return s.reconfigureTLS(srv, true) })
		}
		cfg.OnChange("tls-port", func(_, _ string) error { return s.rebindTLS(srv) })
	})
	return err
}

// secureReplication implements engine.Server.SecureReplication with
// the current configuration's client side.
func (s *Server) secureReplication(conn net.Conn, timeout time.Duration) (net.Conn, error) {
	confs := s.tls.confs.Load()
	if confs == nil {
		return nil, errors.New("TLS is not configured")
	}
	tc := tls.Client(conn, confs.client)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := tc.HandshakeContext(ctx); err != nil {
		return nil, err
	}
	return tc, nil
}

func mustValue(srv *engine.Server, name string) string {
	v, _ := srv.Cfg.Value(name)
	return v
}

// tlsReloadDirectives are the directives whose CONFIG SET builds the TLS
// configuration anew (Valkey's applyTlsCfg).
var tlsReloadDirectives = []string{
	"tls-cert-file", "tls-key-file", "tls-key-file-pass",
	"tls-client-cert-file", "tls-client-key-file", "tls-client-key-file-pass",
	"tls-dh-params-file", "tls-ca-cert-file", "tls-ca-cert-dir",
	"tls-protocols", "tls-ciphers", "tls-ciphersuites",
	"tls-prefer-server-ciphers", "tls-session-caching",
	"tls-session-cache-size", "tls-session-cache-timeout",
	"tls-replication", "tls-cluster",
}

// valkeyText is an error whose text is Valkey's, for a reply or a log.
type valkeyText string

func (e valkeyText) Error() string { return string(e) }

const errTLSUpdate = valkeyText("Unable to update TLS configuration. Check server logs.")

// reconfigureTLS builds the configuration again from the directives, for
// the connections accepted from now on; always when reload, else only
// if there is none yet. Valkey does so only while TLS is in use.
func (s *Server) reconfigureTLS(srv *engine.Server, reload bool) error {
	if reload && !tlsWanted(srv.Cfg) {
		return nil
	}
	if !reload && s.tls.confs.Load() != nil {
		return nil
	}
	c, err := buildTLS(readTLSSettings(srv.Cfg), srv.Log)
	if err != nil {
		return errTLSUpdate
	}
	s.tls.confs.Store(c)
	return nil
}

// rebindTLS applies a CONFIG SET tls-port or bind: the listeners move
// to the configured addresses (none for port 0), the connections they
// accepted stay.
func (s *Server) rebindTLS(srv *engine.Server) error {
	port := srv.Cfg.TLSPort
	var want []BindAddr
	if port != 0 {
		if err := s.reconfigureTLS(srv, false); err != nil {
			return err
		}
		want = BindAddrs(srv.Cfg.Bind, port)
	}
	s.tls.mu.Lock()
	var have []BindAddr
	for a := range s.tls.lns {
		have = append(have, a)
	}
	stopped := s.tls.stopped
	s.tls.mu.Unlock()
	if stopped {
		return nil
	}
	_, err := moveListeners(have, want, func(a BindAddr) error {
		err := s.openTLS(a)
		if err != nil {
			host, p, _ := net.SplitHostPort(a.Addr)
			srv.Log.Warningf("Warning: Could not create server TCP listening socket %s:%s: %s", host, p, listenErrText(err))
		}
		return err
	}, s.closeTLS)
	if err != nil {
		return errListenPort
	}
	return nil
}

// openTLS listens on a and accepts TLS clients from it.
func (s *Server) openTLS(a BindAddr) error {
	lc := net.ListenConfig{KeepAlive: -1} // tcp-keepalive is set per connection
	ln, err := lc.Listen(context.Background(), a.Network, a.Addr)
	if err != nil {
		return err
	}
	s.tls.mu.Lock()
	if s.tls.stopped {
		s.tls.mu.Unlock()
		return ln.Close()
	}
	if s.tls.lns == nil {
		s.tls.lns = make(map[BindAddr]net.Listener)
	}
	a.Optional = false
	s.tls.lns[a] = ln
	s.tls.mu.Unlock()
	go s.acceptTLS(ln)
	return nil
}

// closeTLS closes the listener on a.
func (s *Server) closeTLS(a BindAddr) {
	s.tls.mu.Lock()
	a.Optional = false
	ln := s.tls.lns[a]
	delete(s.tls.lns, a)
	s.tls.mu.Unlock()
	if ln != nil {
		_ = ln.Close()
	}
}

// BindAddr is one listening address: network (tcp4, tcp6) and host:port.
type BindAddr struct {
	Network, Addr string
	Optional      bool // bind's '-' prefix: skipped when it cannot be bound
}

// BindAddrs turns bind's addresses and a port into listening addresses.
func BindAddrs(bind []string, port int) []BindAddr {
	out := make([]BindAddr, 0, len(bind))
	for _, b := range bind {
		optional := strings.HasPrefix(b, "-")
		b = strings.TrimPrefix(b, "-")
		network, host := "tcp4", b
		switch {
		case b == "*":
			host = "0.0.0.0"
		case b == "::*":
			network, host = "tcp6", "::"
		case strings.Contains(b, ":"):
			network = "tcp6"
		}
		out = append(out, BindAddr{network, net.JoinHostPort(host, strconv.Itoa(port)), optional})
	}
	return out
}

// serveTLS opens the TLS listeners at start-up, on the addresses New
// read from the configuration.
func (s *Server) serveTLS() error {
	_, err := moveListeners(nil, s.tls.startAddrs, s.openTLS, s.closeTLS)
	return err
}

// stopTLS closes the TLS listeners and connections, and waits for the
// connections' goroutines to have freed their clients.
func (s *Server) stopTLS(ctx context.Context) error {
	s.tls.mu.Lock()
	s.tls.stopped = true
	lns := s.tls.lns
	s.tls.lns = nil
	for t := range s.tls.conns {
		_ = t.raw.Close()
	}
	s.tls.mu.Unlock()
	for _, ln := range lns {
		_ = ln.Close()
	}
	done := make(chan struct{})
	go func() { s.tls.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Server) acceptTLS(ln net.Listener) {
	for {
		raw, err := ln.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			if errors.Is(err, net.ErrClosed) {
				return
			}
			s.opts.Log.Warningf("Accepting client connection: %v", err)
			time.Sleep(10 * time.Millisecond) // out of descriptors: let some close
			continue
		}
		if tc, ok := raw.(*net.TCPConn); ok && s.opts.TCPKeepAlive > 0 {
			_ = tc.SetKeepAliveConfig(net.KeepAliveConfig{Enable: true, Idle: s.opts.TCPKeepAlive, Interval: s.opts.TCPKeepAlive / 3, Count: 3})
		}
		t := &tlsConn{s: s, raw: raw, wakeCh: make(chan struct{}, 1), quit: make(chan struct{})}
		t.ocond.L = &t.omu
		s.tls.mu.Lock()
		if s.tls.stopped {
			s.tls.mu.Unlock()
			_ = raw.Close()
			return
		}
		if s.tls.conns == nil {
			s.tls.conns = make(map[*tlsConn]struct{})
		}
		s.tls.conns[t] = struct{}{}
		s.tls.wg.Add(1)
		s.tls.mu.Unlock()
		go t.run()
	}
}

// tlsConn is a TLS client connection: the transport of its conn.
type tlsConn struct {
	s   *Server
	raw net.Conn
	tc  *tls.Conn

	mu   sync.Mutex // held while traffic runs, by the reader or the waker
	cn   *conn
	down bool // closed: traffic runs no more

	wakeCh chan struct{}
	quit   chan struct{} // closed when down: the waker ends

	omu     sync.Mutex
	ocond   sync.Cond
	obuf    []byte // replies queued for the writer
	queued  int    // bytes queued or being written
	closing bool   // the writer ends once obuf is written
	failed  bool   // a write failed: output is dropped
}

// tlsCloseFlush bounds the time the last replies of a closing connection
// may take to go out: gnet makes one attempt to write them.
const tlsCloseFlush = 2 * time.Second

// run is the connection's reader goroutine: admission, the handshake,
// then reading.
func (t *tlsConn) run() {
	defer t.s.tls.wg.Done()
	defer t.forget()
	s := t.s

	// Valkey refuses a client over maxclients before the handshake, so
	// without a word: nothing could be read before it.
	full, auth := false, authYes
	var idle time.Duration
	s.co.Do(func(srv *engine.Server) {
		auth = authMode(mustValue(srv, "tls-auth-clients"))
		idle = time.Duration(srv.Cfg.Timeout) * time.Second
		if srv.ClientCount() >= srv.Cfg.MaxClients {
			srv.Stats.RejectedConns++
			full = true
		}
	})
	if full {
		_ = t.raw.Close()
		return
	}
	p := describeNet(t.raw)
	confs := s.tls.confs.Load()
	if confs == nil {
		_ = t.raw.Close()
		return
	}
	t.tc = tls.Server(t.raw, confs.byAuth[auth])
	// A connection in its handshake is a client to Valkey, so the
	// timeout directive closes one that stays idle in it.
	ctx := context.Background()
	if idle > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, idle)
		defer cancel()
	}
	if err := t.tc.HandshakeContext(ctx); err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			s.opts.Log.Verbosef("Closing idle client")
		} else {
			s.opts.Log.Warningf("Error accepting a client connection: %s (addr=%s laddr=%s)", handshakeError(err), p.addr, p.laddr)
		}
		_ = t.raw.Close()
		return
	}
	p.fd = rawFd(t.raw)
	p.tls = true
	cn, refused := s.open(t, p, nil)
	if cn == nil {
		_ = t.raw.SetWriteDeadline(time.Now().Add(tlsCloseFlush))
		_, _ = t.tc.Write([]byte(refused))
		_ = t.tc.Close()
		return
	}
	if certs := t.tc.ConnectionState().PeerCertificates; len(certs) > 0 {
		s.co.Do(func(srv *engine.Server) { certLogin(srv, cn.cl, certs[0].Subject.CommonName) })
	}
	t.mu.Lock()
	t.cn = cn
	t.mu.Unlock()
	writerDone := make(chan struct{})
	go func() { t.writeLoop(); close(writerDone) }()
	go t.wakeLoop()

	buf := make([]byte, 16<<10) // a TLS record's most
	for {
		n, err := t.tc.Read(buf)
		if n > 0 && !t.serve(buf[:n]) {
			break
		}
		if err != nil {
			t.mu.Lock()
			t.shutdown()
			t.mu.Unlock()
			break
		}
	}
	<-writerDone
}

// certLogin applies tls-auth-clients-user to a new client whose
// certificate's common name is cn.
func certLogin(srv *engine.Server, cl *engine.Client, cn string) {
	if v, _ := srv.Cfg.Value("tls-auth-clients-user"); v != "CN" {
		return
	}
	if cn == "" {
		srv.Log.Noticef("TLS: Failed to extract field 'CN' from certificate")
		return
	}
	srv.TLSCertLogin(cl, cn)
}

// forget drops t from the server's connections.
func (t *tlsConn) forget() {
	t.s.tls.mu.Lock()
	delete(t.s.tls.conns, t)
	t.s.tls.mu.Unlock()
}

// serve runs traffic for data (nil for a wake-up) and reports whether the
// connection is still open.
func (t *tlsConn) serve(data []byte) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.down {
		return false
	}
	cn := t.cn
	action := gnet.Close
	if cn.cl != nil && cn.closeReq.Load() != closeNow {
		action = t.s.traffic(cn, data)
	}
	if action == gnet.Close {
		t.shutdown()
		return false
	}
	return true
}

// shutdown closes the connection: the client is freed, its last replies
// go out (unless it is to close at once), and the socket is closed.
// t.mu is held.
func (t *tlsConn) shutdown() {
	if t.down {
		return
	}
	t.down = true
	close(t.quit)
	now := t.cn.closeReq.Load() == closeNow
	if t.cn.cl != nil {
		t.s.closeConn(t.cn)
	}
	t.omu.Lock()
	t.closing = true
	if now {
		t.obuf, t.queued = nil, 0
	}
	t.ocond.Broadcast()
	t.omu.Unlock()
	if now {
		_ = t.raw.Close()
	} else {
		_ = t.raw.SetWriteDeadline(time.Now().Add(tlsCloseFlush))
	}
}

func (t *tlsConn) wakeLoop() {
	for {
		select {
		case <-t.wakeCh:
			if !t.serve(nil) {
				return
			}
		case <-t.quit:
			return
		}
	}
}

// writeLoop sends what Writev queued until the connection closes.
func (t *tlsConn) writeLoop() {
	var spare []byte
	for {
		t.omu.Lock()
		for len(t.obuf) == 0 && !t.closing {
			t.ocond.Wait()
		}
		if len(t.obuf) == 0 {
			t.omu.Unlock()
			break
		}
		buf := t.obuf
		t.obuf = spare[:0]
		t.omu.Unlock()

		_, err := t.tc.Write(buf)

		t.omu.Lock()
		t.queued -= len(buf)
		if err != nil {
			t.failed = true
			t.obuf, t.queued = nil, 0
		}
		t.ocond.Broadcast() // a transfer may wait for room (tlsStream)
		t.omu.Unlock()
		if err != nil {
			break
		}
		spare = nil
		if cap(buf) <= 1<<20 {
			spare = buf[:0] // kept for the next round, unless it is large
		}
	}
	_ = t.tc.Close() // sends close_notify when it can, and ends the reader
}

// Writev implements transport: the data is copied into the queue the
// writer sends from (TLS encrypts it into records anyway).
func (t *tlsConn) Writev(bs [][]byte) (int, error) {
	t.omu.Lock()
	defer t.omu.Unlock()
	n := 0
	for _, b := range bs {
		n += len(b)
	}
	if t.failed {
		return n, nil // the connection is closing; the output goes nowhere
	}
	t.queue(bs...)
	return n, nil
}

// queue appends bs to what the writer sends and wakes it; t.omu is held.
func (t *tlsConn) queue(bs ...[]byte) {
	for _, b := range bs {
		t.obuf = append(t.obuf, b...)
		t.queued += len(b)
	}
	t.ocond.Broadcast()
}

// OutboundBuffered implements transport.
func (t *tlsConn) OutboundBuffered() int {
	t.omu.Lock()
	defer t.omu.Unlock()
	return t.queued
}

// Wake implements transport: the waker runs traffic.
func (t *tlsConn) Wake(gnet.AsyncCallback) error {
	select {
	case t.wakeCh <- struct{}{}:
	default:
	}
	return nil
}

// Fd implements transport: no raw writes past the encryption.
func (t *tlsConn) Fd() int { return -1 }

// tlsLink is the engine's Link for a TLS connection: a DirectWriter as
// well, since the engine cannot write on the socket itself.
type tlsLink struct {
	link
	t *tlsConn
}

// WriteDirect implements engine.DirectWriter.
func (l tlsLink) WriteDirect(b []byte) { _, _ = l.t.Writev([][]byte{b}) }

// DirectStream implements engine.DirectWriter.
func (l tlsLink) DirectStream(timeout time.Duration) engine.DirectStream {
	return &tlsStream{t: l.t, timeout: timeout}
}

// tlsStreamRoom is the most a transfer leaves queued before its next
// write waits: enough to keep the writer busy, little to hold.
const tlsStreamRoom = 512 << 10

// tlsStream is a replication transfer through the writer's queue. Each
// Write moves the socket's write deadline timeout ahead, so the writer
// fails (and the connection closes) once the peer has taken nothing for
// that long, as Valkey drops a replica that stops reading.
type tlsStream struct {
	t        *tlsConn
	timeout  time.Duration
	canceled bool // Cancel was called; guarded by t.omu
}

var errTLSClosed = errors.New("connection closed")

func (w *tlsStream) Write(b []byte) (int, error) {
	t := w.t
	t.omu.Lock()
	defer t.omu.Unlock()
	if w.ended() {
		return 0, errTLSClosed
	}
	_ = t.raw.SetWriteDeadline(time.Now().Add(w.timeout))
	t.queue(b)
	for t.queued > tlsStreamRoom && !w.ended() {
		t.ocond.Wait()
	}
	if w.ended() {
		return 0, errTLSClosed
	}
	return len(b), nil
}

// ended reports whether the transfer can go no further: the connection
// failed or is closing, or the engine cancelled it. t.omu must be held.
func (w *tlsStream) ended() bool { return w.t.failed || w.t.closing || w.canceled }

// Cancel implements engine.DirectStream.
func (w *tlsStream) Cancel() {
	t := w.t
	t.omu.Lock()
	w.canceled = true
	t.omu.Unlock()
	t.ocond.Broadcast()
}

// Close ends the transfer: writes have no deadline again, unless the
// connection is closing and has its own.
func (w *tlsStream) Close() error {
	t := w.t
	t.omu.Lock()
	defer t.omu.Unlock()
	if !t.closing {
		_ = t.raw.SetWriteDeadline(time.Time{})
	}
	return nil
}

// describeNet is describe for a standard connection.
func describeNet(c net.Conn) peer {
	var p peer
	if ra, ok := c.RemoteAddr().(*net.TCPAddr); ok {
		p.addr = net.JoinHostPort(ra.IP.String(), strconv.Itoa(ra.Port))
		p.local = ra.IP.IsLoopback()
	}
	if la, ok := c.LocalAddr().(*net.TCPAddr); ok {
		p.laddr = net.JoinHostPort(la.IP.String(), strconv.Itoa(la.Port))
	}
	p.fd = -1
	return p
}

// rawFd is the connection's socket number, for CLIENT LIST's fd.
func rawFd(c net.Conn) int {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return -1
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return -1
	}
	fd := -1
	_ = rc.Control(func(f uintptr) { fd = int(f) })
	return fd
}

// handshakeError is a failed handshake's reason for the log.
func handshakeError(err error) string {
	var re tls.RecordHeaderError
	if errors.As(err, &re) {
		return "wrong version number" // OpenSSL's words for a non-TLS peer
	}
	return err.Error()
}
