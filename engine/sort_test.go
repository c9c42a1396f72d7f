package engine

import (
	"testing"
)

const nullBulkReply = "$-1\r\n"

var sortSetCases = []replyCase{
	rc("sadd s 3 1 2 10 -5", ":5\r\n"),
	rc("sort s", members("-5", "1", "2", "3", "10")),
	rc("sort s desc", members("10", "3", "2", "1", "-5")),
	rc("sort s alpha", members("-5", "1", "10", "2", "3")),
	rc("sort s alpha desc", members("3", "2", "10", "1", "-5")),
	rc("sort s limit 1 2", members("1", "2")),
	rc("sort s limit -1 2", members("-5", "1")),
	rc("sort s limit 1 -1", members("1", "2", "3", "10")),
	rc("sort s limit 10 2", "*0\r\n"),
	rc("sort s limit 0 0", "*0\r\n"),
	rc("sort s limit x 1", "-ERR value is not an integer or out of range\r\n"),
	rc("sort s limit 1 x", "-ERR value is not an integer or out of range\r\n"),
	rc("sort s limit 1", "-ERR syntax error\r\n"),
	rc("sort s foo", "-ERR syntax error\r\n"),
	rc("sort s get", "-ERR syntax error\r\n"),
	rc("sort_ro s store dst", "-ERR syntax error\r\n"),
	// A constant BY keeps the set's own order (an intset's is ascending),
	// except for a script or with STORE (testdata/scripting/sort.txt).
	rc("sort s by nosort", members("-5", "1", "2", "3", "10")),
	rc("sort s by nosort desc", members("-5", "1", "2", "3", "10")),
	rc("sort s by nosort limit 1 2", members("1", "2")),
	// Weights from string keys, hash fields; GET patterns.
	rc("mset w_1 30 w_2 20 w_3 10 w_10 -1", "+OK\r\n"),
	rc("sort s by w_*", members("10", "-5", "3", "2", "1")), // w_-5 is missing: 0
	rc("sort s by w_* desc", members("1", "2", "3", "-5", "10")),
	rc("sort s by w_* get # get w_* get nokey get nokey*", "*20\r\n"+
		bulk("10")+bulk("-1")+nullBulkReply+nullBulkReply+
		bulk("-5")+nullBulkReply+nullBulkReply+nullBulkReply+
		bulk("3")+bulk("10")+nullBulkReply+nullBulkReply+
		bulk("2")+bulk("20")+nullBulkReply+nullBulkReply+
		bulk("1")+bulk("30")+nullBulkReply+nullBulkReply),
	rc("sort s by w_* alpha", members("-5", "10", "3", "2", "1")), // missing first, then "-1" < "10" < "20" < "30"
	rc("sort s by w_* alpha desc", members("1", "2", "3", "10", "-5")),
	rc("hset h_1 f 9", ":1\r\n"),
	rc("hset h_2 f 8", ":1\r\n"),
	rc("hset h_3 f x", ":1\r\n"),
	rc("sort s by h_*->f", "-ERR One or more scores can't be converted into double\r\n"),
	rc("sort s by h_*->f alpha", members("-5", "10", "2", "1", "3")),
	rc("sort s by h_*->f alpha get h_*->f", "*5\r\n"+nullBulkReply+nullBulkReply+bulk("8")+bulk("9")+bulk("x")),
	rc("sort s by h_*->", members("-5", "1", "10", "2", "3")), // "h_1->" is a key name, missing: ties sort by element
	rc("sort s get w_", "*5\r\n"+nullBulkReply+nullBulkReply+nullBulkReply+nullBulkReply+nullBulkReply),
	// Strings.
	rc("sadd strs b a c 1", ":4\r\n"),
	rc("sort strs", "-ERR One or more scores can't be converted into double\r\n"),
	rc("sort strs alpha", members("1", "a", "b", "c")),
	rc("sort strs by nosort", members("b", "a", "c", "1")),
	rc("sort strs by nosort limit 1 1", members("a")),
	// Missing key and wrong type.
	rc("sort nokey", "*0\r\n"),
	rc("sort nokey by nosort limit 0 5", "*0\r\n"),
	rc("set str x", "+OK\r\n"),
	rc("sort str", wrongType),
	rc("sort_ro s by w_* get #", members("10", "-5", "3", "2", "1")),
}

func TestSortSets(t *testing.T) {
	e := newTestEnv(t)
	e.expect(e.newClient(), sortSetCases)
	c := e.newClient()
	e.do(c, "sadd", "nums", "1.5", "1e3", "inf", "-inf", " 4", "0x10", "")
	e.expect(c, []replyCase{
		{[]string{"sort", "nums"}, members("-inf", "", "1.5", " 4", "0x10", "1e3", "inf")},
		{[]string{"sadd", "nums", "nan"}, ":1\r\n"},
		{[]string{"sort", "nums"}, "-ERR One or more scores can't be converted into double\r\n"},
		{[]string{"srem", "nums", "nan"}, ":1\r\n"},
		{[]string{"sadd", "nums", "1e400"}, ":1\r\n"},
		{[]string{"sort", "nums"}, "-ERR One or more scores can't be converted into double\r\n"},
		{[]string{"srem", "nums", "1e400"}, ":1\r\n"},
		{[]string{"sadd", "nums", "3 "}, ":1\r\n"},
		{[]string{"sort", "nums"}, "-ERR One or more scores can't be converted into double\r\n"},
		// ALPHA compares as strcoll does: up to a NUL byte.
		{[]string{"sadd", "nul", "a\x00b", "a\x00a", "a"}, ":3\r\n"},
		{[]string{"sort", "nul", "alpha"}, members("a\x00b", "a\x00a", "a")},
	})
}

