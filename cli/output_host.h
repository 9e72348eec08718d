// The Host of the ptrace backend's modules: trace output to a file descriptor, records never
// torn (each emit() is whole), buffered when the output is not a terminal.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/error.h"
#include "core/module.h"

namespace ptvm::cli {

class OutputHost final : public Host {
 public:
  // `path` empty: standard error. Otherwise the file is created/truncated.
  static Result<OutputHost*> open(const std::string& path);
  ~OutputHost();

  void emit(const char* data, std::size_t n) override;
  std::uint64_t realtime_ns() override;
  std::uint64_t monotonic_ns() override;
  void flush();
  int fd() const { return fd_; }
  // Other processes append to the same output (the in-process runtime): every record must be
  // written when it is emitted, for the lines to stay in order.
  void unbuffer() {
    flush();
    buffered_ = false;
  }

 private:
  OutputHost(int fd, bool owned);
  int fd_;
  bool owned_;
  bool buffered_;
  bool broken_ = false;  // EPIPE and the like: output is dropped, the program goes on
  std::size_t used_ = 0;
  char buf_[64 * 1024];
};

}  // namespace ptvm::cli
