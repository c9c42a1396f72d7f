package keyspace

import (
	"hash/maphash"
	"sync"
	"testing"
)

// newLargeRecordTable is a table whose records over 100 bytes get an
// allocation of their own (Stable), released when the test ends.
func newLargeRecordTable(t *testing.T) *Table {
	t.Helper()
	a := NewArena()
	t.Cleanup(a.Release)
	a.SetLargeRecord(100)
	return NewIn(a, maphash.MakeSeed())
}

// A Stable record is mutable until pinned, and again once every pin is
// released; records in slab slots are always mutable. The Pin belongs to
// the allocation: it stays with the old bytes when the key is overwritten,
// deleted or moved by SetExpire, and the new record starts unpinned.
func TestPinMakesStableValueImmutable(t *testing.T) {
	tb := newLargeRecordTable(t)
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
	// the old one keeps its bytes while the pin holds it.
	old := big.Pin()
	oldBytes := big.Value()
	oldBytes[0] = 'x'
	tb.SetExpire([]byte("b"), 5)
	moved, _ := tb.Get([]byte("b"))
	if !moved.Stable() || !moved.Mutable() || moved.Value()[0] != 'x' {
		t.Fatalf("moved: stable %v mutable %v first %q", moved.Stable(), moved.Mutable(), moved.Value()[0])
	}
	moved.Value()[0] = 'y'
	if oldBytes[0] != 'x' {
		t.Fatal("the pinned old record changed")
	}
	tb.Delete([]byte("b"))
	old.Unpin() // after the record was freed: frees its memory
	if st := tb.Arena().Stats(); st.LargeBytes != 0 {
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

// room is the longest value e's allocation holds: its Spare, plus what the
// allocation rounds up to.
func room(e Entry) int {
	return int(e.large().capacity) - int(keyOff[recFlags(e.p)&layoutMask]) - len(e.Key())
}

// Grow lengthens a Stable value in place within its allocation (at least
// the Spare asked for), zeroing the new bytes, and refuses (changing
// nothing) without room, when the length field would need to widen, while
// pinned, or for a slab record.
func TestGrowStableValue(t *testing.T) {
	tb := newLargeRecordTable(t)
	val := make([]byte, 70000)
	for i := range val {
		val[i] = byte(i)
	}
	e, _ := tb.Set([]byte("g"), Value{Bytes: val, Spare: 1000, Expire: 7})
	addr := &e.Value()[0]
	most := room(e)
	if most < 71000 {
		t.Fatalf("room for %d bytes, asked for 71000", most)
	}
	if !e.Grow(70500) || len(e.Value()) != 70500 || &e.Value()[0] != addr {
		t.Fatalf("grow within spare: len %d", len(e.Value()))
	}
	if e.Grow(most+1) || len(e.Value()) != 70500 {
		t.Fatal("grew past the allocation")
	}
	if !e.Grow(most) || e.Expire() != 7 || string(e.Key()) != "g" {
		t.Fatalf("grow to the last byte: len %d expire %d", len(e.Value()), e.Expire())
	}
	v := e.Value()
	if string(v[:len(val)]) != string(val) {
		t.Fatal("old bytes changed")
	}
	for i := len(val); i < len(v); i++ {
		if v[i] != 0 {
			t.Fatalf("byte %d of the grown part is %d", i, v[i])
		}
	}
	if g, _ := tb.Get([]byte("g")); len(g.Value()) != most {
		t.Fatalf("lookup sees %d bytes", len(g.Value()))
	}
	if e.Grow(100) || len(e.Value()) != most {
		t.Fatal("Grow shrank the value")
	}

	// Pinned: no.
	e2, _ := tb.Set([]byte("p"), Value{Bytes: val, Spare: 100})
	pin := e2.Pin()
	if e2.Grow(len(val)+1) || len(e2.Value()) != len(val) {
		t.Fatal("grew a pinned value")
	}
	pin.Unpin()
	if !e2.Grow(len(val) + 1) {
		t.Fatal("no growth after unpinning")
	}
	// No spare asked for: no room beyond the allocation's rounding.
	e3, _ := tb.Set([]byte("n"), Value{Bytes: val})
	if room(e3) >= len(val)+pageSize || e3.Grow(room(e3)+1) {
		t.Fatalf("room for %d bytes without spare", room(e3))
	}
	// A 200-byte value has a one-byte length field: 300 bytes need two.
	e4, _ := tb.Set([]byte("w"), Value{Bytes: val[:200], Spare: 1000})
	if e4.Grow(300) || !e4.Grow(255) || len(e4.Value()) != 255 {
		t.Fatalf("width rule: len %d", len(e4.Value()))
	}
	// Slab records never grow; Spare is ignored for them.
	e5, _ := tb.Set([]byte("s"), Value{Bytes: val[:50], Spare: 1000})
	if e5.Stable() || e5.Grow(51) {
		t.Fatal("a slab record grew")
	}
	checkInvariants(t, tb)
}
