package resp

import (
	"bufio"
	"math"
	"math/big"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
)

func TestAppenders(t *testing.T) {
	tests := []struct {
		name string
		got  []byte
		want string
	}{
		{"simple", AppendSimple(nil, "OK"), "+OK\r\n"},
		{"simple bytes", AppendSimpleBytes(nil, []byte("PONG")), "+PONG\r\n"},
		{"error", AppendError(nil, "ERR syntax error"), "-ERR syntax error\r\n"},
		{"error newlines", AppendError(nil, "ERR a\r\nb\nc"), "-ERR a  b c\r\n"},
		{"int", AppendInt(nil, -42), ":-42\r\n"},
		{"int min", AppendInt(nil, math.MinInt64), ":-9223372036854775808\r\n"},
		{"uint", AppendUint(nil, math.MaxUint64), ":18446744073709551615\r\n"},
		{"bulk", AppendBulk(nil, []byte("foo")), "$3\r\nfoo\r\n"},
		{"bulk empty", AppendBulk(nil, nil), "$0\r\n\r\n"},
		{"bulk binary", AppendBulk(nil, []byte("a\r\n\x00")), "$4\r\na\r\n\x00\r\n"},
		{"bulk string", AppendBulkString(nil, "hello world"), "$11\r\nhello world\r\n"},
		{"bulk header", AppendBulkHeader(nil, 1234), "$1234\r\n"},
		{"bulk header 9", AppendBulkHeader(nil, 9), "$9\r\n"},
		{"bulk header 10", AppendBulkHeader(nil, 10), "$10\r\n"},
		{"bulk header 57", AppendBulkHeader(nil, 57), "$57\r\n"},
		{"bulk header 99", AppendBulkHeader(nil, 99), "$99\r\n"},
		{"bulk header 100", AppendBulkHeader(nil, 100), "$100\r\n"},
		{"array len negative", AppendArrayLen(nil, -1), "*-1\r\n"},
		{"bulk int", AppendBulkInt(nil, -12), "$3\r\n-12\r\n"},
		{"array len", AppendArrayLen(nil, 0), "*0\r\n"},
		{"array len big", AppendArrayLen(nil, 12345), "*12345\r\n"},
		{"appends", AppendBulk([]byte("x"), []byte("y")), "x$1\r\ny\r\n"},

		{"null resp2", AppendNull(nil, RESP2), "$-1\r\n"},
		{"null resp3", AppendNull(nil, RESP3), "_\r\n"},
		{"null array resp2", AppendNullArray(nil, RESP2), "*-1\r\n"},
		{"null array resp3", AppendNullArray(nil, RESP3), "_\r\n"},
		{"map resp2", AppendMapLen(nil, 3, RESP2), "*6\r\n"},
		{"map resp3", AppendMapLen(nil, 3, RESP3), "%3\r\n"},
		{"set resp2", AppendSetLen(nil, 2, RESP2), "*2\r\n"},
		{"set resp3", AppendSetLen(nil, 2, RESP3), "~2\r\n"},
		{"push resp2", AppendPushLen(nil, 3, RESP2), "*3\r\n"},
		{"push resp3", AppendPushLen(nil, 3, RESP3), ">3\r\n"},
		{"attribute", AppendAttributeLen(nil, 1), "|1\r\n"},
		{"bool resp2", AppendBool(nil, true, RESP2), ":1\r\n"},
		{"bool false resp2", AppendBool(nil, false, RESP2), ":0\r\n"},
		{"bool resp3", AppendBool(nil, true, RESP3), "#t\r\n"},
		{"bool false resp3", AppendBool(nil, false, RESP3), "#f\r\n"},
		{"double resp2", AppendDouble(nil, 1.5, RESP2), "$3\r\n1.5\r\n"},
		{"double resp3", AppendDouble(nil, 1.5, RESP3), ",1.5\r\n"},
		{"double -0 resp2", AppendDouble(nil, math.Copysign(0, -1), RESP2), "$2\r\n-0\r\n"},
		{"double inf resp3", AppendDouble(nil, math.Inf(-1), RESP3), ",-inf\r\n"},
		{"double long resp2", AppendDouble(nil, -2.2250738585072014e-308, RESP2), "$24\r\n-2.2250738585072014e-308\r\n"},
		{"big number resp2", AppendBigNumber(nil, []byte("123456789012345678901234567890"), RESP2), "$30\r\n123456789012345678901234567890\r\n"},
		{"big number resp3", AppendBigNumber(nil, []byte("-1234"), RESP3), "(-1234\r\n"},
		{"verbatim resp2", AppendVerbatim(nil, "txt", []byte("Some string"), RESP2), "$11\r\nSome string\r\n"},
		{"verbatim resp3", AppendVerbatim(nil, "txt", []byte("Some string"), RESP3), "=15\r\ntxt:Some string\r\n"},
	}
	for _, tt := range tests {
		if string(tt.got) != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}

// TestFormatDouble pins the notation rules. Every expected string is what
// valkey-server 9.0.4 replied.
func TestFormatDouble(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{0, "0"},
		{math.Copysign(0, -1), "-0"},
		{math.Inf(1), "inf"},
		{math.Inf(-1), "-inf"},
		{math.NaN(), "nan"},
		{1.5, "1.5"},
		{-0.5, "-0.5"},
		{0.1, "0.1"},
		{1.0 / 3, "0.3333333333333333"},
		{123456.5, "123456.5"},
		{1234.5678901, "1234.5678901"},
		// Up to 2^62 integral values are printed as integers...
		{1e18, "1000000000000000000"},
		{0x1p62, "4611686018427387904"},
		{-0x1p62, "-4611686018427387904"},
		// ...beyond, Grisu2 decides: plain while it needs at most six
		// padding zeros, else exponent notation with an explicit sign and
		// no exponent padding.
		{0x1p63, "9223372036854776000"},
		{5e18, "5e+18"},
		{1e21, "1e+21"},
		{1e22, "1e+22"},
		{1e100, "1e+100"},
		{1.7976931348623157e308, "1.7976931348623157e+308"},
		// Grisu2 is not always shortest: strconv would say 1e+23.
		{1e23, "99999999999999990000000"},
		{1.2345678901234569e+23, "123456789012345690000000"},
		// Fractions: plain down to six leading zeros, or while the leading
		// digit's exponent is below four.
		{0.000001, "0.000001"},
		{1e-7, "1e-7"},
		{-1e-7, "-1e-7"},
		{1.5e-7, "1.5e-7"},
		{1.23e-6, "1.23e-6"},
		{12345.678901234, "1.2345678901234e+4"},
		{5e-324, "5e-324"},
		{2.2250738585072014e-308, "2.2250738585072014e-308"},
	}
	for _, tt := range tests {
		if got := string(FormatDouble(nil, tt.in)); got != tt.want {
			t.Errorf("FormatDouble(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestFormatDoubleValkey checks values captured from valkey-server, among
// them every one of a larger random sample where Grisu2's digits differ from
// the shortest representation.
func TestFormatDoubleValkey(t *testing.T) {
	f, err := os.Open("testdata/doubles.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		bitsHex, want, ok := strings.Cut(line, " ")
		bits, err := strconv.ParseUint(bitsHex, 16, 64)
		if !ok || err != nil {
			t.Fatalf("bad line %q", line)
		}
		v := math.Float64frombits(bits)
		if got := string(FormatDouble(nil, v)); got != want {
			t.Errorf("FormatDouble(%v [%s]) = %q, valkey says %q", v, bitsHex, got, want)
		}
		n++
	}
	if n < 1000 {
		t.Fatalf("only %d vectors read", n)
	}
}

// TestFormatDoubleRoundTrips checks Grisu2's promise over random bit
// patterns: the text always reads back as the same double.
func TestFormatDoubleRoundTrips(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 200000 {
		v := math.Float64frombits(r.Uint64())
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		s := FormatDouble(nil, v)
		back, err := strconv.ParseFloat(string(s), 64)
		if err != nil || back != v {
			t.Fatalf("FormatDouble(%v) = %q, reads back as %v, %v", v, s, back, err)
		}
	}
}

// TestPow10Cache derives the cached powers of ten from exact arithmetic.
func TestPow10Cache(t *testing.T) {
	for i, c := range pow10Cache {
		k := -348 + 8*i
		num, den := big.NewInt(1), big.NewInt(1)
		if k >= 0 {
			num.Exp(big.NewInt(10), big.NewInt(int64(k)), nil)
		} else {
			den.Exp(big.NewInt(10), big.NewInt(int64(-k)), nil)
		}
		// 10^k = num/den ≈ f·2^e with 2^63 <= f < 2^64, rounded to nearest.
		e := num.BitLen() - den.BitLen() - 64
		var f *big.Int
		for {
			n, d := new(big.Int).Set(num), new(big.Int).Set(den)
			if e >= 0 {
				d.Lsh(d, uint(e))
			} else {
				n.Lsh(n, uint(-e))
			}
			q, r := new(big.Int).QuoRem(n, d, new(big.Int))
			if q.BitLen() > 64 {
				e++
				continue
			}
			if q.BitLen() < 64 {
				e--
				continue
			}
			if r.Lsh(r, 1).Cmp(d) >= 0 {
				q.Add(q, big.NewInt(1))
			}
			if q.BitLen() > 64 {
				q.Rsh(q, 1)
				e++
			}
			f = q
			break
		}
		if f.Uint64() != c.f || e != c.e {
			t.Errorf("10^%d: cached %#x·2^%d, exact %#x·2^%d", k, c.f, c.e, f.Uint64(), e)
		}
	}
}
