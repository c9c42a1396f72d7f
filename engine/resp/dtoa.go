package resp

import (
	"math"
	"math/bits"
	"strconv"
)

// Valkey formats doubles (ZSCORE, ZINCRBY, RESP3 doubles, sorted set scores
// in listpacks) with d2string: integral values of magnitude up to 2^62 as
// integers, everything else with fpconv_dtoa, which is Grisu2. Grisu2 finds
// digits that read back to the same double, but unlike strconv's shortest
// formatting it occasionally yields a longer or a differently rounded digit
// string, and it lays the digits out with its own notation rules (1e+22,
// 1.5e-7, 0.000001). Clients see those bytes, so this file implements the
// same algorithm rather than approximating it with strconv.

// appendGrisu appends a finite, non-zero v the way fpconv_dtoa does.
func appendGrisu(dst []byte, v float64) []byte {
	neg := math.Signbit(v)
	if neg {
		dst = append(dst, '-')
		v = -v
	}
	var buf [24]byte
	digits, k := grisu2(v, buf[:0])
	return appendDigits(dst, digits, k)
}

// diyFP is f·2^e with a full 64-bit significand: Grisu's working precision.
type diyFP struct {
	f uint64
	e int
}

// mul returns x·y rounded to 64 bits of significand.
func (x diyFP) mul(y diyFP) diyFP {
	hi, lo := bits.Mul64(x.f, y.f)
	return diyFP{hi + lo>>63, x.e + y.e + 64}
}

const (
	mantBits  = 52
	hiddenBit = 1 << mantBits
)

// grisu2 appends to digits the decimal digits of v, which is positive and
// finite, and returns them with the power of ten to scale them by: v is
// approximately digits·10^k.
func grisu2(v float64, digits []byte) ([]byte, int) {
	b := math.Float64bits(v)
	w := diyFP{b & (hiddenBit - 1), int(b>>mantBits) & 0x7ff}
	if w.e != 0 {
		w.f |= hiddenBit
		w.e -= 1075
	} else {
		w.e = -1074
	}

	// The boundaries halfway to the neighbouring doubles, both at the
	// exponent that puts upper's top bit at bit 63. The gap below a power
	// of two is half the gap above it.
	upper := diyFP{w.f<<1 + 1, w.e - 1}
	for upper.f&(hiddenBit<<1) == 0 {
		upper.f <<= 1
		upper.e--
	}
	upper.f <<= 64 - mantBits - 2
	upper.e -= 64 - mantBits - 2
	shift := 1
	if w.f == hiddenBit {
		shift = 2
	}
	lower := diyFP{w.f<<shift - 1, w.e - shift}
	lower.f <<= uint(lower.e - upper.e)
	lower.e = upper.e

	for w.f&hiddenBit == 0 {
		w.f <<= 1
		w.e--
	}
	w.f <<= 64 - mantBits - 1
	w.e -= 64 - mantBits - 1

	c, k := cachedPow10(upper.e)
	w, upper, lower = w.mul(c), upper.mul(c), lower.mul(c)
	// Each product may be off by one unit: keep to the part of the
	// interval that is certainly inside.
	lower.f++
	upper.f--
	return genDigits(w, upper, lower, digits, -k)
}

// cachedPow10 returns the cached power of ten c = 10^k that brings a number
// with binary exponent e into the window where c's product with it has an
// exponent in [-60, -32]: there its integral part fits in 32 bits and the
// digit loop below can work on machine words. Where two cached powers fit,
// the search must start and move exactly as fpconv's does for the digits to
// come out the same.
func cachedPow10(e int) (diyFP, int) {
	// fpconv's starting estimate; its 87 happens to be the table's length.
	approx := int(float64(-(e + 87)) * 0.30102999566398114)
	i := (approx + 348) / 8
	for {
		switch x := e + pow10Cache[i].e + 64; {
		case x < -60:
			i++
		case x > -32:
			i--
		default:
			return pow10Cache[i], -348 + 8*i
		}
	}
}

