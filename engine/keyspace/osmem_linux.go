package keyspace

import (
	"sync"
	"syscall"
	"unsafe"
)

// osMemory maps slab chunks and large bucket arrays straight from the kernel,
// outside the Go heap: the collector never scans or paces on them, and the
// pages of an emptied chunk go back to the OS at once (MADV_DONTNEED) instead
// of when the scavenger gets round to it.
//
// Chunks are carved from regions that double from 1 MiB to 64 MiB, so a
// large keyspace needs few mappings (the kernel caps them per process at
// vm.max_map_count, 65530 by default).
//
// Regions are never unmapped. A slice returned by Entry.Key or Entry.Value
// does not keep the Arena alive, so if the Arena is released, or dropped and
// collected, while such a slice is still (wrongly) in use, the slice must not
// point at unmapped memory: that would be a segmentation fault instead of a
// stale read. Released regions give their pages back and go to a process-wide
// pool that later Arenas carve from first, so address space stays bounded by
// the peak. Bucket arrays are only ever reached through their Table, so they
// are unmapped outright.
type osMemory struct {
	regions [][]byte
	next    int // offset of the first uncarved byte of the last region
	big     map[*byte][]byte
	large   map[*largeHeader]struct{} // mapped large records the tables hold
}

const (
	firstRegion = 1 << 20
	maxRegion   = 64 << 20
	// Unmapping this much zaps enough page-table entries to show up as
	// latency, so it is done on a goroutine of its own.
	asyncUnmap = 256 << 10
)

// regionPool holds released regions, pages already returned, for reuse.
var regionPool struct {
	sync.Mutex
	free [][]byte
}

func newOSMemory() *osMemory {
	return &osMemory{big: map[*byte][]byte{}, large: map[*largeHeader]struct{}{}}
}

// keepLarge and forgetLarge track the mapped large records the Arena's
// tables hold, so that releaseAll can let go of them.
func (m *osMemory) keepLarge(h *largeHeader)   { m.large[h] = struct{}{} }
func (m *osMemory) forgetLarge(h *largeHeader) { delete(m.large, h) }

func mmap(n int) []byte {
	b, err := syscall.Mmap(-1, 0, n, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		return nil // the caller falls back to the Go heap
	}
	return b
}

// chunk returns a chunkSize piece of mapped memory, or nil if none can be had.
func (m *osMemory) chunk() unsafe.Pointer {
	if n := len(m.regions); n == 0 || m.next+chunkSize > len(m.regions[n-1]) {
		var r []byte
		regionPool.Lock()
		if k := len(regionPool.free); k > 0 {
			r = regionPool.free[k-1]
			regionPool.free = regionPool.free[:k-1]
		}
		regionPool.Unlock()
		if r == nil {
			if r = mmap(min(firstRegion<<n, maxRegion)); r == nil {
				return nil
			}
		}
		m.regions = append(m.regions, r)
		m.next = 0
	}
	r := m.regions[len(m.regions)-1]
	p := unsafe.Pointer(&r[m.next])
	m.next += chunkSize
	return p
}

// release hands a chunk's pages back; the address range stays ours and reads
// as zeros when next touched.
func (m *osMemory) release(p unsafe.Pointer) {
	_ = syscall.Madvise(unsafe.Slice((*byte)(p), chunkSize), syscall.MADV_DONTNEED)
}

func (m *osMemory) mapBig(n int) []byte {
	b := mmap(n)
	if b != nil {
		m.big[unsafe.SliceData(b)] = b
	}
	return b
}

// unmapBig frees a mapping made by mapBig; it ignores heap slices.
func (m *osMemory) unmapBig(b []byte) {
	k := unsafe.SliceData(b)
	if _, ok := m.big[k]; !ok {
		return
	}
	delete(m.big, k)
	if len(b) >= asyncUnmap {
		go syscall.Munmap(b)
		return
	}
	_ = syscall.Munmap(b)
}

// releaseAll returns every page and puts the regions in the pool. Large
// records lose the table's reference: each one's block goes now, or with
// the last pending reply that sends it.
func (m *osMemory) releaseAll() {
	for h := range m.large {
		h.drop()
	}
	for _, r := range m.regions {
		_ = syscall.Madvise(r, syscall.MADV_DONTNEED)
	}
	regionPool.Lock()
	regionPool.free = append(regionPool.free, m.regions...)
	regionPool.Unlock()
	for _, b := range m.big {
		_ = syscall.Munmap(b)
	}
	m.regions, m.big, m.large, m.next = nil, nil, nil, 0
}
