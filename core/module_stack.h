// Modules stacked in an explicit order (View-OS style: index 0 is the top, e.g. trace over
// inject over redirect). Both backends drive a call through the stack the same way:
//   enter(): top to bottom, each module whose interest has the call; a module that emulates
//            stops the descent (modules below never see the call), and the modules above it
//            that asked for the exit get on_exit at once with the emulated result: no exit stop;
//   exit():  after the call ran, bottom to top, the modules that asked for it; each sees the
//            arguments as they were when the call passed it.
#pragma once

#include <cstddef>

#include "core/module.h"

namespace ptvm {

class ModuleStack {
 public:
  static constexpr std::size_t kMaxModules = SyscallCall::kMaxModules;

  // Adds a module below the ones already there; false when the stack is full.
  bool push_bottom(Module* module);
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  Module& operator[](std::size_t i) { return *modules_[i]; }

  // The union of the modules' interests: what the backend must intercept.
  const SyscallSet& interest() const { return union_; }
  // Some module refuses calls of other ABIs (Module::refuses_foreign_abi()).
  bool refuses_foreign_abi() const { return refuses_foreign_abi_; }
  // Per-thread storage the backend must provide (SyscallCall::Backend::thread_storage()).
  std::size_t thread_storage_size() const { return storage_size_; }

  struct EntryOutcome {
    bool run_call;    // false: emulated; the result is call.result(), the exits have run
    bool needs_exit;  // run_call, and a module wants the exit or registers must be restored
                      // (how much of it: call.exit_needed())
  };
  EntryOutcome enter(SyscallCall& call);
  // `result` is what the kernel returned; returns the result the caller must see.
  long exit(SyscallCall& call, long result);
  // The modules that asked for the exit learn that the result never came (unfinished()).
  void exit_unfinished(SyscallCall& call);

  // Module k's on_exit alone, for `result` (on a copy of the call: the stack's exit() may still
  // follow). The in-process tracer renders an execve's line this way before the call, since a
  // successful one never returns into this address space.
  void exit_one(SyscallCall& call, std::size_t k, long result);

  void on_signal(pid_t tid, const siginfo_t& info);
  void on_process_exit(pid_t tid, int wait_status);
  void on_finish();

 private:
  void run_exits(SyscallCall& call);

  Module* modules_[kMaxModules] = {};
  SyscallSet interests_[kMaxModules];
  std::size_t storage_offsets_[kMaxModules] = {};
  std::size_t storage_size_ = 0;
  SyscallSet union_;
  bool refuses_foreign_abi_ = false;
  std::size_t size_ = 0;
};

}  // namespace ptvm
