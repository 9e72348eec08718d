/* self_ptrace on a stock kernel (include/ptvm/self.h): the seed's PTRACE_SELF_ON/OFF built from
 * Syscall User Dispatch (SUD) or a seccomp RET_TRAP filter, plus a SIGSYS wrapper of ptvm's own.
 *
 * Rules for this file (it runs inside a SIGSYS handler, see runtime/README.md):
 * - everything reachable from self_sigsys() and from the three async-signal-safe entry points is
 *   freestanding: raw system calls through ptvm_self_raw() only, no allocation, no locks, no libc
 *   call (errno's location is the one exception: the wrapper must preserve the interrupted errno);
 * - per-thread state lives in one block per thread: initial-exec TLS in libptvm (no
 *   __tls_get_addr on the signal path); in the runtime, which has no TLS of its own (it starts
 *   before any dynamic loader, or without one), the runtime's per-thread block reached through
 *   %gs (self_runtime.h);
 * - every syscall instruction of ptvm lives in the section ptvm_self_text, whose bounds are the
 *   SUD allowed range and the instruction pointer range the seccomp filter lets through.
 *
 * How the seed's "the next syscall is not executed, SIGSYS instead" is delivered:
 *   SUD   per thread: a selector byte in TLS (BLOCK while armed) and
 *         prctl(PR_SET_SYSCALL_USER_DISPATCH, ON, section) issued by the thread itself, since
 *         dispatch is per thread and neither threads nor fork children inherit it.
 *   TRAP  one filter for every thread (TSYNC): every call from outside the section traps; the
 *         wrapper re-issues it from the section for threads that are not armed.
 * Re-arming inside the handler only records the wish (`rearm`); the wrapper arms when the user
 * handler has returned, as its very last step: under SUD it stores BLOCK into the selector and
 * returns into ptvm's restorer, whose rt_sigreturn lies inside the allowed range.
 */
#define _GNU_SOURCE
#include "ptvm/self.h"
#include "runtime/self/self_runtime.h"

#include <asm/prctl.h>
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <ucontext.h>

/* Newer than the system headers may be (Debian 12 ships Linux 6.1 uapi headers). */
#ifndef PR_SET_SYSCALL_USER_DISPATCH
#define PR_SET_SYSCALL_USER_DISPATCH 59 /* Linux 5.11 */
#define PR_SYS_DISPATCH_OFF 0
#define PR_SYS_DISPATCH_ON 1
#endif
#ifndef SYSCALL_DISPATCH_FILTER_ALLOW
#define SYSCALL_DISPATCH_FILTER_ALLOW 0
#define SYSCALL_DISPATCH_FILTER_BLOCK 1
#endif
#ifndef SYS_SECCOMP
#define SYS_SECCOMP 1 /* si_code of a RET_TRAP SIGSYS */
#endif
#ifndef SYS_USER_DISPATCH
#define SYS_USER_DISPATCH 2 /* si_code of a SUD SIGSYS */
#endif
#ifndef SA_RESTORER
#define SA_RESTORER 0x04000000 /* the kernel's; glibc keeps it to itself */
#endif
#ifndef SECCOMP_FILTER_FLAG_TSYNC
#define SECCOMP_FILTER_FLAG_TSYNC 1
#endif

/* SECCOMP_RET_DATA of ptvm's RET_TRAP ('PT'): arrives as si_errno and tells ptvm's traps from
 * those of another filter. */
#define SELF_TRAP_DATA 0x5054
/* Distinct call sites that can re-execute a clone-family call in place (see self_inplace). */
#define SELF_SLOTS 64
/* syscall; lea -128(%rsp),%rsp (past the red zone); call ptvm_self_after_inplace;
 * lea 128(%rsp),%rsp; jmp *disp32(%rip): 26 bytes, in 32. */
#define SELF_SLOT_SIZE 32
#define SIGBIT(sig) (1ULL << ((sig)-1))

/* ---- the section: every syscall instruction of ptvm, and nothing else ----------------------
 * ptvm_self_raw(nr, a1..a6)     the raw system call stub (System V order, a6 on the stack);
 * ptvm_self_sigaction_restorer  SA_RESTORER of the SIGSYS wrapper: the bytes of glibc's
 *                               __restore_rt (movq $15,%rax; syscall) after a nop, so that gdb
 *                               and libgcc's unwinder recognise a signal frame ("sigaction" in
 *                               the name makes gdb check the bytes);
 * ptvm_self_inplace             SELF_SLOTS slots "syscall; call ptvm_self_after_inplace;
 *                               jmp *cell[i](%rip)": a call re-executed there after sigreturn
 *                               continues at cell[i], its original return address, in the parent
 *                               and in a child on a new stack alike (no register or stack needed
 *                               to get back); the runtime's mode hooks in between.
 * The kernel checks the address after the syscall instruction: every syscall here is followed
 * by an instruction of the section, and the section ends with int3 padding. */
