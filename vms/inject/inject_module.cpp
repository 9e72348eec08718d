#include "vms/inject/inject_module.h"

namespace ptvm {

namespace {
// Per-thread storage: an invocation counter per rule and call, then the exit delay pending.
struct Counters {
  std::uint32_t n[InjectModule::kMaxRules][kMaxSyscall];
  std::uint64_t delay_exit_us;
};
}  // namespace

bool InjectModule::add(const InjectRule& rule) {
  if (count_ == kMaxRules) return false;
  rules_[count_++] = rule;
  return true;
}

Interest InjectModule::interest() const {
  Interest i;
  for (std::size_t r = 0; r < count_; ++r) i.calls |= rules_[r].calls;
  return i;
}

std::size_t InjectModule::thread_storage_size() const {
  return sizeof(Counters);
}

void InjectModule::on_entry(SyscallCall& call) {
  auto* c = reinterpret_cast<Counters*>(call.storage());
  const long nr = call.nr();
  c->delay_exit_us = 0;
  for (std::size_t r = 0; r < count_; ++r) {
    const InjectRule& rule = rules_[r];
    if (!rule.calls.contains(nr)) continue;
    std::uint32_t& n = c->n[r][nr];
    if (n < UINT32_MAX) ++n;
    if (!rule.applies_to(n)) continue;
    if (rule.signal) call.raise_signal(rule.signal);
    if (rule.delay_enter_us) call.delay(rule.delay_enter_us);
    if (rule.delay_exit_us) {
      c->delay_exit_us += rule.delay_exit_us;
      call.see_exit();
    }
    if (rule.fault == InjectRule::Fault::error) {
      call.fail(static_cast<int>(rule.value));
      return;
    }
    if (rule.fault == InjectRule::Fault::retval) {
      call.emulate(rule.value);
      return;
    }
  }
}

void InjectModule::on_exit(SyscallCall& call) {
  auto* c = reinterpret_cast<Counters*>(call.storage());
  if (c->delay_exit_us) call.delay(c->delay_exit_us);
  c->delay_exit_us = 0;
}

}  // namespace ptvm
