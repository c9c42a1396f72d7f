package engine

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"github.com/volleydb/volley/engine/config"
	"github.com/volleydb/volley/engine/keyspace"
)

// hashEvents records the keyspace events the server publishes.
func hashEvents(e *testEnv) *[]string {
	var ev []string
	e.srv.Cfg.NotifyKeyspaceEvents = config.NotifyAll | config.NotifyKeyevent | config.NotifyNew
	e.keyEventSpy(func(event, key string, _ int) { ev = append(ev, event+":"+key) })
	return &ev
}

// hashKind is the stored kind of key in db 0, 0 when missing.
func hashKind(e *testEnv, key string) uint8 {
	en, ok := e.srv.DB(0).Keys().Get([]byte(key))
	if !ok {
		return 0
	}
	return en.Kind()
}

func TestHashBasicCommands(t *testing.T) {
	e, _ := fakeClockEnv(t)
	c := e.newClient()
	e.srv.DB(0).Set([]byte("str"), keyspace.Value{Kind: KindEmbstr, Bytes: []byte("x")}, false)
	e.expect(c, []replyCase{
		rc("hset h a 1 b 2 c 3", ":3\r\n"),
		rc("hset h a 1 d 4", ":1\r\n"),
		rc("hset h a", "-ERR wrong number of arguments for 'hset' command\r\n"),
		rc("hset h a 1 b", "-ERR wrong number of arguments for 'hset' command\r\n"),
		rc("hmset h a 9", "+OK\r\n"),
		rc("hmset h a", "-ERR wrong number of arguments for 'hmset' command\r\n"),
		rc("hget h a", "$1\r\n9\r\n"),
		rc("hget h zz", "$-1\r\n"),
		rc("hget nokey a", "$-1\r\n"),
		rc("hmget h a zz b", "*3\r\n$1\r\n9\r\n$-1\r\n$1\r\n2\r\n"),
		rc("hmget nokey a b", "*2\r\n$-1\r\n$-1\r\n"),
		rc("hlen h", ":4\r\n"),
		rc("hlen nokey", ":0\r\n"),
		rc("hstrlen h a", ":1\r\n"),
		rc("hstrlen h zz", ":0\r\n"),
		rc("hstrlen nokey a", ":0\r\n"),
		rc("hexists h a", ":1\r\n"),
		rc("hexists h zz", ":0\r\n"),
		rc("hexists nokey zz", ":0\r\n"),
		rc("hsetnx h a 5", ":0\r\n"),
		rc("hsetnx h e 5", ":1\r\n"),
		rc("hsetnx new f v", ":1\r\n"),
		rc("hdel h a zz b", ":2\r\n"),
		rc("hdel h zz", ":0\r\n"),
		rc("hdel nokey a", ":0\r\n"),
		rc("hdel new f f", ":1\r\n"),
		rc("hlen new", ":0\r\n"),
		rc("hkeys nokey", "*0\r\n"),
		rc("hvals nokey", "*0\r\n"),
		rc("hgetall nokey", "*0\r\n"),
		// WRONGTYPE everywhere.
		rc("hset str a b", wrongType),
		rc("hsetnx str a b", wrongType),
		rc("hget str a", wrongType),
		rc("hmget str a", wrongType),
		rc("hdel str a", wrongType),
		rc("hlen str", wrongType),
		rc("hstrlen str a", wrongType),
		rc("hexists str a", wrongType),
		rc("hincrby str a 1", wrongType),
		rc("hincrbyfloat str a 1", wrongType),
		rc("hkeys str", wrongType),
		rc("hvals str", wrongType),
		rc("hgetall str", wrongType),
		rc("hrandfield str", wrongType),
		rc("hrandfield str 3", wrongType),
		rc("hscan str 0", wrongType),
		rc("hexpire str 10 fields 1 a", wrongType),
		rc("httl str fields 1 a", wrongType),
		rc("hpersist str fields 1 a", "*1\r\n"+wrongType),
		rc("hsetex str fields 1 a b", wrongType),
		rc("hsetex str ex -1 fields 1 a b", wrongType),
		rc("hgetex str fields 1 a", wrongType),
	})
	if e.srv.DB(0).Exists([]byte("new")) {
		t.Fatal("a hash emptied by HDEL still exists")
	}
}

func TestHashGetAllReplies(t *testing.T) {
	e, _ := fakeClockEnv(t)
	c := e.newClient()
	e.do(c, "hset", "h", "a", "1", "b", "2")
	// Compare as sets: the order is the encoding's.
	pairs := func(reply string) []string {
		lines := strings.Split(strings.TrimSuffix(reply, "\r\n"), "\r\n")[1:]
		var out []string
		for i := 1; i < len(lines); i += 2 {
			out = append(out, lines[i])
		}
		return out
	}
	got := e.do(c, "hgetall", "h")
	if !strings.HasPrefix(got, "*4\r\n") {
		t.Fatalf("hgetall resp2: %q", got)
	}
	kv := pairs(got)
	m := map[string]string{kv[0]: kv[1], kv[2]: kv[3]}
	if m["a"] != "1" || m["b"] != "2" {
		t.Fatalf("hgetall: %q", got)
	}
	if got := e.do(c, "hkeys", "h"); got != "*2\r\n$1\r\na\r\n$1\r\nb\r\n" && got != "*2\r\n$1\r\nb\r\n$1\r\na\r\n" {
		t.Fatalf("hkeys: %q", got)
	}
	if got := e.do(c, "hvals", "h"); got != "*2\r\n$1\r\n1\r\n$1\r\n2\r\n" && got != "*2\r\n$1\r\n2\r\n$1\r\n1\r\n" {
		t.Fatalf("hvals: %q", got)
	}
	c.Proto = 3
	if got := e.do(c, "hgetall", "h"); !strings.HasPrefix(got, "%2\r\n") {
		t.Fatalf("hgetall resp3: %q", got)
	}
	if got := e.do(c, "hgetall", "nokey"); got != "%0\r\n" {
		t.Fatalf("hgetall resp3 missing: %q", got)
	}
	if got := e.do(c, "hkeys", "nokey"); got != "*0\r\n" {
		t.Fatalf("hkeys resp3 missing: %q", got)
	}
}

