package engine

import (
	"slices"
	"strconv"

	"github.com/valyala/bytebufferpool"

	"github.com/volleydb/volley/engine/listpack"
	"github.com/volleydb/volley/engine/rdb"
)

// The quicklist encoding of a list, as Valkey's quicklist.c: a sequence of
// listpack nodes, each bounded by list-max-listpack-size (a byte size
// class when negative, an entry count when positive), plus "plain" nodes
// that hold one element too large for any listpack. Valkey decides when a
// list goes back to a single listpack by the shape of its quicklist (one
// packed node, under half the limits), so the node rules here follow
// Valkey's exactly: when to start a new node, how inserts split a full
// node and how the pieces merge again.
//
// With list-compress-depth d > 0, the nodes more than d nodes from
// either end are kept LZF-compressed, byte for byte as Valkey's quicklist
// compresses them (an RDB file carries them as they are kept); see settle for when they are compressed and raw for
// when they are expanded. Compression changes memory use only, never a
// reply.

// quicklistSizeSafetyLimit bounds a count-limited node's bytes
// (SIZE_SAFETY_LIMIT).
const quicklistSizeSafetyLimit = 8192

// quicklistSizeEstimateOverhead is what an insert is assumed to add to a
// node beyond the element's own bytes (SIZE_ESTIMATE_OVERHEAD).
const quicklistSizeEstimateOverhead = 8

// quicklistOptimizationLevel are the byte limits of fill -1 to -5.
var quicklistOptimizationLevel = [...]int{4096, 8192, 16384, 32768, 65536}

// quicklistPackedThreshold, when not 0, is the element size from which an
// element gets a plain node of its own (DEBUG QUICKLIST-PACKED-THRESHOLD,
// for tests). Like Valkey's it is process-wide.
var quicklistPackedThreshold int64

// setQuicklistPackedThreshold sets it, refusing sizes near 4 GiB as
// Valkey does.
func setQuicklistPackedThreshold(sz int64) bool {
	if sz > 1<<32-1<<20 || sz < 0 {
		return false
	}
	quicklistPackedThreshold = sz
	return true
}

// qlNode is one node: a listpack, or for a plain node the element itself.
type qlNode struct {
	lp    []byte
	sz    int // Valkey's node->sz: the listpack's bytes (or element's), as it last recorded them
	count int
	plain bool
	lzf   bool // lp holds the node's sz bytes LZF-compressed
}

// quicklist is a list's large encoding, kept in Value.Obj.
type quicklist struct {
	buf      []qlNode // the nodes are buf[head:], first to last
	head     int      // unused slots before the first node, so prepending is cheap
	count    int      // elements in all nodes
	fill     int      // list-max-listpack-size when the list was made
	depth    int      // list-compress-depth when the list was made; 0: no compression
	used     []int    // nodes expanded or made since the last settle, to compress if interior
	reshaped bool     // nodes were added or removed since the last settle
}

// Valkey keeps fill and depth in bit fields and clamps them to fit.
const (
	quicklistFillMax     = 1<<15 - 1
	quicklistFillMin     = -5
	quicklistCompressMax = 1<<16 - 1
)

func newQuicklist(fill, depth int) *quicklist {
	fill = min(max(fill, quicklistFillMin), quicklistFillMax)
	depth = min(max(depth, 0), quicklistCompressMax)
	return &quicklist{fill: fill, depth: depth}
}

// nodes returns the nodes in order. The slice is invalid after any change
// to the node sequence.
func (q *quicklist) nodes() []qlNode { return q.buf[q.head:] }

func (q *quicklist) numNodes() int { return len(q.buf) - q.head }

// node returns node i's bookkeeping; its bytes may be compressed (raw
// gives them expanded).
func (q *quicklist) node(i int) *qlNode { return &q.buf[q.head+i] }

// raw returns node i with its bytes expanded. An expanded interior node
// is compressed again by the next settle that does not keep it.
func (q *quicklist) raw(i int) *qlNode {
	n := &q.buf[q.head+i]
	if n.lzf {
		b := make([]byte, n.sz)
		if m, err := rdb.LZFDecompress(n.lp, b); err != nil || m != n.sz {
			panic("quicklist: corrupt compressed node")
		}
		n.lp, n.lzf = b, false
		q.used = append(q.used, i)
	}
	return n
}

