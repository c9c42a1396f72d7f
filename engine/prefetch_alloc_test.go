//go:build !race

package engine

import (
	"strconv"
	"testing"

	"github.com/volleydb/volley/engine/keyspace"
)

func TestPrefetchAllocatesNothing(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	db := e.srv.DB(0)
	for i := range 1000 {
		db.Set([]byte("k"+strconv.Itoa(i)), keyspace.Value{Bytes: []byte("v")}, false)
	}
	for i := range 500 {
		e.do(c, "sadd", "set", "m"+strconv.Itoa(i))
		e.do(c, "hset", "hash", "f"+strconv.Itoa(i), "v")
		e.do(c, "zadd", "zset", strconv.Itoa(i), "m"+strconv.Itoa(i))
	}
	args, ends := batch([]string{"get", "k1"}, []string{"mget", "k2", "k3", "k4"}, []string{"set", "k5", "v"},
		[]string{"sadd", "set", "m1", "x"}, []string{"hset", "hash", "f1", "v", "g", "w"}, []string{"zadd", "zset", "nx", "1", "m1", "2", "x"})
	e.srv.Prefetch(c, args, ends, 0, len(ends)) // warm the scratch slices
	if allocs := testing.AllocsPerRun(100, func() { e.srv.Prefetch(c, args, ends, 0, len(ends)) }); allocs != 0 {
		t.Fatalf("Prefetch allocates %.1f times per batch", allocs)
	}
}
