/* Children killed with SIGKILL while blocked in a system call and while in a loop of system
 * calls (under ptvm, often while stopped at one); the parent sees the signal, the VM goes on. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>
int main(void) {
  alarm(20);
  int p[2];
  pipe(p);
  pid_t blocked = fork();
  if (blocked == 0) {
    char c;
    read(p[0], &c, 1); /* never returns */
    _exit(0);
  }
  pid_t busy = fork();
  if (busy == 0) {
    for (;;) close(open("/etc/hostname", O_RDONLY));
  }
  usleep(100000);
  kill(blocked, SIGKILL);
  kill(busy, SIGKILL);
  int s1, s2;
  waitpid(blocked, &s1, 0);
  waitpid(busy, &s2, 0);
  printf("blocked child: killed by %d\n", WIFSIGNALED(s1) ? WTERMSIG(s1) : 0);
  printf("busy child: killed by %d\n", WIFSIGNALED(s2) ? WTERMSIG(s2) : 0);
  return 0;
}
