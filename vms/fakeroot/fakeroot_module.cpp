#include "vms/fakeroot/fakeroot_module.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/stat.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include <cerrno>
#include <cstddef>
#include <new>

#include "core/cstr.h"
#include "core/proc_files.h"
#include "core/raw_syscall.h"
#include "core/syscall_numbers.h"

namespace ptvm::fakeroot {
namespace {

constexpr std::uint32_t kUnset = 0xffffffffu;  // -1: "leave unchanged" in chown and set*id

// What a call's entry found, for its exit (per thread).
struct CallState {
  enum : std::uint8_t { kNone, kChmod, kMknod, kMkdir, kRemove, kStat, kExec } kind;
  bool have;  // the file existed at the entry
  bool is_dir;
  std::uint32_t nlink;
  std::uint32_t mode;       // the real mode at the entry
  std::uint32_t requested;  // chmod's and mknod's mode
  std::uint64_t dev, ino, rdev;
};

// Where a call's file is: a path relative to a directory descriptor (or absolute), or a
// descriptor (fchown, fchmod, fstat, and AT_EMPTY_PATH).
struct Target {
  long dirfd = AT_FDCWD;
  std::uint64_t path = 0;  // in the caller's memory; 0: the descriptor `dirfd` itself
  bool follow = true;
  bool empty_path_ok = false;  // AT_EMPTY_PATH
  // Without a name, how the kernel takes the descriptor: as an open file (fdget(): an O_PATH
  // descriptor is EBADF: fchown, the f*xattr calls) or through a lookup of the empty name (any
  // descriptor: fchownat(AT_EMPTY_PATH)); and whether AT_FDCWD is the cwd (a lookup; fsetxattr
  // and fgetxattr too since Linux 6.13) or EBADF (fchown, flistxattr, fremovexattr).
  bool open_file = false;
  bool cwd_ok = true;
};

// If `path` starts with a name that means "the calling process" (/proc/self, /proc/thread-self,
// /dev/fd, /dev/stdin...: glibc's fchmodat(AT_SYMLINK_NOFOLLOW) chmods /proc/self/fd/N), the
// tracee's own name for it in `out` and the rest of the path; else null. Not when the name is
// the whole path and is not followed (lstat, lchown): it is then the link itself, ptvm's too.
const char* own_name(const char* path, bool follow, pid_t pid, pid_t tid, char* out) {
  struct Alias {
    const char* name;
    int fd;  // -1: a directory
    bool thread;
  };
  static constexpr Alias kAliases[] = {{"/proc/self", -1, false}, {"/proc/thread-self", -1, true},
                                       {"/dev/fd", -1, true},     {"/dev/stdin", 0, true},
                                       {"/dev/stdout", 1, true},  {"/dev/stderr", 2, true}};
  for (const Alias& a : kAliases) {
    if (!cstr::starts_with(path, a.name)) continue;
    const char* rest = path + cstr::length(a.name);
    if (*rest != '/' && *rest != '\0') continue;
    if (*rest == '\0' && !follow) return nullptr;
    if (a.name[1] == 'd') {  // /dev/...: the tracee's descriptors
      if (a.fd >= 0) {
        proc_path(out, tid, "/fd/", a.fd);
      } else {
        proc_path(out, tid, "/fd");
      }
    } else if (a.thread) {
      proc_path(out, pid, "/task/", tid);
    } else {
      proc_path(out, pid, "");
    }
    return rest;
  }
  return nullptr;
}

// Whether descriptor `fd` of thread `tid` was opened with O_PATH (from ptvm: its fdinfo).
bool opened_as_path(pid_t tid, long fd) {
  char name[48] = "/fdinfo/";
  put_decimal(name + 8, fd);
  char text[512];
  if (read_proc(tid, name, text, sizeof text) <= 0) return false;
  const char* p = text;
  while (*p && !(cstr::starts_with(p, "flags:") && (p == text || p[-1] == '\n'))) ++p;
  if (!*p) return false;
  p += sizeof "flags:" - 1;
  while (*p == ' ' || *p == '\t') ++p;
  long flags = 0;
  for (; *p >= '0' && *p <= '7'; ++p) flags = flags * 8 + (*p - '0');
  return (flags & O_PATH) != 0;
}

// stat of `path` (the target's, read already: "" for none) in the calling process's context: its
// cwd and descriptors (`in_process`: the module runs in that process). 0 or -errno, the
// kernel's for the descriptor: EBADF for one that is not open (or negative, or O_PATH where the
// call wants an open file), ENOTDIR for a file where a directory was wanted.
long stat_at(SyscallCall& call, const Target& t, const char* path, bool in_process,
             struct stat* st) {
  const bool no_name = path[0] == '\0';
  if ((no_name || path[0] != '/') && t.dirfd < 0 &&
      !(t.dirfd == AT_FDCWD && (!no_name || t.cwd_ok))) {
    return -EBADF;
  }
  const long flags = t.follow ? 0 : AT_SYMLINK_NOFOLLOW;
  if (path[0] == '/' && !in_process) {
    // The names that mean the caller itself would mean ptvm here: they name the tracee's.
    char own[PATH_MAX + 64];
    if (const char* rest = own_name(path, t.follow, call.pid(), call.tid(), own); rest != nullptr) {
      const std::size_t at = cstr::length(own), n = cstr::length(rest) + 1;
      if (at + n > sizeof own) return -ENAMETOOLONG;
      cstr::copy(own + at, rest, n);
      return raw_syscall(SYS_newfstatat, AT_FDCWD, reinterpret_cast<long>(own),
                         reinterpret_cast<long>(st), flags);
    }
  }
  if (path[0] == '/') {
    return raw_syscall(SYS_newfstatat, AT_FDCWD, reinterpret_cast<long>(path),
                       reinterpret_cast<long>(st), flags);
  }
  const bool open_file = no_name && t.open_file && t.dirfd >= 0;
  if (in_process) {
    if (open_file) {
      const long f = raw_syscall(SYS_fcntl, t.dirfd, F_GETFL);
      if (f < 0 || (f & O_PATH)) return -EBADF;
    }
    return raw_syscall(SYS_newfstatat, t.dirfd, reinterpret_cast<long>(path),
                       reinterpret_cast<long>(st), flags | (no_name ? AT_EMPTY_PATH : 0));
  }
  // From ptvm: the tracee's cwd or descriptor through /proc.
  char full[PATH_MAX + 64];
  if (t.dirfd == AT_FDCWD) {
    proc_path(full, call.tid(), "/cwd");
  } else {
    proc_path(full, call.tid(), "/fd/", t.dirfd);
  }
  const std::size_t base = cstr::length(full);
  if (!no_name) {
    std::size_t at = base;
    full[at++] = '/';
    const std::size_t n = cstr::length(path) + 1;
    if (at + n > sizeof full) return -ENAMETOOLONG;
    cstr::copy(full + at, path, n);
  }
  long r = raw_syscall(SYS_newfstatat, AT_FDCWD, reinterpret_cast<long>(full),
                       reinterpret_cast<long>(st), no_name ? 0 : flags);
  if (r == -ENOENT && t.dirfd != AT_FDCWD) {  // no such descriptor, or no such file in it?
    full[base] = '\0';
    struct stat link;
    if (raw_syscall(SYS_newfstatat, AT_FDCWD, reinterpret_cast<long>(full),
                    reinterpret_cast<long>(&link), AT_SYMLINK_NOFOLLOW) == -ENOENT) {
      r = -EBADF;
    }
  }
  if (r == 0 && open_file && opened_as_path(call.tid(), t.dirfd)) return -EBADF;
  return r;
}

// Reads the target's path from the caller's memory into `path` (PATH_MAX bytes): 0 or -errno.
long read_path(SyscallCall& call, const Target& t, char* path) {
  path[0] = '\0';
  if (t.path == 0) return 0;
  auto r = call.memory().read_string(RemotePtr<char>(t.path), path, PATH_MAX);
  if (!r) return r.error() == Error::guest(ENAMETOOLONG) ? -ENAMETOOLONG : -EFAULT;
  if (path[0] == '\0' && !t.empty_path_ok) return -ENOENT;
  return 0;
}

// stat of the target in the calling process's context. 0 or -errno.
long host_stat(SyscallCall& call, const Target& t, bool in_process, struct stat* st) {
  char path[PATH_MAX];
  if (const long r = read_path(call, t, path); r != 0) return r;
  return stat_at(call, t, path, in_process, st);
}

// stat of the directory that holds the target (a name the program just made there).
long parent_stat(SyscallCall& call, const Target& t, bool in_process, struct stat* st) {
  char path[PATH_MAX];
  if (const long r = read_path(call, t, path); r != 0) return r;
  std::size_t n = cstr::length(path);
  while (n > 1 && path[n - 1] == '/') --n;  // trailing slashes
  while (n > 0 && path[n - 1] != '/') --n;  // the last name
  while (n > 1 && path[n - 1] == '/') --n;  // the slashes before it
  if (n == 0) {
    path[n++] = '.';
  }
  path[n] = '\0';
  Target parent = t;
  parent.follow = true;
  return stat_at(call, parent, path, in_process, st);
}

bool is_device(std::uint32_t mode) {
  return S_ISCHR(mode) || S_ISBLK(mode);
}

// The umask of the calling process (for a device's placeholder), from /proc/TID/status.
std::uint32_t umask_of(pid_t tid) {
  char text[2048];
  if (read_proc(tid, "/status", text, sizeof text) <= 0) return 022;
  const char* p = text;
  while (*p && !cstr::starts_with(p, "Umask:")) {
    while (*p && *p != '\n') ++p;
    if (*p) ++p;
  }
  if (!*p) return 022;
  p += sizeof "Umask:" - 1;
  while (*p == ' ' || *p == '\t') ++p;
  std::uint32_t v = 0;
  for (; *p >= '0' && *p <= '7'; ++p) v = v * 8 + static_cast<std::uint32_t>(*p - '0');
  return v;
}

bool write_ids(SyscallCall& call, const std::uint32_t* ids, int n) {
  Batch batch;
  for (int a = 0; a < n; ++a) batch.write(RemotePtr<void>(call.arg(a)), &ids[a], sizeof ids[a]);
  return call.memory().run(batch).has_value();
}

bool one_of(std::uint32_t id, std::uint32_t a, std::uint32_t b, std::uint32_t c) {
  return id == a || id == b || id == c;
}

constexpr std::uint64_t kAllCaps = (std::uint64_t{2} << CAP_LAST_CAP) - 1;

// What execve does to the ids and capabilities (no set-user-ID file is honoured: fakeroot's
// setuid bits are only remembered): the saved and file-system ids become the effective ones;
// root (real or effective uid 0) gets every capability, permitted, and effective with euid 0.
void after_exec(Credentials& c) {
  c.suid = c.fsuid = c.euid;
  c.sgid = c.fsgid = c.egid;
  const bool root = c.ruid == 0 || c.euid == 0;
  c.cap_permitted = root ? kAllCaps : 0;
  c.cap_effective = c.euid == 0 ? c.cap_permitted : 0;
}

// What a uid change does to the capabilities (the kernel's cap_emulate_setxuid, without
// SECBIT_KEEP_CAPS): all gone when no uid is 0 any more, the effective set follows euid 0.
void after_setuid(Credentials& c, std::uint32_t ruid, std::uint32_t euid, std::uint32_t suid) {
  if ((ruid == 0 || euid == 0 || suid == 0) && c.ruid != 0 && c.euid != 0 && c.suid != 0) {
    c.cap_permitted = c.cap_effective = 0;
  }
  if (euid == 0 && c.euid != 0) c.cap_effective = 0;
  if (euid != 0 && c.euid == 0) c.cap_effective = c.cap_permitted;
}

bool has_cap(const Credentials& c, int cap) {
  return (c.cap_effective >> cap) & 1;
}

bool in_group(const Credentials& c, std::uint32_t gid) {
  if (c.fsgid == gid) return true;
  for (std::uint32_t i = 0; i < c.ngroups && i < Credentials::kMaxGroups; ++i) {
    if (c.groups[i] == gid) return true;
  }
  return false;
}

// The kernel's generic_permission() with the fake ids on the file as the program sees it:
// `mask` of MAY_READ (4) and MAY_WRITE (2). 0 or -EACCES.
long may_access(const Credentials& c, const Record& file, std::uint32_t mask) {
  std::uint32_t bits = file.mode;
  if (c.fsuid == file.uid) {
    bits >>= 6;
  } else if (in_group(c, file.gid)) {
    bits >>= 3;
  }
  if ((mask & ~bits & 7) == 0) return 0;
  if (has_cap(c, CAP_DAC_OVERRIDE)) return 0;  // any read or write
  if (mask == 4 && has_cap(c, CAP_DAC_READ_SEARCH)) return 0;
  return -EACCES;
}

// The kernel's xattr_permission() with the fake ids: trusted.* for CAP_SYS_ADMIN, user.* only on
// regular files and directories (in a sticky directory, written by its owner or CAP_FOWNER),
// then the file's permission to read (get) or write (set, remove). 0 or -errno.
long xattr_permission(const Credentials& c, const Record& file, const char* name, bool write) {
  if (cstr::starts_with(name, "security.") || cstr::starts_with(name, "system.")) return 0;
  if (cstr::starts_with(name, "trusted.")) {
    if (!has_cap(c, CAP_SYS_ADMIN)) return write ? -EPERM : -ENODATA;
    return 0;
  }
  if (cstr::starts_with(name, "user.")) {
    if (!S_ISREG(file.mode) && !S_ISDIR(file.mode)) return write ? -EPERM : -ENODATA;
    if (S_ISDIR(file.mode) && (file.mode & S_ISVTX) && write && c.fsuid != file.uid &&
        !has_cap(c, CAP_FOWNER)) {
      return -EPERM;
    }
  }
  return may_access(c, file, write ? 2 : 4);
}

// The kernel's check of an attribute's name (xattr_resolve_name, after the permission): one of
// the namespaces a Linux file system knows, and something after its prefix. 0 or -errno.
long check_xattr_name(const char* name) {
  for (const char* prefix : {"user.", "trusted.", "security."}) {
    if (!cstr::starts_with(name, prefix)) continue;
    return name[cstr::length(prefix)] == '\0' ? -EINVAL : 0;
  }
  // system.*: POSIX ACLs, which the kernel turns into the file's mode. Not kept: the answer of a
  // file system without ACLs (fakeroot's too), on which cp -a, tar and libacl use chmod instead.
  return -EOPNOTSUPP;
}

// `names` (`n` bytes of NUL-terminated names) without the trusted.* ones: the new length.
long without_trusted(char* names, long n) {
  long to = 0;
  for (long at = 0; at < n;) {
    const long len = static_cast<long>(cstr::length(names + at)) + 1;
    if (!cstr::starts_with(names + at, "trusted.")) {
      for (long k = 0; k < len; ++k) names[to + k] = names[at + k];
      to += len;
    }
    at += len;
  }
  return to;
}

}  // namespace

Interest FakerootModule::interest() const {
  Interest i;
  for (long nr :
       {SYS_getuid,     SYS_geteuid,     SYS_getgid,        SYS_getegid,      SYS_getresuid,
        SYS_getresgid,  SYS_getgroups,   SYS_setuid,        SYS_setgid,       SYS_setreuid,
        SYS_setregid,   SYS_setresuid,   SYS_setresgid,     SYS_setfsuid,     SYS_setfsgid,
        SYS_setgroups,  SYS_chown,       SYS_fchown,        SYS_lchown,       SYS_fchownat,
        SYS_chmod,      SYS_fchmod,      SYS_fchmodat,      SYS_fchmodat2,    SYS_mknod,
        SYS_mknodat,    SYS_stat,        SYS_lstat,         SYS_fstat,        SYS_newfstatat,
        SYS_statx,      SYS_unlink,      SYS_unlinkat,      SYS_rmdir,        SYS_rename,
        SYS_renameat,   SYS_renameat2,   SYS_setxattr,      SYS_lsetxattr,    SYS_fsetxattr,
        SYS_getxattr,   SYS_lgetxattr,   SYS_fgetxattr,     SYS_listxattr,    SYS_llistxattr,
        SYS_flistxattr, SYS_removexattr, SYS_lremovexattr,  SYS_fremovexattr, SYS_setxattrat,
        SYS_getxattrat, SYS_listxattrat, SYS_removexattrat, SYS_capget,       SYS_capset,
        SYS_execve,     SYS_execveat,    SYS_mkdir,         SYS_mkdirat,      SYS_clone,
        SYS_clone3,     SYS_fork,        SYS_vfork,         SYS_sethostname,  SYS_setdomainname}) {
    i.calls.add(nr);
  }
  return i;
}

std::size_t FakerootModule::thread_storage_size() const {
  return sizeof(CallState);
}

int FakerootModule::slot_of(pid_t pid, pid_t tid) const {
  for (int i = 0, n = used(); i < n; ++i) {
    if (__atomic_load_n(&ids_[i].tid, __ATOMIC_RELAXED) == tid &&
        (pid == 0 || __atomic_load_n(&ids_[i].pid, __ATOMIC_ACQUIRE) == pid)) {
      return i;
    }
  }
  return -1;
}

int FakerootModule::creator_in(pid_t pid) const {
  int best = -1;
  std::uint64_t most = 0;
  for (int i = 0, n = used(); i < n; ++i) {
    if (__atomic_load_n(&ids_[i].tid, __ATOMIC_RELAXED) == 0) continue;
    if (pid != 0 && __atomic_load_n(&ids_[i].pid, __ATOMIC_ACQUIRE) != pid) continue;
    const std::uint64_t c = __atomic_load_n(&slots()[i].clones, __ATOMIC_RELAXED);
    if (best < 0 || c > most) {
      best = i;
      most = c;
    }
  }
  // Of any process (in-process, after a fork): only a thread that did make a process.
  return pid == 0 && most == 0 ? -1 : best;
}

Credentials FakerootModule::inherited(pid_t pid, pid_t tid) {
  // A new thread of a process known here: its creator's.
  if (tid != pid) {
    if (const int k = creator_in(pid); k >= 0) return slots()[k].creds;
  }
  // A new process: its own after an execve that began where this memory was not (in-process,
  // or the other backend)...
  Credentials c;
  c.ruid = c.euid = c.suid = c.fsuid = initial_uid_;
  c.rgid = c.egid = c.sgid = c.fsgid = c.groups[0] = initial_gid_;
  after_exec(c);
  Credentials kept;
  std::uint64_t started = 0;
  if (db_.take_after_exec(pid, &started, &kept, sizeof kept) == sizeof kept &&
      started == start_time_of(pid)) {
    after_exec(kept);
    return kept;
  }
  // ... else the forking thread's (in ptvm: a thread of its parent; in-process: the last to
  // fork in the memory the fork copied), else the initial ones.
  int k = -1;
  if (in_process_) {
    k = creator_in(0);
  } else if (const pid_t parent = parent_of(pid); parent > 0) {
    k = creator_in(parent);
  }
  return k >= 0 ? slots()[k].creds : c;
}

int FakerootModule::claim(pid_t pid, pid_t tid, const Credentials& c) {
  int k = -1;
  // A free slot below the highest taken, else the next one above it...
  for (int i = 0, n = used(); i < n && k < 0; ++i) {
    pid_t expected = 0;
    if (__atomic_load_n(&ids_[i].tid, __ATOMIC_RELAXED) == 0 &&
        __atomic_compare_exchange_n(&ids_[i].tid, &expected, tid, false, __ATOMIC_ACQ_REL,
                                    __ATOMIC_RELAXED)) {
      k = i;
    }
  }
  for (int n = __atomic_load_n(&used_, __ATOMIC_RELAXED); k < 0 && n < threads_;) {
    if (__atomic_compare_exchange_n(&used_, &n, n + 1, false, __ATOMIC_ACQ_REL,
                                    __ATOMIC_RELAXED)) {
      // Another thread's search below the new mark may have taken it first: then the next.
      pid_t expected = 0;
      if (__atomic_compare_exchange_n(&ids_[n].tid, &expected, tid, false, __ATOMIC_ACQ_REL,
                                      __ATOMIC_RELAXED)) {
        k = n;
      } else {
        n = __atomic_load_n(&used_, __ATOMIC_RELAXED);
      }
    }
  }
  // ... else the slot of a thread gone (in-process also one of another process: the parent's,
  // copied by the fork).
  for (int i = 0; i < threads_ && k < 0; ++i) {
    pid_t old = __atomic_load_n(&ids_[i].tid, __ATOMIC_RELAXED);
    if (old == 0) continue;
    const bool gone = (in_process_ && __atomic_load_n(&ids_[i].pid, __ATOMIC_RELAXED) != pid) ||
                      raw_syscall(SYS_kill, old, 0) == -ESRCH;
    if (gone && __atomic_compare_exchange_n(&ids_[i].tid, &old, tid, false, __ATOMIC_ACQ_REL,
                                            __ATOMIC_RELAXED)) {
      k = i;
    }
  }
  if (k < 0) {  // more live threads than slots: one of them starts over when it calls next
    k = static_cast<int>(static_cast<unsigned>(tid) % static_cast<unsigned>(threads_));
    __atomic_store_n(&ids_[k].tid, tid, __ATOMIC_RELAXED);
  }
  __atomic_store_n(&ids_[k].pid, 0, __ATOMIC_RELAXED);
  __atomic_store_n(&slots()[k].clones, 0, __ATOMIC_RELAXED);
  new (&slots()[k].creds) Credentials(c);
  __atomic_store_n(&ids_[k].pid, pid, __ATOMIC_RELEASE);
  return k;
}

int FakerootModule::thread_slot(pid_t pid, pid_t tid) {
  if (const int i = slot_of(pid, tid); i >= 0) return i;
  return claim(pid, tid, inherited(pid, tid));
}

void FakerootModule::release(int slot) {
  __atomic_store_n(&ids_[slot].pid, 0, __ATOMIC_RELAXED);
  __atomic_store_n(&slots()[slot].clones, 0, __ATOMIC_RELAXED);
  __atomic_store_n(&ids_[slot].tid, 0, __ATOMIC_RELEASE);
}

void FakerootModule::set_in_process() {
  in_process_ = true;
  threads_ = kInProcessThreads;
  const auto pid = static_cast<pid_t>(raw_syscall(SYS_getpid));
  thread_slot(pid, pid);  // after an execve, what it kept: the new image's only thread is pid
}

std::uint32_t FakerootModule::unknown_uid(std::uint32_t real) const {
  if (runner_) return real == runner_uid_ ? initial_uid_ : real;
  return unknown_is_real_ ? real : 0;
}

std::uint32_t FakerootModule::unknown_gid(std::uint32_t real) const {
  if (runner_) return real == runner_gid_ ? initial_gid_ : real;
  return unknown_is_real_ ? real : 0;
}

Record FakerootModule::seen(const struct stat& st) const {
  Record r;
  if (db_.find(st.st_dev, st.st_ino, &r)) return r;
  r.dev = st.st_dev;
  r.ino = st.st_ino;
  r.mode = st.st_mode;
  r.uid = unknown_uid(st.st_uid);
  r.gid = unknown_gid(st.st_gid);
  r.nlink = static_cast<std::uint32_t>(st.st_nlink);
  r.rdev = st.st_rdev;
  return r;
}

void FakerootModule::on_process_exit(pid_t tid, int) {
  if (const int i = slot_of(0, tid); i >= 0) release(i);
}

void FakerootModule::ids_entry(SyscallCall& call) {
  Credentials& c = credentials(call);
  switch (call.nr()) {
    case SYS_getuid:
      return call.answer(c.ruid);
    case SYS_geteuid:
      return call.answer(c.euid);
    case SYS_getgid:
      return call.answer(c.rgid);
    case SYS_getegid:
      return call.answer(c.egid);
    case SYS_getresuid: {
      const std::uint32_t ids[3] = {c.ruid, c.euid, c.suid};
      return call.answer(write_ids(call, ids, 3) ? 0 : -EFAULT);
    }
    case SYS_getresgid: {
      const std::uint32_t ids[3] = {c.rgid, c.egid, c.sgid};
      return call.answer(write_ids(call, ids, 3) ? 0 : -EFAULT);
    }
    case SYS_getgroups: {
      const long size = static_cast<int>(call.arg(0));
      if (size < 0) return call.answer_error(EINVAL);
      if (size == 0) return call.answer(c.ngroups);
      if (static_cast<std::uint32_t>(size) < c.ngroups) return call.answer_error(EINVAL);
      const bool ok =
          call.memory().write(RemotePtr<void>(call.arg(1)), c.groups, c.ngroups * 4).has_value();
      return call.answer(ok ? static_cast<long>(c.ngroups) : -EFAULT);
    }
    case SYS_capget:
    case SYS_capset:
      return caps_entry(call, c);
    default: {
      const std::uint32_t r = c.ruid, e = c.euid, saved = c.suid;
      set_ids(call, c);
      after_setuid(c, r, e, saved);
      return;
    }
  }
}

// capget and capset of the calling thread's fake sets, with the kernel's versions and rules
// (capget of a thread the module does not know: the kernel answers).
void FakerootModule::caps_entry(SyscallCall& call, Credentials& c) {
  struct Header {
    std::uint32_t version;
    std::int32_t pid;
  } header;
  struct Data {
    std::uint32_t effective, permitted, inheritable;
  } data[2] = {};
  Memory& m = call.memory();
  const RemotePtr<void> at_header(call.arg(0)), at_data(call.arg(1));
  if (!m.read(at_header, &header, sizeof header)) return call.answer_error(EFAULT);
  int words;
  switch (header.version) {
    case _LINUX_CAPABILITY_VERSION_1:
      words = 1;
      break;
    case _LINUX_CAPABILITY_VERSION_2:
    case _LINUX_CAPABILITY_VERSION_3:
      words = 2;
      break;
    default: {  // the kernel tells its version; probing with no data is not an error
      header.version = _LINUX_CAPABILITY_VERSION_3;
      if (!m.write(at_header, &header.version, sizeof header.version)) {
        return call.answer_error(EFAULT);
      }
      return call.answer(call.nr() == SYS_capget && call.arg(1) == 0 ? 0 : -EINVAL);
    }
  }
  // The calling thread: its own id (the process id is another thread's, the leader's).
  const bool self = header.pid == 0 || header.pid == call.tid();
  if (call.nr() == SYS_capget) {
    if (call.arg(1) == 0) return call.answer(0);  // without data the kernel checks no more
    if (header.pid < 0) return call.answer_error(EINVAL);
    const Credentials* of = &c;
    if (!self) {  // another thread of the run that the module knows, else the kernel answers
      const int k = slot_of(in_process_ ? call.pid() : 0, header.pid);
      if (k < 0) return;
      of = &slots()[k].creds;
    }
    for (int w = 0; w < words; ++w) {
      data[w].effective = static_cast<std::uint32_t>(of->cap_effective >> (32 * w));
      data[w].permitted = static_cast<std::uint32_t>(of->cap_permitted >> (32 * w));
      data[w].inheritable = static_cast<std::uint32_t>(of->cap_inheritable >> (32 * w));
    }
    return call.answer(m.write(at_data, data, words * sizeof data[0]) ? 0 : -EFAULT);
  }
  if (!self) return call.answer_error(EPERM);  // capset changes the calling thread only
  if (!m.read(at_data, data, words * sizeof data[0])) return call.answer_error(EFAULT);
  std::uint64_t effective = 0, permitted = 0, inheritable = 0;
  for (int w = 0; w < words; ++w) {
    effective |= std::uint64_t{data[w].effective} << (32 * w);
    permitted |= std::uint64_t{data[w].permitted} << (32 * w);
    inheritable |= std::uint64_t{data[w].inheritable} << (32 * w);
  }
  effective &= kAllCaps;
  permitted &= kAllCaps;
  inheritable &= kAllCaps;
  const bool setpcap = (c.cap_effective >> CAP_SETPCAP) & 1;
  const bool fits = (permitted & ~c.cap_permitted) == 0 && (effective & ~permitted) == 0 &&
                    (setpcap || (inheritable & ~(c.cap_inheritable | c.cap_permitted)) == 0);
  if (!fits) return call.answer_error(EPERM);
  c.cap_effective = effective;
  c.cap_permitted = permitted;
  c.cap_inheritable = inheritable;
  return call.answer(0);
}

// The set*id family, with the kernel's rules; "privileged" is CAP_SETUID or CAP_SETGID in the
// fake effective set.
void FakerootModule::set_ids(SyscallCall& call, Credentials& c) {
  const long nr = call.nr();
  const bool uids =
      nr == SYS_setuid || nr == SYS_setreuid || nr == SYS_setresuid || nr == SYS_setfsuid;
  const bool root = (c.cap_effective >> (uids ? CAP_SETUID : CAP_SETGID)) & 1;
  const auto arg = [&call](int i) { return static_cast<std::uint32_t>(call.arg(i)); };
  switch (call.nr()) {
    case SYS_setuid: {
      const std::uint32_t u = arg(0);
      if (root) {
        c.ruid = c.euid = c.suid = c.fsuid = u;
      } else if (u == c.ruid || u == c.suid) {
        c.euid = c.fsuid = u;
      } else {
        return call.answer_error(EPERM);
      }
      return call.answer(0);
    }
    case SYS_setgid: {
      const std::uint32_t g = arg(0);
      if (root) {
        c.rgid = c.egid = c.sgid = c.fsgid = g;
      } else if (g == c.rgid || g == c.sgid) {
        c.egid = c.fsgid = g;
      } else {
        return call.answer_error(EPERM);
      }
      return call.answer(0);
    }
    case SYS_setreuid:
    case SYS_setregid: {
      const bool user = call.nr() == SYS_setreuid;
      std::uint32_t& real = user ? c.ruid : c.rgid;
      std::uint32_t& eff = user ? c.euid : c.egid;
      std::uint32_t& saved = user ? c.suid : c.sgid;
      std::uint32_t& fs = user ? c.fsuid : c.fsgid;
      const std::uint32_t r = arg(0), e = arg(1);
      if (!root && ((r != kUnset && r != real && r != eff) ||
                    (e != kUnset && !one_of(e, real, eff, saved)))) {
        return call.answer_error(EPERM);
      }
      const std::uint32_t old_real = real;
      if (r != kUnset) real = r;
      if (e != kUnset) eff = e;
      if (r != kUnset || (e != kUnset && e != old_real)) saved = eff;
      fs = eff;
      return call.answer(0);
    }
    case SYS_setresuid:
    case SYS_setresgid: {
      const bool user = call.nr() == SYS_setresuid;
      std::uint32_t* ids[3] = {user ? &c.ruid : &c.rgid, user ? &c.euid : &c.egid,
                               user ? &c.suid : &c.sgid};
      for (int i = 0; i < 3 && !root; ++i) {
        if (arg(i) != kUnset && !one_of(arg(i), *ids[0], *ids[1], *ids[2])) {
          return call.answer_error(EPERM);
        }
      }
      for (int i = 0; i < 3; ++i) {
        if (arg(i) != kUnset) *ids[i] = arg(i);
      }
      (user ? c.fsuid : c.fsgid) = *ids[1];
      return call.answer(0);
    }
    case SYS_setfsuid:
    case SYS_setfsgid: {
      const bool user = call.nr() == SYS_setfsuid;
      std::uint32_t& fs = user ? c.fsuid : c.fsgid;
      const std::uint32_t old = fs, f = arg(0);
      const bool allowed = user ? (root || one_of(f, c.ruid, c.euid, c.suid) || f == c.fsuid)
                                : (root || one_of(f, c.rgid, c.egid, c.sgid) || f == c.fsgid);
      if (f != kUnset && allowed) fs = f;
      return call.answer(old);
    }
    case SYS_setgroups: {
      if (!root) return call.answer_error(EPERM);
      const long n = static_cast<int>(call.arg(0));
      if (n < 0 || n > static_cast<long>(Credentials::kMaxGroups)) {
        return call.answer_error(EINVAL);
      }
      std::uint32_t groups[Credentials::kMaxGroups];
      if (n > 0 && !call.memory().read(RemotePtr<void>(call.arg(1)), groups, n * 4)) {
        return call.answer_error(EFAULT);
      }
      c.ngroups = static_cast<std::uint32_t>(n);
      for (long i = 0; i < n; ++i) c.groups[i] = groups[i];
      return call.answer(0);
    }
    default:
      return;
  }
}

// The xattr family, answered from the FakeDb: the classic calls (path, l-path, descriptor) and
// Linux 6.13's *xattrat (directory descriptor, path, AT_ flags, arguments in a struct).
void FakerootModule::xattr_entry(SyscallCall& call) {
  const long nr = call.nr();
  const auto arg = [&call](int i) { return call.arg(i); };
  enum { kSet, kGet, kList, kRemove } op;
  switch (nr) {
    case SYS_setxattr:
    case SYS_lsetxattr:
    case SYS_fsetxattr:
    case SYS_setxattrat:
      op = kSet;
      break;
    case SYS_getxattr:
    case SYS_lgetxattr:
    case SYS_fgetxattr:
    case SYS_getxattrat:
      op = kGet;
      break;
    case SYS_listxattr:
    case SYS_llistxattr:
    case SYS_flistxattr:
    case SYS_listxattrat:
      op = kList;
      break;
    default:
      op = kRemove;
      break;
  }
  const bool at = nr >= SYS_setxattrat;
  Target t;
  int next = 1;  // the argument after the file's
  if (at) {
    const long flags = static_cast<int>(arg(2));
    if (flags & ~static_cast<long>(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) {
      return call.answer_error(EINVAL);
    }
    t.dirfd = static_cast<int>(arg(0));
    t.path = arg(1);
    t.follow = !(flags & AT_SYMLINK_NOFOLLOW);
    t.empty_path_ok = (flags & AT_EMPTY_PATH) != 0;  // then a null path is the descriptor
    t.open_file = true;
    next = 3;
  } else if (nr == SYS_fsetxattr || nr == SYS_fgetxattr || nr == SYS_flistxattr ||
             nr == SYS_fremovexattr) {
    t.dirfd = static_cast<int>(arg(0));
    t.open_file = true;
    t.cwd_ok = nr == SYS_fsetxattr || nr == SYS_fgetxattr;  // *xattrat's code since Linux 6.13
  } else {
    t.path = arg(0);
    t.follow = !(nr == SYS_lsetxattr || nr == SYS_lgetxattr || nr == SYS_llistxattr ||
                 nr == SYS_lremovexattr);
  }
  if (at && t.path == 0 && !t.empty_path_ok) return call.answer_error(EFAULT);

  // The value's address, size and flags: in the arguments, or in *xattrat's struct xattr_args.
  std::uint64_t value = 0, size = 0;
  int flags = 0;
  if (op == kList) {
    value = arg(next);
    size = arg(next + 1);
  } else if (op != kRemove && !at) {
    value = arg(next + 1);
    size = arg(next + 2);
    if (op == kSet) flags = static_cast<int>(arg(next + 3));
  } else if (op != kRemove) {
    struct {
      std::uint64_t value;
      std::uint32_t size, flags;
    } args;
    const std::uint64_t usize = arg(5);
    if (usize < sizeof args) return call.answer_error(EINVAL);
    if (usize > 4096) return call.answer_error(E2BIG);
    unsigned char raw[4096];
    if (!call.memory().read(RemotePtr<void>(arg(4)), raw, usize)) return call.answer_error(EFAULT);
    for (std::uint64_t k = sizeof args; k < usize; ++k) {
      if (raw[k] != 0) return call.answer_error(E2BIG);
    }
    __builtin_memcpy(&args, raw, sizeof args);
    value = args.value;
    size = args.size;
    flags = static_cast<int>(args.flags);
    if (op == kGet && flags != 0) return call.answer_error(EINVAL);
  }
  if (op == kSet && (flags & ~(XATTR_CREATE | XATTR_REPLACE))) return call.answer_error(EINVAL);

  char name[FakeDb::kNameMax + 1] = "";
  if (op != kList) {
    auto r = call.memory().read_string(RemotePtr<char>(arg(next)), name, sizeof name);
    if (!r) return call.answer_error(r.error() == Error::guest(ENAMETOOLONG) ? ERANGE : EFAULT);
    if (name[0] == '\0') return call.answer_error(ERANGE);
  }
  if (op == kSet && size > FakeDb::kValueMax) return call.answer_error(E2BIG);
  unsigned char buffer[FakeDb::kValueMax];
  const RemotePtr<void> where(value);
  // The value comes in before the file is looked up (the kernel's order: EFAULT before ENOENT).
  if (op == kSet && size != 0 && !call.memory().read(where, buffer, size)) {
    return call.answer_error(EFAULT);
  }

  struct stat st;
  if (const long r = host_stat(call, t, in_process_, &st); r != 0) return call.answer(r);
  const Credentials& c = credentials(call);
  if (op != kList) {
    const Record file = seen(st);
    if (const long r = xattr_permission(c, file, name, op != kGet); r != 0) return call.answer(r);
    if (const long r = check_xattr_name(name); r != 0) return call.answer(r);
  }
  switch (op) {
    case kSet:
      return call.answer(db_.xattr_set(st.st_dev, st.st_ino, name, buffer, size, flags));
    case kGet: {
      if (size > FakeDb::kValueMax) size = FakeDb::kValueMax;
      const long n = db_.xattr_get(st.st_dev, st.st_ino, name, buffer, size);
      if (n > 0 && size != 0 && !call.memory().write(where, buffer, n)) {
        return call.answer_error(EFAULT);
      }
      return call.answer(n);
    }
    case kList: {
      if (size > FakeDb::kValueMax) size = FakeDb::kValueMax;
      auto* names = reinterpret_cast<char*>(buffer);
      long n;
      if (has_cap(c, CAP_SYS_ADMIN)) {
        n = db_.xattr_list(st.st_dev, st.st_ino, names, size);
      } else {  // trusted.* is listed to CAP_SYS_ADMIN only (as ext4 does)
        n = db_.xattr_list(st.st_dev, st.st_ino, names, FakeDb::kValueMax);
        if (n > 0) n = without_trusted(names, n);
        if (n > 0 && size != 0 && static_cast<std::uint64_t>(n) > size) n = -ERANGE;
      }
      if (n > 0 && size != 0 && !call.memory().write(where, buffer, n)) {
        return call.answer_error(EFAULT);
      }
      return call.answer(n);
    }
    case kRemove:
      return call.answer(db_.xattr_remove(st.st_dev, st.st_ino, name));
  }
}

void FakerootModule::on_entry(SyscallCall& call) {
  auto* state = reinterpret_cast<CallState*>(call.storage());
  state->kind = CallState::kNone;
  const long nr = call.nr();
  const auto arg = [&call](int i) { return call.arg(i); };
  Target t;
  switch (nr) {
    // ---- ids -----------------------------------------------------------------------------
    case SYS_getuid:
    case SYS_geteuid:
    case SYS_getgid:
    case SYS_getegid:
    case SYS_getresuid:
    case SYS_getresgid:
    case SYS_getgroups:
    case SYS_setuid:
    case SYS_setgid:
    case SYS_setreuid:
    case SYS_setregid:
    case SYS_setresuid:
    case SYS_setresgid:
    case SYS_setfsuid:
    case SYS_setfsgid:
    case SYS_setgroups:
    case SYS_capget:
    case SYS_capset:
      return ids_entry(call);

    // ---- the names of the host: CAP_SYS_ADMIN, as the fake ids have it --------------------
    // A fake root's call goes on (to a kernel-identity VM below, or to the kernel, which may
    // refuse it in its turn); a fake user's is refused as the kernel refuses it.
    case SYS_sethostname:
    case SYS_setdomainname:
      if (!has_cap(credentials(call), CAP_SYS_ADMIN)) return call.answer_error(EPERM);
      return;

    // ---- new threads and processes take the ids of the thread that makes them -----------
    case SYS_clone:
    case SYS_clone3:
    case SYS_fork:
    case SYS_vfork: {
      const int k = thread_slot(call.pid(), call.tid());
      __atomic_store_n(&slots()[k].clones, __atomic_add_fetch(&clone_count_, 1, __ATOMIC_RELAXED),
                       __ATOMIC_RELAXED);
      return;
    }

    // ---- execve: the ids kept for a new image that does not have this memory -------------
    case SYS_execve:
    case SYS_execveat: {
      const Credentials& c = credentials(call);
      if (!db_.keep_for_exec(call.pid(), start_time_of(call.pid()), &c, sizeof c) && in_process_) {
        // Every slot holds the ids of an execve in flight: the new image would not find its
        // own and start as the initial user (root). The execve fails instead, as when the
        // kernel is short of a resource. (From ptvm the process keeps its slot here.)
        return call.answer_error(EAGAIN);
      }
      state->kind = CallState::kExec;
      if (in_process_) {
        call.see_result();  // a failed execve drops what it kept; a successful one never returns
      } else {
        call.see_exit();  // here the process keeps its slot: execve's changes at the exit
      }
      return;
    }

    // ---- mkdir: the owner's access kept (as fakeroot does), the owner and mode remembered --
    case SYS_mkdir:
    case SYS_mkdirat: {
      const int mode_arg = nr == SYS_mkdir ? 1 : 2;
      const std::uint32_t mode = static_cast<std::uint32_t>(arg(mode_arg)) & 07777;
      state->kind = CallState::kMkdir;
      state->requested = mode;
      if ((mode & S_IRWXU) != S_IRWXU) call.set_arg(mode_arg, mode | S_IRWXU);
      call.see_exit();
      return;
    }

    // ---- chown: remembered, never done -----------------------------------------------------
    case SYS_chown:
    case SYS_lchown:
    case SYS_fchown:
    case SYS_fchownat: {
      int uid_arg = 1;
      if (nr == SYS_fchown) {
        t.dirfd = static_cast<long>(static_cast<int>(arg(0)));
        t.open_file = true;
        t.cwd_ok = false;
      } else if (nr == SYS_fchownat) {
        t.dirfd = static_cast<int>(arg(0));
        t.path = arg(1);
        t.follow = !(arg(4) & AT_SYMLINK_NOFOLLOW);
        t.empty_path_ok = (arg(4) & AT_EMPTY_PATH) != 0;
        uid_arg = 2;
      } else {
        t.path = arg(0);
        t.follow = nr == SYS_chown;
      }
      struct stat st;
      if (const long r = host_stat(call, t, in_process_, &st); r != 0) return call.answer(r);
      Record rec = seen(st);
      const std::uint32_t uid = static_cast<std::uint32_t>(arg(uid_arg));
      const std::uint32_t gid = static_cast<std::uint32_t>(arg(uid_arg + 1));
      if (uid != kUnset) rec.uid = uid;
      if (gid != kUnset) rec.gid = gid;
      // As the kernel does for root: an owner change clears setuid, and setgid with group-exec.
      if ((uid != kUnset || gid != kUnset) && !S_ISDIR(rec.mode)) {
        rec.mode &= ~static_cast<std::uint32_t>(S_ISUID);
        if (rec.mode & S_IXGRP) rec.mode &= ~static_cast<std::uint32_t>(S_ISGID);
      }
      rec.nlink = static_cast<std::uint32_t>(st.st_nlink);
      return call.answer(db_.put(rec) ? 0 : -ENOSPC);
    }

    // ---- chmod: done with the owner's access kept, the mode asked for remembered ----------
    case SYS_chmod:
    case SYS_fchmod:
    case SYS_fchmodat:
    case SYS_fchmodat2: {
      int mode_arg = 1;
      if (nr == SYS_fchmod) {
        t.dirfd = static_cast<int>(arg(0));
        t.open_file = true;
        t.cwd_ok = false;
      } else if (nr == SYS_chmod) {
        t.path = arg(0);
      } else {
        t.dirfd = static_cast<int>(arg(0));
        t.path = arg(1);
        mode_arg = 2;
        if (nr == SYS_fchmodat2) {
          t.follow = !(arg(3) & AT_SYMLINK_NOFOLLOW);
          t.empty_path_ok = (arg(3) & AT_EMPTY_PATH) != 0;
        }
      }
      struct stat st;
      if (host_stat(call, t, in_process_, &st) != 0 || S_ISLNK(st.st_mode))
        return;  // the kernel answers
      const std::uint32_t asked = static_cast<std::uint32_t>(arg(mode_arg)) & 07777;
      state->kind = CallState::kChmod;
      state->dev = st.st_dev;
      state->ino = st.st_ino;
      state->mode = st.st_mode;
      state->nlink = static_cast<std::uint32_t>(st.st_nlink);
      state->rdev = st.st_rdev;
      state->requested = asked;
      const std::uint32_t kept = S_IRUSR | S_IWUSR | (S_ISDIR(st.st_mode) ? S_IXUSR : 0);
      if ((asked | kept) != asked) call.set_arg(mode_arg, asked | kept);
      call.see_exit();
      return;
    }

    // ---- mknod of a device: a placeholder regular file ------------------------------------
    case SYS_mknod:
    case SYS_mknodat: {
      const int mode_arg = nr == SYS_mknod ? 1 : 2;
      const std::uint32_t mode = static_cast<std::uint32_t>(arg(mode_arg));
      if (!is_device(mode)) return;  // fifos, sockets, files: the kernel does them
      if (!has_cap(credentials(call), CAP_MKNOD)) {
        // A fake non-root user: the kernel's EPERM, after its lookup's errors (an existing name
        // is EEXIST: the placeholder's mknod gives it; a missing parent gives EPERM here).
        t.dirfd = nr == SYS_mknod ? AT_FDCWD : static_cast<int>(arg(0));
        t.path = arg(mode_arg - 1);
        t.follow = false;
        struct stat st;
        if (host_stat(call, t, in_process_, &st) != 0) return call.answer(-EPERM);
      }
      state->kind = CallState::kMknod;
      state->requested = mode;
      state->rdev = arg(mode_arg + 1);
      call.set_arg(mode_arg, S_IFREG | (mode & 0777));
      call.set_arg(mode_arg + 1, 0);
      call.see_exit();
      return;
    }

    // ---- removals: a file's last link gone, its record goes ---------------------------------
    case SYS_unlink:
    case SYS_rmdir:
    case SYS_unlinkat:
    case SYS_rename:
    case SYS_renameat:
    case SYS_renameat2: {
      if (nr == SYS_unlink || nr == SYS_rmdir) {
        t.path = arg(0);
      } else if (nr == SYS_unlinkat) {
        t.dirfd = static_cast<int>(arg(0));
        t.path = arg(1);
      } else if (nr == SYS_rename) {
        t.path = arg(1);
      } else {
        if (nr == SYS_renameat2 && (arg(4) & RENAME_EXCHANGE)) return;
        t.dirfd = static_cast<int>(arg(2));
        t.path = arg(3);
      }
      t.follow = false;
      struct stat st;
      if (host_stat(call, t, in_process_, &st) != 0) return;
      state->kind = CallState::kRemove;
      state->dev = st.st_dev;
      state->ino = st.st_ino;
      state->nlink = static_cast<std::uint32_t>(st.st_nlink);
      state->is_dir = S_ISDIR(st.st_mode);
      call.see_result();
      return;
    }

    // ---- extended attributes: kept in the FakeDb, never on disk ----------------------------
    case SYS_setxattr:
    case SYS_lsetxattr:
    case SYS_fsetxattr:
    case SYS_getxattr:
    case SYS_lgetxattr:
    case SYS_fgetxattr:
    case SYS_listxattr:
    case SYS_llistxattr:
    case SYS_flistxattr:
    case SYS_removexattr:
    case SYS_lremovexattr:
    case SYS_fremovexattr:
    case SYS_setxattrat:
    case SYS_getxattrat:
    case SYS_listxattrat:
    case SYS_removexattrat:
      return xattr_entry(call);

    // ---- stat: the remembered owner, mode and device shown --------------------------------
    case SYS_stat:
    case SYS_lstat:
    case SYS_fstat:
    case SYS_newfstatat:
    case SYS_statx:
      state->kind = CallState::kStat;
      call.see_exit();
      return;
    default:
      return;
  }
}

void FakerootModule::on_exit(SyscallCall& call) {
  auto* state = reinterpret_cast<CallState*>(call.storage());
  const long result = call.result();
  const long nr = call.nr();
  switch (state->kind) {
    case CallState::kChmod: {
      // The kernel refused (a file the real user does not own): the fake root may.
      if (result != 0 && result != -EPERM) return;
      struct stat st {};
      st.st_dev = state->dev;
      st.st_ino = state->ino;
      st.st_mode = state->mode;
      st.st_nlink = state->nlink;
      st.st_rdev = state->rdev;
      Record rec = seen(st);
      rec.mode = (rec.mode & S_IFMT) | state->requested;
      if (!db_.put(rec)) return call.set_result(-ENOSPC);
      if (result != 0) call.set_result(0);
      return;
    }
    case CallState::kExec: {
      std::uint64_t started;
      Credentials kept;
      const bool have =
          db_.take_after_exec(call.pid(), &started, &kept, sizeof kept) == sizeof kept;
      if (in_process_ || result != 0) return;  // (in-process: a failed one, what it kept dropped)
      // The thread that called it is the process's only one now, under the process id.
      Credentials c = have ? kept : credentials(call);
      for (int i = 0, n = used(); i < n; ++i) {
        if (ids_[i].tid != 0 && ids_[i].pid == call.pid()) release(i);
      }
      after_exec(c);
      claim(call.pid(), call.pid(), c);
      return;
    }
    case CallState::kMkdir:
    case CallState::kMknod: {
      if (result != 0) return;
      const bool at = nr == SYS_mknodat || nr == SYS_mkdirat;
      Target t;
      t.path = call.arg(at ? 1 : 0);
      if (at) t.dirfd = static_cast<int>(call.arg(0));
      t.follow = false;
      struct stat st;
      if (host_stat(call, t, in_process_, &st) != 0) return;
      const Credentials& c = credentials(call);
      Record rec;
      rec.dev = st.st_dev;
      rec.ino = st.st_ino;
      rec.uid = c.fsuid;
      rec.gid = c.fsgid;
      rec.nlink = static_cast<std::uint32_t>(st.st_nlink);
      // The kernel's inode_init_owner() with the fake ids: in a set-group-ID directory (as the
      // program sees it) the new file's group is the directory's, and a new directory is
      // set-group-ID too.
      bool in_setgid = false;
      if (struct stat dir; parent_stat(call, t, in_process_, &dir) == 0) {
        const Record parent = seen(dir);
        if (parent.mode & S_ISGID) {
          in_setgid = true;
          rec.gid = parent.gid;
        }
      }
      if (state->kind == CallState::kMkdir) {
        // The real mode is the one asked for unless the owner's rwx were added to it.
        const std::uint32_t perms =
            (state->requested & S_IRWXU) == S_IRWXU
                ? st.st_mode & (S_ISVTX | 0777)
                : state->requested & (S_ISVTX | 0777) & ~umask_of(call.tid());
        rec.mode = S_IFDIR | perms | (in_setgid ? S_ISGID : 0);
        rec.rdev = 0;
        // What the program sees of a file without a record: no record needed.
        Record old;
        if (rec.mode == st.st_mode && rec.uid == unknown_uid(st.st_uid) &&
            rec.gid == unknown_gid(st.st_gid) && !db_.find(st.st_dev, st.st_ino, &old)) {
          return;
        }
      } else {
        const std::uint32_t mask = umask_of(call.tid());
        rec.mode = (state->requested & S_IFMT) | (state->requested & 07777 & ~mask);
        rec.rdev = state->rdev;
      }
      if (!db_.put(rec)) call.set_result(-ENOSPC);
      return;
    }
    case CallState::kRemove:
      if (result == 0 && (state->is_dir || state->nlink <= 1)) db_.erase(state->dev, state->ino);
      return;
    case CallState::kStat:
      break;
    default:
      return;
  }
  if (result != 0) return;
  // The stat buffer, rewritten where the record says otherwise.
  Memory& m = call.memory();
  if (nr == SYS_statx) {
    struct statx sx;
    const RemotePtr<void> buf(call.arg(4));
    if (!m.read(buf, &sx, sizeof sx)) return;
    struct stat st {};
    st.st_dev = makedev(sx.stx_dev_major, sx.stx_dev_minor);
    st.st_ino = sx.stx_ino;
    st.st_mode = sx.stx_mode;
    st.st_uid = sx.stx_uid;
    st.st_gid = sx.stx_gid;
    st.st_nlink = sx.stx_nlink;
    st.st_rdev = 0;
    const Record rec = seen(st);
    if (sx.stx_mask & STATX_UID) sx.stx_uid = rec.uid;
    if (sx.stx_mask & STATX_GID) sx.stx_gid = rec.gid;
    if (sx.stx_mask & (STATX_MODE | STATX_TYPE)) sx.stx_mode = static_cast<std::uint16_t>(rec.mode);
    if (is_device(rec.mode)) {
      sx.stx_rdev_major = major(rec.rdev);
      sx.stx_rdev_minor = minor(rec.rdev);
    }
    m.write(buf, &sx, sizeof sx);
    return;
  }
  const int buf_arg = nr == SYS_newfstatat ? 2 : 1;
  const RemotePtr<void> buf(call.arg(buf_arg));
  struct stat st;
  if (!m.read(buf, &st, sizeof st)) return;
  const Record rec = seen(st);
  st.st_uid = rec.uid;
  st.st_gid = rec.gid;
  st.st_mode = rec.mode;
  if (is_device(rec.mode)) st.st_rdev = rec.rdev;
  m.write(buf, &st, sizeof st);
}

}  // namespace ptvm::fakeroot
