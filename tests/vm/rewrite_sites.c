/* Site rewriting (runtime/rewrite), as the program sees it: the same output natively, with
 * rewriting and without (rewrite.sh compares, and checks with --stats that sites were patched).
 *   - registers after a rewritten `mov $nr,%eax; syscall`: RCX = the address after it, R11 = the
 *     flags, every other register kept, the flags kept;
 *   - 8 threads hammering one site while it is patched;
 *   - a blocking call at a rewritten site interrupted by a handler: SA_RESTART restarts it,
 *     without it EINTR; the handler's context is the site's, as natively (RIP on the syscall
 *     with RAX the number to restart, or after it with -EINTR; RCX the site's end), and
 *     sigaction reads back the program's own handler;
 *   - a fork child runs the patched code it inherited;
 *   - calls the runtime does something around (readlink of /proc/self/exe, mmap, munmap) through
 *     sites of their own, patched into stubs that enter the runtime without a signal: the
 *     program's name as natively, the memory calls working;
 *   - JIT-like code (written to a RW page, then made RX): its calls still reach the modules
 *     (rewrite.sh traces them);
 *   - a read through a site in glibc's own form, `xor %eax,%eax; syscall` followed by the check
 *     of the result, a ret and alignment padding (the near patch); `rewrite_sites near-bytes`
 *     also prints whether its syscall instruction is still there (the program reads its own
 *     code: the one thing a patch shows). */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

/* getppid through a site of its own: mov $110,%eax; syscall. Checks what the native
 * instruction leaves in the registers. */
static int registers_ok(void) {
  uint64_t r11, rcx, rbx = 0x1122334455667788ULL, rdx = 7, rsi = 8;
  uint64_t after, flags_before, flags_after;
  double x0 = 1.25, x1 = -3.5; /* in SSE registers across the call: the runtime must keep them */
  long ret;
  __asm__ volatile(
      "stc\n\t" /* carry set: the flags must survive */
      "pushfq\n\tpopq %[fb]\n\t"
      "stc\n\t"
      "movl $110,%%eax\n\t"
      "syscall\n\t"
      "1:\n\t"
      "movq %%r11,%[r11]\n\t"
      "pushfq\n\tpopq %[fa]\n\t"
      "leaq 1b(%%rip),%[after]\n\t"
      : "=a"(ret), "=c"(rcx), [r11] "=&r"(r11), [after] "=&r"(after), [fb] "=&r"(flags_before),
        [fa] "=&r"(flags_after), "+b"(rbx), "+d"(rdx), "+S"(rsi), "+x"(x0), "+x"(x1)
      :
      : "r11", "memory", "cc");
  const uint64_t arith = 0x8d5; /* CF PF AF ZF SF OF */
  return ret == getppid() && rcx == after && (flags_before & arith) == (flags_after & arith) &&
         (r11 & arith) == (flags_before & arith) && rbx == 0x1122334455667788ULL && rdx == 7 &&
         rsi == 8 && x0 == 1.25 && x1 == -3.5;
}

static long site_getppid(void) {
  long ret;
  __asm__ volatile("movl $110,%%eax\n\tsyscall" : "=a"(ret) : : "rcx", "r11", "memory");
  return ret;
}

static void* hammer(void* arg) {
  long bad = 0;
  for (int i = 0; i < 20000; ++i) bad += site_getppid() != (long)(intptr_t)arg;
  return (void*)bad;
}

/* Calls through sites of their own, with up to six arguments. */
static long site_call(long nr, long a1, long a2, long a3, long a4, long a5, long a6) {
  long ret;
  register long r10 __asm__("r10") = a4;
  register long r8 __asm__("r8") = a5;
  register long r9 __asm__("r9") = a6;
  switch (nr) {
    case SYS_readlink:
      __asm__ volatile("movl $89,%%eax\n\tsyscall"
                       : "=a"(ret)
                       : "D"(a1), "S"(a2), "d"(a3)
                       : "rcx", "r11", "memory");
      return ret;
    case SYS_mmap:
      __asm__ volatile("movl $9,%%eax\n\tsyscall"
                       : "=a"(ret)
                       : "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8), "r"(r9)
                       : "rcx", "r11", "memory");
      return ret;
    default:
      __asm__ volatile("movl $11,%%eax\n\tsyscall" /* munmap */
                       : "=a"(ret)
                       : "D"(a1), "S"(a2)
                       : "rcx", "r11", "memory");
      return ret;
  }
}

