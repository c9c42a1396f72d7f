package main

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/valkey-io/valkey-go"
)

// TestZsetOverTheWire drives the sorted set group through the real binary:
// exact bytes (RESP2 and RESP3) for replies whose order is fixed, a
// pipeline that crosses the listpack/skiplist boundary, and a real client
// for the scan of a large set.
func TestZsetOverTheWire(t *testing.T) {
	s := startServer(t)
	c := dialRaw(t, s)
	c.Expect(":3\r\n", "ZADD", "z", "1", "a", "2.5", "b", "-inf", "c")
	c.Expect("*6\r\n$1\r\nc\r\n$4\r\n-inf\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$3\r\n2.5\r\n", "ZRANGE", "z", "0", "-1", "WITHSCORES")
	c.Expect("$8\r\nlistpack\r\n", "OBJECT", "ENCODING", "z")
	c.Expect("-ERR min or max is not a float\r\n", "ZCOUNT", "z", "x", "1")
	c.Expect("-ERR resulting score is not a number (NaN)\r\n", "ZINCRBY", "z", "+inf", "c")
	c.Expect("*2\r\n:2\r\n$3\r\n2.5\r\n", "ZRANK", "z", "b", "WITHSCORE")

	// A pipeline of 300 ZADDs, then the set is a skiplist.
	var pipe strings.Builder
	for i := range 300 {
		pipe.WriteString(multibulk("ZADD", "big", strconv.Itoa(i%17), "m"+strconv.Itoa(i)))
	}
	c.Send(pipe.String())
	for i := range 300 {
		if r := c.Reply(); r != ":1\r\n" {
			t.Fatalf("zadd %d: %q", i, r)
		}
	}
	c.Expect("$8\r\nskiplist\r\n", "OBJECT", "ENCODING", "big")
	c.Expect(":300\r\n", "ZCARD", "big")
	c.Expect("*2\r\n$2\r\nm0\r\n$1\r\n0\r\n", "ZPOPMIN", "big")
	c.Expect("*2\r\n$3\r\nm84\r\n$2\r\n16\r\n", "ZPOPMAX", "big")
	c.Expect(":301\r\n", "ZUNIONSTORE", "u", "2", "big", "z", "AGGREGATE", "MAX")
	c.Expect("$8\r\nskiplist\r\n", "OBJECT", "ENCODING", "u")
	c.Expect(":3\r\n", "ZINTERSTORE", "i", "2", "z", "z", "WEIGHTS", "1", "2")
	c.Expect("$8\r\nlistpack\r\n", "OBJECT", "ENCODING", "i")

	if r := c.Do("HELLO", "3"); !strings.HasPrefix(r, "%7\r\n") {
		t.Fatalf("hello: %q", r)
	}
	c.Expect("*3\r\n*2\r\n$1\r\nc\r\n,-inf\r\n*2\r\n$1\r\na\r\n,3\r\n*2\r\n$1\r\nb\r\n,7.5\r\n", "ZRANGE", "i", "0", "-1", "WITHSCORES")
	c.Expect("*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\nc\r\n,-inf\r\n", "ZMPOP", "1", "z", "MIN")

	ctx := context.Background()
	cl, err := valkey.NewClient(valkey.ClientOption{InitAddress: []string{s.Addr()}, DisableCache: true})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	seen := map[string]bool{}
	cursor := uint64(0)
	for {
		e, err := cl.Do(ctx, cl.B().Zscan().Key("big").Cursor(cursor).Count(20).Build()).AsScanEntry()
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < len(e.Elements); i += 2 {
			seen[e.Elements[i]] = true
		}
		if cursor = e.Cursor; cursor == 0 {
			break
		}
	}
	if len(seen) != 298 {
		t.Fatalf("zscan saw %d members", len(seen))
	}
	res, err := cl.Do(ctx, cl.B().Zrangebyscore().Key("big").Min("(15").Max("+inf").Withscores().Build()).AsZScores()
	if err != nil || len(res) != 16 || res[0].Member != "m101" || res[15].Member != "m67" || res[0].Score != 16 {
		t.Fatalf("zrangebyscore: %v %v", res, err)
	}
}
