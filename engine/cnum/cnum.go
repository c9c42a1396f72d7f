// Package cnum parses numbers as the C library routines Valkey calls do,
// quirks included: a value Valkey accepts must be accepted here too, and
// one it refuses refused. It is a leaf package with no state; its
// functions are safe for concurrent use.
package cnum

import (
	"math"
	"strconv"
)

// IsSpace is C's isspace in the C locale.
func IsSpace(b byte) bool { return b == ' ' || (b >= '\t' && b <= '\r') }

// Strtod reads a double from the front of b as glibc's strtod does:
// leading white space, a sign, then a decimal or hexadecimal number, inf,
// infinity or nan, case-insensitively. n is the bytes consumed, 0 when
// nothing could be converted (strtod's endptr left at the start); erange
// is set when a finite number overflowed to infinity or a non-zero one
// underflowed to zero.
func Strtod(b []byte) (f float64, n int, erange bool) {
	i, neg := skipSpaceSign(b)
	lower := func(j int) byte {
		if j < len(b) && b[j] >= 'A' && b[j] <= 'Z' {
			return b[j] + 32
		}
		if j < len(b) {
			return b[j]
		}
		return 0
	}
	hasWord := func(j int, w string) bool {
		for k := 0; k < len(w); k++ {
			if lower(j+k) != w[k] {
				return false
			}
		}
		return true
	}
	switch {
	case hasWord(i, "inf"):
		n = i + 3
		if hasWord(i, "infinity") {
			n = i + 8
		}
		if neg {
			return math.Inf(-1), n, false
		}
		return math.Inf(1), n, false
	case hasWord(i, "nan"):
		n = i + 3
		if n < len(b) && b[n] == '(' {
			j := n + 1
			for j < len(b) && (b[j] == '_' || (b[j] >= '0' && b[j] <= '9') || (lower(j) >= 'a' && lower(j) <= 'z')) {
				j++
			}
			if j < len(b) && b[j] == ')' {
				n = j + 1
			}
		}
		return math.NaN(), n, false
	}
	isHex := func(c byte) bool { return (c >= '0' && c <= '9') || (c|32 >= 'a' && c|32 <= 'f') }
	isDec := func(c byte) bool { return c >= '0' && c <= '9' }
	hex := false
	if lower(i) == '0' && lower(i+1) == 'x' {
		j := i + 2
		if (j < len(b) && isHex(b[j])) || (j+1 < len(b) && b[j] == '.' && isHex(b[j+1])) {
			hex = true
			i = j
		}
	}
	digit := isDec
	if hex {
		digit = isHex
	}
	mant := i
	digits, nonzero := 0, false
	for i < len(b) && digit(b[i]) {
		nonzero = nonzero || b[i] != '0'
		i++
		digits++
	}
	if i < len(b) && b[i] == '.' {
		i++
		for i < len(b) && digit(b[i]) {
			nonzero = nonzero || b[i] != '0'
			i++
			digits++
		}
	}
	if digits == 0 {
		return 0, 0, false
	}
	mantEnd := i
	expStart := i
	if e := lower(i); (!hex && e == 'e') || (hex && e == 'p') {
		j := i + 1
		if j < len(b) && (b[j] == '+' || b[j] == '-') {
			j++
		}
		k := j
		for k < len(b) && isDec(b[k]) {
			k++
		}
		if k > j {
			i = k
		}
	}
	var text []byte
	var tmp [64]byte
	text = tmp[:0]
	if neg {
		text = append(text, '-')
	}
	if hex {
		text = append(text, '0', 'x')
	}
	text = append(text, b[mant:mantEnd]...)
	if hex {
		if i > expStart {
			text = append(text, b[expStart:i]...)
		} else {
			text = append(text, 'p', '0')
		}
	} else {
		text = append(text, b[expStart:i]...)
	}
	f, err := strconv.ParseFloat(string(text), 64)
	if err != nil && !math.IsInf(f, 0) {
		return 0, 0, false // not reached: the text is well formed
	}
	return f, i, math.IsInf(f, 0) || (f == 0 && nonzero)
}

// skipSpaceSign skips the white space and the one sign the C parsers take
// before a number, returning where the number starts and whether the sign
// was '-'.
func skipSpaceSign(b []byte) (i int, neg bool) {
	for i < len(b) && IsSpace(b[i]) {
		i++
	}
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		neg = b[i] == '-'
		i++
	}
	return i, neg
}

// Atoi reads a leading decimal integer as C's atoi: leading spaces, an
// optional sign, digits; anything else ends it. Overflow is not checked.
func Atoi(b []byte) int64 {
	i, neg := skipSpaceSign(b)
	var n int64
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		n = n*10 + int64(b[i]-'0')
	}
	if neg {
		return -n
	}
	return n
}
