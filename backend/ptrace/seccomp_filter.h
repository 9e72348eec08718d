// The seccomp filter of the ptrace backend, compiled from the union of the modules' interests
// (libseccomp): SECCOMP_RET_TRACE for the calls some module wants, ALLOW for all others, so a
// call nobody wants never stops. Calls of a foreign ABI (i386 int $0x80, x32) are traced too:
// a module that interposes on open must not be bypassed by a 32-bit open; or, for a stack that
// must see every path (ModuleStack::refuses_foreign_abi(): the path VM), refused with ENOSYS by
// the filter itself.
#pragma once

#include <linux/filter.h>

#include <vector>

#include "core/error.h"
#include "core/syscall_set.h"

namespace ptvm {

class SeccompFilter {
 public:
  static Result<SeccompFilter> compile(const SyscallSet& traced, bool refuse_foreign_abi = false);

  // Installs the filter on the calling thread. Async-signal-safe: for a child between fork and
  // execve. Without CAP_SYS_ADMIN the kernel requires no_new_privs, which is then set.
  int install() const;  // 0 or -errno

  std::size_t instructions() const { return program_.size(); }
  const std::vector<sock_filter>& program() const { return program_; }

 private:
  std::vector<sock_filter> program_;
};

}  // namespace ptvm
