// Package intset is Valkey's intset: a sorted array of distinct integers
// in the narrowest of three widths that holds them all, kept in the exact
// byte layout Valkey uses (and writes into RDB files), so a set's value is
// one pointer-free byte string.
//
// Layout, all little-endian:
//
//	encoding uint32  2, 4 or 8: the width in bytes of every element
//	length   uint32  number of elements
//	contents         length elements of that width, ascending
//
// The width only grows: adding a value that needs a wider type rewrites
// every element; removing never narrows it.
//
// Functions that change a set take it and return the result, which may
// share the argument's backing array as append does: callers own the bytes
// they pass. Nothing here is safe for concurrent use on the same bytes.
package intset

import "encoding/binary"

// Widths of the three encodings, in bytes.
const (
	Enc16 = 2
	Enc32 = 4
	Enc64 = 8
)

// HeaderLen is the size of the encoding and length fields.
const HeaderLen = 8

// New returns an empty intset of 16-bit width.
func New() []byte { return NewCap(0) }

// NewCap returns an empty intset with room for n 16-bit elements.
func NewCap(n int) []byte {
	b := make([]byte, HeaderLen, HeaderLen+2*n)
	binary.LittleEndian.PutUint32(b, Enc16)
	return b
}

// Encoding returns the width of is's elements in bytes.
func Encoding(is []byte) int { return int(binary.LittleEndian.Uint32(is)) }

// Len returns the number of elements.
func Len(is []byte) int { return int(binary.LittleEndian.Uint32(is[4:])) }

// BlobLen is the number of bytes the set occupies.
func BlobLen(is []byte) int { return HeaderLen + Len(is)*Encoding(is) }

// valueEncoding is the narrowest width that holds v.
func valueEncoding(v int64) int {
	switch {
	case v < -1<<31 || v > 1<<31-1:
		return Enc64
	case v < -1<<15 || v > 1<<15-1:
		return Enc32
	}
	return Enc16
}

func getEncoded(is []byte, i, enc int) int64 {
	off := HeaderLen + i*enc
	switch enc {
	case Enc64:
		return int64(binary.LittleEndian.Uint64(is[off:]))
	case Enc32:
		return int64(int32(binary.LittleEndian.Uint32(is[off:])))
	}
	return int64(int16(binary.LittleEndian.Uint16(is[off:])))
}

func setEncoded(is []byte, i, enc int, v int64) {
	off := HeaderLen + i*enc
	switch enc {
	case Enc64:
		binary.LittleEndian.PutUint64(is[off:], uint64(v))
	case Enc32:
		binary.LittleEndian.PutUint32(is[off:], uint32(v))
	default:
		binary.LittleEndian.PutUint16(is[off:], uint16(v))
	}
}

// Get returns the element at index i (0 <= i < Len).
func Get(is []byte, i int) int64 { return getEncoded(is, i, Encoding(is)) }

// Min returns the smallest element of a non-empty set.
func Min(is []byte) int64 { return Get(is, 0) }

// Max returns the largest element of a non-empty set.
func Max(is []byte) int64 { return Get(is, Len(is)-1) }

// Search returns the index of v and true when v is present, or the index
// where v would be inserted and false.
func Search(is []byte, v int64) (int, bool) {
	n := Len(is)
	if n == 0 {
		return 0, false
	}
	enc := Encoding(is)
	// The ends first: appending ascending values is the common case.
	if v > getEncoded(is, n-1, enc) {
		return n, false
	}
	if v < getEncoded(is, 0, enc) {
		return 0, false
	}
	lo, hi := 0, n-1
	for lo <= hi {
		mid := int(uint(lo+hi) >> 1)
		cur := getEncoded(is, mid, enc)
		switch {
		case v > cur:
			lo = mid + 1
		case v < cur:
			hi = mid - 1
		default:
			return mid, true
		}
	}
	return lo, false
}

// Find reports whether v is an element.
func Find(is []byte, v int64) bool {
	if valueEncoding(v) > Encoding(is) {
		return false
	}
	_, ok := Search(is, v)
	return ok
}

// grow returns is with room for extra more bytes at the end, its length
// extended by them.
func grow(is []byte, extra int) []byte {
	n := len(is) + extra
	if n <= cap(is) {
		return is[:n]
	}
	nb := make([]byte, n, n+n/4)
	copy(nb, is)
	return nb
}

func setLen(is []byte, n int) { binary.LittleEndian.PutUint32(is[4:], uint32(n)) }

// Add inserts v and reports whether it was not already there.
func Add(is []byte, v int64) ([]byte, bool) {
	enc := Encoding(is)
	n := Len(is)
	if venc := valueEncoding(v); venc > enc {
		return upgradeAndAdd(is, venc, v), true
	}
	pos, found := Search(is, v)
	if found {
		return is, false
	}
	is = grow(is[:HeaderLen+n*enc], enc)
	start := HeaderLen + pos*enc
	copy(is[start+enc:], is[start:HeaderLen+n*enc])
	setEncoded(is, pos, enc, v)
	setLen(is, n+1)
	return is, true
}

// upgradeAndAdd widens every element to enc and adds v, which needs enc
// and so lies beyond every element: first if negative, last otherwise.
func upgradeAndAdd(is []byte, enc int, v int64) []byte {
	old := Encoding(is)
	n := Len(is)
	is = grow(is[:HeaderLen+n*old], n*(enc-old)+enc)
	binary.LittleEndian.PutUint32(is, uint32(enc))
	prepend := 0
	if v < 0 {
		prepend = 1
	}
	// Back to front, so no element is overwritten before it is read.
	for i := n - 1; i >= 0; i-- {
		setEncoded(is, i+prepend, enc, getEncoded(is, i, old))
	}
	if prepend == 1 {
		setEncoded(is, 0, enc, v)
	} else {
		setEncoded(is, n, enc, v)
	}
	setLen(is, n+1)
	return is
}

// Remove deletes v and reports whether it was there.
func Remove(is []byte, v int64) ([]byte, bool) {
	enc := Encoding(is)
	if valueEncoding(v) > enc {
		return is, false
	}
	pos, found := Search(is, v)
	if !found {
		return is, false
	}
	n := Len(is)
	start := HeaderLen + pos*enc
	end := HeaderLen + n*enc
	copy(is[start:], is[start+enc:end])
	setLen(is, n-1)
	return is[:end-enc], true
}

// Validate reports whether b is a well-formed intset: a known width, a
// length that matches the size, and, when deep, strictly ascending
// elements. It is for bytes from outside (RESTORE, RDB files).
func Validate(b []byte, deep bool) bool {
	if len(b) < HeaderLen {
		return false
	}
	enc := Encoding(b)
	if enc != Enc16 && enc != Enc32 && enc != Enc64 {
		return false
	}
	n := Len(b)
	if uint64(n)*uint64(enc)+HeaderLen != uint64(len(b)) {
		return false
	}
	if n == 0 {
		return false // Valkey rejects an empty intset
	}
	if !deep {
		return true
	}
	prev := getEncoded(b, 0, enc)
	for i := 1; i < n; i++ {
		cur := getEncoded(b, i, enc)
		if cur <= prev {
			return false
		}
		prev = cur
	}
	return true
}
