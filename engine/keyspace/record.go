package keyspace

import (
	"sync/atomic"
	"unsafe"
)

// A record is one key and its value in an arena slot, pointer-free:
//
//	off  size  field
//	0    4     access: LRU clock (low 24 bits) and LFU counter (high 8 bits)
//	4    1     flags: see below
//	5    1     kind: the engine's type/encoding tag, opaque here
//	6    1     mark: snapshot epoch in which the record was last saved or made
//	7    1|2|4 key length
//	     0|1|2|4 value length
//	     8     expiry, if flagExpire
//	     4     object index, if flagObj
//	     ...   key bytes, then value bytes
//
// Fields are in native byte order; records never leave the process as they
// are. The header of a 10-byte key with a 100-byte value is 9 bytes, so the
// record takes a 120-byte slot.
const (
	offAccess = 0
	offFlags  = 4
	offKind   = 5
	offMark   = 6
	offLens   = 7

	flagExpire = 1 << 0
	flagObj    = 1 << 1
	keyWShift  = 2      // two bits: key length width code
	valWShift  = 4      // two bits: value length width code
	flagLarge  = 1 << 6 // the record has an allocation of its own (stable address)
	layoutMask = 0x3f   // the flag bits that decide where fields are

	// The layout of most string records: one-byte key and value lengths,
	// no expiry or object in the record.
	commonLayout = 1 << valWShift
	commonKeyOff = offLens + 2
)

var (
	keyWidth = [4]uint8{1, 2, 4, 0}
	valWidth = [4]uint8{0, 1, 2, 4}
	// keyOff[flags&layoutMask] is where the key starts.
	keyOff = func() (t [64]uint8) {
		for f := range t {
			n := offLens + keyWidth[f>>keyWShift&3] + valWidth[f>>valWShift&3]
			if f&flagExpire != 0 {
				n += 8
			}
			if f&flagObj != 0 {
				n += 4
			}
			t[f] = n
		}
		return t
	}()
)

// Value is what Set stores under a key.
type Value struct {
	Kind   uint8  // the engine's type and encoding tag; the table only keeps it
	Bytes  []byte // copied into the record: small strings, integers, listpacks
	Obj    any    // kept by reference, for values with Go pointers inside; nil for none
	Expire int64  // absolute expiry time in the engine's unit; 0 for none
	// Spare asks for room to lengthen the value in place later by this many
	// bytes (Entry.Grow), for values that keep growing. Only a record with
	// an allocation of its own (Stable) gets it.
	Spare int
}

func widthCode(n int, base uint8) uint8 {
	switch {
	case n == 0 && base == 1:
		return 0
	case n < 1<<8:
		return base
	case n < 1<<16:
		return base + 1
	default:
		return base + 2
	}
}

// layout returns the flags byte (without flagLarge) and the total size of the
// record holding key and v.
func layout(key []byte, v *Value) (flags uint8, size int) {
	flags = widthCode(len(key), 0)<<keyWShift | widthCode(len(v.Bytes), 1)<<valWShift
	if v.Expire != 0 {
		flags |= flagExpire
	}
	if v.Obj != nil {
		flags |= flagObj
	}
	return flags, int(keyOff[flags]) + len(key) + len(v.Bytes)
}

func putLen(p unsafe.Pointer, w uint8, n int) {
	switch w {
	case 1:
		*(*uint8)(p) = uint8(n)
	case 2:
		*(*uint16)(p) = uint16(n)
	case 4:
		*(*uint32)(p) = uint32(n)
	}
}

func getLen(p unsafe.Pointer, w uint8) int {
	switch w {
	case 1:
		return int(*(*uint8)(p))
	case 2:
		return int(*(*uint16)(p))
	case 4:
		return int(*(*uint32)(p))
	}
	return 0
}

