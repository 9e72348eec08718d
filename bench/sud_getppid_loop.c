/* sud_getppid_loop MODE N: N getppid() calls, each trapped by Syscall User Dispatch.
 *   bare  the least an in-process VM pays: a hand-written SIGSYS handler that performs the call
 *         from the allowed range (one instruction range: the handler's own syscall stub) and
 *         re-blocks the selector;
 *   self  through ptvm's self_ptrace API (ptvm_self_syscall + ptvm_self_on in the handler);
 *   armed Syscall User Dispatch on, but every address in the allowed range: no trap, only what
 *         the kernel's dispatch check costs each call. What a call through a rewritten site's
 *         stub (which runs in the allowed range) cannot go below; through libc's getppid(),
 *         as getppid_loop;
 *   inline, outofline  no SUD: getppid as libc's (`mov $110,%eax; syscall`, in a page of its
 *         own) and the same jumping to a syscall in another page and back, as through a stub:
 *         what executing the call out of line costs by itself (on a machine whose every system
 *         call flushes the TLB, PTI without PCID, one more page to map again per call).
 * The baseline of bench_supervisor's in-process figures. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include "ptvm/self.h"

#ifndef PR_SET_SYSCALL_USER_DISPATCH
#define PR_SET_SYSCALL_USER_DISPATCH 59
#define PR_SYS_DISPATCH_ON 1
#endif

static volatile unsigned char selector; /* 0 allow, 1 block */

/* The only syscall instruction of the bare handler, in its own section: the allowed range. */
__asm__(
    ".pushsection bare_text,\"ax\",@progbits\n"
    "bare_syscall:\n"
    "  mov %rdi,%rax\n  mov %rsi,%rdi\n  mov %rdx,%rsi\n  mov %rcx,%rdx\n"
    "  mov %r8,%r10\n  mov %r9,%r8\n  syscall\n  ret\n"
    "bare_restorer:\n  mov $15,%rax\n  syscall\n  int3\n" /* RIP after a syscall must be inside */
    ".popsection\n");
long bare_syscall(long nr, long a1, long a2, long a3, long a4, long a5);

/* getppid in line and out of line, each part in a page of its own. */
__asm__(
    ".pushsection inline_text,\"ax\",@progbits\n"
    "  .balign 4096\n"
    "getppid_inline:\n  mov $110,%eax\n  syscall\n  ret\n"
    "  .balign 4096\n"
    "getppid_outofline:\n  jmp outofline_call\n"
    "outofline_after:\n  ret\n"
    "  .balign 4096\n"
    "outofline_call:\n  mov $110,%eax\n  syscall\n  jmp outofline_after\n"
    ".popsection\n");
long getppid_inline(void);
long getppid_outofline(void);
void bare_restorer(void);
extern char __start_bare_text[], __stop_bare_text[];

static void bare_handler(int sig, siginfo_t* info, void* ctx) {
  (void)sig;
  selector = 0;
  greg_t* g = ((ucontext_t*)ctx)->uc_mcontext.gregs;
  g[REG_RAX] =
      bare_syscall(info->si_syscall, g[REG_RDI], g[REG_RSI], g[REG_RDX], g[REG_R10], g[REG_R8]);
  selector = 1;
}

static void self_handler(int sig, siginfo_t* info, void* ctx) {
  (void)sig;
  greg_t* g = ((ucontext_t*)ctx)->uc_mcontext.gregs;
  g[REG_RAX] = ptvm_self_syscall(info->si_syscall, g[REG_RDI], g[REG_RSI], g[REG_RDX], g[REG_R10],
                                 g[REG_R8], g[REG_R9]);
  ptvm_self_on();
}

struct ksigaction {
  void* handler;
  unsigned long flags;
  void (*restorer)(void);
  uint64_t mask;
};

int main(int argc, char** argv) {
  if (argc != 3) return 2;
  long n = atol(argv[2]);
  if (strcmp(argv[1], "armed") == 0) {
    if (prctl(PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_ON, 0UL, ~0UL, &selector) != 0) {
      return 77;
    }
    selector = 1;
    for (long i = 0; i < n; ++i) getppid();
    return 0;
  }
  if (strcmp(argv[1], "inline") == 0 || strcmp(argv[1], "outofline") == 0) {
    long (*call)(void) = argv[1][0] == 'i' ? getppid_inline : getppid_outofline;
    for (long i = 0; i < n; ++i) call();
    return 0;
  }
  if (strcmp(argv[1], "bare") == 0) {
    struct ksigaction sa = {(void*)bare_handler, SA_SIGINFO | 0x04000000 /* SA_RESTORER */,
                            bare_restorer, 0};
    if (bare_syscall(SYS_rt_sigaction, SIGSYS, (long)&sa, 0, 8, 0) != 0) return 1;
    if (prctl(PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_ON, (unsigned long)__start_bare_text,
              (unsigned long)(__stop_bare_text - __start_bare_text), &selector) != 0) {
      return 77;
    }
    selector = 1;
  } else {
    if (ptvm_self_init(self_handler, PTVM_SELF_SUD) != 0 || ptvm_self_on() != 0) return 77;
  }
  for (long i = 0; i < n; ++i) syscall(SYS_getppid);
  selector = 0;
  ptvm_self_off();
  return 0;
}
