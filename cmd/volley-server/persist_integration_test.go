package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The dataset outlives the process: saved by SHUTDOWN, by SIGTERM and by
// SAVE, and loaded at the next start, with every type and expiry intact.

// fillAll stores a key of every kind, and one that expires.
func fillAll(rc *rawConn) {
	for _, cmd := range [][]string{
		{"set", "s", "hello"}, {"set", "n", "42"}, {"rpush", "l", "a", "b", "c"},
		{"sadd", "set", "x", "y"}, {"zadd", "z", "1.5", "m"}, {"hset", "h", "f", "v"},
		{"set", "ttl", "v", "px", "3600000"}, {"select", "3"}, {"set", "in3", "yes"}, {"select", "0"},
	} {
		rc.Do(cmd...)
	}
}

// checkAll checks what fillAll stored.
func checkAll(t *testing.T, rc *rawConn) {
	t.Helper()
	rc.Expect(bulk("hello"), "get", "s")
	rc.Expect(multibulk("a", "b", "c"), "lrange", "l", "0", "-1")
	rc.Expect(":1\r\n", "sismember", "set", "y")
	rc.Expect(bulk("1.5"), "zscore", "z", "m")
	rc.Expect(bulk("v"), "hget", "h", "f")
	rc.Expect(bulk("int"), "object", "encoding", "n")
	if got := rc.Do("pttl", "ttl"); got == ":-1\r\n" || got == ":-2\r\n" {
		t.Errorf("PTTL ttl after the restart: %q", got)
	}
	rc.Expect("+OK\r\n", "select", "3")
	rc.Expect(bulk("yes"), "get", "in3")
	rc.Expect("+OK\r\n", "select", "0")
}

func TestShutdownSavesAndStartLoads(t *testing.T) {
	dir := t.TempDir()
	s := startServerIn(t, dir)
	rc := dialRaw(t, s)
	fillAll(rc)
	rc.Send(multibulk("shutdown"))
	<-s.done
	if !strings.Contains(s.Log(), "DB saved on disk") {
		t.Fatalf("no save in the log:\n%s", s.Log())
	}
	s2 := startServerIn(t, dir)
	checkAll(t, dialRaw(t, s2))
	if !strings.Contains(s2.Log(), "Done loading RDB, keys loaded: 8, keys expired: 0.") {
		t.Errorf("load not logged:\n%s", s2.Log())
	}
}

func TestSigtermSaves(t *testing.T) {
	dir := t.TempDir()
	s := startServerIn(t, dir)
	fillAll(dialRaw(t, s))
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.done:
	case <-time.After(20 * time.Second):
		t.Fatal("server did not exit after SIGTERM")
	}
	checkAll(t, dialRaw(t, startServerIn(t, dir)))
}

// TestShutdownNosave and no save points: nothing is written.
func TestNoSaveLeavesNoFile(t *testing.T) {
	dir := t.TempDir()
	s := startServerIn(t, dir, "--save", "")
	rc := dialRaw(t, s)
	rc.Do("set", "k", "v")
	rc.Send(multibulk("shutdown"))
	<-s.done
	if _, err := os.Stat(filepath.Join(dir, "dump.rdb")); !os.IsNotExist(err) {
		t.Fatalf("dump.rdb after a shutdown with no save points: %v", err)
	}
}

func TestSaveAndDebugReload(t *testing.T) {
	dir := t.TempDir()
	s := startServerIn(t, dir, "--save", "", "--enable-debug-command", "yes")
	rc := dialRaw(t, s)
	fillAll(rc)
	rc.Expect(":7\r\n", "dbsize")
	rc.Expect("+OK\r\n", "save")
	if !strings.Contains(rc.Do("info", "persistence"), "rdb_changes_since_last_save:0\r\n") {
		t.Error("changes not reset by SAVE")
	}
	rc.Expect("+OK\r\n", "debug", "reload")
	checkAll(t, rc)
	// A file another process wrote over ours is what a NOSAVE reload reads.
	if err := os.WriteFile(filepath.Join(dir, "dump.rdb"), []byte("not an rdb file"), 0o644); err != nil {
		t.Fatal(err)
	}
	rc.Expect("-ERR Error trying to load the RDB dump, check server logs.\r\n", "debug", "reload", "nosave")
	// A corrupt file stops the next start, rather than start empty.
	rc.Send(multibulk("shutdown", "nosave"))
	<-s.done
	if err := os.WriteFile(filepath.Join(dir, "dump.rdb"), []byte("REDIS0011\xfe"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := execCommand(serverBinary(t), "--port", "0", "--dir", dir)
	out, err := cmd.CombinedOutput()
	if exitCode(err) != 1 || !strings.Contains(string(out), "dump.rdb") {
		t.Errorf("start with a corrupt file: exit %d\n%s", exitCode(err), out)
	}
}
