package engine

import (
	"fmt"
	"strings"
	"testing"
)

// specFor returns the spec of a command line from a fresh table.
func specFor(t testing.TB, argv [][]byte) *Spec {
	t.Helper()
	s, _ := ctServer(t)
	sp := s.LookupCommand(argv)
	if sp == nil {
		t.Fatalf("no command %q", argv[0])
	}
	return sp
}

func splitArgs(line string) [][]byte {
	var argv [][]byte
	for _, f := range strings.Fields(line) {
		if f == `""` {
			f = ""
		}
		argv = append(argv, []byte(f))
	}
	return argv
}

func fmtKeys(keys []KeyRef) string {
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%d%v", k.Pos, k.Flags.Names()))
	}
	return strings.Join(parts, " ")
}

func TestGetKeys(t *testing.T) {
	for _, tc := range []struct {
		line string
		want string // "pos[flags] ..."
		err  bool
	}{
		{"get k", "1[RO access]", false},
		{"mset a 1 b 2", "1[OW update] 3[OW update]", false},
		{"mset a 1 b", "1[OW update] 3[OW update]", false},
		{"zunionstore d 2 a b WEIGHTS 1 2", "1[OW update] 3[RO access] 4[RO access]", false},
		{"zunionstore d 3 a b", "", false}, // spec fails; the finder sees too few keys
		{"zunionstore d x a", "", false},   // numkeys not a number
		{"eval s 2 a b c", "3[RW access update] 4[RW access update]", false},
		{"eval s 0", "", false},
		{"fcall_ro f 1 a", "3[RO access]", false},
		{"lmpop 2 a b LEFT", "2[RW access delete] 3[RW access delete]", false},
		{"blmpop 0 1 a LEFT", "3[RW access delete]", false},
		{"zintercard 2 a b LIMIT 1", "2[RO access] 3[RO access]", false},
		{"xread COUNT 1 STREAMS a b 0 0", "4[RO access] 5[RO access]", false},
		{"xread STREAMS a b 0", "2[RO access]", false}, // the range takes half of what follows, rounded down
		{"xreadgroup GROUP g c STREAMS a 0", "5[RO access]", false},
		{"sort k", "1[RO access]", false},
		{"sort k BY w GET x STORE d", "1[RO access] 7[OW update]", false},
		{"sort k STORE d1 STORE d2", "1[RO access] 5[OW update]", false},
		{"sort_ro k BY x", "1[RO access]", false},
		{"migrate h p k 0 1000", "3[RW access delete]", false},
		{`migrate h p "" 0 1000 KEYS a b`, "7[RW access delete] 8[RW access delete]", false},
		{"migrate h p k 0 1000 KEYS a b", "", false},
		{`migrate h p "" 0 1000 AUTH keys KEYS a`, "9[RW access delete]", false},
		{"object encoding k", "2[RO]", false},
		{"set k v", "1[OW update]", false},
		{"set k v nx get", "1[RW access update]", false},
		{"bitfield k GET u8 0", "1[RO access]", false},
		{"bitfield k GET u8 0 SET u8 0 1", "1[RW access update]", false},
		{"georadius k 0 0 1 m STORE d", "1[RO access] 7[OW update]", false},
		{"georadius k 0 0 1 m STOREDIST d", "1[RO access] 7[OW update]", false},
		{"ping", "", false},
		{"spublish ch m", "", false}, // a not_key spec: no keys
	} {
		argv := splitArgs(tc.line)
		sp := specFor(t, argv)
		keys, err := sp.GetKeys(argv, nil)
		if got := fmtKeys(keys); got != tc.want || (err != nil) != tc.err {
			t.Errorf("%s: got %q, %v; want %q, err=%v", tc.line, got, err, tc.want, tc.err)
		}
	}
}

func TestGetKeysSpecFailure(t *testing.T) {
	// GEORADIUS_RO has no key finder, so a spec failure shows as an
	// error; a keyword absent from the line is not one.
	sp := &Spec{Name: "x", Arity: -2, Keys: []KeySpec{
		{Flags: KeyRO, BeginIndex: 1, KeyNum: true, KeyNumIdx: 0, FirstKey: 1, KeyStep: 1},
		{Flags: KeyRW, BeginKeyword: "TO", KeywordFrom: 1, Range: true, Step: 1},
	}}
	finishSpec(sp, "")
	for _, tc := range []struct {
		line string
		want string
		err  bool
	}{
		{"x 2 a b", "2[RO] 3[RO]", false},
		{"x 2 a b TO d", "2[RO] 3[RO] 5[RW]", false},
		{"x 1 a TO", "2[RO]", false},       // TO is the last argument: never a keyword
		{"x 3 a b", "", true},              // more keys than arguments
		{"x -1 a", "", true},               // negative count
		{"x 0 a", "", true},                // zero keys leaves last before first
		{"x 01 a", "", true},               // not canonical
		{"x 4294967297 a", "2[RO]", false}, // truncated to 32 bits, as Valkey's cast
	} {
		argv := splitArgs(tc.line)
		keys, err := sp.GetKeys(argv, nil)
		if got := fmtKeys(keys); got != tc.want || (err != nil) != tc.err {
			t.Errorf("%s: got %q, %v; want %q, err=%v", tc.line, got, err, tc.want, tc.err)
		}
	}
	if sp.Flags&FlagMovableKeys == 0 {
		t.Error("keynum spec should make the command movable")
	}
}

