package main

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestListOverTheWire drives the list group through the real binary:
// exact bytes, and a pipeline that takes a list from listpack to
// quicklist and back.
func TestListOverTheWire(t *testing.T) {
	s := startServer(t)
	c := dialRaw(t, s)
	c.Expect(":3\r\n", "RPUSH", "l", "a", "1", "b")
	c.Expect("*3\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n", "LRANGE", "l", "0", "-1")
	c.Expect("$8\r\nlistpack\r\n", "OBJECT", "ENCODING", "l")
	c.Expect("*2\r\n$1\r\nb\r\n$1\r\n1\r\n", "RPOP", "l", "2")
	c.Expect("+OK\r\n", "SET", "str", "x")
	c.Expect("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", "LPUSH", "str", "x")

	// 100-byte elements: past 8 KiB the list is a quicklist, and back
	// under half the limit a listpack again (Valkey's points: 80 and 39).
	v := strings.Repeat("v", 100)
	var pipe strings.Builder
	for i := 0; i < 80; i++ {
		pipe.WriteString(multibulk("RPUSH", "big", v))
	}
	c.Send(pipe.String())
	for i := 1; i <= 80; i++ {
		if r := c.Reply(); r != ":"+strconv.Itoa(i)+"\r\n" {
			t.Fatalf("push %d: %q", i, r)
		}
	}
	c.Expect("$9\r\nquicklist\r\n", "OBJECT", "ENCODING", "big")
	c.Send(multibulk("RPOP", "big", "40") + multibulk("OBJECT", "ENCODING", "big") + multibulk("RPOP", "big") + multibulk("OBJECT", "ENCODING", "big"))
	c.Reply()
	if r := c.Reply(); r != "$9\r\nquicklist\r\n" {
		t.Fatalf("at 40 elements: %q", r)
	}
	c.Reply()
	if r := c.Reply(); r != "$8\r\nlistpack\r\n" {
		t.Fatalf("at 39 elements: %q", r)
	}
}

// waitBlocked polls INFO until n clients are blocked.
func waitBlocked(t *testing.T, c *rawConn, n int) {
	t.Helper()
	want := "blocked_clients:" + strconv.Itoa(n) + "\r\n"
	for i := 0; i < 500; i++ {
		if strings.Contains(c.Do("INFO", "clients"), want) {
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
	t.Fatalf("never reached %q", want)
}

// TestBlockingOverTheWire checks blocking commands with real connections,
// with one I/O loop and with two (the waiting client and the pusher on
// different loops).
func TestBlockingOverTheWire(t *testing.T) {
	for _, threads := range []string{"1", "2"} {
		t.Run("io-threads="+threads, func(t *testing.T) {
			var s *testServer
			if threads == "1" {
				s = startServer(t)
			} else {
				s = startMultiLoop(t, 2)
			}
			a, b := dialRaw(t, s), dialRaw(t, s)

			// A pipelined PING after BLPOP waits for BLPOP's reply.
			a.Send(multibulk("BLPOP", "k", "0") + multibulk("PING"))
			waitBlocked(t, b, 1)
			b.Expect(":2\r\n", "RPUSH", "k", "x", "y")
			if r := a.Reply(); r != "*2\r\n$1\r\nk\r\n$1\r\nx\r\n" {
				t.Fatalf("BLPOP got %q", r)
			}
			if r := a.Reply(); r != "+PONG\r\n" {
				t.Fatalf("then %q", r)
			}
			b.Expect("*1\r\n$1\r\ny\r\n", "LRANGE", "k", "0", "-1")

			// FIFO across clients, served by one push.
			c := dialRaw(t, s)
			a.Send(multibulk("BRPOP", "q", "0"))
			waitBlocked(t, b, 1)
			c.Send(multibulk("BRPOP", "q", "0"))
			waitBlocked(t, b, 2)
			b.Expect(":2\r\n", "LPUSH", "q", "first", "second")
			if r := a.Reply(); r != "*2\r\n$1\r\nq\r\n$5\r\nfirst\r\n" {
				t.Fatalf("first waiter got %q", r)
			}
			if r := c.Reply(); r != "*2\r\n$1\r\nq\r\n$6\r\nsecond\r\n" {
				t.Fatalf("second waiter got %q", r)
			}

			// Timeout.
			a.Expect("*-1\r\n", "BLMPOP", "0.05", "1", "none", "LEFT")

			// CLIENT UNBLOCK ... ERROR.
			id := strings.TrimSpace(strings.TrimPrefix(a.Do("CLIENT", "ID"), ":"))
			a.Send(multibulk("BLMOVE", "none", "dst", "LEFT", "RIGHT", "0"))
			waitBlocked(t, b, 1)
			b.Expect(":1\r\n", "CLIENT", "UNBLOCK", id, "ERROR")
			if r := a.Reply(); r != "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n" {
				t.Fatalf("unblocked client got %q", r)
			}

			// A client that disconnects while blocked leaves nothing behind.
			c.Send(multibulk("BLPOP", "gone", "0"))
			waitBlocked(t, b, 1)
			c.c.Close()
			waitBlocked(t, b, 0)
			b.Expect(":1\r\n", "RPUSH", "gone", "v")
			b.Expect(":1\r\n", "LLEN", "gone")
		})
	}
}
