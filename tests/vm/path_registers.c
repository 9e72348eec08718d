// A translated call must leave the program's registers as the kernel does (all but rax, rcx and
// r11), also when a signal interrupts it and the kernel restarts it or returns EINTR: the path
// VM points an argument register at scratch memory, and the trampoline (or the exit stop) puts
// it back. Run inside a rootfs by path_escape.sh; prints one line per case.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

// openat(AT_FDCWD, path, flags) with marked values in every other argument register; returns
// the result and whether all six registers came back unchanged.
static long raw_openat(const char* path, long flags, int* intact) {
  register long r10 __asm__("r10") = 0x1010;
  register long r8 __asm__("r8") = 0x0808;
  register long r9 __asm__("r9") = 0x0909;
  long rdi = AT_FDCWD, rsi = (long)path, rdx = flags;
  long ret;
  __asm__ volatile("syscall"
                   : "=a"(ret), "+D"(rdi), "+S"(rsi), "+d"(rdx), "+r"(r10), "+r"(r8), "+r"(r9)
                   : "a"((long)SYS_openat)
                   : "rcx", "r11", "memory");
  *intact = rdi == AT_FDCWD && rsi == (long)path && rdx == flags && r10 == 0x1010 && r8 == 0x0808 &&
            r9 == 0x0909;
  return ret;
}

static void on_alarm(int sig) {
  (void)sig;
}

static void blocked_open(int restart) {
  struct sigaction sa = {.sa_handler = on_alarm, .sa_flags = restart ? SA_RESTART : 0};
  sigaction(SIGALRM, &sa, NULL);
  pid_t writer = fork();
  if (writer == 0) {
    usleep(600 * 1000);  // after the alarm: the open is interrupted first
    int fd = open("/tmp/fifo", O_WRONLY);
    if (fd >= 0) close(fd);
    _exit(0);
  }
  ualarm(200 * 1000, 0);
  int intact;
  long fd = raw_openat("/tmp/fifo", O_RDONLY, &intact);
  printf("fifo_open_%s: %s, registers %s\n", restart ? "restarted" : "interrupted",
         fd >= 0 ? "opened" : strerrorname_np((int)-fd), intact ? "intact" : "CHANGED");
  if (fd >= 0)
    close((int)fd);
  else
    kill(writer, SIGKILL);  // it waits for a reader that gave up
  waitpid(writer, NULL, 0);
}

int main(void) {
  int intact;
  long fd = raw_openat("/etc/marker", O_RDONLY, &intact);
  char buf[16] = {0};
  if (fd >= 0) read((int)fd, buf, sizeof buf - 1);
  buf[strcspn(buf, "\n")] = 0;
  printf("plain_open: %s, registers %s\n", fd >= 0 ? buf : strerrorname_np((int)-fd),
         intact ? "intact" : "CHANGED");
  fd = raw_openat("/etc/missing", O_RDONLY, &intact);
  printf("failed_open: %s, registers %s\n", strerrorname_np((int)-fd),
         intact ? "intact" : "CHANGED");
  unlink("/tmp/fifo");
  mkfifo("/tmp/fifo", 0600);
  blocked_open(1);
  blocked_open(0);
  return 0;
}
