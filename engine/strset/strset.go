// Package strset is a hash set of byte strings: the hashtable encoding of
// Valkey's set type, built to keep the garbage collector out of it.
//
// Members live back to back in one byte slice; a node per member holds its
// offset, length and the next node of its bucket chain, and the buckets are
// an array of node numbers. Nothing holds a Go pointer, so a set of a
// million members is three allocations the collector never scans.
//
// Nodes are kept dense (a removal moves the last node into the hole), which
// makes a uniformly random member one index away, as SRANDMEMBER and SPOP
// want, and iteration a loop over indexes. Removed members' bytes are
// reclaimed by compacting the data once they are more than half of it.
//
// Scan walks the buckets with Valkey's reverse-binary cursor: a member
// present for a whole scan is returned at least once, however the table is
// resized between calls.
//
// A resize is incremental, as Valkey's rehashing: the new bucket array
// takes new members at once, and the old one's chains move over a few
// buckets per change to the set, so that no single command pays for
// rehashing a million members (a one-step rebuild made SADDs of 100-190
// ms at a million members).
//
// A Set is not safe for concurrent use.
package strset

import (
	"bytes"
	"hash/maphash"
	"math/bits"
	"unsafe"
)

var seed = maphash.MakeSeed()

// node is one member: data[off:off+ln], and the next node in its bucket
// plus one (0 ends the chain).
type node struct {
	off  uint64
	ln   uint32
	next uint32
}

// Set is a set of byte strings.
type Set struct {
	heads   []uint32 // bucket -> first node plus one; len is 0 or a power of two
	old     []uint32 // while a resize is under way, the buckets being emptied into heads
	moved   int      // old's buckets below this are empty: their chains are in heads
	nodes   []node   // live members, dense
	data    []byte   // member bytes, including removed ones not yet reclaimed
	garbage int      // bytes of removed members in data
}

// nodeSize is the memory of one node, for MemUsage.
const nodeSize = 16

// minBuckets is the smallest table allocated.
const minBuckets = 4

// Each change to a set under a resize moves the chains of up to
// rehashStep old buckets, looking at no more than rehashVisits of them
// (empty ones cost a look each), as Valkey's dictRehash(d, 1) does per
// operation. Growth doubles the table when the members reach its size, so
// a resize ends well before the next one is due.
const (
	rehashStep   = 2
	rehashVisits = 20
)

// New returns an empty set with room for n members.
func New(n int) *Set {
	s := &Set{}
	if n > 0 {
		s.nodes = make([]node, 0, n)
		s.resize(bucketsFor(n))
	}
	return s
}

// bucketsFor is the power-of-two bucket count for n members at a fill
// of at most one member per bucket.
func bucketsFor(n int) int {
	if n < minBuckets {
		return minBuckets
	}
	return 1 << bits.Len(uint(n-1))
}

// Len returns the number of members.
func (s *Set) Len() int { return len(s.nodes) }

func hash(b []byte) uint64 { return maphash.Bytes(seed, b) }

func (s *Set) member(n *node) []byte { return s.data[n.off : n.off+uint64(n.ln) : n.off+uint64(n.ln)] }

// At returns member i, 0 <= i < Len, in the set's internal order. The
// slice aliases the set and is valid until the set next changes.
func (s *Set) At(i int) []byte { return s.member(&s.nodes[i]) }

// find returns the node number plus one holding b, or 0, with the place
// that points at it.
func (s *Set) find(b []byte, h uint64) (uint32, *uint32) {
	if len(s.heads) == 0 {
		return 0, nil
	}
	link := s.bucket(h)
	for i := *link; i != 0; i = *link {
		n := &s.nodes[i-1]
		if int(n.ln) == len(b) && bytes.Equal(s.member(n), b) {
			return i, link
		}
		link = &n.next
	}
	return 0, link
}

// bucket is the chain a member with hash h is in: its old bucket's, if
// that has not moved yet, and otherwise its bucket in heads.
func (s *Set) bucket(h uint64) *uint32 {
	if s.old != nil {
		if ob := int(h & uint64(len(s.old)-1)); ob >= s.moved {
			return &s.old[ob]
		}
	}
	return &s.heads[h&uint64(len(s.heads)-1)]
}

// Hash returns the hash the set files b under, for Hint.
func (s *Set) Hash(b []byte) uint64 { return hash(b) }

