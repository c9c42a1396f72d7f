package engine

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/volleydb/volley/engine/config"
	"github.com/volleydb/volley/engine/keyspace"
)

// genEnv is a fake-clock server that records every keyspace event, with
// one client.
type genEnv struct {
	*testEnv
	clk    *FakeClock
	c      *Client
	events []string // "event key@db"
}

func newGenEnv(t *testing.T) *genEnv {
	e, clk := fakeClockEnv(t)
	g := &genEnv{testEnv: e, clk: clk, c: e.newClient()}
	e.srv.Cfg.NotifyKeyspaceEvents = config.NotifyAll | config.NotifyKeyMiss | config.NotifyKeyevent
	e.keyEventSpy(func(event, key string, db int) {
		g.events = append(g.events, event+" "+key+"@"+strconv.Itoa(db))
	})
	return g
}

// put stores a string in database db, expiring at at (0: never).
func (g *genEnv) put(db int, key, val string, at int64) {
	g.srv.DB(db).Set([]byte(key), keyspace.Value{Kind: storedStringKind([]byte(key), []byte(val), at != 0), Bytes: []byte(val), Expire: at}, false)
}

// putList stores a fake list object.
func (g *genEnv) putList(db int, key string, elems ...string) *fakeList {
	l := &fakeList{elems: elems}
	g.srv.DB(db).Set([]byte(key), keyspace.Value{Kind: TypeList | EncQuicklist, Obj: l}, false)
	return l
}

// get returns a key's value bytes and expiry without side effects.
func (g *genEnv) get(db int, key string) (string, int64, bool) {
	e, ok := g.srv.DB(db).Keys().Get([]byte(key))
	if !ok {
		return "", 0, false
	}
	return string(e.Value()), e.Expire(), true
}

// takeEvents returns the events recorded since the last call.
func (g *genEnv) takeEvents() []string {
	ev := g.events
	g.events = nil
	return ev
}

func (g *genEnv) checkEvents(t *testing.T, want ...string) {
	t.Helper()
	if got := g.takeEvents(); !slices.Equal(got, want) {
		t.Errorf("events %q, want %q", got, want)
	}
}

func (g *genEnv) checkDirty(t *testing.T, want int64) {
	t.Helper()
	if g.srv.Dirty != want {
		t.Errorf("dirty %d, want %d", g.srv.Dirty, want)
	}
}

// fakeList is a collection object for the generic commands' tests.
type fakeList struct{ elems []string }

func (l *fakeList) Clone() any                 { return &fakeList{elems: slices.Clone(l.elems)} }
func (l *fakeList) MemUsage(samples int) int64 { return int64(len(l.elems)) * 8 }
func (l *fakeList) Len() int                   { return len(l.elems) }

func TestGenericDelUnlinkExists(t *testing.T) {
	g := newGenEnv(t)
	now := g.clk.Ms
	g.put(0, "a", "1", 0)
	g.put(0, "b", "2", now+1000)
	g.put(0, "gone", "3", now-1) // expired, not yet reclaimed
	g.expect(g.c, []replyCase{
		rc("exists a a b nokey", ":3\r\n"),
		rc("exists gone", ":0\r\n"),
	})
	if g.srv.DB(0).Len() != 2 || g.srv.Stats.ExpiredKeys != 1 {
		t.Fatalf("EXISTS should reclaim the expired key: len %d expired %d", g.srv.DB(0).Len(), g.srv.Stats.ExpiredKeys)
	}
	if g.srv.Stats.KeyspaceHits != 3 || g.srv.Stats.KeyspaceMisses != 2 {
		t.Errorf("hits %d misses %d", g.srv.Stats.KeyspaceHits, g.srv.Stats.KeyspaceMisses)
	}
	g.checkEvents(t, "keymiss nokey@0", "expired gone@0", "keymiss gone@0")
	g.checkDirty(t, 0)

	g.put(0, "gone", "3", now-1)
	g.expect(g.c, []replyCase{
		rc("del a gone a nokey", ":1\r\n"),
		rc("unlink b b", ":1\r\n"),
		rc("del a", ":0\r\n"),
	})
	g.checkEvents(t, "del a@0", "expired gone@0", "del b@0")
	g.checkDirty(t, 2)
	if g.srv.DB(0).Len() != 0 || g.srv.DB(0).ExpiresLen() != 0 {
		t.Fatalf("left %d keys, %d expires", g.srv.DB(0).Len(), g.srv.DB(0).ExpiresLen())
	}
	if g.srv.Stats.KeyspaceHits != 3 || g.srv.Stats.KeyspaceMisses != 2 {
		t.Errorf("DEL counted hits or misses: %d %d", g.srv.Stats.KeyspaceHits, g.srv.Stats.KeyspaceMisses)
	}

	// UNLINK hands big collections to the lazy-free accounting; DEL does
	// only with lazyfree-lazy-user-del.
	big := make([]string, lazyfreeThreshold+1)
	g.putList(0, "big", big...)
	g.putList(0, "small", big[:lazyfreeThreshold]...)
	g.expect(g.c, []replyCase{rc("unlink big small", ":2\r\n")})
	waitLazyfree(g.srv) // the collection that reclaims it runs on its own goroutine
	if n := g.srv.lazyfreed.Load(); n != 1 {
		t.Errorf("lazyfreed %d, want 1", n)
	}
	g.srv.Cfg.LazyfreeLazyUserDel = false
	g.putList(0, "big", big...)
	g.expect(g.c, []replyCase{rc("del big", ":1\r\n")})
	waitLazyfree(g.srv)
	if n := g.srv.lazyfreed.Load(); n != 1 {
		t.Errorf("DEL without lazyfree-lazy-user-del freed lazily: %d", n)
	}
}

