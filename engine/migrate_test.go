package engine

import (
	"bufio"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
)

// fakeTarget accepts one connection and answers every command +OK,
// except RESTORE of a key named "refused", answered with an error.
func fakeTarget(t *testing.T) string {
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
