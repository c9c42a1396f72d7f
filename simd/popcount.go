package simd

import (
	"encoding/binary"
	"math/bits"
)

// Popcount returns the number of bits set in b, as BITCOUNT counts them over
// whole bytes; the caller masks partial first and last bytes in BIT mode.
func Popcount(b []byte) uint64 { return popcount(b) }

// popcountGeneric is the pure-Go twin, callable in every build. Four
// accumulators let the POPCNTs of one 32-byte step run in parallel.
func popcountGeneric(b []byte) uint64 {
	var n0, n1, n2, n3 int
	for len(b) >= 32 {
		n0 += bits.OnesCount64(binary.LittleEndian.Uint64(b[0:8]))
		n1 += bits.OnesCount64(binary.LittleEndian.Uint64(b[8:16]))
		n2 += bits.OnesCount64(binary.LittleEndian.Uint64(b[16:24]))
		n3 += bits.OnesCount64(binary.LittleEndian.Uint64(b[24:32]))
		b = b[32:]
	}
	for len(b) >= 8 {
		n0 += bits.OnesCount64(binary.LittleEndian.Uint64(b))
		b = b[8:]
	}
	for _, c := range b {
		n1 += bits.OnesCount8(c)
	}
	return uint64(n0 + n1 + n2 + n3)
}
