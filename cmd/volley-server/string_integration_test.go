package main

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/valkey-io/valkey-go"
)

// The string group over the wire: a pipelined burst with exact replies,
// and a real client in both protocols.
func TestStringCommandsOverTheWire(t *testing.T) {
	s := startServer(t)
	c := dialRaw(t, s)

	var b strings.Builder
	var want []string
	add := func(reply string, args ...string) {
		b.WriteString(multibulk(args...))
		want = append(want, reply)
	}
	for i := range 200 {
		add("+OK\r\n", "SET", "k"+strconv.Itoa(i), strconv.Itoa(i))
		add(":"+strconv.Itoa(i+1)+"\r\n", "INCR", "k"+strconv.Itoa(i))
	}
	add("*3\r\n"+bulk("1")+bulk("200")+"$-1\r\n", "MGET", "k0", "k199", "nokey")
	add(bulk("42"), "SET", "k41", "x", "GET")
	add("+OK\r\n", "SET", "e", "v", "EX", "100")
	add(bulk("v"), "GETEX", "e", "PERSIST")
	add(":-1\r\n", "TTL", "e")
	add("-ERR invalid expire time in 'set' command\r\n", "SET", "e", "v", "PX", "0")
	add(bulk("10.6"), "INCRBYFLOAT", "f", "10.6")
	add(bulk("10.7"), "INCRBYFLOAT", "f", "0.1")
	add(":1\r\n", "DELIFEQ", "f", "10.7")
	add("+OK\r\n", "MSET", "a", "ohmytext", "b", "mynewtext")
	add(bulk("mytext"), "LCS", "a", "b")
	add(":14\r\n", "APPEND", "a", "ohmy!!")
	add(bulk("text"), "GETRANGE", "a", "4", "7")
	add(":19\r\n", "SETRANGE", "a", "15", "tail")
	add(bulk("embstr"), "OBJECT", "ENCODING", "b")
	add(bulk("raw"), "OBJECT", "ENCODING", "a")
	add(bulk("int"), "OBJECT", "ENCODING", "k0")
	c.Send(b.String())
	for i, w := range want {
		if got := c.Reply(); got != w {
			t.Fatalf("reply %d: got %q, want %q", i, got, w)
		}
	}

	// A value of several megabytes in one bulk, read back whole.
	big := strings.Repeat("0123456789", 400_000)
	c.Expect("+OK\r\n", "SET", "big", big)
	c.Expect(bulk(big), "GET", "big")
	c.Expect(":4000000\r\n", "STRLEN", "big")

	for _, resp2 := range []bool{false, true} {
		cl, err := valkey.NewClient(valkey.ClientOption{InitAddress: []string{s.Addr()}, DisableCache: true, AlwaysRESP2: resp2})
		if err != nil {
			t.Fatalf("valkey-go connect (resp2=%v): %v", resp2, err)
		}
		ctx := context.Background()
		if err := cl.Do(ctx, cl.B().Set().Key("vg").Value("hello").Build()).Error(); err != nil {
			t.Fatalf("SET: %v", err)
		}
		if got, err := cl.Do(ctx, cl.B().Get().Key("vg").Build()).ToString(); err != nil || got != "hello" {
			t.Errorf("GET: %q %v", got, err)
		}
		if err := cl.Do(ctx, cl.B().Get().Key("nokey").Build()).Error(); !valkey.IsValkeyNil(err) {
			t.Errorf("GET missing: %v, want nil reply", err)
		}
		if got, err := cl.Do(ctx, cl.B().Incrby().Key("vgc").Increment(5).Build()).AsInt64(); err != nil || got%5 != 0 {
			t.Errorf("INCRBY: %d %v", got, err)
		}
		idx, err := cl.Do(ctx, cl.B().Lcs().Key1("a").Key2("b").Idx().Withmatchlen().Build()).AsMap()
		if err != nil {
			t.Fatalf("LCS IDX: %v", err)
		}
		if l, ok := idx["len"]; !ok {
			t.Errorf("LCS IDX: no len in %v", idx)
		} else if n, err := l.AsInt64(); err != nil || n != 6 {
			t.Errorf("LCS IDX len: %d %v", n, err)
		}
		cl.Close()
	}
}
