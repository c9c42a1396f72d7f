package engine

import "sync"

// LZF, the compression Valkey applies to the interior nodes of a
// quicklist (list-compress-depth). No maintained Go module offers it, so
// this is a small implementation of the format:
//
//   - a byte c < 32 starts a literal run: the next c+1 bytes are copied;
//   - otherwise c is a back reference: its top 3 bits are the match
//     length minus 2 (7 means "7 plus the next byte"), its low 5 bits and
//     the byte after the length are the distance minus 1 (13 bits), and
//     length+2 bytes are copied from that far back in the output, which
//     may overlap what is being written.
//
// The compressor finds matches through a hash of the next 3 bytes, as
// liblzf does; its output need not be byte-identical to liblzf's, since
// compressed nodes never leave the process (RDB stores lists as plain
// listpacks). The decompressor accepts any valid LZF stream.

const (
	lzfTableBits = 14
	lzfMaxRun    = 32          // literal bytes per run
	lzfMaxDist   = 1 << 13     // back reference distance limit
	lzfMaxMatch  = 7 + 255 + 2 // longest back reference
)

// lzfTable is the compressor's match table. Entries hold base+position;
// an entry below base belongs to an earlier input and is ignored, so the
// table need not be cleared between inputs and the output depends only
// on the input.
type lzfTable struct {
	pos  [1 << lzfTableBits]uint32
	base uint32
}

var lzfTables = sync.Pool{New: func() any { return new(lzfTable) }}

func lzfHash(b0, b1, b2 byte) uint32 {
	v := uint32(b0)<<16 | uint32(b1)<<8 | uint32(b2)
	return (v * 2654435761) >> (32 - lzfTableBits)
}

// lzfCompress compresses in into out and returns the compressed length,
// or 0 if the result does not fit in out (the caller keeps in as is).
func lzfCompress(in, out []byte) int {
	n := len(in)
	if n == 0 || len(out) == 0 {
		return 0
	}
	t := lzfTables.Get().(*lzfTable)
	defer lzfTables.Put(t)
	if uint64(t.base)+uint64(n)+1 >= 1<<32 {
		t.pos = [1 << lzfTableBits]uint32{}
		t.base = 0
	}
	base := t.base + 1 // stored entries are base+ip, so 0 is never valid
	t.base += uint32(n) + 1

	op := 0
	lit := 0 // start of the literals not yet written
	// flush writes in[lit:end] as literal runs.
	flush := func(end int) bool {
		for lit < end {
			run := min(end-lit, lzfMaxRun)
			if op+1+run > len(out) {
				return false
			}
			out[op] = byte(run - 1)
			copy(out[op+1:], in[lit:lit+run])
			op += 1 + run
			lit += run
		}
		return true
	}
	ip := 0
	for ip+2 < n {
		h := lzfHash(in[ip], in[ip+1], in[ip+2])
		cand := t.pos[h]
		t.pos[h] = base + uint32(ip)
		if cand < base {
			ip++
			continue
		}
		ref := int(cand - base)
		dist := ip - ref - 1
		if dist >= lzfMaxDist || in[ref] != in[ip] || in[ref+1] != in[ip+1] || in[ref+2] != in[ip+2] {
			ip++
			continue
		}
		maxLen := min(n-ip, lzfMaxMatch)
		l := 3
		for l < maxLen && in[ref+l] == in[ip+l] {
			l++
		}
		if !flush(ip) {
			return 0
		}
		code := l - 2
		if code < 7 {
			if op+2 > len(out) {
				return 0
			}
			out[op] = byte(code<<5 | dist>>8)
			out[op+1] = byte(dist)
			op += 2
		} else {
			if op+3 > len(out) {
				return 0
			}
			out[op] = byte(7<<5 | dist>>8)
			out[op+1] = byte(code - 7)
			out[op+2] = byte(dist)
			op += 3
		}
		ip += l
		lit = ip
		// Index the last two positions of the match, as liblzf does, so a
		// repeat that starts inside it can be found.
		for p := max(ip-2, 1); p < ip && p+2 < n; p++ {
			t.pos[lzfHash(in[p], in[p+1], in[p+2])] = base + uint32(p)
		}
	}
	if !flush(n) {
		return 0
	}
	return op
}

// lzfDecompress expands in into out and returns the expanded length, or
// -1 if in is not a valid stream or expands past len(out).
func lzfDecompress(in, out []byte) int {
	ip, op := 0, 0
	for ip < len(in) {
		c := int(in[ip])
		ip++
		if c < 32 {
			run := c + 1
			if ip+run > len(in) || op+run > len(out) {
				return -1
			}
			copy(out[op:], in[ip:ip+run])
			ip += run
			op += run
			continue
		}
		l := c >> 5
		if l == 7 {
			if ip >= len(in) {
				return -1
			}
			l += int(in[ip])
			ip++
		}
		if ip >= len(in) {
			return -1
		}
		ref := op - (c&0x1f)<<8 - int(in[ip]) - 1
		ip++
		l += 2
		if ref < 0 || op+l > len(out) {
			return -1
		}
		if ref+l <= op {
			copy(out[op:op+l], out[ref:ref+l])
		} else {
			for i := range l { // overlapping: a repeat of the last op-ref bytes
				out[op+i] = out[ref+i]
			}
		}
		op += l
	}
	return op
}
