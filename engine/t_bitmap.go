package engine

import (
	"math"
	"math/bits"
	"sync"
	"unsafe"

	"github.com/volleydb/volley/engine/config"
	"github.com/volleydb/volley/engine/keyspace"
	"github.com/volleydb/volley/simd"
)

// bitmapHandlers are the bitmap group.
var bitmapHandlers = map[string]Handler{
	"setbit":      cmdSetbit,
	"getbit":      cmdGetbit,
	"bitcount":    cmdBitcount,
	"bitpos":      cmdBitpos,
	"bitop":       cmdBitop,
	"bitfield":    cmdBitfield,
	"bitfield_ro": cmdBitfieldRO,
}

// Error replies of the bitmap commands, with Valkey's text.
const (
	errBitOffset        = "ERR bit offset is not an integer or out of range"
	errBitValue         = "ERR bit is not an integer or out of range"
	errBitArg           = "ERR The bit argument must be 1 or 0."
	errBitopNot         = "ERR BITOP NOT must be called with a single source key."
	errBitfieldType     = "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is."
	errBitfieldOverflow = "ERR Invalid OVERFLOW type specified"
	errBitfieldRO       = "ERR BITFIELD_RO only supports the GET subcommand"
)

// parseBitOffset parses a bit offset as SETBIT, GETBIT and BITFIELD take
// it. With hash and bits > 0 (BITFIELD) the form "#n" means n*bits. The
// offset's byte must lie below proto-max-bulk-len, except for commands
// from the primary, which are obeyed whatever they say.
func parseBitOffset(c *Client, arg []byte, hash bool, width int) (uint64, bool) {
	useHash := hash && width > 0 && len(arg) > 0 && arg[0] == '#'
	if useHash {
		arg = arg[1:]
	}
	off, ok := parseInt(arg)
	if !ok {
		c.AddError(errBitOffset)
		return 0, false
	}
	if useHash {
		off *= int64(width) // wraps as Valkey's does; a negative result is refused below
	}
	if off < 0 || (c.Flags&ClientPrimary == 0 && off>>3 >= c.srv.Cfg.ProtoMaxBulkLen) {
		c.AddError(errBitOffset)
		return 0, false
	}
	return uint64(off), true
}

// bitWrite is a string value being changed by SETBIT or BITFIELD, made
// long enough to hold the highest bit written: the stored bytes, edited in
// place, or a copy that finish stores back. A Stable value that a pending
// reply references (pinned) is copied only when first written; one that
// no reply references is edited in place like any other.
type bitWrite struct {
	db    *DB
	key   []byte
	buf   []byte // the bytes to read and, through writable, edit
	lazy  bool   // buf is a pinned stored value: copy before writing
	copy  bool   // buf is not the stored value: store it in finish
	grown bool   // the key was created or lengthened (Valkey's dirty)
	spare int    // room to ask for when storing a lengthened copy
}

// growthSpare is the room to leave after a value lengthened to n bytes, as
// Valkey's greedy string growth leaves it: as much again up to 1 MiB, then
// 1 MiB. Without it, setting bits ever further along a large bitmap (ids
// that keep rising) would store the whole value anew every few calls.
func growthSpare(n int) int { return min(n, 1<<20) }

// lookupBitWrite finds or creates key's string so that bit maxBit can be
// addressed, as lookupStringForBitCommand: a missing key becomes a string
// of zeros, a shorter one is padded with zeros, and the value is made raw.
// On a key of another type it replies WRONGTYPE and reports false.
func lookupBitWrite(c *Client, key []byte, maxBit uint64) (bitWrite, bool) {
	db := c.db()
	need := int(maxBit>>3) + 1
	w := bitWrite{db: db, key: key}
	e, ok := db.LookupWrite(key)
	if !ok {
		w.buf = make([]byte, need)
		w.copy, w.grown = true, true
		return w, true
	}
	if typeOf(e) != TypeString {
		c.AddError(ErrWrongType)
		return w, false
	}
	val := e.Value()
	if len(val) >= need {
		// The kind lives in the record header, not in the value bytes a
		// reply may reference, so it can change in place.
		if e.Kind() != KindRaw {
			e.SetKind(KindRaw)
		}
		w.buf = val
		w.lazy = !e.Mutable()
		return w, true
	}
	if e.Grow(need) {
		// A large value with room to spare that no reply references:
		// lengthened where it is.
		e.SetKind(KindRaw)
		w.buf, w.grown = e.Value(), true
		return w, true
	}
	w.buf = make([]byte, need)
	copy(w.buf, val)
	w.copy, w.grown = true, true
	w.spare = growthSpare(need)
	return w, true
}

