package engine

import (
	"math"
	"math/bits"

	"github.com/volleydb/volley/simd"
)

// HyperLogLog values are strings in Valkey's layout, so that GET, SET,
// DUMP, RESTORE and replication carry them unchanged between Volley and
// Valkey:
//
//	"HYLL" | encoding (0 dense, 1 sparse) | 3 unused bytes | cached cardinality
//
// The cardinality is 8 bytes little-endian; the top bit of its last byte
// set means the cache is stale. After the 16-byte header come the 16384
// registers: dense, 6 bits each packed little-endian (12288 bytes); or
// sparse, a run-length code of opcodes:
//
//	00xxxxxx           ZERO:  1..64 registers at zero
//	01xxxxxx yyyyyyyy  XZERO: 1..16384 registers at zero
//	1vvvvvxx           VAL:   1..4 registers at value 1..32
//
// A sparse value is promoted to dense when a register needs a value above
// 32 or the string would grow past hll-sparse-max-bytes.
const (
	hllHdrSize      = 16
	hllRegisters    = simd.HLLRegisters
	hllDenseSize    = hllHdrSize + simd.HLLDenseBytes
	hllEncDense     = 0
	hllEncSparse    = 1
	hllRegisterBits = 6
	hllP            = 14                      // bits of the hash that pick the register
	hllQ            = 64 - hllP               // bits left for the run of zeros
	hllSeed         = 0xadc83b19              // MurmurHash64A seed
	hllAlphaInf     = 0.721347520444481703680 // 0.5/ln(2)

	hllSparseValMax    = 32
	hllSparseValMaxLen = 4
	hllSparseZeroMax   = 64
	hllSparseXZeroMax  = 16384
)

// murmurHash64A is MurmurHash2's 64-bit variant, reading the input as
// little-endian words on every platform, as Valkey's does.
func murmurHash64A(key []byte, seed uint64) uint64 {
	const m = 0xc6a4a7935bd1e995
	const r = 47
	h := seed ^ uint64(len(key))*m
	for len(key) >= 8 {
		k := le64(key)
		k *= m
		k ^= k >> r
		k *= m
		h ^= k
		h *= m
		key = key[8:]
	}
	if len(key) > 0 {
		for i := len(key) - 1; i >= 0; i-- {
			h ^= uint64(key[i]) << (8 * i)
		}
		h *= m
	}
	h ^= h >> r
	h *= m
	h ^= h >> r
	return h
}

func le64(b []byte) uint64 {
	_ = b[7]
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}

// hllPatLen hashes an element to its register and the length of the run
// of zeros (plus the final one) in the rest of the hash: 1..hllQ+1.
func hllPatLen(ele []byte) (index int, count uint8) {
	h := murmurHash64A(ele, hllSeed)
	index = int(h & (hllRegisters - 1))
	h >>= hllP
	h |= 1 << hllQ
	return index, uint8(bits.TrailingZeros64(h) + 1)
}

// denseGet reads register i of the packed dense registers r.
func denseGet(r []byte, i int) uint8 {
	b := i * hllRegisterBits / 8
	fb := uint(i * hllRegisterBits & 7)
	v := uint(r[b]) >> fb
	if b+1 < len(r) {
		v |= uint(r[b+1]) << (8 - fb)
	}
	return uint8(v & 63)
}

// denseSet sets register i of the packed dense registers r to v (< 64).
func denseSet(r []byte, i int, v uint8) {
	b := i * hllRegisterBits / 8
	fb := uint(i * hllRegisterBits & 7)
	r[b] = r[b]&^byte(63<<fb) | byte(uint(v)<<fb)
	if b+1 < len(r) {
		r[b+1] = r[b+1]&^byte(63>>(8-fb)) | byte(uint(v)>>(8-fb))
	}
}

// denseAdd raises register index to count if it is lower, and reports
// whether it did.
func denseAdd(r []byte, index int, count uint8) bool {
	if count > denseGet(r, index) {
		denseSet(r, index, count)
		return true
	}
	return false
}

