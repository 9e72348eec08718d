/* The template of a rewritten system-call site's stub (runtime/rewrite). Never executed here:
 * rewrite.cpp copies its pieces into the stub area (inside the SUD allowed range) and fills in
 * the fields, whose ends the labels *_end mark (a field is the last 4 or 8 bytes before them).
 *
 * A patched site `mov $nr,%eax; syscall` (or `mov $nr,%rax; syscall`) jumps here with every
 * register as the program left it. Nothing below changes the flags, the stack or any register
 * but RAX, RCX and R11 (which the syscall instruction clobbers anyway): after the stub, RCX holds
 * the site's own return address and R11 the flags, exactly as after the native instruction. */
#include "runtime/rewrite/layout.h"

        .section .rodata.ptvm_rewrite_template,"a",@progbits

        .globl ptvm_rw_count
        .hidden ptvm_rw_count
ptvm_rw_count:                          /* --stats only: ++ this stub's counter, flags kept */
        movq    0(%rip),%rcx            /* field: the counter (rip-relative) */
        .globl ptvm_rw_count_load_end
        .hidden ptvm_rw_count_load_end
ptvm_rw_count_load_end:
        leaq    1(%rcx),%rcx
        movq    %rcx,0(%rip)            /* field: the counter again */
        .globl ptvm_rw_count_store_end
        .hidden ptvm_rw_count_store_end
ptvm_rw_count_store_end:

        .globl ptvm_rw_fd
        .hidden ptvm_rw_fd
ptvm_rw_fd:                             /* calls on a descriptor: ptvm's own output goes slow */
        movq    0(%rip),%rcx            /* field: -(ptvm's output descriptor) */
        .globl ptvm_rw_fd_load_end
        .hidden ptvm_rw_fd_load_end
ptvm_rw_fd_load_end:
        leaq    (%rdi,%rcx),%rcx        /* RDI - fd, without touching the flags */
        jrcxz   ptvm_rw_slow

        .globl ptvm_rw_call
        .hidden ptvm_rw_call
ptvm_rw_call:                           /* the call itself, from the allowed range: no trap */
        movl    $0x7fffffff,%eax        /* field: the number */
        .globl ptvm_rw_call_nr_end
        .hidden ptvm_rw_call_nr_end
ptvm_rw_call_nr_end:
        syscall
        movabsq $0x7fffffffffffffff,%rcx /* field: the site's return address */
        .globl ptvm_rw_call_return_end
        .hidden ptvm_rw_call_return_end
ptvm_rw_call_return_end:
        jmp     *%rcx
ptvm_rw_slow:                           /* the site's own syscall instruction, which traps */
        movl    $0x7fffffff,%eax        /* field: the number */
        .globl ptvm_rw_slow_nr_end
        .hidden ptvm_rw_slow_nr_end
ptvm_rw_slow_nr_end:
        movabsq $0x7fffffffffffffff,%rcx /* field: the site's syscall instruction */
        .globl ptvm_rw_slow_target_end
        .hidden ptvm_rw_slow_target_end
ptvm_rw_slow_target_end:
        jmp     *%rcx
        .globl ptvm_rw_end
        .hidden ptvm_rw_end
ptvm_rw_end:

/* The stub area: inside ptvm_self_text, so inside the allowed range of Syscall User Dispatch
 * and the range the seccomp filter lets through. int3 in the file; rewrite.cpp writes each stub
 * into the process's private copy of its page (mprotect RWX, write, RX). */
        .pushsection ptvm_self_text,"ax",@progbits
        .balign 4096
        .globl ptvm_rw_area
        .hidden ptvm_rw_area
ptvm_rw_area:
        .skip   PTVM_REWRITE_AREA_BYTES, 0xcc
        .globl ptvm_rw_area_end
        .hidden ptvm_rw_area_end
ptvm_rw_area_end:
        .popsection

        .section .note.GNU-stack,"",@progbits
