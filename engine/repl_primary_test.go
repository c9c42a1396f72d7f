package engine

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// fakeReplica is a client whose connection is one end of a socket pair:
// what the engine writes straight on the socket (+FULLRESYNC, the RDB)
// arrives at peer, while its output (c.Out) is what its I/O loop would
// write.
type fakeReplica struct {
	c    *Client
	peer int
}

func (e *testEnv) fakeReplica() *fakeReplica {
	e.t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	_ = unix.SetNonblock(fds[0], true)
	_ = unix.SetNonblock(fds[1], true)
	e.t.Cleanup(func() { unix.Close(fds[0]); unix.Close(fds[1]) })
	e.port++
	c := e.srv.NewClient("127.0.0.1:"+strconv.Itoa(e.port), "127.0.0.1:6379", fds[0], false)
	c.SetLink(&wakeLink{})
	return &fakeReplica{c: c, peer: fds[1]}
}

// socket returns what arrived on the socket so far.
func (f *fakeReplica) socket(t *testing.T) string {
	t.Helper()
	var out []byte
	buf := make([]byte, 64<<10)
	for {
		n, err := unix.Read(f.peer, buf)
		if n > 0 {
			out = append(out, buf[:n]...)
			continue
		}
		if err == unix.EAGAIN || n == 0 {
			return string(out)
		}
		t.Fatalf("read: %v", err)
	}
}

// out takes the replica's pending output.
func (f *fakeReplica) out() string {
	s := string(f.c.Out.Bytes())
	f.c.Out.Reset()
	return s
}

func (e *testEnv) expectAll(c *Client, cases ...replyCase) {
	e.t.Helper()
	for _, tc := range cases {
		if got := e.keep(c, tc.cmd...); got != tc.want {
			e.t.Errorf("%q:\n got %q\nwant %q", tc.cmd, got, tc.want)
		}
	}
}

// keep runs a command for c and returns what it added to c's output,
// leaving the output as it was (a replica's accumulated stream).
func (e *testEnv) keep(c *Client, args ...string) string {
	e.t.Helper()
	argv := make([][]byte, len(args))
	for i, a := range args {
		argv[i] = []byte(a)
	}
	if c.Flags&ClientReplica == 0 {
		c.Out.Reset() // what its I/O loop wrote
	}
	before := len(c.Out.Bytes())
	e.srv.Call(c, argv)
	return string(c.Out.Bytes()[before:])
}

// finishSave runs the running background save to its end, as the
// coordinator's driver would.
func (e *testEnv) finishSave() {
	e.t.Helper()
	bg := e.srv.bgsave.run
	if bg == nil {
		e.t.Fatal("no save running")
	}
	for {
		if more, _ := e.srv.bgsaveStep(); !more {
			break
		}
	}
	e.srv.bgsaveDone(bg, bg.out.wait())
}

func TestReplconfReplies(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	e.expectAll(c,
		rc("replconf", "+OK\r\n"),
		rc("replconf a", "-ERR syntax error\r\n"),
		rc("replconf listening-port x", "-ERR value is not an integer or out of range\r\n"),
		rc("replconf listening-port 6380 capa eof capa psync2 capa foo capa dual-channel", "+OK\r\n"),
		rc("replconf ip-address "+strings.Repeat("a", 46), "-ERR REPLCONF ip-address provided by replica instance is too long: 46 bytes\r\n"),
		rc("replconf ip-address 10.0.0.1", "+OK\r\n"),
		rc("replconf rdb-only 2", "-ERR value is out of range, value must between 0 and 1\r\n"),
		rc("replconf rdb-only x", "-ERR value is not an integer or out of range\r\n"),
		rc("replconf rdb-only 0", "+OK\r\n"),
		rc("replconf rdb-filter-only x", "-ERR Unsupported rdb-filter-only option: x\r\n"),
		rc(`replconf rdb-filter-only "`, "-ERR Missing rdb-filter-only values\r\n"),
		rc("replconf version 1.2", "-ERR Unrecognized version format: 1.2\r\n"),
		rc("replconf version 9.0.256", "-ERR Unrecognized version format: 9.0.256\r\n"),
		rc("replconf version 9.0.4", "+OK\r\n"),
		rc("replconf rdb-channel 3", "-ERR value is out of range, value must between 0 and 1\r\n"),
		rc("replconf set-rdb-client-id 55", "-ERR Unrecognized RDB client id 55\r\n"),
		rc("replconf set-cluster-node-id ab", "-ERR This instance has cluster support disabled\r\n"),
		rc("replconf foo bar", "-ERR Unrecognized REPLCONF option: foo\r\n"),
		rc("replconf ack 5", ""), // no reply, and not a replica: ignored
		rc("replconf getack *", ""),
	)
	if r := c.repl; r.port != 6380 || r.capa != capaEOF|capaPSync2 || r.addr != "10.0.0.1" || r.version != 9<<16|4 || r.ackOff != 0 {
		t.Fatalf("replconf state %+v", *r)
	}
}

