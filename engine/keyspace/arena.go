package keyspace

import (
	"math/bits"
	"runtime"
	"unsafe"
)

// Slab geometry. A ref (the 64-bit handle the tables store) is
// chunkIndex<<chunkShift | offsetInChunk.
const (
	chunkShift = 18
	chunkSize  = 1 << chunkShift // 256 KiB: the unit taken from the OS and given back
	offMask    = chunkSize - 1
	maxSmall   = 32 << 10 // the largest slot; bigger records get an allocation of their own
	pageSize   = 4096
	numClasses = 59
)

// Chunk states.
const (
	chunkUnused  = iota // index free, no memory
	chunkPartial        // slab with free slots, on its class's partial list
	chunkFull           // slab without free slots
	chunkSpare          // empty slab memory kept for reuse (pages returned to the OS)
	chunkLarge          // one record larger than maxSmall
)

// classSize is the slot size of each size class: 8-byte steps from 16 to
// 256, then four classes per doubling up to maxSmall. The fine steps matter:
// a typical small-string record (9-byte header, 10-byte key, 100-byte value)
// fits 120 bytes, and a 16-byte step would waste 9 of 128 on each key. Every
// power of two from 64 to maxSmall is a class, so bucket arrays and child
// buckets fill their slots exactly and stay cache-line aligned.
var classSize = func() (s [numClasses]uint32) {
	i := 0
	for n := uint32(16); n <= 256; n += 8 {
		s[i] = n
		i++
	}
	for base := uint32(256); base < maxSmall; base *= 2 {
		for k := uint32(1); k <= 4; k++ {
			s[i] = base + k*base/4
			i++
		}
	}
	return s
}()

// sizeClass returns the smallest class whose slots hold n bytes, 0 < n <= maxSmall.
func sizeClass(n uint32) int {
	if n <= 256 {
		return max(int((n+7)>>3), 2) - 2
	}
	lg := bits.Len32(n - 1) // 2^(lg-1) < n <= 2^lg
	half := uint32(1) << (lg - 1)
	return 31 + (lg-9)*4 + int((n-1-half)>>(lg-3))
}

type chunkMeta struct {
	live   uint32 // slots in use
	free   uint32 // 1 + offset of the first slot on the free list, 0 if none
	bump   uint32 // offset of the first never-used slot; a large record's size
	prev   int32  // partial-list neighbours, -1 for none
	next   int32
	class  uint8
	state  uint8
	onHeap bool // memory came from the Go heap, not from osMemory
}

// ArenaStats describes an Arena's memory, for INFO and tests.
type ArenaStats struct {
	Chunks      int   // slab chunks holding memory (partial, full or spare)
	SlabBytes   int64 // bytes of slab memory in use by chunks other than spares
	SlotBytes   int64 // bytes in allocated slots (records, child buckets, small bucket arrays)
	LargeBytes  int64 // bytes in records too large for a slab
	BucketBytes int64 // bytes in bucket arrays too large for a slab
	Objects     int   // live object references
}

// An Arena stores records and buckets for one or more Tables as pointer-free
// slots in 256 KiB chunks, so the garbage collector sees a few pointers per
// chunk instead of one per key. See the package documentation for the layout.
//
// An Arena is not safe for concurrent use: the goroutine that owns its
// Tables is the only one that may touch it, except for Release.
type Arena struct {
	base    []unsafe.Pointer // chunk index → first byte of the chunk's memory
	meta    []chunkMeta
	partial [numClasses]int32 // head of each class's partial list, -1 for none
	unused  []int32           // chunk indices with no memory
	spare   []int32           // chunk indices holding reusable, released OS memory
	os      *osMemory         // nil when chunks come from the Go heap
	objs    []any             // object references of records that carry one
	freeObj []uint32
	stats   ArenaStats
	cleanup runtime.Cleanup
	large   int   // records bigger than this get an allocation of their own; 0 means maxSmall
	mapped  int64 // bytes of large records in blocks mapped outside the Go heap

	chunksTaken int64 // chunks newChunk has handed out, ever
	clock       decayClock

	onDrop func(obj any) // told of each value object the Arena lets go of (SetDropHook)
}

