/* Signals while syscalls stop: a read restarted after SA_RESTART, EINTR without it, nanosleep
 * interrupted, a storm of SIGUSR1 to itself during system calls, SIGSTOP/SIGCONT of a child. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
static volatile int hits;
static void h(int s) {
  (void)s;
  ++hits;
}
static int read_with(int flags) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = h;
  sa.sa_flags = flags;
  sigaction(SIGUSR1, &sa, 0);
  int p[2];
  pipe(p);
  pid_t c = fork();
  if (c == 0) {
    usleep(100000);
    kill(getppid(), SIGUSR1);
    usleep(100000);
    write(p[1], "x", 1);
    _exit(0);
  }
  char b;
  ssize_t n = read(p[0], &b, 1);
  int e = errno;
  waitpid(c, 0, 0);
  close(p[0]);
  close(p[1]);
  return n == 1 ? 1 : -e;
}
int main(void) {
  alarm(20);
  printf("SA_RESTART read: %d\n", read_with(SA_RESTART));
  printf("plain read: %s\n", read_with(0) == -EINTR ? "EINTR" : "?");
  pid_t c = fork();
  if (c == 0) {
    usleep(100000);
    kill(getppid(), SIGUSR1);
    _exit(0);
  }
  struct timespec req = {5, 0}, rem = {0, 0};
  int r = nanosleep(&req, &rem);
  printf("nanosleep: %s, time left: %s\n", r < 0 && errno == EINTR ? "EINTR" : "?",
         rem.tv_sec >= 3 ? "yes" : "no");
  waitpid(c, 0, 0);
  hits = 0;
  for (int i = 0; i < 200; ++i) {
    kill(getpid(), SIGUSR1);
    close(open("/etc/hostname", O_RDONLY));
  }
  printf("storm: %d handled\n", hits);
  c = fork();
  if (c == 0) {
    for (int i = 0; i < 50; ++i) usleep(10000);
    _exit(4);
  }
  int s;
  kill(c, SIGSTOP);
  waitpid(c, &s, WUNTRACED);
  printf("child stopped: %d\n", WIFSTOPPED(s) && WSTOPSIG(s) == SIGSTOP);
  kill(c, SIGCONT);
  waitpid(c, &s, WCONTINUED);
  printf("child continued: %d\n", WIFCONTINUED(s));
  waitpid(c, &s, 0);
  printf("child exit: %d\n", WEXITSTATUS(s));
  return 0;
}
