/* A process created by the raw clone3 system call. */
#define _GNU_SOURCE
#include <linux/sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
int main(void) {
  alarm(20);
  struct clone_args args;
  memset(&args, 0, sizeof args);
  args.exit_signal = SIGCHLD;
  long pid = syscall(SYS_clone3, &args, sizeof args);
  if (pid < 0) {
    printf("clone3 unavailable\n");
    return 0;
  }
  if (pid == 0) {
    printf("child of clone3\n");
    fflush(stdout);
    _exit(9);
  }
  int s;
  waitpid(pid, &s, 0);
  printf("clone3 child exited with %d\n", WEXITSTATUS(s));
  return 0;
}
