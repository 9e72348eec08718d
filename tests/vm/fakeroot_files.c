/* What the fakeroot VM answers about files beyond fakeroot_calls.c (printed;
 * fakeroot_files.expected is what root gets natively, the fakeroot VM must give the same to a
 * non-root user). Run in an empty directory.
 * - descriptors: a negative one, one not open, AT_FDCWD where the call takes a descriptor, an
 *   O_PATH one where the call wants an open file: EBADF (from ptvm the tracee's descriptor is
 *   /proc/TID/fd/N: a missing one is not ENOENT); a file where a directory is wanted: ENOTDIR;
 * - setxattr reads the value before it looks the file up (EFAULT before ENOENT);
 * - lchown and lstat of /dev/stdin are about the link in /dev (not the caller's descriptor 0);
 * - the owner of a new directory or device: the fake fsuid, the fake fsgid or the group of a
 *   set-group-ID parent (which a new directory inherits), whatever the mode;
 * - extended attributes by the fake ids: trusted.* needs CAP_SYS_ADMIN (EPERM, ENODATA, not
 *   listed without it), user.* the file's permission (EACCES). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#ifndef SYS_setxattrat
#define SYS_setxattrat 463
#endif

#define T(call)                                                                  \
  do {                                                                           \
    errno = 0;                                                                   \
    const long r_ = (call);                                                      \
    printf("%-58s = %ld %s\n", #call, r_, r_ < 0 ? strerrorname_np(errno) : ""); \
  } while (0)

static void owner(const char* path) {
  struct stat st;
  if (lstat(path, &st) != 0) {
    printf("%-14s missing\n", path);
    return;
  }
  printf("%-14s %u:%u %o\n", path, st.st_uid, st.st_gid, st.st_mode);
}

static void list(const char* path) {
  char names[256];
  const long n = listxattr(path, names, sizeof names);
  printf("listxattr %s:", path);
  if (n < 0) printf(" %s", strerrorname_np(errno));
  for (long at = 0; at < n; at += strlen(names + at) + 1) printf(" %s", names + at);
  printf("\n");
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  umask(022);
  close(open("f", O_CREAT | O_WRONLY, 0644));
  const int path_fd = open("f", O_PATH);
  const int file_fd = open("f", O_RDONLY);
  struct {
    unsigned long long value;
    unsigned size, flags;
  } args = {(unsigned long)"v", 1, 0};

  printf("-- descriptors\n");
  T(syscall(SYS_fchown, -5, 0, 0));
  T(syscall(SYS_fchown, 77, 0, 0));
  T(syscall(SYS_fchown, AT_FDCWD, 0, 0));
  T(syscall(SYS_fchown, path_fd, 0, 0));
  T(syscall(SYS_fchmod, -5, 0644));
  T(syscall(SYS_fchownat, -5, "f", 0, 0, 0));
  T(syscall(SYS_fchownat, 77, "f", 0, 0, 0));
  T(syscall(SYS_fchownat, -5, "", 0, 0, AT_EMPTY_PATH));
  T(syscall(SYS_fchownat, path_fd, "", 0, 0, AT_EMPTY_PATH));
  T(syscall(SYS_fchownat, file_fd, "x", 0, 0, 0));
  T(syscall(SYS_fsetxattr, -5, "user.x", "v", 1, 0));
  T(syscall(SYS_fsetxattr, 77, "user.x", "v", 1, 0));
  T(syscall(SYS_fsetxattr, path_fd, "user.x", "v", 1, 0));
  T(syscall(SYS_fgetxattr, 77, "user.x", NULL, 0));
  T(syscall(SYS_fgetxattr, path_fd, "user.x", NULL, 0));
  T(syscall(SYS_flistxattr, -5, NULL, 0));
  T(syscall(SYS_flistxattr, AT_FDCWD, NULL, 0));
  T(syscall(SYS_flistxattr, path_fd, NULL, 0));
  T(syscall(SYS_fremovexattr, AT_FDCWD, "user.x"));
  T(syscall(SYS_fremovexattr, 77, "user.x"));
  T(syscall(SYS_setxattrat, -5, NULL, AT_EMPTY_PATH, "user.x", &args, sizeof args));
  T(syscall(SYS_setxattrat, 77, "f", 0, "user.x", &args, sizeof args));
  T(syscall(SYS_setxattrat, path_fd, "", AT_EMPTY_PATH, "user.x", &args, sizeof args));
  T(syscall(SYS_setxattrat, file_fd, "x", 0, "user.x", &args, sizeof args));
  T(syscall(SYS_setxattr, "none", "user.x", (void*)8, 1, 0));
  T(syscall(SYS_setxattr, "none", "user.x", "v", 1, 0));

  printf("-- /dev/stdin is a link in /dev\n");
  T(syscall(SYS_lchown, "/dev/stdin", 5, 6));
  struct stat st;
  lstat("/dev/stdin", &st);
  printf("lstat /dev/stdin: %u:%u\n", st.st_uid, st.st_gid);
  T(syscall(SYS_lchown, "/dev/stdin", 0, 0));

  printf("-- extended attributes as root\n");
  T(syscall(SYS_setxattr, "f", "trusted.t", "v", 1, 0));
  T(syscall(SYS_setxattr, "f", "user.a", "v", 1, 0));
  list("f");
  close(open("secret", O_CREAT | O_WRONLY, 0600));
  T(syscall(SYS_setxattr, "secret", "user.s", "v", 1, 0));
  close(open("mine", O_CREAT | O_WRONLY, 0644));
  T(syscall(SYS_chown, "mine", 1000, 1000));

  printf("-- new directories and devices\n");
  T(syscall(SYS_mkdir, "root-0755", 0755));
  T(syscall(SYS_mkdir, "root-0555", 0555));
  T(syscall(SYS_mkdir, "sgid", 0755));
  T(syscall(SYS_mkdir, "open", 0777));
  T(syscall(SYS_chmod, "open", 0777));
  T(syscall(SYS_chown, "sgid", 0, 5));
  T(syscall(SYS_chmod, "sgid", 02775));
  T(syscall(SYS_setresgid, 7, 7, 7));
  T(syscall(SYS_mkdir, "gid7-0755", 0755));
  T(syscall(SYS_mkdir, "sgid/in-0755", 0755));
  T(syscall(SYS_mkdir, "sgid/in-0500", 0500));
  T(syscall(SYS_mknod, "sgid/dev", S_IFCHR | 0640, makedev(1, 3)));
  T(syscall(SYS_setresuid, 1000, 1000, 1000));
  T(syscall(SYS_mkdir, "open/user-0755", 0755));
  T(syscall(SYS_mkdir, "open/user-0555", 0555));
  const char* made[] = {"root-0755", "root-0555",      "sgid",
                        "gid7-0755", "sgid/in-0755",   "sgid/in-0500",
                        "sgid/dev",  "open/user-0755", "open/user-0555"};
  for (unsigned i = 0; i < sizeof made / sizeof made[0]; ++i) owner(made[i]);

  printf("-- extended attributes as uid 1000\n");
  T(syscall(SYS_setxattr, "f", "trusted.x", "v", 1, 0));
  T(syscall(SYS_getxattr, "f", "trusted.t", NULL, 0));
  T(syscall(SYS_removexattr, "f", "trusted.t"));
  list("f");
  T(syscall(SYS_getxattr, "f", "user.a", NULL, 0));
  T(syscall(SYS_setxattr, "f", "user.y", "v", 1, 0));
  T(syscall(SYS_removexattr, "f", "user.a"));
  T(syscall(SYS_getxattr, "secret", "user.s", NULL, 0));
  T(syscall(SYS_setxattr, "mine", "user.m", "v", 1, 0));
  T(syscall(SYS_getxattr, "mine", "user.m", NULL, 0));
  list("mine");
  return 0;
}
