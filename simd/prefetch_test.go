package simd

import (
	"math/rand/v2"
	"testing"
	"unsafe"
)

func TestPrefetch(t *testing.T) {
	// A hint never faults: nil, a stale address and a real one all return.
	x := new([64]byte)
	ps := []unsafe.Pointer{nil, unsafe.Pointer(x), unsafe.Add(unsafe.Pointer(x), 63)}
	for _, l := range levels() {
		atLevel(t, l, func() {
			for _, p := range ps {
				Prefetch(p)
			}
			PrefetchN(ps)
			PrefetchN(nil)
		})
	}
}

// BenchmarkPrefetch runs batches of 16 lookups the way the batch executor
// does: each key's bucket holds the index of its entry, both far out of
// cache, and each command does a little serial work on its entry, enough
// that the CPU cannot run ahead to the next key's loads by itself. "plain"
// looks up and works key by key; "batch" first prefetches the 16 buckets
// with one PrefetchN, then reads them and prefetches the 16 entries, then
// works; "each" does the same with one Prefetch per address. The generic
// runs of batch and each keep the passes but prefetch nothing (the twin is
// a no-op), which is what the kernel has to beat.
func BenchmarkPrefetch(b *testing.B) {
	const entries = 1 << 20 // of 64 bytes: two tables of 64 MiB
	buckets := make([]uint32, entries*16)
	table := make([][64]byte, entries)
	r := rand.New(rand.NewPCG(1, 1))
	for i := range buckets {
		buckets[i] = uint32(r.IntN(entries))
	}
	for i := range table {
		table[i][0] = byte(i)
	}
	keys := make([]uint32, 1<<16)
	for i := range keys {
		keys[i] = uint32(r.IntN(len(buckets)/16)) * 16 // one bucket per cache line
	}
	work := func(x uint64, v byte) uint64 {
		for range 20 {
			x = x*0x9e3779b97f4a7c15 + uint64(v)
		}
		return x
	}
	var x uint64
	run := func(name string, l Level, mode int) {
		benchRun(b, name, l, 16, func(b *testing.B) {
			var ps [16]unsafe.Pointer
			var ents [16]uint32
			i := 0
			for b.Loop() {
				batch := keys[i : i+16]
				i = (i + 16) & (len(keys) - 1)
				switch mode {
				case 0:
					for _, k := range batch {
						x = work(x, table[buckets[k]][0])
					}
					continue
				case 1:
					for n, k := range batch {
						ps[n] = unsafe.Pointer(&buckets[k])
					}
					PrefetchN(ps[:])
					for n, k := range batch {
						ents[n] = buckets[k]
						ps[n] = unsafe.Pointer(&table[ents[n]])
					}
					PrefetchN(ps[:])
				case 2:
					for _, k := range batch {
						Prefetch(unsafe.Pointer(&buckets[k]))
					}
					for n, k := range batch {
						ents[n] = buckets[k]
						Prefetch(unsafe.Pointer(&table[ents[n]]))
					}
				}
				for _, e := range ents {
					x = work(x, table[e][0])
				}
			}
		})
	}
	run("mode=plain/impl=generic", LevelGeneric, 0)
	for _, mode := range []int{1, 2} {
		name := []string{"", "mode=batch", "mode=each"}[mode]
		run(name+"/impl=generic", LevelGeneric, mode)
		run(name+"/impl=avx2", LevelAVX2, mode)
	}
	sinkU64 += x
}