// rawW is raw for a node about to change: the change may make an
// interior node worth compressing, so the next settle tries.
func (q *quicklist) rawW(i int) *qlNode {
	n := q.raw(i)
	if q.interior(i) && (len(q.used) == 0 || q.used[len(q.used)-1] != i) {
		q.used = append(q.used, i)
	}
	return n
}

// interior reports whether node i is more than depth nodes from both
// ends, where Valkey keeps nodes compressed.
func (q *quicklist) interior(i int) bool {
	return q.depth > 0 && i >= q.depth && i < q.numNodes()-q.depth
}

// compressNode compresses node i if that saves enough
// (__quicklistCompressNode): nodes under 48 bytes, or that would not
// shrink by more than 8 bytes, stay as they are.
func (q *quicklist) compressNode(i int) {
	n := q.node(i)
	if n.lzf || len(n.lp) < 48 || n.sz != len(n.lp) {
		return
	}
	// Compress into pooled scratch and keep an exact-size copy: a node
	// that does not shrink enough costs no allocation at all.
	scratch := bytebufferpool.Get()
	defer bytebufferpool.Put(scratch)
	out := slices.Grow(scratch.B[:0], len(n.lp))[:len(n.lp)]
	scratch.B = out
	c := rdb.LZFCompress(n.lp, out)
	if c == 0 || c+8 >= len(n.lp) {
		return
	}
	n.lp = append(make([]byte, 0, c), out[:c]...)
	n.lzf = true
}

// settle restores the compression rule after a change or a walk:
// every node an operation expanded, changed or made, and every node an
// insertion pushed into the interior (shiftUsed), is compressed if it is
// interior, except node keep (-1 for none), whose bytes the caller still
// reads; and when nodes came or went, the depth nodes at each end are
// expanded, as Valkey's __quicklistCompress does after each change.
func (q *quicklist) settle(keep int) {
	if q.depth == 0 {
		return
	}
	nn := q.numNodes()
	kept := false
	for _, i := range q.used {
		switch {
		case i == keep:
			kept = true
		case i < nn && q.interior(i):
			q.compressNode(i)
		}
	}
	q.used = q.used[:0]
	if kept {
		q.used = append(q.used, keep) // compressed when the caller moves on
	}
	if !q.reshaped {
		return
	}
	q.reshaped = false
	d := min(q.depth, nn)
	for i := range d {
		q.expandEnd(i)
		q.expandEnd(nn - 1 - i)
	}
	if !kept && keep >= 0 && keep < nn && q.interior(keep) && !q.node(keep).lzf {
		q.used = append(q.used, keep)
	}
}

// expandEnd expands node i, one of the end nodes that stay expanded.
func (q *quicklist) expandEnd(i int) {
	if q.node(i).lzf {
		q.raw(i)
		q.used = q.used[:len(q.used)-1]
	}
}

// release ends a walk or an edit: nothing stays expanded that should be
// compressed. List commands call it when done with the list.
func (q *quicklist) release() { q.settle(-1) }

// shiftUsed keeps the used node numbers right when node i is inserted
// (delta 1) or removed (delta -1).
func (q *quicklist) shiftUsed(i, delta int) {
	if q.depth == 0 {
		return
	}
	q.reshaped = true
	k := 0
	for _, u := range q.used {
		switch {
		case u == i && delta < 0:
			continue
		case u >= i:
			u += delta
		}
		q.used[k] = u
		k++
	}
	q.used = q.used[:k]
	if delta > 0 {
		// The new node, and the nodes the insertion pushes past the
		// depth from an end into the interior.
		q.used = append(q.used, i)
		if nn := q.numNodes() + 1; nn > 2*q.depth {
			q.used = append(q.used, q.depth, nn-1-q.depth)
		}
	}
}