// writable returns the bytes to edit. A pinned value is first stored
// anew from its current bytes (one copy, straight into the new record,
// which nothing references yet) and the new record is edited in place.
func (w *bitWrite) writable() []byte {
	if w.lazy {
		e := w.db.Set(w.key, keyspace.Value{Kind: KindRaw, Bytes: w.buf}, true)
		w.buf = e.Value()
		w.lazy = false
	}
	return w.buf
}

// finish stores a copied value back, keeping the key's expiry.
func (w *bitWrite) finish() {
	if w.copy {
		w.db.Set(w.key, keyspace.Value{Kind: KindRaw, Bytes: w.buf, Spare: w.spare}, true)
	}
}

// cmdSetbit is SETBIT key offset value.
func cmdSetbit(c *Client) {
	off, ok := parseBitOffset(c, c.Argv[2], false, 0)
	if !ok {
		return
	}
	on, ok := parseInt(c.Argv[3])
	if !ok || on&^1 != 0 {
		c.AddError(errBitValue)
		return
	}
	key := c.Argv[1]
	w, ok := lookupBitWrite(c, key, off)
	if !ok {
		return
	}
	b := off >> 3
	mask := byte(0x80) >> (off & 7)
	old := w.buf[b]&mask != 0
	if w.grown || old != (on == 1) {
		buf := w.writable()
		if on == 1 {
			buf[b] |= mask
		} else {
			buf[b] &^= mask
		}
		w.finish()
		s, db := c.srv, c.db()
		s.keyModified(db, key)
		s.notifyKeyspaceEvent(config.NotifyString, "setbit", key, db.ID)
		s.Dirty++
	}
	if old {
		c.AddInt(1)
	} else {
		c.AddInt(0)
	}
}

// cmdGetbit is GETBIT key offset.
func cmdGetbit(c *Client) {
	off, ok := parseBitOffset(c, c.Argv[2], false, 0)
	if !ok {
		return
	}
	e, ok := c.db().Lookup(c.Argv[1])
	if !ok {
		c.AddInt(0)
		return
	}
	if typeOf(e) != TypeString {
		c.AddError(ErrWrongType)
		return
	}
	v := e.Value()
	if b := off >> 3; b < uint64(len(v)) && v[b]&(0x80>>(off&7)) != 0 {
		c.AddInt(1)
		return
	}
	c.AddInt(0)
}

// lookupStringRead finds key for a bitmap read. It reports the value (nil
// for a missing key), whether the key exists, and false after replying
// WRONGTYPE.
func lookupStringRead(c *Client, key []byte) (v []byte, exists, ok bool) {
	e, found := c.db().Lookup(key)
	if !found {
		return nil, false, true
	}
	if typeOf(e) != TypeString {
		c.AddError(ErrWrongType)
		return nil, true, false
	}
	return e.Value(), true, true
}

// parseBitUnit parses BYTE or BIT and reports whether it was BIT; on
// anything else it replies with a syntax error.
func parseBitUnit(c *Client, arg []byte) (isBit, ok bool) {
	switch {
	case argIs(arg, "bit"):
		return true, true
	case argIs(arg, "byte"):
		return false, true
	}
	c.AddError(ErrSyntax)
	return false, false
}

// edgeMasks turns a bit range into a byte range and the masks of the bits
// of its first and last bytes that lie outside it.
func edgeMasks(start, end int64) (int64, int64, byte, byte) {
	first := ^byte(1<<(8-start&7) - 1)
	last := byte(1<<(7-end&7) - 1)
	return start >> 3, end >> 3, first, last
}

