package engine

import (
	"hash/maphash"

	"github.com/volleydb/volley/engine/config"
	"github.com/volleydb/volley/engine/keyspace"
)

// DB is one numbered database: a main table of keys and values and an
// expires table that indexes the keys with a time to live, for the active
// expiry cycle and INFO keyspace. The authoritative expiry is the one in
// the main record, so a read needs one lookup; the expires table holds the
// same time and is kept in step by every method here. Both tables live in
// one Arena of the database's own, so FLUSHDB ASYNC can drop the whole
// database's memory on another goroutine, and SWAPDB swaps whole contents.
//
// Commands never touch the tables directly: they go through these methods,
// which apply Valkey's rules for lazy expiry, access times, statistics and
// the expires index.
type DB struct {
	ID      int
	srv     *Server
	arena   *keyspace.Arena
	keys    *keyspace.Table
	expires *keyspace.Table // key -> expiry time (records without value bytes)

	// Active expiry's state (expire.go).
	expireCursor uint64
	avgTTL       int64 // running average of sampled TTLs, INFO keyspace avg_ttl

	watched map[string][]*watchedKey // WATCH: key -> the clients watching it (multi.go); stays with the ID across SWAPDB

	// selected: a client has used the database (SELECT, or MOVE, COPY or
	// SWAPDB naming it). Valkey creates a database on first use and MEMORY
	// STATS lists it from then on, keys or not.
	selected bool
}

func newDB(s *Server, id int, seed maphash.Seed) *DB {
	db := &DB{ID: id, srv: s}
	db.reset(seed)
	return db
}

// reset gives the database a fresh, empty arena and tables.
func (db *DB) reset(seed maphash.Seed) {
	db.arena = keyspace.NewArena()
	db.arena.SetLargeRecord(db.srv.largeRecord())
	db.arena.SetDropHook(db.srv.objectDropped)
	db.keys = keyspace.NewIn(db.arena, seed)
	db.expires = keyspace.NewIn(db.arena, seed)
	db.expireCursor = 0
	db.avgTTL = 0
}

// Len is the number of keys, DBSIZE, including keys that have expired but
// not yet been reclaimed (as in Valkey).
func (db *DB) Len() int { return db.keys.Len() }

// ExpiresLen is the number of keys with a time to live.
func (db *DB) ExpiresLen() int { return db.expires.Len() }

// Keys is the main table, for iteration (KEYS, SCAN, RANDOMKEY, snapshots).
// Writes go through DB's methods.
func (db *DB) Keys() *keyspace.Table { return db.keys }

// Expires is the expires index, for the active expiry cycle.
func (db *DB) Expires() *keyspace.Table { return db.expires }

// Arena is the memory both tables live in.
func (db *DB) Arena() *keyspace.Arena { return db.arena }

// Lookup flags, as Valkey's LOOKUP_* flags.
type lookupFlags uint8

const (
	lookupWrite    lookupFlags = 1 << iota // about to write: counts no hit or miss
	lookupNoTouch                          // leave the access time alone (OBJECT, TYPE, TTL...)
	lookupNoStats                          // count no hit or miss
	lookupNoNotify                         // send no keymiss event
	lookupNoExpire                         // report an expired key missing without deleting it
)

// Lookup finds key for a read, as Valkey's lookupKeyRead: an expired key is
// deleted and reported missing; a found key's access time is updated; the
// keyspace hit and miss counters move.
func (db *DB) Lookup(key []byte) (keyspace.Entry, bool) {
	return db.lookup(key, db.keys.Hash(key), 0)
}

// LookupWrite finds key for a command about to change it or replace it, as
// lookupKeyWrite: like Lookup without the statistics, and the entry is
// captured by a running snapshot before the caller changes it in place.
func (db *DB) LookupWrite(key []byte) (keyspace.Entry, bool) {
	return db.lookup(key, db.keys.Hash(key), lookupWrite)
}

