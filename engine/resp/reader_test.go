package resp

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

func TestReadValue(t *testing.T) {
	tests := []struct {
		name, in string
		kind     Kind
		want     string // String()
	}{
		{"simple", "+OK\r\n", KindSimple, "OK"},
		{"error", "-ERR bad thing\r\n", KindError, "(error) ERR bad thing"},
		{"int", ":-42\r\n", KindInt, "(integer) -42"},
		{"bulk", "$5\r\nhello\r\n", KindBulk, `"hello"`},
		{"bulk binary", "$6\r\na\"\\\n\x01\xff\r\n", KindBulk, `"a\"\\\n\x01\xff"`},
		{"bulk empty", "$0\r\n\r\n", KindBulk, `""`},
		{"null bulk", "$-1\r\n", KindNullBulk, "(nil)"},
		{"null array", "*-1\r\n", KindNullArray, "(nil)"},
		{"null", "_\r\n", KindNull, "(nil)"},
		{"double", ",1.5e-7\r\n", KindDouble, "(double) 1.5e-7"},
		{"double inf", ",-inf\r\n", KindDouble, "(double) -inf"},
		{"bool", "#t\r\n", KindBool, "(true)"},
		{"bool false", "#f\r\n", KindBool, "(false)"},
		{"big number", "(3492890328409238509324850943850943825024385\r\n", KindBigNumber, "(big number) 3492890328409238509324850943850943825024385"},
		{"bulk error", "!21\r\nSYNTAX invalid syntax\r\n", KindBulkError, "(error) SYNTAX invalid syntax"},
		{"verbatim", "=15\r\ntxt:Some string\r\n", KindVerbatim, "Some string"},
		{"empty array", "*0\r\n", KindArray, "(empty array)"},
		{"empty map", "%0\r\n", KindMap, "(empty hash)"},
		{"empty set", "~0\r\n", KindSet, "(empty set)"},
		{"empty push", ">0\r\n", KindPush, "(empty push)"},
		// As valkey-cli printed EVAL "return {1,{2,{3,'x'}},<11 strings>,'a\nb',{err='boom'}}".
		{"nested", "*5\r\n:1\r\n*2\r\n:2\r\n*2\r\n:3\r\n$1\r\nx\r\n*11\r\n" +
			"$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n$1\r\nf\r\n$1\r\ng\r\n$1\r\nh\r\n$1\r\ni\r\n$1\r\nj\r\n$3\r\nx y\r\n" +
			"$3\r\na\nb\r\n-boom\r\n", KindArray, `1) (integer) 1
2) 1) (integer) 2
   2) 1) (integer) 3
      2) "x"
3)  1) "a"
    2) "b"
    3) "c"
    4) "d"
    5) "e"
    6) "f"
    7) "g"
    8) "h"
    9) "i"
   10) "j"
   11) "x y"
4) "a\nb"
5) (error) boom`},
		// As valkey-cli -3 printed EVAL "return {map={a=1,b={1,2}}}".
		{"map", "%2\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n*2\r\n:1\r\n:2\r\n", KindMap, `1# "a" => (integer) 1
2# "b" => 
   1) (integer) 1
   2) (integer) 2`},
		{"set", "~2\r\n$1\r\na\r\n#t\r\n", KindSet, "1~ \"a\"\n2~ (true)"},
		{"push", ">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n", KindPush, "1) \"message\"\n2) \"ch\"\n3) \"hi\""},
		{"attribute", "|1\r\n+key-popularity\r\n*2\r\n$1\r\na\r\n,0.1923\r\n*2\r\n:2039123\r\n:9543892\r\n", KindArray,
			"(attributes) 1# key-popularity => \n" +
				"                1) \"a\"\n" +
				"                2) (double) 0.1923\n" +
				"1) (integer) 2039123\n" +
				"2) (integer) 9543892"},
		{"streamed string", "$?\r\n;4\r\nHell\r\n;5\r\no wor\r\n;1\r\nd\r\n;0\r\n", KindBulk, `"Hello word"`},
		{"streamed array", "*?\r\n:1\r\n:2\r\n.\r\n", KindArray, "1) (integer) 1\n2) (integer) 2"},
		{"streamed map", "%?\r\n+a\r\n:1\r\n.\r\n", KindMap, "1# a => (integer) 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A one-byte reader shows nothing depends on how input arrives.
			r := NewReader(iotest.OneByteReader(strings.NewReader(tt.in)))
			v, err := r.ReadValue()
			if err != nil {
				t.Fatalf("ReadValue(%q): %v", tt.in, err)
			}
			if v.Kind != tt.kind {
				t.Errorf("kind %v, want %v", v.Kind, tt.kind)
			}
			if got := v.String(); got != tt.want {
				t.Errorf("String() =\n%s\nwant\n%s", got, tt.want)
			}
			if _, err := r.ReadValue(); err != io.EOF {
				t.Errorf("after the value: %v, want io.EOF", err)
			}
			r = NewReader(strings.NewReader(tt.in + tt.in))
			for range 2 {
				raw, err := r.ReadRaw()
				if err != nil || string(raw) != tt.in {
					t.Fatalf("ReadRaw() = %q, %v; want %q", raw, err, tt.in)
				}
			}
		})
	}
}

