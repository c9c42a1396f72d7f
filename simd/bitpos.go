package simd

import (
	"encoding/binary"
	"math/bits"
)

// FirstSet returns the index of the first byte of b that is not 0x00, or -1.
// BITPOS key 1 uses it to skip to the byte that holds the first set bit.
func FirstSet(b []byte) int { return firstNot(b, 0x00) }

// FirstClear returns the index of the first byte of b that is not 0xff, or
// -1. BITPOS key 0 uses it to skip to the byte that holds the first clear bit.
func FirstClear(b []byte) int { return firstNot(b, 0xff) }

// firstNotGeneric is the pure-Go twin: the index of the first byte of b that
// differs from pat, or -1.
func firstNotGeneric(b []byte, pat byte) int {
	pat64 := uint64(pat) * 0x0101010101010101
	i := 0
	for ; len(b)-i >= 32; i += 32 {
		w := b[i : i+32]
		x0 := binary.LittleEndian.Uint64(w[0:8]) ^ pat64
		x1 := binary.LittleEndian.Uint64(w[8:16]) ^ pat64
		x2 := binary.LittleEndian.Uint64(w[16:24]) ^ pat64
		x3 := binary.LittleEndian.Uint64(w[24:32]) ^ pat64
		if x0|x1|x2|x3 != 0 {
			switch {
			case x0 != 0:
				return i + bits.TrailingZeros64(x0)/8
			case x1 != 0:
				return i + 8 + bits.TrailingZeros64(x1)/8
			case x2 != 0:
				return i + 16 + bits.TrailingZeros64(x2)/8
			}
			return i + 24 + bits.TrailingZeros64(x3)/8
		}
	}
	for ; len(b)-i >= 8; i += 8 {
		if x := binary.LittleEndian.Uint64(b[i:]) ^ pat64; x != 0 {
			return i + bits.TrailingZeros64(x)/8
		}
	}
	for ; i < len(b); i++ {
		if b[i] != pat {
			return i
		}
	}
	return -1
}
