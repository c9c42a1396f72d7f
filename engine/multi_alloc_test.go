//go:build !race

package engine

import "testing"

// A pipelined transaction costs no allocation once the client's queue
// buffers exist: queuing copies into reused buffers, EXEC replies into
// the output buffer.
func TestMultiExecAllocs(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	argv := func(args ...string) [][]byte {
		out := make([][]byte, len(args))
		for i, a := range args {
			out[i] = []byte(a)
		}
		return out
	}
	multi, exec := argv("multi"), argv("exec")
	queued := [][][]byte{argv("set", "k", "hello"), argv("incr", "n"), argv("get", "k"), argv("set", "k", "world")}
	watch := argv("watch", "k")
	withWatch := false
	run := func() {
		if withWatch {
			e.srv.Call(c, watch)
		}
		e.srv.Call(c, multi)
		for _, q := range queued {
			e.srv.Call(c, q)
		}
		e.srv.Call(c, exec)
		c.Out.Reset()
	}
	run()
	run()
	if n := testing.AllocsPerRun(100, run); n != 0 {
		t.Errorf("MULTI + 4 commands + EXEC: %v allocs, want 0", n)
	}
	// A watched key costs its record and its name, as in Valkey.
	withWatch = true
	run()
	if n := testing.AllocsPerRun(100, run); n > 2 {
		t.Errorf("WATCH + MULTI + 4 commands + EXEC: %v allocs, want at most 2", n)
	}
}