// REPLCONF rdb-filter-only splits its value as Valkey 9.0.4's sdssplitargs
// does: quoted pieces join the word around them, an open quote is an
// error, and "functions" is the one filter known.
func TestReplconfRdbFilterOnly(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	e.expectAll(c,
		replyCase{[]string{"replconf", "rdb-filter-only", ""}, "+OK\r\n"},
		replyCase{[]string{"replconf", "rdb-filter-only", ` "functions" `}, "+OK\r\n"},
		replyCase{[]string{"replconf", "rdb-filter-only", `"fun"ctions`}, "+OK\r\n"},
		replyCase{[]string{"replconf", "rdb-filter-only", `"a"b`}, "-ERR Unsupported rdb-filter-only option: ab\r\n"},
		replyCase{[]string{"replconf", "rdb-filter-only", `'a`}, "-ERR Missing rdb-filter-only values\r\n"},
	)
}

func TestWaitReplies(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	e.expectAll(c,
		rc("wait x 0", "-ERR value is not an integer or out of range\r\n"),
		rc("wait 1 -1", "-ERR timeout is negative\r\n"),
		rc("wait 0 0", ":0\r\n"),
		rc("wait -1 0", ":0\r\n"),
		rc("waitaof 2 0 0", "-ERR value is out of range, value must between 0 and 1\r\n"),
		rc("waitaof 0 -1 0", "-ERR value is out of range, must be positive\r\n"),
		rc("waitaof x 0 0", "-ERR value is not an integer or out of range\r\n"),
		rc("waitaof 0 x 0", "-ERR value is out of range, must be positive\r\n"),
		rc("waitaof 1 0 0", "-ERR WAITAOF cannot be used when numlocal is set but appendonly is disabled.\r\n"),
		rc("waitaof 0 0 0", "*2\r\n:0\r\n:0\r\n"),
		rc("multi", "+OK\r\n"),
		rc("wait 1 0", "+QUEUED\r\n"),
		rc("exec", "*1\r\n:0\r\n"), // no blocking inside a transaction
		rc("role", "*3\r\n$6\r\nmaster\r\n:0\r\n*0\r\n"),
	)
	e.srv.Cfg.ReplicaOfHost = "127.0.0.1"
	e.expectAll(c,
		rc("wait 1 0", "-ERR WAIT cannot be used with replica instances. Please also note that if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.\r\n"),
		rc("waitaof 0 1 0", "-ERR WAITAOF cannot be used with replica instances. Please also note that writes to replicas are just local and are not propagated.\r\n"),
		rc("sync", "-NOMASTERLINK Can't SYNC while not connected with my master\r\n"),
	)
}

