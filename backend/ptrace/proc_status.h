// One number of /proc/PID/status (its first, after `field`: "PPid:", "Uid:", "Seccomp_filters:"),
// and the state of a process.
#pragma once

#include <fcntl.h>
#include <sys/types.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace ptvm {

// -1: no such process, or no such field.
inline long proc_status_number(pid_t pid, const char* field) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/status", pid);
  FILE* f = std::fopen(path, "re");
  if (!f) return -1;
  char line[256];
  long n = -1;
  const std::size_t len = std::strlen(field);
  while (std::fgets(line, sizeof line, f)) {
    if (std::strncmp(line, field, len) == 0) {
      n = std::atol(line + len);
      break;
    }
  }
  std::fclose(f);
  return n;
}

// The state letter of /proc/PID/stat (R, S, T for a job-control stop, t for a ptrace stop...;
// 0: gone).
inline char proc_state(pid_t pid) {
  char path[64], buf[512];
  std::snprintf(path, sizeof path, "/proc/%d/stat", pid);
  const int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  const ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return 0;
  buf[n] = '\0';
  const char* paren = std::strrchr(buf, ')');
  return paren && paren[1] == ' ' ? paren[2] : 0;
}

}  // namespace ptvm
