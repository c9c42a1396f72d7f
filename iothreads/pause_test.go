package iothreads

import (
	"testing"

	"github.com/panjf2000/gnet/v2"

	"github.com/volleydb/volley/engine"
)

// traffic feeds in to the connection and returns what it wrote.
func traffic(t *testing.T, s *Server, fc *fakeConn, in string) (string, gnet.Action) {
	t.Helper()
	fc.in = []byte(in)
	fc.out = fc.out[:0]
	action := s.OnTraffic(fc)
	return string(fc.out), action
}

func unpause(s *Server) {
	s.co.Do(func(srv *engine.Server) { srv.UnpauseActions(engine.PauseByClient) })
}

// A paused command and everything after it wait in the connection, input
// that arrives meanwhile included, and run in order once woken.
func TestPausedBatchIsHeldAndResumed(t *testing.T) {
	s, admin := newTestIO(t)
	fc := &fakeConn{record: true}
	if _, action := s.OnOpen(fc); action != gnet.None {
		t.Fatal("second connection refused")
	}
	if out, _ := traffic(t, s, admin, "CLIENT PAUSE 100000 ALL\r\n"); out != "+OK\r\n" {
		t.Fatalf("PAUSE: %q", out)
	}
	// Inline quoted arguments are unescaped in place by the parser: the
	// held copy must keep the unescaped bytes.
	out, _ := traffic(t, s, fc, "PING\r\nECHO \"x\\x41y\"\r\n*2\r\n$4\r\nEC")
	if out != "" {
		t.Fatalf("replied while paused: %q", out)
	}
	if out, _ = traffic(t, s, fc, "HO\r\n$1\r\nz\r\n"); out != "" {
		t.Fatalf("replied to new input while paused: %q", out)
	}
	unpause(s)
	if fc.wakes != 1 {
		t.Fatalf("wakes = %d, want 1", fc.wakes)
	}
	out, action := traffic(t, s, fc, "")
	if want := "+PONG\r\n$3\r\nxAy\r\n$1\r\nz\r\n"; out != want || action != gnet.None {
		t.Fatalf("after the pause: %q (%v), want %q", out, action, want)
	}
}

// A pause that starts inside a batch holds the rest of that batch.
func TestPauseInsideBatch(t *testing.T) {
	s, fc := newTestIO(t)
	out, _ := traffic(t, s, fc, "PING\r\nCLIENT PAUSE 100000 ALL\r\nECHO a\r\nECHO b\r\n")
	if out != "+PONG\r\n+OK\r\n" {
		t.Fatalf("first batch: %q", out)
	}
	unpause(s)
	if out, _ = traffic(t, s, fc, ""); out != "$1\r\na\r\n$1\r\nb\r\n" {
		t.Fatalf("resumed: %q", out)
	}
	// Woken while a pause is still on (a spurious wake): nothing runs.
	traffic(t, s, fc, "CLIENT PAUSE 100000 ALL\r\nECHO c\r\n")
	if out, _ = traffic(t, s, fc, ""); out != "" {
		t.Fatalf("ran while paused: %q", out)
	}
	unpause(s)
	if out, _ = traffic(t, s, fc, ""); out != "$1\r\nc\r\n" {
		t.Fatalf("resumed again: %q", out)
	}
}

// A protocol error after a held command is reported after it runs.
func TestPauseDefersProtocolError(t *testing.T) {
	s, fc := newTestIO(t)
	out, action := traffic(t, s, fc, "CLIENT PAUSE 100000 ALL\r\nPING\r\n*1\r\n$x\r\n")
	if out != "+OK\r\n" || action != gnet.None {
		t.Fatalf("first batch: %q (%v)", out, action)
	}
	unpause(s)
	out, action = traffic(t, s, fc, "")
	if out != "+PONG\r\n-ERR Protocol error: invalid bulk length\r\n" || action != gnet.Close {
		t.Fatalf("resumed: %q (%v)", out, action)
	}
}

// A bulk argument longer than a record can hold is refused even when
// proto-max-bulk-len allows it; a lower limit set by CONFIG SET applies
// from the next read.
func TestBulkLengthLimits(t *testing.T) {
	s, fc := newTestIO(t, "--proto-max-bulk-len", "8gb")
	out, action := traffic(t, s, fc, "*2\r\n$3\r\nGET\r\n$4294967296\r\n")
	if out != "-ERR Protocol error: invalid bulk length\r\n" || action != gnet.Close {
		t.Fatalf("5 GiB argument: %q (%v)", out, action)
	}
	s, fc = newTestIO(t)
	if out, _ = traffic(t, s, fc, "CONFIG SET proto-max-bulk-len 1mb\r\n"); out != "+OK\r\n" {
		t.Fatalf("CONFIG SET: %q", out)
	}
	out, action = traffic(t, s, fc, "*2\r\n$3\r\nGET\r\n$1048577\r\n")
	if out != "-ERR Protocol error: invalid bulk length\r\n" || action != gnet.Close {
		t.Fatalf("argument over the new limit: %q (%v)", out, action)
	}
}
