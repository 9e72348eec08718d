/* What the fakeroot VM fakes, call by call, printed (compared with fakeroot_calls.expected):
 * the ids and the set*id family (remembered per process, inherited by a child), chown and chmod
 * through every call of their families (raw system calls: nothing of libc in between), mknod of
 * devices, stat of each, the removal of a record with the file's last link, and the xattr family
 * (every call, the kernel's errors). Run in an empty
 * directory by a non-root user. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif
#ifndef SYS_setxattrat
#define SYS_setxattrat 463
#define SYS_getxattrat 464
#define SYS_listxattrat 465
#define SYS_removexattrat 466
#endif

static void show(const char* what, const char* path) {
  struct stat st;
  if (syscall(SYS_newfstatat, AT_FDCWD, path, &st, AT_SYMLINK_NOFOLLOW) != 0) {
    printf("%-28s %s: missing\n", what, path);
    return;
  }
  struct statx sx;
  if (syscall(SYS_statx, AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &sx) != 0) {
    printf("statx failed\n");
  }
  printf("%-28s %s: %u:%u %06o", what, path, st.st_uid, st.st_gid, st.st_mode);
  if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
    printf(" dev %u,%u", major(st.st_rdev), minor(st.st_rdev));
  }
  if (sx.stx_uid != st.st_uid || sx.stx_gid != st.st_gid || sx.stx_mode != st.st_mode ||
      ((S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) &&
       (sx.stx_rdev_major != major(st.st_rdev) || sx.stx_rdev_minor != minor(st.st_rdev)))) {
    printf(" (statx differs: %u:%u %06o)", sx.stx_uid, sx.stx_gid, sx.stx_mode);
  }
  printf("\n");
}

/* A call's result: the value, or the errno's name. */
static const char* err(long r) {
  static char text[32];
  if (r >= 0) {
    snprintf(text, sizeof text, "%ld", r);
    return text;
  }
  switch (errno) {
    case ENODATA:
      return "ENODATA";
    case ERANGE:
      return "ERANGE";
    case EEXIST:
      return "EEXIST";
    case EOPNOTSUPP:
      return "EOPNOTSUPP";
    case EPERM:
      return "EPERM";
    case ENOENT:
      return "ENOENT";
    default:
      snprintf(text, sizeof text, "errno %d", errno);
      return text;
  }
}

/* The *xattrat calls (Linux 6.13) take the value in a struct. */
static long xattrat(long nr, int dirfd, const char* path, int flags, const char* name,
                    const char* value, unsigned size, unsigned xflags) {
  struct {
    unsigned long long value;
    unsigned size, flags;
  } args = {(unsigned long)value, size, xflags};
  return syscall(nr, dirfd, path, flags, name, &args, sizeof args);
}

/* Every attribute of `path` (not following a link), sorted, with its value: by listxattrat
 * and getxattrat on the link itself, listxattr and getxattr otherwise. */
static void show_xattrs(const char* path) {
  char list[1024], *names[32];
  const long n = syscall(SYS_llistxattr, path, list, sizeof list);
  const long n2 = syscall(SYS_listxattrat, AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, NULL, 0);
  printf("%-28s %s:", "xattrs", path);
  if (n < 0 || n2 != n) {
    printf(" list %s (listxattrat %ld)\n", err(n), n2);
    return;
  }
  int count = 0;
  for (long at = 0; at < n && count < 32; at += strlen(list + at) + 1) names[count++] = list + at;
  for (int i = 0; i < count; ++i) {
    for (int j = i + 1; j < count; ++j) {
      if (strcmp(names[j], names[i]) < 0) {
        char* t = names[i];
        names[i] = names[j];
        names[j] = t;
      }
    }
  }
  for (int i = 0; i < count; ++i) {
    char value[64];
    struct {
      unsigned long long value;
      unsigned size, flags;
    } args = {(unsigned long)value, sizeof value, 0};
    const long v =
        syscall(SYS_getxattrat, AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, names[i], &args, sizeof args);
    printf(" %s=", names[i]);
    for (long k = 0; k < v; ++k) {
      printf(value[k] >= ' ' && value[k] < 127 ? "%c" : "\\%o", value[k]);
    }
    if (v < 0) printf("(%s)", err(v));
  }
  printf("\n");
}

static void ids(const char* who) {
  uid_t r, e, s;
  gid_t rg, eg, sg;
  getresuid(&r, &e, &s);
  getresgid(&rg, &eg, &sg);
  gid_t groups[8];
  const int n = getgroups(8, groups);
  printf("%-10s uid %u %u %u (%u %u) gid %u %u %u (%u %u) groups %d:", who, r, e, s,
         (unsigned)syscall(SYS_getuid), (unsigned)syscall(SYS_geteuid), rg, eg, sg,
         (unsigned)syscall(SYS_getgid), (unsigned)syscall(SYS_getegid), n);
  for (int i = 0; i < n; ++i) printf(" %u", groups[i]);
  printf("\n");
}

