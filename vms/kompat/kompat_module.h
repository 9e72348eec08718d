// The kernel-identity VM (`ptvm proot -k`, `ptvm run|trace --kernel-release`, PRoot's kompat):
// the program sees another kernel. uname answers with the given release (and, in PRoot's long
// form '\sysname\nodename\release\version\machine\domainname\hwcap\', every field); sethostname
// and setdomainname change the names the run's uname shows, never the host's (with the
// capability the kernel asks for: CAP_SYS_ADMIN, the fake root's under the fakeroot VM); every
// new image's auxiliary vector loses AT_SYSINFO_EHDR (the vDSO, whose note names the real
// kernel: glibc then makes real calls for the time) and, in the long form, gets AT_HWCAP.
//
// What PRoot's kompat also does for a host kernel older than the release it fakes (turning
// calls that kernel lacks into older ones: pipe2 into pipe and fcntl...) has no use on the
// kernels ptvm runs on (5.11+ for Syscall User Dispatch, 5.3+ for ptrace's syscall info): the
// calls run as they are. With PRoot's PROOT_FORCE_KOMPAT set in ptvm's environment, AT_RANDOM is
// moved to the end of the vector, as PRoot (which adds its own there) shows it.
//
// State: one utsname for the run (ptvm's memory: the module runs on the ptrace backend only,
// since the auxiliary vector is edited at an execve's exit, which the in-process runtime does
// not see; `--backend=auto` runs every process on ptrace with it).
#pragma once

#include <sys/utsname.h>

#include <cstdint>

#include "core/module.h"

namespace ptvm {

class KompatModule final : public Module {
 public:
  // One field of struct utsname: 64 characters and a NUL, as the kernel's new_utsname.
  static constexpr std::size_t kField = 65;
  struct Names {
    char sysname[kField], nodename[kField], release[kField], version[kField], machine[kField],
        domainname[kField];
  };
  static_assert(sizeof(Names) == sizeof(struct utsname));

  // `host`: the kernel's own names, `spec`: -k's argument (a release, or the long form). False,
  // and `error` says why, on a malformed long form.
  bool configure(const Names& host, const char* spec, const char** error);
  // Below the fakeroot VM, which refuses set*name to a fake user without CAP_SYS_ADMIN: what
  // reaches this module then comes from the fake root.
  void set_fake_root_checked(bool checked) { fake_root_checked_ = checked; }
  void set_force_kompat(bool force) { force_ = force; }
  const Names& names() const { return names_; }

  const char* name() const override { return "kompat"; }
  Interest interest() const override;
  void on_entry(SyscallCall& call) override;
  void on_exit(SyscallCall& call) override;

 private:
  void set_name(SyscallCall& call, char* field);
  void adjust_auxv(SyscallCall& call);

  Names names_{};
  std::int64_t hwcap_ = -1;  // -1: the kernel's
  bool fake_root_checked_ = false;
  bool force_ = false;
};

}  // namespace ptvm
