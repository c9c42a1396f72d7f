package engine

import (
	"strings"
	"testing"
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
