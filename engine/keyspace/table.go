package keyspace

import (
	"hash/maphash"
	"math/bits"
	"unsafe"
)

// A bucket is one cache line: seven slots holding record refs, their presence
// bits and one byte of hash each. When the seven are full the last slot turns
// into a link to a child bucket, and the chain grows from there.
//
//	meta byte 0:    presence of slots 0..6 (bits 0-6), chained (bit 7)
//	meta byte 1+i:  the top 8 bits of the hash of the key in slot i
type bucket struct {
	meta  uint64
	slots [slotsPerBucket]uint64
}

const (
	slotsPerBucket = 7
	bucketSize     = int(unsafe.Sizeof(bucket{}))
	presenceMask   = 0x7f
	chainedBit     = 0x80
	linkSlot       = slotsPerBucket - 1

	// Buckets = ceil(entries × bucketFactor / bucketDivisor), rounded up to a
	// power of two, which fills a fresh table to at most 32/5/7 = 91%.
	bucketFactor  = 5
	bucketDivisor = 32
	maxExp        = 48 // the bucket index must stay clear of the 8 hash bits in meta

	maxFillSoft = 100 // percent of slots, before growing
	maxFillHard = 500 // ResizeAvoid: chains absorb growth until here
	minFillSoft = 13  // percent, before shrinking
	minFillHard = 3
)

var _ [64 - bucketSize]struct{} // a bucket is exactly one cache line
var _ [bucketSize - 64]struct{}

// ResizePolicy says how eagerly a Table resizes.
type ResizePolicy uint8

const (
	// ResizeAllow grows at 100% fill, shrinks at 13% and rehashes one bucket
	// on every lookup while a rehash is in progress.
	ResizeAllow ResizePolicy = iota
	// ResizeAvoid grows only at 500% fill and shrinks at 3%, and rehashes
	// only on writes: for when moving memory around is expensive.
	ResizeAvoid
	// ResizeForbid never resizes a table that has buckets.
	ResizeForbid
)

// A Table maps binary keys to records: Valkey's cache-line bucket hash table
// with incremental rehashing, reverse-binary SCAN, random sampling and
// snapshot marks, over records stored in an Arena.
//
// A Table is not safe for concurrent use; see the package documentation.
// The zero Table is not usable: make one with New, NewTable or NewIn.
type Table struct {
	a         *Arena
	arr       [2]bucketArray
	mask      [2]uint64
	used      [2]int
	rehashIdx int64 // next bucket of table 0 to move; -1 when not rehashing
	exp       [2]int8
	pause     int32 // > 0: no rehash steps, chain compaction or shrinking
	policy    ResizePolicy
	epoch     uint8       // snapshot epoch new and saved records are marked with
	clean     uint8       // epoch of the last complete snapshot
	save      func(Entry) // the running snapshot's copy-ahead hook, or nil
	children  [2]int      // child buckets per table
	seed      maphash.Seed
}

// New returns an empty Table with its own Arena, hashing with seed.
func New(seed maphash.Seed) *Table { return NewIn(NewArena(), seed) }

// NewTable returns an empty Table with its own Arena and a random seed.
func NewTable() *Table { return New(maphash.MakeSeed()) }

// NewIn returns an empty Table that stores its records in a. Tables of one
// database (main, expires, and in cluster mode one per slot) should share an
// Arena, and may share a seed.
func NewIn(a *Arena, seed maphash.Seed) *Table {
	return &Table{a: a, seed: seed, rehashIdx: -1, exp: [2]int8{-1, -1}}
}

// Arena returns the Arena the table stores its records in.
func (t *Table) Arena() *Arena { return t.a }

// Len returns the number of keys.
func (t *Table) Len() int { return t.used[0] + t.used[1] }

// Buckets returns the number of top-level buckets in both tables.
func (t *Table) Buckets() int { return numBuckets(t.exp[0]) + numBuckets(t.exp[1]) }