// Hint returns the address that step of a lookup of a member with hash h
// loads (0: its bucket, 1: the bucket's first node, 2: that node's bytes),
// or nil when the lookup stops before it. The batch executor prefetches
// these in turn, each once the step before is in cache. Like any prefetch
// address it is only a hint, good until the set next changes.
func (s *Set) Hint(h uint64, step int) unsafe.Pointer {
	if len(s.heads) == 0 {
		return nil
	}
	head := s.bucket(h)
	if step == 0 {
		return unsafe.Pointer(head)
	}
	if *head == 0 {
		return nil
	}
	n := &s.nodes[*head-1]
	if step == 1 {
		return unsafe.Pointer(n)
	}
	if step == 2 && n.ln > 0 {
		return unsafe.Pointer(&s.data[n.off])
	}
	return nil
}

// Has reports whether b is a member.
func (s *Set) Has(b []byte) bool {
	i, _ := s.find(b, hash(b))
	return i != 0
}

// Add inserts a copy of b and reports whether it was not a member.
func (s *Set) Add(b []byte) bool {
	h := hash(b)
	if i, _ := s.find(b, h); i != 0 {
		return false
	}
	s.rehash()
	if len(s.nodes) >= len(s.heads) {
		s.startResize(bucketsFor(len(s.nodes) + 1))
	}
	s.data = append(s.data, b...)
	s.nodes = append(s.nodes, node{off: uint64(len(s.data) - len(b)), ln: uint32(len(b))})
	bucket := s.bucket(h)
	s.nodes[len(s.nodes)-1].next = *bucket
	*bucket = uint32(len(s.nodes))
	return true
}

// Remove deletes b and reports whether it was a member.
func (s *Set) Remove(b []byte) bool {
	s.rehash()
	i, link := s.find(b, hash(b))
	if i == 0 {
		return false
	}
	s.removeAt(i, link)
	return true
}

// RemoveAt deletes member i (0 <= i < Len). The last member takes its
// index.
func (s *Set) RemoveAt(i int) {
	s.rehash()
	m := s.At(i)
	_, link := s.find(m, hash(m))
	s.removeAt(uint32(i+1), link)
}

// removeAt unlinks node i (plus one), found through link, and fills its
// place with the last node.
func (s *Set) removeAt(i uint32, link *uint32) {
	n := &s.nodes[i-1]
	*link = n.next
	s.garbage += int(n.ln)
	last := uint32(len(s.nodes))
	if i != last {
		// Repoint whatever leads to the last node at its new place.
		lm := s.member(&s.nodes[last-1])
		l := s.bucket(hash(lm))
		for *l != last {
			l = &s.nodes[*l-1].next
		}
		*l = i
		s.nodes[i-1] = s.nodes[last-1]
	}
	s.nodes = s.nodes[:last-1]
	switch {
	case len(s.nodes) == 0:
		s.data = s.data[:0]
		s.garbage = 0
		s.old, s.moved = nil, 0 // nothing left to move
		if len(s.heads) > minBuckets {
			s.heads = make([]uint32, minBuckets)
		} else {
			clear(s.heads)
		}
		return
	case s.garbage > len(s.data)/2 && s.garbage >= 64:
		s.compact()
	}
	if len(s.heads) > minBuckets && len(s.nodes) < len(s.heads)/8 {
		s.startResize(bucketsFor(len(s.nodes)))
	}
}

// compact copies the live members into fresh data, dropping removed ones.
func (s *Set) compact() {
	live := len(s.data) - s.garbage
	nd := make([]byte, 0, live+live/4)
	for i := range s.nodes {
		n := &s.nodes[i]
		m := s.member(n)
		n.off = uint64(len(nd))
		nd = append(nd, m...)
	}
	s.data = nd
	s.garbage = 0
}

// startResize begins moving the members to a table of nb buckets; a
// resize still under way is finished first.
func (s *Set) startResize(nb int) {
	s.finishResize()
	if nb == len(s.heads) {
		return
	}
	if len(s.nodes) == 0 {
		s.heads = make([]uint32, nb)
		return
	}
	s.old, s.moved = s.heads, 0
	s.heads = make([]uint32, nb)
}

// rehash moves a few of the old buckets' chains (see rehashStep).
func (s *Set) rehash() {
	for moved, visits := 0, 0; s.old != nil && moved < rehashStep && visits < rehashVisits; visits++ {
		if s.old[s.moved] != 0 {
			s.moveBucket(s.moved)
			moved++
		}
		s.moved++
		if s.moved == len(s.old) {
			s.old, s.moved = nil, 0
		}
	}
}

