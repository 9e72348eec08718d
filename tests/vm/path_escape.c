// The path VM's escape battery: every way out of a root that a program could try without
// privileges. Run inside a rootfs (by path_escape.sh) whose /etc/marker says "guest"; the host's
// file at the same place (if any) says something else. Each line is "case: outcome"; the
// expected outcomes are those of a real chroot (path_escape.expected), except where /proc shows
// the host in a real chroot (the /proc cases: the path VM keeps those inside too).
// Built static: the rootfs holds nothing else.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <linux/openat2.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

// "name: the first line of the file" (fd from an open), or "name: ERRNO" (fd < 0: -errno).
static void print_file(const char* name, long fd) {
  if (fd < 0) {
    printf("%s: %s\n", name, strerrorname_np((int)-fd));
    return;
  }
  char buf[64] = {0};
  ssize_t n = read((int)fd, buf, sizeof buf - 1);
  close((int)fd);
  if (n > 0 && buf[n - 1] == '\n') buf[n - 1] = 0;
  printf("%s: %s\n", name, buf);
}

static void show(const char* name, const char* path, int dirfd) {
  int fd = openat(dirfd, path, O_RDONLY);
  print_file(name, fd < 0 ? -errno : fd);
}

static void link_text(const char* name, const char* path) {
  char buf[4096];
  ssize_t n = readlink(path, buf, sizeof buf - 1);
  if (n < 0) {
    printf("%s: %s\n", name, strerrorname_np(errno));
    return;
  }
  buf[n] = 0;
  printf("%s: %s\n", name, buf);
}

static void cwd(const char* name) {
  char buf[4096];
  printf("%s: %s\n", name, getcwd(buf, sizeof buf) ? buf : strerrorname_np(errno));
}

static void openat2_case(const char* name, int dirfd, const char* path,
                         unsigned long long resolve) {
  struct open_how how = {.flags = O_RDONLY, .resolve = resolve};
  long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof how);
  print_file(name, fd < 0 ? -errno : fd);
}

// Calls of the other ABIs, whose numbers and arguments are not x86-64's: an i386 open through
// int $0x80 (a real chroot runs it inside, the path VM refuses it: ENOSYS) and an x32 openat.
static void foreign_abi(void) {
  char* low =
      mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
  strcpy(low, "/etc/marker");
  // In a child: a kernel without ia32 emulation (ia32_emulation=off) faults int $0x80 with a
  // SIGSEGV before any system call is made, which for this test is as good as ENOSYS.
  fflush(stdout);
  const pid_t child = fork();
  if (child == 0) {
    long ret;
    __asm__ volatile("int $0x80" : "=a"(ret) : "a"(5L), "b"(low), "c"(O_RDONLY) : "memory");
    print_file("abi_i386_open", ret);
    fflush(stdout);
    _exit(0);
  }
  int status = 0;
  waitpid(child, &status, 0);
  if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV) printf("abi_i386_open: ENOSYS\n");
  long fd = syscall(0x40000000L | 257, AT_FDCWD, low, O_RDONLY);
  printf("abi_x32_openat: %s\n", fd >= 0 ? "opened" : strerrorname_np(errno));
}

