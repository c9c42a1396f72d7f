package iothreads

import (
	"context"
	"testing"

	"github.com/panjf2000/gnet/v2"
)

// fakeLoop stands in for a gnet event loop: Execute queues the runnable,
// endRound runs what was queued, as gnet does after a poll round's events.
type fakeLoop struct {
	gnet.EventLoop
	queued []gnet.Runnable
}

func (l *fakeLoop) Execute(_ context.Context, r gnet.Runnable) error {
	l.queued = append(l.queued, r)
	return nil
}

func (l *fakeLoop) endRound(t *testing.T) {
	t.Helper()
	q := l.queued
	l.queued = nil
	for _, r := range q {
		if err := r.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
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

// newDeferIO is an I/O server with a connection open on a fake loop.
func newDeferIO(t *testing.T) (*Server, *fakeLoop, *fakeConn) {
	t.Helper()
	s, _ := newTestIO(t)
	el := &fakeLoop{}
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
	if len(el.queued) != 1 {
		t.Fatalf("%d flushes queued for one round, want 1", len(el.queued))
	}
	el.endRound(t)
	if got, want := string(a.out), "+OK\r\n$1\r\n1\r\n"; got != want {
		t.Fatalf("a got %q, want %q", got, want)
	}
	if got, want := string(b.out), ":2\r\n$1\r\n2\r\n"; got != want {
		t.Fatalf("b got %q, want %q", got, want)
	}

	// The next round queues its own flush.
	a.out, b.out = nil, nil
	a.in = []byte("PING\r\nPING\r\n")
	s.OnTraffic(a)
	if len(el.queued) != 1 {
		t.Fatalf("%d flushes queued for the second round, want 1", len(el.queued))
	}
	el.endRound(t)
	if got, want := string(a.out), "+PONG\r\n+PONG\r\n"; got != want {
		t.Fatalf("second round: got %q, want %q", got, want)
	}
}

func TestSingleCommandIsWrittenAtOnce(t *testing.T) {
	s, el, a := newDeferIO(t)
	b := openOn(t, s, el)

	a.in = []byte("PING\r\n")
	s.OnTraffic(a)
	if got := string(a.out); got != "+PONG\r\n" || len(el.queued) != 0 {
		t.Fatalf("one command: wrote %q with %d flushes queued, want +PONG and none", got, len(el.queued))
	}
	// Once a pipelined batch has queued the round's flush, a single
	// command joins it.
	b.in = []byte("PING\r\nPING\r\n")
	s.OnTraffic(b)
	a.out = nil
	a.in = []byte("PING\r\n")
	s.OnTraffic(a)
	if len(a.out) != 0 {
		t.Fatalf("written before the queued flush: %q", a.out)
	}
	el.endRound(t)
	if string(a.out) != "+PONG\r\n" || string(b.out) != "+PONG\r\n+PONG\r\n" {
		t.Fatalf("after the round: a %q, b %q", a.out, b.out)
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
	el.endRound(t)
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
	el.endRound(t) // the flush finds nothing left to write
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
