package engine

import (
	"strconv"
	"strings"
	"testing"
)

const (
	errFailoverForce      = "-ERR FAILOVER with force option requires both a timeout and target HOST and IP.\r\n"
	errFailoverNoReplicas = "-ERR FAILOVER requires connected replicas.\r\n"
	errFailoverNotReplica = "-ERR FAILOVER target HOST and PORT is not a replica.\r\n"
	errFailoverNotOnline  = "-ERR FAILOVER target replica is not online.\r\n"
	errReplicaofFailover  = "-ERR REPLICAOF not allowed while failing over.\r\n"
	errSyncFailingOver    = "-NOMASTERLINK Can't SYNC while failing over\r\n"
)

// failoverReplica is an online replica announcing listening port port.
func (e *testEnv) failoverReplica(port int) *fakeReplica {
	e.t.Helper()
	f := e.onlineReplica()
	e.expectAll(f.c, rc("replconf listening-port "+strconv.Itoa(port), "+OK\r\n"))
	f.out()
	return f
}

// infoHas fails unless INFO section, asked by c, holds every field:value
// of want.
func (e *testEnv) infoHas(c *Client, section string, want ...string) {
	e.t.Helper()
	info := infoText(e.t, e, c, section)
	_, fields := infoFields(e.t, info)
	for _, w := range want {
		name, value, _ := strings.Cut(w, ":")
		if got, ok := fields[name]; !ok || got != value {
			e.t.Fatalf("INFO %s lacks %q:\n%s", section, w, info)
		}
	}
}

// ack has replica f acknowledge the stream up to off, and lets the
// engine go, as the coordinator does after a batch.
func (e *testEnv) ack(f *fakeReplica, off int64) {
	e.t.Helper()
	e.expectAll(f.c, rc("replconf ack "+strconv.FormatInt(off, 10), ""))
	e.srv.BeforeSleep()
}

// Every refusal of FAILOVER, in Valkey 9.0.4's words and order: the
// arguments first, then the server's state, then the target.
func TestFailoverRefusals(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	e.expectAll(c,
		rc("failover", errFailoverNoReplicas),
		rc("failover abort", "-ERR No failover in progress.\r\n"),
		rc("failover abort now", errReply(ErrSyntax)),
		rc("failover timeout 0", "-ERR FAILOVER timeout must be greater than 0\r\n"),
		rc("failover timeout -1", "-ERR FAILOVER timeout must be greater than 0\r\n"),
		rc("failover timeout 99999999999999999999", errReply(ErrNotInteger)),
		rc("failover timeout x", errReply(ErrNotInteger)),
		rc("failover to h x", errReply(ErrNotInteger)),
		rc("failover to h", errReply(ErrSyntax)),
		rc("failover to h 1 to g 2", errReply(ErrSyntax)),
		rc("failover force force", errReply(ErrSyntax)),
		rc("failover timeout 5 timeout 6", errReply(ErrSyntax)),
		rc("failover foo", errReply(ErrSyntax)),
		rc("failover force", errFailoverNoReplicas),
		rc("failover to h 5 force", errFailoverNoReplicas),
	)

	e.failoverReplica(7001)
	e.expectAll(c,
		rc("failover force", errFailoverForce),
		rc("failover to 127.0.0.1 7001 force", errFailoverForce),
		rc("failover timeout 10 force", errFailoverForce),
		rc("failover to 127.0.0.1 1", errFailoverNotReplica),
		rc("failover to 127.0.0.2 7001", errFailoverNotReplica),
		rc("failover to localhost 7001", errFailoverNotReplica),
	)
	// A replica still waiting for its snapshot is found, by the address
	// it announced (matched regardless of case), but is not online.
	e.srv.Cfg.ReplDisklessSyncDelay = 5
	w := e.fakeReplica()
	e.expectAll(w.c, rc("replconf listening-port 7002 ip-address Replica-B capa eof", "+OK\r\n"), rc("psync ? -1", ""))
	e.expectAll(c,
		rc("failover to replica-b 7002", errFailoverNotOnline),
		rc("failover to 127.0.0.1 7002", errFailoverNotReplica),
	)

	e.srv.Cfg.ReplicaOfHost = "127.0.0.1"
	e.expectAll(c,
		rc("failover", "-ERR FAILOVER is not valid when server is a replica.\r\n"),
		rc("failover abort", "-ERR No failover in progress.\r\n"),
	)
	e.srv.Cfg.ReplicaOfHost = ""
	e.srv.Cfg.ClusterEnabled = true
	e.expectAll(c,
		rc("failover", "-ERR FAILOVER not allowed in cluster mode. Use CLUSTER FAILOVER command instead.\r\n"),
		rc("failover abort", "-ERR FAILOVER not allowed in cluster mode. Use CLUSTER FAILOVER command instead.\r\n"),
	)
}

