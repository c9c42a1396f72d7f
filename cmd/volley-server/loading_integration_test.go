package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A dataset loads with the listeners open: clients connecting meanwhile
// get LOADING for commands not allowed then, INFO reports the load, and
// once it is done everything is there. A SHUTDOWN during the load stops
// the server without saving over the file being read.
func TestLoadingServesClients(t *testing.T) {
	dir := t.TempDir()
	s := startServerIn(t, dir, "--enable-debug-command", "yes")
	c := dialRaw(t, s)
	c.Expect("+OK\r\n", "DEBUG", "POPULATE", "2000")
	c.Expect("+OK\r\n", "SAVE")
	s.Kill()
	file := filepath.Join(dir, "dump.rdb")
	saved, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}

	// 2000 keys at 100 us (in practice up to a millisecond) each.
	s = startServerIn(t, dir, "--key-load-delay", "100", "--loading-process-events-interval-bytes", "1024")
	c = dialRaw(t, s)
	if info := c.Do("INFO", "persistence"); !strings.Contains(info, "\r\nloading:1\r\n") || !strings.Contains(info, "\r\nloading_total_bytes:"+strconv.Itoa(len(saved))+"\r\n") {
		t.Fatalf("INFO during the load:\n%s", info)
	}
	c.Expect("-LOADING Valkey is loading the dataset in memory\r\n", "GET", "key:1")
	c.Expect("-LOADING Valkey is loading the dataset in memory\r\n", "CONFIG", "SET", "appendonly", "yes")
	c.Expect("+OK\r\n", "CONFIG", "SET", "loglevel", "verbose")
	for strings.Contains(c.Do("INFO", "persistence"), "\r\nloading:1\r\n") {
		time.Sleep(20 * time.Millisecond)
	}
	c.Expect(":2000\r\n", "DBSIZE")
	c.Expect("$7\r\nvalue:1\r\n", "GET", "key:1")
	s.Kill()

	s = startServerIn(t, dir, "--key-load-delay", "100", "--loading-process-events-interval-bytes", "1024")
	c = dialRaw(t, s)
	c.Send(multibulk("SHUTDOWN", "SAVE"))
	select {
	case <-s.done:
	case <-time.After(20 * time.Second):
		t.Fatal("SHUTDOWN during the load did not stop the server")
	}
	if !strings.Contains(s.Log(), "User requested shutdown...") || strings.Contains(s.Log(), "DB saved on disk") {
		t.Fatalf("log:\n%s", s.Log())
	}
	if now, _ := os.ReadFile(file); !bytes.Equal(now, saved) {
		t.Fatal("the RDB file changed: a partial dataset was saved")
	}
}
