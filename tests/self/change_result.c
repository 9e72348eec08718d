/* The seed's action 7: the handler performs the call, then changes its result: a failed openat
 * reports EACCES instead of ENOENT, a read reports one byte less than it moved. */
#include "self_test.h"

#include <fcntl.h>

static volatile int traps;
static volatile long real_result;

static void handler(int sig, siginfo_t* info, void* ctx) {
  (void)sig;
  greg_t* g = st_regs(ctx);
  traps++;
  long r = st_perform(info, ctx);
  real_result = r;
  if (info->si_syscall == SYS_openat && r == -ENOENT) r = -EACCES;
  if (info->si_syscall == SYS_read && r > 0) r -= 1;
  g[REG_RAX] = r;
}

static void behaviour(void) {
  traps = 0;
  ST_CHECK(ptvm_self_on() == 0);
  st_pause_armed();
  int fd = open("/nonexistent/ptvm-self", O_RDONLY);
  int err = errno;
  ST_CHECK(traps == 1);
  ST_CHECK(real_result == -ENOENT);
  ST_CHECK(fd == -1 && err == EACCES);
  st_say("%s: openat really failed with ENOENT, the application saw %s\n", st_where(),
         strerror(err));

  int fds[2];
  char buf[8];
  ST_CHECK(pipe(fds) == 0);
  ST_CHECK(write(fds[1], "1234", 4) == 4);
  traps = 0;
  ST_CHECK(ptvm_self_on() == 0);
  st_pause_armed();
  ssize_t r = read(fds[0], buf, sizeof buf);
  ST_CHECK(traps == 1);
  ST_CHECK(real_result == 4 && r == 3);
  st_say("%s: read really moved %ld bytes, the application saw %zd\n", st_where(), real_result, r);
  close(fds[0]);
  close(fds[1]);
}

int main(int argc, char** argv) {
  st_init(handler, argc, argv);
  return st_run(behaviour);
}
