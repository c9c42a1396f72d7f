package engine

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/volleydb/volley/engine/config"
)

// The replica side against a fake primary: a listener in the test that
// speaks the primary's half of the protocol, byte by byte.

// replicaEnv is a server whose engine is held through a mutex, as the
// coordinator holds it, so that the link's goroutines and the test take
// turns.
type replicaEnv struct {
	*testEnv
	clk *FakeClock
	mu  sync.Mutex
	c   *Client
}

func newReplicaEnv(t *testing.T) *replicaEnv {
	e, clk := fakeClockEnv(t)
	r := &replicaEnv{testEnv: e, clk: clk}
	e.srv.Hold = func(fn func(*Server)) {
		r.mu.Lock()
		defer r.mu.Unlock()
		fn(e.srv)
	}
	e.srv.Cfg.EnableDebugCommand = config.PermitYes
	r.c = e.newClient()
	t.Cleanup(func() {
		r.held(func() { r.do(r.c, "replicaof", "no", "one") })
	})
	return r
}

func (r *replicaEnv) held(fn func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	fn()
}

// run runs a command on the test's client while holding the engine.
func (r *replicaEnv) run(args ...string) string {
	r.t.Helper()
	var out string
	r.held(func() { out = r.do(r.c, args...) })
	return out
}

// waitFor polls cond, while holding the engine, until it holds.
func (r *replicaEnv) waitFor(what string, cond func() bool) {
	r.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ok := false
		r.held(func() { ok = cond() })
		if ok {
			return
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("timed out waiting for %s; info:\n%s", what, r.run("info", "replication"))
		}
		time.Sleep(time.Millisecond)
	}
}

// cron runs the replica's cron after moving the clock on by d.
func (r *replicaEnv) cron(d time.Duration) {
	r.held(func() {
		r.clk.Advance(d)
		r.srv.replicaCron(r.clk.Ms)
	})
}

func (r *replicaEnv) info(field string) string {
	r.t.Helper()
	info := r.run("info", "replication")
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			return v
		}
	}
	r.t.Fatalf("no %s in\n%s", field, info)
	return ""
}

// fakePrimary accepts the replica's connections.
type fakePrimary struct {
	t     *testing.T
	ln    net.Listener
	conns chan *fakeLink
}

func newFakePrimary(t *testing.T) *fakePrimary {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fp := &fakePrimary{t: t, ln: ln, conns: make(chan *fakeLink, 4)}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				close(fp.conns)
				return
			}
			_ = c.SetDeadline(time.Now().Add(20 * time.Second))
			t.Cleanup(func() { c.Close() })
			fp.conns <- &fakeLink{t: t, c: c, r: bufio.NewReader(c)}
		}
	}()
	return fp
}

func (fp *fakePrimary) port() string { return strconv.Itoa(fp.ln.Addr().(*net.TCPAddr).Port) }

func (fp *fakePrimary) accept() *fakeLink {
	fp.t.Helper()
	select {
	case l := <-fp.conns:
		return l
	case <-time.After(10 * time.Second):
		fp.t.Fatal("the replica did not connect")
	}
	return nil
}

// fakeLink is one connection from the replica.
type fakeLink struct {
	t *testing.T
	c net.Conn
	r *bufio.Reader
}

// read reads one command the replica sent, as its arguments joined by
// spaces.
func (l *fakeLink) read() string {
	l.t.Helper()
	line, err := l.r.ReadString('\n')
	if err != nil {
		l.t.Fatalf("reading from the replica: %v", err)
	}
	if line == "SYNC\r\n" {
		return "SYNC"
	}
	if line[0] != '*' {
		l.t.Fatalf("the replica sent %q", line)
	}
	n, _ := strconv.Atoi(strings.TrimSpace(line[1:]))
	args := make([]string, n)
	for i := range args {
		hdr, err := l.r.ReadString('\n')
		if err != nil || hdr[0] != '$' {
			l.t.Fatalf("bulk header %q, %v", hdr, err)
		}
		size, _ := strconv.Atoi(strings.TrimSpace(hdr[1:]))
		b := make([]byte, size+2)
		if _, err := io.ReadFull(l.r, b); err != nil {
			l.t.Fatal(err)
		}
		args[i] = string(b[:size])
	}
	return strings.Join(args, " ")
}

