// Package chaintab is the bucket array of a hash table whose entries chain
// through a link in themselves (a hash's fields, a sorted set's skiplist
// nodes): a power-of-two array of chain heads that resizes incrementally.
//
// A resize keeps the old array beside the new one. New entries go to the
// new array at once; the old array's chains move over a few buckets per
// change to the table (Step), as Valkey rehashes its hashtables, so that no
// single command pays for rehashing a million entries. Before this, the
// HSET that took a hash past 1,048,576 fields stalled 259 ms and a ZADD
// 356 ms on the reference machine.
//
// The table owns only the buckets: its owner finds, links and unlinks
// entries in the chain Slot returns, and counts them. Scan walks both
// arrays with Valkey's reverse-binary cursor, so an entry present for a
// whole scan is returned at least once however the table is resized
// between calls.
//
// A Table is not safe for concurrent use.
package chaintab

import (
	"math/bits"
	"math/rand/v2"
)

// Node is the pointer type a Table chains: Link is the entry's link to the
// next entry of its chain, Hash the hash it is filed under (its low bits
// pick the bucket).
type Node[T any] interface {
	*T
	Link() **T
	Hash() uint64
}

// Table is a bucket array of chains of *T. The zero Table has no buckets.
type Table[T any, P Node[T]] struct {
	tab   []*T // chain heads; len is 0 or a power of two
	old   []*T // while a resize is under way, the buckets being emptied into tab
	moved int  // old's buckets below this are empty: their chains are in tab
}

// Each change under a resize moves the chains of up to stepMoves old
// buckets, looking at no more than stepVisits of them (an empty one costs
// a look), as Valkey's rehashStep does per operation. Owners double the
// table when the entries reach its size, so a resize ends well before the
// next one is due.
const (
	stepMoves  = 2
	stepVisits = 20
)

// Size is the bucket count for n entries at a fill of at most one per
// bucket: a power of two, at least 4.
func Size(n int) int {
	if n <= 4 {
		return 4
	}
	return 1 << bits.Len(uint(n-1))
}

// Buckets is the number of buckets new entries are filed in (0 before the
// first Resize).
func (t *Table[T, P]) Buckets() int { return len(t.tab) }

// Allocated is the number of bucket words held, both arrays during a
// resize, for memory accounting.
func (t *Table[T, P]) Allocated() int { return len(t.tab) + len(t.old) }

// Resizing reports whether an incremental resize is under way.
func (t *Table[T, P]) Resizing() bool { return t.old != nil }

// Slot is the head of the chain an entry with hash h is in, or is to be
// linked into: its old bucket while that has not moved yet, else its
// bucket in the new array. The table must have buckets.
func (t *Table[T, P]) Slot(h uint64) **T {
	if t.old != nil {
		if ob := int(h & uint64(len(t.old)-1)); ob >= t.moved {
			return &t.old[ob]
		}
	}
	return &t.tab[h&uint64(len(t.tab)-1)]
}

// Resize starts moving the entries to an array of size buckets (a power of
// two), finishing a resize still under way first. With empty true (the
// table holds no entry) the new array simply replaces the old.
func (t *Table[T, P]) Resize(size int, empty bool) {
	t.Finish()
	if size == len(t.tab) {
		return
	}
	if !empty && len(t.tab) > 0 {
		t.old, t.moved = t.tab, 0
	}
	t.tab = make([]*T, size)
}

// Rebuild files every entry in an array of size buckets at once: for an
// owner that sizes a table before filling it, where nothing is waiting.
func (t *Table[T, P]) Rebuild(size int) {
	t.Resize(size, false)
	t.Finish()
}

// Step moves a few of the old array's chains (see stepMoves); owners call
// it once per change to the table.
func (t *Table[T, P]) Step() {
	for moves, visits := 0, 0; t.old != nil && moves < stepMoves && visits < stepVisits; visits++ {
		if t.old[t.moved] != nil {
			t.moveBucket(t.moved)
			moves++
		}
		t.moved++
		if t.moved == len(t.old) {
			t.old, t.moved = nil, 0
		}
	}
}

