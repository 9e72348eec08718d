#include "vms/path/exec_image.h"

#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

#include "core/cstr.h"
#include "core/raw_syscall.h"

namespace ptvm::path {

using cstr::copy;
using cstr::length;

namespace {

constexpr int kMaxLevels = 4;  // the kernel's BINPRM_MAX_RECURSION
// The shebang levels' arguments, the loader's, and -q's (QEMU's own, the loader variables', -0).
constexpr std::size_t kMaxFront =
    2 + 3 * kMaxLevels + 4 + QemuConfig::kMaxArgs + QemuEnv::kMaxFront + 3;
constexpr std::size_t kMaxArgs = 1 << 17;

// An argument of the new argv: a string ptvm writes, or one the program already has.
using Arg = EnvArg;

struct Front {
  Arg args[kMaxFront];
  std::size_t count = 0;
  // Room for the strings of `local` args.
  char pool[2 * PATH_MAX + 1024];
  std::size_t used = 0;

  const char* keep(const char* s, std::size_t n) {
    if (used + n + 1 > sizeof pool) return nullptr;
    char* at = pool + used;
    copy(at, s, n);
    at[n] = 0;
    used += n + 1;
    return at;
  }
  // Replaces args[0] with `with` (n of them).
  bool replace_first(const Arg* with, std::size_t n) {
    if (count - 1 + n > kMaxFront) return false;
    for (std::size_t i = count; i-- > 1;) args[i - 1 + n] = args[i];
    for (std::size_t i = 0; i < n; ++i) args[i] = with[i];
    count = count - 1 + n;
    return true;
  }
};

long open_host(const char* host) {
  return raw_syscall(SYS_openat, AT_FDCWD, reinterpret_cast<long>(host), O_RDONLY | O_CLOEXEC);
}

long pread_host(long fd, void* into, std::size_t n, std::uint64_t at) {
  return raw_syscall(SYS_pread64, fd, reinterpret_cast<long>(into), static_cast<long>(n),
                     static_cast<long>(at));
}

// The file system ids and groups of a thread (/proc/TID/status), for a permission check on its
// behalf. False if unreadable.
struct Ids {
  long uid = -1, gid = -1;
  long groups[64];
  int ngroups = 0;
};

bool ids_of(pid_t tid, Ids& ids) {
  char text[4096];
  if (read_proc(tid, "/status", text, sizeof text) <= 0) return false;
  // "Uid:\treal\teffective\tsaved\tfs": the fourth number; "Groups:\t1 2 3".
  long four[4];
  if (status_numbers(text, "Uid:", four, 4) != 4) return false;
  ids.uid = four[3];
  if (status_numbers(text, "Gid:", four, 4) != 4) return false;
  ids.gid = four[3];
  ids.ngroups = status_numbers(text, "Groups:", ids.groups, 64);
  return true;
}

// The kernel's permission for `tid` to execute `host`: a regular file with an x bit for the
// thread's file system ids (root: any x bit). ptvm's own ids may differ (a guest that dropped
// privileges): asked with faccessat2 only when they are the same. ACLs are not read then.
int executable(const char* host, pid_t tid) {
  struct stat st;
  if (raw_syscall(SYS_stat, reinterpret_cast<long>(host), reinterpret_cast<long>(&st)) < 0) {
    return ENOENT;
  }
  if (!S_ISREG(st.st_mode)) return EACCES;
  Ids ids;
  if (!ids_of(tid, ids)) return EACCES;
  if (ids.uid == raw_syscall(SYS_geteuid) && ids.gid == raw_syscall(SYS_getegid)) {
    long r = raw_syscall(SYS_faccessat2, AT_FDCWD, reinterpret_cast<long>(host), X_OK, AT_EACCESS);
    if (r == -ENOSYS) r = raw_syscall(SYS_access, reinterpret_cast<long>(host), X_OK);
    return r < 0 ? static_cast<int>(-r) : 0;
  }
  if (ids.uid == 0) return st.st_mode & (S_IXUSR | S_IXGRP | S_IXOTH) ? 0 : EACCES;
  if (static_cast<long>(st.st_uid) == ids.uid) return st.st_mode & S_IXUSR ? 0 : EACCES;
  bool in_group = static_cast<long>(st.st_gid) == ids.gid;
  for (int i = 0; i < ids.ngroups && !in_group; ++i)
    in_group = ids.groups[i] == static_cast<long>(st.st_gid);
  if (in_group) return st.st_mode & S_IXGRP ? 0 : EACCES;
  return st.st_mode & S_IXOTH ? 0 : EACCES;
}

// "#!INTERP ARG\n" (the kernel's rules: blanks are spaces and tabs, ARG is the rest of the line
// without its trailing blanks).
bool parse_shebang(const char* head, long n, Front& f, const char** interp, const char** arg) {
  if (n < 2 || head[0] != '#' || head[1] != '!') return false;
  long i = 2, end = 2;
  while (end < n && head[end] != '\n') ++end;
  auto blank = [](char c) { return c == ' ' || c == '\t'; };
  while (i < end && blank(head[i])) ++i;
  long j = i;
  while (j < end && !blank(head[j])) ++j;
  if (j == i) {
    *interp = nullptr;
    return true;  // "#!" alone: ENOEXEC
  }
  *interp = f.keep(head + i, static_cast<std::size_t>(j - i));
  while (j < end && blank(head[j])) ++j;
  long k = end;
  while (k > j && blank(head[k - 1])) --k;
  *arg = k > j ? f.keep(head + j, static_cast<std::size_t>(k - j)) : nullptr;
  return *interp != nullptr;
}

// The PT_INTERP of an ELF file (false: not an ELF; *interp empty: none).
template <class Ehdr, class Phdr>
bool find_interp(long fd, const unsigned char* head, long n, char* interp) {
  Ehdr eh;
  if (n < static_cast<long>(sizeof eh)) return false;
  copy(reinterpret_cast<char*>(&eh), reinterpret_cast<const char*>(head), sizeof eh);
  for (std::uint16_t k = 0; k < eh.e_phnum && k < 256; ++k) {
    Phdr ph;
    const std::uint64_t at = eh.e_phoff + std::uint64_t{k} * eh.e_phentsize;
    if (pread_host(fd, &ph, sizeof ph, at) != sizeof ph) break;
    if (ph.p_type != PT_INTERP) continue;
    if (ph.p_filesz < 2 || ph.p_filesz >= PATH_MAX) return true;
    const long r = pread_host(fd, interp, ph.p_filesz, ph.p_offset);
    interp[r > 0 ? r : 0] = 0;
    interp[ph.p_filesz - 1] = 0;
    return true;
  }
  return true;
}

bool elf_interp(long fd, const unsigned char* head, long n, char* interp) {
  interp[0] = 0;
  if (n < EI_NIDENT || head[EI_MAG0] != ELFMAG0 || head[EI_MAG1] != ELFMAG1 ||
      head[EI_MAG2] != ELFMAG2 || head[EI_MAG3] != ELFMAG3) {
    return false;
  }
  return head[EI_CLASS] == ELFCLASS64 ? find_interp<Elf64_Ehdr, Elf64_Phdr>(fd, head, n, interp)
                                      : find_interp<Elf32_Ehdr, Elf32_Phdr>(fd, head, n, interp);
}

// Whether the loader at `host` takes `--argv0` (glibc 2.33+, musl 1.2.?): it has the string.
bool takes_argv0(const char* host) {
  static constexpr std::size_t kCache = 8;
  static struct {
    char path[256];
    bool answer;
  } cache[kCache];
  static std::size_t next = 0;
  const std::size_t n = length(host);
  for (auto& c : cache) {
    if (n < sizeof c.path && c.path[0] && cstr::starts_with(c.path, host) && c.path[n] == 0) {
      return c.answer;
    }
  }
  const long fd = open_host(host);
  if (fd < 0) return false;
  static constexpr char kNeedle[] = "--argv0";
  constexpr std::size_t kLen = sizeof kNeedle - 1;
  char chunk[16384 + kLen];
  std::size_t carry = 0;
  std::uint64_t offset = 0;
  bool found = false;
  for (;;) {
    const long r = pread_host(fd, chunk + carry, sizeof chunk - carry, offset);
    if (r <= 0) break;
    offset += static_cast<std::uint64_t>(r);
    const std::size_t have = carry + static_cast<std::size_t>(r);
    for (std::size_t i = 0; i + kLen <= have && !found; ++i) {
      found = chunk[i] == '-' && cstr::starts_with(chunk + i, kNeedle);
    }
    if (found || have < kLen) break;
    copy(chunk, chunk + have - kLen, kLen);
    carry = kLen;
  }
  raw_syscall(SYS_close, fd);
  if (n < sizeof cache[0].path) {
    auto& c = cache[next];
    next = (next + 1) % kCache;
    copy(c.path, host, n + 1);
    c.answer = found;
  }
  return found;
}

// The bytes of the strings ptvm writes for `args`, with their NULs.
std::size_t local_bytes(const Arg* args, std::size_t n) {
  std::size_t bytes = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (args[i].local) bytes += length(args[i].local) + 1;
  }
  return bytes;
}

// The pointers of `args` into `ptrs`: the program's own, or the strings ptvm writes (added to
// `batch` from *next on).
void place(Batch& batch, const Arg* args, std::size_t n, std::uint64_t* next, std::uint64_t* ptrs) {
  for (std::size_t i = 0; i < n; ++i) {
    if (!args[i].local) {
      ptrs[i] = args[i].remote;
      continue;
    }
    const std::size_t len = length(args[i].local) + 1;
    batch.write(RemotePtr<void>(*next), args[i].local, len);
    ptrs[i] = *next;
    *next += len;
  }
}

}  // namespace

