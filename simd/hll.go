package simd

// HyperLogLog dense registers, laid out as Valkey lays them out: 16384
// registers of 6 bits, packed little-endian, register i in bits 6i..6i+5
// of the byte string read as one long little-endian number. Every 3 bytes
// hold 4 registers.
const (
	HLLRegisters  = 16384                // registers per HyperLogLog
	HLLDenseBytes = HLLRegisters * 6 / 8 // bytes of packed dense registers
)

// HLLDenseHistogram sets hist[v] to the number of dense registers whose value
// is v: what PFCOUNT of one dense key feeds the estimator. regs holds at
// least HLLDenseBytes bytes (the registers after the 16-byte header); only
// the first HLLDenseBytes are read, and it panics if regs is shorter.
func HLLDenseHistogram(regs []byte, hist *[64]uint32) {
	hllDenseHistogram((*[HLLDenseBytes]byte)(regs), hist)
}

// HLLRawHistogram sets hist[v] to the number of registers equal to v, over
// registers unpacked one per byte: what PFCOUNT of several keys feeds the
// estimator after merging them. Values are taken modulo 64.
func HLLRawHistogram(regs *[HLLRegisters]uint8, hist *[64]uint32) {
	hllRawHistogram(regs, hist)
}

// HLLDenseMerge sets maxRegs[i] to the larger of maxRegs[i] and dense
// register i of regs, as PFMERGE and multi-key PFCOUNT do for each dense
// source. regs is as for HLLDenseHistogram.
func HLLDenseMerge(maxRegs *[HLLRegisters]uint8, regs []byte) {
	hllDenseMerge(maxRegs, (*[HLLDenseBytes]byte)(regs))
}

// HLLDenseUnpack sets dst[i] to dense register i of regs: HLLDenseMerge into
// an array of zeros, without needing the zeros.
func HLLDenseUnpack(dst *[HLLRegisters]uint8, regs []byte) {
	hllDenseUnpack(dst, (*[HLLDenseBytes]byte)(regs))
}

// HLLDensePack writes registers into dst in the dense layout, as PFMERGE
// writes its result; values are taken modulo 64. dst holds at least
// HLLDenseBytes bytes; exactly the first HLLDenseBytes are written, and it
// panics if dst is shorter.
func HLLDensePack(dst []byte, regs *[HLLRegisters]uint8) {
	hllDensePack((*[HLLDenseBytes]byte)(dst), regs)
}

// The generic twins take four registers from each 3 bytes at once.

func hllDenseHistogramGeneric(regs *[HLLDenseBytes]byte, hist *[64]uint32) {
	// Four tables, one per register of a group, so that runs of equal
	// values do not wait on each other's increments.
	var h [4][64]uint32
	for i := 0; i < len(regs); i += 3 {
		w := uint32(regs[i]) | uint32(regs[i+1])<<8 | uint32(regs[i+2])<<16
		h[0][w&63]++
		h[1][w>>6&63]++
		h[2][w>>12&63]++
		h[3][w>>18&63]++
	}
	for v := range hist {
		hist[v] = h[0][v] + h[1][v] + h[2][v] + h[3][v]
	}
}

func hllRawHistogramGeneric(regs *[HLLRegisters]uint8, hist *[64]uint32) {
	var h [4][64]uint32
	for i := 0; i < len(regs); i += 8 {
		r := regs[i : i+8 : i+8]
		if le.Uint64(r) == 0 {
			h[0][0] += 8 // small cardinalities leave most registers zero
			continue
		}
		h[0][r[0]&63]++
		h[1][r[1]&63]++
		h[2][r[2]&63]++
		h[3][r[3]&63]++
		h[0][r[4]&63]++
		h[1][r[5]&63]++
		h[2][r[6]&63]++
		h[3][r[7]&63]++
	}
	for v := range hist {
		hist[v] = h[0][v] + h[1][v] + h[2][v] + h[3][v]
	}
}

func hllDenseMergeGeneric(maxRegs *[HLLRegisters]uint8, regs *[HLLDenseBytes]byte) {
	for g := 0; g < HLLRegisters/4; g++ {
		b := regs[3*g : 3*g+3 : 3*g+3]
		w := uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16
		m := maxRegs[4*g : 4*g+4 : 4*g+4]
		m[0] = max(m[0], uint8(w&63))
		m[1] = max(m[1], uint8(w>>6&63))
		m[2] = max(m[2], uint8(w>>12&63))
		m[3] = max(m[3], uint8(w>>18&63))
	}
}

func hllDenseUnpackGeneric(dst *[HLLRegisters]uint8, regs *[HLLDenseBytes]byte) {
	for g := 0; g < HLLRegisters/4; g++ {
		b := regs[3*g : 3*g+3 : 3*g+3]
		w := uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16
		d := dst[4*g : 4*g+4 : 4*g+4]
		d[0] = uint8(w & 63)
		d[1] = uint8(w >> 6 & 63)
		d[2] = uint8(w >> 12 & 63)
		d[3] = uint8(w >> 18 & 63)
	}
}

func hllDensePackGeneric(dst *[HLLDenseBytes]byte, regs *[HLLRegisters]uint8) {
	for g := 0; g < HLLRegisters/4; g++ {
		r := regs[4*g : 4*g+4 : 4*g+4]
		w := uint32(r[0]&63) | uint32(r[1]&63)<<6 | uint32(r[2]&63)<<12 | uint32(r[3]&63)<<18
		d := dst[3*g : 3*g+3 : 3*g+3]
		d[0] = byte(w)
		d[1] = byte(w >> 8)
		d[2] = byte(w >> 16)
	}
}