// Finish moves every chain left in the old array.
func (t *Table[T, P]) Finish() {
	for ; t.old != nil && t.moved < len(t.old); t.moved++ {
		t.moveBucket(t.moved)
	}
	t.old, t.moved = nil, 0
}

// moveBucket moves old bucket ob's chain into the new array.
func (t *Table[T, P]) moveBucket(ob int) {
	mask := uint64(len(t.tab) - 1)
	for e := t.old[ob]; e != nil; {
		link := P(e).Link()
		next := *link
		head := &t.tab[P(e).Hash()&mask]
		*link = *head
		*head = e
		e = next
	}
	t.old[ob] = nil
}

// Reset drops every bucket.
func (t *Table[T, P]) Reset() { *t = Table[T, P]{} }

// Each calls fn for every entry, in bucket order, until fn returns false.
// fn must not change the table.
func (t *Table[T, P]) Each(fn func(*T) bool) {
	for _, a := range [2][]*T{t.old[t.moved:], t.tab} {
		for _, e := range a {
			for ; e != nil; e = *P(e).Link() {
				if !fn(e) {
					return
				}
			}
		}
	}
}

// Scan calls fn for the entries of the bucket at cursor (and, for a cursor
// made against a smaller array, of the buckets it has become), and returns
// the next cursor, 0 when the scan is complete. fn must not change the
// table.
func (t *Table[T, P]) Scan(cursor uint64, fn func(*T)) uint64 {
	if len(t.tab) == 0 {
		return 0
	}
	return ScanArrays(cursor, t.tab, t.old, func(e *T) {
		for ; e != nil; e = *P(e).Link() {
			fn(e)
		}
	})
}

// ScanArrays is one step of Valkey's reverse-binary SCAN over a bucket
// array cur (a power of two long) and, while a resize empties it into
// cur, the array old (nil otherwise): visit gets the bucket at cursor of
// the smaller array, then every bucket of the larger one it splits into,
// as dictScan walks them. It returns the next cursor, 0 when the scan is
// complete. A member present for a whole scan is met at least once,
// however the arrays are resized between steps; old's emptied buckets
// must be empty, so that nothing is met twice in one step. Tables whose
// chains are not Nodes (strset's numbered nodes) call it directly.
func ScanArrays[E any](cursor uint64, cur, old []E, visit func(bucket E)) uint64 {
	if old == nil {
		mask := uint64(len(cur) - 1)
		visit(cur[cursor&mask])
		return nextCursor(cursor, mask)
	}
	small, large := old, cur
	if len(small) > len(large) {
		small, large = large, small
	}
	m0, m1 := uint64(len(small)-1), uint64(len(large)-1)
	visit(small[cursor&m0])
	for {
		visit(large[cursor&m1])
		// The next bucket of the larger array with the same low bits.
		cursor = (((cursor | m0) + 1) &^ m0) | (cursor & m0)
		if cursor&(m0^m1) == 0 {
			break
		}
	}
	return nextCursor(cursor, m0)
}

// nextCursor increments the reversed cursor's masked bits: the next bucket
// in reverse-binary order, which visits a bucket's splits together.
func nextCursor(cursor, mask uint64) uint64 {
	cursor |= ^mask
	cursor = bits.Reverse64(cursor)
	cursor++
	return bits.Reverse64(cursor)
}

// Random returns an entry, uniformly while no chain is longer than 8 (all
// of them at a fill of at most one per bucket): a random bucket of either
// array, then a random place of 8 that must fall within its chain. The
// table must hold an entry.
func (t *Table[T, P]) Random(r *rand.Rand) *T {
	live := len(t.old) - t.moved // old buckets not yet emptied, all after moved
	for {
		i := r.IntN(live + len(t.tab))
		var e *T
		if i < live {
			e = t.old[t.moved+i]
		} else {
			e = t.tab[i-live]
		}
		if e == nil {
			continue
		}
		n := 0
		for x := e; x != nil; x = *P(x).Link() {
			n++
		}
		k := r.IntN(8)
		if k >= n {
			if n < 8 {
				continue
			}
			k = r.IntN(n)
		}
		for ; k > 0; k-- {
			e = *P(e).Link()
		}
		return e
	}
}
