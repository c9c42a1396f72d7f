package main

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/valkey-io/valkey-go"
)

// TestHashOverTheWire drives the hash group through the real binary: exact
// bytes for the replies whose order is fixed, a real client for the rest,
// and field expiry in wall-clock time (short, since the server's clock is
// real).
func TestHashOverTheWire(t *testing.T) {
	s := startServer(t)
	c := dialRaw(t, s)
	c.Expect(":2\r\n", "HSET", "h", "a", "1", "b", "two")
	c.Expect("*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$3\r\ntwo\r\n", "HGETALL", "h")
	c.Expect("$-1\r\n", "HGET", "h", "zz")
	c.Expect("-ERR hash value is not an integer\r\n", "HINCRBY", "h", "b", "1")
	c.Expect("$3\r\n0.3\r\n", "HINCRBYFLOAT", "h", "f", "0.3")
	c.Expect("$8\r\nlistpack\r\n", "OBJECT", "ENCODING", "h")
	c.Expect("*2\r\n:1\r\n:-2\r\n", "HPEXPIRE", "h", "100", "FIELDS", "2", "a", "zz")
	c.Expect("$9\r\nhashtable\r\n", "OBJECT", "ENCODING", "h")
	c.Expect("*1\r\n:-1\r\n", "HTTL", "h", "FIELDS", "1", "b")
	c.Expect("*2\r\n$3\r\ntwo\r\n$-1\r\n", "HGETEX", "h", "PX", "50", "FIELDS", "2", "b", "zz")
	deadline := time.Now().Add(5 * time.Second)
	for c.Do("EXISTS", "h") != ":0\r\n" {
		c.Do("HDEL", "h", "f") // leave only the expiring fields
		if time.Now().After(deadline) {
			t.Fatal("hash with expired fields never went away")
		}
		time.Sleep(20 * time.Millisecond)
	}

	ctx := context.Background()
	cl, err := valkey.NewClient(valkey.ClientOption{InitAddress: []string{s.Addr()}, DisableCache: true})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	args := []string{}
	for i := range 600 {
		args = append(args, "f"+strconv.Itoa(i), strconv.Itoa(i))
	}
	if n, err := cl.Do(ctx, cl.B().Hset().Key("big").FieldValue().FieldValue(args[0], args[1]).Build()).AsInt64(); err != nil || n != 1 {
		t.Fatalf("hset: %d %v", n, err)
	}
	cmd := cl.B().Arbitrary("HSET", "big").Args(args...).Build()
	if n, err := cl.Do(ctx, cmd).AsInt64(); err != nil || n != 599 {
		t.Fatalf("hset 600: %d %v", n, err)
	}
	m, err := cl.Do(ctx, cl.B().Hgetall().Key("big").Build()).AsStrMap()
	if err != nil || len(m) != 600 || m["f599"] != "599" {
		t.Fatalf("hgetall: %d fields, %v", len(m), err)
	}
	if enc, _ := cl.Do(ctx, cl.B().ObjectEncoding().Key("big").Build()).ToString(); enc != "hashtable" {
		t.Fatalf("encoding %q", enc)
	}
	seen := map[string]bool{}
	cursor := uint64(0)
	for {
		e, err := cl.Do(ctx, cl.B().Hscan().Key("big").Cursor(cursor).Count(50).Build()).AsScanEntry()
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
	if len(seen) != 600 {
		t.Fatalf("hscan saw %d fields", len(seen))
	}
}
