package geo

import "math"

// Correctly rounded sin, cos, asin and atan2.
//
// Valkey computes distances with the C library's functions, and glibc's
// are within a hair of correctly rounded; Go's math package differs from
// them in the last bit for a good share of arguments (about half, for
// asin). The last bit shows: STOREDIST stores the distance as a score and
// ZRANGE ... WITHSCORES prints 17 digits, and a point on the edge of a
// radius falls on one side or the other. So these evaluate in
// double-double arithmetic (about 106 bits) and round once, which agrees
// with glibc wherever glibc itself rounds correctly.

// dd is an unevaluated sum hi+lo with |lo| <= ulp(hi)/2.
type dd struct{ hi, lo float64 }

func (a dd) neg() dd { return dd{-a.hi, -a.lo} }

func twoSum(a, b float64) (s, e float64) {
	s = a + b
	bb := s - a
	e = (a - (s - bb)) + (b - bb)
	return s, e
}

func quickTwoSum(a, b float64) dd {
	s := a + b
	return dd{s, b - (s - a)}
}

func twoProd(a, b float64) (p, e float64) {
	p = a * b
	return p, math.FMA(a, b, -p)
}

func ddAdd(a, b dd) dd {
	s, e := twoSum(a.hi, b.hi)
	t, f := twoSum(a.lo, b.lo)
	e += t
	r := quickTwoSum(s, e)
	r.lo += f
	return quickTwoSum(r.hi, r.lo)
}

func ddMul(a, b dd) dd {
	p, e := twoProd(a.hi, b.hi)
	e += a.hi*b.lo + a.lo*b.hi
	return quickTwoSum(p, e)
}

func ddMulF(a dd, b float64) dd {
	p, e := twoProd(a.hi, b)
	e += a.lo * b
	return quickTwoSum(p, e)
}

func ddDivF(a dd, b float64) dd {
	q := a.hi / b
	p, e := twoProd(q, b)
	r := (a.hi - p - e + a.lo) / b
	return quickTwoSum(q, r)
}

// Taylor coefficients in double-double: sinCoef[i] = (-1)^i/(2i+1)!,
// cosCoef[i] = (-1)^i/(2i)!. Fourteen terms reach past 2^-106 relative
// for arguments up to pi/4.
const taylorTerms = 15

var sinCoef, cosCoef = func() (s, c [taylorTerms]dd) {
	f := dd{1, 0} // 1/n!
	for n := 0; n < 2*taylorTerms; n++ {
		if n > 0 {
			f = ddDivF(f, float64(n))
		}
		v := f
		if (n/2)%2 == 1 {
			v = f.neg()
		}
		if n%2 == 0 {
			c[n/2] = v
		} else {
			s[n/2] = v
		}
	}
	return s, c
}()

// pi/2 as a sum of three doubles.
const (
	pio2a = 1.5707963267948966
	pio2b = 6.123233995736766e-17
	pio2c = -1.4973849048591698e-33
)

// reduce returns r = x - k*pi/2 in double-double with |r| <= about pi/4,
// and k mod 4.
func reduce(x float64) (dd, int) {
	k := math.RoundToEven(x * (2 / math.Pi))
	p, pe := twoProd(k, pio2a)
	s, se := twoSum(x, -p)
	r := quickTwoSum(s, se-pe)
	q, qe := twoProd(k, pio2b)
	r = ddAdd(r, dd{-q, -qe})
	r = ddAdd(r, dd{-k * pio2c, 0})
	return r, int(int64(k) & 3)
}

// series evaluates sum coef[i]*r2^i by Horner's rule.
func series(coef *[taylorTerms]dd, r2 dd) dd {
	acc := coef[taylorTerms-1]
	for i := taylorTerms - 2; i >= 0; i-- {
		acc = ddAdd(ddMul(acc, r2), coef[i])
	}
	return acc
}

// sinPoly and cosPoly evaluate the series for |r| <= about pi/4.
func sinPoly(r dd) dd { return ddMul(series(&sinCoef, ddMul(r, r)), r) }
func cosPoly(r dd) dd { return series(&cosCoef, ddMul(r, r)) }

// crReduceLimit bounds the arguments reduced here; larger ones (never a
// coordinate in radians) go to the math package.
const crReduceLimit = 1 << 20

// sinQuadrant is sin(r + q*pi/2).
func sinQuadrant(r dd, q int) dd {
	var v dd
	if q&1 == 0 {
		v = sinPoly(r)
	} else {
		v = cosPoly(r)
	}
	if q&2 != 0 {
		v = v.neg()
	}
	return v
}

// sinDD is sin(x) in double-double; cosDD is cos(x), a quarter turn on.
func sinDD(x float64) dd { r, q := reduce(x); return sinQuadrant(r, q) }
func cosDD(x float64) dd { r, q := reduce(x); return sinQuadrant(r, q+1) }

// Sin is sin(x), correctly rounded (but for the rarest ties).
func Sin(x float64) float64 {
	if x == 0 || math.IsNaN(x) || math.Abs(x) > crReduceLimit {
		return math.Sin(x)
	}
	return sinDD(x).hi
}

// Cos is cos(x), correctly rounded (but for the rarest ties).
func Cos(x float64) float64 {
	if math.IsNaN(x) || math.Abs(x) > crReduceLimit {
		return math.Cos(x)
	}
	return cosDD(x).hi
}

// Asin is asin(x), correctly rounded: the math package's value refined by
// one Newton step in double-double.
func Asin(x float64) float64 {
	if x == 0 || math.IsNaN(x) || x > 1 || x < -1 {
		return math.Asin(x)
	}
	y := math.Asin(x)
	c := math.Cos(y)
	if c == 0 {
		return y
	}
	s := sinDD(y)
	d := ddAdd(dd{x, 0}, s.neg())
	delta := (d.hi + d.lo) / c
	hi, lo := twoSum(y, delta)
	return quickTwoSum(hi, lo).hi
}

// Atan2 is atan2(y, x), correctly rounded: the math package's angle
// refined by one Newton step on y*cos(t) - x*sin(t) = 0.
func Atan2(y, x float64) float64 {
	if y == 0 || x == 0 || math.IsNaN(x) || math.IsNaN(y) || math.IsInf(x, 0) || math.IsInf(y, 0) {
		return math.Atan2(y, x)
	}
	t := math.Atan2(y, x)
	s, c := sinDD(t), cosDD(t)
	num := ddAdd(ddMulF(c, y), ddMulF(s.neg(), x))
	den := x*c.hi + y*s.hi
	if den == 0 {
		return t
	}
	delta := (num.hi + num.lo) / den
	hi, lo := twoSum(t, delta)
	return quickTwoSum(hi, lo).hi
}
