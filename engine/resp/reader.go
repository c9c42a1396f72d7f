package resp

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Kind is the type of a reply, as its first byte on the wire tells it.
type Kind uint8

const (
	KindInvalid   Kind = iota
	KindSimple         // +OK
	KindError          // -ERR message
	KindInt            // :42
	KindBulk           // $3 foo
	KindNullBulk       // $-1 (RESP2 null)
	KindArray          // *2 ...
	KindNullArray      // *-1 (RESP2 null array)
	KindNull           // _ (RESP3 null)
	KindDouble         // ,1.5
	KindBool           // #t
	KindBigNumber      // (12345678901234567890
	KindBulkError      // !21 SYNTAX invalid syntax
	KindVerbatim       // =15 txt:Some string
	KindMap            // %2 key value key value
	KindSet            // ~2 ...
	KindPush           // >3 message channel payload
)

var kindNames = [...]string{
	KindInvalid:   "invalid",
	KindSimple:    "simple string",
	KindError:     "error",
	KindInt:       "integer",
	KindBulk:      "bulk string",
	KindNullBulk:  "null bulk string",
	KindArray:     "array",
	KindNullArray: "null array",
	KindNull:      "null",
	KindDouble:    "double",
	KindBool:      "boolean",
	KindBigNumber: "big number",
	KindBulkError: "bulk error",
	KindVerbatim:  "verbatim string",
	KindMap:       "map",
	KindSet:       "set",
	KindPush:      "push",
}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Value is one decoded reply. Only the fields of its Kind are set.
type Value struct {
	Kind   Kind
	Str    []byte  // simple, error, bulk, bulk error, big number digits, verbatim text (after "fmt:"), double as sent
	Int    int64   // integer
	Float  float64 // double
	Bool   bool    // boolean
	Format string  // verbatim format, e.g. "txt"
	Elems  []Value // array, set, push; a map's keys and values alternately
	Attrs  []Value // RESP3 attributes sent before this value: keys and values alternately
}

// IsNull reports whether v is any of the null replies.
func (v Value) IsNull() bool {
	return v.Kind == KindNull || v.Kind == KindNullBulk || v.Kind == KindNullArray
}

// ErrMalformed is wrapped by the errors Reader returns for bytes that are not
// a valid reply.
var ErrMalformed = errors.New("resp: malformed reply")

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, args...)...)
}

// Reader decodes replies from a server: RESP2 and RESP3, including
// attributes and RESP3's streamed strings and aggregates. It is meant for
// tests, tools and outbound links, not the client-facing hot path, and it
// copies what it returns. Not safe for concurrent use.
type Reader struct {
	// MaxBulkLen caps the length of a string the reader accepts, so a
	// corrupt header cannot make it reserve unbounded memory. Zero means
	// DefaultMaxBulkLen.
	MaxBulkLen int64

	br      *bufio.Reader
	capture bool   // whether consumed bytes are recorded in raw
	raw     []byte // bytes of the reply being read by ReadRaw
}

// NewReader returns a Reader reading from rd, which it buffers unless rd is
// already a *bufio.Reader.
func NewReader(rd io.Reader) *Reader {
	br, ok := rd.(*bufio.Reader)
	if !ok {
		br = bufio.NewReader(rd)
	}
	return &Reader{br: br}
}

// ReadValue reads one complete reply. It returns io.EOF only when the input
// ends cleanly between replies, and io.ErrUnexpectedEOF when it ends inside
// one.
func (r *Reader) ReadValue() (Value, error) {
	r.capture = false
	return r.readTop()
}

// ReadRaw reads one complete reply and returns its exact bytes, attributes
// included, for byte-for-byte comparison with what a reference server sent.
func (r *Reader) ReadRaw() ([]byte, error) {
	r.capture, r.raw = true, nil
	defer func() { r.capture, r.raw = false, nil }()
	if _, err := r.readTop(); err != nil {
		return nil, err
	}
	return r.raw, nil
}

