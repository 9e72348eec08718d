/* The seed's action 3: the handler calls other system calls (here: it writes a log line with
 * libc's write) before performing the trapped one. Its own calls are never trapped: the user
 * handler runs once per armed call. */
#include "self_test.h"

static volatile int traps;
static __thread const char* volatile handler_where; /* st_where() of the trapping thread */

static void handler(int sig, siginfo_t* info, void* ctx) {
  (void)sig;
  greg_t* g = st_regs(ctx);
  traps++;
  char line[128];
  size_t n = 0;
  st_append_str(line, &n, handler_where);
  st_append_str(line, &n, ": [handler] system call ");
  st_append_long(line, &n, info->si_syscall);
  st_append_str(line, &n, "(fd ");
  st_append_long(line, &n, g[REG_RDI]);
  st_append_str(line, &n, ", ");
  st_append_long(line, &n, g[REG_RDX]);
  st_append_str(line, &n, " bytes)\n");
  st_write_all(1, line, n); /* libc write: not trapped */
  pid_t self = getpid();    /* another one */
  (void)self;
  g[REG_RAX] = st_perform(info, ctx);
}

static void behaviour(void) {
  char text[64];
  int len = snprintf(text, sizeof text, "%s: the application's own line\n", st_where());
  handler_where = st_where();
  traps = 0;
  ST_CHECK(ptvm_self_on() == 0);
  st_pause_armed();
  ssize_t r = write(1, text, (size_t)len);
  ST_CHECK(traps == 1);
  ST_CHECK(r == len);
}

int main(int argc, char** argv) {
  st_init(handler, argc, argv);
  return st_run(behaviour);
}
