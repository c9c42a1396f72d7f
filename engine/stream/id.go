package stream

import (
	"encoding/binary"
	"math"
	"strconv"
)

// ID is a stream entry ID: a millisecond time and a sequence number,
// ordered as one 128-bit number.
type ID struct {
	Ms  uint64
	Seq uint64
}

// MaxID is the largest ID ("+").
var MaxID = ID{math.MaxUint64, math.MaxUint64}

// IDSize is the size of an encoded ID.
const IDSize = 16

// Cmp compares a and b: -1, 0 or 1.
func (a ID) Cmp(b ID) int {
	switch {
	case a.Ms > b.Ms:
		return 1
	case a.Ms < b.Ms:
		return -1
	case a.Seq > b.Seq:
		return 1
	case a.Seq < b.Seq:
		return -1
	}
	return 0
}

// IsZero reports whether id is 0-0.
func (a ID) IsZero() bool { return a.Ms == 0 && a.Seq == 0 }

// Incr sets id to its successor. At the largest ID it wraps to 0-0 and
// reports false.
func (a *ID) Incr() bool {
	if a.Seq == math.MaxUint64 {
		if a.Ms == math.MaxUint64 {
			a.Ms, a.Seq = 0, 0
			return false
		}
		a.Ms++
		a.Seq = 0
		return true
	}
	a.Seq++
	return true
}

// Decr sets id to its predecessor. At 0-0 it wraps to the largest ID and
// reports false.
func (a *ID) Decr() bool {
	if a.Seq == 0 {
		if a.Ms == 0 {
			*a = MaxID
			return false
		}
		a.Ms--
		a.Seq = math.MaxUint64
		return true
	}
	a.Seq--
	return true
}

// Put writes id as a 128-bit big-endian number (the form radix tree keys,
// PEL entries and RDB node keys take) into b[:16].
func (a ID) Put(b []byte) {
	binary.BigEndian.PutUint64(b, a.Ms)
	binary.BigEndian.PutUint64(b[8:], a.Seq)
}

// Bytes returns id's 16-byte big-endian form.
func (a ID) Bytes() [IDSize]byte {
	var b [IDSize]byte
	a.Put(b[:])
	return b
}

// DecodeID reads a 128-bit big-endian ID from b[:16].
func DecodeID(b []byte) ID {
	return ID{binary.BigEndian.Uint64(b), binary.BigEndian.Uint64(b[8:])}
}

// Append appends id's text form, "<ms>-<seq>".
func (a ID) Append(dst []byte) []byte {
	dst = strconv.AppendUint(dst, a.Ms, 10)
	dst = append(dst, '-')
	return strconv.AppendUint(dst, a.Seq, 10)
}

// String is id's text form.
func (a ID) String() string { return string(a.Append(nil)) }

// ParseID parses a stream ID as clients give it: "<ms>-<seq>", or "<ms>"
// alone with the sequence set to missingSeq; "-" and "+" are the smallest
// and largest IDs unless strict. With allowAutoSeq, "<ms>-*" is accepted
// and reported with seqGiven false. Numbers follow string2ull: decimal
// digits only (no sign, no spaces), no leading zeros except "0", within
// 64 bits; the whole text is at most 127 bytes.
func ParseID(s []byte, missingSeq uint64, strict, allowAutoSeq bool) (id ID, seqGiven, ok bool) {
	if len(s) > 127 {
		return ID{}, false, false
	}
	// The C code reads the text as a C string: it ends at a NUL.
	for i, b := range s {
		if b == 0 {
			s = s[:i]
			break
		}
	}
	seqGiven = true
	if len(s) == 1 {
		switch s[0] {
		case '-':
			if strict {
				return ID{}, false, false
			}
			return ID{}, true, true
		case '+':
			if strict {
				return ID{}, false, false
			}
			return MaxID, true, true
		}
	}
	dash := -1
	for i, b := range s {
		if b == '-' {
			dash = i
			break
		}
	}
	msPart := s
	if dash >= 0 {
		msPart = s[:dash]
	}
	ms, good := parseUint(msPart)
	if !good {
		return ID{}, false, false
	}
	seq := missingSeq
	if dash >= 0 {
		rest := s[dash+1:]
		if allowAutoSeq && len(rest) == 1 && rest[0] == '*' {
			seq = 0
			seqGiven = false
		} else if seq, good = parseUint(rest); !good {
			return ID{}, false, false
		}
	}
	return ID{ms, seq}, seqGiven, true
}

// parseUint is string2ull: string2ll's number if it is not negative,
// else whatever strtoull makes of the whole text (so "18446744073709551615",
// " 7", "+7" and "-07" are accepted, the last as 2^64-7).
func parseUint(s []byte) (uint64, bool) {
	if len(s) == 0 {
		return 0, false
	}
	if v, ok := parseInt64(s); ok {
		if v < 0 {
			return 0, false
		}
		return uint64(v), true
	}
	// string2ull falls back to strtoull for what string2ll refuses,
	// demanding that it consume the whole text.
	return strtoull(s)
}

// parseInt64 is string2ll.
func parseInt64(s []byte) (int64, bool) {
	n := len(s)
	if n == 0 || n > 20 {
		return 0, false
	}
	if n == 1 && s[0] == '0' {
		return 0, true
	}
	i := 0
	neg := false
	if s[0] == '-' {
		neg = true
		i++
		if i == n {
			return 0, false
		}
	}
	if s[i] < '1' || s[i] > '9' {
		return 0, false
	}
	var v uint64
	for ; i < n; i++ {
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
		return -int64(v), true
	}
	if v > math.MaxInt64 {
		return 0, false
	}
	return int64(v), true
}

// strtoull parses as C's strtoull(s, &end, 10) with the demand that end
// reach the end of s: optional leading white space, an optional sign ('-'
// negates modulo 2^64), then decimal digits, saturating at the maximum on
// overflow (which string2ull then refuses, as errno is ERANGE).
func strtoull(s []byte) (uint64, bool) {
	i := 0
	for i < len(s) && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r')) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	start := i
	var v uint64
	overflow := false
	for ; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if v > (math.MaxUint64-d)/10 {
			overflow = true
		}
		v = v*10 + d
	}
	if i == start || overflow {
		return 0, false
	}
	if neg {
		v = -v
	}
	return v, true
}
