//go:build !purego

#include "textflag.h"

// BITOP3 applies OP to 32-byte blocks of a and b into dst, 128 bytes per
// step while it can. A block is loaded whole before its result is stored,
// so dst may be a or b.
#define BITOP3(OP) \
	MOVQ dst_base+0(FP), DI \
	MOVQ dst_len+8(FP), CX \
	MOVQ a_base+24(FP), SI \
	MOVQ b_base+48(FP), DX \
	SHRQ $5, CX \
	JZ   done \
	CMPQ CX, $4 \
	JB   loop32 \
loop128: \
	VMOVDQU (SI), Y0 \
	VMOVDQU 32(SI), Y1 \
	VMOVDQU 64(SI), Y2 \
	VMOVDQU 96(SI), Y3 \
	OP      (DX), Y0, Y0 \
	OP      32(DX), Y1, Y1 \
	OP      64(DX), Y2, Y2 \
	OP      96(DX), Y3, Y3 \
	VMOVDQU Y0, (DI) \
	VMOVDQU Y1, 32(DI) \
	VMOVDQU Y2, 64(DI) \
	VMOVDQU Y3, 96(DI) \
	ADDQ    $128, SI \
	ADDQ    $128, DX \
	ADDQ    $128, DI \
	SUBQ    $4, CX \
	CMPQ    CX, $4 \
	JAE     loop128 \
	TESTQ   CX, CX \
	JZ      done \
loop32: \
	VMOVDQU (SI), Y0 \
	OP      (DX), Y0, Y0 \
	VMOVDQU Y0, (DI) \
	ADDQ    $32, SI \
	ADDQ    $32, DX \
	ADDQ    $32, DI \
	DECQ    CX \
	JNZ     loop32 \
done: \
	VZEROUPPER \
	RET

// func andAVX2(dst, a, b []byte)
TEXT ·andAVX2(SB), NOSPLIT, $0-72
	BITOP3(VPAND)

// func orAVX2(dst, a, b []byte)
TEXT ·orAVX2(SB), NOSPLIT, $0-72
	BITOP3(VPOR)

// func xorAVX2(dst, a, b []byte)
TEXT ·xorAVX2(SB), NOSPLIT, $0-72
	BITOP3(VPXOR)

// func notAVX2(dst, src []byte)
TEXT ·notAVX2(SB), NOSPLIT, $0-48
	MOVQ    dst_base+0(FP), DI
	MOVQ    dst_len+8(FP), CX
	MOVQ    src_base+24(FP), SI
	VPCMPEQB Y15, Y15, Y15
	SHRQ    $5, CX
	JZ      done
	CMPQ    CX, $4
	JB      loop32

loop128:
	VPXOR   (SI), Y15, Y0
	VPXOR   32(SI), Y15, Y1
	VPXOR   64(SI), Y15, Y2
	VPXOR   96(SI), Y15, Y3
	VMOVDQU Y0, (DI)
	VMOVDQU Y1, 32(DI)
	VMOVDQU Y2, 64(DI)
	VMOVDQU Y3, 96(DI)
	ADDQ    $128, SI
	ADDQ    $128, DI
	SUBQ    $4, CX
	CMPQ    CX, $4
	JAE     loop128
	TESTQ   CX, CX
	JZ      done

loop32:
	VPXOR   (SI), Y15, Y0
	VMOVDQU Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	DECQ    CX
	JNZ     loop32

done:
	VZEROUPPER
	RET
