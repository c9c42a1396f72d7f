package lua

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	glua "github.com/yuin/gopher-lua"

	"github.com/volleydb/volley/engine/cnum"
)

// cjson: lua-cjson 2.1's encode and decode with its defaults as Valkey
// ships them: numbers with 14 significant digits, excessively sparse
// arrays refused, nesting limited to 1000 both ways, NaN and Inf refused
// when encoding, and "/" escaped.

const jsonMaxDepth = 1000

// jsonNull is cjson.null, a light userdata in C that encodes as null.
var jsonNull = &glua.LUserData{}

// cjsonConfig is the per-state configuration the cfg functions change.
type cjsonConfig struct {
	sparseConvert bool
	sparseRatio   int
	sparseSafe    int
	encodeDepth   int
	decodeDepth   int
	precision     int
	encodeInvalid int // 0 refuse, 1 allow, 2 null
	decodeInvalid bool
}

func openCjson(L *glua.LState) {
	cfg := &cjsonConfig{sparseRatio: 2, sparseSafe: 10, encodeDepth: jsonMaxDepth, decodeDepth: jsonMaxDepth, precision: 14, decodeInvalid: true}
	mod := L.NewTable()
	L.SetFuncs(mod, map[string]glua.LGFunction{
		"encode": func(L *glua.LState) int { return cfg.encode(L) },
		"decode": func(L *glua.LState) int { return cfg.decode(L) },
		"encode_sparse_array": func(L *glua.LState) int {
			if L.GetTop() >= 1 && L.Get(1) != glua.LNil {
				cfg.sparseConvert = L.ToBool(1)
			}
			if L.GetTop() >= 2 {
				cfg.sparseRatio = L.CheckInt(2)
			}
			if L.GetTop() >= 3 {
				cfg.sparseSafe = L.CheckInt(3)
			}
			L.Push(glua.LBool(cfg.sparseConvert))
			L.Push(glua.LNumber(cfg.sparseRatio))
			L.Push(glua.LNumber(cfg.sparseSafe))
			return 3
		},
		"encode_max_depth": func(L *glua.LState) int {
			if L.GetTop() >= 1 {
				cfg.encodeDepth = L.CheckInt(1)
			}
			L.Push(glua.LNumber(cfg.encodeDepth))
			return 1
		},
		"decode_max_depth": func(L *glua.LState) int {
			if L.GetTop() >= 1 {
				cfg.decodeDepth = L.CheckInt(1)
			}
			L.Push(glua.LNumber(cfg.decodeDepth))
			return 1
		},
		"encode_number_precision": func(L *glua.LState) int {
			if L.GetTop() >= 1 {
				p := L.CheckInt(1)
				if p < 1 || p > 14 {
					L.ArgError(1, "expected integer between 1 and 14")
				}
				cfg.precision = p
			}
			L.Push(glua.LNumber(cfg.precision))
			return 1
		},
		"encode_keep_buffer": func(L *glua.LState) int { L.Push(glua.LTrue); return 1 },
		"encode_invalid_numbers": func(L *glua.LState) int {
			if L.GetTop() >= 1 {
				switch v := L.Get(1).(type) {
				case glua.LBool:
					cfg.encodeInvalid = 0
					if v {
						cfg.encodeInvalid = 1
					}
				case glua.LString:
					if v == "null" {
						cfg.encodeInvalid = 2
					}
				}
			}
			switch cfg.encodeInvalid {
			case 1:
				L.Push(glua.LTrue)
			case 2:
				L.Push(glua.LString("null"))
			default:
				L.Push(glua.LFalse)
			}
			return 1
		},
		"decode_invalid_numbers": func(L *glua.LState) int {
			if L.GetTop() >= 1 {
				cfg.decodeInvalid = L.ToBool(1)
			}
			L.Push(glua.LBool(cfg.decodeInvalid))
			return 1
		},
	})
	mod.RawSetString("null", jsonNull)
	mod.RawSetString("_NAME", glua.LString("cjson"))
	mod.RawSetString("_VERSION", glua.LString("2.1.0"))
	L.SetGlobal("cjson", mod)
}

func (cfg *cjsonConfig) encode(L *glua.LState) int {
	if L.GetTop() != 1 {
		L.RaiseError("bad argument #1 to 'encode' (expected 1 argument)")
	}
	var b []byte
	b = cfg.appendValue(L, b, L.Get(1), 0)
	L.Push(glua.LString(b))
	return 1
}

