package engine

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// disklessReplica is a replica whose engine is handed over as the
// coordinator hands it (Yield, YieldWhile), with repl-diskless-load mode
// and its log kept; read the log with logged.
type disklessReplica struct {
	*replicaEnv
	log *bytes.Buffer
}

func newDisklessReplica(t *testing.T, mode string) *disklessReplica {
	r := newReplicaEnv(t)
	d := &disklessReplica{replicaEnv: r, log: &bytes.Buffer{}}
	r.srv.Log = NewLogger(d.log, LogNotice)
	r.srv.Yield = func() { r.mu.Unlock(); r.mu.Lock() }
	r.srv.YieldWhile = func(fn func()) {
		r.mu.Unlock()
		defer r.mu.Lock()
		fn()
	}
	for _, kv := range [][2]string{{"repl-diskless-load", mode}, {"loading-process-events-interval-bytes", "1024"}} {
		if got := r.run("config", "set", kv[0], kv[1]); got != okReply {
			t.Fatalf("CONFIG SET %s: %q", kv[0], got)
		}
	}
	return d
}

// logged returns the log so far; the server logs while holding the engine.
func (d *disklessReplica) logged() string {
	var s string
	d.held(func() { s = d.log.String() })
	return s
}

// files lists the replica's data directory.
func (d *disklessReplica) files() []string {
	var dir string
	d.held(func() { dir = d.srv.Cfg.Dir })
	ents, err := os.ReadDir(dir)
	if err != nil {
		d.t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

// startFullSync has the replica connect to fp and fp answer its PSYNC
// with +FULLRESYNC id 1000 and the transfer's header for file, then the
// first 10 bytes of file; it returns the link and what is left to send
// (with the EOF mark when eof).
func (d *disklessReplica) startFullSync(fp *fakePrimary, id string, file []byte, eof bool) (*fakeLink, string) {
	d.t.Helper()
	port := 0
	d.held(func() { port = d.srv.Cfg.Port })
	if d.info("role") != "slave" {
		d.run("replicaof", "127.0.0.1", fp.port())
	}
	l := fp.accept()
	l.handshake(port)
	rest := string(file[10:])
	if eof {
		mark := strings.Repeat("m", 40)
		l.send("+FULLRESYNC " + id + " 1000\r\n$EOF:" + mark + "\r\n" + string(file[:10]))
		rest += mark
	} else {
		l.send("+FULLRESYNC " + id + " 1000\r\n$" + strconv.Itoa(len(file)) + "\r\n" + string(file[:10]))
	}
	d.waitFor("the load to start", func() bool { return d.srv.replica.transferRead.Load() == 10 })
	return l, rest
}

const newLibrary = "#!lua name=lib\nserver.register_function{function_name='f', callback=function() return 'new' end, flags={'no-writes'}}"

// newSnapshot is a primary's snapshot: keys in databases 0 and 2, large
// enough that the load lets others in on the way, and a function.
func newSnapshot(t *testing.T) []byte {
	var setup [][]string
	for i := range 300 {
		setup = append(setup, []string{"set", "k:" + strconv.Itoa(i), strings.Repeat("v", 20)})
	}
	setup = append(setup, []string{"select", "2"}, []string{"set", "in2", "x"}, []string{"function", "load", newLibrary})
	file, _ := snapshot(t, setup...)
	return file
}

// Each diskless mode loads the snapshot from the link, with no file on
// the way: clients get -LOADING meanwhile, the old data and functions
// are gone after, no dump.rdb is written but a save has work to do, and
// the stream follows.
func TestDisklessLoad(t *testing.T) {
	for _, mode := range []string{"on-empty-db", "flush-before-load", "swapdb"} {
		for _, eof := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/eof=%v", mode, eof), func(t *testing.T) {
				d := newDisklessReplica(t, mode)
				if mode != "on-empty-db" {
					d.run("set", "old", "gone")
					if got := d.run("function", "load", strings.ReplaceAll(newLibrary, "'new'", "'old'")); got != "$3\r\nlib\r\n" {
						t.Fatalf("FUNCTION LOAD: %q", got)
					}
				}
				c := d.newClient()
				file := newSnapshot(t)
				l, rest := d.startFullSync(newFakePrimary(t), primaryID, file, eof)

				// Loading, in the middle of the snapshot.
				if got := d.run("get", "old"); got != "-"+ErrLoading+"\r\n" {
					t.Fatalf("GET while loading: %q", got)
				}
				if got := d.info("master_sync_in_progress"); got != "1" {
					t.Fatalf("master_sync_in_progress %s", got)
				}
				pers := d.run("info", "persistence")
				if !strings.Contains(pers, "\r\nloading:1\r\nasync_loading:0\r\n") || !strings.Contains(pers, "\r\nloading_start_time:") {
					t.Fatalf("INFO persistence while loading:\n%s", pers)
				}
				if names := d.files(); len(names) != 0 {
					t.Fatalf("files while loading: %v", names)
				}

				l.send(rest)
				l.expect("REPLCONF ACK 1000")
				if got := d.run("dbsize"); got != ":300\r\n" {
					t.Fatalf("DBSIZE: %q", got)
				}
				var out string
				d.held(func() {
					d.do(c, "select", "2")
					out = d.do(c, "get", "in2") + d.do(c, "fcall_ro", "f", "0")
				})
				if out != "$1\r\nx\r\n$3\r\nnew\r\n" {
					t.Fatalf("after the load: %q", out)
				}
				if got := d.run("exists", "old"); got != ":0\r\n" {
					t.Fatalf("old data survived: %q", got)
				}
				// The load is one change more than those before it (a SET
				// and a FUNCTION LOAD, unless on-empty-db).
				dirty := map[string]string{"on-empty-db": "1"}[mode]
				if dirty == "" {
					dirty = "3"
				}
				pers = d.run("info", "persistence")
				if !strings.Contains(pers, "\r\nloading:0\r\nasync_loading:0\r\n") || !strings.Contains(pers, "\r\nrdb_changes_since_last_save:"+dirty+"\r\n") || !strings.Contains(pers, "\r\nrdb_last_load_keys_loaded:301\r\n") {
					t.Fatalf("INFO persistence after the load:\n%s", pers)
				}
				if names := d.files(); len(names) != 0 {
					t.Fatalf("files after the load: %v", names)
				}
				d.sendApplied(l, streamCmd("set", "streamed", "1"))
				if got := d.run("get", "streamed"); got != "$1\r\n1\r\n" {
					t.Fatalf("GET of the stream's key: %q", got)
				}

				logs := d.logged()
				via := "receiving " + strconv.Itoa(len(file)) + " bytes from primary to parser"
				if eof {
					via = "receiving streamed RDB from primary with EOF to parser"
				}
				want := []string{via, "Flushing old data", "Loading DB in memory", "Done loading RDB, keys loaded: 301, keys expired: 0.", "Finished with success"}
				if mode == "swapdb" {
					want = []string{via, "Loading DB in memory", "Done loading RDB, keys loaded: 301, keys expired: 0.", "Swapping active DB with loaded DB", "Discarding old DB in background", "Finished with success"}
				}
				inOrder(t, logs, want)
			})
		}
	}
}

