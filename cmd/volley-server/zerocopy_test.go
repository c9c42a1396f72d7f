package main

import (
	"strconv"
	"strings"
	"testing"
)

// A bulk reply at least min-string-size-avoid-copy-reply bytes long is
// written from the stored value by reference. Writes later in the same
// pipeline must not change what that reply sends: APPEND, SETRANGE, SET
// and DEL of the key all leave the earlier GET's bytes intact. Sizes
// cover the default threshold's neighbourhood, the slab limit and a value
// far past both.
func TestZeroCopyReplyIsNotChangedByLaterWrites(t *testing.T) {
	s := startServer(t)
	rc := dialRaw(t, s)
	bulk := func(v string) string { return "$" + strconv.Itoa(len(v)) + "\r\n" + v + "\r\n" }
	for _, size := range []int{16383, 16384, 20000, 32768, 40000, 1 << 20} {
		old := strings.Repeat("a", size-1) + "b"
		rc.Expect("+OK\r\n", "SET", "k", old)
		rc.Send(multibulk("GET", "k") + multibulk("SETRANGE", "k", "0", "zzz") + multibulk("GET", "k") +
			multibulk("APPEND", "k", "tail") + multibulk("GET", "k") + multibulk("SET", "k", "short") +
			multibulk("GET", "k") + multibulk("DEL", "k") + multibulk("GET", "k"))
		want := []string{
			bulk(old),
			":" + strconv.Itoa(size) + "\r\n",
			bulk("zzz" + old[3:]),
			":" + strconv.Itoa(size+4) + "\r\n",
			bulk("zzz" + old[3:] + "tail"),
			"+OK\r\n",
			bulk("short"),
			":1\r\n",
			"$-1\r\n",
		}
		for i, w := range want {
			if got := rc.Reply(); got != w {
				if len(got) > 80 {
					got = got[:40] + "..." + got[len(got)-40:]
				}
				t.Fatalf("size %d, reply %d: got %q (len %d), want len %d", size, i, got, len(got), len(w))
			}
		}
	}
}
