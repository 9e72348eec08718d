/* The template of a rewritten system-call site's stub (runtime/rewrite). Never executed here:
 * rewrite.cpp copies its pieces into the stub area (inside the SUD allowed range) and fills in
 * the fields, whose ends the labels *_end mark (a field is the last 4 or 8 bytes before them).
 *
 * A patched site `mov $nr,%eax; syscall` (or `mov $nr,%rax; syscall`) jumps here with every
 * register as the program left it. Nothing below changes the flags, the stack or any register
 * but RAX, RCX and R11 (which the syscall instruction clobbers anyway): after the stub, RCX holds
 * the site's own return address and R11 the flags, exactly as after the native instruction.
 * Before the syscall, RCX keeps the program's value everywhere but between the two xchg of the
 * descriptor piece, where RAX holds it: so a signal that stops the stub anywhere finds a state
 * that translates into the site's own (rewrite::translate_context). */
#include "runtime/rewrite/layout.h"

#define LABEL(name) .globl name; .hidden name; name:

        .section .rodata.ptvm_rewrite_template,"a",@progbits

LABEL(ptvm_rw_count)                    /* --stats only: ++ this stub's counter, flags kept */
        movq    0(%rip),%rax            /* field: the counter (rip-relative) */
LABEL(ptvm_rw_count_load_end)
        leaq    1(%rax),%rax
        movq    %rax,0(%rip)            /* field: the counter again */
LABEL(ptvm_rw_count_store_end)

LABEL(ptvm_rw_fd)                       /* calls on a descriptor: ptvm's own output goes slow */
        movq    0(%rip),%rax            /* field: -(ptvm's output descriptor) */
LABEL(ptvm_rw_fd_load_end)
        leaq    (%rdi,%rax),%rax        /* RDI - fd, without touching the flags */
        xchgq   %rax,%rcx               /* jrcxz tests RCX: the program's goes to RAX meanwhile */
LABEL(ptvm_rw_fd_swapped)
        jrcxz   ptvm_rw_slow_fd
        xchgq   %rax,%rcx
LABEL(ptvm_rw_fd_restored)

LABEL(ptvm_rw_call)                     /* the call itself, from the allowed range: no trap */
        movl    $0x7fffffff,%eax        /* field: the number */
LABEL(ptvm_rw_call_nr_end)
        syscall
LABEL(ptvm_rw_call_syscall_end)
        movabsq $0x7fffffffffffffff,%rcx /* field: the site's return address */
LABEL(ptvm_rw_call_return_end)
        jmp     *%rcx
LABEL(ptvm_rw_slow_fd)                  /* the slow path: the site's own syscall, which traps */
        xchgq   %rax,%rcx
LABEL(ptvm_rw_slow)
        movl    $0x7fffffff,%eax        /* field: the number */
LABEL(ptvm_rw_slow_nr_end)
        jmpq    *0(%rip)                /* through the next 8 bytes: RCX stays the program's */
LABEL(ptvm_rw_slow_target)
        .quad   0x7fffffffffffffff      /* the site's syscall instruction */
LABEL(ptvm_rw_end)

LABEL(ptvm_rw_wanted)                   /* a call some module wants: into the runtime, no signal */
        leaq    -128(%rsp),%rsp         /* the red zone is the program's */
LABEL(ptvm_rw_wanted_below)
        movl    $0x7fffffff,%eax        /* field: the number */
        .byte   0xe8                    /* call ptvm_rw_enter (rel32: filled in, per copy) */
        .long   0
LABEL(ptvm_rw_wanted_call_end)
        leaq    128(%rsp),%rsp          /* RAX: the result; R11: the flags, as after syscall */
LABEL(ptvm_rw_wanted_above)
        movabsq $0x7fffffffffffffff,%rcx /* field: the site's return address */
LABEL(ptvm_rw_wanted_return_end)
        jmp     *%rcx
LABEL(ptvm_rw_wanted_end)

/* The way in for wanted calls, shared by their stubs: what a SIGSYS trap does, without the
 * signal. Saves what the C++ code may clobber (the argument registers, the flags), runs on the
 * thread's signal stack of ptvm (where the kernel also puts the frames of signals that come
 * meanwhile), and calls ptvm_fast_dispatch(frame) with the frame below. The runtime is compiled
 * with -mgeneral-regs-only: its code leaves the SSE and x87 state alone, which so needs no saving
 * (fxsave and fxrstor were half of a wanted call's cost), unless ptvm_rw_save_vectors says that
 * code built elsewhere (a user's module) is on the stack. */
        .data
LABEL(ptvm_rw_save_vectors)
        .byte   0
        .section .text.hot.ptvm_rw_enter,"ax",@progbits  /* beside the C++ it calls: see the README */
        .p2align 4
LABEL(ptvm_rw_enter)
        pushfq
        pushq   %rax                    /* the number */
        pushq   %rdi
        pushq   %rsi
        pushq   %rdx
        pushq   %r10
        pushq   %r8
        pushq   %r9
        pushq   %rbx
        cld
        movq    %rsp,%rbx               /* the frame (struct FastFrame), kept across the calls */
        movq    %rsp,%rdi
        andq    $-16,%rsp
        call    ptvm_fast_stack         /* where to run: the top of ptvm's stack, or below here */
        movq    %rax,%rsp
        subq    $512,%rsp
        cmpb    $0,ptvm_rw_save_vectors(%rip)
        je      1f
        fxsave64 (%rsp)                 /* the program's SSE registers and MXCSR */
1:      movq    %rbx,%rdi
        call    ptvm_fast_dispatch      /* RAX: the call's result */
        cmpb    $0,ptvm_rw_save_vectors(%rip)
        je      2f
        fxrstor64 (%rsp)
2:      movq    %rbx,%rsp
        popq    %rbx
        popq    %r9
        popq    %r8
        popq    %r10
        popq    %rdx
        popq    %rsi
        popq    %rdi
        leaq    8(%rsp),%rsp            /* the number */
        movq    (%rsp),%r11             /* the flags, in R11 as the syscall instruction leaves them */
        popfq
        ret
        .size   ptvm_rw_enter,.-ptvm_rw_enter

/* The stub area: inside ptvm_self_text, so inside the allowed range of Syscall User Dispatch
 * and the range the seccomp filter lets through. int3 in the file; rewrite.cpp writes each stub
 * into the process's private copy of its page (mprotect RWX, write, RX). */
        .pushsection ptvm_self_text,"ax",@progbits
        .balign 4096
LABEL(ptvm_rw_area)
        .skip   PTVM_REWRITE_AREA_BYTES, 0xcc
LABEL(ptvm_rw_area_end)
        .popsection

        .section .note.GNU-stack,"",@progbits
