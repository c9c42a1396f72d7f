//go:build !amd64 || purego

package simd

// detectCPU: no kernels are built for this target.
func detectCPU() Level { return LevelGeneric }