func TestGenericTypeTouchLeaveAccessTimes(t *testing.T) {
	g := newGenEnv(t)
	g.put(0, "s", "x", 0)
	g.putList(0, "l", "a")
	db := g.srv.DB(0)
	for _, k := range []string{"s", "l"} {
		e, _ := db.Keys().Get([]byte(k))
		e.SetLRU(7)
	}
	g.expect(g.c, []replyCase{
		rc("type s", "+string\r\n"),
		rc("type l", "+list\r\n"),
		rc("type nokey", "+none\r\n"),
		rc("exists s l", ":2\r\n"),
		rc("ttl s", ":-1\r\n"),
		rc("object encoding s", bulk("embstr")),
	})
	lru := func(k string) uint32 { e, _ := db.Keys().Get([]byte(k)); return e.LRU() }
	if lru("s") != 7 || lru("l") != 7 {
		t.Fatalf("read-only introspection touched the keys: %d %d", lru("s"), lru("l"))
	}
	g.clk.Ms += 5000
	g.srv.updateCachedTime(g.clk.Ms)
	g.expect(g.c, []replyCase{rc("touch s nokey s", ":2\r\n")})
	if lru("s") != g.srv.lruClock || lru("l") != 7 {
		t.Fatalf("TOUCH: lru %d, want %d", lru("s"), g.srv.lruClock)
	}
	g.checkDirty(t, 0)
}

func TestGenericRename(t *testing.T) {
	g := newGenEnv(t)
	now := g.clk.Ms
	g.put(0, "a", "va", now+5000)
	g.put(0, "b", "vb", now+9000)
	db := g.srv.DB(0)
	ea, _ := db.Keys().Get([]byte("a"))
	ea.SetLRU(123)
	g.srv.updateCachedTime(now + 10000)
	g.expect(g.c, []replyCase{
		rc("rename nokey x", errReply(ErrNoKey)),
		rc("rename nokey nokey", errReply(ErrNoKey)),
		rc("renamenx nokey nokey", errReply(ErrNoKey)),
		rc("rename a a", "+OK\r\n"),
		rc("renamenx a a", ":0\r\n"),
		rc("renamenx a b", ":0\r\n"),
	})
	g.checkDirty(t, 0)
	g.takeEvents()
	g.expect(g.c, []replyCase{rc("rename a b", "+OK\r\n")})
	if v, at, ok := g.get(0, "b"); !ok || v != "va" || at != now+5000 {
		t.Fatalf("b = %q expire %d %v", v, at, ok)
	}
	if _, _, ok := g.get(0, "a"); ok || db.Len() != 1 || db.ExpiresLen() != 1 {
		t.Fatalf("a still there or expires index wrong: %d keys %d expires", db.Len(), db.ExpiresLen())
	}
	// The write lookup touched a; b carries that access time on.
	if eb, _ := db.Keys().Get([]byte("b")); eb.LRU() != g.srv.lruClock {
		t.Errorf("access time not kept: %d", eb.LRU())
	}
	g.checkEvents(t, "rename_from a@0", "rename_to b@0")
	g.checkDirty(t, 1)

	// A key without expiry replaces one with: the target ends up without.
	g.put(0, "p", "vp", 0)
	g.expect(g.c, []replyCase{
		rc("rename p b", "+OK\r\n"),
		rc("ttl b", ":-1\r\n"),
		rc("renamenx b fresh", ":1\r\n"),
	})
	if db.ExpiresLen() != 0 {
		t.Fatalf("expires index has %d", db.ExpiresLen())
	}
	// Objects move by reference.
	l := g.putList(0, "l", "x")
	g.expect(g.c, []replyCase{rc("rename l l2", "+OK\r\n"), rc("type l2", "+list\r\n")})
	if e, _ := db.Keys().Get([]byte("l2")); e.Obj() != l {
		t.Fatal("RENAME did not keep the object")
	}
	// An expired source is missing.
	g.put(0, "old", "v", now-1)
	g.expect(g.c, []replyCase{rc("rename old x", errReply(ErrNoKey))})
	// Values long enough for records of their own.
	long := strings.Repeat("z", 40000)
	g.put(0, "long", long, 0)
	g.expect(g.c, []replyCase{rc("rename long long2", "+OK\r\n")})
	if v, _, _ := g.get(0, "long2"); v != long {
		t.Fatal("long value changed by RENAME")
	}
}

