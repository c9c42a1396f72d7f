package main

import (
	"strconv"
	"testing"
)

// TestAOFKillAlways: with appendfsync always every acknowledged write is
// in the AOF before its reply, so SIGKILL loses none of them.
func TestAOFKillAlways(t *testing.T) {
	dir := t.TempDir()
	s := startServerIn(t, dir, "--appendonly", "yes", "--appendfsync", "always", "--save", "")
	rc := dialRaw(t, s)
	for i := range 200 {
		rc.Expect(":"+strconv.Itoa(i+1)+"\r\n", "incr", "n")
	}
	rc.Expect("+OK\r\n", "set", "k", "v", "ex", "1000")
	rc.Expect(":1\r\n", "sadd", "s", "a")
	s.Kill() // SIGKILL: no shutdown, no flush
	s2 := startServerIn(t, dir, "--appendonly", "yes", "--save", "")
	rc2 := dialRaw(t, s2)
	rc2.Expect("$3\r\n200\r\n", "get", "n")
	rc2.Expect("$1\r\nv\r\n", "get", "k")
	rc2.Expect(":1\r\n", "scard", "s")
}

// TestAOFRestartEverysec: a clean shutdown writes and fsyncs the AOF, and
// a BGREWRITEAOF in between keeps everything.
func TestAOFRestartEverysec(t *testing.T) {
	dir := t.TempDir()
	s := startServerIn(t, dir, "--appendonly", "yes", "--save", "")
	rc := dialRaw(t, s)
	rc.Expect("+OK\r\n", "set", "a", "1")
	rc.Expect("+Background append only file rewriting started\r\n", "bgrewriteaof")
	rc.Expect(":3\r\n", "rpush", "l", "x", "y", "z")
	rc.Expect("$1\r\nz\r\n", "rpop", "l")
	rc.Send(multibulk("shutdown"))
	<-s.done
	s2 := startServerIn(t, dir, "--appendonly", "yes", "--save", "")
	rc2 := dialRaw(t, s2)
	rc2.Expect("$1\r\n1\r\n", "get", "a")
	rc2.Expect(":2\r\n", "llen", "l")
}