func TestPsyncRejections(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	e.expectAll(c,
		rc("psync ? x", "-ERR value is not an integer or out of range\r\n"),
		rc("psync ? -1 failover", "-ERR PSYNC FAILOVER can't be sent to a master.\r\n"),
		rc("replconf rdb-filter-only functions", "+OK\r\n"),
		rc("psync ? -1", "-ERR Filtered replica requires EOF capability\r\n"),
		rc("multi", "+OK\r\n"),
		rc("sync", "-ERR Command 'sync' not allowed inside a transaction\r\n"),
	)
	// Replies still pending: the RDB would overtake them.
	d := e.newClient()
	d.AddRawString("+OK\r\n")
	e.srv.Call(d, [][]byte{[]byte("sync")})
	if got := string(d.Out.Bytes()); got != "+OK\r\n-ERR SYNC and PSYNC are invalid with pending output\r\n" {
		t.Fatalf("sync with pending output: %q", got)
	}
}

// A diskless full sync: +FULLRESYNC at the snapshot's offset, the RDB in
// the EOF form on the socket, holding exactly the dataset at that
// instant, while the writes made meanwhile wait in the replica's output
// (SELECT first), released by its first ACK; then a partial resync from
// an offset gets exactly the bytes after it.
func TestReplFullSyncDiskless(t *testing.T) {
	e := newTestEnv(t)
	e.srv.Cfg.ReplDisklessSyncDelay = 0
	w := e.newClient()
	e.do(w, "set", "a", "1")
	e.do(w, "hset", "h", "f", "v")
	e.do(w, "select", "2")
	e.do(w, "rpush", "l", "x", "y")
	want := e.digest()

	f := e.fakeReplica()
	e.expectAll(f.c,
		rc("replconf listening-port 7001 capa eof capa psync2", "+OK\r\n"),
		rc("psync ? -1", ""),
	)
	if !f.c.OutputHeld() || e.srv.bgsave.run == nil || e.srv.bgsave.run.repl == nil {
		t.Fatalf("held %v, socket save %v", f.c.OutputHeld(), e.srv.bgsave.run)
	}
	// Writes while the snapshot is taken: in the stream, not the RDB.
	e.do(w, "set", "b", "2")
	e.do(w, "del", "l")
	e.finishSave()

	got := f.socket(t)
	head := "+FULLRESYNC " + e.srv.repl.id + " 0\r\n$EOF:"
	if !strings.HasPrefix(got, head) {
		t.Fatalf("socket begins %q, want %q", got[:min(len(got), 80)], head)
	}
	mark := got[len(head) : len(head)+40]
	body := got[len(head)+42:]
	if !strings.HasSuffix(body, mark) || got[len(head)+40:len(head)+42] != "\r\n" {
		t.Fatalf("RDB not framed by its mark %q", mark)
	}
	image := []byte(body[:len(body)-40])
	for _, aux := range []string{"repl-stream-db", "repl-id", e.srv.repl.id, "repl-offset"} {
		if !bytes.Contains(image, []byte(aux)) {
			t.Errorf("RDB lacks %q", aux)
		}
	}
	r := newTestEnv(t)
	if _, err := r.srv.readRDB(bytes.NewReader(image), int64(len(image)), false); err != nil {
		t.Fatal(err)
	}
	if d := r.digest(); d != want {
		t.Fatalf("RDB digest %s, want %s", d, want)
	}

	// Online, but the stream waits for the first ACK.
	if f.c.repl.state != replOnline || !f.c.OutputHeld() {
		t.Fatalf("state %d held %v", f.c.repl.state, f.c.OutputHeld())
	}
	stream := "*2\r\n$6\r\nSELECT\r\n$1\r\n2\r\n*3\r\n$3\r\nset\r\n$1\r\nb\r\n$1\r\n2\r\n*2\r\n$3\r\ndel\r\n$1\r\nl\r\n"
	if got := string(f.c.Out.Bytes()); got != stream {
		t.Fatalf("accumulated %q\nwant %q", got, stream)
	}
	e.expectAll(f.c, rc("replconf ack 0", ""))
	if f.c.OutputHeld() {
		t.Fatal("still held after the first ACK")
	}
	if got := f.out(); got != stream {
		t.Fatalf("released %q", got)
	}
	e.do(w, "multi")
	e.do(w, "incr", "n")
	e.do(w, "select", "0")
	e.do(w, "incr", "n")
	e.do(w, "exec")
	tx := "*1\r\n$5\r\nMULTI\r\n*2\r\n$4\r\nincr\r\n$1\r\nn\r\n*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*2\r\n$4\r\nincr\r\n$1\r\nn\r\n*1\r\n$4\r\nEXEC\r\n"
	if got := f.out(); got != tx {
		t.Fatalf("transaction %q\nwant %q", got, tx)
	}
	if e.srv.repl.offset != int64(len(stream)+len(tx)) {
		t.Fatalf("offset %d", e.srv.repl.offset)
	}
	if r := e.do(w, "info", "replication"); !strings.Contains(r, "connected_slaves:1\r\nslave0:ip=127.0.0.1,port=7001,state=online,offset=0,lag=") {
		t.Fatalf("info:\n%s", r)
	}

	// A replica that has the first bytes continues from the next.
	from := int64(len(stream)) + 1
	g := e.fakeReplica()
	e.expectAll(g.c, rc("replconf capa psync2", "+OK\r\n"))
	g.c.Out.Reset()
	e.srv.Call(g.c, [][]byte{[]byte("psync"), []byte(e.srv.repl.id), []byte(strconv.FormatInt(from, 10))})
	if got := g.out(); got != "+CONTINUE "+e.srv.repl.id+"\r\n"+tx {
		t.Fatalf("partial resync %q", got)
	}
	h := e.fakeReplica()
	e.srv.Call(h.c, [][]byte{[]byte("psync"), []byte(e.srv.repl.id), []byte(strconv.FormatInt(e.srv.repl.offset+1, 10))})
	if got := h.out(); got != "+CONTINUE\r\n" {
		t.Fatalf("partial resync without psync2 %q", got)
	}
	e.expectAll(w, rc("role", "*3\r\n$6\r\nmaster\r\n:"+strconv.FormatInt(e.srv.repl.offset, 10)+"\r\n*3\r\n"+
		"*3\r\n$9\r\n127.0.0.1\r\n$4\r\n7001\r\n$1\r\n0\r\n"+
		"*3\r\n$9\r\n127.0.0.1\r\n$1\r\n0\r\n$1\r\n0\r\n"+
		"*3\r\n$9\r\n127.0.0.1\r\n$1\r\n0\r\n$1\r\n0\r\n"))
	if got := e.do(w, "info", "stats"); !strings.Contains(got, "sync_full:1\r\nsync_partial_ok:2\r\nsync_partial_err:0\r\n") {
		t.Fatalf("stats:\n%s", got)
	}
	// An unknown history, or an offset the backlog does not hold: full.
	k := e.fakeReplica()
	e.expectAll(k.c, rc("psync 0123 1", ""))
	if got := k.socket(t); k.c.repl.state != replWaitBgsaveEnd || got != "+FULLRESYNC "+e.srv.repl.id+" "+strconv.FormatInt(e.srv.repl.offset, 10)+"\r\n" {
		t.Fatalf("unknown id: state %d, socket %q", k.c.repl.state, got)
	}
	e.srv.bgsaveStop("test over")
	if k.c.link.(*wakeLink).closes == 0 {
		t.Fatalf("a replica waiting for a stopped save is kept")
	}
}

