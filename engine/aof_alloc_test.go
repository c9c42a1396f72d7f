//go:build !race

package engine

import (
	"testing"

	"github.com/volleydb/volley/engine/config"
)

// TestAOFAllocs pins the cost of propagation: with the AOF off a write
// allocates nothing more than it did, and with it on (everysec, the
// writer goroutine taking the buffer) nothing in steady state, rewrites
// of relative expiries included.
func TestAOFAllocs(t *testing.T) {
	for _, on := range []bool{false, true} {
		e, _ := fakeClockEnv(t)
		if on {
			e.srv.Cfg.AppendFsync = config.FsyncEverysec
			if err := e.srv.LoadAOF(); err != nil {
				t.Fatal(err)
			}
			if err := e.srv.OpenAOF(); err != nil {
				t.Fatal(err)
			}
		}
		c := e.newClient()
		for _, cmd := range [][][]byte{
			{[]byte("set"), []byte("k"), []byte("v")},
			{[]byte("set"), []byte("k"), []byte("v"), []byte("ex"), []byte("100")},
			{[]byte("incr"), []byte("n")},
			{[]byte("expire"), []byte("k"), []byte("100")},
		} {
			run := func() {
				e.srv.Call(c, cmd)
				c.Out.Reset()
				e.srv.BeforeSleep()
			}
			for range 100 {
				run()
			}
			if n := testing.AllocsPerRun(200, run); n != 0 {
				t.Errorf("aof on=%v %s: %v allocs per command", on, cmd[0], n)
			}
		}
		e.srv.CloseAOF()
	}
}