// writeRecord fills the record at p. key and v.Bytes must not overlap p's
// slot unless they sit exactly where this layout puts them.
func writeRecord(p unsafe.Pointer, flags uint8, key []byte, v *Value, obj uint32, mark uint8) {
	*(*uint32)(unsafe.Add(p, offAccess)) = 0
	*(*uint8)(unsafe.Add(p, offFlags)) = flags
	*(*uint8)(unsafe.Add(p, offKind)) = v.Kind
	*(*uint8)(unsafe.Add(p, offMark)) = mark
	kw := keyWidth[flags>>keyWShift&3]
	vw := valWidth[flags>>valWShift&3]
	putLen(unsafe.Add(p, offLens), kw, len(key))
	putLen(unsafe.Add(p, offLens+uintptr(kw)), vw, len(v.Bytes))
	off := uintptr(offLens + kw + vw)
	if flags&flagExpire != 0 {
		*(*int64)(unsafe.Add(p, off)) = v.Expire
		off += 8
	}
	if flags&flagObj != 0 {
		*(*uint32)(unsafe.Add(p, off)) = obj
		off += 4
	}
	copy(unsafe.Slice((*byte)(unsafe.Add(p, off)), len(key)), key)
	copy(unsafe.Slice((*byte)(unsafe.Add(p, off+uintptr(len(key)))), len(v.Bytes)), v.Bytes)
}

func recFlags(p unsafe.Pointer) uint8 { return *(*uint8)(unsafe.Add(p, offFlags)) }

func recKeyLen(p unsafe.Pointer, flags uint8) int {
	return getLen(unsafe.Add(p, offLens), keyWidth[flags>>keyWShift&3])
}

// recKey returns the record's key bytes, aliasing the slot.
func recKey(p unsafe.Pointer) []byte {
	f := recFlags(p)
	return unsafe.Slice((*byte)(unsafe.Add(p, keyOff[f&layoutMask])), recKeyLen(p, f))
}

// recObj returns the record's object index and whether it has one.
func recObj(p unsafe.Pointer) (uint32, bool) {
	f := recFlags(p)
	if f&flagObj == 0 {
		return 0, false
	}
	return *(*uint32)(unsafe.Add(p, uintptr(keyOff[f&layoutMask])-4)), true
}

// keyEqual reports whether the record at p holds key.
func keyEqual(p unsafe.Pointer, key []byte) bool {
	f := recFlags(p)
	if f&layoutMask == commonLayout {
		// Constant offsets: once the branch is predicted, the key's load
		// does not wait for the flags byte, which matters when the key
		// starts in the record's second cache line.
		if int(*(*uint8)(unsafe.Add(p, offLens))) != len(key) {
			return false
		}
		return bytesAt(unsafe.Add(p, commonKeyOff), key)
	}
	if recKeyLen(p, f) != len(key) {
		return false
	}
	return bytesAt(unsafe.Add(p, keyOff[f&layoutMask]), key)
}

// bytesAt reports whether the len(b) bytes at k equal b. Keys of 4 to 16
// bytes, the usual ones, are compared as two overlapping words without a
// call: in a lookup loop that lets the CPU keep more cache misses in flight
// (BenchmarkGet at 1M keys: 415 to 320 ns).
func bytesAt(k unsafe.Pointer, b []byte) bool {
	n := len(b)
	q := unsafe.Pointer(unsafe.SliceData(b))
	switch {
	case n >= 8 && n <= 16:
		return *(*uint64)(k) == *(*uint64)(q) &&
			*(*uint64)(unsafe.Add(k, n-8)) == *(*uint64)(unsafe.Add(q, n-8))
	case n >= 4 && n < 8:
		return *(*uint32)(k) == *(*uint32)(q) &&
			*(*uint32)(unsafe.Add(k, n-4)) == *(*uint32)(unsafe.Add(q, n-4))
	}
	return unsafe.String((*byte)(k), n) == string(b)
}

// An Entry is a key and its value as stored in a Table: a view into arena
// memory. It, and every slice it returns, stays valid until its own key is
// overwritten (Set), deleted, given an expiry by SetExpire, or the table is
// cleared. Lookups, rehashing, and writes to other keys do not move it, so the
// batch executor may hold the entries of a whole batch. Copy what must outlive
// that, except Stable values. The zero Entry is not valid.
type Entry struct {
	p unsafe.Pointer
	a *Arena
}

// Valid reports whether e refers to a record.
func (e Entry) Valid() bool { return e.p != nil }

// Key returns the key. The slice aliases the table's memory.
func (e Entry) Key() []byte { return recKey(e.p) }

// Kind returns the tag stored with Value.Kind.
func (e Entry) Kind() uint8 { return *(*uint8)(unsafe.Add(e.p, offKind)) }

// SetKind changes the stored tag in place.
func (e Entry) SetKind(k uint8) { *(*uint8)(unsafe.Add(e.p, offKind)) = k }

