package main

import (
	"net"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Output a client's socket has not taken is the client's memory, as in
// Valkey, where it waits in the reply list: CLIENT LIST shows it in omem
// and tot-mem with the w event, INFO in mem_clients_normal, and for a
// replica in mem_clients_slaves and mem_total_replication_buffers. Once
// the peer reads it all, the figures fall back.
func TestUnsentOutputIsCounted(t *testing.T) {
	const size = 32 << 20
	s := startServer(t, "--save", "")
	ctl := dialRaw(t, s)
	ctl.Expect(":"+strconv.Itoa(size)+"\r\n", "SETRANGE", "big", strconv.Itoa(size-1), "x")

	slow := dialRaw(t, s)
	if err := slow.c.(*net.TCPConn).SetReadBuffer(16 << 10); err != nil { // keep the kernel's share small
		t.Fatal(err)
	}
	id := strings.TrimSuffix(strings.TrimPrefix(slow.Do("CLIENT", "ID"), ":"), "\r\n")
	slow.Send(multibulk("GET", "big")) // and read nothing yet

	// The socket takes a few MiB of the 32; gnet holds the rest.
	var line string
	waitFor(t, "the reply held for the slow client", func() bool {
		line = clientLine(t, ctl, id)
		return field(t, line, "omem") > 16<<20 && strings.Contains(line, " events=rw ")
	})
	if tot := field(t, line, "tot-mem"); tot < field(t, line, "omem") {
		t.Fatalf("tot-mem below omem: %s", line)
	}
	if normal := memoryField(t, ctl, "mem_clients_normal"); normal < 16<<20 {
		t.Fatalf("mem_clients_normal %d with the reply held", normal)
	}

	head := "$" + strconv.Itoa(size) + "\r\n"
	if got := slow.Reply(); len(got) != len(head)+size+2 || got[:len(head)] != head || got[len(got)-3:] != "x\r\n" {
		t.Fatalf("reply of %d bytes starts %q and ends %q", len(got), got[:min(len(got), 12)], got[max(0, len(got)-3):])
	}
	waitFor(t, "the held reply to be counted out", func() bool {
		line = clientLine(t, ctl, id)
		return field(t, line, "omem") == 0 && strings.Contains(line, " events=r ")
	})
	if normal := memoryField(t, ctl, "mem_clients_normal"); normal >= 16<<20 {
		t.Fatalf("mem_clients_normal %d after the reply was read", normal)
	}
}

// A replica that stops reading: the stream the primary holds for it is
// the replicas' memory (Valkey's integration/shutdown fills the socket
// until mem_total_replication_buffers passes 2 MiB).
func TestUnsentReplicaStreamIsCounted(t *testing.T) {
	s := startServer(t, "--save", "", "--repl-diskless-sync", "yes", "--repl-diskless-sync-delay", "0",
		"--repl-backlog-size", "16384", "--enable-debug-command", "yes")
	ctl := dialRaw(t, s)
	r := dialReplica(t, s)
	r.expect("+OK", "replconf", "capa", "eof", "capa", "psync2")
	r.send("psync", "?", "-1")
	if full := r.line(); !strings.HasPrefix(full, "+FULLRESYNC ") {
		t.Fatalf("psync: %q", full)
	}
	r.rdb(t, true)
	r.send("replconf", "ack", "0") // the stream starts at the first ACK; then nothing is read

	value := strings.Repeat("v", 1<<20)
	waitFor(t, "the stream held for the replica", func() bool {
		for range 4 {
			ctl.Expect("+OK\r\n", "SET", "k", value)
		}
		return memoryField(t, ctl, "mem_total_replication_buffers") > 8<<20
	})
	if slaves := memoryField(t, ctl, "mem_clients_slaves"); slaves < 8<<20-16384 {
		t.Fatalf("mem_clients_slaves %d", slaves)
	}
	if normal := memoryField(t, ctl, "mem_clients_normal"); normal >= 1<<20 {
		t.Fatalf("mem_clients_normal %d: the replica's stream counted as a normal client's", normal)
	}
}

// waitFor polls cond for up to 20 seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// clientLine is CLIENT LIST's line for client id.
func clientLine(t *testing.T, c *rawConn, id string) string {
	t.Helper()
	reply := c.Do("CLIENT", "LIST", "ID", id)
	_, line, ok := strings.Cut(reply, "\r\n")
	if !ok || !strings.HasPrefix(line, "id="+id+" ") {
		t.Fatalf("CLIENT LIST ID %s: %q", id, reply)
	}
	return strings.TrimSuffix(line, "\n\r\n")
}

// field is a numeric field of a CLIENT LIST line.
func field(t *testing.T, line, name string) int64 {
	t.Helper()
	m := regexp.MustCompile(` ` + name + `=(\d+)`).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("no %s in %q", name, line)
	}
	n, _ := strconv.ParseInt(m[1], 10, 64)
	return n
}

// memoryField is a numeric field of INFO memory.
func memoryField(t *testing.T, c *rawConn, name string) int64 {
	t.Helper()
	info := c.Do("INFO", "memory")
	m := regexp.MustCompile(`\r\n` + name + `:(\d+)\r\n`).FindStringSubmatch(info)
	if m == nil {
		t.Fatalf("no %s in INFO memory", name)
	}
	n, _ := strconv.ParseInt(m[1], 10, 64)
	return n
}
