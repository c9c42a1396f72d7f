package main

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/valkey-io/valkey-go"
)

// TestSetOverTheWire drives the set group and SORT through the real
// binary: exact bytes (RESP2 and RESP3) where the order is the encoding's,
// a pipeline that walks a set through intset, listpack and hashtable, and
// a real client for SSCAN and SPOP on the large set.
func TestSetOverTheWire(t *testing.T) {
	s := startServer(t)
	c := dialRaw(t, s)
	c.Expect(":3\r\n", "SADD", "s", "3", "1", "2")
	c.Expect("$6\r\nintset\r\n", "OBJECT", "ENCODING", "s")
	c.Expect("*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n", "SMEMBERS", "s")
	c.Expect(":1\r\n", "SADD", "s", "x")
	c.Expect("$8\r\nlistpack\r\n", "OBJECT", "ENCODING", "s")
	c.Expect("*4\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\nx\r\n", "SMEMBERS", "s")
	c.Expect("*3\r\n:1\r\n:0\r\n:1\r\n", "SMISMEMBER", "s", "x", "y", "1")
	c.Expect("-ERR value is out of range, must be positive\r\n", "SPOP", "s", "-1")
	c.Expect("*2\r\n$1\r\n2\r\n$1\r\n3\r\n", "SORT", "s", "BY", "nosort", "LIMIT", "1", "2")
	c.Expect("*4\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\nx\r\n", "SORT", "s", "ALPHA")
	c.Expect("-ERR One or more scores can't be converted into double\r\n", "SORT", "s")

	// Pipelines of SADDs: an intset up to 512 members, then a table.
	pipeline := func(from, to int) {
		var pipe strings.Builder
		for i := from; i < to; i++ {
			pipe.WriteString(multibulk("SADD", "big", strconv.Itoa(i)))
		}
		c.Send(pipe.String())
		for i := from; i < to; i++ {
			if r := c.Reply(); r != ":1\r\n" {
				t.Fatalf("sadd %d: %q", i, r)
			}
		}
	}
	pipeline(0, 512)
	c.Expect("$6\r\nintset\r\n", "OBJECT", "ENCODING", "big")
	pipeline(512, 600)
	c.Expect("$9\r\nhashtable\r\n", "OBJECT", "ENCODING", "big")
	c.Expect(":3\r\n", "SINTERSTORE", "i", "big", "s")
	c.Expect("$6\r\nintset\r\n", "OBJECT", "ENCODING", "i")
	c.Expect(":601\r\n", "SUNIONSTORE", "u", "big", "s")
	c.Expect("$9\r\nhashtable\r\n", "OBJECT", "ENCODING", "u")
	c.Expect(":2\r\n", "SINTERCARD", "2", "big", "s", "LIMIT", "2")

	if r := c.Do("HELLO", "3"); !strings.HasPrefix(r, "%7\r\n") {
		t.Fatalf("hello: %q", r)
	}
	c.Expect("~3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n", "SMEMBERS", "i")
	c.Expect("~0\r\n", "SINTER", "i", "nokey")
	c.Expect("_\r\n", "SPOP", "nokey")

	ctx := context.Background()
	cl, err := valkey.NewClient(valkey.ClientOption{InitAddress: []string{s.Addr()}, DisableCache: true})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	seen := map[string]bool{}
	cursor := uint64(0)
	for {
		e, err := cl.Do(ctx, cl.B().Sscan().Key("big").Cursor(cursor).Count(20).Build()).AsScanEntry()
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range e.Elements {
			seen[m] = true
		}
		if cursor = e.Cursor; cursor == 0 {
			break
		}
	}
	if len(seen) != 600 {
		t.Fatalf("sscan saw %d members", len(seen))
	}
	popped, err := cl.Do(ctx, cl.B().Spop().Key("big").Count(590).Build()).AsStrSlice()
	if err != nil || len(popped) != 590 {
		t.Fatalf("spop 590: %d members, %v", len(popped), err)
	}
	rest, err := cl.Do(ctx, cl.B().Smembers().Key("big").Build()).AsStrSlice()
	if err != nil || len(rest) != 10 {
		t.Fatalf("smembers after spop: %v %v", rest, err)
	}
	all := append(popped, rest...)
	sort.Slice(all, func(i, j int) bool { n, _ := strconv.Atoi(all[i]); m, _ := strconv.Atoi(all[j]); return n < m })
	for i, m := range all {
		if m != strconv.Itoa(i) {
			t.Fatalf("popped and remaining members differ from the set at %d: %q", i, m)
		}
	}
	sorted, err := cl.Do(ctx, cl.B().Sort().Key("big").Desc().Build()).AsStrSlice()
	if err != nil || len(sorted) != 10 || !sort.SliceIsSorted(sorted, func(i, j int) bool {
		n, _ := strconv.Atoi(sorted[i])
		m, _ := strconv.Atoi(sorted[j])
		return n > m
	}) {
		t.Fatalf("sort desc: %v %v", sorted, err)
	}
}