// SetLargeRecord makes records bigger than n bytes (at most the largest
// slot, 32 KiB) get an allocation of their own, which makes their values
// Stable: the engine sets it from min-string-size-avoid-copy-reply so that
// every value large enough to be sent by reference can be. Records already
// stored keep their place until rewritten.
func (a *Arena) SetLargeRecord(n int) {
	a.large = min(max(n, 1), maxSmall)
}

// largeLimit is the largest record kept in a slab slot.
func (a *Arena) largeLimit() int {
	if a.large == 0 {
		return maxSmall
	}
	return a.large
}

// allocRecord allocates a record of size bytes and reports whether it got
// an allocation of its own; such a one gets spare bytes more, for the
// value to grow into (Entry.Grow).
func (a *Arena) allocRecord(size, spare int) (uint64, unsafe.Pointer, bool) {
	if size > a.largeLimit() {
		r, p := a.allocLarge(size + max(spare, 0))
		return r, p, true
	}
	r, p := a.alloc(size)
	return r, p, false
}

// NewArena returns an empty Arena. Tables that share an Arena share its slabs,
// which matters when there are many small tables (one per cluster slot).
func NewArena() *Arena { return newArena(false) }

// newArena returns an empty Arena; heap forces its chunks onto the Go heap
// even where the OS can map them, so tests can cover the portable path.
func newArena(heap bool) *Arena {
	a := &Arena{}
	for i := range a.partial {
		a.partial[i] = -1
	}
	if !heap {
		a.os = newOSMemory()
	}
	if a.os != nil {
		// Mapped memory is invisible to the GC: give it back if the owner
		// drops the Arena without calling Release.
		a.cleanup = runtime.AddCleanup(a, func(m *osMemory) { m.releaseAll() }, a.os)
	}
	return a
}

// Release returns all the Arena's memory at once. It may be called from any
// goroutine, but only once no Table, Entry or slice obtained from the Arena
// is used again: this is how FLUSHALL ASYNC drops a whole database in the
// background. The Arena must not be used afterwards.
func (a *Arena) Release() {
	if a.os != nil {
		a.cleanup.Stop()
		a.os.releaseAll()
	}
	*a = Arena{}
}

// Stats reports the Arena's memory use.
func (a *Arena) Stats() ArenaStats { return a.stats }

// Footprint is the memory the Arena holds: slab chunks in use, large records
// and large bucket arrays. Spare chunks have returned their pages to the OS.
func (a *Arena) Footprint() int64 {
	return a.stats.SlabBytes + a.stats.LargeBytes + a.stats.BucketBytes
}

// OffHeap is the part of Footprint mapped from the OS outside the Go heap
// (slab chunks, large bucket arrays and large records, on Linux), which
// the Go runtime's memory statistics do not see.
func (a *Arena) OffHeap() int64 {
	if a.os == nil {
		return 0
	}
	return a.stats.SlabBytes + a.stats.BucketBytes + a.mapped
}

// OffHeapLive is the part of OffHeap that holds data: the slots in use
// rather than the whole chunks they sit in. The difference is what
// deletions left free inside chunks, the Arena's fragmentation.
func (a *Arena) OffHeapLive() int64 {
	if a.os == nil {
		return 0
	}
	return a.stats.SlotBytes + a.stats.BucketBytes + a.mapped
}

// Trim gives back the memory of the empty chunks the Arena keeps, one per
// size class at most, to absorb churn around a chunk boundary. The cron may
// call it when memory matters more than a few page faults.
func (a *Arena) Trim() {
	for _, ci := range a.partial {
		for ci >= 0 {
			next := a.meta[ci].next
			if a.meta[ci].live == 0 {
				a.releaseChunk(ci)
			}
			ci = next
		}
	}
}

// SetDropHook has fn called with every value object the Arena lets go of
// (its key deleted, overwritten with bytes, or freed with the table),
// while the object is still whole. The engine counts their memory as
// freed before the collector has run.
func (a *Arena) SetDropHook(fn func(obj any)) { a.onDrop = fn }

// Decay trims (Trim) once no chunk has been taken for DecayMs: the churn
// the empty chunks are kept for has stopped. The cron calls it with the
// time in milliseconds.
func (a *Arena) Decay(nowMs int64) {
	if a.clock.idle(a.chunksTaken, nowMs) {
		a.Trim()
	}
}

