/* The seed's action 4: the handler emulates the call, which is never executed: getpid returns
 * 4242, and a write to a pipe returns its count while nothing reaches the pipe. Other threads
 * keep the real pid meanwhile (the bystander checks getpid). */
#include "self_test.h"

#include <sys/ioctl.h>

static volatile int traps;

static void handler(int sig, siginfo_t* info, void* ctx) {
  (void)sig;
  greg_t* g = st_regs(ctx);
  traps++;
  switch (info->si_syscall) {
    case SYS_getpid:
      g[REG_RAX] = 4242;
      break;
    case SYS_write:
      g[REG_RAX] = g[REG_RDX];
      break; /* "all written" */
    default:
      g[REG_RAX] = -ENOSYS;
      break;
  }
}

static void behaviour(void) {
  traps = 0;
  ST_CHECK(ptvm_self_on() == 0);
  st_pause_armed();
  pid_t pid = getpid();
  ST_CHECK(traps == 1);
  ST_CHECK(pid == 4242);
  ST_CHECK(getpid() == st_real_pid); /* disarmed again: native */
  st_say("%s: getpid emulated: %d\n", st_where(), (int)pid);

  int fds[2];
  ST_CHECK(pipe(fds) == 0);
  traps = 0;
  ST_CHECK(ptvm_self_on() == 0);
  st_pause_armed();
  ssize_t w = write(fds[1], "data", 4);
  int queued = -1;
  ST_CHECK(ioctl(fds[0], FIONREAD, &queued) == 0);
  ST_CHECK(traps == 1);
  ST_CHECK(w == 4);
  ST_CHECK(queued == 0);
  st_say("%s: write emulated: returned %zd, %d bytes reached the pipe\n", st_where(), w, queued);
  close(fds[0]);
  close(fds[1]);
}

int main(int argc, char** argv) {
  st_init(handler, argc, argv);
  return st_run(behaviour);
}
