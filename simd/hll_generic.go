//go:build !amd64 || purego

package simd

func hllDenseHistogram(regs *[HLLDenseBytes]byte, hist *[64]uint32) {
	hllDenseHistogramGeneric(regs, hist)
}

func hllRawHistogram(regs *[HLLRegisters]uint8, hist *[64]uint32) {
	hllRawHistogramGeneric(regs, hist)
}

func hllDenseMerge(maxRegs *[HLLRegisters]uint8, regs *[HLLDenseBytes]byte) {
	hllDenseMergeGeneric(maxRegs, regs)
}

func hllDenseUnpack(dst *[HLLRegisters]uint8, regs *[HLLDenseBytes]byte) {
	hllDenseUnpackGeneric(dst, regs)
}

func hllDensePack(dst *[HLLDenseBytes]byte, regs *[HLLRegisters]uint8) {
	hllDensePackGeneric(dst, regs)
}
