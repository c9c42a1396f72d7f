package main

import (
	"os"
	"path/filepath"
	"strconv"
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
	cmd := execCommand(serverBinary(t), "--port", strconv.Itoa(freePort(t)), "--bind", "127.0.0.1", "--dir", dir)
	out, err := cmd.CombinedOutput()
	// The log ends as Valkey's does: why, where, and the exit.
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	tail := lines[max(len(lines)-3, 0):]
	want := []string{
		"# Short read or OOM loading DB. Unrecoverable error, aborting now.",
		"# Internal error in RDB reading offset 10 -> Unexpected EOF reading RDB file",
		"# Terminating server after rdb file reading failure.",
	}
	if exitCode(err) != 1 || len(tail) != 3 || !strings.HasSuffix(tail[0], want[0]) || !strings.HasSuffix(tail[1], want[1]) || !strings.HasSuffix(tail[2], want[2]) {
		t.Errorf("start with a corrupt file: exit %d\n%s", exitCode(err), out)
	}
}

// waitPersistence polls INFO persistence until it contains field, for at
// most 20 s, and returns it.
func waitPersistence(t *testing.T, rc *rawConn, field string) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		info := rc.Do("info", "persistence")
		if strings.Contains(info, field) {
			return info
		}
		if time.Now().After(deadline) {
			t.Fatalf("INFO persistence never showed %q:\n%s", field, info)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestBGSaveWhileWriting: a background save slowed down to last while a
// client rewrites every key holds the values of the moment it started,
// and the server answers throughout. A kill -9 afterwards loses nothing
// the save held.
func TestBGSaveWhileWriting(t *testing.T) {
	dir := t.TempDir()
	s := startServerIn(t, dir, "--save", "", "--rdb-key-save-delay", "200")
	rc := dialRaw(t, s)
	const n = 1000
	var load strings.Builder
	for i := range n {
		load.WriteString(multibulk("set", "k"+strconv.Itoa(i), "old"))
	}
	rc.Send(load.String())
	for range n {
		rc.Reply()
	}
	rc.Expect("+Background saving started\r\n", "bgsave")
	rc.Expect("-ERR Background save already in progress\r\n", "bgsave")
	writer := dialRaw(t, s)
	for i := range n {
		writer.Expect("+OK\r\n", "set", "k"+strconv.Itoa(i), "new")
		writer.Expect(":1\r\n", "del", "k"+strconv.Itoa((i+n/2)%n))
	}
	info := waitPersistence(t, rc, "rdb_bgsave_in_progress:0\r\n")
	if !strings.Contains(info, "rdb_last_bgsave_status:ok\r\n") || !strings.Contains(info, "rdb_changes_since_last_save:2000\r\n") {
		t.Fatalf("after the save:\n%s", info)
	}
	s.Kill()
	rc2 := dialRaw(t, startServerIn(t, dir, "--save", ""))
	rc2.Expect(":"+strconv.Itoa(n)+"\r\n", "dbsize")
	for i := 0; i < n; i += 97 {
		rc2.Expect(bulk("old"), "get", "k"+strconv.Itoa(i))
	}
}

// TestSavePointSnapshots: with a save point reached, the server saves in
// the background on its own, so a crash afterwards loses nothing.
func TestSavePointSnapshots(t *testing.T) {
	dir := t.TempDir()
	s := startServerIn(t, dir, "--save", "1 1")
	rc := dialRaw(t, s)
	fillAll(rc)
	waitPersistence(t, rc, "rdb_changes_since_last_save:0\r\n")
	waitLog(t, s, "changes in 1 seconds. Saving...")
	waitLog(t, s, "Background saving terminated with success")
	s.Kill()
	checkAll(t, dialRaw(t, startServerIn(t, dir)))
}

// TestBGSaveUnderPipelinedWrites: a full-speed background save, whose
// steps run after the I/O loop's rounds of pipelined commands, still
// holds the values of the moment it started.
func TestBGSaveUnderPipelinedWrites(t *testing.T) {
	dir := t.TempDir()
	s := startServerIn(t, dir, "--save", "", "--enable-debug-command", "yes")
	rc := dialRaw(t, s)
	const n = 200_000
	rc.Expect("+OK\r\n", "debug", "populate", strconv.Itoa(n), "k")
	rc.Expect("+Background saving started\r\n", "bgsave")
	var batch strings.Builder
	for i := 0; i < n; i += 1000 {
		batch.Reset()
		for j := i; j < i+1000; j++ {
			batch.WriteString(multibulk("set", "k:"+strconv.Itoa(j), "new"))
		}
		rc.Send(batch.String())
		for range 1000 {
			if got := rc.Reply(); got != "+OK\r\n" {
				t.Fatalf("SET during the save: %q", got)
			}
		}
	}
	info := waitPersistence(t, rc, "rdb_bgsave_in_progress:0\r\n")
	if !strings.Contains(info, "rdb_last_bgsave_status:ok\r\n") {
		t.Fatalf("after the save:\n%s", info)
	}
	s.Kill()
	rc2 := dialRaw(t, startServerIn(t, dir, "--save", ""))
	rc2.Expect(":"+strconv.Itoa(n)+"\r\n", "dbsize")
	for i := 0; i < n; i += 997 {
		k := strconv.Itoa(i)
		rc2.Expect(bulk("value:"+k), "get", "k:"+k)
	}
}
