package engine

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

func lzfRoundTrip(t testing.TB, in []byte) {
	t.Helper()
	out := make([]byte, len(in)+len(in)/32+8) // room for all literals
	n := lzfCompress(in, out)
	if len(in) > 0 && n == 0 {
		t.Fatalf("compress of %d bytes failed with ample room", len(in))
	}
	back := make([]byte, len(in))
	if m := lzfDecompress(out[:n], back); m != len(in) || !bytes.Equal(back, in) {
		t.Fatalf("round trip of %q: got %d bytes %q", in, m, back[:max(m, 0)])
	}
	// A too small output refuses rather than overruns.
	if n > 1 {
		if m := lzfCompress(in, out[:n-1]); m != 0 {
			t.Fatalf("compress into %d bytes gave %d, want 0", n-1, m)
		}
		if m := lzfDecompress(out[:n], back[:len(in)-1]); m != -1 {
			t.Fatalf("decompress into a short buffer gave %d, want -1", m)
		}
	}
	// Compressing again gives the same bytes (the table keeps no state).
	out2 := make([]byte, len(out))
	if n2 := lzfCompress(in, out2); n2 != n || !bytes.Equal(out[:n], out2[:n2]) {
		t.Fatalf("second compression differs")
	}
}

func TestQuicklistLZFRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	cases := [][]byte{
		{}, {'a'}, []byte("ab"), []byte("abc"), []byte("aaaa"),
		bytes.Repeat([]byte("a"), 1000),
		bytes.Repeat([]byte("abcdefgh"), 5000), // matches past the length and distance limits
		[]byte("hello hello hello world world world"),
	}
	for range 200 {
		b := make([]byte, r.IntN(20000))
		alpha := 1 + r.IntN(255)
		for i := range b {
			b[i] = byte(r.IntN(alpha))
		}
		cases = append(cases, b)
	}
	for _, c := range cases {
		lzfRoundTrip(t, c)
	}
}

// The exact encodings: a literal run, a short and a long back reference,
// an overlapping copy.
func TestQuicklistLZFFormat(t *testing.T) {
	out := make([]byte, 64)
	n := lzfCompress([]byte("aaaaaaaaaa"), out)
	// 'a' as a literal, then a reference at distance 1 (the overlapping
	// copy) of 9 bytes: length code 7 with 9-2-7 = 0 extra.
	want := []byte{0, 'a', 7 << 5, 0, 0}
	if !bytes.Equal(out[:n], want) {
		t.Fatalf("got % x, want % x", out[:n], want)
	}
	dst := make([]byte, 10)
	if m := lzfDecompress(want, dst); m != 10 || string(dst) != "aaaaaaaaaa" {
		t.Fatalf("decompress: %d %q", m, dst)
	}
	// Invalid: a reference before the start, a truncated literal run.
	for _, bad := range [][]byte{{1 << 5, 0}, {2, 'a'}, {7 << 5}, {1 << 5}} {
		if m := lzfDecompress(bad, make([]byte, 100)); m != -1 {
			t.Fatalf("decompress % x = %d, want -1", bad, m)
		}
	}
}

func FuzzQuicklistLZF(f *testing.F) {
	f.Add([]byte("hello hello hello"), []byte{0, 'a', 7 << 5, 0, 0})
	f.Add(bytes.Repeat([]byte{1, 2, 3}, 100), []byte{31})
	f.Fuzz(func(t *testing.T, plain, stream []byte) {
		lzfRoundTrip(t, plain)
		// Any stream: no panic, and a success fills exactly what it says.
		out := make([]byte, 4096)
		if m := lzfDecompress(stream, out); m < -1 || m > len(out) {
			t.Fatalf("decompress returned %d", m)
		}
	})
}
