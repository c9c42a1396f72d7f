// Package listpack reads and writes Valkey's listpack: a flat, pointer-free
// byte sequence of small strings and integers, byte-compatible with
// Valkey 9.0 so an RDB file can carry it unchanged.
//
// Layout:
//
//	<total bytes uint32 LE> <count uint16 LE> <entry> ... <entry> <0xFF>
//
// Each entry is an encoding byte (and length or integer bytes), the string
// data if any, then "backlen": the size of encoding+data written in 7-bit
// groups from the most significant, every byte but the first with the top
// bit set, so it can be read backwards from the byte before the next entry.
// A count of 65535 means "unknown, walk to count".
//
// Entry encodings by first byte:
//
//	0xxxxxxx             7-bit unsigned integer
//	10xxxxxx             string of up to 63 bytes
//	110xxxxx yyyyyyyy    13-bit signed integer
//	1110xxxx yyyyyyyy    string of up to 4095 bytes
//	11110000 + 4 bytes   string, 32-bit length
//	11110001 + 2 bytes   16-bit signed integer
//	11110010 + 3 bytes   24-bit signed integer
//	11110011 + 4 bytes   32-bit signed integer
//	11110100 + 8 bytes   64-bit signed integer
//	11111111             end of listpack
//
// Strings that read as integers under string2ll rules are stored integer
// encoded, as Valkey does, so Get returns them as integers.
//
// The API is plain functions over []byte; an entry is named by its byte
// offset in the slice. Functions that change the listpack return the
// (possibly reallocated) slice; offsets taken before a change are only
// valid as each function documents. len(lp) always equals the total bytes
// in the header. Nothing here allocates except when a slice must grow.
// Mutating functions write into lp's backing array when it has room, so
// pass only a listpack you own (never one aliasing shared or stored
// memory). A listpack is not safe for concurrent mutation.
package listpack

import (
	"encoding/binary"
	"strconv"

	"github.com/volleydb/volley/engine/resp"
)

const (
	// HeaderSize is the size of the total-bytes and count header.
	HeaderSize = 6
	// EOF is the terminator byte.
	EOF = 0xFF
	// countUnknown in the count field means the listpack must be walked.
	countUnknown = 65535
	// emptySize is a listpack with no entries: header and terminator.
	emptySize = HeaderSize + 1

	enc13BitInt = 0xC0
	enc12BitStr = 0xE0
	enc32BitStr = 0xF0
	enc16BitInt = 0xF1
	enc24BitInt = 0xF2
	enc32BitInt = 0xF3
	enc64BitInt = 0xF4

	// MaxSafetySize is Valkey's limit on a listpack's size (lpSafeToAdd).
	MaxSafetySize = 1 << 30
)

// New returns an empty listpack whose backing array has room for capHint
// bytes.
func New(capHint int) []byte {
	lp := make([]byte, emptySize, max(capHint, emptySize))
	binary.LittleEndian.PutUint32(lp, emptySize)
	lp[HeaderSize] = EOF
	return lp
}

// Bytes returns the total size of lp as its header records it.
func Bytes(lp []byte) int { return int(binary.LittleEndian.Uint32(lp)) }

// Len returns the number of entries, walking lp when the header count is
// unknown (65535 or more entries). Unlike Valkey's lpLength it never writes
// the header, so it is safe on a listpack other readers share.
func Len(lp []byte) int {
	n := int(binary.LittleEndian.Uint16(lp[4:]))
	if n != countUnknown {
		return n
	}
	n = 0
	for p := First(lp); p >= 0; p = Next(lp, p) {
		n++
	}
	return n
}

// SafeToAdd reports whether lp may grow by add bytes (lpSafeToAdd).
func SafeToAdd(lp []byte, add int) bool {
	n := 0
	if lp != nil {
		n = Bytes(lp)
	}
	return n+add <= MaxSafetySize
}

func setTotal(lp []byte) { binary.LittleEndian.PutUint32(lp, uint32(len(lp))) }

func addCount(lp []byte, delta int) {
	n := int(binary.LittleEndian.Uint16(lp[4:]))
	if n == countUnknown {
		return
	}
	n += delta
	if n >= countUnknown {
		n = countUnknown
	}
	binary.LittleEndian.PutUint16(lp[4:], uint16(n))
}

