/* The program's own SIGSEGV and SIGBUS: handlers that recover with siglongjmp, SA_RESETHAND, a
 * sent SIGSEGV handled and ignored, a bad pointer handed to a system call (EFAULT, while the
 * tracer reads it), a child killed by a real fault. The in-process runtime owns these signals
 * for its own safe copies and must make all of it look native. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;
static sigjmp_buf env;
static volatile int handled;

static void recover(int sig) {
  handled = sig;
  siglongjmp(env, 1);
}

static void count(int sig) {
  handled = sig;
}

static void fault_with(int flags, const char* what) {
  struct sigaction sa = {0};
  sa.sa_handler = recover;
  sa.sa_flags = flags;
  sigaction(SIGSEGV, &sa, 0);
  handled = 0;
  if (sigsetjmp(env, 1) == 0) *(volatile int*)0 = 1;
  struct sigaction now;
  sigaction(SIGSEGV, 0, &now);
  printf("%s: handled %d, action now %s\n", what, handled,
         now.sa_handler == recover   ? "the handler"
         : now.sa_handler == SIG_DFL ? "SIG_DFL"
                                     : "?");
}

int main(void) {
  fault_with(0, "NULL write");
  fault_with(SA_RESETHAND, "NULL write, SA_RESETHAND");
  fault_with(SA_NODEFER, "NULL write again");

  /* SIGBUS: a mapping past the end of its (empty) file. */
  char path[] = "/tmp/ptvm-fault-XXXXXX";
  int fd = mkstemp(path);
  unlink(path);
  volatile char* p = mmap(0, 4096, PROT_READ, MAP_SHARED, fd, 0);
  struct sigaction sa = {0};
  sa.sa_handler = recover;
  sigaction(SIGBUS, &sa, 0);
  handled = 0;
  if (sigsetjmp(env, 1) == 0) (void)p[0];
  printf("read past the end of a file: handled %d\n", handled);

  /* A bad pointer given to the kernel: EFAULT, no signal. */
  errno = 0;
  const void* volatile bad = (const void*)16;
  long r = write(1, bad, 8);
  printf("write from a bad pointer: %ld %s\n", r, errno == EFAULT ? "EFAULT" : "?");

  /* A SIGSEGV sent, handled, then ignored. */
  sa.sa_handler = count;
  sigaction(SIGSEGV, &sa, 0);
  handled = 0;
  kill(getpid(), SIGSEGV);
  printf("sent SIGSEGV: handled %d\n", handled);
  sa.sa_handler = SIG_IGN;
  sigaction(SIGSEGV, &sa, 0);
  kill(getpid(), SIGSEGV);
  printf("sent SIGSEGV while ignored: still here\n");

  /* posix_spawn resets every handled signal in its child, which shares our memory until it
   * executes: our handler must still be ours afterwards. */
  sa.sa_handler = recover;
  sigaction(SIGSEGV, &sa, 0);
  char* argv_true[] = {"true", 0};
  pid_t spawned;
  int spawn_error = posix_spawn(&spawned, "/bin/true", 0, 0, argv_true, environ);
  int spawn_status = -1;
  if (spawn_error == 0) waitpid(spawned, &spawn_status, 0);
  handled = 0;
  if (sigsetjmp(env, 1) == 0) *(volatile int*)0 = 1;
  printf("after posix_spawn (%d, status %d): handled %d\n", spawn_error, spawn_status, handled);

  /* A real fault with the default action: the child dies of it. */
  fflush(stdout);
  pid_t c = fork();
  if (c == 0) {
    struct rlimit no_core = {0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
    signal(SIGSEGV, SIG_DFL);
    *(volatile int*)0 = 1;
    _exit(0);
  }
  int st;
  waitpid(c, &st, 0);
  printf("child: %s %d\n", WIFSIGNALED(st) ? "killed by" : "exited",
         WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
  return 0;
}
