// Starts tests/tracees/mem_tracee as a ptrace-stopped tracee and hands its layout to tests.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>

#include "core/remote_ptr.h"

namespace ptvm::testing {

class StoppedTracee {
 public:
  // Forks and execs `path` traced (PTRACE_TRACEME, EXITKILL), lets it run to its SIGSTOP and
  // reads its layout. Aborts the test process on failure (a broken fixture is not a result).
  explicit StoppedTracee(const char* path = PTVM_MEM_TRACEE);
  ~StoppedTracee();  // kills and reaps it if still there

  pid_t pid() const { return pid_; }
  std::uintptr_t addr(const std::string& name) const;
  template <class T = char>
  RemotePtr<T> ptr(const std::string& name) const {
    return RemotePtr<T>(addr(name));
  }

  // Resumes it and returns what it printed on stdout and its exit status.
  std::string resume_and_collect(int* status);
  // SIGKILL, then reaped now (reap=true) or left a zombie.
  void kill(bool reap);

 private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::map<std::string, std::uintptr_t> layout_;
};

}  // namespace ptvm::testing