// insertNode puts n at position i.
func (q *quicklist) insertNode(i int, n qlNode) {
	q.shiftUsed(i, 1)
	if i == 0 && q.head > 0 {
		q.head--
		q.buf[q.head] = n
		return
	}
	if i == 0 {
		// Leave room in front in proportion to the length, so a run of
		// head pushes that each need a node costs amortized O(1).
		cur := q.nodes()
		gap := max(4, len(cur)/2)
		nb := make([]qlNode, gap+1+len(cur), gap+1+len(cur)+gap)
		nb[gap] = n
		copy(nb[gap+1:], cur)
		q.buf, q.head = nb, gap
		return
	}
	q.buf = slices.Insert(q.buf, q.head+i, n)
}

// removeNode drops the node at i and its elements from the count.
func (q *quicklist) removeNode(i int) {
	q.shiftUsed(i, -1)
	q.count -= q.node(i).count
	if i == 0 {
		q.buf[q.head] = qlNode{}
		q.head++
		if q.head == len(q.buf) {
			q.buf, q.head = q.buf[:0], 0
		}
		return
	}
	q.buf = slices.Delete(q.buf, q.head+i, q.head+i+1)
}

// ---- Limits (quicklistNodeLimit and friends) ----

func negFillLimit(fill int) int {
	off := -fill - 1
	if off >= len(quicklistOptimizationLevel) {
		off = len(quicklistOptimizationLevel) - 1
	}
	return quicklistOptimizationLevel[off]
}

// nodeLimit returns the byte and entry limits of fill; -1 is no limit.
func nodeLimit(fill int) (size, count int) {
	if fill >= 0 {
		if fill == 0 {
			return -1, 1
		}
		return -1, fill
	}
	return negFillLimit(fill), -1
}

// nodeExceedsLimit reports whether a node of sz bytes and n entries would
// be over fill's limit.
func nodeExceedsLimit(fill, sz, n int) bool {
	szLimit, countLimit := nodeLimit(fill)
	if szLimit >= 0 {
		return sz > szLimit
	}
	if sz > quicklistSizeSafetyLimit {
		return true
	}
	return n > countLimit
}

// isLargeElement reports whether an element of sz bytes gets a plain node.
func isLargeElement(sz, fill int) bool {
	if quicklistPackedThreshold != 0 {
		return int64(sz) >= quicklistPackedThreshold
	}
	if fill >= 0 {
		return sz > quicklistSizeSafetyLimit
	}
	return sz > negFillLimit(fill)
}

func (q *quicklist) allowInsert(i, sz int) bool {
	if i < 0 || i >= q.numNodes() {
		return false
	}
	n := q.node(i)
	if n.plain || isLargeElement(sz, q.fill) {
		return false
	}
	return !nodeExceedsLimit(q.fill, n.sz+sz+quicklistSizeEstimateOverhead, n.count+1)
}

func (q *quicklist) allowMerge(a, b int) bool {
	if a < 0 || b < 0 || a >= q.numNodes() || b >= q.numNodes() {
		return false
	}
	na, nb := q.node(a), q.node(b)
	if na.plain || nb.plain {
		return false
	}
	// Valkey computes this in an unsigned int.
	sz := int(uint32(na.sz + nb.sz - 7))
	return !nodeExceedsLimit(q.fill, sz, na.count+nb.count)
}

// ---- Node construction ----

func packedNode(v []byte) qlNode {
	lp := listpack.Append(listpack.New(len(v)+16), v)
	return qlNode{lp: lp, sz: len(lp), count: 1}
}

func plainNode(v []byte) qlNode {
	return qlNode{lp: append([]byte(nil), v...), sz: len(v), count: 1, plain: true}
}

// createNode is __quicklistCreateNode: note that it records the element's
// size, not the listpack's, as the node size.
func createNode(v []byte, plain bool) qlNode {
	if plain {
		return plainNode(v)
	}
	n := packedNode(v)
	n.sz = len(v)
	return n
}

func (n *qlNode) updateSz() { n.sz = len(n.lp) }

// ---- Push and pop ----

func (q *quicklist) pushHead(v []byte) {
	defer q.settle(-1)
	if isLargeElement(len(v), q.fill) {
		q.insertNode(0, plainNode(v))
		q.count++
		return
	}
	if q.allowInsert(0, len(v)) {
		n := q.rawW(0)
		n.lp = listpack.Prepend(n.lp, v)
		n.updateSz()
		n.count++
	} else {
		q.insertNode(0, packedNode(v))
	}
	q.count++
}

