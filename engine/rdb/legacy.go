package rdb

import (
	"encoding/binary"

	"github.com/volleydb/volley/engine/intset"
	"github.com/volleydb/volley/engine/listpack"
)

// Encodings that older Redis versions stored in RDB files and Valkey
// converts on load: the ziplist (lists, hashes and sorted sets before
// Redis 7), the zipmap (hashes before Redis 2.6) and the intset, which is
// still current.

// Ziplist layout, all little-endian but for string lengths:
//
//	<zlbytes uint32> <zltail uint32> <zllen uint16> <entry>... <0xFF>
//
// zltail is the offset of the last entry; zllen 65535 means "count them".
// Each entry is <prevlen> <encoding> <data>: prevlen is the previous
// entry's size, one byte below 254, else 0xFE and 4 bytes. The encoding's
// first byte:
//
//	00pppppp              string, 6-bit length
//	01pppppp qqqqqqqq     string, 14-bit big-endian length
//	10------ + 4 bytes    string, 32-bit big-endian length
//	11000000              int16      11010000  int32
//	11100000              int64      11110000  24-bit int
//	11111110              int8       1111xxxx  xxxx-1 for xxxx in 1..13
const (
	zlHeaderLen  = 10
	zlEnd        = 0xFF
	zlBigPrevlen = 254
	zlInt16      = 0xC0
	zlInt32      = 0xD0
	zlInt64      = 0xE0
	zlInt24      = 0xF0
	zlInt8       = 0xFE
	zlImmMin     = 0xF1
	zlImmMax     = 0xFD
)

// ZiplistToListpack checks a ziplist as strictly as Valkey's deep
// ziplistValidateIntegrity (header size and tail offset, every entry
// inside the buffer with a prevlen equal to the previous entry's size,
// the terminator right after the last entry, the count unless it is
// 65535) and returns a listpack of the same entries in order. Strings
// that are canonical integers become listpack integers, as lpAppend
// makes them. An empty ziplist gives an empty listpack. Any flaw gives
// ErrZiplist.
func ZiplistToListpack(zl []byte) ([]byte, error) {
	size := len(zl)
	if size < zlHeaderLen+1 || uint64(binary.LittleEndian.Uint32(zl)) != uint64(size) || zl[size-1] != zlEnd {
		return nil, ErrZiplist
	}
	tail := int64(binary.LittleEndian.Uint32(zl[4:]))
	if tail > int64(size-1) {
		return nil, ErrZiplist
	}
	headerCount := int(binary.LittleEndian.Uint16(zl[8:]))

	last := int64(size - 1) // the terminator: no entry may reach past it
	lp := listpack.New(size + size/8)
	p, prev, prevSize, count := int64(zlHeaderLen), int64(-1), int64(0), 0
	for zl[p] != zlEnd {
		// prevlen
		prevlenSize, prevlen := int64(1), int64(zl[p])
		if zl[p] >= zlBigPrevlen {
			prevlenSize = 5
		}
		if p+prevlenSize > last {
			return nil, ErrZiplist
		}
		if prevlenSize == 5 {
			prevlen = int64(binary.LittleEndian.Uint32(zl[p+1:]))
		}
		// encoding and data length
		e := p + prevlenSize
		enc := zl[e]
		var lenSize, dataLen int64
		switch {
		case enc < 0x40:
			lenSize, dataLen = 1, int64(enc&0x3F)
		case enc < 0x80:
			lenSize = 2
		case enc < 0xC0:
			lenSize = 5
		case enc == zlInt8:
			lenSize, dataLen = 1, 1
		case enc == zlInt16:
			lenSize, dataLen = 1, 2
		case enc == zlInt24:
			lenSize, dataLen = 1, 3
		case enc == zlInt32:
			lenSize, dataLen = 1, 4
		case enc == zlInt64:
			lenSize, dataLen = 1, 8
		case enc >= zlImmMin && enc <= zlImmMax:
			lenSize, dataLen = 1, 0
		default:
			return nil, ErrZiplist
		}
		if e+lenSize > last {
			return nil, ErrZiplist
		}
		switch lenSize {
		case 2:
			dataLen = int64(enc&0x3F)<<8 | int64(zl[e+1])
		case 5:
			dataLen = int64(binary.BigEndian.Uint32(zl[e+1:]))
		}
		data := e + lenSize
		entrySize := prevlenSize + lenSize + dataLen
		if p+entrySize > last || p-prevlen < zlHeaderLen || prevlen != prevSize {
			return nil, ErrZiplist
		}

		d := zl[data : data+dataLen]
		switch {
		case enc < 0xC0:
			lp = listpack.Append(lp, d)
		case enc == zlInt8:
			lp = listpack.AppendInt(lp, int64(int8(d[0])))
		case enc == zlInt16:
			lp = listpack.AppendInt(lp, int64(int16(binary.LittleEndian.Uint16(d))))
		case enc == zlInt24:
			u := uint32(d[0])<<8 | uint32(d[1])<<16 | uint32(d[2])<<24
			lp = listpack.AppendInt(lp, int64(int32(u)>>8))
		case enc == zlInt32:
			lp = listpack.AppendInt(lp, int64(int32(binary.LittleEndian.Uint32(d))))
		case enc == zlInt64:
			lp = listpack.AppendInt(lp, int64(binary.LittleEndian.Uint64(d)))
		default:
			lp = listpack.AppendInt(lp, int64(enc&0x0F)-1)
		}

		prev, prevSize = p, entrySize
		p += entrySize
		count++
	}
	if p != last || prev >= 0 && prev != tail || headerCount != 0xFFFF && count != headerCount {
		return nil, ErrZiplist
	}
	return lp, nil
}

