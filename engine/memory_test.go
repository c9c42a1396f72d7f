package engine

import (
	"strconv"
	"strings"
	"testing"

	"github.com/volleydb/volley/engine/config"
)

func TestMemoryCommands(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	e.expect(c, []replyCase{
		rc("memory help", "*14\r\n+MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+DOCTOR\r\n+    Return memory problems reports.\r\n+MALLOC-STATS\r\n+    Return internal statistics report from the memory allocator.\r\n+PURGE\r\n+    Attempt to purge dirty pages for reclamation by the allocator.\r\n+STATS\r\n+    Return information about the memory usage of the server.\r\n+USAGE <key> [SAMPLES <count>]\r\n+    Return memory in bytes used by <key> and its value. Nested values are\r\n+    sampled up to <count> times (default: 5, 0 means sample all).\r\n+HELP\r\n+    Print this help.\r\n"),
		rc("memory usage nokey", "$-1\r\n"),
		rc("memory usage k samples 0", "$-1\r\n"),
		rc("memory usage k samples", errReply("ERR syntax error")),
		rc("memory usage k samples -1", errReply("ERR syntax error")),
		rc("memory usage k samples x", errReply("ERR value is not an integer or out of range")),
		rc("memory usage k foo", errReply("ERR syntax error")),
		rc("memory usage", errReply("ERR wrong number of arguments for 'memory|usage' command")),
		rc("memory purge", "+OK\r\n"),
		rc("memory foo", errReply("ERR unknown subcommand 'foo'. Try MEMORY HELP.")),
	})
	if got := e.do(c, "memory", "doctor"); !strings.HasPrefix(got, "$") || !strings.Contains(got, "\n") {
		t.Errorf("MEMORY DOCTOR = %q", got)
	}
	ms := e.do(c, "memory", "malloc-stats")
	if !strings.Contains(ms, "/memory/classes/heap/objects:bytes: ") || !strings.HasSuffix(ms, "___ End Go runtime memory statistics ___\n\r\n") {
		t.Errorf("MEMORY MALLOC-STATS = %q", ms)
	}
	e.do(c, "hello", "3")
	if got := e.do(c, "memory", "usage", "k"); got != "_\r\n" {
		t.Errorf("RESP3 MEMORY USAGE = %q", got)
	}
}

// MEMORY STATS has Valkey 9.0's fields in Valkey's order and types.
func TestMemoryStatsShape(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	e.do(c, "hello", "3")
	got := e.do(c, "memory", "stats")
	wantKeys := []string{
		"peak.allocated", "total.allocated", "startup.allocated", "replication.backlog", "clients.slaves",
		"clients.normal", "cluster.links", "cluster.slot_import", "cluster.slot_export", "aof.buffer",
		"lua.caches", "functions.caches", "db.0", "overhead.db.hashtable.lut",
		"overhead.db.hashtable.rehashing", "overhead.total", "db.dict.rehashing.count", "keys.count",
		"keys.bytes-per-key", "dataset.bytes", "dataset.percentage", "peak.percentage",
		"allocator.allocated", "allocator.active", "allocator.resident", "allocator.muzzy",
		"allocator-fragmentation.ratio", "allocator-fragmentation.bytes", "allocator-rss.ratio",
		"allocator-rss.bytes", "rss-overhead.ratio", "rss-overhead.bytes", "fragmentation",
		"fragmentation.bytes",
	}
	if !strings.HasPrefix(got, "%34\r\n") {
		t.Fatalf("not a map of 34: %q", got[:min(len(got), 20)])
	}
	rest := got[len("%34\r\n"):]
	for _, k := range wantKeys {
		key := bulk(k)
		if !strings.HasPrefix(rest, key) {
			t.Fatalf("want key %q next, have %q", k, rest[:min(len(rest), 40)])
		}
		rest = rest[len(key):]
		var want byte = ':'
		switch {
		case k == "db.0":
			want = '%'
		case strings.HasSuffix(k, ".percentage") || strings.HasSuffix(k, ".ratio") || k == "fragmentation":
			want = ','
		}
		if rest[0] != want {
			t.Fatalf("%s: value type %q, want %q", k, rest[0], want)
		}
		if k == "db.0" {
			inner := "%2\r\n$23\r\noverhead.hashtable.main\r\n:0\r\n$26\r\noverhead.hashtable.expires\r\n:0\r\n"
			if !strings.HasPrefix(rest, inner) {
				t.Fatalf("db.0 = %q", rest[:min(len(rest), len(inner))])
			}
			rest = rest[len(inner):]
			continue
		}
		rest = rest[strings.Index(rest, "\r\n")+2:]
	}
	if rest != "" {
		t.Errorf("trailing %q", rest)
	}
}

