package engine

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/volleydb/volley/engine/config"
	"github.com/volleydb/volley/engine/keyspace"
)

// fillExpiring adds n keys "<prefix>:<i>" to db expiring at at (0: none).
func fillExpiring(db *DB, prefix string, n int, at int64) {
	for i := range n {
		k := []byte(prefix + ":" + strconv.Itoa(i))
		db.Set(k, keyspace.Value{Kind: KindEmbstr, Bytes: []byte("v"), Expire: at}, false)
	}
}

func TestActiveExpireReclaimsExpiredKeys(t *testing.T) {
	e, clk := fakeClockEnv(t)
	s := e.srv
	db := s.DB(0)
	fillExpiring(db, "short", 2000, clk.Ms+100)
	fillExpiring(db, "long", 300, clk.Ms+3_600_000)
	fillExpiring(db, "plain", 500, 0)
	db9 := s.DB(9)
	fillExpiring(db9, "short", 700, clk.Ms+100)

	// Nothing has expired yet: a cycle removes nothing but learns the TTLs.
	s.Cron()
	if db.Len() != 2800 || s.Stats.ExpiredKeys != 0 {
		t.Fatalf("before expiry: len %d expired %d", db.Len(), s.Stats.ExpiredKeys)
	}
	if db.avgTTL <= 0 || db.avgTTL > 3_600_000 {
		t.Fatalf("avg_ttl %d", db.avgTTL)
	}

	clk.Advance(101 * time.Millisecond)
	calls := 0
	for ; calls < 50 && (db.ExpiresLen() > 300 || db9.ExpiresLen() > 0); calls++ {
		s.Cron()
	}
	if db.ExpiresLen() != 300 || db.Len() != 800 || db9.Len() != 0 {
		t.Fatalf("after %d crons: db0 len %d expires %d, db9 len %d", calls, db.Len(), db.ExpiresLen(), db9.Len())
	}
	if s.Stats.ExpiredKeys != 2700 {
		t.Fatalf("expired_keys %d, want 2700", s.Stats.ExpiredKeys)
	}
	for i := range 300 {
		if _, ok := db.Keys().Get([]byte("long:" + strconv.Itoa(i))); !ok {
			t.Fatalf("long:%d reclaimed before its time", i)
		}
	}
	if s.Stats.ExpiredStalePerc <= 0 || s.Stats.ExpiredStalePerc > 1 {
		t.Fatalf("expired_stale_perc %v", s.Stats.ExpiredStalePerc)
	}
	// Only the long keys are left: avg_ttl heads for an hour.
	for range 20 {
		s.Cron()
	}
	if db.avgTTL < 3_000_000 || db.avgTTL > 3_600_000 {
		t.Fatalf("avg_ttl %d with only one-hour keys left", db.avgTTL)
	}
	if db9.avgTTL != 0 {
		t.Fatalf("empty db avg_ttl %d", db9.avgTTL)
	}
}

// A key at its expiry time is still there; one millisecond later it is
// gone for readers at once (lazily) and for the cycle at its next pass.
func TestActiveExpireStrictlyAfter(t *testing.T) {
	e, clk := fakeClockEnv(t)
	s := e.srv
	db := s.DB(0)
	fillExpiring(db, "k", 50, clk.Ms+10)
	clk.Advance(10 * time.Millisecond)
	s.Cron()
	if db.Len() != 50 {
		t.Fatalf("keys reclaimed at their expiry time: %d left", db.Len())
	}
	clk.Advance(time.Millisecond)
	// A cycle stops a database's rounds when its cursor wraps around; the
	// next picks up from there.
	for range 3 {
		s.Cron()
	}
	if db.Len() != 0 || s.Stats.ExpiredKeys != 50 {
		t.Fatalf("len %d expired %d", db.Len(), s.Stats.ExpiredKeys)
	}
}

func TestActiveExpireNoExpiredKeyVisible(t *testing.T) {
	e, clk := fakeClockEnv(t)
	s := e.srv
	s.Cfg.EnableDebugCommand = config.PermitYes
	c := e.newClient()
	if got := e.do(c, "debug", "set-active-expire", "0"); got != "+OK\r\n" {
		t.Fatal(got)
	}
	for i := range 100 {
		e.do(c, "set", "k"+strconv.Itoa(i), "v", "px", strconv.Itoa(10+i))
	}
	clk.Advance(60 * time.Millisecond)
	s.nowMs = 0
	s.Cron()
	if s.DB(0).Len() != 100 {
		t.Fatalf("cycle ran while disabled: %d keys left", s.DB(0).Len())
	}
	for i := range 100 {
		got := e.do(c, "get", "k"+strconv.Itoa(i))
		want := "$1\r\nv\r\n"
		if 10+i < 60 {
			want = "$-1\r\n"
		}
		if got != want {
			t.Fatalf("GET k%d = %q, want %q", i, got, want)
		}
	}
	e.do(c, "debug", "set-active-expire", "1")
	clk.Advance(100 * time.Millisecond)
	s.Cron()
	if s.DB(0).Len() != 0 || s.Stats.ExpiredKeys != 100 {
		t.Fatalf("after re-enabling: len %d expired %d", s.DB(0).Len(), s.Stats.ExpiredKeys)
	}
}

