//go:build !race

package engine

import "testing"

func TestCommandDoneAllocatesNothingWhenNothingIsLogged(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	argv := [][]byte{[]byte("ping")}
	allocs := testing.AllocsPerRun(100, func() {
		e.srv.Call(c, argv)
		c.Out.Reset()
	})
	if allocs != 0 {
		t.Errorf("PING allocates %v times per call", allocs)
	}
}
