package luasyntax

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

func TestMain(m *testing.M) {
	checkInvariants = true
	os.Exit(m.Run())
}

// checkCases hold the messages Valkey 9.0.4 (C Lua 5.1.5) gives, less
// its "user_script:" prefix; "" for a script it compiles.
var checkCases = []struct{ code, want string }{
	// Tokens missing, named as error_expected names them.
	{"x 5", "1: '=' expected near '5'"},
	{"local t = {} t.x 5", "1: '=' expected near '5'"},
	{"for i 1,2 do end", "1: '=' or 'in' expected near '1'"},
	{"if x then", "1: 'end' expected near '<eof>'"},
	{"return (1", "1: ')' expected near '<eof>'"},
	{"local function 5", "1: '<name>' expected near '5'"},
	{"return {1,2", "1: '}' expected near '<eof>'"},
	{"while true do", "1: 'end' expected near '<eof>'"},
	{"return a.b.", "1: '<name>' expected near '<eof>'"},
	{"for i=1 do end", "1: ',' expected near 'do'"},
	{"for a,b = 1 do end", "1: 'in' expected near '='"},
	{"function f(1) end", "1: <name> or '...' expected near '1'"},
	{"return f:m", "1: function arguments expected near '<eof>'"},
	{"local 5", "1: '<name>' expected near '5'"},
	{"return 1 end", "1: '<eof>' expected near 'end'"},
	{"return x[1", "1: ']' expected near '<eof>'"},
	{"for i = 1, 2, 3, 4 do end", "1: 'do' expected near ','"},
	{"function a.b.c:d.e() end", "1: '(' expected near '.'"},
	{"while 1 do break x = 1 end", "1: 'end' expected near 'x'"},
	{"return {x y}", "1: '}' expected near 'y'"},
	{"return {[1]}", "1: '=' expected near '}'"},
	{"return 1;;", "1: '<eof>' expected near ';'"},
	// "unexpected symbol" and "syntax error".
	{"f(", "1: unexpected symbol near '<eof>'"},
	{"return 1 +", "1: unexpected symbol near '<eof>'"},
	{"repeat until", "1: unexpected symbol near '<eof>'"},
	{"local x = = 2", "1: unexpected symbol near '='"},
	{";", "1: unexpected symbol near ';'"},
	{"x = 1;;", "1: unexpected symbol near ';'"},
	{"return ~", "1: unexpected symbol near '~'"},
	{"return a // b", "1: unexpected symbol near '/'"},
	{"A{0,,}", "1: unexpected symbol near ','"},
	{"return {1;;2}", "1: unexpected symbol near ';'"},
	{"return 1 \x01", "1: '<eof>' expected near 'char(1)'"},
	{"return 1 \xc3", "1: '<eof>' expected near '\xc3'"},
	{"return \x00", "1: unexpected symbol"}, // token 0 is no token to be near
	{"(print())", "1: syntax error near '<eof>'"},
	{"(a) = 1", "1: syntax error near '='"},
	{"a, f() = 1", "1: syntax error near '='"},
	{"f()\n(g)()", "2: ambiguous syntax (function call x new statement) near '('"},
	{"x = y --c\n(f)()", "2: ambiguous syntax (function call x new statement) near '('"},
	// goto is a name, :: two colons.
	{"goto x", "1: '=' expected near 'x'"},
	{"::x::", "1: unexpected symbol near ':'"},
	{"local goto = 1 return goto", ""},
	{"local t = {goto = 2} return t.goto", ""},
	// Semantic errors.
	{"function f() return ... end", "1: cannot use '...' outside a vararg function near '...'"},
	{"break", "1: no loop to break near '<eof>'"},
	{"x = function() break end", "1: no loop to break near 'end'"},
	{"return function(a, ...) return ... end", ""},
	// Lines, and the opener's line when the closer is on another one.
	{"if x then\n", "2: 'end' expected (to close 'if' at line 1) near '<eof>'"},
	{"if x then\nelse\nelseif", "3: 'end' expected (to close 'if' at line 1) near 'elseif'"},
	{"function f()\n\nreturn 1", "3: 'end' expected (to close 'function' at line 1) near '<eof>'"},
	{"local t = {\n1,\n2\n", "4: '}' expected (to close '{' at line 1) near '<eof>'"},
	{"f(1,\n2\n", "3: ')' expected (to close '(' at line 1) near '<eof>'"},
	{"x = 'a\\\nb' y", "2: '=' expected near '<eof>'"},
	{"x = 1\r\n\r\ny", "3: '=' expected near '<eof>'"},
	// The lexer.
	{`return "\300"`, `1: escape sequence too large near '"'`},
	{`return "ab\300"`, `1: escape sequence too large near '"ab'`},
	{`return "\255"`, ""},
	{"return \"abc", "1: unfinished string near '<eof>'"},
	{"return \"abc\ndef\"", "1: unfinished string near '\"abc'"},
	{"return [==[abc]=]", "1: unfinished long string near '<eof>'"},
	{"return [[\nabc", "2: unfinished long string near '<eof>'"},
	{"--[==[ abc", "1: unfinished long comment near '<eof>'"},
	{"--[=x\nreturn 1", ""},
	{"return [=x", "1: invalid long string delimiter near '[='"},
	{"return [[a[[b]]", ""}, // Valkey's skip_sep never sees the nesting
	{"return 0x", "1: malformed number near '0x'"},
	{"return 3..2", "1: malformed number near '3..2'"},
	{"return 0xfg", "1: malformed number near '0xfg'"},
	{"return 1_000", "1: malformed number near '1_000'"},
	{"return 1 x", "1: '<eof>' expected near 'x'"},
	{"return 'a\\0b' x", "1: '<eof>' expected near 'x'"},
	{"return 1 'a\\0b'", "1: '<eof>' expected near ''a'"}, // a C string ends at its NUL
	{"return 'a\\0b'.x", "1: '<eof>' expected near '.'"},
	{"return 3\x00", ""}, // check_next takes a NUL for the exponent mark
	{"return 3\x00yy z", "1: '<eof>' expected near 'z'"},
	{"return ..\x00", ""}, // and "..\x00" as "..."
	{"return ..\x00\x00", "1: '<eof>' expected"},
	{"return\f1\v", ""},
	// Valid scripts.
	{"local a = {f = function(self) return self end} return a:f()", ""},
	{"return ('x'):upper()", ""},
	{"f{}.x = 1", ""},
	{"return 2^-3^2, - - 1, not not nil, #t", ""},
	{"local function f(a, b, ...) return ... end return f(1,2,3)", ""},
	{"function a.b.c:d(x) return self end", ""},
	{"for k, v in pairs(t) do if k then break end end", ""},
	{"repeat local x = 1 until x == 1", ""},
	{"return 1 --[=[ ok ]=] + 2", ""},
}