func (r *Reader) readTop() (Value, error) {
	if _, err := r.br.Peek(1); err != nil {
		return Value{}, err
	}
	v, err := r.read(false)
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return v, err
}

// errStreamEnd reports the '.' that closes a streamed aggregate; it is only
// valid where read was called with inStream.
var errStreamEnd = errors.New("resp: end of streamed aggregate")

func (r *Reader) read(inStream bool) (Value, error) {
	line, err := r.readLine()
	if err != nil {
		return Value{}, err
	}
	if len(line) == 0 {
		return Value{}, malformed("empty line")
	}
	typ, body := line[0], line[1:]
	switch typ {
	case '+':
		return Value{Kind: KindSimple, Str: clone(body)}, nil
	case '-':
		return Value{Kind: KindError, Str: clone(body)}, nil
	case ':':
		n, err := strconv.ParseInt(string(body), 10, 64)
		if err != nil {
			return Value{}, malformed("integer %q", body)
		}
		return Value{Kind: KindInt, Int: n}, nil
	case '_':
		if len(body) != 0 {
			return Value{}, malformed("null %q", body)
		}
		return Value{Kind: KindNull}, nil
	case '#':
		if len(body) != 1 || (body[0] != 't' && body[0] != 'f') {
			return Value{}, malformed("boolean %q", body)
		}
		return Value{Kind: KindBool, Bool: body[0] == 't'}, nil
	case ',':
		f, err := strconv.ParseFloat(string(body), 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return Value{}, malformed("double %q", body)
		}
		return Value{Kind: KindDouble, Str: clone(body), Float: f}, nil
	case '(':
		if !isBigNumber(body) {
			return Value{}, malformed("big number %q", body)
		}
		return Value{Kind: KindBigNumber, Str: clone(body)}, nil
	case '$', '!', '=':
		return r.readString(typ, body)
	case '*', '%', '~', '>':
		return r.readAggregate(typ, body)
	case '|':
		return r.readAttributed(body, inStream)
	case '.':
		if inStream && len(body) == 0 {
			return Value{}, errStreamEnd
		}
	}
	return Value{}, malformed("unexpected line %q", line)
}

func (r *Reader) readString(typ byte, body []byte) (Value, error) {
	kind := KindBulk
	switch typ {
	case '!':
		kind = KindBulkError
	case '=':
		kind = KindVerbatim
	}
	var s []byte
	if typ == '$' && string(body) == "?" {
		var err error
		if s, err = r.readStreamedString(); err != nil {
			return Value{}, err
		}
	} else {
		n, err := strconv.ParseInt(string(body), 10, 64)
		switch {
		case err != nil || n < -1:
			return Value{}, malformed("length %q", body)
		case n == -1 && typ == '$':
			return Value{Kind: KindNullBulk}, nil
		case n == -1:
			return Value{}, malformed("length %q", body)
		}
		if s, err = r.readPayload(n); err != nil {
			return Value{}, err
		}
	}
	v := Value{Kind: kind, Str: s}
	if kind == KindVerbatim {
		if len(s) < 4 || s[3] != ':' {
			return Value{}, malformed("verbatim string without format %q", s)
		}
		v.Format, v.Str = string(s[:3]), s[4:]
	}
	return v, nil
}

// readStreamedString reads the ";len" chunks of a "$?" string up to ";0".
func (r *Reader) readStreamedString() ([]byte, error) {
	s := []byte{}
	for {
		line, err := r.readLine()
		if err != nil {
			return nil, err
		}
		if len(line) == 0 || line[0] != ';' {
			return nil, malformed("string chunk %q", line)
		}
		n, err := strconv.ParseInt(string(line[1:]), 10, 64)
		if err != nil || n < 0 {
			return nil, malformed("chunk length %q", line[1:])
		}
		if n == 0 {
			return s, nil
		}
		if int64(len(s))+n > r.maxBulk() {
			return nil, malformed("streamed string longer than %d", r.maxBulk())
		}
		chunk, err := r.readPayload(n)
		if err != nil {
			return nil, err
		}
		s = append(s, chunk...)
	}
}