// MemUsage returns the bytes of the table's buckets, top-level and chained;
// records are accounted by the Arena.
func (t *Table) MemUsage() int {
	return (t.Buckets() + t.children[0] + t.children[1]) * bucketSize
}

// TableSizes returns the slot capacity (top-level buckets × 7) and the key
// count of the main table and of the rehash target (zero unless
// rehashing), for DEBUG HTSTATS.
func (t *Table) TableSizes() (size, used [2]int) {
	for i := range 2 {
		size[i] = numBuckets(t.exp[i]) * slotsPerBucket
		used[i] = t.used[i]
	}
	return size, used
}

// IsRehashing reports whether an incremental rehash is in progress.
func (t *Table) IsRehashing() bool { return t.rehashIdx >= 0 }

// SetResizePolicy sets how eagerly the table resizes.
func (t *Table) SetResizePolicy(p ResizePolicy) { t.policy = p }

// Hash returns the seeded hash of key, for the *Hashed methods and BucketAddr.
func (t *Table) Hash(key []byte) uint64 { return maphash.Bytes(t.seed, key) }

// BucketAddr returns the address of the bucket that holds, or would hold, a
// key with hash h, or nil if the table has no buckets. The batch executor
// prefetches it. It is a hint: after the next lookup or write a rehash may
// have freed it, so prefetch it (which cannot fault), never load through a
// stale one.
func (t *Table) BucketAddr(h uint64) unsafe.Pointer {
	if t.exp[0] < 0 {
		return nil
	}
	idx := h & t.mask[0]
	if t.rehashIdx >= 0 && idx < uint64(t.rehashIdx) {
		return unsafe.Add(t.arr[1].p, (h&t.mask[1])*uint64(bucketSize))
	}
	return unsafe.Add(t.arr[0].p, idx*uint64(bucketSize))
}

// EntryHint returns the address of the first record in h's bucket whose hash
// byte matches, or nil: the second prefetch pass of the batch executor, run
// once the bucket is in cache. Like BucketAddr it is only a hint.
func (t *Table) EntryHint(h uint64) unsafe.Pointer {
	b := (*bucket)(t.BucketAddr(h))
	if b == nil {
		return nil
	}
	meta := b.meta
	m := matchH2(meta, uint8(h>>56))
	for m != 0 {
		pos := bits.TrailingZeros64(m)>>3 - 1
		m &= m - 1
		if meta&(1<<pos) != 0 {
			return t.a.ptr(b.slots[pos])
		}
	}
	return nil
}

// Get returns the entry for key.
func (t *Table) Get(key []byte) (Entry, bool) { return t.GetHashed(key, t.Hash(key)) }

// GetHashed is Get with the hash already computed by Hash.
func (t *Table) GetHashed(key []byte, h uint64) (Entry, bool) {
	if t.rehashIdx < 0 {
		return t.PeekHashed(key, h) // one table, no bookkeeping
	}
	if t.used[0]+t.used[1] == 0 {
		return Entry{}, false
	}
	t.rehashOnRead()
	b, pos, _ := t.find(key, h)
	if b == nil {
		return Entry{}, false
	}
	return Entry{t.a.ptr(b.slots[pos]), t.a}, true
}

// PeekHashed is GetHashed without its side effects, for the batch
// executor's prefetch passes, which must not change the table: it takes no
// rehash step, and while the table rehashes it finds nothing.
func (t *Table) PeekHashed(key []byte, h uint64) (Entry, bool) {
	if t.rehashIdx >= 0 || t.used[0] == 0 {
		return Entry{}, false
	}
	if r := t.lookup(t.bucket(0, h&t.mask[0]), key, uint8(h>>56)); r != nil {
		return Entry{t.a.ptr(*r), t.a}, true
	}
	return Entry{}, false
}

// GetForWrite is Get for a caller about to change the entry in place
// (its value bytes, object, kind or expiry). While a snapshot runs, it first
// hands the entry to the snapshot's copy-ahead hook if the snapshot has not
// saved it yet.
func (t *Table) GetForWrite(key []byte) (Entry, bool) {
	return t.GetForWriteHashed(key, t.Hash(key))
}