__attribute__((visibility("hidden"))) uintptr_t ptvm_self_inplace_cells[SELF_SLOTS];

/* clang-format off */
#define SELF_SLOT(n)                                                                     \
  "\t.balign 32\n\tsyscall\n\tlea -128(%rsp),%rsp\n\tcall ptvm_self_after_inplace\n"        \
  "\tlea 128(%rsp),%rsp\n\tjmp *(ptvm_self_inplace_cells+8*(" #n "))(%rip)\n"
#define SELF_SLOT8(b)                                                                    \
  SELF_SLOT(b + 0) SELF_SLOT(b + 1) SELF_SLOT(b + 2) SELF_SLOT(b + 3) SELF_SLOT(b + 4)   \
  SELF_SLOT(b + 5) SELF_SLOT(b + 6) SELF_SLOT(b + 7)
__asm__(
    "\t.pushsection ptvm_self_text,\"ax\",@progbits\n"
    "\t.p2align 4\n"
    "\t.globl ptvm_self_raw\n"
    "\t.hidden ptvm_self_raw\n"
    "\t.type ptvm_self_raw,@function\n"
    "ptvm_self_raw:\n"
    "\t.cfi_startproc\n"
    "\tmov %rdi,%rax\n"
    "\tmov %rsi,%rdi\n"
    "\tmov %rdx,%rsi\n"
    "\tmov %rcx,%rdx\n"
    "\tmov %r8,%r10\n"
    "\tmov %r9,%r8\n"
    "\tmov 8(%rsp),%r9\n"
    "\tsyscall\n"
    "\tret\n"
    "\t.cfi_endproc\n"
    "\t.size ptvm_self_raw,.-ptvm_self_raw\n"
    "\t.p2align 4\n"
    "\tnop\n" /* as glibc: unwinders look up the byte before a return address */
    "\t.globl ptvm_self_sigaction_restorer\n"
    "\t.hidden ptvm_self_sigaction_restorer\n"
    "\t.type ptvm_self_sigaction_restorer,@function\n"
    "ptvm_self_sigaction_restorer:\n"
    "\tmovq $15,%rax\n" /* __NR_rt_sigreturn */
    "\tsyscall\n"
    "\tud2\n"
    "\t.size ptvm_self_sigaction_restorer,.-ptvm_self_sigaction_restorer\n"
    "\t.p2align 4\n"
    /* After an in-place call, in the parent and in the child alike (RAX = the result, 0 in a
     * child): every register but RAX is kept, flags and the x87/SSE state included (the C code
     * may use SSE; nothing here uses AVX, whose upper halves legacy SSE leaves alone). */
    "\t.p2align 4\n"
    "ptvm_self_after_inplace:\n"
    "\tpushfq\n\tpush %rcx\n\tpush %rdx\n\tpush %rsi\n\tpush %rdi\n\tpush %r8\n"
    "\tpush %r9\n\tpush %r10\n\tpush %r11\n\tpush %rbx\n\tpush %rbp\n"
    "\tmov %rsp,%rbp\n"
    "\tsub $512,%rsp\n\tand $-64,%rsp\n\tfxsave64 (%rsp)\n"
    "\tmov %rax,%rdi\n"
    "\tcall self_after_inplace\n"
    "\tfxrstor64 (%rsp)\n"
    "\tmov %rbp,%rsp\n"
    "\tpop %rbp\n\tpop %rbx\n\tpop %r11\n\tpop %r10\n\tpop %r9\n\tpop %r8\n"
    "\tpop %rdi\n\tpop %rsi\n\tpop %rdx\n\tpop %rcx\n\tpopfq\n"
    "\tret\n"
    "\t.balign 32\n"
    "\t.globl ptvm_self_inplace\n"
    "\t.hidden ptvm_self_inplace\n"
    "ptvm_self_inplace:\n" SELF_SLOT8(0) SELF_SLOT8(8) SELF_SLOT8(16) SELF_SLOT8(24)
        SELF_SLOT8(32) SELF_SLOT8(40) SELF_SLOT8(48) SELF_SLOT8(56)
    "\t.globl ptvm_self_inplace_end\n"
    "\t.hidden ptvm_self_inplace_end\n"
    "\t.balign 32\n"
    "ptvm_self_inplace_end:\n"
    "\tint3\n\tint3\n\tint3\n\tint3\n"
    "\t.popsection\n");
/* clang-format on */

__attribute__((visibility("hidden"))) long ptvm_self_raw(long nr, long a1, long a2, long a3,
                                                         long a4, long a5, long a6);
__attribute__((visibility("hidden"))) void ptvm_self_sigaction_restorer(void);
__attribute__((visibility("hidden"))) extern const char ptvm_self_inplace[];
__attribute__((visibility("hidden"))) extern const char ptvm_self_inplace_end[];
/* Provided by the linker for a section whose name is a C identifier. */
__attribute__((visibility("hidden"))) extern const char __start_ptvm_self_text[];
__attribute__((visibility("hidden"))) extern const char __stop_ptvm_self_text[];

