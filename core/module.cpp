#include "core/module.h"

#include "core/module_stack.h"

namespace ptvm {

[[gnu::hot]] SyscallCall::SyscallCall(Backend& backend, pid_t pid, pid_t tid, long nr,
                                      const std::uint64_t args[6])
    : backend_(backend), pid_(pid), tid_(tid), nr_(nr) {
  for (int i = 0; i < 6; ++i) args_[i] = entry_args_[i] = args[i];
}

void SyscallCall::emulate(long result) {
  emulated_ = true;
  result_ = result;
}

void SyscallCall::see_exit_copy(RemotePtr<void> at, std::size_t bytes, bool up_to_result) {
  const CopyRequest r{at.addr(), bytes, up_to_result};
  if (exit_ >= Exit::copy &&
      (copy_.at != r.at || copy_.bytes != r.bytes || copy_.up_to_result != r.up_to_result)) {
    return want(Exit::on_success);  // another module asked for other memory
  }
  copy_ = r;
  want(Exit::copy);
}

void SyscallCall::set_arg(int i, std::uint64_t value) {
  if (args_[i] == value) return;
  args_[i] = value;
  args_changed_ = true;
}

bool set_string_args(SyscallCall& call, const int* args, const char* const* strings, int n) {
  constexpr int kMax = 6;
  if (n > kMax) return false;
  Batch writes;
  RemotePtr<void> at[kMax];
  for (int k = 0; k < n; ++k) {
    std::size_t size = 1;
    while (strings[k][size - 1]) ++size;
    auto scratch = call.scratch(size);
    if (!scratch) return false;
    at[k] = *scratch;
    writes.write(*scratch, strings[k], size);
  }
  if (!call.memory().run(writes)) return false;
  for (int k = 0; k < n; ++k) call.set_arg(args[k], at[k].addr());
  return true;
}

bool ModuleStack::push_bottom(Module* module) {
  if (size_ == kMaxModules) return false;
  modules_[size_] = module;
  interests_[size_] = module->interest().calls;
  union_ |= interests_[size_];
  refuses_foreign_abi_ = refuses_foreign_abi_ || module->refuses_foreign_abi();
  storage_offsets_[size_] = storage_size_;
  storage_size_ += (module->thread_storage_size() + 15) & ~std::size_t{15};
  ++size_;
  return true;
}

[[gnu::hot]] ModuleStack::EntryOutcome ModuleStack::enter(SyscallCall& call) {
  call.exits_ = 0;
  call.exit_ = SyscallCall::Exit::none;
  for (std::size_t k = 0; k < size_ && !call.emulated_; ++k) {
    if (!interests_[k].contains(call.nr_)) continue;
    for (int i = 0; i < 6; ++i) call.views_[k][i] = call.args_[i];
    call.wants_ = SyscallCall::Exit::none;
    call.storage_offset_ = storage_offsets_[k];
    modules_[k]->on_entry(call);
    if (call.wants_ != SyscallCall::Exit::none) {
      call.exits_ |= 1u << k;
      if (call.wants_ > call.exit_) call.exit_ = call.wants_;
    }
  }
  if (call.emulated_) {
    // SKIPCALL: the result is known now; the modules above see it without any exit stop.
    call.at_exit_ = true;
    run_exits(call);
    return {.run_call = false, .needs_exit = false};
  }
  // Registers to restore need a true exit (or a backend that restores them: exit_asked()).
  call.asked_ = call.exit_;
  if (call.args_changed_) call.exit_ = SyscallCall::Exit::full;
  return {.run_call = true, .needs_exit = call.exit_ != SyscallCall::Exit::none};
}

[[gnu::hot]] long ModuleStack::exit(SyscallCall& call, long result) {
  call.at_exit_ = true;
  call.unfinished_ = false;
  call.delay_us_ = 0;
  call.result_ = result;
  run_exits(call);
  return call.result_;
}

void ModuleStack::exit_unfinished(SyscallCall& call) {
  call.at_exit_ = true;
  call.unfinished_ = true;
  call.delay_us_ = 0;
  call.result_ = 0;
  run_exits(call);
}

void ModuleStack::run_exits(SyscallCall& call) {
  for (std::size_t k = size_; k-- > 0;) {
    if (!(call.exits_ & (1u << k))) continue;
    for (int i = 0; i < 6; ++i) call.args_[i] = call.views_[k][i];
    call.storage_offset_ = storage_offsets_[k];
    modules_[k]->on_exit(call);
  }
}

void ModuleStack::exit_one(SyscallCall& call, std::size_t k, long result) {
  if (k >= size_ || !(call.exits_ & (1u << k))) return;
  call.at_exit_ = true;
  call.unfinished_ = false;
  call.delay_us_ = 0;
  call.result_ = result;
  for (int i = 0; i < 6; ++i) call.args_[i] = call.views_[k][i];
  call.storage_offset_ = storage_offsets_[k];
  modules_[k]->on_exit(call);
}

void ModuleStack::on_signal(pid_t tid, const siginfo_t& info) {
  for (std::size_t k = 0; k < size_; ++k) modules_[k]->on_signal(tid, info);
}

void ModuleStack::on_process_exit(pid_t tid, int wait_status) {
  for (std::size_t k = 0; k < size_; ++k) modules_[k]->on_process_exit(tid, wait_status);
}

void ModuleStack::on_finish() {
  for (std::size_t k = 0; k < size_; ++k) modules_[k]->on_finish();
}

}  // namespace ptvm
