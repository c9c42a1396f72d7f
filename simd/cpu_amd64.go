//go:build !purego

package simd

import "github.com/klauspost/cpuid/v2"

// avx512Features are what LevelAVX512 needs: VPOPCNTQ for popcount, and
// VPERMB, VPMULTISHIFTQB, VGF2P8AFFINEQB and VPOPCNTB for the HyperLogLog
// histogram. Ice Lake, Zen 4 and later have all of them; Skylake-X and
// Cascade Lake lack most and stay on AVX2.
var avx512Features = []cpuid.FeatureID{
	cpuid.AVX512F, cpuid.AVX512BW, cpuid.AVX512VPOPCNTDQ,
	cpuid.AVX512VBMI, cpuid.AVX512BITALG, cpuid.GFNI,
}

// detectCPU picks the widest level this CPU runs. cpuid already clears the
// AVX flags when the OS does not save the wider registers.
func detectCPU() Level {
	c := &cpuid.CPU
	if !c.Supports(cpuid.AVX2) {
		return LevelGeneric
	}
	if c.Supports(avx512Features...) {
		return LevelAVX512
	}
	return LevelAVX2
}
