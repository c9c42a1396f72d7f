package lua

import (
	"math"

	glua "github.com/yuin/gopher-lua"

	"github.com/volleydb/volley/engine/cnum"
)

// bit: LuaBitOp 1.0, 32-bit operations on numbers, as Valkey embeds it.

func openBit(L *glua.LState) {
	mod := L.NewTable()
	sh := func(name string, f func(b, n uint32) uint32) glua.LGFunction {
		return func(L *glua.LState) int {
			b := bitArg(L, 1, name)
			n := bitArg(L, 2, name) & 31
			return bitRet(L, f(b, n))
		}
	}
	op := func(name string, f func(a, b uint32) uint32) glua.LGFunction {
		return func(L *glua.LState) int {
			b := bitArg(L, 1, name)
			for i := L.GetTop(); i > 1; i-- {
				b = f(b, bitArg(L, i, name))
			}
			return bitRet(L, b)
		}
	}
	L.SetFuncs(mod, map[string]glua.LGFunction{
		"tobit":   func(L *glua.LState) int { return bitRet(L, bitArg(L, 1, "tobit")) },
		"bnot":    func(L *glua.LState) int { return bitRet(L, ^bitArg(L, 1, "bnot")) },
		"band":    op("band", func(a, b uint32) uint32 { return a & b }),
		"bor":     op("bor", func(a, b uint32) uint32 { return a | b }),
		"bxor":    op("bxor", func(a, b uint32) uint32 { return a ^ b }),
		"lshift":  sh("lshift", func(b, n uint32) uint32 { return b << n }),
		"rshift":  sh("rshift", func(b, n uint32) uint32 { return b >> n }),
		"arshift": sh("arshift", func(b, n uint32) uint32 { return uint32(int32(b) >> n) }),
		"rol":     sh("rol", func(b, n uint32) uint32 { return b<<n | b>>(32-n) }),
		"ror":     sh("ror", func(b, n uint32) uint32 { return b<<(32-n) | b>>n }),
		"bswap": func(L *glua.LState) int {
			b := bitArg(L, 1, "bswap")
			return bitRet(L, b>>24|(b>>8)&0xff00|(b&0xff00)<<8|b<<24)
		},
		"tohex": func(L *glua.LState) int {
			b := bitArg(L, 1, "tohex")
			n := int32(8)
			if L.GetTop() >= 2 {
				n = int32(bitArg(L, 2, "tohex"))
			}
			digits := "0123456789abcdef"
			if n == math.MinInt32 {
				n = math.MinInt32 + 1
			}
			if n < 0 {
				n = -n
				digits = "0123456789ABCDEF"
			}
			if n > 8 {
				n = 8
			}
			buf := make([]byte, n)
			for i := int(n) - 1; i >= 0; i-- {
				buf[i] = digits[b&15]
				b >>= 4
			}
			L.Push(glua.LString(buf))
			return 1
		},
	})
	L.SetGlobal("bit", mod)
}

// bitArg converts argument i as LuaBitOp does: the number rounded to an
// integer by adding 2^52+2^51, keeping the low 32 bits.
func bitArg(L *glua.LState, i int, fname string) uint32 {
	v := L.Get(i)
	f, ok := ToNumber(v)
	b := uint32(math.Float64bits(f + 6755399441055744.0))
	if b == 0 && !ok {
		argTypeError(L, i, fname, "number", v)
	}
	return b
}

func bitRet(L *glua.LState, b uint32) int {
	L.Push(glua.LNumber(float64(int32(b))))
	return 1
}

// ToNumber is lua_tonumber: numbers, and strings that read as one.
func ToNumber(v glua.LValue) (float64, bool) {
	switch x := v.(type) {
	case glua.LNumber:
		return float64(x), true
	case glua.LString:
		// strtod (which reads hex too), then nothing but white space.
		s := string(x)
		f, n := strtod(s)
		if n == 0 {
			return 0, false
		}
		for ; n < len(s); n++ {
			if !cnum.IsSpace(s[n]) {
				return 0, false
			}
		}
		return f, true
	}
	return 0, false
}

// argTypeError raises C Lua's luaL_typerror.
func argTypeError(L *glua.LState, i int, fname, want string, got glua.LValue) {
	gotName := "no value"
	if i <= L.GetTop() {
		gotName = got.Type().String()
	}
	L.RaiseError("bad argument #%d to '%s' (%s expected, got %s)", i, fname, want, gotName)
}

// argError raises C Lua's luaL_argerror.
func argError(L *glua.LState, i int, fname, msg string) {
	L.RaiseError("bad argument #%d to '%s' (%s)", i, fname, msg)
}

// CheckNumber is luaL_checknumber: argument i of fname as a number, or
// the error C Lua raises.
func CheckNumber(L *glua.LState, i int, fname string) float64 {
	f, ok := ToNumber(L.Get(i))
	if !ok {
		argTypeError(L, i, fname, "number", L.Get(i))
	}
	return f
}

func checkString(L *glua.LState, i int, fname string) string {
	switch x := L.Get(i).(type) {
	case glua.LString:
		return string(x)
	case glua.LNumber:
		return FormatNumber(float64(x))
	}
	argTypeError(L, i, fname, "string", L.Get(i))
	return ""
}