// newHLL returns an empty HyperLogLog: sparse, one XZERO for all the
// registers, cardinality 0 and valid.
func newHLL() []byte {
	b := make([]byte, hllHdrSize+2, 64)
	copy(b, "HYLL")
	b[4] = hllEncSparse
	l := hllSparseXZeroMax - 1
	b[hllHdrSize] = byte(l>>8) | 0x40
	b[hllHdrSize+1] = byte(l)
	return b
}

// isHLL reports whether a string value is a HyperLogLog: the magic, a
// known encoding, and for dense the exact length. An integer-encoded
// string never is, whatever its digits.
func isHLL(kind uint8, v []byte) bool {
	return kind != KindInt && len(v) >= hllHdrSize && string(v[:4]) == "HYLL" && v[4] <= hllEncSparse &&
		(v[4] != hllEncDense || len(v) == hllDenseSize)
}

func hllInvalidateCache(v []byte) { v[15] |= 0x80 }

func hllCacheValid(v []byte) bool { return v[15]&0x80 == 0 }

// byteAt is b[i], or what lies past the end of b. A truncated XZERO
// opcode reads the byte after the string: in Valkey that is the string's
// terminating zero, or, just after sparseSet replaced such an opcode, the
// last byte of its replacement, which Valkey writes past the new end.
// sparseSet keeps that byte in the capacity of its slice, so that a PFADD
// of several elements reads what Valkey's reads; stored values have no
// capacity past their end and read 0.
func byteAt(b []byte, i int) byte {
	if i < cap(b) {
		return b[:cap(b)][i]
	}
	return 0
}

// setTerminator zeroes the byte after v, if v has room for it, as Valkey
// ends a string whose length changed.
func setTerminator(v []byte) {
	if len(v) < cap(v) {
		v[:len(v)+1][len(v)] = 0
	}
}

// sparseOp decodes the opcode at p: its run of registers, its value (0
// for the zero opcodes) and its length in bytes.
func sparseOp(s []byte, p int) (run, val, size int) {
	op := s[p]
	switch {
	case op&0xc0 == 0: // ZERO
		return int(op&0x3f) + 1, 0, 1
	case op&0x80 != 0: // VAL
		return int(op&3) + 1, int(op>>2&0x1f) + 1, 1
	}
	return (int(op&0x3f)<<8 | int(byteAt(s, p+1))) + 1, 0, 2 // XZERO
}

// sparseWalk calls fn for each opcode of the sparse registers s (after the
// header), with the first register it covers, and reports whether the
// opcodes cover exactly the 16384 registers.
func sparseWalk(s []byte, fn func(first, run, val int)) bool {
	idx := 0
	for p := 0; p < len(s); {
		run, val, size := sparseOp(s, p)
		if idx+run > hllRegisters {
			return false
		}
		fn(idx, run, val)
		idx += run
		p += size
	}
	return idx == hllRegisters
}

// sparseHistogram counts the sparse registers s by value.
func sparseHistogram(s []byte, hist *[64]uint32) bool {
	return sparseWalk(s, func(_, run, val int) { hist[val] += uint32(run) })
}

// sparseMerge raises each of maxRegs to the matching sparse register.
func sparseMerge(maxRegs *[hllRegisters]uint8, s []byte) bool {
	return sparseWalk(s, func(first, run, val int) {
		if val == 0 {
			return
		}
		for i := first; i < first+run; i++ {
			maxRegs[i] = max(maxRegs[i], uint8(val))
		}
	})
}

// hllMerge raises each of maxRegs to the matching register of the
// HyperLogLog v, and reports false if v is sparse and corrupt.
func hllMerge(maxRegs *[hllRegisters]uint8, v []byte) bool {
	if v[4] == hllEncDense {
		simd.HLLDenseMerge(maxRegs, v[hllHdrSize:])
		return true
	}
	return sparseMerge(maxRegs, v[hllHdrSize:])
}