// Value returns the inline bytes stored with Value.Bytes. The slice aliases
// the table's memory: the engine may overwrite it in place (same length,
// after GetForWrite) if Mutable reports true, and must copy it before the
// Entry becomes invalid. A Stable value may be kept longer, for example by a
// reply sent by reference, which pins it (see Pin) so that it is not changed
// in place meanwhile.
func (e Entry) Value() []byte {
	f := recFlags(e.p)
	if f&layoutMask == commonLayout {
		k := int(*(*uint8)(unsafe.Add(e.p, offLens)))
		v := int(*(*uint8)(unsafe.Add(e.p, offLens+1)))
		return unsafe.Slice((*byte)(unsafe.Add(e.p, commonKeyOff+k)), v)
	}
	kw := keyWidth[f>>keyWShift&3]
	k := getLen(unsafe.Add(e.p, offLens), kw)
	v := getLen(unsafe.Add(e.p, offLens+uintptr(kw)), valWidth[f>>valWShift&3])
	return unsafe.Slice((*byte)(unsafe.Add(e.p, int(keyOff[f&layoutMask])+k)), v)
}

// Footprint returns the bytes the record takes in its arena: the slot
// class that holds a record of its size, or its own allocation if Stable.
// (A record rewritten in place may sit in a larger slot than its class.)
// MEMORY USAGE reports it.
func (e Entry) Footprint() int {
	n := len(e.Value()) + len(e.Key()) + int(keyOff[recFlags(e.p)&layoutMask])
	if e.Stable() || n > maxSmall {
		return n
	}
	return int(classSize[sizeClass(uint32(n))])
}

// Bucket geometry for memory reports: a 64-byte bucket holds seven keys,
// BucketShare bytes per key at the usual load.
const (
	BucketBytes    = bucketSize
	SlotsPerBucket = slotsPerBucket
	BucketShare    = bucketSize / slotsPerBucket
)

// Stable reports whether the record has an allocation of its own (records
// over 32 KiB, or over the SetLargeRecord limit). Its Value slice then stays
// valid while it is pinned, even after the key is overwritten or deleted:
// the table never reuses such a record's memory while a Pin holds it, and
// its bytes stay unchanged meanwhile (see Pin).
func (e Entry) Stable() bool { return recFlags(e.p)&flagLarge != 0 }

// A Pin counts the references to a Stable record's memory: one for the
// record while its table holds it, and one for each piece of output not
// yet written that sends its bytes by reference. A reply that queues a
// Stable value by reference pins it, and unpins it once the bytes have
// gone to the socket, which happens on an I/O goroutine after the
// coordinator has let go of the engine. Only the coordinator pins, and it
// only changes a value in place while no output references it (Mutable);
// unpinning may happen on any goroutine, hence the atomic counter. Whoever
// drops the last reference frees the memory: the table when it frees an
// unpinned record, or the last Unpin of a record the table has let go.
// The Pin is the first field of the largeHeader in front of the record.
type Pin struct{ n atomic.Int32 }

// largeHeader precedes a record with an allocation of its own.
type largeHeader struct {
	pin      Pin
	pages    uint32 // pages of a block from allocLargeBlock; 0 for a Go heap one
	capacity uint64 // bytes from the record's start to the allocation's end
}

// pinSize is the room in front of a large record for its largeHeader.
const pinSize = 16

func (e Entry) large() *largeHeader { return (*largeHeader)(unsafe.Add(e.p, -pinSize)) }

// drop releases a reference to the block, freeing it with the last one.
// A Go heap block is left to the collector.
func (h *largeHeader) drop() {
	if h.pin.n.Add(-1) == 0 && h.pages != 0 {
		freeLargeBlock(unsafe.Pointer(h), int(h.pages)*pageSize)
	}
}

// Pin adds a reference to a Stable value's bytes and returns the Pin to
// Unpin when the reference is dropped. e must be Stable.
func (e Entry) Pin() *Pin {
	p := &e.large().pin
	p.n.Add(1)
	return p
}

// Unpin drops a reference taken by Entry.Pin. It is safe to call from any
// goroutine, even after the record was overwritten or deleted, which makes
// it the one that frees the record's memory.
func (p *Pin) Unpin() { (*largeHeader)(unsafe.Pointer(p)).drop() }

