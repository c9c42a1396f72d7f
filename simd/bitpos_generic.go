//go:build !amd64 || purego

package simd

func firstNot(b []byte, pat byte) int { return firstNotGeneric(b, pat) }