// WAIT blocks until enough replicas acknowledge the client's last write;
// the GETACK it asks for goes into the stream before the engine is let
// go; a timeout replies the count so far.
func TestReplWait(t *testing.T) {
	e, clk := fakeClockEnv(t)
	f := e.onlineReplica()
	w := e.newClient()
	e.do(w, "set", "k", "v")
	f.out()
	off := e.srv.repl.offset
	if r := e.do(w, "wait", "1", "0"); r != "" {
		t.Fatalf("wait replied %q", r)
	}
	e.srv.BeforeSleep()
	if got := f.out(); got != "*3\r\n$8\r\nREPLCONF\r\n$6\r\nGETACK\r\n$1\r\n*\r\n" {
		t.Fatalf("getack %q", got)
	}
	e.expectAll(f.c, rc("replconf ack "+strconv.FormatInt(off-1, 10), ""))
	if w.Out.Len() != 0 {
		t.Fatal("unblocked by an ACK short of the write")
	}
	e.expectAll(f.c, rc("replconf ack "+strconv.FormatInt(off, 10)+" fack 3", ""))
	if got := string(w.Out.Bytes()); got != ":1\r\n" {
		t.Fatalf("wait got %q", got)
	}
	w.Out.Reset()
	e.expectAll(f.c, rc("replconf ack "+strconv.FormatInt(off, 10)+" fack "+strconv.FormatInt(off, 10), ""))
	e.expectAll(w, rc("wait 1 0", ":1\r\n"), rc("waitaof 0 1 0", "*2\r\n:0\r\n:1\r\n"))
	// A timeout replies what was acknowledged.
	e.do(w, "set", "k", "w")
	if r := e.do(w, "wait", "2", "100"); r != "" {
		t.Fatalf("wait replied %q", r)
	}
	clk.Ms += 200
	e.srv.Cron()
	if got := string(w.Out.Bytes()); got != ":0\r\n" {
		t.Fatalf("wait timeout %q", got)
	}
}

