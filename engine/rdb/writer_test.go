package rdb

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// unhex decodes a hex string, allowing spaces for readability.
func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// written runs f on a fresh Writer (compression as given) and returns the
// bytes it produced.
func written(t testing.TB, compress bool, f func(w *Writer)) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := NewWriter(&buf)
	w.SetCompress(compress)
	f(w)
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if w.Written() != int64(buf.Len()) {
		t.Fatalf("Written() = %d, wrote %d", w.Written(), buf.Len())
	}
	return buf.Bytes()
}

func TestLenEncoding(t *testing.T) {
	for _, tc := range []struct {
		n    uint64
		want string
	}{
		{0, "00"},
		{1, "01"},
		{63, "3f"},
		{64, "4040"},
		{300, "412c"},
		{16383, "7fff"},
		{16384, "80 00004000"},
		{1<<32 - 1, "80 ffffffff"},
		{1 << 32, "81 0000000100000000"},
		{math.MaxUint64, "81 ffffffffffffffff"},
	} {
		got := written(t, false, func(w *Writer) { w.Len(tc.n) })
		if want := unhex(t, tc.want); !bytes.Equal(got, want) {
			t.Errorf("Len(%d) = %x, want %x", tc.n, got, want)
		}
		n, enc, err := NewReaderBytes(got).Len()
		if err != nil || enc || n != tc.n {
			t.Errorf("reading Len(%d) = %d, %v, %v", tc.n, n, enc, err)
		}
	}
}

func TestStringEncoding(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want string // hex, or "=" for a plain length + bytes encoding
	}{
		{"", "00"},
		{"0", "c000"},
		{"12", "c00c"},
		{"-1", "c0ff"},
		{"127", "c07f"},
		{"-128", "c080"},
		{"128", "c1 8000"},
		{"-129", "c1 7fff"},
		{"32767", "c1 ff7f"},
		{"-32768", "c1 0080"},
		{"32768", "c2 00800000"},
		{"-32769", "c2 ff7fffff"},
		{"2147483647", "c2 ffffff7f"},
		{"-2147483648", "c2 00000080"}, // 11 bytes: still tried
		{"2147483648", "="},            // beyond 32 bits
		{"-2147483649", "="},
		{"99999999999", "="},
		{"012", "="},
		{" 1", "="},
		{"1 ", "="},
		{"+1", "="},
		{"-0", "="},
		{"-", "="},
		{"00", "="},
		{"1a", "="},
		{"hello", "="},
	} {
		for _, compress := range []bool{false, true} {
			got := written(t, compress, func(w *Writer) { w.String([]byte(tc.s)) })
			want := append([]byte{byte(len(tc.s))}, tc.s...)
			if tc.want != "=" {
				want = unhex(t, tc.want)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("String(%q) = %x, want %x", tc.s, got, want)
			}
			back, err := NewReaderBytes(got).String()
			if err != nil || string(back) != tc.s {
				t.Errorf("reading String(%q) = %q, %v", tc.s, back, err)
			}
		}
	}
}

// Exact LZF strings as Valkey 9.0 DUMPs them (checked with
// TestValkeyDump): the second byte after c3 is the compressed length,
// the third the original length.
func TestStringLZFExact(t *testing.T) {
	for _, tc := range []struct {
		s, want string
	}{
		// literal "aa", then one match of 19 bytes at offset 1: liblzf's
		// unrolled compare lets it run past its 17-byte bound.
		{strings.Repeat("a", 21), "c3 06 15 01 6161 e00a00"},
		{strings.Repeat("a", 100), "c3 09 40 64 01 6161 e05700 01 6161"},
		{strings.Repeat("abc", 9), "c3 0b 1b 03 61626361 e00c02 01 6263"},
		{strings.Repeat("0123456789", 10), "c3 12 40 64 0a 3031323334353637383930 e04e09 01 3839"},
	} {
		got := written(t, true, func(w *Writer) { w.String([]byte(tc.s)) })
		if want := unhex(t, tc.want); !bytes.Equal(got, want) {
			t.Errorf("String(%q) = %x, want %x", tc.s, got, want)
		}
		back, err := NewReaderBytes(got).String()
		if err != nil || string(back) != tc.s {
			t.Errorf("reading back %q: %q, %v", tc.s, back, err)
		}
		plain := written(t, false, func(w *Writer) { w.String([]byte(tc.s)) })
		if plain[0] == 0xC3 {
			t.Errorf("String(%q) compressed with compression off", tc.s)
		}
	}
}

