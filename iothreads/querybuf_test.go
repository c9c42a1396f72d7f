package iothreads

import (
	"strings"
	"testing"
)

// The query buffer through the steps of Valkey's unit/querybuf, as the
// engine sees it (CLIENT LIST's qbuf and qbuf-free): none of its own while
// every read holds whole commands; one of at least 16 KiB once a command
// is split across reads, kept when it empties; all of it given back when
// the cron finds the client idle.
func TestQueryBufferGrowsKeepsAndTrims(t *testing.T) {
	s, fc := newTestIO(t)
	cn := fc.ctx.(*conn)
	expect := func(step string, used, free int) {
		t.Helper()
		if u, f := cn.cl.QueryBuf(); u != used || f != free {
			t.Fatalf("%s: qbuf=%d qbuf-free=%d, want %d and %d", step, u, f, used, free)
		}
	}
	fc.in = []byte("*1\r\n$4\r\nPING\r\n")
	s.OnTraffic(fc)
	expect("whole command", 0, 0)

	part := "*3\r\n$3\r\nset\r\n$2\r\na"
	fc.in = []byte(part)
	s.OnTraffic(fc)
	expect("split command", len(part), minQbuf-len(part)) // shown at once, not after the next read

	fc.out, fc.in = nil, []byte("a\r\n$1\r\nb\r\n")
	s.OnTraffic(fc)
	if string(fc.out) != "+OK\r\n" {
		t.Fatalf("completed command replied %q", fc.out)
	}
	expect("emptied", 0, minQbuf)

	wakes := fc.wakes
	link{cn}.TrimQueryBuf(true)
	if fc.wakes != wakes+1 {
		t.Fatal("a trim request did not wake the loop")
	}
	s.OnTraffic(fc) // the wake-up
	expect("idle trim", 0, 0)
}

// A bulk argument announced but not sent yet gets its whole size at once;
// an idle trim gives back what is not used, and the argument still
// arrives whole.
func TestQueryBufferForAFatArgument(t *testing.T) {
	s, fc := newTestIO(t)
	cn := fc.ctx.(*conn)
	head := "*3\r\n$3\r\nset\r\n$1\r\nk\r\n$1000000\r\n"
	fc.in = []byte(head + "a")
	s.OnTraffic(fc)
	if used, free := cn.cl.QueryBuf(); used != len(head)+1 || used+free < 1000002 {
		t.Fatalf("qbuf=%d qbuf-free=%d, want %d used and room for the argument", used, free, len(head)+1)
	}
	link{cn}.TrimQueryBuf(true)
	s.OnTraffic(fc)
	if used, free := cn.cl.QueryBuf(); used != len(head)+1 || free != 0 {
		t.Fatalf("after the idle trim: qbuf=%d qbuf-free=%d, want %d and 0", used, free, len(head)+1)
	}
	fc.out, fc.in = nil, []byte(strings.Repeat("a", 999999)+"\r\n*2\r\n$6\r\nstrlen\r\n$1\r\nk\r\n")
	s.OnTraffic(fc)
	if got := string(fc.out); got != "+OK\r\n:1000000\r\n" {
		t.Fatalf("replies %q", got)
	}
}

// A busy client's buffer is trimmed down to what it has held at once
// since the last trim, and kept while that is over half of it.
func TestQueryBufferBusyTrimFollowsThePeak(t *testing.T) {
	s, fc := newTestIO(t)
	cn := fc.ctx.(*conn)
	big := "*3\r\n$3\r\nset\r\n$1\r\nx\r\n$400000\r\n" + strings.Repeat("A", 400000) + "\r\n"
	fc.in = []byte(big[:1000])
	s.OnTraffic(fc)
	fc.in = []byte(big[1000:])
	s.OnTraffic(fc)
	_, free := cn.cl.QueryBuf()
	if free < 400000 {
		t.Fatalf("qbuf-free=%d after a 400 kB argument", free)
	}
	link{cn}.TrimQueryBuf(false)
	s.OnTraffic(fc)
	if _, f := cn.cl.QueryBuf(); f != free {
		t.Fatalf("trimmed to %d right after the big argument, want it kept (%d)", f, free)
	}
	small := "*3\r\n$3\r\nset\r\n$1\r\nx\r\n$3\r\nabc\r\n"
	fc.in = []byte(small)
	s.OnTraffic(fc)
	link{cn}.TrimQueryBuf(false)
	s.OnTraffic(fc)
	if used, f := cn.cl.QueryBuf(); used != 0 || f != len(small) {
		t.Fatalf("after small commands: qbuf=%d qbuf-free=%d, want 0 and %d", used, f, len(small))
	}
}
