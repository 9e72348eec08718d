/* Signals delivered to handlers of every kind, each at a point that does not depend on timing
 * (sent to itself, or unblocked after a child's end), so that `ptvm trace` prints the same
 * `--- SIGxxx {...} ---` lines on both backends (parity.sh inprocess_signals): a plain handler
 * and an SA_SIGINFO one, SA_RESETHAND, SA_NODEFER, a handler changed to another, SIGCHLD of a
 * child that ended, a SIGSEGV fault and a sent SIGSEGV, a SIGBUS sent, a SIGSYS raised (not a
 * trap of ptvm's). It prints what the handlers saw and what rt_sigaction reads back (the
 * program's own handler and flags: ptvm installs a wrapper of its own), for compare.sh, and the
 * same of SIG_DFL actions of signals that kill (ptvm's tracer stands in for them in-process). */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t plain_count, info_count, last_code, nested;
static sigjmp_buf fault_jump;

static void plain(int sig) {
  plain_count += sig;
}
static void with_info(int sig, siginfo_t* info, void* context) {
  (void)context;
  info_count += sig;
  last_code = info->si_code;
}
static void other(int sig) {
  plain_count += 1000 * sig;
}
/* A fault leaves by siglongjmp; a sent one returns (in-process, a handler that leaves a call
 * the runtime performs by siglongjmp loses that call's exit line: runtime/main/README.md). */
static void fault(int sig, siginfo_t* info, void* context) {
  (void)context;
  last_code = info->si_code;
  if (info->si_code > 0) siglongjmp(fault_jump, sig);
}
static void reentrant(int sig) {
  if (nested++ == 0) raise(sig); /* SA_NODEFER: delivered inside this very handler */
}

static void install(int sig, void* handler, int flags) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = flags;
  if (flags & SA_SIGINFO) {
    sa.sa_sigaction = (void (*)(int, siginfo_t*, void*))handler;
  } else {
    sa.sa_handler = (void (*)(int))handler;
  }
  if (sigaction(sig, &sa, NULL) != 0) perror("sigaction");
}

/* What rt_sigaction reads back: the program's own handler and flags. */
static void show(const char* name, int sig, void* handler) {
  struct sigaction old;
  sigaction(sig, NULL, &old);
  const void* h = (old.sa_flags & SA_SIGINFO) ? (void*)old.sa_sigaction : (void*)old.sa_handler;
  printf("%s: %s, flags %#x\n", name,
         h == handler          ? "its handler"
         : h == (void*)SIG_DFL ? "SIG_DFL"
         : h == (void*)SIG_IGN ? "SIG_IGN"
                               : "another handler",
         (unsigned)(old.sa_flags & ~0x04000000 /* SA_RESTORER */));
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  alarm(30);
  install(SIGUSR1, plain, SA_RESTART);
  show("SIGUSR1", SIGUSR1, plain);
  kill(getpid(), SIGUSR1);
  install(SIGUSR2, with_info, SA_SIGINFO);
  show("SIGUSR2", SIGUSR2, with_info);
  raise(SIGUSR2);
  printf("plain %d, with info %d, code %d\n", plain_count, info_count, last_code);

  /* SA_RESETHAND: the action reads back as SIG_DFL after one delivery. */
  install(SIGWINCH, plain, SA_RESETHAND);
  kill(getpid(), SIGWINCH);
  show("SIGWINCH after one", SIGWINCH, plain);
  /* SA_NODEFER: a second delivery inside the handler. */
  install(SIGHUP, reentrant, SA_NODEFER);
  raise(SIGHUP);
  printf("nested %d\n", nested);
  /* A handler replaced by another. */
  install(SIGUSR1, other, 0);
  show("SIGUSR1 replaced", SIGUSR1, other);
  kill(getpid(), SIGUSR1);
  printf("plain %d\n", plain_count);

  /* SIGCHLD of a child that ended, delivered when the parent unblocks it. */
  install(SIGCHLD, with_info, SA_SIGINFO | SA_RESTART);
  sigset_t chld, old;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigprocmask(SIG_BLOCK, &chld, &old);
  pid_t c = fork();
  if (c == 0) _exit(5);
  int status;
  waitpid(c, &status, 0);
  sigprocmask(SIG_SETMASK, &old, NULL);
  printf("child status %d, SIGCHLD code %d\n", WEXITSTATUS(status), last_code);

  /* SIGSEGV: a fault, then one sent; SIGBUS sent; each reported once. */
  install(SIGSEGV, fault, SA_SIGINFO | SA_NODEFER);
  show("SIGSEGV", SIGSEGV, fault);
  if (sigsetjmp(fault_jump, 1) == 0) *(volatile int*)0 = 1;
  printf("fault: code %d\n", last_code);
  kill(getpid(), SIGSEGV);
  printf("sent SIGSEGV: code %d\n", last_code);
  install(SIGBUS, fault, SA_SIGINFO);
  raise(SIGBUS);
  printf("sent SIGBUS: code %d\n", last_code);

  /* rt_sigsuspend ended by a handler (a tracer sees ERESTARTNOHAND, then the handler's
   * rt_sigreturn restores the mask: everything blocked, SIGSYS too), with a handler whose
   * sa_mask names every signal, SIGSYS included (read back as given). */
  struct sigaction sa, back;
  memset(&sa, 0, sizeof sa);
  sigfillset(&sa.sa_mask);
  sa.sa_handler = plain;
  sigaction(SIGUSR2, &sa, NULL);
  sigaction(SIGUSR2, NULL, &back);
  printf("sa_mask read back: SIGSYS %d, SIGUSR1 %d\n", sigismember(&back.sa_mask, SIGSYS),
         sigismember(&back.sa_mask, SIGUSR1));
  sigset_t all, before, none;
  sigfillset(&all);
  sigemptyset(&none);
  sigprocmask(SIG_BLOCK, &all, &before);
  kill(getpid(), SIGUSR2); /* pending until the suspend */
  const int suspended = sigsuspend(&none);
  const int suspend_errno = errno;
  sigset_t now;
  sigprocmask(SIG_SETMASK, &before, &now);
  printf("sigsuspend: %d (%s), SIGSYS blocked after it %d, plain %d\n", suspended,
         strerror(suspend_errno), sigismember(&now, SIGSYS), plain_count);

  /* SIGSYS that is not a trap: a handler of the program's. */
  install(SIGSYS, with_info, SA_SIGINFO);
  show("SIGSYS", SIGSYS, with_info);
  raise(SIGSYS);
  printf("SIGSYS: code %d\n", last_code);

  /* SIG_DFL of signals that kill, inherited and set: read back as the program has them (in
   * ptvm's tracer, a handler of ptvm's stands in for them to report the signal). */
  show("SIGPIPE inherited", SIGPIPE, (void*)plain);
  struct sigaction dfl, dfl_back;
  memset(&dfl, 0, sizeof dfl);
  sigemptyset(&dfl.sa_mask);
  sigaddset(&dfl.sa_mask, SIGUSR1);
  dfl.sa_handler = SIG_DFL;
  dfl.sa_flags = SA_RESTART;
  sigaction(SIGTERM, &dfl, NULL);
  show("SIGTERM set to SIG_DFL", SIGTERM, (void*)plain);
  sigaction(SIGTERM, NULL, &dfl_back);
  printf("its sa_mask: SIGUSR1 %d\n", sigismember(&dfl_back.sa_mask, SIGUSR1));
  return 0;
}