// The wait for the sync: writes are held back (reads are not), REPLICAOF
// and other replicas' SYNC are refused; the target's ACK of anything
// less than the whole stream changes nothing, its ACK of the whole
// stream makes the primary its replica, with clients blocked on keys
// left blocked. FAILOVER ABORT then makes it a primary again and ends
// the pause.
func TestFailoverWaitsForSync(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	f := e.failoverReplica(7001)
	e.expectAll(c, rc("set k v", "+OK\r\n"))
	off := e.srv.repl.offset
	b := e.newClient()
	if got := e.do(b, "blpop", "q", "0"); got != "" {
		t.Fatalf("BLPOP: %q", got)
	}

	e.expectAll(c,
		rc("failover to 127.0.0.1 7001", "+OK\r\n"),
		rc("failover", "-ERR FAILOVER already in progress.\r\n"),
		rc("failover to 127.0.0.1 7001", "-ERR FAILOVER already in progress.\r\n"),
		rc("replicaof no one", errReplicaofFailover),
		rc("replicaof 127.0.0.1 7001", errReplicaofFailover),
		rc("get k", "$1\r\nv\r\n"),
	)
	e.infoHas(c, "replication", "role:master", "master_failover_state:waiting-for-sync")
	e.infoHas(c, "clients", "paused_reason:failover_in_progress", "paused_actions:write")
	w := e.newClient()
	if !e.srv.Paused(w, [][]byte{[]byte("set"), []byte("k"), []byte("w")}) {
		t.Fatal("a write is not held back")
	}
	if e.srv.Paused(e.newClient(), [][]byte{[]byte("get"), []byte("k")}) {
		t.Fatal("a read is held back")
	}
	d := e.fakeReplica()
	e.expectAll(d.c, rc("psync ? -1", errSyncFailingOver), rc("sync", errSyncFailingOver))

	e.ack(f, off-1)
	e.infoHas(c, "replication", "role:master", "master_failover_state:waiting-for-sync")
	e.ack(f, off)
	e.infoHas(c, "replication", "role:slave", "master_host:127.0.0.1", "master_port:7001", "master_failover_state:failover-in-progress")
	e.infoHas(c, "clients", "paused_reason:failover_in_progress")
	if b.blocked == nil || b.Out.Len() != 0 {
		t.Fatalf("the blocked client was released: %q", b.Out.Bytes())
	}

	id := e.srv.repl.id
	e.expectAll(c,
		rc("failover abort", "+OK\r\n"),
		rc("failover abort", "-ERR No failover in progress.\r\n"),
	)
	e.infoHas(c, "replication", "role:master", "master_failover_state:no-failover", "master_replid2:"+id)
	e.infoHas(c, "clients", "paused_reason:none", "paused_actions:none")
	if b.blocked == nil {
		t.Fatal("the blocked client was released by the abort")
	}
	if w.postponed || w.link.(*wakeLink).wakes == 0 {
		t.Fatal("the held-back write was not let go")
	}
}

// Without TO the failover goes to the first replica that has the whole
// stream.
func TestFailoverToAnyReplica(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	f1 := e.failoverReplica(7001)
	f2 := e.failoverReplica(7002)
	e.expectAll(c, rc("set k v", "+OK\r\n"), rc("failover", "+OK\r\n"))
	off := e.srv.repl.offset
	e.ack(f1, off-1)
	e.infoHas(c, "replication", "master_failover_state:waiting-for-sync")
	e.ack(f2, off)
	e.infoHas(c, "replication", "role:slave", "master_port:7002", "master_failover_state:failover-in-progress")
	e.expectAll(c, rc("failover abort", "+OK\r\n"))
	e.infoHas(c, "replication", "role:master", "master_failover_state:no-failover")
}