// GetForWriteHashed is GetForWrite with the hash already computed.
func (t *Table) GetForWriteHashed(key []byte, h uint64) (Entry, bool) {
	e, ok := t.GetHashed(key, h)
	if ok && t.save != nil {
		t.capture(e.p)
	}
	return e, ok
}

// Set stores v under key, replacing any entry the key had, and returns the
// new entry and whether one was replaced. The new entry's access word is 0.
func (t *Table) Set(key []byte, v Value) (Entry, bool) { return t.SetHashed(key, t.Hash(key), v) }

// SetHashed is Set with the hash already computed.
func (t *Table) SetHashed(key []byte, h uint64, v Value) (Entry, bool) {
	flags, size := layout(key, &v)
	if t.rehashIdx < 0 {
		if t.used[0] > 0 {
			if r := t.lookup(t.bucket(0, h&t.mask[0]), key, uint8(h>>56)); r != nil {
				return t.replace(r, key, &v, flags, size), true
			}
		}
	} else if t.used[0]+t.used[1] > 0 {
		t.rehashOnRead()
		if b, pos, _ := t.find(key, h); b != nil {
			return t.replace(&b.slots[pos], key, &v, flags, size), true
		}
	}
	t.expandIfNeeded()
	t.rehashOnWrite()
	var obj uint32
	if v.Obj != nil {
		obj = t.a.putObj(v.Obj)
	}
	r, p, large := t.a.allocRecord(size, v.Spare)
	if large {
		flags |= flagLarge
	}
	writeRecord(p, flags, key, &v, obj, t.epoch)
	tab := 0
	if t.rehashIdx >= 0 {
		tab = 1
	}
	t.insert(tab, h, uint8(h>>56), r)
	t.used[tab]++
	return Entry{p, t.a}, false
}

// Prior describes the entry an Upsert replaced.
type Prior struct {
	Replaced bool   // the key existed
	Kind     uint8  // its kind tag
	Expire   int64  // its expiry, 0 for none
	Access   uint32 // its access word
}

// Upsert stores v under key as SetHashed does, with the database's rules
// for an overwrite: the entry keeps its access word (the LRU clock and LFU
// counter survive an overwrite, as in Valkey), and with keepExpire also its
// expiry, in which case v.Expire is ignored. It reports what it replaced. A
// new entry's access word is 0.
func (t *Table) Upsert(key []byte, h uint64, v Value, keepExpire bool) (Entry, Prior) {
	var slot *uint64
	if t.rehashIdx < 0 {
		if t.used[0] > 0 {
			slot = t.lookup(t.bucket(0, h&t.mask[0]), key, uint8(h>>56))
		}
	} else if t.used[0]+t.used[1] > 0 {
		t.rehashOnRead()
		if b, pos, _ := t.find(key, h); b != nil {
			slot = &b.slots[pos]
		}
	}
	if slot == nil {
		if keepExpire {
			v.Expire = 0
		}
		e, _ := t.SetHashed(key, h, v)
		return e, Prior{}
	}
	old := Entry{t.a.ptr(*slot), t.a}
	pr := Prior{Replaced: true, Kind: old.Kind(), Expire: old.Expire(), Access: old.Access()}
	if keepExpire {
		v.Expire = pr.Expire
	}
	flags, size := layout(key, &v)
	e := t.replace(slot, key, &v, flags, size)
	e.SetAccess(pr.Access)
	return e, pr
}