func TestReadValueFields(t *testing.T) {
	r := NewReader(strings.NewReader(":7\r\n,2.5\r\n=8\r\nmkd:# hi\r\n#t\r\n%1\r\n+k\r\n$1\r\nv\r\n|1\r\n+a\r\n+b\r\n_\r\n"))
	want := []Value{
		{Kind: KindInt, Int: 7},
		{Kind: KindDouble, Str: []byte("2.5"), Float: 2.5},
		{Kind: KindVerbatim, Str: []byte("# hi"), Format: "mkd"},
		{Kind: KindBool, Bool: true},
		{Kind: KindMap, Elems: []Value{{Kind: KindSimple, Str: []byte("k")}, {Kind: KindBulk, Str: []byte("v")}}},
		{Kind: KindNull, Attrs: []Value{{Kind: KindSimple, Str: []byte("a")}, {Kind: KindSimple, Str: []byte("b")}}},
	}
	for i, w := range want {
		v, err := r.ReadValue()
		if err != nil || !reflect.DeepEqual(v, w) {
			t.Errorf("value %d = %+v, %v; want %+v", i, v, err, w)
		}
		if v.IsNull() != (w.Kind == KindNull) {
			t.Errorf("value %d IsNull() = %v", i, v.IsNull())
		}
	}
}

func TestReadValueErrors(t *testing.T) {
	tests := []struct {
		in   string
		want error
	}{
		{"", io.EOF},
		{"+OK", io.ErrUnexpectedEOF},
		{"$5\r\nhel", io.ErrUnexpectedEOF},
		{"*2\r\n:1\r\n", io.ErrUnexpectedEOF},
		{"+OK\n", ErrMalformed},
		{"\r\n", ErrMalformed},
		{"?\r\n", ErrMalformed},
		{":abc\r\n", ErrMalformed},
		{"$-2\r\n", ErrMalformed},
		{"$3\r\nabcde\r\n", ErrMalformed},
		{"!-1\r\n", ErrMalformed},
		{"%-1\r\n", ErrMalformed},
		{"=2\r\nab\r\n", ErrMalformed},
		{"#x\r\n", ErrMalformed},
		{"_x\r\n", ErrMalformed},
		{",abc\r\n", ErrMalformed},
		{"(12a\r\n", ErrMalformed},
		{".\r\n", ErrMalformed},
		{"%?\r\n+a\r\n.\r\n", ErrMalformed},
		{"$?\r\n:1\r\n", ErrMalformed},
		{"$600000000\r\n", ErrMalformed},
		{"*9999999999\r\n", ErrMalformed},
	}
	for _, tt := range tests {
		_, err := NewReader(strings.NewReader(tt.in)).ReadValue()
		if !errors.Is(err, tt.want) {
			t.Errorf("ReadValue(%q) error = %v, want %v", tt.in, err, tt.want)
		}
	}
}