// TIMEOUT without FORCE aborts once the time is up; with FORCE the
// primary turns replica of the target, caught up or not.
func TestFailoverTimeout(t *testing.T) {
	e, clk := fakeClockEnv(t)
	c := e.newClient()
	e.failoverReplica(7001)
	e.expectAll(c, rc("set k v", "+OK\r\n"), rc("failover to 127.0.0.1 7001 timeout 500", "+OK\r\n"))
	clk.Ms += 499
	e.srv.BeforeSleep()
	e.infoHas(c, "replication", "role:master", "master_failover_state:waiting-for-sync")
	clk.Ms++
	e.srv.BeforeSleep()
	e.infoHas(c, "replication", "role:master", "master_failover_state:no-failover")
	e.infoHas(c, "clients", "paused_reason:none")

	e.expectAll(c, rc("failover timeout 500 to 127.0.0.1 7001 force", "+OK\r\n"))
	clk.Ms += 500
	e.srv.BeforeSleep()
	e.infoHas(c, "replication", "role:slave", "master_port:7001", "master_failover_state:failover-in-progress")
	e.expectAll(c, rc("failover abort", "+OK\r\n"))
	e.infoHas(c, "replication", "role:master", "master_failover_state:no-failover")
}

// While the failover waits the replication cron runs ten times a second,
// and goes on PINGing the replicas every repl-ping-replica-period runs
// unless a TIMEOUT was given, as Valkey's does.
func TestFailoverCronPing(t *testing.T) {
	for _, tc := range []struct {
		args  string
		pings int
	}{
		{"failover", 1},
		{"failover timeout 60000", 0},
	} {
		t.Run(tc.args, func(t *testing.T) {
			e, clk := fakeClockEnv(t)
			c := e.newClient()
			f := e.failoverReplica(7001)
			e.expectAll(c, rc("set k v", "+OK\r\n"), rc(tc.args, "+OK\r\n"))
			f.out()
			e.srv.repl.prim.cronRuns = 1 // past run 0, which never PINGs
			for range 10 {
				clk.Ms += 100
				e.srv.Cron()
			}
			if got := strings.Count(f.out(), "*1\r\n$4\r\nPING\r\n"); got != tc.pings {
				t.Fatalf("%d PINGs in a second, want %d", got, tc.pings)
			}
		})
	}
}

// failingOver makes r's server a primary with one online replica,
// announced at fp's port, whose ACK of the whole stream sends the primary
// to fp with PSYNC FAILOVER, with a client blocked on a key and a write
// held back meanwhile; it returns the link, the blocked client and the
// held-back one.
func (r *replicaEnv) failingOver(fp *fakePrimary) (l *fakeLink, blocked, held *Client) {
	r.t.Helper()
	port, _ := strconv.Atoi(fp.port())
	var f *fakeReplica
	var id string
	var off int64
	r.held(func() {
		f = r.failoverReplica(port)
		r.expectAll(r.c, rc("set k v", "+OK\r\n"), rc("failover", "+OK\r\n"))
		blocked, held = r.newClient(), r.newClient()
		if got := r.do(blocked, "blpop", "q", "0"); got != "" {
			r.t.Fatalf("BLPOP: %q", got)
		}
		if !r.srv.Paused(held, [][]byte{[]byte("set"), []byte("k"), []byte("w")}) {
			r.t.Fatal("a write is not held back")
		}
		id, off = r.srv.repl.id, r.srv.repl.offset
		r.ack(f, off)
	})
	l = fp.accept()
	if got, want := l.handshake(r.srv.Cfg.Port), "PSYNC "+id+" "+strconv.FormatInt(off+1, 10)+" FAILOVER"; got != want {
		r.t.Fatalf("sent %q, want %q", got, want)
	}
	if got := r.info("master_failover_state"); got != "failover-in-progress" {
		r.t.Fatalf("master_failover_state %s", got)
	}
	return l, blocked, held
}

