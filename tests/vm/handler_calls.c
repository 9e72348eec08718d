/* System calls made by signal handlers, and a handler left with siglongjmp: the program's code
 * all the same (the in-process runtime runs the program's handlers while it performs a call for
 * the program). Also: the program's own SIGSYS handler and SIG_IGN, and
 * prctl(PR_SET_SYSCALL_USER_DISPATCH, OFF), which must not switch interception off.
 * Paths under $PTVM_TEST_PREFIX (default /etc): the tests redirect a fake prefix to /etc. */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static char path[256];
static sigjmp_buf env;
static volatile int opened = -2, got_sys;

static int try_open(void) {
  int fd = open(path, O_RDONLY);
  if (fd >= 0) close(fd);
  return fd >= 0;
}

static void on_alarm(int sig) {
  (void)sig;
  opened = try_open(); /* inside pause(), which the runtime was performing */
}

static void on_alarm_jump(int sig) {
  (void)sig;
  siglongjmp(env, 1);
}

static void on_usr1(int sig) {
  (void)sig;
  getppid(); /* the trace must show it */
}

static void on_sys(int sig, siginfo_t* info, void* ctx) {
  (void)sig;
  (void)ctx;
  got_sys = info->si_signo;
}

int main(void) {
  const char* prefix = getenv("PTVM_TEST_PREFIX");
  snprintf(path, sizeof path, "%s/hostname", prefix ? prefix : "/etc");
  signal(SIGALRM, on_alarm);
  alarm(1);
  pause();
  printf("open in a handler interrupting pause: %d\n", opened);

  signal(SIGALRM, on_alarm_jump);
  if (sigsetjmp(env, 1) == 0) {
    alarm(1);
    pause();
  }
  printf("open after leaving a handler with siglongjmp: %d\n", try_open());

  signal(SIGUSR1, on_usr1);
  raise(SIGUSR1);
  printf("raise(SIGUSR1) handled\n");

  struct sigaction sa = {0}, old;
  sa.sa_sigaction = on_sys;
  sa.sa_flags = SA_SIGINFO;
  int r = sigaction(SIGSYS, &sa, &old);
  printf("sigaction(SIGSYS): %d, before: %s\n", r, old.sa_handler == SIG_DFL ? "SIG_DFL" : "?");
  raise(SIGSYS);
  printf("raise(SIGSYS): handler saw signal %d\n", got_sys);
  signal(SIGSYS, SIG_IGN);
  raise(SIGSYS);
  printf("raise(SIGSYS) while ignored: still here\n");

  r = prctl(59 /* PR_SET_SYSCALL_USER_DISPATCH */, 0 /* OFF */, 0, 0, 0);
  printf("dispatch off: %d; open after it: %d\n", r, try_open());

  fflush(stdout);
  pid_t c = fork();
  if (c == 0) _exit(try_open() ? 7 : 8);
  int st;
  waitpid(c, &st, 0);
  printf("fork child: exit %d\n", WEXITSTATUS(st));
  return 0;
}
