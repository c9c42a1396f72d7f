// Package lua holds the Lua libraries Valkey's scripting exposes beyond
// Lua 5.1's own: cjson, cmsgpack, bit and struct, written for
// gopher-lua with the behaviour (and the error texts and number
// formatting) of the C libraries Valkey embeds. Like any gopher-lua
// state, the tables these functions build belong to the goroutine
// running the state.
package lua

import (
	"math"
	"strconv"

	glua "github.com/yuin/gopher-lua"
)

// Open registers the libraries as globals of L.
func Open(L *glua.LState) {
	openBit(L)
	openCjson(L)
	openStruct(L)
	openCmsgpack(L)
}

// FormatNumber formats f as Lua 5.1's tostring does ("%.14g").
func FormatNumber(f float64) string {
	return string(AppendNumber(nil, f))
}

// AppendNumber appends f formatted as "%.14g".
func AppendNumber(dst []byte, f float64) []byte { return AppendNumberPrec(dst, f, 14) }

// AppendNumberPrec appends f formatted as "%.<prec>g" (cjson's number
// format; Lua's is 14): nan keeps its sign, as glibc prints it.
func AppendNumberPrec(dst []byte, f float64, prec int) []byte {
	switch {
	case f != f:
		if signbit(f) {
			return append(dst, "-nan"...)
		}
		return append(dst, "nan"...)
	case f > 1.7976931348623157e308:
		return append(dst, "inf"...)
	case f < -1.7976931348623157e308:
		return append(dst, "-inf"...)
	}
	return appendG(dst, f, prec)
}

// appendG is C's %.<prec>g.
func appendG(dst []byte, f float64, prec int) []byte {
	if f == 0 {
		if signbit(f) {
			return append(dst, "-0"...)
		}
		return append(dst, '0')
	}
	// %g: exponent from %e formatting with prec-1 digits.
	e := strconv.AppendFloat(nil, f, 'e', prec-1, 64)
	// find exponent
	i := len(e) - 1
	for e[i] != 'e' {
		i--
	}
	exp, _ := strconv.Atoi(string(e[i+1:]))
	if exp < -4 || exp >= prec {
		// scientific: trim zeros in mantissa
		mant := e[:i]
		mant = trimZeros(mant)
		dst = append(dst, mant...)
		dst = append(dst, 'e')
		if exp < 0 {
			dst = append(dst, '-')
			exp = -exp
		} else {
			dst = append(dst, '+')
		}
		if exp < 10 {
			dst = append(dst, '0')
		}
		return strconv.AppendInt(dst, int64(exp), 10)
	}
	fx := strconv.AppendFloat(nil, f, 'f', prec-1-exp, 64)
	return append(dst, trimZeros(fx)...)
}

func trimZeros(b []byte) []byte {
	dot := -1
	for i, c := range b {
		if c == '.' {
			dot = i
			break
		}
	}
	if dot < 0 {
		return b
	}
	j := len(b)
	for j > dot+1 && b[j-1] == '0' {
		j--
	}
	if j == dot+1 {
		j = dot
	}
	return b[:j]
}

func signbit(f float64) bool { return math.Signbit(f) }
