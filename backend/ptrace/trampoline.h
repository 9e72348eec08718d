// The return trampoline of the ptrace backend: code and slots that ptvm maps into a traced
// process so that a call whose exit the modules need only in part returns through code of
// ptvm's instead of stopping at its exit. The code is trampoline.S (one block, assembled into
// ptvm as data); its layout is trampoline_layout.h.
//
// Return trampoline: a call whose exit the modules need only for its result (see_result()), or
// for its result and one buffer it wrote (see_exit_copy()), returns through a block of code that
// ptvm maps into the process, which stores them where ptvm reads them at the thread's next stop:
// one stop per call instead of two. At the call's seccomp stop ptvm sets rip to an entry of the
// thread's block and rcx to the program's return address (where the syscall instruction left it
// anyway; r11 keeps the flags). Block k is at code + 512k, its slot (512 bytes) at slots + 512k:
// the result at +0, the return address at +8, what to copy (address, bytes) at +16 for +50 and
// at +32 for +85, saved rdx, rdi, rsi at +48, +56, +64, the copied bytes from +80.
//   +0   syscall                 a call restarted by the kernel without a stop (-ERESTART*
//                                after a freeze) re-enters here: a seccomp stop at +2
//   +2   mov %rax, result        see_result(): the result for ptvm
//   +9   jmp *%rcx               back to the program
//   +11  syscall                 (the same for +13)
//   +13  mov %rcx, result        see_exit_on_success(): is rax an error (-4095..-1)? Asked
//   +20  lea 0x10000(%rax), %rcx without touching the flags: the bits of rax + 0x10000 above
//   +27  mov $0, %cx             the low 16 are all zero for an error only
//   +31  jrcxz +35
//   +33  int3                    a success stops: SIGTRAP at +34, the call's exit (ptvm puts
//   +34  int3                    rip and rcx back and drops the SIGTRAP)
//   +35  mov result, %rcx        a failure: the return address back, and on through +2
//   +42  jmp +2
//   +48  syscall                 see_exit_copy(), at most as many bytes as the call returned
//   +50  result, rdx, rdi saved; the bound (rdx): the result; rdi: what to copy (+16); jmp +117
//   +83  syscall                 see_exit_copy() of a fixed size (a struct)
//   +85  result, rdx, rdi saved; rdi: what to copy (+32); the bound: its size
//   +117 the same test as +13 (an error copies nothing), then a byte loop that copies while
//        both rcx (the bytes asked for) and rdx (the bound) are non-zero, with rsi saved; the
//        registers back from the slot, jmp *%rcx. A thread reading into one buffer and
//        stat'ing into another (cat) keeps both requests in place.
//   +232 syscall                 a call that ran with rewritten arguments (set_arg(): a path
//   +234 result stored; rdi, rsi, rdx, r10, r8, r9 back from below the stack (rsp-176..-129,
//        under the red zone, where ptvm wrote the program's at the entry in the same
//        process_vm_writev as the translated path); jmp *%rcx. One stop, one write.
// Only lea, mov, xchg and jumps: the flags and every register but rax, rcx and r11 are the
// program's, and rcx and r11 what the syscall instruction leaves in them natively. The block
// makes no system call of its own (a restart at +0/+11/+48/+83 is the program's call), so a
// seccomp filter of the program's never sees one. A stop of the thread while it is inside its
// block (a signal, a group stop, a restart) finishes the call from the registers (past +50/+85:
// the result from the slot, rdx, rdi and rsi as they were at the entry) and puts rip back to the
// program's return address, so a signal frame or a restart never sees the block; a fault inside
// it (the program unmapped or covered the pages, or the buffer under the copy) does the same,
// with the program's own argument registers after a rewrite (a restart then enters anew),
// drops the signal and turns the trampoline off for the process. (The slots are the program's
// memory too: a program that scribbles over a copy request can make the copy run past its slot,
// into other slots or a fault, as it can break any memory of its own.) The code pages are mapped
// without write permission and the slots pages without execution (never W+X;
// memory-deny-write-execute allows it): two calls ptvm runs in the tracee at a seccomp stop, in
// place of the program's call, which then restarts. 128 threads of a process at a time use it.
#pragma once

#include <cstddef>
#include <cstdint>

#include "backend/ptrace/trampoline_layout.h"

namespace ptvm::trampoline {

constexpr std::size_t kBlock = PTVM_TR_BLOCK;
constexpr int kBlocks = PTVM_TR_BLOCKS;
constexpr std::size_t kCode = PTVM_TR_CODE;  // bytes of code; the slots follow
constexpr std::size_t kSlot = PTVM_TR_BLOCK;
constexpr std::size_t kSlots = kSlot * kBlocks;
constexpr std::size_t kBytes = kCode + kSlots;
// Entries and stops in a block.
constexpr std::uint64_t kRestartResult = PTVM_TR_RESTART_RESULT, kResult = PTVM_TR_RESULT,
                        kRestartSuccess = PTVM_TR_RESTART_SUCCESS, kSuccess = PTVM_TR_SUCCESS,
                        kTrapped = PTVM_TR_TRAPPED,
                        kRestartCopyResult = PTVM_TR_RESTART_COPY_RESULT,
                        kCopyResult = PTVM_TR_COPY_RESULT,
                        kRestartCopyFixed = PTVM_TR_RESTART_COPY_FIXED,
                        kCopyFixed = PTVM_TR_COPY_FIXED, kCopyEnd = PTVM_TR_COPY_END,
                        kRestartRestore = PTVM_TR_RESTART_RESTORE, kRestore = PTVM_TR_RESTORE,
                        kRestoreEnd = PTVM_TR_RESTORE_END;
// In a slot: the result, the return address, the copy requests of kCopyResult and kCopyFixed
// (address, bytes), saved registers, the copied bytes (or a restore's six registers).
constexpr std::size_t kResultAt = PTVM_TR_RESULT_AT, kReturnAt = PTVM_TR_RETURN_AT,
                      kRequestAt[2] = {PTVM_TR_REQUEST0_AT, PTVM_TR_REQUEST1_AT},
                      kRdxAt = PTVM_TR_RDX_AT, kRdiAt = PTVM_TR_RDI_AT, kRsiAt = PTVM_TR_RSI_AT,
                      kDataAt = PTVM_TR_DATA_AT, kData = kSlot - kDataAt;
// The restore entry's registers, at the program's stack pointer minus this (48 bytes).
constexpr std::uint64_t kArgsBelowSp = PTVM_TR_ARGS_BELOW_SP;

// The code pages: kBlocks copies of the block, int3 between them.
void write_code(unsigned char* code);

}  // namespace ptvm::trampoline
