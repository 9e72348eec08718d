// The programs of a run's processes, where each process has a module of its own (the in-process
// runtime: a process knows only its own image): one table in a mapping that every process of the
// run shares (a memfd of ptvm's), keyed by (pid, start time), since pids are reused. Answers
// /proc/N/exe for another process of the guest as the ptrace backend's one table does.
//
// Layout: kSlots slots; a slot is claimed by a compare-and-swap of its pid (0: free; a process
// that is gone, whose start time no longer matches, gives its slot up to the next writer), and
// its text is written under a sequence count (odd while it changes), which readers retry on.
// Only the slots written are touched (a 4 MB file, sparse). Freestanding: atomics, raw calls.
#pragma once

#include <linux/limits.h>
#include <sys/types.h>

#include <cstddef>
#include <cstdint>

namespace ptvm::path {

class ExeTable {
 public:
  static constexpr std::size_t kSlots = 256;

  // Process `pid`, started at `start` (start_time_of), runs `guest`, where the kernel's
  // /proc/PID/exe says `kernel_exe`.
  void put(pid_t pid, std::uint64_t start, const char* kernel_exe, const char* guest);
  // The same for process `pid` started at `start`; false if unknown.
  bool get(pid_t pid, std::uint64_t start, char* kernel_exe, char* guest) const;

 private:
  struct Slot {
    std::uint32_t sequence;
    std::uint64_t start;
    char kernel_exe[PATH_MAX];
    char guest[PATH_MAX];
  };
  int claim(pid_t pid);
  // The pids apart, in a page of their own: a lookup (every exec of every process under the path
  // VM) reads 1 KiB, not a word of each of 256 slots 8 KiB apart (256 pages of the shared file,
  // each a fault in a fresh process).
  std::int32_t pids_[kSlots];  // 0: free
  Slot slots_[kSlots];
};

}  // namespace ptvm::path
