/* Calls whose trace line shows one buffer they wrote (read's data, stat's struct, pipe2's fds...)
 * return through ptvm's return trampoline, which copies that buffer out as the call returns.
 * Here: reads of every length around the copy's limits, EOF and failures, the other kinds of
 * buffer; registers and flags right after each path (the copy borrows rdx, rdi and rsi);
 * and a thread copying while signals hit it (a stop inside the copy loop gives the program its
 * registers back). With arguments "lines DIR", only the calls whose lines are the same every run,
 * on files in DIR (tests/vm/parity.sh copy compares them with and without the trampoline). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "raw_call.h"

static char content[2048];
static char path[600] = "/tmp/ptvm_copy_out_XXXXXX", link_path[640];

static void show(const char* what, struct after o) {
  printf("%s: %ld, registers %s, flags %#lx, r11 %#lx, rcx %s\n", what, o.result,
         o.kept ? "kept" : "CHANGED", o.flags, o.r11, o.rcx_is_return ? "right" : "wrong");
}

static int open_content(void) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) {
    perror("open");
    exit(1);
  }
  return fd;
}

static void lines(void) {
  char buf[1100];
  int fd = open_content(), r;
  ssize_t n;
  off_t at = 0;
  const size_t sizes[] = {1, 31, 32, 33, 100, 431, 432, 433, 1000, 1000};
  for (size_t i = 0; i < sizeof sizes / sizeof *sizes; ++i) {
    n = read(fd, buf, sizes[i]);
    printf("read %zu: %zd %s\n", sizes[i], n,
           n >= 0 && memcmp(buf, content + at, n) == 0 ? "right" : "WRONG");
    at += n > 0 ? n : 0;
  }
  n = pread(fd, buf, 50, 7);
  printf("pread64 at 7: %zd\n", n);
  n = read(fd, buf, sizeof buf);
  printf("read at EOF: %zd\n", n);
  n = read(fd, NULL, 0);
  printf("read into NULL: %zd\n", n);
  n = read(1000, buf, 10);
  printf("read of a bad descriptor: %zd %s\n", n, strerror(errno));
  struct stat st;
  r = fstat(fd, &st);
  printf("fstat: %d, size %lld\n", r, (long long)st.st_size);
  r = stat(path, &st);
  printf("stat: %d, size %lld\n", r, (long long)st.st_size);
  r = stat("/nonexistent", &st);
  printf("stat of nothing: %d %s\n", r, strerror(errno));
  struct statx sx;
  r = statx(AT_FDCWD, path, 0, STATX_SIZE, &sx);
  printf("statx: %d, size %lld\n", r, (long long)sx.stx_size);
  close(fd);
  char target[64];
  symlink("content", link_path);
  n = readlink(link_path, target, sizeof target);
  printf("readlink: %zd\n", n);
  unlink(link_path);
  int p[2];
  r = pipe(p);
  printf("pipe: %d\n", r);
  write(p[1], "through the pipe", 16);
  n = read(p[0], buf, sizeof buf);
  printf("read of a pipe: %zd\n", n);
  close(p[0]);
  close(p[1]);
  struct sigaction old;
  r = sigaction(SIGUSR2, NULL, &old);
  printf("sigaction: %d, handler %s\n", r, old.sa_handler == SIG_DFL ? "default" : "?");
  sigset_t set, was;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR2);
  r = sigprocmask(SIG_BLOCK, &set, &was);
  printf("sigprocmask: %d\n", r);
  r = sigprocmask(SIG_SETMASK, &was, NULL);
  printf("sigprocmask back: %d, USR2 was %s\n", r, sigismember(&was, SIGUSR2) ? "blocked" : "open");
  struct rlimit rl;
  r = getrlimit(RLIMIT_NOFILE, &rl);
  printf("getrlimit: %d\n", r);
  struct utsname u;
  r = uname(&u);
  printf("uname: %d, %s\n", r, u.sysname);
}

static void registers(void) {
  char buf[64];
  struct stat st;
  int fd = open_content();
  for (int i = 0; i < 3; ++i) {  /* the read's buffer request, then the same one again */
    show("read", raw_call(SYS_read, fd, (long)buf, sizeof buf, 0));
  }
  show("read of a bad descriptor", raw_call(SYS_read, 1000, (long)buf, sizeof buf, 0));
  show("read at EOF", raw_call(SYS_pread64, fd, (long)buf, sizeof buf, 1 << 20));
  show("fstat", raw_call(SYS_fstat, fd, (long)&st, 0, 0));
  show("newfstatat", raw_call(SYS_newfstatat, AT_FDCWD, (long)path, (long)&st, 0));
  show("newfstatat of nothing",
       raw_call(SYS_newfstatat, AT_FDCWD, (long)"/nonexistent", (long)&st, 0));
  printf("size %lld\n", (long long)st.st_size);
  close(fd);
}

/* Copies while a timer of the program's user time (SIGVTALRM every millisecond of it) hits it:
 * the signal comes at a timer tick that finds the program running in user mode, so often in the
 * copy loop, where most of its user time goes. Checks the registers and the data each time. */
static volatile sig_atomic_t hits;
static void counted(int sig) {
  (void)sig;
  ++hits;
}
static void under_signals(int reads) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = counted;
  sa.sa_flags = SA_RESTART;
  sigaction(SIGVTALRM, &sa, NULL);
  const struct itimerval every_ms = {{0, 1000}, {0, 1000}}, off = {{0, 0}, {0, 0}};
  setitimer(ITIMER_VIRTUAL, &every_ms, NULL);
  int fd = open_content(), bad = 0;
  char buf[512];
  for (int i = 0; i < reads && !bad; ++i) {
    const long at = (i * 37) % 1500;
    struct after o = raw_call(SYS_pread64, fd, (long)buf, 300, at);
    bad = o.result != 300 || !o.kept || o.flags != o.r11 || !o.rcx_is_return ||
          memcmp(buf, content + at, 300) != 0;
    if (bad) show("pread64 under signals", o);
  }
  setitimer(ITIMER_VIRTUAL, &off, NULL);
  close(fd);
  printf("copies under signals: %s\n", bad ? "WRONG" : "right");
}

int main(int argc, char** argv) {
  alarm(60);
  setvbuf(stdout, 0, _IONBF, 0);
  for (size_t i = 0; i < sizeof content; ++i) content[i] = (char)(i * 131 + i / 7);
  int fd;
  if (argc > 2) {
    snprintf(path, sizeof path, "%s/content", argv[2]);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  } else {
    fd = mkstemp(path);
  }
  snprintf(link_path, sizeof link_path, "%s.link", path);
  if (fd < 0 || write(fd, content, sizeof content) != (ssize_t)sizeof content) return 1;
  close(fd);
  lines();
  if (argc < 2) {
    registers();
    under_signals(getenv("COPY_OUT_READS") ? atoi(getenv("COPY_OUT_READS")) : 20000);
  }
  unlink(path);
  return 0;
}