// A WAIT or WAITAOF ended by anything but the ACKs leaves nothing on
// the list the ACKs are counted for: a client that closes while it waits,
// one released by CLIENT UNBLOCK, one turned away when the server
// becomes a replica.
func TestReplWaitLeavesNoStaleWaiter(t *testing.T) {
	e := newTestEnv(t)
	f := e.onlineReplica()
	w, o := e.newClient(), e.newClient()
	waiting := func(what string, want int) {
		t.Helper()
		if n := len(e.srv.repl.prim.waiting); n != want {
			t.Fatalf("%s: %d WAIT clients, want %d", what, n, want)
		}
	}
	e.do(w, "set", "k", "v")
	if r := e.do(w, "wait", "1", "0"); r != "" {
		t.Fatalf("wait replied %q", r)
	}
	waiting("blocked", 1)
	e.srv.FreeClient(w)
	waiting("after the client closed", 0)
	e.expectAll(f.c, rc("replconf ack "+strconv.FormatInt(e.srv.repl.offset, 10), ""))

	u := e.newClient()
	e.do(u, "set", "k", "w")
	if r := e.do(u, "waitaof", "0", "1", "0"); r != "" {
		t.Fatalf("waitaof replied %q", r)
	}
	e.expectAll(o, rc("client unblock "+strconv.FormatInt(u.ID, 10)+" error", ":1\r\n"))
	if got := string(u.Out.Bytes()); got != "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n" {
		t.Fatalf("unblocked WAITAOF got %q", got)
	}
	waiting("after CLIENT UNBLOCK", 0)

	r := e.newClient()
	e.do(r, "set", "k", "x")
	if got := e.do(r, "wait", "1", "0"); got != "" {
		t.Fatalf("wait replied %q", got)
	}
	waiting("blocked again", 1)
	e.srv.unblockForRoleChange()
	if got := string(r.Out.Bytes()); got != "-UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)\r\n" {
		t.Fatalf("role change got %q", got)
	}
	waiting("after the role change", 0)
}

// onlineReplica is a replica that completed a diskless sync and sent its
// first ACK.
func (e *testEnv) onlineReplica() *fakeReplica {
	e.t.Helper()
	e.srv.Cfg.ReplDisklessSyncDelay = 0
	f := e.fakeReplica()
	e.expectAll(f.c, rc("replconf capa eof capa psync2", "+OK\r\n"), rc("psync ? -1", ""))
	e.finishSave()
	e.expectAll(f.c, rc("replconf ack 0", ""))
	if f.c.repl.state != replOnline || f.c.OutputHeld() {
		e.t.Fatalf("replica not online: %d", f.c.repl.state)
	}
	f.out()
	return f
}

