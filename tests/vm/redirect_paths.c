/* Path rewriting: natively it uses /etc; under `--redirect /ptvm-redirect=/etc` the harness
 * sets PTVM_TEST_PREFIX=/ptvm-redirect, a path that exists only through the VM. Same output.
 * open, stat, faccessat, execve, a blocking open restarted after a signal handler, and an openat
 * whose rax has bits above the 32 the kernel runs (it must not slip past the VM). */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
static void h(int s) {
  (void)s;
}
static char buf[3][256];
/* openat(AT_FDCWD, path, O_RDONLY) with 1 << 32 in rax: the kernel runs the low 32 bits. */
static long openat_high_bits(const char* path) {
  long ret;
  register long r10 __asm__("r10") = 0;
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "a"((1L << 32) | SYS_openat), "D"((long)AT_FDCWD), "S"(path),
                     "d"((long)O_RDONLY), "r"(r10)
                   : "rcx", "r11", "memory");
  return ret;
}
static const char* at(int i, const char* prefix, const char* rest) {
  snprintf(buf[i], sizeof buf[i], "%s%s", prefix, rest);
  return buf[i];
}
int main(void) {
  alarm(20);
  const char* prefix = getenv("PTVM_TEST_PREFIX") ? getenv("PTVM_TEST_PREFIX") : "/etc";
  struct stat st;
  int a = open(at(0, prefix, "/hostname"), O_RDONLY);
  int b = stat(at(1, prefix, "/passwd"), &st);
  int c = faccessat(AT_FDCWD, at(2, prefix, "/hostname"), R_OK, 0);
  printf("open %d stat %d faccessat %d\n", a >= 0, b == 0, c == 0);
  /* After a call the VM passes unchanged, then after one it rewrote. */
  access("/", F_OK);
  long h1 = openat_high_bits(at(0, prefix, "/hostname"));
  long h2 = openat_high_bits(at(0, prefix, "/hostname"));
  printf("openat with high bits in rax: %d %d\n", h1 >= 0, h2 >= 0);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = h;
  sa.sa_flags = SA_RESTART;
  sigaction(SIGUSR1, &sa, 0);
  pid_t k = fork();
  if (k == 0) {
    usleep(50000);
    kill(getppid(), SIGUSR1);
    _exit(0);
  }
  /* A FIFO open blocks: interrupted by SIGUSR1, restarted with the caller's registers. */
  char fifo[64]; /* one per run: tests run in parallel */
  snprintf(fifo, sizeof fifo, "/tmp/ptvm-fifo-%d", (int)getpid());
  unlink(fifo);
  mkfifo(fifo, 0600);
  pid_t w = fork();
  if (w == 0) {
    usleep(200000);
    int fd = open(fifo, O_WRONLY);
    write(fd, "y", 1);
    _exit(0);
  }
  int fd = open(fifo, O_RDONLY); /* blocks; interrupted by SIGUSR1; restarted */
  char y = 0;
  read(fd, &y, 1);
  printf("fifo after restart: %c\n", y);
  waitpid(k, 0, 0);
  waitpid(w, 0, 0);
  unlink(fifo);
  fflush(stdout);
  execl(at(0, prefix, "/../bin/sh"), "sh", "-c", "echo exec through a redirected path", (char*)0);
  printf("exec failed\n");
  return 1;
}
