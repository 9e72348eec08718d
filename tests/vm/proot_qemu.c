// A stand-in for QEMU under `ptvm proot -q`: prints its arguments, the dynamic loader's
// variables of its own environment and what /proc/self/exe reads, one line each, and exits with
// the status given by PTVM_TEST_STATUS (0 without it).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char** environ;

int main(int argc, char** argv) {
  printf("args:");
  for (int i = 1; i < argc; ++i) printf(" %s", argv[i]);
  printf("\nenv:");
  for (char** e = environ; *e; ++e) {
    if (strncmp(*e, "LD_", 3) == 0) printf(" %s", *e);
  }
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  exe[n > 0 ? n : 0] = 0;
  printf("\nexe: %s\n", exe);
  const char* status = getenv("PTVM_TEST_STATUS");
  return status ? atoi(status) : 0;
}