func (q *quicklist) pushTail(v []byte) {
	defer q.settle(-1)
	if isLargeElement(len(v), q.fill) {
		q.insertNode(q.numNodes(), plainNode(v))
		q.count++
		return
	}
	last := q.numNodes() - 1
	if q.allowInsert(last, len(v)) {
		n := q.rawW(last)
		n.lp = listpack.Append(n.lp, v)
		n.updateSz()
		n.count++
	} else {
		q.insertNode(q.numNodes(), packedNode(v))
	}
	q.count++
}

// appendListpack adds lp as a node of its own (quicklistAppendListpack),
// taking ownership of it.
func (q *quicklist) appendListpack(lp []byte) {
	n := listpack.Len(lp)
	q.insertNode(q.numNodes(), qlNode{lp: lp, sz: len(lp), count: n})
	q.count += n
}

// appendPlain adds v as a plain node of its own whatever its size
// (quicklistAppendPlainNode), taking ownership of it.
func (q *quicklist) appendPlain(v []byte) {
	q.insertNode(q.numNodes(), qlNode{lp: v, sz: len(v), count: 1, plain: true})
	q.count++
}

// end returns the position of the first (head) or last element.
func (q *quicklist) end(head bool) qlPos {
	if q.count == 0 {
		return qlPos{ni: -1}
	}
	if head {
		return q.posIn(0, true)
	}
	return q.posIn(q.numNodes()-1, false)
}

// ---- Positions ----

// qlPos is an element's place: its node, its index in the node and, for
// a packed node, its byte offset in the node's listpack.
type qlPos struct {
	ni  int // node index; -1 when there is no element
	off int // index within the node
	p   int // byte offset in the listpack (0 for plain nodes)
}

func (p qlPos) valid() bool { return p.ni >= 0 }

// posIn is the first (or last) element of node ni.
func (q *quicklist) posIn(ni int, first bool) qlPos {
	n := q.raw(ni)
	if n.plain {
		return qlPos{ni: ni}
	}
	if first {
		return qlPos{ni: ni, p: listpack.First(n.lp)}
	}
	return qlPos{ni: ni, off: n.count - 1, p: listpack.Last(n.lp)}
}

// index returns the position of element idx (negative from the end).
func (q *quicklist) index(idx int) qlPos {
	forward := idx >= 0
	var index int
	if forward {
		index = idx
	} else {
		index = -idx - 1
	}
	if index >= q.count {
		return qlPos{ni: -1}
	}
	seekFwd, seekIdx := forward, index
	if index > (q.count-1)/2 {
		seekFwd = !forward
		seekIdx = q.count - 1 - index
	}
	// seekIdx counted from the head when seekFwd, else from the tail.
	accum := 0
	ni := 0
	nn := q.numNodes()
	if seekFwd {
		for ; ni < nn; ni++ {
			c := q.node(ni).count
			if accum+c > seekIdx {
				break
			}
			accum += c
		}
	} else {
		for ni = nn - 1; ni >= 0; ni-- {
			c := q.node(ni).count
			if accum+c > seekIdx {
				break
			}
			accum += c
		}
	}
	if ni < 0 || ni >= nn {
		return qlPos{ni: -1}
	}
	off := seekIdx - accum // from the node's head if seekFwd, else from its tail
	q.settle(ni)
	n := q.raw(ni)
	if !seekFwd {
		off = n.count - 1 - off
	}
	if n.plain {
		return qlPos{ni: ni}
	}
	return qlPos{ni: ni, off: off, p: listpack.Seek(n.lp, off)}
}

// next and prev step a position through the list.
func (q *quicklist) next(pos qlPos) qlPos {
	n := q.raw(pos.ni)
	if !n.plain {
		if p := listpack.Next(n.lp, pos.p); p >= 0 {
			return qlPos{ni: pos.ni, off: pos.off + 1, p: p}
		}
	}
	if pos.ni+1 >= q.numNodes() {
		return qlPos{ni: -1}
	}
	q.settle(pos.ni + 1) // the walk leaves pos.ni
	return q.posIn(pos.ni+1, true)
}

