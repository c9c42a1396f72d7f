package engine

import (
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/volleydb/volley/engine/config"
)

// testEnv is a server with default configuration and fake clients, for
// table tests that run commands through the dispatcher and compare the
// exact bytes of the replies.
type testEnv struct {
	t    testing.TB
	srv  *Server
	port int
}

// newTestEnv builds a server; edit e.srv.Cfg before calling commands to
// change settings (or use CONFIG SET through e.do).
func newTestEnv(t testing.TB) *testEnv {
	t.Helper()
	return &testEnv{t: t, srv: NewServer(testConfig(t), NewLogger(io.Discard, LogWarning)), port: 40000}
}

// testConfig is the default configuration with dir in a fresh temporary
// directory, where a save (FLUSHALL with save points, SAVE) writes.
func testConfig(t testing.TB) *config.Config {
	cfg := config.New()
	cfg.Dir = t.TempDir()
	return cfg
}

// wakeLink is a Link that counts wakes and closes.
type wakeLink struct{ wakes, closes int }

func (l *wakeLink) Wake()      { l.wakes++ }
func (l *wakeLink) Close(bool) { l.closes++ }

// newClient connects a client from 127.0.0.1 on the next port, with a
// counting link.
func (e *testEnv) newClient() *Client {
	e.port++
	return e.clientAt("127.0.0.1:" + strconv.Itoa(e.port))
}

// clientAt connects a client from addr ("ip:port").
func (e *testEnv) clientAt(addr string) *Client {
	c := e.srv.NewClient(addr, "127.0.0.1:6379", e.port, false)
	c.SetLink(&wakeLink{})
	return c
}

// do runs one command for c and returns its reply alone, clearing c's
// output before and after.
func (e *testEnv) do(c *Client, args ...string) string {
	e.t.Helper()
	c.Out.Reset()
	argv := make([][]byte, len(args))
	for i, a := range args {
		argv[i] = []byte(a)
	}
	e.srv.Call(c, argv)
	out := string(c.Out.Bytes())
	c.Out.Reset()
	return out
}

// digest returns the dataset's DEBUG DIGEST, failing the test unless it
// is one (DEBUG is allowed for the call).
func (e *testEnv) digest() string {
	e.t.Helper()
	perm := e.srv.Cfg.EnableDebugCommand
	e.srv.Cfg.EnableDebugCommand = config.PermitYes
	d := e.do(e.newClient(), "debug", "digest")
	e.srv.Cfg.EnableDebugCommand = perm
	if len(d) != 43 || d[0] != '+' {
		e.t.Fatalf("DEBUG DIGEST replied %q", d)
	}
	return d
}

// volatileHashes makes n hashes h0..h<n-1>, each with fields a=1 and
// b=2, and gives the named fields a time to live of ms milliseconds,
// checking that each got it.
func (e *testEnv) volatileHashes(c *Client, n int, ms string, fields ...string) {
	e.t.Helper()
	args := append([]string{"hpexpire", "", ms, "fields", strconv.Itoa(len(fields))}, fields...)
	want := "*" + strconv.Itoa(len(fields)) + "\r\n" + strings.Repeat(":1\r\n", len(fields))
	for i := range n {
		args[1] = "h" + strconv.Itoa(i)
		e.do(c, "hset", args[1], "a", "1", "b", "2")
		if r := e.do(c, args...); r != want {
			e.t.Fatalf("%q = %q, want %q", args, r, want)
		}
	}
}

// expect runs each case's command on c and checks the exact reply.
func (e *testEnv) expect(c *Client, cases []replyCase) {
	e.t.Helper()
	for _, tc := range cases {
		if got := e.do(c, tc.cmd...); got != tc.want {
			e.t.Errorf("%q:\n got %q\nwant %q", tc.cmd, got, tc.want)
		}
	}
}

// replyCase is a command and its exact expected reply.
type replyCase struct {
	cmd  []string
	want string
}

// rc builds a replyCase from a space-separated command line.
func rc(line, want string) replyCase { return replyCase{strings.Fields(line), want} }

// bulk is the RESP2 bulk string for s.
func bulk(s string) string { return "$" + strconv.Itoa(len(s)) + "\r\n" + s + "\r\n" }

// errReply is the RESP error reply for msg.
func errReply(msg string) string { return "-" + msg + "\r\n" }

// keyEventSpy subscribes a client to every __keyevent@<db>__ channel and
// calls fn with each notification as it is published: the spy's link
// reads its output on every wake, which delivery makes for each message
// since the output is empty again each time.
func (e *testEnv) keyEventSpy(fn func(event, key string, db int)) {
	e.port++
	c := e.srv.NewClient("127.0.0.1:"+strconv.Itoa(e.port), "127.0.0.1:6379", e.port, false)
	c.SetLink(&spyLink{c: c, t: e.t, fn: fn})
	e.do(c, "psubscribe", "__keyevent@*__:*")
}

type spyLink struct {
	c  *Client
	t  testing.TB
	fn func(event, key string, db int)
}

func (l *spyLink) Close(bool) {}

func (l *spyLink) Wake() {
	out := string(l.c.Out.Bytes())
	l.c.Out.Reset()
	for out != "" {
		// *4 $8 pmessage $<pattern> $<channel> $<key>
		var items [4]string
		if !strings.HasPrefix(out, "*4\r\n") {
			l.t.Fatalf("spy: not a pmessage: %q", out)
		}
		out = out[4:]
		for i := range items {
			nl := strings.Index(out, "\r\n")
			n, err := strconv.Atoi(out[1:nl])
			if out[0] != '$' || err != nil {
				l.t.Fatalf("spy: bad bulk in %q", out)
			}
			items[i] = out[nl+2 : nl+2+n]
			out = out[nl+2+n+2:]
		}
		db, event, ok := strings.Cut(strings.TrimPrefix(items[2], "__keyevent@"), "__:")
		n, err := strconv.Atoi(db)
		if items[0] != "pmessage" || !ok || err != nil {
			l.t.Fatalf("spy: unexpected message %q", items)
		}
		l.fn(event, items[3], n)
	}
}
