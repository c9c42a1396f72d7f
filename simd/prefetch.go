package simd

import "unsafe"

// Prefetch asks the CPU to bring the cache line holding p into all cache
// levels (PREFETCHT0), so that a load a little later does not stall. It is a
// hint: it never faults, even for a bad address, and does nothing on other
// architectures or with the kernels off. A call costs a few nanoseconds, so
// the batch executor, which has many addresses at once, uses PrefetchN.
func Prefetch(p unsafe.Pointer) {
	if Level(active.Load()) >= LevelAVX2 {
		prefetch(p)
	}
}

// PrefetchN is Prefetch for every address in ps, in one call.
func PrefetchN(ps []unsafe.Pointer) {
	if len(ps) > 0 && Level(active.Load()) >= LevelAVX2 {
		prefetchN(ps)
	}
}
