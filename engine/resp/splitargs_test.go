package resp

import (
	"bytes"
	"testing"
)

func TestSplitArgs(t *testing.T) {
	tests := []struct {
		in   string
		want string // rendered as by render; "error" for ErrUnbalancedQuotes
	}{
		{"", `[]`},
		{"   \t\r\n\v\f ", `[]`},
		{"set key value", `["set" "key" "value"]`},
		{"  a\t\tb  ", `["a" "b"]`},
		{"a\vb \fc", `["a\vb" "c"]`}, // VT and FF separate only between arguments
		{`"hello world"`, `["hello world"]`},
		{`""`, `[""]`},
		{`'' ""`, `["" ""]`},
		{`"\n\r\t\b\a\\\"\q"`, `["\n\r\t\b\a\\\"q"]`},
		{`"\x41\x4a\x4A\x00\xff"`, `["AJJ\x00\xff"]`},
		{`"\x4" "\xZZ" "\x"`, `["x4" "xZZ" "x"]`},
		{`'\'' '\n' 'a\b' 'a"b'`, `["'" "\\n" "a\\b" "a\"b"]`},
		{`'\\'`, "error"}, // the second backslash escapes the quote
		{`"a"b`, `["ab"]`},
		{`a"b c"d`, `["ab cd"]`},
		{`'a'"b"c 'd'`, `["abc" "d"]`},
		{`it\'s`, "error"}, // a backslash is literal outside quotes
		{"a\\ b", `["a\\" "b"]`},
		{`"unterminated`, "error"},
		{`'unterminated`, "error"},
		{`"ends with backslash\`, "error"},
		{`'ends with escaped quote\'`, "error"},
		{`ok "bad`, "error"},
		{`it's`, "error"},
		{"a\x00b c", `["a"]`},
		{"\"a\x00b\"", "error"},
		{"\x00 a", `[]`},
	}
	for _, tt := range tests {
		in := []byte(tt.in)
		args, err := SplitArgs(in)
		got := render([][][]byte{args})
		if err != nil {
			got = "error"
			if err != ErrUnbalancedQuotes || args != nil {
				t.Errorf("SplitArgs(%q) = %q, %v; want nil, ErrUnbalancedQuotes", tt.in, args, err)
			}
		}
		if got != tt.want {
			t.Errorf("SplitArgs(%q) = %s, want %s", tt.in, got, tt.want)
		}
		if string(in) != tt.in {
			t.Errorf("SplitArgs(%q) modified its input to %q", tt.in, in)
		}
	}
}

// splitModel is a deliberately plain restatement of the splitting rules,
// building each argument in a fresh slice, to check the in-place decoder.
func splitModel(line []byte) ([][]byte, bool) {
	if i := bytes.IndexByte(line, 0); i >= 0 {
		line = line[:i]
	}
	at := func(i int) byte {
		if i < len(line) {
			return line[i]
		}
		return 0
	}
	args := [][]byte{}
	i := 0
	for {
		for isSpace(at(i)) {
			i++
		}
		if i >= len(line) {
			return args, true
		}
		arg := []byte{}
		quote := byte(0)
		for {
			c := at(i)
			if quote == 0 {
				if c == 0 || c == ' ' || c == '\t' || c == '\n' || c == '\r' {
					break
				}
				if c == '"' || c == '\'' {
					quote = c
				} else {
					arg = append(arg, c)
				}
				i++
				continue
			}
			switch {
			case c == 0:
				return nil, false
			case c == quote:
				quote = 0
				i++
			case quote == '\'' && c == '\\' && at(i+1) == '\'':
				arg = append(arg, '\'')
				i += 2
			case quote == '"' && c == '\\' && at(i+1) == 'x' && isHex(at(i+2)) && isHex(at(i+3)):
				arg = append(arg, unhex(at(i+2))*16+unhex(at(i+3)))
				i += 4
			case quote == '"' && c == '\\' && at(i+1) != 0:
				e := at(i + 1)
				if j := bytes.IndexByte([]byte("nrtba"), e); j >= 0 {
					e = "\n\r\t\b\a"[j]
				}
				arg = append(arg, e)
				i += 2
			default:
				arg = append(arg, c)
				i++
			}
		}
		args = append(args, arg)
	}
}

func FuzzSplitArgs(f *testing.F) {
	for _, s := range []string{
		`set "a b" 'c'`, `"\x41\n\"" '\''`, `a"b c"'d'e`, `"open`, "a\x00b", "\v\f\t",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		orig := bytes.Clone(line)
		args, err := SplitArgs(line)
		if !bytes.Equal(line, orig) {
			t.Fatalf("input modified")
		}
		want, ok := splitModel(line)
		if ok != (err == nil) || (ok && render([][][]byte{args}) != render([][][]byte{want})) {
			t.Fatalf("SplitArgs(%q) = %q, %v; model says %q, %v", line, args, err, want, ok)
		}
		if err != nil {
			return
		}
		// Quoting the arguments and splitting again gives them back.
		var quoted []byte
		for _, a := range args {
			quoted = appendQuoted(append(quoted, ' '), a)
		}
		again, err := SplitArgs(quoted)
		if err != nil || render([][][]byte{again}) != render([][][]byte{args}) {
			t.Fatalf("round trip of %q via %q = %q, %v", args, quoted, again, err)
		}
		// The inline parser decodes in place to the same arguments.
		if len(line) > 0 && line[0] != '*' && !bytes.ContainsAny(line, "\n\x00") {
			var p Parser
			argv, n, err := p.Parse(append(bytes.Clone(line), '\n'), nil)
			if err != nil || n != len(line)+1 || render([][][]byte{argv}) != render([][][]byte{args}) {
				t.Fatalf("inline %q = %q, %d, %v; want %q", line, argv, n, err, args)
			}
		}
	})
}
