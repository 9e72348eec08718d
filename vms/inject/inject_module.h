// Fault injection (strace's -e inject=SET:error=|retval=[:signal=][:delay_enter=][:delay_exit=]
// [:when=FIRST[..LAST][+[STEP]]]): the SKIPCALL path. Invocations are counted per system call
// and per tracee (thread), as strace does.
#pragma once

#include <cstdint>

#include "core/module.h"

namespace ptvm {

struct InjectRule {
  SyscallSet calls;
  enum class Fault : std::uint8_t { none, error, retval } fault = Fault::none;
  long value = 0;  // the errno for error, the return value for retval
  int signal = 0;
  std::uint64_t delay_enter_us = 0;
  std::uint64_t delay_exit_us = 0;
  // when=: invocation numbers first, first+step, ... up to last (inclusive).
  std::uint32_t first = 1;
  std::uint32_t last = UINT32_MAX;
  std::uint32_t step = 1;

  bool applies_to(std::uint32_t invocation) const {
    return invocation >= first && invocation <= last && (invocation - first) % step == 0;
  }
};

class InjectModule final : public Module {
 public:
  static constexpr std::size_t kMaxRules = 8;

  // Returns false when there are kMaxRules already.
  bool add(const InjectRule& rule);
  std::size_t size() const { return count_; }
  const InjectRule& rule(std::size_t i) const { return rules_[i]; }

  const char* name() const override { return "inject"; }
  Interest interest() const override;
  std::size_t thread_storage_size() const override;
  void on_entry(SyscallCall& call) override;
  void on_exit(SyscallCall& call) override;

 private:
  InjectRule rules_[kMaxRules];
  std::size_t count_ = 0;
};

}  // namespace ptvm
