#include "backend/ptrace/seccomp_filter.h"

#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <memory>

#include "core/raw_syscall.h"

namespace ptvm {

Result<SeccompFilter> SeccompFilter::compile(const SyscallSet& traced, bool refuse_foreign_abi) {
  std::unique_ptr<void, void (*)(scmp_filter_ctx)> ctx(seccomp_init(SCMP_ACT_ALLOW),
                                                       seccomp_release);
  if (!ctx) return std::unexpected(Error::guest(ENOMEM));
  int rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_ACT_BADARCH,
                            refuse_foreign_abi ? SCMP_ACT_ERRNO(ENOSYS) : SCMP_ACT_TRACE(0));
  // A binary tree of comparisons rather than a linear list (libseccomp 2.5+).
  if (rc == 0) seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_OPTIMIZE, 2);
  // The filter is loaded by hand in the child (install()); libseccomp must not set NNP.
  if (rc == 0) rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_NNP, 0);
  traced.for_each([&](long nr) {
    if (rc == 0) rc = seccomp_rule_add(ctx.get(), SCMP_ACT_TRACE(0), static_cast<int>(nr), 0);
  });
  if (rc < 0) return std::unexpected(Error::guest(-rc));

  // libseccomp exports BPF to a file descriptor only (2.5): through a memfd.
  const int fd = memfd_create("ptvm-seccomp", MFD_CLOEXEC);
  if (fd < 0) return std::unexpected(Error::guest(errno));
  rc = seccomp_export_bpf(ctx.get(), fd);
  SeccompFilter filter;
  if (rc == 0) {
    const off_t size = lseek(fd, 0, SEEK_END);
    filter.program_.resize(static_cast<std::size_t>(size) / sizeof(sock_filter));
    if (pread(fd, filter.program_.data(), size, 0) != size) rc = -EIO;
  }
  close(fd);
  if (rc < 0) return std::unexpected(Error::guest(-rc));
  return filter;
}

int SeccompFilter::install() const {
  sock_fprog prog{static_cast<unsigned short>(program_.size()),
                  const_cast<sock_filter*>(program_.data())};
  long rc = raw_syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, reinterpret_cast<long>(&prog));
  if (rc == -EACCES) {  // no CAP_SYS_ADMIN: the kernel wants no_new_privs first
    raw_syscall(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    rc = raw_syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, reinterpret_cast<long>(&prog));
  }
  return static_cast<int>(rc);
}

}  // namespace ptvm
