package engine

import (
	"github.com/volleydb/volley/engine/config"
	"github.com/volleydb/volley/engine/keyspace"
)

// Active expiry. Lazy expiry (db.lookup) removes a key when someone reads
// it; keys nobody reads again would stay forever, so the server also
// samples what has a time to live and deletes what has expired, as
// Valkey 9's activeExpireCycle does. One cycle has two jobs with one time
// budget: keys (each database's expires index) and hash fields (the
// hashes with volatile fields, hashState.volatile). Cycles alternate which
// job goes first, so neither starves the other when both have more work
// than time; the second gets what the first left of the budget.
//
//   - The slow cycle runs from the cron, hz times a second, with 25% of
//     the cron period plus 2% per step of active-expire-effort above 1 (at
//     hz 10, 25 ms of every 100 ms). However many keys expire at once,
//     clients wait no longer than that per cron tick.
//   - The fast cycle runs before the coordinator gives the engine up
//     (BeforeSleep, Valkey's beforeSleep), for 1 ms plus a quarter of that
//     per effort step, at most once per twice that time, and only for a
//     job whose previous cycle ran out of time: a mass expiry then drains
//     between commands too, not only on cron ticks.
//   - Each job visits up to 16 databases per call, round-robin, continuing
//     where its previous call stopped; after a call that ran out of time it
//     visits all of them, since there is work left somewhere.
//   - In a database the key job takes 20 keys (more with more effort) at a
//     time from a scan cursor over the expires table that persists across
//     calls, so successive rounds see different keys and a full pass
//     covers every key. The field job takes as many hashes and reclaims up
//     to 80 expired fields from each, going back to a hash that had more.
//     Both repeat while more than 10% (less with more effort) of what they
//     sampled had expired: the estimate that much more is waiting.
//   - Both check the clock after every round and stop when the budget is
//     spent (expired_time_cap_reached_count). Valkey checks every 16 key
//     rounds; here a round's deletes can each return an emptied 256 KiB
//     slab chunk to the OS (an madvise of ~60 µs), which at the tail of a
//     mass expiry made 16 rounds take 30 ms. One clock read per 20 keys
//     costs nothing.
//
// It also maintains the statistics INFO shows: each database's running
// average TTL of the keys it sampled that had not expired (avg_ttl), each
// job's running estimate of the share of stale items among the sampled
// ones (expired_stale_perc, expired_keys_with_volatile_items_stale_perc)
// and the time spent (expire_cycle_cpu_milliseconds).

const (
	activeExpireKeysPerLoop      = 20   // keys sampled per round, at effort 1
	activeExpireSlowTimePerc     = 25   // percent of the cron period the slow cycle may use
	activeExpireFastDurationUs   = 1000 // the fast cycle's budget at effort 1
	activeExpireAcceptableStale  = 10   // percent of expired keys among sampled ones that ends a database's rounds
	activeExpireBucketsPerKey    = 10   // buckets a round may visit per key it wants, to cross empty ones
	activeExpireFieldsPerKey     = 4    // a field round reclaims up to this many fields per hash per key it samples
	activeExpireAvgTTLMask       = 0xf  // avg_ttl folds in the rounds' TTLs every 16 rounds
	cronDBsPerCall               = 16   // databases the cron's per-database work visits per call
	activeRehashPercOfPeriod     = 1    // percent of the cron period spent rehashing tables
	activeExpireMinFillPerMille  = 10   // below 1% full, sampling the table is not worth it
	activeExpireStalePercDecay   = 0.95
	activeExpireStalePercCurrent = 0.05
)

// avgTTLFactor[i] is 0.98^(i+1): avg_ttl moves 2% towards a round's
// average per round, and up to 16 rounds are folded in at once.
var avgTTLFactor = [16]float64{0.98, 0.9604, 0.941192, 0.922368, 0.903921, 0.885842, 0.868126, 0.850763,
	0.833748, 0.817073, 0.800731, 0.784717, 0.769022, 0.753642, 0.738569, 0.723798}

// expireCycleType says which of the two cycles runs.
type expireCycleType int

const (
	expireCycleSlow expireCycleType = iota // from the cron
	expireCycleFast                        // from BeforeSleep
)

// expireJob is one of the cycle's two jobs.
type expireJob int

const (
	expireJobKeys   expireJob = iota // keys with a time to live
	expireJobFields                  // hash fields with a time to live
)