func TestHashIncr(t *testing.T) {
	e, _ := fakeClockEnv(t)
	c := e.newClient()
	ev := hashEvents(e)
	e.expect(c, []replyCase{
		rc("hincrby h n 5", ":5\r\n"),
		rc("hincrby h n -10", ":-5\r\n"),
		rc("hincrby h n x", "-ERR value is not an integer or out of range\r\n"),
		rc("hset h s abc big 9223372036854775807 neg -9223372036854775808 sp 1.5", ":4\r\n"),
		rc("hincrby h s 1", "-ERR hash value is not an integer\r\n"),
		rc("hincrby h big 1", "-ERR increment or decrement would overflow\r\n"),
		rc("hincrby h neg -1", "-ERR increment or decrement would overflow\r\n"),
		rc("hincrby h big -1", ":9223372036854775806\r\n"),
		rc("hincrbyfloat h f 10.5", "$4\r\n10.5\r\n"),
		rc("hincrbyfloat h f 0.1", "$4\r\n10.6\r\n"),
		rc("hincrbyfloat h g 0.1", "$3\r\n0.1\r\n"),
		rc("hincrbyfloat h g 0.2", "$3\r\n0.3\r\n"),
		rc("hincrbyfloat h g -0.3", "$1\r\n0\r\n"),
		rc("hincrbyfloat h f 3.0e3", "$22\r\n3010.60000000000000009\r\n"), // as the x87 adds
		rc("hincrbyfloat h sp 1", "$3\r\n2.5\r\n"),
		rc("hincrbyfloat h n 1", "$2\r\n-4\r\n"),
		rc("hincrbyfloat h s 1", "-ERR hash value is not a float\r\n"),
		rc("hincrbyfloat h f abc", "-ERR value is not a valid float\r\n"),
		rc("hincrbyfloat h f inf", "-ERR value is NaN or Infinity\r\n"),
		rc("hincrbyfloat h f nan", "-ERR value is not a valid float\r\n"),
	})
	// Extended precision reaches past float64's range; its text is long.
	got := e.do(c, "hincrbyfloat", "h", "x", "1e4932")
	if !strings.HasPrefix(got, "$4933\r\n100000000000000000000601894938796389132383777") || len(got) != 4933+9 {
		t.Fatalf("1e4932: %.60q (%d bytes)", got, len(got))
	}
	e.expect(c, []replyCase{
		rc("hincrbyfloat h x 1e4932", "-ERR increment would produce NaN or Infinity\r\n"),
		rc("hincrbyfloat h x 1e5000", "-ERR value is not a valid float\r\n"),
		rc("hincrbyfloat h x 1e-5000", "-ERR value is not a valid float\r\n"),
		rc("hstrlen h x", ":4933\r\n"),
	})
	want := []string{"new:h", "hincrby:h", "hincrby:h", "hset:h", "hincrby:h", "hincrbyfloat:h"}
	if len(*ev) < len(want) || fmt.Sprint((*ev)[:len(want)]) != fmt.Sprint(want) {
		t.Fatalf("events %v", *ev)
	}
}

func TestHashHrandfield(t *testing.T) {
	e, _ := fakeClockEnv(t)
	c := e.newClient()
	e.expect(c, []replyCase{
		rc("hrandfield nokey", "$-1\r\n"),
		rc("hrandfield nokey 3", "*0\r\n"),
		rc("hrandfield nokey -3 withvalues", "*0\r\n"),
		rc("hrandfield nokey 3 bad", "-ERR syntax error\r\n"),
		rc("hrandfield nokey 3 withvalues x", "-ERR syntax error\r\n"),
		rc("hrandfield nokey x", "-ERR value is not an integer or out of range\r\n"),
		rc("hrandfield nokey -9223372036854775808", "-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n"),
		rc("hrandfield nokey 4611686018427387904 withvalues", "-ERR value is out of range\r\n"),
		rc("hrandfield nokey -4611686018427387904 withvalues", "-ERR value is out of range\r\n"),
		rc("hrandfield nokey 4611686018427387903 withvalues", "*0\r\n"),
	})
	for _, big := range []bool{false, true} {
		e.do(c, "del", "h")
		e.srv.DB(0).Delete([]byte("h"))
		args := []string{"hset", "h"}
		n := 10
		if big {
			n = 700
		}
		for i := range n {
			args = append(args, "f"+strconv.Itoa(i), "v"+strconv.Itoa(i))
		}
		e.do(c, args...)
		// count == 0, negative (repeats), unique below, near and above the size.
		if got := e.do(c, "hrandfield", "h", "0"); got != "*0\r\n" {
			t.Fatalf("count 0: %q", got)
		}
		for _, cnt := range []int{-5, -2000, 1, 2, n / 2, n - 1, n, n + 5} {
			got := e.do(c, "hrandfield", "h", strconv.Itoa(cnt), "withvalues")
			fv := bulkItems(t, got)
			want := cnt
			if cnt < 0 {
				want = -cnt
			} else if cnt > n {
				want = n
			}
			if len(fv) != 2*want {
				t.Fatalf("big=%v count %d: %d items", big, cnt, len(fv))
			}
			seen := map[string]bool{}
			for i := 0; i < len(fv); i += 2 {
				if "v"+fv[i][1:] != fv[i+1] {
					t.Fatalf("pair %q %q", fv[i], fv[i+1])
				}
				if cnt > 0 && seen[fv[i]] {
					t.Fatalf("count %d repeated %q", cnt, fv[i])
				}
				seen[fv[i]] = true
			}
		}
		c.Proto = 3
		got := e.do(c, "hrandfield", "h", "-3", "withvalues")
		if !strings.HasPrefix(got, "*3\r\n*2\r\n$") {
			t.Fatalf("resp3 pairs: %q", got)
		}
		c.Proto = 2
		if got := e.do(c, "hrandfield", "h"); !strings.HasPrefix(got, "$") {
			t.Fatalf("no count: %q", got)
		}
	}
}

