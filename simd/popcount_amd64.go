//go:build !purego

package simd

// popcountAVX2 counts the bits of b[:len(b)&^31]; the caller counts the rest.
//
//go:noescape
func popcountAVX2(b []byte) uint64

// popcountAVX512 counts the bits of all of b, the tail with a masked load.
//
//go:noescape
func popcountAVX512(b []byte) uint64

func popcount(b []byte) uint64 {
	switch Level(active.Load()) {
	case LevelAVX512:
		if len(b) == 0 {
			return 0
		}
		return popcountAVX512(b)
	case LevelAVX2:
		// Below 64 bytes the call and set-up cost what the vectors save.
		if len(b) >= 64 {
			c := popcountAVX2(b)
			if n := len(b) &^ 31; n < len(b) {
				c += popcountGeneric(b[n:])
			}
			return c
		}
	}
	return popcountGeneric(b)
}