// min-replicas-to-write refuses writes without enough replicas acking
// within min-replicas-max-lag; the cron PINGs the replicas and drops one
// silent for longer than repl-timeout.
func TestReplMinReplicasAndCron(t *testing.T) {
	e, clk := fakeClockEnv(t)
	w := e.newClient()
	e.expectAll(w,
		rc("config set min-replicas-to-write 1", "+OK\r\n"),
		rc("set k v", "-NOREPLICAS Not enough good replicas to write.\r\n"),
		rc("get k", "$-1\r\n"),
		rc("multi", "+OK\r\n"), rc("set k v", "-NOREPLICAS Not enough good replicas to write.\r\n"),
		rc("exec", "-EXECABORT Transaction discarded because of previous errors.\r\n"),
	)
	f := e.onlineReplica()
	e.expectAll(w, rc("set k v", "+OK\r\n"))
	if r := e.do(w, "info", "replication"); !strings.Contains(r, "min_slaves_good_slaves:1\r\n") {
		t.Fatalf("info:\n%s", r)
	}
	f.out()
	e.srv.repl.prim.cronRuns = int64(e.srv.Cfg.ReplPingReplicaPeriod) // a run that PINGs (run 0, at start-up, never does)
	clk.Ms += 1000
	e.srv.Cron()
	if got := f.out(); got != "*1\r\n$4\r\nPING\r\n" {
		t.Fatalf("cron fed %q", got)
	}
	clk.Ms += int64(e.srv.Cfg.ReplTimeout+1) * 1000
	e.srv.Cron()
	if f.c.link.(*wakeLink).closes == 0 || len(e.srv.repl.prim.replicas) != 0 {
		t.Fatal("silent replica kept")
	}
	e.expectAll(w, rc("set k v", "-NOREPLICAS Not enough good replicas to write.\r\n"))
}

// The RDB of a full sync is refused to a replica that went away: its
// transfer stops, and the others go on.
func TestReplSockCancel(t *testing.T) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fds[1])
	_ = unix.SetNonblock(fds[0], true)
	s, err := dupSock(fds[0], 60)
	unix.Close(fds[0])
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error)
	go func() { done <- s.write(make([]byte, 8<<20)) }() // more than the socket buffers
	s.cancel()
	if err := <-done; err == nil {
		t.Fatal("write went through a cancelled socket")
	} else if !errors.Is(err, errReplSockStopped) && !errors.Is(err, unix.EPIPE) {
		var se *os.SyscallError
		if !errors.As(err, &se) {
			t.Fatalf("write: %v", err)
		}
	}
	s.close()
}

