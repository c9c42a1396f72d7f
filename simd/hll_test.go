package simd

import (
	"bytes"
	"fmt"
	"math/bits"
	"math/rand/v2"
	"testing"
)

// refGet is Valkey's HLL_DENSE_GET_REGISTER written out: the byte holding
// the register's first bit, the bit offset in it, and the next byte for the
// bits that spill over. p has one byte past the registers, as Valkey's
// strings do.
func refGet(p []byte, i int) uint8 {
	byt := i * 6 / 8
	fb := uint(i * 6 & 7)
	b0, b1 := uint(p[byt]), uint(p[byt+1])
	return uint8((b0>>fb | b1<<(8-fb)) & 63)
}

// refSet is Valkey's HLL_DENSE_SET_REGISTER written out.
func refSet(p []byte, i int, v uint8) {
	byt := i * 6 / 8
	fb := uint(i * 6 & 7)
	p[byt] &^= byte(63 << fb)
	p[byt] |= v << fb
	p[byt+1] &^= byte(63 >> (8 - fb))
	p[byt+1] |= v >> (8 - fb)
}

// refUnpack returns the registers of dense, read with refGet.
func refUnpack(dense []byte) *[HLLRegisters]uint8 {
	p := append(dense[:HLLDenseBytes:HLLDenseBytes], 0)
	var r [HLLRegisters]uint8
	for i := range r {
		r[i] = refGet(p, i)
	}
	return &r
}

// refPack returns the dense encoding of regs, written with refSet.
func refPack(regs *[HLLRegisters]uint8) []byte {
	p := make([]byte, HLLDenseBytes+1)
	for i, v := range regs {
		refSet(p, i, v&63)
	}
	return p[:HLLDenseBytes]
}

func refHistogram(regs *[HLLRegisters]uint8) *[64]uint32 {
	var h [64]uint32
	for _, v := range regs {
		h[v&63]++
	}
	return &h
}

// simHLL returns the registers of a HyperLogLog after adding n distinct
// elements, with random 64-bit hashes standing in for MurmurHash64A: the
// low 14 bits pick the register and the rest give the run of zeros plus one.
func simHLL(n int, seed uint64) *[HLLRegisters]uint8 {
	r := rand.New(rand.NewPCG(seed, 0x4c4c))
	var regs [HLLRegisters]uint8
	for range n {
		h := r.Uint64()
		i := h & (HLLRegisters - 1)
		count := uint8(bits.TrailingZeros64(h>>14|1<<50) + 1)
		regs[i] = max(regs[i], count)
	}
	return &regs
}

// hllInputs returns dense register sets worth checking: simulated ones at
// several cardinalities, random bytes, every register 0 and every register
// 63, and register i = i mod 64.
func hllInputs() map[string][]byte {
	in := map[string][]byte{}
	for _, n := range []int{0, 1, 100, 20000, 1000000} {
		in[fmt.Sprintf("hll-%d", n)] = refPack(simHLL(n, uint64(n)))
	}
	r := rand.New(rand.NewPCG(11, 12))
	random := make([]byte, HLLDenseBytes)
	for i := range random {
		random[i] = byte(r.Uint32())
	}
	in["random"] = random
	in["all-0"] = make([]byte, HLLDenseBytes)
	in["all-63"] = bytes.Repeat([]byte{0xff}, HLLDenseBytes)
	var ramp [HLLRegisters]uint8
	for i := range ramp {
		ramp[i] = uint8(i % 64)
	}
	in["ramp"] = refPack(&ramp)
	return in
}

// maxInits returns starting arrays for the merge: zeros, 63s, 255s (the
// merge is a plain unsigned maximum), random bytes, and a real HyperLogLog.
func maxInits() map[string]*[HLLRegisters]uint8 {
	r := rand.New(rand.NewPCG(13, 14))
	var zero, all63, all255, random [HLLRegisters]uint8
	for i := range all63 {
		all63[i], all255[i], random[i] = 63, 255, uint8(r.Uint32())
	}
	return map[string]*[HLLRegisters]uint8{
		"zero": &zero, "all-63": &all63, "all-255": &all255, "random": &random,
		"hll": simHLL(50000, 99),
	}
}

