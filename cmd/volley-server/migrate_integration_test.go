package main

import (
	"bufio"
	"io"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"testing"
)

// MIGRATE between two servers: keys of several types move with their
// TTL, COPY keeps the source, REPLACE overwrites, the target's errors are
// passed back, the connection is reused across databases, and the source
// deletes only what the target took.
func TestMigrateBetweenServers(t *testing.T) {
	src, dst := startServer(t, "--requirepass", "sekrit"), startServer(t, "--requirepass", "pw")
	s, d := dialRaw(t, src), dialRaw(t, dst)
	s.Expect("+OK\r\n", "AUTH", "sekrit")
	d.Expect("+OK\r\n", "AUTH", "pw")
	port := strconv.Itoa(dst.Port)

	s.Expect("+OK\r\n", "SET", "str", "v", "PX", "100000")
	s.Expect(":3\r\n", "RPUSH", "list", "a", "b", "c")
	s.Expect(":2\r\n", "HSET", "hash", "f", "1", "g", "2")

	s.Expect("-ERR Target instance replied with error: NOAUTH Authentication required.\r\n",
		"MIGRATE", "127.0.0.1", port, "str", "0", "1000")
	s.Expect(":1\r\n", "EXISTS", "str")

	s.Expect("+OK\r\n", "MIGRATE", "127.0.0.1", port, "", "2", "1000", "AUTH", "pw", "KEYS", "str", "nosuch", "list")
	s.Expect(":0\r\n", "EXISTS", "str", "list")
	d.Expect("+OK\r\n", "SELECT", "2")
	d.Expect("*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n", "LRANGE", "list", "0", "-1")
	if ttl, _ := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(d.Do("PTTL", "str"), ":"))); ttl < 90000 || ttl > 100000 {
		t.Fatalf("PTTL on the target: %d", ttl)
	}

	s.Expect("+OK\r\n", "MIGRATE", "127.0.0.1", port, "hash", "2", "1000", "COPY", "AUTH2", "default", "pw")
	s.Expect(":1\r\n", "EXISTS", "hash")
	s.Expect("-ERR Target instance replied with error: BUSYKEY Target key name already exists.\r\n",
		"MIGRATE", "127.0.0.1", port, "hash", "2", "1000", "AUTH", "pw")
	s.Expect(":2\r\n", "HSET", "hash", "h", "3", "i", "4")
	s.Expect("+OK\r\n", "MIGRATE", "127.0.0.1", port, "hash", "2", "1000", "REPLACE", "AUTH", "pw")
	s.Expect(":0\r\n", "EXISTS", "hash")
	d.Expect(":4\r\n", "HLEN", "hash")

	s.Expect("+NOKEY\r\n", "MIGRATE", "127.0.0.1", port, "nosuch", "0", "1000")
	s.Expect("-ERR syntax error\r\n", "MIGRATE", "127.0.0.1", port, "hash", "0", "1000", "AUTH")
	s.Expect("-ERR When using MIGRATE KEYS option, the key argument must be set to the empty string\r\n",
		"MIGRATE", "127.0.0.1", port, "k", "0", "1000", "KEYS", "a")
	s.Expect("-ERR value is not an integer or out of range\r\n", "MIGRATE", "127.0.0.1", port, "k", "x", "1000")

	// The password is hidden from the command log.
	s.Expect("+OK\r\n", "CONFIG", "SET", "slowlog-log-slower-than", "0")
	s.Expect("+OK\r\n", "SET", "k2", "v")
	s.Expect("+OK\r\n", "MIGRATE", "127.0.0.1", port, "k2", "0", "1000", "AUTH", "pw")
	if r := s.Do("SLOWLOG", "GET", "2"); !strings.Contains(r, "$10\r\n(redacted)\r\n") || strings.Contains(r, "$2\r\npw\r\n") {
		t.Fatalf("SLOWLOG shows MIGRATE's password: %q", r)
	}
}

