package engine

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/volleydb/volley/engine/intset"
	"github.com/volleydb/volley/engine/keyspace"
	"github.com/volleydb/volley/engine/listpack"
	"github.com/volleydb/volley/engine/strset"
)

// members is the RESP2 array of bulk strings ms.
func members(ms ...string) string {
	var b strings.Builder
	b.WriteString("*" + strconv.Itoa(len(ms)) + "\r\n")
	for _, m := range ms {
		b.WriteString(bulk(m))
	}
	return b.String()
}

// ints is the RESP2 array of integers ns.
func ints(ns ...int) string {
	var b strings.Builder
	b.WriteString("*" + strconv.Itoa(len(ns)) + "\r\n")
	for _, n := range ns {
		b.WriteString(":" + strconv.Itoa(n) + "\r\n")
	}
	return b.String()
}

// rangeWords is "prefix0 prefix1 ..." for i in [from, to).
func rangeWords(prefix string, from, to int) []string {
	var out []string
	for i := from; i < to; i++ {
		out = append(out, prefix+strconv.Itoa(i))
	}
	return out
}

// cmd builds a command from a head and members.
func cmd(head string, ms ...string) []string { return append(strings.Fields(head), ms...) }

// setEncoding is key's set encoding in database 0, "missing" if absent.
func setEncoding(t *testing.T, e *testEnv, key string) string {
	t.Helper()
	en, ok := e.srv.DB(0).Keys().Get([]byte(key))
	if !ok {
		return "missing"
	}
	if typeOf(en) != TypeSet {
		t.Fatalf("%s: type %s", key, TypeName(en.Kind()))
	}
	return EncodingName(en.Kind())
}

// sortedMembers returns the bulk strings of an array reply, sorted.
func sortedMembers(t *testing.T, reply string) []string {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(reply, "\r\n"), "\r\n")
	if len(lines) == 0 || (lines[0][0] != '*' && lines[0][0] != '~') {
		t.Fatalf("not an array: %q", reply)
	}
	n, _ := strconv.Atoi(lines[0][1:])
	var out []string
	for i := 2; i < len(lines); i += 2 {
		out = append(out, lines[i])
	}
	if len(out) != n {
		t.Fatalf("array of %d has %d members: %q", n, len(out), reply)
	}
	slices.Sort(out)
	return out
}

var setBasics = []replyCase{
	// An intset replies in ascending order.
	rc("sadd s 3 1 2", ":3\r\n"),
	rc("sadd s 2 3", ":0\r\n"),
	rc("smembers s", members("1", "2", "3")),
	rc("scard s", ":3\r\n"),
	rc("sismember s 2", ":1\r\n"),
	rc("sismember s 02", ":0\r\n"),
	rc("sismember s x", ":0\r\n"),
	rc("smismember s 1 x 3 -0", ints(1, 0, 1, 0)),
	// A listpack keeps the intset's order and appends.
	rc("sadd s x 0", ":2\r\n"),
	rc("smembers s", members("1", "2", "3", "x", "0")),
	rc("srem s 2 y x", ":2\r\n"),
	rc("smembers s", members("1", "3", "0")),
	rc("sismember s 3", ":1\r\n"),
	// Missing keys.
	rc("scard nokey", ":0\r\n"),
	rc("sismember nokey a", ":0\r\n"),
	rc("smismember nokey a b", ints(0, 0)),
	rc("smembers nokey", "*0\r\n"),
	rc("srem nokey a", ":0\r\n"),
	// Removing the last member deletes the key, and stops counting.
	rc("sadd d 1 2", ":2\r\n"),
	rc("srem d 1 2 1", ":2\r\n"),
	rc("exists d", ":0\r\n"),
	// Wrong type.
	rc("set str v", "+OK\r\n"),
	rc("sadd str a", wrongType),
	rc("srem str a", wrongType),
	rc("scard str", wrongType),
	rc("sismember str a", wrongType),
	rc("smismember str a", wrongType),
	rc("smembers str", wrongType),
	rc("srandmember str", wrongType),
	rc("srandmember str 2", wrongType),
	rc("spop str", wrongType),
	rc("spop str 2", wrongType),
	rc("sscan str 0", wrongType),
	rc("sinter s str", wrongType),
	rc("sinter nokey str", wrongType),
	rc("sunion s str", wrongType),
	rc("sdiff s str", wrongType),
	rc("sintercard 2 s str", wrongType),
	rc("sinterstore dst s str", wrongType),
	rc("get str", bulk("v")),
	// Arity and syntax.
	rc("sadd s", "-ERR wrong number of arguments for 'sadd' command\r\n"),
	rc("spop s 1 2", "-ERR syntax error\r\n"),
	rc("srandmember s 1 2", "-ERR syntax error\r\n"),
}

