//go:build !race

package engine

import (
	"strconv"
	"testing"

	"github.com/volleydb/volley/engine/keyspace"
)

// The active expiry cycle allocates nothing once its scratch buffers have
// grown: it runs hz times a second on every server with volatile keys.
func TestActiveExpireAllocs(t *testing.T) {
	e, clk := fakeClockEnv(t)
	s := e.srv
	db := s.DB(0)
	keys := make([][]byte, 200)
	for i := range keys {
		keys[i] = []byte("key:" + strconv.Itoa(i))
	}
	fillExpiring(db, "stay", 1000, clk.Ms+3_600_000)
	refill := func() {
		for _, k := range keys {
			db.Set(k, keyspace.Value{Kind: KindEmbstr, Bytes: k, Expire: clk.Ms - 1}, false)
		}
	}
	refill()
	for range 5 {
		s.Cron()
	}
	allocs := testing.AllocsPerRun(50, func() {
		refill()
		s.Cron()
		s.Cron()
	})
	if allocs != 0 {
		t.Errorf("%v allocations per refill and two cron runs", allocs)
	}
	if s.Stats.ExpiredKeys == 0 {
		t.Error("nothing expired")
	}
}

// The field job's visits to hashes whose fields are not yet due allocate
// nothing either: it visits every such hash on each cycle.
func TestActiveFieldExpireAllocs(t *testing.T) {
	e, _ := fakeClockEnv(t)
	s := e.srv
	c := e.newClient()
	e.volatileHashes(c, 50, "3600000", "a")
	for range 5 {
		s.Cron()
	}
	if allocs := testing.AllocsPerRun(50, s.Cron); allocs != 0 {
		t.Errorf("%v allocations per cron run", allocs)
	}
	if n := s.KeysWithVolatileItems(s.DB(0)); n != 50 {
		t.Errorf("keys_with_volatile_items %d, want 50", n)
	}
}
