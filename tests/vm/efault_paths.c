/* Bad path arguments: the VM must give the errno the kernel gives. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
static const char* name(int e) {
  return e == EFAULT ? "EFAULT" : e == ENOENT ? "ENOENT" : e == ENAMETOOLONG ? "ENAMETOOLONG" : "?";
}
static void try(const char* what, const char* path) {
  errno = 0;
  int fd = open(path, O_RDONLY);
  printf("%s: %s\n", what, fd >= 0 ? "opened" : name(errno));
  if (fd >= 0) close(fd);
}
int main(void) {
  alarm(20);
  const char* volatile null_path = NULL;
  try("NULL", null_path);
  try("address 1", (const char*)1);
  char* p = mmap(0, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  munmap(p + 4096, 4096);
  strcpy(p + 4096 - 14, "/etc/hostname"); /* NUL = last byte before the hole */
  try("path ending at a page end", p + 4096 - 14);
  memset(p, 'a', 4096);
  try("unterminated into unmapped", p);
  mprotect(p, 4096, PROT_NONE);
  try("PROT_NONE", p);
  static char longp[PATH_MAX + 10];
  memset(longp, 'x', sizeof longp - 1);
  longp[0] = '/';
  try("longer than PATH_MAX", longp);
  struct stat st;
  printf("stat NULL: %s\n", stat(null_path, &st) < 0 ? name(errno) : "ok");
  return 0;
}
