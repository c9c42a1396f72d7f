package loop

import (
	"io"
	"strconv"
	"sync"
	"testing"
	"time"

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

// Memory over maxmemory after CONFIG SET is evicted by the timer's
// goroutine with no command to trigger it, a pass per hold, until it is
// under the limit.
func TestTimerEvictsWithoutCommands(t *testing.T) {
	co := newTestCoordinator(t)
	c := co.Acquire().NewClient("127.0.0.1:1", "127.0.0.1:2", -1, false)
	co.srv.Call(c, [][]byte{[]byte("config"), []byte("set"), []byte("maxmemory-policy"), []byte("allkeys-random")})
	value := make([]byte, 200)
	for i := range 50000 {
		co.srv.Call(c, [][]byte{[]byte("set"), []byte("key:" + strconv.Itoa(i)), value})
	}
	co.Release()

	// Every key must go. After CONFIG SET no command comes: the hold's
	// own pass cannot evict 50000 keys in its 500 us, the timer goes on.
	co.Do(func(s *engine.Server) {
		s.Call(c, [][]byte{[]byte("config"), []byte("set"), []byte("maxmemory"), []byte("1")})
	})
	// One cron a second, and a look every 250 ms (a hold, so a pass of
	// its own): one pass per hold would take tens of seconds for 50000
	// keys, the timer's loop of passes takes milliseconds.
	co.Do(func(s *engine.Server) { s.Cfg.Hz = 1 })
	co.Start()
	defer co.Stop()
	deadline := time.Now().Add(5 * time.Second)
	for {
		var keys int
		co.Do(func(s *engine.Server) { keys = s.DB(0).Len() })
		if keys == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d keys left 5 s after maxmemory 1", keys)
		}
		time.Sleep(250 * time.Millisecond)
	}
}