func (q *quicklist) prev(pos qlPos) qlPos {
	n := q.raw(pos.ni)
	if !n.plain {
		if p := listpack.Prev(n.lp, pos.p); p >= 0 {
			return qlPos{ni: pos.ni, off: pos.off - 1, p: p}
		}
	}
	if pos.ni == 0 {
		return qlPos{ni: -1}
	}
	q.settle(pos.ni - 1)
	return q.posIn(pos.ni-1, false)
}

// get returns the element at pos, aliasing the node.
func (q *quicklist) get(pos qlPos) (s []byte, v int64, isInt bool) {
	n := q.raw(pos.ni)
	if n.plain {
		return n.lp, 0, false
	}
	return listpack.Get(n.lp, pos.p)
}

// equal compares the element at pos with s (quicklistCompare).
func (q *quicklist) equal(pos qlPos, s []byte) bool {
	n := q.raw(pos.ni)
	if n.plain {
		return string(n.lp) == string(s)
	}
	return listpack.Equal(n.lp, pos.p, s)
}

// ---- Deletion ----

// delAt deletes the element at pos (quicklistDelIndex) and reports
// whether its node went with it. When the node stays, the next element of
// the node, if any, is now at pos.p.
func (q *quicklist) delAt(pos qlPos) (nodeGone bool) {
	n := q.rawW(pos.ni)
	if n.plain {
		q.removeNode(pos.ni)
		return true
	}
	n.lp = listpack.Delete(n.lp, pos.p)
	n.count--
	if n.count == 0 {
		q.removeNode(pos.ni)
		q.count--
		return true
	}
	n.updateSz()
	q.count--
	return false
}

// pop deletes the first or last element.
func (q *quicklist) pop(head bool) {
	pos := q.end(head)
	if pos.valid() {
		q.delAt(pos)
	}
}

// delRange deletes count elements from index start (quicklistDelRange).
func (q *quicklist) delRange(start, count int) {
	if count <= 0 {
		return
	}
	extent := count
	if start >= 0 && extent > q.count-start {
		extent = q.count - start
	} else if start < 0 && extent > -start {
		extent = -start
	}
	pos := q.index(start)
	if !pos.valid() {
		return
	}
	ni := pos.ni
	// Valkey keeps a negative offset for a negative start (counted from
	// the node's tail).
	offset := pos.off
	if start < 0 {
		offset = pos.off - q.node(ni).count
	}
	for extent > 0 {
		n := q.node(ni)
		var del int
		entire := false
		switch {
		case offset == 0 && extent >= n.count:
			entire = true
			del = n.count
		case offset >= 0 && extent+offset >= n.count:
			del = n.count - offset
		case offset < 0:
			del = min(-offset, extent)
		default:
			del = extent
		}
		if entire || n.plain {
			q.removeNode(ni)
		} else {
			n = q.rawW(ni)
			n.lp = listpack.DeleteRangeIndex(n.lp, offset, del)
			n.updateSz()
			n.count -= del
			q.count -= del
			if n.count == 0 {
				q.removeNode(ni)
			} else {
				ni++
			}
		}
		extent -= del
		offset = 0
	}
}

// ---- Insertion and replacement ----

// split cuts node ni at offset (_quicklistSplitNode). With after, node ni
// keeps [0, offset] and the returned node holds the rest; otherwise the
// returned node holds [0, offset) and node ni the rest. The new node is
// not yet in the list.
func (q *quicklist) split(ni, offset int, after bool) qlNode {
	n := q.rawW(ni)
	cp := append(make([]byte, 0, len(n.lp)), n.lp...)
	var origStart, origExtent, newStart, newExtent int
	if after {
		origStart, origExtent = offset+1, -1
		newStart, newExtent = 0, offset+1
	} else {
		origStart, origExtent = 0, offset
		newStart, newExtent = offset, -1
	}
	n.lp = deleteRangeExtent(n.lp, origStart, origExtent)
	n.count = listpack.Len(n.lp)
	n.updateSz()
	nn := qlNode{lp: deleteRangeExtent(cp, newStart, newExtent)}
	nn.count = listpack.Len(nn.lp)
	nn.updateSz()
	return nn
}

