package simd

import (
	"math/bits"
	"testing"
)

func TestPopcountCross(t *testing.T) {
	for name, buf := range contents(4096+maxOffset, 1) {
		// prefix[i] is the number of bits set in buf[:i].
		prefix := make([]uint64, len(buf)+1)
		for i, c := range buf {
			prefix[i+1] = prefix[i] + uint64(bits.OnesCount8(c))
		}
		for _, l := range levels() {
			defer SetLevel(l)()
			for _, n := range crossLengths(true) {
				for off := 0; off <= maxOffset; off++ {
					want := prefix[off+n] - prefix[off]
					if got := Popcount(buf[off : off+n]); got != want {
						t.Fatalf("%s, level %v, len %d, offset %d: got %d, want %d", name, l, n, off, got, want)
					}
				}
			}
		}
	}
}

// TestPopcountTwins checks the kernels themselves, not through dispatch.
func TestPopcountTwins(t *testing.T) {
	buf := contents(1<<16+maxOffset, 2)["random"]
	for _, n := range []int{0, 1, 31, 32, 511, 512, 513, 1 << 16} {
		want := popcountGeneric(buf[:n])
		for _, l := range levels() {
			atLevel(t, l, func() {
				if got := popcount(buf[:n]); got != want {
					t.Errorf("level %v, len %d: got %d, want %d", l, n, got, want)
				}
			})
		}
	}
}

func FuzzPopcount(f *testing.F) {
	f.Add([]byte{}, uint8(0))
	f.Add([]byte{0xff, 0x01, 0x80}, uint8(1))
	f.Add(make([]byte, 700), uint8(3))
	f.Fuzz(func(t *testing.T, b []byte, off uint8) {
		b = b[min(int(off), len(b)):]
		var want uint64
		for _, c := range b {
			want += uint64(bits.OnesCount8(c))
		}
		if got := popcountGeneric(b); got != want {
			t.Fatalf("generic: got %d, want %d", got, want)
		}
		for _, l := range levels() {
			restore := SetLevel(l)
			got := Popcount(b)
			restore()
			if got != want {
				t.Fatalf("level %v, len %d: got %d, want %d", l, len(b), got, want)
			}
		}
	})
}

var benchSizes = []int{64, 4 << 10, 1 << 20}

// mathBitsPopcount is the loop anyone would write with math/bits.
func mathBitsPopcount(b []byte) uint64 {
	var n int
	for len(b) >= 8 {
		n += bits.OnesCount64(le.Uint64(b))
		b = b[8:]
	}
	for _, c := range b {
		n += bits.OnesCount8(c)
	}
	return uint64(n)
}

var sinkU64 uint64

func BenchmarkPopcount(b *testing.B) {
	for _, size := range benchSizes {
		buf := contents(size, 3)["random"]
		benchRun(b, "impl=generic", LevelGeneric, size, func(b *testing.B) {
			for b.Loop() {
				sinkU64 += popcountGeneric(buf)
			}
		})
		benchRun(b, "impl=mathbits", LevelGeneric, size, func(b *testing.B) {
			for b.Loop() {
				sinkU64 += mathBitsPopcount(buf)
			}
		})
		for _, l := range simdLevels {
			benchRun(b, "impl="+l.String(), l, size, func(b *testing.B) {
				for b.Loop() {
					sinkU64 += Popcount(buf)
				}
			})
		}
	}
}
