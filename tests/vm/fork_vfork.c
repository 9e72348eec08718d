/* Nested fork, vfork + exec, and exit codes passed up the tree. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
int main(void) {
  alarm(20);
  pid_t a = fork();
  if (a == 0) {
    pid_t b = fork();
    if (b == 0) _exit(7);
    int s;
    waitpid(b, &s, 0);
    _exit(WEXITSTATUS(s) + 1);
  }
  int s;
  waitpid(a, &s, 0);
  printf("nested fork: %d\n", WEXITSTATUS(s));
  fflush(stdout);
  pid_t v = vfork();
  if (v == 0) {
    execl("/bin/sh", "sh", "-c", "echo from vfork+exec; exit 3", (char*)0);
    _exit(127);
  }
  waitpid(v, &s, 0);
  printf("vfork child: %d\n", WEXITSTATUS(s));
  return 5;
}
