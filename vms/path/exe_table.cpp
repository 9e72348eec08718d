#include "vms/path/exe_table.h"

#include "core/cstr.h"
#include "core/proc_files.h"

namespace ptvm::path {

using cstr::copy;
using cstr::copy_string;
using cstr::length;

int ExeTable::claim(pid_t pid) {
  for (std::size_t i = 0; i < kSlots; ++i) {
    if (__atomic_load_n(&pids_[i], __ATOMIC_ACQUIRE) == pid) return static_cast<int>(i);
  }
  for (std::size_t i = 0; i < kSlots; ++i) {
    std::int32_t free = 0;
    if (__atomic_compare_exchange_n(&pids_[i], &free, pid, false, __ATOMIC_ACQ_REL,
                                    __ATOMIC_ACQUIRE)) {
      return static_cast<int>(i);
    }
  }
  // Full: a slot of a process that is gone (its pid unused, or reused by another process).
  for (std::size_t i = 0; i < kSlots; ++i) {
    std::int32_t owner = __atomic_load_n(&pids_[i], __ATOMIC_ACQUIRE);
    if (start_time_of(owner) == __atomic_load_n(&slots_[i].start, __ATOMIC_ACQUIRE)) continue;
    if (__atomic_compare_exchange_n(&pids_[i], &owner, pid, false, __ATOMIC_ACQ_REL,
                                    __ATOMIC_ACQUIRE)) {
      return static_cast<int>(i);
    }
  }
  return -1;  // 256 live processes that all executed: the 257th is not answered for
}

void ExeTable::put(pid_t pid, std::uint64_t start, const char* kernel_exe, const char* guest) {
  const int i = claim(pid);
  if (i < 0) return;
  Slot* s = &slots_[i];
  __atomic_fetch_add(&s->sequence, 1, __ATOMIC_ACQ_REL);  // odd: changing
  __atomic_store_n(&s->start, start, __ATOMIC_RELAXED);
  copy(s->kernel_exe, kernel_exe, length(kernel_exe) + 1);
  copy(s->guest, guest, length(guest) + 1);
  __atomic_fetch_add(&s->sequence, 1, __ATOMIC_RELEASE);
}

bool ExeTable::get(pid_t pid, std::uint64_t start, char* kernel_exe, char* guest) const {
  for (std::size_t i = 0; i < kSlots; ++i) {
    if (__atomic_load_n(&pids_[i], __ATOMIC_ACQUIRE) != pid) continue;
    const Slot& s = slots_[i];
    for (int attempt = 0; attempt < 100; ++attempt) {
      const std::uint32_t before = __atomic_load_n(&s.sequence, __ATOMIC_ACQUIRE);
      if (before & 1) continue;
      const bool same = __atomic_load_n(&s.start, __ATOMIC_RELAXED) == start;
      // Up to the NUL only (a torn read is retried below).
      copy_string(kernel_exe, s.kernel_exe, PATH_MAX);
      copy_string(guest, s.guest, PATH_MAX);
      __atomic_thread_fence(__ATOMIC_ACQUIRE);
      if (__atomic_load_n(&s.sequence, __ATOMIC_RELAXED) != before) continue;
      return same && __atomic_load_n(&pids_[i], __ATOMIC_ACQUIRE) == pid;
    }
    return false;
  }
  return false;
}

}  // namespace ptvm::path