func typeName(v glua.LValue) string {
	if v == jsonNull {
		return "userdata"
	}
	return v.Type().String()
}

func (cfg *cjsonConfig) appendValue(L *glua.LState, b []byte, v glua.LValue, depth int) []byte {
	switch x := v.(type) {
	case glua.LString:
		return appendJSONString(b, string(x))
	case glua.LNumber:
		return cfg.appendNumber(L, b, float64(x), v)
	case glua.LBool:
		if x {
			return append(b, "true"...)
		}
		return append(b, "false"...)
	case *glua.LNilType:
		return append(b, "null"...)
	case *glua.LTable:
		depth++
		if depth > cfg.encodeDepth {
			L.RaiseError("Cannot serialise, excessive nesting (%d)", depth)
		}
		n := cfg.arrayLength(L, x)
		if n > 0 {
			b = append(b, '[')
			for i := 1; i <= n; i++ {
				if i > 1 {
					b = append(b, ',')
				}
				b = cfg.appendValue(L, b, x.RawGetInt(i), depth)
			}
			return append(b, ']')
		}
		b = append(b, '{')
		first := true
		k, val := x.Next(glua.LNil)
		for k != glua.LNil {
			if !first {
				b = append(b, ',')
			}
			first = false
			switch kk := k.(type) {
			case glua.LNumber:
				b = append(b, '"')
				b = cfg.appendNumber(L, b, float64(kk), k)
				b = append(b, '"', ':')
			case glua.LString:
				b = appendJSONString(b, string(kk))
				b = append(b, ':')
			default:
				L.RaiseError("Cannot serialise %s: table key must be a number or string", typeName(k))
			}
			b = cfg.appendValue(L, b, val, depth)
			k, val = x.Next(k)
		}
		return append(b, '}')
	case *glua.LUserData:
		if x == jsonNull {
			return append(b, "null"...)
		}
	}
	L.RaiseError("Cannot serialise %s: type not supported", typeName(v))
	return b
}

func (cfg *cjsonConfig) appendNumber(L *glua.LState, b []byte, f float64, v glua.LValue) []byte {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		switch cfg.encodeInvalid {
		case 0:
			L.RaiseError("Cannot serialise %s: must not be NaN or Inf", typeName(v))
		case 1:
			if math.IsNaN(f) {
				return append(b, "nan"...)
			}
		default:
			return append(b, "null"...)
		}
	}
	return AppendNumberPrec(b, f, cfg.precision)
}

// arrayLength is lua_array_length: the array size of a table whose keys
// are all positive integers, 0 for an empty table, -1 for an object; an
// excessively sparse array is an error (or an object, if so configured).
func (cfg *cjsonConfig) arrayLength(L *glua.LState, t *glua.LTable) int {
	max, items := 0, 0
	k, _ := t.Next(glua.LNil)
	for k != glua.LNil {
		n, ok := k.(glua.LNumber)
		f := float64(n)
		if !ok || f == 0 || math.Floor(f) != f || f < 1 {
			return -1
		}
		if f > float64(max) {
			max = int(f)
		}
		items++
		k, _ = t.Next(k)
	}
	if cfg.sparseRatio > 0 && max > items*cfg.sparseRatio && max > cfg.sparseSafe {
		if !cfg.sparseConvert {
			L.RaiseError("Cannot serialise table: excessively sparse array")
		}
		return -1
	}
	return max
}

const hexDigits = "0123456789abcdef"

func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			b = append(b, '\\', '"')
		case c == '\\':
			b = append(b, '\\', '\\')
		case c == '/':
			b = append(b, '\\', '/')
		case c == '\b':
			b = append(b, '\\', 'b')
		case c == '\t':
			b = append(b, '\\', 't')
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\f':
			b = append(b, '\\', 'f')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c < 0x20 || c == 0x7f:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&15])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// JSON decoding.

type jsonTokType int

const (
	tObjBegin jsonTokType = iota
	tObjEnd
	tArrBegin
	tArrEnd
	tString
	tNumber
	tBoolean
	tNull
	tColon
	tComma
	tEnd
	tWhitespace
	tError
	tUnknown
)

// jsonPunct is the token of each one-byte punctuation token.
var jsonPunct = [256]jsonTokType{'{': tObjBegin, '}': tObjEnd, '[': tArrBegin, ']': tArrEnd, ':': tColon, ',': tComma}

