package config

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"syscall"

	"github.com/volleydb/volley/engine/cnum"
	"github.com/volleydb/volley/engine/resp"
)

// This file holds the small text routines whose exact behaviour users can
// observe through valkey.conf and CONFIG: argument splitting, quoting,
// glob matching and the number parsers. Each one follows the C routine
// Valkey uses for the same job, quirks included, because a value that
// Valkey accepts must be accepted here too, and one it refuses refused.

func isHexDigit(b byte) bool {
	return (b >= '0' && b <= '9') || (b >= 'a' && b <= 'f') || (b >= 'A' && b <= 'F')
}

// splitArgs splits a configuration line into arguments the way valkey.conf
// is read (sdssplitargs: quotes, escapes, a NUL ends the line). It
// returns ok=false on an unterminated quote.
func splitArgs(line string) (args []string, ok bool) {
	parts, err := resp.SplitArgs([]byte(line))
	if err != nil {
		return nil, false
	}
	args = make([]string, len(parts))
	for i, p := range parts {
		args[i] = string(p)
	}
	return args, true
}

// splitSpaces splits s at every single space, keeping empty fields, the way
// CONFIG SET splits the value of a multi-argument directive. An empty s
// gives no fields at all.
func splitSpaces(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, " ")
}

// quote renders s as a double-quoted string that splitArgs reads back as
// s: printable ASCII stays as is, backslash and double quote are escaped,
// and every other byte uses a short escape or \xHH.
func quote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' || c == '"':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\t':
			b.WriteString(`\t`)
		case c == '\a':
			b.WriteString(`\a`)
		case c == '\b':
			b.WriteString(`\b`)
		case c >= 0x20 && c < 0x7f:
			b.WriteByte(c)
		default:
			const hexdigits = "0123456789abcdef"
			b.WriteString(`\x`)
			b.WriteByte(hexdigits[c>>4])
			b.WriteByte(hexdigits[c&0xf])
		}
	}
	b.WriteByte('"')
	return b.String()
}

// hasGlob reports whether a CONFIG GET argument is a pattern rather than a
// plain name.
func hasGlob(s string) bool {
	return strings.ContainsAny(s, "[*?")
}

func lowerASCII(b byte) byte {
	if b >= 'A' && b <= 'Z' {
		return b + ('a' - 'A')
	}
	return b
}

// globMatch matches s against a Valkey glob pattern: * ? [set] [^set]
// [a-z] and \x escapes. With nocase, letters compare case-insensitively.
func globMatch(pattern, s string, nocase bool) bool {
	skip := false
	return globMatchAt(pattern, s, nocase, &skip, 0)
}

// globMatchAt is the recursive worker of globMatch. Once a star has failed
// to match the rest of the string from every position, no longer match of
// an earlier star can succeed, so *skip cuts the search short; nesting
// bounds the recursion on hostile patterns.
func globMatchAt(pat, s string, nocase bool, skip *bool, nesting int) bool {
	if nesting > 1000 {
		return false
	}
	eq := func(a, b byte) bool {
		if nocase {
			return lowerASCII(a) == lowerASCII(b)
		}
		return a == b
	}
	for len(pat) > 0 && len(s) > 0 {
		switch pat[0] {
		case '*':
			for len(pat) > 1 && pat[1] == '*' {
				pat = pat[1:]
			}
			if len(pat) == 1 {
				return true
			}
			for len(s) > 0 {
				if globMatchAt(pat[1:], s, nocase, skip, nesting+1) {
					return true
				}
				if *skip {
					return false
				}
				s = s[1:]
			}
			*skip = true
			return false
		case '?':
			s = s[1:]
		case '[':
			pat = pat[1:]
			negate := len(pat) > 0 && pat[0] == '^'
			if negate {
				pat = pat[1:]
			}
			match := false
			for {
				if len(pat) >= 2 && pat[0] == '\\' {
					pat = pat[1:]
					if pat[0] == s[0] {
						match = true
					}
				} else if len(pat) == 0 {
					// An unterminated set: step back so the common
					// advance below lands on the end of the pattern.
					break
				} else if pat[0] == ']' {
					break
				} else if len(pat) >= 3 && pat[1] == '-' {
					lo, hi, c := pat[0], pat[2], s[0]
					if lo > hi {
						lo, hi = hi, lo
					}
					if nocase {
						lo, hi, c = lowerASCII(lo), lowerASCII(hi), lowerASCII(c)
					}
					pat = pat[2:]
					if c >= lo && c <= hi {
						match = true
					}
				} else if eq(pat[0], s[0]) {
					match = true
				}
				pat = pat[1:]
			}
			if negate {
				match = !match
			}
			if !match {
				return false
			}
			s = s[1:]
			if len(pat) == 0 {
				// The set ran to the end of the pattern.
				return len(s) == 0
			}
		case '\\':
			if len(pat) >= 2 {
				pat = pat[1:]
			}
			fallthrough
		default:
			if !eq(pat[0], s[0]) {
				return false
			}
			s = s[1:]
		}
		pat = pat[1:]
		if len(s) == 0 {
			for len(pat) > 0 && pat[0] == '*' {
				pat = pat[1:]
			}
			break
		}
	}
	return len(pat) == 0 && len(s) == 0
}

