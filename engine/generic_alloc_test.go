//go:build !race

package engine

import (
	"strings"
	"testing"
)

func fieldsArgv(line string) [][]byte {
	var argv [][]byte
	for _, f := range strings.Fields(line) {
		argv = append(argv, []byte(f))
	}
	return argv
}

// The hot keyspace commands allocate nothing once warmed up.
func TestGenericHotCommandsAllocateNothing(t *testing.T) {
	g := newGenEnv(t)
	g.srv.Cfg.NotifyKeyspaceEvents = 0
	g.put(0, "k", "v", 0)
	g.put(0, "k2", "v", 0)
	for _, line := range []string{
		"exists k k2 nokey", "type k", "ttl k", "pttl k", "expiretime k", "touch k nokey",
		"expire k 100", "pexpire k 100 gt", "persist k", "object encoding k", "dbsize", "del nokey",
	} {
		argv := fieldsArgv(line)
		allocs := testing.AllocsPerRun(100, func() {
			g.srv.Call(g.c, argv)
			g.c.Out.Reset()
		})
		if allocs != 0 {
			t.Errorf("%s allocates %v times per call", line, allocs)
		}
	}
	// Commands that move a value run in pairs that undo each other.
	type step struct {
		db   int
		line string
	}
	for _, pair := range []struct {
		steps  [2]step
		allocs float64
	}{
		{[2]step{{0, "rename k k3"}, {0, "rename k3 k"}}, 0},
		{[2]step{{0, "renamenx k k3"}, {0, "renamenx k3 k"}}, 0},
		{[2]step{{0, "move k 1"}, {1, "move k 0"}}, 0},
		{[2]step{{0, "copy k k4"}, {0, "del k4"}}, 0},
	} {
		a0, a1 := fieldsArgv(pair.steps[0].line), fieldsArgv(pair.steps[1].line)
		allocs := testing.AllocsPerRun(100, func() {
			g.c.DB = pair.steps[0].db
			g.srv.Call(g.c, a0)
			g.c.DB = pair.steps[1].db
			g.srv.Call(g.c, a1)
			g.c.Out.Reset()
		})
		g.c.DB = 0
		if got := g.do(g.c, "exists", "k"); got != ":1\r\n" {
			t.Fatalf("%v did not run back and forth: %q", pair.steps, got)
		}
		if allocs > pair.allocs {
			t.Errorf("%v allocates %v times per pair", pair.steps, allocs)
		}
	}
}