func TestSetBasics(t *testing.T) {
	e := newTestEnv(t)
	e.expect(e.newClient(), setBasics)
}

var setAlgebra = []replyCase{
	rc("sadd a 1 2 3 4", ":4\r\n"),
	rc("sadd b 6 5 4 3", ":4\r\n"),
	rc("sadd c x 3 y", ":3\r\n"),
	rc("sinter a b", members("3", "4")),
	rc("sinter b a", members("3", "4")),
	rc("sinter a b c", members("3")),
	rc("sinter c a", members("3")),
	rc("sinter a nokey", "*0\r\n"),
	rc("sinter a a", members("1", "2", "3", "4")),
	rc("sintercard 2 a b", ":2\r\n"),
	rc("sintercard 2 a b limit 1", ":1\r\n"),
	rc("sintercard 2 a b limit 0", ":2\r\n"),
	rc("sintercard 1 nokey", ":0\r\n"),
	rc("sintercard 0 a", "-ERR numkeys should be greater than 0\r\n"),
	rc("sintercard x a", "-ERR numkeys should be greater than 0\r\n"),
	rc("sintercard 3 a b", "-ERR Number of keys can't be greater than number of args\r\n"),
	rc("sintercard 2 a b limit -1", "-ERR LIMIT can't be negative\r\n"),
	rc("sintercard 2 a b limit x", "-ERR LIMIT can't be negative\r\n"),
	rc("sintercard 2 a b limit", "-ERR syntax error\r\n"),
	rc("sintercard 2 a b foo 1", "-ERR syntax error\r\n"),
	rc("sunion a b", members("1", "2", "3", "4", "5", "6")),
	rc("sunion nokey a", members("1", "2", "3", "4")),
	rc("sdiff a b", members("1", "2")),
	rc("sdiff a b c", members("1", "2")),
	rc("sdiff a a", "*0\r\n"),
	rc("sdiff a nokey", members("1", "2", "3", "4")),
	rc("sdiff nokey a", "*0\r\n"),
	// Compact stored results keep their order.
	rc("sunionstore u c a", ":6\r\n"),
	rc("smembers u", members("x", "3", "y", "1", "2", "4")),
	rc("sinterstore i c b", ":1\r\n"),
	rc("smembers i", members("3")),
	rc("sdiffstore d c a", ":2\r\n"),
	rc("smembers d", members("x", "y")),
	rc("sdiffstore d a a", ":0\r\n"),
	rc("exists d", ":0\r\n"),
	rc("sinterstore i a nokey", ":0\r\n"),
	rc("exists i", ":0\r\n"),
	// The destination may be a source, and may hold another type.
	rc("set str v", "+OK\r\n"),
	rc("sunionstore str a", ":4\r\n"),
	rc("smembers str", members("1", "2", "3", "4")),
	rc("sunionstore a a b", ":6\r\n"),
	rc("smembers a", members("1", "2", "3", "4", "5", "6")),
	// SMOVE.
	rc("smove a b 1", ":1\r\n"),
	rc("smembers a", members("2", "3", "4", "5", "6")),
	rc("smembers b", members("1", "3", "4", "5", "6")),
	rc("smove a b 99", ":0\r\n"),
	rc("smove nokey b 1", ":0\r\n"),
	rc("smove a a 2", ":1\r\n"),
	rc("smove a a 99", ":0\r\n"),
	rc("smove a n 2", ":1\r\n"),
	rc("smembers n", members("2")),
	rc("smove c n x", ":1\r\n"),
	rc("smembers n", members("2", "x")),
	rc("set s v", "+OK\r\n"),
	rc("smove s a 1", wrongType),
	rc("smove a s 3", wrongType),
	rc("smove nokey s 3", ":0\r\n"),
	rc("sismember a 3", ":1\r\n"),
}

func TestSetAlgebra(t *testing.T) {
	e := newTestEnv(t)
	e.expect(e.newClient(), setAlgebra)
}

