package keyspace

import (
	"bytes"
	"fmt"
	"hash/maphash"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"
)

// mapEntry is the baseline: what a keyspace built on a Go map would hold
// per key. Only its size matters, so most fields are never read.
//
//lint:ignore U1000 the fields model per-key memory
type mapEntry struct {
	val    []byte
	expire int64
	access uint32
	kind   uint8
}

var benchSizes = []int{1_000, 1_000_000}

func benchKeys(n int) [][]byte {
	keys := make([][]byte, n)
	for i := range keys {
		keys[i] = key(i)
	}
	return keys
}

// order visits keys in a scattered order so that large tables miss cache,
// as a server's keyspace does.
func order(i, n int) int { return int(uint64(i) * 2654435761 % uint64(n)) }

func filledTable(keys [][]byte, val []byte) *Table {
	tb := NewTable()
	for _, k := range keys {
		tb.Set(k, Value{Bytes: val})
	}
	for tb.RehashStep(1 << 20) {
	}
	return tb
}

func filledMap(keys [][]byte, val []byte) map[string]*mapEntry {
	m := make(map[string]*mapEntry)
	for _, k := range keys {
		m[string(k)] = &mapEntry{val: bytes.Clone(val)}
	}
	return m
}

func BenchmarkGet(b *testing.B) {
	val := bytes.Repeat([]byte{'v'}, 100)
	for _, n := range benchSizes {
		keys := benchKeys(n)
		b.Run(fmt.Sprintf("table/%d", n), func(b *testing.B) {
			tb := filledTable(keys, val)
			b.ReportAllocs()
			b.ResetTimer()
			sum := 0
			for i := 0; i < b.N; i++ {
				e, _ := tb.Get(keys[order(i, n)])
				sum += len(e.Value())
			}
			_ = sum
		})
		b.Run(fmt.Sprintf("map/%d", n), func(b *testing.B) {
			m := filledMap(keys, val)
			b.ReportAllocs()
			b.ResetTimer()
			sum := 0
			for i := 0; i < b.N; i++ {
				e := m[string(keys[order(i, n)])]
				sum += len(e.val)
			}
			_ = sum
		})
	}
}

// BenchmarkGetBatch16 looks keys up 16 at a time in the batch executor's
// three passes: hash and touch the bucket, touch the candidate record, then
// look up. The touches stand in for the prefetch kernel: independent loads
// let the CPU overlap the cache misses.
func BenchmarkGetBatch16(b *testing.B) {
	val := bytes.Repeat([]byte{'v'}, 100)
	n := 1_000_000
	keys := benchKeys(n)
	tb := filledTable(keys, val)
	var hs [16]uint64
	b.ReportAllocs()
	b.ResetTimer()
	sink := byte(0)
	for i := 0; i < b.N; i += 16 {
		for j := range hs {
			hs[j] = tb.Hash(keys[order(i+j, n)])
			sink += *(*byte)(tb.BucketAddr(hs[j]))
		}
		for j := range hs {
			if p := tb.EntryHint(hs[j]); p != nil {
				sink += *(*byte)(p)
			}
		}
		for j := range hs {
			e, _ := tb.GetHashed(keys[order(i+j, n)], hs[j])
			sink += e.Value()[0]
		}
	}
	_ = sink
}

func BenchmarkSet(b *testing.B) {
	val := bytes.Repeat([]byte{'v'}, 100)
	val2 := bytes.Repeat([]byte{'w'}, 100)
	for _, n := range benchSizes {
		keys := benchKeys(n)
		b.Run(fmt.Sprintf("table/%d", n), func(b *testing.B) {
			tb := filledTable(keys, val)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				tb.Set(keys[order(i, n)], Value{Bytes: val2})
			}
		})
		b.Run(fmt.Sprintf("map/%d", n), func(b *testing.B) {
			m := filledMap(keys, val)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				k := keys[order(i, n)]
				if e, ok := m[string(k)]; ok {
					e.val = append(e.val[:0], val2...)
				} else {
					m[string(k)] = &mapEntry{val: bytes.Clone(val2)}
				}
			}
		})
	}
}

// BenchmarkDelete deletes a key and adds it back, keeping the table's size;
// ns/op covers both.
func BenchmarkDelete(b *testing.B) {
	val := bytes.Repeat([]byte{'v'}, 100)
	for _, n := range benchSizes {
		keys := benchKeys(n)
		b.Run(fmt.Sprintf("table/%d", n), func(b *testing.B) {
			tb := filledTable(keys, val)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				k := keys[order(i, n)]
				tb.Delete(k)
				tb.Set(k, Value{Bytes: val})
			}
		})
		b.Run(fmt.Sprintf("map/%d", n), func(b *testing.B) {
			m := filledMap(keys, val)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				k := keys[order(i, n)]
				delete(m, string(k))
				m[string(k)] = &mapEntry{val: bytes.Clone(val)}
			}
		})
	}
}

