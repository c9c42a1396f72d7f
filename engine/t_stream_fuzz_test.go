package engine

import (
	"encoding/hex"
	"math"
	"strconv"
	"testing"

	"github.com/volleydb/volley/engine/config"
	"github.com/volleydb/volley/engine/rdb"
	"github.com/volleydb/volley/engine/stream"
)

// FuzzStreamParseID checks the ID parser against a plain reading of the
// grammar for canonical input, and that whatever it accepts prints back
// to an ID that parses to itself.
func FuzzStreamParseID(f *testing.F) {
	for _, s := range []string{"0", "1-1", "-", "+", "5-*", "18446744073709551615-18446744073709551615",
		"18446744073709551616", "1-", "-1", "01", "1--05", " 7", "+7", "1-2-3", "\x00", "1\x002"} {
		f.Add(s, true, true)
	}
	f.Fuzz(func(t *testing.T, s string, strict, auto bool) {
		id, seqGiven, ok := stream.ParseID([]byte(s), 7, strict, auto)
		if !ok {
			if ms, seq, ok := canonicalID(s); ok && s != "" {
				t.Fatalf("%q refused, but it is %d-%d", s, ms, seq)
			}
			return
		}
		if !seqGiven && !auto {
			t.Fatalf("%q: sequence left to choose without allowAutoSeq", s)
		}
		if ms, seq, ok := canonicalID(s); ok && (id.Ms != ms || id.Seq != seq) {
			t.Fatalf("%q parsed as %v, want %d-%d", s, id, ms, seq)
		}
		back, _, ok := stream.ParseID([]byte(id.String()), 0, true, false)
		if !ok || back != id {
			t.Fatalf("%q parsed as %v, which prints as %q and reads back as %v", s, id, id.String(), back)
		}
	})
}

// canonicalID reads "<ms>" or "<ms>-<seq>" written canonically (digits,
// no leading zeros, within 64 bits); the sequence defaults to 7.
func canonicalID(s string) (ms, seq uint64, ok bool) {
	num := func(p string) (uint64, bool) {
		if p == "" || len(p) > 1 && p[0] == '0' {
			return 0, false
		}
		for i := 0; i < len(p); i++ {
			if p[i] < '0' || p[i] > '9' {
				return 0, false
			}
		}
		v, err := strconv.ParseUint(p, 10, 64)
		return v, err == nil
	}
	for i := 0; i < len(s); i++ {
		if s[i] == '-' {
			a, ok1 := num(s[:i])
			b, ok2 := num(s[i+1:])
			return a, b, ok1 && ok2
		}
	}
	a, ok := num(s)
	return a, 7, ok
}

func TestStreamParseIDEdges(t *testing.T) {
	for _, tc := range []struct {
		in       string
		ok       bool
		ms, seq  uint64
		seqGiven bool
	}{
		{"1--05", true, 1, math.MaxUint64 - 4, true}, // strtoull's negation, as Valkey
		{" 7-1", true, 7, 1, true},
		{"+7", true, 7, 7, true},
		{"7-*", true, 7, 0, false},
		{"-", false, 0, 0, false},
		{"18446744073709551616", false, 0, 0, false},
		{"1-2-3", false, 0, 0, false},
		{"5\x00junk", true, 5, 7, true},
	} {
		id, seqGiven, ok := stream.ParseID([]byte(tc.in), 7, true, true)
		if ok != tc.ok || ok && (id.Ms != tc.ms || id.Seq != tc.seq || seqGiven != tc.seqGiven) {
			t.Errorf("%q: %v %v %v", tc.in, id, seqGiven, ok)
		}
	}
}

// FuzzStreamRestore feeds RESTORE stream payloads, seeded with Valkey's:
// it must accept or refuse, never panic, and what it accepts must work
// with every reading and writing command and DUMP back to itself.
func FuzzStreamRestore(f *testing.F) {
	e := newTestEnv(f)
	e.srv.Cfg.EnableDebugCommand = config.PermitYes
	c := e.newClient()
	for _, k := range readStreamFixture(&testing.T{}) {
		// Small seeds only: the fuzzer minimizes what it finds, which
		// for a payload of kilobytes takes most of its time.
		if raw, _ := hex.DecodeString(k.NoCompress); len(raw) < 1024 {
			f.Add(raw[:len(raw)-10])
		}
	}
	f.Fuzz(func(t *testing.T, obj []byte) {
		e.t = t
		if len(obj) == 0 || obj[0] != rdb.TypeStreamListpacks3 {
			obj = append([]byte{rdb.TypeStreamListpacks3}, obj...)
		}
		got := e.do(c, "restore", "k", "0", payload(obj, rdb.Version), "replace")
		if got != "+OK\r\n" {
			if got[0] != '-' {
				t.Fatalf("RESTORE replied %q", got)
			}
			return
		}
		p := e.do(c, "dump", "k")
		body := p[len(firstLine(p))+2 : len(p)-2]
		for _, cmd := range [][]string{
			{"xrange", "k", "-", "+"}, {"xrevrange", "k", "+", "-"}, {"xinfo", "stream", "k", "full"},
			{"xinfo", "stream", "k"}, {"xinfo", "groups", "k"}, {"xlen", "k"}, {"memory", "usage", "k"},
			{"xread", "streams", "k", "0"}, {"xpending", "k", "g1"}, {"xautoclaim", "k", "g1", "c", "0", "0"},
			{"xdel", "k", "1-0", "5-0"}, {"xtrim", "k", "maxlen", "3"}, {"xadd", "k", "*", "a", "b"},
			{"xreadgroup", "group", "g1", "c", "streams", "k", ">"}, {"debug", "digest-value", "k"},
		} {
			if r := e.do(c, cmd...); r == "" {
				t.Fatalf("%q: no reply", cmd)
			}
		}
		if r := e.do(c, "restore", "k2", "0", body, "replace"); r != "+OK\r\n" {
			t.Fatalf("our own DUMP of an accepted payload does not restore: %q", r)
		}
	})
}
