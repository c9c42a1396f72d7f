package engine

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestGlobMatch(t *testing.T) {
	for _, tc := range []struct {
		pat, s string
		nocase bool
		want   bool
	}{
		{"", "", false, true},
		{"*", "", false, false}, // Valkey: an empty string matches only an empty pattern
		{"", "a", false, false},
		{"*", "abc", false, true},
		{"a*", "a", false, true},
		{"a**", "a", false, true},
		{"*a", "a", false, true},
		{"*a", "ba", false, true},
		{"*a", "ab", false, false},
		{"a*b*c", "axxbyyc", false, true},
		{"a*b*c", "axxbyyd", false, false},
		{"*ab*ab", "abababab", false, true},
		{"h?llo", "hello", false, true},
		{"h?llo", "hllo", false, false},
		{"h[ae]llo", "hallo", false, true},
		{"h[ae]llo", "hillo", false, false},
		{"h[^e]llo", "hallo", false, true},
		{"h[^e]llo", "hello", false, false},
		{"h[a-b]llo", "hbllo", false, true},
		{"h[b-a]llo", "hbllo", false, true}, // reversed range
		{"h[a-b]llo", "hcllo", false, false},
		{"[A-Z]", "q", true, true},
		{"[a-z]", "Q", true, true},
		{"[a-z]", "Q", false, false},
		{"GET", "get", true, true},
		{"GET", "get", false, false},
		{`\*`, "*", false, true},
		{`\*`, "a", false, false},
		{`\`, `\`, false, true},
		{`a\`, `a\`, false, true},
		{`[\]]`, "]", false, true},
		{`[\A]`, "a", true, false},  // escaped set members compare exactly
		{`\A`, "a", true, true},     // but escaped literals outside a set honour nocase
		{"[a-]x", "]", false, true}, // "a-]" is a range, and the set runs on
		{"[abc", "b", false, true},  // an open set ends with the pattern
		{"[abc", "bb", false, false},
		{"[", "a", false, false},
		{"[^", "a", false, true},
		{"[]", "a", false, false},
		{"[]]", "]", false, false},
		{"[]]", "", false, false},
		{"[\xe9-z]", "a", false, true}, // signed: 0xe9 < 'a' <= 'z'
		{"[\xe9-z]", "\x80", false, false},
		{"[a-\xe9]", "\xf0", false, true}, // -16 lies between -23 and 'a'
		{"x*", "x\x00y", false, true},
	} {
		if got := globMatch([]byte(tc.pat), []byte(tc.s), tc.nocase); got != tc.want {
			t.Errorf("globMatch(%q, %q, %v) = %v, want %v", tc.pat, tc.s, tc.nocase, got, tc.want)
		}
	}
}

func TestGlobMatchStarLimit(t *testing.T) {
	s := []byte(strings.Repeat("a", 1100))
	for _, tc := range []struct {
		stars int
		want  bool
	}{{999, true}, {1000, true}, {1001, false}} {
		pat := []byte(strings.Repeat("*a", tc.stars))
		if got := globMatch(pat, s, false); got != tc.want {
			t.Errorf("%d star runs: got %v want %v", tc.stars, got, tc.want)
		}
		// A final star run costs nothing.
		pat = append(pat, '*')
		if got := globMatch(pat, s, false); got != tc.want {
			t.Errorf("%d star runs and a final star: got %v want %v", tc.stars, got, tc.want)
		}
	}
	// Hostile patterns finish quickly.
	pat := []byte(strings.Repeat("*a", 40) + "b")
	if globMatch(pat, s, false) {
		t.Error("hostile pattern matched")
	}
}

// TestGlobMatchValkey replays KEYS replies captured from valkey-server
// 9.0.4 (testdata/glob_keys.txt): the keys, then one line per pattern
// with the keys it matched.
func TestGlobMatchValkey(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "glob_keys.txt"))
	if err != nil {
		t.Fatal(err)
	}
	unquote := func(f string) string {
		s, err := strconv.Unquote(f)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	var keys []string
	for _, f := range strings.Fields(lines[0]) {
		keys = append(keys, unquote(f))
	}
	for _, line := range lines[1:] {
		fields := strings.Fields(line)
		pat := unquote(fields[0])
		want := map[string]bool{}
		for _, f := range fields[1:] {
			want[unquote(f)] = true
		}
		for _, k := range keys {
			if got := globMatch([]byte(pat), []byte(k), false); got != want[k] {
				t.Errorf("globMatch(%q, %q) = %v, Valkey says %v", pat, k, got, want[k])
			}
		}
	}
}

// globReference is a plain recursive matcher with Valkey's semantics,
// without the backtracking shortcut, to cross-check globMatch.
func globReference(p, s []byte, nocase bool, depth int) bool {
	if depth > 1000 {
		return false
	}
	for len(p) > 0 && len(s) > 0 {
		switch p[0] {
		case '*':
			for len(p) > 1 && p[1] == '*' {
				p = p[1:]
			}
			if len(p) == 1 {
				return true
			}
			for ; len(s) > 0; s = s[1:] {
				if globReference(p[1:], s, nocase, depth+1) {
					return true
				}
			}
			return false
		case '?':
			p, s = p[1:], s[1:]
		case '[':
			np, ok := matchSet(p, 1, s[0], nocase)
			if !ok {
				return false
			}
			p, s = p[np:], s[1:]
		default:
			if p[0] == '\\' && len(p) > 1 {
				p = p[1:]
			}
			if !sameByte(p[0], s[0], nocase) {
				return false
			}
			p, s = p[1:], s[1:]
		}
		if len(s) == 0 {
			for len(p) > 0 && p[0] == '*' {
				p = p[1:]
			}
		}
	}
	return len(p) == 0 && len(s) == 0
}

func FuzzGlobMatch(f *testing.F) {
	for _, seed := range [][2]string{
		{"*", "abc"}, {"a*b?c", "axbyc"}, {"[a-z]*", "Q"}, {`\[x`, "[x"}, {"[^", "a"}, {"[a-]x", "]]x"},
		{"*a*a*a", "aaaa"}, {"[\xe9-z]", "a"},
	} {
		f.Add(seed[0], seed[1], false)
		f.Add(seed[0], seed[1], true)
	}
	f.Fuzz(func(t *testing.T, pat, s string, nocase bool) {
		if len(pat) > 64 || len(s) > 64 || strings.Count(pat, "*") > 8 {
			return // keep the exponential reference fast
		}
		got := globMatch([]byte(pat), []byte(s), nocase)
		want := len(s) == 0 && len(pat) == 0
		if len(s) > 0 {
			want = globReference([]byte(pat), []byte(s), nocase, 0)
		}
		if got != want {
			t.Fatalf("globMatch(%q, %q, %v) = %v, reference %v", pat, s, nocase, got, want)
		}
	})
}
