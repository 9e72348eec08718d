// A program that traces others with ptrace(2), as strace and gdb do: natively and under `ptvm
// proot` (which emulates the guest's ptrace, backend/ptrace/guest_ptrace.h) the output must be
// the same. Each case prints facts that do not depend on scheduling.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile long marker = 0x1234;  // read and changed by the tracer
static volatile long exit_code = 1;

static void pause_ms(int ms) {
  struct timespec ts = {0, ms * 1000000L};
  nanosleep(&ts, NULL);
}

static void describe(const char* who, int status) {
  if (WIFEXITED(status)) {
    printf("%s: exited %d\n", who, WEXITSTATUS(status));
  } else if (WIFSIGNALED(status)) {
    printf("%s: killed by %s\n", who, strsignal(WTERMSIG(status)));
  } else if (WIFSTOPPED(status)) {
    printf("%s: stopped by %s, event %d\n", who, strsignal(WSTOPSIG(status) & 0x7f), status >> 16);
  }
}

// TRACEME after the parent is waiting already, a SIGSTOP, PEEK/POKE, PTRACE_SYSCALL steps with
// the registers at each stop, a result changed at an exit stop, and the exit status reaped.
static void traceme(void) {
  fflush(stdout);
  const pid_t child = fork();
  if (child == 0) {
    pause_ms(100);  // the parent is in waitpid before this child is traced
    if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0) _exit(100);
    raise(SIGSTOP);
    const long a = syscall(SYS_getppid);
    const long b = syscall(SYS_getuid);
    const long c = syscall(SYS_getppid);
    // The tracer made getuid return 4242 and set exit_code with POKEDATA.
    _exit(a == c && a == getppid() && b == 4242 ? (int)exit_code : 99);
  }
  int status;
  if (waitpid(-1, &status, __WALL) != child) perror("waitpid");
  describe("traceme child", status);
  errno = 0;
  const long word = ptrace(PTRACE_PEEKDATA, child, (void*)&marker, NULL);
  printf("peek marker: %#lx (%s)\n", word, errno ? strerror(errno) : "ok");
  if (ptrace(PTRACE_POKEDATA, child, (void*)&exit_code, (void*)42L) < 0) perror("poke");
  if (ptrace(PTRACE_SETOPTIONS, child, NULL, (void*)(long)PTRACE_O_TRACESYSGOOD) < 0) {
    perror("setoptions");
  }
  int entries = 0, exits = 0, in_call = 0;
  for (;;) {
    if (ptrace(PTRACE_SYSCALL, child, NULL, NULL) < 0) perror("ptrace(SYSCALL)");
    if (waitpid(child, &status, 0) != child) {
      perror("waitpid");
      break;
    }
    if (!WIFSTOPPED(status)) break;
    if (WSTOPSIG(status) != (SIGTRAP | 0x80)) {
      describe("traceme child", status);
      continue;
    }
    struct user_regs_struct regs;
    if (ptrace(PTRACE_GETREGS, child, NULL, &regs) < 0) perror("getregs");
    if (!in_call) {
      ++entries;
      printf("entry %lld\n", regs.orig_rax);
    } else {
      ++exits;
      if (regs.orig_rax == SYS_getuid) {
        regs.rax = 4242;
        if (ptrace(PTRACE_SETREGS, child, NULL, &regs) < 0) perror("setregs");
      }
      printf("exit %lld: %s\n", regs.orig_rax,
             regs.orig_rax == SYS_getppid
                 ? (regs.rax == (unsigned long long)getpid() ? "our pid" : "?")
                 : "-");
    }
    in_call = !in_call;
  }
  describe("traceme child", status);
  printf("syscall stops: %d entries, %d exits\n", entries, exits);
}

