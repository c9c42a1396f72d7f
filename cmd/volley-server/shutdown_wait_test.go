package main

import (
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// A primary's SHUTDOWN waits for its replicas to have everything: with
// the replica stopped, the SHUTDOWN blocks and writes are paused, and a
// second SHUTDOWN blocks beside it; SHUTDOWN ABORT cancels the wait (both
// get the error); a further SHUTDOWN goes through once the resumed
// replica has caught up, and the replica holds the last write.
func TestShutdownWaitsForReplicas(t *testing.T) {
	primary := startServer(t, "--save", "", "--repl-diskless-sync-delay", "0", "--shutdown-timeout", "60")
	replica := startServer(t, "--save", "", "--replicaof", "127.0.0.1", strconv.Itoa(primary.Port))
	p, r := dialRaw(t, primary), dialRaw(t, replica)
	waitUntil(t, "the link", func() bool { return replInfo(r, "master_link_status") == "up" })
	p.Expect("+OK\r\n", "set", "k", "1")
	waitUntil(t, "the first write", func() bool { return r.Do("get", "k") == "$1\r\n1\r\n" })

	stop := func(sig syscall.Signal) {
		if err := syscall.Kill(replica.cmd.Process.Pid, sig); err != nil {
			t.Fatal(err)
		}
	}
	stop(syscall.SIGSTOP)
	defer stop(syscall.SIGCONT)
	p.Expect("+OK\r\n", "set", "k", "2")

	waiter, second := dialRaw(t, primary), dialRaw(t, primary)
	waiter.Send(multibulk("shutdown"))
	waitLog(t, primary, "Waiting for replicas before shutting down.")
	if r := p.Do("info", "clients"); !strings.Contains(r, "\r\npaused_reason:shutdown_in_progress\r\n") {
		t.Fatalf("writes not paused:\n%s", r)
	}
	if ms := shutdownInMs(t, p); ms <= 0 || ms > 60000 {
		t.Fatalf("shutdown_in_milliseconds:%d during a wait of at most 60 s", ms)
	}
	second.Send(multibulk("shutdown"))
	waitUntil(t, "both SHUTDOWNs blocked", func() bool {
		return strings.Contains(p.Do("info", "clients"), "\r\nblocked_clients:2\r\n")
	})
	p.Expect("+OK\r\n", "shutdown", "abort")
	waiter.ExpectReplies("the waiting SHUTDOWN", "-ERR Errors trying to SHUTDOWN. Check logs.\r\n")
	second.ExpectReplies("the second waiting SHUTDOWN", "-ERR Errors trying to SHUTDOWN. Check logs.\r\n")
	p.Expect("+OK\r\n", "set", "k", "3")
	if ms := shutdownInMs(t, p); ms != -1 {
		t.Fatalf("shutdown_in_milliseconds:%d after the wait was aborted", ms)
	}

	waiter.Send(multibulk("shutdown", "nosave"))
	waitUntil(t, "the second wait", func() bool {
		return strings.Count(primary.Log(), "Waiting for replicas before shutting down.") == 2
	})
	stop(syscall.SIGCONT)
	<-primary.done
	if strings.Contains(primary.Log(), "Lagging replica") || !strings.Contains(primary.Log(), "1 of 1 replicas are in sync when shutting down.") {
		t.Fatalf("the primary gave up on its replica:\n%s", primary.Log())
	}
	r.Expect("$1\r\n3\r\n", "get", "k")
}

// shutdownInMs is INFO server's shutdown_in_milliseconds, -1 when the
// field is absent (no shutdown waits).
func shutdownInMs(t *testing.T, c *rawConn) int64 {
	t.Helper()
	_, v, ok := strings.Cut(c.Do("info", "server"), "\r\nshutdown_in_milliseconds:")
	if !ok {
		return -1
	}
	v, _, _ = strings.Cut(v, "\r\n")
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		t.Fatalf("shutdown_in_milliseconds:%s", v)
	}
	return n
}
