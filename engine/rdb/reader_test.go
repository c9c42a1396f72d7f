package rdb

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"testing"
	"testing/iotest"
)

func TestIsObjectType(t *testing.T) {
	for b := range 256 {
		want := b <= 7 || b >= 9 && b <= 22
		if got := IsObjectType(byte(b)); got != want {
			t.Errorf("IsObjectType(%d) = %v", b, got)
		}
	}
	if IsForeignType(21) || !IsForeignType(22) || !IsForeignType(243) || IsForeignType(244) {
		t.Error("IsForeignType bounds")
	}
}

func TestHeader(t *testing.T) {
	for _, tc := range []struct {
		magic   string
		version int
		err     error
	}{
		{"REDIS0001", 1, nil},
		{"REDIS0009", 9, nil},
		{"REDIS0011", 11, nil},
		{"VALKEY080", 80, nil},
		{"REDIS0000", 0, ErrVersion},
		{"REDIS0012", 12, ErrVersion}, // foreign
		{"REDIS0079", 79, ErrVersion},
		{"REDIS0080", 80, ErrVersion}, // REDIS magic past 79
		{"VALKEY011", 11, ErrVersion}, // VALKEY magic at 79 or below
		{"VALKEY079", 79, ErrVersion},
		{"VALKEY081", 81, ErrVersion}, // future
		{"VALKEY999", 999, ErrVersion},
		{"REDIS0-01", -1, ErrVersion},
		{"REDIS0 11", 11, nil}, // atoi skips white space
		{"REDIS011x", 11, nil}, // and stops at a non-digit
		{"REDIS1011", 0, ErrSignature},
		{"redis0011", 0, ErrSignature},
		{"VALKEX080", 0, ErrSignature},
	} {
		v, err := NewReaderBytes([]byte(tc.magic)).Header()
		if !errors.Is(err, tc.err) || (tc.err != ErrSignature && v != tc.version) {
			t.Errorf("Header(%q) = %d, %v; want %d, %v", tc.magic, v, err, tc.version, tc.err)
		}
	}
	if _, err := NewReaderBytes([]byte("VALKEY08")).Header(); err != io.ErrUnexpectedEOF {
		t.Errorf("short header: %v", err)
	}
}

func TestReaderLenErrors(t *testing.T) {
	for b := 0x82; b < 0xC0; b++ {
		if _, _, err := NewReaderBytes([]byte{byte(b), 0, 0, 0, 0, 0, 0, 0, 0}).Len(); err != ErrLength {
			t.Errorf("Len(%#x) = %v", b, err)
		}
	}
	for _, in := range []string{"", "40", "80 000000", "81 00000000000000"} {
		if _, _, err := NewReaderBytes(unhex(t, in)).Len(); err != io.ErrUnexpectedEOF {
			t.Errorf("Len(%s) = %v", in, err)
		}
	}
	n, enc, err := NewReaderBytes([]byte{0xC3}).Len()
	if n != EncLZF || !enc || err != nil {
		t.Errorf("Len(c3) = %d, %v, %v", n, enc, err)
	}
}

