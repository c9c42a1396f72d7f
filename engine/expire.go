package engine

import "github.com/volleydb/volley/engine/keyspace"

// Active expiry. Lazy expiry (db.lookup) removes a key when someone reads
// it; keys nobody reads again would stay forever, so the cron also samples
// the expires index of each database and deletes what has expired, as
// Valkey's activeExpireCycle does:
//
//   - The cycle gets a time budget per call: 25% of the cron period, plus
//     2% per step of active-expire-effort above 1 (at hz 10, 25 ms of every
//     100 ms). However many keys expire at once, clients wait no longer
//     than that per cron tick; the rest waits for the next ticks.
//   - It visits up to 16 databases per call, round-robin, continuing where
//     the previous call stopped. After a call that ran out of time it visits
//     all of them, since there is work left somewhere.
//   - In a database it takes 20 keys (more with more effort) at a time from
//     a scan cursor over the expires table that persists across calls, so
//     successive rounds see different keys and a full pass covers every key.
//     It repeats while more than 10% (less with more effort) of the sampled
//     keys had expired: the estimate that many more are waiting.
//   - It checks the clock after every round and stops when the budget is
//     spent (expired_time_cap_reached_count). Valkey checks every 16 rounds;
//     here a round's deletes can each return an emptied 256 KiB slab chunk
//     to the OS (an madvise of ~60 µs), which at the tail of a mass expiry
//     made 16 rounds take 30 ms. One clock read per 20 keys costs nothing.
//
// It also maintains the statistics INFO shows: each database's running
// average TTL of the keys it sampled that had not expired (avg_ttl), the
// running estimate of the share of stale keys among the sampled ones
// (expired_stale_perc) and the time spent (expire_cycle_cpu_milliseconds).
//
// Valkey also runs a shorter "fast" cycle before each event-loop sleep when
// the slow one ran out of time; Volley runs only the slow cycle from the
// cron: with the cron at hz and each cycle bounded, the backlog of a mass
// expiry drains at 25% of one core, which is the slow cycle's design rate.

const (
	activeExpireKeysPerLoop      = 20  // keys sampled per round, at effort 1
	activeExpireSlowTimePerc     = 25  // percent of the cron period the cycle may use
	activeExpireAcceptableStale  = 10  // percent of expired keys among sampled ones that ends a database's rounds
	activeExpireBucketsPerKey    = 10  // buckets a round may visit per key it wants, to cross empty ones
	activeExpireAvgTTLMask       = 0xf // avg_ttl folds in the rounds' TTLs every 16 rounds
	cronDBsPerCall               = 16  // databases the cron's per-database work visits per call
	activeRehashPercOfPeriod     = 1   // percent of the cron period spent rehashing tables
	activeExpireMinFillPerMille  = 10  // below 1% full, sampling the table is not worth it
	activeExpireStalePercDecay   = 0.95
	activeExpireStalePercCurrent = 0.05
)

// avgTTLFactor[i] is 0.98^(i+1): avg_ttl moves 2% towards a round's
// average per round, and up to 16 rounds are folded in at once.
var avgTTLFactor = [16]float64{0.98, 0.9604, 0.941192, 0.922368, 0.903921, 0.885842, 0.868126, 0.850763,
	0.833748, 0.817073, 0.800731, 0.784717, 0.769022, 0.753642, 0.738569, 0.723798}

// expireState is active expiry's state that persists across cron calls.
type expireState struct {
	disabled      bool  // DEBUG SET-ACTIVE-EXPIRE 0 (Valkey's active_expire_enabled, inverted)
	currentDB     int   // the database the next cycle starts with
	timelimitExit bool  // the previous cycle ran out of time
	usedUsRem     int64 // microseconds spent not yet counted in Stats.ExpireCycleCPUMs
	resizeDB      int   // databasesCron's round-robin positions
	rehashDB      int

	// The keys of one scan step, copied out of the table: an entry may
	// not be deleted, nor its key used, once the table changes. A step can
	// return many keys (while the table shrinks, one step covers all the
	// buckets of the old table that fold into one), so rounds take them
	// 20 at a time and the rest wait for the next round, or cycle. Each
	// is checked against the main record before it is deleted, so a key
	// changed meanwhile is judged by what it is now.
	keys     []byte
	sample   []expireSample
	next     int  // sample[next:] are still to be looked at
	sampleDB *DB  // the database they come from
	passDone bool // the step that filled sample ended a pass over the table

	collect func(keyspace.Entry) // appends an entry to keys and sample; made once

	// nanotime is the monotonic clock the budget is measured with; tests
	// replace it.
	nanotime func() int64
}

