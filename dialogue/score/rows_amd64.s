//go:build !purego

#include "textflag.h"

// func addRowsSSE(acc *[16]float32, base *float32, rows []int32)
//
// Four accumulators of four floats each hold the sixteen sums; ADDPS adds
// lane by lane with the rounding of the scalar ADDSS, so each sum is the
// one the Go loop gives, to the bit.
TEXT ·addRowsSSE(SB), NOSPLIT, $0-40
	MOVQ acc+0(FP), DI
	MOVQ base+8(FP), SI
	MOVQ rows_base+16(FP), BX
	MOVQ rows_len+24(FP), CX
	MOVUPS 0(DI), X0
	MOVUPS 16(DI), X1
	MOVUPS 32(DI), X2
	MOVUPS 48(DI), X3
	TESTQ CX, CX
	JEQ done

loop:
	MOVLQSX (BX), AX
	LEAQ (SI)(AX*4), AX
	MOVUPS 0(AX), X4
	MOVUPS 16(AX), X5
	MOVUPS 32(AX), X6
	MOVUPS 48(AX), X7
	ADDPS X4, X0
	ADDPS X5, X1
	ADDPS X6, X2
	ADDPS X7, X3
	ADDQ $4, BX
	DECQ CX
	JNE loop

done:
	MOVUPS X0, 0(DI)
	MOVUPS X1, 16(DI)
	MOVUPS X2, 32(DI)
	MOVUPS X3, 48(DI)
	RET
