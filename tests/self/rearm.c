/* The seed's action 8: the handler calls ptvm_self_on() before returning, which re-arms for the
 * next system call after it has returned; the handler's own calls and the signal return never
 * trap. A chain of 5 traps over 8 calls: exactly the first 5 reach the handler. Then: on() and
 * off() inside the handler cancel each other. */
#include "self_test.h"

#define CHAIN 5

static volatile int traps, chain_limit, cancel;
static volatile long seen[16];

static void handler(int sig, siginfo_t* info, void* ctx) {
  (void)sig;
  int n = traps++;
  if (n < 16) seen[n] = info->si_syscall;
  (void)getuid(); /* the handler's own call: not trapped */
  st_regs(ctx)[REG_RAX] = st_perform(info, ctx);
  if (traps < chain_limit) ST_CHECK(ptvm_self_on() == 0);
  if (cancel) ST_CHECK(ptvm_self_off() == 0);
}

static void behaviour(void) {
  traps = 0;
  chain_limit = CHAIN;
  cancel = 0;
  ST_CHECK(ptvm_self_on() == 0);
  st_pause_armed();
  int right = 0;
  for (int i = 0; i < 8; i++) right += getppid() == st_real_ppid;
  int chained = traps;
  ST_CHECK(chained == CHAIN);
  ST_CHECK(right == 8);
  for (int i = 0; i < CHAIN; i++) ST_CHECK(seen[i] == SYS_getppid);
  st_say("%s: armed once, re-armed by the handler: %d of 8 getppid calls trapped\n", st_where(),
         chained);

  traps = 0;
  chain_limit = 100;
  cancel = 1;
  ST_CHECK(ptvm_self_on() == 0);
  st_pause_armed();
  for (int i = 0; i < 3; i++) (void)getppid();
  ST_CHECK(traps == 1);
  st_say("%s: on() then off() inside the handler: %d of 3 calls trapped\n", st_where(), traps);
}

int main(int argc, char** argv) {
  st_init(handler, argc, argv);
  return st_run(behaviour);
}
