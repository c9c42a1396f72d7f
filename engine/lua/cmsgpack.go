package lua

import (
	"encoding/binary"
	"math"

	glua "github.com/yuin/gopher-lua"
)

// cmsgpack: lua-cmsgpack 0.4 (pack, unpack, unpack_one, unpack_limit).

const msgpackMaxNesting = 16

func openCmsgpack(L *glua.LState) {
	mod := L.NewTable()
	L.SetFuncs(mod, map[string]glua.LGFunction{
		"pack":   msgpackPack,
		"unpack": func(L *glua.LState) int { return msgpackUnpack(L, 0, 0) },
		"unpack_one": func(L *glua.LState) int {
			off := 0
			if L.GetTop() >= 2 {
				off = int(CheckNumber(L, 2, "unpack_one"))
			}
			L.SetTop(1)
			return msgpackUnpack(L, 1, off)
		},
		"unpack_limit": func(L *glua.LState) int {
			limit := int(CheckNumber(L, 2, "unpack_limit"))
			off := 0
			if L.GetTop() >= 3 {
				off = int(CheckNumber(L, 3, "unpack_limit"))
			}
			L.SetTop(1)
			return msgpackUnpack(L, limit, off)
		},
	})
	mod.RawSetString("_NAME", glua.LString("cmsgpack"))
	mod.RawSetString("_VERSION", glua.LString("lua-cmsgpack 0.4.0"))
	mod.RawSetString("_COPYRIGHT", glua.LString("Copyright (C) 2012, Redis Ltd."))
	mod.RawSetString("_DESCRIPTION", glua.LString("MessagePack C implementation for Lua"))
	L.SetGlobal("cmsgpack", mod)
}

func msgpackPack(L *glua.LState) int {
	n := L.GetTop()
	if n == 0 {
		L.RaiseError("bad argument #0 to 'pack' (MessagePack pack needs input.)")
	}
	var b []byte
	for i := 1; i <= n; i++ {
		b = msgpackEncode(b, L.Get(i), 0)
	}
	L.Push(glua.LString(b))
	return 1
}

func msgpackEncode(b []byte, v glua.LValue, level int) []byte {
	switch x := v.(type) {
	case glua.LString:
		n := len(x)
		switch {
		case n < 32:
			b = append(b, 0xa0|byte(n))
		case n <= 0xff:
			b = append(b, 0xd9, byte(n))
		case n <= 0xffff:
			b = append(b, 0xda)
			b = binary.BigEndian.AppendUint16(b, uint16(n))
		default:
			b = append(b, 0xdb)
			b = binary.BigEndian.AppendUint32(b, uint32(n))
		}
		return append(b, x...)
	case glua.LBool:
		if x {
			return append(b, 0xc3)
		}
		return append(b, 0xc2)
	case glua.LNumber:
		f := float64(x)
		if f >= -9.2233720368547758e18 && f < 9.2233720368547758e18 && float64(int64(f)) == f {
			return msgpackInt(b, int64(f))
		}
		if float64(float32(f)) == f || f != f {
			b = append(b, 0xca)
			return binary.BigEndian.AppendUint32(b, math.Float32bits(float32(f)))
		}
		b = append(b, 0xcb)
		return binary.BigEndian.AppendUint64(b, math.Float64bits(f))
	case *glua.LTable:
		if level == msgpackMaxNesting {
			return append(b, 0xc0)
		}
		count, max := 0, 0
		isArray := true
		k, _ := x.Next(glua.LNil)
		for k != glua.LNil {
			n, ok := k.(glua.LNumber)
			if !ok || n <= 0 || float64(int64(n)) != float64(n) {
				isArray = false
			} else if int(n) > max {
				max = int(n)
			}
			count++
			k, _ = x.Next(k)
		}
		if isArray && max == count {
			b = msgpackHeader(b, count, 0x90, 0xdc, 0xdd)
			for j := 1; j <= count; j++ {
				b = msgpackEncode(b, x.RawGetInt(j), level+1)
			}
			return b
		}
		b = msgpackHeader(b, count, 0x80, 0xde, 0xdf)
		k, val := x.Next(glua.LNil)
		for k != glua.LNil {
			b = msgpackEncode(b, k, level+1)
			b = msgpackEncode(b, val, level+1)
			k, val = x.Next(k)
		}
		return b
	}
	return append(b, 0xc0)
}

