package engine

import (
	"bytes"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const shutdownErr = "-ERR Errors trying to SHUTDOWN. Check logs.\r\n"

// lagBeforeShutdown is a primary with shutdown-timeout 10 whose one
// replica has not acknowledged the last write, so a SHUTDOWN waits; it
// returns a client for other commands and the replica.
func lagBeforeShutdown(t *testing.T) (*testEnv, *FakeClock, *Client, *fakeReplica) {
	e, clk := fakeClockEnv(t)
	e.srv.Cfg.ShutdownTimeout = 10
	e.srv.Shutdown = func(ShutdownFlags) error {
		t.Error("the server exited")
		return nil
	}
	f := e.onlineReplica()
	w := e.newClient()
	e.do(w, "set", "k", "v")
	f.out()
	return e, clk, w, f
}

// shutdownBlocks sends SHUTDOWN args for c, which must block.
func (e *testEnv) shutdownBlocks(c *Client, args ...string) {
	e.t.Helper()
	if r := e.do(c, append([]string{"shutdown"}, args...)...); r != "" || c.blocked == nil {
		e.t.Fatalf("SHUTDOWN %q replied %q, blocked %v", args, r, c.blocked != nil)
	}
}

// blockedClients is INFO's blocked_clients line.
func (e *testEnv) blockedClients(c *Client) string {
	e.t.Helper()
	info := e.do(c, "info", "clients")
	i := strings.Index(info, "blocked_clients:")
	if i < 0 {
		e.t.Fatalf("no blocked_clients in\n%s", info)
	}
	return info[i : i+strings.Index(info[i:], "\r\n")]
}

// A SHUTDOWN waiting for the replicas is its own kind of wait, as
// Valkey's BLOCKED_SHUTDOWN: CLIENT UNBLOCK refuses it (:0, with or
// without ERROR) and it stays blocked, and it is not among the WAIT
// clients the replicas' ACKs are counted for.
func TestShutdownWaitIgnoresClientUnblock(t *testing.T) {
	e, _, w, f := lagBeforeShutdown(t)
	a := e.newClient()
	e.shutdownBlocks(a)
	id := strconv.FormatInt(a.ID, 10)
	e.expectAll(w,
		rc("client unblock "+id, ":0\r\n"),
		rc("client unblock "+id+" error", ":0\r\n"),
	)
	if a.blocked == nil || a.Out.Len() != 0 {
		t.Fatalf("CLIENT UNBLOCK released the SHUTDOWN: blocked %v, output %q", a.blocked != nil, a.Out.Bytes())
	}
	if n := len(e.srv.repl.prim.waiting); n != 0 {
		t.Fatalf("%d WAIT clients while a SHUTDOWN waits", n)
	}
	if !e.srv.shutdownWait.active {
		t.Fatal("the wait ended")
	}
	// An ACK short of the offset leaves it waiting.
	e.expectAll(f.c, rc("replconf ack 1", ""))
	if a.blocked == nil || a.Out.Len() != 0 {
		t.Fatalf("an ACK released the SHUTDOWN: output %q", a.Out.Bytes())
	}
}

// Every SHUTDOWN sent during the wait blocks beside the first, as
// Valkey's tests/integration/shutdown.tcl expects (blocked_clients:2);
// SHUTDOWN ABORT answers them all with the error.
func TestShutdownWaitBlocksEveryCallerAbort(t *testing.T) {
	e, _, w, _ := lagBeforeShutdown(t)
	a, b := e.newClient(), e.newClient()
	e.shutdownBlocks(a)
	e.shutdownBlocks(b, "nosave")
	if got := e.blockedClients(w); got != "blocked_clients:2" {
		t.Fatalf("%s, want blocked_clients:2", got)
	}
	if e.srv.shutdownWait.flags != 0 {
		t.Fatalf("the second SHUTDOWN changed the flags to %v", e.srv.shutdownWait.flags)
	}
	e.expectAll(w, rc("shutdown abort", "+OK\r\n"))
	for _, c := range []*Client{a, b} {
		if got := string(c.Out.Bytes()); got != shutdownErr || c.blocked != nil {
			t.Errorf("client %d: %q, blocked %v", c.ID, got, c.blocked != nil)
		}
	}
	if got := e.blockedClients(w); got != "blocked_clients:0" {
		t.Fatalf("%s after the abort", got)
	}
	e.expectAll(w, rc("shutdown abort", "-ERR No shutdown in progress.\r\n"))
}

// A shutdown that fails once the wait is over (its final save cannot be
// written) answers every SHUTDOWN that waited with the error.
func TestShutdownWaitFailsEveryCaller(t *testing.T) {
	e, clk, w, _ := lagBeforeShutdown(t)
	e.srv.Cfg.Dir = filepath.Join(t.TempDir(), "missing")
	var log bytes.Buffer
	e.srv.Log = NewLogger(&log, LogNotice)
	a, b := e.newClient(), e.newClient()
	e.shutdownBlocks(a, "save")
	e.shutdownBlocks(b)
	clk.Ms += 11_000
	e.srv.Cron()
	for _, c := range []*Client{a, b} {
		if got := string(c.Out.Bytes()); got != shutdownErr || c.blocked != nil {
			t.Errorf("client %d: %q, blocked %v", c.ID, got, c.blocked != nil)
		}
	}
	if e.srv.shutdownWait.active {
		t.Fatal("still waiting")
	}
	if got := e.blockedClients(w); got != "blocked_clients:0" {
		t.Fatalf("%s after the failure", got)
	}
	if !strings.Contains(log.String(), "Error trying to save the DB, can't exit.\n") ||
		!strings.HasSuffix(log.String(), "# Errors trying to shut down the server. Check the logs for more information.\n") {
		t.Fatalf("log after the failure:\n%s", log.String())
	}
}
