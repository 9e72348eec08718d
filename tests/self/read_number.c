/* The seed's action 1: the handler reads the system call number from siginfo (si_syscall).
 * The call is then performed for real so that the program goes on. */
#include "self_test.h"

static void behaviour(void) {
  st_traps = 0;
  st_seen_nr = -1;
  ST_CHECK(ptvm_self_on() == 0);
  st_pause_armed();
  pid_t ppid = getppid();
  ST_CHECK(st_traps == 1);
  ST_CHECK(st_seen_nr == SYS_getppid);
  ST_CHECK(ppid == st_real_ppid);
  st_say("%s: the handler read system call number %ld (getppid)\n", st_where(), st_seen_nr);

  st_traps = 0;
  ST_CHECK(ptvm_self_on() == 0);
  st_pause_armed();
  uid_t uid = getuid();
  ST_CHECK(st_traps == 1);
  ST_CHECK(st_seen_nr == SYS_getuid);
  ST_CHECK(uid == (uid_t)syscall(SYS_getuid));
  st_say("%s: the handler read system call number %ld (getuid)\n", st_where(), st_seen_nr);
}

int main(int argc, char** argv) {
  st_init(st_counting_handler, argc, argv);
  return st_run(behaviour);
}
