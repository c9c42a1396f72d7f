package main

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/volleydb/volley/engine"
	"github.com/volleydb/volley/engine/config"
	"github.com/volleydb/volley/engine/resp"
)

// A replica written here, speaking the protocol as Valkey's replica does,
// against the real binary: the handshake, PSYNC ? -1, the snapshot in
// both forms ($<len> from disk, $EOF:<mark> streamed), which must be the
// dataset at the +FULLRESYNC offset even though writes go on while it is
// taken; the stream of those writes after it, byte for byte; a partial
// resynchronization that gets exactly the bytes it missed; and WAIT,
// answered by the replica's ACK.
func TestPrimaryFullSyncToFakeReplica(t *testing.T) {
	for _, diskless := range []string{"no", "yes"} {
		t.Run("diskless-"+diskless, func(t *testing.T) {
			srv := startServer(t, "--save", "", "--repl-diskless-sync", diskless, "--repl-diskless-sync-delay", "0",
				"--repl-ping-replica-period", "1000", "--rdb-key-save-delay", "200", "--enable-debug-command", "yes")
			w := dialRaw(t, srv)
			w.Expect("+OK\r\n", "debug", "populate", "300")
			w.Expect(":3\r\n", "rpush", "l", "a", "b", "c")
			w.Expect("+OK\r\n", "select", "4")
			w.Expect("+OK\r\n", "set", "in4", "x")
			w.Expect("+OK\r\n", "select", "0")
			before := w.Do("debug", "digest")

			r := dialReplica(t, srv)
			r.expect("+PONG", "ping")
			r.expect("+OK", "replconf", "listening-port", "7777")
			r.expect("+OK", "replconf", "capa", "eof", "capa", "psync2")
			r.send("psync", "?", "-1")
			full := strings.Fields(r.line())
			if len(full) != 3 || full[0] != "+FULLRESYNC" || len(full[1]) != 40 {
				t.Fatalf("psync: %q", full)
			}
			id := full[1]
			initial, _ := strconv.ParseInt(full[2], 10, 64)

			// The snapshot is being taken (300 keys, 200us each): these
			// writes belong to the stream, not to the RDB.
			w.Expect("+OK\r\n", "set", "key:1", "changed")
			w.Expect(":1\r\n", "del", "key:2")
			w.Expect(":4\r\n", "rpush", "l", "d")
			w.Expect("+OK\r\n", "select", "4")
			w.Expect(":1\r\n", "incr", "n4")

			image := r.rdb(t, diskless == "yes")
			if got := digestOf(t, image); got != before {
				t.Fatalf("RDB digest %q, want %q", got, before)
			}
			if diskless == "yes" {
				r.send("replconf", "ack", strconv.FormatInt(initial, 10)) // the stream starts at the first ACK
			}
			stream := "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n" + multibulk("set", "key:1", "changed") + multibulk("del", "key:2") +
				multibulk("rpush", "l", "d") + "*2\r\n$6\r\nSELECT\r\n$1\r\n4\r\n" + multibulk("incr", "n4")
			if got := r.stream(len(stream)); got != stream {
				t.Fatalf("stream %q\nwant %q", got, stream)
			}
			r.send("replconf", "ack", strconv.FormatInt(initial+r.off, 10))
			if info := w.Do("info", "replication"); !strings.Contains(info, "slave0:ip=127.0.0.1,port=7777,state=online,offset=") {
				t.Fatalf("info replication: %s", info)
			}

			// Gone, then back for what it missed.
			r.c.Close()
			w.Expect("+OK\r\n", "set", "late", "1")
			missed := multibulk("set", "late", "1")
			off := r.off
			r = dialReplica(t, srv)
			r.off = off
			r.expect("+OK", "replconf", "capa", "eof", "capa", "psync2")
			r.send("psync", id, strconv.FormatInt(initial+off+1, 10))
			if got := r.line(); got != "+CONTINUE "+id {
				t.Fatalf("partial resync: %q", got)
			}
			if got := r.stream(len(missed)); got != missed {
				t.Fatalf("missed %q, want %q", got, missed)
			}

			// WAIT for the next write: the GETACK it sends is answered.
			w.Expect("+OK\r\n", "set", "waited", "1")
			w.Send(multibulk("wait", "1", "10000"))
			next := multibulk("set", "waited", "1") + multibulk("REPLCONF", "GETACK", "*")
			if got := r.stream(len(next)); got != next {
				t.Fatalf("stream before WAIT's ack %q, want %q", got, next)
			}
			end := initial + r.off
			r.send("replconf", "ack", strconv.FormatInt(end, 10))
			if got := w.Reply(); got != ":1\r\n" {
				t.Fatalf("wait: %q", got)
			}
			w.Expect("*3\r\n$6\r\nmaster\r\n:"+strconv.FormatInt(end, 10)+"\r\n*1\r\n*3\r\n$9\r\n127.0.0.1\r\n$1\r\n0\r\n"+bulk(strconv.FormatInt(end, 10)), "role")
		})
	}
}

