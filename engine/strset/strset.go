// Package strset is a hash set of byte strings: the hashtable encoding of
// Valkey's set type, built to keep the garbage collector out of it and to
// keep every change to a set cheap however large the set is.
//
// Members live back to back in data chunks of up to 64 KiB (a member
// longer than 4 KiB gets a chunk of its own, exactly sized); a node per
// member holds its chunk, offset and length and the next node of its
// bucket chain, and the buckets are an array of node numbers. Nodes are
// stored in chunks of 4096. Nothing in a chunk holds a Go pointer, so the
// collector scans only the short lists of chunks, never the members. A
// growing set adds a chunk and never copies the ones it has: when nodes
// and bytes were two slices grown by append, the SADD that outgrew either
// copied all of it, 85-210 ms at a million members. So that a small set
// stays small, its first node chunk grows by copying up to 4096 nodes,
// a data chunk grows by copying up to 4 KiB, and new data chunks are
// sized for half the live bytes until that reaches 64 KiB.
//
// Nodes are kept dense (a removal moves the last node into the hole),
// which makes a uniformly random member one index away, as SRANDMEMBER
// and SPOP want, and iteration a loop over indexes.
//
// Removed members' bytes are reclaimed without stopping the set either. A
// chunk whose members are all gone is freed at once. The rest is left to
// a compaction pass, started when removed bytes outweigh live ones: it
// walks the nodes from the last down, a few per change to the set, and
// copies each member still in a chunk made before the pass into the chunk
// new members go to, so that every older chunk empties and is freed by
// the time the walk reaches node 0. Walking down makes the dense removal
// safe: the last node, which fills a hole, is always one the walk has
// already passed (or, if the walk has not started, one below it).
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

	"github.com/volleydb/volley/engine/chaintab"
)

var seed = maphash.MakeSeed()

// node is one member and the next node in its bucket plus one (0 ends the
// chain). A member of up to bigMember bytes is data[chunk].b[off:off+ln];
// a longer one, ln == bigLen, is all of data[chunk].b.
type node struct {
	chunk uint32
	off   uint16
	ln    uint16
	next  uint32
}

// chunk is a run of member bytes: the members of one chunk are appended
// to b and never move within it.
type chunk struct {
	b     []byte // member bytes, removed ones included; nil: the chunk is free
	n     uint32 // members in b; the chunk is freed when it reaches 0
	epoch uint32 // the set's epoch when the chunk was made
}

// Set is a set of byte strings.
type Set struct {
	heads []uint32 // bucket -> first node plus one; len is 0 or a power of two
	old   []uint32 // while a resize is under way, the buckets being emptied into heads
	moved int      // old's buckets below this are empty: their chains are in heads

	nodes [][]node // node i is nodes[i>>nodeShift][i&nodeMask]: chunks of nodeChunk, the first shorter while it is the only one
	n     int      // members: nodes in use, dense from 0

	data    []chunk  // by chunk number
	free    []uint32 // numbers of freed chunks in data, for reuse
	open    uint32   // the shared chunk new members go to, plus one; 0: none
	live    int      // bytes of the members in shared chunks (those of at most bigMember bytes)
	held    int      // bytes in use in shared chunks, live or removed
	dataCap int      // capacity of all chunks, for MemUsage
	spare   []byte   // a freed shared chunk, emptied, for the next chunk opened

	epoch uint32 // compaction passes begun
	cur   int    // the pass's cursor: nodes from cur up are in no chunk older than the pass; 0 when none runs
}

// Sizes of the chunks.
const (
	nodeShift    = 12
	nodeChunk    = 1 << nodeShift // nodes in a node chunk, 48 KiB
	nodeMask     = nodeChunk - 1
	chunkSize    = 64 << 10       // bytes of a shared data chunk
	bigMember    = chunkSize / 16 // longer members get a chunk of their own; a shared chunk wastes less than this at its end
	bigLen       = 1<<16 - 1      // node.ln of a member with a chunk of its own
	minChunk     = 64             // bytes of the first data chunk, at least
	growLimit    = 4 << 10        // a chunk grows by copying up to this size
	minGarbage   = 64             // removed bytes below this never start a compaction pass
	minChunkList = 8              // an emptied set keeps a list of chunks this long
)

// nodeSize and chunkHeader are the memory of a node and of a data chunk's
// entry in the list, for MemUsage.
const (
	nodeSize    = int(unsafe.Sizeof(node{}))
	chunkHeader = int(unsafe.Sizeof(chunk{}))
)

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

