package rdb

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// lzfInputs are inputs of the kinds that exercise the compressor: empty,
// tiny, runs, repeats at every distance up to past the 8 KiB window,
// random, and mixtures.
func lzfInputs() [][]byte {
	r := rand.New(rand.NewPCG(21, 22))
	in := [][]byte{nil, {1}, {1, 2}, {1, 2, 3}, []byte("aaa"), []byte("aaaa"),
		bytes.Repeat([]byte{0}, 100000)}
	for _, period := range []int{1, 2, 3, 7, 31, 32, 33, 263, 264, 265, 8191, 8192, 8193, 9000} {
		p := make([]byte, period)
		for i := range p {
			p[i] = byte(r.Uint32())
		}
		in = append(in, bytes.Repeat(p, 3+20000/period))
	}
	for range 300 {
		n := r.IntN(3000)
		b := make([]byte, n)
		for i := range b {
			switch {
			case i > 0 && r.IntN(3) == 0:
				b[i] = b[r.IntN(i)]
			default:
				b[i] = "abcd"[r.IntN(4)]
			}
			if r.IntN(40) == 0 {
				b[i] = byte(r.Uint32())
			}
		}
		in = append(in, b)
	}
	return in
}

func TestLZFRoundTrip(t *testing.T) {
	c := new(lzfCompressor)
	for i, in := range lzfInputs() {
		out := make([]byte, len(in)+len(in)/16+64)
		n := LZFCompress(in, out)
		if len(in) == 0 {
			if n != 0 {
				t.Fatalf("empty input compressed to %d bytes", n)
			}
			continue
		}
		if n == 0 {
			t.Fatalf("input %d (%d bytes) did not fit in %d", i, len(in), len(out))
		}
		back := make([]byte, len(in))
		m, err := LZFDecompress(out[:n], back)
		if err != nil || m != len(in) || !bytes.Equal(back, in) {
			t.Fatalf("input %d: decompressed %d of %d bytes, %v", i, m, len(in), err)
		}
		// One byte too small for the output: an error, never a panic.
		if len(in) > 0 {
			if _, err := LZFDecompress(out[:n], back[:len(in)-1]); err != ErrLZF {
				t.Fatalf("input %d into a short buffer: %v", i, err)
			}
		}
		// Every limit below the size gives 0; the size itself, or any
		// limit a few bytes more (liblzf wants spare room), gives n.
		if c.compress(in, out[:n-1]) != 0 {
			t.Fatalf("input %d: fits in fewer than %d bytes", i, n)
		}
		if got := c.compress(in, out[:n+4]); got != n {
			t.Fatalf("input %d: %d bytes with room %d, %d with more", i, got, n+4, n)
		}
	}
}

// TestLZFRepeatable: the compressor's table persists between calls, but
// output never depends on earlier inputs.
func TestLZFRepeatable(t *testing.T) {
	c := new(lzfCompressor)
	inputs := lzfInputs()
	first := make([][]byte, len(inputs))
	for i, in := range inputs {
		out := make([]byte, 2*len(in)+64)
		first[i] = out[:c.compress(in, out)]
	}
	for i := len(inputs) - 1; i >= 0; i-- {
		fresh := new(lzfCompressor)
		out := make([]byte, 2*len(inputs[i])+64)
		got := out[:fresh.compress(inputs[i], out)]
		again := make([]byte, len(out))
		again = again[:c.compress(inputs[i], again)]
		if !bytes.Equal(got, first[i]) || !bytes.Equal(again, first[i]) {
			t.Fatalf("input %d: output depends on history", i)
		}
	}
}

func TestLZFDecompressErrors(t *testing.T) {
	for _, tc := range []struct {
		in  string
		out int
	}{
		{"02 6161", 10},     // literal run of 3 with 2 bytes
		{"e0", 10},          // back reference with no offset byte
		{"e0 05", 10},       // long back reference with no offset byte
		{"00 61 20 01", 10}, // offset 2 back with 1 byte produced
		{"00 61 20 00", 2},  // match of 3 with room for 2
		{"01 6161", 1},      // literal past the output
	} {
		if n, err := LZFDecompress(unhex(t, tc.in), make([]byte, tc.out)); err != ErrLZF {
			t.Errorf("LZFDecompress(%s) = %d, %v", tc.in, n, err)
		}
	}
	// Overlapping match: "a" then 9 copies of the previous byte.
	out := make([]byte, 10)
	if n, err := LZFDecompress(unhex(t, "00 61 e0 00 00"), out); err != nil || string(out[:n]) != "aaaaaaaaaa" {
		t.Errorf("overlap: %q, %v", out[:n], err)
	}
	if n, err := LZFDecompress(nil, nil); n != 0 || err != nil {
		t.Errorf("empty: %d, %v", n, err)
	}
}

// TestLZFDecompressGrows: the growing decompressor used by the Reader
// gives the same result as the fixed one from any starting capacity.
func TestLZFDecompressGrows(t *testing.T) {
	for _, in := range lzfInputs()[:40] {
		if len(in) == 0 {
			continue
		}
		c := make([]byte, len(in)+len(in)/16+64)
		c = c[:LZFCompress(in, c)]
		for _, start := range []int{0, 1, 100, len(in)} {
			got, err := lzfDecompress(c, make([]byte, 0, start), len(in))
			if err != nil || !bytes.Equal(got, in) {
				t.Fatalf("start %d: %v", start, err)
			}
		}
		if _, err := lzfDecompress(c, nil, len(in)-1); err != ErrLZF {
			t.Fatalf("limit below size: %v", err)
		}
	}
}

func BenchmarkLZF(b *testing.B) {
	in := make([]byte, 64<<10)
	r := rand.New(rand.NewPCG(1, 1))
	for i := range in {
		in[i] = "the quick brown fox "[r.IntN(20)]
		if i > 100 && r.IntN(2) == 0 {
			in[i] = in[i-100]
		}
	}
	out := make([]byte, len(in))
	n := LZFCompress(in, out)
	b.Run("compress", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(in)))
		for b.Loop() {
			LZFCompress(in, out)
		}
	})
	b.Run("decompress", func(b *testing.B) {
		dst := make([]byte, len(in))
		b.ReportAllocs()
		b.SetBytes(int64(len(in)))
		for b.Loop() {
			LZFDecompress(out[:n], dst)
		}
	})
}
