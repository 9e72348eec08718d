/* The seed's action 5: the handler performs the call with other arguments through
 * ptvm_self_syscall: a write to fd 1 goes out with another buffer and length, a read asks for
 * fewer bytes than the application did. */
#include "self_test.h"

static volatile int traps;
static __thread char replacement[96];
static __thread size_t replacement_len;

static void handler(int sig, siginfo_t* info, void* ctx) {
  (void)sig;
  greg_t* g = st_regs(ctx);
  traps++;
  if (info->si_syscall == SYS_write) {
    g[REG_RAX] =
        ptvm_self_syscall(SYS_write, g[REG_RDI], (long)replacement, (long)replacement_len, 0, 0, 0);
  } else if (info->si_syscall == SYS_read) {
    g[REG_RAX] = ptvm_self_syscall(SYS_read, g[REG_RDI], g[REG_RSI], 2, 0, 0, 0);
  } else {
    g[REG_RAX] = st_perform(info, ctx);
  }
}

static void behaviour(void) {
  replacement_len =
      (size_t)snprintf(replacement, sizeof replacement,
                       "%s: the handler's buffer replaced the application's\n", st_where());
  traps = 0;
  ST_CHECK(ptvm_self_on() == 0);
  st_pause_armed();
  ssize_t w = write(1, "the application's buffer (never written)\n", 41);
  ST_CHECK(traps == 1);
  ST_CHECK(w == (ssize_t)replacement_len);

  int fds[2];
  char buf[8] = {0};
  ST_CHECK(pipe(fds) == 0);
  ST_CHECK(write(fds[1], "abcdef", 6) == 6);
  traps = 0;
  ST_CHECK(ptvm_self_on() == 0);
  st_pause_armed();
  ssize_t r = read(fds[0], buf, sizeof buf);
  ST_CHECK(traps == 1);
  ST_CHECK(r == 2 && memcmp(buf, "ab", 2) == 0);
  st_say("%s: read(fd, buf, 8) performed as read(fd, buf, 2): %zd bytes \"%.2s\"\n", st_where(), r,
         buf);
  close(fds[0]);
  close(fds[1]);
}

int main(int argc, char** argv) {
  st_init(handler, argc, argv);
  return st_run(behaviour);
}