// MEMORY USAGE of a string is its record's slot and a bucket's share;
// Valkey 9.0.4 reports 136 for a 100-byte raw string under a 1-byte key,
// 32 for "hello" and 24 for an int.
func TestMemoryUsageStrings(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	e.do(c, "set", "l", strings.Repeat("a", 100))
	e.do(c, "set", "s", "hello")
	e.do(c, "set", "foo", "100")
	e.do(c, "set", "key:0000000", strings.Repeat("b", 100))
	e.do(c, "set", "big", strings.Repeat("c", 100000))
	for key, want := range map[string]int64{
		"l":           112 + 9, // 9-byte header + 1 + 100 = 110 → 112-byte slot
		"s":           16 + 9,  // 9 + 1 + 5 = 15 → 16
		"foo":         16 + 9,
		"key:0000000": 120 + 9, // DEBUG POPULATE's 10-byte keys: 120-byte slots
		"big":         100000 + 3 + 12 + 9,
	} {
		got := e.do(c, "memory", "usage", key)
		if got != ":"+strconv.FormatInt(want, 10)+"\r\n" {
			t.Errorf("MEMORY USAGE %s = %q, want %d", key, got, want)
		}
	}
}

// MEMORY STATS lists each database's table overhead and the key count.
func TestMemoryStatsDatabases(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	e.do(c, "select", "2")
	for i := range 100 {
		e.do(c, "set", "k"+strconv.Itoa(i), "v", "ex", "100")
	}
	o := e.srv.overhead(new(e.srv.memory()))
	if len(o.dbs) != 2 || o.dbs[0].id != 0 || o.dbs[1].id != 2 || o.keys != 100 {
		t.Fatalf("dbs %+v keys %d", o.dbs, o.keys)
	}
	db := e.srv.DB(2)
	if d := o.dbs[1]; d.main != uint64(db.Keys().MemUsage()) || d.expires != uint64(db.Expires().MemUsage()) || d.main == 0 || d.expires == 0 {
		t.Fatalf("db.2 %+v", d)
	}
	if got := e.do(c, "memory", "stats"); !strings.Contains(got, "$4\r\ndb.2\r\n*4\r\n$23\r\noverhead.hashtable.main\r\n:"+strconv.Itoa(db.Keys().MemUsage())+"\r\n") {
		t.Errorf("MEMORY STATS lacks db.2: %q", got)
	}
	lut := strconv.Itoa(2*88 + db.Keys().MemUsage() + db.Expires().MemUsage())
	if got := e.do(c, "memory", "stats"); !strings.Contains(got, "$25\r\noverhead.db.hashtable.lut\r\n:"+lut+"\r\n") {
		t.Errorf("MEMORY STATS lut is not %s: %q", lut, got)
	}
	e.do(c, "flushall")
	e.do(c, "set", "a", "b") // Valkey 9.0.4 on 64-bit: a table of one bucket is 152 bytes
	if got := e.do(c, "memory", "stats"); !strings.Contains(got, "$25\r\noverhead.db.hashtable.lut\r\n:152\r\n") {
		t.Errorf("MEMORY STATS lut with one key: %q", got)
	}
	e.do(c, "flushall")
	if got := e.do(c, "memory", "stats"); !strings.Contains(got, "$25\r\noverhead.db.hashtable.lut\r\n:0\r\n") {
		t.Errorf("MEMORY STATS lut after FLUSHALL: %q", got)
	}

	// A database stays listed, empty, once a client has used it, as
	// Valkey's exists from its first SELECT on (other.tcl's "Server can
	// resize empty dict" reads db.9 after deleting all its keys); one
	// nobody used is not listed.
	e.do(c, "select", "5")
	e.do(c, "swapdb", "6", "7")
	e.do(c, "move", "nokey", "8")
	got := e.do(c, "memory", "stats")
	for _, db := range []string{"db.2", "db.5", "db.6", "db.7", "db.8"} {
		want := "$4\r\n" + db + "\r\n*4\r\n$23\r\noverhead.hashtable.main\r\n:0\r\n$26\r\noverhead.hashtable.expires\r\n:0\r\n"
		if !strings.Contains(got, want) {
			t.Errorf("MEMORY STATS lacks the empty %s: %q", db, got)
		}
	}
	for _, db := range []string{"db.1", "db.3", "db.9"} {
		if strings.Contains(got, "$4\r\n"+db+"\r\n") {
			t.Errorf("MEMORY STATS lists %s, which nobody used: %q", db, got)
		}
	}
}

