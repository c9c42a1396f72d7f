package engine

import (
	"math"
	"runtime/metrics"

	"github.com/volleydb/volley/engine/config"
	"github.com/volleydb/volley/engine/keyspace"
)

// maxmemory: eviction, and the OOM error for commands that would grow the
// dataset when nothing more can be evicted.
//
// Before each command, with maxmemory set, the server measures the memory
// eviction counts and, while it is over the limit, deletes keys the
// policy picks until the estimate of what it freed covers the excess, or
// until maxmemory-eviction-tenacity's time runs out (the rest is evicted
// before the next commands and between batches, as Valkey's eviction time
// proc does). A deny-oom command is refused only when the policy forbids
// eviction or nothing is left to evict.
//
// What counts. Valkey counts what its allocator has handed out; a freed
// value stops counting at once. Here the keyspace's records live in
// arenas whose live bytes are exact counters, so a string key's memory
// leaves the count when the key is deleted. The Go heap (the large
// encodings of collections, client buffers) is another matter: its
// object count includes garbage the collector has not reclaimed yet,
// which would make eviction delete live keys to pay for garbage. So the
// heap counts as what the last collection found live, and an evicted
// key's heap part (its MEMORY USAGE estimate) is subtracted until a
// later collection has had the chance to free it. Between collections
// the heap may grow past that figure by what GOGC allows, and the
// GOMEMLIMIT the server sets from maxmemory bounds that growth.
//
// The pick follows Valkey's evict.c: LRU, LFU and volatile-ttl sample
// maxmemory-samples keys of every database into a pool of the best
// candidates that lasts across passes, and evict the best of the pool
// still present; the random policies take a random key, visiting the
// databases in turn.

// evictPoolSize is the candidates the pool keeps (EVPOOL_SIZE).
const evictPoolSize = 16

// heapReadIntervalNs is how old the heap figures may be: reading the
// runtime's metrics costs a few hundred ns, too much for every command,
// and the heap part only changes at a collection.
const heapReadIntervalNs = 1_000_000

// evictSizeSamples is how many elements of a collection the estimate of
// an evicted key's size samples (MEMORY USAGE's default).
const evictSizeSamples = 5

// evictResult is the outcome of performEvictions.
type evictResult uint8

const (
	evictOK      evictResult = iota // under the limit, or evicted down to it
	evictRunning                    // over it still; eviction goes on between commands
	evictFail                       // over it, and nothing (more) may be evicted
)

// evictCandidate is one key in the pool: the higher idle, the better.
type evictCandidate struct {
	key  []byte // a copy; the buffer is reused
	idle uint64
	db   int
	set  bool
}

// evictState is the server's maxmemory bookkeeping.
type evictState struct {
	// preCommandOOM is whether the eviction before the last command left
	// memory over the limit (pre_command_oom_state): a script run judges
	// OOM by it, so that what the script itself uses does not count.
	preCommandOOM bool

	pool    [evictPoolSize]evictCandidate
	samples []keyspace.Entry
	nextDB  int // where the random policies look first

	metrics  []metrics.Sample // live heap, stacks, collections
	readAt   int64            // monotonic ns of the last read, 0 for never
	heapLive uint64           // heap bytes live at the last collection
	stacks   uint64
	gcCycles uint64

	// The heap bytes of evicted keys, by the collection count seen when
	// they were evicted: pendCur since the count last moved, pendPrev
	// before that (a collection in progress may still have found them
	// live).
	pendCur, pendPrev uint64

	gcSeenAt   int64 // monotonic ns when a completed collection was first seen
	gcForcedAt int64 // monotonic ns when eviction last started a collection
	gcMinGapNs int64 // the least time between forced collections; 0 for 100 ms (tests raise it)

	running       bool  // the last pass stopped at its time limit with memory still over
	exceededSince int64 // monotonic ns since memory has been over the limit, 0 when under
	exceededTotal int64 // ns spent over the limit in ended periods
}

var evictMetrics = [...]string{
	"/gc/heap/live:bytes",
	"/memory/classes/heap/stacks:bytes",
	"/memory/classes/os-stacks:bytes",
	"/gc/cycles/total:gc-cycles",
	"/memory/classes/heap/objects:bytes",
}