func TestGenericMove(t *testing.T) {
	g := newGenEnv(t)
	now := g.clk.Ms
	g.put(0, "a", "va", now+5000)
	g.put(1, "b", "other", 0)
	g.put(0, "b", "vb", 0)
	g.expect(g.c, []replyCase{
		rc("move a x", errReply(ErrNotInteger)),
		rc("move a 2147483648", errReply("ERR value is out of range, value must between -2147483648 and 2147483647")),
		rc("move a 16", errReply(ErrInvalidDB)),
		rc("move a -1", errReply(ErrInvalidDB)),
		rc("move a 0", errReply(ErrSameObject)),
		rc("move nokey 1", ":0\r\n"),
		rc("move b 1", ":0\r\n"),
	})
	g.checkDirty(t, 0)
	g.takeEvents()
	g.expect(g.c, []replyCase{rc("move a 1", ":1\r\n")})
	if v, at, ok := g.get(1, "a"); !ok || v != "va" || at != now+5000 {
		t.Fatalf("moved a = %q %d %v", v, at, ok)
	}
	if _, _, ok := g.get(0, "a"); ok || g.srv.DB(0).ExpiresLen() != 0 || g.srv.DB(1).ExpiresLen() != 1 {
		t.Fatal("source or expires index wrong after MOVE")
	}
	g.checkEvents(t, "move_from a@0", "move_to a@1")
	g.checkDirty(t, 1)
	g.expect(g.c, []replyCase{rc("select 1", "+OK\r\n"), rc("move a 0", ":1\r\n"), rc("ttl a", ":-2\r\n")})
	// In cluster mode the server has cluster-databases databases (1 by
	// default), fixed at start-up.
	g.srv.Cfg.ClusterEnabled = true
	g.srv.initDBs()
	g.expect(g.newClient(), []replyCase{rc("move b 1", errReply(ErrInvalidDB))})
}

func TestGenericCopy(t *testing.T) {
	g := newGenEnv(t)
	now := g.clk.Ms
	g.put(0, "a", "12345", now+5000)
	g.put(0, "b", "vb", 0)
	l := g.putList(0, "l", "x", "y")
	g.expect(g.c, []replyCase{
		rc("copy a a", errReply(ErrSameObject)),
		rc("copy a b db", errReply(ErrSyntax)),
		rc("copy a b foo", errReply(ErrSyntax)),
		rc("copy a b db 100", errReply(ErrInvalidDB)),
		rc("copy a b replace db x", errReply(ErrNotInteger)),
		rc("copy a b db 0 db 2147483648", errReply("ERR value is out of range, value must between -2147483648 and 2147483647")),
		rc("copy a a db 0", errReply(ErrSameObject)),
		rc("copy nokey c", ":0\r\n"),
		rc("copy a b", ":0\r\n"),
	})
	g.checkDirty(t, 0)
	g.takeEvents()
	g.expect(g.c, []replyCase{
		rc("copy a b REPLACE", ":1\r\n"),
		rc("copy a a DB 1", ":1\r\n"),
		rc("copy l l2", ":1\r\n"),
		rc("object encoding b", bulk("int")),
	})
	g.checkEvents(t, "copy_to b@0", "copy_to a@1", "copy_to l2@0")
	g.checkDirty(t, 3)
	for _, k := range []struct {
		db  int
		key string
	}{{0, "a"}, {0, "b"}, {1, "a"}} {
		if v, at, ok := g.get(k.db, k.key); !ok || v != "12345" || at != now+5000 {
			t.Errorf("%d/%s = %q %d %v", k.db, k.key, v, at, ok)
		}
	}
	if g.srv.DB(0).ExpiresLen() != 2 || g.srv.DB(1).ExpiresLen() != 1 {
		t.Errorf("expires index %d %d", g.srv.DB(0).ExpiresLen(), g.srv.DB(1).ExpiresLen())
	}
	e, _ := g.srv.DB(0).Keys().Get([]byte("l2"))
	l2 := e.Obj().(*fakeList)
	if l2 == l || !slices.Equal(l2.elems, l.elems) || e.Kind() != TypeList|EncQuicklist {
		t.Fatal("COPY did not deep-copy the object")
	}
	l2.elems[0] = "changed"
	if l.elems[0] != "x" {
		t.Fatal("copy shares elements with its source")
	}
	// COPY reads its source as a read: a hit each (and OBJECT's lookup).
	if g.srv.Stats.KeyspaceHits != 5 {
		t.Errorf("hits %d", g.srv.Stats.KeyspaceHits)
	}
}

func TestGenericKeys(t *testing.T) {
	g := newGenEnv(t)
	now := g.clk.Ms
	for _, k := range []string{"foo", "fob", "bar", "f*x", ""} {
		g.put(0, k, "v", 0)
	}
	g.put(0, "fexp", "v", now-1)
	sorted := func(reply string) string {
		lines := strings.Split(strings.TrimSuffix(reply, "\r\n"), "\r\n")
		var keys []string
		for i := 2; i < len(lines); i += 2 {
			keys = append(keys, lines[i])
		}
		sort := slices.Clone(keys)
		slices.Sort(sort)
		return lines[0] + " " + strings.Join(sort, ",")
	}
	for _, tc := range []struct{ pat, want string }{
		{"*", "*5 ,bar,f*x,fob,foo"},
		{"f*", "*3 f*x,fob,foo"},
		{"fo?", "*2 fob,foo"},
		{"f[^o]*", "*1 f*x"},
		{`f\*x`, "*1 f*x"},
		{"**", "*4 bar,f*x,fob,foo"}, // the empty key matches only "*" itself
		{"nothing", "*0 "},
	} {
		if got := sorted(g.do(g.c, "keys", tc.pat)); got != tc.want {
			t.Errorf("KEYS %s: %q, want %q", tc.pat, got, tc.want)
		}
	}
	if g.srv.DB(0).Len() != 6 {
		t.Error("KEYS reclaimed an expired key; Valkey leaves it")
	}
}

