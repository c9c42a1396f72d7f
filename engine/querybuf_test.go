package engine

import (
	"strings"
	"testing"
)

// trimLink is a connection with a query buffer of its own: it records the
// trims the cron asks for.
type trimLink struct {
	recLink
	trims []bool // each request's idle flag
}

func (l *trimLink) TrimQueryBuf(idle bool) { l.trims = append(l.trims, idle) }

// CLIENT LIST shows the query buffer as the I/O loop last left it, and
// tot-mem counts its whole allocation.
func TestClientListQueryBuffer(t *testing.T) {
	e := newClientTestEnv(t)
	c, _ := e.client()
	c.SetQueryBuf(19, 16384)
	line := e.s.appendClientInfo(nil, c, e.clock.Ms)
	if !strings.Contains(string(line), " qbuf=19 qbuf-free=16365 ") {
		t.Fatalf("CLIENT LIST line %q", line)
	}
	c.SetQueryBuf(0, 0)
	without := e.s.appendClientInfo(nil, c, e.clock.Ms)
	if !strings.Contains(string(without), " qbuf=0 qbuf-free=0 ") {
		t.Fatalf("CLIENT LIST line %q", without)
	}
	if a, b := totMem(t, string(line)), totMem(t, string(without)); a-b != 16384 {
		t.Fatalf("tot-mem %d with the buffer, %d without: want 16384 apart", a, b)
	}
}

func totMem(t *testing.T, line string) int {
	t.Helper()
	_, rest, ok := strings.Cut(line, " tot-mem=")
	if !ok {
		t.Fatalf("no tot-mem in %q", line)
	}
	n := 0
	for _, ch := range rest {
		if ch < '0' || ch > '9' {
			break
		}
		n = n*10 + int(ch-'0')
	}
	return n
}

// The cron asks for a trim when the free space is over 4 KiB and the
// client is idle for more than two whole seconds, or its buffer is over
// 32 KiB; it asks nothing of a client whose link has no query buffer.
func TestCronAsksForQueryBufferTrims(t *testing.T) {
	e := newClientTestEnv(t)
	links := map[string]*trimLink{}
	for _, name := range []string{"small-free", "busy-16k", "busy-64k", "idle-16k", "idle-5k-used"} {
		c := e.s.NewClient("127.0.0.1:1", "127.0.0.1:6379", 1, false)
		l := &trimLink{}
		c.SetLink(l)
		links[name] = l
		switch name {
		case "small-free":
			c.SetQueryBuf(100, 4196) // 4096 free: left alone
			c.LastInteraction -= 10_000
		case "busy-16k":
			c.SetQueryBuf(0, 16384)
		case "busy-64k":
			c.SetQueryBuf(10, 65536)
		case "idle-16k":
			c.SetQueryBuf(0, 16384)
			c.LastInteraction -= 3_000
		case "idle-5k-used":
			c.SetQueryBuf(5000, 20000)
			c.LastInteraction -= 3_000
		}
	}
	noTrimmer := e.s.NewClient("127.0.0.1:2", "127.0.0.1:6379", 2, false)
	noTrimmer.SetLink(&recLink{})
	noTrimmer.SetQueryBuf(0, 1<<20)

	e.s.clientsCron(e.clock.Ms)
	want := map[string][]bool{"busy-64k": {false}, "idle-16k": {true}, "idle-5k-used": {true}}
	for name, l := range links {
		if got := l.trims; len(got) != len(want[name]) || len(got) == 1 && got[0] != want[name][0] {
			t.Errorf("%s: trims %v, want %v", name, got, want[name])
		}
	}
}

// Each cron step visits a share of the clients, at least five, so that
// at hz steps a second every client is visited about once a second; a
// freed client leaves the ring and the others stay in it.
func TestClientsCronGoesRound(t *testing.T) {
	e := newClientTestEnv(t)
	e.s.Cfg.Hz = 10
	var links []*trimLink
	var clients []*Client
	for range 120 {
		c := e.s.NewClient("127.0.0.1:1", "127.0.0.1:6379", 1, false)
		l := &trimLink{}
		c.SetLink(l)
		c.SetQueryBuf(0, 1<<20) // every visit asks for a trim
		links = append(links, l)
		clients = append(clients, c)
	}
	e.s.clientsCron(e.clock.Ms)
	if n := countTrims(links); n != 12 {
		t.Fatalf("one step of 120 clients at hz 10 visited %d, want 12", n)
	}
	for range 9 {
		e.s.clientsCron(e.clock.Ms)
	}
	for i, l := range links {
		if len(l.trims) != 1 {
			t.Fatalf("client %d visited %d times in a second's steps, want 1", i, len(l.trims))
		}
	}

	for _, c := range clients[:117] {
		e.s.FreeClient(c)
	}
	left := links[117:]
	for _, l := range left {
		l.trims = nil
	}
	e.s.clientsCron(e.clock.Ms)
	for i, l := range left {
		if len(l.trims) != 1 {
			t.Fatalf("remaining client %d visited %d times in one step, want 1 (at least five a step)", i, len(l.trims))
		}
	}
	if len(e.s.clientRing.list) != 3 {
		t.Fatalf("ring holds %d clients, want 3", len(e.s.clientRing.list))
	}
}

func countTrims(links []*trimLink) int {
	n := 0
	for _, l := range links {
		n += len(l.trims)
	}
	return n
}
