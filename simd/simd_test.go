package simd

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// levels returns every level this build and CPU can run, narrowest first.
func levels() []Level {
	var ls []Level
	for l := LevelGeneric; l <= Supported(); l++ {
		ls = append(ls, l)
	}
	return ls
}

// atLevel runs f with the kernels forced to l, or skips if l cannot run.
func atLevel(tb testing.TB, l Level, f func()) {
	tb.Helper()
	if l > Supported() {
		tb.Skipf("level %v not supported here (supported: %v)", l, Supported())
	}
	defer SetLevel(l)()
	f()
}

// crossLengths returns the lengths the cross-checks cover: every length up
// to 600, and above that every length up to 4096 when full is set, else a
// stride plus the lengths around each multiple of 32 that the kernels'
// loops turn on.
func crossLengths(full bool) []int {
	var ns []int
	for n := 0; n <= 4096; n++ {
		switch {
		case n <= 600, full && !raceEnabled && !testing.Short():
		case n%37 == 0, n%32 <= 1, n%32 == 31:
		default:
			continue
		}
		ns = append(ns, n)
	}
	return ns
}

const maxOffset = 63

// contents returns buffers of size n: random, all zero, all 0xff, and
// sparse (mostly zero with a few random bytes, which the BITPOS scans find
// late).
func contents(n int, seed uint64) map[string][]byte {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	random := make([]byte, n)
	for i := range random {
		random[i] = byte(r.Uint32())
	}
	ones := make([]byte, n)
	for i := range ones {
		ones[i] = 0xff
	}
	sparse := make([]byte, n)
	for i := 0; i < n/512+1 && n > 0; i++ {
		sparse[r.IntN(n)] = byte(r.Uint32())
	}
	return map[string][]byte{
		"random": random,
		"zero":   make([]byte, n),
		"ones":   ones,
		"sparse": sparse,
	}
}

// benchRun runs body as the sub-benchmark name/size=size, size bytes per
// iteration (name is key=value pairs, so that benchstat -col /impl puts the
// implementations side by side), with the kernels at level l; it leaves out levels this CPU does
// not have. The loop is in body so that small sizes measure the kernel, not
// a closure call per iteration.
func benchRun(b *testing.B, name string, l Level, size int, body func(b *testing.B)) {
	if l > Supported() {
		return
	}
	b.Run(fmt.Sprintf("%s/size=%d", name, size), func(b *testing.B) {
		defer SetLevel(l)()
		b.ReportAllocs()
		b.SetBytes(int64(size))
		body(b)
	})
}

// simdLevels are the levels benchmarked against the generic twins.
var simdLevels = []Level{LevelAVX2, LevelAVX512}