func TestStringLZFThreshold(t *testing.T) {
	// 20 bytes is never tried; 21 is.
	if got := written(t, true, func(w *Writer) { w.String(bytes.Repeat([]byte("a"), 20)) }); got[0] != 20 {
		t.Errorf("20 bytes: %x", got)
	}
	// Valkey stores a string compressed when liblzf succeeds with an
	// output limit of len-4. liblzf wants spare room at the end (three
	// bytes for its final literals), so the largest compressed size that
	// is used is len-5, and some strings that would compress to len-4 or
	// less are still stored plain. Check that both edges are mirrored.
	sawTightest, sawRefused := false, false
	r := rand.New(rand.NewPCG(3, 4))
	var buf bytes.Buffer
	w := NewWriter(&buf)
	c := new(lzfCompressor) // not LZFCompress: the race detector empties pools
	for range 4000 {
		n := 21 + r.IntN(40)
		s := make([]byte, n)
		for i := range s {
			s[i] = "ab"[r.IntN(2)]
			if r.IntN(4) == 0 {
				s[i] = byte(r.Uint32())
			}
		}
		clen := c.compress(s, make([]byte, 2*n))
		fitting := c.compress(s, make([]byte, n-4))
		buf.Reset()
		w.Reset(&buf)
		w.String(s)
		w.Flush()
		got := buf.Bytes()
		if fitting != 0 {
			if got[0] != 0xC0|EncLZF || fitting != clen || int(got[1]) != clen {
				t.Fatalf("%x: LZF fits in %d bytes but String wrote %x", s, n-4, got)
			}
			if clen > n-5 {
				t.Fatalf("%x: compressed to %d of %d bytes", s, clen, n)
			}
			sawTightest = sawTightest || clen == n-5
		} else {
			if got[0] == 0xC0|EncLZF {
				t.Fatalf("%x: LZF does not fit but String compressed", s)
			}
			sawRefused = sawRefused || clen <= n-4
		}
	}
	if !sawTightest || !sawRefused {
		t.Errorf("edges not exercised: used at len-5 %v, refused at len-4 or less %v", sawTightest, sawRefused)
	}
}

func TestWriterInt(t *testing.T) {
	for _, tc := range []struct {
		v    int64
		want string
	}{
		{0, "c000"},
		{-128, "c080"},
		{1000, "c1 e803"},
		{-2147483648, "c2 00000080"},
		{2147483648, "0a 32313437343833363438"},
		{math.MinInt64, "14 2d39323233333732303336383534373735383038"},
	} {
		got := written(t, true, func(w *Writer) { w.Int(tc.v) })
		if want := unhex(t, tc.want); !bytes.Equal(got, want) {
			t.Errorf("Int(%d) = %x, want %x", tc.v, got, want)
		}
		r := NewReaderBytes(got)
		if v, err := r.Int(); err != nil || v != tc.v {
			t.Errorf("reading Int(%d) = %d, %v", tc.v, v, err)
		}
	}
}

func TestWriterRecords(t *testing.T) {
	got := written(t, true, func(w *Writer) {
		w.Header()
		w.Aux("valkey-ver", "9.0.4")
		w.AuxInt("redis-bits", 64)
		w.AuxInt("ctime", 1700000000)
		w.SelectDB(0)
		w.ResizeDB(2, 1)
		w.Expire(1700000000123)
		w.Byte(TypeString)
		w.String([]byte("k"))
		w.String([]byte("v"))
		w.Byte(TypeZSet2)
		w.BinaryDouble(1.5)
		w.MillisecondTime(-1)
	})
	want := unhex(t, ""+
		"56414c4b4559303830"+ // VALKEY080
		"fa 0a 76616c6b65792d766572 05 392e302e34"+
		"fa 0a 72656469732d62697473 c040"+
		"fa 05 6374696d65 c2 00f15365"+
		"fe 00"+
		"fb 02 01"+
		"fc 7b68e5cf8b010000"+
		"00 01 6b 01 76"+
		"05 000000000000f83f"+
		"ffffffffffffffff")
	if !bytes.Equal(got, want) {
		t.Fatalf("got  %x\nwant %x", got, want)
	}
}

