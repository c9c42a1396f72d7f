//go:build !purego

package simd

import "github.com/klauspost/cpuid/v2"

// cpuLevel says, independently of detectCPU, which level this CPU should get.
func cpuLevel() Level {
	c := &cpuid.CPU
	switch {
	case !c.Supports(cpuid.AVX2):
		return LevelGeneric
	case c.Supports(cpuid.AVX512F, cpuid.AVX512BW, cpuid.AVX512VPOPCNTDQ,
		cpuid.AVX512VBMI, cpuid.AVX512BITALG, cpuid.GFNI):
		return LevelAVX512
	}
	return LevelAVX2
}

// cpuHasAVX2 reports whether this CPU has AVX2 (and the OS saves its state).
func cpuHasAVX2() bool { return cpuid.CPU.Supports(cpuid.AVX2) }
