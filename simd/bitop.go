package simd

import "encoding/binary"

// bitopKind names a BITOP operation with more than one source.
type bitopKind uint8

const (
	bitopAnd bitopKind = iota
	bitopOr
	bitopXor
)

// bitopBlock is how many bytes of dst are finished across all sources before
// moving on, so that with three or more sources dst stays in L1 between
// passes.
const bitopBlock = 8 << 10

// BitopAnd sets dst[i] to the AND of srcs[k][i] over all sources, reading a
// source shorter than dst as if padded with zero bytes, as BITOP AND does.
// dst must not share memory with any source, except that it may be srcs[0]
// itself. With no sources dst is zeroed.
func BitopAnd(dst []byte, srcs ...[]byte) { bitop(bitopAnd, dst, srcs) }

// BitopOr is BitopAnd for OR.
func BitopOr(dst []byte, srcs ...[]byte) { bitop(bitopOr, dst, srcs) }

// BitopXor is BitopAnd for XOR.
func BitopXor(dst []byte, srcs ...[]byte) { bitop(bitopXor, dst, srcs) }

// BitopNot sets dst[i] to ^src[i], reading src as if padded with zero bytes
// (so dst[i] is 0xff past its end), as BITOP NOT does. dst may be src but
// must not otherwise overlap it.
func BitopNot(dst, src []byte) {
	n := min(len(dst), len(src))
	bitopNot(dst[:n], src[:n])
	for i := n; i < len(dst); i++ {
		dst[i] = 0xff
	}
}

func bitop(op bitopKind, dst []byte, srcs [][]byte) {
	if len(srcs) == 0 {
		clear(dst)
		return
	}
	if len(srcs) == 2 && len(srcs[0]) == len(dst) && len(srcs[1]) == len(dst) {
		// Keys of one length, the common case: one pass, no padding.
		bitop3(op, dst, srcs[0], srcs[1])
		return
	}
	for off := 0; off < len(dst); off += bitopBlock {
		d := dst[off:min(off+bitopBlock, len(dst))]
		if len(srcs) == 1 {
			s := window(srcs[0], off, len(d))
			copy(d, s)
			clear(d[len(s):])
			continue
		}
		// The first two sources are combined straight into d, so two-source
		// BITOP (the common case) reads each byte once.
		a, b := window(srcs[0], off, len(d)), window(srcs[1], off, len(d))
		n := min(len(a), len(b))
		bitop3(op, d[:n], a[:n], b[:n])
		if op == bitopAnd {
			clear(d[n:])
		} else {
			long := a
			if len(b) > len(a) {
				long = b
			}
			copy(d[n:], long[n:])
			clear(d[len(long):])
		}
		for _, src := range srcs[2:] {
			s := window(src, off, len(d))
			bitop3(op, d[:len(s)], d[:len(s)], s)
			if op == bitopAnd {
				clear(d[len(s):])
			}
		}
	}
}

// window returns the part of s that lies in [off, off+n), possibly empty.
func window(s []byte, off, n int) []byte {
	if off >= len(s) {
		return nil
	}
	return s[off:min(off+n, len(s))]
}

// bitop3Generic sets dst[i] = a[i] op b[i] for i < len(dst); a and b are at
// least as long as dst. dst may be a or b but must not otherwise overlap them.
func bitop3Generic(op bitopKind, dst, a, b []byte) {
	switch op {
	case bitopAnd:
		andGeneric(dst, a, b)
	case bitopOr:
		orGeneric(dst, a, b)
	case bitopXor:
		xorGeneric(dst, a, b)
	}
}

// The generic twins work eight bytes at a time, four words per step, which
// is what the compiler does best with; a byte loop is several times slower.

func andGeneric(dst, a, b []byte) {
	n := len(dst)
	a, b = a[:n], b[:n]
	i := 0
	for ; n-i >= 32; i += 32 {
		d, x, y := dst[i:i+32], a[i:i+32], b[i:i+32]
		le.PutUint64(d[0:], le.Uint64(x[0:])&le.Uint64(y[0:]))
		le.PutUint64(d[8:], le.Uint64(x[8:])&le.Uint64(y[8:]))
		le.PutUint64(d[16:], le.Uint64(x[16:])&le.Uint64(y[16:]))
		le.PutUint64(d[24:], le.Uint64(x[24:])&le.Uint64(y[24:]))
	}
	for ; n-i >= 8; i += 8 {
		le.PutUint64(dst[i:], le.Uint64(a[i:])&le.Uint64(b[i:]))
	}
	for ; i < n; i++ {
		dst[i] = a[i] & b[i]
	}
}

func orGeneric(dst, a, b []byte) {
	n := len(dst)
	a, b = a[:n], b[:n]
	i := 0
	for ; n-i >= 32; i += 32 {
		d, x, y := dst[i:i+32], a[i:i+32], b[i:i+32]
		le.PutUint64(d[0:], le.Uint64(x[0:])|le.Uint64(y[0:]))
		le.PutUint64(d[8:], le.Uint64(x[8:])|le.Uint64(y[8:]))
		le.PutUint64(d[16:], le.Uint64(x[16:])|le.Uint64(y[16:]))
		le.PutUint64(d[24:], le.Uint64(x[24:])|le.Uint64(y[24:]))
	}
	for ; n-i >= 8; i += 8 {
		le.PutUint64(dst[i:], le.Uint64(a[i:])|le.Uint64(b[i:]))
	}
	for ; i < n; i++ {
		dst[i] = a[i] | b[i]
	}
}

func xorGeneric(dst, a, b []byte) {
	n := len(dst)
	a, b = a[:n], b[:n]
	i := 0
	for ; n-i >= 32; i += 32 {
		d, x, y := dst[i:i+32], a[i:i+32], b[i:i+32]
		le.PutUint64(d[0:], le.Uint64(x[0:])^le.Uint64(y[0:]))
		le.PutUint64(d[8:], le.Uint64(x[8:])^le.Uint64(y[8:]))
		le.PutUint64(d[16:], le.Uint64(x[16:])^le.Uint64(y[16:]))
		le.PutUint64(d[24:], le.Uint64(x[24:])^le.Uint64(y[24:]))
	}
	for ; n-i >= 8; i += 8 {
		le.PutUint64(dst[i:], le.Uint64(a[i:])^le.Uint64(b[i:]))
	}
	for ; i < n; i++ {
		dst[i] = a[i] ^ b[i]
	}
}

// notGeneric sets dst[i] = ^src[i] for i < len(dst); src is at least as long.
func notGeneric(dst, src []byte) {
	n := len(dst)
	src = src[:n]
	i := 0
	for ; n-i >= 32; i += 32 {
		d, s := dst[i:i+32], src[i:i+32]
		le.PutUint64(d[0:], ^le.Uint64(s[0:]))
		le.PutUint64(d[8:], ^le.Uint64(s[8:]))
		le.PutUint64(d[16:], ^le.Uint64(s[16:]))
		le.PutUint64(d[24:], ^le.Uint64(s[24:]))
	}
	for ; n-i >= 8; i += 8 {
		le.PutUint64(dst[i:], ^le.Uint64(src[i:]))
	}
	for ; i < n; i++ {
		dst[i] = ^src[i]
	}
}

var le = binary.LittleEndian
