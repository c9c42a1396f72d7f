//go:build !race

package engine

import (
	"os"
	"strings"
	"testing"
)

// The bitmap and HyperLogLog commands that run in place allocate nothing
// once the reply buffer has grown.
func TestBitmapHLLAllocs(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	dense, err := os.ReadFile("testdata/hll/dense5000.hll")
	if err != nil {
		t.Fatal(err)
	}
	e.do(c, "set", "bits", strings.Repeat("\x0f", 1000))
	e.do(c, "set", "dense", string(dense))
	e.do(c, "set", "dense2", string(dense))
	e.do(c, "pfadd", "sparse", "a", "b", "c")
	e.do(c, "pfcount", "dense")
	for _, args := range [][]string{
		{"setbit", "bits", "100", "1"},
		{"setbit", "bits", "101", "0"},
		{"getbit", "bits", "7000"},
		{"bitcount", "bits"},
		{"bitcount", "bits", "3", "-7", "bit"},
		{"bitpos", "bits", "1", "2"},
		{"bitpos", "bits", "0", "7", "800", "bit"},
		{"bitfield", "bits", "get", "u8", "3", "incrby", "i12", "#3", "1"},
		{"bitfield_ro", "bits", "get", "i64", "33"},
		{"pfadd", "dense", "e1", "e2", "e3"},
		{"pfcount", "dense"},
		{"pfcount", "dense", "dense2", "sparse"},
	} {
		argv := make([][]byte, len(args))
		for i, a := range args {
			argv[i] = []byte(a)
		}
		e.srv.Call(c, argv)
		c.Out.Reset()
		allocs := testing.AllocsPerRun(100, func() {
			e.srv.Call(c, argv)
			c.Out.Reset()
		})
		if allocs != 0 {
			t.Errorf("%q: %.1f allocations per command, want 0", args, allocs)
		}
	}
}