// First returns the offset of the first entry, or -1 if lp is empty.
func First(lp []byte) int {
	if lp[HeaderSize] == EOF {
		return -1
	}
	return HeaderSize
}

// Last returns the offset of the last entry, or -1 if lp is empty.
func Last(lp []byte) int { return Prev(lp, len(lp)-1) }

// Next returns the offset of the entry after p, or -1 if p is the last.
func Next(lp []byte, p int) int {
	q := p + EntrySize(lp, p)
	if lp[q] == EOF {
		return -1
	}
	return q
}

// Prev returns the offset of the entry before p, or -1 if p is the first.
// p may be the offset of the terminator, giving the last entry.
func Prev(lp []byte, p int) int {
	if p <= HeaderSize {
		return -1
	}
	l, n := decodeBacklen(lp, p-1)
	return p - n - int(l)
}

// decodeBacklen reads the backlen whose last byte is at lp[i], returning
// the encoded length and the number of bytes it used.
func decodeBacklen(lp []byte, i int) (uint64, int) {
	var v uint64
	shift := 0
	n := 0
	for {
		b := lp[i]
		v |= uint64(b&127) << shift
		n++
		if b&128 == 0 || n == 5 {
			break
		}
		shift += 7
		i--
		if i < HeaderSize {
			break
		}
	}
	return v, n
}

// backlenSize is the number of bytes the backlen of an l-byte entry takes.
func backlenSize(l int) int {
	switch {
	case l <= 127:
		return 1
	case l < 16383:
		return 2
	case l < 2097151:
		return 3
	case l < 268435455:
		return 4
	default:
		return 5
	}
}

// putBacklen writes the backlen of an l-byte entry at dst and returns its size.
func putBacklen(dst []byte, l int) int {
	n := backlenSize(l)
	for i := n - 1; i >= 0; i-- {
		b := byte(l & 127)
		if i != 0 { // only the lowest-address byte has the top bit clear
			b |= 128
		}
		dst[i] = b
		l >>= 7
	}
	return n
}

// encodedSize returns the size of the entry at p without its backlen.
func encodedSize(lp []byte, p int) int {
	b := lp[p]
	switch {
	case b < 0x80:
		return 1
	case b < 0xC0:
		return 1 + int(b&0x3F)
	case b < 0xE0:
		return 2
	case b < 0xF0:
		return 2 + (int(b&0x0F)<<8 | int(lp[p+1]))
	}
	switch b {
	case enc32BitStr:
		return 5 + int(binary.LittleEndian.Uint32(lp[p+1:]))
	case enc16BitInt:
		return 3
	case enc24BitInt:
		return 4
	case enc32BitInt:
		return 5
	case enc64BitInt:
		return 9
	}
	return 1 // EOF or an unused encoding; callers never ask for these
}

// EntrySize returns the number of bytes the entry at p takes, backlen
// included (the memory an entry costs, for MEMORY USAGE estimates).
func EntrySize(lp []byte, p int) int {
	n := encodedSize(lp, p)
	return n + backlenSize(n)
}

// Get returns the entry at p: a string aliasing lp, or an integer with
// isInt set. It does not allocate.
func Get(lp []byte, p int) (s []byte, v int64, isInt bool) {
	b := lp[p]
	switch {
	case b < 0x80:
		return nil, int64(b), true
	case b < 0xC0:
		n := int(b & 0x3F)
		return lp[p+1 : p+1+n : p+1+n], 0, false
	case b < 0xE0:
		u := uint64(b&0x1F)<<8 | uint64(lp[p+1])
		return nil, signExtend(u, 13), true
	case b < 0xF0:
		n := int(b&0x0F)<<8 | int(lp[p+1])
		return lp[p+2 : p+2+n : p+2+n], 0, false
	}
	switch b {
	case enc32BitStr:
		n := int(binary.LittleEndian.Uint32(lp[p+1:]))
		return lp[p+5 : p+5+n : p+5+n], 0, false
	case enc16BitInt:
		return nil, int64(int16(binary.LittleEndian.Uint16(lp[p+1:]))), true
	case enc24BitInt:
		u := uint64(lp[p+1]) | uint64(lp[p+2])<<8 | uint64(lp[p+3])<<16
		return nil, signExtend(u, 24), true
	case enc32BitInt:
		return nil, int64(int32(binary.LittleEndian.Uint32(lp[p+1:]))), true
	case enc64BitInt:
		return nil, int64(binary.LittleEndian.Uint64(lp[p+1:])), true
	}
	return nil, 0, false
}