// Each change to a set under a compaction pass moves the cursor past up
// to compactVisits nodes, stopping early once it has copied compactBytes,
// so that a pass ends within an eighth as many changes as the set had
// members when it began, unless those are long. Until it ends, the set
// holds the chunks it empties beside the copies, so that its bytes peak
// near three times the live ones.
const (
	compactVisits = 8
	compactBytes  = 4 << 10
)

// New returns an empty set with room for n members.
func New(n int) *Set {
	s := &Set{}
	if n > 0 {
		s.nodes = [][]node{make([]node, min(n, nodeChunk))}
		s.startResize(bucketsFor(n))
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
func (s *Set) Len() int { return s.n }

func hash(b []byte) uint64 { return maphash.Bytes(seed, b) }

// node returns node i (from 0).
func (s *Set) node(i uint32) *node { return &s.nodes[i>>nodeShift][i&nodeMask] }

func (s *Set) member(n *node) []byte {
	b := s.data[n.chunk].b
	if n.ln == bigLen {
		return b
	}
	end := int(n.off) + int(n.ln)
	return b[n.off:end:end]
}

// At returns member i, 0 <= i < Len, in the set's internal order. The
// slice aliases the set and is valid until the set next changes.
func (s *Set) At(i int) []byte { return s.member(s.node(uint32(i))) }

// find returns the node number plus one holding b, or 0, with the place
// that points at it.
func (s *Set) find(b []byte, h uint64) (uint32, *uint32) {
	if len(s.heads) == 0 {
		return 0, nil
	}
	link := s.bucket(h)
	for i := *link; i != 0; i = *link {
		n := s.node(i - 1)
		if (n.ln == bigLen || int(n.ln) == len(b)) && bytes.Equal(s.member(n), b) {
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
	n := s.node(*head - 1)
	switch step {
	case 1:
		return unsafe.Pointer(n)
	case 2:
		if m := s.member(n); len(m) > 0 {
			return unsafe.Pointer(&m[0])
		}
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
	if s.old != nil || s.cur != 0 {
		s.step()
	}
	if s.n >= len(s.heads) {
		s.startResize(bucketsFor(s.n + 1))
	}
	if s.n == s.nodeCap() {
		s.growNodes(s.n + 1)
	}
	n := s.node(uint32(s.n))
	s.n++
	s.place(n, b)
	bucket := s.bucket(h)
	n.next = *bucket
	*bucket = uint32(s.n)
	return true
}

// nodeCap is the number of nodes the chunks hold.
func (s *Set) nodeCap() int {
	k := len(s.nodes)
	if k == 0 {
		return 0
	}
	return (k-1)*nodeChunk + len(s.nodes[k-1])
}

// growNodes makes room for at least n nodes, by one step: the first
// chunk grows as a slice would, up to a full chunk, and after it whole
// chunks are added.
func (s *Set) growNodes(n int) {
	if len(s.nodes) == 1 && len(s.nodes[0]) < nodeChunk {
		first := make([]node, min(nodeChunk, max(n, 2*len(s.nodes[0]), 4)))
		copy(first, s.nodes[0])
		s.nodes[0] = first
		return
	}
	if len(s.nodes) == 0 {
		s.nodes = [][]node{make([]node, min(nodeChunk, max(n, 4)))}
		return
	}
	s.nodes = append(s.nodes, make([]node, nodeChunk))
}

// place copies b into the data chunks and points n at it.
func (s *Set) place(n *node, b []byte) {
	if len(b) > bigMember {
		c := s.newChunk(make([]byte, len(b)))
		copy(s.data[c].b, b)
		s.data[c].n = 1
		n.chunk, n.off, n.ln = c, 0, bigLen
		return
	}
	c := s.open - 1
	if s.open == 0 || len(s.data[c].b)+len(b) > cap(s.data[c].b) {
		c = s.room(len(b))
	}
	ch := &s.data[c]
	n.chunk, n.off, n.ln = c, 0, uint16(len(b))
	if len(b) > 0 {
		// An empty member takes offset 0: a full chunk's length does
		// not fit in off.
		n.off = uint16(len(ch.b))
		ch.b = append(ch.b, b...)
	}
	ch.n++
	s.live += len(b)
	s.held += len(b)
}

// room returns the shared chunk to append k bytes to when the open one
// has no room, opening one. A small set's chunk grows by copying, up to
// growLimit bytes, so that it holds not much more than its members'
// bytes. Beyond that, each new chunk is sized for half the live bytes, up
// to chunkSize, so that a set's chunks grow geometrically as a slice
// would, but are never copied; a chunk the set freed is reused if it will
// do.
func (s *Set) room(k int) uint32 {
	if s.open != 0 {
		if ch := &s.data[s.open-1]; len(ch.b)+k <= growLimit {
			b := make([]byte, len(ch.b), min(growLimit, max(cap(ch.b)+cap(ch.b)/4+minChunk, len(ch.b)+k)))
			copy(b, ch.b)
			s.dataCap += cap(b) - cap(ch.b)
			ch.b = b
			return s.open - 1
		}
	}
	b := s.spare
	if s.spare = nil; cap(b) < k {
		b = make([]byte, 0, min(chunkSize, max(k, minChunk, s.live/2)))
	}
	c := s.newChunk(b)
	s.open = c + 1
	return c
}

// newChunk files b as a chunk, under a freed chunk's number if there is
// one.
func (s *Set) newChunk(b []byte) uint32 {
	s.dataCap += cap(b)
	ch := chunk{b: b, epoch: s.epoch}
	if k := len(s.free); k > 0 {
		c := s.free[k-1]
		s.free = s.free[:k-1]
		s.data[c] = ch
		return c
	}
	s.data = append(s.data, ch)
	return uint32(len(s.data) - 1)
}

// freeChunk frees chunk c. A shared chunk becomes the spare the next chunk
// opened reuses, unless it is larger than the live bytes: a compaction
// pass frees chunks about as fast as it fills new ones, and so needs no
// allocation.
func (s *Set) freeChunk(c uint32, shared bool) {
	b := s.data[c].b
	s.dataCap -= cap(b)
	s.data[c] = chunk{}
	s.free = append(s.free, c)
	if shared && cap(b) > cap(s.spare) && cap(b) <= s.live {
		s.spare = b[:0]
	}
}

// release drops n's member from its chunk, freeing the chunk if that was
// its last member.
func (s *Set) release(n *node) {
	c := n.chunk
	ch := &s.data[c]
	ch.n--
	if n.ln == bigLen {
		s.freeChunk(c, false)
		return
	}
	ln := int(n.ln)
	s.live -= ln
	switch {
	case ch.n == 0 && c+1 == s.open:
		s.held -= len(ch.b)
		ch.b = ch.b[:0]
	case ch.n == 0:
		s.held -= len(ch.b)
		s.freeChunk(c, true)
	case c+1 == s.open && ln > 0 && int(n.off)+ln == len(ch.b):
		// The newest bytes of the open chunk: take them back now.
		ch.b = ch.b[:n.off]
		s.held -= ln
	}
}

// Remove deletes b and reports whether it was a member.
func (s *Set) Remove(b []byte) bool {
	if s.old != nil || s.cur != 0 {
		s.step()
	}
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
	if s.old != nil || s.cur != 0 {
		s.step()
	}
	s.removeAt(uint32(i+1), s.linkTo(uint32(i+1)))
}

// linkTo returns the place that points at node i (plus one): found by
// number, so the chain's other members are not compared.
func (s *Set) linkTo(i uint32) *uint32 {
	l := s.bucket(hash(s.member(s.node(i - 1))))
	for *l != i {
		l = &s.node(*l - 1).next
	}
	return l
}

// removeAt unlinks node i (plus one), found through link, and fills its
// place with the last node.
func (s *Set) removeAt(i uint32, link *uint32) {
	n := s.node(i - 1)
	*link = n.next
	s.release(n)
	last := uint32(s.n)
	if i != last {
		// Repoint whatever leads to the last node at its new place.
		*s.linkTo(last) = i
		*n = *s.node(last - 1)
	}
	s.n--
	if s.n == 0 {
		s.clear()
		return
	}
	// Free the last node chunk once the one before it is half empty, so
	// that adding and removing at a chunk's edge does not thrash.
	if k := len(s.nodes); k > 1 && s.n <= (k-1)*nodeChunk-nodeChunk/2 {
		s.nodes[k-1] = nil
		s.nodes = s.nodes[:k-1]
	}
	if garbage := s.held - s.live; s.cur == 0 && garbage > s.live && garbage >= minGarbage {
		s.startCompaction()
	}
	if len(s.heads) > minBuckets && s.n < len(s.heads)/8 {
		s.startResize(bucketsFor(s.n))
	}
}

// clear empties the set's storage after its last member went, keeping a
// small table, the first node chunk and the open data chunk (emptied, as
// a slice keeps its capacity) for the members to come. Every other chunk
// was freed with its last member.
func (s *Set) clear() {
	s.old, s.moved = nil, 0 // nothing left to move
	if len(s.heads) > minBuckets {
		s.heads = make([]uint32, minBuckets)
	} else {
		clear(s.heads)
	}
	clear(s.nodes[1:])
	s.nodes = s.nodes[:1]
	var open chunk
	if s.open != 0 {
		open = s.data[s.open-1]
	}
	clear(s.data)
	s.data, s.free, s.open, s.spare = s.data[:0], s.free[:0], 0, nil
	if cap(s.data) > minChunkList {
		s.data, s.free = nil, nil
	}
	s.live, s.held, s.dataCap, s.cur = 0, 0, 0, 0
	if open.b != nil {
		open.epoch = s.epoch
		s.data = append(s.data, open)
		s.open, s.dataCap = 1, cap(open.b)
	}
}

// startCompaction begins a pass that copies every member out of the
// shared chunks there are now. The open chunk closes, so that members
// added and copied from here on go to chunks of the new epoch; if it
// holds none, it joins the new epoch instead, for nothing would free it.
func (s *Set) startCompaction() {
	s.epoch++
	s.cur = s.n
	if s.open != 0 {
		if ch := &s.data[s.open-1]; ch.n == 0 {
			ch.epoch = s.epoch
		} else {
			s.open = 0
		}
	}
}

// compactStep moves the pass's cursor down past a few nodes, copying the
// members it meets in chunks older than the pass (see compactVisits).
// Every change takes a step before it removes a node, so the cursor is
// below the last node when one is removed and never passes the end.
func (s *Set) compactStep() {
	copied := 0
	for v := 0; s.cur > 0 && v < compactVisits && copied < compactBytes; v++ {
		s.cur--
		n := s.node(uint32(s.cur))
		if n.ln == bigLen || s.data[n.chunk].epoch == s.epoch {
			continue // a big member's chunk holds nothing else; a new chunk stays
		}
		old := *n
		s.place(n, s.member(&old))
		s.release(&old)
		copied += int(n.ln)
	}
}

// startResize begins moving the members to a table of nb buckets; a
// resize still under way is finished first. An empty set just takes the
// new table.
func (s *Set) startResize(nb int) {
	s.finishResize()
	if nb == len(s.heads) {
		return
	}
	if s.n > 0 {
		s.old = s.heads
	}
	s.heads = make([]uint32, nb)
}

// step does a change's share of the resize and of the compaction pass
// under way. Callers test for either first: this is not inlined.
func (s *Set) step() {
	s.rehash()
	if s.cur != 0 {
		s.compactStep()
	}
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
		n := s.node(i - 1)
		next := n.next
		b := &s.heads[hash(s.member(n))&mask]
		n.next = *b
		*b = i
		i = next
	}
	s.old[ob] = 0
}

// Expand makes room for n members without further resizing: the first
// node chunk grows to hold them, and later chunks come as they fill.
func (s *Set) Expand(n int) {
	if first := min(n, nodeChunk); first > s.nodeCap() {
		s.growNodes(first)
	}
	if nb := bucketsFor(n); nb > len(s.heads) {
		s.startResize(nb)
		s.finishResize()
	}
}

// Scan calls fn with the members of the bucket at cursor (and, for a
// cursor made against a smaller table, the buckets it has become), and
// returns the next cursor, 0 when the scan is complete. The member slices
// are valid only during the call; fn must not change the set.
func (s *Set) Scan(cursor uint64, fn func([]byte)) uint64 {
	if s.n == 0 {
		return 0
	}
	return chaintab.ScanArrays(cursor, s.heads, s.old, func(head uint32) {
		for i := head; i != 0; {
			n := s.node(i - 1)
			fn(s.member(n))
			i = n.next
		}
	})
}

// Clone returns a deep copy (for COPY), its members packed into fresh
// chunks without the removed ones' bytes.
func (s *Set) Clone() any {
	c := &Set{
		heads: append([]uint32(nil), s.heads...),
		moved: s.moved,
		n:     s.n,
	}
	if s.old != nil {
		c.old = append([]uint32(nil), s.old...)
	}
	if s.n == 0 {
		return c
	}
	c.nodes = make([][]node, len(s.nodes))
	for k, ch := range s.nodes {
		c.nodes[k] = make([]node, len(ch)) // as long as its capacity, as nodeCap counts
		copy(c.nodes[k], ch)
	}
	if s.live > 0 {
		c.open = c.newChunk(make([]byte, 0, min(chunkSize, s.live))) + 1
	}
	for i := range uint32(s.n) {
		c.place(c.node(i), s.member(s.node(i)))
	}
	return c
}

// MemUsage returns the bytes the set holds. The count is exact, so
// samples is ignored.
func (s *Set) MemUsage(samples int) int64 {
	return int64(int(unsafe.Sizeof(*s)) + (cap(s.heads)+cap(s.old))*4 +
		cap(s.nodes)*int(unsafe.Sizeof([]node(nil))) + s.nodeCap()*nodeSize +
		cap(s.data)*chunkHeader + cap(s.free)*4 + s.dataCap + cap(s.spare))
}
