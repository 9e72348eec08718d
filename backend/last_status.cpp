#include "backend/last_status.h"

#include <sys/wait.h>

#include <utility>

#include "core/proc_files.h"

namespace ptvm {

void LastStatus::reaped(pid_t pid, int status, bool seen_ending) {
  std::uint64_t place = 2 * ++reaps_;
  if (auto it = ended_before_.find(pid); it != ended_before_.end()) {
    place = it->second;
    ended_before_.erase(it);
  }
  // As PRoot's: a killed process has no say.
  if (WIFEXITED(status) && place > last_place_) {
    last_ = status;
    last_place_ = place;
  }
  if (seen_ending) return;
  std::pair<LastStatus*, std::uint64_t> context{this, 2 * reaps_ - 1};
  for_each_child(
      [](pid_t child, void* context) {
        auto [self, before] = *static_cast<std::pair<LastStatus*, std::uint64_t>*>(context);
        if (is_zombie(child)) self->ended_before_.try_emplace(child, before);
        return true;
      },
      &context);
}

}  // namespace ptvm
