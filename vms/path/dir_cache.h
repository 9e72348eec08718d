// Guest directories known to be reached without a symbolic link (vms/path/resolve.h): the walk
// of a path in such a directory needs at most one readlink of its last component, instead of an
// openat2 and a close. Filled by walks that found no link, emptied (by generation) whenever a
// call of the guest may have changed what a name means: rename, unlink, rmdir, symlink, mount...
// (PathModule::on_entry, and again when the modules see its exit, which may come late through
// the trampoline), and unused in between (a walk of another thread could see the old names). A
// change made by a process outside the guest is not seen: such a directory swapped for a link is
// still walked as a directory, the race the path VM never closed anyway (it is not a security
// boundary). Freestanding: a fixed table, no allocation.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ptvm::path {

class DirCache {
 public:
  static constexpr std::size_t kSlots = 4096;  // a power of two
  static constexpr std::size_t kMaxPath = 244;

  bool has(const char* dir, std::size_t n) const {
    if (n > kMaxPath || changing_ > 0) return false;
    const std::uint64_t h = hash(dir, n);
    for (std::size_t k = 0; k < kProbe; ++k) {
      const std::size_t i = (h + k) & (kSlots - 1);
      const Slot& s = slots_[i];
      if (used(i) && s.generation == generation_ && s.hash == h && s.length == n &&
          same(s.path, dir, n)) {
        return true;
      }
    }
    return false;
  }
  void add(const char* dir, std::size_t n) {
    if (n > kMaxPath || changing_ > 0) return;
    const std::uint64_t h = hash(dir, n);
    std::size_t at = h & (kSlots - 1);
    for (std::size_t k = 0; k < kProbe; ++k) {
      const std::size_t i = (h + k) & (kSlots - 1);
      if (!used(i) || slots_[i].generation != generation_) {
        at = i;
        break;
      }
    }
    Slot* victim = &slots_[at];
    victim->generation = generation_;
    victim->hash = h;
    victim->length = static_cast<std::uint16_t>(n);
    for (std::size_t i = 0; i < n; ++i) victim->path[i] = dir[i];
    used_[at / 64] |= std::uint64_t{1} << (at % 64);
  }
  void forget_all() { ++generation_; }
  // A call that may change names enters (the cache is emptied and unused) and leaves.
  void change_begins() {
    ++changing_;
    forget_all();
  }
  void change_ends() {
    if (changing_ > 0) --changing_;
    forget_all();
  }

 private:
  static constexpr std::size_t kProbe = 4;
  // No initializers: a slot is read only once written (used_), so a new cache touches none of
  // its megabyte (the in-process runtime builds one in every process it starts).
  struct Slot {
    std::uint32_t generation;
    std::uint16_t length;
    std::uint64_t hash;
    char path[kMaxPath];
  };
  bool used(std::size_t i) const { return (used_[i / 64] >> (i % 64)) & 1; }
  static std::uint64_t hash(const char* s, std::size_t n) {
    std::uint64_t h = 1469598103934665603ull;  // FNV-1a
    for (std::size_t i = 0; i < n; ++i)
      h = (h ^ static_cast<unsigned char>(s[i])) * 1099511628211ull;
    return h;
  }
  static bool same(const char* a, const char* b, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
      if (a[i] != b[i]) return false;
    }
    return true;
  }
  Slot slots_[kSlots];
  std::uint64_t used_[kSlots / 64] = {};
  std::uint32_t generation_ = 1;
  std::uint32_t changing_ = 0;  // name-changing calls in flight
};

}  // namespace ptvm::path