// LookupFlags is Lookup with Valkey's lookup flags.
func (db *DB) LookupFlags(key []byte, f lookupFlags) (keyspace.Entry, bool) {
	return db.lookup(key, db.keys.Hash(key), f)
}

// Hash is the hash the main table uses for key, for the batch executor to
// compute once and prefetch with.
func (db *DB) Hash(key []byte) uint64 { return db.keys.Hash(key) }

// LookupHashed is LookupFlags with the hash already computed.
func (db *DB) LookupHashed(key []byte, h uint64, f lookupFlags) (keyspace.Entry, bool) {
	return db.lookup(key, h, f)
}

func (db *DB) lookup(key []byte, h uint64, f lookupFlags) (keyspace.Entry, bool) {
	var e keyspace.Entry
	var ok bool
	if f&lookupWrite != 0 {
		e, ok = db.keys.GetForWriteHashed(key, h)
	} else {
		e, ok = db.keys.GetHashed(key, h)
	}
	s := db.srv
	if ok {
		if at := e.Expire(); at != 0 && s.Now() > at {
			switch s.expirePolicy(f) {
			case expireDelete:
				db.expireKey(key, h)
				ok = false
			case expireKeep:
				ok = false
			}
		}
	}
	if ok {
		if f&lookupNoTouch == 0 && !s.noTouch() {
			s.touch(e)
		}
		if f&(lookupNoStats|lookupWrite) == 0 {
			s.Stats.KeyspaceHits++
		}
		return e, true
	}
	if f&(lookupNoNotify|lookupWrite) == 0 {
		s.notifyKeyspaceEvent(config.NotifyKeyMiss, "keymiss", key, db.ID)
	}
	if f&(lookupNoStats|lookupWrite) == 0 {
		s.Stats.KeyspaceMisses++
	}
	return keyspace.Entry{}, false
}

// What a lookup does with a key it finds expired (Valkey's
// getExpirationPolicyWithFlags).
const (
	expireDelete = iota // delete it and report it missing
	expireKeep          // report it missing but leave it in place
	expireIgnore        // treat it as valid
)

// expirePolicy decides, for a lookup with flags f of an expired key, as
// Valkey does: a replica leaves expiry to its primary (whose own commands
// see every key), and so does a primary in import-mode (whose import
// source sees every key) unless the lookup is for a write; a
// lookupNoExpire lookup or a CLIENT PAUSE of expiry keep the key too.
func (s *Server) expirePolicy(f lookupFlags) int {
	c := s.current
	switch {
	case s.loading:
		return expireIgnore // a file being loaded is replayed as it was written
	case s.Cfg.ReplicaOfHost != "":
		if c != nil && c.Flags&ClientPrimary != 0 {
			return expireIgnore
		}
		if f&lookupWrite == 0 {
			return expireKeep
		}
	case s.importMode():
		if c != nil && c.Flags&ClientImportSource != 0 {
			return expireIgnore
		}
		if f&lookupWrite == 0 {
			return expireKeep
		}
	}
	if f&lookupNoExpire != 0 || s.ActionsPaused(PauseExpire) != 0 {
		return expireKeep
	}
	return expireDelete
}

// importMode reports whether import-mode is on.
func (s *Server) importMode() bool { return s.Cfg.ImportMode }

// noTouch reports whether the executing client asked with CLIENT NO-TOUCH
// that its reads leave access times alone. TOUCH itself still touches,
// also when a script the client runs calls it.
func (s *Server) noTouch() bool {
	c := s.current
	if c == nil || c.Flags&ClientNoTouch == 0 {
		return false
	}
	cmd := c.Cmd
	if run := s.script.running; run != nil && run.sc != nil {
		cmd = run.sc.Cmd // the command the script is running
	}
	return cmd == nil || cmd.Name != "touch"
}

