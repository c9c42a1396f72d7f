//go:build !race

package iothreads

import "testing"

// The hot path allocates nothing per command once buffers are warm: a
// pipelined batch of PING and ECHO is parsed, executed and written with
// zero allocations.
func TestPipelinedBatchAllocatesNothing(t *testing.T) {
	s, fc := newTestIO(t)
	fc.record = false
	run := func() {
		fc.in = pipeline16
		s.OnTraffic(fc)
	}
	run() // warm the buffers
	if n := testing.AllocsPerRun(200, run); n != 0 {
		t.Fatalf("%v allocations per pipelined batch, want 0", n)
	}
	if fc.written == 0 {
		t.Fatal("nothing was written")
	}
}