// bulkItems parses a flat array of bulk strings.
func bulkItems(t *testing.T, reply string) []string {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(reply, "\r\n"), "\r\n")
	if len(lines) == 0 || lines[0][0] != '*' {
		t.Fatalf("not an array: %q", reply)
	}
	n, _ := strconv.Atoi(lines[0][1:])
	var out []string
	for i := 2; i < len(lines); i += 2 {
		out = append(out, lines[i])
	}
	if len(out) != n {
		t.Fatalf("array of %d has %d bulks: %q", n, len(out), reply)
	}
	return out
}

func TestHashScan(t *testing.T) {
	e, _ := fakeClockEnv(t)
	c := e.newClient()
	e.expect(c, []replyCase{
		rc("hscan nokey 0", "*2\r\n$1\r\n0\r\n*0\r\n"),
		rc("hscan nokey 0 count 0", "*2\r\n$1\r\n0\r\n*0\r\n"), // options unread for a missing key
		rc("hscan nokey abc", "-ERR invalid cursor\r\n"),
		rc("hscan nokey -1", "-ERR invalid cursor\r\n"),
		rc("hscan nokey 18446744073709551616", "-ERR invalid cursor\r\n"),
		rc("hset h a 1", ":1\r\n"),
		rc("hscan h 0 count 0", "-ERR syntax error\r\n"),
		rc("hscan h 0 count x", "-ERR value is not an integer or out of range\r\n"),
		rc("hscan h 0 noscores", "-ERR NOSCORES option can only be used in ZSCAN\r\n"),
		rc("hscan h 0 type string", "-ERR syntax error\r\n"),
		rc("hscan h 0 match", "-ERR syntax error\r\n"),
		rc("hscan h 0", "*2\r\n$1\r\n0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n"),
		rc("hscan h 0 novalues", "*2\r\n$1\r\n0\r\n*1\r\n$1\r\na\r\n"),
		rc("hscan h 0 match b*", "*2\r\n$1\r\n0\r\n*0\r\n"),
	})
	// A large hash, scanned while it grows and shrinks: every field present
	// throughout is returned.
	e.srv.DB(0).Delete([]byte("h"))
	for i := range 1000 {
		e.do(c, "hset", "h", "k"+strconv.Itoa(i), strconv.Itoa(i))
	}
	seen := map[string]int{}
	cursor := "0"
	for round := 0; ; round++ {
		got := e.do(c, "hscan", "h", cursor, "count", "20", "match", "k*")
		lines := strings.Split(got, "\r\n")
		cursor = lines[2]
		items := bulkItems(t, strings.Join(lines[3:], "\r\n"))
		for i := 0; i < len(items); i += 2 {
			if "k"+items[i+1] != items[i] {
				t.Fatalf("pair %q %q", items[i], items[i+1])
			}
			seen[items[i]]++
		}
		switch round {
		case 5: // grow
			for i := 1000; i < 3000; i++ {
				e.do(c, "hset", "h", "k"+strconv.Itoa(i), strconv.Itoa(i))
			}
		case 10: // shrink, keeping the first 1000
			for i := 1000; i < 3000; i++ {
				e.do(c, "hdel", "h", "k"+strconv.Itoa(i))
			}
		}
		if cursor == "0" {
			break
		}
	}
	for i := range 1000 {
		if seen["k"+strconv.Itoa(i)] == 0 {
			t.Fatalf("k%d never returned", i)
		}
	}
}

