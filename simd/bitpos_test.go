package simd

import (
	"bytes"
	"testing"
)

func TestFirstNotCross(t *testing.T) {
	for name, buf := range contents(4096+maxOffset, 4) {
		for _, pat := range []byte{0x00, 0xff} {
			// next[i] is the index of the first byte at or after i that is
			// not pat, or len(buf).
			next := make([]int, len(buf)+1)
			next[len(buf)] = len(buf)
			for i := len(buf) - 1; i >= 0; i-- {
				next[i] = next[i+1]
				if buf[i] != pat {
					next[i] = i
				}
			}
			for _, l := range levels() {
				defer SetLevel(l)()
				for _, n := range crossLengths(true) {
					for off := 0; off <= maxOffset; off++ {
						b := buf[off : off+n]
						want := next[off] - off
						if want >= n {
							want = -1
						}
						var got int
						if pat == 0 {
							got = FirstSet(b)
						} else {
							got = FirstClear(b)
						}
						if got != want {
							t.Fatalf("%s, pattern %#x, level %v, len %d, offset %d: got %d, want %d", name, pat, l, n, off, got, want)
						}
					}
				}
			}
		}
	}
}

// TestFirstNotEveryPosition puts the one differing byte at every position of
// every length up to 300, so each branch of the vector search that locates
// it is taken.
func TestFirstNotEveryPosition(t *testing.T) {
	for _, pat := range []byte{0x00, 0xff} {
		buf := bytes.Repeat([]byte{pat}, 300+maxOffset)
		for _, l := range levels() {
			defer SetLevel(l)()
			for off := 0; off <= maxOffset; off += 5 {
				for n := 1; n <= 300; n++ {
					b := buf[off : off+n]
					for i := range b {
						for _, v := range []byte{pat ^ 0x01, pat ^ 0x80, ^pat} {
							b[i] = v
							if got := firstNot(b, pat); got != i {
								t.Fatalf("pattern %#x, level %v, len %d, offset %d, byte %d = %#x: got %d", pat, l, n, off, i, v, got)
							}
						}
						b[i] = pat
					}
				}
			}
		}
	}
}

func FuzzFirstSet(f *testing.F) {
	f.Add([]byte{0, 0, 1}, uint8(0))
	f.Add(make([]byte, 200), uint8(7))
	f.Add(bytes.Repeat([]byte{0xff}, 100), uint8(1))
	f.Fuzz(func(t *testing.T, b []byte, off uint8) {
		b = b[min(int(off), len(b)):]
		for _, pat := range []byte{0x00, 0xff} {
			want := -1
			for i, c := range b {
				if c != pat {
					want = i
					break
				}
			}
			if got := firstNotGeneric(b, pat); got != want {
				t.Fatalf("generic, pattern %#x: got %d, want %d", pat, got, want)
			}
			for _, l := range levels() {
				restore := SetLevel(l)
				got := FirstSet(b)
				if pat == 0xff {
					got = FirstClear(b)
				}
				restore()
				if got != want {
					t.Fatalf("level %v, pattern %#x, len %d: got %d, want %d", l, pat, len(b), got, want)
				}
			}
		}
	})
}

var sinkInt int

// byteLoopFirstSet is the obvious loop, for scale.
func byteLoopFirstSet(b []byte) int {
	for i, c := range b {
		if c != 0 {
			return i
		}
	}
	return -1
}

// BenchmarkFirstSet scans a zero buffer whose last byte is set, the whole
// length, as BITPOS does over a mostly empty bitmap.
func BenchmarkFirstSet(b *testing.B) {
	for _, size := range benchSizes {
		buf := make([]byte, size)
		buf[size-1] = 1
		benchRun(b, "impl=generic", LevelGeneric, size, func(b *testing.B) {
			for b.Loop() {
				sinkInt += firstNotGeneric(buf, 0)
			}
		})
		benchRun(b, "impl=byteloop", LevelGeneric, size, func(b *testing.B) {
			for b.Loop() {
				sinkInt += byteLoopFirstSet(buf)
			}
		})
		// LevelAVX512 runs the AVX2 kernel too.
		benchRun(b, "impl=avx2", LevelAVX2, size, func(b *testing.B) {
			for b.Loop() {
				sinkInt += FirstSet(buf)
			}
		})
	}
}