func TestGetKeysPartial(t *testing.T) {
	argv := splitArgs("sort k BY w STORE d")
	sp := specFor(t, argv)
	if got := fmtKeys(sp.GetKeysPartial(argv, nil)); got != "1[RO access]" {
		t.Errorf("sort partial: %q", got)
	}
	argv = splitArgs(`migrate h p "" 0 1000 KEYS a b`)
	sp = specFor(t, argv)
	if got := fmtKeys(sp.GetKeysPartial(argv, nil)); got != "3[RW access delete] 7[RW access delete incomplete] 8[RW access delete incomplete]" {
		t.Errorf("migrate partial: %q", got)
	}
}

func TestCallKeys(t *testing.T) {
	for _, tc := range []struct{ line, want string }{
		{"get k", "1[]"},
		{"mset a 1 b 2", "1[] 3[]"},
		{"mset a 1 b", "1[] 3[]"},
		{"lmove a b LEFT RIGHT", "1[] 2[]"},
		{"blpop a b c 0", "1[] 2[] 3[]"},
		{"zunionstore d 2 a b", "3[] 4[] 1[]"}, // the finder puts the destination last
		{"eval s 1 k a", "3[]"},
		{"xread STREAMS a b 0 0", "2[] 3[]"},
		{"sort k STORE d", "1[RO access] 3[OW update]"},
		{"object encoding k", "2[]"},
		{"georadius_ro k 0 0 1 m", "1[]"},
		{"ping", ""},
	} {
		argv := splitArgs(tc.line)
		sp := specFor(t, argv)
		if got := fmtKeys(sp.CallKeys(argv, nil)); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.line, got, tc.want)
		}
	}
}

func TestGetKeysAppends(t *testing.T) {
	argv := splitArgs("mget a b")
	sp := specFor(t, argv)
	dst := []KeyRef{{Pos: 99}}
	keys, _ := sp.GetKeys(argv, dst)
	if got := fmtKeys(keys); got != "99[] 1[RO access] 2[RO access]" {
		t.Errorf("GetKeys did not append: %q", got)
	}
	// A failed spec search leaves dst as it was.
	argv = splitArgs("zunionstore d 9 a")
	sp = specFor(t, argv)
	keys, _ = sp.GetKeys(argv, dst)
	if got := fmtKeys(keys); got != "99[]" {
		t.Errorf("failed search changed dst: %q", got)
	}
}

func TestParseKeyCount(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0", 0, true}, {"7", 7, true}, {"-3", -3, true}, {"9223372036854775807", 1<<63 - 1, true},
		{"-9223372036854775808", -1 << 63, true}, {"9223372036854775808", 0, false}, {"", 0, false},
		{"-", 0, false}, {"-0", 0, false}, {"01", 0, false}, {"+1", 0, false}, {" 1", 0, false}, {"1x", 0, false},
		{"99999999999999999999", 0, false},
	} {
		got, ok := parseInt([]byte(tc.in))
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseInt(%q) = %d, %v", tc.in, got, ok)
		}
	}
	for in, want := range map[string]int{"3": 3, " 3x": 3, "-2": -2, "+4": 4, "x": 0, "": 0, "99999999999": 1<<31 - 1} {
		if got := atoiLoose([]byte(in)); got != want {
			t.Errorf("atoiLoose(%q) = %d, want %d", in, got, want)
		}
	}
}

func BenchmarkGetKeys(b *testing.B) {
	s, _ := ctServer(b)
	for _, line := range []string{"get k", "mset a 1 b 2 c 3", "zunionstore d 2 a b", "xread COUNT 1 STREAMS a b 0 0"} {
		argv := splitArgs(line)
		sp := s.LookupCommand(argv)
		b.Run(string(argv[0]), func(b *testing.B) {
			b.ReportAllocs()
			var buf [8]KeyRef
			for b.Loop() {
				_, _ = sp.GetKeys(argv, buf[:0])
			}
		})
	}
}
