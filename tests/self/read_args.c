/* The seed's action 2: the handler reads the six arguments from the interrupted registers
 * (rdi, rsi, rdx, r10, r8, r9 in the ucontext), then emulates the call. */
#include "self_test.h"

static volatile int traps;
static volatile long seen_nr = -1;
static volatile long seen_args[6];

static void handler(int sig, siginfo_t* info, void* ctx) {
  (void)sig;
  greg_t* g = st_regs(ctx);
  traps++;
  seen_nr = info->si_syscall;
  seen_args[0] = g[REG_RDI];
  seen_args[1] = g[REG_RSI];
  seen_args[2] = g[REG_RDX];
  seen_args[3] = g[REG_R10];
  seen_args[4] = g[REG_R8];
  seen_args[5] = g[REG_R9];
  g[REG_RAX] = 77;
}

static void behaviour(void) {
  traps = 0;
  ST_CHECK(ptvm_self_on() == 0);
  st_pause_armed();
  long r = syscall(SYS_getppid, 11L, -12L, 0x1300000000L, 14L, 15L, (long)&traps);
  ST_CHECK(traps == 1);
  ST_CHECK(r == 77);
  ST_CHECK(seen_nr == SYS_getppid);
  ST_CHECK(seen_args[0] == 11 && seen_args[1] == -12 && seen_args[2] == 0x1300000000L);
  ST_CHECK(seen_args[3] == 14 && seen_args[4] == 15 && seen_args[5] == (long)&traps);
  st_say("%s: the handler read getppid(%ld, %ld, %#lx, %ld, %ld, &traps)\n", st_where(),
         seen_args[0], seen_args[1], seen_args[2], seen_args[3], seen_args[4]);

  /* Arguments as a libc wrapper passes them: write(fd, buf, count). */
  static const char text[] = "not written";
  traps = 0;
  ST_CHECK(ptvm_self_on() == 0);
  st_pause_armed();
  r = write(-5, text, 3);
  ST_CHECK(traps == 1 && r == 77);
  ST_CHECK(seen_nr == SYS_write && (int)seen_args[0] == -5 && seen_args[1] == (long)text &&
           seen_args[2] == 3);
  st_say("%s: the handler read write(%d, text, %ld)\n", st_where(), (int)seen_args[0],
         seen_args[2]);
}

int main(int argc, char** argv) {
  st_init(handler, argc, argv);
  return st_run(behaviour);
}
