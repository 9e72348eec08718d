#include "tests/unit/tracee_fixture.h"

#include <signal.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace ptvm::testing {

namespace {
[[noreturn]] void die(const char* what) {
  std::perror(what);
  std::abort();
}
}  // namespace

StoppedTracee::StoppedTracee(const char* path) {
  int layout[2], out[2];
  if (pipe(layout) < 0 || pipe(out) < 0) die("pipe");
  pid_ = fork();
  if (pid_ < 0) die("fork");
  if (pid_ == 0) {
    // Read ends first: one of them may be fd 3, which the layout pipe must become.
    close(layout[0]);
    close(out[0]);
    dup2(out[1], 1);
    if (layout[1] != 3) {
      dup2(layout[1], 3);
      close(layout[1]);
    }
    ptrace(PTRACE_TRACEME, 0, nullptr, nullptr);
    execl(path, path, static_cast<char*>(nullptr));
    _exit(127);
  }
  close(layout[1]);
  close(out[1]);
  stdout_fd_ = out[0];
  int status;
  if (waitpid(pid_, &status, 0) != pid_ || !WIFSTOPPED(status)) die("exec stop");
  ptrace(PTRACE_SETOPTIONS, pid_, nullptr, PTRACE_O_EXITKILL);
  if (ptrace(PTRACE_CONT, pid_, nullptr, nullptr) < 0) die("cont");
  if (waitpid(pid_, &status, 0) != pid_ || !WIFSTOPPED(status) || WSTOPSIG(status) != SIGSTOP) {
    die("tracee did not stop");
  }
  FILE* f = fdopen(layout[0], "r");
  char name[64];
  unsigned long long value;
  while (std::fscanf(f, "%63s %llx", name, &value) == 2) layout_[name] = value;
  std::fclose(f);
}

StoppedTracee::~StoppedTracee() {
  if (pid_ > 0) kill(true);
  if (stdout_fd_ >= 0) close(stdout_fd_);
}

std::uintptr_t StoppedTracee::addr(const std::string& name) const {
  auto it = layout_.find(name);
  if (it == layout_.end()) die(name.c_str());
  return it->second;
}

std::string StoppedTracee::resume_and_collect(int* status) {
  ptrace(PTRACE_DETACH, pid_, nullptr, nullptr);  // resumes it (the SIGSTOP is not re-delivered)
  std::string text;
  char buf[512];
  for (ssize_t n; (n = read(stdout_fd_, buf, sizeof buf)) > 0;) text.append(buf, n);
  waitpid(pid_, status, 0);
  pid_ = -1;
  return text;
}

void StoppedTracee::kill(bool reap) {
  ::kill(pid_, SIGKILL);
  if (reap) {
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  } else {
    // Wait until it is a zombie (exited, not reaped), without reaping it.
    siginfo_t info;
    waitid(P_PID, pid_, &info, WEXITED | WNOWAIT);
  }
}

}  // namespace ptvm::testing
