/* A child sharing this memory without being a thread: clone(CLONE_VM) with SIGCHLD, which a
 * tracer sees as a fork event. Child and parent write at once, and each write must return its
 * own length (under the ptrace backend they must not share a block of the return trampoline). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static int null_fd;
static int writer(void* arg) {
  (void)arg;
  int wrong = 0;
  for (int i = 0; i < 300; ++i) wrong += write(null_fd, "child!!", 7) != 7;
  return wrong;
}
int main(void) {
  alarm(30);
  null_fd = open("/dev/null", O_WRONLY);
  const size_t size = 1 << 16;
  char* stack = mmap(0, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  pid_t c = clone(writer, stack + size, CLONE_VM | SIGCHLD, 0);
  int wrong = 0;
  for (int i = 0; i < 300; ++i) wrong += write(null_fd, "par", 3) != 3;
  int s;
  waitpid(c, &s, 0);
  printf("clone(CLONE_VM) child and parent writing at once, wrong results: %d and %d\n",
         WEXITSTATUS(s), wrong);
  close(null_fd);
  munmap(stack, size);
  return 0;
}
