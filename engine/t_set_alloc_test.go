//go:build !race

package engine

import (
	"strconv"
	"testing"
)

// The set commands valkey-benchmark drives (SADD, SPOP) and the common
// reads run without allocating once the set and reply buffer have grown.
func TestSetHotPathAllocs(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	e.do(c, cmd("sadd table", rangeWords("element:", 0, 1000)...)...)
	e.do(c, cmd("sadd ints", rangeWords("", 0, 100)...)...)
	e.do(c, cmd("sadd small", rangeWords("m", 0, 50)...)...)
	for _, tc := range []struct {
		name string
		cmds [][][]byte // run in turn, so the set returns to its size
	}{
		{"SADD existing", [][][]byte{argvOf("sadd", "table", "element:7")}},
		{"SADD+SREM table", [][][]byte{argvOf("sadd", "table", "new:1"), argvOf("srem", "table", "new:1")}},
		{"SPOP+SADD table", [][][]byte{argvOf("spop", "table"), argvOf("sadd", "table", "element:1")}},
		{"SADD+SREM intset", [][][]byte{argvOf("sadd", "ints", "5000"), argvOf("srem", "ints", "5000")}},
		{"SADD+SREM listpack", [][][]byte{argvOf("sadd", "small", "x"), argvOf("srem", "small", "x")}},
		{"SISMEMBER", [][][]byte{argvOf("sismember", "table", "element:500")}},
		{"SISMEMBER intset", [][][]byte{argvOf("sismember", "ints", "50")}},
		{"SISMEMBER listpack", [][][]byte{argvOf("sismember", "small", "m40")}},
		{"SCARD", [][][]byte{argvOf("scard", "table")}},
		{"SMEMBERS listpack", [][][]byte{argvOf("smembers", "small")}},
		{"SRANDMEMBER", [][][]byte{argvOf("srandmember", "table")}},
	} {
		run := func() {
			for _, argv := range tc.cmds {
				e.srv.Call(c, argv)
			}
			c.Out.Reset()
		}
		run()
		run()
		if allocs := testing.AllocsPerRun(200, run); allocs != 0 {
			t.Errorf("%s: %.1f allocations, want 0", tc.name, allocs)
		}
	}
}

// SADD and SPOP in the engine alone, through the dispatcher.
func BenchmarkSetHotPath(b *testing.B) {
	e := newTestEnv(b)
	c := e.newClient()
	members := make([][]byte, 10000)
	for i := range members {
		members[i] = []byte("element:" + strconv.Itoa(i))
	}
	argv := [][]byte{[]byte("sadd"), []byte("myset"), nil}
	pop := [][]byte{[]byte("spop"), []byte("myset")}
	b.ReportAllocs()
	b.Run("SADD", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			argv[2] = members[i%len(members)]
			e.srv.Call(c, argv)
			c.Out.Reset()
		}
	})
	b.Run("SPOP+SADD", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			e.srv.Call(c, pop)
			argv[2] = members[i%len(members)]
			e.srv.Call(c, argv)
			c.Out.Reset()
		}
	})
}