func (l *fakeLink) expect(want string) {
	l.t.Helper()
	if got := l.read(); got != want {
		l.t.Fatalf("the replica sent %q, want %q", got, want)
	}
}

func (l *fakeLink) send(s string) {
	l.t.Helper()
	if _, err := l.c.Write([]byte(s)); err != nil {
		l.t.Fatal(err)
	}
}

// handshake answers the handshake up to PSYNC, which it returns.
func (l *fakeLink) handshake(port int) string {
	l.t.Helper()
	l.expect("PING")
	l.send("+PONG\r\n")
	l.expect("REPLCONF listening-port " + strconv.Itoa(port))
	l.expect("REPLCONF capa eof capa psync2")
	l.expect("REPLCONF version 9.0.4")
	l.send("+OK\r\n+OK\r\n+OK\r\n")
	return l.read()
}

// streamCmd encodes a command as the stream carries it.
func streamCmd(args ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	return b.String()
}

// snapshot returns the RDB file of a server holding what setup makes.
func snapshot(t *testing.T, setup ...[]string) (rdbFile []byte, digest string) {
	p := newTestEnv(t)
	c := p.newClient()
	for _, args := range setup {
		p.do(c, args...)
	}
	var buf bytes.Buffer
	if err := p.srv.writeRDB(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), p.digest()
}

var (
	primaryID  = strings.Repeat("a1", 20)
	primaryID2 = strings.Repeat("b2", 20)
)

