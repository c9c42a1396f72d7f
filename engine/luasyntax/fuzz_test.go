package luasyntax

import (
	"strings"
	"testing"

	glua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"
)

// gopherCompiles is whether gopher-lua (with Volley's Lua 5.1 lexer)
// parses and compiles code.
func gopherCompiles(code string) (bool, error) {
	chunk, err := parse.Parse(strings.NewReader(code), "fuzz")
	if err == nil {
		_, err = glua.Compile(chunk, "fuzz")
	}
	return err == nil, err
}

// stricterThanGopher is whether e is one of the errors C Lua raises where
// gopher-lua's grammar or compiler accepts the script: the cases Check
// exists to catch, each in TestCheck or TestCheckLimits.
func stricterThanGopher(e *Error) bool {
	for _, m := range []string{
		"ambiguous syntax (function call x new statement)", // gopher-lua checks only after ')'
		"syntax error",               // "(f())" as a statement
		"unexpected symbol near ';'", // an empty statement, or {1;;2}
		"unexpected symbol near ','", // {1,,2}: gopher-lua takes separators in a row
		"chunk has too many syntax levels",
		"function or expression too complex",
		" has more than ",
	} {
		if strings.Contains(e.Msg, m) {
			return true
		}
	}
	return false
}

// FuzzCheck: Check never panics (nor breaks lparser.c's register
// invariants, which TestMain turns on), never refuses a script gopher-lua
// compiles unless Lua 5.1 refuses it for a reason gopher-lua does not
// know, and never passes one gopher-lua cannot compile, which would reach
// the user with gopher-lua's words.
func FuzzCheck(f *testing.F) {
	for _, c := range checkCases {
		f.Add(c.code)
	}
	for _, s := range []string{
		"local t = {1, 2, x = 3, [4] = 5; 'a', f()} return t",
		"for i = 1, 10, 2 do local x = i * 2 if x > 5 then break end end",
		"local function f(a, ...) local g = function() return a end return g, ... end",
		"while x do x = x.next end repeat y = y - 1 until y <= 0",
		"a, b.c, d[e] = f(), g:h(1)('s'){t}",
		"return not a == b and c or d .. e .. f ^ -g ^ h",
		"return [==[\nlong]]string]==], 'esc\\n\\065\\\n', 0x1F, 1e-3, .5",
		"--[[ comment ]] -- line\nreturn #t % 3",
		"local a <close> = 1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, code string) {
		e := Check(code)
		ok, gerr := gopherCompiles(code)
		switch {
		case e != nil && ok && !stricterThanGopher(e):
			t.Fatalf("Check(%q) = %v, but gopher-lua compiles it", code, e)
		case e == nil && !ok:
			t.Fatalf("Check(%q) passes it, but gopher-lua fails: %v", code, gerr)
		}
	})
}
