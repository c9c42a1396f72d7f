//go:build !race

package engine

import "testing"

// HSET on a listpack hash (valkey-benchmark's HSET) and the small-hash
// reads run without allocating once buffers have grown.
func TestHashHotPathAllocs(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	e.do(c, "hset", "h", "a", "1", "b", "hello", "c", "333")
	for _, tc := range []struct {
		name string
		argv [][]byte
	}{
		{"HSET update", argvOf("hset", "h", "b", "world")},
		{"HSET grow and shrink", argvOf("hset", "h", "b", "a longer value")},
		{"HGET", argvOf("hget", "h", "b")},
		{"HGET int", argvOf("hget", "h", "c")},
		{"HMGET", argvOf("hmget", "h", "a", "b", "zz")},
		{"HEXISTS", argvOf("hexists", "h", "a")},
		{"HLEN", argvOf("hlen", "h")},
		{"HINCRBY", argvOf("hincrby", "h", "c", "1")},
		{"HGETALL", argvOf("hgetall", "h")},
		{"HPEXPIRE of a volatile hash", argvOf("hpexpire", "h", "100000", "fields", "1", "a")},
	} {
		e.srv.Call(c, tc.argv)
		c.Out.Reset()
		allocs := testing.AllocsPerRun(200, func() {
			e.srv.Call(c, tc.argv)
			c.Out.Reset()
		})
		if allocs != 0 {
			t.Errorf("%s: %.1f allocations per command, want 0", tc.name, allocs)
		}
	}
}