// ptr resolves a ref to the address of its slot.
func (a *Arena) ptr(r uint64) unsafe.Pointer {
	return unsafe.Add(a.base[r>>chunkShift], r&offMask)
}

// alloc returns a slot of at least n bytes, n > 0. Its contents are garbage.
func (a *Arena) alloc(n int) (uint64, unsafe.Pointer) {
	if n > maxSmall {
		return a.allocLarge(n)
	}
	class := sizeClass(uint32(n))
	size := classSize[class]
	ci := a.partial[class]
	if ci < 0 {
		ci = a.newChunk(class)
	}
	m := &a.meta[ci]
	base := a.base[ci]
	var off uint32
	if m.free != 0 {
		off = m.free - 1
		m.free = *(*uint32)(unsafe.Add(base, off))
	} else {
		off = m.bump
		m.bump += size
	}
	m.live++
	if m.free == 0 && m.bump+size > chunkSize {
		a.unlinkPartial(ci)
		m.state = chunkFull
	}
	a.stats.SlotBytes += int64(size)
	return uint64(ci)<<chunkShift | uint64(off), unsafe.Add(base, off)
}

// allocZeroed is alloc with the slot cleared.
func (a *Arena) allocZeroed(n int) (uint64, unsafe.Pointer) {
	r, p := a.alloc(n)
	clear(unsafe.Slice((*byte)(p), n))
	return r, p
}

// free returns a slot to its chunk.
func (a *Arena) free(r uint64) {
	ci := int32(r >> chunkShift)
	off := uint32(r & offMask)
	m := &a.meta[ci]
	if m.state == chunkLarge {
		a.stats.LargeBytes -= int64(m.bump)
		h := (*largeHeader)(unsafe.Add(a.base[ci], -pinSize))
		if !m.onHeap {
			a.mapped -= int64(m.bump)
			a.os.forgetLarge(h)
		}
		a.base[ci] = nil
		*m = chunkMeta{}
		a.unused = append(a.unused, ci)
		h.drop() // the memory goes now, or with the last reply that sends it
		return
	}
	size := classSize[m.class]
	a.stats.SlotBytes -= int64(size)
	*(*uint32)(unsafe.Add(a.base[ci], off)) = m.free
	m.free = off + 1
	m.live--
	if m.state == chunkFull {
		m.state = chunkPartial
		a.pushPartial(ci)
	}
	// Give an empty chunk back unless it is its class's only partial chunk,
	// so that a class hovering around a chunk boundary does not thrash.
	if m.live == 0 && (a.partial[m.class] != ci || m.next >= 0) {
		a.releaseChunk(ci)
	}
}

// classOf reports the slot capacity of the slot a ref names: its class size,
// or 0 for a large record, which is never reused in place.
func (a *Arena) slotCap(r uint64) int {
	m := &a.meta[r>>chunkShift]
	if m.state == chunkLarge {
		return 0
	}
	return int(classSize[m.class])
}

func (a *Arena) newIndex() int32 {
	if n := len(a.unused); n > 0 {
		ci := a.unused[n-1]
		a.unused = a.unused[:n-1]
		return ci
	}
	a.base = append(a.base, nil)
	a.meta = append(a.meta, chunkMeta{})
	return int32(len(a.base) - 1)
}

// newChunk gives class a fresh empty chunk and puts it on the partial list.
func (a *Arena) newChunk(class int) int32 {
	a.chunksTaken++
	var ci int32
	if n := len(a.spare); n > 0 {
		ci = a.spare[n-1]
		a.spare = a.spare[:n-1]
	} else {
		ci = a.newIndex()
		var p unsafe.Pointer
		onHeap := true
		if a.os != nil {
			if p = a.os.chunk(); p != nil {
				onHeap = false
			}
		}
		if onHeap {
			p = unsafe.Pointer(unsafe.SliceData(make([]byte, chunkSize)))
		}
		a.base[ci] = p
		a.meta[ci].onHeap = onHeap
		a.stats.Chunks++
	}
	m := &a.meta[ci]
	*m = chunkMeta{class: uint8(class), state: chunkPartial, onHeap: m.onHeap}
	a.pushPartial(ci)
	a.stats.SlabBytes += chunkSize
	return ci
}

