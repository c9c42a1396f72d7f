package luasyntax

import (
	"math/rand/v2"
	"net"
	"os"
	"strings"
	"testing"

	"github.com/volleydb/volley/engine/resp"
)

// TestCheckAgainstReference compares Check with a real Valkey on
// generated scripts: token soup, mutated valid scripts, byte soup for the
// lexer, and expression lists under register pressure near C Lua's
// limits. It runs only against a reference server:
//
//	VOLLEY_REF_ADDR=127.0.0.1:6379 go test ./engine/luasyntax -run Reference
//
// (SCRIPT LOAD compiles without running; SCRIPT FLUSH clears the cache
// afterwards.)
func TestCheckAgainstReference(t *testing.T) {
	addr := os.Getenv("VOLLEY_REF_ADDR")
	if addr == "" {
		t.Skip("needs VOLLEY_REF_ADDR, a Valkey 9.0 server")
	}
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	rd := resp.NewReader(c)
	call := func(args ...string) string {
		req := resp.AppendArrayLen(nil, len(args))
		for _, a := range args {
			req = resp.AppendBulkString(req, a)
		}
		if _, err := c.Write(req); err != nil {
			t.Fatal(err)
		}
		raw, err := rd.ReadRaw()
		if err != nil {
			t.Fatal(err)
		}
		return string(raw)
	}
	defer call("SCRIPT", "FLUSH")

	const prefix = "-ERR Error compiling script (new function): "
	r := rand.New(rand.NewPCG(1, 2))
	n := 20000
	if testing.Short() {
		n = 2000
	}
	bad := 0
	for i := 0; i < n; i++ {
		code := genScript(r)
		want := ""
		if reply := call("SCRIPT", "LOAD", code); reply[0] == '-' {
			want = strings.TrimSuffix(strings.TrimPrefix(reply, prefix), "\r\n")
		}
		got := ""
		if e := Check(code); e != nil {
			got = strings.NewReplacer("\r", " ", "\n", " ").Replace(e.Message("user_script")) // as an error reply shows it
		}
		if got != want {
			t.Errorf("%.200q:\n got %q\nwant %q", code, got, want)
			if bad++; bad == 20 {
				t.FailNow()
			}
		}
	}
}

var (
	genTokens = strings.Fields(`and break do else elseif end false for function if in
		local nil not or repeat return then true until while goto x y f t self arg
		1 2.5 0x10 's' "s" [[l]] ... .. == ~= <= >= < > = + - * / % ^ # ( ) { } [ ] ; : , .
		:: ~ @`)
	genSnippets = []string{
		"local x = 1 return x",
		"for i = 1, 10 do x = x + i end",
		"for k, v in pairs(t) do print(k, v) end",
		"while x < 10 do x = x + 1 if x == 5 then break end end",
		"repeat local y = x until y > 3",
		"local function f(a, b, ...) return a + b, ... end",
		"function t.a.b:c(x) return self.x + x end",
		"local t = {1, 2, x = 3, [4] = 5; 'a', f()}",
		"return f(x)(y){z}'w':m(1)",
		"if a then b() elseif c then d() else e() end",
		"x, y.z, t[1] = 1, 2",
		"do local a = function(...) return select('#', ...) end end",
		"return not a and b or c .. d ^ -e",
		"local a, b = (f()), {...}",
		"return #t + -x * 2 / 3 % 4",
	}
	genBytes = append(strings.Split("\"'\\[]=-\n\r 0123456789.eExXpP+abz_;,(){}#~<>:\t\f\v", ""),
		`\300`, `\255`, `\0`, "[[", "]]", "[==[", "]==]", "--", "--[[", "--[=[", "..", "...", "return ", "x=", "\x00", "\x7f", "\xff")
	genAtoms = strings.Fields(`x y a1 a2 1 2 0 -1 's' nil true false ... t.k t[1] t[x] f() f(x) t:m() {} {1,2} (x) (f()) 0/0 1/0 2^0.5 #t`)
	genOps   = strings.Fields(`+ - * / % ^ .. == ~= < <= > >= and or`)
)

func pick(r *rand.Rand, s []string) string { return s[r.IntN(len(s))] }

func genScript(r *rand.Rand) string {
	switch r.IntN(10) {
	case 0, 1, 2: // token soup
		toks := make([]string, 1+r.IntN(12))
		for i := range toks {
			toks[i] = pick(r, genTokens)
			if r.IntN(8) == 0 {
				toks[i] = "\n"
			}
		}
		return strings.Join(toks, " ")
	case 3, 4, 5: // a valid script, mutated
		var toks []string
		for range 1 + r.IntN(3) {
			toks = append(toks, strings.Fields(pick(r, genSnippets))...)
		}
		for range 1 + r.IntN(3) {
			i := r.IntN(len(toks))
			switch r.IntN(3) {
			case 0:
				toks = append(toks[:i], toks[i+1:]...)
			case 1:
				toks = append(toks[:i], append([]string{pick(r, genTokens)}, toks[i:]...)...)
			default:
				toks[i] = pick(r, genTokens)
			}
			if len(toks) == 0 {
				toks = []string{"x"}
			}
		}
		return strings.Join(toks, pick(r, []string{" ", " ", "\n"}))
	case 6, 7: // bytes for the lexer
		var b strings.Builder
		if r.IntN(2) == 0 {
			b.WriteString("return ")
		}
		for range 1 + r.IntN(16) {
			b.WriteString(pick(r, genBytes))
		}
		return b.String()
	default: // many registers: locals, then a list of expressions
		var b strings.Builder
		if k := r.IntN(200); k > 0 {
			b.WriteString("local " + names("a", k) + "\n")
		}
		exprs := make([]string, 1+r.IntN(80))
		for i := range exprs {
			exprs[i] = genExpr(r, r.IntN(5))
		}
		list := strings.Join(exprs, ", ")
		switch r.IntN(5) {
		case 0:
			b.WriteString("return " + list)
		case 1:
			b.WriteString("f(" + list + ")")
		case 2:
			b.WriteString("local z1, z2 = " + list)
		case 3:
			b.WriteString("t[a1], a2, t.x = " + list)
		default:
			b.WriteString("x = {" + list + "}")
		}
		return b.String()
	}
}

func genExpr(r *rand.Rand, depth int) string {
	if depth == 0 || r.IntN(4) == 0 {
		return pick(r, genAtoms)
	}
	sub := func() string { return genExpr(r, depth-1) }
	switch r.IntN(8) {
	case 0, 1, 2:
		return sub() + " " + pick(r, genOps) + " " + sub()
	case 3:
		return pick(r, []string{"not ", "-", "#"}) + sub()
	case 4:
		return "(" + sub() + ")"
	case 5:
		return "f(" + sub() + ", " + sub() + ")"
	case 6:
		return "(" + sub() + "):m(" + sub() + ")"
	}
	return "{" + sub() + ", k = " + sub() + ", [" + sub() + "] = " + sub() + "}"
}