// TestReaderReadsAppenders checks the writers and the reader agree on every
// type, in both protocol versions.
func TestReaderReadsAppenders(t *testing.T) {
	for _, proto := range []int{RESP2, RESP3} {
		var b []byte
		b = AppendArrayLen(b, 3)
		b = AppendBulkString(b, "a")
		b = AppendMapLen(b, 1, proto)
		b = AppendSimple(b, "k")
		b = AppendDouble(b, 0.25, proto)
		b = AppendSetLen(b, 2, proto)
		b = AppendBool(b, true, proto)
		b = AppendNull(b, proto)
		b = AppendPushLen(b, 1, proto)
		b = AppendBigNumber(b, []byte("12345678901234567890"), proto)
		b = AppendVerbatim(b, "txt", []byte("hi"), proto)
		b = AppendNullArray(b, proto)
		b = AppendError(b, "ERR x")
		b = AppendInt(b, 9)
		want := map[int]string{
			RESP2: `1) "a"
2) 1) k
   2) "0.25"
3) 1) (integer) 1
   2) (nil)
1) "12345678901234567890"
"hi"
(nil)
(error) ERR x
(integer) 9`,
			RESP3: `1) "a"
2) 1# k => (double) 0.25
3) 1~ (true)
   2~ (nil)
1) (big number) 12345678901234567890
hi
(nil)
(error) ERR x
(integer) 9`,
		}[proto]
		r := NewReader(bytes.NewReader(b))
		var got []string
		for {
			v, err := r.ReadValue()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("RESP%d: %v", proto, err)
			}
			got = append(got, v.String())
		}
		if g := strings.Join(got, "\n"); g != want {
			t.Errorf("RESP%d read back\n%s\nwant\n%s", proto, g, want)
		}
	}
}

func TestReaderLongLine(t *testing.T) {
	long := strings.Repeat("x", 10000)
	r := NewReader(bufio.NewReaderSize(strings.NewReader("+"+long+"\r\n"), 16))
	raw, err := r.ReadRaw()
	if err != nil || string(raw) != "+"+long+"\r\n" {
		t.Fatalf("ReadRaw of a long line: %d bytes, %v", len(raw), err)
	}
}

func FuzzReader(f *testing.F) {
	for _, s := range []string{
		"+OK\r\n", "*2\r\n$1\r\na\r\n:1\r\n", "%1\r\n+k\r\n,1.5\r\n", "|1\r\n+a\r\n+b\r\n#t\r\n",
		"$?\r\n;1\r\na\r\n;0\r\n", "*?\r\n_\r\n.\r\n", "=5\r\ntxt:a\r\n", ">1\r\n(1\r\n", "!1\r\nx\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewReader(bytes.NewReader(data))
		r.MaxBulkLen = 1 << 16
		v, err := r.ReadValue()
		_ = v.String()
		raw, rawErr := NewReader(bytes.NewReader(data)).ReadRaw()
		if (err == nil) != (rawErr == nil) {
			t.Fatalf("ReadValue error %v, ReadRaw error %v", err, rawErr)
		}
		if err != nil {
			return
		}
		if !bytes.HasPrefix(data, raw) {
			t.Fatalf("ReadRaw returned %q, not a prefix of the input", raw)
		}
		// The raw bytes hold exactly that one value.
		again := NewReader(bytes.NewReader(raw))
		v2, err := again.ReadValue()
		if err != nil || !reflect.DeepEqual(v, v2) {
			t.Fatalf("re-reading %q: %+v, %v; want %+v", raw, v2, err, v)
		}
		if _, err := again.ReadValue(); err != io.EOF {
			t.Fatalf("after re-reading %q: %v", raw, err)
		}
	})
}