var setResp3 = []replyCase{
	rc("sadd s 2 1", ":2\r\n"),
	rc("smembers s", "~2\r\n$1\r\n1\r\n$1\r\n2\r\n"),
	rc("sinter s nokey", "~0\r\n"),
	rc("smembers nokey", "~0\r\n"),
	rc("sunion s", "~2\r\n$1\r\n1\r\n$1\r\n2\r\n"),
	rc("sdiff s nokey", "~2\r\n$1\r\n1\r\n$1\r\n2\r\n"),
	rc("spop s 0", "~0\r\n"),
	rc("spop nokey 2", "~0\r\n"),
	rc("spop nokey", "_\r\n"),
	rc("srandmember nokey", "_\r\n"),
	rc("srandmember nokey 2", "*0\r\n"),
	rc("srandmember s 0", "*0\r\n"),
	rc("spop s 5", "~2\r\n$1\r\n1\r\n$1\r\n2\r\n"),
	rc("exists s", ":0\r\n"),
	rc("smismember s a", "*1\r\n:0\r\n"),
}

func TestSetResp3(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	c.Proto = 3
	e.expect(c, setResp3)
}

func TestSetEncodings(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	cfg := e.srv.Cfg
	cfg.SetMaxIntsetEntries = 4
	cfg.SetMaxListpackEntries = 3
	cfg.SetMaxListpackValue = 5
	steps := []struct {
		cmd  []string
		key  string
		want string
	}{
		{cmd("sadd i 1 2 3 4"), "i", "intset"},
		{cmd("sadd i 5"), "i", "hashtable"}, // past the intset limit
		{cmd("srem i 1 2 3 4"), "i", "hashtable"},
		{cmd("sadd j 1 2 3 4 5"), "j", "hashtable"}, // created for five members
		{cmd("sadd k 1"), "k", "intset"},
		{cmd("sadd k 1 1 1 1 1"), "k", "hashtable"}, // five arguments convert, though nothing is added
		{cmd("sadd l 1 2"), "l", "intset"},
		{cmd("sadd l x"), "l", "listpack"}, // a string: three members fit a listpack
		{cmd("sadd m 1 2 3"), "m", "intset"},
		{cmd("sadd m x"), "m", "hashtable"}, // four do not
		{cmd("sadd n 123456"), "n", "intset"},
		{cmd("sadd n x"), "n", "hashtable"}, // an element of six digits is too long
		{cmd("sadd o x"), "o", "listpack"},
		{cmd("sadd o abcdef"), "o", "hashtable"},      // six bytes
		{cmd("sadd p abcdef"), "p", "hashtable"},      // created as a listpack, converted by its first member
		{cmd("sadd p2 1 2 3 4 5"), "p2", "hashtable"}, // integers past the intset limit
		{cmd("sadd q a b c"), "q", "listpack"},
		{cmd("sadd q d"), "q", "hashtable"}, // fourth entry
		{cmd("sadd r 99999"), "r", "intset"},
		{cmd("sadd r2 999999"), "r2", "intset"},
		{cmd("sadd big 99999999999999999999"), "big", "hashtable"}, // not an int64, and too long
		{cmd("sadd s x"), "s", "listpack"},
		{cmd("sadd s 1 2 3 4"), "s", "hashtable"}, // four arguments past the listpack limit
		// Stored results.
		{cmd("sadd h1 1 2 3 4 5 6"), "h1", "hashtable"},
		{cmd("sadd h2 4 5 6 7 8 9"), "h2", "hashtable"},
		{cmd("sinterstore r1 h1 h2"), "r1", "intset"}, // integers from tables become an intset
		{cmd("sunionstore r2 l l"), "r2", "listpack"},
		{cmd("sunionstore r3 h1 h2"), "r3", "hashtable"},
		{cmd("sdiffstore r4 h1 h2"), "r4", "intset"},
		{cmd("sinterstore r5 q l"), "r5", "missing"},
		{cmd("sadd t 5"), "t", "intset"},
		{cmd("smove l t x"), "t", "listpack"},
		{cmd("smove o u abcdef"), "u", "hashtable"}, // created as a listpack, then too long
	}
	for _, st := range steps {
		e.do(c, st.cmd...)
		if got := setEncoding(t, e, st.key); got != st.want {
			t.Errorf("%q: %s is %s, want %s", st.cmd, st.key, got, st.want)
		}
	}
	e.expect(c, []replyCase{
		rc("smembers l", members("1", "2")),
		rc("smembers r1", members("4", "5", "6")),
		rc("smembers r4", members("1", "2", "3")),
		rc("smembers t", members("5", "x")),
		rc("smembers big", members("99999999999999999999")),
		rc("sismember big 99999999999999999999", ":1\r\n"),
	})
}