// sparseToDense returns the dense form of the sparse HyperLogLog v, with
// v's header (and so its cached cardinality), or false if v is corrupt.
func sparseToDense(v []byte) ([]byte, bool) {
	d := make([]byte, hllDenseSize)
	copy(d, v[:hllHdrSize])
	d[4] = hllEncDense
	regs := d[hllHdrSize:]
	ok := sparseWalk(v[hllHdrSize:], func(first, run, val int) {
		if val == 0 {
			return
		}
		for i := first; i < first+run; i++ {
			denseSet(regs, i, uint8(val))
		}
	})
	if !ok {
		return nil, false
	}
	return d, true
}

// sparseSet raises register index of the sparse HyperLogLog v to count,
// rewriting the opcodes as Valkey's hllSparseSet does so that the bytes
// stay identical. It returns the value (possibly reallocated, possibly
// promoted to dense) and 1 if the register changed, 0 if it was already
// as high, -1 if v is corrupt.
func sparseSet(v []byte, index int, count uint8, maxBytes int) ([]byte, int) {
	if count > hllSparseValMax {
		return sparsePromote(v, index, count)
	}
	// Find the opcode covering the register.
	end := len(v)
	p, prev := hllHdrSize, -1
	first, span, size := 0, 0, 0
	for p < end {
		span, _, size = sparseOp(v, p)
		if index <= first+span-1 {
			break
		}
		prev = p
		p += size
		first += span
	}
	if span == 0 || p >= end {
		return v, -1
	}
	op := v[p]
	isVal := op&0x80 != 0
	isZero := op&0xc0 == 0
	if isVal {
		old := int(op>>2&0x1f) + 1
		if old >= int(count) {
			return v, 0
		}
		if span == 1 {
			v[p] = sparseVal(int(count), 1)
			return sparseMergeRuns(v, prev), 1
		}
	}
	if isZero && span == 1 {
		v[p] = sparseVal(int(count), 1)
		return sparseMergeRuns(v, prev), 1
	}

	// Split the opcode into up to three: what is before the register,
	// the register, what is after.
	var seq [5]byte
	n := 0
	last := first + span - 1
	zeros := func(l int) {
		if l > hllSparseZeroMax {
			l--
			seq[n], seq[n+1] = byte(l>>8)|0x40, byte(l)
			n += 2
		} else {
			seq[n] = byte(l - 1)
			n++
		}
	}
	if !isVal {
		if index != first {
			zeros(index - first)
		}
		seq[n] = sparseVal(int(count), 1)
		n++
		if index != last {
			zeros(last - index)
		}
	} else {
		cur := int(op>>2&0x1f) + 1
		if index != first {
			seq[n] = sparseVal(cur, index-first)
			n++
		}
		seq[n] = sparseVal(int(count), 1)
		n++
		if index != last {
			seq[n] = sparseVal(cur, last-index)
			n++
		}
	}
	delta := n - size
	if delta > 0 && len(v)+delta > maxBytes {
		return sparsePromote(v, index, count)
	}
	newLen := len(v) + delta
	if next := p + size; next < end {
		if delta > 0 {
			v = append(v, seq[:delta]...) // room only; overwritten below
		}
		copy(v[p+n:], v[next:end])
		copy(v[p:], seq[:n])
		v = v[:newLen]
		setTerminator(v)
	} else if next == end {
		v = append(v[:p], seq[:n]...)
		setTerminator(v)
	} else {
		// An XZERO cut short by the end of the string: Valkey's length
		// arithmetic drops the last byte of its replacement, which stays
		// just past the end (see byteAt).
		v = append(v[:p], seq[:n]...)[:newLen]
	}
	return sparseMergeRuns(v, prev), 1
}

// sparseVal encodes a VAL opcode.
func sparseVal(val, run int) byte { return byte((val-1)<<2|(run-1)) | 0x80 }

