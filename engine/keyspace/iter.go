package keyspace

import (
	"math/bits"
	"unsafe"
)

// An Iterator walks every entry of a Table once. Start one with Iter, call
// Next until it reports false, and Close it (Close may be deferred; Next
// closes it at the end too). While it is open, rehashing is paused, so the
// loop body may look keys up, add or replace entries (added ones may or may
// not be visited), and delete the current entry with Delete. It must not
// delete other entries. Entries present for the whole walk are visited
// once; one may be visited twice if entries are added to its bucket chain
// during the walk.
type Iterator struct {
	t        *Table
	b        *bucket
	idx      uint64
	tab      int8
	pos      int8
	state    uint8 // iterNew, iterOpen or iterDone
	lastUsed int   // t.used[tab] when the current chain was entered
}

const (
	iterNew = iota
	iterOpen
	iterDone
)

// Iter returns an Iterator over t.
func (t *Table) Iter() Iterator { return Iterator{t: t} }

// Next advances to the next entry and reports whether there is one.
func (it *Iterator) Next() bool {
	t := it.t
	switch it.state {
	case iterDone:
		return false
	case iterNew:
		it.state = iterOpen
		t.pause++
		if t.exp[0] < 0 {
			it.Close()
			return false
		}
		if t.rehashIdx >= 0 {
			it.idx = uint64(t.rehashIdx) // the buckets before it are empty
		}
		it.b = t.bucket(0, it.idx)
		it.pos = -1
		it.lastUsed = t.used[0]
	}
	for {
		it.pos++
		if it.b.meta&chainedBit != 0 && it.pos >= linkSlot {
			it.b, it.pos = t.child(it.b), 0
		} else if it.pos >= slotsPerBucket {
			if t.pause == 1 && t.used[it.tab] < it.lastUsed {
				t.compactChain(int(it.tab), it.idx)
			}
			it.idx++
			if it.idx >= uint64(numBuckets(t.exp[it.tab])) {
				if it.tab == 1 || t.rehashIdx < 0 {
					it.Close()
					return false
				}
				it.tab, it.idx = 1, 0
			}
			it.b, it.pos = t.bucket(int(it.tab), it.idx), 0
			it.lastUsed = t.used[it.tab]
		}
		if it.b.meta&(1<<it.pos) != 0 {
			return true
		}
	}
}

// Entry returns the current entry.
func (it *Iterator) Entry() Entry {
	return Entry{it.t.a.ptr(it.b.slots[it.pos]), it.t.a}
}

// Delete removes the current entry. FLUSHDB-style and expiry sweeps use it.
func (it *Iterator) Delete() {
	it.t.removeAt(it.b, int(it.pos), int(it.tab))
}

// Close ends the walk and resumes rehashing. It is idempotent.
func (it *Iterator) Close() {
	if it.state == iterOpen {
		it.t.pause--
	}
	it.state = iterDone
}

// ForEach calls fn for every entry until fn returns false. fn may do what an
// Iterator's loop body may, except delete: use an Iterator for that.
func (t *Table) ForEach(fn func(Entry) bool) {
	it := t.Iter()
	defer it.Close()
	for it.Next() {
		if !fn(it.Entry()) {
			return
		}
	}
}

// Clear empties the table at once and returns its old contents, to be freed
// in steps by Detached.Free (the records stay allocated in the Arena until
// then). If the whole Arena is being dropped instead, the Detached can be
// ignored and the Arena released. While a snapshot runs, Clear first hands
// every unsaved entry to the snapshot's save hook, which takes time in
// proportion to their number. Clear must not be called while an Iterator is
// open or from a Scan callback.
func (t *Table) Clear() *Detached {
	if t.save != nil {
		t.walk(func(b *bucket, pos int) { t.capture(t.a.ptr(b.slots[pos])) })
	}
	d := &Detached{a: t.a, arr: t.arr, exp: t.exp, n: t.Len()}
	t.arr = [2]bucketArray{}
	t.mask = [2]uint64{}
	t.used = [2]int{}
	t.children = [2]int{}
	t.exp = [2]int8{-1, -1}
	t.rehashIdx = -1
	return d
}

// Detached holds the contents of a cleared Table until they are freed.
// It belongs to the goroutine that owns the Arena.
type Detached struct {
	a   *Arena
	arr [2]bucketArray
	exp [2]int8
	tab int
	idx int
	n   int // records not yet freed
}

// Len returns the number of records not yet freed.
func (d *Detached) Len() int { return d.n }

// Free frees the records and buckets of about max buckets' worth (at least
// one bucket chain) and reports whether everything has been freed. The cron
// calls it until it does.
func (d *Detached) Free(max int) bool {
	if max < 1 {
		max = 1
	}
	a := d.a
	for ; d.tab < 2; d.tab, d.idx = d.tab+1, 0 {
		nb := numBuckets(d.exp[d.tab])
		for ; d.idx < nb; d.idx++ {
			if max <= 0 {
				return false
			}
			max--
			b := (*bucket)(unsafe.Add(d.arr[d.tab].p, uintptr(d.idx*bucketSize)))
			chained := false
			var r uint64
			for {
				for p := b.meta & presenceMask; p != 0; p &= p - 1 {
					pos := bits.TrailingZeros64(p)
					rp := a.ptr(b.slots[pos])
					if obj, ok := recObj(rp); ok {
						a.dropObj(obj)
					}
					a.free(b.slots[pos])
					d.n--
				}
				next := b.slots[linkSlot]
				isChained := b.meta&chainedBit != 0
				if chained {
					a.free(r)
				}
				if !isChained {
					break
				}
				chained, r = true, next
				b = (*bucket)(a.ptr(r))
			}
		}
		a.freeBuckets(d.arr[d.tab])
		d.arr[d.tab] = bucketArray{}
	}
	return true
}
