//go:build !purego

#include "textflag.h"

// Dense registers come 4 to every 3 bytes b0 b1 b2; as the 24-bit number
// w = b0 | b1<<8 | b2<<16 they are w>>0, w>>6, w>>12 and w>>18, 6 bits each.
// One vector of 32 registers comes from 24 bytes: 12 per 128-bit lane.

// Spread each lane's bytes 0..11 into dwords [b0 b1 b2 0].
DATA hllSpread0<>+0x00(SB)/8, $0x8005040380020100
DATA hllSpread0<>+0x08(SB)/8, $0x800b0a0980080706
DATA hllSpread0<>+0x10(SB)/8, $0x8005040380020100
DATA hllSpread0<>+0x18(SB)/8, $0x800b0a0980080706
GLOBL hllSpread0<>(SB), RODATA|NOPTR, $32

// The same from each lane's bytes 4..15, for the last 24 bytes, which are
// loaded from 4 bytes earlier so as not to read past the end.
DATA hllSpread4<>+0x00(SB)/8, $0x8009080780060504
DATA hllSpread4<>+0x08(SB)/8, $0x800f0e0d800c0b0a
DATA hllSpread4<>+0x10(SB)/8, $0x8009080780060504
DATA hllSpread4<>+0x18(SB)/8, $0x800f0e0d800c0b0a
GLOBL hllSpread4<>(SB), RODATA|NOPTR, $32

// Keep each lane's packed bytes 0-2, 4-6, 8-10, 12-14 at the front.
DATA hllGather<>+0x00(SB)/8, $0x0908060504020100
DATA hllGather<>+0x08(SB)/8, $0x808080800e0d0c0a
DATA hllGather<>+0x10(SB)/8, $0x0908060504020100
DATA hllGather<>+0x18(SB)/8, $0x808080800e0d0c0a
GLOBL hllGather<>(SB), RODATA|NOPTR, $32

// Dwords 0-2 (lane 0) and 4-6 (lane 1) make the 24 packed bytes.
DATA hllJoin<>+0x00(SB)/8, $0x0000000100000000
DATA hllJoin<>+0x08(SB)/8, $0x0000000400000002
DATA hllJoin<>+0x10(SB)/8, $0x0000000600000005
DATA hllJoin<>+0x18(SB)/8, $0x0000000700000003
GLOBL hllJoin<>(SB), RODATA|NOPTR, $32

// BROADCAST fills Y with copies of the 32-bit constant C.
#define BROADCAST(C, X, Y) \
	MOVL         C, AX \
	VMOVD        AX, X \
	VPBROADCASTD X, Y

// UNPACK turns the dwords [b0 b1 b2 0] that SPREAD makes of Y0 into the four
// registers [w&63, w>>6&63, w>>12&63, w>>18&63], in Y0.
//   - register 1 sits at bits 6..11 of the low word and register 3 at bits
//     2..7 of the high word: masked by Y13 and multiplied by 4 and 64 (Y12)
//     they land at bits 8..13 of their words;
//   - register 0 is bits 0..5 of the low word already, and register 2 is
//     bits 12..17 of the dword, so bits 0..5 of the high word once the dword
//     is shifted left by 4: a word blend picks the two, and Y11 masks them.
#define UNPACK(SPREAD) \
	VPSHUFB  SPREAD, Y0, Y0 \
	VPAND    Y13, Y0, Y1 \
	VPMULLW  Y12, Y1, Y1 \
	VPSLLD   $4, Y0, Y2 \
	VPBLENDW $0xaa, Y2, Y0, Y2 \
	VPAND    Y11, Y2, Y2 \
	VPOR     Y1, Y2, Y0

#define UNPACK_CONSTANTS \
	VMOVDQU hllSpread0<>(SB), Y15 \
	VMOVDQU hllSpread4<>(SB), Y14 \
	BROADCAST($0x00fc0fc0, X13, Y13) \
	BROADCAST($0x00400004, X12, Y12) \
	BROADCAST($0x003f003f, X11, Y11)

// HLL_WALK runs STORE on the 32 registers of each 24 bytes of SI, leaving
// DI at the matching 32 bytes of output. Lane 0 is loaded from SI and lane
// 1 from SI+12, except for the last 24 bytes, where the loads start 4 bytes
// earlier and the spread skips them.
#define HLL_WALK(STORE) \
	UNPACK_CONSTANTS \
	MOVQ $511, CX \
