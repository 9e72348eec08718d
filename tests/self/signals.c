/* Another signal arriving while the thread is armed. Its handler returns through libc's
 * restorer: that rt_sigreturn never reaches the handler and the thread stays armed (the seed
 * exempted rt_sigreturn too). A system call made by that signal handler is the thread's next
 * system call: it is the one that traps. */
#include "self_test.h"

static volatile int traps, usr1, usr1_calls_getuid;
static volatile long seen[4];
static volatile pid_t target_tid;
static volatile int go, helper_stop;

static void handler(int sig, siginfo_t* info, void* ctx) {
  (void)sig;
  if (traps < 4) seen[traps] = info->si_syscall;
  traps++;
  st_regs(ctx)[REG_RAX] = st_perform(info, ctx);
}

static void on_usr1(int sig) {
  (void)sig;
  if (usr1_calls_getuid) (void)getuid();
  usr1++;
}

/* Sends SIGUSR1 to target_tid each time `go` is raised (from another thread: no call of the
 * armed thread is involved). */
static void* helper(void* arg) {
  (void)arg;
  while (!__atomic_load_n(&helper_stop, __ATOMIC_ACQUIRE)) {
    if (__atomic_exchange_n(&go, 0, __ATOMIC_ACQ_REL)) {
      syscall(SYS_tgkill, st_real_pid, target_tid, SIGUSR1);
    }
    sched_yield();
  }
  return NULL;
}

static void one_round(int calls_getuid) {
  traps = 0;
  usr1 = 0;
  usr1_calls_getuid = calls_getuid;
  ST_CHECK(ptvm_self_on() == 0);
  st_pause_armed();
  __atomic_store_n(&go, 1, __ATOMIC_RELEASE);
  while (__atomic_load_n(&usr1, __ATOMIC_ACQUIRE) == 0) __asm__ volatile("pause");
  pid_t ppid = getppid();
  ST_CHECK(usr1 == 1 && ppid == st_real_ppid);
  ST_CHECK(traps == 1);
  ST_CHECK(seen[0] == (calls_getuid ? SYS_getuid : SYS_getppid));
  ST_CHECK(ptvm_self_off() == 0);
}

static void behaviour(void) {
  target_tid = (pid_t)syscall(SYS_gettid);
  helper_stop = 0;
  pthread_t h;
  ST_CHECK(pthread_create(&h, NULL, helper, NULL) == 0);
  one_round(0);
  st_say("%s: SIGUSR1 handled while armed: its return did not trap, the next call (%ld) did\n",
         st_where(), seen[0]);
  one_round(1);
  st_say("%s: SIGUSR1 handler calling getuid while armed: that call (%ld) trapped\n", st_where(),
         seen[0]);
  __atomic_store_n(&helper_stop, 1, __ATOMIC_RELEASE);
  ST_CHECK(pthread_join(h, NULL) == 0);
}

int main(int argc, char** argv) {
  st_init(handler, argc, argv);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  ST_CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
  return st_run(behaviour);
}
