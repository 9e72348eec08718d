/* Seccomp filters of the program's own, under a tracer that has one too (the ptrace backend's):
 * `sandbox` kills the process for an anonymous executable mapping or for making memory
 * executable (which the dynamic loader never does): ptvm must not make such calls in the
 * program to set up its return trampoline. `allow` lets only a few calls through (the rest fail
 * with EPERM), installed once the trampoline is there: the trampoline must make no call of its
 * own. The filters judge the program's calls under ptvm exactly as natively. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int install(struct sock_filter* f, unsigned short n) {
  struct sock_fprog prog = {n, f};
  return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
         prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}
static int sandbox(void) {
  struct sock_filter f[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_mmap, 2, 0),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_mprotect, 4, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[3])),
      BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, MAP_ANONYMOUS, 0, 3),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[2])),
      BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, PROT_EXEC, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  return install(f, sizeof f / sizeof f[0]);
}
static int allow_few(void) {
  struct sock_filter f[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_newfstatat, 3, 0),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_write, 2, 0),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_exit_group, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  return install(f, sizeof f / sizeof f[0]);
}
int main(int argc, char** argv) {
  if (argc > 1) {  // the sandboxed program
    int ok = 0;
    for (int i = 0; i < 3; ++i) ok += write(1, "", 0) == 0;
    return ok;
  }
  const char* self = argv[0];
  setvbuf(stdout, 0, _IONBF, 0);
  pid_t c = fork();
  if (c == 0) {  // sandboxed, then a new program: ptvm's setup would be killed there
    if (sandbox()) _exit(1);
    execl(self, self, "sandboxed", (char*)0);
    _exit(2);
  }
  int s;
  waitpid(c, &s, 0);
  printf("sandboxed program: %s %d\n", WIFEXITED(s) ? "exit" : "signal",
         WIFEXITED(s) ? WEXITSTATUS(s) : WTERMSIG(s));
  c = fork();
  if (c == 0) {  // few calls allowed, in a process that has a trampoline already
    if (allow_few()) _exit(1);
    struct stat st;
    int ok = 0;
    for (int i = 0; i < 40; ++i) ok += stat("/nonexistent", &st) < 0 && errno == ENOENT;
    ok += stat("/", &st) == 0 && S_ISDIR(st.st_mode);
    ok += write(1, "", 0) == 0;
    ok += close(0) < 0 && errno == EPERM;
    syscall(SYS_exit_group, ok);
  }
  waitpid(c, &s, 0);
  printf("a few calls allowed: %s %d of 43 right\n", WIFEXITED(s) ? "exit" : "signal",
         WIFEXITED(s) ? WEXITSTATUS(s) : WTERMSIG(s));
  return 0;
}
