/* What the fakeroot VM fakes, call by call, printed (compared with fakeroot_calls.expected):
 * the ids and the set*id family (remembered per process, inherited by a child), chown and chmod
 * through every call of their families (raw system calls: nothing of libc in between), mknod of
 * devices, stat of each, and the removal of a record with the file's last link. Run in an empty
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
#include <unistd.h>

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
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

int main(void) {
  ids("start");
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
  printf("mknodat b %ld\n",
         syscall(SYS_mknodat, AT_FDCWD, "bdev", S_IFBLK | 0600, makedev(8, 1)));
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
  /* set*id: remembered per process, inherited by a child. */
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
  pid_t child = fork();
  if (child == 0) {
    ids("child");
    fflush(stdout);
    _exit(0);
  }
  waitpid(child, NULL, 0);
  return 0;
}
