/* Signals whose default action kills, in every situation where ptvm's tracer stands in for the
 * program's SIG_DFL in-process (runtime/main: on_default_kill): each case runs in a child, and
 * the parent prints how it ended, which must be the same natively and under ptvm:
 * - SIGTERM while sigsuspend / ppoll unblock it for the call only (the mask they restore blocks
 *   it: it must kill all the same);
 * - a kill of itself (the call's line, then the signal's, under the tracer);
 * - a kill of itself after a handler left a blocking read by siglongjmp;
 * - raise() in a handler that interrupts a blocking read;
 * - SIG_DFL set with a full mask and an unknown flag: read back as the kernel keeps it. */
#define _GNU_SOURCE
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static sigjmp_buf jump;
static void leave(int sig) {
  (void)sig;
  siglongjmp(jump, 1);
}
static void raise_term(int sig) {
  (void)sig;
  raise(SIGTERM);
}

static void read_forever(void) {  // a read nobody ever writes to
  int p[2];
  char c;
  pipe(p);
  read(p[0], &c, 1);
}

static void term_later(void) {  // from another process, while the caller waits
  if (fork() == 0) {
    usleep(100 * 1000);
    kill(getppid(), SIGTERM);
    _exit(0);
  }
}

static void block_term(sigset_t* none) {
  sigset_t term;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  sigprocmask(SIG_BLOCK, &term, NULL);
  sigemptyset(none);
}

static void run(const char* name) {
  if (strcmp(name, "sigsuspend") == 0) {
    sigset_t none;
    block_term(&none);
    term_later();
    sigsuspend(&none);
  } else if (strcmp(name, "ppoll") == 0) {
    sigset_t none;
    block_term(&none);
    term_later();
    ppoll(NULL, 0, NULL, &none);
  } else if (strcmp(name, "kill itself") == 0) {
    kill(getpid(), SIGTERM);
  } else if (strcmp(name, "kill after siglongjmp") == 0) {
    signal(SIGALRM, leave);
    if (sigsetjmp(jump, 1) == 0) {
      alarm(1);
      read_forever();
    }
    kill(getpid(), SIGTERM);
  } else if (strcmp(name, "raise in a handler") == 0) {
    signal(SIGUSR1, raise_term);
    if (fork() == 0) {
      usleep(100 * 1000);
      kill(getppid(), SIGUSR1);
      _exit(0);
    }
    read_forever();
  } else if (strcmp(name, "read-back") == 0) {
    struct sigaction set, back;
    memset(&set, 0, sizeof set);
    sigfillset(&set.sa_mask);
    set.sa_handler = SIG_DFL;
    set.sa_flags = 0x400; /* SA_UNSUPPORTED: the kernel drops it */
    sigaction(SIGTERM, &set, NULL);
    sigaction(SIGTERM, NULL, &back);
    printf("  SIGKILL %d, SIGSTOP %d, SIGUSR1 %d in its mask, flags %#x\n",
           sigismember(&back.sa_mask, SIGKILL), sigismember(&back.sa_mask, SIGSTOP),
           sigismember(&back.sa_mask, SIGUSR1), (unsigned)(back.sa_flags & ~0x04000000));
    return;
  }
  printf("  survived\n");
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  alarm(30);
  const char* cases[] = {"sigsuspend",         "ppoll",     "kill itself", "kill after siglongjmp",
                         "raise in a handler", "read-back"};
  for (unsigned i = 0; i < sizeof cases / sizeof *cases; ++i) {
    printf("%s:\n", cases[i]);
    const pid_t child = fork();
    if (child == 0) {
      run(cases[i]);
      _exit(0);
    }
    int status;
    while (waitpid(child, &status, 0) < 0) {
    }
    if (WIFSIGNALED(status)) {
      printf("  killed by %s\n", strsignal(WTERMSIG(status)));
    } else {
      printf("  exit %d\n", WEXITSTATUS(status));
    }
  }
  return 0;
}