// REPLCONF VERSION reads versions as Valkey's version2num does.
func TestParseVersion(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
		ok   bool
	}{
		{"9.0.4", 0x090004, true},
		{"255.255.255", 0xffffff, true},
		{"7..0", 0x070000, true},
		{"7.0.", 0x070000, true},
		{"..", 0, true},
		{"", 0, false},
		{"7.0", 0, false},
		{"7.0.0.1", 0, false},
		{"7.256.0", 0, false},
		{"7.0.x", 0, false},
		{"-7.0.0", 0, false},
	} {
		if got, ok := parseVersion([]byte(tc.in)); got != tc.want || ok != tc.ok {
			t.Errorf("parseVersion(%q) = %#x, %v; want %#x, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func FuzzReplconf(f *testing.F) {
	f.Add("ack", "12", "fack", "7")
	f.Add("rdb-filter-only", `"functions" 'x'`, "version", "1.2.3")
	f.Add("capa", "eof", "listening-port", "-1")
	e := newTestEnv(f)
	f.Fuzz(func(t *testing.T, a, b, c, d string) {
		cl := e.newClient()
		e.srv.Call(cl, [][]byte{[]byte("replconf"), []byte(a), []byte(b), []byte(c), []byte(d)})
		if out := cl.Out.Bytes(); len(out) > 0 && out[0] != '+' && out[0] != '-' {
			t.Fatalf("reply %q", out)
		}
		e.srv.FreeClient(cl)
		parseVersion([]byte(d))
		parseReplconfAck([][]byte{[]byte(a), []byte(b), []byte(c), []byte(d)})
	})
}

// socketSaveTo starts a snapshot streamed to n fake replicas of e.
func (e *testEnv) socketSaveTo(n int) (*bgSave, []*fakeReplica) {
	e.t.Helper()
	e.srv.Cfg.ReplDisklessSyncDelay = 100 // they wait for each other
	var fs []*fakeReplica
	for i := range n {
		f := e.fakeReplica()
		e.expectAll(f.c,
			rc("replconf listening-port "+strconv.Itoa(7001+i)+" capa eof capa psync2", "+OK\r\n"),
			rc("psync ? -1", ""))
		fs = append(fs, f)
	}
	e.srv.Cfg.ReplDisklessSyncDelay = 0
	e.srv.replStartPending()
	bg := e.srv.bgsave.run
	if bg == nil || bg.repl == nil || len(bg.repl.targets) != n {
		e.t.Fatalf("no socket save to %d replicas under way: %+v", n, bg)
	}
	return bg, fs
}

// A socket snapshot goes on while one of its replicas is left, and stops
// when the last one goes; its sockets are closed.
func TestSocketSaveStopsWhenItsReplicasGo(t *testing.T) {
	e := newTestEnv(t)
	var log bytes.Buffer
	e.srv.Log = NewLogger(&log, LogNotice)
	e.do(e.newClient(), "set", "a", "1")
	bg, fs := e.socketSaveTo(2)
	e.srv.FreeClient(fs[0].c)
	if e.srv.bgsave.run != bg {
		t.Fatal("the save stopped with a replica left")
	}
	e.srv.FreeClient(fs[1].c)
	if e.srv.bgsave.run != nil {
		t.Fatal("the save goes on without replicas")
	}
	if !strings.Contains(log.String(), "Connection with replica 127.0.0.1:7002 lost.\n") || !strings.Contains(log.String(), "Diskless rdb transfer, last replica dropped, killing fork child.\n") {
		t.Fatalf("log:\n%s", log.String())
	}
	for _, tg := range bg.repl.targets {
		sock := tg.sock.(*replSock)
		sock.mu.Lock()
		fd := sock.fd
		sock.mu.Unlock()
		if fd != -1 {
			t.Fatalf("the transfer's socket %d is still open", fd)
		}
	}
}

// A replica that stops reading a socket snapshot for repl-timeout is
// dropped by the cron; the other gets the whole snapshot, and the log
// says how many were still up when it was all sent.
func TestSocketSaveDropsTimedOutReplica(t *testing.T) {
	e := newTestEnv(t)
	var log bytes.Buffer
	e.srv.Log = NewLogger(&log, LogNotice)
	e.srv.Cfg.ReplTimeout = 1
	c := e.newClient()
	e.do(c, "config", "set", "rdbcompression", "no")
	e.do(c, "set", "big", strings.Repeat("x", 8<<20))
	bg, fs := e.socketSaveTo(2)
	stalled, reader := fs[0], fs[1]
	stop := make(chan struct{})
	got := make(chan int)
	go func() { // the replica that reads
		n := 0
		buf := make([]byte, 1<<20)
		stopping := false
		for {
			select {
			case <-stop:
				stopping = true
			default:
			}
			k, _ := unix.Read(reader.peer, buf)
			switch {
			case k > 0:
				n += k
			case stopping:
				got <- n // all that was sent is read
				return
			default:
				time.Sleep(time.Millisecond)
			}
		}
	}()
	for {
		if more, _ := e.srv.bgsaveStep(); !more {
			break
		}
	}
	err := bg.out.wait() // the drain has sent everything it could
	if !bg.repl.targets[0].timedOut.Load() {
		t.Fatalf("the stalled replica's transfer did not time out: %v", bg.repl.targets[0].err)
	}
	e.srv.replPrimaryCron(time.Now().UnixMilli() + 1000)
	if stalled.c.link.(*wakeLink).closes != 1 || !strings.Contains(log.String(), "Disconnecting timedout replica (full sync): 127.0.0.1:7001\n") {
		t.Fatalf("closes %d, log:\n%s", stalled.c.link.(*wakeLink).closes, log.String())
	}
	e.srv.FreeClient(stalled.c)
	if e.srv.bgsave.run != bg {
		t.Fatal("the save stopped with a replica left")
	}
	e.srv.bgsaveDone(bg, err)
	close(stop)
	if n := <-got; n < 8<<20 {
		t.Fatalf("the reading replica got %d bytes", n)
	}
	inOrder(t, log.String(), []string{"Disconnecting timedout replica (full sync): 127.0.0.1:7001\n",
		"Diskless rdb transfer, done reading from pipe, 1 replicas still up.\n", "Background RDB transfer terminated with success\n",
		"Streamed RDB transfer with replica 127.0.0.1:7002 succeeded (socket)."})
	if reader.c.repl.state != replOnline {
		t.Fatalf("the reading replica's state is %d", reader.c.repl.state)
	}
}

// The full sync timeout is the repl-timeout set now, not the one the
// transfer started with: a replica stalled longer is dropped, and the
// snapshot, with nobody left to read it, stops.
func TestSocketSaveDropsReplicaStalledPastReplTimeout(t *testing.T) {
	e := newTestEnv(t)
	var log bytes.Buffer
	e.srv.Log = NewLogger(&log, LogNotice)
	c := e.newClient()
	e.do(c, "config", "set", "rdbcompression", "no")
	e.do(c, "set", "big", strings.Repeat("x", 8<<20))
	bg, fs := e.socketSaveTo(1)
	for {
		if more, _ := e.srv.bgsaveStep(); !more {
			break
		}
	}
	sock := bg.repl.targets[0].sock
	deadline := time.Now().Add(10 * time.Second)
	for sock.stalledSince() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the transfer never found the socket full")
		}
		time.Sleep(time.Millisecond)
	}
	since := sock.stalledSince()
	e.srv.replPrimaryCron(since + 1500)
	if fs[0].c.link.(*wakeLink).closes != 0 {
		t.Fatal("dropped within the default repl-timeout")
	}
	e.do(c, "config", "set", "repl-timeout", "1")
	e.srv.replPrimaryCron(since + 2500)
	e.srv.replPrimaryCron(since + 3500) // once
	if fs[0].c.link.(*wakeLink).closes != 1 || strings.Count(log.String(), "Disconnecting timedout replica (full sync): 127.0.0.1:7001\n") != 1 {
		t.Fatalf("closes %d, log:\n%s", fs[0].c.link.(*wakeLink).closes, log.String())
	}
	e.srv.FreeClient(fs[0].c)
	if e.srv.bgsave.run != nil || !strings.Contains(log.String(), "Diskless rdb transfer, last replica dropped, killing fork child.\n") {
		t.Fatalf("save %v, log:\n%s", e.srv.bgsave.run, log.String())
	}
}