// used_memory counts the keyspace arenas, which live outside the Go heap.
func TestUsedMemoryCountsArenas(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	e.srv.Cfg.EnableDebugCommand = config.PermitYes
	before := e.srv.memory()
	e.do(c, "debug", "populate", "20000", "key", "100")
	after := e.srv.memory()
	arena := e.srv.DB(0).Arena().OffHeap()
	if arena < 20000*120 {
		t.Fatalf("arena off-heap %d for 20000 keys", arena)
	}
	live := e.srv.DB(0).Arena().OffHeapLive()
	// The heap may shrink meanwhile (a GC), so check the parts, not growth.
	if after.arenas != uint64(arena) || after.arenaLive != uint64(live) || after.used() < after.stacks+uint64(live) || before.arenas != 0 {
		t.Fatalf("used_memory %d → %d, arenas %d → %d (live %d)", before.used(), after.used(), before.arenas, arena, live)
	}

	// Deleting 19 keys in 20 leaves every chunk partly full: the arenas
	// keep their memory, but used_memory counts only what the remaining
	// keys use, as Valkey's does, and the rest shows as fragmentation.
	for i := range 20000 {
		if i%20 != 0 {
			e.do(c, "del", "key:"+strconv.Itoa(i))
		}
	}
	for e.srv.DB(0).Keys().RehashStep(1000) || e.srv.DB(0).Keys().ResizeIfNeeded() {
	}
	m := e.srv.memory()
	if m.arenas < uint64(arena)/2 {
		t.Fatalf("chunks freed although each keeps a key: %d → %d", arena, m.arenas)
	}
	if m.arenaLive > uint64(live)/10 {
		t.Fatalf("arena live bytes %d → %d after deleting 95%% of the keys", live, m.arenaLive)
	}
	o := e.srv.overhead(&m)
	if m.used() < m.stacks+m.arenaLive || m.used() > m.objects+m.stacks || o.allocFrag < 2 {
		t.Fatalf("used_memory %d (objects %d, stacks %d), allocator_frag_ratio %.2f", m.used(), m.objects, m.stacks, o.allocFrag)
	}
}

// A table being rehashed reports the bucket array it is moving out of.
func TestMemoryStatsRehashing(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	db := e.srv.DB(0)
	fillExpiring(db, "k", 1000, 0)
	for !db.Keys().IsRehashing() {
		fillExpiring(db, "m"+strconv.Itoa(db.Len()), 100, 0)
	}
	size, _ := db.Keys().TableSizes()
	want := int64(size[0] / 7 * 64)
	if n, b := e.srv.rehashingTables(); n != 1 || b != want {
		t.Fatalf("rehashing %d tables, %d bytes; want 1, %d", n, b, want)
	}
	if got := e.do(c, "info", "memory"); !strings.Contains(got, "mem_overhead_db_hashtable_rehashing:"+strconv.FormatInt(want, 10)+"\r\n") {
		t.Errorf("INFO memory lacks the rehashing overhead %d", want)
	}
}
