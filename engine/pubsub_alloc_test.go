//go:build !race

package engine

import (
	"testing"

	"github.com/volleydb/volley/engine/config"
)

// PUBLISH to subscribers, and a write whose keyspace notifications reach
// a subscriber, allocate nothing once the buffers have grown.
func TestPublishAllocatesNothing(t *testing.T) {
	e := newTestEnv(t)
	sub, pub := e.newClient(), e.newClient()
	e.do(sub, "subscribe", "news", "__keyspace@0__:k")
	e.do(sub, "psubscribe", "n*", "__keyevent@*")
	e.srv.Cfg.NotifyKeyspaceEvents = config.NotifyKeyspace | config.NotifyKeyevent | config.NotifyAll
	for _, argv := range [][][]byte{
		{[]byte("publish"), []byte("news"), []byte("hello")},
		{[]byte("set"), []byte("k"), []byte("v")},
	} {
		allocs := testing.AllocsPerRun(200, func() {
			e.srv.Call(pub, argv)
			pub.Out.Reset()
			if sub.Out.Empty() {
				t.Fatalf("%s delivered nothing", argv[0])
			}
			sub.Out.Reset()
		})
		if allocs != 0 {
			t.Errorf("%s with subscribers allocates %v times", argv[0], allocs)
		}
	}
}
