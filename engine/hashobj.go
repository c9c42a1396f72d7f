package engine

import (
	"hash/maphash"
	"math/rand/v2"
	"unsafe"

	"github.com/volleydb/volley/engine/chaintab"
)

// hashObj is a hash in the hashtable encoding: fields chained in a
// power-of-two bucket array (chaintab) that resizes incrementally when it
// fills or empties, scanned with the reverse-binary cursor so HSCAN
// returns every field present for the whole scan across resizes.
//
// Fields may carry an expiry (Valkey 9's hash field expiration). An
// expired field stays stored, and counted by Len as HLEN counts it, until
// the active cycle or a write reclaims it; every lookup and iteration
// skips it. vol is a min-heap of the expiries for the active cycle, with
// stale items (a field deleted or given another time since) dropped when
// they surface.
type hashObj struct {
	tab  chaintab.Table[hashField, *hashField]
	n    int
	vol  []hashVolItem // min-heap by at; nil when no field has an expiry
	nvol int           // fields with an expiry
}

// hashField is one field. Strings are immutable, so a value may be sent
// by reference in a reply while the field is later changed.
//
// A name of up to hashInlineName bytes lives in the field's own
// allocation, right after it (see newHashField): a lookup that reaches the
// field then compares the name without another cache miss, as Valkey's
// entries embed the field. HSET into a hash of 860k fields spent 15% of
// its time in that comparison when the name had an allocation of its own.
type hashField struct {
	name   string
	value  string
	expire int64 // Unix ms, or hashNoTTL
	next   *hashField
}

// Link and Hash file a field in its hash's chaintab.
func (f *hashField) Link() **hashField { return &f.next }
func (f *hashField) Hash() uint64      { return maphash.String(hashSeed, f.name) }

// hashFieldOf is a field allocated with room A for its name.
type hashFieldOf[A any] struct {
	hashField
	buf A
}

// hashInlineName is the longest name stored inline. The classes below
// keep a field and its name within one of Go's size classes (48-byte
// field: 64, 80, 96 and 128 bytes).
const hashInlineName = 80

// newHashField returns a field named name, its bytes copied inline when
// they fit.
func newHashField(name []byte) *hashField {
	var f *hashField
	var buf []byte
	switch n := len(name); {
	case n == 0:
		return &hashField{}
	case n <= 16:
		x := new(hashFieldOf[[16]byte])
		f, buf = &x.hashField, x.buf[:n]
	case n <= 32:
		x := new(hashFieldOf[[32]byte])
		f, buf = &x.hashField, x.buf[:n]
	case n <= 48:
		x := new(hashFieldOf[[48]byte])
		f, buf = &x.hashField, x.buf[:n]
	case n <= hashInlineName:
		x := new(hashFieldOf[[hashInlineName]byte])
		f, buf = &x.hashField, x.buf[:n]
	default:
		return &hashField{name: string(name)}
	}
	copy(buf, name)
	f.name = unsafe.String(&buf[0], len(buf))
	return f
}

// hashNoTTL marks a field without an expiry (Valkey's EXPIRY_NONE): 0 is
// a valid time, which an importer or a primary may set.
const hashNoTTL int64 = -1

type hashVolItem struct {
	at int64
	f  *hashField
}

// hashSeed seeds the field hash of every hashtable-encoded hash.
var hashSeed = maphash.MakeSeed()

func newHashObj(hint int) *hashObj {
	h := &hashObj{}
	if hint > 0 {
		h.tab.Resize(chaintab.Size(hint), true)
	}
	return h
}