func TestParseScanCursor(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want uint64
		ok   bool
	}{
		{"0", 0, true}, {"17", 17, true}, {"007", 7, true}, {"+5", 5, true}, {" 5", 5, true},
		{"\t\n\v\f\r 9", 9, true}, {"18446744073709551615", 1<<64 - 1, true},
		{"-01", 1<<64 - 1, true}, {"-18446744073709551615", 1, true}, {"5\x00junk", 5, true},
		{"-1", 0, false}, {"", 0, false}, {" ", 0, false}, {"-", 0, false}, {"+", 0, false},
		{"5 ", 0, false}, {"x", 0, false}, {"0x10", 0, false}, {"18446744073709551616", 0, false},
		{"-18446744073709551616", 0, false}, {"\x005", 0, false}, {"1e3", 0, false},
	} {
		got, ok := parseScanCursor([]byte(tc.in))
		if ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("parseScanCursor(%q) = %d %v, want %d %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

// strtoullModel is strtoull(3) in base 10 with string2ull's checks, written
// independently of parseScanCursor for the fuzz test to compare against.
func strtoullModel(b []byte) (uint64, bool) {
	if v, err := strconv.ParseInt(string(b), 10, 64); err == nil && string(b) == strconv.FormatInt(v, 10) {
		return uint64(v), v >= 0
	}
	s := string(b)
	if i := strings.IndexByte(s, 0); i >= 0 {
		s = s[:i]
	}
	if s == "" {
		return 0, false
	}
	t := strings.TrimLeft(s, " \t\n\v\f\r")
	neg := strings.HasPrefix(t, "-")
	if neg || strings.HasPrefix(t, "+") {
		t = t[1:]
	}
	v, err := strconv.ParseUint(t, 10, 64) // digits only: no sign, no '_' in base 10
	if err != nil {
		return 0, false
	}
	if neg {
		v = -v
	}
	return v, true
}

func FuzzParseScanCursor(f *testing.F) {
	for _, s := range []string{"0", "-01", " +7", "18446744073709551615", "5\x00", "+-1", "1_0"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, ok := parseScanCursor(b)
		want, wok := strtoullModel(b)
		if ok != wok || (ok && got != want) {
			t.Fatalf("%q: got %d %v, model %d %v", b, got, ok, want, wok)
		}
	})
}

// scanReply parses a SCAN reply into its cursor and keys.
func scanReply(t *testing.T, reply string) (string, []string) {
	t.Helper()
	lines := strings.Split(reply, "\r\n")
	if len(lines) < 5 || lines[0] != "*2" {
		t.Fatalf("bad SCAN reply %q", reply)
	}
	n, _ := strconv.Atoi(strings.TrimPrefix(lines[3], "*"))
	var keys []string
	for i := 0; i < n; i++ {
		keys = append(keys, lines[5+2*i])
	}
	return lines[2], keys
}

func TestGenericScanOptions(t *testing.T) {
	g := newGenEnv(t)
	now := g.clk.Ms
	g.expect(g.c, []replyCase{
		rc("scan 0", "*2\r\n$1\r\n0\r\n*0\r\n"),
		rc("scan x", errReply(errInvalidCursor)),
		rc("scan -1", errReply(errInvalidCursor)),
		rc("scan 18446744073709551616", errReply(errInvalidCursor)),
		rc("scan 0 count 0", errReply(ErrSyntax)),
		rc("scan 0 count -1", errReply(ErrSyntax)),
		rc("scan 0 count x", errReply(ErrNotInteger)),
		rc("scan 0 type foo", errReply("ERR unknown type name 'foo'")),
		rc("scan 0 novalues", errReply("ERR NOVALUES option can only be used in HSCAN")),
		rc("scan 0 NOSCORES", errReply("ERR NOSCORES option can only be used in ZSCAN")),
		rc("scan 0 count", errReply(ErrSyntax)),
		rc("scan 0 match", errReply(ErrSyntax)),
		rc("scan 0 type", errReply(ErrSyntax)),
		rc("scan 0 foo bar", errReply(ErrSyntax)),
		rc("scan 0 count 0 type foo", errReply(ErrSyntax)),
	})
	if got := g.do(g.c, "scan", "0", "type", "a\x00b"); got != errReply("ERR unknown type name 'a'") {
		t.Errorf("type name with NUL: %q", got)
	}
	g.put(0, "s1", "v", 0)
	g.put(0, "s2", "v", 0)
	g.putList(0, "l1", "x")
	g.put(0, "x1", "v", now-1)
	g.putList(0, "x2", "v")
	g.srv.DB(0).SetExpire([]byte("x2"), now-1)
	all := func(args ...string) []string {
		var keys []string
		cursor := "0"
		for {
			var k []string
			cursor, k = scanReply(t, g.do(g.c, append([]string{"scan", cursor}, args...)...))
			keys = append(keys, k...)
			if cursor == "0" {
				break
			}
		}
		slices.Sort(keys)
		return keys
	}
	if got := all("TYPE", "LIST"); !slices.Equal(got, []string{"l1"}) {
		t.Errorf("TYPE list: %q", got)
	}
	// The type filter comes before the expiry check: x1 is a string, so
	// it was skipped, not reclaimed; the expired list x2 was reclaimed.
	if _, _, ok := g.get(0, "x1"); !ok {
		t.Error("TYPE list reclaimed an expired string")
	}
	if _, _, ok := g.get(0, "x2"); ok {
		t.Error("expired list not reclaimed by SCAN")
	}
	g.checkEvents(t, "expired x2@0")
	if got := all("match", "s*", "count", "1"); !slices.Equal(got, []string{"s1", "s2"}) {
		t.Errorf("MATCH s*: %q", got)
	}
	if _, _, ok := g.get(0, "x1"); !ok {
		t.Error("MATCH s* reclaimed a key it does not match")
	}
	if got := all("match", "*"); !slices.Equal(got, []string{"l1", "s1", "s2"}) {
		t.Errorf("all keys: %q", got)
	}
	if _, _, ok := g.get(0, "x1"); ok || g.srv.Stats.ExpiredKeys != 2 {
		t.Error("SCAN returned or kept an expired key")
	}
	g.checkDirty(t, 0)
}

// TestGenericScanGuarantee checks SCAN's promise at the command level:
// every key present for the whole scan is returned, while other keys are
// added and removed between calls and the table grows and shrinks.
func TestGenericScanGuarantee(t *testing.T) {
	for seed := uint64(1); seed <= 4; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			g := newGenEnv(t)
			r := rand.New(rand.NewPCG(seed, 7))
			stable := map[string]bool{}
			for i := range 300 {
				k := "stable:" + strconv.Itoa(i)
				g.put(0, k, "v", 0)
				stable[k] = true
			}
			churn := 0
			seen := map[string]bool{}
			cursor := "0"
			for calls := 0; ; calls++ {
				var keys []string
				cursor, keys = scanReply(t, g.do(g.c, "scan", cursor, "count", strconv.Itoa(1+r.IntN(20))))
				for _, k := range keys {
					seen[k] = true
				}
				if cursor == "0" {
					break
				}
				// Grow hard, then shrink hard, so the scan crosses resizes.
				db := g.srv.DB(0)
				if calls%10 < 5 {
					for range 200 {
						g.put(0, "churn:"+strconv.Itoa(churn), "v", 0)
						churn++
					}
				} else {
					for i := 0; i < churn; i++ {
						if r.IntN(2) == 0 {
							db.Delete([]byte("churn:" + strconv.Itoa(i)))
						}
					}
				}
				if calls > 10000 {
					t.Fatal("scan does not end")
				}
			}
			for k := range stable {
				if !seen[k] {
					t.Fatalf("key %s present for the whole scan was not returned", k)
				}
			}
		})
	}
}

