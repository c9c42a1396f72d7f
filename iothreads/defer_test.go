package iothreads

import (
	"context"
	"fmt"
	"strconv"
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

func TestPipelinedRepliesWaitForTheEndOfTheRound(t *testing.T) {
	s, _ := newTestIO(t)
	el := &fakeLoop{}
	var cs []*fakeConn
	for range deferMinRound {
		cs = append(cs, openOn(t, s, el))
	}

	for round := 1; round <= 2; round++ {
		for _, c := range cs {
			c.out = nil
			c.in = []byte("INCR k\r\nGET k\r\n")
			s.OnTraffic(c)
			if len(c.out) != 0 {
				t.Fatalf("round %d: replies written before the round ended: %q", round, c.out)
			}
		}
		if len(el.queued) != 1 {
			t.Fatalf("round %d: %d flushes queued, want 1", round, len(el.queued))
		}
		el.endRound(t)
		for i, c := range cs {
			n := (round-1)*len(cs) + i + 1
			want := fmt.Sprintf(":%d\r\n$%d\r\n%d\r\n", n, len(strconv.Itoa(n)), n)
			if got := string(c.out); got != want {
				t.Fatalf("round %d, connection %d: got %q, want %q", round, i, got, want)
			}
		}
	}
}

func TestSmallRoundsAreWrittenAtOnce(t *testing.T) {
	s, _ := newTestIO(t)
	el := &fakeLoop{}
	a := openOn(t, s, el)

	// A round of one connection is deferred (the loop starts out
	// deferring), and found too small to repay its flush.
	a.in = []byte("PING\r\nPING\r\n")
	s.OnTraffic(a)
	el.endRound(t)
	if got := string(a.out); got != "+PONG\r\n+PONG\r\n" {
		t.Fatalf("first round: %q", got)
	}
	// Then pipelined batches are written at once, and one in every
	// deferProbeEvery samples its round again.
	for i := 1; i < deferProbeEvery; i++ {
		a.out = nil
		a.in = []byte("PING\r\nPING\r\n")
		s.OnTraffic(a)
		if got := string(a.out); got != "+PONG\r\n+PONG\r\n" || len(el.queued) != 0 {
			t.Fatalf("batch %d: wrote %q with %d flushes queued, want both replies and none", i, got, len(el.queued))
		}
	}
	a.out = nil
	a.in = []byte("PING\r\nPING\r\n")
	s.OnTraffic(a)
	if len(a.out) != 0 || len(el.queued) != 1 {
		t.Fatalf("sampling batch: wrote %q with %d flushes queued, want nothing and one", a.out, len(el.queued))
	}
	// A large sampled round turns deferring back on.
	var cs []*fakeConn
	for range deferMinRound - 1 {
		c := openOn(t, s, el)
		c.in = []byte("PING\r\nPING\r\n")
		s.OnTraffic(c)
		cs = append(cs, c)
	}
	el.endRound(t)
	a.out = nil
	a.in = []byte("PING\r\nPING\r\n")
	s.OnTraffic(a)
	if len(a.out) != 0 || len(el.queued) != 1 {
		t.Fatalf("after a large round: wrote %q with %d flushes queued, want nothing and one", a.out, len(el.queued))
	}
	el.endRound(t)
	if got := string(a.out); got != "+PONG\r\n+PONG\r\n" {
		t.Fatalf("after a large round: %q", got)
	}
}

func TestSingleCommandIsWrittenAtOnce(t *testing.T) {
	s, _ := newTestIO(t)
	el := &fakeLoop{}
	a, b := openOn(t, s, el), openOn(t, s, el)

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
	s, _ := newTestIO(t)
	el := &fakeLoop{}
	a := openOn(t, s, el)

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
	s, _ := newTestIO(t)
	el := &fakeLoop{}
	a := openOn(t, s, el)

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
	s, _ := newTestIO(t)
	el := &fakeLoop{}
	a := openOn(t, s, el)

	a.in = []byte("PING\r\nQUIT\r\n")
	if action := s.OnTraffic(a); action != gnet.Close {
		t.Fatalf("action %v, want Close", action)
	}
	if got, want := string(a.out), "+PONG\r\n+OK\r\n"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}
