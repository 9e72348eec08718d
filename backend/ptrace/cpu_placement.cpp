#include "backend/ptrace/cpu_placement.h"

#include <sys/syscall.h>
#include <time.h>

namespace ptvm {

namespace {

cpu_set_t only(int cpu) {
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(cpu, &one);
  return one;
}

std::uint64_t now_ns() {
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<std::uint64_t>(t.tv_sec) * 1'000'000'000u +
         static_cast<std::uint64_t>(t.tv_nsec);
}

}  // namespace

SyscallSet CpuPlacement::calls() {
  SyscallSet s;
  for (long nr : {SYS_sched_getaffinity, SYS_sched_setaffinity, SYS_sched_setscheduler,
                  SYS_sched_setattr, SYS_clone, SYS_clone3, SYS_fork, SYS_vfork}) {
    s.add(nr);
  }
  return s;
}

bool CpuPlacement::possible() {
  cpu_set_t mask;
  // Fails (EINVAL) with more than CPU_SETSIZE CPUs: then no placement, and no mask of a
  // program that would not fit a cpu_set_t.
  return sched_getaffinity(0, sizeof mask, &mask) == 0 && CPU_COUNT(&mask) >= 2;
}

bool CpuPlacement::start(pid_t first) {
  if (!possible() || sched_getaffinity(0, sizeof own_mask_, &own_mask_) != 0) return false;
  const int cpu = sched_getcpu();
  if (cpu < 0 || cpu >= CPU_SETSIZE || !CPU_ISSET(cpu, &own_mask_)) return false;
  const cpu_set_t one = only(cpu);
  if (sched_setaffinity(0, sizeof one, &one) != 0) return false;
  cpu_ = cpu;
  on_ = true;
  window_start_ns_ = now_ns();
  std::uint64_t syscalls = 0;
  pin(first, syscalls);
  return true;
}

void CpuPlacement::finish() {
  if (!on_) return;
  sched_setaffinity(0, sizeof own_mask_, &own_mask_);
  on_ = false;
  pinned_ = 0;
}

void CpuPlacement::disable(std::uint64_t& syscalls) {
  if (!on_) return;
  if (pinned_ != 0) release(pinned_, syscalls);
  finish();
}

bool CpuPlacement::pin(pid_t tid, std::uint64_t& syscalls) {
  ++syscalls;
  const int policy = sched_getscheduler(tid);
  if (policy != SCHED_OTHER && policy != SCHED_BATCH && policy != SCHED_IDLE) return false;
  cpu_set_t mask;
  ++syscalls;
  if (sched_getaffinity(tid, sizeof mask, &mask) != 0 || !CPU_ISSET(cpu_, &mask)) return false;
  const cpu_set_t one = only(cpu_);
  ++syscalls;
  if (sched_setaffinity(tid, sizeof one, &one) != 0) return false;
  pinned_ = tid;
  program_mask_ = mask;
  ++pins_;
  return true;
}

void CpuPlacement::stopped(pid_t tid, std::uint64_t& syscalls) {
  if (!on_) return;
  ++stops_[tid];
  if (++window_stops_ < kWindow || in_flight_ > 0) return;
  const std::uint64_t now = now_ns();
  timed_window(now - window_start_ns_, window_stops_, syscalls);
  window_start_ns_ = now;
  window_stops_ = 0;
  pid_t busiest = 0;
  unsigned most = 0;
  for (const auto& [t, n] : stops_) {
    if (n > most) {
      most = n;
      busiest = t;
    }
  }
  stops_.clear();
  // No churn: a new pin only for a tracee with a good share of the stops.
  if (busiest == pinned_ || most < kWindow / 4) return;
  if (pinned_ != 0) release(pinned_, syscalls);
  pin(busiest, syscalls);
}

// The CPUs of one machine are not all alike, nor always the same: hybrid cores, or a virtual
// CPU whose core a busy neighbour shares for minutes (here: half the speed of the other for a
// while, and the stops with it). Now and then ptvm tries the next CPU it may use for a couple
// of windows and stays there if stops went clearly faster than in the last windows at home.
void CpuPlacement::timed_window(std::uint64_t ns, unsigned stops, std::uint64_t& syscalls) {
  const std::uint64_t per_stop = ns / (stops ? stops : 1);
  if (exploring_ > 0) {
    explore_ns_ += per_stop;
    if (++exploring_ <= kTrialWindows) return;
    exploring_ = 0;
    std::uint64_t home = 0;
    for (std::uint64_t h : history_) home += h;
    const bool faster = explore_ns_ * kHistory * 100 < home * kTrialWindows * kBetterPercent;
    if (faster) {
      history_count_ = 0;  // a new home
    } else {
      move_to(home_cpu_, syscalls);
    }
    return;
  }
  history_[history_count_++ % kHistory] = per_stop;
  // The first try early (a run of a few seconds gains from it too), then now and then.
  const unsigned every = tries_ == 0 ? kFirstTry : kExploreEvery;
  if (++windows_at_home_ < every || history_count_ < kHistory) return;
  windows_at_home_ = 0;
  int next = -1;  // the next CPU of ptvm's mask after this one
  for (int k = 1; k < CPU_SETSIZE && next < 0; ++k) {
    const int c = (cpu_ + k) % CPU_SETSIZE;
    if (CPU_ISSET(c, &own_mask_)) next = c;
  }
  if (next < 0 || next == cpu_) return;
  home_cpu_ = cpu_;
  ++tries_;
  explore_ns_ = 0;
  exploring_ = 1;
  move_to(next, syscalls);
}

// ptvm, and the tracee pinned with it, to `cpu`.
void CpuPlacement::move_to(int cpu, std::uint64_t& syscalls) {
  const cpu_set_t one = only(cpu);
  ++syscalls;
  if (sched_setaffinity(0, sizeof one, &one) != 0) return;
  cpu_ = cpu;
  ++moves_;
  if (pinned_ == 0) return;
  ++syscalls;
  if (sched_setaffinity(pinned_, sizeof one, &one) != 0) pinned_ = 0;
}

void CpuPlacement::gone(pid_t tid) {
  stops_.erase(tid);
  if (tid == pinned_) pinned_ = 0;
}

void CpuPlacement::renamed(pid_t from, pid_t to) {
  gone(to);  // the former leader, replaced by the thread that exec'd
  stops_.erase(from);
  if (pinned_ == from) pinned_ = to;
}

void CpuPlacement::release(pid_t tid, std::uint64_t& syscalls) {
  if (!pinned(tid)) return;
  ++syscalls;
  sched_setaffinity(tid, sizeof program_mask_, &program_mask_);
  pinned_ = 0;
}

void CpuPlacement::forget(pid_t tid) {
  if (pinned(tid)) pinned_ = 0;
}

void CpuPlacement::repin(pid_t tid, std::uint64_t& syscalls) {
  if (on_ && pinned_ == 0 && in_flight_ == 0) pin(tid, syscalls);
}

void CpuPlacement::reapply(pid_t tid, const cpu_set_t& mask, std::uint64_t& syscalls) {
  ++syscalls;
  sched_setaffinity(tid, sizeof mask, &mask);
}

}  // namespace ptvm