// expireKey deletes key, found expired by a lookup or the active cycle, and
// accounts for it: expired_keys, the "expired" event.
func (db *DB) expireKey(key []byte, h uint64) {
	s := db.srv
	db.keys.DeleteHashed(key, h)
	db.expires.Delete(key)
	db.hashRemoved(key)
	s.Stats.ExpiredKeys++
	s.notifyKeyspaceEvent(config.NotifyExpired, "expired", key, db.ID)
	s.keyModified(db, key)
	s.propagateDeletion(db.ID, key, s.Cfg.LazyfreeLazyExpire)
}

// Exists reports whether key exists and has not expired, without touching
// it or counting a hit (EXISTS counts; see lookup flags).
func (db *DB) Exists(key []byte) bool {
	_, ok := db.lookup(key, db.keys.Hash(key), lookupNoTouch|lookupNoStats|lookupNoNotify)
	return ok
}

// Set stores v under key, adding it or overwriting what was there (Valkey's
// setKey). v.Expire is the new expiry, 0 for none; with keepTTL an existing
// key keeps its expiry instead. An overwritten key keeps its access time; a
// new key gets the current one. The returned entry is valid until key is
// next written.
func (db *DB) Set(key []byte, v keyspace.Value, keepTTL bool) keyspace.Entry {
	return db.SetHashed(key, db.keys.Hash(key), v, keepTTL)
}

// SetHashed is Set with the hash already computed.
func (db *DB) SetHashed(key []byte, h uint64, v keyspace.Value, keepTTL bool) keyspace.Entry {
	e, _ := db.set(key, h, v, keepTTL, true)
	return e
}

// set is SetHashed, also reporting whether key existed. With notify false
// a new key sends no keyspace event: loading a file (Valkey's
// dbAddRDBLoad sends none).
func (db *DB) set(key []byte, h uint64, v keyspace.Value, keepTTL, notify bool) (keyspace.Entry, bool) {
	e, prior := db.keys.Upsert(key, h, v, keepTTL)
	db.hashStored(key, v.Obj)
	if prior.Replaced {
		db.srv.signalDeletedKeyAsReady(db, key) // the type may have changed
	} else {
		db.srv.initAccess(e)
		if notify {
			db.srv.notifyKeyspaceEvent(config.NotifyNew, "new", key, db.ID) // as Valkey's dbAdd
		}
	}
	if at := e.Expire(); at != prior.Expire {
		if at == 0 {
			db.expires.Delete(key)
		} else {
			db.expires.Set(key, keyspace.Value{Expire: at})
			db.srv.noteReplicaKeyExpire(db, key)
		}
	}
	return e, prior.Replaced
}

// Delete removes key and reports whether it existed (Valkey's dbDelete;
// an expired key not yet reclaimed counts as existing, so callers look it
// up first when that matters).
func (db *DB) Delete(key []byte) bool {
	if !db.keys.Delete(key) {
		return false
	}
	db.srv.signalDeletedKeyAsReady(db, key)
	db.hashRemoved(key)
	if db.expires.Len() > 0 {
		db.expires.Delete(key)
	}
	return true
}

// SetExpire gives an existing key an expiry time in Unix milliseconds and
// reports whether the key exists. Entries of key obtained before are
// invalid afterwards.
func (db *DB) SetExpire(key []byte, at int64) bool {
	e, ok := db.keys.SetExpireEntry(key, at)
	if !ok {
		return false
	}
	if at == 0 {
		db.expires.Delete(key)
	} else {
		db.expires.Set(key, keyspace.Value{Expire: at})
		db.srv.noteReplicaKeyExpire(db, key)
		// Valkey 9 reallocates an embedded string raw when the expiry field
		// does not fit its 64 bytes (OBJECT ENCODING shows it).
		if e.Kind() == KindEmbstr {
			e.SetKind(kindWithTTL(KindEmbstr, len(key), len(e.Value())))
		}
	}
	return true
}

// Persist removes key's expiry and reports whether it had one.
func (db *DB) Persist(key []byte) bool {
	e, ok := db.keys.Get(key)
	if !ok || e.Expire() == 0 {
		return false
	}
	db.keys.SetExpire(key, 0)
	db.expires.Delete(key)
	return true
}