func TestGenericRandomKey(t *testing.T) {
	g := newGenEnv(t)
	now := g.clk.Ms
	g.expect(g.c, []replyCase{rc("randomkey", "$-1\r\n")})
	g.c.Proto = 3
	g.expect(g.c, []replyCase{rc("randomkey", "_\r\n")})
	g.c.Proto = 2
	for i := range 50 {
		g.put(0, "x"+strconv.Itoa(i), "v", now-1)
	}
	g.expect(g.c, []replyCase{rc("randomkey", "$-1\r\n")})
	if g.srv.DB(0).Len() != 0 || g.srv.Stats.ExpiredKeys != 50 {
		t.Fatalf("RANDOMKEY left %d expired keys", g.srv.DB(0).Len())
	}
	for i := range 50 {
		g.put(0, "x"+strconv.Itoa(i), "v", now-1)
	}
	g.put(0, "live", "v", 0)
	g.expect(g.c, []replyCase{rc("randomkey", bulk("live"))})

	// While expiry is paused every key stays; a table of expired keys
	// still ends the search, with one of them.
	g.srv.DB(0).Flush(false)
	for i := range 10 {
		g.put(0, "y"+strconv.Itoa(i), "v", now-1)
	}
	g.srv.PauseActions(PauseByClient, now+100000, PauseExpire)
	if got := g.do(g.c, "randomkey"); !strings.HasPrefix(got, "$2\r\ny") {
		t.Fatalf("paused RANDOMKEY: %q", got)
	}
	if g.srv.DB(0).Len() != 10 {
		t.Fatal("RANDOMKEY reclaimed keys while expiry was paused")
	}
}

