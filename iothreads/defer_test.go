package iothreads

import (
	"testing"

	"github.com/panjf2000/gnet/v2"
)

// fakeLoop stands in for a gnet event loop; endRound runs what gnet runs
// after a poll round's events: the hook the server installed, if any.
type fakeLoop struct {
	gnet.EventLoop
	roundEnd func()
}

func (l *fakeLoop) endRound() {
	if l.roundEnd != nil {
		l.roundEnd()
	}
}

// openOn opens another fake connection on s's loop el.
func openOn(t *testing.T, s *Server, el gnet.EventLoop) *fakeConn {
	t.Helper()
	fc := &fakeConn{record: true, el: el}
	if out, action := s.OnOpen(fc); action != gnet.None {
		t.Fatalf("OnOpen refused the connection: %q", out)
	}
	return fc
}

// newDeferIO is an I/O server with a connection open on a fake loop
// that runs the server's round-end hook, as the patched gnet does.
func newDeferIO(t *testing.T) (*Server, *fakeLoop, *fakeConn) {
	t.Helper()
	s, _ := newTestIO(t)
	el := &fakeLoop{}
	el.roundEnd = s.RoundEndHook(el)
	return s, el, openOn(t, s, el)
}

func TestPipelinedRepliesWaitForTheEndOfTheRound(t *testing.T) {
	s, el, a := newDeferIO(t)
	b := openOn(t, s, el)

	a.in = []byte("SET k 1\r\nGET k\r\n")
	s.OnTraffic(a)
	b.in = []byte("INCR k\r\nGET k\r\n")
	s.OnTraffic(b)
	if len(a.out) != 0 || len(b.out) != 0 {
		t.Fatalf("replies written before the round ended: %q %q", a.out, b.out)
	}
	el.endRound()
	if got, want := string(a.out), "+OK\r\n$1\r\n1\r\n"; got != want {
		t.Fatalf("a got %q, want %q", got, want)
	}
	if got, want := string(b.out), ":2\r\n$1\r\n2\r\n"; got != want {
		t.Fatalf("b got %q, want %q", got, want)
	}

	// The next round waits for its own end.
	a.out, b.out = nil, nil
	a.in = []byte("PING\r\nPING\r\n")
	s.OnTraffic(a)
	if len(a.out) != 0 {
		t.Fatalf("second round written before it ended: %q", a.out)
	}
	el.endRound()
	if got, want := string(a.out), "+PONG\r\n+PONG\r\n"; got != want {
		t.Fatalf("second round: got %q, want %q", got, want)
	}
}

func TestSingleCommandWaitsForTheRound(t *testing.T) {
	s, el, a := newDeferIO(t)

	a.in = []byte("PING\r\n")
	s.OnTraffic(a)
	if len(a.out) != 0 {
		t.Fatalf("written before the round ended: %q", a.out)
	}
	el.endRound()
	if got := string(a.out); got != "+PONG\r\n" {
		t.Fatalf("after the round: %q, want +PONG", got)
	}
	a.out = nil
	el.endRound() // nothing is left to write
	if len(a.out) != 0 {
		t.Fatalf("written twice: %q", a.out)
	}
}

func TestWithoutTheRoundHookRepliesAreWrittenAtOnce(t *testing.T) {
	// A gnet built with poll_opt never installs the hook.
	s, _ := newTestIO(t)
	a := openOn(t, s, &fakeLoop{})
	a.in = []byte("PING\r\nPING\r\n")
	s.OnTraffic(a)
	if got, want := string(a.out), "+PONG\r\n+PONG\r\n"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestDeferredRepliesPrecedeLaterOnes(t *testing.T) {
	s, el, a := newDeferIO(t)

	// A wake-up (a blocked command served) can run before the round's
	// flush: the earlier replies still go first.
	a.in = []byte("ECHO x\r\nECHO y\r\n")
	s.OnTraffic(a)
	a.in = []byte("ECHO z\r\n")
	s.OnTraffic(a)
	el.endRound()
	if got, want := string(a.out), "$1\r\nx\r\n$1\r\ny\r\n$1\r\nz\r\n"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestCloseWritesDeferredReplies(t *testing.T) {
	s, el, a := newDeferIO(t)

	a.in = []byte("ECHO x\r\nECHO y\r\n")
	s.OnTraffic(a)
	s.OnClose(a, nil)
	if got, want := string(a.out), "$1\r\nx\r\n$1\r\ny\r\n"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	el.endRound() // the flush finds nothing left to write
	if got, want := string(a.out), "$1\r\nx\r\n$1\r\ny\r\n"; got != want {
		t.Fatalf("after the round: got %q, want %q", got, want)
	}
}

func TestQuitIsWrittenBeforeClose(t *testing.T) {
	s, _, a := newDeferIO(t)

	a.in = []byte("PING\r\nQUIT\r\n")
	if action := s.OnTraffic(a); action != gnet.Close {
		t.Fatalf("action %v, want Close", action)
	}
	if got, want := string(a.out), "+PONG\r\n+OK\r\n"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}
