package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// replInfo returns one field of INFO replication.
func replInfo(rc *rawConn, field string) string {
	rc.t.Helper()
	info := rc.Do("info", "replication")
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			return v
		}
	}
	return ""
}

// waitUntil polls cond until it holds, failing after 20 seconds.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// inSync reports whether replica r has applied the whole of primary p's
// stream and holds the same data, by DEBUG DIGEST (both servers need
// enable-debug-command).
func inSync(t *testing.T, p, r *rawConn) func() bool {
	return func() bool {
		if replInfo(r, "slave_repl_offset") != replInfo(p, "master_repl_offset") {
			return false
		}
		a, b := p.Do("debug", "digest"), r.Do("debug", "digest")
		if !strings.HasPrefix(a, "+") {
			t.Fatalf("DEBUG DIGEST: %q", a)
		}
		return a == b
	}
}

// A Volley replica of a Volley primary: the full synchronization, the
// stream, and a partial resynchronization after the link is killed.
func TestReplicationVolleyToVolley(t *testing.T) {
	primary := startServer(t, "--save", "", "--enable-debug-command", "yes")
	replica := startServer(t, "--save", "", "--enable-debug-command", "yes")
	p, r := dialRaw(t, primary), dialRaw(t, replica)
	p.Expect("+OK\r\n", "set", "before", "1")
	p.Expect(":3\r\n", "rpush", "list", "a", "b", "c")
	p.Expect(":1\r\n", "hset", "h", "f", "v")
	r.Expect("+OK\r\n", "replicaof", "127.0.0.1", strconv.Itoa(primary.Port))
	waitUntil(t, "the link", func() bool { return replInfo(r, "master_link_status") == "up" })
	for i := range 100 {
		p.Do("set", "k"+strconv.Itoa(i), strconv.Itoa(i))
	}
	p.Do("select", "5")
	p.Do("multi")
	p.Do("incr", "n")
	p.Do("sadd", "s", "x", "y")
	p.Do("exec")
	sameData := inSync(t, p, r)
	waitUntil(t, "the stream", sameData)
	r.Expect("-READONLY You can't write against a read only replica.\r\n", "set", "x", "1")
	// The stream is counted apart from client traffic, on both sides.
	stat := func(rc *rawConn, field string) int {
		for _, line := range strings.Split(rc.Do("info", "stats"), "\r\n") {
			if v, ok := strings.CutPrefix(line, field+":"); ok {
				n, _ := strconv.Atoi(v)
				return n
			}
		}
		return -1
	}
	if out, in := stat(p, "total_net_repl_output_bytes"), stat(r, "total_net_repl_input_bytes"); out <= 0 || in <= 0 {
		t.Fatalf("total_net_repl_output_bytes %d on the primary, total_net_repl_input_bytes %d on the replica", out, in)
	}

	// The link goes: both ends say so, and the replica continues where
	// it was.
	p.Do("client", "kill", "type", "replica")
	p.Do("set", "after", "kill")
	waitUntil(t, "the partial resynchronization", sameData)
	waitLog(t, replica, "Connection with primary lost.\n")
	waitLog(t, replica, "Successful partial resynchronization with primary.")
	waitLog(t, primary, "Connection with replica 127.0.0.1:"+strconv.Itoa(replica.Port)+" lost.\n")

	// Promoted, it writes.
	r.Expect("+OK\r\n", "replicaof", "no", "one")
	r.Expect("+OK\r\n", "set", "x", "1")
}

// A replica with repl-diskless-load swapdb reads its primary's streamed
// snapshot into memory, keeps serving while it does, and swaps the new
// dataset in: the first time into a new history, the second within its
// own (async loading), where a key written on the replica meanwhile
// goes with the old dataset.
func TestReplicationDisklessLoad(t *testing.T) {
	primary := startServer(t, "--save", "", "--enable-debug-command", "yes", "--repl-diskless-sync", "yes", "--repl-diskless-sync-delay", "0")
	replica := startServer(t, "--save", "", "--enable-debug-command", "yes", "--repl-diskless-load", "swapdb", "--replica-read-only", "no")
	p, r := dialRaw(t, primary), dialRaw(t, replica)
	p.Expect("+OK\r\n", "debug", "populate", "5000", "k", "100")
	r.Expect("+OK\r\n", "set", "mine", "1")
	r.Expect("+OK\r\n", "replicaof", "127.0.0.1", strconv.Itoa(primary.Port))
	sameData := inSync(t, p, r)
	waitUntil(t, "the first sync", func() bool { return replInfo(r, "master_link_status") == "up" && sameData() })
	waitLog(t, replica, "PRIMARY <-> REPLICA sync: Swapping active DB with loaded DB")
	r.Expect("$-1\r\n", "get", "mine")

	// A full resynchronization within the same history: the backlog the
	// replica would continue from is overwritten while it is away, in a
	// transaction, so that it cannot come back before.
	r.Expect("+OK\r\n", "set", "mine", "2")
	p.Expect("+OK\r\n", "config", "set", "repl-backlog-size", "16384")
	p.Expect("+OK\r\n", "multi")
	p.Do("client", "kill", "type", "replica")
	for i := range 10 {
		p.Do("set", "big"+strconv.Itoa(i), strings.Repeat("x", 16384))
	}
	p.Do("exec")
	waitUntil(t, "the second sync", func() bool { return replInfo(r, "master_link_status") == "up" && sameData() })
	if n := strings.Count(replica.Log(), "Swapping active DB with loaded DB"); n != 2 {
		t.Fatalf("%d swaps:\n%s", n, replica.Log())
	}
	r.Expect("$-1\r\n", "get", "mine")
	entries, err := os.ReadDir(replica.Dir)
	if err != nil || len(entries) != 0 {
		t.Fatalf("the replica's directory holds %v (%v)", entries, err)
	}
}