func TestGenericExpireOptionsAndErrors(t *testing.T) {
	g := newGenEnv(t)
	now := g.clk.Ms
	g.put(0, "a", "v", 0)
	g.expect(g.c, []replyCase{
		rc("expire a 10 nx xx", errReply(errNoKeyCompat)),
		rc("expire a 10 nx gt", errReply(errNoKeyCompat)),
		rc("expire a 10 lt nx", errReply(errNoKeyCompat)),
		rc("expire a 10 gt lt", errReply(errGTLTCompat)),
		rc("expire a 10 foo", errReply("ERR Unsupported option foo")),
		rc("expire a abc nx xx", errReply(errNoKeyCompat)), // options first
		rc("expire a abc", errReply(ErrNotInteger)),
		rc("expire a 9223372036854775807", errReply("ERR invalid expire time in 'expire' command")),
		rc("expire a -9223372036854776", errReply("ERR invalid expire time in 'expire' command")),
		rc("pexpire a 9223372036854775807", errReply("ERR invalid expire time in 'pexpire' command")),
		rc("expireat a 9223372036854776", errReply("ERR invalid expire time in 'expireat' command")),
		rc("expire nokey 10", ":0\r\n"),
		rc("ttl a", ":-1\r\n"),
	})
	g.checkDirty(t, 0)
	g.expect(g.c, []replyCase{
		rc("expire a 100 xx", ":0\r\n"),
		rc("expire a 100 gt", ":0\r\n"), // no expiry is infinite
		rc("expire a 100 LT", ":1\r\n"),
		rc("expire a 100 nx", ":0\r\n"),
		rc("expire a 50 gt", ":0\r\n"),
		rc("expire a 100 gt", ":0\r\n"),
		rc("expire a 200 GT", ":1\r\n"),
		rc("expire a 300 lt", ":0\r\n"),
		rc("expire a 200 lt", ":0\r\n"),
		rc("pexpire a 150500 lt xx", ":1\r\n"),
		rc("pttl a", ":150500\r\n"),
		rc("ttl a", ":151\r\n"), // rounded to the nearest second
		rc("pexpire a 1499", ":1\r\n"),
		rc("ttl a", ":1\r\n"),
		rc("pexpire a 1500", ":1\r\n"),
		rc("ttl a", ":2\r\n"),
		rc("pexpire a 499", ":1\r\n"),
		rc("ttl a", ":0\r\n"),
		rc("expireat a 2000000000", ":1\r\n"),
		rc("expiretime a", ":2000000000\r\n"),
		rc("pexpiretime a", ":2000000000000\r\n"),
		rc("pexpireat a 1900000000123", ":1\r\n"),
		rc("expiretime a", ":1900000000\r\n"),
		rc("pexpiretime a", ":1900000000123\r\n"),
		rc("expiretime nokey", ":-2\r\n"),
		rc("pexpiretime nokey", ":-2\r\n"),
		rc("pttl nokey", ":-2\r\n"),
	})
	g.checkDirty(t, 8)
	if _, at, _ := g.get(0, "a"); at != 1900000000123 || g.srv.DB(0).ExpiresLen() != 1 {
		t.Fatalf("expiry %d", at)
	}
	g.checkEvents(t, append(slices.Repeat([]string{"expire a@0"}, 8),
		"keymiss nokey@0", "keymiss nokey@0", "keymiss nokey@0")...)
	g.expect(g.c, []replyCase{
		rc("persist a", ":1\r\n"),
		rc("persist a", ":0\r\n"),
		rc("persist nokey", ":0\r\n"),
		rc("ttl a", ":-1\r\n"),
		rc("expiretime a", ":-1\r\n"),
	})
	g.checkEvents(t, "persist a@0") // a write lookup sends no keymiss
	g.checkDirty(t, 9)
	if g.srv.DB(0).ExpiresLen() != 0 {
		t.Fatal("PERSIST left the expires index")
	}
	// The largest times that do not overflow.
	g.expect(g.c, []replyCase{
		rc("expireat a 9223372036854775", ":1\r\n"),
		rc("pexpireat a 9223372036854775807", ":1\r\n"),
		rc("pexpiretime a", ":9223372036854775807\r\n"),
		rc("pexpire a "+strconv.FormatInt(1<<63-1-now, 10), ":1\r\n"),
		rc("pexpire a "+strconv.FormatUint(1<<63-uint64(now), 10), errReply("ERR invalid expire time in 'pexpire' command")),
	})
}

func TestGenericExpireInThePastDeletes(t *testing.T) {
	g := newGenEnv(t)
	now := g.clk.Ms
	for _, cmd := range [][]string{
		{"expire", "k", "-1"},
		{"expire", "k", "0"},
		{"pexpire", "k", "0"},
		{"pexpireat", "k", strconv.FormatInt(now, 10)}, // expiry time now: gone
		{"expireat", "k", "1"},
		{"expire", "k", "-9223372036854775"},
		{"pexpireat", "k", "-5"},
	} {
		g.put(0, "k", "v", now+1000)
		g.takeEvents()
		dirty := g.srv.Dirty
		expired := g.srv.Stats.ExpiredKeys
		if got := g.do(g.c, cmd...); got != ":1\r\n" {
			t.Errorf("%q: %q", cmd, got)
		}
		if _, _, ok := g.get(0, "k"); ok || g.srv.DB(0).ExpiresLen() != 0 {
			t.Errorf("%q left the key", cmd)
		}
		if g.srv.Dirty != dirty+1 || g.srv.Stats.ExpiredKeys != expired+1 {
			t.Errorf("%q: dirty +%d expired +%d", cmd, g.srv.Dirty-dirty, g.srv.Stats.ExpiredKeys-expired)
		}
		g.checkEvents(t, "expired k@0")
	}
	// GT against a time in the past still compares first.
	g.put(0, "k", "v", now+1000)
	g.expect(g.c, []replyCase{rc("expire k -1 gt", ":0\r\n"), rc("expire k -1 lt", ":1\r\n"), rc("exists k", ":0\r\n")})
	// A time one millisecond ahead is kept, and expires strictly after.
	g.put(0, "k", "v", 0)
	g.expect(g.c, []replyCase{rc("pexpire k 1", ":1\r\n"), rc("pttl k", ":1\r\n")})
	g.clk.Ms++
	g.expect(g.c, []replyCase{rc("pttl k", ":0\r\n"), rc("ttl k", ":0\r\n")})
	g.clk.Ms++
	g.expect(g.c, []replyCase{rc("pttl k", ":-2\r\n")})
}

