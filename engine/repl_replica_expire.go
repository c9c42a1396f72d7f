package engine

import "time"

// Keys a writable replica's own clients gave an expiry (Valkey's
// slaveKeysWithExpire). A replica leaves expiry to its primary, whose DELs
// come down the stream; but a key written on the replica itself
// (replica-read-only no) is unknown to the primary, and nothing would
// ever delete it. The replica remembers such keys, by name and the set of
// databases they were given an expiry in, and its cron deletes them once
// expired.

// replicaKeysMaxDB is the number of databases the set of a key can name,
// as Valkey's 64-bit map.
const replicaKeysMaxDB = 64

// replicaExpireBudget bounds a cron pass over the remembered keys.
const replicaExpireBudget = time.Millisecond

// noteReplicaKeyExpire remembers key of db when a client other than the
// primary gives it an expiry on a writable replica.
func (s *Server) noteReplicaKeyExpire(db *DB, key []byte) {
	if s.Cfg.ReplicaOfHost == "" || s.Cfg.ReplicaReadOnly || s.loading || db.ID >= replicaKeysMaxDB {
		return
	}
	c := s.current
	if c == nil || c.Flags&ClientPrimary != 0 {
		return
	}
	if s.replicaKeys == nil {
		s.replicaKeys = make(map[string]uint64)
	}
	s.replicaKeys[string(key)] |= 1 << db.ID
}

// expireReplicaKeys deletes the remembered keys that expired and forgets
// those that are gone or have no expiry any more (expireReplicaKeys). As
// Valkey's, it looks at keys in random order (the map's) and stops after
// more than three that are not due yet, or after replicaExpireBudget.
func (s *Server) expireReplicaKeys(nowMs int64) {
	start := time.Now()
	n, notDue := 0, 0
	for name, dbs := range s.replicaKeys {
		key := bstr(name) // read only, while name is a live map key
		left := dbs
		for id := 0; dbs>>id != 0; id++ {
			if dbs&(1<<id) == 0 || id >= len(s.dbs) {
				left &^= 1 << id
				continue
			}
			db := s.dbs[id]
			h := db.keys.Hash(key)
			e, ok := db.keys.GetHashed(key, h)
			switch {
			case !ok || e.Expire() == 0:
				left &^= 1 << id
			case e.Expire() < nowMs:
				db.expireKey(key, h)
				left &^= 1 << id
			default:
				notDue++
			}
		}
		if left == 0 {
			delete(s.replicaKeys, name)
		} else {
			s.replicaKeys[name] = left
		}
		if n++; notDue > 3 || n%64 == 0 && time.Since(start) > replicaExpireBudget {
			return
		}
	}
}

// forgetReplicaKeys drops the remembered keys: the dataset was emptied
// (FLUSHALL) or replaced by the primary's.
func (s *Server) forgetReplicaKeys() {
	s.replicaKeys = nil
}