// inOrder fails unless each of want is in logs, after the one before.
func inOrder(t *testing.T, logs string, want []string) {
	t.Helper()
	rest := logs
	for _, w := range want {
		i := strings.Index(rest, w)
		if i < 0 {
			t.Fatalf("log has no %q after the lines before it:\n%s", w, logs)
		}
		rest = rest[i+len(w):]
	}
}

// on-empty-db loads through a file when the dataset is not empty.
func TestDisklessLoadOnEmptyDBNeedsEmpty(t *testing.T) {
	d := newDisklessReplica(t, "on-empty-db")
	d.run("set", "old", "gone")
	file := newSnapshot(t)
	l, rest := d.startFullSync(newFakePrimary(t), primaryID, file, false)
	names := d.files()
	if len(names) != 1 || !strings.HasPrefix(names[0], "temp-") {
		t.Fatalf("files during the transfer: %v", names)
	}
	l.send(rest)
	l.expect("REPLCONF ACK 1000")
	if got := d.run("dbsize"); got != ":300\r\n" {
		t.Fatalf("DBSIZE: %q", got)
	}
	if !strings.Contains(d.logged(), "receiving "+strconv.Itoa(len(file))+" bytes from primary to disk") {
		t.Fatalf("log:\n%s", d.logged())
	}
}