// Mutable reports whether the value's bytes may be changed in place (same
// length, after GetForWrite): always for a record in a slab slot, and for
// a Stable one while no pending output references it. A Stable value that
// is pinned must be copied instead (copy-on-write), so that a reply already
// queued still sends the old bytes.
func (e Entry) Mutable() bool {
	return recFlags(e.p)&flagLarge == 0 || e.large().pin.n.Load() <= 1 // the table's reference only
}

// Grow lengthens a Stable value to n bytes where it is, the new bytes
// zero, and reports true, when its allocation has the room (Value.Spare),
// n needs no wider length field, and no reply references it (Mutable).
// Otherwise it changes nothing and reports false, and the caller stores
// the longer value anew. Like any in-place write it follows GetForWrite.
func (e Entry) Grow(n int) bool {
	f := recFlags(e.p)
	if f&flagLarge == 0 || widthCode(n, 1) != f>>valWShift&3 || !e.Mutable() {
		return false
	}
	kw := keyWidth[f>>keyWShift&3]
	vw := valWidth[f>>valWShift&3]
	k := getLen(unsafe.Add(e.p, offLens), kw)
	old := getLen(unsafe.Add(e.p, offLens+uintptr(kw)), vw)
	start := int(keyOff[f&layoutMask]) + k
	if n < old || start+n > int(e.large().capacity) {
		return false
	}
	clear(unsafe.Slice((*byte)(unsafe.Add(e.p, start+old)), n-old))
	putLen(unsafe.Add(e.p, offLens+uintptr(kw)), vw, n)
	return true
}

// Obj returns the object reference stored with Value.Obj, or nil.
func (e Entry) Obj() any {
	i, ok := recObj(e.p)
	if !ok {
		return nil
	}
	return e.a.objs[i]
}

// SetObj replaces the object reference in place and reports true, if the
// record already carries one; a non-nil o is required. Otherwise it reports
// false and the caller must Set the key anew.
func (e Entry) SetObj(o any) bool {
	i, ok := recObj(e.p)
	if !ok || o == nil {
		return false
	}
	e.a.objs[i] = o
	return true
}

// Expire returns the expiry time stored with Value.Expire or SetExpire, or 0.
func (e Entry) Expire() int64 {
	f := recFlags(e.p)
	if f&flagExpire == 0 {
		return 0
	}
	off := offLens + keyWidth[f>>keyWShift&3] + valWidth[f>>valWShift&3]
	return *(*int64)(unsafe.Add(e.p, off))
}

// Access returns the 32-bit access word: LRU clock in the low 24 bits, LFU
// counter in the high 8. New records start at 0.
func (e Entry) Access() uint32 { return *(*uint32)(unsafe.Add(e.p, offAccess)) }

// SetAccess stores the whole access word.
func (e Entry) SetAccess(v uint32) { *(*uint32)(unsafe.Add(e.p, offAccess)) = v }

// LRU returns the 24-bit LRU clock (or, in LFU mode, whatever 24 bits the
// engine keeps there, such as Valkey's decrement time).
func (e Entry) LRU() uint32 { return e.Access() & 0xffffff }

// SetLRU stores the low 24 bits of clock, keeping the LFU counter.
func (e Entry) SetLRU(clock uint32) { e.SetAccess(e.Access()&^0xffffff | clock&0xffffff) }

// LFU returns the 8-bit logarithmic access counter.
func (e Entry) LFU() uint8 { return uint8(e.Access() >> 24) }

// SetLFU stores the LFU counter, keeping the LRU clock.
func (e Entry) SetLFU(c uint8) { e.SetAccess(e.Access()&0xffffff | uint32(c)<<24) }

// Addr is the record's address, for the batch executor's prefetch pass.
func (e Entry) Addr() unsafe.Pointer { return e.p }

func (e Entry) mark() uint8     { return *(*uint8)(unsafe.Add(e.p, offMark)) }
func (e Entry) setMark(m uint8) { *(*uint8)(unsafe.Add(e.p, offMark)) = m }
func (e Entry) setExpire(t int64) bool {
	f := recFlags(e.p)
	if f&flagExpire == 0 {
		return false
	}
	off := offLens + keyWidth[f>>keyWShift&3] + valWidth[f>>valWShift&3]
	*(*int64)(unsafe.Add(e.p, off)) = t
	return true
}