// A sibling attached with PTRACE_ATTACH (its SIGSTOP) and with PTRACE_SEIZE + INTERRUPT, its
// memory read, then detached: it goes on as before.
static void attach_sibling(void) {
  int go[2];
  if (pipe(go) < 0) perror("pipe");
  fflush(stdout);
  const pid_t sibling = fork();
  if (sibling == 0) {
    marker = 0x5151;
    close(go[1]);
    char c;
    while (read(go[0], &c, 1) < 0 && errno == EINTR) {
    }
    _exit(c == 'x' ? 11 : 12);
  }
  close(go[0]);
  const pid_t tracer = fork();
  if (tracer == 0) {
    pause_ms(50);
    int status;
    if (ptrace(PTRACE_ATTACH, sibling, NULL, NULL) < 0) perror("attach");
    if (waitpid(sibling, &status, __WALL) != sibling) perror("waitpid");
    describe("attached sibling", status);
    printf("attach twice: %s\n",
           ptrace(PTRACE_ATTACH, sibling, NULL, NULL) < 0 ? strerror(errno) : "ok");
    errno = 0;
    const long word = ptrace(PTRACE_PEEKDATA, sibling, (void*)&marker, NULL);
    printf("sibling marker: %#lx\n", word);
    if (ptrace(PTRACE_DETACH, sibling, NULL, NULL) < 0) perror("detach");
    printf("after detach: %s\n",
           ptrace(PTRACE_PEEKDATA, sibling, (void*)&marker, NULL) < 0 && errno == ESRCH
               ? "not traced"
               : "traced?");
    if (ptrace(PTRACE_SEIZE, sibling, NULL, (void*)(long)PTRACE_O_TRACESYSGOOD) < 0) {
      perror("seize");
    }
    if (ptrace(PTRACE_INTERRUPT, sibling, NULL, NULL) < 0) perror("interrupt");
    if (waitpid(sibling, &status, __WALL) != sibling) perror("waitpid");
    describe("seized sibling", status);
    printf("event stop: %s\n", status >> 16 == PTRACE_EVENT_STOP ? "yes" : "no");
    if (ptrace(PTRACE_DETACH, sibling, NULL, NULL) < 0) perror("detach");
    fflush(stdout);
    _exit(0);
  }
  int status;
  waitpid(tracer, &status, 0);
  describe("tracer", status);
  (void)!write(go[1], "x", 1);
  waitpid(sibling, &status, 0);
  describe("sibling", status);
}

// Whether `pid` is stopped (T; t under a tracer, such as ptvm, that keeps it in its group stop).
static int stopped(pid_t pid) {
  char path[64], buf[512] = {0};
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  FILE* f = fopen(path, "r");
  if (!f) return 0;
  const size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  const char* paren = n > 0 ? strrchr(buf, ')') : NULL;
  return paren && (paren[2] == 'T' || paren[2] == 't');
}

// A sibling stopped by SIGSTOP already: attaching shows the stop, detaching leaves it stopped
// until SIGCONT.
static void attach_stopped(void) {
  int go[2];
  if (pipe(go) < 0) perror("pipe");
  fflush(stdout);
  const pid_t sibling = fork();
  if (sibling == 0) {
    close(go[1]);
    char c = 0;
    while (read(go[0], &c, 1) < 0 && errno == EINTR) {
    }
    _exit(c == 'x' ? 21 : 22);
  }
  close(go[0]);
  int status;
  kill(sibling, SIGSTOP);
  waitpid(sibling, &status, WUNTRACED);
  describe("sibling", status);
  const pid_t tracer = fork();
  if (tracer == 0) {
    if (ptrace(PTRACE_ATTACH, sibling, NULL, NULL) < 0) perror("attach");
    if (waitpid(sibling, &status, __WALL) != sibling) perror("waitpid");
    describe("attached stopped sibling", status);
    if (ptrace(PTRACE_DETACH, sibling, NULL, NULL) < 0) perror("detach");
    fflush(stdout);
    _exit(0);
  }
  waitpid(tracer, &status, 0);
  describe("tracer", status);
  pause_ms(100);
  printf("sibling still stopped: %s\n", stopped(sibling) ? "yes" : "no");
  kill(sibling, SIGCONT);
  (void)!write(go[1], "x", 1);
  while (waitpid(sibling, &status, WUNTRACED | WCONTINUED) == sibling && !WIFEXITED(status)) {
  }
  describe("sibling", status);
}