func TestGenericObject(t *testing.T) {
	g := newGenEnv(t)
	g.put(0, "i", "12345", 0)
	g.put(0, "e", "hello", 0)
	g.put(0, "r", strings.Repeat("r", 45), 0)
	g.putList(0, "l", "a")
	db := g.srv.DB(0)
	g.expect(g.c, []replyCase{
		rc("object encoding i", bulk("int")),
		rc("object encoding e", bulk("embstr")),
		rc("OBJECT ENCODING r", bulk("raw")),
		rc("object encoding l", bulk("quicklist")),
		rc("object encoding nokey", "$-1\r\n"),
		rc("object refcount i", ":1\r\n"),
		rc("object refcount l", ":1\r\n"),
		rc("object refcount nokey", "$-1\r\n"),
		rc("object freq i", errReply(errLFUNotSelected)),
		rc("object freq nokey", "$-1\r\n"),
		rc("object idletime nokey", "$-1\r\n"),
	})
	g.checkEvents(t) // OBJECT sends no keymiss
	e, _ := db.Keys().Get([]byte("i"))
	e.SetLRU(g.srv.lruClock - 42)
	g.expect(g.c, []replyCase{rc("object idletime i", ":42\r\n"), rc("object idletime i", ":42\r\n")})

	g.srv.Cfg.MaxMemoryPolicy = config.AllKeysLFU
	e.SetAccess(9<<24 | g.srv.lfuMinutes())
	g.expect(g.c, []replyCase{
		rc("object freq i", ":9\r\n"),
		rc("object idletime i", errReply(errLFUSelected)),
	})
	// The counter decays by one per lfu-decay-time minutes unaccessed.
	g.srv.updateCachedTime(g.clk.Ms + 3*60000)
	g.expect(g.c, []replyCase{rc("object freq i", ":6\r\n")})

	g.c.Proto = 3
	g.expect(g.c, []replyCase{rc("object encoding nokey", "_\r\n")})
	help := g.do(g.c, "object", "help")
	if !strings.HasPrefix(help, "*15\r\n+OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+ENCODING <key>\r\n") ||
		!strings.HasSuffix(help, "+REFCOUNT <key>\r\n+    Return the number of references of the value associated with the specified\r\n+    <key>.\r\n+HELP\r\n+    Print this help.\r\n") {
		t.Errorf("OBJECT HELP: %q", help)
	}
	g.expect(g.c, []replyCase{
		rc("object foo", errReply("ERR unknown subcommand 'foo'. Try OBJECT HELP.")),
		rc("object encoding a b", errReply("ERR wrong number of arguments for 'object|encoding' command")),
	})
}

func TestGenericDBCommands(t *testing.T) {
	g := newGenEnv(t)
	g.put(0, "a", "v", 0)
	g.put(0, "b", "v", g.clk.Ms+1000)
	g.put(1, "c", "v", 0)
	g.put(2, "d", "v", 0)
	g.expect(g.c, []replyCase{
		rc("dbsize", ":2\r\n"),
		rc("flushdb x", errReply(ErrSyntax)),
		rc("flushdb sync async", errReply(ErrSyntax)),
		rc("flushall x", errReply(ErrSyntax)),
		rc("swapdb 0 x", errReply("ERR invalid second DB index")),
		rc("swapdb x 0", errReply("ERR invalid first DB index")),
		rc("swapdb 2147483648 0", errReply("ERR invalid first DB index")),
		rc("swapdb 0 16", errReply(ErrInvalidDB)),
		rc("swapdb -1 0", errReply(ErrInvalidDB)),
	})
	g.checkDirty(t, 0)
	g.expect(g.c, []replyCase{
		rc("swapdb 0 0", "+OK\r\n"),
		rc("swapdb 0 1", "+OK\r\n"),
		rc("dbsize", ":1\r\n"),
		rc("exists c", ":1\r\n"),
		rc("select 1", "+OK\r\n"),
		rc("dbsize", ":2\r\n"),
		rc("ttl b", ":1\r\n"),
	})
	g.checkDirty(t, 2)
	if g.srv.DB(1).ExpiresLen() != 1 || g.srv.DB(0).ExpiresLen() != 0 {
		t.Fatal("SWAPDB did not swap the expires index")
	}
	g.expect(g.c, []replyCase{rc("flushdb SYNC", "+OK\r\n"), rc("dbsize", ":0\r\n")})
	g.checkDirty(t, 4)
	g.expect(g.c, []replyCase{rc("flushdb", "+OK\r\n")})
	g.checkDirty(t, 4)

	// FLUSHALL ASYNC: keys gone at once, memory released in the background.
	g.srv.Cfg.Save = nil
	g.expect(g.c, []replyCase{rc("flushall async", "+OK\r\n")})
	g.checkDirty(t, 6)
	for i, db := range g.srv.DBs() {
		if db.Len() != 0 {
			t.Fatalf("db %d has %d keys", i, db.Len())
		}
	}
	// With save points, FLUSHALL saves at once: no changes left.
	g.srv.Cfg.Save = []config.SavePoint{{3600, 1}}
	g.put(3, "e", "v", 0)
	g.expect(g.c, []replyCase{rc("flushall", "+OK\r\n")})
	g.checkDirty(t, 0)

	g.srv.Cfg.ClusterEnabled = true
	g.expect(g.c, []replyCase{rc("swapdb 0 1", errReply(errSwapDBCluster))})
}

