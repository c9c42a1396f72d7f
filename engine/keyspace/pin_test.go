package keyspace

import (
	"hash/maphash"
	"sync"
	"testing"
)

// A Stable record is mutable until pinned, and again once every pin is
// released; records in slab slots are always mutable. The Pin belongs to
// the allocation: it stays with the old bytes when the key is overwritten,
// deleted or moved by SetExpire, and the new record starts unpinned.
func TestPinMakesStableValueImmutable(t *testing.T) {
	a := NewArena()
	defer a.Release()
	a.SetLargeRecord(100)
	tb := NewIn(a, maphash.MakeSeed())
	small, _ := tb.Set([]byte("s"), Value{Bytes: make([]byte, 50)})
	big, _ := tb.Set([]byte("b"), Value{Bytes: make([]byte, 200)})
	if !small.Mutable() || !big.Mutable() {
		t.Fatalf("mutable: small %v big %v", small.Mutable(), big.Mutable())
	}
	p1, p2 := big.Pin(), big.Pin()
	if big.Mutable() {
		t.Fatal("pinned value is mutable")
	}
	p1.Unpin()
	if big.Mutable() {
		t.Fatal("mutable with one pin left")
	}
	p2.Unpin()
	if !big.Mutable() {
		t.Fatal("not mutable after every pin was released")
	}

	// Pinned, then moved by an expiry: the new record is free to change,
	// the old one keeps its pin and its bytes.
	old := big.Pin()
	oldBytes := big.Value()
	oldBytes[0] = 'x'
	tb.SetExpire([]byte("b"), 5)
	moved, _ := tb.Get([]byte("b"))
	if !moved.Stable() || !moved.Mutable() || moved.Value()[0] != 'x' {
		t.Fatalf("moved: stable %v mutable %v first %q", moved.Stable(), moved.Mutable(), moved.Value()[0])
	}
	moved.Value()[0] = 'y'
	if oldBytes[0] != 'x' || big.Mutable() {
		t.Fatal("the pinned old record changed")
	}
	tb.Delete([]byte("b"))
	old.Unpin() // after the record was freed: harmless
	if !big.Mutable() {
		t.Fatal("old record still pinned")
	}
	if st := a.Stats(); st.LargeBytes != 0 {
		t.Fatalf("LargeBytes %d after delete", st.LargeBytes)
	}
}

// Unpinning runs on I/O goroutines while the coordinator pins and asks
// Mutable; under -race this checks the counter is accessed atomically.
func TestPinConcurrentUnpin(t *testing.T) {
	a := NewArena()
	defer a.Release()
	tb := NewIn(a, maphash.MakeSeed())
	e, _ := tb.Set([]byte("b"), Value{Bytes: make([]byte, maxSmall+1)})
	const n = 1000
	pins := make(chan *Pin, n)
	var wg sync.WaitGroup
	wg.Go(func() {
		for p := range pins {
			p.Unpin()
		}
	})
	for range n {
		pins <- e.Pin()
		_ = e.Mutable()
	}
	close(pins)
	wg.Wait()
	if !e.Mutable() {
		t.Fatal("pins left after every Unpin")
	}
}
