// `ptvm proot -0` (PRoot's --root-id) until the fakeroot VM lands: the program sees user and
// group 0 from getuid, geteuid, getgid, getegid, getresuid and getresgid. Nothing else is faked:
// chown, chmod and stat behave as the host lets them (the fakeroot VM's job).
#pragma once

#include <sys/syscall.h>

#include <cstdint>

#include "core/module.h"

namespace ptvm {

class RootIdModule final : public Module {
 public:
  const char* name() const override { return "root-id"; }
  Interest interest() const override {
    Interest i;
    for (long nr :
         {SYS_getuid, SYS_geteuid, SYS_getgid, SYS_getegid, SYS_getresuid, SYS_getresgid}) {
      i.calls.add(nr);
    }
    return i;
  }
  void on_entry(SyscallCall& call) override {
    if (call.nr() != SYS_getresuid && call.nr() != SYS_getresgid) return call.answer(0);
    const std::uint32_t zero = 0;
    Batch batch;
    for (int a = 0; a < 3; ++a) batch.write(RemotePtr<void>(call.arg(a)), &zero, sizeof zero);
    call.answer(call.memory().run(batch) ? 0 : -EFAULT);
  }
};

}  // namespace ptvm
