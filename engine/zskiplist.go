package engine

import (
	"hash/maphash"
	"math"
	"math/bits"
	"math/rand/v2"
	"unsafe"

	"github.com/volleydb/volley/engine/chaintab"
)

// zsetObj is a sorted set in the skiplist encoding: a skiplist ordered by
// (score, member) with spans, so ranks are O(log n), and a member table
// that finds a member's node in O(1). As in Valkey 9, the table holds the
// skiplist nodes themselves (chained through next), so a member is stored
// once. The table is a power-of-two bucket array (chaintab) that resizes
// incrementally, scanned with the reverse-binary cursor, so ZSCAN returns
// every member present for the whole scan across resizes.
type zsetObj struct {
	header *zslNode // sentinel; its levels start every list
	tail   *zslNode
	length int
	level  int // levels in use, at least 1

	tab chaintab.Table[zslNode, *zslNode] // member table: chained through zslTail.next

	// sink receives the scores walks load ahead of need (see insertNode),
	// so that the compiler keeps those loads.
	sink uint64
}

// zslNode is one member. Its name is an immutable string, so a reply may
// reference its bytes after the member is removed.
//
// A node and all its levels are one allocation, laid out as the walks read
// it: the score, then levels 0, 1, 2, ... (level 0 at byte 16, so on a
// 64-byte line the score shares it with levels 0 to 2), then the fields
// walks rarely touch (zslTail: the member, the backward link, the member
// table chain). zslNode is that allocation's head; a node of height h is
// allocated as a zslNodeOf[[h-1]zslLevel], and level(i) and tail() reach
// the rest by address arithmetic within that object. Every pointer word
// stays pointer-typed in the allocated type, so the collector sees them.
type zslNode struct {
	score  float64
	height int32  // levels, 1..zslMaxLevel
	hash   uint32 // of the member: the member table's bucket and a quick inequality test
	lv0    zslLevel
}

// zslTail holds the fields after a node's levels.
type zslTail struct {
	ele      string
	backward *zslNode
	next     *zslNode // member table chain
}

// zslNodeOf is the allocation of a node of height h; A is [h-1]zslLevel.
type zslNodeOf[A any] struct {
	zslNode
	more A
	tail zslTail
}

type zslLevel struct {
	forward *zslNode
	span    int // nodes crossed by following forward; rank arithmetic
}

const (
	zslLevelBytes = unsafe.Sizeof(zslLevel{})
	// zslTailBase + height*zslLevelBytes is the offset of a node's tail.
	zslTailBase = unsafe.Offsetof(zslNode{}.lv0)
)

// level is the node's level i, which must be below its height.
func (n *zslNode) level(i int) *zslLevel {
	if uint(i) >= uint(n.height) {
		panic("zset: skiplist level out of range")
	}
	return (*zslLevel)(unsafe.Add(unsafe.Pointer(&n.lv0), uintptr(i)*zslLevelBytes))
}

// tail is the part of the node after its levels.
func (n *zslNode) tail() *zslTail {
	return (*zslTail)(unsafe.Add(unsafe.Pointer(n), zslTailBase+uintptr(n.height)*zslLevelBytes))
}

// ele is the member.
func (n *zslNode) ele() string { return n.tail().ele }

// backward is the node before n in order, nil for the first.
func (n *zslNode) backward() *zslNode { return n.tail().backward }

// succ is the node after n in order, nil at the end.
func (n *zslNode) succ() *zslNode { return n.lv0.forward }

// zslClass allocates nodes of one height and records where that type puts
// the tail, which init checks against tail()'s arithmetic.
type zslClass struct {
	alloc   func() *zslNode
	tailOff uintptr
}

func zslClassOf[A any]() zslClass {
	var probe zslNodeOf[A]
	return zslClass{
		alloc:   func() *zslNode { return &new(zslNodeOf[A]).zslNode },
		tailOff: unsafe.Offsetof(probe.tail),
	}
}