_Static_assert(sizeof(long) == 8 && sizeof(greg_t) == 8, "x86-64 only");

static inline long raw0(long nr) {
  return ptvm_self_raw(nr, 0, 0, 0, 0, 0, 0);
}
static inline long raw3(long nr, long a1, long a2, long a3) {
  return ptvm_self_raw(nr, a1, a2, a3, 0, 0, 0);
}
static inline long raw4(long nr, long a1, long a2, long a3, long a4) {
  return ptvm_self_raw(nr, a1, a2, a3, a4, 0, 0);
}

/* The kernel's struct sigaction for rt_sigaction (not glibc's). */
struct self_ksigaction {
  void* handler;
  unsigned long flags;
  void (*restorer)(void);
  uint64_t mask;
};

/* ---- state ---------------------------------------------------------------------------------- */

/* One per thread. A new thread starts with zeroes (ALLOW, not armed, SUD not enabled). */
struct self_thread {
  struct self_thread* me;          /* the runtime's block: its own address, read as %gs:0 */
  volatile unsigned char selector; /* SUD reads it at each system call of this thread */
  volatile unsigned char armed;    /* the next trapped system call goes to the user handler */
  volatile unsigned char rearm;    /* ptvm_self_on() called inside the user handler */
  unsigned char sud_on;            /* prctl(PR_SET_SYSCALL_USER_DISPATCH, ON) done by this thread */
  int depth;                       /* > 0 while the user handler runs */
  ucontext_t* uc;                  /* the interrupted context, while the user handler runs */
  int deferred;                    /* a clone-family call to run in place after the handler */
  long deferred_nr;
  long deferred_args[6];
  int inplace_depth;           /* depth and uc when the in-place call was issued: a vfork child */
  ucontext_t* inplace_uc;      /* runs on this very state and may leave it anywhere (execve) */
  unsigned long inplace_flags; /* its clone flags (CLONE_VM|CLONE_VFORK for vfork) */
  unsigned char sys_blocked;   /* SIGSYS in the thread's mask as the program set it (virtual) */
  unsigned char inplace_sys_blocked; /* the same when the in-place call was issued */
};
_Static_assert(sizeof(struct self_thread) <= PTVM_SELF_THREAD_SIZE, "the runtime's block");

#ifdef PTVM_SELF_NO_LIBC
/* The runtime's block of the calling thread (ptvm_self_use_block). %gs is the runtime's: glibc
 * and the kernel leave it alone on x86-64 and the runtime refuses ARCH_SET_GS to the program. */
static inline struct self_thread* self_me(void) {
  struct self_thread* t;
  __asm__("mov %%gs:0,%0" : "=r"(t));
  return t;
}
#else
static __thread struct self_thread self_tls __attribute__((tls_model("initial-exec")));
static inline struct self_thread* self_me(void) {
  return &self_tls;
}
#endif

/* Set by ptvm_self_runtime_init() (the in-process runtime): every thread armed for life. */
static const struct ptvm_self_runtime_hooks* self_runtime;

/* 0 until ptvm_self_init() succeeded, then PTVM_SELF_SUD or PTVM_SELF_TRAP (never changes). */
static int self_mechanism;
static int self_init_busy;
static ptvm_self_handler self_user_handler;

/* ---- helpers -------------------------------------------------------------------------------- */

static void self_child_reset(void) {
  /* In a fork child: SUD is not inherited, and the seed's PT_SELF was not either. */
  struct self_thread* t = self_me();
  t->selector = SYSCALL_DISPATCH_FILTER_ALLOW;
  t->armed = 0;
  t->rearm = 0;
  t->sud_on = 0;
  /* The runtime's children are armed again when the handler returns (the wrapper re-enables
   * dispatch, since sud_on is 0 now). */
  if (self_runtime) self_runtime->on_new_thread(PTVM_SELF_CHILD_COPY);
}

#ifndef PTVM_SELF_NO_LIBC
static void self_atfork_child(void) {
  self_child_reset();
}
#endif

static long self_sud_enable(struct self_thread* t) {
  long r = ptvm_self_raw(
      __NR_prctl, PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_ON, (long)__start_ptvm_self_text,
      (long)(__stop_ptvm_self_text - __start_ptvm_self_text), (long)&t->selector, 0);
  if (r == 0) t->sud_on = 1;
  return r;
}

/* Copies between the application's memory and ours the way the kernel would: a bad pointer is
 * -EFAULT, not a SIGSEGV inside the handler. */
static long self_copy(void* local, long remote, long len, int write) {
  struct iovec l = {local, (size_t)len};
  struct iovec r = {(void*)remote, (size_t)len};
  long pid = raw0(__NR_getpid);
  long n = ptvm_self_raw(write ? __NR_process_vm_writev : __NR_process_vm_readv, pid, (long)&l, 1,
                         (long)&r, 1, 0);
  if (n == len) return 0;
  if (n == -ENOSYS || n == -EPERM) { /* process_vm_* filtered out by a sandbox: copy directly */
    const volatile char* s = write ? (const char*)local : (const char*)remote;
    volatile char* d = write ? (char*)remote : (char*)local; /* volatile: no call to memcpy */
    for (long i = 0; i < len; i++) d[i] = s[i];
    return 0;
  }
  return -EFAULT;
}

