package keyspace

import (
	"math/bits"
	"unsafe"

	"github.com/bytedance/gopkg/lang/fastrand"
)

// Sample sizes for Random, as Valkey's fair and weak random entry.
const (
	fairSamples = slotsPerBucket * 10
	weakSamples = slotsPerBucket
)

// Scan calls fn for the entries at cursor and returns the cursor to pass
// next; a full scan starts at 0 and ends when 0 is returned. fn may be nil.
//
// The guarantee is Valkey's: an entry present for the whole of a full scan is
// passed to fn at least once (rarely twice), however often the table grows,
// shrinks or rehashes between calls; an entry added or removed during the scan
// may or may not be. This holds because the cursor counts up in reversed-bit
// order, so the buckets already visited at one table size map onto exactly
// the buckets already visited at any other size.
//
// fn may delete the entry it is given and may add or replace entries; it must
// not delete others. Rehashing is paused while fn runs.
func (t *Table) Scan(cursor uint64, fn func(Entry)) uint64 {
	if t.Len() == 0 {
		return 0
	}
	t.pause++
	if t.rehashIdx < 0 {
		mask := t.mask[0]
		t.scanChain(0, cursor&mask, fn)
		cursor = nextCursor(cursor, mask)
	} else {
		// Visit the cursor's bucket in the smaller table and every bucket of
		// the larger table that it expands to.
		small, large := 0, 1
		if t.exp[0] > t.exp[1] {
			small, large = 1, 0
		}
		ms, ml := t.mask[small], t.mask[large]
		if idx := cursor & ms; small == 1 || idx >= uint64(t.rehashIdx) {
			t.scanChain(small, idx, fn)
		}
		for {
			if idx := cursor & ml; large == 1 || idx >= uint64(t.rehashIdx) {
				t.scanChain(large, idx, fn)
			}
			cursor = nextCursor(cursor, ml)
			if cursor&(ms^ml) == 0 {
				break
			}
		}
	}
	t.pause--
	return cursor
}

// scanChain calls fn for each entry in one bucket chain.
func (t *Table) scanChain(tab int, idx uint64, fn func(Entry)) {
	if fn == nil {
		return
	}
	before := t.used[tab]
	b := t.bucket(tab, idx)
	for {
		for pos := 0; pos < slotsPerBucket; pos++ {
			// Re-read meta each time: fn may have changed the bucket.
			if b.meta&(1<<pos) != 0 {
				fn(Entry{t.a.ptr(b.slots[pos]), t.a})
			}
		}
		if b.meta&chainedBit == 0 {
			break
		}
		b = t.child(b)
	}
	if t.used[tab] < before && t.pause == 1 {
		t.compactChain(tab, idx)
	}
}

// BucketsAhead appends to dst the addresses of the buckets the next n Scan
// calls from cursor visit, for a full scan (a snapshot) to prefetch: Scan's
// reversed-bit order jumps across the bucket array, so each bucket is a
// cache miss of its own. While the table rehashes it appends nothing. The
// addresses are hints, like BucketAddr's.
func (t *Table) BucketsAhead(cursor uint64, n int, dst []unsafe.Pointer) []unsafe.Pointer {
	if t.rehashIdx >= 0 || t.exp[0] < 0 {
		return dst
	}
	mask := t.mask[0]
	for ; n > 0; n-- {
		dst = append(dst, unsafe.Add(t.arr[0].p, (cursor&mask)*uint64(bucketSize)))
		if cursor = nextCursor(cursor, mask); cursor == 0 {
			break
		}
	}
	return dst
}

// nextCursor increments the bits of v under mask in reverse order.
func nextCursor(v, mask uint64) uint64 {
	v |= ^mask
	v = bits.Reverse64(v)
	v++
	return bits.Reverse64(v)
}

// Random returns a random entry, or false if the table is empty. It samples
// up to 70 entries from random buckets and picks one of them uniformly, as
// Valkey's RANDOMKEY does, so keys in long chains are not much favoured.
func (t *Table) Random() (Entry, bool) {
	n := t.Len()
	if n == 0 {
		return Entry{}, false
	}
	want := weakSamples
	if n >= t.Buckets() {
		want = fairSamples
	}
	want = min(want, n)
	var pick Entry
	seen := 0
	for c := fastrand.Uint64(); seen < want; {
		c = t.Scan(c, func(e Entry) {
			seen++
			if fastrand.Uint64n(uint64(seen)) == 0 {
				pick = e
			}
		})
	}
	t.rehashOnRead()
	return pick, true
}

// Sample fills dst with up to len(dst) distinct entries taken from random
// buckets (a run of scan cursors from a random start, reservoir-sampled) and returns how
// many it stored: len(dst), or Len() if that is smaller. Eviction uses it.
// The entries stay valid until the next write to the table.
func (t *Table) Sample(dst []Entry) int {
	n := min(len(dst), t.Len())
	seen := 0
	// Follow the cursor from a random start: consecutive cursors never
	// visit a bucket twice before the scan wraps, so the entries are
	// distinct, and reversed-bit order spreads them over the table.
	for c := fastrand.Uint64(); seen < n; {
		c = t.Scan(c, func(e Entry) {
			if seen < n {
				dst[seen] = e
			} else if j := fastrand.Uint64n(uint64(seen + 1)); j < uint64(n) {
				dst[j] = e
			}
			seen++
		})
	}
	t.rehashOnRead()
	return n
}

// SampleFunc calls fn for n entries, or Len() if fewer, taken from random
// buckets, and lets fn delete the entry it is given (active expiry). An entry
// may be passed more than once if the table changes under the sampling.
func (t *Table) SampleFunc(n int, fn func(Entry)) {
	n = min(n, t.Len())
	for seen, c := 0, fastrand.Uint64(); seen < n && t.Len() > 0; {
		c = t.Scan(c, func(e Entry) {
			if seen < n {
				seen++
				fn(e)
			}
		})
	}
}
