/* Credentials are per thread, as the kernel keeps them (printed; fakeroot_threads.expected is
 * what root gets natively, the fakeroot VM must give the same to a non-root user):
 * - glibc's set*id reach every thread, each one making the call itself: setuid(0) after
 *   setresuid(1000, 1000, 0) gives 1000 0 0 in every thread (with a second thread seeing the
 *   first one's effect it escalated to 0 0 0);
 * - a raw setresuid in one thread leaves the other threads' ids;
 * - a new thread takes its creator's ids, not the main thread's; a child process its forking
 *   thread's;
 * - capget of another thread by its id; capset for another thread (the process id from a thread
 *   that is not the leader) is EPERM, capset(pid -1) too; capget(pid -1) with no data is 0. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/capability.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void ids(const char* who) {
  unsigned r, e, s;
  syscall(SYS_getresuid, &r, &e, &s);
  printf("%-34s uid %u %u %u\n", who, r, e, s);
  fflush(stdout);
}

static const char* result(long r) {
  return r == 0 ? "0" : strerrorname_np(errno);
}

/* CAP_SETUID and CAP_SYS_ADMIN in the effective and permitted sets of thread `tid` (0: self). */
static void caps(const char* who, pid_t tid) {
  struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, tid};
  struct __user_cap_data_struct d[2] = {{0}};
  const long r = syscall(SYS_capget, &h, d);
  printf("%-34s capget %s setuid %u/%u sys_admin %u/%u\n", who, result(r),
         (d[0].effective >> CAP_SETUID) & 1, (d[0].permitted >> CAP_SETUID) & 1,
         (d[0].effective >> CAP_SYS_ADMIN) & 1, (d[0].permitted >> CAP_SYS_ADMIN) & 1);
  fflush(stdout);
}

/* ---- glibc's set*id in every thread --------------------------------------------------------- */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static int asked, answered;

/* Waits until asked to print its ids, `rounds` times. */
static void* idle(void* arg) {
  for (int round = 1; round <= 2; ++round) {
    pthread_mutex_lock(&lock);
    while (asked < round) pthread_cond_wait(&changed, &lock);
    ids("  an idle thread");
    ++answered;
    pthread_cond_broadcast(&changed);
    pthread_mutex_unlock(&lock);
  }
  return arg;
}

static void ask_idle(int threads) {
  pthread_mutex_lock(&lock);
  ++asked;
  pthread_cond_broadcast(&changed);
  while (answered < asked * threads) pthread_cond_wait(&changed, &lock);
  pthread_mutex_unlock(&lock);
}

static void every_thread(void) {
  pthread_t t[3];
  for (int i = 0; i < 3; ++i) pthread_create(&t[i], NULL, idle, NULL);
  printf("setresuid(1000, 1000, 0) = %s\n", result(setresuid(1000, 1000, 0)));
  ids("main");
  caps("main", 0);
  ask_idle(3);
  printf("setuid(0) = %s\n", result(setuid(0)));
  ids("main");
  caps("main", 0);
  ask_idle(3);
  for (int i = 0; i < 3; ++i) pthread_join(t[i], NULL);
  printf("setresuid(0, 0, 0) = %s\n", result(setresuid(0, 0, 0)));
  ids("main");
}

/* ---- one thread's own ids ---------------------------------------------------------------------
 */

static void* show_new(void* arg) {
  ids(arg);
  return NULL;
}

static pid_t dropped_tid;
static pthread_mutex_t dropped_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t dropped_cond = PTHREAD_COND_INITIALIZER;
static int dropped, may_leave;

static void* drop(void* arg) {
  (void)arg;
  printf("thread: raw setresuid(1000, 1000, 1000) = %ld\n",
         syscall(SYS_setresuid, 1000, 1000, 1000));
  ids("thread");
  pthread_t t;
  pthread_create(&t, NULL, show_new, "  a thread it makes");
  pthread_join(t, NULL);
  fflush(stdout);
  const pid_t child = fork();
  if (child == 0) {
    ids("  a process it forks");
    _exit(0);
  }
  waitpid(child, NULL, 0);
  {
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, getpid()};
    struct __user_cap_data_struct d[2] = {{0}};
    printf("thread: capset(pid = the process id) = %s\n", result(syscall(SYS_capset, &h, d)));
  }
  pthread_mutex_lock(&dropped_lock);
  dropped_tid = gettid();
  dropped = 1;
  pthread_cond_broadcast(&dropped_cond);
  while (!may_leave) pthread_cond_wait(&dropped_cond, &dropped_lock);
  pthread_mutex_unlock(&dropped_lock);
  return NULL;
}

static void one_thread(void) {
  pthread_t t;
  pthread_create(&t, NULL, drop, NULL);
  pthread_mutex_lock(&dropped_lock);
  while (!dropped) pthread_cond_wait(&dropped_cond, &dropped_lock);
  pthread_mutex_unlock(&dropped_lock);
  ids("main");
  caps("main", 0);
  caps("main: capget of that thread", dropped_tid);
  pthread_t other;
  pthread_create(&other, NULL, show_new, "  a thread main makes");
  pthread_join(other, NULL);
  pthread_mutex_lock(&dropped_lock);
  may_leave = 1;
  pthread_cond_broadcast(&dropped_cond);
  pthread_mutex_unlock(&dropped_lock);
  pthread_join(t, NULL);
  ids("main, after the join");
}

/* ---- capget and capset with a negative pid -------------------------------------------------- */

static void negative_pids(void) {
  struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, -1};
  struct __user_cap_data_struct d[2] = {{0}};
  printf("capset(pid -1) = %s\n", result(syscall(SYS_capset, &h, d)));
  h.pid = -1;
  printf("capget(pid -1, no data) = %s\n", result(syscall(SYS_capget, &h, NULL)));
  h.pid = -1;
  printf("capget(pid -1) = %s\n", result(syscall(SYS_capget, &h, d)));
  h.pid = gettid();
  printf("capget(pid = own id) = %s\n", result(syscall(SYS_capget, &h, d)));
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  negative_pids();
  every_thread();
  one_thread();
  return 0;
}
