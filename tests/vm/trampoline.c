/* Calls whose trace line needs only their result (write, close, pause...) return through
 * ptvm's return trampoline instead of stopping at their exit. Here they are at its edges: a
 * signal interrupts them and its handler restarts them (SA_RESTART), or not, or leaves by
 * siglongjmp; 200 threads are blocked in one at once (more than the blocks of a trampoline);
 * a fork child that does not exec; posix_spawn children sharing this memory (the clone(CLONE_VM)
 * child is in clone_vm.c); registers and flags right after the call, on the success-only path too
 * (stat when it mostly fails); the program unmapping the trampoline; an execve while a thread is
 * blocked in a call. The trampoline must stay invisible: the results, the program counter a signal
 * handler sees, no new mapping for each spawned child. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

#include "raw_call.h"

extern char** environ;
static volatile sig_atomic_t hits;
static volatile uintptr_t handler_rip;
static sigjmp_buf jump;

static void counted(int sig, siginfo_t* info, void* context) {
  (void)sig, (void)info;
  ++hits;
  handler_rip = (uintptr_t)((ucontext_t*)context)->uc_mcontext.gregs[REG_RIP];
}
static void leave(int sig) {
  (void)sig;
  siglongjmp(jump, 1);
}
static void on_alarm(void (*handler)(int), void (*action)(int, siginfo_t*, void*), int flags) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  if (action) {
    sa.sa_sigaction = action;
    sa.sa_flags = SA_SIGINFO;
  } else {
    sa.sa_handler = handler;
  }
  sa.sa_flags |= flags;
  sigaction(SIGALRM, &sa, 0);
  struct itimerval t = {{0, 0}, {0, 50000}};  // once, in 50 ms
  setitimer(ITIMER_REAL, &t, 0);
}

// A pipe whose buffer is full: the next write blocks.
static size_t full_pipe(int p[2]) {
  if (pipe(p) < 0) exit(1);
  fcntl(p[1], F_SETFL, O_NONBLOCK);
  char buf[4096];
  memset(buf, 'x', sizeof buf);
  size_t filled = 0;
  ssize_t n;
  while ((n = write(p[1], buf, sizeof buf)) > 0) filled += (size_t)n;
  fcntl(p[1], F_SETFL, 0);
  return filled;
}
static size_t drain(int fd, size_t want) {
  char buf[4096];
  size_t got = 0;
  while (got < want) {
    ssize_t n = read(fd, buf, want - got < sizeof buf ? want - got : sizeof buf);
    if (n <= 0) break;
    got += (size_t)n;
  }
  return got;
}

// Is `addr` in a mapping of a file (the program or a library), not an anonymous one?
static int in_file_mapping(uintptr_t addr) {
  FILE* f = fopen("/proc/self/maps", "r");
  if (!f) return 0;
  char line[512];
  int found = 0;
  while (fgets(line, sizeof line, f)) {
    uintptr_t lo, hi;
    char path[256] = "";
    if (sscanf(line, "%lx-%lx %*s %*s %*s %*s %255s", &lo, &hi, path) >= 2 && addr >= lo &&
        addr < hi) {
      found = path[0] == '/';
    }
  }
  fclose(f);
  return found;
}
static int mappings(void) {
  FILE* f = fopen("/proc/self/maps", "r");
  if (!f) return -1;
  int n = 0, c;
  while ((c = fgetc(f)) != EOF) n += c == '\n';
  fclose(f);
  return n;
}

static void restarted_write(void) {
  int p[2];
  const size_t filled = full_pipe(p);
  pid_t c = fork();
  if (c == 0) {  // drains the pipe after the alarm has interrupted the write
    usleep(200000);
    _exit(drain(p[0], filled + 1) == filled + 1 ? 0 : 1);
  }
  hits = 0;
  on_alarm(0, counted, SA_RESTART);
  ssize_t n = write(p[1], "y", 1);
  int s;
  waitpid(c, &s, 0);
  printf("SA_RESTART write: %zd, handler ran: %d, reader: %d\n", n, hits, WEXITSTATUS(s));
  printf("the handler saw the program's code: %s\n", in_file_mapping(handler_rip) ? "yes" : "no");
  close(p[0]);
  close(p[1]);
}

static void interrupted_write(void) {
  int p[2];
  full_pipe(p);
  on_alarm(0, counted, 0);
  ssize_t n = write(p[1], "y", 1);
  printf("plain write: %zd %s\n", n, n < 0 && errno == EINTR ? "EINTR" : "?");
  on_alarm(0, counted, 0);
  int r = pause();
  printf("pause: %d %s\n", r, r < 0 && errno == EINTR ? "EINTR" : "?");
  if (sigsetjmp(jump, 1) == 0) {
    on_alarm(leave, 0, 0);
    write(p[1], "y", 1);
    printf("write returned: ?\n");
  } else {
    printf("left the write by siglongjmp\n");
  }
  // The calls after it still get their own results.
  int ok = 1;
  for (int i = 0; i < 100; ++i) {
    int fd = dup(1);
    ok = ok && fd >= 0 && close(fd) == 0 && close(fd) < 0 && errno == EBADF;
  }
  printf("after it, dup/close results right: %d\n", ok);
  close(p[0]);
  close(p[1]);
}

enum { kThreads = 200 };
static int shared_pipe[2];
static void* blocked_writer(void* arg) {
  (void)arg;
  return (void*)(intptr_t)write(shared_pipe[1], "t", 1);
}
static void many_threads(void) {
  const size_t filled = full_pipe(shared_pipe);
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 64 * 1024);
  pthread_t th[kThreads];
  int started = 0;
  for (int i = 0; i < kThreads; ++i)
    started += pthread_create(&th[i], &attr, blocked_writer, 0) == 0;
  usleep(300000);  // most of them are blocked in write by now
  size_t got = drain(shared_pipe[0], filled + (size_t)started);
  long sum = 0;
  for (int i = 0; i < started; ++i) {
    void* r;
    pthread_join(th[i], &r);
    sum += (intptr_t)r;
  }
  printf("threads: %d started, %ld bytes written by them, %s drained\n", started, sum,
         got == filled + (size_t)started ? "all" : "not all");
  close(shared_pipe[0]);
  close(shared_pipe[1]);
}

static void fork_no_exec(void) {
  pid_t c = fork();
  if (c == 0) {
    int fd = open("/dev/null", O_WRONLY);
    int ok = fd >= 0;
    for (int i = 0; i < 200; ++i) ok = ok && write(fd, "abc", 3) == 3;
    _exit(ok ? 7 : 1);
  }
  int s;
  waitpid(c, &s, 0);
  printf("fork child without exec: %d\n", WEXITSTATUS(s));
}

static int spawn_true(void) {
  pid_t c;
  char* argv[] = {"true", 0};
  int s;
  return posix_spawnp(&c, "true", 0, 0, argv, environ) == 0 && waitpid(c, &s, 0) == c &&
         WIFEXITED(s) && WEXITSTATUS(s) == 0;
}

// The mappings around 20 spawns. Twenty first: the in-process runtime rewrites the sites of
// the calls involved after their first traps (16 by default), and a patched page is a mapping
// of its own.
static void spawns(void) {
  for (int i = 0; i < 20; ++i) spawn_true();
  int before = mappings();
  int ok = 0;
  for (int i = 0; i < 20; ++i) ok += spawn_true();
  printf("posix_spawn: %d of 20, new mappings: %d\n", ok, mappings() - before);
}

static void registers_after_calls(void) {
  struct stat st;
  for (int i = 0; i < 40; ++i) stat("/nonexistent", &st); /* stat mostly fails now */
  const char* paths[] = {"/nonexistent", "/", "/nonexistent"};
  for (int i = 0; i < 3; ++i) {
    struct after o = raw_call(SYS_newfstatat, AT_FDCWD, (long)paths[i], (long)&st, 0);
    printf("newfstatat %s: %ld, registers %s, flags %#lx, r11 %#lx, rcx %s\n", paths[i], o.result,
           o.kept ? "kept" : "CHANGED", o.flags, o.r11, o.rcx_is_return ? "right" : "wrong");
  }
  printf("st_mode of /: %s\n", S_ISDIR(st.st_mode) ? "directory" : "?");
  struct after o = raw_call(SYS_close, 1000, 0, 0, 0);
  printf("close(1000): %ld, flags %#lx, r11 %#lx, rcx %s\n", o.result, o.flags, o.r11,
         o.rcx_is_return ? "right" : "wrong");
}

