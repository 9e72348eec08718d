// CPU placement of the ptrace backend: the tracer shares a CPU with the tracee that stops most.
//
// Every ptrace stop is a round trip tracee -> tracer -> tracee. When the two sit on different
// CPUs each leg is a cross-CPU wake-up of an idle CPU, and the scheduler keeps them apart: it
// wakes a task on an idle CPU rather than next to its waker. On this project's VM a bare seccomp
// stop costs 23 us across CPUs and 14 us on one (bench_supervisor, taskset). So ptvm pins itself
// to one CPU and pins there, at a time, the one tracee that stopped most in the last window of
// stops; every other tracee runs where the scheduler puts it, so the program keeps its
// parallelism (at most one of its threads shares a CPU with the tracer). Soon after the start
// and then about once a second ptvm tries the next CPU it may use for two windows, with the
// pinned tracee, and stays there if stops went clearly faster (CPUs are not all alike, nor
// always the same: timed_window()).
//
// The pin is invisible to the program: its calls to sched_getaffinity see the mask the pinned
// thread would have, sched_setaffinity of the program's wins (the pin is dropped), and a pinned
// thread is let go for the duration of its fork/vfork/clone/clone3 so that the child inherits the
// program's mask. Not virtualised: /proc/PID/status (Cpus_allowed) and affinity changes made from
// outside the traced tree while a thread is pinned, calls through int $0x80 from 64-bit code.
// Pins change only while none of those calls is in flight (each one is followed to its exit), so
// a call never sees a pin appear or vanish under it. Only threads of the normal scheduling
// classes are pinned; a sched_setscheduler/sched_setattr runs unpinned (SCHED_DEADLINE refuses
// a narrowed mask) and, once one succeeds, placement is off for the rest of the run (a real-time
// thread must never share a CPU ptvm cannot leave).
// Off with --no-colocation, under -p (a pin must never outlive ptvm, and with EXITKILL tracees
// cannot), when ptvm may use one CPU only; switched off for the rest of the run when a tracee
// lives in another PID namespace (its pid arguments are not ptvm's) or runs 32-bit code.
#pragma once

#include <sched.h>
#include <sys/types.h>

#include <cstdint>
#include <unordered_map>

#include "core/syscall_set.h"

namespace ptvm {

class CpuPlacement {
 public:
  // The calls the supervisor must see while placement is on (added to the seccomp filter).
  static SyscallSet calls();
  // Whether ptvm may use more than one CPU (else placement has nothing to do).
  static bool possible();

  // Pins the calling (tracer) thread to the CPU it runs on and `first` (the program, stopped or
  // not yet started) with it. False, and nothing changed, if ptvm may use only one CPU.
  bool start(pid_t first);
  // ptvm's own mask back.
  void finish();
  bool on() const { return on_; }

  // A stop of `tid`: counted; every kWindow stops the busiest tracee of the window is pinned.
  // `syscalls` counts the system calls placement issues.
  void stopped(pid_t tid, std::uint64_t& syscalls);
  // Switches placement off for good (the pinned tracee gets its mask back).
  void disable(std::uint64_t& syscalls);
  // A call of calls() runs from its entry stop to its exit stop: no pin changes meanwhile.
  void call_started() { ++in_flight_; }
  void call_done() {
    if (in_flight_ > 0) --in_flight_;
  }
  // `tid` is gone (exited; or its tid now names the thread that exec'd, `renamed_from`).
  void gone(pid_t tid);
  void renamed(pid_t from, pid_t to);

  bool pinned(pid_t tid) const { return on_ && tid == pinned_; }
  // Unpins `tid` (its mask back) or forgets the pin (the program set a mask of its own).
  void release(pid_t tid, std::uint64_t& syscalls);
  void forget(pid_t tid);
  // Pins `tid` again after release() (its fork or clone call is over), if nothing is in flight.
  void repin(pid_t tid, std::uint64_t& syscalls);
  // The program's sched_setaffinity(tid, mask) is the last word (a release may have come after).
  void reapply(pid_t tid, const cpu_set_t& mask, std::uint64_t& syscalls);
  // The mask the pinned thread would have: what its sched_getaffinity must return.
  const cpu_set_t& program_mask() const { return program_mask_; }
  std::uint64_t pins() const { return pins_; }

  static constexpr unsigned kWindow = 512;
  // Another CPU is tried after kFirstTry windows, then every kExploreEvery windows at home
  // (about a second), for kTrialWindows windows, against the last kHistory windows at home: it
  // must take less than kBetterPercent of their time a stop.
  static constexpr unsigned kFirstTry = 8, kExploreEvery = 48, kTrialWindows = 2, kHistory = 4,
                            kBetterPercent = 85;
  std::uint64_t moves() const { return moves_; }

 private:
  bool pin(pid_t tid, std::uint64_t& syscalls);
  void timed_window(std::uint64_t ns, unsigned stops, std::uint64_t& syscalls);
  void move_to(int cpu, std::uint64_t& syscalls);

  bool on_ = false;
  int cpu_ = -1;
  cpu_set_t own_mask_{};      // ptvm's, restored by finish()
  pid_t pinned_ = 0;          // the tracee sharing the tracer's CPU (0: none)
  cpu_set_t program_mask_{};  // its mask before the pin
  std::uint64_t pins_ = 0;
  unsigned window_stops_ = 0;
  std::uint64_t window_start_ns_ = 0;
  std::uint64_t history_[kHistory] = {};  // ns a stop, the last windows at home
  unsigned history_count_ = 0, windows_at_home_ = 0;
  unsigned exploring_ = 0;  // windows so far on the CPU being tried (0: at home)
  unsigned tries_ = 0;
  std::uint64_t explore_ns_ = 0;
  int home_cpu_ = -1;
  std::uint64_t moves_ = 0;
  unsigned in_flight_ = 0;                     // calls of calls() between entry and exit
  std::unordered_map<pid_t, unsigned> stops_;  // per tracee, this window
};

}  // namespace ptvm