func TestWriterFooter(t *testing.T) {
	for _, checksum := range []bool{true, false} {
		var buf bytes.Buffer
		w := NewWriter(&buf)
		w.SetChecksum(checksum)
		w.Header()
		w.SelectDB(0)
		w.Byte(TypeString)
		w.String([]byte("key"))
		w.String(bytes.Repeat([]byte("value"), 10))
		if err := w.Footer(); err != nil {
			t.Fatal(err)
		}
		b := buf.Bytes()
		if b[len(b)-9] != OpEOF {
			t.Fatalf("no EOF opcode: %x", b)
		}
		var want uint64
		if checksum {
			want = CRC64(0, b[:len(b)-8])
		}
		if got := binary.LittleEndian.Uint64(b[len(b)-8:]); got != want {
			t.Errorf("checksum %v: footer %#x, want %#x", checksum, got, want)
		}
		if w.Written() != int64(len(b)) {
			t.Errorf("Written() = %d, len %d", w.Written(), len(b))
		}
	}
}

// TestWriterChecksumAcrossFlushes writes pieces of every size, straddling
// the buffer and bypassing it, and checks the footer against the CRC of
// the whole output.
func TestWriterChecksumAcrossFlushes(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	var buf bytes.Buffer
	w := NewWriter(&buf)
	var want bytes.Buffer
	for range 300 {
		n := r.IntN(2000)
		if r.IntN(10) == 0 {
			n = r.IntN(3 * writeBufSize)
		}
		p := make([]byte, n)
		for i := range p {
			p[i] = byte(r.Uint32())
		}
		switch r.IntN(3) {
		case 0:
			w.Raw(p)
			want.Write(p)
		case 1:
			w.SetCompress(false)
			w.String(p)
			want.Write(appendLen(nil, uint64(n)))
			want.Write(p)
		default:
			if n > 0 {
				w.Byte(p[0])
				want.WriteByte(p[0])
			}
		}
	}
	if err := w.Footer(); err != nil {
		t.Fatal(err)
	}
	want.WriteByte(OpEOF)
	want.Write(binary.LittleEndian.AppendUint64(nil, CRC64(0, want.Bytes())))
	if !bytes.Equal(buf.Bytes(), want.Bytes()) {
		t.Fatalf("output differs (%d vs %d bytes)", buf.Len(), want.Len())
	}
}

type failWriter struct {
	n   int // bytes accepted before failing
	err error
}

func (f *failWriter) Write(p []byte) (int, error) {
	if len(p) <= f.n {
		f.n -= len(p)
		return len(p), nil
	}
	n := f.n
	f.n = 0
	return n, f.err
}

func TestWriterStickyError(t *testing.T) {
	boom := errors.New("boom")
	fw := &failWriter{n: 10, err: boom}
	w := NewWriter(fw)
	w.Raw(make([]byte, 3*writeBufSize)) // bypasses the buffer and fails
	if !errors.Is(w.Err(), boom) {
		t.Fatalf("Err() = %v", w.Err())
	}
	before := w.Written()
	w.String([]byte("more"))
	w.Len(5)
	w.Byte(1)
	w.Header()
	if w.Written() != before {
		t.Errorf("writes after an error were buffered")
	}
	if err := w.Footer(); !errors.Is(err, boom) {
		t.Errorf("Footer() = %v", err)
	}
	if err := w.Flush(); !errors.Is(err, boom) {
		t.Errorf("Flush() = %v", err)
	}

	// A short write without an error is io.ErrShortWrite.
	w = NewWriter(writerFunc(func(p []byte) (int, error) { return len(p) / 2, nil }))
	w.Raw([]byte("abcd"))
	if err := w.Flush(); !errors.Is(err, io.ErrShortWrite) {
		t.Errorf("short write: %v", err)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func TestWriterReset(t *testing.T) {
	var a, b bytes.Buffer
	w := NewWriter(&a)
	w.String([]byte("lost"))
	w.Reset(&b)
	w.String([]byte("kept"))
	w.Flush()
	if a.Len() != 0 || b.String() != "\x04kept" || w.Written() != 5 {
		t.Fatalf("a %q b %q written %d", a.Bytes(), b.Bytes(), w.Written())
	}
}

func TestWriterLZFBlob(t *testing.T) {
	s := bytes.Repeat([]byte("blob "), 40)
	c := make([]byte, len(s))
	c = c[:LZFCompress(s, c)]
	got := written(t, false, func(w *Writer) { w.LZFBlob(c, len(s)) })
	// The same bytes String writes when it compresses.
	if want := written(t, true, func(w *Writer) { w.String(s) }); !bytes.Equal(got, want) {
		t.Fatalf("LZFBlob %x, String %x", got, want)
	}
}