// readHeap refreshes the heap figures if they are older than
// heapReadIntervalNs (or force), and retires the pending bytes of
// evictions a completed collection has had the chance to free.
func (ev *evictState) readHeap(now int64, force bool) {
	if !force && ev.readAt != 0 && now-ev.readAt < heapReadIntervalNs {
		return
	}
	if ev.metrics == nil {
		ev.metrics = make([]metrics.Sample, len(evictMetrics))
		for i, name := range evictMetrics {
			ev.metrics[i].Name = name
		}
	}
	ev.readAt = now
	metrics.Read(ev.metrics)
	v := func(i int) uint64 { return sampleUint64(ev.metrics, i) }
	cycles := v(3)
	ev.heapLive, ev.stacks = v(0), v(1)+v(2)
	if cycles == 0 {
		ev.heapLive = v(4) // no collection yet: what is allocated
	}
	switch cycles {
	case ev.gcCycles:
		return
	case ev.gcCycles + 1:
		ev.pendPrev, ev.pendCur = ev.pendCur, 0
	default:
		ev.pendPrev, ev.pendCur = 0, 0
	}
	ev.gcCycles = cycles
	ev.gcSeenAt = now
}

// staleHeap reports whether the heap figures are too old to evict on:
// no collection has completed for a while, or heap memory is known to
// have been let go of since the last one (FreedHeap), so memory it found
// live (a burst of client buffers since freed) may be gone. It then
// starts a collection, on its own goroutine so the loop goes on serving,
// and eviction waits for its figures. How often it may do that grows
// with the heap, so that a large heap is not marked again and again: at
// least 100 ms apart, and 1 s per GB of live heap. A collection that
// runs long stops holding eviction back once memory is an eighth over
// the limit.
func (s *Server) staleHeap(now int64, used uint64) bool {
	ev := &s.evict
	if s.gc.running() {
		return used <= s.Cfg.MaxMemory+s.Cfg.MaxMemory/8
	}
	gap := ev.gcMinGapNs
	if gap == 0 {
		gap = 100e6
	}
	interval := max(gap, int64(ev.heapLive)) // ns: 1 ns per byte is 1 s per GB
	if now-ev.gcForcedAt < interval {
		return false
	}
	if now-ev.gcSeenAt < interval && ev.pendCur+ev.pendPrev == 0 {
		return false // recent figures, and nothing known freed since
	}
	ev.gcForcedAt = now
	s.gc.request(nil)
	return true
}

// usedMemory is used_memory, the memory maxmemory is compared with (see
// the top of this file), with heap figures at most heapReadIntervalNs
// old unless fresh.
func (s *Server) usedMemory(fresh bool) uint64 {
	ev := &s.evict
	// A collection eviction started has ended but is not in the figures
	// yet: they are what eviction waited for.
	fresh = fresh || ev.gcSeenAt < ev.gcForcedAt && !s.gc.running()
	ev.readHeap(s.monoNow(), fresh)
	used := ev.heapLive + ev.stacks
	for _, db := range s.dbs {
		used += uint64(db.arena.OffHeapLive())
	}
	pending := ev.pendCur + ev.pendPrev
	if pending >= used {
		return 0
	}
	return used - pending
}

// safeToEvict is isSafeToPerformEvictions: not on a replica that leaves
// eviction to its primary, not while eviction is paused.
func (s *Server) safeToEvict() bool {
	if s.Cfg.ReplicaOfHost != "" && s.Cfg.ReplicaIgnoreMaxmemory {
		return false
	}
	return s.ActionsPaused(PauseEvict) == 0
}

// evictionTimeLimitNs is how long one pass may evict, from
// maxmemory-eviction-tenacity: 50 us a step up to 10 (500 us), then 15%
// more a step, and no limit at 100.
func evictionTimeLimitNs(tenacity int) int64 {
	switch {
	case tenacity <= 10:
		return int64(tenacity) * 50_000
	case tenacity < 100:
		return int64(500_000 * math.Pow(1.15, float64(tenacity-10)))
	}
	return math.MaxInt64
}

// oomRejects runs the eviction a command is preceded by under maxmemory
// and reports whether a command with the given flags (the dispatcher's
// judgement: a script's declared ones, EXEC's queued commands') must be
// refused with ErrOOM: memory is still over the limit, nothing may be
// evicted, and the command may grow the dataset.
func (s *Server) oomRejects(flags Flags) bool {
	oom := s.performEvictions() == evictFail
	s.evict.preCommandOOM = oom
	return oom && flags&FlagDenyOOM != 0
}

// performEvictions evicts keys until the memory counted is back under
// maxmemory or the pass's time is up (Valkey's performEvictions).
func (s *Server) performEvictions() evictResult {
	ev := &s.evict
	if !s.safeToEvict() {
		return evictOK
	}
	result := s.evictPass()
	ev.running = result == evictRunning
	// The clock is read only when the over-the-limit period starts or
	// ends, not for every command under the limit.
	if over := result != evictOK; over != (ev.exceededSince != 0) {
		now := s.mono.now()
		if over {
			ev.exceededSince = now
		} else {
			ev.exceededTotal += now - ev.exceededSince
			ev.exceededSince = 0
		}
	}
	return result
}