// The cycle stops at its time budget, checked after every round, and the
// next cycle visits every database.
func TestActiveExpireTimeLimit(t *testing.T) {
	e, clk := fakeClockEnv(t)
	s := e.srv
	db := s.DB(0)
	fillExpiring(db, "k", 20000, clk.Ms+1)
	clk.Advance(time.Second)
	// Each clock read moves 10 ms: the 25 ms budget at hz 10 is spent by
	// the third check, after three rounds.
	var ns int64
	s.expire.nanotime = func() int64 { ns += 10e6; return ns }
	s.activeExpireCycle(clk.Ms)
	if s.Stats.ExpiredTimeCapReached != 1 || !s.expire.timelimitExit {
		t.Fatalf("time cap count %d exit %v", s.Stats.ExpiredTimeCapReached, s.expire.timelimitExit)
	}
	got := s.Stats.ExpiredKeys
	// A round takes 20 keys, however many one scan step returned.
	if got != 3*activeExpireKeysPerLoop {
		t.Fatalf("expired %d keys in 3 rounds", got)
	}
	if s.Stats.ExpireCycleCPUMs != 40 { // start, three checks and the end: 4 steps of 10 ms
		t.Fatalf("expire_cycle_cpu_milliseconds %d", s.Stats.ExpireCycleCPUMs)
	}
	// A real clock drains the rest within a few cycles.
	s.expire.nanotime = nil
	for i := 0; i < 100 && db.Len() > 0; i++ {
		s.Cron()
	}
	if db.Len() != 0 || s.Stats.ExpiredKeys != 20000 {
		t.Fatalf("left %d, expired %d", db.Len(), s.Stats.ExpiredKeys)
	}
}

func TestActiveExpirePausedByClientPause(t *testing.T) {
	e, clk := fakeClockEnv(t)
	s := e.srv
	fillExpiring(s.DB(0), "k", 100, clk.Ms+1)
	clk.Advance(time.Second)
	s.PauseActions(PauseByClient, clk.Ms+10_000, PauseWriteSet)
	s.activeExpireCycle(clk.Ms)
	if s.DB(0).Len() != 100 {
		t.Fatalf("expired during a write pause: %d left", s.DB(0).Len())
	}
}

// While the expires table shrinks, one scan step covers many buckets of
// the old table and returns many keys; rounds still take 20 at a time, and
// the keys left over wait for the next round or cycle.
func TestActiveExpireRoundsDuringShrink(t *testing.T) {
	e, clk := fakeClockEnv(t)
	s := e.srv
	db := s.DB(0)
	fillExpiring(db, "k", 20000, clk.Ms+1)
	for i := range 19000 { // leave 1000 keys in a table sized for 20000
		k := []byte("k:" + strconv.Itoa(i))
		db.keys.Delete(k)
		db.expires.Delete(k)
	}
	db.expires.ResizeIfNeeded()
	if !db.expires.IsRehashing() || scanStepBuckets(db.expires) < 2 {
		t.Fatalf("expires table not shrinking: rehashing %v, step %d", db.expires.IsRehashing(), scanStepBuckets(db.expires))
	}
	clk.Advance(time.Second)
	var ns int64
	s.expire.nanotime = func() int64 { ns += 10e6; return ns }
	s.activeExpireCycle(clk.Ms)
	if s.Stats.ExpiredKeys != 3*activeExpireKeysPerLoop {
		t.Fatalf("expired %d in three rounds", s.Stats.ExpiredKeys)
	}
	s.expire.nanotime = nil
	for i := 0; i < 50 && db.Len() > 0; i++ {
		s.Cron()
	}
	if db.Len() != 0 || s.Stats.ExpiredKeys != 1000 {
		t.Fatalf("left %d, expired %d", db.Len(), s.Stats.ExpiredKeys)
	}
}