func TestCheck(t *testing.T) { expectChecks(t, checkCases) }

// expectChecks checks that Check finds each case's error ("" for none),
// as Error words it.
func expectChecks(t *testing.T, cases []struct{ code, want string }) {
	t.Helper()
	for _, c := range cases {
		got := ""
		if e := Check(c.code); e != nil {
			got = e.Error()
		}
		if got != c.want {
			t.Errorf("Check(%.60q) = %q, want %q", c.code, got, c.want)
		}
	}
}

func names(prefix string, n int) string {
	s := make([]string, n)
	for i := range s {
		s[i] = prefix + strconv.Itoa(i)
	}
	return strings.Join(s, ",")
}

// TestCheckLimits: where C Lua's limits fall, checked against Valkey.
func TestCheckLimits(t *testing.T) {
	parens := func(n int) string { return "return " + strings.Repeat("(", n) + "1" + strings.Repeat(")", n) }
	ones := func(n int) string { return strings.TrimSuffix(strings.Repeat("1,", n), ",") }
	upvals := func(n int) string {
		return "local " + names("u", n) + "\nreturn function() return " + names("u", n) + " end"
	}
	cases := []struct{ code, want string }{
		{parens(198), ""},
		{parens(199), "1: chunk has too many syntax levels"},
		{"local " + names("a", 200), ""},
		{"local " + names("a", 201), "1: main function has more than 200 local variables"},
		{"local x = function() local " + names("a", 201) + " end", "1: function at line 1 has more than 200 local variables"},
		{upvals(60), ""},
		{upvals(61), "2: function at line 2 has more than 60 upvalues"},
		{"return " + ones(249), ""},
		{"return " + ones(250), "1: function or expression too complex near '<eof>'"},
		{"return " + ones(251), "1: function or expression too complex near '1'"},
		{"return f(" + ones(248) + ")", ""},
		{"return f(" + ones(249) + ")", "1: function or expression too complex near '<eof>'"},
		{names("a", 200) + " = 1", ""},
		{names("a", 201) + " = 1", "1: main function has more than 199 variables in assignment"},
		{"do " + names("a", 199) + " = 1 end", ""},
		{"do " + names("a", 200) + " = 1 end", "1: main function has more than 198 variables in assignment"},
	}
	expectChecks(t, cases)
}