static int self_needs_inplace(long nr, long a1, long a2) {
  /* These cannot return into the handler: the child runs on another stack (or shares ours). */
  if (nr == __NR_clone3 || nr == __NR_vfork) return 1;
  if (nr == __NR_clone) return a2 != 0 || (a1 & (CLONE_VM | CLONE_VFORK)) != 0;
  return 0;
}

static int self_is_fork(long nr, long a1, long a2) {
  return nr == __NR_fork || (nr == __NR_clone && !self_needs_inplace(nr, a1, a2));
}

/* The slot whose cell holds `ret`, claimed on first use (lock-free, never released). */
static long self_slot(uintptr_t ret) {
  for (long i = 0; i < SELF_SLOTS; i++) {
    uintptr_t cell = __atomic_load_n(&ptvm_self_inplace_cells[i], __ATOMIC_ACQUIRE);
    if (cell == 0) {
      uintptr_t expected = 0;
      if (__atomic_compare_exchange_n(&ptvm_self_inplace_cells[i], &expected, ret, 0,
                                      __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        return i;
      }
      cell = expected;
    }
    if (cell == ret) return i;
  }
  return -1;
}

/* Arranges for the interrupted code to issue `nr` itself when the signal returns: registers as
 * for the call, RIP at a slot of the section (so it does not trap), the slot jumps back. */
static void self_inplace(ucontext_t* uc, long nr, const long a[6]) {
  greg_t* g = uc->uc_mcontext.gregs;
  long slot = self_slot((uintptr_t)g[REG_RIP]);
  if (slot < 0) {
    g[REG_RAX] = -EAGAIN;
    return;
  }
  g[REG_RAX] = nr;
  g[REG_RDI] = a[0];
  g[REG_RSI] = a[1];
  g[REG_RDX] = a[2];
  g[REG_R10] = a[3];
  g[REG_R8] = a[4];
  g[REG_R9] = a[5];
  g[REG_RIP] = (greg_t)(ptvm_self_inplace + slot * SELF_SLOT_SIZE);
  /* What the child will be: it reads this before anything else (self_after_inplace). */
  unsigned long flags = CLONE_VM | CLONE_VFORK;
  if (nr == __NR_clone) {
    flags = (unsigned long)a[0];
  } else if (nr == __NR_clone3 && self_copy(&flags, a[0], sizeof flags, 0) != 0) {
    flags = 0; /* the kernel will say EFAULT */
  }
  self_me()->inplace_flags = flags;
  self_me()->inplace_sys_blocked = self_me()->sys_blocked;
}

/* rt_sigprocmask on behalf of the code interrupted at `uc`: the mask that sigreturn restores is
 * the one to change (a real rt_sigprocmask here would be undone by sigreturn). SIGSYS is never
 * blocked: a trap with SIGSYS blocked kills the process, and glibc blocks every signal around
 * clone, in raise() and when a thread exits. The kernel's order: read set, apply, write oldset. */
static long self_sigprocmask(ucontext_t* uc, const long a[6]) {
  long how = a[0], set = a[1], oldset = a[2], size = a[3];
  if (size != 8) return -EINVAL;
  /* SIGSYS is never blocked for real. The runtime's program reads its wish back, as natively
   * (the seed's API documents the mask without it). */
  struct self_thread* t = self_me();
  const int virtual_sys = self_runtime != NULL;
  uint64_t old = uc->uc_sigmask.__val[0] | (virtual_sys && t->sys_blocked ? SIGBIT(SIGSYS) : 0);
  if (set != 0) {
    uint64_t s;
    long r = self_copy(&s, set, 8, 0);
    if (r < 0) return r;
    s &= ~(SIGBIT(SIGKILL) | SIGBIT(SIGSTOP));
    uint64_t m = old;
    switch (how) {
      case SIG_BLOCK:
        m |= s;
        break;
      case SIG_UNBLOCK:
        m &= ~s;
        break;
      case SIG_SETMASK:
        m = s;
        break;
      default:
        return -EINVAL;
    }
    t->sys_blocked = (m & SIGBIT(SIGSYS)) != 0;
    uc->uc_sigmask.__val[0] = m & ~SIGBIT(SIGSYS);
  }
  if (oldset != 0) return self_copy(&old, oldset, 8, 1);
  return 0;
}

/* rt_sigaction: SIGSYS belongs to ptvm; no handler may run with SIGSYS blocked. */
static long self_sigaction(const long a[6]) {
  long sig = a[0], act = a[1], oldact = a[2], size = a[3];
  if (act == 0 || size != 8) return raw4(__NR_rt_sigaction, sig, act, oldact, size);
  if (sig == SIGSYS) return -EINVAL;
  struct self_ksigaction k;
  long r = self_copy(&k, act, sizeof k, 0);
  if (r < 0) return r;
  k.mask &= ~SIGBIT(SIGSYS);
  return raw4(__NR_rt_sigaction, sig, (long)&k, oldact, size);
}

/* rt_sigsuspend: a handler run during the wait must not find SIGSYS blocked. */
static long self_sigsuspend(const long a[6]) {
  if (a[1] != 8) return raw3(__NR_rt_sigsuspend, a[0], a[1], 0);
  uint64_t m;
  long r = self_copy(&m, a[0], 8, 0);
  if (r < 0) return r;
  m &= ~SIGBIT(SIGSYS);
  return raw3(__NR_rt_sigsuspend, (long)&m, 8, 0);
}

/* Performs `nr` now, from the handler, for the code interrupted at `uc`. */
static long self_perform(ucontext_t* uc, long nr, const long a[6]) {
  switch (nr) {
    case __NR_rt_sigprocmask:
      return self_sigprocmask(uc, a);
    case __NR_rt_sigaction:
      return self_sigaction(a);
    case __NR_rt_sigsuspend:
      return self_sigsuspend(a);
    default:
      break;
  }
  long r = ptvm_self_raw(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
  if (r == 0 && self_is_fork(nr, a[0], a[1])) self_child_reset();
  return r;
}

/* Which of ptvm's mechanisms raised this SIGSYS, or 0 when it is not ptvm's. Read from the
 * siginfo rather than from self_mechanism: the filter traps other threads' calls before init has
 * published its choice. */
static int self_source(const siginfo_t* info) {
  if (info->si_code == SYS_USER_DISPATCH) return PTVM_SELF_SUD;
  if (info->si_code == SYS_SECCOMP && info->si_errno == SELF_TRAP_DATA) return PTVM_SELF_TRAP;
  return 0;
}

/* A SIGSYS that is not ptvm's (kill -SYS, another filter): the default action, as without ptvm. */
static void self_foreign(void) {
  struct self_ksigaction dfl = {0};
  dfl.handler = SIG_DFL;
  raw4(__NR_rt_sigaction, SIGSYS, (long)&dfl, 0, 8);
  ptvm_self_raw(__NR_tgkill, raw0(__NR_getpid), raw0(__NR_gettid), SIGSYS, 0, 0, 0);
}

/* After an in-place call (ptvm_self_after_inplace saved the registers): `result` is the call's
 * return value, 0 in a child. Returns what the caller finds in RAX. */
__attribute__((visibility("hidden"), used)) long self_after_inplace(long result) {
  if (!self_runtime) return result;
  struct self_thread* t = self_me();
  if (result == 0) {
    /* A child, on its parent's block (%gs is inherited): a thread of the same process, or a
     * process sharing the memory without being a vfork child, gets a block of its own; a vfork
     * child runs on its parent's, which is suspended; a child with memory of its own, on its
     * copy. Told apart without a race: a thread by its ids, the others by the flags its parent
     * left (stable: a copy, or a parent waiting for the vfork child). Then armed before its
     * first instruction. */
    const unsigned long flags = t->inplace_flags;
    const unsigned char sys_blocked = t->sys_blocked; /* the mask is inherited */
    int kind = PTVM_SELF_CHILD_COPY;
    if (raw0(__NR_gettid) != raw0(__NR_getpid)) {
      kind = PTVM_SELF_CHILD_THREAD;
    } else if (flags & CLONE_VM) {
      kind = (flags & CLONE_VFORK) ? PTVM_SELF_CHILD_SHARED : PTVM_SELF_CHILD_THREAD;
    }
    self_runtime->on_new_thread(kind);
    t = self_me();
    t->sys_blocked = sys_blocked;
    t->armed = 0;
    t->sud_on = 0;
    if (self_sud_enable(t) == 0) t->armed = 1;
  } else {
    /* After a vfork the child has run on this state (shared TLS) and may have left it in the
     * middle of a handler (its execve never returned): back to what it was, armed. */
    t->depth = t->inplace_depth;
    t->uc = t->inplace_uc;
    t->deferred = 0;
    t->rearm = 0;
    t->armed = 1;
    t->sys_blocked = t->inplace_sys_blocked; /* a vfork child's mask was its own */
    result = self_runtime->after_inplace(result);
  }
  if (t->armed) t->selector = SYSCALL_DISPATCH_FILTER_BLOCK;
  return result;
}

/* ---- the SIGSYS wrapper --------------------------------------------------------------------- */

/* Runs a handler for the call interrupted at `uc` (ptvm_self_syscall finds it there), then
 * applies the clone-family call it deferred, in place after sigreturn. */
static void self_run_handler(struct self_thread* t, ptvm_self_handler handler, int sig,
                             siginfo_t* info, ucontext_t* uc) {
  ucontext_t* outer = t->uc;
  t->uc = uc;
  t->depth++;
  handler(sig, info, uc);
  t->depth--;
  t->uc = outer;
  if (t->deferred) {
    t->deferred = 0;
    t->inplace_depth = t->depth;
    t->inplace_uc = t->uc;
    self_inplace(uc, t->deferred_nr, t->deferred_args);
  }
}

/* The runtime's mode: every trap of every thread goes to its dispatcher, and the selector stays
 * BLOCK throughout. The runtime makes its own calls from the allowed range only, so a signal
 * handler of the program that runs inside a call the dispatcher performs (a blocking read
 * interrupted), or leaves it with siglongjmp, is intercepted like the rest of the program. */
__attribute__((hot)) static void self_runtime_sigsys(struct self_thread* t, int sig,
                                                     siginfo_t* info, void* ctx) {
  ucontext_t* uc = (ucontext_t*)ctx;
  greg_t* g = uc->uc_mcontext.gregs;
  if (info->si_code != SYS_USER_DISPATCH) {
    self_runtime->on_foreign_sigsys(sig, info, ctx); /* kill -SYS, another filter's trap */
    return;
  }
  if (info->si_syscall == __NR_rt_sigreturn) {
    if (self_runtime->on_sigreturn) self_runtime->on_sigreturn(uc);
    g[REG_RIP] = (greg_t)ptvm_self_sigaction_restorer; /* as in self_sigsys */
    return;
  }
  g[REG_RAX] = -ENOSYS;
  self_run_handler(t, self_runtime->on_trap, sig, info, uc);
  if (!t->sud_on && self_sud_enable(t) != 0) return; /* a fork child: dispatch again */
  t->armed = 1;
  t->selector = SYSCALL_DISPATCH_FILTER_BLOCK;
}

__attribute__((hot)) static void self_sigsys(int sig, siginfo_t* info, void* ctx) {
  struct self_thread* t = self_me();
  if (self_runtime) {
    self_runtime_sigsys(t, sig, info, ctx);
    return;
  }
  /* First: from here on nothing of this thread may trap under SUD (no-op under TRAP). */
  t->selector = SYSCALL_DISPATCH_FILTER_ALLOW;
  int mechanism = self_source(info);
  ucontext_t* uc = (ucontext_t*)ctx;
  greg_t* g = uc->uc_mcontext.gregs;
#ifndef PTVM_SELF_NO_LIBC
  int* errno_p = &errno;
  int saved_errno = *errno_p;
#endif

  if (mechanism == 0) {
    self_foreign();
  } else if (info->si_syscall == __NR_rt_sigreturn) {
    /* SUD only (the filter lets rt_sigreturn through): a signal handler of the application
     * returning through libc's restorer while its thread is armed. Not the seed's business:
     * the same rt_sigreturn is issued from ptvm's restorer once this frame is gone, with the
     * stack pointer it had, and the thread stays armed. */
    t->sud_on = 1;
    g[REG_RIP] = (greg_t)ptvm_self_sigaction_restorer;
  } else if (!t->armed) {
    /* Not armed (TRAP: every call of every thread, and the handler's own calls): transparent. */
    long nr = info->si_syscall;
    long a[6] = {g[REG_RDI], g[REG_RSI], g[REG_RDX], g[REG_R10], g[REG_R8], g[REG_R9]};
    if (self_needs_inplace(nr, a[0], a[1])) {
      self_inplace(uc, nr, a);
    } else {
      g[REG_RAX] = self_perform(uc, nr, a);
    }
  } else {
    /* Armed: the seed's semantics. Self interposition is off while the user handler runs. */
    if (mechanism == PTVM_SELF_SUD) t->sud_on = 1; /* a SUD trap proves dispatch is on */
    t->armed = 0;
    t->rearm = 0;
    /* The kernel rolled RAX back to the number (syscall_rollback); the seed's handler finds the
     * result register instead: -ENOSYS, what a call nobody implemented returns. */
    g[REG_RAX] = -ENOSYS;
    self_run_handler(t, __atomic_load_n(&self_user_handler, __ATOMIC_ACQUIRE), sig, info, uc);
    if (t->rearm) {
      t->rearm = 0;
      if (mechanism != PTVM_SELF_SUD || t->sud_on || self_sud_enable(t) == 0) t->armed = 1;
    }
  }

#ifndef PTVM_SELF_NO_LIBC
  *errno_p = saved_errno;
#endif
  /* Last: armed again means BLOCK. The way back is ptvm_self_sigaction_restorer, in the range. */
  if (mechanism == PTVM_SELF_SUD && t->armed) t->selector = SYSCALL_DISPATCH_FILTER_BLOCK;
}

/* ---- init ----------------------------------------------------------------------------------- */

/* Every system call whose instruction pointer lies outside [start, stop) traps, except
 * rt_sigreturn (other signal handlers return through libc's restorer). 32-bit calls (int $0x80)
 * are let through: their numbers are not x86-64's and the wrapper could not re-issue them. */
static long self_trap_install(void) {
  uint64_t start = (uintptr_t)__start_ptvm_self_text, stop = (uintptr_t)__stop_ptvm_self_text;
  uint32_t shi = (uint32_t)(start >> 32), slo = (uint32_t)start;
  uint32_t ehi = (uint32_t)(stop >> 32), elo = (uint32_t)stop;
  enum { kTrap = 14, kAllow = 15 };
#define SELF_LD(field) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (field))
#define SELF_TO(target, at) ((target) - (at)-1)
  const uint32_t ip_lo = offsetof(struct seccomp_data, instruction_pointer);
  const uint32_t ip_hi = ip_lo + 4;
  struct sock_filter f[] = {
      /* 0 */ SELF_LD(offsetof(struct seccomp_data, arch)),
      /* 1 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, SELF_TO(kAllow, 1)),
      /* 2 */ SELF_LD(offsetof(struct seccomp_data, nr)),
      /* 3 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_rt_sigreturn, SELF_TO(kAllow, 3), 0),
      /* ip >= start */
      /* 4 */ SELF_LD(ip_hi),
      /* 5 */ BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, shi, SELF_TO(9, 5), 0),
      /* 6 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, shi, 0, SELF_TO(kTrap, 6)),
      /* 7 */ SELF_LD(ip_lo),
      /* 8 */ BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, slo, 0, SELF_TO(kTrap, 8)),
      /* ip < stop */
      /* 9 */ SELF_LD(ip_hi),
      /* 10 */ BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, ehi, SELF_TO(kTrap, 10), 0),
      /* 11 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ehi, 0, SELF_TO(kAllow, 11)),
      /* 12 */ SELF_LD(ip_lo),
      /* 13 */ BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, elo, SELF_TO(kTrap, 13), SELF_TO(kAllow, 13)),
      /* 14 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP | SELF_TRAP_DATA),
      /* 15 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
#undef SELF_LD
#undef SELF_TO
  _Static_assert(sizeof f / sizeof f[0] == kAllow + 1, "jump targets");
  struct sock_fprog prog = {(unsigned short)(sizeof f / sizeof f[0]), f};
  long r = raw3(__NR_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, (long)&prog);
  if (r == -EACCES) { /* no CAP_SYS_ADMIN: a filter needs no_new_privs (irreversible) */
    r = ptvm_self_raw(__NR_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0, 0);
    if (r == 0) {
      r = raw3(__NR_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, (long)&prog);
    }
  }
  if (r > 0) return -EBUSY; /* TSYNC: thread r has filters of its own that ours cannot join */
  return r;
}

