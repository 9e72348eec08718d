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
#include <span>

#include "core/module.h"
#include "vms/path/exe_table.h"
#include "vms/path/path_map.h"
#include "vms/path/qemu.h"
#include "vms/path/resolve.h"

namespace ptvm {

class PathModule final : public Module, public path::ExeLookup, public path::CwdNames {
 public:
  PathModule() = default;
  PathModule(const PathModule&) = delete;

  // The map being set up (ptvm's side).
  path::PathMap& edit_map() { return map_; }
  // The map in use: the module's own, or one shared with it (use_map).
  const path::PathMap& map() const { return shared_map_ ? *shared_map_ : map_; }
  // In-process: the map in the run's configuration, read where it is (a map is half a megabyte:
  // each binding would cost every process two pages to copy).
  void use_map(const path::PathMap* shared) { shared_map_ = shared; }

  const char* name() const override { return "path"; }
  Interest interest() const override;
  void on_entry(SyscallCall& call) override;
  void on_exit(SyscallCall& call) override;
  void on_process_exit(pid_t tid, int wait_status) override;
  bool refuses_foreign_abi() const override { return !map().identity(); }

  bool exe_of(pid_t pid, char* guest_out) const override;
  bool cwd_name(pid_t pid, const char* host, char* guest_out) override;
  // The guest directory ptvm starts the program in (-w): its name until it changes directory.
  void set_initial_cwd(const char* guest);
  const char* initial_cwd() const { return initial_cwd_; }

  // In-process (the runtime in the program, runtime/main): execve is not rewritten, since the
  // runtime's loader opens the program, its `#!` interpreters and its PT_INTERP itself, each
  // through guest_to_host(); the new image is told what /proc/self/exe is (set_exe) and by which
  // name the process entered its cwd (cwd_hint).
  void set_in_process() { in_process_ = true; }
  // Process `pid` runs the guest program `guest`, where the kernel's /proc/PID/exe says
  // `kernel_exe` (the guest's loader, or the runtime).
  void set_exe(pid_t pid, const char* kernel_exe, const char* guest);
  // The run's table of every process's program (in-process: shared by all processes, so that
  // /proc/N/exe of another process is answered too); set_exe writes it.
  void share_exes(path::ExeTable* table) { shared_exes_ = table; }
  // The name process `pid` entered its working directory by (its parent's, or -w's, if it has
  // not changed directory): for its next image.
  const char* cwd_hint(pid_t pid);
  // `path` as the calling thread names it (relative to `dirfd`), walked the guest's way: its host
  // path and its canonical guest path (both PATH_MAX). 0 or -errno (ENAMETOOLONG, ELOOP...); a
  // path whose walk stopped short keeps its rest, so that opening it fails as the kernel would.
  long guest_to_host(pid_t pid, pid_t tid, int dirfd, const char* path, bool follow, char* host,
                     char* guest);
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
    return path::Walk{map(), call.pid(), call.tid(), this, false, &dirs_, this};
  }

  path::PathMap map_;
  const path::PathMap* shared_map_ = nullptr;
  path::DirCache dirs_;
  path::QemuConfig qemu_;

  // The program each process runs, where the kernel's /proc/N/exe names the guest's loader (or,
  // in-process, the runtime). No initializers in these tables: only the entries below *_used_
  // are ever read, so a new module touches none of their megabytes (the in-process runtime
  // builds one in every process it starts).
  struct Exe {
    pid_t pid;
    char host_loader[PATH_MAX];
    char guest[PATH_MAX];
  };
  static constexpr std::size_t kMaxExes = 256;
  Exe exes_[kMaxExes];
  std::size_t exes_used_ = 0;
  std::size_t next_exe_ = 0;
  std::span<Exe> exes() { return {exes_, exes_used_}; }
  std::span<const Exe> exes() const { return {exes_, exes_used_}; }
  Exe* new_exe();
  // The name each process entered its working directory by (chdir; a new process starts with
  // its parent's, the program with ptvm's -w): only consulted where a host directory has more
  // than one guest name, and only while it still leads there.
  struct Cwd {
    pid_t pid;
    char guest[PATH_MAX];
  };
  static constexpr std::size_t kMaxCwds = 64;  // more processes: the oldest names go
  Cwd* cwd_entry(pid_t pid);
  void remember_cwd(pid_t pid, const char* guest);
  Cwd cwds_[kMaxCwds];
  std::size_t cwds_used_ = 0;
  std::size_t next_cwd_ = 0;
  char initial_cwd_[PATH_MAX] = "";
  // The execve in flight per thread group is in the thread's storage (pending until it works).
 public:
  std::size_t thread_storage_size() const override;

 private:
  std::uint64_t refused_[8] = {};  // calls refused so far (one message each)
  bool in_process_ = false;
  path::ExeTable* shared_exes_ = nullptr;
};

}  // namespace ptvm