func signExtend(u uint64, bits uint) int64 {
	shift := 64 - bits
	return int64(u<<shift) >> shift
}

// GetString returns the entry at p as text: a string entry aliases lp, an
// integer is formatted into buf[:0] (pass a buffer of 20 bytes or more to
// avoid allocating).
func GetString(lp []byte, p int, buf []byte) []byte {
	s, v, isInt := Get(lp, p)
	if isInt {
		return strconv.AppendInt(buf[:0], v, 10)
	}
	return s
}

// encodeInt writes v's encoding (no backlen) to dst, returning its size.
func encodeInt(dst []byte, v int64) int {
	switch {
	case v >= 0 && v <= 127:
		dst[0] = byte(v)
		return 1
	case v >= -4096 && v <= 4095:
		u := uint64(v) & (1<<13 - 1)
		dst[0] = byte(u>>8) | enc13BitInt
		dst[1] = byte(u)
		return 2
	case v >= -32768 && v <= 32767:
		dst[0] = enc16BitInt
		binary.LittleEndian.PutUint16(dst[1:], uint16(v))
		return 3
	case v >= -8388608 && v <= 8388607:
		dst[0] = enc24BitInt
		dst[1] = byte(v)
		dst[2] = byte(v >> 8)
		dst[3] = byte(v >> 16)
		return 4
	case v >= -2147483648 && v <= 2147483647:
		dst[0] = enc32BitInt
		binary.LittleEndian.PutUint32(dst[1:], uint32(v))
		return 5
	default:
		dst[0] = enc64BitInt
		binary.LittleEndian.PutUint64(dst[1:], uint64(v))
		return 9
	}
}

// strHeaderSize is the encoding size before the data of an n-byte string.
func strHeaderSize(n int) int {
	switch {
	case n < 64:
		return 1
	case n < 4096:
		return 2
	default:
		return 5
	}
}

func putStrHeader(dst []byte, n int) int {
	switch {
	case n < 64:
		dst[0] = 0x80 | byte(n)
		return 1
	case n < 4096:
		dst[0] = enc12BitStr | byte(n>>8)
		dst[1] = byte(n)
		return 2
	default:
		dst[0] = enc32BitStr
		binary.LittleEndian.PutUint32(dst[1:], uint32(n))
		return 5
	}
}

// element is an entry to write: an integer or a string.
type element struct {
	s     []byte
	v     int64
	isInt bool
}

func elementOf(s []byte) element {
	if v, ok := resp.ParseInt(s); ok {
		return element{v: v, isInt: true}
	}
	return element{s: s}
}

// size is the number of bytes e takes as an entry, backlen included.
func (e element) size() int {
	var n int
	if e.isInt {
		var buf [9]byte
		n = encodeInt(buf[:], e.v)
	} else {
		n = strHeaderSize(len(e.s)) + len(e.s)
	}
	return n + backlenSize(n)
}

// put writes e at dst (which has e.size() bytes).
func (e element) put(dst []byte) {
	var n int
	if e.isInt {
		n = encodeInt(dst, e.v)
	} else {
		n = putStrHeader(dst, len(e.s))
		n += copy(dst[n:], e.s)
	}
	putBacklen(dst[n:], n)
}

// EncodedSize returns the bytes s would take as an entry, backlen included.
func EncodedSize(s []byte) int { return elementOf(s).size() }

// EncodedIntSize returns the bytes v would take as an entry.
func EncodedIntSize(v int64) int { return element{v: v, isInt: true}.size() }