var jsonTokNames = [...]string{"T_OBJ_BEGIN", "T_OBJ_END", "T_ARR_BEGIN", "T_ARR_END", "T_STRING", "T_NUMBER", "T_BOOLEAN", "T_NULL", "T_COLON", "T_COMMA", "T_END", "T_WHITESPACE", "T_ERROR", "T_UNKNOWN"}

type jsonToken struct {
	typ   jsonTokType
	index int
	str   string
	num   float64
	b     bool
	err   string
}

type jsonParser struct {
	L     *glua.LState
	cfg   *cjsonConfig
	data  string
	pos   int
	depth int
}

func (cfg *cjsonConfig) decode(L *glua.LState) int {
	if L.GetTop() != 1 {
		L.RaiseError("bad argument #1 to 'decode' (expected 1 argument)")
	}
	s := L.CheckString(1)
	// C stops at a NUL byte.
	if i := strings.IndexByte(s, 0); i >= 0 {
		s = s[:i]
	}
	if len(s) >= 2 && (s[0] == 0 || s[1] == 0) {
		L.RaiseError("JSON parser does not support UTF-16 or UTF-32")
	}
	p := &jsonParser{L: L, cfg: cfg, data: s}
	var tok jsonToken
	p.next(&tok)
	v := p.value(&tok)
	p.next(&tok)
	if tok.typ != tEnd {
		p.throw("the end", &tok)
	}
	L.Push(v)
	return 1
}

func (p *jsonParser) throw(exp string, tok *jsonToken) {
	found := jsonTokNames[tok.typ]
	if tok.typ == tError {
		found = tok.err
	}
	p.L.RaiseError("Expected %s but found %s at character %d", exp, found, tok.index+1)
}

func (p *jsonParser) descend() {
	p.depth++
	if p.depth > p.cfg.decodeDepth {
		p.L.RaiseError("Found too many nested data structures (%d) at character %d", p.depth, p.pos)
	}
}

func (p *jsonParser) value(tok *jsonToken) glua.LValue {
	switch tok.typ {
	case tString:
		return glua.LString(tok.str)
	case tNumber:
		return glua.LNumber(tok.num)
	case tBoolean:
		return glua.LBool(tok.b)
	case tObjBegin:
		return p.object()
	case tArrBegin:
		return p.array()
	case tNull:
		return jsonNull
	}
	p.throw("value", tok)
	return nil
}

func (p *jsonParser) object() glua.LValue {
	p.descend()
	t := p.L.NewTable()
	var tok jsonToken
	p.next(&tok)
	if tok.typ == tObjEnd {
		p.depth--
		return t
	}
	for {
		if tok.typ != tString {
			p.throw("object key string", &tok)
		}
		key := tok.str
		p.next(&tok)
		if tok.typ != tColon {
			p.throw("colon", &tok)
		}
		p.next(&tok)
		t.RawSetString(key, p.value(&tok))
		p.next(&tok)
		if tok.typ == tObjEnd {
			p.depth--
			return t
		}
		if tok.typ != tComma {
			p.throw("comma or object end", &tok)
		}
		p.next(&tok)
	}
}

func (p *jsonParser) array() glua.LValue {
	p.descend()
	t := p.L.NewTable()
	var tok jsonToken
	p.next(&tok)
	if tok.typ == tArrEnd {
		p.depth--
		return t
	}
	for i := 1; ; i++ {
		t.RawSetInt(i, p.value(&tok))
		p.next(&tok)
		if tok.typ == tArrEnd {
			p.depth--
			return t
		}
		if tok.typ != tComma {
			p.throw("comma or array end", &tok)
		}
		p.next(&tok)
	}
}

func (p *jsonParser) setErr(tok *jsonToken, msg string) {
	tok.typ = tError
	tok.index = p.pos
	tok.err = msg
}

func (p *jsonParser) next(tok *jsonToken) {
	*tok = jsonToken{}
	d := p.data
	for p.pos < len(d) && (d[p.pos] == ' ' || d[p.pos] == '\t' || d[p.pos] == '\n' || d[p.pos] == '\r') {
		p.pos++
	}
	tok.index = p.pos
	if p.pos >= len(d) {
		tok.typ = tEnd
		return
	}
	ch := d[p.pos]
	rest := d[p.pos:]
	switch {
	case ch == '{', ch == '}', ch == '[', ch == ']', ch == ':', ch == ',':
		tok.typ = jsonPunct[ch]
		p.pos++
	case ch == '"':
		p.stringToken(tok)
	case ch == '-' || ch >= '0' && ch <= '9':
		if !p.cfg.decodeInvalid && invalidJSONNumber(rest) {
			p.setErr(tok, "invalid number")
			return
		}
		p.numberToken(tok)
	case strings.HasPrefix(rest, "true"):
		tok.typ, tok.b = tBoolean, true
		p.pos += 4
	case strings.HasPrefix(rest, "false"):
		tok.typ = tBoolean
		p.pos += 5
	case strings.HasPrefix(rest, "null"):
		tok.typ = tNull
		p.pos += 4
	case p.cfg.decodeInvalid && invalidJSONNumber(rest):
		p.numberToken(tok)
	default:
		p.setErr(tok, "invalid token")
	}
}

