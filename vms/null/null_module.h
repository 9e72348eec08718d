// A module that intercepts a set of calls and passes every one (`ptvm run --intercept=SET`):
// what interposition itself costs, with no work done by a module.
#pragma once

#include "core/module.h"

namespace ptvm {

class NullModule final : public Module {
 public:
  explicit NullModule(const SyscallSet& calls) : calls_(calls) {}
  const char* name() const override { return "null"; }
  Interest interest() const override { return {calls_}; }
  [[gnu::hot]] void on_entry(SyscallCall&) override {}
  const SyscallSet& calls() const { return calls_; }

 private:
  SyscallSet calls_;
};

}  // namespace ptvm