// expireJobState is what a job carries from one cycle to the next.
type expireJobState struct {
	currentDB     int  // the database the job's next call starts with
	timelimitExit bool // the job's previous call ran out of time
}

// expireState is active expiry's state that persists across cron calls.
type expireState struct {
	disabled    bool              // DEBUG SET-ACTIVE-EXPIRE 0 (Valkey's active_expire_enabled, inverted)
	jobs        [2]expireJobState // by expireJob
	fieldsFirst bool              // the next cycle starts with the field job
	lastFastNs  int64             // when the last fast cycle started, on st.now's clock
	usedUsRem   int64             // microseconds spent not yet counted in Stats.ExpireCycleCPUMs
	resizeDB    int               // databasesCron's round-robin positions
	rehashDB    int

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

	// moreFields is a hash the field job left with expired fields still
	// in it (it reclaims a bounded number per visit); the job's next round
	// in that database starts there, as Valkey's holds its cursor.
	moreFields   []byte
	moreFieldsDB *DB
	fieldKey     []byte // the field job's current key, reused from visit to visit

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

// resetExpireStats zeroes what CONFIG RESETSTAT zeroes of expiry's
// counters kept outside Stats: the field counter and estimate, and the
// cycle time not yet counted in whole milliseconds.
func (s *Server) resetExpireStats() {
	s.hash.ExpiredFields, s.hash.StalePerc = 0, 0
	s.expire.usedUsRem = 0
}

// activeExpireOn reports whether this server expires keys actively: not
// when DEBUG SET-ACTIVE-EXPIRE turned it off, not on a replica (its
// primary sends the deletes), and not in import-mode (keys being imported
// expire only when the importer says).
func (s *Server) activeExpireOn() bool {
	return !s.expire.disabled && s.Cfg.ReplicaOfHost == "" && !s.importMode()
}

// databasesCron is the cron's per-database work, as Valkey's: the slow
// active expiry cycle, then resizing tables that stopped being written
// and, with activerehashing, moving incremental rehashes along for 1% of
// the period.
func (s *Server) databasesCron(nowMs int64) {
	if s.activeExpireOn() {
		s.activeExpireCycle(expireCycleSlow, nowMs)
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

// fastCycleWanted reports whether a job would run in a fast cycle: its
// previous call ran out of time, or its stale estimate is above the
// acceptable level. Valkey compares the estimate, a fraction, with the
// level in percent, so in practice only the time limit starts a fast
// cycle; the same comparison here keeps the same rate of fast cycles.
func (s *Server) fastCycleWanted(job expireJob, acceptable int) bool {
	return s.expire.jobs[job].timelimitExit || s.expireStalePerc(job) >= float64(acceptable)
}

// expireStalePerc is the job's running stale estimate, a fraction.
func (s *Server) expireStalePerc(job expireJob) float64 {
	if job == expireJobFields {
		return s.hash.StalePerc
	}
	return s.Stats.ExpiredStalePerc
}

func (s *Server) setExpireStalePerc(job expireJob, v float64) {
	if job == expireJobFields {
		s.hash.StalePerc = v
	} else {
		s.Stats.ExpiredStalePerc = v
	}
}

// activeExpireCycle runs both jobs within one cycle's time budget, the
// order alternating from one cycle to the next.
func (s *Server) activeExpireCycle(typ expireCycleType, nowMs int64) {
	if s.ActionsPaused(PauseExpire) != 0 {
		return
	}
	st := &s.expire
	effort := s.activeExpireEffort()
	var limitUs int64
	if typ == expireCycleFast {
		dur := int64(activeExpireFastDurationUs + activeExpireFastDurationUs/4*effort)
		start := st.now()
		if start < st.lastFastNs+2*dur*1000 {
			return // not again before twice its own length has passed
		}
		st.lastFastNs = start
		limitUs = dur
	} else {
		hz := int64(max(s.Cfg.Hz, 1))
		limitUs = int64(activeExpireSlowTimePerc+2*effort) * 1_000_000 / hz / 100
	}
	first, second := expireJobKeys, expireJobFields
	if st.fieldsFirst {
		first, second = second, first
	}
	limitNs := limitUs * 1000
	elapsed := s.activeExpireJob(first, typ, nowMs, effort, limitNs)
	elapsed += s.activeExpireJob(second, typ, nowMs, effort, limitNs-elapsed)
	st.fieldsFirst = !st.fieldsFirst

	elapsedUs := elapsed / 1000
	st.usedUsRem += elapsedUs
	s.Stats.ExpireCycleCPUMs += st.usedUsRem / 1000
	st.usedUsRem %= 1000
	s.LatencyAddSampleIfNeeded("expire-cycle", elapsedUs)
}

// activeExpireJob runs one job with limitNs of time, and returns the
// nanoseconds it took.
func (s *Server) activeExpireJob(job expireJob, typ expireCycleType, nowMs int64, effort int, limitNs int64) int64 {
	if limitNs <= 0 {
		return 0
	}
	st := &s.expire
	js := &st.jobs[job]
	acceptable := activeExpireAcceptableStale - effort
	if typ == expireCycleFast && !s.fastCycleWanted(job, acceptable) {
		return 0
	}
	if job == expireJobFields && len(s.hash.volatile) == 0 {
		// Nothing to sample: the estimate decays without a clock read.
		js.timelimitExit = false
		s.hash.StalePerc *= activeExpireStalePercDecay
		return 0
	}
	start := st.now()
	dbsPerCall := cronDBsPerCall
	if dbsPerCall > len(s.dbs) || js.timelimitExit {
		dbsPerCall = len(s.dbs)
	}
	js.timelimitExit = false

	var sampled, expired int64
	if job == expireJobKeys {
		sampled, expired = s.expireKeysJob(js, nowMs, effort, dbsPerCall, start, limitNs)
	} else {
		sampled, expired = s.expireFieldsJob(js, nowMs, effort, dbsPerCall, start, limitNs)
	}
	cur := 0.0
	if sampled > 0 {
		cur = float64(expired) / float64(sampled)
	}
	s.setExpireStalePerc(job, cur*activeExpireStalePercCurrent+s.expireStalePerc(job)*activeExpireStalePercDecay)
	return st.now() - start
}

// timeUp ends a job's call when its budget is spent.
func (s *Server) timeUp(js *expireJobState, start, limitNs int64) bool {
	if s.expire.now()-start > limitNs {
		js.timelimitExit = true
		s.Stats.ExpiredTimeCapReached++
		return true
	}
	return false
}

// expireKeysJob is the key job: it visits up to dbsPerCall databases
// with volatile keys until limitNs has passed since start, and reports
// how many keys it sampled and how many of them had expired.
func (s *Server) expireKeysJob(js *expireJobState, nowMs int64, effort, dbsPerCall int, start, limitNs int64) (totalSampled, totalExpired int64) {
	st := &s.expire
	acceptableStale := int64(activeExpireAcceptableStale - effort)
	perLoop := activeExpireKeysPerLoop + activeExpireKeysPerLoop/4*effort

	iteration := 0
	performed := 0
	for j := 0; performed < dbsPerCall && !js.timelimitExit && j < len(s.dbs); j++ {
		// Move on first, so a database that uses up the time does not
		// get the next call's first turn as well.
		db := s.dbs[js.currentDB%len(s.dbs)]
		js.currentDB++
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
			if s.timeUp(js, start, limitNs) || !repeat {
				break
			}
		}
	}
	return totalSampled, totalExpired
}

// expireFieldsJob is the field job: per database it samples hashes with
// volatile fields (a Go map's iteration order is its random sample) and
// reclaims up to 80 expired fields from each, until limitNs has passed
// since start. It reports how many hash visits it made and how many of
// them reclaimed something.
func (s *Server) expireFieldsJob(js *expireJobState, nowMs int64, effort, dbsPerCall int, start, limitNs int64) (totalSampled, totalExpired int64) {
	hs := &s.hash
	// A registry left behind by FLUSHDB (which replaces the table) or
	// emptied goes.
	for t, r := range hs.volatile {
		if len(r) == 0 || !s.ownsTable(t) {
			delete(hs.volatile, t)
		}
	}
	acceptable := int64(activeExpireAcceptableStale - effort)
	perLoop := activeExpireKeysPerLoop + activeExpireKeysPerLoop/4*effort
	maxFields := perLoop * activeExpireFieldsPerKey
	performed := 0
	for j := 0; performed < dbsPerCall && !js.timelimitExit && j < len(s.dbs); j++ {
		db := s.dbs[js.currentDB%len(s.dbs)]
		js.currentDB++
		reg := hs.volatile[db.keys]
		if len(reg) == 0 {
			continue
		}
		performed++
		for len(reg) > 0 {
			sampled, expired := s.expireFieldsRound(db, reg, nowMs, min(len(reg), perLoop), maxFields)
			totalSampled += sampled
			totalExpired += expired
			repeat := sampled == 0 || expired*100/sampled > acceptable
			if s.timeUp(js, start, limitNs) || !repeat {
				break
			}
		}
	}
	return totalSampled, totalExpired
}

// ownsTable reports whether t is the main table of one of the databases.
func (s *Server) ownsTable(t *keyspace.Table) bool {
	for _, db := range s.dbs {
		if db.keys == t {
			return true
		}
	}
	return false
}

// expireFieldsRound makes n hash visits in reg, reclaiming up to
// maxFields expired fields per visit, and reports the visits and how many
// reclaimed something. A hash with more to reclaim is visited again,
// first in this round and, if the round ends, first in the next.
func (s *Server) expireFieldsRound(db *DB, reg map[string]*hashObj, nowMs int64, n, maxFields int) (sampled, expired int64) {
	visit := func(key []byte, h *hashObj) {
		x, empty := s.expireHashFields(db, reg, key, h, nowMs, int64(n)-sampled, maxFields)
		sampled += x + empty
		expired += x
	}
	st := &s.expire
	if len(st.moreFields) > 0 {
		key := st.moreFields
		st.moreFields = st.moreFields[:0]
		if h := reg[string(key)]; h != nil && st.moreFieldsDB == db {
			visit(key, h)
		}
	}
	for key, h := range reg {
		if sampled >= int64(n) {
			break
		}
		// expireHashFields copies what it keeps, so one buffer serves
		// every visit.
		st.fieldKey = append(st.fieldKey[:0], key...)
		visit(st.fieldKey, h)
	}
	return sampled, expired
}

// reclaimHashFields deletes up to maxFields expired fields of the hash h
// at key, and the key if it empties, returning how many fields it deleted.
func (s *Server) reclaimHashFields(db *DB, reg map[string]*hashObj, key []byte, h *hashObj, nowMs int64, maxFields int) int {
	hdel := s.newPropBatch(db.ID, argHDEL, key) // the fields, then the key if it empties
	got := h.reclaimNamed(nowMs, maxFields, hdel)
	hdel.flush()
	if got == 0 {
		return 0
	}
	s.hash.ExpiredFields += int64(got)
	if h.nvol == 0 {
		delete(reg, string(key))
	}
	s.notifyKeyspaceEvent(config.NotifyExpired, "hexpired", key, db.ID)
	if h.n == 0 {
		db.Delete(key)
		s.propagateDeletion(db.ID, key, s.Cfg.LazyfreeLazyExpire)
		s.notifyKeyspaceEvent(config.NotifyGeneric, "del", key, db.ID)
	}
	s.keyModified(db, key)
	return got
}

// expireHashFields visits the hash h at key up to visits times, each
// visit reclaiming up to maxFields expired fields, while each finds a full
// batch. It returns the visits that reclaimed something and 1 more if the
// last one found nothing. A hash left with expired fields when the visits
// run out is remembered for the next round.
func (s *Server) expireHashFields(db *DB, reg map[string]*hashObj, key []byte, h *hashObj, nowMs, visits int64, maxFields int) (reclaimed, empty int64) {
	// For writing: a background save must capture h before it changes.
	if e, ok := db.keys.GetForWrite(key); !ok || e.Obj() != any(h) {
		delete(reg, string(key)) // defensive: the index missed a change
		return 0, 1
	}
	for reclaimed < visits {
		// A visit is an execution unit: its HDEL and the key's deletion
		// when it empties go out together, in MULTI/EXEC, as Valkey's
		// dbReclaimExpiredFields propagates them.
		s.enterUnit()
		got := s.reclaimHashFields(db, reg, key, h, nowMs, maxFields)
		s.exitUnit()
		if got == 0 {
			return reclaimed, 1
		}
		reclaimed++
		if h.n == 0 || got < maxFields {
			return reclaimed, 0
		}
	}
	// Out of visits with a full batch just reclaimed: likely more.
	st := &s.expire
	st.moreFields = append(st.moreFields[:0], key...)
	st.moreFieldsDB = db
	return reclaimed, 0
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
