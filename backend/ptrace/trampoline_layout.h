/* The return trampoline's layout (trampoline.h), as plain macros: shared by trampoline.S, which
 * is the code, and trampoline.h, which gives the same numbers to C++. */
#ifndef PTVM_TRAMPOLINE_LAYOUT_H
#define PTVM_TRAMPOLINE_LAYOUT_H

/* Block k of the code is at code + PTVM_TR_BLOCK * k, its slot at code + PTVM_TR_CODE +
 * PTVM_TR_BLOCK * k: a block reaches its slot at the same distance whatever its k, so one
 * assembled block serves them all. */
#define PTVM_TR_BLOCK 512
#define PTVM_TR_BLOCKS 128
#define PTVM_TR_CODE (PTVM_TR_BLOCK * PTVM_TR_BLOCKS)

/* Entries (the address the call returns to) and the restarts before them. */
#define PTVM_TR_RESTART_RESULT 0
#define PTVM_TR_RESULT 2
#define PTVM_TR_RESTART_SUCCESS 11
#define PTVM_TR_SUCCESS 13
#define PTVM_TR_TRAPPED 34
#define PTVM_TR_RESTART_COPY_RESULT 48
#define PTVM_TR_COPY_RESULT 50
#define PTVM_TR_RESTART_COPY_FIXED 83
#define PTVM_TR_COPY_FIXED 85
#define PTVM_TR_COPY_END 227
#define PTVM_TR_RESTART_RESTORE 232
#define PTVM_TR_RESTORE 234
#define PTVM_TR_RESTORE_END 291

/* In a slot. */
#define PTVM_TR_RESULT_AT 0
#define PTVM_TR_RETURN_AT 8
#define PTVM_TR_REQUEST0_AT 16
#define PTVM_TR_REQUEST1_AT 32
#define PTVM_TR_RDX_AT 48
#define PTVM_TR_RDI_AT 56
#define PTVM_TR_RSI_AT 64
#define PTVM_TR_DATA_AT 80
/* The restore entry's six registers: below the program's stack pointer, under its red zone (128
 * bytes), where ptvm writes them with the call's translated path (scratch memory starts below). */
#define PTVM_TR_ARGS_BELOW_SP 176

#endif