static int runtime_calls_ok(void) {
  char exe[4096], seen[4096];
  const ssize_t n = readlink("/proc/self/exe", exe, sizeof exe);
  int ok = n > 0;
  for (int i = 0; i < 6; ++i) {
    ok &= site_call(SYS_readlink, (long)"/proc/self/exe", (long)seen, sizeof seen, 0, 0, 0) == n &&
          memcmp(seen, exe, (size_t)n) == 0;
    const long p =
        site_call(SYS_mmap, 0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ok &= (unsigned long)p < -4095UL;
    if ((unsigned long)p < -4095UL) {
      *(volatile char*)p = 1;
      ok &= site_call(SYS_munmap, p, 4096, 0, 0, 0, 0) == 0;
    }
  }
  return ok;
}

/* read(fd, buf, n) in glibc's form: the padding after its ret is the near patch's room. It starts
 * 12 bytes past a 16-byte boundary so that 7 bytes of padding follow the ret. */
__asm__(
    ".pushsection .text\n"
    "  .p2align 4\n"
    "  .skip 12, 0xcc\n"
    "near_read:\n"
    "  xor %eax,%eax\n"
    "near_read_syscall:\n"
    "  syscall\n"
    "  cmp $-4096,%rax\n"
    "  ja 1f\n"
    "  ret\n"
    "  .p2align 4\n"
    "1:\n"
    "  ret\n"
    ".popsection\n");
long near_read(long fd, void* buf, long n);
extern const unsigned char near_read_syscall[2];

static int near_site_ok(void) {
  int p[2];
  if (pipe(p) != 0) return 0;
  int ok = 1;
  for (int i = 0; i < 6; ++i) {
    char b[2] = {0, 0};
    ok &= write(p[1], "ab", 2) == 2 && near_read(p[0], b, 2) == 2 && b[0] == 'a' && b[1] == 'b';
    ok &= near_read(-1, b, 1) == -EBADF;
  }
  close(p[0]);
  close(p[1]);
  return ok;
}

/* read(fd, buf, n) through a site of its own. */
static long site_read(int fd, void* buf, long n) {
  long ret;
  __asm__ volatile("movl $0,%%eax\n\tsyscall"
                   : "=a"(ret)
                   : "D"((long)fd), "S"(buf), "d"(n)
                   : "rcx", "r11", "memory");
  return ret;
}

static volatile int alarms;
static void on_alarm(int sig) {
  (void)sig;
  ++alarms;
}

/* A pipe whose writer writes after 300 ms, while SIGALRM comes every 20 ms. */
static long interrupted_read(int restart) {
  int p[2];
  if (pipe(p) != 0) return -100;
  pid_t writer = fork();
  if (writer == 0) {
    usleep(300 * 1000);
    (void)!write(p[1], "x", 1);
    _exit(0);
  }
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_alarm;
  sa.sa_flags = restart ? SA_RESTART : 0;
  sigaction(SIGALRM, &sa, NULL);
  struct itimerval every = {{0, 20000}, {0, 20000}};
  setitimer(ITIMER_REAL, &every, NULL);
  char c = 0;
  long r;
  for (int i = 0; i < 3; ++i) { /* three times: the third runs on the patched site */
    r = site_read(p[0], &c, 1);
    if (restart || r != -EINTR) break;
  }
  struct itimerval off = {{0, 0}, {0, 0}};
  setitimer(ITIMER_REAL, &off, NULL);
  waitpid(writer, NULL, 0);
  close(p[0]);
  close(p[1]);
  return r == 1 ? c : r;
}

/* The context handlers see while a read at a site of its own (patched after its first two
 * calls) is interrupted: RIP, RAX and RCX of each SIGALRM that came during the read. */
static uintptr_t site_after; /* the end of that site */
static volatile int in_read, seen;
static uint64_t seen_rip[64], seen_rax[64], seen_rcx[64];

__attribute__((noinline)) static long context_read(int fd, void* buf, long n) {
  long ret;
  uintptr_t after;
  __asm__ volatile(
      "movl $0,%%eax\n\tsyscall\n1:\n\t"
      "leaq 1b(%%rip),%[after]"
      : "=a"(ret), [after] "=r"(after)
      : "D"((long)fd), "S"(buf), "d"(n)
      : "rcx", "r11", "memory");
  site_after = after;
  return ret;
}

static void on_alarm_info(int sig, siginfo_t* info, void* context) {
  (void)sig;
  (void)info;
  const greg_t* g = ((ucontext_t*)context)->uc_mcontext.gregs;
  if (!in_read || seen == 64) return;
  seen_rip[seen] = (uint64_t)g[REG_RIP];
  seen_rax[seen] = (uint64_t)g[REG_RAX];
  seen_rcx[seen] = (uint64_t)g[REG_RCX];
  ++seen;
}

/* Whether every handler (but one: the alarm may come between two reads) saw the site. */
static int handler_context(int restart) {
  int p[2];
  char c[3];
  if (pipe(p) != 0 || write(p[1], "abc", 3) != 3) return -1;
  for (int i = 0; i < 3; ++i) context_read(p[0], &c[i], 1); /* the site is patched */
  pid_t writer = fork();
  if (writer == 0) {
    usleep(300 * 1000);
    (void)!write(p[1], "x", 1);
    _exit(0);
  }
  struct sigaction sa, back;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_alarm_info;
  sa.sa_flags = SA_SIGINFO | (restart ? SA_RESTART : 0);
  sigaction(SIGALRM, &sa, NULL);
  const int readback = sigaction(SIGALRM, NULL, &back) == 0 && back.sa_sigaction == on_alarm_info &&
                       (back.sa_flags & SA_SIGINFO);
  struct itimerval every = {{0, 20000}, {0, 20000}};
  seen = 0;
  in_read = 1;
  setitimer(ITIMER_REAL, &every, NULL);
  long r = -EINTR;
  for (int i = 0; i < 100 && r == -EINTR; ++i) r = context_read(p[0], &c[0], 1);
  in_read = 0;
  struct itimerval off = {{0, 0}, {0, 0}};
  setitimer(ITIMER_REAL, &off, NULL);
  waitpid(writer, NULL, 0);
  close(p[0]);
  close(p[1]);
  int at_site = 0;
  for (int i = 0; i < seen; ++i) {
    const int restarting = seen_rip[i] == site_after - 2 && seen_rax[i] == 0;
    const int interrupted = seen_rip[i] == site_after && seen_rax[i] == (uint64_t)-EINTR;
    at_site += (restart ? restarting : interrupted) && seen_rcx[i] == site_after;
  }
  return r == 1 && c[0] == 'x' && readback && seen >= 2 && at_site + 1 >= seen;
}

/* sigaction reads back what the program set (ptvm installs its wrapper in front). */
static void first(int sig) {
  (void)sig;
}
static void second(int sig) {
  (void)sig;
}
static int actions_read_back(void) {
  struct sigaction a, o;
  memset(&a, 0, sizeof a);
  a.sa_handler = first;
  sigemptyset(&a.sa_mask);
  sigaddset(&a.sa_mask, SIGUSR2);
  a.sa_flags = SA_RESETHAND | SA_NODEFER;
  int ok = sigaction(SIGUSR1, &a, NULL) == 0;
  ok &= signal(SIGUSR1, second) == first;
  ok &= sigaction(SIGUSR1, &a, &o) == 0 && o.sa_handler == second;
  ok &= sigaction(SIGUSR1, NULL, &o) == 0 && o.sa_handler == first &&
        sigismember(&o.sa_mask, SIGUSR2) && (o.sa_flags & SA_RESETHAND) &&
        (o.sa_flags & SA_NODEFER);
  ok &= sigaction(SIGKILL, &a, NULL) == -1 && errno == EINVAL;
  ok &= sigaction(SIGUSR1, NULL, &o) == 0 && o.sa_handler == first;
  raise(SIGUSR1); /* SA_RESETHAND: the default action afterwards */
  ok &= sigaction(SIGUSR1, NULL, &o) == 0 && o.sa_handler == SIG_DFL;
  ok &= signal(SIGUSR1, SIG_IGN) == SIG_DFL && signal(SIGUSR1, SIG_DFL) == SIG_IGN;
  return ok;
}

/* getppid from code written at run time. */
static long jit_getppid(void) {
  static const unsigned char code[] = {0xb8, 110, 0, 0, 0, 0x0f, 0x05, 0xc3}; /* ...; ret */
  unsigned char* page =
      mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (page == MAP_FAILED) return -1;
  memcpy(page, code, sizeof code);
  if (mprotect(page, 4096, PROT_READ | PROT_EXEC) != 0) return -1;
  long (*f)(void) = (long (*)(void))page;
  long r = 0;
  for (int i = 0; i < 5; ++i) r = f();
  munmap(page, 4096);
  return r;
}

int main(int argc, char** argv) {
  if (argc > 1 && strcmp(argv[1], "near-bytes") == 0) {
    const int ok = near_site_ok();
    printf("near site: %d, its syscall instruction still there: %d\n", ok,
           near_read_syscall[0] == 0x0f && near_read_syscall[1] == 0x05);
    return 0;
  }
  int regs = 1;
  for (int i = 0; i < 5; ++i) regs &= registers_ok();
  printf("registers and flags as native: %d\n", regs);

  const long parent = getppid();
  pthread_t t[8];
  for (int i = 0; i < 8; ++i) pthread_create(&t[i], NULL, hammer, (void*)(intptr_t)parent);
  long bad = 0;
  for (int i = 0; i < 8; ++i) {
    void* r;
    pthread_join(t[i], &r);
    bad += (long)r;
  }
  printf("8 threads on one site: %ld wrong results\n", bad);

  printf("SA_RESTART read: %c\n", (char)interrupted_read(1));
  const long eintr = interrupted_read(0);
  printf("read without SA_RESTART: %s\n", eintr == -EINTR ? "EINTR" : eintr == 'x' ? "x" : "?");
  printf("sigaction reads back the program's actions: %d\n", actions_read_back());
  printf("handler context at the site, SA_RESTART: %d\n", handler_context(1));
  printf("handler context at the site, EINTR: %d\n", handler_context(0));

  fflush(stdout);
  pid_t child = fork();
  if (child == 0) _exit(site_getppid() == getppid() && registers_ok() ? 0 : 1);
  int status;
  waitpid(child, &status, 0);
  printf("fork child on inherited sites: %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);

  printf("runtime's calls through sites (/proc/self/exe, mmap, munmap): %d\n", runtime_calls_ok());
  printf("read through a site in glibc's form: %d\n", near_site_ok());
  printf("JIT code: %d\n", jit_getppid() == parent);
  return 0;
}