// A swapdb load within the replica's own history serves the old dataset
// while it runs (async loading), refusing only what may not run then;
// cut short, it leaves the old dataset; completed, it swaps in the new.
func TestDisklessLoadSwapdbAsync(t *testing.T) {
	for _, end := range []string{"cut", "corrupt", "done"} {
		t.Run(end, func(t *testing.T) {
			d := newDisklessReplica(t, "swapdb")
			fp := newFakePrimary(t)
			empty, _ := snapshot(t)
			first := d.syncFrom(fp, empty) // the replica takes primaryID's history
			d.run("config", "set", "replica-read-only", "no")
			d.run("set", "mine", "v")
			d.run("function", "load", strings.ReplaceAll(newLibrary, "'new'", "'old'"))
			first.c.Close()
			d.waitFor("the link to drop", func() bool { return d.srv.replica.primary == nil })

			file := newSnapshot(t)
			if end == "corrupt" {
				file[len(file)-1] ^= 0xff // the checksum
			}
			l, rest := d.startFullSync(fp, primaryID, file, true)
			pers := d.run("info", "persistence")
			if !strings.Contains(pers, "\r\nloading:0\r\nasync_loading:1\r\n") {
				t.Fatalf("INFO persistence while loading:\n%s", pers)
			}
			for _, cmd := range [][]string{
				{"get", "mine"}, {"fcall_ro", "f", "0"}, {"dbsize"}, {"replicaof", "no", "one"}, {"config", "set", "appendonly", "no"},
			} {
				want := map[string]string{"get": "$1\r\nv\r\n", "fcall_ro": "$3\r\nold\r\n", "dbsize": ":1\r\n"}[cmd[0]]
				if want == "" {
					want = "-" + ErrLoading + "\r\n"
				}
				if got := d.run(cmd...); got != want {
					t.Fatalf("%v while async loading: %q, want %q", cmd, got, want)
				}
			}

			switch end {
			case "cut":
				l.send(rest[:len(rest)/2])
				l.c.Close()
			case "corrupt", "done":
				l.send(rest)
			}
			if end != "done" {
				d.waitFor("the load to fail", func() bool { return !d.srv.load.active })
				if got := d.run("get", "mine") + d.run("fcall_ro", "f", "0") + d.run("dbsize"); got != "$1\r\nv\r\n$3\r\nold\r\n:1\r\n" {
					t.Fatalf("after the failed load: %q", got)
				}
				why := "Unexpected EOF reading RDB file. Failure loading rdb format from socket, assuming connection error, resuming operation."
				if end == "corrupt" {
					why = "Failure loading rdb format"
				}
				inOrder(t, d.logged(), []string{"Loading DB in memory", "Internal error in RDB reading offset", why,
					"Failed trying to load the PRIMARY synchronization DB from socket, check server logs.",
					"Discarding temporary DB in background", "Failed to load RDB"})
				fp.accept() // the replica tries again
				return
			}
			l.expect("REPLCONF ACK 1000")
			if got := d.run("get", "mine") + d.run("fcall_ro", "f", "0") + d.run("dbsize"); got != "$-1\r\n$3\r\nnew\r\n:300\r\n" {
				t.Fatalf("after the load: %q", got)
			}
			if pers := d.run("info", "persistence"); !strings.Contains(pers, "\r\nloading:0\r\nasync_loading:0\r\n") {
				t.Fatalf("INFO persistence after the load:\n%s", pers)
			}
		})
	}
}

// A snapshot whose EOF mark is not the one announced fails the load.
func TestDisklessLoadBrokenMark(t *testing.T) {
	d := newDisklessReplica(t, "flush-before-load")
	fp := newFakePrimary(t)
	file := newSnapshot(t)
	l, rest := d.startFullSync(fp, primaryID, file, true)
	l.send(rest[:len(rest)-1] + "x")
	fp.accept()
	inOrder(t, d.logged(), []string{"Done loading RDB", "Replication stream EOF marker is broken",
		"Failed trying to load the PRIMARY synchronization DB from socket", "Discarding the half-loaded data", "Failed to load RDB"})
	if got := d.run("dbsize"); got != ":0\r\n" {
		t.Fatalf("DBSIZE after the failed load: %q", got)
	}
	if _, err := os.Stat(filepath.Join(d.srv.Cfg.Dir, "dump.rdb")); !os.IsNotExist(err) {
		t.Fatalf("dump.rdb: %v", err)
	}
}

// FUNCTION FLUSH while an async load runs (a writable replica) starts a
// new interpreter; the libraries the load read before are still callable
// once swapped in.
func TestDisklessLoadSurvivesFunctionFlush(t *testing.T) {
	d := newDisklessReplica(t, "swapdb")
	fp := newFakePrimary(t)
	empty, _ := snapshot(t)
	first := d.syncFrom(fp, empty)
	d.run("config", "set", "replica-read-only", "no")
	first.c.Close()
	d.waitFor("the link to drop", func() bool { return d.srv.replica.primary == nil })

	file := newSnapshot(t)
	// The library is near the end of the snapshot: send all but the
	// checksum and the mark, so that it is loaded before the flush.
	l, rest := d.startFullSync(fp, primaryID, file, true)
	l.send(rest[:len(rest)-48])
	d.waitFor("the library", func() bool { return d.srv.replica.transferRead.Load() == int64(len(file)-8) })
	if got := d.run("function", "flush"); got != okReply {
		t.Fatalf("FUNCTION FLUSH while async loading: %q", got)
	}
	l.send(rest[len(rest)-48:])
	l.expect("REPLCONF ACK 1000")
	if got := d.run("fcall_ro", "f", "0"); got != "$3\r\nnew\r\n" {
		t.Fatalf("FCALL_RO after the load: %q", got)
	}
}