// deleteRangeExtent is lpDeleteRange where an extent of -1 (as an
// unsigned count) means "to the end".
func deleteRangeExtent(lp []byte, start, extent int) []byte {
	if extent < 0 {
		extent = listpack.Len(lp)
	}
	return listpack.DeleteRangeIndex(lp, start, extent)
}

// merge joins node b (right after a) into a (_quicklistListpackMerge)
// and returns the kept node's index.
func (q *quicklist) merge(a int) int {
	na, nb := q.rawW(a), q.raw(a+1)
	na.lp = listpack.AppendEntries(na.lp, nb.lp)
	na.count = listpack.Len(na.lp)
	na.updateSz()
	nb.count = 0
	q.removeNode(a + 1)
	return a
}

// mergeAround tries to merge the nodes around center
// (_quicklistMergeNodes) and returns the index of the node center ended
// up in.
func (q *quicklist) mergeAround(center int) int {
	prev, prevPrev := center-1, center-2
	next, nextNext := center+1, center+2
	if q.allowMerge(prev, prevPrev) {
		q.merge(prevPrev)
		center--
		next--
		nextNext--
	}
	if q.allowMerge(next, nextNext) {
		q.merge(next)
	}
	target := center
	if q.allowMerge(center, center-1) {
		target = q.merge(center - 1)
	}
	if q.allowMerge(target, target+1) {
		target = q.merge(target)
	}
	return target
}

// insert puts v before or after the element at pos (_quicklistInsert).
func (q *quicklist) insert(pos qlPos, v []byte, after bool) {
	ni := pos.ni
	n := q.rawW(ni)
	sz := len(v)
	full := !q.allowInsert(ni, sz)
	atTail, atHead, availNext, availPrev := false, false, false, false
	if after && pos.off == n.count-1 {
		atTail = true
		availNext = q.allowInsert(ni+1, sz)
	}
	if !after && pos.off == 0 {
		atHead = true
		availPrev = q.allowInsert(ni-1, sz)
	}
	at := ni
	if after {
		at = ni + 1
	}
	if isLargeElement(sz, q.fill) {
		if n.plain || atTail || atHead {
			q.insertNode(at, plainNode(v))
		} else {
			rest := q.split(ni, pos.off, after)
			q.insertNode(at, plainNode(v))
			if after {
				q.insertNode(at+1, rest)
			} else {
				q.insertNode(at, rest)
			}
		}
		q.count++
		return
	}
	switch {
	case !full:
		n.lp = listpack.Insert(n.lp, pos.p, v, after)
		n.count++
		n.updateSz()
	case atTail && availNext:
		nx := q.rawW(ni + 1)
		nx.lp = listpack.Prepend(nx.lp, v)
		nx.count++
		nx.updateSz()
	case atHead && availPrev:
		pv := q.rawW(ni - 1)
		pv.lp = listpack.Append(pv.lp, v)
		pv.count++
		pv.updateSz()
	case atTail || atHead:
		q.insertNode(at, packedNode(v))
	default:
		rest := q.split(ni, pos.off, after)
		if after {
			rest.lp = listpack.Prepend(rest.lp, v)
		} else {
			rest.lp = listpack.Append(rest.lp, v)
		}
		rest.count++
		rest.updateSz()
		q.insertNode(at, rest)
		if !after {
			ni++ // the node we split moved right
		}
		q.mergeAround(ni)
	}
	q.count++
}

// replace overwrites the element at pos with v (quicklistReplaceEntry).
func (q *quicklist) replace(pos qlPos, v []byte) {
	ni := pos.ni
	n := q.rawW(ni)
	large := isLargeElement(len(v), q.fill)
	switch {
	case !n.plain && !large:
		n.lp = listpack.Replace(n.lp, pos.p, v)
		n.updateSz()
	case n.plain && large:
		n.lp = append([]byte(nil), v...)
		n.sz = len(v)
	case n.plain:
		q.insert(pos, v, true)
		q.removeNode(ni)
	default:
		// A large element into a packed node: cut the node after the
		// element, put the new element in a node of its own between the
		// halves, then drop the old element from the end of the first.
		hasRest := pos.off != n.count-1
		var rest qlNode
		if hasRest {
			rest = q.split(ni, pos.off, true)
		}
		q.insertNode(ni+1, createNode(v, true))
		if hasRest {
			q.insertNode(ni+2, rest)
		}
		q.count++
		n = q.rawW(ni)
		if n.count == 1 {
			q.removeNode(ni)
		} else {
			q.delAt(qlPos{ni: ni, off: n.count - 1, p: listpack.Last(n.lp)})
			q.mergeAround(ni + 1)
		}
	}
}

