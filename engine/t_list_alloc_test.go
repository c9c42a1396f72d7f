//go:build !race

package engine

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// The list benchmark's commands (valkey-benchmark LPUSH, RPUSH, LPOP,
// RPOP, LRANGE_100..600) run without allocating in steady state, on both
// encodings. A push and a pop run as a pair so the list keeps its size.
func TestListHotPathAllocs(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	argvOf := func(line string) [][]byte {
		var argv [][]byte
		for _, f := range strings.Fields(line) {
			argv = append(argv, []byte(f))
		}
		return argv
	}
	for i := 0; i < 100; i++ {
		e.do(c, "rpush", "small", "xxx", "12345")
	}
	for i := 0; i < 3000; i++ {
		e.do(c, "rpush", "big", "xxx", "12345")
	}
	// The head node is full after the RPUSHes: one LPUSH opens a new one,
	// which the pairs below then fill and empty.
	e.do(c, "lpush", "big", "xxx")
	if e.do(c, "object", "encoding", "small") != bulk("listpack") || e.do(c, "object", "encoding", "big") != bulk("quicklist") {
		t.Fatal("unexpected encodings")
	}
	for _, key := range []string{"small", "big"} {
		for _, tc := range []struct {
			name string
			cmds []string
		}{
			{"LPUSH+LPOP", []string{"lpush " + key + " xxx", "lpop " + key}},
			{"RPUSH+RPOP", []string{"rpush " + key + " 123", "rpop " + key}},
			{"LRANGE 100", []string{"lrange " + key + " 0 99"}},
			{"LRANGE 600", []string{"lrange " + key + " 0 599"}},
			{"LINDEX LLEN", []string{"lindex " + key + " 50", "llen " + key}},
		} {
			var argvs [][][]byte
			for _, cmd := range tc.cmds {
				argvs = append(argvs, argvOf(cmd))
			}
			run := func() {
				for _, argv := range argvs {
					e.srv.Call(c, argv)
				}
				c.Out.Reset()
			}
			run()
			if allocs := testing.AllocsPerRun(200, run); allocs != 0 {
				t.Errorf("%s on %s: %.2f allocations, want 0", tc.name, key, allocs)
			}
		}
	}
}

// LRANGE over valkey-benchmark's list: 600 elements of 16 bytes, a
// quicklist; the first 100 and all 600, forward and from the end.
func BenchmarkLrange(b *testing.B) {
	e := newTestEnv(b)
	c := e.newClient()
	v := strings.Repeat("x", 16)
	for range 600 {
		e.do(c, "lpush", "mylist", v)
	}
	for _, r := range [][2]string{{"0", "99"}, {"0", "599"}, {"-100", "-1"}} {
		argv := [][]byte{[]byte("lrange"), []byte("mylist"), []byte(r[0]), []byte(r[1])}
		b.Run(r[0]+".."+r[1], func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				e.srv.Call(c, argv)
				c.Out.Reset()
			}
		})
	}
}

// Compressing a quicklist node costs one allocation, the compressed
// bytes' own, and none when the node does not shrink enough to keep.
func TestQuicklistCompressNodeAllocs(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	e.do(c, "config", "set", "list-max-listpack-size", "4")
	e.do(c, "config", "set", "list-compress-depth", "1")
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 12 {
		v := strings.Repeat("x", 60) // compresses well
		if i >= 4 && i < 8 {
			b := make([]byte, 60)
			for j := range b {
				b[j] = byte(rng.Uint32())
			}
			v = string(b) // does not
		}
		e.do(c, "rpush", "l", v)
	}
	en, ok := e.srv.DB(0).Lookup([]byte("l"))
	if !ok || en.Kind() != kindListQuicklist {
		t.Fatal("l is not a quicklist")
	}
	q := en.Obj().(*quicklist)
	if q.numNodes() != 3 {
		t.Fatalf("%d nodes, want 3", q.numNodes())
	}
	n := q.raw(1) // the interior node, with the incompressible elements
	if allocs := testing.AllocsPerRun(100, func() { q.compressNode(1) }); allocs != 0 || n.lzf {
		t.Errorf("incompressible node: %.1f allocations, compressed %v; want 0, false", allocs, n.lzf)
	}
	// Give the interior node compressible bytes: the first node's.
	lp := q.raw(0).lp
	allocs := testing.AllocsPerRun(100, func() {
		n.lp, n.lzf = lp, false
		q.compressNode(1)
	})
	if allocs != 1 || !n.lzf {
		t.Errorf("compressible node: %.1f allocations, compressed %v; want 1, true", allocs, n.lzf)
	}
}
