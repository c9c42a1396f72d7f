package config

import (
	"math"
	"strings"
	"testing"
)

func TestSplitArgs(t *testing.T) {
	tests := []struct {
		in   string
		want []string // nil with ok=false means unbalanced
		ok   bool
	}{
		{"", nil, true},
		{"   \t ", nil, true},
		{"port 6379", []string{"port", "6379"}, true},
		{"  a   b\tc  ", []string{"a", "b", "c"}, true},
		{`save ""`, []string{"save", ""}, true},
		{`a "b c" d`, []string{"a", "b c", "d"}, true},
		{`"\x41\x4a\n\r\t\b\a\"\\\q"`, []string{"AJ\n\r\t\b\a\"\\q"}, true},
		{`"\x4"`, []string{"x4"}, true},
		{`'it\'s' 'a\b'`, []string{"it's", `a\b`}, true},
		{`"foo"bar`, []string{"foobar"}, true},
		{`foo"bar baz"`, []string{"foobar baz"}, true},
		{`"unterminated`, nil, false},
		{`'unterminated`, nil, false},
		{`"ends with backslash\"`, nil, false},
		{"a\x00b c", []string{"a"}, true},
		{"\va b", []string{"a", "b"}, true},
		{"a\vb", []string{"a\vb"}, true},
	}
	for _, tt := range tests {
		got, ok := splitArgs(tt.in)
		if ok != tt.ok || strings.Join(got, "|") != strings.Join(tt.want, "|") || len(got) != len(tt.want) {
			t.Errorf("splitArgs(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestQuoteRoundTrip(t *testing.T) {
	for _, s := range []string{"", "plain", `a "b" \c`, "\x00\x01\xff\n\r\t\a\b", "sp ace", "'"} {
		q := quote(s)
		got, ok := splitArgs(q)
		if !ok || len(got) != 1 || got[0] != s {
			t.Errorf("quote(%q) = %s reads back as %q, %v", s, q, got, ok)
		}
	}
	if got := quote("a\"b\x01"); got != `"a\"b\x01"` {
		t.Errorf("quote = %s", got)
	}
}

func TestGlobMatch(t *testing.T) {
	tests := []struct {
		pat, s string
		want   bool
	}{
		{"*", "anything", true},
		{"*", "", false}, // as stringmatch: a star needs a string
		{"", "", true},
		{"", "a", false},
		{"a*", "abc", true},
		{"*max-len", "slowlog-max-len", true},
		{"*max-len", "slowlog-max-lens", false},
		{"po?t", "port", true},
		{"po?t", "pot", false},
		{"[ab]ind", "bind", true},
		{"[^ab]ind", "bind", false},
		{"[^ab]ind", "kind", true},
		{"[a-c]ind", "bind", true},
		{"[c-a]ind", "bind", true},
		{"[A-C]IND", "bind", true},
		{"PO*", "port", true},
		{`\*`, "*", true},
		{`\*`, "a", false},
		{`[\]]`, "]", true},
		{"[abc", "a", true},
		{"[abc", "ab", false},
		{"[", "a", false},
		{"a**b", "ab", true},
		{"a*b*c", "axxbyyc", true},
		{"a*b*c", "axxbyy", false},
		{"*?*?*?*x", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false},
	}
	for _, tt := range tests {
		if got := globMatch(tt.pat, tt.s, true); got != tt.want {
			t.Errorf("globMatch(%q, %q) = %v", tt.pat, tt.s, got)
		}
	}
	if globMatch("A", "a", false) {
		t.Error("case-sensitive match ignored case")
	}
}

func TestParseMemory(t *testing.T) {
	tests := []struct {
		in   string
		want uint64
		ok   bool
	}{
		{"0", 0, true},
		{"", 0, true},
		{"kb", 0, true},
		{"123", 123, true},
		{"1b", 1, true},
		{"1B", 1, true},
		{"1k", 1000, true},
		{"1kb", 1024, true},
		{"1KB", 1024, true},
		{"2m", 2000000, true},
		{"2mb", 2 << 20, true},
		{"3g", 3000000000, true},
		{"3Gb", 3 << 30, true},
		{"99999999999999999999999", math.MaxUint64, true},
		{"-1", 0, false},
		{"+1", 0, false},
		{" 1", 0, false},
		{"1.5gb", 0, false},
		{"1tb", 0, false},
		{"1 kb", 0, false},
	}
	for _, tt := range tests {
		got, ok := parseMemory(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseMemory(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParseStrictInt(t *testing.T) {
	good := map[string]int64{"0": 0, "7": 7, "-1": -1, "123": 123, "9223372036854775807": math.MaxInt64, "-9223372036854775808": math.MinInt64}
	for s, want := range good {
		if got, ok := parseStrictInt(s); !ok || got != want {
			t.Errorf("parseStrictInt(%q) = %d, %v", s, got, ok)
		}
	}
	for _, s := range []string{"", "-", "-0", "05", "+5", " 5", "5 ", "0x10", "9223372036854775808", "-9223372036854775809", "1e3", "99999999999999999999"} {
		if got, ok := parseStrictInt(s); ok {
			t.Errorf("parseStrictInt(%q) = %d, want failure", s, got)
		}
	}
}

func TestStrtoll(t *testing.T) {
	tests := []struct {
		in   string
		base int
		want int64
		ok   bool
	}{
		{"", 10, 0, true},
		{"12", 10, 12, true},
		{"+12", 10, 12, true},
		{" \t-12", 10, -12, true},
		{"-0", 10, 0, true},
		{"12x", 10, 12, false},
		{"  ", 10, 0, false},
		{"+", 10, 0, false},
		{"777", 8, 511, true},
		{"0777", 8, 511, true},
		{"8", 8, 0, false},
		{"99999999999999999999", 10, math.MaxInt64, true},
	}
	for _, tt := range tests {
		got, ok := strtollWhole(tt.in, tt.base)
		if got != tt.want || ok != tt.ok {
			t.Errorf("strtollWhole(%q, %d) = %d, %v; want %d, %v", tt.in, tt.base, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParseCDouble(t *testing.T) {
	good := map[string]float64{"50": 50, "99.9": 99.9, "1e1": 10, "0x10": 16, ".5": .5, "5.": 5, "+1": 1, "-1": -1, "0x1.8": 1.5, "0e-400": 0, "4.9e-324": 4.9e-324}
	for s, want := range good {
		if got, ok := parseCDouble(s); !ok || got != want {
			t.Errorf("parseCDouble(%q) = %v, %v", s, got, ok)
		}
	}
	if got, ok := parseCDouble("inf"); !ok || !math.IsInf(got, 1) {
		t.Errorf("parseCDouble(inf) = %v, %v", got, ok)
	}
	for _, s := range []string{"", " 1", "abc", "nan", "1e400", "1e-400", "1_0", "0x", "1e", "1 ", ".", "0x1p"} {
		if got, ok := parseCDouble(s); ok {
			t.Errorf("parseCDouble(%q) = %v, want failure", s, got)
		}
	}
}

func TestFormatting(t *testing.T) {
	mem := map[uint64]string{0: "0", 1: "1", 1024: "1kb", 1536: "1536", 1 << 20: "1mb", 3 << 30: "3gb", 1000: "1000"}
	for v, want := range mem {
		if got := formatMemory(v); got != want {
			t.Errorf("formatMemory(%d) = %s, want %s", v, got, want)
		}
	}
	pct := map[float64]string{50: "50", 99.9: "99.9", 99.9999999: "100", 0.000001: "0.000001", 33.3333333: "33.333333"}
	for v, want := range pct {
		if got := formatPercentile(v); got != want {
			t.Errorf("formatPercentile(%v) = %s, want %s", v, got, want)
		}
	}
}

func TestCleanText(t *testing.T) {
	// strlen stops at the NUL, so the rest of the fgets chunk, newline
	// included, is lost.
	if got := cleanText([]byte("port 1\x00junk\nhz 5\n")); got != "port 1hz 5\n" {
		t.Errorf("cleanText = %q", got)
	}
	long := strings.Repeat("a", 1024) + "\x00b\nc"
	if got := cleanText([]byte(long)); got != strings.Repeat("a", 1024)+"c" {
		t.Errorf("cleanText across chunks = %q", got[1020:])
	}
}