func TestSortSortedSets(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	e.expect(c, []replyCase{
		rc("zadd z 3 c 1 a 2 b 4 d", ":4\r\n"),
		rc("object encoding z", "$8\r\nlistpack\r\n"),
		rc("sort z by nosort", members("a", "b", "c", "d")),
		// SORT converts a listpack sorted set for good, as Valkey does.
		rc("object encoding z", "$8\r\nskiplist\r\n"),
		rc("sort z by nosort desc", members("d", "c", "b", "a")),
		rc("sort z by nosort limit 1 2", members("b", "c")),
		rc("sort z by nosort desc limit 1 2", members("c", "b")),
		rc("sort z by nosort limit 3 5", members("d")),
		rc("sort z by nosort desc limit 3 5", members("a")),
		rc("sort z by nosort limit 10 2", "*0\r\n"),
		rc("sort z by nosort limit 0 0", "*0\r\n"),
		rc("sort z alpha", members("a", "b", "c", "d")),
		rc("sort z alpha desc limit 0 2", members("d", "c")),
		rc("mset w_a 3 w_b 1", "+OK\r\n"),
		rc("sort z by w_* get #", members("c", "d", "b", "a")),
		rc("sort z by w_* alpha", members("c", "d", "b", "a")),
		rc("sort z", "-ERR One or more scores can't be converted into double\r\n"),
	})
}

// Equal weights: numeric sorting falls back to the elements; ALPHA with BY
// keeps the elements' order (Valkey's qsort is a stable merge sort here).
func TestSortTies(t *testing.T) {
	e := newTestEnv(t)
	e.expect(e.newClient(), []replyCase{
		rc("sadd ties d c b a", ":4\r\n"),
		rc("mset t_a 1 t_b 1 t_c 0", "+OK\r\n"),
		rc("sort ties by t_*", members("c", "d", "a", "b")),
		rc("sort ties by t_* desc", members("b", "a", "d", "c")),
		rc("sort ties by t_* alpha", members("d", "c", "b", "a")),
		rc("sort ties by t_* alpha desc", members("b", "a", "c", "d")),
		rc("sort ties by t_* limit 1 2", members("d", "a")),
	})
}

func TestSortClusterPatterns(t *testing.T) {
	e := newTestEnv(t)
	e.srv.Cfg.ClusterEnabled = true
	e.expect(e.newClient(), []replyCase{
		rc("sadd {t}s 1 2", ":2\r\n"),
		rc("sort {t}s by w_*", "-ERR BY option of SORT denied in Cluster mode when keys formed by the pattern may be in different slots.\r\n"),
		rc("sort {t}s get w_*", "-ERR GET option of SORT denied in Cluster mode when keys formed by the pattern may be in different slots.\r\n"),
		rc("sort {t}s by {t}w_* get {t}h_*->f get #", "*4\r\n$-1\r\n$1\r\n1\r\n$-1\r\n$1\r\n2\r\n"),
		rc("sort {t}s by nosort", members("1", "2")),
	})
	for _, tc := range []struct {
		key  string
		slot int
	}{
		{"foo", 12182}, {"{user1000}.following", 3443}, {"{}x", 10595}, {"a{b", 13340},
	} {
		if got := keySlot([]byte(tc.key)); got != tc.slot {
			t.Errorf("keySlot(%q) = %d, want %d", tc.key, got, tc.slot)
		}
	}
	for _, tc := range []struct {
		pat  string
		slot int
	}{
		{"foo", 12182}, {"{user1000}*", 3443}, {"w_*", -1}, {"a\\*", -1}, {"{}x*", -1}, {"x{}y", 16116},
	} {
		if got := patternSlot([]byte(tc.pat)); got != tc.slot {
			t.Errorf("patternSlot(%q) = %d, want %d", tc.pat, got, tc.slot)
		}
	}
}

// SORT's option parser and pattern substitution never panic, whatever the
// arguments.
func FuzzSortArgs(f *testing.F) {
	f.Add("by", "w_*->f", "get", "#", "limit")
	f.Add("limit", "1", "2", "alpha", "desc")
	f.Add("get", "*\x00->", "by", "h_*->", "store")
	f.Fuzz(func(t *testing.T, a1, a2, a3, a4, a5 string) {
		e := newTestEnv(t)
		c := e.newClient()
		e.do(c, "sadd", "s", "1", "x", "3")
		e.do(c, "mset", "w_1", "2", "w_x", "1")
		e.do(c, "hset", "h_3", "f", "5")
		if got := e.do(c, "sort_ro", "s", a1, a2, a3, a4, a5); got == "" {
			t.Fatal("no reply")
		}
	})
}