// genDigits produces the digits of upper, stopping as soon as the digits so
// far identify a number inside (lower, upper); then it nudges the last digit
// towards w. k is the decimal exponent of the scaling; it returns the
// exponent of the last digit.
func genDigits(w, upper, lower diyFP, digits []byte, k int) ([]byte, int) {
	wDist := upper.f - w.f
	delta := upper.f - lower.f
	shift := uint(-upper.e)
	one := uint64(1) << shift
	hi := upper.f >> shift // integral part, < 2^32
	lo := upper.f & (one - 1)

	kappa := 10
	for div := uint64(1e9); div > 0; div /= 10 {
		d := hi / div
		hi -= d * div
		if d != 0 || len(digits) != 0 {
			digits = append(digits, byte('0'+d))
		}
		kappa--
		if rest := hi<<shift + lo; rest <= delta {
			round(digits, delta, rest, div<<shift, wDist)
			return digits, k + kappa
		}
	}
	for unit := uint64(10); ; unit *= 10 {
		lo *= 10
		delta *= 10
		kappa--
		d := lo >> shift
		lo &= one - 1
		if d != 0 || len(digits) != 0 {
			digits = append(digits, byte('0'+d))
		}
		if lo < delta {
			round(digits, delta, lo, one, wDist*unit)
			return digits, k + kappa
		}
	}
}

// round lowers the last digit while that moves the number closer to w and
// keeps it inside the interval (Grisu's "weeding").
func round(digits []byte, delta, rest, tenKappa, wDist uint64) {
	for rest < wDist && delta-rest >= tenKappa &&
		(rest+tenKappa < wDist || wDist-rest > rest+tenKappa-wDist) {
		digits[len(digits)-1]--
		rest += tenKappa
	}
}

// appendDigits lays out digits·10^k as fpconv does: plainly when that takes
// few padding zeros, else as d.ddde±x with the exponent unpadded.
func appendDigits(dst, digits []byte, k int) []byte {
	nd := len(digits)
	exp := k + nd - 1 // exponent of the leading digit
	absExp := exp
	if absExp < 0 {
		absExp = -absExp
	}
	switch {
	case k >= 0 && absExp < nd+7:
		dst = append(dst, digits...)
		for range k {
			dst = append(dst, '0')
		}
		return dst
	case k < 0 && (k > -7 || absExp < 4):
		point := nd + k
		if point > 0 {
			dst = append(dst, digits[:point]...)
			dst = append(dst, '.')
			return append(dst, digits[point:]...)
		}
		dst = append(dst, '0', '.')
		for range -point {
			dst = append(dst, '0')
		}
		return append(dst, digits...)
	}
	dst = append(dst, digits[0])
	if nd > 1 {
		dst = append(dst, '.')
		dst = append(dst, digits[1:]...)
	}
	dst = append(dst, 'e')
	if exp < 0 {
		dst = append(dst, '-')
	} else {
		dst = append(dst, '+')
	}
	return strconv.AppendInt(dst, int64(absExp), 10)
}

