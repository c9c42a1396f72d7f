package listpack

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
)

// valkeyCases are the lists whose listpacks testdata/valkey_listpacks.tsv.gz
// holds, captured from Valkey 9.0.4 with RPUSH and DUMP (rdbcompression no).
var valkeyCases = map[string][]string{
	"ints": {"0", "1", "127", "128", "-1", "-4096", "4095", "4096", "-4097", "32767",
		"32768", "-32768", "-32769", "8388607", "8388608", "-8388608", "-8388609",
		"2147483647", "2147483648", "-2147483648", "-2147483649",
		"9223372036854775807", "-9223372036854775808",
		"9223372036854775808", "-9223372036854775809"},
	"notints": {"01", "-0", "+1", " 1", "1 ", "", "-", "00", "0x1", "1.5",
		"12345678901234567890123"},
	"strs6": {"a", strings.Repeat("x", 63), strings.Repeat("y", 64),
		strings.Repeat("z", 127), strings.Repeat("w", 128)},
	"str12": {strings.Repeat("q", 4095)},
	"str32": {strings.Repeat("r", 4096)},
	"mid": {strings.Repeat("s", 200), strings.Repeat("t", 16382),
		strings.Repeat("u", 16378), strings.Repeat("v", 16377)},
}

func loadValkeyListpacks(t *testing.T) map[string][]byte {
	t.Helper()
	f, err := os.Open("testdata/valkey_listpacks.tsv.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	sc := bufio.NewScanner(zr)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		fields := strings.Split(sc.Text(), "\t")
		if len(fields) != 3 || fields[1] != "listpack" {
			t.Fatalf("bad line %.40q", sc.Text())
		}
		b, err := hex.DecodeString(fields[2])
		if err != nil {
			t.Fatal(err)
		}
		out[fields[0]] = b
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func build(vals []string) []byte {
	lp := New(0)
	for _, v := range vals {
		lp = Append(lp, []byte(v))
	}
	return lp
}

// contents reads lp forwards, checking backward iteration agrees.
func contents(t *testing.T, lp []byte) []string {
	t.Helper()
	var out []string
	var buf [24]byte
	for p := First(lp); p >= 0; p = Next(lp, p) {
		out = append(out, string(GetString(lp, p, buf[:])))
	}
	var back []string
	for p := Last(lp); p >= 0; p = Prev(lp, p) {
		back = append(back, string(GetString(lp, p, buf[:])))
	}
	if len(back) != len(out) {
		t.Fatalf("forward %d entries, backward %d", len(out), len(back))
	}
	for i := range out {
		if out[i] != back[len(back)-1-i] {
			t.Fatalf("entry %d: forward %q backward %q", i, out[i], back[len(back)-1-i])
		}
	}
	return out
}

func TestListpackMatchesValkeyBytes(t *testing.T) {
	want := loadValkeyListpacks(t)
	if len(want) != len(valkeyCases) {
		t.Fatalf("testdata has %d cases, want %d", len(want), len(valkeyCases))
	}
	for name, vals := range valkeyCases {
		lp := build(vals)
		if !bytes.Equal(lp, want[name]) {
			t.Errorf("%s: bytes differ from Valkey's\n got %x\nwant %x", name, trunc(lp), trunc(want[name]))
			continue
		}
		if !ValidateIntegrity(want[name]) {
			t.Errorf("%s: Valkey's listpack fails validation", name)
		}
		got := contents(t, want[name])
		// Valkey stores integer-looking strings as integers; they read back
		// as the same text.
		if strings.Join(got, "\x00") != strings.Join(vals, "\x00") {
			t.Errorf("%s: read back %q", name, got)
		}
		// Built from the front the bytes are the same.
		lp2 := New(0)
		for i := len(vals) - 1; i >= 0; i-- {
			lp2 = Prepend(lp2, []byte(vals[i]))
		}
		if !bytes.Equal(lp2, want[name]) {
			t.Errorf("%s: prepend-built bytes differ", name)
		}
	}
}

func trunc(b []byte) []byte {
	if len(b) > 64 {
		return b[:64]
	}
	return b
}

func TestListpackExactSmall(t *testing.T) {
	// Hand-checked against the format: header, entries, backlens, EOF.
	lp := New(0)
	if want := []byte{7, 0, 0, 0, 0, 0, 0xFF}; !bytes.Equal(lp, want) {
		t.Fatalf("empty = %x", lp)
	}
	lp = Append(lp, []byte("hi"))
	lp = AppendInt(lp, -1)
	lp = Append(lp, []byte("300"))
	want := []byte{
		17, 0, 0, 0, 3, 0,
		0x82, 'h', 'i', 3, // 6-bit string
		0xDF, 0xFF, 2, // 13-bit -1
		0xC1, 0x2C, 2, // 13-bit 300
		0xFF,
	}
	if !bytes.Equal(lp, want) {
		t.Fatalf("got  %x\nwant %x", lp, want)
	}
	if Len(lp) != 3 || Bytes(lp) != len(lp) {
		t.Fatalf("Len %d Bytes %d", Len(lp), Bytes(lp))
	}
	s, _, isInt := Get(lp, First(lp))
	if isInt || string(s) != "hi" {
		t.Fatalf("first = %q %v", s, isInt)
	}
	_, v, isInt := Get(lp, Last(lp))
	if !isInt || v != 300 {
		t.Fatalf("last = %d %v", v, isInt)
	}
}

func TestListpackIntBoundaries(t *testing.T) {
	cases := []struct {
		v    int64
		size int // entry bytes including backlen
	}{
		{0, 2}, {127, 2}, {128, 3}, {-1, 3}, {-4096, 3}, {4095, 3}, {4096, 4},
		{-4097, 4}, {32767, 4}, {-32768, 4}, {32768, 5}, {-32769, 5},
		{8388607, 5}, {-8388608, 5}, {8388608, 6}, {-8388609, 6},
		{2147483647, 6}, {-2147483648, 6}, {2147483648, 10}, {-2147483649, 10},
		{1<<63 - 1, 10}, {-1 << 63, 10},
	}
	for _, c := range cases {
		lp := AppendInt(New(0), c.v)
		if got := EntrySize(lp, First(lp)); got != c.size || EncodedIntSize(c.v) != c.size {
			t.Errorf("%d: entry size %d, want %d", c.v, got, c.size)
		}
		_, v, isInt := Get(lp, First(lp))
		if !isInt || v != c.v {
			t.Errorf("%d: read back %d %v", c.v, v, isInt)
		}
		lp2 := Append(New(0), []byte(strconv.FormatInt(c.v, 10)))
		if !bytes.Equal(lp, lp2) {
			t.Errorf("%d: string form encodes differently", c.v)
		}
	}
}

func TestListpackBacklenBoundaries(t *testing.T) {
	// Encoded sizes around the backlen size steps: 127/128, 16382/16383.
	for _, n := range []int{62, 63, 64, 125, 126, 127, 4095, 4096, 16376, 16377, 16378, 16379, 2097146, 2097147} {
		s := bytes.Repeat([]byte{'a'}, n)
		lp := Append(Append(Append(New(0), []byte("x")), s), []byte("y"))
		if !ValidateIntegrity(lp) {
			t.Fatalf("len %d: invalid", n)
		}
		if EntrySize(lp, Next(lp, First(lp))) != EncodedSize(s) {
			t.Fatalf("len %d: EncodedSize disagrees", n)
		}
		got := contents(t, lp)
		if len(got) != 3 || got[1] != string(s) || got[2] != "y" {
			t.Fatalf("len %d: wrong contents", n)
		}
	}
}

func TestListpackEditing(t *testing.T) {
	lp := build([]string{"a", "b", "c"})
	lp = Insert(lp, Seek(lp, 1), []byte("x"), false) // a x b c
	lp = Insert(lp, Seek(lp, -1), []byte("y"), true) // a x b c y
	lp = Replace(lp, Seek(lp, 0), []byte("12345"))   // 12345 x b c y
	lp = Replace(lp, Seek(lp, 2), bytes.Repeat([]byte("B"), 100))
	lp = Replace(lp, Seek(lp, 2), []byte("b"))
	if got := strings.Join(contents(t, lp), ","); got != "12345,x,b,c,y" {
		t.Fatalf("got %s", got)
	}
	p := Seek(lp, 1)
	lp = Delete(lp, p) // 12345 b c y
	if AtEnd(lp, p) || string(GetString(lp, p, nil)) != "b" {
		t.Fatal("Delete did not leave the next entry at p")
	}
	lp = DeleteRange(lp, p, 5) // 12345
	if !AtEnd(lp, p) || Len(lp) != 1 {
		t.Fatalf("DeleteRange: len %d", Len(lp))
	}
	lp = Delete(lp, First(lp))
	if !bytes.Equal(lp, New(0)) || First(lp) != -1 || Last(lp) != -1 {
		t.Fatalf("not empty: %x", lp)
	}
	if Seek(lp, 0) != -1 || Seek(lp, -1) != -1 {
		t.Fatal("Seek on empty")
	}
	lp = build([]string{"0", "1", "2", "3", "4", "5"})
	lp = DeleteRangeIndex(lp, -4, 2)
	if got := strings.Join(contents(t, lp), ","); got != "0,1,4,5" {
		t.Fatalf("DeleteRangeIndex: %s", got)
	}
	lp = AppendEntries(lp, build([]string{"x", "99"}))
	if got := strings.Join(contents(t, lp), ","); got != "0,1,4,5,x,99" || Len(lp) != 6 || !ValidateIntegrity(lp) {
		t.Fatalf("AppendEntries: %s", got)
	}
	lp = PrependInt(lp, -7)
	lp = ReplaceInt(lp, Last(lp), 1<<40)
	if got := strings.Join(contents(t, lp), ","); got != "-7,0,1,4,5,x,1099511627776" {
		t.Fatalf("int edits: %s", got)
	}
}

func TestListpackFind(t *testing.T) {
	lp := build([]string{"f1", "10", "f2", "v", "10", "x", "-5", "y"})
	if p := Find(lp, First(lp), []byte("10"), 0); p != Seek(lp, 1) {
		t.Fatalf("find 10 = %d", p)
	}
	// skip 1: only even positions (fields) compared.
	if p := Find(lp, First(lp), []byte("10"), 1); p != Seek(lp, 4) {
		t.Fatalf("find field 10 = %d", p)
	}
	if p := Find(lp, First(lp), []byte("v"), 1); p != -1 {
		t.Fatalf("value matched as field: %d", p)
	}
	if p := Find(lp, First(lp), []byte("-5"), 1); p != Seek(lp, 6) {
		t.Fatalf("find -5 = %d", p)
	}
	// "010" is not an integer string, so it never equals integer 10.
	if p := Find(lp, First(lp), []byte("010"), 0); p != -1 {
		t.Fatalf("010 matched %d", p)
	}
	if p := Find(lp, Seek(lp, 2), []byte("10"), 0); p != Seek(lp, 4) {
		t.Fatalf("find from middle = %d", p)
	}
	if !Equal(lp, Seek(lp, 1), []byte("10")) || Equal(lp, Seek(lp, 1), []byte("10 ")) {
		t.Fatal("Equal")
	}
}

func TestListpackUnknownCount(t *testing.T) {
	lp := New(0)
	for i := 0; i < 65536; i++ {
		lp = AppendInt(lp, int64(i%100))
	}
	if binary.LittleEndian.Uint16(lp[4:]) != 65535 {
		t.Fatalf("header count %d, want unknown", binary.LittleEndian.Uint16(lp[4:]))
	}
	if Len(lp) != 65536 || !ValidateIntegrity(lp) {
		t.Fatalf("Len %d", Len(lp))
	}
	if _, v, _ := Get(lp, Seek(lp, -1)); v != 65535%100 {
		t.Fatalf("Seek(-1) = %d", v)
	}
	if _, v, _ := Get(lp, Seek(lp, 1234)); v != 34 {
		t.Fatalf("Seek(1234) = %d", v)
	}
	lp = DeleteRange(lp, First(lp), 10)
	if Len(lp) != 65526 || binary.LittleEndian.Uint16(lp[4:]) != 65535 {
		t.Fatal("count after delete")
	}
}

func TestListpackValidateRejects(t *testing.T) {
	good := build([]string{"a", "300", strings.Repeat("z", 70)})
	if !ValidateIntegrity(good) {
		t.Fatal("good rejected")
	}
	mut := func(f func(b []byte) []byte) []byte {
		b := append([]byte(nil), good...)
		return f(b)
	}
	bad := map[string][]byte{
		"short":     good[:5],
		"total":     mut(func(b []byte) []byte { b[0]++; return b }),
		"no eof":    mut(func(b []byte) []byte { b[len(b)-1] = 0; return b }),
		"count":     mut(func(b []byte) []byte { b[4] = 2; return b }),
		"backlen":   mut(func(b []byte) []byte { b[8] = 9; return b }),
		"strlen":    mut(func(b []byte) []byte { b[6] = 0xBF; return b }),
		"bad enc":   mut(func(b []byte) []byte { b[6] = 0xF5; return b }),
		"eof early": mut(func(b []byte) []byte { b[6] = 0xFF; return b }),
		"trailing": mut(func(b []byte) []byte {
			b = append(b, 0xFF)
			binary.LittleEndian.PutUint32(b, uint32(len(b)))
			return b
		}),
	}
	for name, b := range bad {
		if ValidateIntegrity(b) {
			t.Errorf("%s: accepted", name)
		}
	}
}

// oracleCheck compares lp to the oracle entry by entry.
func oracleCheck(t *testing.T, lp []byte, want [][]byte) {
	t.Helper()
	if !ValidateIntegrity(lp) {
		t.Fatalf("invalid listpack %x", trunc(lp))
	}
	if Len(lp) != len(want) {
		t.Fatalf("Len %d, want %d", Len(lp), len(want))
	}
	got := contents(t, lp)
	for i := range want {
		if got[i] != string(want[i]) {
			t.Fatalf("entry %d = %q, want %q", i, got[i], want[i])
		}
	}
	// Construction is canonical: the same entries give the same bytes.
	vals := make([]string, len(want))
	for i := range want {
		vals[i] = string(want[i])
	}
	if !bytes.Equal(lp, build(vals)) {
		t.Fatal("bytes differ from a fresh build of the same entries")
	}
}

func randElem(r *rand.Rand) []byte {
	switch r.IntN(6) {
	case 0:
		return []byte(strconv.FormatInt(r.Int64N(256)-128, 10))
	case 1:
		return []byte(strconv.FormatInt(int64(r.Uint64()), 10))
	case 2:
		return []byte(strconv.FormatInt(r.Int64N(1<<25)-1<<24, 10))
	case 3:
		return bytes.Repeat([]byte{byte('a' + r.IntN(26))}, r.IntN(5000))
	default:
		b := make([]byte, r.IntN(70))
		for i := range b {
			b[i] = byte(r.IntN(256))
		}
		return b
	}
}

// runOps drives a listpack and a [][]byte oracle with the same operations.
func runOps(t *testing.T, r *rand.Rand, steps int) {
	lp := New(0)
	var want [][]byte
	for step := 0; step < steps; step++ {
		n := len(want)
		switch op := r.IntN(9); {
		case op == 0:
			e := randElem(r)
			lp = Append(lp, e)
			want = append(want, e)
		case op == 1:
			e := randElem(r)
			lp = Prepend(lp, e)
			want = append([][]byte{e}, want...)
		case op == 2 && n > 0:
			i := r.IntN(n)
			e := randElem(r)
			after := r.IntN(2) == 0
			lp = Insert(lp, Seek(lp, i-n*r.IntN(2)), e, after)
			if after {
				i++
			}
			want = append(want[:i], append([][]byte{e}, want[i:]...)...)
		case op == 3 && n > 0:
			i := r.IntN(n)
			e := randElem(r)
			lp = Replace(lp, Seek(lp, i), e)
			want[i] = e
		case op == 4 && n > 0:
			i := r.IntN(n)
			lp = Delete(lp, Seek(lp, i))
			want = append(want[:i], want[i+1:]...)
		case op == 5 && n > 0:
			i, k := r.IntN(n), r.IntN(4)
			lp = DeleteRange(lp, Seek(lp, i), k)
			want = append(want[:i], want[min(i+k, n):]...)
		case op == 6 && n > 0:
			i := r.IntN(n)
			target := want[r.IntN(n)]
			from := Seek(lp, i)
			p := Find(lp, from, target, 0)
			exp := -1
			for j := i; j < n; j++ {
				if bytes.Equal(want[j], target) {
					exp = j
					break
				}
			}
			if (exp < 0) != (p < 0) || (exp >= 0 && Seek(lp, exp) != p) {
				t.Fatalf("Find(%q from %d) = %d, want index %d", target, i, p, exp)
			}
		case op == 7:
			e := r.Int64()
			lp = AppendInt(lp, e)
			want = append(want, []byte(strconv.FormatInt(e, 10)))
		case op == 8 && n > 0:
			i := r.IntN(2*n) - n
			p := Seek(lp, i)
			if i < 0 {
				i += n
			}
			if got := GetString(lp, p, nil); !bytes.Equal(got, want[i]) {
				t.Fatalf("Seek %d: %q want %q", i, got, want[i])
			}
		}
		if step%8 == 0 {
			oracleCheck(t, lp, want)
		}
	}
	oracleCheck(t, lp, want)
}

func TestListpackRandomOps(t *testing.T) {
	for seed := uint64(0); seed < 20; seed++ {
		runOps(t, rand.New(rand.NewPCG(seed, 7)), 300)
	}
}

func FuzzListpackOps(f *testing.F) {
	f.Add(uint64(1), uint16(100))
	f.Add(uint64(99), uint16(500))
	f.Fuzz(func(t *testing.T, seed uint64, steps uint16) {
		runOps(t, rand.New(rand.NewPCG(seed, 1)), int(steps%1000))
	})
}

// FuzzListpackValidate feeds arbitrary bytes: ValidateIntegrity must never
// panic, and whatever it accepts must be walkable both ways.
func FuzzListpackValidate(f *testing.F) {
	for _, vals := range valkeyCases {
		f.Add(build(vals))
	}
	f.Add([]byte{7, 0, 0, 0, 0, 0, 0xFF})
	f.Fuzz(func(t *testing.T, b []byte) {
		if !ValidateIntegrity(b) {
			return
		}
		n := 0
		for p := First(b); p >= 0; p = Next(b, p) {
			Get(b, p)
			n++
		}
		if n != Len(b) {
			t.Fatalf("walked %d entries, Len %d", n, Len(b))
		}
		contents(t, b)
	})
}
