package main

import (
	"strconv"
	"strings"
	"testing"
)

// parseScan splits a raw SCAN reply into its cursor and keys.
func parseScan(t *testing.T, reply string) (string, []string) {
	t.Helper()
	lines := strings.Split(reply, "\r\n")
	if len(lines) < 5 || lines[0] != "*2" {
		t.Fatalf("bad SCAN reply %q", reply)
	}
	n, err := strconv.Atoi(strings.TrimPrefix(lines[3], "*"))
	if err != nil {
		t.Fatalf("bad SCAN reply %q", reply)
	}
	keys := make([]string, n)
	for i := range keys {
		keys[i] = lines[5+2*i]
	}
	return lines[2], keys
}

func TestGenericKeyspaceOverTheWire(t *testing.T) {
	s := startServer(t)
	c := dialRaw(t, s)

	// Pipeline a thousand keys, then scan them back in small steps.
	var b strings.Builder
	for i := range 1000 {
		b.WriteString(multibulk("SET", "key:"+strconv.Itoa(i), strconv.Itoa(i)))
	}
	c.Send(b.String())
	for range 1000 {
		if got := c.Reply(); got != "+OK\r\n" {
			t.Fatalf("SET: %q", got)
		}
	}
	c.Expect(":1000\r\n", "DBSIZE")
	if _, keys := parseScan(t, c.Do("SCAN", "0", "TYPE", "list")); len(keys) != 0 {
		t.Fatalf("SCAN TYPE list: %q", keys)
	}
	seen := map[string]int{}
	cursor := "0"
	for {
		var keys []string
		cursor, keys = parseScan(t, c.Do("SCAN", cursor, "COUNT", "7", "MATCH", "key:1*"))
		for _, k := range keys {
			seen[k]++
		}
		if cursor == "0" {
			break
		}
	}
	want := 0
	for i := range 1000 {
		if k := "key:" + strconv.Itoa(i); strings.HasPrefix(k, "key:1") {
			want++
			if seen[k] == 0 {
				t.Fatalf("SCAN missed %s", k)
			}
		}
	}
	if len(seen) != want {
		t.Fatalf("SCAN MATCH returned %d keys, want %d", len(seen), want)
	}
	c.Expect("-ERR invalid cursor\r\n", "SCAN", "-1")

	// Values, encodings and expiry times.
	c.Expect("$3\r\nint\r\n", "OBJECT", "ENCODING", "key:5")
	c.Expect("+OK\r\n", "SET", "raw", strings.Repeat("r", 45))
	c.Expect("$3\r\nraw\r\n", "OBJECT", "ENCODING", "raw")
	c.Expect(":1\r\n", "PEXPIREAT", "key:5", "4000000000123")
	c.Expect(":4000000000\r\n", "EXPIRETIME", "key:5")
	c.Expect("-ERR invalid expire time in 'expire' command\r\n", "EXPIRE", "key:5", "9223372036854775807")
	c.Expect(":0\r\n", "EXPIRE", "key:5", "100", "GT")
	c.Expect(":1\r\n", "PERSIST", "key:5")
	c.Expect(":-1\r\n", "TTL", "key:5")
	c.Expect(":1\r\n", "EXPIREAT", "key:6", "1")
	c.Expect(":0\r\n", "EXISTS", "key:6")

	// Across databases.
	c.Expect("+OK\r\n", "RENAME", "key:1", "moved")
	c.Expect(":1\r\n", "PEXPIREAT", "moved", "4000000000123")
	c.Expect(":1\r\n", "MOVE", "moved", "3")
	c.Expect(":1\r\n", "COPY", "key:2", "copied", "DB", "3")
	c.Expect("-ERR source and destination objects are the same\r\n", "MOVE", "key:2", "0")
	c.Expect("+OK\r\n", "SELECT", "3")
	c.Expect(":2\r\n", "DBSIZE")
	c.Expect("$1\r\n1\r\n", "GET", "moved")
	c.Expect(":4000000000123\r\n", "PEXPIRETIME", "moved")
	c.Expect("+OK\r\n", "SWAPDB", "0", "3")
	c.Expect(":999\r\n", "DBSIZE") // 1000 SETs and raw, less key:1 and key:6
	info := c.Do("INFO", "keyspace")
	for _, line := range []string{"db0:keys=2,expires=1,", "db3:keys=999,expires=0,"} {
		if !strings.Contains(info, line) {
			t.Errorf("INFO keyspace lacks %q: %q", line, info)
		}
	}
	c.Expect("+OK\r\n", "FLUSHALL", "ASYNC")
	c.Expect(":0\r\n", "DBSIZE")
	c.Expect("$-1\r\n", "RANDOMKEY")
	c.Expect("*0\r\n", "KEYS", "*")
}
