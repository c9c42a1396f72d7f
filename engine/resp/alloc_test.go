//go:build !race

package resp

import "testing"

// pipeline is what a pipelining client sends in one write: GET, SET and PING
// in RESP, and an inline PING as valkey-benchmark's PING_INLINE sends it.
var pipeline = func() []byte {
	var b []byte
	for range 16 {
		b = append(b, "*2\r\n$3\r\nGET\r\n$8\r\nkey:0001\r\n"...)
		b = append(b, "*3\r\n$3\r\nSET\r\n$8\r\nkey:0002\r\n$16\r\nvalue-0123456789\r\n"...)
		b = append(b, "*1\r\n$4\r\nPING\r\n"...)
		b = append(b, "PING\r\n"...)
	}
	return b
}()

func TestParseAllocs(t *testing.T) {
	var p Parser
	argv := make([][]byte, 0, 8)
	parsed := 0
	allocs := testing.AllocsPerRun(100, func() {
		parsed = 0
		for buf := pipeline; len(buf) > 0; {
			var n int
			var err error
			argv, n, err = p.Parse(buf, argv)
			if err != nil || n == 0 {
				t.Fatalf("Parse: %d, %v", n, err)
			}
			buf = buf[n:]
			parsed++
		}
	})
	if allocs != 0 {
		t.Errorf("parsing a pipeline of %d commands allocates %.1f times, want 0", parsed, allocs)
	}
}

func TestAppendAllocs(t *testing.T) {
	dst := make([]byte, 0, 256)
	allocs := testing.AllocsPerRun(100, func() {
		dst = AppendBulk(dst[:0], []byte("value"))
		dst = AppendInt(dst, 42)
		dst = AppendDouble(dst, 3.14159, RESP3)
		dst = AppendDouble(dst, 1e-9, RESP2)
		dst = AppendMapLen(dst, 2, RESP2)
	})
	if allocs != 0 {
		t.Errorf("appending replies allocates %.1f times, want 0", allocs)
	}
}