// zslClasses[h] allocates a zeroed node of height h.
var zslClasses = [...]zslClass{
	1: zslClassOf[[0]zslLevel](), 2: zslClassOf[[1]zslLevel](), 3: zslClassOf[[2]zslLevel](),
	4: zslClassOf[[3]zslLevel](), 5: zslClassOf[[4]zslLevel](), 6: zslClassOf[[5]zslLevel](),
	7: zslClassOf[[6]zslLevel](), 8: zslClassOf[[7]zslLevel](), 9: zslClassOf[[8]zslLevel](),
	10: zslClassOf[[9]zslLevel](), 11: zslClassOf[[10]zslLevel](), 12: zslClassOf[[11]zslLevel](),
	13: zslClassOf[[12]zslLevel](), 14: zslClassOf[[13]zslLevel](), 15: zslClassOf[[14]zslLevel](),
	16: zslClassOf[[15]zslLevel](), 17: zslClassOf[[16]zslLevel](), 18: zslClassOf[[17]zslLevel](),
	19: zslClassOf[[18]zslLevel](), 20: zslClassOf[[19]zslLevel](), 21: zslClassOf[[20]zslLevel](),
	22: zslClassOf[[21]zslLevel](), 23: zslClassOf[[22]zslLevel](), 24: zslClassOf[[23]zslLevel](),
	25: zslClassOf[[24]zslLevel](), 26: zslClassOf[[25]zslLevel](), 27: zslClassOf[[26]zslLevel](),
	28: zslClassOf[[27]zslLevel](), 29: zslClassOf[[28]zslLevel](), 30: zslClassOf[[29]zslLevel](),
	31: zslClassOf[[30]zslLevel](), 32: zslClassOf[[31]zslLevel](),
}

func init() {
	for h := 1; h <= zslMaxLevel; h++ {
		if zslClasses[h].tailOff != zslTailBase+uintptr(h)*zslLevelBytes {
			panic("zset: skiplist node layout")
		}
	}
}

const (
	zslMaxLevel  = 32 // ZSKIPLIST_MAXLEVEL
	zslMaxSearch = 10 // ZSKIPLIST_MAX_SEARCH: below this, walk instead of descending again
)

// zsetSeed seeds the member hash of every skiplist-encoded sorted set.
var zsetSeed = maphash.MakeSeed()

// zbytes views a string's bytes without copying; never write to them.
func zbytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

func newZsetObj(hint int) *zsetObj {
	z := &zsetObj{level: 1}
	z.header = newZslNode(zslMaxLevel, 0, "")
	if hint > 0 {
		z.tab.Resize(chaintab.Size(hint), true)
	}
	return z
}

func newZslNode(height int, score float64, ele string) *zslNode {
	n := zslClasses[height].alloc()
	n.score, n.height = score, int32(height)
	n.tail().ele = ele
	return n
}

// zslRandomLevel picks a node height: 1 with probability 3/4, each further
// level a quarter as likely, at most zslMaxLevel (two leading zero bits of
// a random word per level, as Valkey draws it).
func zslRandomLevel() int {
	r := rand.Uint64()
	if r == 0 {
		return zslMaxLevel
	}
	return bits.LeadingZeros64(r)/2 + 1
}

// Len is the number of members.
func (z *zsetObj) Len() int { return z.length }

// first is the lowest-ranked node, nil when empty.
func (z *zsetObj) first() *zslNode { return z.header.lv0.forward }

// ---- the skiplist ----

// scoreBelow loads, for a walk at level i of x, the score of the node
// one level down from x, and returns its bits for the walk to sink. If the
// next node at level i ends the level, that is the node the walk compares
// next: loading it now makes the two cache misses overlap instead of
// following each other.
func (x *zslNode) scoreBelow(i int) uint64 {
	if i > 0 {
		if g := x.level(i - 1).forward; g != nil {
			return math.Float64bits(g.score)
		}
	}
	return 0
}