func TestReaderStringErrors(t *testing.T) {
	for _, tc := range []struct {
		in  string
		err error
	}{
		{"c4", ErrEncoding},
		{"ff", ErrEncoding},
		{"c0", io.ErrUnexpectedEOF},
		{"c1 00", io.ErrUnexpectedEOF},
		{"c2 000000", io.ErrUnexpectedEOF},
		{"05 6162", io.ErrUnexpectedEOF},
		{"c3 04 05 016161", io.ErrUnexpectedEOF}, // compressed bytes missing
		{"c3 03 05 016161", ErrLZF},              // decompresses to 2 bytes, not 5
		{"c3 03 01 016161", ErrLZF},              // more output than declared
		{"c3 02 04 2000", ErrLZF},                // reference before the start
		{"c3 01 00 05", ErrLZF},                  // empty declared, run declared
		{"c3 02 03 0261", ErrLZF},                // truncated literal run
		{"c3 01 05 e0", ErrLZF},                  // truncated back reference
		{"82", ErrLength},
		{"81 8000000000000000", ErrTooLarge},
	} {
		in := unhex(t, tc.in)
		if _, err := NewReaderBytes(in).String(); err != tc.err {
			t.Errorf("String(%s) = %v, want %v", tc.in, err, tc.err)
		}
		if _, err := NewReader(bytes.NewReader(in)).String(); err != tc.err {
			t.Errorf("String(%s) from io.Reader = %v, want %v", tc.in, err, tc.err)
		}
	}
	// An empty LZF string (both lengths 0) is accepted, as by Valkey.
	if s, err := NewReaderBytes(unhex(t, "c3 00 00")).String(); err != nil || len(s) != 0 {
		t.Errorf("empty LZF = %q, %v", s, err)
	}
	// Valkey reads LZF lengths ignoring the encoded form: c2 counts as 2.
	if s, err := NewReaderBytes(unhex(t, "c3 c3 c2 016161")).String(); err != nil || string(s) != "aa" {
		t.Errorf("LZF with encoded-form lengths = %q, %v", s, err)
	}
}

func TestReaderInt(t *testing.T) {
	for _, tc := range []struct {
		in  string
		v   int64
		err error
	}{
		{"c0 ff", -1, nil},
		{"c1 0080", -32768, nil},
		{"c2 ffffff7f", math.MaxInt32, nil},
		{"13 39323233333732303336383534373735383037", math.MaxInt64, nil},
		{"03 303132", 0, ErrNotInteger},
		{"02 2d30", 0, ErrNotInteger},
		{"00", 0, ErrNotInteger},
		{"15 303030303030303030303030303030303030303030", 0, ErrNotInteger},
		{"13 39323233333732303336383534373735383038", 0, ErrNotInteger}, // overflow
		{"c3 03 02 013132", 12, nil},                                    // LZF text
		{"c5", 0, ErrEncoding},
		{"02 31", 0, io.ErrUnexpectedEOF},
	} {
		v, err := NewReaderBytes(unhex(t, tc.in)).Int()
		if v != tc.v || err != tc.err {
			t.Errorf("Int(%s) = %d, %v; want %d, %v", tc.in, v, err, tc.v, tc.err)
		}
	}
}

func TestReaderDouble(t *testing.T) {
	for _, tc := range []struct {
		in   []byte
		want float64
		ok   bool
	}{
		{[]byte{253}, math.NaN(), true},
		{[]byte{254}, math.Inf(1), true},
		{[]byte{255}, math.Inf(-1), true},
		{append([]byte{3}, "1.5"...), 1.5, true},
		{append([]byte{5}, "-0.25"...), -0.25, true},
		{append([]byte{22}, "1.0000000000000002e+30"...), 1.0000000000000002e+30, true},
		{append([]byte{4}, "  42"...), 42, true},
		{append([]byte{5}, "1.5xy"...), 1.5, true}, // sscanf stops at junk
		{append([]byte{5}, "7\x00123"...), 7, true},
		{append([]byte{5}, "1e400"...), math.Inf(1), true},
		{append([]byte{3}, "inf"...), math.Inf(1), true},
		{append([]byte{4}, "0x10"...), 16, true},
		{append([]byte{3}, "1_0"...), 1, true},
		{[]byte{0}, 0, false},
		{append([]byte{3}, "abc"...), 0, false},
		{append([]byte{2}, "  "...), 0, false},
		{append([]byte{1}, "-"...), 0, false},
	} {
		f, err := NewReaderBytes(tc.in).Double()
		if !tc.ok {
			if err != ErrDouble {
				t.Errorf("Double(%q) = %v, %v; want ErrDouble", tc.in, f, err)
			}
			continue
		}
		if err != nil || !(f == tc.want || math.IsNaN(f) && math.IsNaN(tc.want)) {
			t.Errorf("Double(%q) = %v, %v; want %v", tc.in, f, err, tc.want)
		}
	}
	if _, err := NewReaderBytes([]byte{5, '1'}).Double(); err != io.ErrUnexpectedEOF {
		t.Errorf("truncated double: %v", err)
	}
}