// pow10Cache holds 10^k for k = -348, -340, ..., 340 as 64-bit significands
// rounded to nearest, with their binary exponents. TestPow10Cache derives
// them again from exact arithmetic.
var pow10Cache = [87]diyFP{
	{0xfa8fd5a0081c0288, -1220}, // 1e-348
	{0xbaaee17fa23ebf76, -1193}, // 1e-340
	{0x8b16fb203055ac76, -1166}, // 1e-332
	{0xcf42894a5dce35ea, -1140}, // 1e-324
	{0x9a6bb0aa55653b2d, -1113}, // 1e-316
	{0xe61acf033d1a45df, -1087}, // 1e-308
	{0xab70fe17c79ac6ca, -1060}, // 1e-300
	{0xff77b1fcbebcdc4f, -1034}, // 1e-292
	{0xbe5691ef416bd60c, -1007}, // 1e-284
	{0x8dd01fad907ffc3c, -980},  // 1e-276
	{0xd3515c2831559a83, -954},  // 1e-268
	{0x9d71ac8fada6c9b5, -927},  // 1e-260
	{0xea9c227723ee8bcb, -901},  // 1e-252
	{0xaecc49914078536d, -874},  // 1e-244
	{0x823c12795db6ce57, -847},  // 1e-236
	{0xc21094364dfb5637, -821},  // 1e-228
	{0x9096ea6f3848984f, -794},  // 1e-220
	{0xd77485cb25823ac7, -768},  // 1e-212
	{0xa086cfcd97bf97f4, -741},  // 1e-204
	{0xef340a98172aace5, -715},  // 1e-196
	{0xb23867fb2a35b28e, -688},  // 1e-188
	{0x84c8d4dfd2c63f3b, -661},  // 1e-180
	{0xc5dd44271ad3cdba, -635},  // 1e-172
	{0x936b9fcebb25c996, -608},  // 1e-164
	{0xdbac6c247d62a584, -582},  // 1e-156
	{0xa3ab66580d5fdaf6, -555},  // 1e-148
	{0xf3e2f893dec3f126, -529},  // 1e-140
	{0xb5b5ada8aaff80b8, -502},  // 1e-132
	{0x87625f056c7c4a8b, -475},  // 1e-124
	{0xc9bcff6034c13053, -449},  // 1e-116
	{0x964e858c91ba2655, -422},  // 1e-108
	{0xdff9772470297ebd, -396},  // 1e-100
	{0xa6dfbd9fb8e5b88f, -369},  // 1e-92
	{0xf8a95fcf88747d94, -343},  // 1e-84
	{0xb94470938fa89bcf, -316},  // 1e-76
	{0x8a08f0f8bf0f156b, -289},  // 1e-68
	{0xcdb02555653131b6, -263},  // 1e-60
	{0x993fe2c6d07b7fac, -236},  // 1e-52
	{0xe45c10c42a2b3b06, -210},  // 1e-44
	{0xaa242499697392d3, -183},  // 1e-36
	{0xfd87b5f28300ca0e, -157},  // 1e-28
	{0xbce5086492111aeb, -130},  // 1e-20
	{0x8cbccc096f5088cc, -103},  // 1e-12
	{0xd1b71758e219652c, -77},   // 1e-4
	{0x9c40000000000000, -50},   // 1e4
	{0xe8d4a51000000000, -24},   // 1e12
	{0xad78ebc5ac620000, 3},     // 1e20
	{0x813f3978f8940984, 30},    // 1e28
	{0xc097ce7bc90715b3, 56},    // 1e36
	{0x8f7e32ce7bea5c70, 83},    // 1e44
	{0xd5d238a4abe98068, 109},   // 1e52
	{0x9f4f2726179a2245, 136},   // 1e60
	{0xed63a231d4c4fb27, 162},   // 1e68
	{0xb0de65388cc8ada8, 189},   // 1e76
	{0x83c7088e1aab65db, 216},   // 1e84
	{0xc45d1df942711d9a, 242},   // 1e92
	{0x924d692ca61be758, 269},   // 1e100
	{0xda01ee641a708dea, 295},   // 1e108
	{0xa26da3999aef774a, 322},   // 1e116
	{0xf209787bb47d6b85, 348},   // 1e124
	{0xb454e4a179dd1877, 375},   // 1e132
	{0x865b86925b9bc5c2, 402},   // 1e140
	{0xc83553c5c8965d3d, 428},   // 1e148
	{0x952ab45cfa97a0b3, 455},   // 1e156
	{0xde469fbd99a05fe3, 481},   // 1e164
	{0xa59bc234db398c25, 508},   // 1e172
	{0xf6c69a72a3989f5c, 534},   // 1e180
	{0xb7dcbf5354e9bece, 561},   // 1e188
	{0x88fcf317f22241e2, 588},   // 1e196
	{0xcc20ce9bd35c78a5, 614},   // 1e204
	{0x98165af37b2153df, 641},   // 1e212
	{0xe2a0b5dc971f303a, 667},   // 1e220
	{0xa8d9d1535ce3b396, 694},   // 1e228
	{0xfb9b7cd9a4a7443c, 720},   // 1e236
	{0xbb764c4ca7a44410, 747},   // 1e244
	{0x8bab8eefb6409c1a, 774},   // 1e252
	{0xd01fef10a657842c, 800},   // 1e260
	{0x9b10a4e5e9913129, 827},   // 1e268
	{0xe7109bfba19c0c9d, 853},   // 1e276
	{0xac2820d9623bf429, 880},   // 1e284
	{0x80444b5e7aa7cf85, 907},   // 1e292
	{0xbf21e44003acdd2d, 933},   // 1e300
	{0x8e679c2f5e44ff8f, 960},   // 1e308
	{0xd433179d9c8cb841, 986},   // 1e316
	{0x9e19db92b4e31ba9, 1013},  // 1e324
	{0xeb96bf6ebadf77d9, 1039},  // 1e332
	{0xaf87023b9bf0ee6b, 1066},  // 1e340
}

// AppendDtoa appends f exactly as Valkey's fpconv_dtoa writes it, without
// d2string's integer form (1e+16, not 10000000000000000): DEBUG DIGEST
// hashes sorted set scores in this form. A negative sign is kept for
// every value, -0 and -nan included, as fpconv keeps it.
func AppendDtoa(dst []byte, f float64) []byte {
	if math.Signbit(f) {
		dst = append(dst, '-')
		f = -f
	}
	switch {
	case f == 0:
		return append(dst, '0')
	case math.IsNaN(f):
		return append(dst, "nan"...)
	case math.IsInf(f, 0):
		return append(dst, "inf"...)
	}
	return appendGrisu(dst, f)
}
