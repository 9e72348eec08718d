// The tracer VM (`ptvm trace`): one line per call, strace's format, from ptvm's own decoders.
// It asks for the exit of every call it traces (the result is part of the line): for a call
// whose line needs nothing else from the exit (close, openat, write...) the result alone
// (see_result(): no exit stop under ptrace), the arguments then decoded at the entry; for one
// whose line shows one buffer it wrote (read, stat...) that buffer alone (see_exit_copy()).
// Calls that never return (exit, exit_group) are printed at their entry. A call emulated below it in the
// stack is marked "(INJECTED)", as strace marks its injections.
#pragma once

#include <atomic>
#include <cstdint>

#include "core/module.h"
#include "vms/trace/decode.h"

namespace ptvm {

struct TraceOptions {
  SyscallSet calls = SyscallSet::all();
  std::size_t string_limit = 32;  // -s
  int timestamps = 0;             // -t: 1 (HH:MM:SS), -tt: 2 (+ microseconds), -ttt: 3 (epoch)
  bool syscall_times = false;     // -T: time spent in the call
  bool json = false;              // one JSON object per call
  bool summary = false;           // -c: counts, errors and times instead of lines
  long utc_offset_s = 0;          // local time for -t/-tt (tm_gmtoff at start)
};

class TraceModule final : public Module {
 public:
  TraceModule(Host& host, const TraceOptions& options);

  const char* name() const override { return "trace"; }
  Interest interest() const override { return {options_.calls}; }
  std::size_t thread_storage_size() const override;
  void on_entry(SyscallCall& call) override;
  void on_exit(SyscallCall& call) override;
  void on_signal(pid_t tid, const siginfo_t& info) override;
  void on_process_exit(pid_t tid, int wait_status) override;
  void on_finish() override;

  // -c counters for many processes (the in-process backend): the table moves to `table`
  // (counts_bytes(), zeroed, e.g. a MAP_SHARED mapping), where every process adds to it.
  static constexpr std::size_t counts_bytes();
  void share_counts(void* table);
  const TraceOptions& options() const { return options_; }
  // -c: one call of `nr` that returned `result` after `ns`.
  void count(long nr, long result, std::uint64_t ns);

 private:
  void begin_line(LineBuffer& line, pid_t tid, std::uint64_t wall_ns);
  void end_line(LineBuffer& line);
  // `--- SIG... ---` and `+++ exited ... +++` lines (JSON: {"pid":..,"<json_key>":"..."}).
  void emit_event(pid_t tid, const char* json_key, const LineBuffer& text);
  void print_summary();
  void note_outcome(long nr, bool failed);

  Host& host_;
  TraceOptions options_;
  // -c: per system call; relaxed atomics, since in-process many threads count at once.
  struct Count {
    std::atomic<std::uint64_t> calls{0}, errors{0}, ns{0};
  };
  Count own_counts_[kMaxSyscall];
  Count* counts_ = own_counts_;
  // Failures among recent calls of each number (ExitUse::memory_on_success).
  struct Outcomes {
    std::atomic<std::uint32_t> seen{0}, failed{0};
  };
  Outcomes outcomes_[kMaxSyscall];
  std::atomic<bool> mostly_fails_[kMaxSyscall] = {};
};

constexpr std::size_t TraceModule::counts_bytes() {
  return sizeof(Count) * kMaxSyscall;
}

}  // namespace ptvm