// insertNode links n, whose height is already chosen, at its place. The
// member must not be present.
func (z *zsetObj) insertNode(n *zslNode) {
	var update [zslMaxLevel]*zslNode
	var rank [zslMaxLevel]int
	x := z.header
	score := n.score
	r := 0
	var sink uint64
	for i := z.level - 1; i >= 0; i-- {
		for {
			l := x.level(i)
			f := l.forward
			sink += x.scoreBelow(i)
			if f == nil || score < f.score || (score == f.score && n.ele() < f.ele()) {
				break
			}
			r += l.span
			x = f
		}
		rank[i] = r
		update[i] = x
	}
	z.sink = sink
	height := int(n.height)
	if height > z.level {
		for i := z.level; i < height; i++ {
			rank[i] = 0
			update[i] = z.header
			z.header.level(i).span = z.length
		}
		z.level = height
	}
	for i := 0; i < height; i++ {
		ul, nl := update[i].level(i), n.level(i)
		nl.forward = ul.forward
		ul.forward = n
		nl.span = ul.span - (rank[0] - rank[i])
		ul.span = rank[0] - rank[i] + 1
	}
	for i := height; i < z.level; i++ {
		update[i].level(i).span++
	}
	if update[0] != z.header {
		n.tail().backward = update[0]
	} else {
		n.tail().backward = nil
	}
	if f := n.lv0.forward; f != nil {
		f.tail().backward = n
	} else {
		z.tail = n
	}
	z.length++
}

// unlinkNode removes x given, for every level, the last node before it.
func (z *zsetObj) unlinkNode(x *zslNode, update *[zslMaxLevel]*zslNode) {
	for i := 0; i < z.level; i++ {
		ul := update[i].level(i)
		if ul.forward == x {
			xl := x.level(i)
			ul.span += xl.span - 1
			ul.forward = xl.forward
		} else {
			ul.span--
		}
	}
	if f := x.lv0.forward; f != nil {
		f.tail().backward = x.backward()
	} else {
		z.tail = x.backward()
	}
	for z.level > 1 && z.header.level(z.level-1).forward == nil {
		z.level--
	}
	z.length--
}

// unlink removes node n from the skiplist (not from the member table).
func (z *zsetObj) unlink(n *zslNode) {
	var update [zslMaxLevel]*zslNode
	x := z.header
	score := n.score
	var sink uint64
	for i := z.level - 1; i >= 0; i-- {
		for {
			f := x.level(i).forward
			sink += x.scoreBelow(i)
			if f == nil || f == n || f.score > score || (f.score == score && f.ele() >= n.ele()) {
				break
			}
			x = f
		}
		update[i] = x
	}
	z.sink = sink
	z.unlinkNode(n, &update)
}

// updateScore moves n to score. When n stays between its neighbours it
// is changed in place; otherwise it is unlinked and linked again.
func (z *zsetObj) updateScore(n *zslNode, score float64) {
	b, f := n.backward(), n.lv0.forward
	if (b == nil || b.score < score || (b.score == score && b.ele() < n.ele())) &&
		(f == nil || score < f.score || (f.score == score && n.ele() < f.ele())) {
		n.score = score
		return
	}
	z.unlink(n)
	n.score = score
	n.tail().backward = nil
	for i := 0; i < int(n.height); i++ {
		*n.level(i) = zslLevel{}
	}
	z.insertNode(n)
}

// rankOf is n's 1-based rank, counted from the nodes after it.
func (z *zsetObj) rankOf(n *zslNode) int {
	after := 0
	for x := n; x != nil; {
		l := x.level(int(x.height) - 1)
		after += l.span
		x = l.forward
	}
	return z.length - after
}

// byRankFrom finds the node at 1-based rank counted from start, descending
// from level; nil if there is none.
func byRankFrom(start *zslNode, level, rank int) *zslNode {
	traversed := 0
	x := start
	for i := level; i >= 0; i-- {
		for {
			l := x.level(i)
			if l.forward == nil || traversed+l.span > rank {
				break
			}
			traversed += l.span
			x = l.forward
		}
		if traversed == rank {
			return x
		}
	}
	return nil
}

// byRank is the node at 1-based rank, nil if out of range.
func (z *zsetObj) byRank(rank int) *zslNode {
	if rank < 1 || rank > z.length {
		return nil
	}
	return byRankFrom(z.header, z.level-1, rank)
}

// ---- score and lex ranges ----

// zrangeSpec is a score interval, each end open (ex) or closed.
type zrangeSpec struct {
	min, max     float64
	minex, maxex bool
}

