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
	return &testEnv{t: t, srv: NewServer(config.New(), NewLogger(io.Discard, LogWarning)), port: 40000}
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