// resize opens grow bytes at pos, or with a negative grow removes the
// -grow bytes just before pos, moving the tail; it fixes the header total.
func resize(lp []byte, pos, grow int) []byte {
	old := len(lp)
	if grow > 0 {
		if cap(lp)-old < grow {
			nl := make([]byte, old+grow, growCap(old+grow, cap(lp)))
			copy(nl, lp[:pos])
			copy(nl[pos+grow:], lp[pos:])
			lp = nl
		} else {
			lp = lp[:old+grow]
			copy(lp[pos+grow:], lp[pos:old])
		}
	} else if grow < 0 {
		copy(lp[pos+grow:], lp[pos:])
		lp = lp[:old+grow]
	}
	setTotal(lp)
	return lp
}

func growCap(need, old int) int {
	c := old * 2
	if c < need {
		c = need
	}
	if c > need+64<<10 {
		c = need + 64<<10
	}
	return c
}

func insertAt(lp []byte, pos int, e element) []byte {
	n := e.size()
	lp = resize(lp, pos, n)
	e.put(lp[pos : pos+n])
	addCount(lp, 1)
	return lp
}

// Append adds s at the end.
func Append(lp, s []byte) []byte { return insertAt(lp, len(lp)-1, elementOf(s)) }

// AppendInt adds the integer v at the end.
func AppendInt(lp []byte, v int64) []byte {
	return insertAt(lp, len(lp)-1, element{v: v, isInt: true})
}

// Prepend adds s at the front.
func Prepend(lp, s []byte) []byte { return insertAt(lp, HeaderSize, elementOf(s)) }

// PrependInt adds the integer v at the front.
func PrependInt(lp []byte, v int64) []byte {
	return insertAt(lp, HeaderSize, element{v: v, isInt: true})
}

// Insert adds s before the entry at p, or after it if after is set. The
// new entry's offset is p when inserted before, Next(lp, p) when after.
func Insert(lp []byte, p int, s []byte, after bool) []byte {
	if after {
		p += EntrySize(lp, p)
	}
	return insertAt(lp, p, elementOf(s))
}

// Replace overwrites the entry at p with s; the new entry is at p.
func Replace(lp []byte, p int, s []byte) []byte {
	return replaceAt(lp, p, elementOf(s))
}

// ReplaceInt overwrites the entry at p with the integer v.
func ReplaceInt(lp []byte, p int, v int64) []byte {
	return replaceAt(lp, p, element{v: v, isInt: true})
}

func replaceAt(lp []byte, p int, e element) []byte {
	old := EntrySize(lp, p)
	n := e.size()
	if n != old {
		lp = resize(lp, p+old, n-old)
	}
	e.put(lp[p : p+n])
	return lp
}

// Delete removes the entry at p. The entry that followed it, if any, now
// starts at p: check lp[p] != EOF (or use AtEnd) before reading it.
func Delete(lp []byte, p int) []byte {
	n := EntrySize(lp, p)
	lp = resize(lp, p+n, -n)
	addCount(lp, -1)
	return lp
}

// AtEnd reports whether p is the terminator (no entry starts there).
func AtEnd(lp []byte, p int) bool { return p < 0 || lp[p] == EOF }

// DeleteRange removes up to n entries starting at the entry at p (fewer
// if lp ends first). As after Delete, what followed now starts at p.
func DeleteRange(lp []byte, p, n int) []byte {
	q := p
	deleted := 0
	for deleted < n && lp[q] != EOF {
		q += EntrySize(lp, q)
		deleted++
	}
	if deleted == 0 {
		return lp
	}
	lp = resize(lp, q, p-q)
	nh := int(binary.LittleEndian.Uint16(lp[4:]))
	if nh != countUnknown {
		binary.LittleEndian.PutUint16(lp[4:], uint16(nh-deleted))
	}
	return lp
}

// DeleteRangeIndex removes n entries starting at index (negative counts
// from the end), as Valkey's lpDeleteRange.
func DeleteRangeIndex(lp []byte, index, n int) []byte {
	p := Seek(lp, index)
	if p < 0 {
		return lp
	}
	return DeleteRange(lp, p, n)
}