// ---- Object ----

// Clone implements Object.
func (q *quicklist) Clone() any {
	c := &quicklist{count: q.count, fill: q.fill, depth: q.depth}
	c.buf = make([]qlNode, q.numNodes())
	for i, n := range q.nodes() {
		n.lp = append([]byte(nil), n.lp...)
		c.buf[i] = n
	}
	return c
}

// Len implements Object.
func (q *quicklist) Len() int { return q.count }

// MemUsage implements Object as Valkey's objectComputeSize does for a
// quicklist: the header plus the average sampled node times the nodes.
func (q *quicklist) MemUsage(samples int) int64 {
	const objHeader, qlHeader, nodeHeader = 16, 40, 32
	total := int64(objHeader + qlHeader)
	nn := q.numNodes()
	if nn == 0 {
		return total
	}
	if samples <= 0 || samples > nn {
		samples = nn
	}
	var sum int64
	for i := 0; i < samples; i++ {
		sum += int64(nodeHeader + cap(q.node(i).lp))
	}
	return total + sum*int64(nn)/int64(samples)
}

// appendDebugObject appends DEBUG OBJECT's quicklist fields: nodes,
// average elements per node, fill, whether compression is on and, unless
// fast, the nodes' expanded bytes.
func (q *quicklist) appendDebugObject(b []byte, fast bool) []byte {
	nn := q.numNodes()
	b = append(b, " ql_nodes:"...)
	b = strconv.AppendInt(b, int64(nn), 10)
	b = append(b, " ql_avg_node:"...)
	b = strconv.AppendFloat(b, float64(q.count)/float64(nn), 'f', 2, 64)
	b = append(b, " ql_listpack_max:"...)
	b = strconv.AppendInt(b, int64(q.fill), 10)
	b = append(b, " ql_compressed:"...)
	if q.depth != 0 {
		b = append(b, '1')
	} else {
		b = append(b, '0')
	}
	if !fast {
		sz := 0
		for _, n := range q.nodes() {
			sz += n.sz
		}
		b = append(b, " ql_uncompressed_size:"...)
		b = strconv.AppendInt(b, int64(sz), 10)
	}
	return b
}

// debugQuicklistPackedThreshold is DEBUG QUICKLIST-PACKED-THRESHOLD.
func debugQuicklistPackedThreshold(c *Client) {
	sz, ok := memtoull(c.Argv[2])
	if !ok || !setQuicklistPackedThreshold(sz) {
		c.AddError("ERR argument must be a memory value bigger than 1 and smaller than 4gb")
		return
	}
	c.AddOK()
}

// memtoull parses a memory amount as Valkey's memtoull: digits and an
// optional unit (b, k, kb, m, mb, g, gb, any case).
func memtoull(b []byte) (int64, bool) {
	i := 0
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	var mul int64
	switch u := b[i:]; {
	case len(u) == 0 || argIs(u, "b"):
		mul = 1
	case argIs(u, "k"):
		mul = 1000
	case argIs(u, "kb"):
		mul = 1024
	case argIs(u, "m"):
		mul = 1000 * 1000
	case argIs(u, "mb"):
		mul = 1024 * 1024
	case argIs(u, "g"):
		mul = 1000 * 1000 * 1000
	case argIs(u, "gb"):
		mul = 1024 * 1024 * 1024
	default:
		return 0, false
	}
	v, err := strconv.ParseInt(string(b[:i]), 10, 64)
	if err != nil && i > 0 {
		return 0, false
	}
	if v > (1<<63-1)/mul {
		return 0, false
	}
	return v * mul, true
}