// Zipmap layout:
//
//	<count byte> (<len> field <len> <free byte> value <free bytes>)... <0xFF>
//
// A length is one byte below 254, else 254 (or 255, read the same way)
// and 4 bytes little-endian. The free byte counts unused bytes after the
// value. A count of 254 or more means "count them".
const (
	zmBigLen = 254
	zmEnd    = 0xFF
)

// ZipmapToListpack checks a zipmap as Valkey's deep
// zipmapValidateIntegrity does and returns a listpack of alternating
// field and value. Like Valkey's loader it refuses an empty zipmap, a
// repeated field and one that would make a listpack over 1 GiB. As in
// Valkey, bytes after a terminator that ends the entries are ignored.
// Any flaw gives ErrZipmap.
func ZipmapToListpack(zm []byte) ([]byte, error) {
	if len(zm) < 2 || zm[len(zm)-1] != zmEnd {
		return nil, ErrZipmap
	}
	// Check every entry first, as Valkey does before converting.
	count := 0
	for p := 1; zm[p] != zmEnd; count++ {
		var ok bool
		if _, _, p, ok = zipmapNext(zm, p); !ok {
			return nil, ErrZipmap
		}
	}
	if count == 0 || zm[0] != zmBigLen && int(zm[0]) != count {
		return nil, ErrZipmap
	}

	seen := make(map[string]struct{}, count)
	lp := listpack.New(len(zm) + 4*count)
	for p := 1; zm[p] != zmEnd; {
		var field, value []byte
		field, value, p, _ = zipmapNext(zm, p)
		if _, dup := seen[string(field)]; dup || !listpack.SafeToAdd(lp, len(field)+len(value)) {
			return nil, ErrZipmap
		}
		seen[string(field)] = struct{}{}
		lp = listpack.Append(lp, field)
		lp = listpack.Append(lp, value)
	}
	return lp, nil
}

// zipmapNext decodes the entry at p (not the terminator) under the checks
// of zipmapValidateIntegrity, returning the field, the value and the
// offset of what follows, which is inside zm.
func zipmapNext(zm []byte, p int) (field, value []byte, next int, ok bool) {
	last := int64(len(zm) - 1)
	outOfRange := func(q int64) bool { return q < 2 || q > last }
	// readLen decodes the length at q, returning it and its size.
	readLen := func(q int64) (l, size int64, ok bool) {
		size = 1
		if zm[q] >= zmBigLen {
			size = 5
		}
		if outOfRange(q + size) {
			return 0, 0, false
		}
		l = int64(zm[q])
		if size == 5 {
			l = int64(binary.LittleEndian.Uint32(zm[q+1:]))
			if l < zmBigLen {
				return 0, 0, false // a short length must take one byte
			}
		}
		return l, size, true
	}

	q := int64(p)
	l, size, ok := readLen(q)
	if !ok {
		return nil, nil, 0, false
	}
	f := q + size
	q = f + l
	if outOfRange(q) {
		return nil, nil, 0, false
	}
	field = zm[f:q]
	if l, size, ok = readLen(q); !ok {
		return nil, nil, 0, false
	}
	free := int64(zm[q+size])
	v := q + size + 1
	q = v + l + free
	if outOfRange(q) {
		return nil, nil, 0, false
	}
	return field, zm[v : v+l], int(q), true
}

// ValidIntset reports whether b is a well-formed intset as Valkey's deep
// intsetValidateIntegrity judges it: width 2, 4 or 8, a size matching
// the length, at least one element, strictly ascending.
func ValidIntset(b []byte) bool { return intset.Validate(b, true) }