// TestCheckGrowth: the arrays C Lua's allocator refuses to grow, whose
// errors name no chunk or line (checked against Valkey).
func TestCheckGrowth(t *testing.T) {
	if testing.Short() {
		t.Skip("megabytes of script")
	}
	consts := func(n int) string {
		var b strings.Builder
		b.WriteString("local t = {")
		for i := range n {
			b.WriteString("'" + strconv.Itoa(i) + "',")
		}
		return b.String() + "}"
	}
	cases := []struct{ code, want string }{
		{strings.Repeat("do local a end\n", 32767), ""},
		{strings.Repeat("do local a end\n", 32768), "too many local variables"},
		{consts(262143), ""},
		{consts(262144), "constant table overflow"},
		{"local t = {" + strings.Repeat("function() end,", 262143) + "}", ""},
		{"local t = {" + strings.Repeat("function() end,", 262144) + "}", "constant table overflow"},
	}
	for _, c := range cases {
		got := ""
		if e := Check(c.code); e != nil {
			got = e.Message("user_script")
		}
		if got != c.want {
			t.Errorf("Check(%.40q...) = %q, want %q", c.code, got, c.want)
		}
	}
}

// loadstring called by a script runs one level down (two under pcall).
func TestCheckDepth(t *testing.T) {
	code := "return " + strings.Repeat("(", 197) + "1" + strings.Repeat(")", 197)
	if e := CheckDepth(code, 1); e != nil {
		t.Errorf("197 parentheses one level down: %v", e)
	}
	if e := CheckDepth(code, 2); e == nil || e.Msg != "chunk has too many syntax levels" {
		t.Errorf("197 parentheses two levels down: %v", e)
	}
}

func BenchmarkCheck(b *testing.B) {
	var sb strings.Builder
	for i := 0; i < 50; i++ {
		sb.WriteString("local function f" + strconv.Itoa(i) + "(a, b, ...)\n")
		sb.WriteString("  local t = {a, b, x = 'y', [a] = b, ...}\n")
		sb.WriteString("  for i = 1, #t do if t[i] ~= nil and i % 2 == 0 then t.x = t.x .. i end end\n")
		sb.WriteString("  return redis.call('SET', KEYS[1], t.x), select('#', ...)\nend\n")
	}
	code := sb.String()
	b.SetBytes(int64(len(code)))
	b.ReportAllocs()
	for b.Loop() {
		if e := Check(code); e != nil {
			b.Fatal(e)
		}
	}
}