// finishResize moves every chain left in the old buckets.
func (s *Set) finishResize() {
	for ; s.old != nil && s.moved < len(s.old); s.moved++ {
		s.moveBucket(s.moved)
	}
	s.old, s.moved = nil, 0
}

// moveBucket moves old bucket ob's chain into heads.
func (s *Set) moveBucket(ob int) {
	mask := uint64(len(s.heads) - 1)
	for i := s.old[ob]; i != 0; {
		n := &s.nodes[i-1]
		next := n.next
		b := &s.heads[hash(s.member(n))&mask]
		n.next = *b
		*b = i
		i = next
	}
	s.old[ob] = 0
}

// resize rebuilds the bucket array with nb buckets at once (New and
// Expand, which size a table before it fills).
func (s *Set) resize(nb int) {
	s.finishResize()
	if nb == len(s.heads) {
		return
	}
	s.heads = make([]uint32, nb)
	mask := uint64(nb - 1)
	for i := range s.nodes {
		n := &s.nodes[i]
		b := &s.heads[hash(s.member(n))&mask]
		n.next = *b
		*b = uint32(i + 1)
	}
}

// Expand makes room for n members without further resizing.
func (s *Set) Expand(n int) {
	if n > cap(s.nodes) {
		nn := make([]node, len(s.nodes), n)
		copy(nn, s.nodes)
		s.nodes = nn
	}
	if nb := bucketsFor(n); nb > len(s.heads) {
		s.resize(nb)
	}
}

// Scan calls fn with the members of the bucket at cursor (and, for a
// cursor made against a smaller table, the buckets it has become), and
// returns the next cursor, 0 when the scan is complete. The member slices
// are valid only during the call; fn must not change the set.
func (s *Set) Scan(cursor uint64, fn func([]byte)) uint64 {
	if len(s.nodes) == 0 || len(s.heads) == 0 {
		return 0
	}
	if s.old == nil {
		mask := uint64(len(s.heads) - 1)
		s.scanBucket(s.heads, cursor&mask, fn)
		return nextCursor(cursor, mask)
	}
	// Under a resize, as Valkey's dictScan: the smaller table's bucket,
	// then every bucket of the larger one it splits into. The old table's
	// moved buckets are empty, so each member is met once.
	small, large := s.old, s.heads
	if len(small) > len(large) {
		small, large = large, small
	}
	m0, m1 := uint64(len(small)-1), uint64(len(large)-1)
	s.scanBucket(small, cursor&m0, fn)
	for {
		s.scanBucket(large, cursor&m1, fn)
		// The next bucket of the larger table with the same low bits.
		cursor = (((cursor | m0) + 1) &^ m0) | (cursor & m0)
		if cursor&(m0^m1) == 0 {
			break
		}
	}
	return nextCursor(cursor, m0)
}

func (s *Set) scanBucket(t []uint32, b uint64, fn func([]byte)) {
	for i := t[b]; i != 0; {
		n := &s.nodes[i-1]
		fn(s.member(n))
		i = n.next
	}
}

// nextCursor increments the reversed cursor's masked bits: the next
// bucket in reverse-binary order, which visits a bucket's splits
// together.
func nextCursor(cursor, mask uint64) uint64 {
	cursor |= ^mask
	cursor = bits.Reverse64(cursor)
	cursor++
	return bits.Reverse64(cursor)
}

// Clone returns a deep copy (for COPY).
func (s *Set) Clone() any {
	c := &Set{
		heads: append([]uint32(nil), s.heads...),
		nodes: append([]node(nil), s.nodes...),
		moved: s.moved,
	}
	if s.old != nil {
		c.old = append([]uint32(nil), s.old...)
	}
	if s.garbage > 0 {
		c.data = make([]byte, 0, len(s.data)-s.garbage)
		for i := range c.nodes {
			n := &c.nodes[i]
			m := s.member(n)
			n.off = uint64(len(c.data))
			c.data = append(c.data, m...)
		}
	} else {
		c.data = append([]byte(nil), s.data...)
	}
	return c
}

// MemUsage returns the bytes the set holds. The count is exact, so
// samples is ignored.
func (s *Set) MemUsage(samples int) int64 {
	return int64(48 + (cap(s.heads)+cap(s.old))*4 + cap(s.nodes)*nodeSize + cap(s.data))
}
