/* The seed's action 6: the handler performs the call for real, with the same arguments, through
 * ptvm_self_syscall: the application cannot tell the difference. */
#include "self_test.h"

#include <fcntl.h>

static void behaviour(void) {
  int fds[2];
  char buf[16] = {0};
  ST_CHECK(pipe(fds) == 0);
  ST_CHECK(write(fds[1], "performed", 9) == 9);
  st_traps = 0;
  ST_CHECK(ptvm_self_on() == 0);
  st_pause_armed();
  ssize_t r = read(fds[0], buf, sizeof buf);
  ST_CHECK(st_traps == 1 && st_seen_nr == SYS_read);
  ST_CHECK(r == 9 && memcmp(buf, "performed", 9) == 0);
  st_say("%s: read performed for real: %zd bytes \"%s\"\n", st_where(), r, buf);

  st_traps = 0;
  ST_CHECK(ptvm_self_on() == 0);
  st_pause_armed();
  int fd = open("/nonexistent/ptvm-self", O_RDONLY);
  int err = errno;
  ST_CHECK(st_traps == 1 && st_seen_nr == SYS_openat);
  ST_CHECK(fd == -1 && err == ENOENT);
  st_say("%s: openat performed for real: %s\n", st_where(), strerror(err));
  close(fds[0]);
  close(fds[1]);
}

int main(int argc, char** argv) {
  st_init(st_counting_handler, argc, argv);
  return st_run(behaviour);
}