func TestReaderFixedWidth(t *testing.T) {
	in := unhex(t, "000000000000f83f"+"0000c03f"+"7b68e5cf8b010000"+"ffffffff"+"00f15365")
	r := NewReaderBytes(in)
	if f, err := r.BinaryDouble(); f != 1.5 || err != nil {
		t.Errorf("BinaryDouble = %v, %v", f, err)
	}
	if f, err := r.BinaryFloat(); f != 1.5 || err != nil {
		t.Errorf("BinaryFloat = %v, %v", f, err)
	}
	if v, err := r.MillisecondTime(); v != 1700000000123 || err != nil {
		t.Errorf("MillisecondTime = %v, %v", v, err)
	}
	if v, err := r.SecondTime(); v != -1 || err != nil {
		t.Errorf("SecondTime = %v, %v", v, err)
	}
	if v, err := r.SecondTime(); v != 1700000000 || err != nil {
		t.Errorf("SecondTime = %v, %v", v, err)
	}
	if r.Offset() != int64(len(in)) {
		t.Errorf("Offset = %d", r.Offset())
	}
	if _, err := r.MillisecondTime(); err != io.ErrUnexpectedEOF {
		t.Errorf("past the end: %v", err)
	}
}

func TestReaderFooter(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	w.Header()
	w.AuxInt("redis-bits", 64)
	w.Footer()
	file := buf.Bytes()

	read := func(b []byte, check bool) error {
		r := NewReader(bytes.NewReader(b))
		v, err := r.Header()
		if err != nil {
			return err
		}
		for {
			op, err := r.Byte()
			if err != nil {
				return err
			}
			if op == OpEOF {
				return r.Footer(v, check)
			}
			r.String()
			r.String()
		}
	}
	if err := read(file, true); err != nil {
		t.Errorf("valid checksum: %v", err)
	}
	bad := bytes.Clone(file)
	bad[len(bad)-1] ^= 1
	var sum *ChecksumError
	if err := read(bad, true); !errors.As(err, &sum) || !errors.Is(err, ErrChecksum) || sum.Got != sum.Expected^(1<<56) {
		t.Errorf("wrong checksum: %v", err)
	}
	if err := read(bad, false); err != nil {
		t.Errorf("wrong checksum, check off: %v", err)
	}
	zero := bytes.Clone(file)
	clear(zero[len(zero)-8:])
	if err := read(zero, true); err != nil {
		t.Errorf("zero checksum: %v", err)
	}
	if err := read(file[:len(file)-3], true); err != io.ErrUnexpectedEOF {
		t.Errorf("truncated checksum: %v", err)
	}
	// Before version 5 there is no checksum to read.
	if err := NewReaderBytes(nil).Footer(4, true); err != nil {
		t.Errorf("version 4: %v", err)
	}
}

// chunkReader returns its data in pieces of the given sizes (cycled), so
// a stream can be split at every point.
type chunkReader struct {
	data  []byte
	sizes []int
	i     int
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	n := min(len(p), len(c.data), c.sizes[c.i%len(c.sizes)])
	c.i++
	copy(p, c.data[:n])
	c.data = c.data[n:]
	return n, nil
}

// record is one item of a test stream.
type record struct {
	kind int // 0 string, 1 length, 2 int, 3 double, 4 ms time
	s    []byte
	n    uint64
}