// Seek returns the offset of the entry at index (negative: from the end,
// -1 the last), or -1 if out of range. It walks from the nearer end.
func Seek(lp []byte, index int) int {
	nh := int(binary.LittleEndian.Uint16(lp[4:]))
	forward := true
	if nh != countUnknown {
		if index < 0 {
			index += nh
		}
		if index < 0 || index >= nh {
			return -1
		}
		if index > nh/2 {
			forward = false
			index -= nh
		}
	} else if index < 0 {
		forward = false
	}
	if forward {
		p := First(lp)
		for index > 0 && p >= 0 {
			p = Next(lp, p)
			index--
		}
		return p
	}
	p := Last(lp)
	for index < -1 && p >= 0 {
		p = Prev(lp, p)
		index++
	}
	return p
}

// Find returns the offset of the first entry from p on equal to s, or -1.
// After each compared entry it skips skip entries (1 for the fields of a
// field/value listpack). String entries compare bytewise; integer entries
// compare by value with s read under string2ll rules, as Valkey's lpFind.
func Find(lp []byte, p int, s []byte, skip int) int {
	if p < 0 {
		return -1
	}
	sv, sIsInt := int64(0), false
	tried := false
	skipcnt := 0
	for lp[p] != EOF {
		if skipcnt == 0 {
			es, ev, isInt := Get(lp, p)
			if !isInt {
				if string(es) == string(s) {
					return p
				}
			} else {
				if !tried {
					tried = true
					if len(s) < 32 {
						sv, sIsInt = resp.ParseInt(s)
					}
				}
				if sIsInt && ev == sv {
					return p
				}
			}
			skipcnt = skip
		} else {
			skipcnt--
		}
		p += EntrySize(lp, p)
	}
	return -1
}

// Equal reports whether the entry at p equals s, comparing integers by
// value (lpCompare).
func Equal(lp []byte, p int, s []byte) bool {
	es, ev, isInt := Get(lp, p)
	if !isInt {
		return string(es) == string(s)
	}
	v, ok := resp.ParseInt(s)
	return ok && v == ev
}

// AppendEntries appends all entries of src to dst (lpMerge of two
// listpacks): entries are position independent, so it is a byte copy.
func AppendEntries(dst, src []byte) []byte {
	body := src[HeaderSize : len(src)-1]
	pos := len(dst) - 1
	dst = resize(dst, pos, len(body))
	copy(dst[pos:], body)
	n := int(binary.LittleEndian.Uint16(dst[4:]))
	m := int(binary.LittleEndian.Uint16(src[4:]))
	if n != countUnknown {
		if m == countUnknown {
			n = countUnknown
		} else {
			n += m
			if n > countUnknown {
				n = countUnknown
			}
		}
		binary.LittleEndian.PutUint16(dst[4:], uint16(n))
	}
	return dst
}

// ValidateIntegrity reports whether lp is a well-formed listpack: the
// header total matches its length, every entry lies inside it with a
// backlen that matches its encoding, the terminator comes last, and the
// count matches unless it is unknown. It never panics, so it can check
// untrusted input (RESTORE, RDB loading).
func ValidateIntegrity(lp []byte) bool {
	if len(lp) < emptySize || Bytes(lp) != len(lp) || lp[len(lp)-1] != EOF {
		return false
	}
	end := len(lp) - 1
	p := HeaderSize
	count := 0
	for p < end {
		b := lp[p]
		// bytes needed to read the length of this entry
		lenBytes := 1
		switch {
		case b >= 0x80 && b < 0xC0, b < 0x80:
			lenBytes = 1
		case b < 0xF0:
			lenBytes = 2
		case b == enc32BitStr:
			lenBytes = 5
		case b >= enc16BitInt && b <= enc64BitInt:
			lenBytes = 1
		default:
			return false // EOF in the middle or an unused encoding
		}
		if p+lenBytes > end {
			return false
		}
		n := encodedSize(lp, p)
		if n < 0 || n > end-p {
			return false
		}
		bl := backlenSize(n)
		if p+n+bl > end {
			return false
		}
		got, used := decodeBacklen(lp, p+n+bl-1)
		if used != bl || got != uint64(n) {
			return false
		}
		p += n + bl
		count++
	}
	if p != end {
		return false
	}
	nh := int(binary.LittleEndian.Uint16(lp[4:]))
	return nh == countUnknown || nh == count
}