// fakeReplica is the replica's end of its link.
type fakeReplica struct {
	t   *testing.T
	c   net.Conn
	r   *bufio.Reader
	off int64 // stream bytes read after the RDB
}

func dialReplica(t *testing.T, s *testServer) *fakeReplica {
	t.Helper()
	c, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(20 * time.Second))
	return &fakeReplica{t: t, c: c, r: bufio.NewReader(c)}
}

func (f *fakeReplica) send(args ...string) {
	f.t.Helper()
	if _, err := f.c.Write([]byte(multibulk(args...))); err != nil {
		f.t.Fatal(err)
	}
}

// line reads a line, skipping the keep-alive newlines a primary sends
// while the snapshot is prepared.
func (f *fakeReplica) line() string {
	f.t.Helper()
	for {
		l, err := f.r.ReadString('\n')
		if err != nil {
			f.t.Fatalf("reading: %v", err)
		}
		if l = strings.TrimRight(l, "\r\n"); l != "" {
			return l
		}
	}
}

func (f *fakeReplica) expect(want string, args ...string) {
	f.t.Helper()
	f.send(args...)
	if got := f.line(); got != want {
		f.t.Fatalf("%v: %q, want %q", args, got, want)
	}
}

// stream reads commands of the stream until they make n bytes, leaving
// out the PINGs the primary's cron may have put among them (counted in
// off all the same).
func (f *fakeReplica) stream(n int) string {
	f.t.Helper()
	rd := resp.NewReader(f.r)
	var got []byte
	for len(got) < n {
		cmd, err := rd.ReadRaw()
		if err != nil {
			f.t.Fatalf("reading the stream: %v (after %q)", err, got)
		}
		f.off += int64(len(cmd))
		if string(cmd) != "*1\r\n$4\r\nPING\r\n" {
			got = append(got, cmd...)
		}
	}
	return string(got)
}

func (f *fakeReplica) read(n int) string {
	f.t.Helper()
	b := make([]byte, n)
	if _, err := io.ReadFull(f.r, b); err != nil {
		f.t.Fatalf("reading %d bytes: %v", n, err)
	}
	return string(b)
}

// rdb reads the snapshot: $<len> and as many bytes, or $EOF:<mark>, the
// bytes, and the mark.
func (f *fakeReplica) rdb(t *testing.T, eof bool) []byte {
	t.Helper()
	head := f.line()
	if eof {
		mark, ok := strings.CutPrefix(head, "$EOF:")
		if !ok || len(mark) != 40 {
			t.Fatalf("RDB header %q", head)
		}
		var buf []byte
		chunk := make([]byte, 4096)
		for !bytes.HasSuffix(buf, []byte(mark)) {
			n, err := f.r.Read(chunk)
			if err != nil {
				t.Fatalf("reading the RDB: %v", err)
			}
			buf = append(buf, chunk[:n]...)
		}
		return buf[:len(buf)-40]
	}
	size, err := strconv.Atoi(strings.TrimPrefix(head, "$"))
	if err != nil || head[0] != '$' {
		t.Fatalf("RDB header %q", head)
	}
	return []byte(f.read(size))
}

// digestOf loads an RDB image with Volley's own loader and returns its
// DEBUG DIGEST reply.
func digestOf(t *testing.T, image []byte) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "dump.rdb"), image, 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := config.New()
	cfg.Dir = dir
	cfg.EnableDebugCommand = config.PermitYes
	s := engine.NewServer(cfg, engine.NewLogger(io.Discard, engine.LogWarning))
	if err := s.LoadRDB(); err != nil {
		t.Fatalf("loading the RDB: %v", err)
	}
	c := s.NewClient("127.0.0.1:1", "127.0.0.1:2", -1, false)
	s.Call(c, [][]byte{[]byte("debug"), []byte("digest")})
	return string(c.Out.Bytes())
}
