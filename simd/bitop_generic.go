//go:build !amd64 || purego

package simd

func bitop3(op bitopKind, dst, a, b []byte) { bitop3Generic(op, dst, a, b) }

func bitopNot(dst, src []byte) { notGeneric(dst, src) }