func TestHLLReference(t *testing.T) {
	// The references agree with each other, and with the layout: register
	// 0 is the low 6 bits of byte 0, register 1 starts at bit 6.
	for name, dense := range hllInputs() {
		if got := refPack(refUnpack(dense)); !bytes.Equal(got, dense) {
			t.Fatalf("%s: refPack(refUnpack(x)) != x", name)
		}
	}
	var regs [HLLRegisters]uint8
	regs[0], regs[1], regs[HLLRegisters-1] = 0x3f, 0x01, 0x2a
	p := refPack(&regs)
	if p[0] != 0x7f || p[1] != 0 || p[HLLDenseBytes-1] != 0x2a<<2 {
		t.Fatalf("layout: % x ... % x", p[:2], p[HLLDenseBytes-1:])
	}
}

func TestHLLKernels(t *testing.T) {
	inits := maxInits()
	buf := make([]byte, HLLDenseBytes+maxOffset+1)
	mbuf := make([]byte, HLLRegisters+4)
	for name, dense := range hllInputs() {
		regs := refUnpack(dense)
		wantHist := refHistogram(regs)
		for off := 0; off <= maxOffset; off++ {
			in := buf[off : off+HLLDenseBytes]
			copy(in, dense)
			for _, l := range levels() {
				restore := SetLevel(l)
				var hist [64]uint32
				HLLDenseHistogram(in, &hist)
				if hist != *wantHist {
					t.Fatalf("%s, level %v, offset %d: dense histogram\n got %v\nwant %v", name, l, off, hist, *wantHist)
				}
				var unpacked [HLLRegisters]uint8
				HLLDenseUnpack(&unpacked, in)
				if unpacked != *regs {
					t.Fatalf("%s, level %v, offset %d: unpack differs at register %d", name, l, off, firstDiff(unpacked[:], regs[:]))
				}
				if off%16 == 0 {
					for iname, init := range inits {
						// The unpacked registers need not be aligned either.
						m := (*[HLLRegisters]uint8)(mbuf[off/16:])
						*m = *init
						HLLDenseMerge(m, in)
						for i := range m {
							if want := max(init[i], regs[i]); m[i] != want {
								t.Fatalf("%s into %s, level %v, offset %d: register %d = %d, want %d", name, iname, l, off, i, m[i], want)
							}
						}
					}
				}
				restore()
			}
		}
	}
}

func TestHLLRawHistogram(t *testing.T) {
	inputs := map[string]*[HLLRegisters]uint8{}
	for name, dense := range hllInputs() {
		inputs[name] = refUnpack(dense)
	}
	for name, init := range maxInits() {
		inputs["init-"+name] = init // holds values above 63
	}
	buf := make([]byte, HLLRegisters+maxOffset)
	for name, regs := range inputs {
		want := refHistogram(regs)
		for off := 0; off <= maxOffset; off += 7 {
			// The registers need not be aligned.
			at := (*[HLLRegisters]uint8)(buf[off:])
			*at = *regs
			for _, l := range levels() {
				restore := SetLevel(l)
				var hist [64]uint32
				for i := range hist {
					hist[i] = 12345 // the histogram is set, not added to
				}
				HLLRawHistogram(at, &hist)
				restore()
				if hist != *want {
					t.Fatalf("%s, level %v, offset %d:\n got %v\nwant %v", name, l, off, hist, *want)
				}
			}
		}
	}
}

// TestHLLRawHistogramSpans fills the registers with values from lo to hi,
// both present, for every lo and hi, so that every way the eight-value
// passes can fall is covered.
func TestHLLRawHistogramSpans(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	step := 1
	if raceEnabled || testing.Short() {
		step = 5
	}
	var regs [HLLRegisters]uint8
	for lo := 0; lo < 64; lo += step {
		for hi := lo; hi < 64; hi++ {
			for i := range regs {
				regs[i] = uint8(lo + r.IntN(hi-lo+1))
			}
			regs[r.IntN(HLLRegisters)] = uint8(lo)
			regs[r.IntN(HLLRegisters)] = uint8(hi)
			want := refHistogram(&regs)
			for _, l := range levels() {
				restore := SetLevel(l)
				var hist [64]uint32
				HLLRawHistogram(&regs, &hist)
				restore()
				if hist != *want {
					t.Fatalf("values %d..%d, level %v:\n got %v\nwant %v", lo, hi, l, hist, *want)
				}
			}
		}
	}
}

