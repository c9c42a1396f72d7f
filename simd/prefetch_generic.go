//go:build !amd64 || purego

package simd

import "unsafe"

func prefetch(unsafe.Pointer) {}

func prefetchN([]unsafe.Pointer) {}