// evictPass is one pass of performEvictions.
func (s *Server) evictPass() evictResult {
	limit := s.Cfg.MaxMemory
	used := s.usedMemory(false)
	if used <= limit {
		return evictOK
	}
	start := s.mono.now()
	if s.staleHeap(start, used) {
		return evictRunning
	}
	if s.Cfg.MaxMemoryPolicy == config.NoEviction || (s.Cfg.ReplicaOfHost == "" && s.importMode()) {
		return evictFail // the policy forbids it, or a primary is importing
	}
	tofree := used - limit
	deadline := start + min(evictionTimeLimitNs(s.Cfg.MaxMemoryEvictionTenacity), math.MaxInt64-start)
	// Each deletion is timed only for the latency monitor, as Valkey's
	// latencyStartMonitor reads no clock while the monitor is off.
	monitor := s.Cfg.LatencyMonitorThreshold > 0
	var freed uint64
	result := evictOK
	for keys := 1; freed < tofree; keys++ {
		db, key := s.evictionCandidate()
		if db == nil {
			result = evictFail
			break
		}
		var delStart int64
		if monitor {
			delStart = s.mono.now()
		}
		freed += s.evictKey(db, key)
		if monitor {
			s.LatencyAddSampleIfNeeded("eviction-del", (s.mono.now()-delStart)/1000)
		}
		if keys%16 == 0 && s.mono.now() > deadline {
			result = evictRunning
			break
		}
	}
	if monitor {
		s.LatencyAddSampleIfNeeded("eviction-cycle", (s.mono.now()-start)/1000)
	}
	return result
}

// FreedHeap tells eviction that n bytes of the Go heap were let go of
// (a closing client's buffers, a deleted collection): the last
// collection counted them live, and until the next one has run they are
// subtracted, as an evicted key's are.
func (s *Server) FreedHeap(n int) {
	if s.Cfg.MaxMemory != 0 && n > 0 {
		s.evict.pendCur += uint64(n)
	}
}

// objectDropped is the keyspace arenas' drop hook: a value object that
// leaves the keyspace (deleted, evicted, expired, overwritten) is heap
// the last collection counted live, and counts as freed (FreedHeap) by
// its MEMORY USAGE estimate.
func (s *Server) objectDropped(obj any) {
	if o, ok := obj.(Object); ok && s.Cfg.MaxMemory != 0 {
		s.evict.pendCur += uint64(max(o.MemUsage(evictSizeSamples), 0))
	}
}

// evictKey deletes key from db as an eviction (the "evicted" event,
// evicted_keys) and returns the bytes that frees: the arena's share at
// once, the heap's share once the collector has run.
func (s *Server) evictKey(db *DB, key []byte) uint64 {
	arena, heap := db.arena.OffHeapLive(), s.evict.pendCur
	if !db.Delete(key) { // objectDropped adds the value's heap to pendCur
		return 0
	}
	freed := uint64(max(arena-db.arena.OffHeapLive(), 0)) + s.evict.pendCur - heap
	s.Stats.EvictedKeys++
	s.keyModified(db, key)
	s.notifyKeyspaceEvent(config.NotifyEvicted, "evicted", key, db.ID)
	s.propagateDeletion(db.ID, key, s.Cfg.LazyfreeLazyEviction)
	return freed
}

// evictionCandidate picks the key to evict next under the policy, or
// returns a nil db if there is none. key is valid until the next call.
func (s *Server) evictionCandidate() (*DB, []byte) {
	switch s.Cfg.MaxMemoryPolicy {
	case config.AllKeysRandom, config.VolatileRandom:
		return s.randomCandidate()
	}
	return s.poolCandidate()
}

// evictFromAll reports whether the policy evicts among all keys rather
// than among those with a time to live.
func (s *Server) evictFromAll() bool {
	switch s.Cfg.MaxMemoryPolicy {
	case config.AllKeysLRU, config.AllKeysLFU, config.AllKeysRandom:
		return true
	}
	return false
}

// evictTable is the table of db the policy samples.
func (s *Server) evictTable(db *DB) *keyspace.Table {
	if s.evictFromAll() {
		return db.keys
	}
	return db.expires
}

// randomCandidate is a random key of the next database that has one.
func (s *Server) randomCandidate() (*DB, []byte) {
	ev := &s.evict
	for range s.dbs {
		ev.nextDB = (ev.nextDB + 1) % len(s.dbs)
		db := s.dbs[ev.nextDB]
		if e, ok := s.evictTable(db).Random(); ok {
			return db, e.Key()
		}
	}
	return nil, nil
}

