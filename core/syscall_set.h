// A set of system call numbers: the unit of a module's interest. Freestanding, constexpr.
#pragma once

#include <cstdint>

#include "core/syscall_table.h"

namespace ptvm {

class SyscallSet {
 public:
  constexpr SyscallSet() = default;
  static constexpr SyscallSet all() {
    SyscallSet s;
    for (auto& w : s.bits_) w = ~std::uint64_t{0};
    return s;
  }
  constexpr void add(long nr) {
    if (nr >= 0 && nr < kMaxSyscall) bits_[nr / 64] |= std::uint64_t{1} << (nr % 64);
  }
  constexpr void remove(long nr) {
    if (nr >= 0 && nr < kMaxSyscall) bits_[nr / 64] &= ~(std::uint64_t{1} << (nr % 64));
  }
  constexpr bool contains(long nr) const {
    return nr >= 0 && nr < kMaxSyscall && (bits_[nr / 64] >> (nr % 64)) & 1;
  }
  constexpr bool empty() const {
    for (auto w : bits_) {
      if (w) return false;
    }
    return true;
  }
  constexpr SyscallSet& operator|=(const SyscallSet& o) {
    for (int i = 0; i < kWords; ++i) bits_[i] |= o.bits_[i];
    return *this;
  }
  constexpr SyscallSet& operator&=(const SyscallSet& o) {
    for (int i = 0; i < kWords; ++i) bits_[i] &= o.bits_[i];
    return *this;
  }
  constexpr SyscallSet operator~() const {
    SyscallSet s;
    for (int i = 0; i < kWords; ++i) s.bits_[i] = ~bits_[i];
    return s;
  }
  constexpr bool operator==(const SyscallSet&) const = default;
  // Calls `f(nr)` for every member.
  template <class F>
  constexpr void for_each(F&& f) const {
    for (long nr = 0; nr < kMaxSyscall; ++nr) {
      if (contains(nr)) f(nr);
    }
  }

 private:
  static constexpr int kWords = kMaxSyscall / 64;
  std::uint64_t bits_[kWords] = {};
};

}  // namespace ptvm
