//go:build !race

package engine

import "testing"

// TestGetKeysAllocs pins key extraction into a caller's buffer to zero
// allocations: the dispatcher runs it for every command in cluster mode.
func TestGetKeysAllocs(t *testing.T) {
	s, _ := ctServer(t)
	for _, line := range []string{"get k", "mset a 1 b 2", "zunionstore d 2 a b", "set k v get", "xread STREAMS a 0", "sort k STORE d"} {
		argv := splitArgs(line)
		sp := s.LookupCommand(argv)
		var buf [8]KeyRef
		if n := testing.AllocsPerRun(100, func() {
			_, _ = sp.GetKeys(argv, buf[:0])
			_ = sp.CallKeys(argv, buf[:0])
		}); n != 0 {
			t.Errorf("%s: %v allocs", line, n)
		}
	}
}