/* The calling process's capability sets, by raw capget (version 3: two words). */
static void caps(const char* who) {
  struct {
    unsigned version;
    int pid;
  } header = {0x20080522, 0};
  unsigned data[6] = {0};
  const long r = syscall(SYS_capget, &header, data);
  printf("%-10s caps %s effective %x%08x permitted %x%08x inheritable %x%08x\n", who, err(r),
         data[3], data[0], data[4], data[1], data[5], data[2]);
}

int main(int argc, char** argv) {
  if (argc > 1 && strcmp(argv[1], "exec") == 0) { /* the ids and capabilities after execve */
    ids("exec'd");
    caps("exec'd");
    return 0;
  }
  ids("start");
  caps("start");
  /* The owner change family. */
  long r;
  close(open("a", O_CREAT | O_WRONLY, 0644));
  close(open("b", O_CREAT | O_WRONLY, 0644));
  close(open("c", O_CREAT | O_WRONLY, 0755));
  symlink("a", "l");
  printf("chown %ld\n", syscall(SYS_chown, "a", 1, 2));
  show("chown", "a");
  printf("lchown %ld\n", syscall(SYS_lchown, "l", 3, 4));
  show("lchown (the link)", "l");
  show("lchown (not its target)", "a");
  int fd = open("b", O_RDONLY);
  printf("fchown %ld\n", syscall(SYS_fchown, fd, 5, -1));
  show("fchown", "b");
  printf("fchownat %ld\n", syscall(SYS_fchownat, AT_FDCWD, "b", -1, 6, 0));
  show("fchownat", "b");
  printf("fchownat empty %ld\n", syscall(SYS_fchownat, fd, "", 7, 7, AT_EMPTY_PATH));
  show("fchownat AT_EMPTY_PATH", "b");
  close(fd);
  r = syscall(SYS_chown, "nothing", 1, 1);
  printf("chown missing %ld\n", r == -1 ? -(long)errno : r);
  /* The mode change family; a fake `chmod 000` keeps the real owner's access. */
  printf("chmod %ld\n", syscall(SYS_chmod, "c", 04755));
  show("chmod setuid", "c");
  printf("chown clears setuid %ld\n", syscall(SYS_chown, "c", 8, 8));
  show("chown after chmod", "c");
  printf("fchmodat %ld\n", syscall(SYS_fchmodat, AT_FDCWD, "a", 0));
  show("fchmodat 000", "a");
  fd = open("a", O_RDONLY);
  printf("still readable %s\n", fd >= 0 ? "yes" : "no");
  printf("fchmod %ld\n", syscall(SYS_fchmod, fd, 0640));
  show("fchmod", "a");
  close(fd);
  r = syscall(SYS_fchmodat2, AT_FDCWD, "b", 0600, 0);
  printf("fchmodat2 %s\n", r == 0 ? "0" : errno == ENOSYS ? "ENOSYS" : "error");
  if (r == 0) show("fchmodat2", "b");
  mkdir("d", 0755);
  printf("chmod dir %ld\n", syscall(SYS_chmod, "d", 0));
  show("chmod dir 000", "d");
  close(open("d/inside", O_CREAT | O_WRONLY, 0644));
  show("still searchable", "d/inside");
  /* Devices: placeholders that stat as devices; fifos for real. */
  printf("mknod c %ld\n", syscall(SYS_mknod, "cdev", S_IFCHR | 0644, makedev(4, 5)));
  show("mknod char", "cdev");
  printf("mknodat b %ld\n", syscall(SYS_mknodat, AT_FDCWD, "bdev", S_IFBLK | 0600, makedev(8, 1)));
  show("mknodat block", "bdev");
  printf("mknod fifo %ld\n", syscall(SYS_mknod, "fifo", S_IFIFO | 0644, 0));
  show("mknod fifo", "fifo");
  /* A hard link shares the record; the last link's removal drops it. */
  link("a", "a2");
  show("hard link", "a2");
  unlink("a");
  show("after unlink of one", "a2");
  unlink("a2");
  close(open("a3", O_CREAT | O_WRONLY, 0644));
  show("a new file", "a3");
  rename("a3", "b");
  show("renamed over", "b");
  /* Extended attributes: every namespace faked (setcap's security.capability, trusted.*),
   * through every call of the family, with the kernel's errors. */
  /* setcap cap_net_raw+ep: VFS_CAP_REVISION_2 with the effective flag, permitted bit 13. */
  static const char cap_net_raw[20] = "\1\0\0\2\0\40\0\0";
  close(open("x", O_CREAT | O_WRONLY, 0644));
  symlink("x", "xl");
  printf("setxattr %s\n",
         err(syscall(SYS_setxattr, "x", "security.capability", cap_net_raw, 20, 0)));
  printf("lsetxattr %s\n", err(syscall(SYS_lsetxattr, "xl", "trusted.link", "on the link", 11, 0)));
  fd = open("x", O_RDONLY);
  printf("fsetxattr %s\n", err(syscall(SYS_fsetxattr, fd, "user.empty", "", 0, 0)));
  printf("setxattrat %s\n",
         err(xattrat(SYS_setxattrat, AT_FDCWD, "x", 0, "user.at", "at", 2, XATTR_CREATE)));
  show_xattrs("x");
  show_xattrs("xl");
  printf("getxattr size 0 %s\n", err(syscall(SYS_getxattr, "x", "security.capability", NULL, 0)));
  char small[2];
  printf("getxattr too small %s\n", err(syscall(SYS_getxattr, "x", "user.at", small, 1)));
  printf("getxattr none %s\n", err(syscall(SYS_getxattr, "x", "user.none", small, 2)));
  printf("listxattr too small %s\n", err(syscall(SYS_listxattr, "x", small, 2)));
  printf("setxattr XATTR_CREATE %s\n",
         err(syscall(SYS_setxattr, "x", "user.at", "x", 1, XATTR_CREATE)));
  printf("setxattr XATTR_REPLACE %s\n",
         err(syscall(SYS_setxattr, "x", "user.none", "x", 1, XATTR_REPLACE)));
  printf("setxattr other namespace %s\n", err(syscall(SYS_setxattr, "x", "other.a", "x", 1, 0)));
  printf("lsetxattr user.* on a link %s\n", err(syscall(SYS_lsetxattr, "xl", "user.a", "x", 1, 0)));
  printf("setxattr missing file %s\n", err(syscall(SYS_setxattr, "none", "user.a", "x", 1, 0)));
  printf("removexattr %s\n", err(syscall(SYS_removexattr, "x", "user.empty")));
  printf("fremovexattr %s\n", err(syscall(SYS_fremovexattr, fd, "user.empty")));
  printf("removexattrat %s\n",
         err(syscall(SYS_removexattrat, AT_FDCWD, "xl", AT_SYMLINK_NOFOLLOW, "trusted.link")));
  close(fd);
  show_xattrs("x");
  show_xattrs("xl");
  link("x", "x2");
  unlink("x");
  show_xattrs("x2"); /* a hard link shares them */
  unlink("x2");
  close(open("x3", O_CREAT | O_WRONLY, 0644));
  show_xattrs("x3"); /* a new file has none, even on the old inode */
  /* mkdir: the owner's access kept (entries can still be made), the mode remembered; a chmod
   * through /proc/self/fd (glibc's fchmodat with AT_SYMLINK_NOFOLLOW). */
  printf("mkdir 000 %ld\n", syscall(SYS_mkdir, "m", 0));
  show("mkdir 000", "m");
  close(open("m/inside", O_CREAT | O_WRONLY, 0644));
  show("still writable", "m/inside");
  printf("fchmodat NOFOLLOW %s\n", err(fchmodat(AT_FDCWD, "m/inside", 0604, AT_SYMLINK_NOFOLLOW)));
  show("fchmodat NOFOLLOW", "m/inside");
  fd = open("m/inside", O_RDONLY);
  char self_fd[64];
  snprintf(self_fd, sizeof self_fd, "/proc/self/fd/%d", fd);
  printf("chmod /proc/self/fd/N %ld\n", syscall(SYS_chmod, self_fd, 0611));
  snprintf(self_fd, sizeof self_fd, "/dev/fd/%d", fd);
  printf("chown /dev/fd/N %ld\n", syscall(SYS_chown, self_fd, 9, 9));
  close(fd);
  show("through the descriptor", "m/inside");
  /* Capabilities: the fake root has them all; capset with the kernel's rules, in a child. */
  fflush(stdout);
  if (fork() == 0) {
    struct {
      unsigned version;
      int pid;
    } header = {0x20080522, 0};
    unsigned none[6] = {0}, raise[6] = {1u << 7, 0, 1u << 7, 0, 0, 0}; /* CAP_SETUID */
    printf("capset drop %s\n", err(syscall(SYS_capset, &header, none)));
    caps("dropped");
    printf("setuid without CAP_SETUID %s\n", err(syscall(SYS_setuid, 5)));
    printf("capset raise %s\n", err(syscall(SYS_capset, &header, raise)));
    header.version = 1;
    const char* e = err(syscall(SYS_capget, &header, none));
    printf("capget bad version %s (told %x)\n", e, header.version);
    fflush(stdout);
    _exit(0);
  }
  wait(NULL);
  /* set*id: remembered per process, inherited by a child, kept across execve. */
  printf("setgroups %d\n", setgroups(2, (gid_t[]){10, 20}));
  printf("setresgid %ld\n", syscall(SYS_setresgid, 100, 101, 102));
  printf("setreuid %ld\n", syscall(SYS_setreuid, 200, 201));
  ids("after");
  r = syscall(SYS_setuid, 0);
  printf("setuid back %ld (%s)\n", r, r == -1 && errno == EPERM ? "EPERM" : "?");
  printf("setfsuid %ld\n", syscall(SYS_setfsuid, 201));
  printf("setresuid %ld\n", syscall(SYS_setresuid, 201, 201, -1));
  ids("later");
  fflush(stdout);
  caps("later");
  fflush(stdout);
  pid_t child = fork();
  if (child == 0) {
    ids("child");
    fflush(stdout);
    execl("/proc/self/exe", argv[0], "exec", (char*)NULL);
    _exit(127);
  }
  waitpid(child, NULL, 0);
  return 0;
}
