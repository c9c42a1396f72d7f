//go:build !race

package engine

import (
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
