package lua

import (
	"encoding/binary"
	"math"
	"strings"

	glua "github.com/yuin/gopher-lua"
)

// struct: Roberto Ierusalimschy's struct library (pack, unpack, size),
// on a little-endian machine with 8-byte longs, as Valkey builds it.

const (
	structMaxIntSize = 32
	structMaxAlign   = 8
)

type structHeader struct {
	little bool
	align  int
}

// byteOrder is a binary byte order that can also append.
type byteOrder interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

// order is the header's byte order.
func (h *structHeader) order() byteOrder {
	if h.little {
		return binary.LittleEndian
	}
	return binary.BigEndian
}

func openStruct(L *glua.LState) {
	mod := L.NewTable()
	L.SetFuncs(mod, map[string]glua.LGFunction{"pack": structPack, "unpack": structUnpack, "size": structSize})
	L.SetGlobal("struct", mod)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func structNum(L *glua.LState, f string, i *int, def int) int {
	if *i >= len(f) || !isDigit(f[*i]) {
		return def
	}
	a := 0
	for *i < len(f) && isDigit(f[*i]) {
		d := int(f[*i] - '0')
		if a > math.MaxInt32/10 || a*10 > math.MaxInt32-d {
			L.RaiseError("integral size overflow")
		}
		a = a*10 + d
		*i++
	}
	return a
}

func structOptSize(L *glua.LState, opt byte, f string, i *int) int {
	switch opt {
	case 'B', 'b':
		return 1
	case 'H', 'h':
		return 2
	case 'L', 'l', 'T', 'd':
		return 8
	case 'f':
		return 4
	case 'x':
		return 1
	case 'c':
		return structNum(L, f, i, 1)
	case 'i', 'I':
		sz := structNum(L, f, i, 4)
		if sz > structMaxIntSize {
			L.RaiseError("integral size %d is larger than limit of %d", sz, structMaxIntSize)
		}
		return sz
	}
	return 0
}

func structToAlign(n int, h *structHeader, opt byte, size int) int {
	if size == 0 || opt == 'c' {
		return 0
	}
	if size > h.align {
		size = h.align
	}
	return (size - (n & (size - 1))) & (size - 1)
}

// structControl applies a format's control option (endianness,
// alignment, space); anything else is an error of fname's first argument.
func structControl(L *glua.LState, fname string, opt byte, f string, i *int, h *structHeader) {
	switch opt {
	case ' ':
	case '>':
		h.little = false
	case '<':
		h.little = true
	case '!':
		a := structNum(L, f, i, structMaxAlign)
		if a&(a-1) != 0 || a == 0 {
			L.RaiseError("alignment %d is not a power of 2", a)
		}
		h.align = a
	default:
		argError(L, 1, fname, "invalid format option '"+string(opt)+"'")
	}
}

func structPack(L *glua.LState) int {
	f := checkString(L, 1, "pack")
	h := structHeader{little: true, align: 1}
	arg := 2
	var b []byte
	for i := 0; i < len(f); {
		opt := f[i]
		i++
		size := structOptSize(L, opt, f, &i)
		pad := structToAlign(len(b), &h, opt, size)
		for ; pad > 0; pad-- {
			b = append(b, 0)
		}
		switch opt {
		case 'b', 'B', 'h', 'H', 'l', 'L', 'T', 'i', 'I':
			n := CheckNumber(L, arg, "pack")
			arg++
			var v uint64
			if n < 0 {
				v = uint64(int64(n))
			} else {
				v = uint64(n)
			}
			at := len(b)
			b = append(b, make([]byte, size)...) // bytes past the 8th stay 0
			for k := 0; k < size && k < 8; k++ {
				idx := k
				if !h.little {
					idx = size - 1 - k
				}
				b[at+idx] = byte(v >> (8 * k))
			}
		case 'x':
			b = append(b, 0)
		case 'f':
			b = h.order().AppendUint32(b, math.Float32bits(float32(CheckNumber(L, arg, "pack"))))
			arg++
		case 'd':
			b = h.order().AppendUint64(b, math.Float64bits(CheckNumber(L, arg, "pack")))
			arg++
		case 'c', 's':
			s := checkString(L, arg, "pack")
			arg++
			if size == 0 {
				size = len(s)
			}
			if len(s) < size {
				argError(L, arg, "pack", "string too short")
			}
			b = append(b, s[:size]...)
			if opt == 's' {
				b = append(b, 0)
			}
		default:
			structControl(L, "pack", opt, f, &i, &h)
		}
	}
	L.Push(glua.LString(b))
	return 1
}

func structUnpack(L *glua.LState) int {
	f := checkString(L, 1, "unpack")
	data := checkString(L, 2, "unpack")
	pos := 1
	if L.GetTop() >= 3 && L.Get(3) != glua.LNil {
		pos = int(CheckNumber(L, 3, "unpack"))
	}
	if pos <= 0 {
		argError(L, 3, "unpack", "offset must be 1 or greater")
	}
	pos--
	h := structHeader{little: true, align: 1}
	ld := len(data)
	n := 0
	for i := 0; i < len(f); {
		opt := f[i]
		i++
		size := structOptSize(L, opt, f, &i)
		pos += structToAlign(pos, &h, opt, size)
		if !(size <= ld && pos <= ld-size) {
			argError(L, 2, "unpack", "data string too short")
		}
		switch opt {
		case 'b', 'B', 'h', 'H', 'l', 'L', 'T', 'i', 'I':
			var l uint64
			for k := 0; k < size; k++ {
				idx := size - 1 - k
				if !h.little {
					idx = k
				}
				l = l<<8 | uint64(data[pos+idx])
			}
			signed := opt >= 'a'
			if !signed {
				L.Push(glua.LNumber(float64(l)))
			} else {
				if size < 8 {
					mask := ^uint64(0) << (size*8 - 1)
					if l&mask != 0 {
						l |= mask
					}
				}
				L.Push(glua.LNumber(float64(int64(l))))
			}
			n++
		case 'x':
		case 'f':
			v := h.order().Uint32([]byte(data[pos : pos+4]))
			L.Push(glua.LNumber(float64(math.Float32frombits(v))))
			n++
		case 'd':
			v := h.order().Uint64([]byte(data[pos : pos+8]))
			L.Push(glua.LNumber(math.Float64frombits(v)))
			n++
		case 'c':
			if size == 0 {
				prev, ok := L.Get(-1).(glua.LNumber)
				if n == 0 || !ok {
					L.RaiseError("format 'c0' needs a previous size")
				}
				size = int(prev)
				L.Pop(1)
				n--
				if !(size <= ld && pos <= ld-size) {
					argError(L, 2, "unpack", "data string too short")
				}
			}
			L.Push(glua.LString(data[pos : pos+size]))
			n++
		case 's':
			e := strings.IndexByte(data[pos:], 0)
			if e < 0 {
				L.RaiseError("unfinished string in data")
			}
			size = e + 1
			L.Push(glua.LString(data[pos : pos+e]))
			n++
		default:
			structControl(L, "unpack", opt, f, &i, &h)
		}
		pos += size
	}
	L.Push(glua.LNumber(pos + 1))
	return n + 1
}

func structSize(L *glua.LState) int {
	f := checkString(L, 1, "size")
	h := structHeader{little: true, align: 1}
	pos := 0
	for i := 0; i < len(f); {
		opt := f[i]
		i++
		size := structOptSize(L, opt, f, &i)
		pos += structToAlign(pos, &h, opt, size)
		if opt == 's' {
			argError(L, 1, "size", "option 's' has no fixed size")
		} else if opt == 'c' && size == 0 {
			argError(L, 1, "size", "option 'c0' has no fixed size")
		}
		isAlnum := opt >= 'a' && opt <= 'z' || opt >= 'A' && opt <= 'Z' || opt >= '0' && opt <= '9'
		if !isAlnum {
			structControl(L, "size", opt, f, &i, &h)
		}
		pos += size
	}
	L.Push(glua.LNumber(pos))
	return 1
}
