package main

import (
	"strconv"
	"strings"
	"testing"
)

// A bulk reply at least min-string-size-avoid-copy-reply bytes long is
// written from the stored value by reference. Writes later in the same
// pipeline must not change what that reply sends: APPEND, SETRANGE, SET
// and DEL of the key all leave the earlier GET's bytes intact, and so
// does a new value of the same size stored after the DEL, which would
// take the deleted one's memory if the reply did not hold it. Sizes
// cover the default threshold's neighbourhood, the slab limit and a value
// far past both.
func TestZeroCopyReplyIsNotChangedByLaterWrites(t *testing.T) {
	s := startServer(t)
	rc := dialRaw(t, s)
	for _, size := range []int{16383, 16384, 20000, 32768, 40000, 1 << 20} {
		old := strings.Repeat("a", size-1) + "b"
		rc.Expect("+OK\r\n", "SET", "k", old)
		rc.Send(multibulk("GET", "k") + multibulk("SETRANGE", "k", "0", "zzz") + multibulk("GET", "k") +
			multibulk("APPEND", "k", "tail") + multibulk("GET", "k") + multibulk("SET", "k", "short") +
			multibulk("GET", "k") + multibulk("DEL", "k") + multibulk("GET", "k") +
			multibulk("SET", "k2", strings.Repeat("c", size+4)) + multibulk("DEL", "k2"))
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
			"+OK\r\n",
			":1\r\n",
		}
		rc.ExpectReplies("size "+strconv.Itoa(size), want...)
	}
}

// SETBIT and BITFIELD edit an unreferenced large value in place, and copy
// one that an earlier reply in the same pipeline still references: the
// GET before them sends the old bytes, the GET after them the new ones,
// and once those replies are written the key keeps taking in-place edits.
func TestZeroCopyReplyIsNotChangedByBitWrites(t *testing.T) {
	s := startServer(t)
	rc := dialRaw(t, s)
	for _, size := range []int{16384, 20000, 40000, 1 << 20} {
		old := strings.Repeat("\x00", size-1) + "b"
		rc.Expect("+OK\r\n", "SET", "k", old)
		rc.Expect(":0\r\n", "SETBIT", "k", "1", "1") // nothing references it: in place
		old = "@" + old[1:]
		rc.Send(multibulk("GET", "k") + multibulk("SETBIT", "k", "7", "1") + multibulk("GET", "k") +
			multibulk("BITFIELD", "k", "SET", "u8", "8", "255", "INCRBY", "u8", "#2", "7") + multibulk("GET", "k") +
			multibulk("SETBIT", "k", "0", "1") + multibulk("BITCOUNT", "k", "0", "3"))
		v1 := "A" + old[1:]
		v2 := "A\xff\x07" + old[3:]
		want := []string{
			bulk(old),
			":0\r\n",
			bulk(v1),
			"*2\r\n:0\r\n:7\r\n",
			bulk(v2),
			":0\r\n",
			":" + strconv.Itoa(3+8+3) + "\r\n",
		}
		rc.ExpectReplies("size "+strconv.Itoa(size), want...)
		rc.Expect(bulk("\xc1\xff\x07"), "GETRANGE", "k", "0", "2")
	}
}

// A reply that references a large value keeps it through FLUSHALL, SYNC
// or ASYNC (which drops the whole keyspace on another goroutine), and
// through new values stored after it that could take its memory.
func TestZeroCopyReplySurvivesFlush(t *testing.T) {
	s := startServer(t)
	rc := dialRaw(t, s)
	for _, mode := range []string{"SYNC", "ASYNC"} {
		for _, size := range []int{20000, 1 << 20} {
			old := strings.Repeat("o", size-1) + "!"
			rc.Expect("+OK\r\n", "SET", "k", old)
			cmds := multibulk("GET", "k") + multibulk("FLUSHALL", mode)
			for i := range 4 {
				cmds += multibulk("SET", "n"+strconv.Itoa(i), strings.Repeat("n", size))
			}
			rc.Send(cmds + multibulk("DBSIZE"))
			want := []string{bulk(old), "+OK\r\n", "+OK\r\n", "+OK\r\n", "+OK\r\n", "+OK\r\n", ":4\r\n"}
			rc.ExpectReplies("FLUSHALL "+mode+", size "+strconv.Itoa(size), want...)
		}
	}
}
