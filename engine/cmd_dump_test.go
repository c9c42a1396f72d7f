package engine

import (
	"encoding/binary"
	"testing"

	"github.com/volleydb/volley/engine/config"
	"github.com/volleydb/volley/engine/listpack"
	"github.com/volleydb/volley/engine/rdb"
)

// payload makes a DUMP payload of an object's bytes with the given RDB
// version and a correct checksum.
func payload(obj []byte, version uint16) string {
	b := append([]byte(nil), obj...)
	b = binary.LittleEndian.AppendUint16(b, version)
	return string(binary.LittleEndian.AppendUint64(b, rdb.CRC64(0, b)))
}

func TestRestoreErrors(t *testing.T) {
	e := newTestEnv(t)
	e.srv.Clock = &FakeClock{Ms: 1_700_000_000_000}
	c := e.newClient()
	str := payload([]byte{rdb.TypeString, 3, 'a', 'b', 'c'}, rdb.Version)
	badCRC := []byte(str)
	badCRC[len(badCRC)-1] ^= 1
	emptySet := payload(append([]byte{rdb.TypeSetListpack, byte(len(listpack.New(0)))}, listpack.New(0)...), rdb.Version)
	e.do(c, "set", "exists", "x")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"restore", "k", "0", "short"}, errReply(errRestorePayload)},
		{[]string{"restore", "k", "0", string(badCRC)}, errReply(errRestorePayload)},
		{[]string{"restore", "k", "0", payload([]byte{rdb.TypeString, 3, 'a'}, rdb.Version)}, errReply(errBadDataFormat)},
		{[]string{"restore", "k", "0", payload([]byte{100, 1, 'a'}, rdb.Version)}, errReply(errBadDataFormat)},
		{[]string{"restore", "k", "0", payload([]byte{rdb.TypeString, 1, 'a'}, rdb.Version+1)}, errReply(errRestorePayload)},
		// rdb-version-check strict (the default) refuses a foreign format.
		{[]string{"restore", "k", "0", payload([]byte{rdb.TypeString, 1, 'a'}, 12)}, errReply(errRestorePayload)},
		{[]string{"restore", "k", "0", emptySet}, errReply(errBadDataFormat)},
		{[]string{"restore", "exists", "0", str}, errReply(ErrBusyKey)},
		{[]string{"restore", "k", "-1", str}, errReply(errRestoreTTL)},
		{[]string{"restore", "k", "x", str}, errReply(ErrNotInteger)},
		{[]string{"restore", "k", "0", str, "idletime", "-1"}, errReply(errRestoreIdle)},
		{[]string{"restore", "k", "0", str, "freq", "256"}, errReply(errRestoreFreq)},
		{[]string{"restore", "k", "0", str, "idletime", "1", "freq", "1"}, errReply(ErrSyntax)},
		{[]string{"restore", "k", "0", str, "idletime"}, errReply(ErrSyntax)},
		{[]string{"restore", "k", "0", str, "bogus"}, errReply(ErrSyntax)},
		{[]string{"exists", "k"}, ":0\r\n"},
		// An older version restores; the key is new.
		{[]string{"restore", "k", "0", payload([]byte{rdb.TypeString, 3, 'a', 'b', 'c'}, 9)}, "+OK\r\n"},
		{[]string{"get", "k"}, bulk("abc")},
		// An expiry already past: nothing is stored, REPLACE still deletes.
		{[]string{"restore", "gone", "1000", str, "absttl"}, "+OK\r\n"},
		{[]string{"exists", "gone"}, ":0\r\n"},
		{[]string{"restore", "exists", "1000", str, "absttl", "replace"}, "+OK\r\n"},
		{[]string{"exists", "exists"}, ":0\r\n"},
		{[]string{"restore", "ttl", "5000", str}, "+OK\r\n"},
		{[]string{"pexpiretime", "ttl"}, ":1700000005000\r\n"},
		{[]string{"restore", "idle", "0", str, "idletime", "1000"}, "+OK\r\n"},
		{[]string{"object", "idletime", "idle"}, ":1000\r\n"},
		{[]string{"dump", "missing"}, "$-1\r\n"},
	} {
		if got := e.do(c, tc.args...); got != tc.want {
			t.Errorf("%q: got %q, want %q", tc.args[:min(len(tc.args), 3)], got, tc.want)
		}
	}
	// rdb-version-check relaxed takes a future version, and a foreign
	// one, but not a type the foreign format may use differently.
	e.do(c, "config", "set", "rdb-version-check", "relaxed")
	if got := e.do(c, "restore", "future", "0", payload([]byte{rdb.TypeString, 1, 'a'}, rdb.Version+1)); got != "+OK\r\n" {
		t.Errorf("RESTORE of a future version, relaxed: %q", got)
	}
	if got := e.do(c, "restore", "f", "0", payload([]byte{rdb.TypeHash2, 0}, 12)); got != errReply("ERR Unsupported foreign data type: 22") {
		t.Errorf("RESTORE of a foreign type, relaxed: %q", got)
	}
	// A payload with a wrong checksum restores once checks are off.
	e.srv.Cfg.EnableDebugCommand = config.PermitYes
	e.do(c, "debug", "set-skip-checksum-validation", "1")
	if got := e.do(c, "restore", "skip", "0", string(badCRC)); got != "+OK\r\n" {
		t.Errorf("RESTORE with checks off: %q", got)
	}
}

