/* A busy multi-threaded workload (threads, malloc of large blocks, stdio, pipes, nanosleep, fork,
 * signals) run twice: with no thread armed, then with the main thread armed for its every
 * system call by a handler that performs each one and re-arms. It must behave as natively in
 * both phases. Under TRAP the first phase has every call of every thread re-issued by ptvm. */
#include "self_test.h"

#include <sys/wait.h>
#include <time.h>

#define THREADS 4
#define ROUNDS 50

static volatile long traps, chain;
static volatile int usr1;

static void handler(int sig, siginfo_t* info, void* ctx) {
  (void)sig;
  traps++;
  st_regs(ctx)[REG_RAX] = st_perform(info, ctx);
  if (chain) ptvm_self_on();
}

static void on_usr1(int sig) {
  (void)sig;
  usr1++;
}

static void* worker(void* arg) {
  long id = (long)arg, sum = 0;
  int fds[2];
  if (pipe(fds) != 0) return (void*)-1L;
  for (int i = 0; i < ROUNDS; i++) {
    char* big = malloc(1 << 20); /* mmap'd */
    if (big == NULL) return (void*)-1L;
    big[i] = (char)i;
    sum += big[i];
    free(big);
    char c = (char)i, d = 0;
    if (write(fds[1], &c, 1) != 1 || read(fds[0], &d, 1) != 1 || d != c) return (void*)-1L;
    if (getpid() != st_real_pid) return (void*)-1L;
    struct timespec ts = {0, 1000};
    nanosleep(&ts, NULL);
  }
  close(fds[0]);
  close(fds[1]);
  return (void*)(sum + id);
}

static void workload(const char* phase) {
  pthread_t t[THREADS];
  long expected = 0;
  for (int i = 0; i < ROUNDS; i++) expected += i;
  for (long i = 0; i < THREADS; i++) ST_CHECK(pthread_create(&t[i], NULL, worker, (void*)i) == 0);
  for (long i = 0; i < THREADS; i++) {
    void* r = NULL;
    ST_CHECK(pthread_join(t[i], &r) == 0);
    ST_CHECK((long)r == expected + i);
  }
  pid_t child = fork();
  if (child == 0) _exit(getppid() == st_real_pid ? 7 : 1);
  int status = 0;
  ST_CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 7);
  usr1 = 0;
  ST_CHECK(raise(SIGUSR1) == 0 && usr1 == 1);
  FILE* f = fopen("/proc/self/stat", "r");
  ST_CHECK(f != NULL);
  if (f != NULL) {
    int pid = 0;
    ST_CHECK(fscanf(f, "%d", &pid) == 1 && pid == st_real_pid);
    fclose(f);
  }
  printf("%s: %d threads x %d rounds, fork, raise, stdio: as native\n", phase, THREADS, ROUNDS);
  fflush(stdout);
}

int main(int argc, char** argv) {
  st_init(handler, argc, argv);
  signal(SIGUSR1, on_usr1);
  workload("nothing armed");
  ST_CHECK(traps == 0);

  chain = 1;
  ST_CHECK(ptvm_self_on() == 0);
  workload("main thread armed for every call");
  chain = 0;
  ST_CHECK(ptvm_self_off() == 0);
  ST_CHECK(traps > 0);
  if (st_failures != 0) {
    st_say("%d check(s) failed\n", st_failures);
    return 1;
  }
  return 0;
}