// Flush empties the database. With async the memory is returned on another
// goroutine, so a large database costs the coordinator nothing but a swap.
// It returns the number of keys removed.
func (db *DB) Flush(async bool) int {
	db.srv.touchAllWatchedKeysInDb(db, nil) // while the keys are still there
	n := db.keys.Len()
	old, oldKeys := db.arena, db.keys
	db.reset(db.srv.seed)
	for k := range db.srv.blocking.waiting[db] {
		db.srv.signalDeletedKeyAsReady(db, []byte(k))
	}
	switch {
	case db.srv.keepFlushed(oldKeys, old):
		// A background save still reading the old table frees it.
	case async && n > 0:
		db.srv.lazyfreeStarted(n)
		heapObjs := old.Stats().Objects
		go func() {
			old.Release()
			if heapObjs == 0 {
				db.srv.lazyfreeDone(n)
				return
			}
			// The values on the Go heap come back once a collection ran;
			// a FLUSHALL's databases share one.
			db.srv.gc.request(func() { db.srv.lazyfreeDone(n) })
		}()
	default:
		old.Release()
	}
	return n
}

// swapContents exchanges the keys, expires and expiry state of two
// databases (SWAPDB); their IDs stay.
func (db *DB) swapContents(o *DB) {
	db.srv.touchAllWatchedKeysInDb(db, o)
	db.srv.touchAllWatchedKeysInDb(o, db)
	db.arena, o.arena = o.arena, db.arena
	db.keys, o.keys = o.keys, db.keys
	db.expires, o.expires = o.expires, db.expires
	db.expireCursor, o.expireCursor = o.expireCursor, db.expireCursor
	db.avgTTL, o.avgTTL = o.avgTTL, db.avgTTL
}

// ---- Server side: databases, time, access clocks ----

// initDBs creates the configured number of databases.
func (s *Server) initDBs() {
	s.seed = maphash.MakeSeed()
	s.dbs = make([]*DB, s.Cfg.DBNum())
	for i := range s.dbs {
		s.dbs[i] = newDB(s, i, s.seed)
	}
}

// DB returns database id.
func (s *Server) DB(id int) *DB { return s.dbs[id] }

// DBs returns every database.
func (s *Server) DBs() []*DB { return s.dbs }

// db is the client's selected database.
func (c *Client) db() *DB { return c.srv.dbs[c.DB] }

// Now is the time commands see, in Unix milliseconds: read once per
// command, as Valkey's command time snapshot, so every key a command
// touches expires against the same instant.
func (s *Server) Now() int64 {
	if s.nowMs == 0 {
		s.nowMs = s.Clock.NowMs()
	}
	return s.nowMs
}

// lruClockOf is Valkey's 24-bit LRU clock, in seconds, for time ms.
func lruClockOf(ms int64) uint32 { return uint32(ms/1000) & 0xffffff }

// lfuInitVal is the counter a new key starts with in LFU mode, so it is not
// evicted before it had a chance to be used (LFU_INIT_VAL).
const lfuInitVal = 5

// lfuMode reports whether maxmemory-policy is an LFU policy, in which case
// the access word holds the LFU counter and its decrement time instead of
// an LRU clock.
func (s *Server) lfuMode() bool {
	p := s.Cfg.MaxMemoryPolicy
	return p == config.VolatileLFU || p == config.AllKeysLFU
}

// initAccess sets a new key's access word: the LRU clock, or in LFU mode
// the initial counter and the current decrement time.
func (s *Server) initAccess(e keyspace.Entry) {
	if s.lfuMode() {
		e.SetAccess(uint32(lfuInitVal)<<24 | s.lfuMinutes())
		return
	}
	e.SetAccess(s.lruClock)
}

// touch records an access to e, as lookupKey does.
func (s *Server) touch(e keyspace.Entry) {
	if s.lfuMode() {
		s.updateLFU(e)
		return
	}
	e.SetLRU(s.lruClock)
}