// replace rewrites the record in *slot to hold key and v.
func (t *Table) replace(slot *uint64, key []byte, v *Value, flags uint8, size int) Entry {
	a := t.a
	old := *slot
	op := a.ptr(old)
	if t.save != nil {
		t.capture(op)
	}
	obj, hadObj := recObj(op)
	switch {
	case hadObj && v.Obj != nil:
		a.objs[obj] = v.Obj
	case hadObj:
		a.dropObj(obj)
	case v.Obj != nil:
		obj = a.putObj(v.Obj)
	}
	if of := recFlags(op); of == flags {
		// Same layout, same key: when the value length matches too (a
		// counter, a fixed-size payload) only the value and header change.
		// Large records never get here: their flags carry flagLarge.
		e := Entry{op, a}
		if val := e.Value(); len(val) == len(v.Bytes) {
			*(*uint32)(unsafe.Add(op, offAccess)) = 0
			*(*uint8)(unsafe.Add(op, offKind)) = v.Kind
			*(*uint8)(unsafe.Add(op, offMark)) = t.epoch
			e.setExpire(v.Expire)
			copy(val, v.Bytes)
			return e
		}
	}
	if c := a.slotCap(old); c != 0 && size <= a.largeLimit() && sizeClass(uint32(size)) == sizeClass(uint32(c)) &&
		!overlaps(op, c, key) && !overlaps(op, c, v.Bytes) {
		// Same size class and no aliasing: overwrite in place.
		writeRecord(op, flags, key, v, obj, t.epoch)
		return Entry{op, a}
	}
	r, p, large := a.allocRecord(size, v.Spare)
	if large {
		flags |= flagLarge
	}
	writeRecord(p, flags, key, v, obj, t.epoch)
	a.free(old)
	*slot = r
	return Entry{p, a}
}

// overlaps reports whether b shares memory with the n bytes at p.
func overlaps(p unsafe.Pointer, n int, b []byte) bool {
	if len(b) == 0 {
		return false
	}
	s := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	return s < uintptr(p)+uintptr(n) && uintptr(p) < s+uintptr(len(b))
}

// SetExpire sets the expiry of key's entry (0 removes it) and reports
// whether the key exists. Setting an expiry on an entry that has never had
// one moves the record to a larger slot; Entries obtained before are invalid.
func (t *Table) SetExpire(key []byte, at int64) bool {
	_, ok := t.SetExpireEntry(key, at)
	return ok
}

// SetExpireEntry is SetExpire returning the key's entry afterwards.
func (t *Table) SetExpireEntry(key []byte, at int64) (Entry, bool) {
	if t.used[0]+t.used[1] == 0 {
		return Entry{}, false
	}
	t.rehashOnRead()
	b, pos, _ := t.find(key, t.Hash(key))
	if b == nil {
		return Entry{}, false
	}
	a := t.a
	old := b.slots[pos]
	op := a.ptr(old)
	if t.save != nil {
		t.capture(op)
	}
	e := Entry{op, a}
	if e.setExpire(at) || at == 0 {
		return e, true
	}
	f := recFlags(op)&layoutMask | flagExpire
	k, val := e.Key(), e.Value()
	size := int(keyOff[f]) + len(k) + len(val)
	r, p, large := a.allocRecord(size, 0)
	if large {
		f |= flagLarge
	}
	obj, _ := recObj(op)
	writeRecord(p, f, k, &Value{Kind: e.Kind(), Bytes: val, Expire: at}, obj, e.mark())
	Entry{p, a}.SetAccess(e.Access())
	a.free(old)
	b.slots[pos] = r
	return Entry{p, a}, true
}

// Delete removes key's entry and reports whether there was one.
func (t *Table) Delete(key []byte) bool { return t.DeleteHashed(key, t.Hash(key)) }

// DeleteHashed is Delete with the hash already computed.
func (t *Table) DeleteHashed(key []byte, h uint64) bool {
	if t.used[0]+t.used[1] == 0 {
		return false
	}
	t.rehashOnRead()
	b, pos, tab := t.find(key, h)
	if b == nil {
		return false
	}
	t.removeAt(b, pos, tab)
	if b.meta&chainedBit != 0 && t.pause == 0 {
		t.fillHole(tab, b, pos)
	}
	t.shrinkIfNeeded()
	return true
}

