/* A clone(CLONE_VM | SIGCHLD) child on a stack of its own: a process that shares its parent's
 * memory without being a thread or a vfork child. It prints its pid and ends with exit_group(7);
 * the parent then waits for it, prints its own pid and the child's status, and makes one more
 * call. Under ptvm trace, each line must carry the pid of the process that made the call, and
 * each `+++ exited with N +++` the pid of the process that ended (clone_vm_exit.sh): the
 * in-process runtime must not take the child's pid for its parent's (shared memory). */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int child(void* arg) {
  (void)arg;
  char line[64];
  const int n = snprintf(line, sizeof line, "child %ld\n", (long)syscall(SYS_getpid));
  write(1, line, (size_t)n);
  syscall(SYS_exit_group, 7);
  return 0;
}

int main(void) {
  alarm(30);
  const size_t size = 1 << 16;
  char* stack = mmap(0, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (stack == MAP_FAILED) return 1;
  const pid_t c = clone(child, stack + size, CLONE_VM | SIGCHLD, 0);
  if (c < 0) return 1;
  int status = 0;
  if (waitpid(c, &status, 0) != c) return 1;
  char line[96];
  const int n = snprintf(line, sizeof line, "parent %ld child %ld status %d\n",
                         (long)syscall(SYS_getpid), (long)c, WEXITSTATUS(status));
  write(1, line, (size_t)n);
  getppid(); /* a call of the parent's after the child is gone */
  return 3;
}
