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