func msgpackHeader(b []byte, n int, fix, h16, h32 byte) []byte {
	switch {
	case n <= 15:
		return append(b, fix|byte(n))
	case n <= 0xffff:
		b = append(b, h16)
		return binary.BigEndian.AppendUint16(b, uint16(n))
	}
	b = append(b, h32)
	return binary.BigEndian.AppendUint32(b, uint32(n))
}

func msgpackInt(b []byte, n int64) []byte {
	if n >= 0 {
		switch {
		case n <= 127:
			return append(b, byte(n))
		case n <= 0xff:
			return append(b, 0xcc, byte(n))
		case n <= 0xffff:
			return binary.BigEndian.AppendUint16(append(b, 0xcd), uint16(n))
		case n <= 0xffffffff:
			return binary.BigEndian.AppendUint32(append(b, 0xce), uint32(n))
		}
		return binary.BigEndian.AppendUint64(append(b, 0xcf), uint64(n))
	}
	switch {
	case n >= -32:
		return append(b, byte(int8(n)))
	case n >= -128:
		return append(b, 0xd0, byte(n))
	case n >= -32768:
		return binary.BigEndian.AppendUint16(append(b, 0xd1), uint16(n))
	case n >= -2147483648:
		return binary.BigEndian.AppendUint32(append(b, 0xd2), uint32(n))
	}
	return binary.BigEndian.AppendUint64(append(b, 0xd3), uint64(n))
}

type msgpackErr int

const (
	mpOK msgpackErr = iota
	mpEOF
	mpBadFmt
)

type msgpackCur struct {
	L   *glua.LState
	p   string
	err msgpackErr
}

func (c *msgpackCur) need(n int) bool {
	if len(c.p) < n {
		c.err = mpEOF
		return false
	}
	return true
}