// lfuMinutes is the LFU decrement clock: Unix minutes, 16 bits.
func (s *Server) lfuMinutes() uint32 { return uint32(s.cachedUnixMs/60000) & 0xffff }

// lfuDecr returns e's LFU counter after decaying it by the periods of
// lfu-decay-time minutes elapsed since its last decrement (LFUDecrAndReturn).
func (s *Server) lfuDecr(e keyspace.Entry) uint8 {
	return uint8(s.lfuDecay(e.Access()&0xffff, uint32(e.LFU())))
}

// lfuDecay is LFUDecrAndReturn on a decrement time (Unix minutes, 16 bits)
// and a counter.
func (s *Server) lfuDecay(ldt, counter uint32) uint32 {
	now := s.lfuMinutes()
	var elapsed uint32
	if now >= ldt {
		elapsed = now - ldt
	} else {
		elapsed = 65535 - ldt + now
	}
	if d := s.Cfg.LFUDecayTime; d > 0 {
		if periods := elapsed / uint32(d); periods < counter {
			return counter - periods
		}
		return 0
	}
	return counter
}

// updateLFU decays and then logarithmically increments e's counter.
func (s *Server) updateLFU(e keyspace.Entry) {
	counter := s.lfuDecr(e)
	if counter < 255 {
		base := float64(counter) - lfuInitVal
		if base < 0 {
			base = 0
		}
		p := 1.0 / (base*float64(s.Cfg.LFULogFactor) + 1)
		if s.rand.Float64() < p {
			counter++
		}
	}
	e.SetAccess(uint32(counter)<<24 | s.lfuMinutes())
}

// idleMs is OBJECT IDLETIME's estimate of how long e has not been
// accessed, in milliseconds, from its LRU clock (estimateObjectIdleTime).
func (s *Server) idleMs(e keyspace.Entry) int64 { return s.idleMsOf(e.LRU()) }

// idleMsOf is estimateObjectIdleTime for a 24-bit LRU clock value.
func (s *Server) idleMsOf(lru uint32) int64 {
	now := s.lruClock
	if now >= lru {
		return int64(now-lru) * lruClockResolution
	}
	return int64(lruClockMax-lru+now) * lruClockResolution
}

// updateCachedTime refreshes the clocks the cron keeps for access times.
func (s *Server) updateCachedTime(nowMs int64) {
	s.cachedUnixMs = nowMs
	s.lruClock = lruClockOf(nowMs)
}

// keyModified is called for every key a command changes or deletes, as
// Valkey's signalModifiedKey: it touches WATCHed keys and invalidates
// client-side caches. Commands count their changes in Server.Dirty
// themselves, as in Valkey.
func (s *Server) keyModified(db *DB, key []byte) {
	if len(db.watched) > 0 {
		s.touchWatchedKey(db, key)
	}
	if len(s.tracking.table) > 0 || len(s.tracking.prefixes) > 0 {
		s.trackingInvalidateKey(key, true)
	}
}

// notifyKeyspaceEvent publishes a keyspace notification if its class is
// enabled by notify-keyspace-events (pubsub.go).
func (s *Server) notifyKeyspaceEvent(class int, event string, key []byte, dbID int) {
	if s.Cfg.NotifyKeyspaceEvents&class == 0 {
		return
	}
	s.publishKeyspace(event, key, dbID)
}

// lazyfreeStarted and lazyfreeDone track objects freed in the background
// for INFO memory's lazyfree_pending_objects and lazyfreed_objects.
func (s *Server) lazyfreeStarted(n int) { s.lazyfreePending.Add(int64(n)) }

func (s *Server) lazyfreeDone(n int) {
	// Counted as freed before it stops counting as pending, so a reader
	// that sees nothing pending sees everything freed.
	s.lazyfreed.Add(int64(n))
	s.lazyfreePending.Add(-int64(n))
}