func TestGenericCommandsOnLongValues(t *testing.T) {
	// Values over 32 KiB have records of their own (Stable); MOVE and COPY
	// must carry the bytes, not alias the deleted record.
	g := newGenEnv(t)
	long := bytes.Repeat([]byte("0123456789"), 5000)
	g.put(0, "k", string(long), 0)
	g.expect(g.c, []replyCase{rc("copy k k2", ":1\r\n"), rc("move k 1", ":1\r\n"), rc("copy k2 k3 db 1", ":1\r\n")})
	for _, k := range []struct {
		db  int
		key string
	}{{0, "k2"}, {1, "k"}, {1, "k3"}} {
		if v, _, _ := g.get(k.db, k.key); v != string(long) {
			t.Errorf("%d/%s damaged", k.db, k.key)
		}
	}
}

func TestGenericInfoKeyspace(t *testing.T) {
	g := newGenEnv(t)
	g.put(0, "a", "v", 0)
	g.put(0, "b", "v", g.clk.Ms+1000)
	g.put(3, "c", "v", 0)
	got := g.do(g.c, "info", "keyspace")
	want := "# Keyspace\r\ndb0:keys=2,expires=1,avg_ttl=0,keys_with_volatile_items=0\r\n" +
		"db3:keys=1,expires=0,avg_ttl=0,keys_with_volatile_items=0\r\n"
	if got != bulk(want) {
		t.Fatalf("INFO keyspace: %q", got)
	}
	g.expect(g.c, []replyCase{rc("flushall", "+OK\r\n"), rc("info keyspace", bulk("# Keyspace\r\n"))})
}

func TestGenericInfoStatsCounters(t *testing.T) {
	g := newGenEnv(t)
	g.put(0, "a", "v", 0)
	g.put(0, "x", "v", g.clk.Ms+10)
	g.expect(g.c, []replyCase{rc("exists a nokey", ":1\r\n"), rc("expire x -1", ":1\r\n")})
	info := g.do(g.c, "info", "stats") + g.do(g.c, "info", "persistence")
	for _, want := range []string{"\r\nexpired_keys:1\r\n", "\r\nkeyspace_hits:1\r\n", "\r\nkeyspace_misses:1\r\n",
		"\r\nrdb_changes_since_last_save:1\r\n"} {
		if !strings.Contains(info, want) {
			t.Errorf("INFO stats lacks %q", want)
		}
	}
}

// An embedded string moved to a key it no longer fits beside turns raw,
// as Valkey re-creates the object with the new key (checked against
// valkey-server 9.0.4); raw and int values keep their encoding.
func TestGenericRekeyedEncodings(t *testing.T) {
	g := newGenEnv(t)
	x31, x22 := strings.Repeat("x", 31), strings.Repeat("x", 22)
	long := func(c string, n int) string { return strings.Repeat(c, n) }
	for _, tc := range []struct {
		val, ttl string
		cmd      []string
		key      string
		db       int
		want     string
	}{
		{x31, "", []string{"rename", "k", long("k", 42)}, long("k", 42), 0, "raw"},
		{x31, "", []string{"copy", "k", long("b", 54)}, long("b", 54), 0, "raw"},
		{x31, "", []string{"move", "k", "1"}, "k", 1, "embstr"},
		{x31, "100", []string{"rename", "k", long("e", 54)}, long("e", 54), 0, "raw"},
		{x22, "100", []string{"rename", "k", long("s", 46)}, long("s", 46), 0, "raw"},
		{x22, "", []string{"rename", "k", "k2"}, "k2", 0, "embstr"},
		{"12345", "", []string{"rename", "k", long("i", 60)}, long("i", 60), 0, "int"},
	} {
		g.srv.DB(0).Flush(false)
		g.srv.DB(1).Flush(false)
		g.put(0, "k", tc.val, 0)
		if tc.ttl != "" {
			g.do(g.c, "expire", "k", tc.ttl)
		}
		if got := g.do(g.c, tc.cmd...); got != "+OK\r\n" && got != ":1\r\n" {
			t.Fatalf("%q: %q", tc.cmd, got)
		}
		g.c.DB = tc.db
		if got := g.do(g.c, "object", "encoding", tc.key); got != bulk(tc.want) {
			t.Errorf("%q: encoding %q, want %s", tc.cmd, got, tc.want)
		}
		g.c.DB = 0
	}
	// A raw value stays raw under a short key.
	g.srv.DB(0).Flush(false)
	g.put(0, long("r", 42), x22, 0)
	e, _ := g.srv.DB(0).Keys().Get([]byte(long("r", 42)))
	e.SetKind(KindRaw)
	g.expect(g.c, []replyCase{rc("copy "+long("r", 42)+" r2", ":1\r\n"), rc("object encoding r2", bulk("raw"))})
}

// RENAME, MOVE and COPY add their target as Valkey's dbAdd does, so a
// "new" event precedes their own.
func TestGenericNewKeyEvents(t *testing.T) {
	g := newGenEnv(t)
	g.srv.Cfg.NotifyKeyspaceEvents |= config.NotifyNew
	g.put(0, "a", "1", 0)
	g.put(0, "b", "2", 0)
	g.takeEvents()
	g.expect(g.c, []replyCase{rc("rename a b", "+OK\r\n"), rc("move b 2", ":1\r\n"), rc("copy b c db 2", ":0\r\n")})
	g.checkEvents(t, "new b@0", "rename_from a@0", "rename_to b@0", "new b@2", "move_from b@0", "move_to b@2",
		"keymiss b@0") // COPY reads its source
	g.c.DB = 2
	g.expect(g.c, []replyCase{rc("copy b c", ":1\r\n")})
	g.checkEvents(t, "new c@2", "copy_to c@2")
}