loop: \
	VMOVDQU     (SI), X0 \
	VINSERTI128 $1, 12(SI), Y0, Y0 \
	UNPACK(Y15) \
	STORE \
	ADDQ $24, SI \
	ADDQ $32, DI \
	DECQ CX \
	JNZ  loop \
	VMOVDQU     -4(SI), X0 \
	VINSERTI128 $1, 8(SI), Y0, Y0 \
	UNPACK(Y14) \
	STORE \
	VZEROUPPER \
	RET

#define STORE_MAX \
	VPMAXUB (DI), Y0, Y0 \
	VMOVDQU Y0, (DI)

#define STORE_PLAIN \
	VMOVDQU Y0, (DI)

// func hllMergeAVX2(maxRegs *[16384]uint8, regs *[12288]byte)
TEXT ·hllMergeAVX2(SB), NOSPLIT, $0-16
	MOVQ maxRegs+0(FP), DI
	MOVQ regs+8(FP), SI
	HLL_WALK(STORE_MAX)

// func hllUnpackAVX2(dst *[16384]uint8, regs *[12288]byte)
TEXT ·hllUnpackAVX2(SB), NOSPLIT, $0-16
	MOVQ dst+0(FP), DI
	MOVQ regs+8(FP), SI
	HLL_WALK(STORE_PLAIN)

// PACK packs the 32 registers at SI into 24 bytes at the bottom of Y0:
// VPMADDUBSW makes words r0 + r1<<6 and r2 + r3<<6, VPMADDWD joins each pair
// into w = r0 | r1<<6 | r2<<12 | r3<<18, and two shuffles squeeze out the
// top byte of every dword.
#define PACK \
	VPAND      (SI), Y15, Y0 \
	VPMADDUBSW Y14, Y0, Y0 \
	VPMADDWD   Y13, Y0, Y0 \
	VPSHUFB    Y12, Y0, Y0 \
	VPERMD     Y0, Y11, Y0

// func hllPackAVX2(dst *[12288]byte, regs *[16384]uint8)
TEXT ·hllPackAVX2(SB), NOSPLIT, $0-16
	MOVQ    dst+0(FP), DI
	MOVQ    regs+8(FP), SI
	BROADCAST($0x3f3f3f3f, X15, Y15)
	BROADCAST($0x40014001, X14, Y14)
	BROADCAST($0x10000001, X13, Y13)
	VMOVDQU hllGather<>(SB), Y12
	VMOVDQU hllJoin<>(SB), Y11
	MOVQ    $511, CX

loop:
	// 32 bytes stored, of which the next step overwrites the last 8.
	PACK
	VMOVDQU Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $24, DI
	DECQ    CX
	JNZ     loop

	// The last step stores exactly 24 bytes.
	PACK
	VMOVDQU      X0, (DI)
	VEXTRACTI128 $1, Y0, X1
	VMOVQ        X1, 16(DI)
	VZEROUPPER
	RET

// HFOLD folds, with OP, the 32 bytes of Y into byte 0 of X; X2 is scratch.
#define HFOLD(OP, Y, X) \
	VEXTRACTI128 $1, Y, X2 \
	OP           X2, X, X \
	VPSRLDQ      $8, X, X2 \
	OP           X2, X, X \
	VPSRLDQ      $4, X, X2 \
	OP           X2, X, X \
	VPSRLDQ      $2, X, X2 \
	OP           X2, X, X \
	VPSRLDQ      $1, X, X2 \
	OP           X2, X, X

// func hllMinMaxAVX2(regs *[16384]uint8) (lo, hi uint8)
TEXT ·hllMinMaxAVX2(SB), NOSPLIT, $0-10
	MOVQ     regs+0(FP), SI
	VPCMPEQB Y0, Y0, Y0
	VPXOR    Y1, Y1, Y1
	VMOVDQU  Y0, Y2
	VMOVDQU  Y1, Y3
	MOVQ     $256, CX

