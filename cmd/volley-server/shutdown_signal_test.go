package main

import (
	"strings"
	"syscall"
	"testing"
	"time"
)

// A signal only schedules the shutdown; the cron serves it, so with the
// cron paused SHUTDOWN ABORT cancels it and the server stays up.
func TestSignalShutdownAbort(t *testing.T) {
	s := startServer(t, "--enable-debug-command", "yes")
	rc := dialRaw(t, s)
	rc.Expect("-ERR No shutdown in progress.\r\n", "shutdown", "abort")
	rc.Expect("+OK\r\n", "debug", "pause-cron", "1")
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitLog(t, s, "Received SIGTERM scheduling shutdown...")
	rc.Expect("+OK\r\n", "shutdown", "abort")
	waitLog(t, s, "Shutdown manually aborted.")
	rc.Expect("+OK\r\n", "debug", "pause-cron", "0")
	time.Sleep(250 * time.Millisecond) // two cron steps at hz 10
	rc.Expect("+PONG\r\n", "ping")
	rc.Expect("-ERR No shutdown in progress.\r\n", "shutdown", "abort")
}

// A second SIGINT while the first waits exits at once, with status 1.
func TestSignalShutdownInsist(t *testing.T) {
	s := startServer(t, "--enable-debug-command", "yes")
	rc := dialRaw(t, s)
	rc.Expect("+OK\r\n", "debug", "pause-cron", "1")
	if err := s.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	waitLog(t, s, "Received SIGINT scheduling shutdown...")
	if err := s.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		t.Fatal("server did not exit on the second SIGINT")
	}
	if code := exitCode(s.err); code != 1 || !strings.Contains(s.Log(), "You insist... exiting now.") {
		t.Fatalf("exit %d:\n%s", code, s.Log())
	}
}

// A client that connects after SHUTDOWN closed the others is refused,
// not accepted and then reset: the listeners stop before the loops close
// their connections.
func TestShutdownRefusesNewClients(t *testing.T) {
	s := startServer(t)
	c := dialRaw(t, s)
	idle := dialRaw(t, s)
	c.Send(multibulk("SHUTDOWN", "NOSAVE"))
	idle.ExpectClosed()
	expectRefused(t, s)
	s.WaitExit("SHUTDOWN NOSAVE")
}
