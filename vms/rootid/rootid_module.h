// `ptvm proot -0` (PRoot's --root-id) and `-i UID:GID` until the fakeroot VM lands: the program
// sees user UID and group GID (0 and 0 for -0) from getuid, geteuid, getgid, getegid, getresuid
// and getresgid. Nothing else is faked: set*id calls, chown, chmod and stat behave as the host
// lets them (the fakeroot VM's job).
#pragma once

#include <sys/syscall.h>

#include <cstdint>

#include "core/module.h"

namespace ptvm {

class RootIdModule final : public Module {
 public:
  void set_ids(std::uint32_t uid, std::uint32_t gid) {
    uid_ = uid;
    gid_ = gid;
  }
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
    const long nr = call.nr();
    const bool user = nr == SYS_getuid || nr == SYS_geteuid || nr == SYS_getresuid;
    if (nr != SYS_getresuid && nr != SYS_getresgid) return call.answer(user ? uid_ : gid_);
    const std::uint32_t id = user ? uid_ : gid_;
    Batch batch;
    for (int a = 0; a < 3; ++a) batch.write(RemotePtr<void>(call.arg(a)), &id, sizeof id);
    call.answer(call.memory().run(batch) ? 0 : -EFAULT);
  }

 private:
  std::uint32_t uid_ = 0, gid_ = 0;
};

}  // namespace ptvm