loop:
	VMOVDQU (SI), Y4
	VMOVDQU 32(SI), Y5
	VPMINUB Y4, Y0, Y0
	VPMAXUB Y4, Y1, Y1
	VPMINUB Y5, Y2, Y2
	VPMAXUB Y5, Y3, Y3
	ADDQ    $64, SI
	DECQ    CX
	JNZ     loop

	VPMINUB Y2, Y0, Y0
	VPMAXUB Y3, Y1, Y1
	HFOLD(VPMINUB, Y0, X0)
	HFOLD(VPMAXUB, Y1, X1)
	VMOVD   X0, AX
	MOVB    AX, lo+8(FP)
	VMOVD   X1, AX
	MOVB    AX, hi+9(FP)
	VZEROUPPER
	RET

// FLUSH adds the byte counters of Y (X its low half) to the 32-bit count at
// off(DI) and leaves Y zero for the next block. Y9 must be zero; X10 is
// scratch.
#define FLUSH(Y, X, off) \
	VPSADBW      Y9, Y, Y \
	VEXTRACTI128 $1, Y, X10 \
	VPADDQ       X10, X, X \
	VPSHUFD      $0x4e, X, X10 \
	VPADDQ       X10, X, X \
	VMOVD        X, AX \
	ADDL         AX, off(DI) \
	VPXOR        Y, Y, Y

#define COUNT(off, ACC) \
	VPCMPEQB off(SP), Y8, Y9 \
	VPSUBB   Y9, ACC, ACC

// func hllCount8AVX2(regs *[16384]uint8, lo int, counts *[8]uint32)
//
// Y0..Y7 count, per byte lane, the registers equal to lo..lo+7: a compare
// gives -1 where equal, subtracted it adds one. A byte lane sees one
// register per step, so the counters are flushed every 128 steps, before
// they could wrap. The eight compare values live in the frame.
TEXT ·hllCount8AVX2(SB), NOSPLIT, $256-24
	MOVQ         regs+0(FP), SI
	MOVQ         lo+8(FP), AX
	MOVQ         counts+16(FP), DI
	VMOVD        AX, X8
	VPBROADCASTB X8, Y8
	VPCMPEQB     Y9, Y9, Y9
	VMOVDQU      Y8, 0(SP)
	VPSUBB       Y9, Y8, Y8
	VMOVDQU      Y8, 32(SP)
	VPSUBB       Y9, Y8, Y8
	VMOVDQU      Y8, 64(SP)
	VPSUBB       Y9, Y8, Y8
	VMOVDQU      Y8, 96(SP)
	VPSUBB       Y9, Y8, Y8
	VMOVDQU      Y8, 128(SP)
	VPSUBB       Y9, Y8, Y8
	VMOVDQU      Y8, 160(SP)
	VPSUBB       Y9, Y8, Y8
	VMOVDQU      Y8, 192(SP)
	VPSUBB       Y9, Y8, Y8
	VMOVDQU      Y8, 224(SP)

	VPXOR Y0, Y0, Y0
	VPXOR Y1, Y1, Y1
	VPXOR Y2, Y2, Y2
	VPXOR Y3, Y3, Y3
	VPXOR Y4, Y4, Y4
	VPXOR Y5, Y5, Y5
	VPXOR Y6, Y6, Y6
	VPXOR Y7, Y7, Y7
	MOVQ  $4, DX

block:
	MOVQ $128, CX

step:
	VMOVDQU (SI), Y8
	COUNT(0, Y0)
	COUNT(32, Y1)
	COUNT(64, Y2)
	COUNT(96, Y3)
	COUNT(128, Y4)
	COUNT(160, Y5)
	COUNT(192, Y6)
	COUNT(224, Y7)
	ADDQ $32, SI
	DECQ CX
	JNZ  step

	VPXOR Y9, Y9, Y9
	FLUSH(Y0, X0, 0)
	FLUSH(Y1, X1, 4)
	FLUSH(Y2, X2, 8)
	FLUSH(Y3, X3, 12)
	FLUSH(Y4, X4, 16)
	FLUSH(Y5, X5, 20)
	FLUSH(Y6, X6, 24)
	FLUSH(Y7, X7, 28)
	DECQ DX
	JNZ  block

	VZEROUPPER
	RET

