//go:build !purego

#include "textflag.h"

// func firstNotAVX2(b []byte, pat byte) int
TEXT ·firstNotAVX2(SB), NOSPLIT, $0-40
	MOVQ         b_base+0(FP), SI
	MOVQ         b_len+8(FP), CX
	MOVBLZX      pat+24(FP), AX
	VMOVD        AX, X0
	VPBROADCASTB X0, Y0          // pattern
	VPXOR        Y7, Y7, Y7      // zero
	MOVQ         SI, DI          // start, for the returned index

	CMPQ CX, $128
	JB   loop32check

loop128:
	VPXOR  (SI), Y0, Y1
	VPXOR  32(SI), Y0, Y2
	VPXOR  64(SI), Y0, Y3
	VPXOR  96(SI), Y0, Y4
	VPOR   Y1, Y2, Y5
	VPOR   Y3, Y4, Y6
	VPOR   Y5, Y6, Y5
	VPTEST Y5, Y5
	JNZ    found128
	ADDQ   $128, SI
	SUBQ   $128, CX
	CMPQ   CX, $128
	JAE    loop128

loop32check:
	CMPQ CX, $32
	JB   tail

loop32:
	VPXOR  (SI), Y0, Y1
	VPTEST Y1, Y1
	JNZ    found32
	ADDQ   $32, SI
	SUBQ   $32, CX
	CMPQ   CX, $32
	JAE    loop32

tail:
	// Fewer than 32 bytes left: look at the last 32 bytes of b. Those
	// before SI are already known to match, so the first mismatch found is
	// the first in b.
	TESTQ  CX, CX
	JZ     notfound
	LEAQ   -32(SI)(CX*1), SI
	VPXOR  (SI), Y0, Y1
	VPTEST Y1, Y1
	JNZ    found32

notfound:
	MOVQ $-1, ret+32(FP)
	VZEROUPPER
	RET

found128:
	VPCMPEQB  Y7, Y1, Y1
	VPMOVMSKB Y1, AX
	NOTL      AX
	TESTL     AX, AX
	JNZ       index
	ADDQ      $32, SI
	VPCMPEQB  Y7, Y2, Y2
	VPMOVMSKB Y2, AX
	NOTL      AX
	TESTL     AX, AX
	JNZ       index
	ADDQ      $32, SI
	VPCMPEQB  Y7, Y3, Y3
	VPMOVMSKB Y3, AX
	NOTL      AX
	TESTL     AX, AX
	JNZ       index
	ADDQ      $32, SI
	VPCMPEQB  Y7, Y4, Y1
	JMP       mask

found32:
	VPCMPEQB Y7, Y1, Y1

mask:
	VPMOVMSKB Y1, AX
	NOTL      AX

index:
	BSFL AX, AX
	ADDQ SI, AX
	SUBQ DI, AX
	MOVQ AX, ret+32(FP)
	VZEROUPPER
	RET