// Unmaps every anonymous executable mapping: natively none, under ptvm its trampoline. The
// calls after that still return, with their results.
static void unmap_anonymous_code(void) {
  pid_t c = fork();
  if (c == 0) {
    FILE* f = fopen("/proc/self/maps", "r");
    uintptr_t lo[16], hi[16];
    int n = 0;
    char line[512];
    while (f && fgets(line, sizeof line, f) && n < 16) {
      char perms[8], path[256] = "";
      if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %255s", &lo[n], &hi[n], perms, path) >= 3 &&
          perms[2] == 'x' && path[0] == 0) {
        ++n;
      }
    }
    if (f) fclose(f);
    for (int i = 0; i < n; ++i) munmap((void*)lo[i], hi[i] - lo[i]);
    int ok = 1;
    for (int i = 0; i < 100; ++i) {
      int fd = dup(1);
      ok = ok && fd >= 0 && close(fd) == 0 && close(fd) < 0 && errno == EBADF;
    }
    _exit(ok ? 5 : 1);
  }
  int s;
  waitpid(c, &s, 0);
  printf("calls after unmapping anonymous code: %s %d\n", WIFEXITED(s) ? "exit" : "signal",
         WIFEXITED(s) ? WEXITSTATUS(s) : WTERMSIG(s));
}

static void* blocked_forever(void* arg) {
  (void)arg;
  write(shared_pipe[1], "z", 1);
  return 0;
}

int main(int argc, char** argv) {
  if (argc > 1) {  // after the execve
    printf("after execve: %zd\n", write(1, "", 0));
    return 3;
  }
  alarm(30);
  setvbuf(stdout, 0, _IONBF, 0);
  restarted_write();
  interrupted_write();
  many_threads();
  fork_no_exec();
  spawns();
  registers_after_calls();
  unmap_anonymous_code();
  // execve while a thread is blocked in a write: the thread is gone, its call never returns.
  full_pipe(shared_pipe);
  pthread_t th;
  pthread_create(&th, 0, blocked_forever, 0);
  usleep(100000);
  execl("/proc/self/exe", argv[0], "again", (char*)0);
  return 1;
}
