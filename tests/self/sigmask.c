/* Signal masks. rt_sigprocmask performed by the handler through ptvm_self_syscall changes the
 * mask of the interrupted code (the one sigreturn restores), never blocking SIGSYS. Code that
 * blocks every signal (glibc's raise, a full sa_mask, sigsuspend with a full mask) keeps working:
 * under TRAP, where every call traps, ptvm keeps SIGSYS out of those masks. */
#include "self_test.h"

static volatile int usr2, usr2_ppid_ok;

static void on_usr2(int sig) {
  (void)sig;
  usr2++;
  usr2_ppid_ok = getppid() == st_real_ppid; /* a system call with (almost) every signal blocked */
}

static int blocked(int sig) {
  sigset_t cur;
  if (pthread_sigmask(SIG_SETMASK, NULL, &cur) != 0) return -1;
  return sigismember(&cur, sig);
}

static void behaviour(void) {
  sigset_t set, old;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR2);
  sigaddset(&set, SIGSYS);
  st_traps = 0;
  ST_CHECK(ptvm_self_on() == 0);
  st_pause_armed();
  int r = pthread_sigmask(SIG_BLOCK, &set, &old);
  ST_CHECK(r == 0 && st_traps == 1 && st_seen_nr == SYS_rt_sigprocmask);
  ST_CHECK(blocked(SIGUSR2) == 1); /* survived the handler's sigreturn */
  ST_CHECK(blocked(SIGSYS) == 0);
  ST_CHECK(sigismember(&old, SIGUSR2) == 0);
  st_say(
      "%s: rt_sigprocmask performed by the handler: SIGUSR2 blocked after it returned, SIGSYS "
      "not\n",
      st_where());

  /* SIGUSR2 pending while blocked, then sigsuspend with every signal but SIGUSR2 blocked: the
   * handler runs (and makes a call) during the wait. */
  usr2 = usr2_ppid_ok = 0;
  ST_CHECK(raise(SIGUSR2) == 0); /* glibc blocks every signal around tgkill */
  ST_CHECK(usr2 == 0);
  sigset_t all_but_usr2;
  sigfillset(&all_but_usr2);
  sigdelset(&all_but_usr2, SIGUSR2);
  r = sigsuspend(&all_but_usr2);
  ST_CHECK(r == -1 && errno == EINTR);
  ST_CHECK(usr2 == 1 && usr2_ppid_ok == 1);
  ST_CHECK(blocked(SIGUSR2) == 1);
  st_say("%s: raise, then sigsuspend with a full mask: the SIGUSR2 handler ran and made a call\n",
         st_where());

  /* Every signal blocked by the application, calls made, mask restored. */
  sigset_t all;
  sigfillset(&all);
  ST_CHECK(pthread_sigmask(SIG_SETMASK, &all, &old) == 0);
  ST_CHECK(getppid() == st_real_ppid);
  ST_CHECK(pthread_sigmask(SIG_SETMASK, &old, NULL) == 0);
  ST_CHECK(pthread_sigmask(SIG_UNBLOCK, &set, NULL) == 0);
  ST_CHECK(blocked(SIGUSR2) == 0);
  st_say("%s: every signal blocked by the application: calls still work\n", st_where());
}

int main(int argc, char** argv) {
  st_init(st_counting_handler, argc, argv);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr2;
  sigfillset(&sa.sa_mask); /* the handler runs with every signal blocked */
  ST_CHECK(sigaction(SIGUSR2, &sa, NULL) == 0);
  return st_run(behaviour);
}
