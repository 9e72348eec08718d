// Path redirection (`ptvm run --redirect FROM=TO`): every path argument (the `path` arguments of
// the syscall table: open*, stat*, *at, execve, statx, openat2, faccessat2, fchmodat2, ...)
// equal to FROM or below it is rewritten to the same place under TO. The first user of
// rewrite(args): the new path goes to scratch memory in the tracee, the argument register
// points to it, and the backend restores the caller's registers when the call returns.
//
// Absolute paths only: a relative path is resolved by the kernel against the cwd (or dirfd),
// which this module does not track (a chroot-like module will).
#pragma once

#include <linux/limits.h>

#include <cstddef>

#include "core/module.h"

namespace ptvm {

class RedirectModule final : public Module {
 public:
  static constexpr std::size_t kMaxRules = 16;

  // FROM and TO absolute, without a trailing slash (except "/"). False when full or invalid.
  bool add(const char* from, const char* to);
  std::size_t size() const { return count_; }
  const char* from(std::size_t i) const { return rules_[i].from; }
  const char* to(std::size_t i) const { return rules_[i].to; }

  const char* name() const override { return "redirect"; }
  Interest interest() const override;
  void on_entry(SyscallCall& call) override;

  // Rewrites `path` (NUL-terminated) into `out` if a rule matches; false otherwise or when the
  // result would not fit in PATH_MAX.
  bool translate(const char* path, char* out) const;

 private:
  struct Rule {
    char from[PATH_MAX];
    std::size_t from_len;
    char to[PATH_MAX];
    std::size_t to_len;
  };
  Rule rules_[kMaxRules];
  std::size_t count_ = 0;
};

}  // namespace ptvm