func (r *zrangeSpec) gteMin(v float64) bool {
	if r.minex {
		return v > r.min
	}
	return v >= r.min
}

func (r *zrangeSpec) lteMax(v float64) bool {
	if r.maxex {
		return v < r.max
	}
	return v <= r.max
}

// empty reports whether no score can be in the range.
func (r *zrangeSpec) empty() bool {
	return r.min > r.max || (r.min == r.max && (r.minex || r.maxex))
}

// Lex bound kinds: '-' and '+' are below and above every string.
const (
	lexValue int8 = iota
	lexMin
	lexMax
)

// zlexSpec is a member interval for the BYLEX commands.
type zlexSpec struct {
	min, max         []byte
	minKind, maxKind int8
	minex, maxex     bool
}

// lexCmp compares two lex bounds (or a member, kind lexValue).
func lexCmp(ak int8, a []byte, bk int8, b []byte) int {
	if ak != lexValue || bk != lexValue {
		if ak == bk {
			return 0
		}
		if ak == lexMin || bk == lexMax {
			return -1
		}
		return 1
	}
	return compareBytes(a, b)
}

func compareBytes(a, b []byte) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		if a[i] != b[i] {
			if a[i] < b[i] {
				return -1
			}
			return 1
		}
	}
	switch {
	case len(a) < len(b):
		return -1
	case len(a) > len(b):
		return 1
	}
	return 0
}

func (r *zlexSpec) gteMin(v []byte) bool {
	c := lexCmp(lexValue, v, r.minKind, r.min)
	if r.minex {
		return c > 0
	}
	return c >= 0
}

func (r *zlexSpec) lteMax(v []byte) bool {
	c := lexCmp(lexValue, v, r.maxKind, r.max)
	if r.maxex {
		return c < 0
	}
	return c <= 0
}

func (r *zlexSpec) empty() bool {
	c := lexCmp(r.minKind, r.min, r.maxKind, r.max)
	return c > 0 || (c == 0 && (r.minex || r.maxex))
}

// inRange reports whether some node may be in the score range.
func (z *zsetObj) inRange(r *zrangeSpec) bool {
	if r.empty() || z.tail == nil || !r.gteMin(z.tail.score) {
		return false
	}
	return r.lteMax(z.first().score)
}

func (z *zsetObj) inLexRange(r *zlexSpec) bool {
	if r.empty() || z.tail == nil || !r.gteMin(zbytes(z.tail.ele())) {
		return false
	}
	return r.lteMax(zbytes(z.first().ele()))
}

// nthIn finds the n-th node (0-based; negative counts back from the last,
// -1 being the last) among those for which below reports false and within
// reports true, where below is true for a prefix of the list (the nodes
// under the range's low end) and within for a prefix (up to the high end).
// It also returns the node's 0-based rank. This is zslNthInRange and
// zslNthInLexRange with the bound tests passed in.
func (z *zsetObj) nthIn(n int, below, within func(*zslNode) bool) (*zslNode, int) {
	x := z.header
	i := z.level - 1
	topRank := 0
	for f := x.level(i).forward; f != nil && below(f); f = x.level(i).forward {
		topRank += x.level(i).span
		x = f
	}
	top := x
	if n >= 0 {
		rank := topRank
		for i = z.level - 2; i >= 0; i-- {
			for f := x.level(i).forward; f != nil && below(f); f = x.level(i).forward {
				rank += x.level(i).span
				x = f
			}
		}
		if rank+n >= z.length {
			return nil, 0
		}
		if n < zslMaxSearch {
			for j := 0; j < n+1; j++ {
				x = x.lv0.forward
			}
		} else {
			x = byRankFrom(top, z.level-1, rank+1+n-topRank)
		}
		if x != nil && !within(x) {
			return nil, 0
		}
		return x, rank + n
	}
	end := topRank
	for i = z.level - 1; i >= 0; i-- {
		for f := x.level(i).forward; f != nil && within(f); f = x.level(i).forward {
			end += x.level(i).span
			x = f
		}
	}
	if end < -n {
		return nil, 0
	}
	if n+1 > -zslMaxSearch {
		for j := 0; j < -n-1; j++ {
			x = x.backward()
		}
	} else {
		x = byRankFrom(top, z.level-1, end+1+n-topRank)
	}
	if x != nil && below(x) {
		return nil, 0
	}
	return x, end + n
}