func TestHLLPack(t *testing.T) {
	inputs := map[string]*[HLLRegisters]uint8{}
	for name, dense := range hllInputs() {
		inputs[name] = refUnpack(dense)
	}
	for name, init := range maxInits() {
		inputs["init-"+name] = init // values above 63 keep their low 6 bits
	}
	buf := make([]byte, HLLDenseBytes+2*maxOffset+2)
	for name, regs := range inputs {
		want := refPack(regs)
		for off := 0; off <= maxOffset; off++ {
			for _, l := range levels() {
				restore := SetLevel(l)
				for i := range buf {
					buf[i] = 0xa5
				}
				// dst is longer than the registers, as the whole string
				// would be: the bytes past them must be left alone.
				HLLDensePack(buf[off+1:], regs)
				restore()
				if !bytes.Equal(buf[off+1:off+1+HLLDenseBytes], want) {
					t.Fatalf("%s, level %v, offset %d: differs at byte %d", name, l, off, firstDiff(buf[off+1:off+1+HLLDenseBytes], want))
				}
				if buf[off] != 0xa5 || buf[off+1+HLLDenseBytes] != 0xa5 {
					t.Fatalf("%s, level %v, offset %d: wrote outside the registers", name, l, off)
				}
			}
		}
	}
}

func TestHLLShortInputPanics(t *testing.T) {
	short := make([]byte, HLLDenseBytes-1)
	var regs [HLLRegisters]uint8
	var hist [64]uint32
	for name, f := range map[string]func(){
		"histogram": func() { HLLDenseHistogram(short, &hist) },
		"merge":     func() { HLLDenseMerge(&regs, short) },
		"unpack":    func() { HLLDenseUnpack(&regs, short) },
		"pack":      func() { HLLDensePack(short, &regs) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic on %d bytes", name, len(short))
				}
			}()
			f()
		}()
	}
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// fuzzDense spreads fuzz input over a whole dense register set.
func fuzzDense(data []byte) []byte {
	dense := make([]byte, HLLDenseBytes)
	if len(data) > 0 {
		for i := range dense {
			dense[i] = data[i%len(data)] + byte(i/len(data))
		}
	}
	return dense
}

func FuzzHLLHistogram(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0xff})
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7})
	f.Fuzz(func(t *testing.T, data []byte) {
		dense := fuzzDense(data)
		regs := refUnpack(dense)
		want := refHistogram(regs)
		for _, l := range levels() {
			restore := SetLevel(l)
			var dh, rh [64]uint32
			HLLDenseHistogram(dense, &dh)
			HLLRawHistogram(regs, &rh)
			restore()
			if dh != *want || rh != *want {
				t.Fatalf("level %v:\ndense %v\n  raw %v\n want %v", l, dh, rh, *want)
			}
		}
	})
}

func FuzzHLLMerge(f *testing.F) {
	f.Add([]byte{}, []byte{})
	f.Add([]byte{0xff}, []byte{1, 2})
	f.Add([]byte{9, 200, 3}, []byte{70, 0, 255})
	f.Fuzz(func(t *testing.T, data, init []byte) {
		dense := fuzzDense(data)
		regs := refUnpack(dense)
		var start [HLLRegisters]uint8
		copy(start[:], fuzzDense(init))
		for _, l := range levels() {
			restore := SetLevel(l)
			m := start
			HLLDenseMerge(&m, dense)
			var u [HLLRegisters]uint8
			HLLDenseUnpack(&u, dense)
			restore()
			for i := range m {
				if want := max(start[i], regs[i]); m[i] != want {
					t.Fatalf("level %v: register %d = %d, want %d", l, i, m[i], want)
				}
			}
			if u != *regs {
				t.Fatalf("level %v: unpack differs at register %d", l, firstDiff(u[:], regs[:]))
			}
		}
	})
}

func FuzzHLLPack(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{63, 0, 64, 255})
	f.Fuzz(func(t *testing.T, data []byte) {
		var regs [HLLRegisters]uint8
		copy(regs[:], fuzzDense(data))
		copy(regs[HLLDenseBytes:], fuzzDense(append(data, 1)))
		want := refPack(&regs)
		for _, l := range levels() {
			restore := SetLevel(l)
			got := make([]byte, HLLDenseBytes)
			HLLDensePack(got, &regs)
			restore()
			if !bytes.Equal(got, want) {
				t.Fatalf("level %v: differs at byte %d", l, firstDiff(got, want))
			}
		}
	})
}