func TestHashFieldExpiry(t *testing.T) {
	e, clk := fakeClockEnv(t)
	s := e.srv
	c := e.newClient()
	ev := hashEvents(e)
	t0 := clk.Ms
	e.expect(c, []replyCase{
		rc("hset h a 1 b 2 c 3 d 4", ":4\r\n"),
		// Argument errors, in Valkey's order.
		rc("hexpire h 10 fields 0 a", "-"+errHashNumFields+"\r\n"),
		rc("hexpire h 10 fields 2 a", "-"+errHashNumFields+"\r\n"),
		rc("hexpire h 10 fields x a", "-ERR value is not an integer or out of range\r\n"),
		rc("hexpire h 10 a b c", "-"+errHashNumFields+"\r\n"),
		rc("hexpire h 10 foo fields 1 a", "-ERR Unsupported option foo\r\n"),
		rc("hexpire h 10 nx xx fields 1 a", "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n"),
		rc("hexpire h 10 gt lt fields 1 a", "-ERR GT and LT options at the same time are not compatible\r\n"),
		rc("hexpire h x fields 1 a", "-ERR value is not an integer or out of range\r\n"),
		rc("hexpire h -1 fields 1 a", "-ERR invalid expire time in 'hexpire' command\r\n"),
		rc("hpexpireat h -1 fields 1 a", "-ERR invalid expire time in 'hpexpireat' command\r\n"),
		rc("hexpire h 9223372036854775807 fields 1 a", "-ERR invalid expire time in 'hexpire' command\r\n"),
		rc("hexpire nokey 10 fields 2 a b", "*2\r\n:-2\r\n:-2\r\n"),
		rc("httl h fields 0 a", "-ERR syntax error\r\n"),
		rc("httl h fields 2 a", "-ERR syntax error\r\n"),
		rc("httl h fields x a", "-ERR value is not an integer or out of range\r\n"),
		rc("httl nokey fields 1 a", "*1\r\n:-2\r\n"),
		rc("hpersist h fields 0 a", "-"+errHashNumFields+"\r\n"),
		rc("hpersist h fields x a", "-ERR value is not an integer or out of range\r\n"),
		rc("hpersist nokey fields 1 a", "*1\r\n:-2\r\n"),
		// A small hash: XX and GT fail, a TTL converts it.
		rc("hexpire h 100 xx fields 1 a", "*1\r\n:0\r\n"),
		rc("hexpire h 100 gt fields 2 a zz", "*2\r\n:0\r\n:-2\r\n"),
		rc("hpersist h fields 2 a zz", "*2\r\n:-1\r\n:-2\r\n"),
		rc("httl h fields 2 a zz", "*2\r\n:-1\r\n:-2\r\n"),
		rc("hpexpire h 1000 nx fields 2 a b", "*2\r\n:1\r\n:1\r\n"),
		rc("hpexpire h 2000 nx fields 2 a c", "*2\r\n:0\r\n:1\r\n"),
		rc("hpexpire h 1500 xx fields 3 a b d", "*3\r\n:1\r\n:1\r\n:0\r\n"),
		rc("hpexpire h 1200 gt fields 3 a c d", "*3\r\n:0\r\n:0\r\n:0\r\n"),
		rc("hpexpire h 1800 gt fields 1 a", "*1\r\n:1\r\n"),
		rc("hpexpire h 1600 lt fields 3 a b d", "*3\r\n:1\r\n:0\r\n:1\r\n"),
		rc("hpttl h fields 5 a b c d zz", "*5\r\n:1600\r\n:1500\r\n:2000\r\n:1600\r\n:-2\r\n"),
		rc("httl h fields 1 b", "*1\r\n:2\r\n"),
		rc(fmt.Sprintf("hpexpiretime h fields 1 b"), fmt.Sprintf("*1\r\n:%d\r\n", t0+1500)),
		rc(fmt.Sprintf("hexpiretime h fields 1 b"), fmt.Sprintf("*1\r\n:%d\r\n", (t0+1500+500)/1000)),
		rc("hpersist h fields 2 d d", "*2\r\n:1\r\n:-1\r\n"),
		rc("hlen h", ":4\r\n"),
	})
	if kind := hashKind(e, "h"); kind != kindHashTable {
		t.Fatalf("kind %x after a field TTL", kind)
	}
	if n := s.KeysWithVolatileItems(s.DB(0)); n != 1 {
		t.Fatalf("keys_with_volatile_items %d", n)
	}
	// b expires at t0+1500: still there at that instant, gone after.
	clk.Ms = t0 + 1500
	e.expect(c, []replyCase{rc("hget h b", "$1\r\n2\r\n")})
	clk.Ms++
	e.expect(c, []replyCase{
		rc("hget h b", "$-1\r\n"),
		rc("hexists h b", ":0\r\n"),
		rc("hstrlen h b", ":0\r\n"),
		rc("hmget h a b", "*2\r\n$1\r\n1\r\n$-1\r\n"),
		rc("httl h fields 1 b", "*1\r\n:-2\r\n"),
		rc("hpersist h fields 1 b", "*1\r\n:-2\r\n"),
		rc("hexpire h 100 fields 1 b", "*1\r\n:-2\r\n"),
		rc("hdel h b", ":0\r\n"),
		rc("hlen h", ":4\r\n"), // counted until reclaimed, as Valkey's HLEN
		rc("hscan h 0 count 100 match b", "*2\r\n$1\r\n0\r\n*0\r\n"),
	})
	if got := e.do(c, "hkeys", "h"); strings.Contains(got, "$1\r\nb\r\n") || !strings.HasPrefix(got, "*3\r\n") {
		t.Fatalf("hkeys shows the expired field: %q", got)
	}
	// HSET over the expired field creates it anew and counts an expiry.
	*ev = nil
	e.expect(c, []replyCase{
		rc("hset h b 22", ":1\r\n"),
		rc("httl h fields 1 b", "*1\r\n:-1\r\n"),
	})
	if s.hash.ExpiredFields != 1 || fmt.Sprint(*ev) != "[hexpired:h hset:h]" {
		t.Fatalf("expired_fields %d events %v", s.hash.ExpiredFields, *ev)
	}
	// The active cycle reclaims a (t0+1600), then c (t0+2000); d lost
	// its TTL to HPERSIST.
	clk.Ms = t0 + 1601
	*ev = nil
	s.activeExpireFields(clk.Ms)
	e.expect(c, []replyCase{rc("hlen h", ":3\r\n")})
	if s.hash.ExpiredFields != 2 || fmt.Sprint(*ev) != "[hexpired:h]" {
		t.Fatalf("expired_fields %d events %v", s.hash.ExpiredFields, *ev)
	}
	clk.Ms = t0 + 2001
	s.activeExpireFields(clk.Ms)
	e.expect(c, []replyCase{rc("hmget h a b c d", "*4\r\n$-1\r\n$2\r\n22\r\n$-1\r\n$1\r\n4\r\n"), rc("hlen h", ":2\r\n")})
	if n := s.KeysWithVolatileItems(s.DB(0)); n != 0 {
		t.Fatalf("keys_with_volatile_items %d after the last TTL went", n)
	}
	// A hash whose last field expires is deleted by the cycle.
	*ev = nil
	e.expect(c, []replyCase{rc("hpexpire h 10 fields 2 b d", "*2\r\n:1\r\n:1\r\n")})
	clk.Ms += 11
	s.activeExpireFields(clk.Ms)
	if s.DB(0).Exists([]byte("h")) || fmt.Sprint(*ev) != "[hexpire:h hexpired:h del:h]" {
		t.Fatalf("exists %v events %v", s.DB(0).Exists([]byte("h")), *ev)
	}
	// A time not in the future deletes at once (code 2), the key too.
	*ev = nil
	e.expect(c, []replyCase{
		rc("hset g a 1 b 2", ":2\r\n"),
		rc("hexpire g 0 fields 2 a zz", "*2\r\n:2\r\n:-2\r\n"),
		rc("hexpireat g 1 fields 1 b", "*1\r\n:2\r\n"),
		rc("hlen g", ":0\r\n"),
	})
	if fmt.Sprint(*ev) != "[new:g hset:g hexpired:g hexpired:g del:g]" {
		t.Fatalf("events %v", *ev)
	}
}

