package keyspace

import (
	"hash/maphash"
	"sync"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// residentPages reports which of the pages at p the kernel has in memory.
func residentPages(t *testing.T, p unsafe.Pointer, pages int) []bool {
	t.Helper()
	vec := make([]byte, pages)
	_, _, errno := unix.Syscall(unix.SYS_MINCORE, uintptr(p), uintptr(pages*pageSize), uintptr(unsafe.Pointer(&vec[0])))
	if errno != 0 {
		t.Fatal(errno)
	}
	in := make([]bool, pages)
	for i, v := range vec {
		in[i] = v&1 != 0
	}
	return in
}

func touch(p unsafe.Pointer, n int) {
	b := unsafe.Slice((*byte)(p), n)
	for i := 0; i < n; i += pageSize {
		b[i] = 1
	}
}

// Blocks are whole pages, page-aligned, in slots of their power-of-two
// class; a freed block is handed out again to the next request of its
// class, and requests too small for a block of their own get none.
func TestLargeAllocatorReusesFreedSlots(t *testing.T) {
	var m largeAllocator
	if p, _ := m.alloc(largeMinBlock - 1); p != nil {
		t.Fatal("a block below largeMinBlock")
	}
	p1, n1 := m.alloc(70000)
	p2, n2 := m.alloc(70000)
	if n1 != 18*pageSize || n2 != n1 {
		t.Fatalf("sizes %d %d, want %d", n1, n2, 18*pageSize)
	}
	if uintptr(p1)%pageSize != 0 || uintptr(p2)%pageSize != 0 {
		t.Fatalf("blocks at %p %p are not page-aligned", p1, p2)
	}
	if d := int(uintptr(p2)) - int(uintptr(p1)); d < n1 && -d < n1 {
		t.Fatalf("blocks %p and %p overlap", p1, p2)
	}
	touch(p1, n1)
	if m.live != int64(2*n1) {
		t.Fatalf("live %d", m.live)
	}
	m.free(p1, n1)
	if m.spare() != int64(n1) || m.live != int64(n1) {
		t.Fatalf("after free: spare %d live %d", m.spare(), m.live)
	}
	// 100000 bytes is in the same 128 KiB class as 70000.
	p3, n3 := m.alloc(100000)
	if p3 != p1 || n3 != 25*pageSize || m.spare() != 0 {
		t.Fatalf("reuse: got %p (%d bytes), want %p; spare %d", p3, n3, p1, m.spare())
	}
	// A 16 KiB request is a class of its own: it does not take p2's slot.
	m.free(p2, n2)
	if p4, n4 := m.alloc(largeMinBlock); p4 == p2 || n4 != largeMinBlock {
		t.Fatalf("16 KiB block %p (%d bytes) took a 128 KiB slot", p4, n4)
	}
}

// A reused slot gives back the pages its last block used beyond what the
// new one needs, so that resident memory follows the blocks in use.
func TestLargeAllocatorGivesBackTail(t *testing.T) {
	var m largeAllocator
	p, n := m.alloc(120000) // 30 pages
	touch(p, n)
	m.free(p, n)
	q, k := m.alloc(70000) // 18 pages, same class
	if q != p || k != 18*pageSize {
		t.Fatalf("got %p (%d bytes), want %p", q, k, p)
	}
	in := residentPages(t, p, 30)
	for i, r := range in {
		if r != (i < 18) {
			t.Fatalf("page %d resident %v: %v", i, r, in)
		}
	}
}

// Freed blocks keep their pages for reuse only up to the keep limit (a
// sixteenth of the live blocks, at least largeKeepFloor); past it they go
// back to the OS at once.
func TestLargeAllocatorKeepLimit(t *testing.T) {
	var m largeAllocator
	const size = 1 << 20
	const count = largeKeepFloor/size + 8
	var blocks []unsafe.Pointer
	for range count {
		p, n := m.alloc(size)
		if n != size {
			t.Fatalf("size %d", n)
		}
		touch(p, n)
		blocks = append(blocks, p)
	}
	for _, p := range blocks {
		m.free(p, size)
	}
	if m.live != 0 || m.spare() != largeKeepFloor {
		t.Fatalf("live %d spare %d, want 0 and %d", m.live, m.spare(), largeKeepFloor)
	}
	for i, p := range blocks {
		in := residentPages(t, p, size/pageSize)
		kept := i < largeKeepFloor/size
		for j, r := range in {
			if r != kept {
				t.Fatalf("block %d page %d resident %v, want %v", i, j, r, kept)
			}
		}
	}
	// The spare slots are reused, the kept ones first, and leave the
	// spare count.
	kept := map[unsafe.Pointer]bool{}
	for _, p := range blocks[:largeKeepFloor/size] {
		kept[p] = true
	}
	for i := range count {
		p, _ := m.alloc(size)
		if p == nil || kept[p] != (i < len(kept)) {
			t.Fatalf("allocation %d: %p, kept %v", i, p, kept[p])
		}
	}
	if m.spare() != 0 || m.live != count*size {
		t.Fatalf("spare %d live %d", m.spare(), m.live)
	}
}

// The last reference frees a large record's block exactly once, whichever
// goes last: the table's (overwrite) on the coordinator or a pending
// reply's on an I/O goroutine. Under -race this also checks that the two
// sides hand the block over safely.
func TestLastReferenceFreesLargeBlock(t *testing.T) {
	a := NewArena()
	defer a.Release()
	tb := NewIn(a, maphash.MakeSeed())
	largeMem.Lock()
	live0 := largeMem.live
	largeMem.Unlock()
	const n = 2000
	pins := make(chan *Pin, 16)
	var wg sync.WaitGroup
	wg.Go(func() {
		for p := range pins {
			p.Unpin()
		}
	})
	val := make([]byte, 40000)
	var e Entry
	for i := range n {
		val[0] = byte(i % 251)
		e, _ = tb.Set([]byte("b"), Value{Bytes: val})
		pins <- e.Pin()
	}
	close(pins)
	wg.Wait()
	if !e.Mutable() || e.Value()[0] != byte((n-1)%251) {
		t.Fatal("the live record is pinned or changed")
	}
	largeMem.Lock()
	live := largeMem.live - live0
	largeMem.Unlock()
	if want := int64(e.large().pages) * pageSize; e.large().pages == 0 || live != want {
		t.Fatalf("live large bytes %d, want one block of %d", live, want)
	}
	tb.Delete([]byte("b"))
	largeMem.Lock()
	live = largeMem.live - live0
	largeMem.Unlock()
	if live != 0 {
		t.Fatalf("live large bytes %d after the last delete", live)
	}
}

// Kept pages go back once no block has been allocated for DecayMs;
// an allocation restarts the wait.
func TestLargeAllocatorDecay(t *testing.T) {
	var m largeAllocator
	p, n := m.alloc(100000)
	touch(p, n)
	m.free(p, n)
	m.decay(1000)
	m.decay(1000 + DecayMs - 1)
	if m.spare() != int64(n) {
		t.Fatalf("spare %d before the decay time", m.spare())
	}
	q, _ := m.alloc(100000) // churn goes on: the wait starts again
	m.free(q, n)
	m.decay(1000 + DecayMs)
	m.decay(1000 + 2*DecayMs - 1)
	if m.spare() != int64(n) {
		t.Fatalf("spare %d, the allocation did not restart the wait", m.spare())
	}
	m.decay(1000 + 2*DecayMs)
	if m.spare() != 0 {
		t.Fatalf("spare %d after the decay time", m.spare())
	}
	for i, r := range residentPages(t, p, n/pageSize) {
		if r {
			t.Fatalf("page %d still resident", i)
		}
	}
	if r, _ := m.alloc(100000); r != p {
		t.Fatalf("the released slot was not reused: %p, want %p", r, p)
	}
}
