package loop

import (
	"io"
	"sync"
	"testing"

	"github.com/volleydb/volley/engine"
	"github.com/volleydb/volley/engine/config"
)

func newTestCoordinator(t *testing.T) *Coordinator {
	t.Helper()
	cfg, err := config.Load(config.ParseArgs([]string{"--hz", "500"}), config.LoadOptions{Version: engine.Version})
	if err != nil {
		t.Fatal(err)
	}
	return New(engine.NewServer(cfg, engine.NewLogger(io.Discard, engine.LogWarning)))
}

// Holders never overlap: the race detector and the counter both check
// that goroutines taking turns through Do and Acquire, with the cron
// timer running, see each other's writes in full.
func TestHoldersTakeTurns(t *testing.T) {
	co := newTestCoordinator(t)
	co.Start()
	defer co.Stop()
	var wg sync.WaitGroup
	inside, total := 0, 0
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 500; i++ {
				body := func(*engine.Server) {
					inside++
					if inside != 1 {
						t.Errorf("%d holders at once", inside)
					}
					total++
					inside--
				}
				if g%2 == 0 {
					co.Do(body)
				} else {
					body(co.Acquire())
					co.Release()
				}
			}
		}(g)
	}
	wg.Wait()
	if total != 8*500 {
		t.Fatalf("total %d, want %d", total, 8*500)
	}
}

func TestStopIsIdempotentAndWaits(t *testing.T) {
	co := newTestCoordinator(t)
	co.Stop() // never started
	co.Start()
	co.Stop()
	co.Stop()
}
