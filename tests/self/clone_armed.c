/* pthread_create and pthread_join from an armed thread whose handler performs every call and
 * re-arms: the clone3 (or clone) that starts the new thread cannot return into the handler (the
 * child runs on its own stack), so ptvm_self_syscall answers -EINPROGRESS and ptvm performs it
 * in place when the handler returns. The new thread starts disarmed, like any other. */
#include "self_test.h"

static volatile int traps, chain, clones, foreign, thread_ran, thread_ppid_ok;
static volatile long clone_answer;
static __thread volatile pid_t armed_tid;
static pid_t volatile owner_tid;

static void handler(int sig, siginfo_t* info, void* ctx) {
  (void)sig;
  traps++;
  if ((pid_t)syscall(SYS_gettid) != owner_tid) foreign++;
  long r = st_perform(info, ctx);
  if (info->si_syscall == SYS_clone3 || info->si_syscall == SYS_clone) {
    clones++;
    clone_answer = r;
  }
  st_regs(ctx)[REG_RAX] = r;
  if (chain) ptvm_self_on();
}

static void* thread_main(void* arg) {
  (void)arg;
  thread_ran = 1;
  thread_ppid_ok = getppid() == st_real_ppid; /* not armed: native, not seen by the handler */
  return (void*)42;
}

static void behaviour(void) {
  armed_tid = (pid_t)syscall(SYS_gettid);
  owner_tid = armed_tid;
  traps = clones = foreign = thread_ran = thread_ppid_ok = 0;
  clone_answer = 0;
  pthread_t t;
  void* ret = NULL;
  chain = 1;
  ST_CHECK(ptvm_self_on() == 0);
  st_pause_armed();
  int created = pthread_create(&t, NULL, thread_main, NULL);
  int joined = created == 0 ? pthread_join(t, &ret) : -1;
  chain = 0;
  ST_CHECK(ptvm_self_off() == 0);
  ST_CHECK(created == 0 && joined == 0 && ret == (void*)42);
  ST_CHECK(thread_ran == 1 && thread_ppid_ok == 1);
  ST_CHECK(clones == 1 && clone_answer == -EINPROGRESS);
  ST_CHECK(foreign == 0);
  ST_CHECK(traps > clones); /* mmap, mprotect, rt_sigprocmask, futex... went through too */
  st_say("%s: pthread_create while armed: the clone ran in place, the new thread was not armed\n",
         st_where());
}

int main(int argc, char** argv) {
  st_init(handler, argc, argv);
  return st_run(behaviour);
}
