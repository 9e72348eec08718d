// The fakeroot VM (`ptvm fakeroot`, `ptvm proot -0`): the program is root for itself. Its ids
// are 0 (set*id succeed and are remembered per thread, inherited by new threads and children);
// chown, chmod and mknod of devices succeed and are remembered in a FakeDb keyed by (device,
// inode); every stat shows the remembered owner, mode and device number, and files nobody changed
// as owned by 0:0 (or their real owner with `unknown_is_real`; PRoot's way with
// set_runner_ids()). The kernel's own permission checks
// still apply: a chmod is done for real with the owner's read and write bits kept (a fake `chmod
// 000` must not lock the fake root out), a device is a placeholder regular file.
//
// The module uses only core/ and raw system calls, so the same code runs in ptvm (ptrace
// backend) and in the in-process runtime; the FakeDb is shared by both. It sits below a path VM
// in a stack: it sees host paths, which it stats for the inode a call is about (in the calling
// process's context: /proc/TID/cwd and /proc/TID/fd/N from ptvm, the paths themselves
// in-process).
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <cstdint>

#include "core/module.h"
#include "vms/fakeroot/fake_db.h"

namespace ptvm::fakeroot {

// A thread's ids as the program sees them (the kernel's credentials are per thread; kept across
// execve through the FakeDb where the module's memory does not survive it: in-process).
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
      : db_(db), unknown_is_real_(unknown_is_real) {
    zero_threads();
  }
  // In memory known to be zero (the in-process runtime's, fresh at every exec): the thread
  // tables are not written, so that an image touches only the pages of the slots it uses.
  struct InZeroedMemory {};
  FakerootModule(FakeDb& db, bool unknown_is_real, InZeroedMemory)
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
  // PRoot's -0 and -i: a file nobody changed shows its real owner, except that the files of the
  // user running ptvm (`uid`, and group `gid`) show the initial ids (PRoot: "make the current
  // user and group appear as" them).
  void set_runner_ids(std::uint32_t uid, std::uint32_t gid) {
    runner_ = true;
    runner_uid_ = uid;
    runner_gid_ = gid;
  }
  // What the two above set (the in-process runtime's configuration carries them).
  std::uint32_t initial_uid() const { return initial_uid_; }
  std::uint32_t initial_gid() const { return initial_gid_; }
  bool has_runner() const { return runner_; }
  std::uint32_t runner_uid() const { return runner_uid_; }
  std::uint32_t runner_gid() const { return runner_gid_; }
  bool unknown_is_real() const { return unknown_is_real_; }
  FakeDb& db() { return db_; }
  // The memfd holding the table (`bytes` long) in ptvm: the in-process runtime maps it too.
  void set_shared(int fd, std::size_t bytes) {
    shared_fd_ = fd;
    shared_bytes_ = bytes;
  }
  // The module runs inside the program (the in-process runtime): it stats paths as they are,
  // not through /proc/TID. Called as the runtime starts in a new image: the ids kept by the
  // execve that started it are taken at once (a child forked before the image's first id call
  // must find them).
  void set_in_process();
  int shared_fd() const { return shared_fd_; }
  std::size_t shared_bytes() const { return shared_bytes_; }

 private:
  // Per thread, as the kernel keeps them (glibc's set*id make every thread do the call itself:
  // a second thread must not see the first one's effect), in the module's memory: in-process
  // each process has its own copy (fork copies it), in ptvm one table for the run. A new thread
  // takes its creator's, a new process its forking thread's: the thread that entered a clone,
  // fork or vfork last, in the process (a thread) or in its parent (a process; in-process, the
  // last one of the copy the fork made).
  // Room for the live threads of the run (ptvm's one table for every process, on ptrace), and
  // the part an in-process image uses (its own process's threads: only those pages are touched).
  // When more threads live than that, a new one takes the slot of one (thread_slot's last resort).
  static constexpr int kThreads = 8192;
  static constexpr int kInProcessThreads = 1024;
  // The slot of thread `tid` of process `pid` (-1: none); `pid` 0: any process.
  int slot_of(pid_t pid, pid_t tid) const;
  // The slot of the calling thread, taken (with the ids it inherits) if it has none.
  int thread_slot(pid_t pid, pid_t tid);
  void zero_threads() {
    used_ = 0;
    for (ThreadIds& t : ids_) t.tid = t.pid = 0;
  }
  // Slots [0, used()) may be taken; none above was ever.
  int used() const {
    const int n = __atomic_load_n(&used_, __ATOMIC_ACQUIRE);
    return n < threads_ ? n : threads_;
  }
  Credentials& credentials(SyscallCall& call) {
    return slots()[thread_slot(call.pid(), call.tid())].creds;
  }
  // What a thread the module has not seen yet has (see above), and the slot of the thread of
  // process `pid` that entered a clone last (-1: none; `pid` 0: of any process).
  Credentials inherited(pid_t pid, pid_t tid);
  int creator_in(pid_t pid) const;
  // A slot for thread `tid` of process `pid` holding `c`.
  int claim(pid_t pid, pid_t tid, const Credentials& c);
  void release(int slot);
  void ids_entry(SyscallCall& call);
  void set_ids(SyscallCall& call, Credentials& c);
  void xattr_entry(SyscallCall& call);
  void caps_entry(SyscallCall& call, Credentials& c);

  // The owner and group a file without a record shows; its owner and mode as the program sees
  // them (the record, else the real ones with those).
  std::uint32_t unknown_uid(std::uint32_t real) const;
  std::uint32_t unknown_gid(std::uint32_t real) const;
  Record seen(const struct stat& st) const;

  FakeDb& db_;
  bool unknown_is_real_;
  bool runner_ = false;
  std::uint32_t runner_uid_ = 0, runner_gid_ = 0;
  std::uint32_t initial_uid_ = 0, initial_gid_ = 0;
  int shared_fd_ = -1;
  std::size_t shared_bytes_ = 0;
  bool in_process_ = false;
  int threads_ = kThreads;  // the slots there are: kInProcessThreads in-process
  std::uint64_t clone_count_ = 0;
  // The slots up to the highest ever taken: lookups and the search for a free one stop there
  // (a new in-process image, every exec, reads none and takes slot 0; its fork children, 1...).
  // (No initializers: zero_threads() clears them, unless the memory is zero already.)
  int used_;
  // The threads apart from their credentials, next to the fields above: a lookup reads a few
  // cache lines, and an image's first slot shares their page.
  struct ThreadIds {
    pid_t tid;  // 0: free
    pid_t pid;  // its process (thread group)
  };
  ThreadIds ids_[kThreads];
  struct Slot {
    std::uint64_t clones;  // clone_count_ at its last clone, fork or vfork
    Credentials creds;
  };
  // Written when a slot is taken, never before: a new in-process runtime (every exec) touches
  // none of these 900 KiB but the slots it uses.
  Slot* slots() { return reinterpret_cast<Slot*>(slot_bytes_); }
  const Slot* slots() const { return reinterpret_cast<const Slot*>(slot_bytes_); }
  alignas(Slot) unsigned char slot_bytes_[kThreads * sizeof(Slot)];
};

}  // namespace ptvm::fakeroot