// expireSample is one key of a scan step: keys[off:end] and its expiry.
type expireSample struct {
	off, end int
	at       int64
}

// dropSample forgets the keys waiting from the last scan step.
func (st *expireState) dropSample() {
	st.keys, st.sample = st.keys[:0], st.sample[:0]
	st.next, st.passDone = 0, false
}

func (st *expireState) now() int64 {
	if st.nanotime != nil {
		return st.nanotime()
	}
	return nanotime()
}

// activeExpireEffort is active-expire-effort rescaled to 0..9.
func (s *Server) activeExpireEffort() int {
	return min(max(s.Cfg.ActiveExpireEffort, 1), 10) - 1
}

// databasesCron is the cron's per-database work, as Valkey's: the active
// expiry cycle, then resizing tables that stopped being written and, with
// activerehashing, moving incremental rehashes along for 1% of the period.
func (s *Server) databasesCron(nowMs int64) {
	// import-mode: keys being imported expire only when the importer says.
	if !s.expire.disabled {
		if mode, _ := s.Cfg.Value("import-mode"); mode != "yes" {
			s.activeExpireCycle(nowMs)
		}
	}
	st := &s.expire
	n := min(cronDBsPerCall, len(s.dbs))
	for range n {
		db := s.dbs[st.resizeDB%len(s.dbs)]
		st.resizeDB++
		db.keys.ResizeIfNeeded()
		db.expires.ResizeIfNeeded()
	}
	if !s.Cfg.ActiveRehashing {
		return
	}
	hz := int64(max(s.Cfg.Hz, 1))
	budget := int64(1e9) * activeRehashPercOfPeriod / 100 / hz
	start := st.now()
	for range n {
		db := s.dbs[st.rehashDB%len(s.dbs)]
		if !rehashFor(db.keys, start, budget, st) || !rehashFor(db.expires, start, budget, st) {
			return
		}
		st.rehashDB++
	}
}

// rehashFor moves t's rehash along, 100 buckets at a time, until it is done
// or budget nanoseconds have passed since start; it reports whether time
// is left.
func rehashFor(t interface{ RehashStep(int) bool }, start, budget int64, st *expireState) bool {
	for t.RehashStep(100) {
		if st.now()-start >= budget {
			return false
		}
	}
	return st.now()-start < budget
}

// activeExpireCycle deletes expired keys found by sampling the expires
// tables, within the slow cycle's time budget.
func (s *Server) activeExpireCycle(nowMs int64) {
	if s.ActionsPaused(PauseExpire) != 0 {
		return
	}
	st := &s.expire
	effort := s.activeExpireEffort()
	hz := int64(max(s.Cfg.Hz, 1))
	timelimitUs := int64(activeExpireSlowTimePerc+2*effort) * 1_000_000 / hz / 100
	start := st.now()
	s.activeExpireKeys(nowMs, effort, start, timelimitUs*1000)
	elapsedUs := (st.now() - start) / 1000
	st.usedUsRem += elapsedUs
	s.Stats.ExpireCycleCPUMs += st.usedUsRem / 1000
	st.usedUsRem %= 1000
	s.LatencyAddSampleIfNeeded("expire-cycle", elapsedUs)
}