// BenchmarkInsert1M builds a 1M-key table from empty, growing through every
// size; ns/op is per key.
func BenchmarkInsert1M(b *testing.B) {
	val := bytes.Repeat([]byte{'v'}, 100)
	keys := benchKeys(1_000_000)
	b.Run("table", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			tb := NewTable()
			for _, k := range keys {
				tb.Set(k, Value{Bytes: val})
			}
			tb.Arena().Release()
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(keys)), "ns/key")
	})
	b.Run("map", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			m := make(map[string]*mapEntry)
			for _, k := range keys {
				m[string(k)] = &mapEntry{val: bytes.Clone(val)}
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(keys)), "ns/key")
	})
}

// BenchmarkMemory1M stores DEBUG POPULATE 1000000's data set (keys
// "key:N", 100-byte values) and reports per key: Go heap growth, memory
// the Arena holds, and resident set growth; plus the time a full GC takes
// with the data set live. Run each case in a process of its own for clean
// RSS figures:
//
//	go test -run '^$' -bench 'Memory1M/table$' -benchtime 1x ./engine/keyspace/
func BenchmarkMemory1M(b *testing.B) {
	const n = 1_000_000
	val := bytes.Repeat([]byte{'v'}, 100)
	cases := []struct {
		name string
		fill func() (keep any, arenaBytes int64)
	}{
		{"table", func() (any, int64) { // as DEBUG POPULATE: sized up front
			tb := NewTable()
			tb.Expand(n)
			for i := 0; i < n; i++ {
				tb.Set(key(i), Value{Bytes: val})
			}
			return tb, tb.Arena().Footprint()
		}},
		{"table-grown", func() (any, int64) { // grown key by key, rehash finished
			tb := NewTable()
			for i := 0; i < n; i++ {
				tb.Set(key(i), Value{Bytes: val})
			}
			for tb.RehashStep(1 << 20) {
			}
			return tb, tb.Arena().Footprint()
		}},
		{"table-heapchunks", func() (any, int64) {
			tb := NewIn(newArena(true), maphash.MakeSeed())
			tb.Expand(n)
			for i := 0; i < n; i++ {
				tb.Set(key(i), Value{Bytes: val})
			}
			return tb, tb.Arena().Footprint()
		}},
		{"map", func() (any, int64) {
			m := make(map[string]*mapEntry)
			for i := 0; i < n; i++ {
				m[string(key(i))] = &mapEntry{val: bytes.Clone(val)}
			}
			return m, 0
		}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				runtime.GC()
				debug.FreeOSMemory()
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				rss0 := rss()
				keep, arenaBytes := c.fill()
				runtime.GC()
				runtime.ReadMemStats(&after)
				rss1 := rss()
				gc := time.Duration(1 << 62)
				for range 3 { // the fastest of three: the machine may be busy
					start := time.Now()
					runtime.GC()
					gc = min(gc, time.Since(start))
				}
				runtime.KeepAlive(keep)
				b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/n, "heap-B/key")
				b.ReportMetric(float64(arenaBytes)/n, "arena-B/key")
				b.ReportMetric(float64(rss1-rss0)/n, "rss-B/key")
				b.ReportMetric(float64(gc.Microseconds()), "gc-µs")
				b.ReportMetric(float64(after.HeapObjects-before.HeapObjects)/n, "objects/key")
			}
		})
	}
}

// rss returns the resident set size in bytes, or 0 where /proc is missing.
func rss() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseInt(f[1], 10, 64)
	return pages * int64(os.Getpagesize())
}

// BenchmarkGetLatency makes each lookup's key depend on the previous
// lookup's result, so the CPU cannot overlap their cache misses: a server
// running one command at a time, with parsing and replies in between, sees
// latency more than throughput.
func BenchmarkGetLatency(b *testing.B) {
	val := bytes.Repeat([]byte{'v'}, 100)
	n := 1_000_000
	keys := benchKeys(n)
	b.Run("table", func(b *testing.B) {
		tb := filledTable(keys, val)
		b.ReportAllocs()
		b.ResetTimer()
		s := 0
		for i := 0; i < b.N; i++ {
			e, _ := tb.Get(keys[order(i+s&1, n)])
			s += len(e.Value()) - len(val)
		}
	})
	b.Run("map", func(b *testing.B) {
		m := filledMap(keys, val)
		b.ReportAllocs()
		b.ResetTimer()
		s := 0
		for i := 0; i < b.N; i++ {
			e := m[string(keys[order(i+s&1, n)])]
			s += len(e.val) - len(val)
		}
	})
}