// randomStream writes count random records; strings are mostly short,
// with an occasional one up to big bytes.
func randomStream(r *rand.Rand, count, big int) ([]record, []byte) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	var recs []record
	for range count {
		rec := record{kind: r.IntN(5)}
		switch rec.kind {
		case 0:
			n := r.IntN(100)
			switch r.IntN(20) {
			case 0:
				n = r.IntN(big + 1)
			case 1:
				n = 0
			}
			rec.s = make([]byte, n)
			for i := range rec.s {
				rec.s[i] = "ab1"[r.IntN(3)]
			}
			if r.IntN(4) == 0 {
				rec.s = []byte(string(rune('0' + r.IntN(10))))
			}
			w.String(rec.s)
		case 1:
			rec.n = r.Uint64() >> r.IntN(64)
			w.Len(rec.n)
		case 2:
			rec.n = r.Uint64() >> r.IntN(64)
			w.Int(int64(rec.n))
		case 3:
			rec.n = r.Uint64()
			w.BinaryDouble(math.Float64frombits(rec.n))
		case 4:
			rec.n = r.Uint64()
			w.MillisecondTime(int64(rec.n))
		}
		recs = append(recs, rec)
	}
	w.Footer()
	return recs, buf.Bytes()
}

func checkStream(t *testing.T, r *Reader, recs []record, data []byte) {
	t.Helper()
	for i, rec := range recs {
		var err error
		switch rec.kind {
		case 0:
			var s []byte
			s, err = r.String()
			if err == nil && !bytes.Equal(s, rec.s) {
				t.Fatalf("record %d: string differs", i)
			}
		case 1:
			var n uint64
			n, _, err = r.Len()
			if err == nil && n != rec.n {
				t.Fatalf("record %d: Len %d, want %d", i, n, rec.n)
			}
		case 2:
			var v int64
			v, err = r.Int()
			if err == nil && v != int64(rec.n) {
				t.Fatalf("record %d: Int %d, want %d", i, v, int64(rec.n))
			}
		case 3:
			var f float64
			f, err = r.BinaryDouble()
			if err == nil && math.Float64bits(f) != rec.n {
				t.Fatalf("record %d: BinaryDouble differs", i)
			}
		case 4:
			var v int64
			v, err = r.MillisecondTime()
			if err == nil && v != int64(rec.n) {
				t.Fatalf("record %d: MillisecondTime differs", i)
			}
		}
		if err != nil {
			t.Fatalf("record %d (kind %d): %v", i, rec.kind, err)
		}
	}
	if op, err := r.Byte(); op != OpEOF || err != nil {
		t.Fatalf("EOF opcode: %d, %v", op, err)
	}
	if want := CRC64(0, data[:len(data)-8]); r.Sum() != want {
		t.Fatalf("Sum = %#x, want %#x", r.Sum(), want)
	}
	if err := r.Footer(Version, true); err != nil {
		t.Fatal(err)
	}
	if r.Offset() != int64(len(data)) {
		t.Fatalf("Offset = %d, want %d", r.Offset(), len(data))
	}
	if _, err := r.Byte(); err != io.ErrUnexpectedEOF {
		t.Fatalf("past the end: %v", err)
	}
}

// TestReaderRoundTrip reads one stream whole, from a byte slice, and
// through readers that deliver it in pieces of many sizes.
func TestReaderRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	recs, data := randomStream(r, 400, 300000)
	checkStream(t, NewReaderBytes(data), recs, data)
	checkStream(t, NewReader(bytes.NewReader(data)), recs, data)
	checkStream(t, NewReader(iotest.HalfReader(bytes.NewReader(data))), recs, data)
	checkStream(t, NewReader(iotest.DataErrReader(bytes.NewReader(data))), recs, data)
	for _, sizes := range [][]int{{1}, {7}, {3, 1000, 17}, {readBufSize - 1}, {readBufSize + 1}, {1 << 20}} {
		checkStream(t, NewReader(&chunkReader{data: data, sizes: sizes}), recs, data)
	}
}

// TestReaderSplitEverywhere delivers a small stream in two reads split at
// every point, and byte by byte.
func TestReaderSplitEverywhere(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	recs, data := randomStream(r, 40, 100)
	checkStream(t, NewReader(iotest.OneByteReader(bytes.NewReader(data))), recs, data)
	for i := 0; i <= len(data); i++ {
		c := &chunkReader{data: data, sizes: []int{i, len(data)}}
		if i == 0 {
			c.sizes = []int{len(data)}
		}
		checkStream(t, NewReader(c), recs, data)
	}
}