func TestHashSetexGetex(t *testing.T) {
	e, clk := fakeClockEnv(t)
	s := e.srv
	c := e.newClient()
	ev := hashEvents(e)
	t0 := clk.Ms
	e.expect(c, []replyCase{
		rc("hsetex h fields 2 a b", "-"+errHashNumFields+"\r\n"),
		rc("hsetex h fields 0 a b", "-"+errHashNumFields+"\r\n"),
		rc("hsetex h a b c d", "-"+errHashNumFields+"\r\n"),
		rc("hsetex h fields x a b", "-ERR value is not an integer or out of range\r\n"),
		rc("hsetex h fnx fxx fields 1 a b", "-ERR syntax error\r\n"),
		rc("hsetex h ex 10 px 10 fields 1 a b", "-ERR syntax error\r\n"),
		rc("hsetex h ex fields 1 a b", "-ERR syntax error\r\n"),
		rc("hsetex h keepttl ex 10 fields 1 a b", "-ERR syntax error\r\n"),
		rc("hsetex h ex 10 keepttl fields 1 a b", "-ERR syntax error\r\n"),
		rc("hsetex h nx fields 1 a b", "-ERR syntax error\r\n"),
		rc("hsetex h persist fields 1 a b", "-ERR syntax error\r\n"),
		rc("hsetex h ex x fields 1 a b", "-ERR value is not an integer or out of range\r\n"),
		rc("hsetex h ex -1 fields 1 a b", "-ERR invalid expire time in 'hsetex' command\r\n"),
		rc("hsetex h fxx fields 1 a b", ":0\r\n"),
		rc("hsetex h px 1000 fields 2 a 1 b 2", ":1\r\n"),
		rc("hpttl h fields 2 a b", "*2\r\n:1000\r\n:1000\r\n"),
		rc("hsetex h fnx fields 2 a 1 c 3", ":0\r\n"),
		rc("hsetex h fxx fields 2 a 1 c 3", ":0\r\n"),
		rc("hsetex h fxx keepttl fields 1 a 11", ":1\r\n"),
		rc("hsetex h fxx fields 1 b 22", ":1\r\n"),
		rc("hpttl h fields 2 a b", "*2\r\n:1000\r\n:-1\r\n"),
		rc("hsetex h fnx exat 1 fields 2 c 3 d 4", ":1\r\n"),
	})
	if got := e.do(c, "hgetall", "h"); len(bulkItems(t, got)) != 4 {
		t.Fatalf("hgetall %q", got)
	}
	*ev = nil
	before := s.hash.ExpiredFields
	e.expect(c, []replyCase{
		rc("hsetex nokey px 0 fields 1 a b", ":1\r\n"),
	})
	if s.DB(0).Exists([]byte("nokey")) || s.hash.ExpiredFields != before+1 ||
		fmt.Sprint(*ev) != "[new:nokey hset:nokey hexpire:nokey hexpired:nokey del:nokey]" {
		t.Fatalf("past hsetex on a missing key: events %v", *ev)
	}
	e.expect(c, []replyCase{
		rc("hgetex h fields 2 a", "-"+errHashNumFields+"\r\n"),
		rc("hgetex h keepttl fields 1 a", "-ERR syntax error\r\n"),
		rc("hgetex h fnx fields 1 a", "-ERR syntax error\r\n"),
		rc("hgetex h ex 10 persist fields 1 a", "-ERR syntax error\r\n"),
		rc("hgetex h persist ex 10 fields 1 a", "-ERR syntax error\r\n"),
		rc("hgetex h ex x fields 1 a", "-ERR value is not an integer or out of range\r\n"),
		rc("hgetex h a b c", "-"+errHashNumFields+"\r\n"),
		rc("hgetex nokey fields 2 a b", "*2\r\n$-1\r\n$-1\r\n"),
		rc("hgetex nokey ex 10 fields 1 a", "*1\r\n$-1\r\n"),
		rc("hgetex h fields 2 a zz", "*2\r\n$2\r\n11\r\n$-1\r\n"),
		rc("hgetex h px 5000 fields 2 b zz", "*2\r\n$2\r\n22\r\n$-1\r\n"),
		rc("hpttl h fields 1 b", "*1\r\n:5000\r\n"),
		rc("hgetex h persist fields 2 b a", "*2\r\n$2\r\n22\r\n$2\r\n11\r\n"),
		rc("hpttl h fields 2 a b", "*2\r\n:-1\r\n:-1\r\n"),
		rc("hgetex h ex 0 fields 2 a zz", "*2\r\n$2\r\n11\r\n$-1\r\n"),
		rc("hgetex h pxat 1 fields 1 b", "*1\r\n$2\r\n22\r\n"),
		rc("hlen h", ":0\r\n"),
	})
	// A listpack-encoded hash takes a TTL through HGETEX too.
	e.expect(c, []replyCase{
		rc("hset small a 1", ":1\r\n"),
		rc("hgetex small px 100 fields 1 a", "*1\r\n$1\r\n1\r\n"),
		rc("hpttl small fields 1 a", "*1\r\n:100\r\n"),
	})
	if hashKind(e, "small") != kindHashTable {
		t.Fatal("HGETEX with a TTL left a listpack")
	}
	clk.Ms = t0 + 101
	e.expect(c, []replyCase{rc("hgetex small fields 1 a", "*1\r\n$-1\r\n")})
}

func TestHashVolatileIndex(t *testing.T) {
	e, _ := fakeClockEnv(t)
	s := e.srv
	c := e.newClient()
	count := func() int { return s.KeysWithVolatileItems(s.DB(0)) }
	e.do(c, "hset", "h", "a", "1", "b", "2")
	e.do(c, "hexpire", "h", "100", "fields", "1", "a")
	if count() != 1 {
		t.Fatalf("count %d", count())
	}
	// Moving the value as RENAME does: store under the new key, delete the old.
	db := s.DB(0)
	en, _ := db.Keys().Get([]byte("h"))
	db.Set([]byte("h2"), keyspace.Value{Kind: en.Kind(), Obj: en.Obj()}, false)
	db.Delete([]byte("h"))
	if count() != 1 {
		t.Fatalf("after a rename: %d", count())
	}
	if got := e.do(c, "httl", "h2", "fields", "1", "a"); got != "*1\r\n:100\r\n" {
		t.Fatalf("httl after rename %q", got)
	}
	e.do(c, "hpersist", "h2", "fields", "1", "a")
	if count() != 0 {
		t.Fatalf("after persist: %d", count())
	}
	e.do(c, "hexpire", "h2", "100", "fields", "1", "a")
	db.Set([]byte("h2"), keyspace.Value{Kind: KindEmbstr, Bytes: []byte("x")}, false) // overwritten
	if count() != 0 {
		t.Fatalf("after overwrite: %d", count())
	}
	e.do(c, "hset", "h3", "a", "1")
	e.do(c, "hexpire", "h3", "100", "fields", "1", "a")
	db.Flush(false)
	if count() != 0 {
		t.Fatalf("after flush: %d", count())
	}
	s.activeExpireFields(s.Clock.NowMs()) // drops the flushed table's index
	if len(s.hash.volatile) != 0 {
		t.Fatalf("stale index kept: %d", len(s.hash.volatile))
	}
}

