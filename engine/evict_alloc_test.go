//go:build !race

package engine

import (
	"testing"

	"github.com/volleydb/volley/engine/config"
)

// With maxmemory set and memory under it, the check before each command
// allocates nothing.
func TestEvictCheckAllocs(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	e.srv.Cfg.MaxMemory = 1 << 40
	e.srv.Cfg.MaxMemoryPolicy = config.AllKeysLRU
	e.do(c, "set", "k", "hello")
	argv := [][]byte{[]byte("set"), []byte("k"), []byte("world")}
	e.srv.Call(c, argv)
	c.Out.Reset()
	if allocs := testing.AllocsPerRun(200, func() {
		e.srv.Call(c, argv)
		c.Out.Reset()
	}); allocs != 0 {
		t.Errorf("%.1f allocations per SET under maxmemory, want 0", allocs)
	}
}
