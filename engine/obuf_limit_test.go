package engine

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
)

// Replies that grow with a count argument rather than with the data stop
// once they reach the hard limit, which closes the client anyway: a
// single command must not build gigabytes nobody will be sent.
func TestRepliesStopAtTheHardLimit(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	if r := e.do(c, "config", "set", "client-output-buffer-limit", "normal 100000 0 0"); r != "+OK\r\n" {
		t.Fatal(r)
	}
	for _, cmd := range []string{
		"hset h a b", "sadd s a", "sadd bigs x", "zadd z 1 a",
	} {
		e.do(c, strings.Fields(cmd)...)
	}
	for i := range 2000 { // 2000 keys of 60 bytes for KEYS
		e.do(c, "set", strings.Repeat("k", 50)+strconv.Itoa(100000+i), "v")
	}
	e.do(c, "sadd", "bigs", strings.Repeat("m", 100)) // a listpack, not an intset
	for i := range 200 {                              // a hashtable
		e.do(c, "hset", "bigh", "f"+strconv.Itoa(i), "v")
	}
	for _, cmd := range []string{
		"hrandfield h -3000000", "hrandfield h -3000000 withvalues", "hrandfield bigh -3000000",
		"srandmember s -3000000", "srandmember bigs -3000000",
		"zrandmember z -3000000", "zrandmember z -3000000 withscores",
		"keys *",
	} {
		// Random picks come in batches of up to a thousand, as in Valkey.
		if n := len(e.do(c, strings.Fields(cmd)...)); n < 100000 || n > 110000 {
			t.Errorf("%s: a reply of %d bytes, want it stopped soon past 100000", cmd, n)
		}
	}
	e.do(c, "config", "set", "client-output-buffer-limit", "normal 0 0 0")
	if r := e.do(c, "srandmember", "s", "-200000"); len(r) < 200000*7 {
		t.Errorf("without a limit SRANDMEMBER -200000 gave %d bytes", len(r))
	}
}

// heldLink is a link whose connection holds held bytes of output.
type heldLink struct {
	wakeLink
	held int
}

func (l *heldLink) OutputHeld() int { return l.held }

// A client over its soft limit that gets no more output is closed by the
// clients cron once the limit's seconds have passed, as Valkey's is.
func TestCronClosesClientPastSoftLimit(t *testing.T) {
	e, clk := fakeClockEnv(t)
	var log bytes.Buffer
	e.srv.Log = NewLogger(&log, LogNotice)
	c := e.newClient()
	if r := e.do(c, "config", "set", "client-output-buffer-limit", "normal 0 100000 2"); r != "+OK\r\n" {
		t.Fatal(r)
	}
	l := &heldLink{held: 150000}
	c.SetLink(l)

	e.srv.Cron() // the soft limit is reached: its seconds start
	clk.Ms += 2000
	e.srv.Cron()
	if l.closes != 0 {
		t.Fatal("closed before the soft limit's seconds passed")
	}
	clk.Ms += 1001
	e.srv.Cron()
	if l.closes != 1 || c.Flags&ClientCloseASAP == 0 {
		t.Fatalf("after the soft limit's seconds: %d closes, flags %#x", l.closes, c.Flags)
	}
	if !strings.Contains(log.String(), "closed for overcoming of output buffer limits.") {
		t.Fatalf("log:\n%s", log.String())
	}
	if info := e.do(e.newClient(), "info", "stats"); !strings.Contains(info, "\r\nclient_output_buffer_limit_disconnections:1\r\n") {
		t.Fatalf("INFO stats:\n%s", info)
	}

	// Under the limit again before its seconds pass: the count starts over.
	d := e.newClient()
	ld := &heldLink{held: 150000}
	d.SetLink(ld)
	e.srv.Cron()
	clk.Ms += 1500
	ld.held = 10
	e.srv.Cron()
	ld.held = 150000
	clk.Ms += 1500
	e.srv.Cron()
	clk.Ms += 1500
	e.srv.Cron()
	if ld.closes != 0 {
		t.Fatal("closed although the output went under the soft limit in between")
	}
}