// cmdBitcount is BITCOUNT key [start [end [BYTE|BIT]]].
func cmdBitcount(c *Client) {
	argc := len(c.Argv)
	var (
		start, end  int64
		isBit       bool
		v           []byte
		exists, ok  bool
		first, last byte
	)
	switch {
	case argc >= 3 && argc <= 5:
		if start, ok = parseInt(c.Argv[2]); !ok {
			c.AddError(ErrNotInteger)
			return
		}
		if argc == 5 {
			if isBit, ok = parseBitUnit(c, c.Argv[4]); !ok {
				return
			}
		}
		if argc >= 4 {
			if end, ok = parseInt(c.Argv[3]); !ok {
				c.AddError(ErrNotInteger)
				return
			}
		}
		if v, exists, ok = lookupStringRead(c, c.Argv[1]); !ok {
			return
		}
		total := int64(len(v))
		if argc < 4 {
			end = total - 1
		}
		if start < 0 && end < 0 && start > end {
			c.AddInt(0)
			return
		}
		if isBit {
			total <<= 3
		}
		start, end = clampRange(start, end, total)
		if isBit && start <= end {
			start, end, first, last = edgeMasks(start, end)
		}
	case argc == 2:
		if v, exists, ok = lookupStringRead(c, c.Argv[1]); !ok {
			return
		}
		start, end = 0, int64(len(v))-1
	default:
		c.AddError(ErrSyntax)
		return
	}
	if !exists || start > end {
		c.AddInt(0)
		return
	}
	n := simd.Popcount(v[start : end+1])
	n -= uint64(bits.OnesCount8(v[start]&first) + bits.OnesCount8(v[end]&last))
	c.AddInt(int64(n))
}

// clampRange converts negative indexes counted from total and clamps the
// range to [0, total-1], as BITCOUNT and BITPOS do.
func clampRange(start, end, total int64) (int64, int64) {
	if start < 0 {
		start += total
	}
	if end < 0 {
		end += total
	}
	start = max(start, 0)
	end = max(end, 0)
	if end >= total {
		end = total - 1
	}
	return start, end
}

// bitpos returns the position of the first bit equal to bit in p, or -1
// if bit is 1 and p has none; for bit 0 a string of ones is taken as
// followed by zeros, so the answer is then len(p)*8.
func bitpos(p []byte, bit int64) int64 {
	if bit == 1 {
		i := simd.FirstSet(p)
		if i < 0 {
			return -1
		}
		return int64(i)*8 + int64(bits.LeadingZeros8(p[i]))
	}
	i := simd.FirstClear(p)
	if i < 0 {
		return int64(len(p)) * 8
	}
	return int64(i)*8 + int64(bits.LeadingZeros8(^p[i]))
}

// cmdBitpos is BITPOS key bit [start [end [BYTE|BIT]]].
func cmdBitpos(c *Client) {
	bit, ok := parseInt(c.Argv[2])
	if !ok {
		c.AddError(ErrNotInteger)
		return
	}
	if bit != 0 && bit != 1 {
		c.AddError(errBitArg)
		return
	}
	argc := len(c.Argv)
	var (
		start, end  int64
		isBit       bool
		endGiven    bool
		v           []byte
		exists      bool
		first, last byte
	)
	switch {
	case argc >= 4 && argc <= 6:
		if start, ok = parseInt(c.Argv[3]); !ok {
			c.AddError(ErrNotInteger)
			return
		}
		if argc == 6 {
			if isBit, ok = parseBitUnit(c, c.Argv[5]); !ok {
				return
			}
		}
		if argc >= 5 {
			if end, ok = parseInt(c.Argv[4]); !ok {
				c.AddError(ErrNotInteger)
				return
			}
			endGiven = true
		}
		if v, exists, ok = lookupStringRead(c, c.Argv[1]); !ok {
			return
		}
		total := int64(len(v))
		if argc < 5 {
			end = total - 1
		}
		if isBit {
			total <<= 3
		}
		start, end = clampRange(start, end, total)
		if isBit && start <= end {
			start, end, first, last = edgeMasks(start, end)
		}
	case argc == 3:
		if v, exists, ok = lookupStringRead(c, c.Argv[1]); !ok {
			return
		}
		start, end = 0, int64(len(v))-1
	default:
		c.AddError(ErrSyntax)
		return
	}
	if !exists {
		c.AddInt(-bit) // no key: all zeros, so 0 for a clear bit, -1 for a set one
		return
	}
	if start > end {
		c.AddInt(-1)
		return
	}
	c.AddInt(bitposRange(v, bit, start, end, first, last, endGiven))
}

