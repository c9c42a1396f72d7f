package rdb

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"testing"

	"github.com/volleydb/volley/engine/intset"
	"github.com/volleydb/volley/engine/listpack"
)

// zlEntry is an entry for the test ziplist encoder: a string, or with
// isInt an integer in the narrowest encoding.
type zlEntry struct {
	s     string
	v     int64
	isInt bool
}

func zs(s string) zlEntry { return zlEntry{s: s} }
func zi(v int64) zlEntry  { return zlEntry{v: v, isInt: true} }

// encodeZiplistEntry returns the encoding and data of e (no prevlen).
func encodeZiplistEntry(e zlEntry) []byte {
	if e.isInt {
		v := e.v
		switch {
		case v >= 0 && v <= 12:
			return []byte{zlImmMin + byte(v)}
		case v >= math.MinInt8 && v <= math.MaxInt8:
			return []byte{zlInt8, byte(v)}
		case v >= math.MinInt16 && v <= math.MaxInt16:
			return binary.LittleEndian.AppendUint16([]byte{zlInt16}, uint16(v))
		case v >= -1<<23 && v < 1<<23:
			return []byte{zlInt24, byte(v), byte(v >> 8), byte(v >> 16)}
		case v >= math.MinInt32 && v <= math.MaxInt32:
			return binary.LittleEndian.AppendUint32([]byte{zlInt32}, uint32(v))
		default:
			return binary.LittleEndian.AppendUint64([]byte{zlInt64}, uint64(v))
		}
	}
	n := len(e.s)
	var b []byte
	switch {
	case n < 64:
		b = []byte{byte(n)}
	case n < 16384:
		b = []byte{0x40 | byte(n>>8), byte(n)}
	default:
		b = binary.BigEndian.AppendUint32([]byte{0x80}, uint32(n))
	}
	return append(b, e.s...)
}

// buildZiplist is a test-only ziplist encoder.
func buildZiplist(entries ...zlEntry) []byte {
	zl := make([]byte, zlHeaderLen)
	prev, tail := 0, zlHeaderLen
	for _, e := range entries {
		tail = len(zl)
		start := len(zl)
		if prev < zlBigPrevlen {
			zl = append(zl, byte(prev))
		} else {
			zl = binary.LittleEndian.AppendUint32(append(zl, zlBigPrevlen), uint32(prev))
		}
		zl = append(zl, encodeZiplistEntry(e)...)
		prev = len(zl) - start
	}
	zl = append(zl, zlEnd)
	binary.LittleEndian.PutUint32(zl, uint32(len(zl)))
	binary.LittleEndian.PutUint32(zl[4:], uint32(tail))
	binary.LittleEndian.PutUint16(zl[8:], uint16(min(len(entries), 0xFFFF)))
	return zl
}

// lpTexts returns a listpack's entries as text.
func lpTexts(lp []byte) []string {
	var out []string
	var buf [20]byte
	for p := listpack.First(lp); p >= 0; p = listpack.Next(lp, p) {
		out = append(out, string(listpack.GetString(lp, p, buf[:])))
	}
	return out
}

func entryText(e zlEntry) string {
	if e.isInt {
		return strconv.FormatInt(e.v, 10)
	}
	return e.s
}

func TestZiplistExample(t *testing.T) {
	// The two-entry ziplist "2", "5" from ziplist.c's description.
	zl := unhex(t, "0f000000 0c000000 0200 00f3 02f6 ff")
	if !bytes.Equal(buildZiplist(zi(2), zi(5)), zl) {
		t.Fatalf("test encoder: %x", buildZiplist(zi(2), zi(5)))
	}
	lp, err := ZiplistToListpack(zl)
	if err != nil {
		t.Fatal(err)
	}
	want := listpack.Append(listpack.Append(listpack.New(0), []byte("2")), []byte("5"))
	if !bytes.Equal(lp, want) {
		t.Fatalf("listpack %x, want %x", lp, want)
	}
}

func TestZiplistToListpack(t *testing.T) {
	long := string(bytes.Repeat([]byte("x"), 300))
	huge := string(bytes.Repeat([]byte("y"), 20000))
	cases := [][]zlEntry{
		{},
		{zs("")},
		{zs("hello"), zs("world")},
		{zi(0), zi(12), zi(13), zi(-1), zi(127), zi(-128), zi(128), zi(-129)},
		{zi(32767), zi(-32768), zi(32768), zi(1<<23 - 1), zi(-1 << 23), zi(1 << 23)},
		{zi(math.MaxInt32), zi(math.MinInt32), zi(math.MaxInt32 + 1), zi(math.MinInt64), zi(math.MaxInt64)},
		{zs(long), zs("after a 5-byte prevlen"), zs(huge), zi(7)},
		{zs("123"), zs("-5"), zs("007"), zs("9223372036854775808")}, // strings that look numeric
	}
	var many []zlEntry
	for i := range 70000 {
		many = append(many, zi(int64(i)))
	}
	cases = append(cases, many) // count 65535: "walk to count"
	for i, entries := range cases {
		zl := buildZiplist(entries...)
		lp, err := ZiplistToListpack(zl)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		if !listpack.ValidateIntegrity(lp) {
			t.Fatalf("case %d: invalid listpack", i)
		}
		// The same bytes listpack.Append makes from each entry's text.
		want := listpack.New(0)
		for _, e := range entries {
			want = listpack.Append(want, []byte(entryText(e)))
		}
		if !bytes.Equal(lp, want) {
			t.Fatalf("case %d: listpack differs from appending the texts", i)
		}
	}
}

