// Behaviour: CPU affinity as the program sees it. ptvm's ptrace backend pins the tracee that
// stops most to the tracer's CPU (backend/ptrace/cpu_placement.h); none of it may show: the
// masks seen by sched_getaffinity from the thread itself, by pid/tid, from a new thread, a fork
// child, a posix_spawn'ed program (nproc) and after the program's own sched_setaffinity are
// the native ones. The first burst of calls makes this thread the busiest tracee.
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

static int count(pid_t who) {
  cpu_set_t mask;
  if (sched_getaffinity(who, sizeof mask, &mask) != 0) return -1;
  return CPU_COUNT(&mask);
}

static void* thread_main(void* arg) {
  (void)arg;
  printf("new thread: %d\n", count(0));
  return NULL;
}

static void burst(void) {
  for (int i = 0; i < 3000; ++i) syscall(SYS_getppid);
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  burst();
  const int all = count(0);
  printf("self: %d, by pid: %d, by tid: %d\n", all, count(getpid()), count(gettid()));

  // The raw call: its return value (bytes copied) and a buffer larger than a cpu_set_t.
  unsigned long big[64] = {0};
  const long n = syscall(SYS_sched_getaffinity, 0, sizeof big, big);
  int bits = 0;
  for (long i = 0; i < n / (long)sizeof big[0]; ++i) bits += __builtin_popcountl(big[i]);
  printf("raw: %s, %d cpus\n", n > 0 && n % 8 == 0 ? "ok" : "bad", bits);

  pthread_t t;
  pthread_create(&t, NULL, thread_main, NULL);
  pthread_join(t, NULL);

  burst();
  const pid_t child = fork();
  if (child == 0) {
    printf("fork child: %d\n", count(0));
    burst();
    printf("fork child after a burst: %d\n", count(0));
    _exit(0);
  }
  waitpid(child, NULL, 0);

  printf("nproc: ");
  pid_t spawned;
  char* argv[] = {"nproc", NULL};
  if (posix_spawnp(&spawned, "nproc", NULL, NULL, argv, environ) == 0) {
    waitpid(spawned, NULL, 0);
  }

  // The program's own mask wins, and is what it then sees (and its children).
  cpu_set_t original, first;
  sched_getaffinity(0, sizeof original, &original);
  CPU_ZERO(&first);
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (CPU_ISSET(cpu, &original)) {
      CPU_SET(cpu, &first);
      break;
    }
  }
  printf("set one: %d\n", sched_setaffinity(0, sizeof first, &first));
  burst();
  printf("after set one: %d\n", count(0));
  printf("set back: %d\n", sched_setaffinity(0, sizeof original, &original));
  burst();
  printf("after set back: %d (same as at start: %s)\n", count(0), count(0) == all ? "yes" : "no");

  // A scheduling class of its own (the call runs unpinned; placement stops for good).
  struct sched_param param = {0};
  printf("batch: %d\n", sched_setscheduler(0, SCHED_BATCH, &param));
  burst();
  printf("after batch: %d, policy batch: %s\n", count(0),
         sched_getscheduler(0) == SCHED_BATCH ? "yes" : "no");
  return 0;
}