// A target that closes a cached connection is reconnected to at once; a
// target that does not answer in time, and one that cannot be reached,
// give Valkey's IOERR replies and leave the key in place.
func TestMigrateSocketErrors(t *testing.T) {
	src := startServer(t)
	s := dialRaw(t, src)
	s.Expect("+OK\r\n", "SET", "k", "v")

	// A fake target: answers the first connection's RESTORE, then closes
	// it; answers the second connection's RESTORE too.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	restores := make(chan string, 4)
	go func() {
		for range 2 {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			r := bufio.NewReader(conn)
			for {
				cmd, err := readCommand(r)
				if err != nil {
					break
				}
				if cmd[0] == "RESTORE" {
					restores <- cmd[1]
				}
				_, _ = conn.Write([]byte("+OK\r\n"))
				if cmd[0] == "RESTORE" {
					break
				}
			}
			conn.Close()
		}
	}()
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	s.Expect("+OK\r\n", "MIGRATE", "127.0.0.1", port, "k", "0", "1000", "COPY")
	s.Expect("+OK\r\n", "MIGRATE", "127.0.0.1", port, "k", "0", "1000")
	for range 2 {
		if k := <-restores; k != "k" {
			t.Fatalf("restored %q", k)
		}
	}
	s.Expect(":0\r\n", "EXISTS", "k")

	// A target that accepts and never answers: a read timeout.
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	s.Expect("+OK\r\n", "SET", "k", "v")
	s.Expect("-IOERR error or timeout reading to target instance\r\n",
		"MIGRATE", "127.0.0.1", strconv.Itoa(silent.Addr().(*net.TCPAddr).Port), "k", "0", "50")
	s.Expect(":1\r\n", "EXISTS", "k")

	s.Expect("-IOERR error or timeout connecting to the client\r\n",
		"MIGRATE", "127.0.0.1", strconv.Itoa(freePort(t)), "k", "0", "1000")
	s.Expect(":1\r\n", "EXISTS", "k")
}

// readCommand reads one RESP array of bulk strings.
func readCommand(r *bufio.Reader) ([]string, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return nil, err
	}
	n, _ := strconv.Atoi(strings.TrimSpace(line[1:]))
	args := make([]string, n)
	for i := range args {
		line, err := r.ReadString('\n')
		if err != nil {
			return nil, err
		}
		size, _ := strconv.Atoi(strings.TrimSpace(line[1:]))
		b := make([]byte, size+2)
		if _, err := io.ReadFull(r, b); err != nil {
			return nil, err
		}
		args[i] = string(b[:size])
	}
	return args, nil
}

// Values far larger than a write step move intact, each in several
// steps; a target that takes the connection but never reads makes the
// writing time out, and the keys stay where they were.
func TestMigrateLargeValues(t *testing.T) {
	src, dst := startServer(t), startServer(t)
	s, d := dialRaw(t, src), dialRaw(t, dst)
	rng := rand.New(rand.NewPCG(1, 2))
	values := map[string]string{"big": randomText(rng, 3<<20), "odd": randomText(rng, 1<<20+1), "small": "v"}
	for k, v := range values {
		s.Expect("+OK\r\n", "SET", k, v)
	}
	s.Expect("+OK\r\n", "MIGRATE", "127.0.0.1", strconv.Itoa(dst.Port), "", "0", "5000", "KEYS", "big", "odd", "small")
	s.Expect(":0\r\n", "EXISTS", "big", "odd", "small")
	for k, v := range values {
		if got := d.Do("GET", k); got != bulk(v) {
			t.Errorf("GET %s on the target: %d bytes, want %d, equal prefix %d", k, len(got), len(bulk(v)), commonPrefix(got, bulk(v)))
		}
	}

	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	big := randomText(rng, 16<<20)
	s.Expect("+OK\r\n", "SET", "big", big)
	s.Expect("-IOERR error or timeout writing to target instance\r\n",
		"MIGRATE", "127.0.0.1", strconv.Itoa(silent.Addr().(*net.TCPAddr).Port), "big", "0", "200")
	s.Expect(":16777216\r\n", "STRLEN", "big")
}

// randomText returns n random letters, which no compression shrinks much.
func randomText(rng *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('a' + rng.IntN(26))
	}
	return string(b)
}

// commonPrefix returns the length of the longest common prefix of a and b.
func commonPrefix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}