func TestHashActiveExpiryManyKeys(t *testing.T) {
	e, clk := fakeClockEnv(t)
	s := e.srv
	c := e.newClient()
	e.volatileHashes(c, 500, "10", "a", "b")
	clk.Ms += 11
	for range 100 {
		s.activeExpireFields(clk.Ms)
		if s.DB(0).Len() == 0 {
			break
		}
	}
	if s.DB(0).Len() != 0 || s.hash.ExpiredFields != 1000 || s.KeysWithVolatileItems(s.DB(0)) != 0 {
		t.Fatalf("keys %d expired_fields %d", s.DB(0).Len(), s.hash.ExpiredFields)
	}
}

// TestHashObjModel checks hashObj against a map under random operations,
// with expiries.
func TestHashObjModel(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	h := newHashObj(0)
	model := map[string]int64{} // name -> expire or hashNoTTL
	now := int64(1000)
	for step := range 20000 {
		name := "f" + strconv.Itoa(r.IntN(300))
		switch op := r.IntN(10); {
		case op < 4:
			if f := h.find([]byte(name)); f != nil {
				f.value = name
				h.setExpire(f, hashNoTTL)
			} else {
				h.add(bstr(name), name, hashNoTTL)
			}
			model[name] = hashNoTTL
		case op < 6:
			if h.remove([]byte(name)) != nil != (func() bool { _, ok := model[name]; return ok })() {
				t.Fatalf("step %d: remove %s disagrees", step, name)
			}
			delete(model, name)
		case op < 8:
			if f := h.find([]byte(name)); f != nil {
				at := now + int64(r.IntN(100))
				h.setExpire(f, at)
				model[name] = at
			}
		default:
			now += int64(r.IntN(20))
			n := h.reclaim(now, 1<<30)
			for k, at := range model {
				if at != hashNoTTL && at <= now {
					delete(model, k)
					n--
				}
			}
			if n != 0 {
				t.Fatalf("step %d: reclaim count off by %d", step, n)
			}
		}
		if h.n != len(model) {
			t.Fatalf("step %d: len %d model %d", step, h.n, len(model))
		}
	}
	nvol := 0
	for k, at := range model {
		f := h.find([]byte(k))
		if f == nil || f.expire != at || f.value != k {
			t.Fatalf("field %s: %+v", k, f)
		}
		if at != hashNoTTL {
			nvol++
		}
	}
	if nvol != h.nvol {
		t.Fatalf("nvol %d model %d", h.nvol, nvol)
	}
	c := h.Clone().(*hashObj)
	var a, b []string
	h.each(0, func(f *hashField) bool { a = append(a, f.name); return true })
	c.each(0, func(f *hashField) bool { b = append(b, f.name); return true })
	sort.Strings(a)
	sort.Strings(b)
	if fmt.Sprint(a) != fmt.Sprint(b) || c.nvol != h.nvol || h.MemUsage(0) <= 0 {
		t.Fatal("clone differs")
	}
}

func TestHashEncodings(t *testing.T) {
	e, _ := fakeClockEnv(t)
	s := e.srv
	c := e.newClient()
	s.Cfg.HashMaxListpackEntries = 4
	s.Cfg.HashMaxListpackValue = 8
	e.do(c, "hset", "small", "a", "1", "b", "12345678")
	e.do(c, "hset", "many", "a", "1", "b", "2", "c", "3", "d", "4")
	e.do(c, "hset", "bigval", "a", "123456789")
	e.do(c, "hset", "bigfield", "123456789", "1")
	e.do(c, "hset", "args", "a", "1", "b", "2", "c", "3", "d", "4", "e", "5") // more pairs than fit
	e.do(c, "hincrby", "incr", "123456789", "1")
	for key, want := range map[string]uint8{
		"small": kindHashListpack, "many": kindHashListpack, "bigval": kindHashTable,
		"bigfield": kindHashTable, "args": kindHashTable, "incr": kindHashTable,
	} {
		if got := hashKind(e, key); got != want {
			t.Errorf("%s: kind %x, want %x", key, got, want)
		}
	}
	// One field past the limit converts; deleting back does not return.
	e.do(c, "hset", "many", "e", "5")
	e.do(c, "hdel", "many", "e", "d")
	if hashKind(e, "many") != kindHashTable {
		t.Fatal("a hashtable went back to a listpack")
	}
	e.expect(c, []replyCase{
		rc("hmget many a b c", "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"),
		rc("hlen many", ":3\r\n"),
		rc("hstrlen small b", ":8\r\n"),
		rc("hstrlen small a", ":1\r\n"),
		// A listpack keeps insertion order, as Valkey's replies show it.
		rc("hgetall small", "*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$8\r\n12345678\r\n"),
		rc("hset small a x", ":0\r\n"),
		rc("hgetall small", "*4\r\n$1\r\na\r\n$1\r\nx\r\n$1\r\nb\r\n$8\r\n12345678\r\n"),
		rc("hscan small 7 match a", "*2\r\n$1\r\n0\r\n*2\r\n$1\r\na\r\n$1\r\nx\r\n"),
		rc("hrandfield small 2", "*2\r\n$1\r\na\r\n$1\r\nb\r\n"),
	})
	// A field TTL converts even a tiny hash, HSETEX's included.
	e.do(c, "hsetex", "ttl", "ex", "100", "fields", "1", "a", "1")
	if hashKind(e, "ttl") != kindHashTable {
		t.Fatal("HSETEX with a TTL left a listpack")
	}
	// Integers are stored integer-encoded and read back as text.
	s.Cfg.HashMaxListpackValue = 64
	e.expect(c, []replyCase{
		rc("hset ints -5 -9223372036854775808 007 12", ":2\r\n"),
		rc("hgetall ints", "*4\r\n$2\r\n-5\r\n$20\r\n-9223372036854775808\r\n$3\r\n007\r\n$2\r\n12\r\n"),
		rc("hget ints -5", "$20\r\n-9223372036854775808\r\n"),
		rc("hincrby ints 007 1", ":13\r\n"),
		rc("hstrlen ints -5", ":20\r\n"),
	})
	if hashKind(e, "ints") != kindHashListpack {
		t.Fatal("ints not a listpack")
	}
}

