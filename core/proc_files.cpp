#include "core/proc_files.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/types.h>

#include <cstdint>

#include "core/cstr.h"
#include "core/raw_syscall.h"

namespace ptvm {

using cstr::copy;
using cstr::length;

std::size_t put_decimal(char* out, long v) {
  char digits[24];
  std::size_t n = 0;
  do {
    digits[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v > 0);
  for (std::size_t i = 0; i < n; ++i) out[i] = digits[n - 1 - i];
  out[n] = 0;
  return n;
}

void proc_path(char* out, long pid, const char* tail, long number) {
  copy(out, "/proc/", 6);
  std::size_t n = 6 + put_decimal(out + 6, pid);
  const std::size_t t = length(tail);
  copy(out + n, tail, t + 1);
  if (number >= 0) put_decimal(out + n + t, number);
}

long read_proc(long pid, const char* file, char* text, std::size_t capacity) {
  char name[64];
  proc_path(name, pid, file);
  const long fd =
      raw_syscall(SYS_openat, AT_FDCWD, reinterpret_cast<long>(name), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fd;
  const long n =
      raw_syscall(SYS_read, fd, reinterpret_cast<long>(text), static_cast<long>(capacity - 1));
  raw_syscall(SYS_close, fd);
  text[n > 0 ? n : 0] = 0;
  return n;
}

int status_numbers(const char* text, const char* key, long* out, int max) {
  const char* p = text;
  while (*p && !(cstr::starts_with(p, key) && (p == text || p[-1] == '\n'))) ++p;
  if (!*p) return 0;
  p += length(key);
  int count = 0;
  while (*p && *p != '\n' && count < max) {
    while (*p == ' ' || *p == '\t') ++p;
    if (*p < '0' || *p > '9') break;
    long v = 0;
    while (*p >= '0' && *p <= '9') v = v * 10 + (*p++ - '0');
    out[count++] = v;
  }
  return count;
}

pid_t thread_group_of(pid_t tid) {
  char text[1024];  // Tgid: is the fourth line
  long tgid = 0;
  if (read_proc(tid, "/status", text, sizeof text) <= 0 ||
      status_numbers(text, "Tgid:", &tgid, 1) != 1 || tgid <= 0) {
    return tid;
  }
  return static_cast<pid_t>(tgid);
}

bool deleted(const char* text, long n) {
  return n > 10 && cstr::starts_with(text + n - 10, " (deleted)");
}

namespace {

// Field `field` (1-based, as proc(5) counts, >= 3) of /proc/PID/stat as a number; 0 if gone.
std::uint64_t stat_field(pid_t pid, int field) {
  char text[1024];
  const long n = read_proc(pid, "/stat", text, sizeof text);
  if (n <= 0) return 0;
  // "pid (comm) state ppid ...": the comm may hold anything, so from its last ')'.
  long close = -1;
  for (long i = 0; i < n; ++i) {
    if (text[i] == ')') close = i;
  }
  long i = close + 2;  // field 3
  for (int f = 3; f < field && i < n; ++i) {
    if (text[i] == ' ') ++f;
  }
  if (close < 0 || i >= n) return 0;
  std::uint64_t v = 0;
  while (i < n && text[i] >= '0' && text[i] <= '9')
    v = v * 10 + static_cast<unsigned>(text[i++] - '0');
  return v;
}

}  // namespace

pid_t parent_of(pid_t pid) {
  return static_cast<pid_t>(stat_field(pid, 4));
}

std::uint64_t start_time_of(pid_t pid) {
  return stat_field(pid, 22);
}

int for_each_child(bool (*each)(pid_t child, void* context), void* context) {
  const long self = raw_syscall(SYS_getpid);
  char name[64];
  proc_path(name, self, "/task/", self);
  std::size_t at = 0;
  while (name[at]) ++at;
  cstr::copy(name + at, "/children", sizeof name - at);
  const long fd =
      raw_syscall(SYS_openat, AT_FDCWD, reinterpret_cast<long>(name), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  // Read in pieces: a subreaper may have thousands of children. A number may straddle two.
  int count = 0;
  long pid = 0;
  char text[1024];
  for (long n; (n = raw_syscall(SYS_read, fd, reinterpret_cast<long>(text), sizeof text)) > 0;) {
    for (long i = 0; i < n; ++i) {
      if (text[i] >= '0' && text[i] <= '9') {
        pid = pid * 10 + (text[i] - '0');
        continue;
      }
      if (pid > 0 && each(static_cast<pid_t>(pid), context)) ++count;
      pid = 0;
    }
  }
  if (pid > 0 && each(static_cast<pid_t>(pid), context)) ++count;
  raw_syscall(SYS_close, fd);
  return count;
}

int signal_children(int sig) {
  return for_each_child(
      [](pid_t child, void* sig) {
        return raw_syscall(SYS_kill, child, *static_cast<int*>(sig)) == 0;
      },
      &sig);
}

char state_of(pid_t pid, pid_t tid) {
  char file[48] = "/stat";
  if (tid > 0) {
    std::size_t at = 0;
    for (const char* s = "/task/"; *s;) file[at++] = *s++;
    at += put_decimal(file + at, tid);
    for (const char* s = "/stat"; *s;) file[at++] = *s++;
    file[at] = '\0';
  }
  char text[512];
  const long n = read_proc(pid, file, text, sizeof text);
  // "pid (comm) state ...": the comm may hold anything, so from its last ')'.
  long close = -1;
  for (long i = 0; i < n; ++i) {
    if (text[i] == ')') close = i;
  }
  return close >= 0 && close + 2 < n ? text[close + 2] : '\0';
}

bool is_zombie(pid_t pid) {
  return state_of(pid) == 'Z';
}

std::uint64_t start_stack_of(pid_t pid) {
  return stat_field(pid, 28);
}

}  // namespace ptvm
