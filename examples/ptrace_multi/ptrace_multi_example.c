/* The README's example: read a tracee's string and registers in one ptvm_ptrace_multi() call.
 * Built as C and run by ctest: proves the API is callable from C and links as libptvm. */
#include <ptvm/ptrace_multi.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

static const char greeting[] = "hello from the tracee";

int main(void) {
  pid_t pid = fork();
  if (pid == 0) {
    ptrace(PTRACE_TRACEME, 0, 0, 0);
    raise(SIGSTOP);
    _exit(0);
  }
  waitpid(pid, NULL, 0); /* stopped: its memory is ours to read */

  char text[64];
  struct user_regs_struct regs;
  struct ptvm_multi reqs[] = {
      {PTVM_PEEKSTRINGDATA, (long)greeting, text, sizeof text}, /* same address in the child */
      {PTRACE_GETREGS, 0, &regs, 0},
  };
  long r = ptvm_ptrace_multi(pid, reqs, 2);
  printf("ret=%ld string=\"%s\" (%ld bytes) rip=%#llx\n", r, text, reqs[0].length, regs.rip);

  kill(pid, SIGKILL);
  waitpid(pid, NULL, 0);
  return r == 0 && strcmp(text, greeting) == 0 && reqs[0].length == sizeof greeting ? 0 : 1;
}
