package rdb

import "sync"

// LZF as Valkey bundles it (liblzf, built with HLOG 16, VERY_FAST and
// INIT_HTAB 0). The compressor must reproduce liblzf's output byte for
// byte: a DUMP payload carries the compressed bytes and its CRC64, so a
// single differing byte would make our DUMP of a value differ from
// Valkey's.
//
// The stream is a sequence of runs. A control byte below 32 is a literal
// run of ctrl+1 bytes that follow it. Otherwise the top three bits are a
// match length minus 2 (7 meaning "add the next byte"), the low five bits
// and the byte after the length are an offset minus 1 into the output
// already produced: up to 8 KiB back, up to 264 bytes long, and a match
// may overlap the bytes it produces.

const (
	lzfHashLog = 16
	lzfHashLen = 1 << lzfHashLog
	lzfMaxLit  = 1 << 5
	lzfMaxOff  = 1 << 13
	lzfMaxRef  = 1<<8 + 1<<3

	// lzfMaxExpansion bounds the output per input byte: a 3-byte
	// reference to the longest match.
	lzfMaxExpansion = lzfMaxRef / 3
)

// lzfCompressor is liblzf's hash table of recent positions.
//
// liblzf keeps the table on the stack and, with INIT_HTAB 0, never clears
// it: a slot holds whatever pointer an earlier call (or other code) left
// there. A stale pointer only produces a match when it happens to point
// into the current input, less than 8 KiB behind the cursor, at three
// bytes equal to the cursor's, so in practice the garbage is rejected
// and liblzf behaves as if the table were zeroed. (Compressing the same
// buffer twice is the likely way to find valid stale pointers, and then
// each one is the value the current call would have stored anyway.) We
// reproduce the zeroed behaviour without clearing 512 KiB per call: a
// slot holds base+i for input position i, base grows by each input's
// length, so every slot written by an earlier call is at most the current
// base. liblzf also refuses a match at position 0 (its test is
// ref > in_data), so "slot <= base" is exactly its "no usable match".
type lzfCompressor struct {
	htab [lzfHashLen]uint64 // base + position of the last 3-byte prefix with each hash
	base uint64             // added to positions of the current input
}

var lzfPool = sync.Pool{New: func() any { return new(lzfCompressor) }}

// lzfIndex is liblzf's VERY_FAST hash of the three bytes packed in the
// low 24 bits of h (bits above are older bytes, which the mask drops).
func lzfIndex(h uint32) uint32 {
	return (h>>(3*8-lzfHashLog) - h*5) & (lzfHashLen - 1)
}

// LZFCompress compresses in into out as Valkey's lzf_compress does,
// returning the compressed size, or 0 when in is empty or the result does
// not fit in len(out). Like liblzf it may give up a few bytes before out
// is strictly full (it wants room for a whole match or the final
// literals), which decides whether Valkey stores a string compressed, so
// the rule is kept.
func LZFCompress(in, out []byte) int {
	c := lzfPool.Get().(*lzfCompressor)
	n := c.compress(in, out)
	lzfPool.Put(c)
	return n
}

