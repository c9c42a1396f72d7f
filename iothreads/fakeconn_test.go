package iothreads

import (
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/panjf2000/gnet/v2"

	"github.com/volleydb/volley/engine"
	"github.com/volleydb/volley/engine/config"
	"github.com/volleydb/volley/loop"
)

// fakeConn stands in for a gnet connection: input is handed over whole,
// output is recorded (or only counted, for allocation tests).
type fakeConn struct {
	gnet.Conn
	in      []byte
	ctx     any
	record  bool
	out     []byte
	written int
	wakes   int
	el      gnet.EventLoop // nil: replies are written at once

	// onWriteFail, when set, makes Writev fail as gnet's does when the
	// peer has gone: it closes the connection (OnClose) there and then.
	onWriteFail func()
}

func (f *fakeConn) Next(int) ([]byte, error) { b := f.in; f.in = nil; return b, nil }
func (f *fakeConn) Writev(bs [][]byte) (int, error) {
	if f.onWriteFail != nil {
		f.onWriteFail()
		return 0, net.ErrClosed
	}
	n := 0
	for _, b := range bs {
		n += len(b)
		if f.record {
			f.out = append(f.out, b...)
		}
	}
	f.written += n
	return n, nil
}
func (f *fakeConn) OutboundBuffered() int     { return 0 }
func (f *fakeConn) EventLoop() gnet.EventLoop { return f.el }
func (f *fakeConn) Context() any              { return f.ctx }
func (f *fakeConn) SetContext(c any)          { f.ctx = c }
func (f *fakeConn) Fd() int                   { return -1 } // no socket: write falls back to Writev
func (f *fakeConn) Wake(gnet.AsyncCallback) error {
	f.wakes++
	return nil
}
func (f *fakeConn) RemoteAddr() net.Addr {
	return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 50000}
}
func (f *fakeConn) LocalAddr() net.Addr {
	return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 6379}
}

// newTestIO returns an I/O server over a fresh engine and one open fake
// connection.
func newTestIO(t testing.TB, args ...string) (*Server, *fakeConn) {
	t.Helper()
	cfg, err := config.Load(config.ParseArgs(args), config.LoadOptions{Version: engine.Version})
	if err != nil {
		t.Fatal(err)
	}
	srv := engine.NewServer(cfg, engine.NewLogger(discard{}, engine.LogWarning))
	s := New(loop.New(srv), Options{Loops: 1, Log: srv.Log})
	fc := &fakeConn{record: true}
	if out, action := s.OnOpen(fc); action != gnet.None {
		t.Fatalf("OnOpen refused the connection: %q", out)
	}
	return s, fc
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

func TestOnTrafficRunsTheWholeBatch(t *testing.T) {
	s, fc := newTestIO(t)
	fc.in = []byte("*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\nPING\r\n*2\r\n$4\r\nEC")
	if a := s.OnTraffic(fc); a != gnet.None {
		t.Fatalf("action %v", a)
	}
	if got, want := string(fc.out), "+PONG\r\n$2\r\nhi\r\n+PONG\r\n"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	// The partial command completes on the next read.
	fc.out = nil
	fc.in = []byte("HO\r\n$3\r\nabc\r\n")
	s.OnTraffic(fc)
	if got := string(fc.out); got != "$3\r\nabc\r\n" {
		t.Fatalf("resumed command: %q", got)
	}
}

func TestOnTrafficProtocolErrorCloses(t *testing.T) {
	s, fc := newTestIO(t)
	fc.in = []byte("PING\r\n*x\r\n")
	if a := s.OnTraffic(fc); a != gnet.Close {
		t.Fatalf("action %v, want Close", a)
	}
	if got, want := string(fc.out), "+PONG\r\n-ERR Protocol error: invalid multibulk length\r\n"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestQueryBufferLimitCloses(t *testing.T) {
	s, fc := newTestIO(t, "--client-query-buffer-limit", "1mb")
	fc.in = []byte("*1\r\n$100000000\r\n" + strings.Repeat("x", 2<<20))
	if a := s.OnTraffic(fc); a != gnet.Close {
		t.Fatalf("action %v, want Close once the query buffer passes its limit", a)
	}
}

var pipeline16 = []byte(strings.Repeat("*1\r\n$4\r\nPING\r\n", 8) + strings.Repeat("*2\r\n$4\r\nECHO\r\n$5\r\nhello\r\n", 8))

func BenchmarkOnTrafficPipeline16(b *testing.B) {
	s, fc := newTestIO(b)
	fc.record = false
	b.ReportAllocs()
	b.SetBytes(int64(len(pipeline16)))
	for b.Loop() {
		fc.in = pipeline16
		s.OnTraffic(fc)
	}
}

// A command with more arguments than maxKeptArgs does not leave its
// argument table to the connection; a pipeline's ordinary batch does.
func TestHugeCommandArgsNotKept(t *testing.T) {
	s, fc := newTestIO(t)
	var b strings.Builder
	n := maxKeptArgs + 10
	b.WriteString("*" + strconv.Itoa(n+2) + "\r\n$4\r\nSADD\r\n$1\r\ns\r\n")
	for i := range n {
		v := strconv.Itoa(i)
		b.WriteString("$" + strconv.Itoa(len(v)) + "\r\n" + v + "\r\n")
	}
	fc.in = []byte(b.String())
	s.OnTraffic(fc)
	if got, want := string(fc.out), ":"+strconv.Itoa(n)+"\r\n"; got != want {
		t.Fatalf("SADD = %q, want %q", got, want)
	}
	cn := fc.ctx.(*conn)
	if cn.args != nil || cn.ends != nil {
		t.Fatalf("kept an argument table of %d", cap(cn.args))
	}
	fc.out, fc.in = nil, pipeline16
	s.OnTraffic(fc)
	if cap(cn.args) == 0 {
		t.Fatal("an ordinary batch's table was dropped")
	}
}

// A write that fails closes the connection inside Writev, as gnet does;
// an unauthenticated client's commands run one at a time, so the batch
// loop must stop there instead of parsing on for a client that is gone.
// (A replica retrying AUTH against a primary made this crash.) With the
// round's replies deferred, the failing write is the flush of the
// previous command's reply, which runs before the next command does.
func TestWriteFailureMidBatchStops(t *testing.T) {
	t.Run("immediate writes", func(t *testing.T) {
		s, fc := newTestIO(t, "--requirepass", "pw")
		writeFailureMidBatch(t, s, fc, func() {})
	})
	t.Run("deferred writes", func(t *testing.T) {
		s, _ := newTestIO(t, "--requirepass", "pw")
		el := &fakeLoop{}
		el.roundEnd = s.RoundEndHook(el)
		writeFailureMidBatch(t, s, openOn(t, s, el), el.endRound)
	})
}

func writeFailureMidBatch(t *testing.T, s *Server, fc *fakeConn, endRound func()) {
	closed := 0
	fc.onWriteFail = func() {
		closed++
		s.OnClose(fc, net.ErrClosed)
	}
	fc.in = []byte("PING\r\nPING\r\nPING\r\n")
	if action := s.OnTraffic(fc); action != gnet.None && action != gnet.Close {
		t.Fatalf("action %v", action)
	}
	endRound()
	if closed != 1 {
		t.Fatalf("closed %d times", closed)
	}
}
