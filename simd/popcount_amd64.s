//go:build !purego

#include "textflag.h"

// Nibble population counts, once per 128-bit lane for VPSHUFB.
DATA nibbleCount<>+0x00(SB)/8, $0x0302020102010100
DATA nibbleCount<>+0x08(SB)/8, $0x0403030203020201
DATA nibbleCount<>+0x10(SB)/8, $0x0302020102010100
DATA nibbleCount<>+0x18(SB)/8, $0x0403030203020201
GLOBL nibbleCount<>(SB), RODATA|NOPTR, $32

// CSA is a carry-save adder over 256 bits: L, H = low and high bits of
// L + A + B, bit by bit. H may be A; U is scratch.
#define CSA(L, A, B, H, U) \
	VPXOR A, L, U \
	VPAND A, L, H \
	VPXOR B, U, L \
	VPAND B, U, U \
	VPOR  U, H, H

// COUNT leaves in T2 the population count of V as four 64-bit lane sums.
// Y15 holds nibbleCount, Y14 the 0x0f mask, Y13 zero.
#define COUNT(V, T1, T2) \
	VPSRLW   $4, V, T1 \
	VPAND    Y14, V, T2 \
	VPAND    Y14, T1, T1 \
	VPSHUFB  T2, Y15, T2 \
	VPSHUFB  T1, Y15, T1 \
	VPADDB   T1, T2, T2 \
	VPSADBW  Y13, T2, T2

// func popcountAVX2(b []byte) uint64
//
// Harley-Seal: 512 bytes per step go through a tree of carry-save adders,
// and only the "sixteens" vector is counted with the nibble table; the
// ones, twos, fours and eights carry over and are counted once at the end.
TEXT ·popcountAVX2(SB), NOSPLIT, $0-32
	MOVQ b_base+0(FP), SI
	MOVQ b_len+8(FP), CX
	ANDQ $~31, CX
	JZ   empty

	VMOVDQU      nibbleCount<>(SB), Y15
	MOVL         $0x0f0f0f0f, AX
	VMOVD        AX, X14
	VPBROADCASTD X14, Y14
	VPXOR        Y13, Y13, Y13
	VPXOR        Y0, Y0, Y0   // ones
	VPXOR        Y1, Y1, Y1   // twos
	VPXOR        Y2, Y2, Y2   // fours
	VPXOR        Y3, Y3, Y3   // eights
	VPXOR        Y4, Y4, Y4   // sixteens, counted, as 64-bit lanes
	VPXOR        Y7, Y7, Y7   // byte counts of the last 32-byte blocks

	CMPQ CX, $512
	JB   loop32

hs512:
	VMOVDQU 0(SI), Y5
	VMOVDQU 32(SI), Y6
	CSA(Y0, Y5, Y6, Y7, Y8)
	VMOVDQU 64(SI), Y5
	VMOVDQU 96(SI), Y6
	CSA(Y0, Y5, Y6, Y9, Y8)
	CSA(Y1, Y7, Y9, Y10, Y8)
	VMOVDQU 128(SI), Y5
	VMOVDQU 160(SI), Y6
	CSA(Y0, Y5, Y6, Y7, Y8)
	VMOVDQU 192(SI), Y5
	VMOVDQU 224(SI), Y6
	CSA(Y0, Y5, Y6, Y9, Y8)
	CSA(Y1, Y7, Y9, Y11, Y8)
	CSA(Y2, Y10, Y11, Y12, Y8)

	VMOVDQU 256(SI), Y5
	VMOVDQU 288(SI), Y6
	CSA(Y0, Y5, Y6, Y7, Y8)
	VMOVDQU 320(SI), Y5
	VMOVDQU 352(SI), Y6
	CSA(Y0, Y5, Y6, Y9, Y8)
	CSA(Y1, Y7, Y9, Y10, Y8)
	VMOVDQU 384(SI), Y5
	VMOVDQU 416(SI), Y6
	CSA(Y0, Y5, Y6, Y7, Y8)
	VMOVDQU 448(SI), Y5
	VMOVDQU 480(SI), Y6
	CSA(Y0, Y5, Y6, Y9, Y8)
	CSA(Y1, Y7, Y9, Y11, Y8)
	CSA(Y2, Y10, Y11, Y10, Y8)

	CSA(Y3, Y12, Y10, Y12, Y8)
	COUNT(Y12, Y5, Y6)
	VPADDQ Y6, Y4, Y4

	ADDQ $512, SI
	SUBQ $512, CX
	CMPQ CX, $512
	JAE  hs512

