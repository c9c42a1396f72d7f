package engine

import (
	"strconv"
	"testing"

	"github.com/volleydb/volley/engine/keyspace"
)

// batch builds the args/ends form the I/O layer hands over.
func batch(cmds ...[]string) (args [][]byte, ends []int) {
	for _, cmd := range cmds {
		for _, a := range cmd {
			args = append(args, []byte(a))
		}
		ends = append(ends, len(args))
	}
	return args, ends
}

func TestPrefetchToleratesAnyBatch(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	args, ends := batch(
		[]string{"get", "a"}, []string{"nosuch", "x"}, []string{"get"}, []string{"mget", "a", "b", "c"},
		[]string{"client", "list"}, []string{"ping"}, []string{"select", "3"}, []string{"del", "a", "zz"},
	)
	e.srv.Prefetch(c, args, ends, 0, len(ends)) // empty database: no buckets
	db := e.srv.DB(0)
	for i := range 1000 {
		db.Set([]byte("k"+strconv.Itoa(i)), keyspace.Value{Bytes: []byte("v")}, false)
	}
	e.srv.Prefetch(c, args, ends, 0, len(ends))
	e.srv.Prefetch(c, args, ends, 3, 5)
	p := &e.srv.prefetch
	// mget's three keys, then del's two (the window [0,8) holds both).
	e.srv.Prefetch(c, args, ends, 3, 4)
	if len(p.hashes) != 3 {
		t.Fatalf("mget window hashed %d keys, want 3", len(p.hashes))
	}
}

// Set and hash commands on large values have their members' lookups
// warmed; compact values, missing keys and other commands do not.
func TestPrefetchWarmsMemberLookups(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	for i := range 1000 {
		m := "m" + strconv.Itoa(i)
		e.do(c, "sadd", "big", m)
		e.do(c, "hset", "bigh", m, "v")
		e.do(c, "zadd", "bigz", strconv.Itoa(i), m)
	}
	e.do(c, "sadd", "small", "a", "b")
	e.do(c, "hset", "smallh", "f", "v")
	if e.do(c, "object", "encoding", "big") != bulk("hashtable") || e.do(c, "object", "encoding", "small") != bulk("listpack") ||
		e.do(c, "object", "encoding", "bigh") != bulk("hashtable") || e.do(c, "object", "encoding", "bigz") != bulk("skiplist") {
		t.Fatal("unexpected encodings")
	}
	p := &e.srv.prefetch
	for _, tc := range []struct {
		cmd  []string
		want int
	}{
		{[]string{"sadd", "big", "x", "y", "m1"}, 3},
		{[]string{"sismember", "big", "m2"}, 1},
		{[]string{"smismember", "big", "m2", "m3"}, 2},
		{[]string{"srem", "big", "m4"}, 1},
		{[]string{"hset", "bigh", "f1", "v1", "f2", "v2"}, 2}, // fields, not values
		{[]string{"hget", "bigh", "m5"}, 1},
		{[]string{"hmget", "bigh", "m5", "m6", "m7"}, 3},
		{[]string{"hincrby", "bigh", "n", "1"}, 1},
		{[]string{"sadd", "small", "c"}, 0},                         // listpack: in the record
		{[]string{"sadd", "nosuch", "c"}, 0},                        // no value yet
		{[]string{"get", "big"}, 0},                                 // not a member command
		{[]string{"hget", "big", "m1"}, 1},                          // a set where a hash is meant still warms the set
		{[]string{"sismember", "bigh"}, 0},                          // too few arguments
		{[]string{"zadd", "bigz", "1", "a", "2", "b"}, 2},           // members, not scores
		{[]string{"zadd", "bigz", "NX", "ch", "Incr", "1", "a"}, 1}, // after the options
		{[]string{"zadd", "bigz", "xx", "gt"}, 0},                   // options only
		{[]string{"zincrby", "bigz", "5", "m1"}, 1},
		{[]string{"zscore", "bigz", "m1"}, 1},
		{[]string{"zmscore", "bigz", "m1", "m2", "m3"}, 3},
		{[]string{"zrem", "bigz", "m1", "m2"}, 2},
	} {
		args, ends := batch(tc.cmd)
		e.srv.Prefetch(c, args, ends, 0, len(ends))
		if p.warmed != tc.want {
			t.Errorf("%q: warmed %d member lookups, want %d", tc.cmd, p.warmed, tc.want)
		}
	}
	// A window's member lookups add up, to a bound.
	var cmds [][]string
	for i := range 40 {
		cmds = append(cmds, []string{"sadd", "big", "a" + strconv.Itoa(i), "b" + strconv.Itoa(i)})
	}
	args, ends := batch(cmds...)
	e.srv.Prefetch(c, args, ends, 0, len(ends))
	if p.warmed != maxMemberHints {
		t.Fatalf("40 SADDs of 2 members warmed %d lookups, want the bound %d", p.warmed, maxMemberHints)
	}
	// In an empty database there is no bucket to prefetch; the window
	// still warms nothing and keeps no reference to the batch.
	e.do(c, "select", "1")
	args, ends = batch([]string{"sadd", "big", "m1"})
	e.srv.Prefetch(c, args, ends, 0, len(ends))
	if p.warmed != 0 || len(p.lookups) != 0 {
		t.Fatalf("empty database: warmed %d, %d lookups kept", p.warmed, len(p.lookups))
	}
	e.do(c, "select", "0")
	// Prefetching reads only: the values are as they were.
	if e.do(c, "scard", "big") != ":1000\r\n" || e.do(c, "hlen", "bigh") != ":1000\r\n" || e.do(c, "zcard", "bigz") != ":1000\r\n" ||
		e.do(c, "exists", "nosuch") != ":0\r\n" {
		t.Fatal("Prefetch changed the data")
	}
}