// poolCandidate fills the pool with samples of every database until it
// holds a key that still exists, and takes the best such key out of it.
func (s *Server) poolCandidate() (*DB, []byte) {
	ev := &s.evict
	for {
		total := 0
		for _, db := range s.dbs {
			t := s.evictTable(db)
			if t.Len() == 0 {
				continue
			}
			total += t.Len()
			s.populatePool(db, t)
		}
		if total == 0 {
			return nil, nil
		}
		for k := evictPoolSize - 1; k >= 0; k-- {
			cand := &ev.pool[k]
			if !cand.set {
				continue
			}
			cand.set = false
			db := s.dbs[cand.db]
			t := s.evictTable(db)
			if _, ok := t.PeekHashed(cand.key, t.Hash(cand.key)); ok {
				return db, cand.key
			}
			// A ghost: deleted since it was sampled. Try the next.
		}
	}
}

// populatePool samples maxmemory-samples keys of t, db's table the
// policy evicts from, into the pool (evictionPoolPopulate).
func (s *Server) populatePool(db *DB, t *keyspace.Table) {
	ev := &s.evict
	n := s.Cfg.MaxMemorySamples
	if cap(ev.samples) < n {
		ev.samples = make([]keyspace.Entry, n)
	}
	got := t.Sample(ev.samples[:n])
	for _, e := range ev.samples[:got] {
		idle, ok := s.evictionIdle(db, e)
		if ok {
			ev.insert(e.Key(), idle, db.ID)
		}
	}
	clear(ev.samples[:got])
}

// evictionIdle is how strongly e, sampled from the policy's table of db,
// asks to be evicted: its idle time (LRU), 255 minus its decayed counter
// (LFU), or how soon it expires (volatile-ttl). ok is false if a volatile
// policy's sample has no main entry.
func (s *Server) evictionIdle(db *DB, e keyspace.Entry) (uint64, bool) {
	policy := s.Cfg.MaxMemoryPolicy
	if policy == config.VolatileTTL {
		return math.MaxUint64 - uint64(e.Expire()), true
	}
	if !s.evictFromAll() {
		main, ok := db.keys.PeekHashed(e.Key(), db.keys.Hash(e.Key()))
		if !ok {
			return 0, false
		}
		e = main
	}
	if policy == config.AllKeysLFU || policy == config.VolatileLFU {
		return 255 - uint64(s.lfuDecr(e)), true
	}
	return uint64(s.idleMs(e)), true
}

// insert puts key in the pool, kept in ascending order of idle, if it is
// better than the worst candidate or there is room; a full pool drops its
// worst (first) candidate.
func (ev *evictState) insert(key []byte, idle uint64, db int) {
	pool := &ev.pool
	k := 0
	for k < evictPoolSize && pool[k].set && pool[k].idle < idle {
		k++
	}
	switch {
	case k == 0 && pool[evictPoolSize-1].set:
		return // worse than every candidate of a full pool
	case k < evictPoolSize && !pool[k].set:
		// A free slot at k: the candidates end there.
	case !pool[evictPoolSize-1].set:
		// Room at the end: shift k.. right, reusing the last slot's buffer.
		spare := pool[evictPoolSize-1].key
		copy(pool[k+1:], pool[k:evictPoolSize-1])
		pool[k].key = spare
	default:
		// Full: drop the first (worst) and shift ..k-1 left.
		k--
		spare := pool[0].key
		copy(pool[:k], pool[1:k+1])
		pool[k].key = spare
	}
	c := &pool[k]
	c.key = append(c.key[:0], key...)
	c.idle, c.db, c.set = idle, db, true
}

// maxmemoryChanged is CONFIG SET maxmemory's hook: it warns when the new
// limit is under the memory in use, and starts evicting down to it
// between batches, commands or not (Valkey's updateMaxmemory).
func (s *Server) maxmemoryChanged() {
	if s.Cfg.MaxMemory == 0 {
		s.evict.running = false
		return
	}
	if used := s.usedMemory(false); s.Cfg.MaxMemory < used {
		s.Log.Warningf("WARNING: the new maxmemory value set via CONFIG SET (%d) is smaller than the current memory usage (%d). This will result in key eviction and/or the inability to accept new write commands depending on the maxmemory-policy.", s.Cfg.MaxMemory, used)
	}
	s.evict.running = true
}

// EvictionRunning reports whether an eviction pass stopped at its time
// limit with memory still over maxmemory (or CONFIG SET maxmemory asked
// for one): BeforeSleep runs the next pass.
func (s *Server) EvictionRunning() bool { return s.evict.running }

// evictionExceededMs is INFO's total_eviction_exceeded_time and
// current_eviction_exceeded_time, in milliseconds.
func (s *Server) evictionExceededMs() (total, current int64) {
	ev := &s.evict
	total = ev.exceededTotal
	if ev.exceededSince != 0 {
		current = s.mono.now() - ev.exceededSince
		total += current
	}
	return total / 1e6, current / 1e6
}
