/* Makes N getppid system calls (argv[1], default 100000): the unit of the per-call benchmarks.
 * Through libc's getppid(), whose site is `mov $110,%eax; syscall` (one the in-process runtime
 * can rewrite); `getppid_loop N raw` through syscall(SYS_getppid) instead, whose number comes in
 * a register (never rewritten). */
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char** argv) {
  long n = argc > 1 ? atol(argv[1]) : 100000;
  if (argc > 2 && strcmp(argv[2], "raw") == 0) {
    for (long i = 0; i < n; ++i) syscall(SYS_getppid);
  } else {
    for (long i = 0; i < n; ++i) getppid();
  }
  return 0;
}