// parseStrictInt parses a decimal integer with no sign other than a leading
// minus, no leading zeros, no spaces and no overflow: the only integers
// CONFIG accepts for plain numeric directives.
func parseStrictInt(s string) (int64, bool) {
	// Valkey refuses anything as long as the 21-byte buffer of a long long.
	if len(s) == 0 || len(s) >= 21 {
		return 0, false
	}
	if len(s) == 1 && s[0] >= '0' && s[0] <= '9' {
		return int64(s[0] - '0'), true
	}
	neg := false
	if s[0] == '-' {
		neg = true
		s = s[1:]
		if len(s) == 0 {
			return 0, false
		}
	}
	if s[0] < '1' || s[0] > '9' {
		return 0, false
	}
	var v uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if v > math.MaxUint64/10 {
			return 0, false
		}
		v *= 10
		d := uint64(c - '0')
		if v > math.MaxUint64-d {
			return 0, false
		}
		v += d
	}
	if neg {
		if v > 1<<63 {
			return 0, false
		}
		return int64(-v), true
	}
	if v > math.MaxInt64 {
		return 0, false
	}
	return int64(v), true
}

// cStrtoll parses like C's strtoll in the given base (8 or 10): leading
// spaces and one sign are skipped, digits are read as far as they go, and
// the value saturates on overflow. end is the index of the first unread
// byte, 0 when no digit was read at all; overflow reports ERANGE.
func cStrtoll(s string, base int) (v int64, end int, overflow bool) {
	p := 0
	for p < len(s) && cnum.IsSpace(s[p]) {
		p++
	}
	neg := false
	if p < len(s) && (s[p] == '+' || s[p] == '-') {
		neg = s[p] == '-'
		p++
	}
	start := p
	var u uint64
	limit := uint64(math.MaxInt64)
	if neg {
		limit = 1 << 63
	}
	for p < len(s) {
		c := s[p]
		if c < '0' || c > '9' || int(c-'0') >= base {
			break
		}
		d := uint64(c - '0')
		if !overflow {
			if u > (limit-d)/uint64(base) {
				overflow = true
			} else {
				u = u*uint64(base) + d
			}
		}
		p++
	}
	if p == start {
		return 0, 0, false
	}
	switch {
	case overflow && neg:
		return math.MinInt64, p, true
	case overflow:
		return math.MaxInt64, p, true
	case neg:
		return int64(-u), p, false
	}
	return int64(u), p, false
}

// strtollWhole parses s with cStrtoll and reports whether every byte was
// consumed. An empty string parses as 0, as it does in C when the end
// pointer is checked but errno is not.
func strtollWhole(s string, base int) (int64, bool) {
	v, end, _ := cStrtoll(s, base)
	if end == 0 {
		return 0, s == ""
	}
	return v, end == len(s)
}

// parseMemory parses a memory amount as valkey.conf writes it: digits and
// an optional unit b, k (1000), kb (1024), m, mb, g, gb in any case. Like
// Valkey it treats the empty string and a bare unit as zero, saturates on
// overflow of the digits and wraps on overflow of the multiplication.
func parseMemory(s string) (uint64, bool) {
	if strings.HasPrefix(s, "-") {
		return 0, false
	}
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	var mul uint64
	switch strings.ToLower(s[i:]) {
	case "", "b":
		mul = 1
	case "k":
		mul = 1000
	case "kb":
		mul = 1024
	case "m":
		mul = 1000 * 1000
	case "mb":
		mul = 1024 * 1024
	case "g":
		mul = 1000 * 1000 * 1000
	case "gb":
		mul = 1024 * 1024 * 1024
	default:
		return 0, false
	}
	digits := s[:i]
	if len(digits) >= 128 {
		return 0, false
	}
	v, err := strconv.ParseUint(digits, 10, 64)
	if err != nil {
		if digits == "" {
			v = 0
		} else {
			v = math.MaxUint64 // strtoull saturates and the caller ignores ERANGE
		}
	}
	return v * mul, true
}