func TestActiveExpireEffort(t *testing.T) {
	e, _ := fakeClockEnv(t)
	s := e.srv
	for effort, want := range map[int]int{1: 0, 5: 4, 10: 9, 0: 0, 11: 9} {
		s.Cfg.ActiveExpireEffort = effort
		if got := s.activeExpireEffort(); got != want {
			t.Errorf("effort %d → %d, want %d", effort, got, want)
		}
	}
}

// The cron shrinks a table emptied by deletes and finishes rehashing it.
func TestDatabasesCronResizesAndRehashes(t *testing.T) {
	e, _ := fakeClockEnv(t)
	s := e.srv
	db := s.DB(0)
	fillExpiring(db, "k", 5000, 0)
	big := db.Keys().Buckets()
	for i := range 4990 {
		db.keys.Delete([]byte("k:" + strconv.Itoa(i)))
	}
	for range 20 {
		s.Cron()
	}
	if db.Keys().IsRehashing() || db.Keys().Buckets() >= big/8 {
		t.Fatalf("buckets %d (from %d), rehashing %v", db.Keys().Buckets(), big, db.Keys().IsRehashing())
	}
	if db.Len() != 10 {
		t.Fatalf("len %d", db.Len())
	}
}

func TestInfoExpiryFields(t *testing.T) {
	e, clk := fakeClockEnv(t)
	s := e.srv
	c := e.newClient()
	e.do(c, "set", "a", "1", "px", "100000")
	e.do(c, "set", "b", "1")
	e.do(c, "select", "3")
	e.do(c, "set", "c", "1", "px", "5")
	s.Cron()
	info := e.do(c, "info", "keyspace")
	if !strings.Contains(info, "db0:keys=2,expires=1,avg_ttl=100000,keys_with_volatile_items=0\r\n") ||
		!strings.Contains(info, "db3:keys=1,expires=1,avg_ttl=5,keys_with_volatile_items=0\r\n") ||
		strings.Contains(info, "db1:") {
		t.Fatalf("keyspace:\n%s", info)
	}
	clk.Advance(10 * time.Millisecond)
	s.Cron()
	stats := e.do(c, "info", "stats")
	for _, want := range []string{"expired_keys:1\r\n", "expired_time_cap_reached_count:0\r\n", "evicted_keys:0\r\n"} {
		if !strings.Contains(stats, want) {
			t.Errorf("stats lack %q", want)
		}
	}
	// One of two cycles found one key expired among those sampled.
	if !strings.Contains(stats, "expired_stale_perc:") || strings.Contains(stats, "expired_stale_perc:0.00\r\n") {
		t.Errorf("expired_stale_perc not moved:\n%s", stats)
	}
	if info := e.do(c, "info", "keyspace"); strings.Contains(info, "db3:") {
		t.Errorf("emptied db listed:\n%s", info)
	}
}

func TestActiveExpireImportMode(t *testing.T) {
	e, clk := fakeClockEnv(t)
	s := e.srv
	c := e.newClient()
	fillExpiring(s.DB(0), "k", 10, clk.Ms+1)
	clk.Advance(time.Second)
	e.do(c, "config", "set", "import-mode", "yes")
	s.Cron()
	if s.DB(0).Len() != 10 {
		t.Fatalf("expired in import mode: %d left", s.DB(0).Len())
	}
	e.do(c, "config", "set", "import-mode", "no")
	s.Cron()
	if s.DB(0).Len() != 0 {
		t.Fatalf("not expired after import mode: %d left", s.DB(0).Len())
	}
}

// The main record decides: an expires entry out of step with it is
// repaired, never trusted to delete a live key.
func TestActiveExpireTrustsMainRecord(t *testing.T) {
	e, clk := fakeClockEnv(t)
	s := e.srv
	db := s.DB(0)
	fillExpiring(db, "live", 1, clk.Ms+3_600_000)
	fillExpiring(db, "plain", 1, 0)
	db.expires.Set([]byte("live:0"), keyspace.Value{Expire: clk.Ms - 10})
	db.expires.Set([]byte("plain:0"), keyspace.Value{Expire: clk.Ms - 10})
	db.expires.Set([]byte("ghost"), keyspace.Value{Expire: clk.Ms - 10})
	for range 3 {
		s.Cron()
	}
	if db.Len() != 2 || db.ExpiresLen() != 1 || s.Stats.ExpiredKeys != 0 {
		t.Fatalf("len %d expires %d expired %d", db.Len(), db.ExpiresLen(), s.Stats.ExpiredKeys)
	}
	if en, ok := db.expires.Get([]byte("live:0")); !ok || en.Expire() != clk.Ms+3_600_000 {
		t.Fatal("index entry not repaired")
	}
}
