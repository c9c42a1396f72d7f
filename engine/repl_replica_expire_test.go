package engine

import (
	"strings"
	"testing"
)

// On a writable replica, keys its own clients gave an expiry are expired
// by the replica; keys from the primary are left to the primary's DELs.
func TestReplicaExpiresItsOwnKeys(t *testing.T) {
	e, clk := fakeClockEnv(t)
	s := e.srv
	s.Cfg.ReplicaOfHost, s.Cfg.ReplicaOfPort = "127.0.0.1", 1 // never connected: only the role matters
	s.Cfg.ReplicaReadOnly = false
	c := e.newClient()
	primary := e.newClient()
	primary.Flags |= ClientPrimary
	e.expect(c, []replyCase{
		rc("set k1 v ex 5", "+OK\r\n"),
		rc("select 3", "+OK\r\n"),
		rc("set k1 v", "+OK\r\n"),
		rc("expire k1 5", ":1\r\n"),
		rc("set k2 v ex 100", "+OK\r\n"),
		rc("set k3 v ex 5", "+OK\r\n"),
		rc("persist k3", ":1\r\n"),
	})
	e.expect(primary, []replyCase{rc("set p1 v ex 5", "+OK\r\n")})
	if n := len(s.replicaKeys); n != 3 || s.replicaKeys["k1"] != 1|1<<3 {
		t.Fatalf("tracked %v", s.replicaKeys)
	}
	clk.Ms += 6000
	s.updateCachedTime(clk.Ms)
	s.expireReplicaKeys(clk.Ms)
	if s.DB(0).Len() != 1 || s.DB(3).Len() != 2 { // p1 in 0; k2 and k3 in 3
		t.Fatalf("left %d keys in db 0, %d in db 3", s.DB(0).Len(), s.DB(3).Len())
	}
	if len(s.replicaKeys) != 1 || s.replicaKeys["k2"] != 1<<3 || s.Stats.ExpiredKeys != 2 {
		t.Fatalf("tracked %v, expired_keys %d", s.replicaKeys, s.Stats.ExpiredKeys)
	}
	if r := e.do(c, "info", "stats"); !strings.Contains(r, "\r\nslave_expires_tracked_keys:1\r\n") {
		t.Fatalf("INFO stats:\n%s", r)
	}
	e.expect(primary, []replyCase{rc("flushall", "+OK\r\n")})
	if s.replicaKeys != nil {
		t.Fatalf("FLUSHALL left %v", s.replicaKeys)
	}
}