// readPayload reads n bytes and the CRLF after them. It grows the result as
// bytes arrive rather than trusting n up front.
func (r *Reader) readPayload(n int64) ([]byte, error) {
	if n > r.maxBulk() {
		return nil, malformed("string length %d over %d", n, r.maxBulk())
	}
	const step = 1 << 20
	s := make([]byte, 0, min(n+2, step))
	for int64(len(s)) < n+2 {
		chunk := min(n+2-int64(len(s)), step)
		s = append(s, make([]byte, chunk)...)
		if _, err := io.ReadFull(r.br, s[int64(len(s))-chunk:]); err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
	}
	if r.capture {
		r.raw = append(r.raw, s...)
	}
	if s[n] != '\r' || s[n+1] != '\n' {
		return nil, malformed("string not followed by CRLF")
	}
	return s[:n:n], nil
}

func (r *Reader) readAggregate(typ byte, body []byte) (Value, error) {
	kind, per := KindArray, 1
	switch typ {
	case '%':
		kind, per = KindMap, 2
	case '~':
		kind = KindSet
	case '>':
		kind = KindPush
	}
	v := Value{Kind: kind, Elems: []Value{}}
	if string(body) == "?" {
		for {
			e, err := r.read(true)
			if err == errStreamEnd {
				if len(v.Elems)%per != 0 {
					return Value{}, malformed("streamed map ended after a key")
				}
				return v, nil
			}
			if err != nil {
				return Value{}, err
			}
			v.Elems = append(v.Elems, e)
		}
	}
	n, err := strconv.ParseInt(string(body), 10, 64)
	switch {
	case err != nil || n < -1 || n > (1<<31)/int64(per):
		return Value{}, malformed("count %q", body)
	case n == -1 && kind == KindArray:
		return Value{Kind: KindNullArray}, nil
	case n == -1:
		return Value{}, malformed("count %q", body)
	}
	total := int(n) * per
	// Every element takes at least three bytes, so a count larger than the
	// input fails on EOF before it costs memory: don't reserve on its word.
	v.Elems = make([]Value, 0, min(total, 1024))
	for range total {
		e, err := r.read(false)
		if err != nil {
			return Value{}, err
		}
		v.Elems = append(v.Elems, e)
	}
	return v, nil
}

// readAttributed reads an attribute map and the value it annotates.
func (r *Reader) readAttributed(body []byte, inStream bool) (Value, error) {
	attrs, err := r.readAggregate('%', body)
	if err != nil {
		return Value{}, err
	}
	v, err := r.read(inStream)
	if err != nil {
		return Value{}, err
	}
	v.Attrs = append(attrs.Elems, v.Attrs...)
	return v, nil
}

// readLine returns the next line without its CRLF. The result is only valid
// until the next read.
func (r *Reader) readLine() ([]byte, error) {
	line, err := r.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		long := append([]byte(nil), line...)
		for err == bufio.ErrBufferFull {
			if int64(len(long)) > r.maxBulk() {
				return nil, malformed("line longer than %d", r.maxBulk())
			}
			line, err = r.br.ReadSlice('\n')
			long = append(long, line...)
		}
		line = long
	}
	if err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	if r.capture {
		r.raw = append(r.raw, line...)
	}
	if len(line) < 2 || line[len(line)-2] != '\r' {
		return nil, malformed("line not ended by CRLF")
	}
	return line[:len(line)-2], nil
}

func (r *Reader) maxBulk() int64 {
	if r.MaxBulkLen > 0 {
		return min(r.MaxBulkLen, 1<<62)
	}
	return DefaultMaxBulkLen
}

