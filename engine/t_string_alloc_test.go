//go:build !race

package engine

import (
	"strconv"
	"strings"
	"testing"
)

// The benchmark's hot commands run through the dispatcher without
// allocating once the reply buffer and tables have grown.
func TestStringHotPathAllocs(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	e.do(c, "set", "k", "hello")
	e.do(c, "set", "ctr", "100")
	e.do(c, "set", "big", strings.Repeat("x", 100))
	e.do(c, "mset", "a", "1", "b", "22", "c", "333")

	for _, tc := range []struct {
		name string
		argv [][]byte
	}{
		{"GET", argvOf("get", "k")},
		{"GET missing", argvOf("get", "nokey")},
		{"GET 100 bytes", argvOf("get", "big")},
		{"SET same size", argvOf("set", "k", "world")},
		{"SET same size 100 bytes", argvOf("set", "big", strings.Repeat("y", 100))},
		{"SET int", argvOf("set", "ctr", "200")},
		{"INCR", argvOf("incr", "ctr")},
		{"DECRBY", argvOf("decrby", "ctr", "3")},
		{"MGET", argvOf("mget", "a", "b", "c", "nokey", "k")},
		{"STRLEN", argvOf("strlen", "big")},
	} {
		e.srv.Call(c, tc.argv) // warm up: reply buffer, first write
		c.Out.Reset()
		allocs := testing.AllocsPerRun(200, func() {
			e.srv.Call(c, tc.argv)
			c.Out.Reset()
		})
		if allocs != 0 {
			t.Errorf("%s: %.1f allocations per command, want 0", tc.name, allocs)
		}
	}
}

// The hot commands' cost in the engine alone, through the dispatcher, on
// a table of 100k keys.
func BenchmarkStringHotPath(b *testing.B) {
	e := newTestEnv(b)
	c := e.newClient()
	const n = 100_000
	keys := make([][]byte, n)
	for i := range keys {
		keys[i] = []byte("key:" + strings.Repeat("0", 6-len(itoa(i))) + itoa(i))
		e.srv.Call(c, [][]byte{[]byte("set"), keys[i], []byte("xxx")})
		c.Out.Reset()
	}
	for _, cmd := range []string{"get", "set", "incr", "mget"} {
		b.Run(cmd, func(b *testing.B) {
			b.ReportAllocs()
			argv := [][]byte{[]byte(cmd), nil, []byte("123")}
			if cmd != "set" {
				argv = argv[:2]
			}
			if cmd == "incr" {
				for _, k := range keys {
					e.srv.Call(c, [][]byte{[]byte("set"), k, []byte("100")})
				}
			}
			c.Out.Reset()
			for i := 0; b.Loop(); i++ {
				argv[1] = keys[(i*7919)%n]
				e.srv.Call(c, argv)
				if i&63 == 0 {
					c.Out.Reset()
				}
			}
		})
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