// The AVX-512 histogram (Ice Lake, Zen 4 and later: VBMI, GFNI, BITALG)
// counts 32 values in one pass, without a compare per value. The values
// 32h..32h+31 of half h fall in four groups of eight, 8a+k. For each group,
// VPERMB looks each register up in a table that gives the byte 1<<k for the
// values of the group and 0 for the rest; in each qword those 8 bytes are
// an 8x8 bit matrix, one row per register. VGF2P8AFFINEQB against the bytes
// 1<<k transposes it, so that byte k holds one bit per register of value
// 8a+k, and VPOPCNTB turns that into the count, added to the group's byte
// counters. Every 16 steps (at most 8*16 per byte) the counters are widened
// into 16-bit counts in memory, 64 per group: [lane][k]. Values of 32 and
// up only turn up past a billion elements, so the caller runs the second
// half only if the first saw one.

// hllOneHot<>+56-8a is the table for group a of 0..7: qword a holds the
// bytes 1<<k, the others zero. Its qword 7 is also the transposing matrix.
DATA hllOneHot<>+0x00(SB)/8, $0
DATA hllOneHot<>+0x08(SB)/8, $0
DATA hllOneHot<>+0x10(SB)/8, $0
DATA hllOneHot<>+0x18(SB)/8, $0
DATA hllOneHot<>+0x20(SB)/8, $0
DATA hllOneHot<>+0x28(SB)/8, $0
DATA hllOneHot<>+0x30(SB)/8, $0
DATA hllOneHot<>+0x38(SB)/8, $0x8040201008040201
DATA hllOneHot<>+0x40(SB)/8, $0
DATA hllOneHot<>+0x48(SB)/8, $0
DATA hllOneHot<>+0x50(SB)/8, $0
DATA hllOneHot<>+0x58(SB)/8, $0
DATA hllOneHot<>+0x60(SB)/8, $0
DATA hllOneHot<>+0x68(SB)/8, $0
DATA hllOneHot<>+0x70(SB)/8, $0
GLOBL hllOneHot<>(SB), RODATA|NOPTR, $120

// hllSpread48<> gives qword j the 6 bytes 6j..6j+5 of 48 packed bytes (the
// last two bytes of each qword are don't-cares), and hllShift48<> takes
// register t of the qword from bits 6t..6t+7. VPERMB only looks at the low
// 6 bits of an index, so the 2 bits of the next register that come along
// do no harm.
DATA hllSpread48<>+0x00(SB)/8, $0x0505050403020100
DATA hllSpread48<>+0x08(SB)/8, $0x0b0b0b0a09080706
DATA hllSpread48<>+0x10(SB)/8, $0x111111100f0e0d0c
DATA hllSpread48<>+0x18(SB)/8, $0x1717171615141312
DATA hllSpread48<>+0x20(SB)/8, $0x1d1d1d1c1b1a1918
DATA hllSpread48<>+0x28(SB)/8, $0x2323232221201f1e
DATA hllSpread48<>+0x30(SB)/8, $0x2929292827262524
DATA hllSpread48<>+0x38(SB)/8, $0x2f2f2f2e2d2c2b2a
GLOBL hllSpread48<>(SB), RODATA|NOPTR, $64

DATA hllShift48<>+0x00(SB)/8, $0x2a241e18120c0600
DATA hllShift48<>+0x08(SB)/8, $0x2a241e18120c0600
DATA hllShift48<>+0x10(SB)/8, $0x2a241e18120c0600
DATA hllShift48<>+0x18(SB)/8, $0x2a241e18120c0600
DATA hllShift48<>+0x20(SB)/8, $0x2a241e18120c0600
DATA hllShift48<>+0x28(SB)/8, $0x2a241e18120c0600
DATA hllShift48<>+0x30(SB)/8, $0x2a241e18120c0600
DATA hllShift48<>+0x38(SB)/8, $0x2a241e18120c0600
GLOBL hllShift48<>(SB), RODATA|NOPTR, $64

#define HIST_GROUP(LUT, ACC, T1, T2) \
	VPERMB         LUT, Z17, T1 \
	VGF2P8AFFINEQB $0, T1, Z16, T2 \
	VPOPCNTB       T2, T2 \
	VPADDB         T2, ACC, ACC