combine:
	// total = 16*sixteens + 8*eights + 4*fours + 2*twos + ones
	VPSLLQ $4, Y4, Y4
	COUNT(Y3, Y5, Y6)
	VPSLLQ $3, Y6, Y6
	VPADDQ Y6, Y4, Y4
	COUNT(Y2, Y5, Y6)
	VPSLLQ $2, Y6, Y6
	VPADDQ Y6, Y4, Y4
	COUNT(Y1, Y5, Y6)
	VPSLLQ $1, Y6, Y6
	VPADDQ Y6, Y4, Y4
	COUNT(Y0, Y5, Y6)
	VPADDQ Y6, Y4, Y4
	VPXOR  Y7, Y7, Y7 // the adders used it

	TESTQ CX, CX
	JZ    reduce

	// Fewer than 16 blocks of 32 bytes are left: at most 8 bits per block
	// each, the byte counts cannot wrap.
loop32:
	VMOVDQU  (SI), Y0
	VPSRLW   $4, Y0, Y5
	VPAND    Y14, Y0, Y6
	VPAND    Y14, Y5, Y5
	VPSHUFB  Y6, Y15, Y6
	VPSHUFB  Y5, Y15, Y5
	VPADDB   Y5, Y6, Y6
	VPADDB   Y6, Y7, Y7
	ADDQ     $32, SI
	SUBQ     $32, CX
	JNZ      loop32

reduce:
	VPSADBW      Y13, Y7, Y7
	VPADDQ       Y7, Y4, Y4
	VEXTRACTI128 $1, Y4, X5
	VPADDQ       X5, X4, X4
	VPSHUFD      $0x4e, X4, X5
	VPADDQ       X5, X4, X4
	VMOVQ        X4, AX
	MOVQ         AX, ret+24(FP)
	VZEROUPPER
	RET

empty:
	MOVQ $0, ret+24(FP)
	RET

// func popcountAVX512(b []byte) uint64
TEXT ·popcountAVX512(SB), NOSPLIT, $0-32
	MOVQ b_base+0(FP), SI
	MOVQ b_len+8(FP), CX
	VPXORQ Z0, Z0, Z0
	VPXORQ Z1, Z1, Z1
	VPXORQ Z2, Z2, Z2
	VPXORQ Z3, Z3, Z3

	CMPQ CX, $256
	JB   tail64

loop256:
	VPOPCNTQ (SI), Z4
	VPOPCNTQ 64(SI), Z5
	VPOPCNTQ 128(SI), Z6
	VPOPCNTQ 192(SI), Z7
	VPADDQ   Z4, Z0, Z0
	VPADDQ   Z5, Z1, Z1
	VPADDQ   Z6, Z2, Z2
	VPADDQ   Z7, Z3, Z3
	ADDQ     $256, SI
	SUBQ     $256, CX
	CMPQ     CX, $256
	JAE      loop256

tail64:
	CMPQ CX, $64
	JB   tail

loop64:
	VPOPCNTQ (SI), Z4
	VPADDQ   Z4, Z0, Z0
	ADDQ     $64, SI
	SUBQ     $64, CX
	CMPQ     CX, $64
	JAE      loop64

tail:
	TESTQ CX, CX
	JZ    reduce
	// A masked load does not fault on the bytes it leaves out.
	MOVQ        $1, AX
	SHLQ        CX, AX
	DECQ        AX
	KMOVQ       AX, K1
	VMOVDQU8.Z  (SI), K1, Z4
	VPOPCNTQ    Z4, Z4
	VPADDQ      Z4, Z1, Z1

reduce:
	VPADDQ        Z1, Z0, Z0
	VPADDQ        Z3, Z2, Z2
	VPADDQ        Z2, Z0, Z0
	VEXTRACTI64X4 $1, Z0, Y1
	VPADDQ        Y1, Y0, Y0
	VEXTRACTI128  $1, Y0, X1
	VPADDQ        X1, X0, X0
	VPSHUFD       $0x4e, X0, X1
	VPADDQ        X1, X0, X0
	VMOVQ         X0, AX
	MOVQ          AX, ret+24(FP)
	VZEROUPPER
	RET
