package simd

import (
	"bytes"
	"fmt"
	"testing"
)

// refBitop is BITOP written out byte by byte, sources padded with zeros.
func refBitop(op string, n int, srcs ...[]byte) []byte {
	out := make([]byte, n)
	at := func(s []byte, i int) byte {
		if i < len(s) {
			return s[i]
		}
		return 0
	}
	for i := range out {
		if op == "not" {
			out[i] = ^at(srcs[0], i)
			continue
		}
		v := at(srcs[0], i)
		for _, s := range srcs[1:] {
			switch op {
			case "and":
				v &= at(s, i)
			case "or":
				v |= at(s, i)
			case "xor":
				v ^= at(s, i)
			}
		}
		out[i] = v
	}
	return out
}

func runBitop(op string, dst []byte, srcs ...[]byte) {
	switch op {
	case "and":
		BitopAnd(dst, srcs...)
	case "or":
		BitopOr(dst, srcs...)
	case "xor":
		BitopXor(dst, srcs...)
	case "not":
		BitopNot(dst, srcs[0])
	}
}

var bitops = []string{"and", "or", "xor", "not"}

// TestBitopCross runs every operation on two sources of equal length, at
// every length up to 600 with dst and both sources at every alignment, and
// at the longer lengths with a few alignments.
func TestBitopCross(t *testing.T) {
	c := contents(4096+maxOffset, 5)
	c2 := contents(4096+maxOffset, 6)
	pairs := [][2][]byte{
		{c["random"], c2["random"]},
		{c["ones"], c2["sparse"]},
	}
	dstBuf := make([]byte, 4096+maxOffset+64)
	for _, n := range crossLengths(false) {
		for off := 0; off <= maxOffset; off++ {
			if n > 600 && off%8 != 1 && off != 0 && off != 32 {
				continue
			}
			for pi, p := range pairs {
				a := p[0][off : off+n]
				bOff := (off * 7) % (maxOffset + 1)
				b := p[1][bOff : bOff+n]
				dOff := (off * 13) % (maxOffset + 1)
				for _, op := range bitops {
					want := refBitop(op, n, a, b)
					for _, l := range levels() {
						restore := SetLevel(l)
						guarded := dstBuf[max(dOff-1, 0) : dOff+n+1]
						for i := range guarded {
							guarded[i] = 0xa5
						}
						dst := dstBuf[dOff : dOff+n]
						runBitop(op, dst, a, b)
						restore()
						if !bytes.Equal(dst, want) {
							t.Fatalf("%s, pair %d, level %v, len %d, offsets %d/%d/%d: wrong result", op, pi, l, n, dOff, off, bOff)
						}
						if dstBuf[dOff+n] != 0xa5 || (dOff > 0 && dstBuf[dOff-1] != 0xa5) {
							t.Fatalf("%s, level %v, len %d: wrote outside dst", op, l, n)
						}
					}
				}
			}
		}
	}
}

