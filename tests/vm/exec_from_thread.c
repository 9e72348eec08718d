/* A non-leader thread calls execve: the leader's pid takes over. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>
static char* self;
static void* run(void* a) {
  (void)a;
  execl(self, self, "child", (char*)0);
  return 0;
}
int main(int argc, char** argv) {
  alarm(20);
  if (argc > 1) {
    printf("new image, pid is tid: %d\n", getpid() == gettid());
    return 3;
  }
  self = argv[0];
  pthread_t t;
  pthread_create(&t, 0, run, 0);
  for (;;) pause();
}