// FuzzHashListpack drives the listpack hash helpers with random
// operations and checks them against a map.
func FuzzHashListpack(f *testing.F) {
	f.Add([]byte("\x00a\x011\x00b\x0222\x01a\x00-5\x00007"))
	f.Fuzz(func(t *testing.T, ops []byte) {
		lp := lpHashNew(nil)
		model := map[string]string{}
		var order []string
		for len(ops) >= 2 {
			op, n := ops[0]%3, int(ops[1])%8
			ops = ops[2:]
			if n > len(ops) {
				n = len(ops)
			}
			field := string(ops[:n])
			ops = ops[n:]
			switch op {
			case 0, 1:
				value := field + "v"
				if op == 1 {
					value = strconv.Itoa(len(ops) - 50)
				}
				var existed bool
				lp, existed = lpHashSet(lp, []byte(field), []byte(value))
				_, had := model[field]
				if existed != had {
					t.Fatalf("set %q: existed %v model %v", field, existed, had)
				}
				if !had {
					order = append(order, field)
				}
				model[field] = value
			case 2:
				var ok bool
				lp, ok = lpHashDel(lp, []byte(field))
				if _, had := model[field]; ok != had {
					t.Fatalf("del %q: %v model %v", field, ok, had)
				}
				delete(model, field)
				for i, o := range order {
					if o == field {
						order = append(order[:i], order[i+1:]...)
						break
					}
				}
			}
			if lpHashLen(lp) != len(model) {
				t.Fatalf("len %d model %d", lpHashLen(lp), len(model))
			}
		}
		var ib, vb [20]byte
		i := 0
		lpHashEach(lp, func(f, v hashElem) bool {
			fs := string(f.text(ib[:]))
			if i >= len(order) || fs != order[i] || model[fs] != string(v.text(vb[:])) {
				t.Fatalf("entry %d: %q=%q", i, fs, v.text(vb[:]))
			}
			got, ok := lpHashGet(lp, []byte(fs))
			if !ok || string(got.text(vb[:])) != model[fs] {
				t.Fatalf("get %q", fs)
			}
			af, _ := lpHashAt(lp, i)
			if string(af.text(vb[:])) != fs {
				t.Fatalf("at %d", i)
			}
			i++
			return true
		})
		if i != len(model) {
			t.Fatalf("each saw %d of %d", i, len(model))
		}
	})
}

// TestHashRandomFields sets random fields and values, integers and
// binary strings, across the listpack to hashtable conversion.
func TestHashRandomFields(t *testing.T) {
	e, _ := fakeClockEnv(t)
	c := e.newClient()
	r := rand.New(rand.NewPCG(3, 4))
	rv := func() string {
		switch r.IntN(4) {
		case 0:
			return strconv.FormatInt(r.Int64()>>uint(r.IntN(63))-r.Int64()>>uint(r.IntN(63)), 10)
		case 1:
			return strconv.Itoa(r.IntN(512) - 256)
		case 2:
			b := make([]byte, r.IntN(80))
			for i := range b {
				b[i] = byte(r.IntN(256))
			}
			return string(b)
		}
		return strconv.FormatFloat(r.Float64()*1000, 'f', -1, 64)
	}
	for round := 0; round < 200; round++ {
		e.srv.DB(0).Delete([]byte("h"))
		m := map[string]string{}
		var log []string
		for j := 0; j < 10; j++ {
			f, v := rv(), rv()
			e.do(c, "hset", "h", f, v)
			log = append(log, fmt.Sprintf("%q=%q kind %x", f, v, hashKind(e, "h")))
			m[f] = v
		}
		for f, v := range m {
			if got := e.do(c, "hget", "h", f); got != "$"+strconv.Itoa(len(v))+"\r\n"+v+"\r\n" {
				t.Fatalf("field %q want %q got %q\n%s", f, v, got, strings.Join(log, "\n"))
			}
		}
	}
}

// TestHashImportModeZeroTTL: in import-mode a past time is stored, not
// applied, and 0 is a time like any other.
func TestHashImportModeZeroTTL(t *testing.T) {
	e, clk := fakeClockEnv(t)
	s := e.srv
	c := e.newClient()
	e.expect(c, []replyCase{
		rc("hset h f1 v1", ":1\r\n"),
		rc("hsetex h exat 0 fields 2 f2 v2 f3 v3", ":1\r\n"),
		rc("hlen h", ":1\r\n"),
		rc("config set import-mode yes", "+OK\r\n"),
		rc("hsetex h exat 0 fields 2 f2 v2 f3 v3", ":1\r\n"),
		rc("hlen h", ":3\r\n"),
		rc("hpexpiretime h fields 1 f2", "*1\r\n:-2\r\n"), // stored, but already expired
		rc("config set import-mode no", "+OK\r\n"),
	})
	if hashKind(e, "h") != kindHashTable {
		t.Fatal("not converted by a TTL of 0")
	}
	s.activeExpireFields(clk.Ms)
	e.expect(c, []replyCase{rc("hlen h", ":1\r\n")})
}

// storedBytes is key's compact encoding as stored: the listpack or intset
// bytes Valkey would hold (and write in an RDB).
func storedBytes(t *testing.T, e *testEnv, key string) []byte {
	t.Helper()
	en, ok := e.srv.DB(0).Keys().Get([]byte(key))
	if !ok {
		t.Fatalf("%s: no such key", key)
	}
	return append([]byte(nil), en.Value()...)
}