func isBigNumber(b []byte) bool {
	if len(b) > 0 && (b[0] == '-' || b[0] == '+') {
		b = b[1:]
	}
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func clone(b []byte) []byte { return append([]byte{}, b...) }

// String renders v as valkey-cli shows replies on a terminal: (integer) 1,
// quoted strings, numbered and indented aggregates.
func (v Value) String() string {
	var b strings.Builder
	v.format(&b, "")
	return strings.TrimSuffix(b.String(), "\n")
}

// format writes v and a newline. prefix is the indentation of v's lines
// after the first; the caller has already written the first line's.
func (v Value) format(b *strings.Builder, prefix string) {
	if len(v.Attrs) > 0 {
		const label = "(attributes) "
		b.WriteString(label)
		Value{Kind: KindMap, Elems: v.Attrs}.format(b, prefix+strings.Repeat(" ", len(label)))
		b.WriteString(prefix)
	}
	switch v.Kind {
	case KindSimple:
		b.Write(v.Str)
	case KindError, KindBulkError:
		b.WriteString("(error) ")
		b.Write(v.Str)
	case KindInt:
		b.WriteString("(integer) ")
		b.WriteString(strconv.FormatInt(v.Int, 10))
	case KindDouble:
		b.WriteString("(double) ")
		if v.Str != nil {
			b.Write(v.Str)
		} else {
			b.Write(FormatDouble(nil, v.Float))
		}
	case KindBigNumber:
		b.WriteString("(big number) ")
		b.Write(v.Str)
	case KindBulk:
		writeQuoted(b, v.Str)
	case KindVerbatim:
		b.Write(v.Str)
	case KindNull, KindNullBulk, KindNullArray:
		b.WriteString("(nil)")
	case KindBool:
		if v.Bool {
			b.WriteString("(true)")
		} else {
			b.WriteString("(false)")
		}
	case KindArray, KindMap, KindSet, KindPush:
		v.formatAggregate(b, prefix)
		return
	default:
		b.WriteString("(" + v.Kind.String() + ")")
	}
	b.WriteByte('\n')
}

func (v Value) formatAggregate(b *strings.Builder, prefix string) {
	step, sep := 1, ')'
	switch v.Kind {
	case KindMap:
		step, sep = 2, '#'
	case KindSet:
		sep = '~'
	}
	if len(v.Elems) == 0 {
		switch v.Kind {
		case KindMap:
			b.WriteString("(empty hash)\n")
		case KindSet:
			b.WriteString("(empty set)\n")
		case KindPush:
			b.WriteString("(empty push)\n")
		default:
			b.WriteString("(empty array)\n")
		}
		return
	}
	width := len(strconv.Itoa(len(v.Elems) / step))
	inner := prefix + strings.Repeat(" ", width+2)
	for i := 0; i < len(v.Elems); i += step {
		if i > 0 {
			b.WriteString(prefix)
		}
		fmt.Fprintf(b, "%*d%c ", width, i/step+1, sep)
		if step == 1 || i+1 == len(v.Elems) {
			v.Elems[i].format(b, inner)
			continue
		}
		// A map entry is "key => value", on one line unless the value
		// spans several.
		var key strings.Builder
		v.Elems[i].format(&key, inner)
		b.WriteString(strings.TrimSuffix(key.String(), "\n"))
		b.WriteString(" => ")
		if isMultiline(v.Elems[i+1]) {
			b.WriteString("\n" + inner)
		}
		v.Elems[i+1].format(b, inner)
	}
}

func isMultiline(v Value) bool {
	switch v.Kind {
	case KindArray, KindMap, KindSet, KindPush:
		return len(v.Elems) > 0
	}
	return false
}

// writeQuoted writes s quoted and escaped as valkey-cli does (sdscatrepr).
func writeQuoted(b *strings.Builder, s []byte) {
	b.WriteByte('"')
	for _, c := range s {
		switch c {
		case '\\', '"':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\a':
			b.WriteString(`\a`)
		case '\b':
			b.WriteString(`\b`)
		default:
			if c >= 0x20 && c < 0x7f {
				b.WriteByte(c)
			} else {
				fmt.Fprintf(b, `\x%02x`, c)
			}
		}
	}
	b.WriteByte('"')
}