func TestZiplistRejects(t *testing.T) {
	good := buildZiplist(zs("a"), zi(1000), zs(string(bytes.Repeat([]byte("z"), 260))), zs("b"))
	if _, err := ZiplistToListpack(good); err != nil {
		t.Fatal(err)
	}
	mutate := func(f func(zl []byte) []byte) []byte { return f(bytes.Clone(good)) }
	setBytes := func(zl []byte) []byte { binary.LittleEndian.PutUint32(zl, uint32(len(zl))); return zl }
	for name, zl := range map[string][]byte{
		"empty":           nil,
		"header only":     good[:10],
		"zlbytes large":   mutate(func(zl []byte) []byte { zl[0]++; return zl }),
		"zlbytes small":   mutate(func(zl []byte) []byte { zl[0]--; return zl }),
		"no terminator":   mutate(func(zl []byte) []byte { zl[len(zl)-1] = 0; return zl }),
		"tail past end":   mutate(func(zl []byte) []byte { binary.LittleEndian.PutUint32(zl[4:], uint32(len(zl))); return zl }),
		"tail not last":   mutate(func(zl []byte) []byte { binary.LittleEndian.PutUint32(zl[4:], zlHeaderLen); return zl }),
		"count high":      mutate(func(zl []byte) []byte { zl[8]++; return zl }),
		"count low":       mutate(func(zl []byte) []byte { zl[8]--; return zl }),
		"first prevlen":   mutate(func(zl []byte) []byte { zl[10] = 1; return zl }),
		"bad encoding":    mutate(func(zl []byte) []byte { zl[11] = 0xC1; return zl }),
		"end as entry":    mutate(func(zl []byte) []byte { zl[11] = 0xFF; return zl }),
		"string too long": mutate(func(zl []byte) []byte { zl[11] = 0x3F; return zl }),
		"early end":       mutate(func(zl []byte) []byte { zl[13] = 0xFF; return zl }),
		"trailing byte": mutate(func(zl []byte) []byte {
			zl = append(zl[:len(zl)-1], 0, zlEnd)
			return setBytes(zl)
		}),
		"prevlen mismatch":   buildRaw(t, "00 01 61", "02 01 62"),
		"prevlen header cut": buildRaw(t, "00 01 61", "fe 0300"),
		"32-bit length cut":  buildRaw(t, "00 80 0000"),
		"32-bit length huge": buildRaw(t, "00 80 ffffffff 61"),
		"int past end":       buildRaw(t, "00 e0 0102"),
	} {
		if _, err := ZiplistToListpack(zl); err != ErrZiplist {
			t.Errorf("%s: %v", name, err)
		}
	}
	// A 5-byte prevlen holding a small value is valid: ziplists never
	// shrink a prevlen field when the previous entry shrinks.
	if lp, err := ZiplistToListpack(buildRaw(t, "00 01 61", "fe 03000000 01 62")); err != nil || fmt.Sprint(lpTexts(lp)) != "[a b]" {
		t.Errorf("wide prevlen: %v", err)
	}
	// 65535 accepts any number of entries.
	zl := bytes.Clone(good)
	binary.LittleEndian.PutUint16(zl[8:], 0xFFFF)
	if _, err := ZiplistToListpack(zl); err != nil {
		t.Errorf("count 65535: %v", err)
	}
}

// buildRaw makes a ziplist of hand-written entries with a consistent
// header (tail at the last entry), to test the entry checks.
func buildRaw(t *testing.T, entries ...string) []byte {
	zl := make([]byte, zlHeaderLen)
	tail := zlHeaderLen
	for _, e := range entries {
		tail = len(zl)
		zl = append(zl, unhex(t, e)...)
	}
	zl = append(zl, zlEnd)
	binary.LittleEndian.PutUint32(zl, uint32(len(zl)))
	binary.LittleEndian.PutUint32(zl[4:], uint32(tail))
	binary.LittleEndian.PutUint16(zl[8:], uint16(len(entries)))
	return zl
}

// zmPair is a field and value for the test zipmap encoder, with free
// bytes after the value.
type zmPair struct {
	f, v string
	free int
}

func zipmapLen(b []byte, n int) []byte {
	if n < zmBigLen {
		return append(b, byte(n))
	}
	return binary.LittleEndian.AppendUint32(append(b, zmBigLen), uint32(n))
}

