package stream

import (
	"bytes"
	"encoding/binary"
	"math"
	"strconv"

	"github.com/volleydb/volley/engine/cnum"
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
// and reported with seqGiven false. Each number is read by string2ull
// (cnum.String2ull, quirks included); the whole text is at most 127
// bytes, and is read as a C string: it ends at its first NUL.
func ParseID(s []byte, missingSeq uint64, strict, allowAutoSeq bool) (id ID, seqGiven, ok bool) {
	if len(s) > 127 {
		return ID{}, false, false
	}
	if i := bytes.IndexByte(s, 0); i >= 0 {
		s = s[:i]
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
	dash := bytes.IndexByte(s, '-')
	msPart := s
	if dash >= 0 {
		msPart = s[:dash]
	}
	ms, good := cnum.String2ull(msPart)
	if !good {
		return ID{}, false, false
	}
	seq := missingSeq
	if dash >= 0 {
		rest := s[dash+1:]
		if allowAutoSeq && len(rest) == 1 && rest[0] == '*' {
			seq = 0
			seqGiven = false
		} else if seq, good = cnum.String2ull(rest); !good {
			return ID{}, false, false
		}
	}
	return ID{ms, seq}, seqGiven, true
}
