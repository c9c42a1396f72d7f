package main

import (
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// failoverPair is a Volley primary and a Volley replica of it, linked and
// in step, with a raw connection to each.
type failoverPair struct {
	t                *testing.T
	primary, replica *testServer
	p, r             *rawConn
}

func newFailoverPair(t *testing.T) *failoverPair {
	primary := startServer(t, "--save", "", "--repl-diskless-sync-delay", "0", "--enable-debug-command", "yes")
	replica := startServer(t, "--save", "", "--enable-debug-command", "yes", "--replicaof", "127.0.0.1", strconv.Itoa(primary.Port))
	fp := &failoverPair{t: t, primary: primary, replica: replica, p: dialRaw(t, primary), r: dialRaw(t, replica)}
	waitUntil(t, "the link", func() bool { return replInfo(fp.r, "master_link_status") == "up" })
	fp.p.Expect("+OK\r\n", "set", "before", "1")
	fp.p.Expect(":3\r\n", "rpush", "list", "a", "b", "c")
	fp.inStep()
	return fp
}

// inStep waits until the replica has applied and acknowledged the whole
// stream.
func (fp *failoverPair) inStep() {
	fp.t.Helper()
	waitUntil(fp.t, "the replica in step", func() bool {
		off := replInfo(fp.p, "master_repl_offset")
		return replInfo(fp.r, "slave_repl_offset") == off && strings.Contains(replInfo(fp.p, "slave0"), ",offset="+off+",")
	})
}

// stopReplica stops the replica's process, so it acknowledges nothing,
// until the returned function resumes it (also at the end of the test).
func (fp *failoverPair) stopReplica() (resume func()) {
	fp.t.Helper()
	signal := func(sig syscall.Signal) {
		if err := syscall.Kill(fp.replica.cmd.Process.Pid, sig); err != nil {
			fp.t.Fatal(err)
		}
	}
	signal(syscall.SIGSTOP)
	resumed := false
	resume = func() {
		if !resumed {
			resumed = true
			signal(syscall.SIGCONT)
		}
	}
	fp.t.Cleanup(resume)
	return resume
}

func (fp *failoverPair) replicaPort() string { return strconv.Itoa(fp.replica.Port) }

// waitFailoverState waits for a server's master_failover_state.
func waitFailoverState(t *testing.T, c *rawConn, want string) {
	t.Helper()
	waitUntil(t, "master_failover_state "+want, func() bool { return replInfo(c, "master_failover_state") == want })
}

func clientsInfo(c *rawConn) string { return c.Do("info", "clients") }

// A FAILOVER between two Volley servers: the primary holds writes back
// while its replica catches up, then hands the role over; the roles are
// swapped with the data intact, the former primary continues from the
// new one with a partial resynchronization, and the write held back
// during the handover meets a replica, as in Valkey.
func TestFailoverSwapsRoles(t *testing.T) {
	fp := newFailoverPair(t)
	resume := fp.stopReplica()
	fp.p.Expect("+OK\r\n", "set", "during", "1") // the replica is behind now
	fp.p.Expect("+OK\r\n", "failover")
	if got := replInfo(fp.p, "master_failover_state"); got != "waiting-for-sync" {
		t.Fatalf("master_failover_state %s", got)
	}
	if info := clientsInfo(fp.p); !strings.Contains(info, "\r\npaused_reason:failover_in_progress\r\npaused_actions:write\r\n") {
		t.Fatalf("writes not paused:\n%s", info)
	}
	w := dialRaw(t, fp.primary)
	w.Send(multibulk("set", "held", "1"))
	waitUntil(t, "the write held back", func() bool { return strings.Contains(clientsInfo(fp.p), "\r\nblocked_clients:1\r\n") })
	fp.p.Expect("$1\r\n1\r\n", "get", "during") // reads go on
	fp.p.Expect("-ERR FAILOVER already in progress.\r\n", "failover")
	fp.p.Expect("-ERR REPLICAOF not allowed while failing over.\r\n", "replicaof", "no", "one")

	resume()
	waitFailoverState(t, fp.p, "no-failover")
	w.ExpectReplies("the write held back", "-READONLY You can't write against a read only replica.\r\n")
	if got := replInfo(fp.p, "role"); got != "slave" {
		t.Fatalf("former primary's role %s", got)
	}
	if got := replInfo(fp.r, "role"); got != "master" {
		t.Fatalf("former replica's role %s", got)
	}
	waitUntil(t, "the link to the new primary", func() bool { return replInfo(fp.p, "master_link_status") == "up" })
	if got := replInfo(fp.p, "master_port"); got != fp.replicaPort() {
		t.Fatalf("master_port %s, want %s", got, fp.replicaPort())
	}
	waitLog(t, fp.primary, "Failover target 127.0.0.1:"+fp.replicaPort()+" is synced, failing over.")
	waitLog(t, fp.replica, "PRIMARY MODE enabled (failover request from ")
	waitLog(t, fp.replica, "Partial resynchronization request from 127.0.0.1:"+strconv.Itoa(fp.primary.Port)+" accepted.")
	if got := fp.r.Do("info", "stats"); !strings.Contains(got, "\r\nsync_full:0\r\nsync_partial_ok:1\r\n") {
		t.Fatalf("the former primary did not continue partially:\n%s", got)
	}
	fp.r.Expect("$1\r\n1\r\n", "get", "during")
	fp.r.Expect("$-1\r\n", "get", "held")
	fp.r.Expect("+OK\r\n", "set", "after", "1")
	waitUntil(t, "the new primary's write", func() bool { return fp.p.Do("get", "after") == "$1\r\n1\r\n" })
	if a, b := fp.p.Do("debug", "digest"), fp.r.Do("debug", "digest"); a != b {
		t.Fatalf("digests differ: %q and %q", a, b)
	}
}

// FAILOVER TO a replica: FORCE needs a TIMEOUT, the target must be a
// replica; with TIMEOUT and FORCE the primary hands over once the time is
// up even though the target never caught up.
func TestFailoverToWithForce(t *testing.T) {
	fp := newFailoverPair(t)
	fp.p.Expect("-ERR FAILOVER with force option requires both a timeout and target HOST and IP.\r\n", "failover", "to", "127.0.0.1", fp.replicaPort(), "force")
	fp.p.Expect("-ERR FAILOVER target HOST and PORT is not a replica.\r\n", "failover", "to", "127.0.0.1", "1")
	fp.r.Expect("-ERR FAILOVER is not valid when server is a replica.\r\n", "failover")

	resume := fp.stopReplica()
	fp.p.Expect("+OK\r\n", "set", "lost", "1")
	fp.p.Expect("+OK\r\n", "failover", "to", "127.0.0.1", fp.replicaPort(), "timeout", "100", "force")
	waitFailoverState(t, fp.p, "failover-in-progress")
	if got := replInfo(fp.p, "role"); got != "slave" {
		t.Fatalf("role %s while the failover is in progress", got)
	}
	waitLog(t, fp.primary, "FAILOVER to 127.0.0.1:"+fp.replicaPort()+" time out exceeded, failing over.")
	resume()
	waitFailoverState(t, fp.p, "no-failover")
	if got := replInfo(fp.r, "role"); got != "master" {
		t.Fatalf("the target's role %s", got)
	}
	waitUntil(t, "the former primary in step", func() bool {
		return replInfo(fp.p, "master_link_status") == "up" && fp.p.Do("debug", "digest") == fp.r.Do("debug", "digest")
	})
}

// TIMEOUT without FORCE: the replica never catches up, the failover is
// aborted and the server stays a primary, its writes going on.
func TestFailoverTimeoutAborts(t *testing.T) {
	fp := newFailoverPair(t)
	resume := fp.stopReplica()
	fp.p.Expect("+OK\r\n", "set", "k", "1")
	fp.p.Expect("+OK\r\n", "failover", "to", "127.0.0.1", fp.replicaPort(), "timeout", "200")
	w := dialRaw(t, fp.primary)
	w.Send(multibulk("set", "held", "1"))
	waitFailoverState(t, fp.p, "no-failover")
	w.ExpectReplies("the write held back", "+OK\r\n")
	if got := replInfo(fp.p, "role"); got != "master" {
		t.Fatalf("role %s after the timeout", got)
	}
	waitLog(t, fp.primary, "FAILOVER to 127.0.0.1:"+fp.replicaPort()+" aborted: Replica never caught up before timeout")
	resume()
	fp.inStep()
	fp.r.Expect("$1\r\n1\r\n", "get", "held")
}

// FAILOVER ABORT while waiting; and a target that refuses the PSYNC
// FAILOVER (here by ACL) aborts the failover after the primary had turned
// replica: a primary again, its blocked client still waiting and served
// by the write held back.
func TestFailoverAbortAndRefusal(t *testing.T) {
	fp := newFailoverPair(t)
	fp.p.Expect("-ERR No failover in progress.\r\n", "failover", "abort")
	resume := fp.stopReplica()
	fp.p.Expect("+OK\r\n", "set", "k", "1")
	fp.p.Expect("+OK\r\n", "failover", "to", "127.0.0.1", fp.replicaPort(), "timeout", "60000")
	fp.p.Expect("+OK\r\n", "failover", "abort")
	if got := replInfo(fp.p, "master_failover_state"); got != "no-failover" {
		t.Fatalf("master_failover_state %s after ABORT", got)
	}
	waitLog(t, fp.primary, "aborted: Failover manually aborted")
	fp.p.Expect("+OK\r\n", "set", "k", "2")
	resume()
	fp.inStep()

	fp.r.Expect("+OK\r\n", "acl", "setuser", "default", "-psync")
	b := dialRaw(t, fp.primary)
	b.Send(multibulk("brpop", "q", "0"))
	waitUntil(t, "the blocked client", func() bool { return strings.Contains(clientsInfo(fp.p), "\r\nblocked_clients:1\r\n") })
	resume = fp.stopReplica()
	fp.p.Expect("+OK\r\n", "set", "k", "3")
	fp.p.Expect("+OK\r\n", "failover")
	w := dialRaw(t, fp.primary)
	w.Send(multibulk("lpush", "q", "x"))
	waitUntil(t, "the write held back", func() bool { return strings.Contains(clientsInfo(fp.p), "\r\nblocked_clients:2\r\n") })
	resume()
	waitLog(t, fp.primary, "aborted: Failover target rejected psync request")
	waitFailoverState(t, fp.p, "no-failover")
	if got := replInfo(fp.p, "role"); got != "master" {
		t.Fatalf("role %s after the refusal", got)
	}
	w.ExpectReplies("the write held back", ":1\r\n")
	b.ExpectReplies("the blocked client", "*2\r\n$1\r\nq\r\n$1\r\nx\r\n")
	fp.r.Expect("+OK\r\n", "acl", "setuser", "default", "+psync")
	fp.inStep()
}
