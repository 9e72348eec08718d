// One number of /proc/PID/status (its first, after `field`: "PPid:", "Uid:", "Seccomp_filters:").
#pragma once

#include <sys/types.h>

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

}  // namespace ptvm