// parseCDouble parses a floating point number with the syntax C's strtod
// accepts (decimal or hexadecimal, inf, infinity, nan), refusing leading
// spaces, NaN, and results that overflow to infinity or underflow to zero,
// as Valkey's string-to-double conversion does.
func parseCDouble(s string) (float64, bool) {
	if s == "" || cnum.IsSpace(s[0]) {
		return 0, false
	}
	body := s
	if body[0] == '+' || body[0] == '-' {
		body = body[1:]
	}
	lower := strings.ToLower(body)
	switch {
	case lower == "inf" || lower == "infinity":
		f, _ := strconv.ParseFloat(s[:len(s)-len(body)]+"inf", 64)
		return f, true
	case strings.HasPrefix(lower, "nan"):
		return 0, false
	}
	hex := strings.HasPrefix(lower, "0x")
	digits := lower
	if hex {
		digits = lower[2:]
	}
	isDigit := func(c byte) bool {
		if hex {
			return isHexDigit(c)
		}
		return c >= '0' && c <= '9'
	}
	i, mant, nonzero := 0, 0, false
	for i < len(digits) && isDigit(digits[i]) {
		nonzero = nonzero || digits[i] != '0'
		i++
		mant++
	}
	if i < len(digits) && digits[i] == '.' {
		i++
		for i < len(digits) && isDigit(digits[i]) {
			nonzero = nonzero || digits[i] != '0'
			i++
			mant++
		}
	}
	if mant == 0 {
		return 0, false
	}
	hasExp := false
	if i < len(digits) && ((!hex && digits[i] == 'e') || (hex && digits[i] == 'p')) {
		j := i + 1
		if j < len(digits) && (digits[j] == '+' || digits[j] == '-') {
			j++
		}
		k := j
		for k < len(digits) && digits[k] >= '0' && digits[k] <= '9' {
			k++
		}
		if k > j {
			i = k
			hasExp = true
		}
	}
	if i != len(digits) {
		return 0, false
	}
	in := s
	if hex && !hasExp {
		in += "p0"
	}
	f, err := strconv.ParseFloat(in, 64)
	if err != nil || math.IsInf(f, 0) || (f == 0 && nonzero) {
		return 0, false
	}
	return f, true
}

// formatPercentile prints a percentile as Valkey does: six decimals, then
// trailing zeros and a trailing dot removed.
func formatPercentile(f float64) string {
	s := strconv.FormatFloat(f, 'f', 6, 64)
	if strings.IndexByte(s, '.') >= 0 {
		s = strings.TrimRight(s, "0")
		s = strings.TrimSuffix(s, ".")
	}
	return s
}

// formatMemory writes a byte count the way CONFIG REWRITE does: in gb, mb
// or kb when the amount is an exact multiple, in bytes otherwise.
func formatMemory(v uint64) string {
	const kb, mb, gb = 1024, 1024 * 1024, 1024 * 1024 * 1024
	switch {
	case v != 0 && v%gb == 0:
		return strconv.FormatUint(v/gb, 10) + "gb"
	case v != 0 && v%mb == 0:
		return strconv.FormatUint(v/mb, 10) + "mb"
	case v != 0 && v%kb == 0:
		return strconv.FormatUint(v/kb, 10) + "kb"
	}
	return strconv.FormatUint(v, 10)
}

// Strerror renders an operating system error the way C's strerror does,
// which is how Valkey words file errors in replies and fatal messages.
func Strerror(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		msg := errno.Error()
		if msg != "" && msg[0] >= 'a' && msg[0] <= 'z' {
			msg = string(msg[0]-('a'-'A')) + msg[1:]
		}
		return msg
	}
	return err.Error()
}

// cleanText gives the text valkey-server would hold after reading r line
// by line with a 1 KiB fgets buffer into a C string: within each chunk the
// bytes after a NUL are lost. Text without NUL bytes comes back unchanged.
func cleanText(b []byte) string {
	if !containsNUL(b) {
		return string(b)
	}
	out := make([]byte, 0, len(b))
	for len(b) > 0 {
		n := 0
		for n < len(b) && n < 1024 {
			n++
			if b[n-1] == '\n' {
				break
			}
		}
		chunk := b[:n]
		if i := indexNUL(chunk); i >= 0 {
			chunk = chunk[:i]
		}
		out = append(out, chunk...)
		b = b[n:]
	}
	return string(out)
}

func containsNUL(b []byte) bool { return indexNUL(b) >= 0 }

func indexNUL(b []byte) int {
	for i, c := range b {
		if c == 0 {
			return i
		}
	}
	return -1
}
