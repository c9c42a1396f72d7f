//go:build !race

package engine

import "testing"

// XADD with an automatic ID into a capped stream, and reads of a few
// entries, allocate nothing once warmed up (beyond the listpack growth a
// new node needs, which a capped stream amortizes to near zero).
func TestStreamHotCommandsAllocate(t *testing.T) {
	e, _ := fakeClockEnv(t)
	e.srv.Cfg.NotifyKeyspaceEvents = 0
	c := e.newClient()
	for i := 0; i < 300; i++ {
		e.do(c, "xadd", "s", "maxlen", "~", "1000", "*", "field", "value", "n", "12345")
	}
	for _, tc := range []struct {
		line string
		max  float64
	}{
		{"xadd s maxlen ~ 1000 * field value n 12345", 0.1},
		{"xrange s - + count 10", 0},
		{"xrevrange s + - count 10", 0},
		{"xlen s", 0},
		{"xread count 10 streams s 0", 0},
	} {
		argv := fieldsArgv(tc.line)
		allocs := testing.AllocsPerRun(1000, func() {
			e.srv.Call(c, argv)
			c.Out.Reset()
		})
		if allocs > tc.max {
			t.Errorf("%s allocates %v times per call", tc.line, allocs)
		}
	}
}