// bitposRange is BITPOS over bytes start..end of v, where first and last
// mask the bits of the edge bytes that lie outside a BIT range. The
// result counts from the start of v.
func bitposRange(v []byte, bit, start, end int64, first, last byte, endGiven bool) int64 {
	pos, start, n := bitposScan(v, bit, start, end, first, last)
	// With an explicit end the range is not followed by zeros: no clear
	// bit inside it means none at all.
	if endGiven && bit == 0 && pos == n<<3 {
		return -1
	}
	if pos != -1 {
		pos += start << 3
	}
	return pos
}

// bitposScan looks for the bit in the masked first byte, the whole bytes,
// and the masked last byte in turn, stopping at the first part that has
// it. It returns the position within the part where it stopped, that
// part's first byte and the number of bytes from there to end.
func bitposScan(v []byte, bit, start, end int64, first, last byte) (pos, from, n int64) {
	n = end - start + 1
	if first != 0 {
		mask := first
		if last != 0 && n == 1 {
			mask |= last
		}
		pos = bitposMasked(v[start], mask, bit)
		if n == 1 || (pos != -1 && pos != 8) {
			return pos, start, n
		}
		start++
		n--
	}
	whole := n
	if last != 0 {
		whole--
	}
	if whole > 0 {
		pos = bitpos(v[start:start+whole], bit)
		if n == whole || (pos != -1 && pos != whole<<3) {
			return pos, start, n
		}
		start += whole
		n -= whole
	}
	return bitposMasked(v[end], last, bit), start, n
}

// bitposMasked is bitpos of one byte whose bits in mask are forced to the
// value not sought.
func bitposMasked(b, mask byte, bit int64) int64 {
	if bit == 1 {
		b &^= mask
	} else {
		b |= mask
	}
	if bit == 1 {
		if b == 0 {
			return -1
		}
		return int64(bits.LeadingZeros8(b))
	}
	return int64(bits.LeadingZeros8(^b)) // 8 when b is all ones
}

// cmdBitop is BITOP AND|OR|XOR|NOT destkey key [key ...].
func cmdBitop(c *Client) {
	op := c.Argv[1]
	var kind byte
	switch {
	case argIs(op, "and"):
		kind = '&'
	case argIs(op, "or"):
		kind = '|'
	case argIs(op, "xor"):
		kind = '^'
	case argIs(op, "not"):
		kind = '~'
	default:
		c.AddError(ErrSyntax)
		return
	}
	if kind == '~' && len(c.Argv) != 4 {
		c.AddError(errBitopNot)
		return
	}
	db := c.db()
	keys := c.Argv[3:]
	var small [8][]byte
	srcs := small[:0]
	maxLen := 0
	for _, k := range keys {
		v, _, ok := lookupStringRead(c, k)
		if !ok {
			return
		}
		srcs = append(srcs, v)
		maxLen = max(maxLen, len(v))
	}
	dest := c.Argv[2]
	s := c.srv
	if maxLen == 0 {
		if db.Delete(dest) {
			s.keyModified(db, dest)
			s.notifyKeyspaceEvent(config.NotifyGeneric, "del", dest, db.ID)
			s.Dirty++
		}
		c.AddInt(0)
		return
	}
	// BITOP stores its result as SET without KEEPTTL would, after a write
	// lookup of dest (expiring it if due), as Valkey's setKey.
	de, found := db.LookupWrite(dest)
	if found && typeOf(de) == TypeString && len(de.Value()) == maxLen && de.Mutable() {
		if res := de.Value(); bitopInPlace(kind, res, srcs) {
			// The result went straight into dest's bytes: nothing copied.
			de.SetKind(KindRaw)
			db.Persist(dest)
			bitopDone(c, db, dest, maxLen)
			return
		}
	}
	// A new dest, or one of another length or type, or one a reply still
	// references: compute into scratch memory, reused so that a large BITOP
	// does not fault in fresh pages for it every time (the kernels write
	// every byte), and store one copy of it.
	bp, res := bitopResult(maxLen)
	bitopRun(kind, res, srcs)
	db.Set(dest, keyspace.Value{Kind: KindRaw, Bytes: res}, false)
	if bp != nil {
		bitopPool.Put(bp)
	}
	bitopDone(c, db, dest, maxLen)
}