// With rdb-del-sync-files and no persistence, neither end keeps the RDB
// file a disk-based synchronization went through.
func TestReplicationDeletesSyncFiles(t *testing.T) {
	args := []string{"--save", "", "--enable-debug-command", "yes", "--rdb-del-sync-files", "yes"}
	primary := startServer(t, append(args, "--repl-diskless-sync", "no")...)
	replica := startServer(t, args...)
	p, r := dialRaw(t, primary), dialRaw(t, replica)
	p.Expect("+OK\r\n", "debug", "populate", "1000")
	r.Expect("+OK\r\n", "replicaof", "127.0.0.1", strconv.Itoa(primary.Port))
	sameData := inSync(t, p, r)
	waitUntil(t, "the sync", func() bool { return replInfo(r, "master_link_status") == "up" && sameData() })
	waitLog(t, replica, "Removing the RDB file obtained from the primary. This replica has persistence disabled\n")
	waitLog(t, primary, "Removing the RDB file used to feed replicas in a persistence-less instance\n")
	for _, s := range []*testServer{primary, replica} {
		waitUntil(t, "the file's removal", func() bool {
			_, err := os.Stat(filepath.Join(s.Dir, "dump.rdb"))
			return os.IsNotExist(err)
		})
	}
}

// The replication history survives restarts through the RDB file's aux
// fields: a replica restarted from its own save continues where it was,
// and so do replicas of a restarted primary; neither costs a full
// synchronization, and the stream goes on in the database it had
// selected.
func TestReplicationRestartsContinue(t *testing.T) {
	pdir, rdir := t.TempDir(), t.TempDir()
	primary := startServerIn(t, pdir, "--save", "", "--repl-diskless-sync-delay", "0")
	pport := strconv.Itoa(primary.Port)
	replica := startServerIn(t, rdir, "--save", "", "--replicaof", "127.0.0.1", pport)
	p, r := dialRaw(t, primary), dialRaw(t, replica)
	p.Expect("+OK\r\n", "select", "3")
	p.Expect("+OK\r\n", "set", "k1", "v1")
	r.Expect("+OK\r\n", "select", "3")
	waitUntil(t, "the first write", func() bool { return r.Do("get", "k1") == "$2\r\nv1\r\n" })

	r.Send(multibulk("shutdown", "save"))
	<-replica.done
	p.Expect("+OK\r\n", "set", "k2", "v2")
	replica = startServerAt(t, rdir, replica.Port, "--save", "", "--replicaof", "127.0.0.1", pport)
	r = dialRaw(t, replica)
	r.Expect("+OK\r\n", "select", "3")
	waitUntil(t, "the write made while the replica was down", func() bool { return r.Do("get", "k2") == "$2\r\nv2\r\n" })
	waitLog(t, replica, "Successful partial resynchronization with primary.")

	before := len(primary.Log())
	p.Send(multibulk("shutdown", "save"))
	<-primary.done
	if log := primary.Log()[before:]; strings.Contains(log, "Connection with replica") {
		t.Fatalf("the primary logged its replica's link as lost when it shut down:\n%s", log)
	}
	primary = startServerAt(t, pdir, primary.Port, "--save", "", "--repl-diskless-sync-delay", "0")
	p = dialRaw(t, primary)
	p.Expect("+OK\r\n", "select", "3")
	p.Expect("+OK\r\n", "set", "k3", "v3")
	waitUntil(t, "the write after the primary's restart", func() bool { return r.Do("get", "k3") == "$2\r\nv3\r\n" })
	waitLog(t, primary, "Partial resynchronization request from")
}