// buildZipmap is a test-only zipmap encoder.
func buildZipmap(pairs ...zmPair) []byte {
	zm := []byte{byte(min(len(pairs), zmBigLen))}
	for _, p := range pairs {
		zm = append(zipmapLen(zm, len(p.f)), p.f...)
		zm = append(zipmapLen(zm, len(p.v)), byte(p.free))
		zm = append(zm, p.v...)
		zm = append(zm, make([]byte, p.free)...)
	}
	return append(zm, zmEnd)
}

func TestZipmapToListpack(t *testing.T) {
	// The example from zipmap.c's description.
	zm := []byte("\x02\x03foo\x03\x00bar\x05hello\x05\x00world\xff")
	if !bytes.Equal(buildZipmap(zmPair{f: "foo", v: "bar"}, zmPair{f: "hello", v: "world"}), zm) {
		t.Fatal("test encoder differs from the documented example")
	}
	long := string(bytes.Repeat([]byte("L"), 300))
	var many []zmPair
	for i := range 300 {
		many = append(many, zmPair{f: fmt.Sprint("f", i), v: fmt.Sprint(i)})
	}
	for i, pairs := range [][]zmPair{
		{{f: "foo", v: "bar"}, {f: "hello", v: "world"}},
		{{f: "", v: ""}},
		{{f: "n", v: "12", free: 3}, {f: long, v: long, free: 255}, {f: "x", v: "-7"}},
		many,
	} {
		lp, err := ZipmapToListpack(buildZipmap(pairs...))
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		var want []string
		for _, p := range pairs {
			want = append(want, p.f, p.v)
		}
		if got := lpTexts(lp); fmt.Sprint(got) != fmt.Sprint(want) || !listpack.ValidateIntegrity(lp) {
			t.Fatalf("case %d: %q", i, got)
		}
	}
	// Valkey ignores bytes after a terminator that ends the entries.
	withJunk := append(buildZipmap(zmPair{f: "a", v: "b"}), "junk\xff"...)
	if lp, err := ZipmapToListpack(withJunk); err != nil || fmt.Sprint(lpTexts(lp)) != "[a b]" {
		t.Errorf("trailing bytes: %v", err)
	}
}

func TestZipmapRejects(t *testing.T) {
	good := buildZipmap(zmPair{f: "a", v: "bb", free: 1}, zmPair{f: "c", v: "d"})
	for name, zm := range map[string][]byte{
		"empty":            nil,
		"one byte":         {zmEnd},
		"no entries":       {0, zmEnd},
		"no terminator":    good[:len(good)-1],
		"count wrong":      append([]byte{3}, good[1:]...),
		"duplicate field":  buildZipmap(zmPair{f: "a", v: "1"}, zmPair{f: "b", v: "2"}, zmPair{f: "a", v: "3"}),
		"field past end":   {1, 5, 'a', zmEnd},
		"value past end":   {1, 1, 'a', 5, 0, 'b', zmEnd},
		"free past end":    {1, 1, 'a', 1, 9, 'b', zmEnd},
		"value len cut":    {1, 1, 'a', zmBigLen, 0, zmEnd},
		"short as 5 bytes": append([]byte{1, zmBigLen, 1, 0, 0, 0, 'a', 1, 0, 'b'}, zmEnd),
		"value short 5":    append([]byte{1, 1, 'a', zmBigLen, 1, 0, 0, 0, 0, 'b'}, zmEnd),
		"end as value len": append([]byte{1, 1, 'a', zmEnd, 1, 0, 0, 0, 0, 'b'}, zmEnd),
	} {
		if _, err := ZipmapToListpack(zm); err != ErrZipmap {
			t.Errorf("%s: %v", name, err)
		}
	}
	// 254 as the count means "count them": any number is accepted.
	zm := bytes.Clone(good)
	zm[0] = zmBigLen
	if _, err := ZipmapToListpack(zm); err != nil {
		t.Errorf("count 254: %v", err)
	}
}

func TestValidIntset(t *testing.T) {
	build := func(vals ...int64) []byte {
		is := intset.New()
		for _, v := range vals {
			is, _ = intset.Add(is, v)
		}
		return is
	}
	for _, is := range [][]byte{build(1), build(-5, 0, 5), build(1, 100000), build(math.MinInt64, math.MaxInt64)} {
		if !ValidIntset(is) {
			t.Errorf("valid intset %x refused", is)
		}
	}
	for name, is := range map[string][]byte{
		"empty bytes":    nil,
		"no elements":    build(),
		"width 3":        unhex(t, "03000000 01000000 010000"),
		"short":          unhex(t, "02000000 02000000 0100"),
		"long":           unhex(t, "02000000 01000000 01000200"),
		"duplicate":      unhex(t, "02000000 02000000 0100 0100"),
		"descending":     unhex(t, "02000000 02000000 0200 0100"),
		"count overflow": unhex(t, "08000000 00000020 0100000000000000"),
	} {
		if ValidIntset(is) {
			t.Errorf("%s: %x accepted", name, is)
		}
	}
}