// TestBitopShapes covers sources of unequal lengths, more than two sources,
// one source, none, and dst as the first source, across the block size.
func TestBitopShapes(t *testing.T) {
	c := contents(3*bitopBlock, 7)
	r := c["random"]
	lens := []int{0, 1, 31, 33, 100, bitopBlock - 1, bitopBlock, bitopBlock + 40, 2*bitopBlock + 5}
	for _, l := range levels() {
		defer SetLevel(l)()
		for _, op := range bitops {
			for _, n := range lens {
				for _, la := range lens {
					for _, lb := range lens {
						srcs := [][]byte{r[:la], r[7 : 7+lb], c["ones"][:lb/2+la%5]}
						for k := 1; k <= 3; k++ {
							if op == "not" && k > 1 {
								break
							}
							want := refBitop(op, n, srcs[:k]...)
							dst := make([]byte, n)
							runBitop(op, dst, srcs[:k]...)
							if !bytes.Equal(dst, want) {
								t.Fatalf("%s, level %v, dst %d, sources %v: wrong result", op, l, n, lensOf(srcs[:k]))
							}
						}
					}
				}
			}
			// dst as the first source: shorter, equal (the one-pass case)
			// and longer other sources, one or two of them, across blocks.
			if op != "not" {
				for _, n := range []int{5000, 3 * bitopBlock} {
					for _, lb := range []int{n / 2, n - 100, n} {
						for k := 2; k <= 3; k++ {
							a := append([]byte(nil), r[:n]...)
							for i := range a {
								a[i] ^= byte(i * 7) // not equal to the other sources
							}
							srcs := [][]byte{a, r[n-lb : n], r[3 : 3+n/3]}[:k]
							want := refBitop(op, len(a), srcs...)
							runBitop(op, a, srcs...)
							if !bytes.Equal(a, want) {
								t.Fatalf("%s, level %v, sources %v: dst = srcs[0] gave a wrong result", op, l, lensOf(srcs))
							}
						}
					}
				}
			} else {
				a := append([]byte(nil), r[:5000]...)
				want := refBitop(op, len(a), a)
				BitopNot(a, a)
				if !bytes.Equal(a, want) {
					t.Fatalf("not, level %v: in place gave a wrong result", l)
				}
			}
		}
	}
	dst := []byte{1, 2, 3}
	BitopOr(dst)
	if !bytes.Equal(dst, []byte{0, 0, 0}) {
		t.Fatalf("no sources: dst = %v, want zeros", dst)
	}
}

func lensOf(ss [][]byte) []int {
	var ns []int
	for _, s := range ss {
		ns = append(ns, len(s))
	}
	return ns
}

func FuzzBitop(f *testing.F) {
	f.Add([]byte{1, 2, 3}, []byte{0xff}, []byte{}, uint8(0))
	f.Add(make([]byte, 100), bytes.Repeat([]byte{0x0f}, 70), []byte{9, 9}, uint8(3))
	f.Fuzz(func(t *testing.T, a, b, c []byte, op uint8) {
		name := bitops[int(op)%len(bitops)]
		n := max(len(a), len(b), len(c))
		srcs := [][]byte{a, b, c}
		if name == "not" {
			srcs = srcs[:1]
		}
		want := refBitop(name, n, srcs...)
		for _, l := range levels() {
			restore := SetLevel(l)
			dst := make([]byte, n)
			runBitop(name, dst, srcs...)
			restore()
			if !bytes.Equal(dst, want) {
				t.Fatalf("%s, level %v, sources %v: wrong result", name, l, lensOf(srcs))
			}
		}
	})
}

// byteLoopAnd is the loop the compiler gets from the obvious code.
func byteLoopAnd(dst, a, b []byte) {
	for i := range dst {
		dst[i] = a[i] & b[i]
	}
}

// BenchmarkBitop is BITOP with two sources of equal length.
func BenchmarkBitop(b *testing.B) {
	for _, size := range benchSizes {
		x, y := contents(size, 8)["random"], contents(size, 9)["random"]
		dst := make([]byte, size)
		for _, op := range bitops {
			// LevelAVX512 runs the AVX2 kernel too.
			for _, l := range []Level{LevelGeneric, LevelAVX2} {
				benchRun(b, fmt.Sprintf("op=%s/impl=%v", op, l), l, size, func(b *testing.B) {
					switch op {
					case "and":
						for b.Loop() {
							BitopAnd(dst, x, y)
						}
					case "or":
						for b.Loop() {
							BitopOr(dst, x, y)
						}
					case "xor":
						for b.Loop() {
							BitopXor(dst, x, y)
						}
					case "not":
						for b.Loop() {
							BitopNot(dst, x)
						}
					}
				})
				if op == "and" && l == LevelGeneric {
					benchRun(b, "op=and/impl=byteloop", LevelGeneric, size, func(b *testing.B) {
						for b.Loop() {
							byteLoopAnd(dst, x, y)
						}
					})
				}
			}
		}
	}
}