// removeAt frees the record in slot pos of b, which belongs to table tab.
func (t *Table) removeAt(b *bucket, pos, tab int) {
	r := b.slots[pos]
	p := t.a.ptr(r)
	if t.save != nil {
		t.capture(p)
	}
	if obj, ok := recObj(p); ok {
		t.a.dropObj(obj)
	}
	t.a.free(r)
	b.meta &^= 1 << pos
	t.used[tab]--
}

// Expand makes room for n keys without further growth, starting a rehash,
// and reports whether it did. It does nothing while a rehash is in progress
// or when the table already has room; RDB loading and DEBUG POPULATE call it.
func (t *Table) Expand(n int) bool {
	if t.rehashIdx >= 0 || n < t.Len() {
		return false
	}
	if t.exp[0] >= 0 && n <= numBuckets(t.exp[0])*slotsPerBucket {
		return false
	}
	return t.resize(n)
}

// RehashStep moves up to n buckets of an incremental rehash and reports
// whether rehashing is still in progress. The cron calls it so that tables
// nobody reads still finish rehashing.
func (t *Table) RehashStep(n int) bool {
	for ; n > 0 && t.rehashIdx >= 0 && t.pause == 0; n-- {
		t.rehashStep()
	}
	return t.rehashIdx >= 0
}

// ResizeIfNeeded starts a shrink or growth if the table's fill calls for one
// and reports whether it did. Tables resize themselves on writes; the cron
// calls this for the ones that stopped being written, as Valkey's does.
func (t *Table) ResizeIfNeeded() bool {
	if t.rehashIdx >= 0 || t.exp[0] < 0 {
		return false
	}
	exp := t.exp[0]
	t.shrinkIfNeeded()
	if t.rehashIdx < 0 {
		t.expandIfNeeded()
	}
	return t.exp[0] != exp || t.rehashIdx >= 0
}

// find returns the bucket, slot and table holding key, or a nil bucket.
func (t *Table) find(key []byte, h uint64) (*bucket, int, int) {
	h2 := uint8(h >> 56)
	for tab := 0; tab < 2; tab++ {
		if t.used[tab] == 0 {
			continue
		}
		idx := h & t.mask[tab]
		if tab == 0 && t.rehashIdx >= 0 && idx < uint64(t.rehashIdx) {
			continue // already moved to table 1
		}
		b := t.bucket(tab, idx)
		for {
			meta := b.meta
			m := matchH2(meta, h2)
			for m != 0 {
				pos := bits.TrailingZeros64(m)>>3 - 1
				m &= m - 1
				if meta&(1<<pos) != 0 && keyEqual(t.a.ptr(b.slots[pos]), key) {
					return b, pos, tab
				}
			}
			if meta&chainedBit == 0 {
				break
			}
			b = t.child(b)
		}
	}
	return nil, 0, 0
}

// lookup returns the slot holding key's ref in the chain starting at b, or nil.
func (t *Table) lookup(b *bucket, key []byte, h2 uint8) *uint64 {
	for {
		meta := b.meta
		for m := matchH2(meta, h2); m != 0; m &= m - 1 {
			pos := bits.TrailingZeros64(m)>>3 - 1
			if meta&(1<<pos) != 0 && keyEqual(t.a.ptr(b.slots[pos]), key) {
				return &b.slots[pos]
			}
		}
		if meta&chainedBit == 0 {
			return nil
		}
		b = t.child(b)
	}
}

// matchH2 returns a word with the high bit set in each hash byte of meta
// (bytes 1..7) equal to h2, and nothing else.
func matchH2(meta uint64, h2 uint8) uint64 {
	const lo7 = 0x7f7f7f7f7f7f7f7f
	x := meta ^ uint64(h2)*0x0101010101010101
	z := ^((x&lo7 + lo7) | x | lo7) // 0x80 exactly where x has a zero byte
	return z &^ 0xff
}

func (t *Table) bucket(tab int, idx uint64) *bucket {
	return (*bucket)(unsafe.Add(t.arr[tab].p, idx*uint64(bucketSize)))
}