// TestDumpRestoreRoundTrip moves a value of every kind through DUMP and
// RESTORE and checks it arrives whole, with a "restore" event.
func TestDumpRestoreRoundTrip(t *testing.T) {
	e := newTestEnv(t)
	e.srv.Cfg.EnableDebugCommand = config.PermitYes
	c := e.newClient()
	var events []string
	e.srv.Cfg.NotifyKeyspaceEvents = config.NotifyKeyevent | config.NotifyAll
	e.keyEventSpy(func(event, key string, db int) { events = append(events, event+" "+key) })
	setup := [][]string{
		{"set", "s", "hello"},
		{"set", "i", "-12345"},
		{"rpush", "l", "a", "1", "b"},
		{"sadd", "si", "1", "2", "3"},
		{"sadd", "sl", "a", "b"},
		{"zadd", "z", "1.5", "a", "-inf", "b"},
		{"hset", "h", "f", "v", "g", "w"},
		{"hset", "hv", "f", "v", "g", "w"},
		{"hpexpire", "hv", "100000", "fields", "1", "f"},
	}
	for _, cmd := range setup {
		e.do(c, cmd...)
	}
	before := e.digest()
	for _, k := range []string{"s", "i", "l", "si", "sl", "z", "h", "hv"} {
		p := e.do(c, "dump", k)
		raw := p[len(firstLine(p))+2 : len(p)-2]
		if got := e.do(c, "restore", k, "0", raw, "replace"); got != "+OK\r\n" {
			t.Fatalf("RESTORE %s: %q", k, got)
		}
	}
	if after := e.digest(); after != before {
		t.Errorf("digest %q after DUMP and RESTORE of every key, %q before", after, before)
	}
	if got := e.do(c, "hpttl", "hv", "fields", "2", "f", "g"); got[:4] != "*2\r\n" || got[len(got)-5:] != ":-1\r\n" {
		t.Errorf("HPTTL after RESTORE: %q", got)
	}
	if n := countPrefix(events, "restore "); n != 8 {
		t.Errorf("%d restore events, want 8: %q", n, events)
	}
}

// firstLine is a reply's first line, without its CRLF.
func firstLine(s string) string {
	for i := range len(s) - 1 {
		if s[i] == '\r' && s[i+1] == '\n' {
			return s[:i]
		}
	}
	return s
}

func countPrefix(ss []string, p string) int {
	n := 0
	for _, s := range ss {
		if len(s) >= len(p) && s[:len(p)] == p {
			n++
		}
	}
	return n
}

// FuzzRestore feeds RESTORE arbitrary payloads with a valid trailer: it
// must reply OK or an error, never panic, and what it stores must DUMP
// and read back.
func FuzzRestore(f *testing.F) {
	e := newTestEnv(f)
	e.srv.Cfg.EnableDebugCommand = config.PermitYes
	c := e.newClient()
	for _, cmd := range [][]string{
		{"set", "s", "hello"}, {"rpush", "l", "a", "1"}, {"sadd", "si", "1", "2"}, {"sadd", "sl", "a"},
		{"zadd", "z", "1", "a"}, {"hset", "h", "f", "v"},
	} {
		e.do(c, cmd...)
		p := e.do(c, "dump", cmd[1])
		body := p[len(firstLine(p))+2 : len(p)-2]
		f.Add([]byte(body[:len(body)-10]))
	}
	f.Fuzz(func(t *testing.T, obj []byte) {
		e.t = t
		got := e.do(c, "restore", "k", "0", payload(obj, rdb.Version), "replace")
		if got == "+OK\r\n" {
			// What was accepted is a value like any other: it reads,
			// dumps, and restores again to the same content.
			p := e.do(c, "dump", "k")
			body := p[len(firstLine(p))+2 : len(p)-2]
			if r := e.do(c, "restore", "k2", "0", body, "replace"); r != "+OK\r\n" {
				t.Fatalf("our own DUMP of an accepted payload does not restore: %q", r)
			}
			if a, b := e.do(c, "debug", "digest-value", "k"), e.do(c, "debug", "digest-value", "k2"); a != b {
				t.Fatalf("restored %q, restored again %q", a, b)
			}
			return
		}
		if got[0] != '-' {
			t.Fatalf("RESTORE replied %q", got)
		}
	})
}
