//go:build !race

package engine

import (
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

	argvOf := func(args ...string) [][]byte {
		argv := make([][]byte, len(args))
		for i, a := range args {
			argv[i] = []byte(a)
		}
		return argv
	}
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