// A full synchronization from a fake primary, in both transfer forms,
// then the stream: SELECT, a transaction, PING, GETACK, and a reconnect
// that continues with a new replication ID.
func TestReplicaFullSyncAndStream(t *testing.T) {
	for _, eof := range []bool{false, true} {
		t.Run(fmt.Sprintf("eof=%v", eof), func(t *testing.T) {
			r := newReplicaEnv(t)
			fp := newFakePrimary(t)
			r.held(func() { r.srv.Cfg.Port = 7777 })
			r.run("set", "old", "gone") // flushed by the sync
			if got := r.run("replicaof", "127.0.0.1", fp.port()); got != okReply {
				t.Fatalf("REPLICAOF: %q", got)
			}
			if got := r.run("replicaof", "127.0.0.1", fp.port()); got != "+OK Already connected to specified master\r\n" {
				t.Fatalf("REPLICAOF again: %q", got)
			}
			l := fp.accept()
			// After REPLICAOF a former primary offers its own history.
			ownID := ""
			r.held(func() { ownID = r.srv.repl.id })
			if got := l.handshake(7777); got != "PSYNC "+ownID+" 1" {
				t.Fatalf("PSYNC: %q", got)
			}
			if got := r.run("role"); got != "*5\r\n$5\r\nslave\r\n$9\r\n127.0.0.1\r\n:"+fp.port()+"\r\n$9\r\nhandshake\r\n:-1\r\n" {
				t.Fatalf("ROLE in handshake: %q", got)
			}
			file, _ := snapshot(t, []string{"set", "a", "1"}, []string{"rpush", "l", "x", "y"}, []string{"select", "2"}, []string{"hset", "h", "f", "v"})
			l.send("+FULLRESYNC " + primaryID + " 1000\r\n\n\n") // newlines while the snapshot is made
			r.waitFor("the transfer", func() bool { return r.srv.replica.state == linkTransfer })
			if got := r.info("master_sync_in_progress"); got != "1" {
				t.Fatalf("master_sync_in_progress %s", got)
			}
			if eof {
				mark := strings.Repeat("e", 40)
				l.send("$EOF:" + mark + "\r\n")
				l.send(string(file[:10]))
				r.waitFor("some bytes", func() bool { return r.srv.replica.transferRead.Load() == 10 })
				info := r.run("info", "replication")
				if !strings.Contains(info, "master_sync_total_bytes:0\r\nmaster_sync_read_bytes:10\r\nmaster_sync_left_bytes:-10\r\nmaster_sync_perc:0.00\r\nmaster_sync_last_io_seconds_ago:0\r\nmaster_link_down_since_seconds:-1\r\n") {
					t.Fatalf("INFO during the transfer:\n%s", info)
				}
				l.send(string(file[10:]) + mark)
			} else {
				l.send("$" + strconv.Itoa(len(file)) + "\r\n")
				l.send(string(file[:10]))
				r.waitFor("some bytes", func() bool { return r.srv.replica.transferRead.Load() == 10 })
				info := r.run("info", "replication")
				want := fmt.Sprintf("master_sync_total_bytes:%d\r\nmaster_sync_read_bytes:10\r\nmaster_sync_left_bytes:%d\r\nmaster_sync_perc:%.2f\r\n", len(file), len(file)-10, 1000/float64(len(file)))
				if !strings.Contains(info, want) {
					t.Fatalf("INFO during the transfer:\n%s\nwant %q", info, want)
				}
				l.send(string(file[10:]))
			}
			// The first ACK comes as soon as the snapshot is loaded.
			l.expect("REPLCONF ACK 1000")
			if got := r.run("role"); got != "*5\r\n$5\r\nslave\r\n$9\r\n127.0.0.1\r\n:"+fp.port()+"\r\n$9\r\nconnected\r\n:1000\r\n" {
				t.Fatalf("ROLE: %q", got)
			}
			if got := r.run("exists", "old"); got != ":0\r\n" {
				t.Fatalf("old data survived: %q", got)
			}
			if got := r.run("lrange", "l", "0", "-1"); got != "*2\r\n$1\r\nx\r\n$1\r\ny\r\n" {
				t.Fatalf("LRANGE: %q", got)
			}
			r.held(func() {
				if s := r.srv; s.repl.id != primaryID || s.repl.offset != 1000 || s.repl.id2 != replIDZero || s.repl.backlog == nil || s.repl.backlog.start != 1001 {
					t.Fatalf("history: id %s offset %d id2 %s backlog %+v", s.repl.id, s.repl.offset, s.repl.id2, s.repl.backlog)
				}
			})
			// Writes from clients are refused; reads are served.
			if got := r.run("set", "a", "2"); got != errReply(ErrReadonly) {
				t.Fatalf("SET on a replica: %q", got)
			}
			r.run("multi")
			r.run("incr", "a")
			if got := r.run("exec"); got != "-EXECABORT Transaction discarded because of previous errors.\r\n" {
				t.Fatalf("EXEC of a write: %q", got)
			}

			// The stream.
			before := streamCmd("SELECT", "0") + streamCmd("set", "a", "2")
			stream := before + streamCmd("MULTI") + streamCmd("incr", "n") + streamCmd("lpush", "l", "z")
			l.send(stream)
			// Inside the transaction: applied bytes do not count yet.
			r.waitFor("the queued transaction", func() bool { return r.srv.replica.hist.readOff == 1000+int64(len(stream)) })
			if got := r.info("slave_repl_offset"); got != strconv.Itoa(1000+len(before)) {
				t.Fatalf("offset inside MULTI: %s", got)
			}
			rest := streamCmd("EXEC") + streamCmd("PING") + "\n"
			l.send(rest)
			stream += rest
			getack := streamCmd("REPLCONF", "GETACK", "*")
			l.send(getack)
			// The ACK counts what came before the GETACK.
			l.expect("REPLCONF ACK " + strconv.Itoa(1000+len(stream)))
			stream += getack
			off := 1000 + int64(len(stream))
			r.waitFor("the GETACK applied", func() bool { return r.srv.repl.offset == off })
			if got := r.run("mget", "a", "n"); got != "*2\r\n$1\r\n2\r\n$1\r\n1\r\n" {
				t.Fatalf("MGET: %q", got)
			}
			var backlog strings.Builder
			r.held(func() { r.srv.replBacklogFrom(1001, func(p []byte) { backlog.Write(p) }) })
			if backlog.String() != stream {
				t.Fatalf("backlog %q\nwant %q", backlog.String(), stream)
			}
			info := r.run("info", "replication")
			for _, want := range []string{
				"role:slave\r\nmaster_host:127.0.0.1\r\nmaster_port:" + fp.port() + "\r\nmaster_link_status:up\r\nmaster_last_io_seconds_ago:0\r\nmaster_sync_in_progress:0\r\n",
				"slave_read_repl_offset:" + strconv.FormatInt(off, 10) + "\r\nslave_repl_offset:" + strconv.FormatInt(off, 10) + "\r\nreplicas_repl_buffer_size:0\r\nreplicas_repl_buffer_peak:0\r\nslave_priority:100\r\nslave_read_only:1\r\nreplica_announced:1\r\nconnected_slaves:0\r\n",
			} {
				if !strings.Contains(info, want) {
					t.Fatalf("INFO replication:\n%s\nwant %q", info, want)
				}
			}
			if cl := r.run("client", "list"); !strings.Contains(cl, " flags=M ") || !strings.Contains(cl, "user=(superuser)") {
				t.Fatalf("CLIENT LIST:\n%s", cl)
			}
			// The cron's ACK, once a second.
			r.cron(time.Second)
			l.expect("REPLCONF ACK " + strconv.FormatInt(off, 10))

			// The primary goes: the replica reconnects at once and
			// continues; the primary's new ID becomes ours, the old one
			// our second.
			l.c.Close()
			l = fp.accept()
			if got := l.handshake(7777); got != "PSYNC "+primaryID+" "+strconv.FormatInt(off+1, 10) {
				t.Fatalf("PSYNC after the drop: %q", got)
			}
			if got := r.info("master_link_status"); got != "down" {
				t.Fatalf("link %s", got)
			}
			r.cron(3 * time.Second)
			if got := r.info("master_link_down_since_seconds"); got != "3" {
				t.Fatalf("master_link_down_since_seconds %s", got)
			}
			l.send("+CONTINUE " + primaryID2 + "\r\n" + streamCmd("set", "b", "3"))
			r.waitFor("the continued stream", func() bool { return r.srv.repl.offset > off })
			r.held(func() {
				if s := r.srv; s.repl.id != primaryID2 || s.repl.id2 != primaryID || s.repl.secondOffset != off+1 {
					t.Fatalf("after +CONTINUE: id %s id2 %s second %d", s.repl.id, s.repl.id2, s.repl.secondOffset)
				}
			})
			if got := r.run("get", "b"); got != "$1\r\n3\r\n" {
				t.Fatalf("GET b: %q", got)
			}

			// Promotion: writable, the history goes on under a new ID.
			if got := r.run("replicaof", "no", "one"); got != okReply {
				t.Fatalf("REPLICAOF NO ONE: %q", got)
			}
			if got := r.run("set", "c", "4"); got != okReply {
				t.Fatalf("SET after promotion: %q", got)
			}
			if got := r.info("master_replid2"); got != primaryID2 {
				t.Fatalf("master_replid2 after promotion: %s", got)
			}
			if got := r.run("role"); !strings.HasPrefix(got, "*3\r\n$6\r\nmaster\r\n") {
				t.Fatalf("ROLE after promotion: %q", got)
			}
		})
	}
}

