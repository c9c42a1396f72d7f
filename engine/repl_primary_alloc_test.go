//go:build !race

package engine

import "testing"

// Feeding an online replica allocates nothing per command once its
// output buffer and the wake list have grown: the bytes are appended to
// its output and its loop is woken once per hold.
func TestReplFeedAllocs(t *testing.T) {
	e := newTestEnv(t)
	f := e.onlineReplica()
	w := e.newClient()
	argv := [][]byte{[]byte("set"), []byte("k"), []byte("v")}
	run := func() {
		e.srv.Call(w, argv)
		w.Out.Reset()
		e.srv.BeforeSleep()
		f.c.Out.Reset()
	}
	for range 10 {
		run()
	}
	wakes := f.c.link.(*wakeLink).wakes
	if n := testing.AllocsPerRun(1000, run); n != 0 {
		t.Fatalf("%v allocations per fed command", n)
	}
	if got := f.c.link.(*wakeLink).wakes - wakes; got != 1001 {
		t.Fatalf("%d wakes for 1001 holds", got)
	}
	e.srv.Call(w, argv)
	e.srv.Call(w, argv)
	e.srv.Call(w, argv)
	e.srv.BeforeSleep()
	if got := f.c.link.(*wakeLink).wakes - wakes; got != 1002 {
		t.Fatalf("three commands in a hold woke the replica %d times", got-1001)
	}
}
