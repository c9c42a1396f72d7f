package keyspace

import (
	"testing"
	"unsafe"
)

func TestSizeClass(t *testing.T) {
	for i := 1; i < numClasses; i++ {
		if classSize[i] <= classSize[i-1] {
			t.Fatalf("classes not increasing at %d", i)
		}
	}
	if classSize[numClasses-1] != maxSmall {
		t.Fatalf("last class %d", classSize[numClasses-1])
	}
	for n := uint32(1); n <= maxSmall; n++ {
		c := sizeClass(n)
		if classSize[c] < n || c > 0 && classSize[c-1] >= n {
			t.Fatalf("sizeClass(%d) = %d (size %d)", n, c, classSize[c])
		}
	}
	for s := uint32(64); s <= maxSmall; s *= 2 {
		if classSize[sizeClass(s)] != s {
			t.Fatalf("no class for %d", s)
		}
	}
}

func TestArenaChunks(t *testing.T) {
	for _, heap := range []bool{false, true} {
		a := newArena(heap)
		const n = 10_000
		refs := make([]uint64, n)
		for i := range refs {
			r, p := a.alloc(200)
			*(*uint64)(p) = uint64(i)
			refs[i] = r
		}
		for i, r := range refs {
			if *(*uint64)(a.ptr(r)) != uint64(i) {
				t.Fatal("slot overwritten")
			}
		}
		if got := a.Stats().SlotBytes; got != n*200 {
			t.Fatalf("SlotBytes %d", got)
		}
		chunks := a.Stats().SlabBytes / chunkSize
		for _, r := range refs {
			a.free(r)
		}
		st := a.Stats()
		if st.SlotBytes != 0 || st.SlabBytes != chunkSize {
			t.Fatalf("after freeing all (%d chunks): %+v", chunks, st)
		}
		// Reuse: the kept chunk and the released ones serve new slots.
		for range refs {
			a.alloc(200)
		}
		if got := a.Stats().SlabBytes / chunkSize; got != chunks {
			t.Fatalf("realloc used %d chunks, first time %d", got, chunks)
		}
		a.Release()
	}
}

// TestArenaDecay checks that the kept empty chunk goes back only once
// DecayMs has passed without a chunk being taken.
func TestArenaDecay(t *testing.T) {
	for _, heap := range []bool{false, true} {
		a := newArena(heap)
		refs := make([]uint64, 3000) // 600 KB of 200-byte slots: three chunks
		for i := range refs {
			refs[i], _ = a.alloc(200)
		}
		for _, r := range refs {
			a.free(r)
		}
		if st := a.Stats(); st.SlabBytes != chunkSize {
			t.Fatalf("heap=%v: after freeing all: %+v", heap, st)
		}
		now := int64(1000)
		a.Decay(now) // chunks were taken since the Arena began: keep
		now += DecayMs - 1
		a.Decay(now)
		if st := a.Stats(); st.SlabBytes != chunkSize {
			t.Fatalf("heap=%v: trimmed while busy: %+v", heap, st)
		}
		now++
		a.Decay(now) // none taken for DecayMs: give back
		if st := a.Stats(); st.SlabBytes != 0 {
			t.Fatalf("heap=%v: not trimmed when idle: %+v", heap, st)
		}

		// Churn restarts the wait: the chunk is still wanted.
		r, _ := a.alloc(200)
		a.free(r)
		now += DecayMs
		a.Decay(now)
		if st := a.Stats(); st.SlabBytes != chunkSize {
			t.Fatalf("heap=%v: trimmed after churn: %+v", heap, st)
		}
		now += DecayMs
		a.Decay(now)
		if st := a.Stats(); st.SlabBytes != 0 {
			t.Fatalf("heap=%v: not trimmed after churn stopped: %+v", heap, st)
		}
		a.Release()
	}
}

func TestBytesAt(t *testing.T) {
	buf := make([]byte, 40)
	for n := 0; n <= 24; n++ {
		for d := -1; d < n; d++ { // d: the index that differs, -1 for none
			a := make([]byte, n)
			for i := range a {
				a[i] = byte(i + 1)
			}
			copy(buf[3:], a)
			if d >= 0 {
				buf[3+d] ^= 0x40
			}
			if got := bytesAt(unsafe.Pointer(&buf[3]), a); got != (d < 0) {
				t.Fatalf("n=%d differing at %d: got %v", n, d, got)
			}
		}
	}
}

// The drop hook sees each value object as it leaves the table: deleted,
// or overwritten with bytes; an object replacing an object is not a drop.
func TestArenaDropHook(t *testing.T) {
	tb := NewTable()
	var dropped []any
	tb.Arena().SetDropHook(func(o any) { dropped = append(dropped, o) })
	a, b, c := &[]int{1}, &[]int{2}, &[]int{3}
	tb.Set([]byte("a"), Value{Obj: a})
	tb.Set([]byte("b"), Value{Obj: b})
	tb.Delete([]byte("a"))
	tb.Set([]byte("b"), Value{Bytes: []byte("bytes now")})
	tb.Set([]byte("c"), Value{Obj: c})
	tb.Set([]byte("c"), Value{Obj: a})
	if len(dropped) != 2 || dropped[0] != any(a) || dropped[1] != any(b) {
		t.Fatalf("dropped %v, want a then b", dropped)
	}
}
