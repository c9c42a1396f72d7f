//go:build !purego

package simd

// The AVX2 kernels process dst[:len(dst)&^31]; a and b are at least that
// long. The caller finishes the tail.

//go:noescape
func andAVX2(dst, a, b []byte)

//go:noescape
func orAVX2(dst, a, b []byte)

//go:noescape
func xorAVX2(dst, a, b []byte)

//go:noescape
func notAVX2(dst, src []byte)

func bitop3(op bitopKind, dst, a, b []byte) {
	if len(dst) < 32 || Level(active.Load()) < LevelAVX2 {
		bitop3Generic(op, dst, a, b)
		return
	}
	switch op {
	case bitopAnd:
		andAVX2(dst, a, b)
	case bitopOr:
		orAVX2(dst, a, b)
	case bitopXor:
		xorAVX2(dst, a, b)
	}
	if n := len(dst) &^ 31; n < len(dst) {
		bitop3Generic(op, dst[n:], a[n:], b[n:])
	}
}

func bitopNot(dst, src []byte) {
	if len(dst) < 32 || Level(active.Load()) < LevelAVX2 {
		notGeneric(dst, src)
		return
	}
	notAVX2(dst, src)
	if n := len(dst) &^ 31; n < len(dst) {
		notGeneric(dst[n:], src[n:])
	}
}
