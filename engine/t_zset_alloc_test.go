//go:build !race

package engine

import (
	"strconv"
	"testing"
)

// The sorted set commands valkey-benchmark and typical leaderboards use
// run without allocating once buffers have grown: listpack writes go
// through a reused scratch buffer, skiplist updates move nodes in place.
func TestZsetHotPathAllocs(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	e.do(c, "zadd", "small", "1", "a", "2", "b", "3", "c")
	args := []string{"zadd", "big"}
	for i := 0; i < 1000; i++ {
		args = append(args, strconv.Itoa(i), "member:"+strconv.Itoa(i))
	}
	e.do(c, args...)

	for _, tc := range []struct {
		name string
		argv [][]byte
	}{
		{"ZADD update listpack", argvOf("zadd", "small", "2.5", "b")},
		{"ZINCRBY listpack", argvOf("zincrby", "small", "1", "a")},
		{"ZADD update skiplist", argvOf("zadd", "big", "500.5", "member:7")},
		{"ZINCRBY skiplist", argvOf("zincrby", "big", "3", "member:8")},
		{"ZSCORE listpack", argvOf("zscore", "small", "c")},
		{"ZSCORE skiplist", argvOf("zscore", "big", "member:9")},
		{"ZRANK skiplist", argvOf("zrank", "big", "member:10")},
		{"ZCARD", argvOf("zcard", "big")},
		{"ZRANGE listpack", argvOf("zrange", "small", "0", "-1", "withscores")},
		{"ZRANGE skiplist", argvOf("zrange", "big", "100", "110", "withscores")},
		{"ZRANGEBYSCORE skiplist", argvOf("zrangebyscore", "big", "(100", "200", "limit", "0", "10")},
		{"ZCOUNT skiplist", argvOf("zcount", "big", "100", "(200")},
		{"ZREM missing", argvOf("zrem", "big", "nosuch")},
	} {
		e.srv.Call(c, tc.argv) // warm up: reply buffer, first write
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
