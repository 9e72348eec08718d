#include "vms/path/path_module.h"

#include <fcntl.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <sched.h>
#include <sys/inotify.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <cerrno>

#include "core/cstr.h"
#include "core/raw_syscall.h"
#include "core/syscall_numbers.h"
#include "core/syscall_table.h"
#include "vms/path/exec_image.h"
#include "vms/path/socket_paths.h"

namespace ptvm {

using cstr::copy;
using cstr::length;

namespace {

// How a call treats the last component of one of its paths.
enum class Follow : std::uint8_t {
  yes,
  no,          // not followed (but a trailing slash follows it, as the kernel's lookup does)
  never,       // the name a call creates, removes or renames: not followed, even before a slash
  open_flags,  // O_NOFOLLOW, or O_CREAT|O_EXCL: not followed
  unless_bit,  // followed unless flags & bit (AT_SYMLINK_NOFOLLOW...)
  if_bit,      // followed only with flags & bit (AT_SYMLINK_FOLLOW...)
};

struct PathArg {
  std::int8_t dirfd = -1;  // argument holding the directory fd; -1: the cwd
  std::int8_t path = -1;   // -1: no path
  Follow follow = Follow::yes;
  std::int8_t flags = -1;  // argument the rule reads
  std::uint32_t bit = 0;
};

struct CallRule {
  long nr;
  PathArg paths[2];
};

constexpr std::uint32_t kNoFollow = AT_SYMLINK_NOFOLLOW, kFollow = AT_SYMLINK_FOLLOW;

// Every call with path arguments that the module rewrites by rule. The rest (kByHand: execve,
// execveat, readlink, readlinkat, getcwd, chroot, openat2, mount, and the calls refused in part
// or whole: fsconfig, bpf, io_uring_setup, the namespace calls) are handled by hand below, and
// AF_UNIX names in socket_paths.
constexpr CallRule kRules[] = {
    {SYS_open, {{-1, 0, Follow::open_flags, 1}}},
    {SYS_creat, {{-1, 0}}},
    {SYS_stat, {{-1, 0}}},
    {SYS_lstat, {{-1, 0, Follow::no}}},
    {SYS_access, {{-1, 0}}},
    {SYS_truncate, {{-1, 0}}},
    {SYS_chdir, {{-1, 0}}},
    {SYS_rename, {{-1, 0, Follow::never}, {-1, 1, Follow::never}}},
    {SYS_mkdir, {{-1, 0, Follow::never}}},
    {SYS_rmdir, {{-1, 0, Follow::never}}},
    {SYS_link, {{-1, 0, Follow::no}, {-1, 1, Follow::never}}},
    {SYS_unlink, {{-1, 0, Follow::never}}},
    {SYS_symlink, {{-1, 1, Follow::never}}},  // the target is text, not a path to translate
    {SYS_chmod, {{-1, 0}}},
    {SYS_chown, {{-1, 0}}},
    {SYS_lchown, {{-1, 0, Follow::no}}},
    {SYS_utime, {{-1, 0}}},
    {SYS_utimes, {{-1, 0}}},
    {SYS_mknod, {{-1, 0, Follow::never}}},
    {SYS_uselib, {{-1, 0}}},
    {SYS_statfs, {{-1, 0}}},
    {SYS_pivot_root, {{-1, 0}, {-1, 1}}},
    {SYS_acct, {{-1, 0}}},
    {SYS_umount2, {{-1, 0, Follow::unless_bit, 1, UMOUNT_NOFOLLOW}}},
    {SYS_swapon, {{-1, 0}}},
    {SYS_swapoff, {{-1, 0}}},
    {SYS_quotactl, {{-1, 1}}},
    {SYS_setxattr, {{-1, 0}}},
    {SYS_getxattr, {{-1, 0}}},
    {SYS_listxattr, {{-1, 0}}},
    {SYS_removexattr, {{-1, 0}}},
    {SYS_lsetxattr, {{-1, 0, Follow::no}}},
    {SYS_lgetxattr, {{-1, 0, Follow::no}}},
    {SYS_llistxattr, {{-1, 0, Follow::no}}},
    {SYS_lremovexattr, {{-1, 0, Follow::no}}},
    {SYS_inotify_add_watch, {{-1, 1, Follow::unless_bit, 2, IN_DONT_FOLLOW}}},
    {SYS_openat, {{0, 1, Follow::open_flags, 2}}},
    {SYS_mkdirat, {{0, 1, Follow::never}}},
    {SYS_mknodat, {{0, 1, Follow::never}}},
    {SYS_fchownat, {{0, 1, Follow::unless_bit, 4, kNoFollow}}},
    {SYS_futimesat, {{0, 1}}},
    {SYS_newfstatat, {{0, 1, Follow::unless_bit, 3, kNoFollow}}},
    {SYS_unlinkat, {{0, 1, Follow::never}}},
    {SYS_renameat, {{0, 1, Follow::never}, {2, 3, Follow::never}}},
    {SYS_renameat2, {{0, 1, Follow::never}, {2, 3, Follow::never}}},
    {SYS_linkat, {{0, 1, Follow::if_bit, 4, kFollow}, {2, 3, Follow::never}}},
    {SYS_symlinkat, {{1, 2, Follow::never}}},
    {SYS_fchmodat, {{0, 1}}},
    {SYS_fchmodat2, {{0, 1, Follow::unless_bit, 3, kNoFollow}}},
    {SYS_faccessat, {{0, 1}}},
    {SYS_faccessat2, {{0, 1, Follow::unless_bit, 3, kNoFollow}}},
    {SYS_utimensat, {{0, 1, Follow::unless_bit, 3, kNoFollow}}},
    {SYS_fanotify_mark, {{3, 4, Follow::unless_bit, 1, 0x4 /* FAN_MARK_DONT_FOLLOW */}}},
    {SYS_name_to_handle_at, {{0, 1, Follow::if_bit, 4, kFollow}}},
    {SYS_statx, {{0, 1, Follow::unless_bit, 2, kNoFollow}}},
    {SYS_open_tree, {{0, 1, Follow::unless_bit, 2, kNoFollow}}},
    {SYS_open_tree_attr, {{0, 1, Follow::unless_bit, 2, kNoFollow}}},
    {SYS_move_mount,
     {{0, 1, Follow::if_bit, 4, MOVE_MOUNT_F_SYMLINKS},
      {2, 3, Follow::if_bit, 4, MOVE_MOUNT_T_SYMLINKS}}},
    {SYS_fspick, {{0, 1, Follow::unless_bit, 2, FSPICK_SYMLINK_NOFOLLOW}}},
    {SYS_mount_setattr, {{0, 1, Follow::unless_bit, 2, kNoFollow}}},
    {SYS_setxattrat, {{0, 1, Follow::unless_bit, 2, kNoFollow}}},
    {SYS_getxattrat, {{0, 1, Follow::unless_bit, 2, kNoFollow}}},
    {SYS_listxattrat, {{0, 1, Follow::unless_bit, 2, kNoFollow}}},
    {SYS_removexattrat, {{0, 1, Follow::unless_bit, 2, kNoFollow}}},
    {SYS_file_getattr, {{0, 1, Follow::unless_bit, 4, kNoFollow}}},
    {SYS_file_setattr, {{0, 1, Follow::unless_bit, 4, kNoFollow}}},
};

constexpr long kByHand[] = {SYS_execve,   SYS_execveat, SYS_readlink,       SYS_readlinkat,
                            SYS_getcwd,   SYS_chroot,   SYS_openat2,        SYS_mount,
                            SYS_fsconfig, SYS_bpf,      SYS_io_uring_setup, SYS_unshare,
                            SYS_setns,    SYS_clone,    SYS_clone3};

const CallRule* rule_of(long nr) {
  for (const CallRule& r : kRules) {
    if (r.nr == nr) return &r;
  }
  return nullptr;
}

// Calls after which a name may mean something else (a directory replaced by a link, a mount):
// the directory cache starts anew at their entry and again at their exit.
bool changes_names(long nr) {
  switch (nr) {
    case SYS_rename:
    case SYS_renameat:
    case SYS_renameat2:
    case SYS_unlink:
    case SYS_unlinkat:
    case SYS_rmdir:
    case SYS_symlink:
    case SYS_symlinkat:
    case SYS_mount:
    case SYS_umount2:
    case SYS_move_mount:
    case SYS_pivot_root:
      return true;
    default:
      return false;
  }
}

// File systems whose mount source is a name ("proc", "none") and whose options name no path.
bool pseudo_file_system(const char* type) {
  static constexpr const char* kTypes[] = {
      "proc",     "sysfs", "tmpfs",     "devpts",      "mqueue",   "cgroup",     "cgroup2",
      "devtmpfs", "ramfs", "hugetlbfs", "tracefs",     "debugfs",  "securityfs", "configfs",
      "pstore",   "bpf",   "fusectl",   "binfmt_misc", "efivarfs", "autofs"};
  for (const char* t : kTypes) {
    if (cstr::length(t) == cstr::length(type) && cstr::starts_with(type, t)) return true;
  }
  return false;
}

bool by_hand(long nr) {
  for (long n : kByHand) {
    if (n == nr) return true;
  }
  return false;
}

bool follows(const PathArg& p, const SyscallCall& call, std::uint64_t open_flags) {
  switch (p.follow) {
    case Follow::yes:
      return true;
    case Follow::no:
    case Follow::never:
      return false;
    case Follow::open_flags:
      return !(open_flags & O_NOFOLLOW) && !((open_flags & O_CREAT) && (open_flags & O_EXCL));
    case Follow::unless_bit:
      return !(call.arg(p.flags) & p.bit);
    case Follow::if_bit:
      return (call.arg(p.flags) & p.bit) != 0;
  }
  return true;
}

// One message per refused call, on ptvm's (or, in-process, the program's) stderr.
void say(const char* a, const char* b, const char* c) {
  for (const char* s : {a, b, c}) {
    raw_syscall(SYS_write, 2, reinterpret_cast<long>(s), static_cast<long>(length(s)));
  }
}

// The module's per-thread storage: what a call's exit needs from its entry.
struct ThreadState {
  path::PendingExec exec;
  path::PendingName name;
};

ThreadState& state_of(SyscallCall& call) {
  return *reinterpret_cast<ThreadState*>(call.storage());
}

}  // namespace

bool PathModule::handles(long nr) {
  return rule_of(nr) != nullptr || by_hand(nr);
}

Interest PathModule::interest() const {
  Interest i;
  if (map().identity()) return i;  // `-r /` without bindings: the host's view, nothing to do
  for (long nr = 0; nr < kMaxSyscall; ++nr) {
    const SyscallInfo* info = syscall_info(nr);
    // Unknown numbers (a kernel newer than the table) are refused: they may take a path.
    if (!info) {
      i.calls.add(nr);
      continue;
    }
    bool has_path = handles(nr) || path::names_in(nr) || path::names_out(nr);
    for (int a = 0; a < info->nargs; ++a) has_path |= info->args[a] == ArgKind::path;
    if (has_path) i.calls.add(nr);
  }
  return i;
}

std::size_t PathModule::thread_storage_size() const {
  return sizeof(ThreadState);
}

void PathModule::refuse(SyscallCall& call, const char* why) {
  const long nr = call.nr();
  const std::uint64_t bit = std::uint64_t{1} << (nr % 64);
  if (nr >= 0 && nr < 512 && !(refused_[nr / 64] & bit)) {
    refused_[nr / 64] |= bit;
    const SyscallInfo* info = syscall_info(nr);
    char number[24];
    put_decimal(number, nr);
    say("ptvm: path VM refuses system call ", info ? info->name : number, ": ");
    say(why, " (ENOSYS)\n", "");
  }
  call.answer_error(ENOSYS);
}

void PathModule::on_entry(SyscallCall& call) {
  const long nr = call.nr();
  switch (nr) {
    case SYS_execve:
      return execve(call, false);
    case SYS_execveat:
      return execve(call, true);
    case SYS_readlink:
      return readlink(call, false);
    case SYS_readlinkat:
      return readlink(call, true);
    case SYS_getcwd:
      return getcwd(call);
    case SYS_io_uring_setup:
      // Its operations (openat, statx, renameat...) take paths the module never sees.
      return refuse(call, "io_uring's operations take paths the path VM cannot translate");
    case SYS_fsconfig:
      // Only flags and the create/reconfigure commands: a string or path parameter may name a
      // host path (overlay's lowerdir=, a source).
      if (call.arg(1) != 0 && call.arg(1) != 6 && call.arg(1) != 7 && call.arg(1) != 8) {
        refuse(call, "fsconfig with a string or path parameter");
      }
      return;
    case SYS_bpf:
      // BPF_OBJ_PIN and BPF_OBJ_GET name a path in bpffs inside their attributes.
      if (call.arg(0) == 6 || call.arg(0) == 7) refuse(call, "bpf's pinning by path");
      return;
    case SYS_unshare:
    case SYS_setns:
    case SYS_clone:
    case SYS_clone3:
      return namespaces(call);
    default:
      break;
  }
  if (path::names_in(nr)) {
    const path::Walk walk = walk_for(call);
    return path::translate_name(call, walk);
  }
  if (path::names_out(nr)) return path::want_name(call, state_of(call).name);
  if (!handles(nr)) {
    return refuse(call, syscall_info(nr) ? "a path argument the path VM does not translate"
                                         : "a system call unknown to ptvm");
  }
  if (changes_names(nr)) {
    // The cache is unused from here until on_exit, however late that comes (through the
    // trampoline: at the thread's next stop), so it never outlives the change; the result is
    // all the exit needs, so the call still costs one stop.
    dirs_.change_begins();
    call.see_result();
  }
  translate_args(call);  // (refused: on_exit runs at once, and the change ends there)
}

void PathModule::translate_args(SyscallCall& call) {
  const long nr = call.nr();
  PathArg args[2];
  std::uint64_t open_flags = 0;
  path::Walk walk = walk_for(call);
  if (const CallRule* r = rule_of(nr)) {
    args[0] = r->paths[0];
    args[1] = r->paths[1];
  } else if (nr == SYS_chroot) {
    args[0] = {-1, 0};
  } else if (nr == SYS_mount) {
    args[0] = {-1, 1};
    // The source is a path for bind and move mounts; a new mount's options may name paths
    // (overlay's lowerdir=) and its source a device file: only file systems without either.
    const std::uint64_t flags = call.arg(3);
    if (!(flags &
          (MS_BIND | MS_MOVE | MS_REMOUNT | MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE))) {
      char type[32] = {};
      if (call.arg(2) == 0 ||
          !call.memory().read_string(RemotePtr<char>(call.arg(2)), type, sizeof type) ||
          !pseudo_file_system(type)) {
        return refuse(call, "mount of a file system whose source or options name paths");
      }
    } else if (flags & (MS_BIND | MS_MOVE)) {
      args[1] = {-1, 0};
    }
  } else if (nr == SYS_openat2) {
    open_how how{};
    if (call.arg(2) == 0 || call.arg(3) < sizeof how ||
        !call.memory().read(RemotePtr<void>(call.arg(2)), &how, sizeof how)) {
      return;  // EFAULT or EINVAL from the kernel, before any path is looked at
    }
    // Resolution confined beneath the dirfd: the kernel keeps it there, inside the guest.
    if (how.resolve & (RESOLVE_BENEATH | RESOLVE_IN_ROOT)) return;
    walk.no_symlinks = (how.resolve & RESOLVE_NO_SYMLINKS) != 0;
    args[0] = {0, 1, Follow::open_flags};
    open_flags = how.flags;
  }
  if (args[0].follow == Follow::open_flags) {
    open_flags = nr == SYS_openat2 ? open_flags : call.arg(args[0].flags);
  }

  char paths[2][PATH_MAX];
  Batch batch;
  int which[2];
  int n = 0;
  for (int k = 0; k < 2; ++k) {
    if (args[k].path < 0 || call.arg(args[k].path) == 0) continue;
    batch.read_string(RemotePtr<char>(call.arg(args[k].path)), paths[n], PATH_MAX);
    which[n++] = k;
  }
  if (n == 0) return;
  call.memory().run(batch);
  char out[2][PATH_MAX];
  int changed[2];
  int m = 0;
  for (int j = 0; j < n; ++j) {
    // Unreadable: the kernel's EFAULT. Too long: its ENAMETOOLONG.
    if (!batch[j].executed) return;
    if (batch[j].truncated) return call.answer_error(ENAMETOOLONG);
    const PathArg& a = args[which[j]];
    const char* p = paths[j];
    if (p[0] == 0) continue;  // AT_EMPTY_PATH (or the kernel's ENOENT): the dirfd itself
    char base[PATH_MAX] = "/", base_host[PATH_MAX] = "";
    if (p[0] != '/') {
      const long dirfd =
          a.dirfd < 0 ? AT_FDCWD : static_cast<long>(static_cast<int>(call.arg(a.dirfd)));
      if (int e = path::guest_dir(walk, dirfd, base, base_host)) {
        return call.answer_error(e);
      }
    }
    path::Resolved r;
    if (int e = path::resolve(walk, base, p, follows(a, call, open_flags), r,
                              a.follow != Follow::never)) {
      return call.answer_error(e);
    }
    if (nr == SYS_chdir && map().bindings() > 0) remember_cwd(call.pid(), r.guest);
    if (nr == SYS_chroot) {
      // Only a chroot to the guest's own root is emulated (a no-op); a real one would move the
      // guest out from under the path VM.
      if (r.complete && r.guest[0] == '/' && r.guest[1] == 0) return call.answer(0);
      struct stat st;
      const long e =
          raw_syscall(SYS_stat, reinterpret_cast<long>(r.host), reinterpret_cast<long>(&st));
      if (e < 0) return call.answer(e);
      return call.answer_error(S_ISDIR(st.st_mode) ? EPERM : ENOTDIR);
    }
    // Unchanged: the kernel walks the path as given to the same file (no link, no `..`, no
    // binding on the way of a relative path from its directory): no rewrite, no exit stop.
    if (path::same_walk(p, base_host, r.host)) continue;
    copy(out[m], r.host, length(r.host) + 1);
    changed[m++] = a.path;
  }
  const char* strings[2] = {out[0], out[1]};
  // Never the untranslated path: without scratch memory the call fails.
  if (m > 0 && !set_string_args(call, changed, strings, m)) call.answer_error(ENOMEM);
}

void PathModule::namespaces(SyscallCall& call) {
  // The walk happens in ptvm's mount namespace: a guest in a namespace of its own (a user
  // namespace makes one without privileges) would have its paths resolved in another tree, and
  // could bind a host link under a guest name. Refused, as in a chroot (EPERM).
  const long nr = call.nr();
  std::uint64_t flags = call.arg(0);
  if (nr == SYS_setns) return call.answer_error(EPERM);
  if (nr == SYS_clone3) {
    flags = 0;
    if (call.arg(0) != 0 && call.arg(1) >= sizeof flags &&
        !call.memory().read(RemotePtr<void>(call.arg(0)), &flags, sizeof flags)) {
      return;  // the kernel's EFAULT
    }
  }
  if (flags & (CLONE_NEWNS | CLONE_NEWUSER)) call.answer_error(EPERM);
}

void PathModule::readlink(SyscallCall& call, bool at) {
  const int p = at ? 1 : 0;
  const std::uint64_t buf = call.arg(p + 1);
  const long size = static_cast<int>(call.arg(p + 2));
  char guest[PATH_MAX];
  auto read = call.memory().read_string(RemotePtr<char>(call.arg(p)), guest, PATH_MAX);
  if (!read) return call.answer_error(read.error().errno_value());
  if (guest[0] == 0) return;  // readlinkat(fd, "") of an O_PATH link: the kernel's
  if (size <= 0) return call.answer_error(EINVAL);
  path::Walk walk = walk_for(call);
  char base[PATH_MAX] = "/";
  if (guest[0] != '/') {
    const long dirfd = at ? static_cast<long>(static_cast<int>(call.arg(0))) : AT_FDCWD;
    if (int e = path::guest_dir(walk, dirfd, base)) return call.answer_error(e);
  }
  char text[PATH_MAX];
  const long n = path::guest_readlink(walk, base, guest, text, static_cast<std::size_t>(size));
  if (n < 0) return call.answer(n);
  if (n > 0 && !call.memory().write(RemotePtr<void>(buf), text, static_cast<std::size_t>(n))) {
    return call.answer_error(EFAULT);
  }
  call.answer(n);
}

void PathModule::getcwd(SyscallCall& call) {
  char cwd[PATH_MAX];
  if (int e = path::guest_dir(walk_for(call), AT_FDCWD, cwd)) return call.answer_error(e);
  const std::size_t n = length(cwd) + 1;
  if (n > call.arg(1)) return call.answer_error(ERANGE);
  if (!call.memory().write(RemotePtr<void>(call.arg(0)), cwd, n)) return call.answer_error(EFAULT);
  call.answer(static_cast<long>(n));
}

void PathModule::on_process_exit(pid_t tid, int) {
  for (Exe& e : exes()) {
    if (e.pid == tid) e.pid = 0;
  }
  for (Cwd& c : std::span<Cwd>(cwds_, cwds_used_)) {
    if (c.pid == tid) c.pid = 0;
  }
}

PathModule::Cwd* PathModule::cwd_entry(pid_t pid) {
  for (Cwd& c : std::span<Cwd>(cwds_, cwds_used_)) {
    if (c.pid == pid) return &c;
  }
  return nullptr;
}

void PathModule::remember_cwd(pid_t pid, const char* guest) {
  Cwd* c = cwd_entry(pid);
  if (!c && cwds_used_ < kMaxCwds) c = &cwds_[cwds_used_++];
  if (!c) {
    c = &cwds_[next_cwd_];
    next_cwd_ = (next_cwd_ + 1) % kMaxCwds;
  }
  c->pid = pid;
  copy(c->guest, guest, length(guest) + 1);
}

void PathModule::set_initial_cwd(const char* guest) {
  copy(initial_cwd_, guest, length(guest) + 1);
}

const char* PathModule::cwd_hint(pid_t pid) {
  Cwd* c = cwd_entry(pid);
  if (!c) {
    // Not seen yet: a fork copied its parent's cwd (the program: ptvm's -w), taken once.
    const Cwd* parent = cwd_entry(parent_of(pid));
    remember_cwd(pid, parent ? parent->guest : initial_cwd_);
    c = cwd_entry(pid);
  }
  return c->guest;
}

bool PathModule::cwd_name(pid_t pid, const char* host, char* guest_out) {
  const Cwd* c = cwd_entry(pid);
  if (!c) {
    cwd_hint(pid);
    c = cwd_entry(pid);
  }
  char there[PATH_MAX];
  if (c->guest[0] != '/' || !map().to_host(c->guest, there) || !cstr::equal(there, host)) {
    return false;  // entered by another way since (fchdir, a failed chdir): the map's name
  }
  copy(guest_out, c->guest, length(c->guest) + 1);
  return true;
}

bool PathModule::exe_of(pid_t pid, char* guest_out) const {
  pid = thread_group_of(pid);  // /proc/TID/exe of a thread: its process's
  const pid_t asked = pid;
  // The process itself; else, for a child that has not called execve yet, its parent (whose
  // record a fork child would have inherited) when the child still runs the parent's loader.
  for (int round = 0; round < 2 && pid > 0; ++round) {
    const char* kernel_exe = nullptr;
    const char* guest = nullptr;
    for (const Exe& e : exes()) {
      if (e.pid == pid) {
        kernel_exe = e.host_loader;
        guest = e.guest;
      }
    }
    char shared_kernel_exe[PATH_MAX], shared_guest[PATH_MAX];
    if (!guest && shared_exes_ &&
        shared_exes_->get(pid, start_time_of(pid), shared_kernel_exe, shared_guest)) {
      kernel_exe = shared_kernel_exe;
      guest = shared_guest;
    }
    if (guest) {
      if (round == 1) {
        char proc[64];
        proc_path(proc, asked, "/exe");
        char host[PATH_MAX];
        const long r = raw_syscall(SYS_readlink, reinterpret_cast<long>(proc),
                                   reinterpret_cast<long>(host), PATH_MAX - 1);
        if (r < 0) return false;
        host[r] = 0;
        if (!cstr::equal(host, kernel_exe)) return false;
      }
      copy(guest_out, guest, length(guest) + 1);
      return true;
    }
    pid = parent_of(pid);
  }
  return false;
}

void PathModule::on_exit(SyscallCall& call) {
  if (changes_names(call.nr())) return dirs_.change_ends();
  if (path::names_out(call.nr())) return path::give_name(call, map(), state_of(call).name);
  path::PendingExec* pending = &state_of(call).exec;
  if (!pending->active) return;
  pending->active = false;
  if (call.unfinished() || call.result() != 0) return;
  const pid_t pid = call.pid();
  if (pending->host_loader[0] == 0) {  // a static program: the kernel's exe is right
    for (Exe& e : exes()) {
      if (e.pid == pid) e.pid = 0;
    }
    return;
  }
  set_exe(pid, pending->host_loader, pending->guest);
}

PathModule::Exe* PathModule::new_exe() {
  for (Exe& e : exes()) {
    if (e.pid == 0) return &e;
  }
  if (exes_used_ < kMaxExes) return &exes_[exes_used_++];
  Exe* slot = &exes_[next_exe_];
  next_exe_ = (next_exe_ + 1) % kMaxExes;
  return slot;
}

void PathModule::set_exe(pid_t pid, const char* kernel_exe, const char* guest) {
  Exe* slot = nullptr;
  for (Exe& e : exes()) {
    if (e.pid == pid) slot = &e;
  }
  if (!slot) slot = new_exe();
  slot->pid = pid;
  copy(slot->host_loader, kernel_exe, length(kernel_exe) + 1);
  copy(slot->guest, guest, length(guest) + 1);
  if (shared_exes_) shared_exes_->put(pid, start_time_of(pid), kernel_exe, guest);
}

long PathModule::guest_to_host(pid_t pid, pid_t tid, int dirfd, const char* path, bool follow,
                               char* host, char* guest) {
  const path::Walk walk{map(), pid, tid, this, false, &dirs_, this};
  char base[PATH_MAX] = "/";
  if (path[0] != '/') {
    if (int e = path::guest_dir(walk, dirfd, base)) return -e;
  }
  path::Resolved r;
  if (int e = path::resolve(walk, base, path, follow, r)) return -e;
  copy(host, r.host, length(r.host) + 1);
  copy(guest, r.guest, length(r.guest) + 1);
  return 0;
}

void PathModule::execve(SyscallCall& call, bool at) {
  // In-process the runtime's loader reads the program, its interpreters and its loader from the
  // guest (guest_to_host): the call goes on with the guest's names, as the guest gave them.
  if (in_process_) return;
  path::ExecRequest req;
  req.at = at;
  req.qemu = &qemu_;
  path::Walk walk = walk_for(call);
  path::PendingExec* pending = &state_of(call).exec;
  pending->active = false;
  const int e = path::plan_exec(call, walk, req, *pending);
  if (e < 0) return refuse(call, "execve");  // not reached: plan_exec gives errnos
  if (e > 0) return call.answer_error(e);
  if (pending->active) call.see_exit();
}

}  // namespace ptvm
