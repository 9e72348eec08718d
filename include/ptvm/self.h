/* self_ptrace on a stock kernel: the C API of Pierre Morel's 2008 patch (PTRACE_SELF_ON/OFF).
 *
 * After ptvm_self_on() the calling thread's next system call is not executed. Self interposition
 * turns itself off for that thread and `handler` runs as a SIGSYS handler instead:
 *   - info->si_syscall is the system call number;
 *   - the arguments are in the ucontext's registers: gregs[REG_RDI], [REG_RSI], [REG_RDX],
 *     [REG_R10], [REG_R8], [REG_R9] (ucontext_t from <ucontext.h>, _GNU_SOURCE);
 *   - whatever the handler leaves in gregs[REG_RAX] is the call's result (-errno for an error).
 *     On entry it holds -ENOSYS, so a handler that does nothing makes the call fail with ENOSYS
 *     (the kernel leaves the number there; ptvm sets -ENOSYS before calling the handler).
 * errno of the interrupted code is preserved across the handler, and the kernel's signal frame
 * saves and restores the FPU/vector state the handler may use.
 * The handler may do the seed's eight things: read the number, read the arguments, call other
 * system calls (they are never trapped), emulate the call, change its arguments, perform it for
 * real through ptvm_self_syscall(), change the result, and call ptvm_self_on() again before
 * returning, which re-arms for the next system call after the handler has returned (the
 * handler's own calls and the signal return never trap). Other threads are unaffected.
 *
 * rt_sigreturn is never delivered to the handler (the seed exempted it too): a signal handler of
 * the application returns normally while its thread is armed, and the thread stays armed.
 *
 * Two mechanisms (see runtime/self/README.md):
 *   PTVM_SELF_SUD   Syscall User Dispatch (Linux 5.11). Per thread, enabled lazily by the first
 *                   ptvm_self_on() of each thread; a thread that never arms runs at native speed.
 *   PTVM_SELF_TRAP  a seccomp filter returning SECCOMP_RET_TRAP (Linux 3.5). A filter covers every
 *                   thread and cannot be removed: from ptvm_self_init() on, every system call of
 *                   the process traps and is re-issued transparently by ptvm unless its thread
 *                   is armed (a few microseconds each); it sets no_new_privs if the process lacks
 *                   CAP_SYS_ADMIN, and the filter survives fork and execve: a program executed
 *                   afterwards has no SIGSYS handler and is killed at its first system call.
 *   PTVM_SELF_ANY   SUD when the kernel offers it, else TRAP.
 *
 * Rules for the application (violations kill the process with SIGSYS or lose interposition):
 *   - ptvm owns SIGSYS from ptvm_self_init() on: the application must not replace its action,
 *     and must not block SIGSYS while a thread is armed (a trap with SIGSYS blocked is fatal).
 *     Where ptvm performs a call (under TRAP every call of a thread that is not armed; under
 *     both, ptvm_self_syscall inside the handler) it keeps SIGSYS out of the masks set by
 *     rt_sigprocmask, rt_sigaction and rt_sigsuspend (glibc itself blocks every signal around
 *     clone, in raise() and in posix_spawn) and refuses rt_sigaction(SIGSYS, act) with EINVAL.
 *     Other masks (ppoll, pselect6, epoll_pwait, signalfd, a ucontext edited by a handler) are
 *     not filtered yet.
 *   - the handler must return (no longjmp out of it) and must be async-signal-safe.
 *   - fork children start disarmed (the seed's PT_SELF was not inherited either).
 * Callable from C and C++; the handler path never allocates and takes no locks.
 */
#ifndef PTVM_SELF_H
#define PTVM_SELF_H

#include <signal.h> /* siginfo_t: POSIX (gnu* modes, or _POSIX_C_SOURCE >= 199309L) */

#ifdef __cplusplus
extern "C" {
#endif

/* The declarations as the API was specified (hence not reformatted). */
/* clang-format off */

/* A SIGSYS handler, as for sigaction(SA_SIGINFO). `ucontext` is a ucontext_t*. */
typedef void (*ptvm_self_handler)(int sig, siginfo_t *info, void *ucontext);

#define PTVM_SELF_ANY 0  /* best mechanism available */
#define PTVM_SELF_SUD 1  /* Syscall User Dispatch */
#define PTVM_SELF_TRAP 2 /* seccomp RET_TRAP */

/* Installs ptvm's SIGSYS handler and prepares `mechanism`; ptvm owns SIGSYS from now on.
 * Returns 0, or -EINVAL for a NULL handler or an unknown mechanism, -EINVAL/-ENOSYS when the
 * kernel lacks the mechanism (with ANY: lacks both), -EBUSY when already initialised with another
 * mechanism (calling it again with the same mechanism, or ANY, only replaces the handler), or
 * another -errno of rt_sigaction/prctl/seccomp. Call it before arming any thread; it is not
 * async-signal-safe. */
int ptvm_self_init(ptvm_self_handler handler, int mechanism);

/* The next system call of the calling thread is not executed: the handler runs instead.
 * Inside the handler: re-arms for the first system call after the handler has returned.
 * Returns 0, -EPERM before ptvm_self_init(), or -errno when SUD cannot be enabled for this
 * thread. Async-signal-safe. */
int ptvm_self_on(void);

/* Disarms the calling thread (inside the handler: cancels a ptvm_self_on() made there).
 * Returns 0, or -EPERM before ptvm_self_init(). Async-signal-safe. */
int ptvm_self_off(void);

/* Performs system call `nr` for real, never trapped, and returns the kernel's value (-errno on
 * error). Outside the handler it is a plain system call. Inside the handler it performs the
 * call for the interrupted code:
 *   - rt_sigprocmask changes the signal mask restored when the handler returns (a real one would
 *     be undone by sigreturn); rt_sigprocmask, rt_sigaction and rt_sigsuspend never block SIGSYS;
 *   - clone with a new stack or CLONE_VM/CLONE_VFORK, clone3 and vfork cannot return into the
 *     handler (the child would run on another stack, or share ours): ptvm_self_syscall returns
 *     -EINPROGRESS and the call is issued in place when the handler returns; its real result
 *     replaces REG_RAX, and the argument registers keep the arguments given here;
 *   - a fork child (fork, clone without CLONE_VM) starts disarmed.
 * Async-signal-safe. */
long ptvm_self_syscall(long nr, long a1, long a2, long a3, long a4, long a5, long a6);

/* clang-format on */

#ifdef __cplusplus
}
#endif

#endif /* PTVM_SELF_H */
