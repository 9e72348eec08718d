/* The fakeroot VM's shared table under a program that interrupts and kills its users (prints
 * fakeroot_lock.expected; in-process the table's lock is taken inside the program):
 * - a signal handler that makes xattr calls while its thread is in the middle of one (the
 *   thread holds the lock) does not wait for itself;
 * - processes killed (SIGKILL) in the middle of xattr calls, possibly holding the lock, do not
 *   leave the others waiting for them forever; neither does ptvm's -s save at the end.
 * Run in an empty directory. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

enum { kCalls = 2000, kWorkers = 4, kKills = 150 };

static char value[65536];
static volatile long handled;

static void on_tick(int sig) {
  (void)sig;
  char small[8];
  if (getxattr("f", "user.small", small, sizeof small) == 1) ++handled;
}

static void big_values(const char* file, long n) {
  for (long k = 0; n < 0 || k < n; ++k) {
    char name[32];
    snprintf(name, sizeof name, "user.k%ld", k % 50);
    setxattr(file, name, value, 60000 + k % 5000, 0);
  }
}

static pid_t worker(int i) {
  const pid_t pid = fork();
  if (pid == 0) {
    char file[32];
    snprintf(file, sizeof file, "w%d", i);
    close(open(file, O_CREAT | O_WRONLY, 0644));
    big_values(file, -1);
    _exit(0);
  }
  return pid;
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  close(open("f", O_CREAT | O_WRONLY, 0644));
  setxattr("f", "user.small", "x", 1, 0);

  struct sigaction sa = {0};
  sa.sa_handler = on_tick;
  sa.sa_flags = SA_RESTART;
  sigaction(SIGPROF, &sa, NULL);
  // As often as the kernel can (at each tick), counted in the program's own CPU time: the
  // program keeps moving when a stop makes each call slower (a wall-clock timer would have the
  // ptrace backend deliver signals and nothing else).
  struct itimerval every = {{0, 50}, {0, 50}};
  setitimer(ITIMER_PROF, &every, NULL);
  big_values("f", kCalls);
  // A tick lands where the program was running: on a busy machine (or under ptrace, where the
  // program's own CPU time per call is small) kCalls may see none. More calls until one has, for
  // at most 20 s: what is checked is that handlers run amid the calls without waiting for their
  // own thread, not how often.
  const time_t until = time(NULL) + 20;
  while (handled == 0 && time(NULL) < until) big_values("f", 50);
  struct itimerval off = {{0, 0}, {0, 0}};
  setitimer(ITIMER_PROF, &off, NULL);
  printf("xattr calls in signal handlers amid the program's: done (%s)\n",
         handled > 0 ? "some handled" : "none handled");

  pid_t workers[kWorkers];
  for (int i = 0; i < kWorkers; ++i) workers[i] = worker(i);
  srand(1);
  const struct timespec pause = {0, 2 * 1000 * 1000};
  for (int round = 0; round < kKills; ++round) {
    const int i = rand() % kWorkers;
    kill(workers[i], SIGKILL);
    waitpid(workers[i], NULL, 0);
    workers[i] = worker(i);
    nanosleep(&pause, NULL);
  }
  for (int i = 0; i < kWorkers; ++i) {
    kill(workers[i], SIGKILL);
    if (i % 2) waitpid(workers[i], NULL, 0);  // the others stay zombies for a while
  }
  big_values("f", 50);
  char small[8];
  printf("after %d kills: done (%s)\n", kKills,
         getxattr("f", "user.small", small, sizeof small) == 1 ? "table intact" : "table lost");
  for (int i = 0; i < kWorkers; i += 2) waitpid(workers[i], NULL, 0);
  return 0;
}