func (t *Table) child(b *bucket) *bucket { return (*bucket)(t.a.ptr(b.slots[linkSlot])) }

func numBuckets(exp int8) int {
	if exp < 0 {
		return 0
	}
	return 1 << exp
}

// bucketCount returns the number of positions a bucket has for records.
func bucketCount(meta uint64) int {
	if meta&chainedBit != 0 {
		return slotsPerBucket - 1
	}
	return slotsPerBucket
}

func setSlot(b *bucket, pos int, h2 uint8, r uint64) {
	sh := uint(pos+1) * 8
	b.meta = b.meta&^(0xff<<sh) | uint64(h2)<<sh | 1<<pos
	b.slots[pos] = r
}

func moveSlot(to *bucket, toPos int, from *bucket, fromPos int) {
	setSlot(to, toPos, uint8(from.meta>>(uint(fromPos+1)*8)), from.slots[fromPos])
	from.meta &^= 1 << fromPos
}

// insert puts ref into table tab at h's chain; the caller counts it.
func (t *Table) insert(tab int, h uint64, h2 uint8, r uint64) {
	b := t.bucket(tab, h&t.mask[tab])
	for {
		meta := b.meta
		if free := ^meta & (1<<bucketCount(meta) - 1); free != 0 {
			setSlot(b, bits.TrailingZeros64(free), h2, r)
			return
		}
		if meta&chainedBit == 0 {
			// Full: the last record moves to a new child bucket and its slot
			// becomes the link.
			cr, cp := t.a.allocZeroed(bucketSize)
			moveSlot((*bucket)(cp), 0, b, linkSlot)
			b.slots[linkSlot] = cr
			b.meta |= chainedBit
			t.children[tab]++
		}
		b = t.child(b)
	}
}

func (t *Table) rehashOnRead() {
	if t.rehashIdx >= 0 && t.pause == 0 && t.policy == ResizeAllow {
		t.rehashStep()
	}
}

func (t *Table) rehashOnWrite() {
	if t.rehashIdx >= 0 && t.pause == 0 && t.policy == ResizeAvoid {
		t.rehashStep()
	}
}

// rehashStep moves one bucket chain of table 0 to table 1.
func (t *Table) rehashStep() {
	idx := uint64(t.rehashIdx)
	b := t.bucket(0, idx)
	t.rehashBucket(b, idx)
	if b.meta&chainedBit != 0 {
		r := b.slots[linkSlot]
		for {
			c := (*bucket)(t.a.ptr(r))
			t.rehashBucket(c, idx)
			next, chained := c.slots[linkSlot], c.meta&chainedBit != 0
			t.a.free(r)
			t.children[0]--
			if !chained {
				break
			}
			r = next
		}
	}
	b.meta = 0
	t.rehashIdx++
	if t.rehashIdx >= int64(numBuckets(t.exp[0])) {
		t.completeRehash()
	}
}

func (t *Table) rehashBucket(b *bucket, idx uint64) {
	meta := b.meta
	pres := meta & presenceMask
	shrinking := t.exp[1] < t.exp[0]
	for pres != 0 {
		pos := bits.TrailingZeros64(pres)
		pres &= pres - 1
		r := b.slots[pos]
		h := idx // when shrinking, the old index has all the bits the new one needs
		if !shrinking {
			h = t.Hash(recKey(t.a.ptr(r)))
		}
		t.insert(1, h, uint8(meta>>(uint(pos+1)*8)), r)
	}
	n := bits.OnesCount64(meta & presenceMask)
	t.used[0] -= n
	t.used[1] += n
	b.meta &^= presenceMask
}

func (t *Table) completeRehash() {
	t.a.freeBuckets(t.arr[0])
	t.arr[0], t.mask[0], t.exp[0], t.used[0], t.children[0] =
		t.arr[1], t.mask[1], t.exp[1], t.used[1], t.children[1]
	t.arr[1], t.mask[1], t.exp[1], t.used[1], t.children[1] = bucketArray{}, 0, -1, 0, 0
	t.rehashIdx = -1
}