func (c *msgpackCur) decode() glua.LValue {
	if !c.need(1) {
		return glua.LNil
	}
	t := c.p[0]
	be16 := func() uint16 { return binary.BigEndian.Uint16([]byte(c.p[1:3])) }
	be32 := func() uint32 { return binary.BigEndian.Uint32([]byte(c.p[1:5])) }
	be64 := func() uint64 { return binary.BigEndian.Uint64([]byte(c.p[1:9])) }
	num := func(size int, f func() float64) glua.LValue {
		if !c.need(1 + size) {
			return glua.LNil
		}
		v := f()
		c.p = c.p[1+size:]
		return glua.LNumber(v)
	}
	str := func(hdr, n int) glua.LValue {
		if !c.need(hdr + n) {
			return glua.LNil
		}
		s := c.p[hdr : hdr+n]
		c.p = c.p[hdr+n:]
		return glua.LString(s)
	}
	switch {
	case t <= 0x7f:
		c.p = c.p[1:]
		return glua.LNumber(t)
	case t >= 0xe0:
		c.p = c.p[1:]
		return glua.LNumber(int8(t))
	case t&0xe0 == 0xa0:
		return str(1, int(t&0x1f))
	case t&0xf0 == 0x90:
		c.p = c.p[1:]
		return c.array(int(t & 0xf))
	case t&0xf0 == 0x80:
		c.p = c.p[1:]
		return c.hash(int(t & 0xf))
	}
	switch t {
	case 0xcc:
		return num(1, func() float64 { return float64(c.p[1]) })
	case 0xd0:
		return num(1, func() float64 { return float64(int8(c.p[1])) })
	case 0xcd:
		return num(2, func() float64 { return float64(be16()) })
	case 0xd1:
		return num(2, func() float64 { return float64(int16(be16())) })
	case 0xce:
		return num(4, func() float64 { return float64(be32()) })
	case 0xd2:
		return num(4, func() float64 { return float64(int32(be32())) })
	case 0xcf:
		return num(8, func() float64 { return float64(be64()) })
	case 0xd3:
		return num(8, func() float64 { return float64(int64(be64())) })
	case 0xca:
		return num(4, func() float64 { return float64(math.Float32frombits(be32())) })
	case 0xcb:
		return num(8, func() float64 { return math.Float64frombits(be64()) })
	case 0xc0:
		c.p = c.p[1:]
		return glua.LNil
	case 0xc3, 0xc2:
		c.p = c.p[1:]
		return glua.LBool(t == 0xc3)
	case 0xd9, 0xc4:
		if !c.need(2) {
			return glua.LNil
		}
		return str(2, int(c.p[1]))
	case 0xda, 0xc5:
		if !c.need(3) {
			return glua.LNil
		}
		return str(3, int(be16()))
	case 0xdb, 0xc6:
		if !c.need(5) {
			return glua.LNil
		}
		return str(5, int(be32()))
	case 0xdc:
		if !c.need(3) {
			return glua.LNil
		}
		n := int(be16())
		c.p = c.p[3:]
		return c.array(n)
	case 0xdd:
		if !c.need(5) {
			return glua.LNil
		}
		n := int(be32())
		c.p = c.p[5:]
		return c.array(n)
	case 0xde:
		if !c.need(3) {
			return glua.LNil
		}
		n := int(be16())
		c.p = c.p[3:]
		return c.hash(n)
	case 0xdf:
		if !c.need(5) {
			return glua.LNil
		}
		n := int(be32())
		c.p = c.p[5:]
		return c.hash(n)
	}
	c.err = mpBadFmt
	return glua.LNil
}

func (c *msgpackCur) array(n int) glua.LValue {
	t := c.L.NewTable()
	for i := 1; i <= n && c.err == mpOK; i++ {
		v := c.decode()
		if c.err != mpOK {
			break
		}
		t.RawSetInt(i, v)
	}
	return t
}

func (c *msgpackCur) hash(n int) glua.LValue {
	t := c.L.NewTable()
	for i := 0; i < n && c.err == mpOK; i++ {
		k := c.decode()
		if c.err != mpOK {
			break
		}
		v := c.decode()
		if c.err != mpOK {
			break
		}
		if k != glua.LNil {
			t.RawSet(k, v)
		}
	}
	return t
}

func msgpackUnpack(L *glua.LState, limit, offset int) int {
	s := checkString(L, 1, "unpack")
	decodeAll := limit == 0 && offset == 0
	if offset < 0 || limit < 0 {
		L.RaiseError("Invalid request to unpack with offset of %d and limit of %d.", offset, len(s))
	} else if offset > len(s) {
		L.RaiseError("Start offset %d greater than input length %d.", offset, len(s))
	}
	if decodeAll {
		limit = math.MaxInt32
	}
	c := &msgpackCur{L: L, p: s[offset:]}
	var vals []glua.LValue
	for cnt := 0; len(c.p) > 0 && cnt < limit; cnt++ {
		v := c.decode()
		switch c.err {
		case mpEOF:
			L.RaiseError("Missing bytes in input.")
		case mpBadFmt:
			L.RaiseError("Bad data format in input.")
		}
		vals = append(vals, v)
	}
	if !decodeAll {
		next := len(s) - len(c.p)
		if len(c.p) == 0 {
			next = -1
		}
		L.Push(glua.LNumber(next))
	}
	for _, v := range vals {
		L.Push(v)
	}
	if !decodeAll {
		return len(vals) + 1
	}
	return len(vals)
}