// A primary that answers PSYNC with an error gets SYNC; one that cannot
// serve yet is tried again a second later; a timeout drops the link.
func TestReplicaPsyncFallbacks(t *testing.T) {
	r := newReplicaEnv(t)
	fp := newFakePrimary(t)
	r.held(func() { r.srv.Cfg.Port = 6000 })
	r.run("replicaof", "127.0.0.1", fp.port())
	l := fp.accept()
	l.handshake(6000)
	l.send("-NOMASTERLINK Can't SYNC while not connected with my master\r\n")
	r.waitFor("the retry state", func() bool { return r.srv.replica.state == linkConnect })
	if got := r.run("role"); !strings.Contains(got, "$7\r\nconnect\r\n:-1\r\n") {
		t.Fatalf("ROLE: %q", got)
	}
	r.cron(time.Second)
	l = fp.accept()
	l.handshake(6000)
	l.send("-ERR unknown command 'PSYNC'\r\n")
	l.expect("SYNC")
	file, digest := snapshot(t, []string{"set", "k", "v"})
	l.send("$" + strconv.Itoa(len(file)) + "\r\n" + string(file))
	r.waitFor("the sync", func() bool { return r.srv.replica.state == linkConnected })
	if got := r.digest(); got != digest {
		t.Fatalf("digest %s, want %s", got, digest)
	}
	// No offsets with a primary that does not know PSYNC: no ACKs.
	if got := r.run("role"); !strings.HasSuffix(got, "$9\r\nconnected\r\n:-1\r\n") {
		t.Fatalf("ROLE: %q", got)
	}
	// Silence for longer than repl-timeout drops the link.
	r.cron(61 * time.Second)
	r.waitFor("the reconnection", func() bool { return r.srv.replica.state != linkConnected })
	fp.accept()
}