// nthInRange is the n-th node in the score range (see nthIn).
func (z *zsetObj) nthInRange(r *zrangeSpec, n int) (*zslNode, int) {
	if !z.inRange(r) {
		return nil, 0
	}
	return z.nthIn(n,
		func(x *zslNode) bool { return !r.gteMin(x.score) },
		func(x *zslNode) bool { return r.lteMax(x.score) })
}

// nthInLexRange is the n-th node in the lex range (see nthIn).
func (z *zsetObj) nthInLexRange(r *zlexSpec, n int) (*zslNode, int) {
	if !z.inLexRange(r) {
		return nil, 0
	}
	return z.nthIn(n,
		func(x *zslNode) bool { return !r.gteMin(zbytes(x.ele())) },
		func(x *zslNode) bool { return r.lteMax(zbytes(x.ele())) })
}

// deleteWhile removes, from the first node for which below is false, the
// run of nodes for which within is true, from the list and the member
// table, and returns how many it removed.
func (z *zsetObj) deleteWhile(below, within func(*zslNode) bool) int {
	var update [zslMaxLevel]*zslNode
	x := z.header
	for i := z.level - 1; i >= 0; i-- {
		for f := x.level(i).forward; f != nil && below(f); f = x.level(i).forward {
			x = f
		}
		update[i] = x
	}
	removed := 0
	for x = x.lv0.forward; x != nil && within(x); {
		next := x.lv0.forward
		z.unlinkNode(x, &update)
		z.tabRemoveNode(x)
		removed++
		x = next
	}
	z.maybeShrink()
	return removed
}

func (z *zsetObj) deleteRangeByScore(r *zrangeSpec) int {
	return z.deleteWhile(
		func(x *zslNode) bool { return !r.gteMin(x.score) },
		func(x *zslNode) bool { return r.lteMax(x.score) })
}

func (z *zsetObj) deleteRangeByLex(r *zlexSpec) int {
	return z.deleteWhile(
		func(x *zslNode) bool { return !r.gteMin(zbytes(x.ele())) },
		func(x *zslNode) bool { return r.lteMax(zbytes(x.ele())) })
}

// deleteRangeByRank removes the nodes of 1-based ranks start..end.
func (z *zsetObj) deleteRangeByRank(start, end int) int {
	var update [zslMaxLevel]*zslNode
	traversed := 0
	x := z.header
	for i := z.level - 1; i >= 0; i-- {
		for x.level(i).forward != nil && traversed+x.level(i).span < start {
			traversed += x.level(i).span
			x = x.level(i).forward
		}
		update[i] = x
	}
	traversed++
	removed := 0
	for x = x.lv0.forward; x != nil && traversed <= end; traversed++ {
		next := x.lv0.forward
		z.unlinkNode(x, &update)
		z.tabRemoveNode(x)
		removed++
		x = next
	}
	z.maybeShrink()
	return removed
}

// ---- the member table ----

// Link and Hash file a node in its set's member table.
func (n *zslNode) Link() **zslNode { return &n.tail().next }
func (n *zslNode) Hash() uint64    { return uint64(n.hash) }

// zsetHash is member ele's hash; its low bits pick the bucket.
func zsetHash(ele []byte) uint32 { return uint32(maphash.Bytes(zsetSeed, ele)) }

// Hash returns the hash the member table files ele under, for Hint.
func (z *zsetObj) Hash(ele []byte) uint64 { return uint64(zsetHash(ele)) }