// SPOP and SRANDMEMBER in every encoding: the counts and cases Valkey
// distinguishes, checked by what they return and what stays.
func TestSetPopAndRandom(t *testing.T) {
	for _, tc := range []struct {
		name string
		ms   []string
		enc  string
	}{
		{"intset", rangeWords("", 0, 100), "intset"},
		{"listpack", rangeWords("m", 0, 100), "listpack"},
		{"hashtable", rangeWords("m", 0, 300), "hashtable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t)
			c := e.newClient()
			all := slices.Clone(tc.ms)
			slices.Sort(all)
			for _, count := range []int{1, 5, 50, 90, len(tc.ms) - 1, len(tc.ms), len(tc.ms) + 10} {
				e.do(c, "del", "s")
				e.do(c, cmd("sadd s", tc.ms...)...)
				if got := setEncoding(t, e, "s"); got != tc.enc {
					t.Fatalf("encoding %s", got)
				}
				popped := sortedMembers(t, e.do(c, "spop", "s", strconv.Itoa(count)))
				rest := sortedMembers(t, e.do(c, "smembers", "s"))
				if want := min(count, len(tc.ms)); len(popped) != want || len(slices.Compact(slices.Clone(popped))) != want {
					t.Fatalf("spop %d returned %d distinct of %d", count, len(slices.Compact(slices.Clone(popped))), len(popped))
				}
				if got := slices.Sorted(slices.Values(append(popped, rest...))); !slices.Equal(got, all) {
					t.Fatalf("spop %d: popped and remaining are not the set", count)
				}
				if count >= len(tc.ms) && e.do(c, "exists", "s") != ":0\r\n" {
					t.Fatal("emptied set not deleted")
				}
			}
			e.do(c, "del", "s")
			e.do(c, cmd("sadd s", tc.ms...)...)
			for _, count := range []int{1, 2, 10, 40, 80, len(tc.ms), len(tc.ms) * 2} {
				got := sortedMembers(t, e.do(c, "srandmember", "s", strconv.Itoa(count)))
				if len(got) != min(count, len(tc.ms)) || len(slices.Compact(slices.Clone(got))) != len(got) {
					t.Fatalf("srandmember %d: %d members, repeats %v", count, len(got), len(slices.Compact(slices.Clone(got))) != len(got))
				}
				for _, m := range got {
					if _, ok := slices.BinarySearch(all, m); !ok {
						t.Fatalf("srandmember %d returned %q", count, m)
					}
				}
				neg := sortedMembers(t, e.do(c, "srandmember", "s", strconv.Itoa(-count)))
				if len(neg) != count {
					t.Fatalf("srandmember -%d: %d members", count, len(neg))
				}
			}
			if got := sortedMembers(t, e.do(c, "smembers", "s")); !slices.Equal(got, all) {
				t.Fatal("srandmember changed the set")
			}
			// One at a time until empty.
			var popped []string
			for range tc.ms {
				r := e.do(c, "spop", "s")
				popped = append(popped, strings.Split(r, "\r\n")[1])
			}
			slices.Sort(popped)
			if !slices.Equal(popped, all) || e.do(c, "exists", "s") != ":0\r\n" || e.do(c, "spop", "s") != "$-1\r\n" {
				t.Fatal("spop one by one did not empty the set exactly")
			}
		})
	}
	e := newTestEnv(t)
	e.expect(e.newClient(), []replyCase{
		rc("sadd s a", ":1\r\n"),
		rc("spop s -1", "-ERR value is out of range, must be positive\r\n"),
		rc("spop s x", "-ERR value is out of range, must be positive\r\n"),
		rc("spop nokey x", "-ERR value is out of range, must be positive\r\n"),
		rc("spop s 0", "*0\r\n"),
		rc("spop nokey 3", "*0\r\n"),
		rc("spop nokey", "$-1\r\n"),
		rc("srandmember s x", "-ERR value is not an integer or out of range\r\n"),
		rc("srandmember s -9223372036854775808", "-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n"),
		rc("srandmember s -3", members("a", "a", "a")),
		rc("srandmember s 3", members("a")),
		rc("srandmember s", bulk("a")),
		rc("srandmember nokey", "$-1\r\n"),
		rc("srandmember nokey -3", "*0\r\n"),
		rc("spop s 1", members("a")),
		rc("exists s", ":0\r\n"),
	})
}