int ptvm_self_init(ptvm_self_handler handler, int mechanism) {
  if (handler == NULL) return -EINVAL;
  if (mechanism != PTVM_SELF_ANY && mechanism != PTVM_SELF_SUD && mechanism != PTVM_SELF_TRAP) {
    return -EINVAL;
  }
  if ((uintptr_t)(ptvm_self_inplace_end - ptvm_self_inplace) != SELF_SLOTS * SELF_SLOT_SIZE) {
    return -ENOEXEC; /* the assembler did not encode the slots as expected */
  }
  int expected = 0;
  if (!__atomic_compare_exchange_n(&self_init_busy, &expected, 1, 0, __ATOMIC_ACQ_REL,
                                   __ATOMIC_ACQUIRE)) {
    return -EBUSY; /* another thread is initialising */
  }
  int current = __atomic_load_n(&self_mechanism, __ATOMIC_ACQUIRE);
  long r = 0;
  if (current != 0) {
    if (mechanism != PTVM_SELF_ANY && mechanism != current) {
      r = -EBUSY;
    } else {
      __atomic_store_n(&self_user_handler, handler, __ATOMIC_RELEASE);
    }
    __atomic_store_n(&self_init_busy, 0, __ATOMIC_RELEASE);
    return (int)r;
  }

  __atomic_store_n(&self_user_handler, handler, __ATOMIC_RELEASE);
  /* Before the filter: pthread_atfork may allocate, and from then on every call traps. Also
   * harmless if init fails (it only resets ptvm's per-thread state in fork children). */
#ifndef PTVM_SELF_NO_LIBC
  static int atfork_registered;
  if (!atfork_registered && pthread_atfork(NULL, NULL, self_atfork_child) == 0) {
    atfork_registered = 1;
  }
#endif
  /* SA_NODEFER: under TRAP the user handler's own calls trap again (and are re-issued), and under
   * SUD a signal handler interrupting the tail of the wrapper may trap: SIGSYS must stay
   * deliverable. No SA_ONSTACK: nested frames would overflow a small alternate stack. */
  struct self_ksigaction sa = {0}, old;
  sa.handler = (void*)self_sigsys;
  sa.flags = SA_SIGINFO | SA_NODEFER | SA_RESTORER;
  /* The runtime's handler runs the modules (tens of KiB of stack): on an alternate stack of its
   * own per thread, since the program's may be tiny (posix_spawn's child gets 36 KiB). Nested
   * traps continue below the frame on it; the kernel checks for that. */
  if (self_runtime) sa.flags |= SA_ONSTACK;
  sa.restorer = ptvm_self_sigaction_restorer;
  r = raw4(__NR_rt_sigaction, SIGSYS, (long)&sa, (long)&old, 8);
  if (r == 0) {
    int chosen = mechanism;
    if (mechanism != PTVM_SELF_TRAP) {
      /* Enabling dispatch with the selector at ALLOW is the probe: harmless, and what SUD's
       * first ptvm_self_on() on this thread would do anyway. */
      r = self_sud_enable(self_me());
      if (r == 0) {
        chosen = PTVM_SELF_SUD;
      } else if (mechanism == PTVM_SELF_ANY) {
        chosen = PTVM_SELF_TRAP;
      }
    }
    if (chosen == PTVM_SELF_TRAP) r = self_trap_install();
    if (r == 0) {
      __atomic_store_n(&self_mechanism, chosen, __ATOMIC_RELEASE);
    } else {
      raw4(__NR_rt_sigaction, SIGSYS, (long)&old, 0, 8);
    }
  }
  __atomic_store_n(&self_init_busy, 0, __ATOMIC_RELEASE);
  return (int)r;
}

