/* fork while armed (the trapped call is fork's clone, performed by the handler) and while not
 * armed: the child starts disarmed (the seed's PT_SELF was not inherited either), can arm itself,
 * and under TRAP keeps working (its calls are re-issued transparently). */
#include "self_test.h"

#include <sys/wait.h>

/* In the child: disarmed, then armed by itself. Returns a bit set of failed checks. */
static int child_checks(int traps_at_fork) {
  int bad = 0;
  pid_t parent = (pid_t)syscall(SYS_getppid);
  if (st_traps != traps_at_fork) bad |= 1;
  if (getppid() != parent || st_traps != traps_at_fork) bad |= 2; /* not armed */
  if (ptvm_self_on() != 0) bad |= 4;
  if (getppid() != parent || st_traps != traps_at_fork + 1 || st_seen_nr != SYS_getppid) bad |= 8;
  if (getpid() == st_real_pid) bad |= 16;
  return bad;
}

static int wait_child(pid_t child) {
  int status = -1;
  if (waitpid(child, &status, 0) != child) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void behaviour(void) {
  st_traps = 0;
  ST_CHECK(ptvm_self_on() == 0);
  st_pause_armed();
  pid_t child = fork();
  if (child == 0) _exit(child_checks(1));
  ST_CHECK(child > 0);
  ST_CHECK(st_traps == 1);
  ST_CHECK(st_seen_nr == SYS_clone || st_seen_nr == SYS_fork || st_seen_nr == SYS_clone3);
  int status = wait_child(child);
  ST_CHECK(status == 0);
  st_say("%s: fork while armed: the handler performed it, the child started disarmed (%d)\n",
         st_where(), status);

  st_traps = 0;
  child = fork();
  if (child == 0) _exit(child_checks(0));
  ST_CHECK(child > 0 && st_traps == 0);
  status = wait_child(child);
  ST_CHECK(status == 0);
  st_say("%s: fork while not armed: the child can arm itself (%d)\n", st_where(), status);
}

int main(int argc, char** argv) {
  st_init(st_counting_handler, argc, argv);
  return st_run(behaviour);
}
