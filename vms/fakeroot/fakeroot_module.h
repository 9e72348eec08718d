// The fakeroot VM (`ptvm fakeroot`, `ptvm proot -0`): the program is root for itself. Its ids
// are 0 (set*id succeed and are remembered per process, inherited by children); chown, chmod
// and mknod of devices succeed and are remembered in a FakeDb keyed by (device, inode); every
// stat shows the remembered owner, mode and device number, and files nobody changed as owned by
// 0:0 (or their real owner with `unknown_is_real`). The kernel's own permission checks still
// apply: a chmod is done for real with the owner's read and write bits kept (a fake `chmod 000`
// must not lock the fake root out), a device is a placeholder regular file.
//
// The module uses only core/ and raw system calls, so the same code runs in ptvm (ptrace
// backend) and in the in-process runtime; the FakeDb is shared by both. It sits below a path VM
// in a stack: it sees host paths, which it stats for the inode a call is about (in the calling
// process's context: /proc/TID/cwd and /proc/TID/fd/N from ptvm, the paths themselves
// in-process).
#pragma once

#include <sys/types.h>

#include <cstdint>

#include "core/module.h"
#include "vms/fakeroot/fake_db.h"

namespace ptvm::fakeroot {

// A process's ids as the program sees them (kept across execve through the FakeDb where the
// module's memory does not survive it: in-process).
struct Credentials {
  std::uint32_t ruid = 0, euid = 0, suid = 0, fsuid = 0;
  std::uint32_t rgid = 0, egid = 0, sgid = 0, fsgid = 0;
  std::uint32_t ngroups = 1;
  static constexpr std::uint32_t kMaxGroups = 64;
  std::uint32_t groups[kMaxGroups] = {};
  // Capability sets, with the kernel's rules for root: all of them while the fake euid is 0.
  std::uint64_t cap_effective = 0, cap_permitted = 0, cap_inheritable = 0;
};
static_assert(sizeof(Credentials) <= FakeDb::kExecStateMax);

class FakerootModule final : public Module {
 public:
  explicit FakerootModule(FakeDb& db, bool unknown_is_real = false)
      : db_(db), unknown_is_real_(unknown_is_real) {}
  const char* name() const override { return "fakeroot"; }
  Interest interest() const override;
  std::size_t thread_storage_size() const override;
  void on_entry(SyscallCall& call) override;
  void on_exit(SyscallCall& call) override;
  void on_process_exit(pid_t tid, int wait_status) override;

  // The ids every process starts with (0 unless `ptvm proot -i UID:GID`).
  void set_initial_ids(std::uint32_t uid, std::uint32_t gid) {
    initial_uid_ = uid;
    initial_gid_ = gid;
  }
  bool unknown_is_real() const { return unknown_is_real_; }
  FakeDb& db() { return db_; }
  // The memfd holding the table (`bytes` long) in ptvm: the in-process runtime maps it too.
  void set_shared(int fd, std::size_t bytes) {
    shared_fd_ = fd;
    shared_bytes_ = bytes;
  }
  // The module runs inside the program (the in-process runtime): it stats paths as they are,
  // not through /proc/TID.
  void set_in_process() { in_process_ = true; }
  int shared_fd() const { return shared_fd_; }
  std::size_t shared_bytes() const { return shared_bytes_; }

 private:
  // Per process (thread group), in the module's memory: in-process each process has its own
  // copy (fork copies it), in ptvm one table for all, a child's entry copied from its parent's.
  // The ids apart from the credentials: a lookup reads 4 KiB, not the whole table.
  static constexpr int kProcesses = 1024;
  int slot_of(pid_t pid) const;
  Credentials& credentials(pid_t pid);
  void ids_entry(SyscallCall& call);
  void set_ids(SyscallCall& call, Credentials& c);
  void xattr_entry(SyscallCall& call);
  void caps_entry(SyscallCall& call, Credentials& c);

  FakeDb& db_;
  bool unknown_is_real_;
  std::uint32_t initial_uid_ = 0, initial_gid_ = 0;
  int shared_fd_ = -1;
  std::size_t shared_bytes_ = 0;
  bool in_process_ = false;
  pid_t pids_[kProcesses] = {};  // 0: free
  // Written when a slot is taken, never before: a new in-process runtime (every exec) touches
  // none of these 300 KiB but the slots it uses.
  Credentials* creds() { return reinterpret_cast<Credentials*>(creds_bytes_); }
  alignas(Credentials) unsigned char creds_bytes_[kProcesses * sizeof(Credentials)];
};

}  // namespace ptvm::fakeroot
