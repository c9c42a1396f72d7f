package keyspace

import (
	"math/bits"
	"sync"
	"syscall"
	"unsafe"
)

// Blocks for large records, mapped outside the Go heap.
//
// On the Go heap a record of 64 KiB is a noscan object the collector
// never marks through, but it still paces on it: with GOGC=100 the heap
// grows to twice the live data before a cycle frees what SETs replaced,
// and every new object is zeroed before it is written. 537 MB of 64 KiB
// values (GET/SET churn at -P 16) held 1.05 GB resident, against 0.64 GB
// for Valkey, whose allocator reuses a freed block at once.
//
// So blocks of largeMinBlock bytes or more come from here. Each block sits
// in a slot of a power-of-two class within regions mapped for that class;
// only the pages a record writes become resident, so rounding a 68 KiB
// block up to a 128 KiB slot costs address space, not memory. A freed
// block goes on its class's free list with its pages kept, so that the
// next record of the class is written into memory already faulted in,
// as long as the kept pages stay under largeKeepLimit; beyond that they
// go back to the OS at once (MADV_DONTNEED). A reused slot gives back
// the pages its previous record used beyond what the new one needs.
//
// A block is freed when its last reference goes (see Pin): the table's,
// or a pending reply's, on whatever goroutine drops it; hence the lock.
// Regions are never unmapped: address space stays bounded by the peak
// of each class.
const (
	largeMinShift  = 14                 // the smallest class: 16 KiB slots
	largeMinBlock  = 1 << largeMinShift // smaller blocks stay on the Go heap
	largeClasses   = 34 - largeMinShift // up to 16 GiB slots
	largeRegion    = 64 << 20           // address space mapped at once for a class
	largeKeepFloor = 32 << 20           // freed pages kept at least up to this
)

// spareSlot is a freed slot and how many of its pages are resident.
type spareSlot struct {
	p     unsafe.Pointer
	pages uintptr
}

type largeClass struct {
	warm   []spareSlot      // freed slots with pages kept; LIFO, the latest freed is the likeliest in cache
	cold   []unsafe.Pointer // freed slots whose pages went back
	region unsafe.Pointer   // the region slots are carved from
	next   uintptr          // offset of its first unused slot
	size   uintptr          // its length
}

// A largeAllocator hands out blocks for large records; largeMem is the
// process's.
type largeAllocator struct {
	sync.Mutex
	classes [largeClasses]largeClass
	live    int64 // bytes in pages of blocks in use
	kept    int64 // bytes in resident pages of spare slots
	allocs  int64 // blocks handed out so far
	clock   decayClock
}

var largeMem largeAllocator

func allocLargeBlock(n int) (unsafe.Pointer, int) { return largeMem.alloc(n) }
func freeLargeBlock(p unsafe.Pointer, size int)   { largeMem.free(p, size) }

// LargeSpareBytes is the memory of freed large-record blocks kept resident
// for reuse, in every Arena of the process.
func LargeSpareBytes() int64 { return largeMem.spare() }

// DecayLargeSpare gives back the kept pages of freed large-record blocks
// once no block has been allocated for DecayMs. The cron calls it with the
// time in milliseconds.
func DecayLargeSpare(nowMs int64) { largeMem.decay(nowMs) }

func pagesFor(n uintptr) uintptr { return (n + pageSize - 1) / pageSize }

// largeClassOf returns the class whose slots hold n bytes, or -1.
func largeClassOf(n int) int {
	k := bits.Len(uint(n-1)) - largeMinShift
	if n < largeMinBlock || k >= largeClasses {
		return -1
	}
	return max(k, 0)
}

// keepLimit is how many bytes of freed pages are kept for reuse: a
// sixteenth of the live large blocks, at least largeKeepFloor.
func (m *largeAllocator) keepLimit() int64 { return max(largeKeepFloor, m.live/16) }

// alloc returns a page-aligned block of at least n bytes and its size, or
// nil if n is too small for a mapped block or no memory can be mapped. Its
// contents are garbage.
func (m *largeAllocator) alloc(n int) (unsafe.Pointer, int) {
	k := largeClassOf(n)
	if k < 0 {
		return nil, 0
	}
	need := pagesFor(uintptr(n))
	m.Lock()
	defer m.Unlock()
	c := &m.classes[k]
	var p unsafe.Pointer
	if i := len(c.warm) - 1; i >= 0 {
		s := c.warm[i]
		c.warm = c.warm[:i]
		m.kept -= int64(s.pages * pageSize)
		p = s.p
		if s.pages > need {
			dontNeed(unsafe.Add(p, need*pageSize), (s.pages-need)*pageSize)
		}
	} else if i := len(c.cold) - 1; i >= 0 {
		p = c.cold[i]
		c.cold = c.cold[:i]
	} else {
		slot := uintptr(1) << (k + largeMinShift)
		if c.region == nil || c.next+slot > c.size {
			size := max(largeRegion, slot)
			r, err := syscall.Mmap(-1, 0, int(size), syscall.PROT_READ|syscall.PROT_WRITE,
				syscall.MAP_PRIVATE|syscall.MAP_ANON|syscall.MAP_NORESERVE)
			if err != nil {
				return nil, 0
			}
			c.region, c.next, c.size = unsafe.Pointer(unsafe.SliceData(r)), 0, size
		}
		p = unsafe.Add(c.region, c.next)
		c.next += slot
	}
	m.live += int64(need * pageSize)
	m.allocs++
	return p, int(need * pageSize)
}

// free takes back a block of size bytes, as alloc returned them.
func (m *largeAllocator) free(p unsafe.Pointer, size int) {
	k := largeClassOf(size)
	pages := uintptr(size) / pageSize
	m.Lock()
	defer m.Unlock()
	m.live -= int64(size)
	c := &m.classes[k]
	if m.kept+int64(size) > m.keepLimit() {
		dontNeed(p, uintptr(size))
		c.cold = append(c.cold, p)
		return
	}
	m.kept += int64(size)
	c.warm = append(c.warm, spareSlot{p, pages})
}

// dontNeed gives n bytes of pages at p back to the OS; they read as zeros
// when next touched.
func dontNeed(p unsafe.Pointer, n uintptr) {
	_ = syscall.Madvise(unsafe.Slice((*byte)(p), n), syscall.MADV_DONTNEED)
}

func (m *largeAllocator) decay(nowMs int64) {
	m.Lock()
	defer m.Unlock()
	if !m.clock.idle(m.allocs, nowMs) || m.kept == 0 {
		return
	}
	for k := range m.classes {
		c := &m.classes[k]
		for _, s := range c.warm {
			dontNeed(s.p, s.pages*pageSize)
			c.cold = append(c.cold, s.p)
		}
		c.warm = c.warm[:0]
	}
	m.kept = 0
}

// spare is the memory of freed blocks kept resident.
func (m *largeAllocator) spare() int64 {
	m.Lock()
	defer m.Unlock()
	return m.kept
}
