// Package simd holds the vector kernels behind BITCOUNT, BITPOS, BITOP,
// PFCOUNT, PFMERGE and the batch executor's prefetch, each with a pure-Go
// twin that computes the same result.
//
// # Kernels
//
//   - Popcount counts the bits set in a byte string, for BITCOUNT. AVX2 runs
//     Harley-Seal carry-save adders over a nibble table (VPSHUFB, VPSADBW);
//     AVX-512 runs VPOPCNTQ, the tail with a masked load.
//   - FirstSet and FirstClear find the first byte that is not 0x00 or not
//     0xff, for BITPOS, which then finds the bit in that byte itself.
//   - BitopAnd, BitopOr, BitopXor and BitopNot compute BITOP over sources
//     padded with zeros to the longest.
//   - HLLDenseHistogram and HLLRawHistogram count HyperLogLog registers by
//     value, the input of the cardinality estimator in PFCOUNT (one dense key,
//     and several keys merged). HLLDenseMerge takes the register-wise maximum
//     of a dense key into an unpacked array (PFCOUNT of several keys,
//     PFMERGE); HLLDenseUnpack and HLLDensePack convert between the dense
//     layout and one register per byte (PFMERGE writes its result with
//     HLLDensePack). The dense layout is Valkey's: 16384 registers of 6 bits,
//     packed little-endian, 12288 bytes after the 16-byte header.
//   - Prefetch and PrefetchN issue PREFETCHT0, so the batch executor can
//     start the cache misses of a whole batch of keys before touching any.
//
// The kernels keep no state and allocate nothing; any goroutine may call
// them. The twins (popcountGeneric, hllDenseMergeGeneric, ...) are built on
// every platform, so tests cross-check each kernel against its twin; a kernel
// that does not beat its twin in its benchmark does not stay.
//
// # Dispatch
//
// At start-up the package picks the widest level the CPU has, using
// github.com/klauspost/cpuid/v2: LevelAVX512 on CPUs of the Ice Lake and
// Zen 4 class (AVX512F, BW, VPOPCNTDQ, VBMI, BITALG and GFNI), else
// LevelAVX2 if the CPU has AVX2, else LevelGeneric. At LevelAVX512 only
// popcount and the HyperLogLog histograms use AVX-512; the other kernels are
// limited by memory, not width, and run their AVX2 versions. Builds for
// other architectures, or with the purego tag, contain no assembly and run
// the twins.
//
// The environment variable VOLLEY_SIMD, read once at start-up, overrides the
// choice: "off" (or "0", "false", "no", "generic", "none", or any value not
// listed here) turns every kernel off, "avx2" stops at AVX2, and "", "on",
// "auto" or "avx512" keep the widest the CPU has. Active reports the level
// in use and Describe a line for INFO and the log. SetLevel switches the
// level at run time, never past what the CPU and VOLLEY_SIMD allow, and
// returns a function that switches it back: tests use it to force the
// fallback, and PFDEBUG SIMD ON|OFF can use it as Valkey's does.
package simd
