package resp

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// render renders parsed commands compactly for comparisons: arguments quoted
// with %q, commands separated by " | ".
func render(cmds [][][]byte) string {
	var b strings.Builder
	for i, c := range cmds {
		if i > 0 {
			b.WriteString(" | ")
		}
		b.WriteString("[")
		for j, a := range c {
			if j > 0 {
				b.WriteString(" ")
			}
			fmt.Fprintf(&b, "%q", a)
		}
		b.WriteString("]")
	}
	return b.String()
}

func sameCommands(a, b [][][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if len(a[i]) != len(b[i]) {
			return false
		}
		for j := range a[i] {
			if !bytes.Equal(a[i][j], b[i][j]) {
				return false
			}
		}
	}
	return true
}

// parseAll plays the role of a connection: it feeds chunks one after another,
// keeps the unconsumed tail and, to prove the parser holds no pointers into
// old buffers, moves that tail to a fresh buffer before appending each chunk.
// It returns every command parsed, the first error, and the bytes left over.
func parseAll(p *Parser, chunks ...[]byte) (cmds [][][]byte, rest []byte, err error) {
	var buf []byte
	var argv [][]byte
	for _, chunk := range chunks {
		moved := make([]byte, len(buf), len(buf)+len(chunk))
		copy(moved, buf)
		buf = append(moved, chunk...)
		for len(buf) > 0 {
			var n int
			argv, n, err = p.Parse(buf, argv)
			if err != nil {
				return cmds, buf, err
			}
			if n == 0 {
				if len(argv) != 0 {
					panic("arguments returned for an incomplete command")
				}
				break
			}
			// The arguments stay valid: the bytes they point to are never
			// written again, only copied forward.
			cmds = append(cmds, append([][]byte{}, argv...))
			buf = buf[n:]
		}
	}
	return cmds, buf, nil
}