// The reply to PSYNC FAILOVER decides the failover: +CONTINUE or
// +FULLRESYNC complete it (the blocked client is sent away as on any
// change to replica, and the write held back meets a replica), an error
// or no reply at all abort it (a primary again, the blocked client
// still waiting).
func TestFailoverPsyncReply(t *testing.T) {
	for _, tc := range []struct {
		name, reply string
		done        bool
	}{
		{"continue", "+CONTINUE " + primaryID2 + "\r\n", true},
		{"fullresync", "+FULLRESYNC " + primaryID2 + " 0\r\n", true},
		{"refused", "-ERR PSYNC FAILOVER replid must match my replid.\r\n", false},
		{"no reply", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newReplicaEnv(t)
			fp := newFakePrimary(t)
			l, blocked, held := r.failingOver(fp)
			if tc.reply != "" {
				l.send(tc.reply)
			} else {
				l.c.Close()
			}
			r.waitFor("the failover's end", func() bool { return r.srv.repl.failover.state == failoverNone })
			r.held(func() {
				r.infoHas(r.c, "clients", "paused_reason:none")
				if held.postponed || held.link.(*wakeLink).wakes == 0 {
					t.Fatal("the held-back write was not let go")
				}
			})
			if !tc.done {
				if got := r.info("role"); got != "master" {
					t.Fatalf("role %s after the abort", got)
				}
				r.held(func() {
					if blocked.blocked == nil || blocked.Out.Len() != 0 {
						t.Fatalf("the blocked client was released: %q", blocked.Out.Bytes())
					}
				})
				return
			}
			if got := r.info("role"); got != "slave" {
				t.Fatalf("role %s after the failover", got)
			}
			r.held(func() {
				if got := string(blocked.Out.Bytes()); got != "-UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)\r\n" {
					t.Fatalf("the blocked client got %q", got)
				}
				if got := r.do(held, "set", "k", "w"); got != errReply(ErrReadonly) {
					t.Fatalf("the held-back write got %q", got)
				}
			})
		})
	}
}

// A replica asked by its primary to take over with PSYNC FAILOVER and
// its primary's replication ID (in any case) promotes itself, keeping
// that history as its second, and serves the PSYNC: the former primary
// continues from it. Another ID is refused.
func TestPsyncFailoverPromotes(t *testing.T) {
	r, l := newSyncedReplica(t)
	n := r.sendApplied(l, streamCmd("SET", "a", "1"))

	var p *Client
	r.held(func() {
		p = r.newClient()
		r.expectAll(p,
			rc("replconf capa psync2", "+OK\r\n"),
			rc("psync "+primaryID2+" 1 failover", "-ERR PSYNC FAILOVER replid must match my replid.\r\n"),
		)
	})
	if got := r.info("role"); got != "slave" {
		t.Fatalf("role %s after a refused PSYNC FAILOVER", got)
	}
	var reply, newID string
	r.held(func() {
		reply = r.do(p, "psync", strings.ToUpper(primaryID), strconv.FormatInt(n+1, 10), "failover")
		newID = r.srv.repl.id
	})
	if reply != "+CONTINUE "+newID+"\r\n" || newID == primaryID {
		t.Fatalf("PSYNC FAILOVER: %q (id %s)", reply, newID)
	}
	if got := r.info("role"); got != "master" {
		t.Fatalf("role %s after PSYNC FAILOVER", got)
	}
	if got := r.info("master_replid2"); got != primaryID {
		t.Fatalf("master_replid2 %s", got)
	}
	if got := r.info("second_repl_offset"); got != strconv.FormatInt(n+1, 10) {
		t.Fatalf("second_repl_offset %s", got)
	}
	if got := r.info("connected_slaves"); got != "1" {
		t.Fatalf("connected_slaves %s", got)
	}
	// The link to the former primary is closed.
	if _, err := l.r.ReadString('\n'); err == nil {
		t.Fatal("the link to the former primary is still open")
	}
}

// The failover's pause and CLIENT PAUSE are apart: CLIENT UNPAUSE leaves
// the failover's, FAILOVER ABORT leaves the client's. INFO names the
// failover's while both hold writes, its end being the later (never).
func TestFailoverClientPause(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	e.failoverReplica(7001)
	e.expectAll(c,
		rc("set k v", "+OK\r\n"),
		rc("client pause 100000 write", "+OK\r\n"),
		rc("failover", "+OK\r\n"),
	)
	e.infoHas(c, "clients", "paused_reason:failover_in_progress", "paused_actions:write")
	e.expectAll(c, rc("client unpause", "+OK\r\n"))
	e.infoHas(c, "clients", "paused_reason:failover_in_progress", "paused_actions:write")
	e.expectAll(c, rc("client pause 100000 write", "+OK\r\n"), rc("failover abort", "+OK\r\n"))
	e.infoHas(c, "clients", "paused_reason:client_pause", "paused_actions:write")
}

