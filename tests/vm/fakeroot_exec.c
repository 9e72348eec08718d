/* The ids across execve (printed; fakeroot_exec.expected is what root gets natively, the
 * fakeroot VM must give the same to a non-root user; in-process the module's memory does not
 * survive an execve, the ids cross it in the shared table):
 * - a child forked by the new image before the image's first id call has the ids the execve
 *   kept, not the initial ones (root);
 * - a hundred execves in flight at once each find their own;
 * - a failed execve leaves nothing behind: with more processes alive after one than the table
 *   has room for execves in flight (1024), an execve still carries its ids. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { kInFlight = 100, kFailed = 1100 };

static char self[4096];

/* The new image: forks before any id call of its own. */
static int fork_first(void) {
  const pid_t child = fork();
  if (child == 0) {
    printf("  its child, forked first: euid %ld\n", syscall(SYS_geteuid));
    return 0;
  }
  waitpid(child, NULL, 0);
  printf("  the new image: euid %ld\n", syscall(SYS_geteuid));
  return 0;
}

/* The new image: waits a while (its siblings' execves in flight), then tells its euid. */
static int sleep_then_tell(void) {
  const struct timespec pause = {0, 300 * 1000 * 1000};
  syscall(SYS_nanosleep, &pause, NULL);
  return syscall(SYS_geteuid) == 1000 ? 0 : 1;
}

static void exec_self(const char* mode) {
  execl(self, self, mode, (char*)NULL);
  _exit(127);
}

int main(int argc, char** argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc > 1 && strcmp(argv[1], "fork-first") == 0) return fork_first();
  if (argc > 1 && strcmp(argv[1], "sleep") == 0) return sleep_then_tell();
  const ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return 2;
  self[n] = '\0';

  printf("setresuid(1000, 1000, 1000) = %ld\n", syscall(SYS_setresuid, 1000, 1000, 1000));
  pid_t child = fork();
  if (child == 0) exec_self("fork-first");
  waitpid(child, NULL, 0);

  int right = 0;
  pid_t children[kInFlight];
  for (int i = 0; i < kInFlight; ++i) {
    children[i] = fork();
    if (children[i] == 0) exec_self("sleep");
  }
  for (int i = 0; i < kInFlight; ++i) {
    int status;
    if (waitpid(children[i], &status, 0) == children[i] && WIFEXITED(status) &&
        WEXITSTATUS(status) == 0) {
      ++right;
    }
  }
  printf("%d execves in flight: %d with euid 1000\n", kInFlight, right);

  // Each child fails an execve, says so, and stays until the end.
  int told[2], hold[2];
  if (pipe(told) != 0 || pipe(hold) != 0) return 2;
  for (int i = 0; i < kFailed; ++i) {
    const pid_t c = fork();
    if (c < 0) return 3;
    if (c > 0) continue;
    close(told[0]);
    close(hold[1]);
    char* const args[] = {"none", NULL};
    const long r = syscall(SYS_execve, "/nonexistent/program", args, environ);
    const char failed = r < 0 && errno == ENOENT ? 'y' : 'n';
    write(told[1], &failed, 1);
    char c2;
    read(hold[0], &c2, 1);
    _exit(0);
  }
  close(told[1]);
  close(hold[0]);
  int enoent = 0;
  char answer;
  for (int i = 0; i < kFailed && read(told[0], &answer, 1) == 1; ++i) enoent += answer == 'y';
  printf("%d processes alive after a failed execve: %d ENOENT\n", kFailed, enoent);
  child = fork();
  if (child == 0) exec_self("fork-first");
  waitpid(child, NULL, 0);
  close(hold[1]);
  while (wait(NULL) > 0) {
  }
  return 0;
}