int plan_exec(SyscallCall& call, const Walk& walk, const ExecRequest& request,
              PendingExec& pending) {
  const int pa = request.at ? 1 : 0;
  const int va = pa + 1;
  const std::uint64_t flags = request.at ? call.arg(4) : 0;
  const long dirfd = request.at ? static_cast<long>(static_cast<int>(call.arg(0))) : AT_FDCWD;
  char given[PATH_MAX];
  auto read = call.memory().read_string(RemotePtr<char>(call.arg(pa)), given, PATH_MAX);
  if (!read) return read.error() == Error::guest(ENAMETOOLONG) ? ENAMETOOLONG : 0;
  const bool empty_path = given[0] == 0;
  if (empty_path) {
    if (!request.at || !(flags & AT_EMPTY_PATH)) return ENOENT;
    // fexecve: the file of the fd, by its guest path.
    char proc[64];
    proc_path(proc, walk.tid, "/fd/", dirfd);
    char host[PATH_MAX];
    const long r = raw_syscall(SYS_readlink, reinterpret_cast<long>(proc),
                               reinterpret_cast<long>(host), PATH_MAX - 1);
    if (r < 0) return EBADF;
    host[r] = 0;
    // A memfd, a deleted file, or a file the guest was given from outside: no path to
    // translate, the kernel runs the fd's file (and, if dynamic, the host's loader for it).
    if (host[0] != '/' || deleted(host, r) || !walk.map.to_guest(host, given)) return 0;
  }
  char base[PATH_MAX] = "/";
  if (given[0] != '/') {
    if (int e = guest_dir(walk, dirfd, base)) return e;
  }
  Resolved r;
  if (int e = resolve(walk, base, given, !(flags & AT_SYMLINK_NOFOLLOW), r)) return e;
  if ((flags & AT_SYMLINK_NOFOLLOW) && r.complete) {
    char text[8];
    const long n = raw_syscall(SYS_readlink, reinterpret_cast<long>(r.host),
                               reinterpret_cast<long>(text), sizeof text);
    if (n >= 0) return ELOOP;  // the kernel's answer for a link it must not follow
  }
  // The name a script gets as its argument: execveat's relative to a directory fd is
  // /dev/fd/N/NAME (or /dev/fd/N for the fd itself), as the kernel makes it.
  char script_name[PATH_MAX];
  copy(script_name, given, length(given) + 1);
  if (request.at && static_cast<int>(dirfd) != AT_FDCWD && (empty_path || given[0] != '/')) {
    char* q = script_name;
    copy(q, "/dev/fd/", 8);
    q += 8;
    q += put_decimal(q, dirfd);
    if (!empty_path) {
      const std::size_t gl = length(given);
      if (8 + 24 + 1 + gl >= PATH_MAX) return ENAMETOOLONG;
      *q++ = '/';
      copy(q, given, gl + 1);
    }
  }

  // argv[0] and the number of arguments.
  const std::uint64_t argv = call.arg(va);
  std::size_t argc = 0;
  std::uint64_t argv0 = 0;
  for (std::uint64_t chunk[64]; argv != 0;) {
    auto got = call.memory().read(RemotePtr<void>(argv + 8 * argc), chunk, sizeof chunk);
    // The last chunk may cross into an unmapped page: then word by word.
    std::size_t words = 64;
    if (!got) {
      words = 1;
      if (!call.memory().read(RemotePtr<void>(argv + 8 * argc), chunk, 8)) return EFAULT;
    }
    std::size_t i = 0;
    while (i < words && chunk[i] != 0) ++i;
    if (argc == 0 && i > 0) argv0 = chunk[0];
    argc += i;
    if (i < words) break;
    if (argc > kMaxArgs) return E2BIG;
  }

  Front front;
  front.args[front.count++] = argv0 ? Arg{nullptr, argv0} : Arg{front.keep("", 0), 0};
  const std::size_t from = argc == 0 ? 0 : 1;  // the program's arguments after argv[0]
  bool rewritten_argv = false;
  const char* filename = front.keep(script_name, length(script_name));  // the script's argument
  if (!filename) return E2BIG;
  char cur_host[PATH_MAX], cur_guest[PATH_MAX];
  copy(cur_host, r.host, length(r.host) + 1);
  copy(cur_guest, r.guest, length(r.guest) + 1);
  const char* exec_path = cur_host;
  const QemuConfig* qemu = request.qemu && request.qemu->active ? request.qemu : nullptr;
  QemuEnv env;
  bool env_planned = false;  // env holds the new envp
  char loader_host[PATH_MAX];
  pending.host_loader[0] = 0;
  bool complete = r.complete;
  for (int level = 0;; ++level) {
    if (level > kMaxLevels) return ELOOP;
    if (!complete) break;  // the kernel fails on the path itself
    const long fd = open_host(cur_host);
    if (fd < 0 || executable(cur_host, walk.tid) != 0) {
      if (fd >= 0) raw_syscall(SYS_close, fd);
      if (level == 0) break;  // the kernel's errno for the program
      return fd < 0 ? static_cast<int>(-fd) : EACCES;
    }
    unsigned char head[256];
    const long n = pread_host(fd, head, sizeof head, 0);
    const char* interp = nullptr;
    const char* arg = nullptr;
    char elf_loader[PATH_MAX];
    if (n > 0 && parse_shebang(reinterpret_cast<const char*>(head), n, front, &interp, &arg)) {
      raw_syscall(SYS_close, fd);
      if (!interp) return ENOEXEC;
      Arg with[3];
      std::size_t k = 0;
      with[k++] = {interp, 0};
      if (arg) with[k++] = {arg, 0};
      with[k++] = {filename, 0};
      if (!front.replace_first(with, k)) return E2BIG;
      rewritten_argv = true;
      filename = interp;
      char cwd[PATH_MAX] = "/";
      if (interp[0] != '/') {
        if (int e = guest_dir(walk, AT_FDCWD, cwd)) return e;
      }
      Resolved next;
      if (int e = resolve(walk, cwd, interp, true, next)) return e;
      copy(cur_host, next.host, length(next.host) + 1);
      copy(cur_guest, next.guest, length(next.guest) + 1);
      complete = next.complete;
      if (!complete) return ENOENT;  // the interpreter is missing
      continue;
    }
    if (qemu && !native_image(*qemu, head, n)) {
      // A foreign program: QEMU ARGS [loader variables] -0 ARGV0 /guest/program ARGS...
      raw_syscall(SYS_close, fd);
      if (int e = plan_qemu_env(call, *qemu, call.arg(va + 1), true, env)) return e;
      const char* program = front.keep(cur_guest, length(cur_guest));
      if (!program) return E2BIG;
      Arg with[QemuConfig::kMaxArgs + QemuEnv::kMaxFront + 3];
      std::size_t k = 0;
      for (std::size_t i = 0; i < qemu->count; ++i) with[k++] = {qemu->args[i], 0};
      for (std::size_t i = 0; i < env.front_count; ++i) with[k++] = env.front[i];
      with[k++] = {"-0", 0};
      with[k++] = front.args[0];
      with[k++] = {program, 0};
      if (!front.replace_first(with, k)) return E2BIG;
      rewritten_argv = true;
      env_planned = true;
      exec_path = qemu->args[0];
      copy(pending.host_loader, qemu->args[0], length(qemu->args[0]) + 1);
      break;
    }
    const bool elf = n > 0 && elf_interp(fd, head, n, elf_loader);
    raw_syscall(SYS_close, fd);
    if (!elf || elf_loader[0] == 0) break;  // static, or not ELF: the kernel's
    // A dynamic program: the guest's loader runs it (with -q, a host program: the host's).
    char cwd[PATH_MAX] = "/";
    if (elf_loader[0] != '/') {
      if (int e = guest_dir(walk, AT_FDCWD, cwd)) return e;
    } else if (qemu) {
      const std::size_t ll = length(elf_loader);
      if (ll + sizeof kHostRootfs > PATH_MAX) return ENAMETOOLONG;
      for (std::size_t i = ll + 1; i-- > 0;) elf_loader[i + sizeof kHostRootfs - 1] = elf_loader[i];
      copy(elf_loader, kHostRootfs, sizeof kHostRootfs - 1);
    }
    Resolved loader;
    if (int e = resolve(walk, cwd, elf_loader, true, loader)) return e;
    const long lfd = loader.complete ? open_host(loader.host) : -ENOENT;
    if (lfd < 0) return static_cast<int>(-lfd);  // ENOENT, as the kernel for a missing loader
    raw_syscall(SYS_close, lfd);
    copy(loader_host, loader.host, length(loader.host) + 1);
    const char* loader_name = front.keep(elf_loader, length(elf_loader));
    const char* program = front.keep(cur_guest, length(cur_guest));
    if (!loader_name || !program) return E2BIG;
    Arg with[4];
    std::size_t k = 0;
    with[k++] = {loader_name, 0};
    if (takes_argv0(loader_host)) {
      with[k++] = {"--argv0", 0};
      with[k++] = front.args[0];
    }
    with[k++] = {program, 0};
    if (!front.replace_first(with, k)) return E2BIG;
    rewritten_argv = true;
    exec_path = loader_host;
    copy(pending.host_loader, loader_host, length(loader_host) + 1);
    break;
  }
  copy(pending.guest, cur_guest, length(cur_guest) + 1);
  pending.active = complete;
  // -q: a host program's environment (LD_LIBRARY_PATH through /host-rootfs).
  if (qemu && complete && !env_planned) {
    if (int e = plan_qemu_env(call, *qemu, call.arg(va + 1), false, env)) return e;
    env_planned = true;
  }

  // What to write: the path, then the new argv (its own strings, then the pointers).
  const std::size_t path_len = length(exec_path) + 1;
  bool same_path = true;
  for (std::size_t i = 0; i < path_len && same_path; ++i) same_path = given[i] == exec_path[i];
  if (same_path && !rewritten_argv && !request.at && !env_planned) return 0;
  std::size_t strings = path_len + local_bytes(front.args, front.count);
  if (env_planned) strings += local_bytes(env.env, env.env_count);
  strings = (strings + 7) & ~std::size_t{7};
  const std::size_t rest = argc - from;
  const std::size_t pointers = rewritten_argv ? front.count + rest + 1 : 0;
  const std::size_t env_pointers = env_planned ? env.env_count + 1 : 0;
  auto scratch = call.scratch(strings + 8 * (pointers + env_pointers));
  if (!scratch) return E2BIG;
  const std::uint64_t at = scratch->addr();
  Batch batch;
  batch.write(RemotePtr<void>(at), exec_path, path_len);
  std::uint64_t next = at + path_len;
  std::uint64_t ptrs[kMaxFront];
  place(batch, front.args, front.count, &next, ptrs);
  const std::uint64_t array = at + strings;
  if (rewritten_argv) batch.write(RemotePtr<void>(array), ptrs, 8 * front.count);
  const std::uint64_t env_array = array + 8 * pointers;
  std::uint64_t env_ptrs[QemuEnv::kMaxEnv + 2];
  if (env_planned) {
    place(batch, env.env, env.env_count, &next, env_ptrs);
    env_ptrs[env.env_count] = 0;
    batch.write(RemotePtr<void>(env_array), env_ptrs, 8 * env_pointers);
  }
  if (!call.memory().run(batch)) return E2BIG;
  if (rewritten_argv) {
    // The program's own argument pointers after argv[0], then NULL: copied in chunks.
    std::uint64_t chunk[64];
    for (std::size_t done = 0;;) {
      const std::size_t take = rest - done < 63 ? rest - done : 63;
      if (take > 0 &&
          !call.memory().read(RemotePtr<void>(argv + 8 * (from + done)), chunk, 8 * take)) {
        return EFAULT;
      }
      std::size_t put = take;
      if (done + take == rest) chunk[put++] = 0;
      if (!call.memory().write(RemotePtr<void>(array + 8 * (front.count + done)), chunk, 8 * put)) {
        return E2BIG;
      }
      done += take;
      if (done == rest) break;
    }
  }
  call.set_arg(pa, at);
  if (rewritten_argv) call.set_arg(va, array);
  if (env_planned) call.set_arg(va + 1, env_array);
  if (request.at) {
    call.set_arg(0, static_cast<std::uint64_t>(static_cast<long>(AT_FDCWD)));
    call.set_arg(4, 0);
  }
  return 0;
}

}  // namespace ptvm::path
