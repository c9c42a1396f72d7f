//go:build !amd64 || purego

package simd

// No kernels are built here, whatever the CPU has.
func cpuLevel() Level { return LevelGeneric }

func cpuHasAVX2() bool { return false }