func (c *lzfCompressor) compress(in, out []byte) int {
	inEnd, outEnd := len(in), len(out)
	if inEnd == 0 || outEnd == 0 {
		return 0
	}
	base := c.base
	c.base += uint64(inEnd)
	htab := &c.htab

	ip, op, lit := 0, 1, 0 // op starts past the first run's control byte
	var hval uint32
	if inEnd >= 2 {
		hval = uint32(in[0])<<8 | uint32(in[1])
	}
	for ip < inEnd-2 {
		hval = hval<<8 | uint32(in[ip+2])
		slot := &htab[lzfIndex(hval)]
		ref := *slot
		cur := base + uint64(ip)
		*slot = cur
		off := cur - ref - 1
		r := int(ref - base)
		if ref > base && off < lzfMaxOff &&
			in[r+2] == in[ip+2] && in[r] == in[ip] && in[r+1] == in[ip+1] {
			length := 2
			maxlen := min(inEnd-ip-length, lzfMaxRef)

			undo := 0 // an empty literal run is dropped
			if lit == 0 {
				undo = 1
			}
			if op-undo+3+1 >= outEnd {
				return 0
			}
			out[op-lit-1] = byte(lit - 1) // close the literal run
			op -= undo

			// liblzf compares 16 bytes unrolled before its bounded loop
			// and only checks the bound afterwards, so a match can run
			// one or two bytes past maxlen when 16 < maxlen < 19; the
			// bytes exist (maxlen stops 2 short of the end), and the
			// output must show the same lengths.
			extend := true
			if maxlen > 16 {
				for range 16 {
					length++
					if in[r+length] != in[ip+length] {
						extend = false
						break
					}
				}
			}
			if extend {
				for {
					length++
					if length >= maxlen || in[r+length] != in[ip+length] {
						break
					}
				}
			}

			length -= 2 // now the match length minus 2, as stored
			ip++
			if length < 7 {
				out[op] = byte(off>>8) + byte(length<<5)
				op++
			} else {
				out[op] = byte(off>>8) + 7<<5
				out[op+1] = byte(length - 7)
				op += 2
			}
			out[op] = byte(off)
			op += 2 // and reserve the next run's control byte
			lit = 0

			ip += length + 1
			if ip >= inEnd-2 {
				break
			}
			// VERY_FAST: hash the two positions before the new cursor.
			ip -= 2
			hval = uint32(in[ip])<<8 | uint32(in[ip+1])
			hval = hval<<8 | uint32(in[ip+2])
			htab[lzfIndex(hval)] = base + uint64(ip)
			ip++
			hval = hval<<8 | uint32(in[ip+2])
			htab[lzfIndex(hval)] = base + uint64(ip)
			ip++
			continue
		}

		if op >= outEnd {
			return 0
		}
		op, lit = lzfLiteral(out, op, lit, in[ip])
		ip++
	}

	// At most the last two bytes and one control byte remain.
	if op+3 > outEnd {
		return 0
	}
	for ; ip < inEnd; ip++ {
		op, lit = lzfLiteral(out, op, lit, in[ip])
	}
	out[op-lit-1] = byte(lit - 1)
	if lit == 0 {
		op--
	}
	return op
}

// lzfLiteral adds c to the literal run being written and closes the run
// (writing its length byte in the place kept for it) when it is full. It
// returns the new output position and run length.
func lzfLiteral(out []byte, op, lit int, c byte) (int, int) {
	out[op] = c
	op++
	lit++
	if lit == lzfMaxLit {
		out[op-lit-1] = byte(lit - 1)
		lit = 0
		op++
	}
	return op, lit
}

// LZFDecompress decompresses in into out, returning the number of bytes
// written. It fails with ErrLZF when in is malformed (a truncated run, a
// reference before the start of the output) or would produce more than
// len(out) bytes. It never reads or writes out of bounds, so it is safe on
// untrusted input. Unlike liblzf, which reports errors as a size of 0,
// an error is distinct from empty output.
func LZFDecompress(in, out []byte) (int, error) {
	out, err := lzfDecompress(in, out[:0:len(out)], len(out))
	return len(out), err
}

// lzfDecompress decompresses in into out's backing array, growing it as
// output is produced but never beyond limit bytes, and returns the
// output. Growing as we go, instead of allocating limit bytes first,
// means a forged length costs memory only in proportion to the output
// the input really produces.
func lzfDecompress(in, out []byte, limit int) ([]byte, error) {
	out = out[:cap(out)]
	ip, op := 0, 0
	for ip < len(in) {
		ctrl := int(in[ip])
		ip++
		if ctrl < 1<<5 {
			n := ctrl + 1
			if op+n > limit || ip+n > len(in) {
				return out[:op], ErrLZF
			}
			if op+n > len(out) {
				out = lzfGrow(out, op, op+n, limit)
			}
			copy(out[op:], in[ip:ip+n])
			op += n
			ip += n
			continue
		}
		n := ctrl >> 5
		ref := op - (ctrl&0x1f)<<8 - 1
		if ip >= len(in) {
			return out[:op], ErrLZF
		}
		if n == 7 {
			n += int(in[ip])
			ip++
			if ip >= len(in) {
				return out[:op], ErrLZF
			}
		}
		ref -= int(in[ip])
		ip++
		n += 2
		if op+n > limit || ref < 0 {
			return out[:op], ErrLZF
		}
		if op+n > len(out) {
			out = lzfGrow(out, op, op+n, limit)
		}
		// When the match overlaps its own output it repeats the last
		// op-ref bytes; each copy doubles the valid stretch after ref.
		for end := op + n; op < end; {
			op += copy(out[op:end], out[ref:op])
		}
	}
	return out[:op], nil
}

// lzfGrow returns a buffer holding out[:used] with room for at least need
// bytes: double the current size, but not beyond limit.
func lzfGrow(out []byte, used, need, limit int) []byte {
	n := min(max(2*len(out), need, 256), limit)
	grown := make([]byte, n)
	copy(grown, out[:used])
	return grown
}
