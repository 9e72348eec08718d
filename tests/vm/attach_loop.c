/* A running program to attach to (tests/vm/attach.sh): two threads sleeping in a loop; the main
 * one prints a tick every 10 rounds and exits with status 3 after ROUNDS (argv[1]) rounds. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static void nap(void) {
  struct timespec ts = {0, 20 * 1000 * 1000};
  nanosleep(&ts, 0);
}

static void* worker(void* arg) {
  (void)arg;
  for (;;) nap();
  return 0;
}

int main(int argc, char** argv) {
  long rounds = argc > 1 ? atol(argv[1]) : 100;
  pthread_t t;
  pthread_create(&t, 0, worker, 0);
  for (long i = 0; i <= rounds; ++i) {
    nap();
    if (i % 10 == 0) {
      printf("tick %ld\n", i);
      fflush(stdout);
    }
  }
  return 3;
}