// activeExpireKeys is the key job of the cycle: limitNs is its budget
// from start.
func (s *Server) activeExpireKeys(nowMs int64, effort int, start, limitNs int64) {
	st := &s.expire
	acceptableStale := int64(activeExpireAcceptableStale - effort)
	perLoop := activeExpireKeysPerLoop + activeExpireKeysPerLoop/4*effort

	dbsPerCall := cronDBsPerCall
	if dbsPerCall > len(s.dbs) || st.timelimitExit {
		dbsPerCall = len(s.dbs)
	}
	st.timelimitExit = false

	var totalSampled, totalExpired int64
	iteration := 0
	performed := 0
	for j := 0; performed < dbsPerCall && !st.timelimitExit && j < len(s.dbs); j++ {
		// Move on first, so a database that uses up the time does not
		// get the next call's first turn as well.
		db := s.dbs[st.currentDB%len(s.dbs)]
		st.currentDB++
		if db.expires.Len() > 0 {
			performed++
		}
		if st.sampleDB != db {
			st.dropSample()
			st.sampleDB = db
		}
		var ttlSum, ttlSamples int64
		avgRounds := 0
		for {
			iteration++
			num := db.expires.Len()
			if num == 0 {
				db.avgTTL = 0
				break
			}
			if b := db.expires.Buckets(); b > 0 && int64(num)*1000/int64(b) < activeExpireMinFillPerMille {
				// Nearly empty: the cron's resize will shrink it first.
				break
			}
			num = min(num, perLoop)
			var sampled, expired int64
			before := ttlSamples
			dbDone := false
			stepCost := scanStepBuckets(db.expires)
			for buckets := 0; sampled < int64(num); {
				if st.next == len(st.sample) {
					// The previous step is used up: take the next, unless
					// the pass over the table is complete.
					if st.passDone || buckets >= num*activeExpireBucketsPerKey {
						break
					}
					db.expireCursor = s.collectExpireSample(db, db.expireCursor)
					st.passDone = db.expireCursor == 0
					buckets += stepCost
					continue
				}
				k := st.sample[st.next]
				st.next++
				sampled++
				key := st.keys[k.off:k.end]
				if ttl := k.at - nowMs; ttl > 0 {
					ttlSum += ttl
					ttlSamples++
				} else if nowMs > k.at && db.confirmExpired(key, nowMs) {
					expired++
				}
			}
			if st.passDone && st.next == len(st.sample) {
				dbDone = true
				st.passDone = false
			}
			totalSampled += sampled
			totalExpired += expired
			if ttlSamples > before {
				avgRounds++
			}
			repeat := !dbDone && (sampled == 0 || expired*100/sampled > acceptableStale)
			if (iteration&activeExpireAvgTTLMask == 0 || !repeat) && ttlSamples > 0 {
				avg := ttlSum / ttlSamples
				if db.avgTTL == 0 {
					db.avgTTL = avg
				} else {
					db.avgTTL = avg + int64(float64(db.avgTTL-avg)*avgTTLFactor[max(avgRounds, 1)-1])
				}
				ttlSum, ttlSamples, avgRounds = 0, 0, 0
			}
			if st.now()-start > limitNs {
				st.timelimitExit = true
				s.Stats.ExpiredTimeCapReached++
				break
			}
			if !repeat {
				break
			}
		}
	}
	cur := 0.0
	if totalSampled > 0 {
		cur = float64(totalExpired) / float64(totalSampled)
	}
	s.Stats.ExpiredStalePerc = cur*activeExpireStalePercCurrent + s.Stats.ExpiredStalePerc*activeExpireStalePercDecay
}

// scanStepBuckets is how many buckets one Scan step of t visits: one, or
// while t is rehashing, one of the smaller table and all those of the
// larger one it expands to. A mass expiry shrinks the table under the
// cycle, and a step of a 2^18-bucket table shrinking to 2^9 visits 512
// buckets; counting them keeps each round's work, and so the time
// between two clock checks, bounded.
func scanStepBuckets(t *keyspace.Table) int {
	if !t.IsRehashing() {
		return 1
	}
	size, _ := t.TableSizes()
	small, large := min(size[0], size[1]), max(size[0], size[1])
	if small == 0 {
		return 1
	}
	return large / small
}

// collectExpireSample runs one scan step of db's expires table from cursor,
// copying the keys and expiry times it visits into s.expire's scratch, and
// returns the next cursor. The keys are deleted only after the step, since
// the table must not change under its own scan.
func (s *Server) collectExpireSample(db *DB, cursor uint64) uint64 {
	st := &s.expire
	st.dropSample()
	if st.collect == nil {
		st.collect = func(e keyspace.Entry) {
			off := len(st.keys)
			st.keys = append(st.keys, e.Key()...)
			st.sample = append(st.sample, expireSample{off: off, end: len(st.keys), at: e.Expire()})
		}
	}
	return db.expires.Scan(cursor, st.collect)
}

// confirmExpired deletes key, which the expires index says has expired,
// after checking that against the main record, which is authoritative: an
// index entry out of step with it (which would be a bug elsewhere) is
// repaired rather than trusted. It reports whether the key was expired.
func (db *DB) confirmExpired(key []byte, nowMs int64) bool {
	h := db.keys.Hash(key)
	e, ok := db.keys.GetHashed(key, h)
	var at int64
	if ok {
		at = e.Expire()
	}
	switch {
	case at != 0 && nowMs > at:
		db.expireKey(key, h)
		return true
	case at == 0:
		db.expires.Delete(key)
	default:
		db.expires.Set(key, keyspace.Value{Expire: at})
	}
	return false
}