// HIST_FLUSH widens the 64 byte counters of a group (Z, Y its low half) and
// adds them to the 16-bit counts at off(DI).
#define HIST_FLUSH(Z, Y, off) \
	VPMOVZXBW     Y, Z30 \
	VPADDW        off(DI), Z30, Z30 \
	VMOVDQU16     Z30, off(DI) \
	VEXTRACTI64X4 $1, Z, Y31 \
	VPMOVZXBW     Y31, Z31 \
	VPADDW        off+64(DI), Z31, Z31 \
	VMOVDQU16     Z31, off+64(DI) \
	VPXORQ        Z, Z, Z

// HIST512 runs LOAD, which leaves 64 registers in Z17 and advances SI, 256
// times, 16 blocks of 16 steps, and returns whether any register had bit 5
// set. AX holds the half.
#define HIST512(LOAD) \
	SHLQ          $5, AX \
	NEGQ          AX \
	LEAQ          hllOneHot<>+56(SB), BX \
	ADDQ          AX, BX \
	VMOVDQU64     0(BX), Z8 \
	VMOVDQU64     -8(BX), Z9 \
	VMOVDQU64     -16(BX), Z10 \
	VMOVDQU64     -24(BX), Z11 \
	VPBROADCASTQ  hllOneHot<>+56(SB), Z16 \
	VPXORQ        Z0, Z0, Z0 \
	VPXORQ        Z1, Z1, Z1 \
	VPXORQ        Z2, Z2, Z2 \
	VPXORQ        Z3, Z3, Z3 \
	VPXORQ        Z28, Z28, Z28 \
	MOVQ          $16, DX \
block: \
	MOVQ $16, CX \
step: \
	LOAD \
	VPORQ Z17, Z28, Z28 \
	HIST_GROUP(Z8, Z0, Z18, Z19) \
	HIST_GROUP(Z9, Z1, Z20, Z21) \
	HIST_GROUP(Z10, Z2, Z22, Z23) \
	HIST_GROUP(Z11, Z3, Z24, Z25) \
	DECQ CX \
	JNZ  step \
	HIST_FLUSH(Z0, Y0, 0) \
	HIST_FLUSH(Z1, Y1, 128) \
	HIST_FLUSH(Z2, Y2, 256) \
	HIST_FLUSH(Z3, Y3, 384) \
	DECQ DX \
	JNZ  block \
	MOVL         $0x20, AX \
	VPBROADCASTB AX, Z29 \
	VPTESTMB     Z29, Z28, K2 \
	KORTESTQ     K2, K2 \
	SETNE        ret+24(FP) \
	VZEROUPPER \
	RET

#define LOAD_RAW \
	VMOVDQU64 (SI), Z17 \
	ADDQ      $64, SI

// The 48 bytes of 64 dense registers, read with a mask so that the last
// step does not read past the end. Bits 6 and 7 of each register are the
// next register's, which VPERMB ignores but the bit-5 check must not see.
#define LOAD_DENSE \
	VMOVDQU8.Z     (SI), K1, Z17 \
	VPERMB         Z17, Z26, Z17 \
	VPMULTISHIFTQB Z17, Z27, Z17 \
	VPANDQ         Z15, Z17, Z17 \
	ADDQ           $48, SI

// func hllHistAVX512(regs *[16384]uint8, half int, counts *[4][64]uint16) (high bool)
TEXT ·hllHistAVX512(SB), NOSPLIT, $0-25
	MOVQ regs+0(FP), SI
	MOVQ half+8(FP), AX
	MOVQ counts+16(FP), DI
	HIST512(LOAD_RAW)

// func hllDenseHistAVX512(regs *[12288]byte, half int, counts *[4][64]uint16) (high bool)
TEXT ·hllDenseHistAVX512(SB), NOSPLIT, $0-25
	MOVQ         regs+0(FP), SI
	MOVQ         half+8(FP), AX
	MOVQ         counts+16(FP), DI
	MOVQ         $0x0000ffffffffffff, BX
	KMOVQ        BX, K1
	VMOVDQU64    hllSpread48<>(SB), Z26
	VMOVDQU64    hllShift48<>(SB), Z27
	MOVL         $0x3f, BX
	VPBROADCASTB BX, Z15
	HIST512(LOAD_DENSE)
