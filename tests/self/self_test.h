/* Shared harness of the self_ptrace tests (include/ptvm/self.h): the mechanism from argv, checks,
 * output through write(2) (never while the calling thread is armed), and st_run(), which runs one
 * behaviour in the main thread, then in a second thread while a third thread that never arms
 * keeps making system calls and checks that they stay native.
 *
 * Usage: prog sud|trap|any. Exit status: 0 every check passed, 1 a check failed, 2 usage,
 * 77 the mechanism is not available on this kernel (ctest SKIP_RETURN_CODE).
 * Output is deterministic and the same under every mechanism.
 */
#ifndef PTVM_TESTS_SELF_TEST_H
#define PTVM_TESTS_SELF_TEST_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* ucontext's REG_* names; include this header first */
#endif
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include "ptvm/self.h"

static int st_failures;
static pid_t st_real_pid, st_real_ppid;
static int st_mech;
static __thread const char* st_name = "main";
static __thread int st_threaded; /* the worker of st_run: wait for the bystander while armed */

static inline const char* st_where(void) {
  return st_name;
}

static inline void st_write_all(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w <= 0) return;
    p += w;
    n -= (size_t)w;
  }
}

/* Not async-signal-safe: never from a handler, never while armed. */
__attribute__((format(printf, 1, 2))) static inline void st_say(const char* fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n > (int)sizeof buf - 1) n = (int)sizeof buf - 1;
  if (n > 0) st_write_all(1, buf, (size_t)n);
}

#define ST_CHECK(cond)                                                        \
  do {                                                                        \
    if (!(cond)) {                                                            \
      st_say("FAIL %s:%d (%s): %s\n", __FILE__, __LINE__, st_where(), #cond); \
      __atomic_add_fetch(&st_failures, 1, __ATOMIC_RELAXED);                  \
    }                                                                         \
  } while (0)

/* Async-signal-safe formatting for handlers: appends decimal `v` to `buf` at `*len`. */
static inline void st_append_long(char* buf, size_t* len, long v) {
  char tmp[24];
  int n = 0;
  unsigned long u = v < 0 ? 0UL - (unsigned long)v : (unsigned long)v;
  do tmp[n++] = (char)('0' + u % 10);
  while ((u /= 10) != 0);
  if (v < 0) buf[(*len)++] = '-';
  while (n > 0) buf[(*len)++] = tmp[--n];
}
static inline void st_append_str(char* buf, size_t* len, const char* s) {
  while (*s) buf[(*len)++] = *s++;
}

static inline greg_t* st_regs(void* ctx) {
  return ((ucontext_t*)ctx)->uc_mcontext.gregs;
}

/* The trapped call performed for real with its own arguments: the seed's action 6. */
static inline long st_perform(siginfo_t* info, void* ctx) {
  greg_t* g = st_regs(ctx);
  return ptvm_self_syscall(info->si_syscall, g[REG_RDI], g[REG_RSI], g[REG_RDX], g[REG_R10],
                           g[REG_R8], g[REG_R9]);
}

/* The handler of most behaviours: counts the traps, remembers the number, performs the call. */
static volatile int st_traps;
static volatile long st_seen_nr = -1;
static inline void st_counting_handler(int sig, siginfo_t* info, void* ctx) {
  (void)sig;
  st_traps++;
  st_seen_nr = info->si_syscall;
  st_regs(ctx)[REG_RAX] = st_perform(info, ctx);
}

static inline int st_parse(int argc, char** argv) {
  if (argc == 2 && strcmp(argv[1], "sud") == 0) return PTVM_SELF_SUD;
  if (argc == 2 && strcmp(argv[1], "trap") == 0) return PTVM_SELF_TRAP;
  if (argc == 2 && strcmp(argv[1], "any") == 0) return PTVM_SELF_ANY;
  fprintf(stderr, "usage: %s sud|trap|any\n", argc > 0 ? argv[0] : "self_test");
  exit(2);
}

/* Records the real pid/ppid (before any interposition) and initialises ptvm's self API. */
static inline void st_init(ptvm_self_handler handler, int argc, char** argv) {
  st_mech = st_parse(argc, argv);
  st_real_pid = getpid();
  st_real_ppid = getppid();
  int r = ptvm_self_init(handler, st_mech);
  if ((r == -EINVAL || r == -ENOSYS) && st_mech != PTVM_SELF_ANY) {
    st_say("SKIP: %s unavailable on this kernel (%s)\n", argv[1], strerror(-r));
    exit(77);
  }
  if (r != 0) {
    st_say("FAIL: ptvm_self_init: %s\n", strerror(-r));
    exit(1);
  }
}

/* ---- st_run: main thread, then a second thread next to a never-armed third one ------------ */

static long st_bystander_calls;
static int st_bystander_bad, st_bystander_stop;

/* Called by a behaviour between ptvm_self_on() and its system call. In the second thread it
 * waits (spinning, no system call) until the bystander has made calls while this one is armed. */
static inline void st_pause_armed(void) {
  if (!st_threaded) return;
  long start = __atomic_load_n(&st_bystander_calls, __ATOMIC_ACQUIRE);
  while (__atomic_load_n(&st_bystander_calls, __ATOMIC_ACQUIRE) < start + 3) {
    __asm__ volatile("pause");
  }
}

static inline void* st_bystander(void* arg) {
  (void)arg;
  st_name = "bystander";
  while (!__atomic_load_n(&st_bystander_stop, __ATOMIC_ACQUIRE)) {
    if (getpid() != st_real_pid || getppid() != st_real_ppid) {
      __atomic_add_fetch(&st_bystander_bad, 1, __ATOMIC_RELAXED);
    }
    __atomic_add_fetch(&st_bystander_calls, 1, __ATOMIC_RELEASE);
  }
  return NULL;
}

static inline void* st_worker(void* arg) {
  st_name = "thread";
  st_threaded = 1;
  ((void (*)(void))arg)();
  return NULL;
}

static inline int st_run(void (*behaviour)(void)) {
  behaviour();

  pthread_t bystander, worker;
  ST_CHECK(pthread_create(&bystander, NULL, st_bystander, NULL) == 0);
  while (__atomic_load_n(&st_bystander_calls, __ATOMIC_ACQUIRE) == 0) sched_yield();
  ST_CHECK(pthread_create(&worker, NULL, st_worker, (void*)behaviour) == 0);
  ST_CHECK(pthread_join(worker, NULL) == 0);
  __atomic_store_n(&st_bystander_stop, 1, __ATOMIC_RELEASE);
  ST_CHECK(pthread_join(bystander, NULL) == 0);
  ST_CHECK(st_bystander_bad == 0);
  st_say("bystander: never armed, its system calls stayed native\n");

  if (st_failures != 0) {
    st_say("%d check(s) failed\n", st_failures);
    return 1;
  }
  return 0;
}

#endif /* PTVM_TESTS_SELF_TEST_H */
