/* strace's test style: makes system calls with known arguments and prints, on stdout, the line
 * the tracer must print for each (without the pid prefix). Raw syscall() so that libc picks no
 * other call. Usage: trace_lines DIR (an empty directory). */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static char dir[512], path[600], path2[600], sub[600], link_path[600];

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  snprintf(dir, sizeof dir, "%s", argv[1]);
  snprintf(path, sizeof path, "%s/file", dir);
  snprintf(path2, sizeof path2, "%s/file2", dir);
  snprintf(sub, sizeof sub, "%s/sub", dir);
  snprintf(link_path, sizeof link_path, "%s/link", dir);
  char buf[64];
  long r;

  /* Descriptors as the kernel gives them: a test runner may hold some open already. */
  long fd = syscall(SYS_openat, AT_FDCWD, path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  printf("openat(AT_FDCWD, \"%s\", O_WRONLY|O_CREAT|O_TRUNC, 0644) = %ld\n", path, fd);
  r = syscall(SYS_write, fd, "hello\n", 6);
  printf("write(%ld, \"hello\\n\", 6) = %ld\n", fd, r);
  r = syscall(SYS_fchmod, fd, 0600);
  printf("fchmod(%ld, 0600) = %ld\n", fd, r);
  r = syscall(SYS_close, fd);
  printf("close(%ld) = %ld\n", fd, r);
  fd = syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
  printf("openat(AT_FDCWD, \"%s\", O_RDONLY|O_CLOEXEC) = %ld\n", path, fd);
  r = syscall(SYS_read, fd, buf, sizeof buf);
  printf("read(%ld, \"hello\\n\", 64) = %ld\n", fd, r);
  struct stat st;
  r = syscall(SYS_fstat, fd, &st);
  printf("fstat(%ld, {st_mode=S_IFREG|0600, st_size=6, ...}) = %ld\n", fd, r);
  r = syscall(SYS_newfstatat, AT_FDCWD, path, &st, 0);
  printf("newfstatat(AT_FDCWD, \"%s\", {st_mode=S_IFREG|0600, st_size=6, ...}, 0) = %ld\n", path,
         r);
  r = syscall(SYS_read, fd, buf, sizeof buf);
  printf("read(%ld, \"\", 64) = %ld\n", fd, r);
  r = syscall(SYS_lseek, fd, 0, SEEK_SET);
  printf("lseek(%ld, 0, SEEK_SET) = %ld\n", fd, r);
  r = syscall(SYS_pread64, fd, buf, 10, 2);
  printf("pread64(%ld, \"llo\\n\", 10, 2) = %ld\n", fd, r);
  r = syscall(SYS_dup2, fd, 100);
  printf("dup2(%ld, 100) = %ld\n", fd, r);
  r = syscall(SYS_close, 100);
  printf("close(100) = %ld\n", r);
  r = syscall(SYS_close, fd);
  printf("close(%ld) = %ld\n", fd, r);
  r = syscall(SYS_access, sub, F_OK);
  printf("access(\"%s\", F_OK) = -1 ENOENT (No such file or directory)\n", sub);
  r = syscall(SYS_mkdir, sub, 0755);
  printf("mkdir(\"%s\", 0755) = %ld\n", sub, r);
  r = syscall(SYS_access, sub, R_OK | W_OK);
  printf("access(\"%s\", R_OK|W_OK) = %ld\n", sub, r);
  r = syscall(SYS_rmdir, sub);
  printf("rmdir(\"%s\") = %ld\n", sub, r);
  r = syscall(SYS_truncate, path, 2);
  printf("truncate(\"%s\", 2) = %ld\n", path, r);
  r = syscall(SYS_rename, path, path2);
  printf("rename(\"%s\", \"%s\") = %ld\n", path, path2, r);
  r = syscall(SYS_symlink, "file2", link_path);
  printf("symlink(\"file2\", \"%s\") = %ld\n", link_path, r);
  r = syscall(SYS_readlink, link_path, buf, sizeof buf);
  printf("readlink(\"%s\", \"file2\", 64) = %ld\n", link_path, r);
  r = syscall(SYS_unlink, link_path);
  printf("unlink(\"%s\") = %ld\n", link_path, r);
  r = syscall(SYS_unlink, path2);
  printf("unlink(\"%s\") = %ld\n", path2, r);
  int fds[2];
  r = syscall(SYS_pipe2, fds, O_CLOEXEC);
  printf("pipe2([%d, %d], O_CLOEXEC) = %ld\n", fds[0], fds[1], r);
  r = syscall(SYS_write, fds[1], "x", 1);
  printf("write(%d, \"x\", 1) = %ld\n", fds[1], r);
  r = syscall(SYS_chdir, dir);
  printf("chdir(\"%s\") = %ld\n", dir, r);
  r = syscall(SYS_umask, 022);
  r = syscall(SYS_umask, 077);
  printf("umask(077) = 022\n");
  r = syscall(SYS_getpid);
  long pid = r;
  r = syscall(SYS_kill, pid, 0);
  printf("kill(%ld, 0) = %ld\n", pid, r);
  r = syscall(SYS_openat, AT_FDCWD, "", O_RDONLY);
  printf("openat(AT_FDCWD, \"\", O_RDONLY) = -1 ENOENT (No such file or directory)\n");
  r = syscall(SYS_close, 1000);
  printf("close(1000) = -1 EBADF (Bad file descriptor)\n");
  r = syscall(SYS_fchdir, 1000);
  printf("fchdir(1000) = -1 EBADF (Bad file descriptor)\n");
  fflush(stdout);
  return 0;
}