func TestReaderUnderlyingError(t *testing.T) {
	boom := errors.New("boom")
	r := NewReader(iotest.TimeoutReader(bytes.NewReader([]byte{5, 'a', 'b'})))
	// The first read returns what is there; the string needs more, and the
	// second read fails.
	if _, err := r.String(); err != iotest.ErrTimeout {
		t.Errorf("String = %v", err)
	}
	r = NewReader(io.MultiReader(bytes.NewReader([]byte{0x80, 0, 1, 0, 0}), iotest.ErrReader(boom)))
	if _, err := r.String(); err != boom {
		t.Errorf("String over failing reader = %v", err)
	}
	// A reader that returns nothing forever.
	r = NewReader(readerFunc(func([]byte) (int, error) { return 0, nil }))
	if _, err := r.Byte(); err != io.ErrNoProgress {
		t.Errorf("stalled reader: %v", err)
	}
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

func TestReaderRaw(t *testing.T) {
	data := make([]byte, 3*readChunk+5)
	for i := range data {
		data[i] = byte(i * 13)
	}
	for _, r := range []*Reader{NewReaderBytes(data), NewReader(bytes.NewReader(data))} {
		a, err := r.Raw(10)
		if err != nil || !bytes.Equal(a, data[:10]) {
			t.Fatalf("Raw(10) = %v", err)
		}
		b, err := r.Raw(len(data) - 10)
		if err != nil || !bytes.Equal(b, data[10:]) {
			t.Fatalf("Raw(rest) = %v", err)
		}
		if _, err := r.Raw(1); err != io.ErrUnexpectedEOF {
			t.Fatalf("Raw past end = %v", err)
		}
		if _, err := r.Raw(-1); err != ErrTooLarge {
			t.Fatalf("Raw(-1) = %v", err)
		}
		if x, err := r.Raw(0); err != nil || len(x) != 0 {
			t.Fatalf("Raw(0) = %v", err)
		}
	}
	// The result is the caller's: it does not alias the input.
	r := NewReaderBytes(data)
	s, _ := r.Raw(4)
	s[0]++
	if s[0] == data[0] {
		t.Fatal("Raw aliases the input")
	}
}

// TestReaderForgedLength: a length claiming 2^40 bytes on a short input
// fails with io.ErrUnexpectedEOF (the allocation bound is checked in
// TestReaderForgedLengthAllocates).
func TestReaderForgedLength(t *testing.T) {
	for _, in := range [][]byte{
		binary.BigEndian.AppendUint64([]byte{0x81}, 1<<40),
		append(binary.BigEndian.AppendUint32([]byte{0x80}, 1<<31), "only this"...),
		// LZF: forged compressed and original lengths
		append(append([]byte{0xC3, 0x81}, binary.BigEndian.AppendUint64(nil, 1<<40)...), 0x05, 1, 2, 3),
	} {
		in = append(in, bytes.Repeat([]byte("x"), 11)...)
		if _, err := NewReader(bytes.NewReader(in)).String(); err != io.ErrUnexpectedEOF {
			t.Errorf("%x: %v", in[:10], err)
		}
		if _, err := NewReaderBytes(in).String(); err != io.ErrUnexpectedEOF {
			t.Errorf("%x from bytes: %v", in[:10], err)
		}
	}
	// LZF whose original length is forged: the compressed bytes are all
	// there but produce far less.
	in := append([]byte{0xC3, 0x03, 0x81}, binary.BigEndian.AppendUint64(nil, 1<<40)...)
	in = append(in, 0x01, 'a', 'b')
	if _, err := NewReader(bytes.NewReader(in)).String(); err != ErrLZF {
		t.Errorf("forged LZF length: %v", err)
	}
}
