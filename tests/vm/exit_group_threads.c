/* exit_group with other threads alive: two threads blocked in a read that never returns, then
 * one thread ends the process with exit(4): the main one; with the argument `thread` the second
 * thread; with `leader` the second thread after the main one has ended alone (pthread_exit).
 * Each thread prints its id first. Under ptvm trace every thread's end is a line of its own,
 * `TID +++ exited with 4 +++` (exit_group_threads.sh), on both backends: the main thread's too,
 * once, with the process's status. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int pipe_fds[2];
static pthread_barrier_t started;
static int second_exits, leader_first;

static void* blocked(void* arg) {
  printf("thread %ld\n", (long)syscall(SYS_gettid));
  pthread_barrier_wait(&started);
  if (arg != NULL && second_exits) {
    usleep(1000);
    exit(4);
  }
  char c;
  read(pipe_fds[0], &c, 1); /* never returns: nothing is written */
  return NULL;
}

int main(int argc, char** argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  alarm(30);
  second_exits = argc > 1;
  leader_first = argc > 1 && strcmp(argv[1], "leader") == 0;
  if (pipe(pipe_fds) != 0) return 1;
  pthread_barrier_init(&started, NULL, 3);
  printf("main %ld\n", (long)syscall(SYS_gettid));
  pthread_t a, b;
  pthread_create(&a, NULL, blocked, NULL);
  pthread_create(&b, NULL, blocked, (void*)1);
  pthread_barrier_wait(&started);
  if (leader_first) pthread_exit(NULL);
  if (second_exits) {
    char c;
    read(pipe_fds[0], &c, 1);
  }
  exit(4);
}