// replica-serve-stale-data no: most commands are refused while the link
// is down.
func TestReplicaServeStaleData(t *testing.T) {
	r := newReplicaEnv(t)
	fp := newFakePrimary(t)
	r.run("config", "set", "replica-serve-stale-data", "no")
	r.run("replicaof", "127.0.0.1", fp.port())
	if got := r.run("get", "a"); got != errReply(ErrPrimaryDown) {
		t.Fatalf("GET with the link down: %q", got)
	}
	if got := r.run("ping"); got != errReply(ErrPrimaryDown) {
		t.Fatalf("PING with the link down: %q", got)
	}
	if got := r.run("info", "server"); got[0] != '$' {
		t.Fatalf("INFO with the link down: %q", got)
	}
	if got := r.run("replicaof", "127.0.0.1", "70000"); got != "-ERR Invalid master port\r\n" {
		t.Fatalf("bad port: %q", got)
	}
	fp.accept()
}

// syncFrom makes r a replica of fp and completes a full synchronization
// with file, returning the link.
func (r *replicaEnv) syncFrom(fp *fakePrimary, file []byte) *fakeLink {
	r.t.Helper()
	port := 0
	r.held(func() { port = r.srv.Cfg.Port })
	r.run("replicaof", "127.0.0.1", fp.port())
	l := fp.accept()
	l.handshake(port)
	l.send("+FULLRESYNC " + primaryID + " 0\r\n$" + strconv.Itoa(len(file)) + "\r\n" + string(file))
	l.expect("REPLCONF ACK 0")
	return l
}

// newSyncedReplica is a replica fully synchronized from a fake primary
// with an empty snapshot, and the primary's end of the link.
func newSyncedReplica(t *testing.T) (*replicaEnv, *fakeLink) {
	t.Helper()
	r := newReplicaEnv(t)
	file, _ := snapshot(t)
	return r, r.syncFrom(newFakePrimary(t), file)
}

// sendApplied has the primary send cmd and waits until the replica has
// applied it; it returns the replica's offset then.
func (r *replicaEnv) sendApplied(l *fakeLink, cmd string) int64 {
	r.t.Helper()
	var off int64
	r.held(func() { off = r.srv.repl.offset + int64(len(cmd)) })
	l.send(cmd)
	r.waitFor("the stream", func() bool { return r.srv.repl.offset == off })
	return off
}

// Turning replica ends the wait of clients blocked on keys; a command of
// the stream larger than a read arrives whole however it is split.
func TestReplicaUnblocksAndLargeCommands(t *testing.T) {
	r := newReplicaEnv(t)
	fp := newFakePrimary(t)
	b := r.newClient()
	r.held(func() {
		if got := r.do(b, "blpop", "q", "0"); got != "" {
			t.Fatalf("BLPOP: %q", got)
		}
	})
	file, _ := snapshot(t)
	l := r.syncFrom(fp, file)
	r.held(func() {
		if got := string(b.Out.Bytes()); got != "-UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)\r\n" || b.Flags&ClientCloseAfterReply == 0 {
			t.Fatalf("the blocked client got %q, flags %b", got, b.Flags)
		}
	})
	big := strings.Repeat("v", 300<<10)
	c := streamCmd("SET", "big", big)
	for i := 0; i < len(c); i += 100 << 10 {
		l.send(c[i:min(i+100<<10, len(c))])
	}
	r.waitFor("the large SET", func() bool { return r.srv.repl.offset == int64(len(c)) })
	if got := r.run("strlen", "big"); got != ":"+strconv.Itoa(len(big))+"\r\n" {
		t.Fatalf("STRLEN: %q", got)
	}
	// A protocol error from the primary drops the link; it reconnects
	// and continues from what it applied.
	l.send("*1\r\n$x\r\n")
	l = fp.accept()
	if got := l.handshake(6379); got != "PSYNC "+primaryID+" "+strconv.Itoa(len(c)+1) {
		t.Fatalf("PSYNC after a protocol error: %q", got)
	}
}