// nextExp returns log2 of the bucket count for minCap records.
func nextExp(minCap int) int8 {
	b := (minCap*bucketFactor-1)/bucketDivisor + 1
	if b <= 1 {
		return 0
	}
	return int8(min(bits.Len64(uint64(b-1)), maxExp))
}

// resize starts rehashing into a table sized for minCap records.
func (t *Table) resize(minCap int) bool {
	exp := nextExp(max(minCap, 1))
	if exp == t.exp[0] || t.policy == ResizeForbid && t.exp[0] >= 0 {
		return false
	}
	n := 1 << exp
	t.arr[1] = t.a.allocBuckets(n)
	t.exp[1], t.mask[1], t.used[1], t.children[1] = exp, uint64(n-1), 0, 0
	t.rehashIdx = 0
	// An empty old table can be dropped at once, unless an iterator or scan
	// callback may be standing in it.
	if t.exp[0] < 0 || t.used[0] == 0 && t.children[0] == 0 && t.pause == 0 {
		t.completeRehash()
	}
	return true
}

func (t *Table) expandIfNeeded() {
	if t.rehashIdx >= 0 {
		return
	}
	need := t.used[0] + 1
	fill := maxFillSoft
	if t.policy != ResizeAllow {
		fill = maxFillHard
	}
	if t.exp[0] >= 0 && need*100 <= numBuckets(t.exp[0])*slotsPerBucket*fill {
		return
	}
	t.resize(need)
}

func (t *Table) shrinkIfNeeded() {
	if t.rehashIdx >= 0 || t.pause > 0 || t.exp[0] <= 0 {
		return
	}
	fill := minFillSoft
	if t.policy != ResizeAllow {
		fill = minFillHard
	}
	if t.used[0]*100 > numBuckets(t.exp[0])*slotsPerBucket*fill {
		return
	}
	t.resize(t.used[0])
}

// fillHole fills the empty slot pos of chained bucket b from the end of its
// chain and frees the chain's last bucket once it holds at most one record.
func (t *Table) fillHole(tab int, b *bucket, pos int) {
	before, last := b, t.child(b)
	for last.meta&chainedBit != 0 {
		before, last = last, t.child(last)
	}
	if p := last.meta & presenceMask; p != 0 {
		moveSlot(b, pos, last, bits.TrailingZeros64(p))
	}
	if bits.OnesCount64(last.meta&presenceMask) <= 1 {
		t.pruneLast(tab, before, last)
	}
}

// pruneLast frees last, the final bucket of a chain, moving its record (at
// most one) into the link slot of before.
func (t *Table) pruneLast(tab int, before, last *bucket) {
	r := before.slots[linkSlot]
	before.meta &^= chainedBit
	if p := last.meta & presenceMask; p != 0 {
		moveSlot(before, linkSlot, last, bits.TrailingZeros64(p))
	}
	t.a.free(r)
	t.children[tab]--
}

// compactChain closes the holes deletions left in a chain while compaction
// was paused, and frees the buckets that empties.
func (t *Table) compactChain(tab int, idx uint64) {
	b := t.bucket(tab, idx)
	for b.meta&chainedBit != 0 {
		next := t.child(b)
		if next.meta&chainedBit != 0 && next.meta&presenceMask == 0 {
			// An empty bucket mid-chain: unlink it.
			r := b.slots[linkSlot]
			b.slots[linkSlot] = next.slots[linkSlot]
			t.a.free(r)
			t.children[tab]--
			continue
		}
		if next.meta&chainedBit == 0 && bits.OnesCount64(next.meta&presenceMask) <= 1 {
			t.pruneLast(tab, b, next)
			return
		}
		for pos := 0; pos < linkSlot; pos++ {
			if b.meta&(1<<pos) == 0 {
				t.fillHole(tab, b, pos)
				if b.meta&chainedBit == 0 {
					return
				}
			}
		}
		b = next
	}
}
