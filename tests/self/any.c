/* PTVM_SELF_ANY picks Syscall User Dispatch when the kernel offers it, else the seccomp
 * RET_TRAP filter. SUD is probed here the way ptvm's KernelFeatures probes it (on a throwaway
 * child: dispatch on, selector BLOCK, getppid from libc must raise SIGSYS); the choice is then
 * read back from /proc/self/status: TRAP adds one seccomp filter, SUD none. */
#include "self_test.h"

#include <sys/prctl.h>
#include <sys/wait.h>

#ifndef PR_SET_SYSCALL_USER_DISPATCH
#define PR_SET_SYSCALL_USER_DISPATCH 59
#define PR_SYS_DISPATCH_ON 1
#endif

static volatile char probe_selector;
static volatile int probe_traps;

static void probe_sigsys(int sig, siginfo_t* info, void* ctx) {
  (void)sig;
  probe_selector = 0; /* ALLOW: sigreturn is a system call too */
  probe_traps += info->si_code == 2 /* SYS_USER_DISPATCH */;
  st_regs(ctx)[REG_RAX] = -1234;
}

static int sud_available(void) {
  pid_t child = fork();
  if (child == 0) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = probe_sigsys;
    sa.sa_flags = SA_SIGINFO;
    if (sigaction(SIGSYS, &sa, NULL) != 0) _exit(2);
    (void)syscall(SYS_getppid); /* binds syscall() before dispatch is on */
    /* An allowed range that holds no code: every call is dispatched while BLOCK. */
    if (prctl(PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_ON, 0x1000UL, 1UL, &probe_selector)) {
      _exit(1);
    }
    probe_selector = 1;
    long r = syscall(SYS_getppid);
    probe_selector = 0;
    _exit(r == -1 && errno == 1234 && probe_traps == 1 ? 0 : 3);
  }
  int status = -1;
  waitpid(child, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static int seccomp_filters(void) {
  FILE* f = fopen("/proc/self/status", "r");
  if (f == NULL) return -1;
  char line[256];
  int n = -1;
  while (fgets(line, sizeof line, f)) {
    if (sscanf(line, "Seccomp_filters: %d", &n) == 1) break;
  }
  fclose(f);
  return n;
}

static volatile int traps;

static void handler(int sig, siginfo_t* info, void* ctx) {
  (void)sig;
  traps++;
  st_regs(ctx)[REG_RAX] = info->si_syscall == SYS_getpid ? 4242 : st_perform(info, ctx);
}

static void behaviour(void) {
  traps = 0;
  ST_CHECK(ptvm_self_on() == 0);
  st_pause_armed();
  pid_t pid = getpid();
  ST_CHECK(traps == 1 && pid == 4242);
  ST_CHECK(getpid() == st_real_pid);
  st_say("%s: the chosen mechanism traps: getpid emulated\n", st_where());
}

int main(int argc, char** argv) {
  (void)argc;
  int sud = sud_available();
  int before = seccomp_filters();
  char* any_argv[] = {argv[0], "any", NULL};
  st_init(handler, 2, any_argv);
  int after = seccomp_filters();
  ST_CHECK(before >= 0 && after >= 0);
  int picked_trap = after == before + 1;
  ST_CHECK(picked_trap || after == before);
  ST_CHECK(picked_trap == !sud);
  st_say("SUD %s; PTVM_SELF_ANY picked %s\n", sud ? "available" : "unavailable",
         picked_trap ? "TRAP" : "SUD");
  return st_run(behaviour);
}
