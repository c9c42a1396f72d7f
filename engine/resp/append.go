package resp

import (
	"math"
	"strconv"
)

// Protocol versions a connection can speak (HELLO 2 / HELLO 3).
const (
	RESP2 = 2
	RESP3 = 3
)

// AppendSimple appends a simple string: +s\r\n.
func AppendSimple(dst []byte, s string) []byte {
	dst = append(dst, '+')
	dst = append(dst, s...)
	return append(dst, '\r', '\n')
}

// AppendSimpleBytes appends a simple string from bytes.
func AppendSimpleBytes(dst, s []byte) []byte {
	dst = append(dst, '+')
	dst = append(dst, s...)
	return append(dst, '\r', '\n')
}

// AppendError appends an error reply. msg is the whole message including
// its code ("ERR syntax error"); CR and LF in msg are replaced by spaces,
// as Valkey does, so the reply stays one line.
func AppendError(dst []byte, msg string) []byte {
	dst = append(dst, '-')
	for i := 0; i < len(msg); i++ {
		ch := msg[i]
		if ch == '\r' || ch == '\n' {
			ch = ' '
		}
		dst = append(dst, ch)
	}
	return append(dst, '\r', '\n')
}

// AppendInt appends an integer reply: :n\r\n.
func AppendInt(dst []byte, n int64) []byte {
	dst = append(dst, ':')
	dst = strconv.AppendInt(dst, n, 10)
	return append(dst, '\r', '\n')
}

// AppendUint appends an integer reply from an unsigned value.
func AppendUint(dst []byte, n uint64) []byte {
	dst = append(dst, ':')
	dst = strconv.AppendUint(dst, n, 10)
	return append(dst, '\r', '\n')
}

func appendLen(dst []byte, prefix byte, n int) []byte {
	switch {
	case n >= 0 && n < 10:
		return append(dst, prefix, byte('0'+n), '\r', '\n')
	case n >= 10 && n < 100:
		// Collection elements, scores and small values: most headers.
		return append(dst, prefix, byte('0'+n/10), byte('0'+n%10), '\r', '\n')
	}
	dst = append(dst, prefix)
	dst = strconv.AppendInt(dst, int64(n), 10)
	return append(dst, '\r', '\n')
}

// AppendBulkHeader appends just $n\r\n, for a payload written separately.
func AppendBulkHeader(dst []byte, n int) []byte { return appendLen(dst, '$', n) }

// AppendBulk appends a bulk string.
func AppendBulk(dst, b []byte) []byte {
	dst = appendLen(dst, '$', len(b))
	dst = append(dst, b...)
	return append(dst, '\r', '\n')
}

// AppendBulkString appends a bulk string from a string.
func AppendBulkString(dst []byte, s string) []byte {
	dst = appendLen(dst, '$', len(s))
	dst = append(dst, s...)
	return append(dst, '\r', '\n')
}

// AppendBulkInt appends n formatted in decimal as a bulk string.
func AppendBulkInt(dst []byte, n int64) []byte {
	var tmp [20]byte
	return AppendBulk(dst, strconv.AppendInt(tmp[:0], n, 10))
}

// AppendNull appends the null reply: $-1 in RESP2, _ in RESP3.
func AppendNull(dst []byte, proto int) []byte {
	if proto >= RESP3 {
		return append(dst, '_', '\r', '\n')
	}
	return append(dst, '$', '-', '1', '\r', '\n')
}

// AppendNullArray appends the null array: *-1 in RESP2, _ in RESP3.
func AppendNullArray(dst []byte, proto int) []byte {
	if proto >= RESP3 {
		return append(dst, '_', '\r', '\n')
	}
	return append(dst, '*', '-', '1', '\r', '\n')
}

// AppendArrayLen appends an array header.
func AppendArrayLen(dst []byte, n int) []byte { return appendLen(dst, '*', n) }

// AppendMapLen appends a map header of n pairs: %n in RESP3, *2n in RESP2.
func AppendMapLen(dst []byte, n int, proto int) []byte {
	if proto >= RESP3 {
		return appendLen(dst, '%', n)
	}
	return appendLen(dst, '*', 2*n)
}

// AppendSetLen appends a set header: ~n in RESP3, *n in RESP2.
func AppendSetLen(dst []byte, n int, proto int) []byte {
	if proto >= RESP3 {
		return appendLen(dst, '~', n)
	}
	return appendLen(dst, '*', n)
}

// AppendPushLen appends a push header: >n in RESP3, *n in RESP2.
func AppendPushLen(dst []byte, n int, proto int) []byte {
	if proto >= RESP3 {
		return appendLen(dst, '>', n)
	}
	return appendLen(dst, '*', n)
}

// AppendAttributeLen appends an attribute header (RESP3 only).
func AppendAttributeLen(dst []byte, n int) []byte { return appendLen(dst, '|', n) }

// AppendBool appends a boolean: #t/#f in RESP3, :1/:0 in RESP2.
func AppendBool(dst []byte, v bool, proto int) []byte {
	if proto >= RESP3 {
		if v {
			return append(dst, '#', 't', '\r', '\n')
		}
		return append(dst, '#', 'f', '\r', '\n')
	}
	if v {
		return append(dst, ':', '1', '\r', '\n')
	}
	return append(dst, ':', '0', '\r', '\n')
}

// AppendDouble appends a double: ,f in RESP3, a bulk string in RESP2,
// formatted as Valkey formats doubles (FormatDouble).
func AppendDouble(dst []byte, f float64, proto int) []byte {
	var tmp [32]byte
	s := FormatDouble(tmp[:0], f)
	if proto >= RESP3 {
		dst = append(dst, ',')
		dst = append(dst, s...)
		return append(dst, '\r', '\n')
	}
	return AppendBulk(dst, s)
}

// FormatDouble appends f exactly as Valkey formats a double reply
// (addReplyDouble, d2string): "inf", "-inf", "nan" and "-0" for the special
// values, integral values of magnitude up to 2^62 as integers, and anything
// else with Valkey's Grisu2 conversion, which reads back to the same double
// but differs from strconv in notation (1e+22, 1.5e-7, 0.000001) and, for a
// few values, in digits. See dtoa.go.
func FormatDouble(dst []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, "nan"...)
	case math.IsInf(f, 1):
		return append(dst, "inf"...)
	case math.IsInf(f, -1):
		return append(dst, "-inf"...)
	case f == 0:
		if math.Signbit(f) {
			return append(dst, '-', '0')
		}
		return append(dst, '0')
	case f >= -0x1p62 && f <= 0x1p62 && f == math.Trunc(f):
		// Valkey prints these with its integer formatter; Grisu2 would
		// write the larger ones in exponent notation.
		return strconv.AppendInt(dst, int64(f), 10)
	}
	return appendGrisu(dst, f)
}

// AppendBigNumber appends a big number: (n in RESP3, a bulk string in RESP2.
func AppendBigNumber(dst []byte, n []byte, proto int) []byte {
	if proto >= RESP3 {
		dst = append(dst, '(')
		dst = append(dst, n...)
		return append(dst, '\r', '\n')
	}
	return AppendBulk(dst, n)
}

// AppendVerbatim appends a verbatim string with a three-letter format
// ("txt", "mkd"): =len\r\nfmt:... in RESP3, a bulk string in RESP2.
func AppendVerbatim(dst []byte, format string, b []byte, proto int) []byte {
	if proto < RESP3 {
		return AppendBulk(dst, b)
	}
	dst = appendLen(dst, '=', len(b)+4)
	dst = append(dst, format...)
	dst = append(dst, ':')
	dst = append(dst, b...)
	return append(dst, '\r', '\n')
}
