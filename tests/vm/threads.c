/* Threads doing system calls at once; results printed in a fixed order. */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>
#define N 8
static long results[N];
static void* work(void* arg) {
  long i = (long)arg, sum = 0;
  for (int k = 0; k < 200; ++k) {
    int fd = open("/etc/hostname", O_RDONLY);
    char c;
    sum += read(fd, &c, 1) + (getpid() > 0);
    close(fd);
  }
  results[i] = sum;
  return 0;
}
int main(void) {
  alarm(20);
  pthread_t t[N];
  for (long i = 0; i < N; ++i) pthread_create(&t[i], 0, work, (void*)i);
  for (int i = 0; i < N; ++i) pthread_join(t[i], 0);
  for (int i = 0; i < N; ++i) printf("thread %d: %ld\n", i, results[i]);
  return 0;
}