func TestParse(t *testing.T) {
	tests := []struct {
		name, in string
		want     string // rendered commands; "" for none
		rest     string // bytes left unconsumed
	}{
		{"get", "*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n", `["GET" "key"]`, ""},
		{"pipeline", "*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$0\r\n\r\n", `["PING"] | ["ECHO" ""]`, ""},
		{"binary", "*1\r\n$4\r\n\x00\r\n\xff\r\n", `["\x00\r\n\xff"]`, ""},
		{"partial count", "*2", "", "*2"},
		{"partial count CR", "*2\r", "", "*2\r"},
		{"partial header", "*2\r\n$3", "", "*2\r\n$3"},
		{"partial payload", "*1\r\n$3\r\nGE", "", "*1\r\n$3\r\nGE"},
		{"payload without CRLF yet", "*1\r\n$3\r\nGET\r", "", "*1\r\n$3\r\nGET\r"},
		// Valkey skips the byte after a line's CR, and the two bytes after
		// a payload, without looking at them.
		{"LF unchecked", "*1\rX$4\rYPING\r\n", `["PING"]`, ""},
		{"payload CRLF unchecked", "*1\r\n$4\r\nPINGxy*1\r\n$1\r\na\r\n", `["PING"] | ["a"]`, ""},
		{"zero count", "*0\r\n*1\r\n$1\r\na\r\n", `[] | ["a"]`, ""},
		{"negative count", "*-1\r\n*-7\r\n", `[] | []`, ""},
		{"min int64 count", "*-9223372036854775808\r\n", `[]`, ""},
		{"max count accepted", "*2147483647\r\n", "", "*2147483647\r\n"},
		{"empty bulk", "*1\r\n$0\r\n\r\n", `[""]`, ""},

		{"inline", "SET k v\r\n", `["SET" "k" "v"]`, ""},
		{"inline bare LF", "PING\nPING\r\n", `["PING"] | ["PING"]`, ""},
		{"inline CR kept before LF only once", "PING\r\r\n", `["PING"]`, ""},
		{"inline blank lines", "\r\n\n   \r\n\t\x0b\x0c\r\nPING\r\n", `[] | [] | [] | [] | ["PING"]`, ""},
		{"inline spaces", "  GET   key  \r\n", `["GET" "key"]`, ""},
		{"inline quoted", `SET "a b" 'c d'` + "\r\n", `["SET" "a b" "c d"]`, ""},
		{"inline escapes", `ECHO "\x41\t\"" '\'\n'` + "\n", `["ECHO" "A\t\"" "'\\n"]`, ""},
		{"inline joined pieces", `ECHO a"b c"'d'e` + "\n", `["ECHO" "ab cde"]`, ""},
		{"inline partial", "GET ke", "", "GET ke"},
		{"inline then multibulk", "PING\r\n*1\r\n$4\r\nPING\r\n", `["PING"] | ["PING"]`, ""},
		{"dollar line is inline", "$3\r\n", `["$3"]`, ""},
		// Valkey looks for the newline with strchr, so a NUL hides it.
		{"inline NUL waits", "GET a\x00b\r\nPING\r\n", "", "GET a\x00b\r\nPING\r\n"},
		{"inline VT inside argument", "ECHO a\x0bb\r\n", `["ECHO" "a\vb"]`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p Parser
			cmds, rest, err := parseAll(&p, []byte(tt.in))
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if got := render(cmds); got != tt.want {
				t.Errorf("Parse(%q) = %s, want %s", tt.in, got, tt.want)
			}
			if string(rest) != tt.rest {
				t.Errorf("Parse(%q) left %q, want %q", tt.in, rest, tt.rest)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	long := strings.Repeat("x", InlineMaxSize)
	tests := []struct {
		name    string
		in      string
		p       Parser
		want    string
		cmdsBef string // commands parsed before the error
	}{
		{name: "inline too big", in: long + "x", want: "ERR Protocol error: too big inline request"},
		{name: "inline at limit waits", in: long, want: ""},
		{name: "inline NUL then limit", in: "a\x00\n" + long, want: "ERR Protocol error: too big inline request"},
		{name: "unbalanced double", in: "ECHO \"a\r\n", want: "ERR Protocol error: unbalanced quotes in request"},
		{name: "unbalanced single", in: "ECHO 'a\n", want: "ERR Protocol error: unbalanced quotes in request"},
		{name: "trailing backslash in quotes", in: "ECHO \"a\\\n", want: "ERR Protocol error: unbalanced quotes in request"},
		{name: "error after good command", in: "PING\r\nECHO \"\r\n", want: "ERR Protocol error: unbalanced quotes in request", cmdsBef: `["PING"]`},

		{name: "mbulk count too big", in: "*" + strings.Repeat("1", InlineMaxSize), want: "ERR Protocol error: too big mbulk count string"},
		{name: "mbulk count at limit waits", in: "*" + strings.Repeat("1", InlineMaxSize-1), want: ""},
		{name: "mbulk count over limit with CR waits", in: "*" + strings.Repeat("1", InlineMaxSize) + "\r", want: ""},
		{name: "mbulk count over limit whole", in: "*" + strings.Repeat("1", InlineMaxSize+10) + "\r\n", want: "ERR Protocol error: invalid multibulk length"},
		{name: "mbulk count letters", in: "*x\r\n", want: "ERR Protocol error: invalid multibulk length"},
		{name: "mbulk count empty", in: "*\r\n", want: "ERR Protocol error: invalid multibulk length"},
		{name: "mbulk count plus", in: "*+1\r\n", want: "ERR Protocol error: invalid multibulk length"},
		{name: "mbulk count leading zero", in: "*01\r\n", want: "ERR Protocol error: invalid multibulk length"},
		{name: "mbulk count minus zero", in: "*-0\r\n", want: "ERR Protocol error: invalid multibulk length"},
		{name: "mbulk count space", in: "*1 \r\n", want: "ERR Protocol error: invalid multibulk length"},
		{name: "mbulk count over int32", in: "*2147483648\r\n", want: "ERR Protocol error: invalid multibulk length"},
		{name: "mbulk count over int64", in: "*9223372036854775808\r\n", want: "ERR Protocol error: invalid multibulk length"},
		{name: "mbulk count 21 bytes", in: "*-00000000000000000001\r\n", want: "ERR Protocol error: invalid multibulk length"},
		{name: "unauth count", in: "*11\r\n", p: Parser{Unauthenticated: true}, want: "ERR Protocol error: unauthenticated multibulk length"},
		{name: "unauth count 10 ok", in: "*10\r\n", p: Parser{Unauthenticated: true}, want: ""},
		{name: "unauth invalid count wins", in: "*2147483648\r\n", p: Parser{Unauthenticated: true}, want: "ERR Protocol error: invalid multibulk length"},

		{name: "bulk count too big", in: "*1\r\n$" + strings.Repeat("1", InlineMaxSize), want: "ERR Protocol error: too big bulk count string"},
		{name: "bulk count at limit waits", in: "*1\r\n$" + strings.Repeat("1", InlineMaxSize-1), want: ""},
		{name: "bulk count over limit with CR waits", in: "*1\r\n$" + strings.Repeat("1", InlineMaxSize) + "\r", want: ""},
		{name: "bulk count over limit whole", in: "*1\r\n$" + strings.Repeat("1", InlineMaxSize) + "\r\n", want: "ERR Protocol error: invalid bulk length"},
		{name: "expected dollar", in: "*1\r\nX\r\n", want: "ERR Protocol error: expected '$', got 'X'"},
		{name: "expected dollar NUL", in: "*1\r\n\x00\r\n", want: "ERR Protocol error: expected '$', got '\x00'"},
		{name: "expected dollar high byte", in: "*1\r\n\xff\r\n", want: "ERR Protocol error: expected '$', got '\xff'"},
		{name: "expected dollar CR shown as space", in: "*1\r\n\r\n", want: "ERR Protocol error: expected '$', got ' '"},
		{name: "expected dollar needs whole line", in: "*1\r\nX", want: ""},
		{name: "expected dollar second arg", in: "*2\r\n$1\r\na\r\n:1\r\n", want: "ERR Protocol error: expected '$', got ':'"},
		{name: "bulk len letters", in: "*1\r\n$x\r\n", want: "ERR Protocol error: invalid bulk length"},
		{name: "bulk len negative", in: "*1\r\n$-1\r\n", want: "ERR Protocol error: invalid bulk length"},
		{name: "bulk len minus zero", in: "*1\r\n$-0\r\n", want: "ERR Protocol error: invalid bulk length"},
		{name: "bulk len leading zero", in: "*1\r\n$04\r\nPING\r\n", want: "ERR Protocol error: invalid bulk length"},
		{name: "bulk len empty", in: "*1\r\n$\r\n", want: "ERR Protocol error: invalid bulk length"},
		{name: "bulk len over default max", in: "*1\r\n$536870913\r\n", want: "ERR Protocol error: invalid bulk length"},
		{name: "bulk len default max ok", in: "*1\r\n$536870912\r\n", want: ""},
		{name: "bulk len over configured max", in: "*1\r\n$101\r\n", p: Parser{MaxBulkLen: 100}, want: "ERR Protocol error: invalid bulk length"},
		{name: "bulk len configured max ok", in: "*1\r\n$100\r\n", p: Parser{MaxBulkLen: 100}, want: ""},
		{name: "replicated ignores max", in: "*1\r\n$101\r\n", p: Parser{MaxBulkLen: 100, Replicated: true}, want: ""},
		{name: "unauth bulk", in: "*1\r\n$16385\r\n", p: Parser{Unauthenticated: true}, want: "ERR Protocol error: unauthenticated bulk length"},
		{name: "unauth bulk 16384 ok", in: "*1\r\n$16384\r\n", p: Parser{Unauthenticated: true}, want: ""},
		{name: "unauth invalid bulk wins", in: "*1\r\n$536870913\r\n", p: Parser{Unauthenticated: true}, want: "ERR Protocol error: invalid bulk length"},

		{name: "replicated inline", in: "PING\r\n", p: Parser{Replicated: true}, want: "ERR Protocol error: master using the inline protocol. Desync?"},
		{name: "replicated blank inline", in: " \r\n", p: Parser{Replicated: true}, want: "ERR Protocol error: master using the inline protocol. Desync?"},
		{name: "replicated keepalive", in: "\n\r\n", p: Parser{Replicated: true}, want: "", cmdsBef: `[] | []`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.p
			cmds, _, err := parseAll(&p, []byte(tt.in))
			got := ""
			if err != nil {
				var pe *ProtocolError
				if !errors.As(err, &pe) {
					t.Fatalf("error %v is not a *ProtocolError", err)
				}
				got = pe.Msg
				if err.Error() != pe.Msg {
					t.Errorf("Error() = %q, want Msg %q", err.Error(), pe.Msg)
				}
			}
			if got != tt.want {
				t.Errorf("Parse(%.40q) error = %q, want %q", tt.in, got, tt.want)
			}
			if r := render(cmds); r != tt.cmdsBef {
				t.Errorf("Parse(%.40q) commands before error = %s, want %s", tt.in, r, tt.cmdsBef)
			}
		})
	}
}

// TestParseLongInlineArrivingWhole pins that InlineMaxSize only applies
// while the newline is missing, as in Valkey.
func TestParseLongInlineArrivingWhole(t *testing.T) {
	long := strings.Repeat("x", InlineMaxSize+100)
	var p Parser
	argv, n, err := p.Parse([]byte("ECHO "+long+"\r\n"), nil)
	if err != nil || n != len(long)+7 || len(argv) != 2 || string(argv[1]) != long {
		t.Fatalf("Parse = %d args, %d, %v", len(argv), n, err)
	}
}

func TestParseIntStrict(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0", 0, true}, {"7", 7, true}, {"-7", -7, true}, {"10", 10, true},
		{"9223372036854775807", 9223372036854775807, true},
		{"-9223372036854775808", -9223372036854775808, true},
		{"9223372036854775808", 0, false}, {"-9223372036854775809", 0, false},
		{"18446744073709551616", 0, false}, {"99999999999999999999", 0, false},
		{"", 0, false}, {"-", 0, false}, {"+1", 0, false}, {"01", 0, false},
		{"-0", 0, false}, {"00", 0, false}, {" 1", 0, false}, {"1 ", 0, false},
		{"1a", 0, false}, {"a", 0, false}, {"--1", 0, false},
		{"0x10", 0, false}, {"123456789012345678901", 0, false},
	}
	for _, tt := range tests {
		got, ok := ParseInt([]byte(tt.in))
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseInt(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParseArgsAreCapped(t *testing.T) {
	var p Parser
	buf := []byte("*2\r\n$1\r\na\r\n$1\r\nb\r\n")
	argv, _, err := p.Parse(buf, nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = append(argv[0], 'X', 'X', 'X')
	if string(buf) != "*2\r\n$1\r\na\r\n$1\r\nb\r\n" {
		t.Fatalf("appending to an argument overwrote the buffer: %q", buf)
	}
}

// randomStream builds n random commands, multibulk with binary arguments or,
// when the arguments allow it, inline with some of them quoted, and returns
// the bytes with the commands they must parse to.
func randomStream(r *rand.Rand, n int) ([]byte, [][][]byte) {
	var stream []byte
	var want [][][]byte
	for range n {
		switch r.IntN(12) {
		case 0:
			stream = append(stream, "*0\r\n"...)
			want = append(want, [][]byte{})
			continue
		case 1:
			stream = append(stream, []string{"\r\n", "\n", "  \r\n", "*-1\r\n"}[r.IntN(4)]...)
			want = append(want, [][]byte{})
			continue
		}
		args := make([][]byte, 1+r.IntN(6))
		printable := true
		for i := range args {
			a := make([]byte, r.IntN(20))
			for j := range a {
				if r.IntN(3) == 0 {
					a[j] = byte(r.IntN(256))
				} else {
					a[j] = "abcxyz0189"[r.IntN(10)]
				}
				if a[j] < 0x21 || a[j] > 0x7e || a[j] == '"' || a[j] == '\'' || a[j] == '\\' {
					printable = false
				}
			}
			if i == 0 && (len(a) == 0 || a[0] == '*') {
				a = append([]byte{'x'}, a...)
			}
			args[i] = a
		}
		want = append(want, args)
		if r.IntN(3) == 0 {
			stream = appendInline(stream, args, printable, r)
			continue
		}
		stream = AppendArrayLen(stream, len(args))
		for _, a := range args {
			stream = AppendBulk(stream, a)
		}
	}
	return stream, want
}

// appendInline writes args as an inline command, quoting an argument when it
// has to be quoted and sometimes when it need not be.
func appendInline(dst []byte, args [][]byte, plain bool, r *rand.Rand) []byte {
	for i, a := range args {
		if i > 0 {
			dst = append(dst, " \t"[r.IntN(2)])
		}
		if plain && len(a) > 0 && r.IntN(2) == 0 {
			dst = append(dst, a...)
			continue
		}
		dst = appendQuoted(dst, a)
	}
	if r.IntN(2) == 0 {
		return append(dst, '\n')
	}
	return append(dst, '\r', '\n')
}

// appendQuoted writes a as a double-quoted argument that SplitArgs reads
// back unchanged, as valkey-cli's sdscatrepr does.
func appendQuoted(dst, a []byte) []byte {
	dst = append(dst, '"')
	for _, c := range a {
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c == '\n':
			dst = append(dst, `\n`...)
		case c < 0x20 || c > 0x7e:
			dst = append(dst, '\\', 'x', "0123456789abcdef"[c>>4], "0123456789abcdef"[c&15])
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}

// TestParseSplitEverywhere is redcon's TestRandomCommands made exhaustive: a
// random stream must parse to the same commands whole, split in two at every
// byte, and fed one byte at a time.
func TestParseSplitEverywhere(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	stream, want := randomStream(r, 100)
	t.Logf("%d commands in %d bytes", len(want), len(stream))

	check := func(what string, chunks ...[]byte) {
		t.Helper()
		var p Parser
		cmds, rest, err := parseAll(&p, chunks...)
		if err != nil || len(rest) != 0 {
			t.Fatalf("%s: err %v, %d bytes left", what, err, len(rest))
		}
		if !sameCommands(cmds, want) {
			t.Fatalf("%s: parsed\n%s\nwant\n%s", what, render(cmds), render(want))
		}
	}
	check("whole", bytes.Clone(stream))
	for i := range stream {
		check("split at "+strconv.Itoa(i), bytes.Clone(stream[:i]), bytes.Clone(stream[i:]))
	}
	var bytewise [][]byte
	for i := range stream {
		bytewise = append(bytewise, stream[i:i+1:i+1])
	}
	check("byte by byte", bytewise...)
	for seed := range uint64(20) {
		cr := rand.New(rand.NewPCG(seed, 7))
		var chunks [][]byte
		for s := bytes.Clone(stream); len(s) > 0; {
			n := min(len(s), 1+cr.IntN(64))
			chunks, s = append(chunks, s[:n]), s[n:]
		}
		check("random chunks", chunks...)
	}
}

// TestParseHugeBulkResumes feeds a 16 MiB argument in 16 KiB reads, growing
// the buffer once from Need, and checks that every incomplete call resumed
// in the payload instead of looking at the bytes again.
func TestParseHugeBulkResumes(t *testing.T) {
	const size = 16 << 20
	payload := bytes.Repeat([]byte("0123456789abcdef"), size/16)
	stream := AppendArrayLen(nil, 2)
	stream = AppendBulkString(stream, "SET")
	stream = AppendBulk(stream, payload)
	header := len(stream) - size - 2 // up to the payload

	var p Parser
	var buf []byte
	var argv [][]byte
	grown := 0
	for off := 0; ; {
		end := min(off+16<<10, len(stream))
		if need := p.Need(); need > cap(buf) {
			grown++
			buf = append(make([]byte, 0, need), buf...)
		}
		buf = append(buf, stream[off:end]...)
		off = end
		var n int
		var err error
		argv, n, err = p.Parse(buf, argv)
		if err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			if n != len(stream) || len(argv) != 2 || !bytes.Equal(argv[1], payload) {
				t.Fatalf("parsed %d bytes, %d args", n, len(argv))
			}
			break
		}
		if len(buf) >= header {
			if p.Need() != len(stream) {
				t.Fatalf("Need() = %d with %d bytes buffered, want %d", p.Need(), len(buf), len(stream))
			}
			// Resuming inside the payload: nothing left to scan, the
			// header is already decoded.
			if p.state != stateMultibulk || p.pos != header || p.bulk != size || p.left != 1 {
				t.Fatalf("state after %d bytes: %+v", len(buf), p)
			}
		}
	}
	if grown != 1 {
		t.Errorf("buffer grown %d times from Need, want once", grown)
	}
}

// TestParseLineScanResumes checks that a line arriving in pieces is searched
// once: after each incomplete call the parser records how far it looked.
func TestParseLineScanResumes(t *testing.T) {
	for _, prefix := range []string{"*", "*1\r\n$", "ECHO "} {
		var p Parser
		buf := []byte(prefix)
		for i := 0; i < 1000; i++ {
			buf = append(buf, '1')
			argv, n, err := p.Parse(buf, nil)
			if err != nil || n != 0 || len(argv) != 0 {
				t.Fatalf("%q: Parse = %d, %v", prefix, n, err)
			}
			if p.pos+p.scan != len(buf) {
				t.Fatalf("%q: after %d bytes the parser has scanned to %d", prefix, len(buf), p.pos+p.scan)
			}
		}
	}
}

func TestParserReset(t *testing.T) {
	var p Parser
	if _, n, _ := p.Parse([]byte("*2\r\n$3\r\nGET\r\n$3\r\nk"), nil); n != 0 {
		t.Fatal("incomplete command consumed")
	}
	p.Reset()
	argv, n, err := p.Parse([]byte("PING\r\n"), nil)
	if err != nil || n != 6 || render([][][]byte{argv}) != `["PING"]` {
		t.Fatalf("after Reset: %q, %d, %v", argv, n, err)
	}
	if p.Need() != 0 {
		t.Errorf("Need() = %d between commands", p.Need())
	}
}

func FuzzParse(f *testing.F) {
	seeds := []string{
		"*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n",
		"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\nPING\r\n",
		"SET \"a\\x41\" 'b\\'c'\r\n\r\n*0\r\n*-1\r\n",
		"*1\r\n$-1\r\n", "*1\r\nX\r\n", "ECHO \"abc\r\n", "*1\rX$4\rYPING\r\n",
		"GET a\x00b\r\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s), uint16(3), uint8(0))
	}
	f.Fuzz(func(t *testing.T, data []byte, split uint16, flags uint8) {
		newParser := func() *Parser {
			return &Parser{
				Unauthenticated: flags&1 != 0,
				Replicated:      flags&2 != 0,
				MaxBulkLen:      int64(flags >> 2),
			}
		}
		whole, wrest, werr := parseAll(newParser(), bytes.Clone(data))
		// How much is buffered decides whether a long line is over the
		// limit, in Valkey as here: only compare splits below it.
		if len(data) > InlineMaxSize {
			return
		}
		at := int(split) % (len(data) + 1)
		parts, prest, perr := parseAll(newParser(), bytes.Clone(data[:at]), bytes.Clone(data[at:]))
		// On error the bytes left depend on how much had been fed.
		same := func(cmds [][][]byte, rest []byte, err error) bool {
			return render(whole) == render(cmds) && fmt.Sprint(werr) == fmt.Sprint(err) &&
				(werr != nil || bytes.Equal(wrest, rest))
		}
		if !same(parts, prest, perr) {
			t.Fatalf("whole: %s %v %q\nsplit at %d: %s %v %q", render(whole), werr, wrest, at, render(parts), perr, prest)
		}
		var bytewise [][]byte
		for i := range data {
			bytewise = append(bytewise, data[i:i+1:i+1])
		}
		single, srest, serr := parseAll(newParser(), bytewise...)
		if !same(single, srest, serr) {
			t.Fatalf("whole: %s %v %q\nbyte by byte: %s %v %q", render(whole), werr, wrest, render(single), serr, srest)
		}
	})
}
