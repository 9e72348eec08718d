/* The self_ptrace mechanism as the in-process runtime (ptvm-rt) uses it (not a public API):
 * every thread of the process armed for its whole life, new threads and fork/vfork children
 * armed before their first instruction, and a hook after a clone-family call that ran in place
 * (the parent's result comes back to the runtime, which could not wait for it inside the
 * handler). */
#ifndef PTVM_SELF_RUNTIME_H
#define PTVM_SELF_RUNTIME_H

#include <ucontext.h>

#include "ptvm/self.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The runtime has no TLS (it may run without a dynamic loader): each thread has a block of the
 * runtime's, which %gs points to. Its first PTVM_SELF_THREAD_SIZE bytes are this file's, and
 * their first word is the block's own address. */
#define PTVM_SELF_THREAD_SIZE 256

/* Children, as on_new_thread sees them. */
enum {
  PTVM_SELF_CHILD_THREAD = 0, /* shares the memory and runs alongside: needs a block of its own */
  PTVM_SELF_CHILD_COPY = 1,   /* memory of its own (fork, clone without CLONE_VM): its copy */
  PTVM_SELF_CHILD_SHARED = 2, /* a vfork child: on its suspended parent's block meanwhile */
};

struct ptvm_self_runtime_hooks {
  /* Every system call of every thread (the handler of ptvm_self_init): the runtime's dispatcher.
   * It performs calls with ptvm_self_syscall(); -EINPROGRESS there means "in place, later". */
  ptvm_self_handler on_trap;
  /* In a new thread or a fork/vfork child, before it runs a single instruction of the program,
   * with nothing trapped: reset per-thread state. `kind`: PTVM_SELF_CHILD_*; for
   * PTVM_SELF_CHILD_THREAD the runtime must give the thread a block of its own
   * (ptvm_self_use_block) before it returns. */
  void (*on_new_thread)(int kind);
  /* In the parent, after a call deferred with -EINPROGRESS ran: returns the result the program
   * sees. Runs on the program's stack, outside any signal handler, nothing trapped. */
  long (*after_inplace)(long result);
  /* A SIGSYS that is not a trap of ptvm's (kill -SYS, the program's own seccomp filter): the
   * runtime delivers it as the program's virtual action says. */
  ptvm_self_handler on_foreign_sigsys;
  /* The program's rt_sigreturn at `uc` (it is issued again from the allowed range once the
   * handler has returned): for the modules to hear of it. May be null. */
  void (*on_sigreturn)(ucontext_t* uc);
};

/* SUD only (the seccomp filter outlives execve, which the runtime's programs do). Arms the
 * calling thread. Returns 0 or -errno. */
int ptvm_self_runtime_init(const struct ptvm_self_runtime_hooks* hooks);

/* Whether ptvm_self_syscall(nr, a1, a2, ...) runs the call in place after the handler (and
 * returned -EINPROGRESS for it), as opposed to a call whose real result is -EINPROGRESS
 * (a non-blocking connect). */
int ptvm_self_runs_in_place(long nr, long a1, long a2);

/* Makes `block` (PTVM_SELF_THREAD_SIZE bytes of zeroes first, then the runtime's) the calling
 * thread's: %gs points to it from now on. Returns 0 or -errno. */
long ptvm_self_use_block(void* block);

/* SIGSYS is never blocked for real; whether the program blocked it (the calling thread's mask
 * as the program reads it back; the runtime carries it across execve). */
int ptvm_self_sigsys_blocked(void);
void ptvm_self_set_sigsys_blocked(int blocked);

/* A system call from the allowed range: never trapped, whatever the thread's state. */
long ptvm_self_raw_call(long nr, long a1, long a2, long a3, long a4, long a5, long a6);

#ifdef __cplusplus
}
#endif

#endif