// sparseMergeRuns joins adjacent VAL opcodes of one value where their runs
// fit in one, looking at up to five opcodes from prev (or the start), and
// marks the cached cardinality stale.
func sparseMergeRuns(v []byte, prev int) []byte {
	p := prev
	if p < 0 {
		p = hllHdrSize
	}
	end := len(v)
	for scan := 5; p < end && scan > 0; {
		scan--
		op := v[p]
		if op&0xc0 == 0x40 {
			p += 2
			continue
		}
		if op&0xc0 == 0 {
			p++
			continue
		}
		if p+1 < end && v[p+1]&0x80 != 0 {
			v1, v2 := int(op>>2&0x1f)+1, int(v[p+1]>>2&0x1f)+1
			if l := int(op&3) + int(v[p+1]&3) + 2; v1 == v2 && l <= hllSparseValMaxLen {
				v[p+1] = sparseVal(v1, l)
				copy(v[p:], v[p+1:end])
				end--
				v[end] = 0
				v = v[:end]
				continue
			}
		}
		p++
	}
	hllInvalidateCache(v)
	return v
}

// sparsePromote converts v to dense and then sets the register.
func sparsePromote(v []byte, index int, count uint8) ([]byte, int) {
	d, ok := sparseToDense(v)
	if !ok {
		return v, -1
	}
	denseAdd(d[hllHdrSize:], index, count)
	return d, 1
}

// hllAdd adds one element to the HyperLogLog v, as PFADD does, and
// returns v (possibly reallocated or promoted) and 1 if a register
// changed, 0 if not, -1 if v is corrupt.
func hllAdd(v []byte, ele []byte, maxBytes int) ([]byte, int) {
	index, count := hllPatLen(ele)
	switch v[4] {
	case hllEncDense:
		if denseAdd(v[hllHdrSize:], index, count) {
			return v, 1
		}
		return v, 0
	case hllEncSparse:
		return sparseSet(v, index, count, maxBytes)
	}
	return v, -1
}

// hllSigma and hllTau are the helper functions of Ertl's improved
// estimator ("New cardinality estimation algorithms for HyperLogLog
// sketches", arXiv:1702.01284), as Valkey computes them. The explicit
// float64 conversions forbid fused multiply-adds, so that every step
// rounds as Valkey's does and the estimates agree to the last unit.
func hllSigma(x float64) float64 {
	if x == 1 {
		return math.Inf(1)
	}
	y, z := 1.0, x
	for {
		x *= x
		zPrev := z
		z += float64(x * y)
		y += y
		if zPrev == z {
			return z
		}
	}
}

func hllTau(x float64) float64 {
	if x == 0 || x == 1 {
		return 0
	}
	y, z := 1.0, 1-x
	for {
		x = math.Sqrt(x)
		zPrev := z
		y *= 0.5
		d := 1 - x
		z -= float64(float64(d*d) * y)
		if zPrev == z {
			return z / 3
		}
	}
}

// hllEstimate is the cardinality estimate from the histogram of register
// values.
func hllEstimate(hist *[64]uint32) uint64 {
	const m = float64(hllRegisters)
	z := float64(m * hllTau((m-float64(hist[hllQ+1]))/m))
	for j := hllQ; j >= 1; j-- {
		z += float64(hist[j])
		z *= 0.5
	}
	z += float64(m * hllSigma(float64(hist[0])/m))
	return uint64(math.Round(hllAlphaInf * m * m / z))
}

// hllCount estimates the cardinality of the HyperLogLog v, reporting false
// if v is sparse and corrupt.
func hllCount(v []byte) (uint64, bool) {
	var hist [64]uint32
	if v[4] == hllEncDense {
		simd.HLLDenseHistogram(v[hllHdrSize:], &hist)
	} else if !sparseHistogram(v[hllHdrSize:], &hist) {
		return 0, false
	}
	return hllEstimate(&hist), true
}