// Hint returns the address that step of a member-table lookup with hash h
// loads (0: its bucket, 1: the bucket's first node, 2: that node's tail
// with the member's header, 3: the member's bytes), or nil when the lookup
// stops before it; see strset.Set.Hint.
func (z *zsetObj) Hint(h uint64, step int) unsafe.Pointer {
	if z.tab.Buckets() == 0 {
		return nil
	}
	slot := z.tab.Slot(h) // Hash's, 32 bits
	if step == 0 {
		return unsafe.Pointer(slot)
	}
	n := *slot
	switch {
	case n == nil:
		return nil
	case step == 1:
		return unsafe.Pointer(n)
	case step == 2:
		return unsafe.Pointer(n.tail())
	case step == 3 && len(n.ele()) > 0:
		return unsafe.Pointer(unsafe.StringData(n.ele()))
	}
	return nil
}

// find returns member ele's node, nil if absent.
func (z *zsetObj) find(ele []byte) *zslNode {
	if z.tab.Buckets() == 0 {
		return nil
	}
	h := zsetHash(ele)
	for n := *z.tab.Slot(uint64(h)); n != nil; n = n.tail().next {
		if n.hash == h && n.ele() == string(ele) {
			return n
		}
	}
	return nil
}

// tabAdd puts n in the member table; its member must not be there.
func (z *zsetObj) tabAdd(n *zslNode) {
	if z.length >= z.tab.Buckets() {
		z.tab.Resize(chaintab.Size(z.length+1), z.length == 0)
	}
	z.tab.Step()
	slot := z.tab.Slot(uint64(n.hash))
	n.tail().next = *slot
	*slot = n
}

// tabRemoveNode unlinks node x, which is in the table.
func (z *zsetObj) tabRemoveNode(x *zslNode) {
	p := z.tab.Slot(uint64(x.hash))
	for *p != x {
		p = &(*p).tail().next
	}
	t := x.tail()
	*p = t.next
	t.next = nil
	z.tab.Step()
}

// maybeShrink shrinks the table while it is under an eighth full.
func (z *zsetObj) maybeShrink() {
	if b := z.tab.Buckets(); b > 4 && z.length < b/8 {
		z.tab.Resize(chaintab.Size(z.length), z.length == 0)
	}
}

// add inserts a new member (not present) and returns its node.
func (z *zsetObj) add(ele string, score float64) *zslNode {
	n := newZslNode(zslRandomLevel(), score, ele)
	n.hash = zsetHash(zbytes(ele))
	z.insertNode(n)
	z.tabAdd(n)
	return n
}

// remove deletes member ele and reports whether it was present.
func (z *zsetObj) remove(ele []byte) bool {
	n := z.find(ele)
	if n == nil {
		return false
	}
	z.removeNode(n)
	return true
}

// removeNode deletes node n, which is in the set.
func (z *zsetObj) removeNode(n *zslNode) {
	z.tabRemoveNode(n)
	z.unlink(n)
	z.maybeShrink()
}

// scan visits the members of the bucket at cursor (and, as the table may
// have been resized, of the buckets that now map to it) and returns the
// next cursor, 0 when done: the reverse-binary increment of Valkey's SCAN.
func (z *zsetObj) scan(cursor uint64, fn func(n *zslNode)) uint64 {
	return z.tab.Scan(cursor, fn)
}

// Clone returns a deep copy (COPY). Members are immutable strings and are
// shared.
func (z *zsetObj) Clone() any {
	c := newZsetObj(z.length)
	// Insert from the highest so each insertion stops at the head.
	for n := z.tail; n != nil; n = n.backward() {
		c.add(n.ele(), n.score)
	}
	return c
}

// zslNodeBytes is a node's size without its member bytes or levels above 0.
const zslNodeBytes = int64(unsafe.Sizeof(zslNodeOf[[0]zslLevel]{}))

// MemUsage estimates the bytes the set takes, sampling up to samples
// members (0 for all) for the average member size.
func (z *zsetObj) MemUsage(samples int) int64 {
	size := int64(unsafe.Sizeof(*z)) + zslNodeBytes + zslMaxLevel*16 + int64(z.tab.Allocated())*8
	if z.length == 0 {
		return size
	}
	var sum int64
	seen := 0
	for n := z.first(); n != nil && (samples == 0 || seen < samples); n = n.lv0.forward {
		sum += zslNodeBytes + int64(len(n.ele()))
		sum += int64(n.height-1) * int64(zslLevelBytes)
		seen++
	}
	return size + sum*int64(z.length)/int64(seen)
}
