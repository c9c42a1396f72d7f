package engine

import (
	"io"
	"strconv"
	"testing"
)

// recLink is a Link that records what the engine asked of the connection.
type recLink struct {
	wakes  int
	closes int
	asap   bool
}

func (l *recLink) Wake() { l.wakes++ }

func (l *recLink) Close(asap bool) {
	l.closes++
	l.asap = asap
}

// clientTestEnv is a server on a fake clock whose clients have recLinks.
type clientTestEnv struct {
	t     testing.TB
	s     *Server
	clock *FakeClock
	port  int
}

func newClientTestEnv(t testing.TB) *clientTestEnv {
	t.Helper()
	s := NewServer(testConfig(t), NewLogger(io.Discard, LogWarning))
	clock := &FakeClock{Ms: 1_700_000_000_500}
	s.Clock = clock
	return &clientTestEnv{t: t, s: s, clock: clock, port: 50000}
}

// client connects a new client from 127.0.0.1 on the next port.
func (e *clientTestEnv) client() (*Client, *recLink) {
	e.port++
	c := e.s.NewClient("127.0.0.1:"+strconv.Itoa(e.port), "127.0.0.1:6379", e.port-50000+10, false)
	l := &recLink{}
	c.SetLink(l)
	return c, l
}

// call runs one command for c and returns its reply alone.
func (e *clientTestEnv) call(c *Client, args ...string) string {
	e.t.Helper()
	c.Out.Reset()
	argv := make([][]byte, len(args))
	for i, a := range args {
		argv[i] = []byte(a)
	}
	e.s.Call(c, argv)
	out := string(c.Out.Bytes())
	c.Out.Reset()
	return out
}