// releaseChunk takes an empty chunk off its class and returns its memory.
func (a *Arena) releaseChunk(ci int32) {
	a.unlinkPartial(ci)
	a.stats.SlabBytes -= chunkSize
	m := &a.meta[ci]
	if m.onHeap {
		a.base[ci] = nil
		*m = chunkMeta{}
		a.unused = append(a.unused, ci)
		a.stats.Chunks--
		return
	}
	a.os.release(a.base[ci])
	*m = chunkMeta{state: chunkSpare}
	a.spare = append(a.spare, ci)
}

func (a *Arena) allocLarge(n int) (uint64, unsafe.Pointer) {
	ci := a.newIndex()
	// Large records get a block outside the Go heap where the OS gives
	// one (largemem_linux.go), else a noscan heap object of their own. A
	// mapping per record would run into the kernel's limit on mappings per
	// process, so blocks are carved from shared regions. The record is
	// preceded by a largeHeader; both kinds of block are at least 8-byte
	// aligned, so its fields are too.
	size := pinSize + n
	var h *largeHeader
	if a.os != nil {
		if b, got := allocLargeBlock(size); b != nil {
			h = (*largeHeader)(b)
			h.pages = uint32(got / pageSize)
			size = got
			a.mapped += int64(size)
			a.os.keepLarge(h)
		}
	}
	if h == nil {
		h = (*largeHeader)(unsafe.Pointer(unsafe.SliceData(make([]byte, size))))
	}
	h.pin.n.Store(1) // the table's reference
	h.capacity = uint64(size - pinSize)
	p := unsafe.Add(unsafe.Pointer(h), pinSize)
	a.base[ci] = p
	a.meta[ci] = chunkMeta{bump: uint32(size), state: chunkLarge, onHeap: h.pages == 0, prev: -1, next: -1}
	a.stats.LargeBytes += int64(size)
	return uint64(ci) << chunkShift, p
}

func (a *Arena) pushPartial(ci int32) {
	m := &a.meta[ci]
	head := a.partial[m.class]
	m.prev, m.next = -1, head
	if head >= 0 {
		a.meta[head].prev = ci
	}
	a.partial[m.class] = ci
}

func (a *Arena) unlinkPartial(ci int32) {
	m := &a.meta[ci]
	if m.prev >= 0 {
		a.meta[m.prev].next = m.next
	} else {
		a.partial[m.class] = m.next
	}
	if m.next >= 0 {
		a.meta[m.next].prev = m.prev
	}
	m.prev, m.next = -1, -1
}

// bucketArray is the memory of one table's top-level buckets.
type bucketArray struct {
	p   unsafe.Pointer // first bucket
	ref uint64         // slab slot, when big is nil
	big []byte         // a separate allocation for arrays larger than maxSmall
}

// allocBuckets returns n zeroed buckets.
func (a *Arena) allocBuckets(n int) bucketArray {
	size := n * bucketSize
	if size <= maxSmall {
		r, p := a.allocZeroed(size)
		return bucketArray{p: p, ref: r}
	}
	var b []byte
	if a.os != nil {
		b = a.os.mapBig(size)
	}
	if b == nil {
		b = make([]byte, size)
	}
	a.stats.BucketBytes += int64(size)
	return bucketArray{p: unsafe.Pointer(unsafe.SliceData(b)), big: b}
}

func (a *Arena) freeBuckets(arr bucketArray) {
	if arr.p == nil {
		return
	}
	if arr.big == nil {
		a.free(arr.ref)
		return
	}
	a.stats.BucketBytes -= int64(len(arr.big))
	if a.os != nil {
		a.os.unmapBig(arr.big)
	}
}

// putObj stores an object reference and returns its index.
func (a *Arena) putObj(o any) uint32 {
	a.stats.Objects++
	if n := len(a.freeObj); n > 0 {
		i := a.freeObj[n-1]
		a.freeObj = a.freeObj[:n-1]
		a.objs[i] = o
		return i
	}
	if uint64(len(a.objs)) >= 1<<32-1 {
		panic("keyspace: more than 2^32-1 object references in one arena")
	}
	a.objs = append(a.objs, o)
	return uint32(len(a.objs) - 1)
}

func (a *Arena) dropObj(i uint32) {
	if a.onDrop != nil {
		a.onDrop(a.objs[i])
	}
	a.stats.Objects--
	a.objs[i] = nil
	a.freeObj = append(a.freeObj, i)
}
