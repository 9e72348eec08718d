// The status of the last process to exit (PRoot's exit status, ptvm proot): ptvm::run returns it
// with RunOptions::ptrace.last_process_status. As PRoot's, a process killed by a signal does not
// count (the program's killed children do not decide the run's status); none exited: the
// program's status.
//
// A tracer sees each of its tracees end as it happens; a subreaper (ptvm for the in-process
// runtime's processes) only when it reaps them. Orphans come to it at their parent's end, after
// the parent in its list of children, although those that are zombies by then ended before the
// parent did: so whenever ptvm reaps a process it did not see end, the zombies among its
// children at that moment are placed just before it in the order of ends.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <unordered_map>

namespace ptvm {

class LastStatus {
 public:
  // Process `pid` was reaped with `status`; `seen_ending`: ptvm saw it end as it did (traced).
  void reaped(pid_t pid, int status, bool seen_ending);
  std::optional<int> status() const { return last_; }

 private:
  std::uint64_t reaps_ = 0;
  // Zombies when a process was reaped: the place of its end (2 per reap: theirs is just before).
  std::unordered_map<pid_t, std::uint64_t> ended_before_;
  std::optional<int> last_;
  std::uint64_t last_place_ = 0;
};

}  // namespace ptvm