// SPOP with a count close to the size rebuilds the set from the members
// that stay, in the encoding Valkey gives the new set.
func TestSetPopRemainderEncoding(t *testing.T) {
	for _, tc := range []struct {
		ms   []string
		want string
	}{
		{rangeWords("", 0, 600), "listpack"},    // a table yields strings: a listpack
		{rangeWords("m", 0, 300), "listpack"},   // strings: a listpack
		{rangeWords("m", 0, 100), "listpack"},   // a listpack stays one
		{rangeWords("", 0, 100), "intset"},      // an intset too
		{rangeWords("x", 200, 300), "listpack"}, // a listpack
	} {
		e := newTestEnv(t)
		c := e.newClient()
		e.do(c, cmd("sadd s", tc.ms...)...)
		e.do(c, "spop", "s", strconv.Itoa(len(tc.ms)-3))
		if got := setEncoding(t, e, "s"); got != tc.want || e.do(c, "scard", "s") != ":3\r\n" {
			t.Errorf("%d members: remainder %s, want %s", len(tc.ms), got, tc.want)
		}
	}
}

func TestSetEventsAndDirty(t *testing.T) {
	g := newGenEnv(t)
	c := g.c
	d0 := g.srv.Dirty
	g.do(c, "sadd", "s", "a", "b", "a")
	g.checkEvents(t, "sadd s@0")
	if g.srv.Dirty-d0 != 2 {
		t.Errorf("dirty +%d after adding two", g.srv.Dirty-d0)
	}
	g.do(c, "sadd", "s", "a")
	g.checkEvents(t)
	g.do(c, "srem", "s", "a", "x")
	g.checkEvents(t, "srem s@0")
	g.do(c, "srem", "s", "b")
	g.checkEvents(t, "srem s@0", "del s@0")
	g.do(c, "sadd", "a", "1", "2")
	g.do(c, "sadd", "b", "2")
	g.takeEvents()
	g.do(c, "smove", "a", "b", "1")
	g.checkEvents(t, "srem a@0", "sadd b@0")
	g.do(c, "smove", "a", "b", "2")
	g.checkEvents(t, "srem a@0", "del a@0")
	g.do(c, "smove", "b", "n", "2")
	g.checkEvents(t, "srem b@0", "sadd n@0")
	g.do(c, "sadd", "x", "1", "2", "3")
	g.takeEvents()
	g.do(c, "spop", "x")
	g.checkEvents(t, "spop x@0")
	g.do(c, "spop", "x", "5")
	g.checkEvents(t, "spop x@0", "del x@0")
	g.do(c, "sadd", "x", "1", "2", "3")
	g.do(c, "sadd", "y", "2", "3")
	g.takeEvents()
	g.do(c, "sinterstore", "z", "x", "y")
	g.checkEvents(t, "sinterstore z@0")
	g.do(c, "sunionstore", "z", "x", "y")
	g.checkEvents(t, "sunionstore z@0")
	g.do(c, "sdiffstore", "z", "x", "y")
	g.checkEvents(t, "sdiffstore z@0")
	g.do(c, "sdiffstore", "z", "y", "x")
	g.checkEvents(t, "del z@0")
	g.do(c, "sinterstore", "z", "x", "nokey")
	g.checkEvents(t, "keymiss nokey@0")
	// A stored result drops the destination's TTL; SADD keeps it.
	g.do(c, "sadd", "t", "1")
	g.do(c, "pexpire", "t", "100000")
	g.do(c, "sadd", "t", "x")
	if g.do(c, "pttl", "t") != ":100000\r\n" {
		t.Error("SADD lost the TTL")
	}
	g.do(c, "sunionstore", "t", "x")
	if g.do(c, "pttl", "t") != ":-1\r\n" {
		t.Error("SUNIONSTORE kept the TTL")
	}
}