/* ---- on / off / syscall --------------------------------------------------------------------- */

int ptvm_self_on(void) {
  int mechanism = __atomic_load_n(&self_mechanism, __ATOMIC_ACQUIRE);
  if (mechanism == 0) return -EPERM;
  struct self_thread* t = self_me();
  if (t->depth > 0) {
    t->rearm = 1; /* armed by the wrapper once the handler has returned */
    return 0;
  }
  if (mechanism == PTVM_SELF_SUD) {
    /* Always (re)enable: cheap next to a trap, and right even in a child of a raw fork, whose
     * copied state says "enabled" while the kernel did not inherit dispatch. */
    long r = self_sud_enable(t);
    if (r < 0) return (int)r;
  }
  t->armed = 1;
  /* Last: the next system call of this thread, from outside the section, raises SIGSYS. */
  if (mechanism == PTVM_SELF_SUD) t->selector = SYSCALL_DISPATCH_FILTER_BLOCK;
  return 0;
}

int ptvm_self_off(void) {
  if (__atomic_load_n(&self_mechanism, __ATOMIC_ACQUIRE) == 0) return -EPERM;
  struct self_thread* t = self_me();
  if (t->depth > 0) {
    t->rearm = 0;
    return 0;
  }
  t->selector = SYSCALL_DISPATCH_FILTER_ALLOW;
  t->armed = 0;
  return 0;
}

