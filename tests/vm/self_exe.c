/* The program's own /proc/self/exe, by every call that names it (prints the same natively and
 * under ptvm, whose in-process runtime is the file the kernel executed and answers for the
 * program's): readlink, stat and open follow it to the program; the calls that name the link
 * itself (O_NOFOLLOW, AT_SYMLINK_NOFOLLOW) see the link, as natively. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char* kind(mode_t m) {
  return S_ISLNK(m) ? "link" : S_ISREG(m) ? "file" : "other";
}

int main(void) {
  char path[4096];
  const ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
  path[n > 0 ? n : 0] = '\0';
  printf("readlink: %s\n", basename(path));
  struct stat st, self;
  stat(path, &self);
  const int stated = stat("/proc/self/exe", &st);
  printf("stat: %s, the program %d\n", stated == 0 ? kind(st.st_mode) : "?",
         stated == 0 && st.st_ino == self.st_ino && st.st_dev == self.st_dev);
  printf("lstat: %s\n", lstat("/proc/self/exe", &st) == 0 ? kind(st.st_mode) : "?");
  struct statx sx;
  printf("statx no-follow: %s\n",
         statx(AT_FDCWD, "/proc/self/exe", AT_SYMLINK_NOFOLLOW, STATX_TYPE, &sx) == 0
             ? kind(sx.stx_mode)
             : "?");
  int fd = open("/proc/self/exe", O_RDONLY);
  const int same = fd >= 0 && fstat(fd, &st) == 0 && st.st_ino == self.st_ino;
  printf("open: %s\n", same ? "the program" : "?");
  if (fd >= 0) close(fd);
  errno = 0;
  fd = open("/proc/self/exe", O_RDONLY | O_NOFOLLOW);
  printf("open O_NOFOLLOW: %d %s\n", fd >= 0, strerror(errno));
  fd = openat(AT_FDCWD, "/proc/self/exe", O_RDONLY | O_NOFOLLOW);
  printf("openat O_NOFOLLOW: %d %s\n", fd >= 0, strerror(errno));
  errno = 0;
  const long r = syscall(SYS_faccessat2, AT_FDCWD, "/proc/self/exe", X_OK, AT_SYMLINK_NOFOLLOW);
  printf("faccessat2 no-follow: %ld %s\n", r, r == 0 ? "" : strerror(errno));
  return 0;
}
