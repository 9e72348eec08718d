/* The return trampoline's code: one block, copied by ptvm into each block of the code pages it
 * maps into a process (trampoline.h explains what each entry does and why). Assembled into
 * ptvm as data: never executed in ptvm itself. Every instruction is lea, mov, xchg or a jump:
 * the flags and every register but rax, rcx and r11 are the program's (the syscall instruction
 * leaves rcx and r11 clobbered natively). `slot` is this block's slot: the same distance from
 * any block (trampoline_layout.h). */
#include "backend/ptrace/trampoline_layout.h"

  .section .rodata.ptvm_trampoline, "a"
  .globl ptvm_trampoline_block
  .globl ptvm_trampoline_block_end
ptvm_trampoline_block:
  .set slot, ptvm_trampoline_block + PTVM_TR_CODE

/* see_result(): store the result, back to the program. */
  .org PTVM_TR_RESTART_RESULT, 0xcc
  syscall                                   /* a restart without a stop re-enters here */
  .org PTVM_TR_RESULT, 0xcc
result:
  mov %rax, slot + PTVM_TR_RESULT_AT(%rip)
  jmp *%rcx

/* see_exit_on_success(): is rax an error (-4095..-1)? Asked without touching the flags: the
 * bits of rax + 0x10000 above the low 16 are all zero for an error only. A success traps. */
  .org PTVM_TR_RESTART_SUCCESS, 0xcc
  syscall
  .org PTVM_TR_SUCCESS, 0xcc
  mov %rcx, slot + PTVM_TR_RESULT_AT(%rip)  /* the return address, kept while rcx tests */
  lea 0x10000(%rax), %rcx
  movw $0, %cx
  jrcxz 1f
  int3
  .org PTVM_TR_TRAPPED, 0xcc                /* SIGTRAP stops here: the call's exit */
  int3
1:
  mov slot + PTVM_TR_RESULT_AT(%rip), %rcx  /* a failure: on through `result` */
  jmp result

/* see_exit_copy() of at most as many bytes as the call returned (the bound in rdx). */
  .org PTVM_TR_RESTART_COPY_RESULT, 0xcc
  syscall
  .org PTVM_TR_COPY_RESULT, 0xcc
  mov %rax, slot + PTVM_TR_RESULT_AT(%rip)
  mov %rdx, slot + PTVM_TR_RDX_AT(%rip)
  mov %rax, %rdx
  mov %rdi, slot + PTVM_TR_RDI_AT(%rip)
  lea slot + PTVM_TR_REQUEST0_AT(%rip), %rdi
  jmp copy

/* see_exit_copy() of a fixed size (a struct): the bound is the request's size. */
  .org PTVM_TR_RESTART_COPY_FIXED, 0xcc
  syscall
  .org PTVM_TR_COPY_FIXED, 0xcc
  mov %rax, slot + PTVM_TR_RESULT_AT(%rip)
  mov %rdx, slot + PTVM_TR_RDX_AT(%rip)
  mov %rdi, slot + PTVM_TR_RDI_AT(%rip)
  lea slot + PTVM_TR_REQUEST1_AT(%rip), %rdi
  mov 8(%rdi), %rdx

/* rdi: the request (address, bytes); rdx: the bound. An error copies nothing; else a byte loop
 * while both the bytes asked for (rcx) and the bound (rdx) are non-zero. */
copy:
  mov %rcx, slot + PTVM_TR_RETURN_AT(%rip)
  lea 0x10000(%rax), %rcx
  movw $0, %cx
  jrcxz failed
  mov %rsi, slot + PTVM_TR_RSI_AT(%rip)
  mov (%rdi), %rsi
  mov 8(%rdi), %rcx
  lea slot + PTVM_TR_DATA_AT(%rip), %rdi
loop:
  jrcxz done                                /* no more bytes asked for */
  xchg %rdx, %rcx
  jrcxz done                                /* the bound reached */
  xchg %rdx, %rcx
  mov (%rsi), %al
  mov %al, (%rdi)
  lea 1(%rsi), %rsi
  lea 1(%rdi), %rdi
  lea -1(%rcx), %rcx
  lea -1(%rdx), %rdx
  jmp loop
done:
  mov slot + PTVM_TR_RSI_AT(%rip), %rsi
failed:
  mov slot + PTVM_TR_RDI_AT(%rip), %rdi
  mov slot + PTVM_TR_RDX_AT(%rip), %rdx
  mov slot + PTVM_TR_RESULT_AT(%rip), %rax
  mov slot + PTVM_TR_RETURN_AT(%rip), %rcx
  jmp *%rcx
  .org PTVM_TR_COPY_END, 0xcc

/* A call that ran with rewritten arguments (a path VM's translated path): the program's six
 * argument registers back from below its stack (written with the translated path, in the same
 * crossing), and the result stored, without an exit stop. Nothing of the program's can have
 * run in between to move or use that memory: a signal stops the thread first, and ptvm gives
 * the registers back itself then. */
  .org PTVM_TR_RESTART_RESTORE, 0xcc
  syscall
  .org PTVM_TR_RESTORE, 0xcc
  mov %rax, slot + PTVM_TR_RESULT_AT(%rip)
  mov -PTVM_TR_ARGS_BELOW_SP(%rsp), %rdi
  mov -PTVM_TR_ARGS_BELOW_SP + 8(%rsp), %rsi
  mov -PTVM_TR_ARGS_BELOW_SP + 16(%rsp), %rdx
  mov -PTVM_TR_ARGS_BELOW_SP + 24(%rsp), %r10
  mov -PTVM_TR_ARGS_BELOW_SP + 32(%rsp), %r8
  mov -PTVM_TR_ARGS_BELOW_SP + 40(%rsp), %r9
  jmp *%rcx
  .org PTVM_TR_RESTORE_END, 0xcc
ptvm_trampoline_block_end:
  .section .note.GNU-stack, "", @progbits
