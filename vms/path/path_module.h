// The path VM (`ptvm proot`, `ptvm run --rootfs/--bind/--cwd`): PRoot's chroot, bindings and
// cwd on the module contract. Every path argument of every call is walked the guest's way
// (resolve.h) and rewritten into scratch memory when its host path differs; paths the kernel
// returns are given back as the guest sees them (getcwd, readlink of links and of /proc's magic
// links: both emulated, so no exit stop); execve takes the program, its `#!` interpreter and its
// ELF interpreter (PT_INTERP, run explicitly: the kernel would take the host's) from the guest.
//
// Fail closed: a call that takes a path the module does not know how to translate (a newer
// kernel's, fsconfig's paths) is refused with ENOSYS and one message on stderr; it never runs
// on an untranslated path. No per-process state of its own: the kernel keeps every process's
// cwd and directory fds (fork, exec, chdir, fchdir, dup, close), and the module reads them from
// /proc/TID/cwd and /proc/TID/fd/N when a relative path needs them. The exceptions, kept in
// tables: the program a process was started as through the guest's loader (/proc/N/exe), and
// the name a process entered its cwd by where the host directory has several (getcwd).
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>

#include "core/module.h"
#include "vms/path/path_map.h"
#include "vms/path/qemu.h"
#include "vms/path/resolve.h"

namespace ptvm {

class PathModule final : public Module, public path::ExeLookup, public path::CwdNames {
 public:
  PathModule() = default;
  PathModule(const PathModule&) = delete;

  path::PathMap& map() { return map_; }
  const path::PathMap& map() const { return map_; }

  const char* name() const override { return "path"; }
  Interest interest() const override;
  void on_entry(SyscallCall& call) override;
  void on_exit(SyscallCall& call) override;
  void on_process_exit(pid_t tid, int wait_status) override;
  bool refuses_foreign_abi() const override { return !map_.identity(); }

  bool exe_of(pid_t pid, char* guest_out) const override;
  bool cwd_name(pid_t pid, const char* host, char* guest_out) override;
  // The guest directory ptvm starts the program in (-w): its name until it changes directory.
  void set_initial_cwd(const char* guest);
  // -q: foreign programs run by QEMU (qemu.h); set up before the run.
  path::QemuConfig& qemu() { return qemu_; }

  // The calls whose path arguments the module rewrites (by rule) or emulates: every call of the
  // syscall table with a `path` argument must be among them (a unit test checks it).
  static bool handles(long nr);

 private:
  void translate_args(SyscallCall& call);
  void execve(SyscallCall& call, bool at);
  void readlink(SyscallCall& call, bool at);
  void getcwd(SyscallCall& call);
  void namespaces(SyscallCall& call);
  void refuse(SyscallCall& call, const char* why);

  path::Walk walk_for(const SyscallCall& call) {
    return path::Walk{map_, call.pid(), call.tid(), this, false, &dirs_, this};
  }

  path::PathMap map_;
  path::DirCache dirs_;
  path::QemuConfig qemu_;

  // The program each process runs, where the kernel's /proc/N/exe names the guest's loader.
  struct Exe {
    pid_t pid = 0;
    char host_loader[PATH_MAX];
    char guest[PATH_MAX];
  };
  static constexpr std::size_t kMaxExes = 256;
  Exe exes_[kMaxExes];
  std::size_t next_exe_ = 0;
  // The name each process entered its working directory by (chdir; a new process starts with
  // its parent's, the program with ptvm's -w): only consulted where a host directory has more
  // than one guest name, and only while it still leads there.
  struct Cwd {
    pid_t pid = 0;
    char guest[PATH_MAX];
  };
  static constexpr std::size_t kMaxCwds = 64;  // more processes: the oldest names go
  Cwd* cwd_entry(pid_t pid);
  void remember_cwd(pid_t pid, const char* guest);
  Cwd cwds_[kMaxCwds];
  std::size_t next_cwd_ = 0;
  char initial_cwd_[PATH_MAX] = "";
  // The execve in flight per thread group is in the thread's storage (pending until it works).
 public:
  std::size_t thread_storage_size() const override;

 private:
  std::uint64_t refused_[8] = {};  // calls refused so far (one message each)
};

}  // namespace ptvm