// TestCompactEncodingBytesMatchValkey pins the stored listpacks to the bytes
// Valkey 9.0.4 holds after the same commands (read back from its DUMP): the
// same encodings of every integer width and string length, and the same
// layout after an in-place replace and a delete. Memory per key depends on
// it, and so will RDB compatibility.
func TestCompactEncodingBytesMatchValkey(t *testing.T) {
	e, _ := fakeClockEnv(t)
	c := e.newClient()
	x60 := strings.Repeat("x", 60)
	for _, tc := range []struct {
		key  string
		cmds [][]string
		kind uint8
		want string // hex
	}{
		{"h1", [][]string{{"hset", "h1", "f0", "v0", "f1", "v1", "f2", "v2", "f3", "v3", "f4", "v4", "f5", "v5", "f6", "v6", "f7", "v7", "f8", "v8", "f9", "v9"}},
			kindHashListpack,
			"5700000014008266300382763003826631038276310382663203827632038266330382763303826634038276340382663503827635038266360382763603826637038276370382663803827638038266390382763903ff"},
		{"h2", [][]string{
			{"hset", "h2", "f0", "v0", "n", "12345", "neg", "-1", "big", "9223372036854775807", "s60", x60, "i0", "0", "fl", "3.5",
				"m", "127", "m2", "128", "m3", "-4096", "m4", "8388607", "m5", "-2147483648", "m6", "4294967296"},
			{"hset", "h2", "f0", "vvvvvvvvvv"},
			{"hdel", "h2", "m2"}},
			kindHashListpack,
			"b40000001800826630038a767676767676767676760b816e02f1393003836e656704dfff028362696704f4ffffffffffffff7f098373363004bc" +
				strings.Repeat("78", 60) + "3d82693003000182666c0383332e3504816d027f01826d3303d00002826d3403f2ffff7f04826d3503f30000008005826d3603f4000000000100000009ff"},
		{"z", [][]string{{"zadd", "z", "1", "a", "2.5", "b", "-3", "c"}},
			kindZsetListpack, "1a0000000600816302dffd02816102010181620283322e3504ff"},
		{"z2", [][]string{{"zadd", "z2", "1", "a", "2.5", "b", "-3", "c", "7", "d", "100000", "e", "1e300", "f"}, {"zadd", "z2", "0.1", "a"}, {"zrem", "z2", "d"}},
			kindZsetListpack, "300000000a00816302dffd0281610283302e310481620283322e3504816502f2a08601048166028631652b33303007ff"},
		{"s", [][]string{{"sadd", "s", "a", "b", "1"}},
			TypeSet | EncListpack, "0f00000003008161028162020101ff"},
		{"s2", [][]string{{"sadd", "s2", "a", "b", "1", "12345678", "-5"}, {"srem", "s2", "b"}},
			TypeSet | EncListpack, "1500000004008161020101f34e61bc0005dffb02ff"},
		{"i", [][]string{{"sadd", "i", "5", "1", "-3"}},
			TypeSet | EncIntset, "0200000003000000fdff01000500"},
		{"i2", [][]string{{"sadd", "i2", "5", "1", "-3", "70000"}, {"srem", "i2", "1"}},
			TypeSet | EncIntset, "0400000003000000fdffffff0500000070110100"},
	} {
		for _, cmd := range tc.cmds {
			e.do(c, cmd...)
		}
		if k := hashKind(e, tc.key); k != tc.kind {
			t.Errorf("%s: kind %x, want %x", tc.key, k, tc.kind)
			continue
		}
		if got := hex.EncodeToString(storedBytes(t, e, tc.key)); got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.key, got, tc.want)
		}
	}
}

func TestHashFieldNamesInline(t *testing.T) {
	h := newHashObj(0)
	var names [][]byte
	for _, n := range []int{0, 1, 15, 16, 17, 32, 33, 48, 49, hashInlineName, hashInlineName + 1, 1000} {
		names = append(names, bytes.Repeat([]byte{byte('a' + n%26)}, n))
	}
	for i, name := range names {
		h.add(name, strconv.Itoa(i), hashNoTTL)
	}
	for i, name := range names {
		if len(name) > 0 {
			name[0] = '#' // scribble on the caller's buffer: the field kept a copy
		}
		want := bytes.Repeat([]byte{byte('a' + len(name)%26)}, len(name))
		f := h.find(want)
		if f == nil || f.name != string(want) || f.value != strconv.Itoa(i) {
			t.Fatalf("name of %d bytes: found %+v", len(name), f)
		}
		if len(name) > 0 && len(name) <= hashInlineName {
			// The name lies within the field's own allocation.
			start := uintptr(unsafe.Pointer(f))
			p := uintptr(unsafe.Pointer(unsafe.StringData(f.name)))
			if p < start || p >= start+unsafe.Sizeof(hashField{})+hashInlineName {
				t.Fatalf("name of %d bytes is not inline", len(name))
			}
		}
	}
	if got := testing.AllocsPerRun(100, func() { newHashField(names[3]) }); got != 1 {
		t.Fatalf("a field with a 16-byte name takes %v allocations, want 1", got)
	}
}

// hashObj.Hint names the loads a field lookup makes: the bucket, its
// first field (with the name when inline), a name stored apart.
func TestHashObjHintFollowsTheLookup(t *testing.T) {
	h := newHashObj(0)
	if h.Hint(h.Hash([]byte("f")), 0) != nil {
		t.Fatal("an empty hash has no bucket to hint")
	}
	long := strings.Repeat("n", hashInlineName+1)
	for i := range 100 {
		h.add([]byte("f"+strconv.Itoa(i)), "v", hashNoTTL)
	}
	h.add([]byte(long), "v", hashNoTTL)
	for _, name := range []string{"f0", "f42", long} {
		hv := h.Hash([]byte(name))
		slot := h.slot([]byte(name))
		if h.Hint(hv, 0) != unsafe.Pointer(slot) {
			t.Fatalf("%.8s: step 0 is not its bucket", name)
		}
		first := *slot
		if h.Hint(hv, 1) != unsafe.Pointer(first) {
			t.Fatalf("%.8s: step 1 is not its bucket's first field", name)
		}
		var want unsafe.Pointer
		if len(first.name) > hashInlineName {
			want = unsafe.Pointer(unsafe.StringData(first.name))
		}
		if h.Hint(hv, 2) != want {
			t.Fatalf("%.8s: step 2 is %v, want %v", name, h.Hint(hv, 2), want)
		}
	}
	if f := h.find([]byte(long)); f == nil || *h.slot([]byte(long)) != f {
		t.Fatal("the long name is not first in its bucket")
	}
}