__attribute__((hot)) long ptvm_self_syscall(long nr, long a1, long a2, long a3, long a4, long a5,
                                            long a6) {
  struct self_thread* t = self_me();
  long a[6] = {a1, a2, a3, a4, a5, a6};
  if (t->depth > 0 && t->uc != NULL) {
    if (self_needs_inplace(nr, a1, a2)) {
      t->deferred = 1;
      t->deferred_nr = nr;
      for (int i = 0; i < 6; i++) t->deferred_args[i] = a[i];
      return -EINPROGRESS;
    }
    return self_perform(t->uc, nr, a);
  }
  long r = ptvm_self_raw(nr, a1, a2, a3, a4, a5, a6);
  if (r == 0 && self_is_fork(nr, a1, a2)) self_child_reset();
  return r;
}

/* ---- the runtime's mode (runtime/self/self_runtime.h) ------------------------------------- */

int ptvm_self_runtime_init(const struct ptvm_self_runtime_hooks* hooks) {
  if (hooks == NULL || hooks->on_trap == NULL || hooks->on_new_thread == NULL ||
      hooks->after_inplace == NULL || hooks->on_foreign_sigsys == NULL) {
    return -EINVAL;
  }
  self_runtime = hooks;
  int r = ptvm_self_init(hooks->on_trap, PTVM_SELF_SUD);
  if (r == 0) r = ptvm_self_on();
  if (r != 0) self_runtime = NULL;
  return r;
}

int ptvm_self_runs_in_place(long nr, long a1, long a2) {
  return self_needs_inplace(nr, a1, a2);
}

int ptvm_self_sigsys_blocked(void) {
  return self_me()->sys_blocked;
}

void ptvm_self_set_sigsys_blocked(int blocked) {
  self_me()->sys_blocked = blocked != 0;
}

#ifdef PTVM_SELF_NO_LIBC
long ptvm_self_use_block(void* block) {
  struct self_thread* t = (struct self_thread*)block;
  t->me = t;
  return ptvm_self_raw(__NR_arch_prctl, ARCH_SET_GS, (long)block, 0, 0, 0, 0);
}
#endif

long ptvm_self_raw_call(long nr, long a1, long a2, long a3, long a4, long a5, long a6) {
  return ptvm_self_raw(nr, a1, a2, a3, a4, a5, a6);
}
