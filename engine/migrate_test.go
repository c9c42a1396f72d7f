package engine

import (
	"bufio"
	"bytes"
	"io"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"testing"
)

// fakeTarget accepts one connection and answers every command +OK,
// except RESTORE of a key named "refused", answered with an error.
// Arguments longer than 1 KiB are read and dropped, so that a benchmark
// counts the source's allocations only.
func fakeTarget(t testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		r := bufio.NewReader(conn)
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			n, _ := strconv.Atoi(strings.TrimSpace(line[1:]))
			var args []string
			for range n {
				hdr, err := r.ReadString('\n')
				if err != nil {
					return
				}
				size, _ := strconv.Atoi(strings.TrimSpace(hdr[1:]))
				if size > 1024 {
					if _, err := io.CopyN(io.Discard, r, int64(size)+2); err != nil {
						return
					}
					args = append(args, "")
					continue
				}
				b := make([]byte, size+2)
				if _, err := io.ReadFull(r, b); err != nil {
					return
				}
				args = append(args, string(b[:size]))
			}
			reply := "+OK\r\n"
			if args[0] == "RESTORE" && args[1] == "refused" {
				reply = "-BUSYKEY Target key name already exists.\r\n"
			}
			if _, err := conn.Write([]byte(reply)); err != nil {
				return
			}
		}
	}()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}

// MIGRATE without COPY propagates as a DEL of exactly the keys the
// target took; with COPY, or when the target took none, nothing.
func TestMigratePropagatesDel(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	for _, k := range []string{"a", "b", "refused", "c"} {
		e.do(c, "set", k, "v")
	}
	e.srv.createReplBacklog()
	port := fakeTarget(t)
	e.expect(c, []replyCase{
		rc("migrate 127.0.0.1 "+port+" c 0 1000 copy", "+OK\r\n"),
		{[]string{"migrate", "127.0.0.1", port, "", "0", "1000", "keys", "a", "refused", "nosuch", "b"},
			"-ERR Target instance replied with error: BUSYKEY Target key name already exists.\r\n"},
		rc("exists a b refused c", ":2\r\n"),
	})
	want := "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nDEL\r\n$1\r\na\r\n$1\r\nb\r\n"
	if got := e.backlog(); got != want {
		t.Fatalf("propagated %q\nwant %q", got, want)
	}
}

// The secrets of AUTH and AUTH2 are hidden, up to KEYS.
func TestMigrateRedactions(t *testing.T) {
	argv := [][]byte{[]byte("migrate"), []byte("h"), []byte("1"), []byte(""), []byte("0"), []byte("1"),
		[]byte("auth"), []byte("pw"), []byte("auth2"), []byte("u"), []byte("pw2"), []byte("keys"), []byte("auth"), []byte("x")}
	r := redactions(&Spec{FullName: "migrate"}, argv)
	for i := range argv {
		if want := i == 7 || i == 9 || i == 10; r.has(i) != want {
			t.Errorf("argument %d (%s) redacted: %v", i, argv[i], r.has(i))
		}
	}
}

// The redaction stops where MIGRATE's parse stops with an error, as
// Valkey's, which redacts while it parses: an AUTH after an unknown
// option is shown.
func TestMigrateRedactionsStopAtError(t *testing.T) {
	argv := [][]byte{[]byte("migrate"), []byte("h"), []byte("1"), []byte("k"), []byte("0"), []byte("1"),
		[]byte("copy"), []byte("auth"), []byte("pw"), []byte("nosuch"), []byte("auth"), []byte("x")}
	r := redactions(&Spec{FullName: "migrate"}, argv)
	for i := range argv {
		if want := i == 8; r.has(i) != want {
			t.Errorf("argument %d (%s) redacted: %v", i, argv[i], r.has(i))
		}
	}
}

// MIGRATE of a 16 MiB string, over a cached connection: B/op shows what
// the source allocates beyond the DUMP payload itself.
func BenchmarkMigrateLargeValue(b *testing.B) {
	e := newTestEnv(b)
	c := e.newClient()
	value := make([]byte, 16<<20)
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range value {
		value[i] = byte('a' + rng.IntN(26))
	}
	e.srv.Call(c, [][]byte{[]byte("set"), []byte("big"), value})
	c.Out.Reset()
	port := fakeTarget(b)
	b.SetBytes(int64(len(value)))
	b.ReportAllocs()
	for b.Loop() {
		if got := e.do(c, "migrate", "127.0.0.1", port, "big", "0", "5000", "copy", "replace"); got != "+OK\r\n" {
			b.Fatalf("MIGRATE: %q", got)
		}
	}
}

// netpoll's messages reach the server's log as its own warning lines.
func TestNetpollLogLines(t *testing.T) {
	var out bytes.Buffer
	l := NewLogger(&out, LogNotice)
	w := netpollLog{l}
	if n, err := w.Write([]byte("2026/11/24 12:00:00 NETPOLL: netFD close failed: bad file descriptor\n")); n != 69 || err != nil {
		t.Fatalf("Write: %d, %v", n, err)
	}
	if got := out.String(); !strings.HasSuffix(got, " # NETPOLL: netFD close failed: bad file descriptor\n") || strings.Contains(got, "2026/11/24") {
		t.Fatalf("log line %q", got)
	}
}