// bitopDone finishes a BITOP that stored a result of n bytes in dest.
func bitopDone(c *Client, db *DB, dest []byte, n int) {
	s := c.srv
	s.keyModified(db, dest)
	s.notifyKeyspaceEvent(config.NotifyString, "set", dest, db.ID)
	s.Dirty++
	c.AddInt(int64(n))
}

// bitopRun computes the operation kind of srcs into res.
func bitopRun(kind byte, res []byte, srcs [][]byte) {
	switch kind {
	case '&':
		simd.BitopAnd(res, srcs...)
	case '|':
		simd.BitopOr(res, srcs...)
	case '^':
		simd.BitopXor(res, srcs...)
	case '~':
		simd.BitopNot(res, srcs[0])
	}
}

// bitopInPlace computes the operation into res, dest's own bytes, when the
// kernels allow it: res may be a source only as the first one, which AND,
// OR and XOR may take in any order. It reports false, having done nothing,
// when res is more than one of the sources (BITOP XOR d d x must read d's
// old bytes twice).
func bitopInPlace(kind byte, res []byte, srcs [][]byte) bool {
	at, n := -1, 0
	for i, src := range srcs {
		if len(src) > 0 && unsafe.SliceData(src) == unsafe.SliceData(res) {
			at, n = i, n+1
		}
	}
	if n > 1 {
		return false
	}
	if at > 0 {
		srcs[0], srcs[at] = srcs[at], srcs[0]
	}
	bitopRun(kind, res, srcs)
	return true
}

// bitopPool holds BITOP result buffers for reuse.
var bitopPool sync.Pool

// bitopKeepMax is the largest result buffer kept for reuse.
const bitopKeepMax = 64 << 20

// bitopResult returns a buffer of n bytes with unspecified contents, and
// the pooled slice to give back to bitopPool when done (nil for a buffer
// too large to keep).
func bitopResult(n int) (*[]byte, []byte) {
	if n > bitopKeepMax {
		return nil, make([]byte, n)
	}
	bp, _ := bitopPool.Get().(*[]byte)
	if bp == nil || cap(*bp) < n {
		b := make([]byte, n)
		bp = &b
	}
	return bp, (*bp)[:n]
}

// BITFIELD operations and overflow policies.
const (
	bfGet uint8 = iota
	bfSet
	bfIncrby
)

const (
	bfWrap uint8 = iota
	bfSat
	bfFail
)

// bitfieldOp is one GET, SET or INCRBY of a BITFIELD command.
type bitfieldOp struct {
	offset   uint64
	arg      int64 // SET value or INCRBY increment
	op       uint8
	overflow uint8
	width    uint8 // 1..64
	signed   bool
}

// parseBitfieldType parses i1..i64 or u1..u63.
func parseBitfieldType(c *Client, arg []byte) (signed bool, width int, ok bool) {
	if len(arg) == 0 || (arg[0] != 'i' && arg[0] != 'u') {
		c.AddError(errBitfieldType)
		return false, 0, false
	}
	signed = arg[0] == 'i'
	n, ok := parseInt(arg[1:])
	if !ok || n < 1 || (signed && n > 64) || (!signed && n > 63) {
		c.AddError(errBitfieldType)
		return false, 0, false
	}
	return signed, int(n), true
}

func cmdBitfield(c *Client)   { bitfieldGeneric(c, false) }
func cmdBitfieldRO(c *Client) { bitfieldGeneric(c, true) }

