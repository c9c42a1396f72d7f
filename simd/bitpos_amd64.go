//go:build !purego

package simd

// firstNotAVX2 returns the index of the first byte of b that differs from
// pat, or -1. It needs len(b) >= 32.
//
//go:noescape
func firstNotAVX2(b []byte, pat byte) int

func firstNot(b []byte, pat byte) int {
	if len(b) >= 32 && Level(active.Load()) >= LevelAVX2 {
		return firstNotAVX2(b, pat)
	}
	return firstNotGeneric(b, pat)
}