func TestSscan(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	e.expect(c, []replyCase{
		rc("sadd i 3 1 2", ":3\r\n"),
		rc("sscan i 0", "*2\r\n$1\r\n0\r\n"+members("1", "2", "3")),
		rc("sscan i 0 match 2", "*2\r\n$1\r\n0\r\n"+members("2")),
		rc("sscan i 0 match * count 1", "*2\r\n$1\r\n0\r\n"+members("1", "2", "3")),
		rc("sadd l b a", ":2\r\n"),
		rc("sscan l 7", "*2\r\n$1\r\n0\r\n"+members("b", "a")),
		rc("sscan nokey 0 count 0", "*2\r\n$1\r\n0\r\n*0\r\n"),
		rc("sscan i x", "-ERR invalid cursor\r\n"),
		rc("sscan i 0 count 0", "-ERR syntax error\r\n"),
		rc("sscan i 0 count x", "-ERR value is not an integer or out of range\r\n"),
		rc("sscan i 0 type set", "-ERR syntax error\r\n"),
		rc("sscan i 0 novalues", "-ERR NOVALUES option can only be used in HSCAN\r\n"),
		rc("sscan i 0 noscores", "-ERR NOSCORES option can only be used in ZSCAN\r\n"),
		rc("sscan i 0 match", "-ERR syntax error\r\n"),
	})
	ms := rangeWords("member:", 0, 1000)
	e.do(c, cmd("sadd h", ms...)...)
	seen := map[string]bool{}
	cursor, calls := "0", 0
	for {
		r := e.do(c, "sscan", "h", cursor, "count", "20")
		lines := strings.Split(r, "\r\n")
		cursor = lines[2]
		for i := 5; i < len(lines); i += 2 {
			seen[lines[i]] = true
		}
		calls++
		if cursor == "0" {
			break
		}
	}
	if len(seen) != len(ms) || calls < 10 {
		t.Fatalf("scan saw %d of %d members in %d calls", len(seen), len(ms), calls)
	}
	r := e.do(c, "sscan", "h", "0", "match", "member:99?", "count", "100000")
	if got := sortedMembers(t, strings.TrimPrefix(r, "*2\r\n$1\r\n0\r\n")); !slices.Equal(got, rangeWords("member:", 990, 1000)) {
		t.Fatalf("match: %v", got)
	}
}

// A stored set's bytes are Valkey's intset and listpack blobs.
func TestSetCompactBytes(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	e.do(c, "sadd", "i", "3", "-1", "70000")
	en, _ := e.srv.DB(0).Keys().Get([]byte("i"))
	want, _ := intset.Add(intset.New(), 3)
	want, _ = intset.Add(want, -1)
	want, _ = intset.Add(want, 70000)
	if string(en.Value()) != string(want) || intset.Encoding(en.Value()) != intset.Enc32 {
		t.Fatalf("intset bytes %x, want %x", en.Value(), want)
	}
	e.do(c, "sadd", "l", "b", "7", "a")
	en, _ = e.srv.DB(0).Keys().Get([]byte("l"))
	lp := listpack.Append(listpack.AppendInt(listpack.Append(listpack.New(0), []byte("b")), 7), []byte("a"))
	if string(en.Value()) != string(lp) {
		t.Fatalf("listpack bytes %x, want %x", en.Value(), lp)
	}
}

// COPY, MEMORY USAGE and DEBUG OBJECT see a table set through Object.
func TestSetHashtableObject(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	e.do(c, cmd("sadd h", rangeWords("m", 0, 200)...)...)
	e.expect(c, []replyCase{
		rc("copy h h2", ":1\r\n"),
		rc("srem h m1", ":1\r\n"),
		rc("scard h", ":199\r\n"),
		rc("scard h2", ":200\r\n"),
		rc("sismember h2 m1", ":1\r\n"),
	})
	en, _ := e.srv.DB(0).Keys().Get([]byte("h2"))
	var o Object = en.Obj().(*strset.Set)
	if o.Len() != 200 || o.MemUsage(0) < 200*16 {
		t.Fatalf("Len %d MemUsage %d", o.Len(), o.MemUsage(0))
	}
}

