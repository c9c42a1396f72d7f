//go:build !amd64 || purego

package simd

func popcount(b []byte) uint64 { return popcountGeneric(b) }