// bstr views a string's bytes without copying; never write to them.
func bstr(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// slot is the head of the chain field name is in, or is to be added to.
func (h *hashObj) slot(name []byte) **hashField { return h.tab.Slot(h.Hash(name)) }

// Hash returns the hash a field name is filed under, for Hint.
func (h *hashObj) Hash(name []byte) uint64 { return maphash.Bytes(hashSeed, name) }

// Hint returns the address that step of a lookup of a field with hash hv
// loads (0: its bucket, 1: the bucket's first field, with its name when
// inline; 2: a name stored apart), or nil when the lookup stops before it;
// see strset.Set.Hint.
func (h *hashObj) Hint(hv uint64, step int) unsafe.Pointer {
	if h.tab.Buckets() == 0 {
		return nil
	}
	slot := h.tab.Slot(hv)
	if step == 0 {
		return unsafe.Pointer(slot)
	}
	f := *slot
	if f == nil {
		return nil
	}
	if step == 1 {
		return unsafe.Pointer(f)
	}
	if step == 2 && len(f.name) > hashInlineName {
		return unsafe.Pointer(unsafe.StringData(f.name))
	}
	return nil
}

// expired reports whether f is logically gone at time now (Unix ms).
func (f *hashField) expired(now int64) bool { return f.expire != hashNoTTL && now > f.expire }

// find returns the stored field name, expired or not.
func (h *hashObj) find(name []byte) *hashField {
	if h.n == 0 {
		return nil
	}
	for f := *h.slot(name); f != nil; f = f.next {
		if f.name == string(name) {
			return f
		}
	}
	return nil
}

// get returns the live field name at time now.
func (h *hashObj) get(name []byte, now int64) *hashField {
	if f := h.find(name); f != nil && !f.expired(now) {
		return f
	}
	return nil
}

// add inserts a field known to be absent; name is copied.
func (h *hashObj) add(name []byte, value string, expire int64) *hashField {
	if h.n >= h.tab.Buckets() {
		h.tab.Resize(chaintab.Size(h.n+1), h.n == 0)
	}
	h.tab.Step()
	slot := h.slot(name)
	f := newHashField(name)
	f.value, f.expire, f.next = value, hashNoTTL, *slot
	*slot = f
	h.n++
	if expire != hashNoTTL {
		h.setExpire(f, expire)
	}
	return f
}

// remove unlinks the stored field name, expired or not, and returns it.
func (h *hashObj) remove(name []byte) *hashField {
	if h.n == 0 {
		return nil
	}
	p := h.slot(name)
	for f := *p; f != nil; p, f = &f.next, f.next {
		if f.name == string(name) {
			*p = f.next
			f.next = nil
			h.n--
			h.setExpire(f, hashNoTTL)
			if b := h.tab.Buckets(); b > 4 && h.n*8 < b {
				h.tab.Resize(chaintab.Size(h.n), h.n == 0)
			}
			h.tab.Step()
			return f
		}
	}
	return nil
}

// setExpire gives f an expiry (hashNoTTL removes it), keeping the volatile
// heap and count in step.
func (h *hashObj) setExpire(f *hashField, at int64) {
	switch {
	case f.expire == hashNoTTL && at != hashNoTTL:
		h.nvol++
	case f.expire != hashNoTTL && at == hashNoTTL:
		h.nvol--
	}
	f.expire = at
	if h.nvol == 0 {
		h.vol = nil
		return
	}
	if at != hashNoTTL {
		h.volPush(hashVolItem{at, f})
	}
	if len(h.vol) > 2*h.nvol+16 {
		h.volRebuild()
	}
}

func (h *hashObj) volPush(it hashVolItem) {
	h.vol = append(h.vol, it)
	for i := len(h.vol) - 1; i > 0; {
		p := (i - 1) / 2
		if h.vol[p].at <= h.vol[i].at {
			break
		}
		h.vol[p], h.vol[i] = h.vol[i], h.vol[p]
		i = p
	}
}

func (h *hashObj) volPop() {
	n := len(h.vol) - 1
	h.vol[0] = h.vol[n]
	h.vol[n] = hashVolItem{}
	h.vol = h.vol[:n]
	for i := 0; ; {
		l, m := 2*i+1, i
		if l < n && h.vol[l].at < h.vol[m].at {
			m = l
		}
		if l+1 < n && h.vol[l+1].at < h.vol[m].at {
			m = l + 1
		}
		if m == i {
			break
		}
		h.vol[m], h.vol[i] = h.vol[i], h.vol[m]
		i = m
	}
}

// volRebuild drops stale heap items by rebuilding from the fields.
func (h *hashObj) volRebuild() {
	h.vol = h.vol[:0]
	h.tab.Each(func(f *hashField) bool {
		if f.expire != hashNoTTL {
			h.volPush(hashVolItem{f.expire, f})
		}
		return true
	})
}

// volTop returns the field with the earliest expiry, dropping stale items.
func (h *hashObj) volTop() *hashField {
	for len(h.vol) > 0 {
		it := h.vol[0]
		if it.f.expire == it.at {
			return it.f
		}
		h.volPop()
	}
	return nil
}

// reclaim deletes up to max fields whose expiry is at or before now, the
// earliest first, and returns how many it deleted.
func (h *hashObj) reclaim(now int64, max int) int { return h.reclaimNamed(now, max, nil) }

// reclaimNamed is reclaim telling each removed field's name to named
// (for its propagation as HDEL), if not nil.
func (h *hashObj) reclaimNamed(now int64, max int, named *propBatch) int {
	n := 0
	for n < max && h.nvol > 0 {
		f := h.volTop()
		if f == nil || f.expire > now {
			break
		}
		named.add(bstr(f.name))
		h.remove(bstr(f.name))
		n++
	}
	return n
}

// each calls fn for every live field at time now, in bucket order, until
// fn returns false.
func (h *hashObj) each(now int64, fn func(f *hashField) bool) {
	h.tab.Each(func(f *hashField) bool { return f.expired(now) || fn(f) })
}

// scan visits the bucket at cursor (fn gets its live fields) and returns
// the next cursor, 0 when done; see keyspace.Table.Scan.
func (h *hashObj) scan(cursor uint64, now int64, fn func(f *hashField)) uint64 {
	return h.tab.Scan(cursor, func(f *hashField) {
		if !f.expired(now) {
			fn(f)
		}
	})
}

// random returns a stored field (expired or not), uniformly (see
// chaintab.Table.Random).
func (h *hashObj) random(r *rand.Rand) *hashField {
	if h.n == 0 {
		return nil
	}
	return h.tab.Random(r)
}

// Len is the number of stored fields, expired or not (HLEN).
func (h *hashObj) Len() int { return h.n }

// Clone copies the hash, expiries included (COPY).
func (h *hashObj) Clone() any {
	c := newHashObj(h.n)
	h.tab.Each(func(f *hashField) bool {
		c.add(bstr(f.name), f.value, f.expire)
		return true
	})
	return c
}

// MemUsage estimates the bytes the hash takes, from up to samples fields
// (0 for all), as MEMORY USAGE does.
func (h *hashObj) MemUsage(samples int) int64 {
	const fieldSize = int64(unsafe.Sizeof(hashField{}))
	size := int64(unsafe.Sizeof(hashObj{})) + int64(h.tab.Allocated())*8 + int64(cap(h.vol))*16
	if h.n == 0 {
		return size
	}
	var sum int64
	seen := 0
	h.each(-1<<63, func(f *hashField) bool { // at the dawn of time nothing has expired
		sum += fieldSize + int64(len(f.name)+len(f.value)) // inline or not, the name takes its bytes
		seen++
		return samples == 0 || seen < samples
	})
	return size + sum*int64(h.n)/int64(seen)
}