// Random operations in every encoding against a map, with small limits so
// the conversions happen often.
func TestSetModel(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	e := newTestEnv(t)
	e.srv.Cfg.SetMaxIntsetEntries = 20
	e.srv.Cfg.SetMaxListpackEntries = 10
	e.srv.Cfg.SetMaxListpackValue = 4
	c := e.newClient()
	model := map[string]map[string]bool{"a": {}, "b": {}, "c": {}}
	keys := []string{"a", "b", "c"}
	member := func() string {
		switch r.IntN(4) {
		case 0:
			return strconv.Itoa(r.IntN(40) - 10)
		case 1:
			return "s" + strconv.Itoa(r.IntN(10))
		case 2:
			return "long" + strconv.Itoa(r.IntN(10))
		}
		return strconv.Itoa(r.IntN(30))
	}
	sorted := func(m map[string]bool) []string {
		var out []string
		for k := range m {
			out = append(out, k)
		}
		slices.Sort(out)
		return out
	}
	for step := 0; step < 3000; step++ {
		k := keys[r.IntN(3)]
		switch r.IntN(7) {
		case 0, 1, 2:
			var ms []string
			added := map[string]bool{}
			for range 1 + r.IntN(4) {
				m := member()
				ms = append(ms, m)
				if !model[k][m] {
					added[m] = true
				}
			}
			if got := e.do(c, cmd("sadd "+k, ms...)...); got != ":"+strconv.Itoa(len(added))+"\r\n" {
				t.Fatalf("sadd %s %v: %q", k, ms, got)
			}
			for m := range added {
				model[k][m] = true
			}
		case 3:
			m := member()
			want := 0
			if model[k][m] {
				want = 1
				delete(model[k], m)
			}
			if got := e.do(c, "srem", k, m); got != ":"+strconv.Itoa(want)+"\r\n" {
				t.Fatalf("srem %s %s: %q", k, m, got)
			}
		case 4:
			n := r.IntN(5)
			popped := sortedMembers(t, e.do(c, "spop", k, strconv.Itoa(n)))
			for _, m := range popped {
				if !model[k][m] {
					t.Fatalf("spop returned %q not in %s", m, k)
				}
				delete(model[k], m)
			}
		case 5:
			o := keys[r.IntN(3)]
			got := sortedMembers(t, e.do(c, "sinter", k, o))
			var want []string
			for m := range model[k] {
				if model[o][m] {
					want = append(want, m)
				}
			}
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("sinter %s %s: %v, want %v", k, o, got, want)
			}
		case 6:
			o := keys[r.IntN(3)]
			d := keys[r.IntN(3)]
			e.do(c, "sdiffstore", d, k, o)
			nd := map[string]bool{}
			for m := range model[k] {
				if !model[o][m] {
					nd[m] = true
				}
			}
			model[d] = nd
		}
		for _, key := range keys {
			got := sortedMembers(t, e.do(c, "smembers", key))
			if want := sorted(model[key]); !slices.Equal(got, want) {
				t.Fatalf("step %d: %s = %v, want %v", step, key, got, want)
			}
			enc := setEncoding(t, e, key)
			allInts := true
			for m := range model[key] {
				if _, ok := parseInt([]byte(m)); !ok {
					allInts = false
				}
			}
			if enc == "intset" && !allInts || enc == "listpack" && len(model[key]) > 10 || enc == "intset" && len(model[key]) > 20 {
				t.Fatalf("step %d: %s is %s with %d members", step, key, enc, len(model[key]))
			}
			if len(model[key]) == 0 && enc != "missing" {
				t.Fatalf("step %d: empty %s kept", step, key)
			}
		}
	}
}

// setValue is a stored set's value, for the fuzz test.
func setValue(t *testing.T, e *testEnv, key string) (keyspace.Entry, bool) {
	t.Helper()
	return e.srv.DB(0).Keys().Get([]byte(key))
}

// SINTERCARD's and SSCAN's option parsers never panic and reply once.
func FuzzSetGroupOptions(f *testing.F) {
	f.Add("sintercard", "2", "a", "b", "limit", "3")
	f.Add("sscan", "a", "0", "match", "*", "count")
	f.Add("srandmember", "a", "-5", "", "", "")
	f.Fuzz(func(t *testing.T, name, a1, a2, a3, a4, a5 string) {
		switch name {
		case "sintercard", "sscan", "spop", "srandmember", "sinter", "sunion", "sdiff":
		default:
			return
		}
		e := newTestEnv(t)
		c := e.newClient()
		e.do(c, "sadd", "a", "1", "2", "x")
		e.do(c, cmd("sadd b", rangeWords("", 0, 200)...)...)
		got := e.do(c, name, a1, a2, a3, a4, a5)
		if got == "" {
			t.Fatal("no reply")
		}
		if _, ok := setValue(t, e, "b"); !ok && name != "spop" {
			t.Fatal("b vanished")
		}
	})
}
