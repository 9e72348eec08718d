#include "cli/output_host.h"

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace ptvm::cli {

Result<OutputHost*> OutputHost::open(const std::string& path) {
  if (path.empty()) return new OutputHost(STDERR_FILENO, false);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) return std::unexpected(Error::guest(errno));
  return new OutputHost(fd, true);
}

OutputHost::OutputHost(int fd, bool owned) : fd_(fd), owned_(owned), buffered_(!isatty(fd)) {}

OutputHost::~OutputHost() {
  flush();
  if (owned_) close(fd_);
}

void OutputHost::flush() {
  std::size_t off = 0;
  while (off < used_ && !broken_) {
    const ssize_t n = write(fd_, buf_ + off, used_ - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      broken_ = true;
      break;
    }
    off += static_cast<std::size_t>(n);
  }
  used_ = 0;
}

void OutputHost::emit(const char* data, std::size_t n) {
  if (broken_) return;
  if (used_ + n > sizeof buf_) flush();
  n = std::min(n, sizeof buf_);  // records are far smaller (a trace line is at most 16 KiB)
  std::memcpy(buf_ + used_, data, n);
  used_ += n;
  if (!buffered_) flush();  // a terminal shows each line as it happens
}

std::uint64_t OutputHost::realtime_ns() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

std::uint64_t OutputHost::monotonic_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace ptvm::cli