// bitfieldGeneric is BITFIELD, and BITFIELD_RO with readOnly: every
// operation is parsed before any runs, then the replies come in order.
func bitfieldGeneric(c *Client, readOnly bool) {
	var small [8]bitfieldOp
	ops := small[:0]
	overflow := bfWrap
	writes := false
	var highest uint64
	argv := c.Argv
	for j := 2; j < len(argv); j++ {
		rem := len(argv) - j - 1
		sub := argv[j]
		var op uint8
		switch {
		case argIs(sub, "get") && rem >= 2:
			op = bfGet
		case argIs(sub, "set") && rem >= 3:
			op = bfSet
		case argIs(sub, "incrby") && rem >= 3:
			op = bfIncrby
		case argIs(sub, "overflow") && rem >= 1:
			j++
			switch t := argv[j]; {
			case argIs(t, "wrap"):
				overflow = bfWrap
			case argIs(t, "sat"):
				overflow = bfSat
			case argIs(t, "fail"):
				overflow = bfFail
			default:
				c.AddError(errBitfieldOverflow)
				return
			}
			continue
		default:
			c.AddError(ErrSyntax)
			return
		}
		signed, width, ok := parseBitfieldType(c, argv[j+1])
		if !ok {
			return
		}
		off, ok := parseBitOffset(c, argv[j+2], true, width)
		if !ok {
			return
		}
		var arg int64
		if op != bfGet {
			writes = true
			highest = max(highest, off+uint64(width)-1)
			if arg, ok = parseInt(argv[j+3]); !ok {
				c.AddError(ErrNotInteger)
				return
			}
			j += 3
		} else {
			j += 2
		}
		ops = append(ops, bitfieldOp{offset: off, arg: arg, op: op, overflow: overflow, width: uint8(width), signed: signed})
	}

	key := argv[1]
	var (
		buf []byte // the value the operations see
		w   bitWrite
	)
	if !writes {
		v, _, ok := lookupStringRead(c, key)
		if !ok {
			return
		}
		buf = v
	} else {
		if readOnly {
			c.AddError(errBitfieldRO)
			return
		}
		var ok bool
		if w, ok = lookupBitWrite(c, key, highest); !ok {
			return
		}
		buf = w.buf
	}

	c.AddArrayLen(len(ops))
	changes := 0
	for i := range ops {
		op := &ops[i]
		width := uint(op.width)
		if op.op == bfGet {
			u := getBitfield(buf, op.offset, width)
			if op.signed {
				c.AddInt(signExtend(u, width))
			} else {
				c.AddInt(int64(u))
			}
			continue
		}
		var oldBits, newBits uint64
		var reply int64
		var failed bool
		if op.signed {
			old := signExtend(getBitfield(buf, op.offset, width), width)
			var nv int64
			if op.op == bfIncrby {
				over, wrapped := signedOverflow(old, op.arg, width, op.overflow)
				nv = old + op.arg
				if over != 0 {
					nv = wrapped
				}
				reply = nv
				failed = over != 0 && op.overflow == bfFail
			} else {
				nv = op.arg
				over, wrapped := signedOverflow(nv, 0, width, op.overflow)
				if over != 0 {
					nv = wrapped
				}
				reply = old
				failed = over != 0 && op.overflow == bfFail
			}
			oldBits, newBits = uint64(old), uint64(nv)
		} else {
			old := getBitfield(buf, op.offset, width)
			var nv uint64
			if op.op == bfIncrby {
				over, wrapped := unsignedOverflow(old, op.arg, width, op.overflow)
				nv = old + uint64(op.arg)
				if over != 0 {
					nv = wrapped
				}
				reply = int64(nv)
				failed = over != 0 && op.overflow == bfFail
			} else {
				nv = uint64(op.arg)
				over, wrapped := unsignedOverflow(nv, 0, width, op.overflow)
				if over != 0 {
					nv = wrapped
				}
				reply = int64(old)
				failed = over != 0 && op.overflow == bfFail
			}
			oldBits, newBits = old, nv
		}
		if failed {
			c.AddNull()
			continue
		}
		c.AddInt(reply)
		buf = w.writable()
		setBitfield(buf, op.offset, width, newBits)
		if w.grown || oldBits != newBits {
			changes++
		}
	}
	if writes {
		w.finish()
	}
	if changes > 0 {
		s := c.srv
		db := c.db()
		s.keyModified(db, key)
		s.notifyKeyspaceEvent(config.NotifyString, "setbit", key, db.ID)
		s.Dirty += int64(changes)
	}
}