// INFO memory and MEMORY STATS count the replication stream's memory: the
// backlog's ring, and the stream a replica has still to be sent.
func TestReplicationMemoryFields(t *testing.T) {
	e := newTestEnv(t)
	f := e.onlineReplica()
	w := e.newClient()
	e.do(w, "set", "k", strings.Repeat("v", 100<<10)) // waits in the replica's output
	backlog, out := cap(e.srv.repl.backlog.buf), f.c.Out.Cap()+f.c.queryBufAlloc()+f.c.ArgvMem
	if backlog == 0 || out < 100<<10 {
		t.Fatalf("backlog %d, replica output %d", backlog, out)
	}
	info := e.do(w, "info", "memory")
	want := fmt.Sprintf("\r\nmem_replication_backlog:%d\r\nmem_total_replication_buffers:%d\r\nmem_clients_slaves:%d\r\n", backlog, backlog+out, out)
	if !strings.Contains(info, want) {
		t.Fatalf("INFO memory lacks %q:\n%s", want, info)
	}
	stats := e.do(w, "memory", "stats")
	if want := fmt.Sprintf("$19\r\nreplication.backlog\r\n:%d\r\n$14\r\nclients.slaves\r\n:%d\r\n", backlog, out); !strings.Contains(stats, want) {
		t.Fatalf("MEMORY STATS lacks %q:\n%q", want, stats)
	}
}