// benchHLLs returns three dense HyperLogLogs of about a million elements
// each, the shape PFCOUNT and PFMERGE see in practice, and one of random
// bytes, the worst case for the histogram (all 64 values present).
func benchHLLs() (real [3][]byte, random []byte) {
	for i := range real {
		real[i] = refPack(simHLL(1000000, uint64(100+i)))
	}
	return real, hllInputs()["random"]
}

var sinkHist [64]uint32

func BenchmarkHLLDenseHistogram(b *testing.B) {
	real, random := benchHLLs()
	for _, in := range []struct {
		name  string
		dense []byte
	}{{"hll1M", real[0]}, {"random", random}} {
		for _, l := range append([]Level{LevelGeneric}, simdLevels...) {
			benchRun(b, "data="+in.name+"/impl="+l.String(), l, HLLDenseBytes, func(b *testing.B) {
				for b.Loop() {
					HLLDenseHistogram(in.dense, &sinkHist)
				}
			})
		}
	}
}

func BenchmarkHLLRawHistogram(b *testing.B) {
	real, random := benchHLLs()
	for _, in := range []struct {
		name string
		regs *[HLLRegisters]uint8
	}{{"hll1M", refUnpack(real[0])}, {"random", refUnpack(random)}} {
		for _, l := range append([]Level{LevelGeneric}, simdLevels...) {
			benchRun(b, "data="+in.name+"/impl="+l.String(), l, HLLRegisters, func(b *testing.B) {
				for b.Loop() {
					HLLRawHistogram(in.regs, &sinkHist)
				}
			})
		}
	}
}

func BenchmarkHLLMerge(b *testing.B) {
	real, _ := benchHLLs()
	var m [HLLRegisters]uint8
	// LevelAVX512 runs the AVX2 kernels.
	for _, l := range []Level{LevelGeneric, LevelAVX2} {
		benchRun(b, "impl="+l.String(), l, HLLDenseBytes, func(b *testing.B) {
			for b.Loop() {
				HLLDenseMerge(&m, real[0])
			}
		})
	}
}

func BenchmarkHLLPack(b *testing.B) {
	real, _ := benchHLLs()
	regs := refUnpack(real[0])
	dst := make([]byte, HLLDenseBytes)
	// LevelAVX512 runs the AVX2 kernels.
	for _, l := range []Level{LevelGeneric, LevelAVX2} {
		benchRun(b, "impl="+l.String(), l, HLLDenseBytes, func(b *testing.B) {
			for b.Loop() {
				HLLDensePack(dst, regs)
			}
		})
	}
}

// BenchmarkPFCount3 is the register work of PFCOUNT over three dense keys:
// merge each into a zeroed array, then the histogram of the result.
func BenchmarkPFCount3(b *testing.B) {
	real, _ := benchHLLs()
	for _, l := range append([]Level{LevelGeneric}, simdLevels...) {
		benchRun(b, "impl="+l.String(), l, 3*HLLDenseBytes, func(b *testing.B) {
			for b.Loop() {
				var m [HLLRegisters]uint8
				for _, d := range real {
					HLLDenseMerge(&m, d)
				}
				HLLRawHistogram(&m, &sinkHist)
			}
		})
	}
}

// BenchmarkPFMerge3 is the register work of PFMERGE dest src1 src2 with all
// three dense: merge the three, then write the result back packed.
func BenchmarkPFMerge3(b *testing.B) {
	real, _ := benchHLLs()
	dst := make([]byte, HLLDenseBytes)
	// LevelAVX512 runs the AVX2 kernels.
	for _, l := range []Level{LevelGeneric, LevelAVX2} {
		benchRun(b, "impl="+l.String(), l, 3*HLLDenseBytes, func(b *testing.B) {
			for b.Loop() {
				var m [HLLRegisters]uint8
				for _, d := range real {
					HLLDenseMerge(&m, d)
				}
				HLLDensePack(dst, &m)
			}
		})
	}
}