// getBitfield reads the width-bit unsigned integer at bit offset off of p,
// bit 0 being the most significant bit of p[0]; bytes past the end of p
// read as zeros.
func getBitfield(p []byte, off uint64, width uint) uint64 {
	// Load the (at most 9) bytes the field spans, big-endian, into a
	// 128-bit window hi:lo, then shift the field down.
	b := off >> 3
	var hi, lo uint64
	for i := uint64(0); i < 9; i++ {
		var x uint64
		if b+i < uint64(len(p)) {
			x = uint64(p[b+i])
		}
		hi = hi<<8 | lo>>56
		lo = lo<<8 | x
	}
	// The window holds 72 bits: the field starts at bit off&7 from its top.
	shift := 72 - uint(off&7) - width // bits below the field
	var v uint64
	if shift >= 64 {
		v = hi >> (shift - 64)
	} else {
		v = lo>>shift | hi<<(64-shift)
	}
	if width == 64 {
		return v
	}
	return v & (1<<width - 1)
}

// setBitfield writes the low width bits of v at bit offset off of p, which
// is long enough to hold them.
func setBitfield(p []byte, off uint64, width uint, v uint64) {
	for j := uint(0); j < width; j++ {
		bit := v >> (width - 1 - j) & 1
		b := off >> 3
		m := byte(0x80) >> (off & 7)
		if bit != 0 {
			p[b] |= m
		} else {
			p[b] &^= m
		}
		off++
	}
}

// signExtend reads the low width bits of u as a two's complement integer.
func signExtend(u uint64, width uint) int64 {
	if width < 64 && u&(1<<(width-1)) != 0 {
		u |= math.MaxUint64 << width
	}
	return int64(u)
}

// unsignedOverflow reports whether value+incr leaves the range of a
// width-bit unsigned integer: 1 above, -1 below, 0 inside; on overflow it
// also returns the result under the policy (wrapped, or saturated; unused
// for FAIL).
func unsignedOverflow(value uint64, incr int64, width uint, policy uint8) (int, uint64) {
	maxV := uint64(1)<<width - 1
	maxIncr := int64(maxV - value)
	minIncr := -int64(value)
	wrap := func() uint64 { return (value + uint64(incr)) & maxV }
	if value > maxV || (incr > 0 && incr > maxIncr) {
		switch policy {
		case bfWrap:
			return 1, wrap()
		case bfSat:
			return 1, maxV
		}
		return 1, 0
	}
	if incr < 0 && incr < minIncr {
		switch policy {
		case bfWrap:
			return -1, wrap()
		case bfSat:
			return -1, 0
		}
		return -1, 0
	}
	return 0, 0
}

// signedOverflow is unsignedOverflow for a width-bit two's complement
// integer; wrapping goes around towards the most negative value.
func signedOverflow(value, incr int64, width uint, policy uint8) (int, int64) {
	maxV := int64(math.MaxInt64)
	if width < 64 {
		maxV = 1<<(width-1) - 1
	}
	minV := -maxV - 1
	maxIncr := int64(uint64(maxV) - uint64(value))
	minIncr := int64(uint64(minV) - uint64(value))
	wrap := func() int64 {
		r := uint64(value) + uint64(incr)
		if width < 64 {
			mask := uint64(math.MaxUint64) << width
			if r&(1<<(width-1)) != 0 {
				r |= mask
			} else {
				r &^= mask
			}
		}
		return int64(r)
	}
	if value > maxV || (width != 64 && incr > maxIncr) || (value >= 0 && incr > 0 && incr > maxIncr) {
		switch policy {
		case bfWrap:
			return 1, wrap()
		case bfSat:
			return 1, maxV
		}
		return 1, 0
	}
	if value < minV || (width != 64 && incr < minIncr) || (value < 0 && incr < 0 && incr < minIncr) {
		switch policy {
		case bfWrap:
			return -1, wrap()
		case bfSat:
			return -1, minV
		}
		return -1, 0
	}
	return 0, 0
}