func invalidJSONNumber(p string) bool {
	if p == "" {
		return false
	}
	if p[0] == '+' {
		return true
	}
	if p[0] == '-' {
		p = p[1:]
	}
	if p == "" {
		return false
	}
	if p[0] == '0' {
		if len(p) > 1 && ((p[1]|0x20) == 'x' || p[1] >= '0' && p[1] <= '9') {
			return true
		}
		return false
	} else if p[0] <= '9' {
		return false
	}
	l := strings.ToLower(p[:min(3, len(p))])
	return l == "inf" || l == "nan"
}

func (p *jsonParser) numberToken(tok *jsonToken) {
	f, n := strtod(p.data[p.pos:])
	if n == 0 {
		p.setErr(tok, "invalid number")
		return
	}
	tok.typ, tok.num = tNumber, f
	p.pos += n
}

func (p *jsonParser) stringToken(tok *jsonToken) {
	d := p.data
	p.pos++
	var sb []byte
	for {
		if p.pos >= len(d) {
			p.setErr(tok, "unexpected end of string")
			return
		}
		ch := d[p.pos]
		if ch == '"' {
			break
		}
		if ch == '\\' {
			var esc byte
			if p.pos+1 < len(d) {
				esc = d[p.pos+1]
			}
			switch esc {
			case '"', '\\', '/':
				ch = esc
			case 'b':
				ch = '\b'
			case 'f':
				ch = '\f'
			case 'n':
				ch = '\n'
			case 'r':
				ch = '\r'
			case 't':
				ch = '\t'
			case 'u':
				r, used := parseUnicodeEscape(d[p.pos:])
				if used == 0 {
					p.setErr(tok, "invalid unicode escape code")
					return
				}
				sb = utf8.AppendRune(sb, r)
				p.pos += used
				continue
			default:
				p.setErr(tok, "invalid escape code")
				return
			}
			p.pos++
		}
		sb = append(sb, ch)
		p.pos++
	}
	p.pos++
	tok.typ, tok.str = tString, string(sb)
}

// parseUnicodeEscape reads \uXXXX (and a following low surrogate) and
// returns the code point and the bytes used, 0 if invalid.
func parseUnicodeEscape(s string) (rune, int) {
	hex4 := func(s string) (rune, bool) {
		if len(s) < 6 || s[0] != '\\' || s[1] != 'u' {
			return 0, false
		}
		v, err := strconv.ParseUint(s[2:6], 16, 32)
		return rune(v), err == nil
	}
	r, ok := hex4(s)
	if !ok {
		return 0, 0
	}
	if r >= 0xDC00 && r <= 0xDFFF {
		return 0, 0
	}
	if r >= 0xD800 && r <= 0xDBFF {
		lo, ok := hex4(s[6:])
		if !ok || lo < 0xDC00 || lo > 0xDFFF {
			return 0, 0
		}
		return 0x10000 + (r-0xD800)<<10 + (lo - 0xDC00), 12
	}
	return r, 6
}

// strtod is C's strtod on the front of s (cnum.Strtod), returning the
// number and the bytes it took (0: none). Only the run of bytes a number
// can be spelt with is handed over, so that reading a number inside a
// long document copies that number and not the rest of the document.
func strtod(s string) (float64, int) {
	n := 0
	for n < len(s) && cnum.IsSpace(s[n]) {
		n++
	}
	for n < len(s) && numberByte(s[n]) {
		n++
	}
	f, used, _ := cnum.Strtod([]byte(s[:n]))
	return f, used
}

// numberByte reports whether c can be part of what strtod reads: digits,
// letters (hex digits, exponents, inf, nan), point, signs and the
// parentheses and underscores of "nan(chars)".
func numberByte(c byte) bool {
	return c >= '0' && c <= '9' || c|0x20 >= 'a' && c|0x20 <= 'z' || c == '.' || c == '+' || c == '-' || c == '_' || c == '(' || c == ')'
}