// A PSYNC FAILOVER that arrives while stream bytes its sender sent first
// are still unapplied (here: the engine is held while they arrive) waits
// for them, so that the replica is promoted with them and the former
// primary can continue from it; no further command of its client runs
// meanwhile.
func TestPsyncFailoverWaitsForStream(t *testing.T) {
	r, l := newSyncedReplica(t)
	set := streamCmd("SET", "a", "1")
	n := int64(len(set))
	var p *Client
	r.held(func() {
		p = r.newClient()
		r.expectAll(p, rc("replconf capa psync2", "+OK\r\n"))
		l.send(set) // applied only once the hold ends
		if got := r.do(p, "psync", primaryID, strconv.FormatInt(n+1, 10), "failover"); got != "" {
			t.Fatalf("PSYNC FAILOVER before the SET was applied: %q", got)
		}
		if !r.srv.Paused(p, [][]byte{[]byte("ping")}) {
			t.Fatal("the client's next command would run")
		}
		// The wait is Volley's own: not a blocked client to the user.
		r.infoHas(r.c, "clients", "blocked_clients:0")
		if line := r.do(r.c, "client", "list", "id", strconv.FormatInt(p.ID, 10)); !strings.Contains(line, " flags=N ") {
			t.Fatalf("CLIENT LIST of the waiting client: %q", line)
		}
	})
	r.waitFor("the promotion", func() bool { return r.srv.Cfg.ReplicaOfHost == "" })
	r.held(func() {
		if got := string(p.Out.Bytes()); got != "+CONTINUE "+r.srv.repl.id+"\r\n" {
			t.Fatalf("PSYNC FAILOVER: %q", got)
		}
	})
	if got := r.info("second_repl_offset"); got != strconv.FormatInt(n+1, 10) {
		t.Fatalf("second_repl_offset %s, want %d", got, n+1)
	}
	if got := r.run("get", "a"); got != "$1\r\n1\r\n" {
		t.Fatalf("GET a: %q", got)
	}
}

// CLIENT CAPA REDIRECT clients during a failover: a read that would be
// redirected while it is in progress waits, since the target may not
// have promoted itself yet, and after the success it is redirected to
// the new primary, as is a client that was blocked on keys, which stays
// connected.
func TestFailoverRedirectsCapableClients(t *testing.T) {
	r := newReplicaEnv(t)
	fp := newFakePrimary(t)
	var blocked, reader *Client
	r.held(func() {
		blocked = r.newClient()
		r.expectAll(blocked, rc("client capa redirect", "+OK\r\n"))
		if got := r.do(blocked, "blpop", "q", "0"); got != "" {
			t.Fatalf("BLPOP: %q", got)
		}
	})
	l, _, _ := r.failingOver(fp)
	get := [][]byte{[]byte("get"), []byte("k")}
	r.held(func() {
		reader = r.newClient()
		r.expectAll(reader, rc("client capa redirect", "+OK\r\n"))
		if !r.srv.Paused(reader, get) {
			t.Fatal("a read to be redirected is not held back during the failover")
		}
		r.expectAll(r.c, rc("get k", "$1\r\nv\r\n")) // others read here meanwhile
	})
	l.send("+CONTINUE " + primaryID2 + "\r\n")
	r.waitFor("the failover's end", func() bool { return r.srv.repl.failover.state == failoverNone })
	redir := "-REDIRECT 127.0.0.1:" + fp.port() + "\r\n"
	r.held(func() {
		if got := string(blocked.Out.Bytes()); got != redir || blocked.Flags&ClientCloseAfterReply != 0 {
			t.Fatalf("the blocked client got %q, flags %b", got, blocked.Flags)
		}
		if reader.postponed || r.srv.Paused(reader, get) {
			t.Fatal("the held-back read was not let go")
		}
		if got := r.do(reader, "get", "k"); got != redir {
			t.Fatalf("the held-back read got %q", got)
		}
	})
}