// A replica under CLIENT PAUSE WRITE goes on reading its primary's stream
// but applies none of it until the pause ends, as Valkey postpones its
// primary client; reads are served meanwhile.
func TestReplicaStreamWaitsForClientPause(t *testing.T) {
	r, l := newSyncedReplica(t)
	a := streamCmd("SET", "a", "1")
	r.sendApplied(l, a)

	if got := r.run("client", "pause", "100000", "write"); got != "+OK\r\n" {
		t.Fatalf("CLIENT PAUSE: %q", got)
	}
	b := streamCmd("SET", "b", "2")
	c := streamCmd("INCR", "a")
	l.send(b + c)
	all := int64(len(a) + len(b) + len(c))
	r.waitFor("the stream read", func() bool { return r.srv.replica.hist.readOff == all })
	if got, want := r.info("slave_read_repl_offset"), strconv.FormatInt(all, 10); got != want {
		t.Fatalf("slave_read_repl_offset %s, want %s", got, want)
	}
	if got, want := r.info("slave_repl_offset"), strconv.Itoa(len(a)); got != want {
		t.Fatalf("slave_repl_offset %s during the pause, want %s", got, want)
	}
	if got := r.run("get", "b"); got != "$-1\r\n" {
		t.Fatalf("GET b during the pause: %q", got)
	}

	if got := r.run("client", "unpause"); got != "+OK\r\n" {
		t.Fatalf("CLIENT UNPAUSE: %q", got)
	}
	r.waitFor("the stream after the pause", func() bool { return r.srv.repl.offset == all })
	if got := r.run("mget", "a", "b"); got != "*2\r\n$1\r\n2\r\n$1\r\n2\r\n" {
		t.Fatalf("MGET after the pause: %q", got)
	}
	if got, want := r.info("slave_repl_offset"), strconv.FormatInt(all, 10); got != want {
		t.Fatalf("slave_repl_offset %s after the pause, want %s", got, want)
	}
}

// A client that announced CLIENT CAPA REDIRECT is sent to the primary
// with -REDIRECT for what it reads or writes on a replica, reads
// excepted once it asks for READONLY; a command that does neither runs.
// Inside MULTI the redirected command dooms the transaction; an EXEC
// whose queue writes is redirected and the transaction discarded. Other
// clients read and are refused writes as before.
func TestReplicaRedirectsCapableClients(t *testing.T) {
	r := newReplicaEnv(t)
	fp := newFakePrimary(t)
	redir := "-REDIRECT 127.0.0.1:" + fp.port() + "\r\n"
	var c, q, plain *Client
	r.held(func() {
		c, q, plain = r.newClient(), r.newClient(), r.newClient()
		r.expectAll(c, rc("client capa redirect", "+OK\r\n"), rc("get k", "$-1\r\n"))
		r.expectAll(q, rc("client capa redirect", "+OK\r\n"), rc("multi", "+OK\r\n"), rc("set k v", "+QUEUED\r\n"))
	})
	file, _ := snapshot(t)
	r.syncFrom(fp, file)
	r.held(func() {
		r.expectAll(q, rc("exec", redir), rc("exec", "-ERR EXEC without MULTI\r\n"))
		r.expectAll(c,
			rc("get k", redir),
			rc("set k v", redir),
			rc("ping", "+PONG\r\n"),
			rc("readonly", "+OK\r\n"),
			rc("get k", "$-1\r\n"),
			rc("set k v", redir),
			rc("multi", "+OK\r\n"),
			rc("ping", "+QUEUED\r\n"),
			rc("incr k", redir),
			rc("exec", "-EXECABORT Transaction discarded because of previous errors.\r\n"),
			rc("readwrite", "+OK\r\n"),
			rc("strlen k", redir),
		)
		r.expectAll(plain, rc("get k", "$-1\r\n"), rc("set k v", errReply(ErrReadonly)))
		r.infoHas(plain, "errorstats", "errorstat_REDIRECT:count=6")
	})
}