int main(int argc, char** argv) {
  const int with_proc = argc > 1 && strcmp(argv[1], "proc") == 0;
  show("absolute", "/etc/marker", AT_FDCWD);
  show("dotdot_past_root", "/../../../../../etc/marker", AT_FDCWD);
  chdir("/tmp");
  show("relative_dotdot", "../../../../../etc/marker", AT_FDCWD);
  chdir("/");
  chdir("..");
  cwd("cwd_after_dotdot");
  symlink("/etc", "/tmp/abs_link");
  symlink("../../../../../../../etc", "/tmp/rel_link");
  show("absolute_symlink", "/tmp/abs_link/marker", AT_FDCWD);
  show("relative_symlink", "/tmp/rel_link/marker", AT_FDCWD);
  link_text("readlink_absolute", "/tmp/abs_link");
  // A directory fd opened before a chdir: still the guest's /etc, and `..` from it stays inside.
  int etc = open("/etc", O_RDONLY | O_DIRECTORY);
  chdir("/tmp");
  show("dirfd_after_chdir", "marker", etc);
  show("dirfd_dotdot", "../../../../etc/marker", etc);
  cwd("cwd_tmp");
  // openat2's confinement, relative to a guest directory.
  int tmp = open("/tmp", O_RDONLY | O_DIRECTORY);
  openat2_case("openat2_in_root", tmp, "/etc/marker", RESOLVE_IN_ROOT);
  openat2_case("openat2_beneath", tmp, "../etc/marker", RESOLVE_BENEATH);
  openat2_case("openat2_plain", AT_FDCWD, "/etc/marker", 0);
  openat2_case("openat2_no_symlinks", AT_FDCWD, "/tmp/abs_link/marker", RESOLVE_NO_SYMLINKS);
  // AF_UNIX names are paths in the guest.
  unlink("/tmp/sock");
  int s = socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  strcpy(sa.sun_path, "/tmp/sock");
  printf("unix_bind: %s\n",
         bind(s, (struct sockaddr*)&sa, sizeof sa) == 0 ? "ok" : strerrorname_np(errno));
  listen(s, 1);
  struct stat st;
  printf("unix_socket_in_guest: %s\n",
         stat("/tmp/sock", &st) == 0 && S_ISSOCK(st.st_mode) ? "yes" : "no");
  struct sockaddr_un got = {0};
  socklen_t len = sizeof got;
  getsockname(s, (struct sockaddr*)&got, &len);
  printf("unix_getsockname: %s %d\n", got.sun_path, (int)len);
  int c = socket(AF_UNIX, SOCK_STREAM, 0);
  printf("unix_connect: %s\n",
         connect(c, (struct sockaddr*)&sa, sizeof sa) == 0 ? "ok" : strerrorname_np(errno));
  memset(&got, 0, sizeof got);
  len = sizeof got;
  getpeername(c, (struct sockaddr*)&got, &len);
  printf("unix_getpeername: %s\n", got.sun_path);
  // recvmmsg gives the sender's name as the guest knows it, as recvfrom does.
  unlink("/tmp/dg1");
  unlink("/tmp/dg2");
  int d1 = socket(AF_UNIX, SOCK_DGRAM, 0), d2 = socket(AF_UNIX, SOCK_DGRAM, 0);
  struct sockaddr_un n1 = {.sun_family = AF_UNIX}, n2 = {.sun_family = AF_UNIX}, from;
  strcpy(n1.sun_path, "/tmp/dg1");
  strcpy(n2.sun_path, "/tmp/dg2");
  bind(d1, (struct sockaddr*)&n1, sizeof n1);
  bind(d2, (struct sockaddr*)&n2, sizeof n2);
  sendto(d2, "x", 1, 0, (struct sockaddr*)&n1, sizeof n1);
  char byte;
  struct iovec iov = {&byte, 1};
  struct mmsghdr mm = {
      .msg_hdr = {.msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &iov, .msg_iovlen = 1}};
  printf("unix_recvmmsg: %d %s\n", recvmmsg(d1, &mm, 1, 0, NULL), from.sun_path);
  // A name that cannot be a host path: as long as sun_path allows in the guest.
  char longname[sizeof sa.sun_path];
  memset(longname, 'x', sizeof longname - 1);
  longname[0] = '/';
  longname[sizeof longname - 1] = 0;
  strcpy(sa.sun_path, longname);
  int l = socket(AF_UNIX, SOCK_STREAM, 0);
  int r = bind(l, (struct sockaddr*)&sa, sizeof sa);
  printf("unix_bind_long: %s\n", r == 0 ? "ok" : strerrorname_np(errno));
  if (r == 0) unlink(longname);
  // execve of a symlink to a script: the guest's interpreter.
  FILE* f = fopen("/tmp/script", "w");
  fprintf(f, "#!/bin/echo from-script\n");
  fclose(f);
  chmod("/tmp/script", 0755);
  symlink("/tmp/script", "/tmp/script_link");
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    execl("/tmp/script_link", "script_link", "arg", (char*)0);
    printf("exec_symlink_script: %s\n", strerrorname_np(errno));
    _exit(1);
  }
  waitpid(pid, NULL, 0);
  // getcwd through a symlinked directory: the link's target, as the kernel says.
  chdir("/tmp/abs_link");
  cwd("cwd_via_symlink");
  // chroot to anything but the guest's root is not allowed to an unprivileged... or not at all.
  printf("chroot_root: %s\n", chroot("/") == 0 ? "ok" : strerrorname_np(errno));
  show("after_chroot_root", "/etc/marker", AT_FDCWD);
  // A directory walked once, then swapped for a link to /etc: the walk sees the link (the path
  // VM's cache of directories starts anew after a rename or a symlink).
  mkdir("/tmp/swap", 0755);
  FILE* in = fopen("/tmp/swap/marker", "w");
  fprintf(in, "before\n");
  fclose(in);
  show("swap_before", "/tmp/swap/marker", AT_FDCWD);
  rename("/tmp/swap", "/tmp/swapped");
  symlink("/etc", "/tmp/swap");
  show("swap_after", "/tmp/swap/marker", AT_FDCWD);
  // A mount namespace of its own would resolve the guest's paths in another tree (a user
  // namespace gives one without privileges): refused, as a chroot refuses a user namespace.
  fflush(stdout);
  pid_t ns = fork();
  if (ns == 0) {
    printf("unshare_user_mount: %s\n",
           unshare(CLONE_NEWUSER | CLONE_NEWNS) == 0 ? "ok" : strerrorname_np(errno));
    fflush(stdout);
    _exit(0);
  }
  waitpid(ns, NULL, 0);
  // execveat of a link with AT_SYMLINK_NOFOLLOW: ELOOP, never the link's target.
  printf("execveat_nofollow: %s\n",
         syscall(SYS_execveat, AT_FDCWD, "/tmp/abs_link", (char*[]){"x", NULL}, (char*[]){NULL},
                 AT_SYMLINK_NOFOLLOW) == 0
             ? "ran"
             : strerrorname_np(errno));
  // rmdir of a link to a directory, with a slash: the link is not followed (ENOTDIR).
  mkdir("/tmp/keep", 0755);
  symlink("/tmp/keep", "/tmp/keep_link");
  printf("rmdir_link_slash: %s\n",
         rmdir("/tmp/keep_link/") == 0 ? "removed" : strerrorname_np(errno));
  foreign_abi();
  // io_uring's operations take paths that no system call shows: refused (ENOSYS); programs
  // fall back to plain calls.
  struct io_uring_params params = {0};
  long ring = syscall(SYS_io_uring_setup, 4, &params);
  printf("io_uring_setup: %s\n", ring >= 0 ? "ok" : strerrorname_np(errno));
  if (ring >= 0) close((int)ring);
  if (with_proc) {
    show("proc_self_root", "/proc/self/root/etc/marker", AT_FDCWD);
    show("proc_1_root", "/proc/1/root/etc/marker", AT_FDCWD);
    link_text("proc_self_root_link", "/proc/self/root");
    link_text("proc_self_cwd_link", "/proc/self/cwd");
    link_text("proc_self_exe", "/proc/self/exe");
    show("proc_self_cwd", "/proc/self/cwd/marker", AT_FDCWD);
    char fdpath[64];
    snprintf(fdpath, sizeof fdpath, "/proc/self/fd/%d", etc);
    link_text("proc_self_fd_dir", fdpath);
    snprintf(fdpath, sizeof fdpath, "/proc/self/fd/%d/../../../etc/marker", etc);
    show("proc_self_fd_dotdot", fdpath, AT_FDCWD);
    show("proc_thread_self", "/proc/thread-self/root/etc/marker", AT_FDCWD);
  }
  return 0;
}