// The tracer exits while its tracee is stopped: the tracee goes on (or dies under
// PTRACE_O_EXITKILL); what it writes after tells.
static void tracer_exits(int exitkill) {
  int out[2];
  if (pipe(out) < 0) perror("pipe");
  fflush(stdout);
  const pid_t tracer = fork();
  if (tracer == 0) {
    const pid_t tracee = fork();
    if (tracee == 0) {
      close(out[0]);
      if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0) _exit(100);
      raise(SIGSTOP);
      (void)!write(out[1], "ran on", 6);
      _exit(0);
    }
    close(out[1]);
    int status;
    waitpid(tracee, &status, 0);
    if (exitkill) {
      ptrace(PTRACE_SETOPTIONS, tracee, NULL, (void*)(long)PTRACE_O_EXITKILL);
    }
    _exit(WIFSTOPPED(status) ? 0 : 1);  // leaves it stopped
  }
  close(out[1]);
  int status;
  waitpid(tracer, &status, 0);
  describe(exitkill ? "exitkill tracer" : "tracer", status);
  char text[16] = {0};
  const ssize_t n = read(out[0], text, sizeof text - 1);
  printf("its tracee: %s\n", n > 0 ? text : "ended without a word");
  close(out[0]);
}

// PTRACE_O_TRACEFORK: the child's fork reported, the grandchild auto-attached with its SIGSTOP.
static void follow_fork(void) {
  fflush(stdout);
  const pid_t child = fork();
  if (child == 0) {
    if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0) _exit(100);
    raise(SIGSTOP);
    const pid_t grandchild = fork();
    if (grandchild == 0) _exit(5);
    int status;
    waitpid(grandchild, &status, 0);
    _exit(WIFEXITED(status) ? WEXITSTATUS(status) + 1 : 99);
  }
  int status;
  waitpid(child, &status, 0);
  ptrace(PTRACE_SETOPTIONS, child, NULL, (void*)(long)PTRACE_O_TRACEFORK);
  ptrace(PTRACE_CONT, child, NULL, NULL);
  int fork_events = 0, grandchild_stops = 0, grandchild_exit = -1, child_exit = -1;
  pid_t grandchild = 0;
  while (child_exit < 0 || grandchild_exit < 0) {
    const pid_t pid = waitpid(-1, &status, __WALL);
    if (pid < 0) {
      perror("waitpid");
      break;
    }
    if (WIFEXITED(status)) {
      if (pid == child)
        child_exit = WEXITSTATUS(status);
      else
        grandchild_exit = WEXITSTATUS(status);
      continue;
    }
    if (pid == child && status >> 16 == PTRACE_EVENT_FORK) {
      unsigned long msg = 0;
      ptrace(PTRACE_GETEVENTMSG, child, NULL, &msg);
      grandchild = (pid_t)msg;
      ++fork_events;
    } else if (pid != child && WSTOPSIG(status) == SIGSTOP) {
      ++grandchild_stops;
    }
    ptrace(PTRACE_CONT, pid, NULL, NULL);
  }
  printf("fork events %d, grandchild stops %d, grandchild known %s\n", fork_events,
         grandchild_stops, grandchild > 0 ? "yes" : "no");
  printf("grandchild exited %d, child exited %d\n", grandchild_exit, child_exit);
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  printf("traceme with a non-tracee: %s\n",
         ptrace(PTRACE_PEEKDATA, getppid(), NULL, NULL) < 0 ? strerror(errno) : "ok");
  traceme();
  attach_sibling();
  attach_stopped();
  tracer_exits(0);
  tracer_exits(1);
  follow_fork();
  return 0;
}
