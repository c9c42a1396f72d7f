package engine

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/volleydb/volley/engine/config"
	"github.com/volleydb/volley/engine/keyspace"
)

// activeExpireFields runs the field job of a slow cycle alone, whatever
// the cycle's order.
func (s *Server) activeExpireFields(nowMs int64) {
	hz := int64(max(s.Cfg.Hz, 1))
	effort := s.activeExpireEffort()
	limitNs := int64(activeExpireSlowTimePerc+2*effort) * 1e9 / hz / 100
	s.activeExpireJob(expireJobFields, expireCycleSlow, nowMs, effort, limitNs)
}

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
	s.activeExpireCycle(expireCycleSlow, clk.Ms)
	if s.Stats.ExpiredTimeCapReached != 1 || !s.expire.jobs[expireJobKeys].timelimitExit {
		t.Fatalf("time cap count %d exit %v", s.Stats.ExpiredTimeCapReached, s.expire.jobs[expireJobKeys].timelimitExit)
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
	s.activeExpireCycle(expireCycleSlow, clk.Ms)
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
	s.activeExpireCycle(expireCycleSlow, clk.Ms)
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

// fakeNanotime makes the cycle's clock move step nanoseconds per read;
// the test may also move it directly.
func fakeNanotime(s *Server) (ns, step *int64) {
	ns, step = new(int64), new(int64)
	*ns = 1e12
	s.expire.nanotime = func() int64 { *ns += *step; return *ns }
	return ns, step
}

// The fast cycle runs from BeforeSleep only after a cycle ran out of
// time, with 1 ms (plus a quarter per effort step), never again within
// twice that, and stops being wanted once a cycle finishes in time.
func TestActiveExpireFastCycle(t *testing.T) {
	e, clk := fakeClockEnv(t)
	s := e.srv
	db := s.DB(0)
	fillExpiring(db, "k", 5000, clk.Ms+1)
	clk.Advance(time.Second)
	ns, step := fakeNanotime(s)

	before := *ns
	s.BeforeSleep()
	if s.Stats.ExpiredKeys != 0 || *ns != before {
		t.Fatalf("fast cycle without a timed-out slow one: expired %d", s.Stats.ExpiredKeys)
	}
	// A slow cycle with 10 ms per clock read stops after three rounds.
	*step = 10e6
	s.activeExpireCycle(expireCycleSlow, clk.Ms)
	if s.Stats.ExpiredKeys != 60 || !s.expire.jobs[expireJobKeys].timelimitExit {
		t.Fatalf("slow cycle: expired %d", s.Stats.ExpiredKeys)
	}
	// The fast one: 300 µs per read, the gate's, the start's, then one a
	// round; the fourth round passes 1 ms.
	*step = 300e3
	s.BeforeSleep()
	if got := s.Stats.ExpiredKeys - 60; got != 4*activeExpireKeysPerLoop || s.Stats.ExpiredTimeCapReached != 2 {
		t.Fatalf("fast cycle expired %d, time cap %d", got, s.Stats.ExpiredTimeCapReached)
	}
	lastStart := s.expire.lastFastNs
	*step = 0
	*ns = lastStart + 2e6 - 1 // not twice its 1 ms yet
	s.BeforeSleep()
	if s.Stats.ExpiredKeys != 140 {
		t.Fatalf("fast cycle repeated within 2 ms: expired %d", s.Stats.ExpiredKeys)
	}
	*ns = lastStart + 2e6
	*step = 300e3
	s.BeforeSleep()
	if s.Stats.ExpiredKeys != 220 {
		t.Fatalf("fast cycle not run after 2 ms: expired %d", s.Stats.ExpiredKeys)
	}
	// Effort 5 gives 2 ms: seven rounds fit (the seventh check is at 2.1 ms).
	s.Cfg.ActiveExpireEffort = 5
	*ns += 4e6
	s.BeforeSleep()
	perLoop := int64(activeExpireKeysPerLoop + activeExpireKeysPerLoop/4*4)
	if got := s.Stats.ExpiredKeys - 220; got != 7*perLoop {
		t.Fatalf("effort 5 fast cycle expired %d, want %d", got, 7*perLoop)
	}
	s.Cfg.ActiveExpireEffort = 1
	// Fast cycles go on while each runs out of time; the first to finish
	// in time (its database's pass ended) ends them, and the slow cycle
	// has the rest.
	fastRuns := 0
	for ; fastRuns < 1000 && s.expire.jobs[expireJobKeys].timelimitExit; fastRuns++ {
		*ns += 2e6
		s.BeforeSleep()
	}
	if s.expire.jobs[expireJobKeys].timelimitExit || s.Stats.ExpiredKeys < 2000 {
		t.Fatalf("after %d fast cycles: expired %d", fastRuns, s.Stats.ExpiredKeys)
	}
	*step = 0
	for i := 0; i < 100 && db.Len() > 0; i++ {
		s.Cron()
	}
	if db.Len() != 0 || s.Stats.ExpiredKeys != 5000 {
		t.Fatalf("left %d, expired %d", db.Len(), s.Stats.ExpiredKeys)
	}
	before = *ns
	s.BeforeSleep()
	if *ns != before {
		t.Fatal("BeforeSleep read the clock with no fast cycle wanted")
	}
	// Disabled, paused, a replica or import-mode: no fast cycle either.
	fillExpiring(db, "k", 100, clk.Ms-1)
	s.expire.jobs[expireJobKeys].timelimitExit = true
	s.expire.disabled = true
	*ns += 1e9
	s.BeforeSleep()
	if db.Len() != 100 {
		t.Fatalf("fast cycle while disabled: %d left", db.Len())
	}
}

// Keys and hash fields share one cycle's budget: the job that goes first
// can use it all, and the next cycle starts with the other one.
func TestActiveExpireKeysAndFieldsShareBudget(t *testing.T) {
	e, clk := fakeClockEnv(t)
	s := e.srv
	c := e.newClient()
	db := s.DB(0)
	fillExpiring(db, "k", 20000, clk.Ms+5)
	args := []string{"hpexpire", "", "5", "fields", "100"}
	for i := range 100 {
		args = append(args, "f"+strconv.Itoa(i))
	}
	for i := range 200 {
		h := "h" + strconv.Itoa(i)
		for j := range 100 {
			e.do(c, "hset", h, "f"+strconv.Itoa(j), "v")
		}
		args[1] = h
		e.do(c, args...)
	}
	if n := s.KeysWithVolatileItems(db); n != 200 {
		t.Fatalf("keys_with_volatile_items %d", n)
	}
	clk.Advance(10 * time.Millisecond)
	_, step := fakeNanotime(s)
	*step = 10e6

	// Keys first: three rounds use the 25 ms, the fields get nothing.
	s.activeExpireCycle(expireCycleSlow, clk.Ms)
	if s.Stats.ExpiredKeys != 60 || s.hash.ExpiredFields != 0 {
		t.Fatalf("cycle 1: expired keys %d fields %d", s.Stats.ExpiredKeys, s.hash.ExpiredFields)
	}
	// Fields first: three rounds of 20 hash visits; each hash takes two
	// (80 fields, then the other 20), so 30 hashes are emptied and gone.
	s.activeExpireCycle(expireCycleSlow, clk.Ms)
	if s.Stats.ExpiredKeys != 60 || s.hash.ExpiredFields != 30*100 || db.Len() != 20000-60+200-30 {
		t.Fatalf("cycle 2: expired keys %d fields %d, %d keys left", s.Stats.ExpiredKeys, s.hash.ExpiredFields, db.Len())
	}
	if !s.expire.jobs[expireJobFields].timelimitExit || s.Stats.ExpiredTimeCapReached != 2 {
		t.Fatalf("time cap %d", s.Stats.ExpiredTimeCapReached)
	}
	if s.hash.StalePerc <= 0 || s.Stats.ExpiredStalePerc <= 0 {
		t.Fatalf("stale estimates %v %v", s.hash.StalePerc, s.Stats.ExpiredStalePerc)
	}
	// Keys first again, and they use the whole budget.
	*step = 100e3
	s.activeExpireCycle(expireCycleSlow, clk.Ms)
	if s.Stats.ExpiredKeys != 60+251*20 || s.hash.ExpiredFields != 3000 {
		t.Fatalf("cycle 3: expired keys %d fields %d", s.Stats.ExpiredKeys, s.hash.ExpiredFields)
	}
	// Fields first: the hashes are done well within the budget, and the
	// keys get the rest.
	s.activeExpireCycle(expireCycleSlow, clk.Ms)
	if s.hash.ExpiredFields != 20000 || s.Stats.ExpiredKeys <= 60+251*20 {
		t.Fatalf("cycle 4: expired keys %d fields %d", s.Stats.ExpiredKeys, s.hash.ExpiredFields)
	}
	s.expire.nanotime = nil
	for i := 0; i < 200 && db.Len() > 0; i++ {
		s.Cron()
		s.BeforeSleep()
	}
	if db.Len() != 0 || s.Stats.ExpiredKeys != 20000 || s.hash.ExpiredFields != 20000 || s.KeysWithVolatileItems(db) != 0 {
		t.Fatalf("left %d, expired keys %d fields %d", db.Len(), s.Stats.ExpiredKeys, s.hash.ExpiredFields)
	}
	stats := e.do(c, "info", "stats")
	for _, want := range []string{"expired_keys:20000\r\n", "expired_fields:20000\r\n"} {
		if !strings.Contains(stats, want) {
			t.Errorf("stats lack %q", want)
		}
	}
	if strings.Contains(stats, "expired_keys_with_volatile_items_stale_perc:0.00\r\n") {
		t.Errorf("field stale estimate not shown:\n%s", stats)
	}
}

// A hash with more expired fields than one visit reclaims is visited again
// until it has none, within the round and across rounds.
func TestActiveExpireFieldsRevisitsHash(t *testing.T) {
	e, clk := fakeClockEnv(t)
	s := e.srv
	c := e.newClient()
	args := []string{"hpexpire", "big", "5", "fields", "1000"}
	for j := range 1000 {
		e.do(c, "hset", "big", "f"+strconv.Itoa(j), "v")
		args = append(args, "f"+strconv.Itoa(j))
	}
	e.do(c, "hset", "big", "keep", "v")
	e.do(c, args...)
	clk.Advance(10 * time.Millisecond)
	// One round: 13 visits of up to 80 fields cover all 1000.
	n, x := s.expireFieldsRound(s.DB(0), s.hash.volatile[s.DB(0).keys], clk.Ms, 20, 80)
	if s.hash.ExpiredFields != 1000 || n != 13 || x != 13 {
		t.Fatalf("expired %d in %d visits (%d reclaimed)", s.hash.ExpiredFields, n, x)
	}
	e.expect(c, []replyCase{rc("hlen big", ":1\r\n")})
	// A round of 5 visits leaves the rest for the next, which starts there.
	args[1] = "big2"
	for j := range 1000 {
		e.do(c, "hset", "big2", "f"+strconv.Itoa(j), "v")
	}
	e.do(c, args...)
	clk.Advance(10 * time.Millisecond)
	reg := s.hash.volatile[s.DB(0).keys]
	s.expireFieldsRound(s.DB(0), reg, clk.Ms, 5, 80)
	if s.hash.ExpiredFields != 1400 || string(s.expire.moreFields) != "big2" {
		t.Fatalf("expired %d, more %q", s.hash.ExpiredFields, s.expire.moreFields)
	}
	s.expireFieldsRound(s.DB(0), reg, clk.Ms, 20, 80)
	if s.hash.ExpiredFields != 2000 || s.DB(0).Exists([]byte("big2")) {
		t.Fatalf("expired %d", s.hash.ExpiredFields)
	}
}

// A million keys expiring at once: each cycle deletes what its budget
// allows, the backlog drains over slow and fast cycles, and no command
// sees any of the keys meanwhile.
func TestActiveExpireMillionKeys(t *testing.T) {
	if testing.Short() {
		t.Skip("a million keys")
	}
	e, clk := fakeClockEnv(t)
	s := e.srv
	c := e.newClient()
	db := s.DB(0)
	const n = 1_000_000
	fillExpiring(db, "k", n, clk.Ms+1)
	fillExpiring(db, "stay", 10, 0)
	clk.Advance(time.Millisecond * 2)
	s.nowMs = 0
	_, step := fakeNanotime(s)
	*step = 25e3 // each clock read: 25 µs, a round of 20 keys
	// At hz 10 the 25 ms budget allows 1000 rounds, the fast 1 ms 40.
	slowMax := int64(25e6/25e3+1) * activeExpireKeysPerLoop
	fastMax := int64(1e6/25e3+1) * activeExpireKeysPerLoop

	invisible := func(i int) {
		k := "k:" + strconv.Itoa(i)
		e.expect(c, []replyCase{
			rc("get "+k, "$-1\r\n"),
			rc("exists "+k, ":0\r\n"),
			rc("ttl "+k, ":-2\r\n"),
		})
	}
	if got := e.do(c, "keys", "k:*"); got != "*0\r\n" {
		t.Fatalf("KEYS saw expired keys: %.60q", got)
	}
	slow, fast := 0, 0
	for iter := 0; db.Len() > 10; iter++ {
		if iter > 10000 {
			t.Fatalf("%d keys left after %d iterations", db.Len(), iter)
		}
		invisible(iter * 7919 % n)
		if got := e.do(c, "scan", strconv.Itoa(iter*31), "count", "20", "match", "k:*"); !strings.HasSuffix(got, "*0\r\n") {
			t.Fatalf("SCAN saw expired keys: %q", got)
		}
		before := s.Stats.ExpiredKeys
		if iter%10 == 0 {
			s.Cron()
			slow++
			if d := s.Stats.ExpiredKeys - before; d > slowMax {
				t.Fatalf("slow cycle expired %d keys, budget allows %d", d, slowMax)
			}
		}
		before = s.Stats.ExpiredKeys
		s.BeforeSleep()
		if d := s.Stats.ExpiredKeys - before; d > 0 {
			fast++
			if d > fastMax {
				t.Fatalf("fast cycle expired %d keys, budget allows %d", d, fastMax)
			}
		}
	}
	if slow < 10 || fast < 10 {
		t.Fatalf("drained in %d slow and %d fast cycles", slow, fast)
	}
	if s.Stats.ExpiredKeys != n || db.Len() != 10 || db.ExpiresLen() != 0 {
		t.Fatalf("expired %d, %d keys left, %d volatile", s.Stats.ExpiredKeys, db.Len(), db.ExpiresLen())
	}
	if s.Stats.ExpiredTimeCapReached < int64(slow+fast)/2 {
		t.Fatalf("time cap reached %d times in %d cycles", s.Stats.ExpiredTimeCapReached, slow+fast)
	}
	t.Logf("%d slow and %d fast cycles", slow, fast)
}

// In import-mode a past expiry time keeps the key for the import source
// to delete, and an import source sees expired keys in every command,
// RANDOMKEY, SCAN and KEYS included; other clients never do.
func TestImportModeExpiredKeys(t *testing.T) {
	e, clk := fakeClockEnv(t)
	s := e.srv
	c, src := e.newClient(), e.newClient()
	e.expect(c, []replyCase{
		rc("config set import-mode yes", "+OK\r\n"),
		rc("set foo bar", "+OK\r\n"),
		rc("expireat foo -1", ":1\r\n"),
		rc("set foo1 bar", "+OK\r\n"),
		rc("pexpireat foo1 1", ":1\r\n"),
		rc("set foo2 bar exat 1", "+OK\r\n"),
		rc("dbsize", ":3\r\n"),
		rc("get foo", "$-1\r\n"),
		rc("keys *", "*0\r\n"),
		rc("scan 0", "*2\r\n$1\r\n0\r\n*0\r\n"),
		rc("dbsize", ":3\r\n"),
	})
	// Only expired keys, none deleted: after 100 tries RANDOMKEY gives up
	// and names one of them, as Valkey does.
	if got := e.do(c, "randomkey"); !strings.HasPrefix(got, "$3\r\nfoo") && !strings.HasPrefix(got, "$4\r\nfoo") {
		t.Fatalf("randomkey %q", got)
	}
	e.expect(src, []replyCase{
		rc("client import-source on", "+OK\r\n"),
		rc("del foo1 foo2", ":2\r\n"),
		rc("ttl foo", ":0\r\n"),
		rc("randomkey", "$3\r\nfoo\r\n"),
		rc("keys *", "*1\r\n$3\r\nfoo\r\n"),
		rc("scan 0", "*2\r\n$1\r\n0\r\n*1\r\n$3\r\nfoo\r\n"),
		rc("client import-source off", "+OK\r\n"),
	})
	s.Cron()
	if s.DB(0).Len() != 1 {
		t.Fatal("active expiry in import-mode")
	}
	e.expect(c, []replyCase{rc("config set import-mode no", "+OK\r\n")})
	clk.Advance(time.Millisecond)
	s.Cron()
	if s.DB(0).Len() != 0 || s.Stats.ExpiredKeys != 1 {
		t.Fatalf("after import-mode: %d keys, expired %d", s.DB(0).Len(), s.Stats.ExpiredKeys)
	}
	// Out of import-mode a past time deletes at once.
	e.expect(c, []replyCase{
		rc("set foo bar", "+OK\r\n"),
		rc("expireat foo -1", ":1\r\n"),
		rc("dbsize", ":0\r\n"),
	})
}

// CONFIG RESETSTAT zeroes the field expiry counters too, as Valkey's
// resetServerStats.
func TestResetStatExpiryCounters(t *testing.T) {
	e, clk := fakeClockEnv(t)
	s := e.srv
	c := e.newClient()
	e.expect(c, []replyCase{
		rc("hset h a 1 b 2", ":2\r\n"),
		rc("hpexpire h 10 fields 1 a", "*1\r\n:1\r\n"),
	})
	clk.Advance(20 * time.Millisecond)
	s.Cron()
	s.Cron()
	if s.hash.ExpiredFields != 1 || s.hash.StalePerc == 0 {
		t.Fatalf("expired_fields %d stale %v", s.hash.ExpiredFields, s.hash.StalePerc)
	}
	s.expire.usedUsRem = 999
	e.do(c, "config", "resetstat")
	stats := e.do(c, "info", "stats")
	for _, want := range []string{"expired_fields:0\r\n", "expired_keys_with_volatile_items_stale_perc:0.00\r\n", "expire_cycle_cpu_milliseconds:0\r\n"} {
		if !strings.Contains(stats, want) {
			t.Errorf("after RESETSTAT stats lack %q", want)
		}
	}
	if s.expire.usedUsRem != 0 {
		t.Error("cycle time remainder kept")
	}
}
