//go:build !purego

package simd

// hllMergeAVX2 is hllDenseMergeGeneric.
//
//go:noescape
func hllMergeAVX2(maxRegs *[HLLRegisters]uint8, regs *[HLLDenseBytes]byte)

// hllUnpackAVX2 is hllDenseUnpackGeneric.
//
//go:noescape
func hllUnpackAVX2(dst *[HLLRegisters]uint8, regs *[HLLDenseBytes]byte)

// hllPackAVX2 is hllDensePackGeneric.
//
//go:noescape
func hllPackAVX2(dst *[HLLDenseBytes]byte, regs *[HLLRegisters]uint8)

// hllMinMaxAVX2 returns the smallest and the largest register.
//
//go:noescape
func hllMinMaxAVX2(regs *[HLLRegisters]uint8) (lo, hi uint8)

// hllCount8AVX2 adds to counts[k] the number of registers equal to lo+k.
//
//go:noescape
func hllCount8AVX2(regs *[HLLRegisters]uint8, lo int, counts *[8]uint32)

// hllHistAVX512 adds to counts[a][8*l+k] the number of registers equal to
// 32*half+8a+k (mod 64) among those that fall in qword l of each
// 64-register step: registers 64s+8l to 64s+8l+7. It reports whether any
// register had bit 5 set, that is, whether the other half has any work.
//
//go:noescape
func hllHistAVX512(regs *[HLLRegisters]uint8, half int, counts *[4][64]uint16) (high bool)

// hllDenseHistAVX512 is hllHistAVX512 for dense registers.
//
//go:noescape
func hllDenseHistAVX512(regs *[HLLDenseBytes]byte, half int, counts *[4][64]uint16) (high bool)

// sumLanes adds up the per-lane counts of the AVX-512 histograms into the
// 32 values of hist from 32*half.
func sumLanes(counts *[4][64]uint16, half int, hist *[64]uint32) {
	for a := range counts {
		c := &counts[a]
		for k := range 8 {
			var n uint32
			for l := 0; l < 64; l += 8 {
				n += uint32(c[l+k])
			}
			hist[(32*half+8*a+k)&63] = n
		}
	}
}

// hllCountSpanAVX2 is the widest range of register values, largest minus
// smallest, for which counting each value with AVX2 compares (one pass per
// 8 values) beats the scalar histogram; real HyperLogLogs span about 15 to
// 25 values. The AVX-512 histogram does not depend on the span.
const hllCountSpanAVX2 = 24

func hllDenseMerge(maxRegs *[HLLRegisters]uint8, regs *[HLLDenseBytes]byte) {
	if Level(active.Load()) >= LevelAVX2 {
		hllMergeAVX2(maxRegs, regs)
		return
	}
	hllDenseMergeGeneric(maxRegs, regs)
}

func hllDenseUnpack(dst *[HLLRegisters]uint8, regs *[HLLDenseBytes]byte) {
	if Level(active.Load()) >= LevelAVX2 {
		hllUnpackAVX2(dst, regs)
		return
	}
	hllDenseUnpackGeneric(dst, regs)
}

func hllDensePack(dst *[HLLDenseBytes]byte, regs *[HLLRegisters]uint8) {
	if Level(active.Load()) >= LevelAVX2 {
		hllPackAVX2(dst, regs)
		return
	}
	hllDensePackGeneric(dst, regs)
}

func hllDenseHistogram(regs *[HLLDenseBytes]byte, hist *[64]uint32) {
	switch Level(active.Load()) {
	case LevelAVX512:
		var counts [4][64]uint16
		high := hllDenseHistAVX512(regs, 0, &counts)
		sumLanes(&counts, 0, hist)
		counts = [4][64]uint16{}
		if high {
			hllDenseHistAVX512(regs, 1, &counts)
		}
		sumLanes(&counts, 1, hist)
		return
	case LevelAVX2:
		var raw [HLLRegisters]uint8
		hllUnpackAVX2(&raw, regs)
		hllRawHistogramAVX2(&raw, hist)
		return
	}
	hllDenseHistogramGeneric(regs, hist)
}

func hllRawHistogram(regs *[HLLRegisters]uint8, hist *[64]uint32) {
	switch Level(active.Load()) {
	case LevelAVX512:
		var counts [4][64]uint16
		high := hllHistAVX512(regs, 0, &counts)
		sumLanes(&counts, 0, hist)
		counts = [4][64]uint16{}
		if high {
			hllHistAVX512(regs, 1, &counts)
		}
		sumLanes(&counts, 1, hist)
		return
	case LevelAVX2:
		hllRawHistogramAVX2(regs, hist)
		return
	}
	hllRawHistogramGeneric(regs, hist)
}

// hllRawHistogramAVX2 counts each value between the smallest and the largest
// register with vector compares, several values per pass over the
// registers; the count of the largest value is what is left over.
func hllRawHistogramAVX2(regs *[HLLRegisters]uint8, hist *[64]uint32) {
	lo, hi := hllMinMaxAVX2(regs)
	if hi > 63 || int(hi-lo) > hllCountSpanAVX2 {
		hllRawHistogramGeneric(regs, hist)
		return
	}
	*hist = [64]uint32{}
	left := uint32(HLLRegisters)
	for v := int(lo); v < int(hi); {
		var c [8]uint32
		hllCount8AVX2(regs, v, &c)
		for k := 0; k < 8 && v < int(hi); k, v = k+1, v+1 {
			hist[v] = c[k]
			left -= c[k]
		}
	}
	hist[hi] = left
}
