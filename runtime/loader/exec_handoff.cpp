#include "runtime/loader/exec_handoff.h"

#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/uio.h>
#include <sys/syscall.h>

#include <cerrno>

#include "core/cstr.h"
#include "core/raw_syscall.h"

#ifndef SYS_faccessat2
#define SYS_faccessat2 439  // Linux 5.8
#endif
#ifndef ST_NOEXEC
#define ST_NOEXEC 8
#endif

namespace ptvm::loader {
namespace {

constexpr int kMaxInterpreters = 5;  // exec_binprm's: depths 0 to 5
constexpr std::size_t kHead = 256;   // the kernel's BINPRM_BUF_SIZE: what `#!` may use
constexpr int kMaxPhdrs = 128;

using cstr::length;

void close_fd(int* fd) {
  if (*fd >= 0) raw_syscall(SYS_close, *fd);
  *fd = -1;
}

bool put(char* out, std::size_t cap, const char* s, std::size_t n) {
  if (n + 1 > cap) return false;
  for (std::size_t i = 0; i < n; ++i) out[i] = s[i];
  out[n] = '\0';
  return true;
}

// "/dev/fd/N" or "/dev/fd/N/PATH": the name the kernel gives a descriptor-relative exec.
void fd_name(char* out, int fd, const char* path) {
  char digits[16];
  int n = 0;
  unsigned v = static_cast<unsigned>(fd);
  do {
    digits[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v);
  std::size_t at = 0;
  for (const char* p = "/dev/fd/"; *p;) out[at++] = *p++;
  while (n) out[at++] = digits[--n];
  if (*path) {
    out[at++] = '/';
    for (; *path && at + 1 < PATH_MAX; ++path) out[at++] = *path;
  }
  out[at] = '\0';
}

// open_exec's answer for a file that may be executed but not read: only the kernel can map it.
// Outside both the descriptors and -errno.
constexpr long kExecOnly = -5000;

// The file execve would execute, opened for reading, after the checks of the kernel's
// open_exec, made on an O_PATH descriptor first: a FIFO or a device is refused (EACCES) without
// being opened, and a descriptor given with AT_EMPTY_PATH may be O_PATH itself.
long open_exec(int dirfd, const char* path, int flags) {
  long pfd = dirfd;
  if (path[0] == '\0') {
    if (!(flags & AT_EMPTY_PATH)) return -ENOENT;
  } else {
    pfd = raw_syscall(SYS_openat, dirfd, reinterpret_cast<long>(path),
                      O_PATH | O_CLOEXEC | ((flags & AT_SYMLINK_NOFOLLOW) ? O_NOFOLLOW : 0));
    if (pfd < 0) return pfd;
  }
  struct stat st;
  struct statfs fs;
  long r = raw_syscall(SYS_fstat, pfd, reinterpret_cast<long>(&st));
  // A link itself (AT_SYMLINK_NOFOLLOW; O_PATH opened it): the kernel's open says ELOOP.
  if (r == 0 && S_ISLNK(st.st_mode)) r = -ELOOP;
  if (r == 0 && !S_ISREG(st.st_mode)) r = -EACCES;
  if (r == 0 && raw_syscall(SYS_faccessat2, pfd, reinterpret_cast<long>(""), X_OK,
                            AT_EMPTY_PATH | AT_EACCESS) != 0) {
    r = -EACCES;
  }
  if (r == 0 && raw_syscall(SYS_fstatfs, pfd, reinterpret_cast<long>(&fs)) == 0 &&
      (fs.f_flags & ST_NOEXEC)) {
    r = -EACCES;
  }
  if (r == 0) {  // the file itself, for reading
    char proc[32] = "/proc/self/fd/";
    std::size_t at = 14;
    char digits[12];
    int n = 0;
    for (unsigned long v = static_cast<unsigned long>(pfd); n == 0 || v; v /= 10) {
      digits[n++] = static_cast<char>('0' + v % 10);
    }
    while (n) proc[at++] = digits[--n];
    proc[at] = '\0';
    r = raw_syscall(SYS_openat, AT_FDCWD, reinterpret_cast<long>(proc), O_RDONLY | O_CLOEXEC);
    if (r == -EACCES) r = kExecOnly;
  }
  if (pfd != dirfd) raw_syscall(SYS_close, pfd);
  return r;
}

struct Elf {
  Elf64_Ehdr eh;
  Elf64_Phdr ph[kMaxPhdrs];
};

// 0: an x86-64 ELF the loader maps; kCannotHost: another ELF (the kernel's business; why in
// *why); -ENOEXEC: not an ELF the kernel would run.
long read_elf(int fd, const unsigned char* head, long n, Elf* elf, HandoverReason* why) {
  if (n < static_cast<long>(sizeof elf->eh) || head[0] != ELFMAG0 || head[1] != ELFMAG1 ||
      head[2] != ELFMAG2 || head[3] != ELFMAG3) {
    return -ENOEXEC;
  }
  auto* eh = reinterpret_cast<unsigned char*>(&elf->eh);
  for (std::size_t i = 0; i < sizeof elf->eh; ++i) eh[i] = head[i];
  if (elf->eh.e_ident[EI_CLASS] != ELFCLASS64 || elf->eh.e_machine != EM_X86_64) {
    *why = HandoverReason::foreign;
    return kCannotHost;
  }
  if ((elf->eh.e_type != ET_EXEC && elf->eh.e_type != ET_DYN) ||
      elf->eh.e_phentsize != sizeof(Elf64_Phdr) || elf->eh.e_phnum == 0) {
    return -ENOEXEC;
  }
  if (elf->eh.e_phnum > kMaxPhdrs) {
    *why = HandoverReason::too_many_headers;
    return kCannotHost;
  }
  const long bytes = elf->eh.e_phnum * static_cast<long>(sizeof(Elf64_Phdr));
  if (raw_syscall(SYS_pread64, fd, reinterpret_cast<long>(elf->ph), bytes,
                  static_cast<long>(elf->eh.e_phoff)) != bytes) {
    return -ENOEXEC;
  }
  return 0;
}

// The file offset of virtual address `v` in a PT_LOAD segment's file bytes, or -1.
long file_offset(const Elf& elf, std::uint64_t v) {
  for (int i = 0; i < elf.eh.e_phnum; ++i) {
    const Elf64_Phdr& ph = elf.ph[i];
    if (ph.p_type == PT_LOAD && v >= ph.p_vaddr && v - ph.p_vaddr < ph.p_filesz) {
      return static_cast<long>(v - ph.p_vaddr + ph.p_offset);
    }
  }
  return -1;
}

// Whether the string table at file `offset` (`size` bytes) holds `name` as a whole string.
bool table_holds(int fd, long offset, std::uint64_t size, const char* name) {
  const std::size_t want = length(name);
  if (offset < 0 || want == 0 || want > 64) return false;
  // Chunks that overlap by the name and its two NULs, so that no occurrence is cut.
  char buf[2048];
  const std::uint64_t step = sizeof buf - want - 2;
  for (std::uint64_t at = 0; at < size; at += step) {
    const std::uint64_t ask = size - at < sizeof buf ? size - at : sizeof buf;
    const long n = raw_syscall(SYS_pread64, fd, reinterpret_cast<long>(buf), static_cast<long>(ask),
                               offset + static_cast<long>(at));
    if (n <= 0) return false;
    for (long i = 0; i + static_cast<long>(want) + 1 < n; ++i) {
      if (buf[i] != '\0') continue;
      std::size_t k = 0;
      while (k < want && buf[i + 1 + static_cast<long>(k)] == name[k]) ++k;
      if (k == want && buf[i + 1 + static_cast<long>(want)] == '\0') return true;
    }
  }
  return false;
}

// A static program's: the string table of its symbol table (.strtab), if it was not stripped.
bool static_names_symbol(int fd, const Elf& elf, const char* name) {
  const Elf64_Ehdr& eh = elf.eh;
  if (eh.e_shoff == 0 || eh.e_shentsize != sizeof(Elf64_Shdr) || eh.e_shnum == 0) return false;
  Elf64_Shdr sh[32];
  for (unsigned first = 0; first < eh.e_shnum; first += 32) {
    const long n = raw_syscall(SYS_pread64, fd, reinterpret_cast<long>(sh), sizeof sh,
                               static_cast<long>(eh.e_shoff + first * sizeof(Elf64_Shdr)));
    if (n <= 0) return false;
    for (long k = 0; k < n / static_cast<long>(sizeof sh[0]) && first + k < eh.e_shnum; ++k) {
      if (sh[k].sh_type != SHT_SYMTAB || sh[k].sh_link >= eh.e_shnum) continue;
      Elf64_Shdr strtab;
      if (raw_syscall(SYS_pread64, fd, reinterpret_cast<long>(&strtab), sizeof strtab,
                      static_cast<long>(eh.e_shoff + sh[k].sh_link * sizeof(Elf64_Shdr))) !=
              sizeof strtab ||
          strtab.sh_type != SHT_STRTAB) {
        return false;
      }
      return table_holds(fd, static_cast<long>(strtab.sh_offset), strtab.sh_size, name);
    }
  }
  return false;
}

// Whether the dynamic string table of `elf` (open at `fd`) holds `name` as a whole string; for
// a static program, the string table of its symbols.
bool names_symbol(int fd, const Elf& elf, const char* name) {
  const Elf64_Phdr* dynamic = nullptr;
  for (int i = 0; i < elf.eh.e_phnum; ++i) {
    if (elf.ph[i].p_type == PT_DYNAMIC) dynamic = &elf.ph[i];
  }
  bool interp = false;
  for (int i = 0; i < elf.eh.e_phnum; ++i) interp |= elf.ph[i].p_type == PT_INTERP;
  if (!interp) return static_names_symbol(fd, elf, name);  // static (static-pie too)
  if (dynamic == nullptr) return false;
  std::uint64_t strtab = 0, strsz = 0;
  Elf64_Dyn dyn[32];
  for (std::uint64_t at = 0; at < dynamic->p_filesz && !(strtab && strsz); at += sizeof dyn) {
    const long n = raw_syscall(SYS_pread64, fd, reinterpret_cast<long>(dyn), sizeof dyn,
                               static_cast<long>(dynamic->p_offset + at));
    if (n <= 0) return false;
    for (long k = 0; k < n / static_cast<long>(sizeof dyn[0]); ++k) {
      if (dyn[k].d_tag == DT_NULL) at = dynamic->p_filesz;
      if (dyn[k].d_tag == DT_STRTAB) strtab = dyn[k].d_un.d_ptr;
      if (dyn[k].d_tag == DT_STRSZ) strsz = dyn[k].d_un.d_val;
    }
  }
  return strtab && table_holds(fd, file_offset(elf, strtab), strsz, name);
}

// open_exec of a name of the program's (the guest's, with the path VM: its canonical guest path
// into `guest`, PATH_MAX, which is left alone otherwise).
long open_named(const ExecRequest& request, int dirfd, const char* path, int flags, char* guest) {
  if (request.guest == nullptr || path[0] == '\0') return open_exec(dirfd, path, flags);
  char host[PATH_MAX];
  const long r = request.guest->to_host(request.guest->context, dirfd, path,
                                        !(flags & AT_SYMLINK_NOFOLLOW), host, guest);
  if (r < 0) return r;
  return open_exec(AT_FDCWD, host, flags & AT_SYMLINK_NOFOLLOW);
}

// The ELF's PT_INTERP, opened; -1 when it has none, -errno, or kExecOnly.
long open_interpreter(const ExecRequest& request, int fd, const Elf& elf) {
  for (int i = 0; i < elf.eh.e_phnum; ++i) {
    const Elf64_Phdr& ph = elf.ph[i];
    if (ph.p_type != PT_INTERP) continue;
    char path[PATH_MAX];
    if (ph.p_filesz < 2 || ph.p_filesz > sizeof path) return -ENOEXEC;
    if (raw_syscall(SYS_pread64, fd, reinterpret_cast<long>(path), static_cast<long>(ph.p_filesz),
                    static_cast<long>(ph.p_offset)) != static_cast<long>(ph.p_filesz) ||
        path[ph.p_filesz - 1] != '\0') {
      return -ENOEXEC;
    }
    char guest[PATH_MAX];
    const long ifd = open_named(request, AT_FDCWD, path, 0, guest);
    if (ifd == kExecOnly) return kExecOnly;
    if (ifd < 0) return ifd;
    unsigned char head[sizeof(Elf64_Ehdr)];
    Elf64_Ehdr ieh;
    const long n = raw_syscall(SYS_pread64, ifd, reinterpret_cast<long>(head), sizeof head, 0);
    auto* out = reinterpret_cast<unsigned char*>(&ieh);
    for (std::size_t k = 0; k < sizeof ieh && n == sizeof head; ++k) out[k] = head[k];
    if (n != sizeof head || head[0] != ELFMAG0 || head[1] != ELFMAG1 || head[2] != ELFMAG2 ||
        head[3] != ELFMAG3 || ieh.e_ident[EI_CLASS] != ELFCLASS64 || ieh.e_machine != EM_X86_64 ||
        ieh.e_phentsize != sizeof(Elf64_Phdr)) {
      raw_syscall(SYS_close, ifd);
      return -ELIBBAD;
    }
    return ifd;
  }
  return -1;
}

// A `#!` line, as binfmt_script reads it: the interpreter and its one optional argument.
// False when `head` is not a script; -ENOEXEC in *error for a script the kernel refuses.
bool parse_script(const unsigned char* head, long n, char* interp, char* arg, long* error) {
  if (n < 2 || head[0] != '#' || head[1] != '!') return false;
  long end = 2;
  while (end < n && head[end] != '\n' && head[end] != '\0') ++end;
  long i = 2;
  while (i < end && (head[i] == ' ' || head[i] == '\t')) ++i;
  const long start = i;
  while (i < end && head[i] != ' ' && head[i] != '\t') ++i;
  // An interpreter cut by the end of the buffer would be another file: the kernel refuses it.
  if (i == start || (i == n && n == static_cast<long>(kHead))) {
    *error = -ENOEXEC;
    return true;
  }
  put(interp, kHead, reinterpret_cast<const char*>(head + start),
      static_cast<std::size_t>(i - start));
  while (i < end && (head[i] == ' ' || head[i] == '\t')) ++i;
  long stop = end;
  while (stop > i && (head[stop - 1] == ' ' || head[stop - 1] == '\t')) --stop;
  put(arg, kHead, reinterpret_cast<const char*>(head + i), static_cast<std::size_t>(stop - i));
  *error = 0;
  return true;
}

}  // namespace

void ExecPlan::abandon() {
  close_fd(&runtime_fd);
  close_fd(&handoff_fd);
  close_fd(&program_fd);
  close_fd(&interp_fd);
}

long prepare_exec(const ExecRequest& request, Handoff* handoff, ExecPlan* plan) {
  handoff->program_fd = handoff->interp_fd = -1;
  handoff->guest = request.guest != nullptr;
  handoff->config[0] = handoff->exe[0] = handoff->execfn[0] = '\0';
  if (handoff->guest) handoff->guest_exe[0] = handoff->guest_cwd[0] = '\0';
  plan->argv = request.argv;
  plan->cannot_host = HandoverReason::unknown;
  auto cannot_host = [plan](HandoverReason why) {
    plan->cannot_host = why;
    return kCannotHost;
  };
  // AT_EXECFN: the name the kernel gives the file (also what `#!` passes to the interpreter).
  if (request.dirfd == AT_FDCWD || request.path[0] == '/') {
    if (!put(handoff->execfn, sizeof handoff->execfn, request.path, length(request.path))) {
      return -ENAMETOOLONG;
    }
  } else {
    fd_name(handoff->execfn, request.dirfd, request.path);
  }
  long fd = open_named(request, request.dirfd, request.path, request.flags, handoff->guest_exe);
  if (fd == kExecOnly) return cannot_host(HandoverReason::unreadable);
  if (fd < 0) return fd;
  // What `#!` puts before the program's argv[1..] (whose argv[0] goes), in reverse: the file
  // name, then per level the argument and the interpreter (the next level's file name).
  std::size_t added = 0;
  std::uintptr_t front[1 + 2 * kMaxInterpreters];
  front[added++] = reinterpret_cast<std::uintptr_t>(handoff->execfn);
  for (int depth = 0;; ++depth) {
    unsigned char head[kHead];
    const long n = raw_syscall(SYS_pread64, fd, reinterpret_cast<long>(head), sizeof head, 0);
    char* interp = plan->strings[2 * (depth % kMaxInterpreters)];
    char* arg = plan->strings[2 * (depth % kMaxInterpreters) + 1];
    long error = 0;
    if (n < 0 || !parse_script(head, n, interp, arg, &error)) {
      Elf elf;
      long r = n < 0 ? n : read_elf(static_cast<int>(fd), head, n, &elf, &plan->cannot_host);
      if (r == 0) {
        const long ifd = open_interpreter(request, static_cast<int>(fd), elf);
        if (ifd == kExecOnly) {
          r = cannot_host(HandoverReason::unreadable_interpreter);  // the kernel may map it
        } else if (ifd < -1) {
          r = ifd;
        } else {
          plan->interp_fd = static_cast<int>(ifd);
        }
      }
      struct stat st;
      if (r == 0 && raw_syscall(SYS_fstat, fd, reinterpret_cast<long>(&st)) == 0 &&
          (st.st_mode & (S_ISUID | S_ISGID))) {
        r = cannot_host(HandoverReason::setuid);  // a userland exec grants no privilege
      }
      if (r == 0 && request.tracers_to_ptrace &&
          names_symbol(static_cast<int>(fd), elf, "ptrace")) {
        r = cannot_host(HandoverReason::tracer);  // the ptrace backend emulates its ptrace
      }
      plan->program_fd = static_cast<int>(fd);
      if (r != 0) {
        plan->abandon();
        return r;
      }
      break;
    }
    raw_syscall(SYS_close, fd);
    if (error) return error;
    if (depth + 1 > kMaxInterpreters) return -ELOOP;
    // argv becomes: interpreter, its argument, the script's name, the script's argv[1..].
    if (*arg) front[added++] = reinterpret_cast<std::uintptr_t>(arg);
    front[added++] = reinterpret_cast<std::uintptr_t>(interp);
    fd = open_named(request, AT_FDCWD, interp, 0, handoff->guest_exe);
    if (fd == kExecOnly) return cannot_host(HandoverReason::unreadable);
    if (fd < 0) return fd;
  }
  if (added > 1) {
    std::size_t at = 0;
    for (std::size_t i = added; i > 0; --i) plan->rebuilt[at++] = front[i - 1];
    std::uintptr_t word = 0;  // the program's argv[1..] (if argv[0] exists at all)
    if (request.argv != 0 && !request.read_word(request.argv, &word)) {
      plan->abandon();
      return -EFAULT;
    }
    for (std::size_t i = 1; word != 0; ++i) {
      if (!request.read_word(request.argv + i * sizeof word, &word)) {
        plan->abandon();
        return -EFAULT;
      }
      if (word == 0) break;
      if (at == ExecPlan::kMaxRebuilt) {
        plan->abandon();
        return -E2BIG;
      }
      plan->rebuilt[at++] = word;
    }
    plan->rebuilt[at] = 0;
    plan->argv = reinterpret_cast<std::uintptr_t>(plan->rebuilt);
  }
  // What /proc/self/exe says: the ELF's own name.
  char link[32];
  fd_name(link, plan->program_fd, "");
  char proc[32] = "/proc/self/fd/";
  put(proc + 14, sizeof proc - 14, link + 8, length(link + 8));
  const long len = raw_syscall(SYS_readlink, reinterpret_cast<long>(proc),
                               reinterpret_cast<long>(handoff->exe), sizeof handoff->exe - 1);
  if (len > 0) handoff->exe[len] = '\0';
  if (request.guest) {
    // A program given by descriptor (fexecve): named by where the guest sees its file.
    if (handoff->guest_exe[0] == '\0' &&
        !(handoff->exe[0] == '/' &&
          request.guest->to_guest(request.guest->context, handoff->exe, handoff->guest_exe))) {
      put(handoff->guest_exe, sizeof handoff->guest_exe, handoff->exe, length(handoff->exe));
    }
    put(handoff->guest_cwd, sizeof handoff->guest_cwd, request.guest->cwd,
        length(request.guest->cwd));
  }
  put(handoff->config, sizeof handoff->config, request.config, length(request.config));
  handoff->program_fd = plan->program_fd;
  handoff->interp_fd = plan->interp_fd;
  handoff->traced = request.traced;
  handoff->sigsys_blocked = request.sigsys_blocked;
  handoff->record_len = static_cast<std::uint32_t>(
      request.record && request.record_len <= kMaxRecord ? request.record_len : 0);

  PackedHandoff head{};
  head.magic = PackedHandoff::kMagic;
  head.record_len = handoff->record_len;
  head.program_fd = handoff->program_fd;
  head.interp_fd = handoff->interp_fd;
  head.traced = handoff->traced;
  head.sigsys_blocked = handoff->sigsys_blocked;
  const char* const strings[] = {handoff->config, handoff->exe, handoff->execfn,
                                 handoff->guest ? handoff->guest_exe : "",
                                 handoff->guest ? handoff->guest_cwd : ""};
  struct iovec iov[2 + sizeof strings / sizeof strings[0]];
  int n = 0;
  iov[n++] = {&head, sizeof head};
  for (const char* s : strings) {
    iov[n] = {const_cast<char*>(s), length(s) + 1};
    head.strings += static_cast<std::uint32_t>(iov[n++].iov_len);
  }
  if (head.record_len) iov[n++] = {const_cast<char*>(request.record), head.record_len};
  const long total = static_cast<long>(sizeof head + head.strings + head.record_len);
  long r = raw_syscall(SYS_memfd_create, reinterpret_cast<long>("ptvm-exec"), 0);
  if (r >= 0) {
    plan->handoff_fd = static_cast<int>(r);
    r = raw_syscall(SYS_pwritev, r, reinterpret_cast<long>(iov), n, 0, 0);
    r = r == total ? 0 : (r < 0 ? r : -EIO);
  }
  if (r == 0) {
    r = raw_syscall(SYS_open, reinterpret_cast<long>(request.runtime), O_RDONLY);
    if (r >= 0) {
      plan->runtime_fd = static_cast<int>(r);
      r = raw_syscall(SYS_lseek, plan->runtime_fd, plan->handoff_fd, SEEK_SET);
    }
  }
  // The program's descriptors survive the exec of the runtime.
  if (r >= 0) r = raw_syscall(SYS_fcntl, plan->program_fd, F_SETFD, 0);
  if (r >= 0 && plan->interp_fd >= 0) r = raw_syscall(SYS_fcntl, plan->interp_fd, F_SETFD, 0);
  if (r < 0) {
    plan->abandon();
    return r;
  }
  return 0;
}

bool elf_names_symbol(int fd, const char* name) {
  unsigned char head[sizeof(Elf64_Ehdr)];
  const long n = raw_syscall(SYS_pread64, fd, reinterpret_cast<long>(head), sizeof head, 0);
  Elf elf;
  HandoverReason why;
  return n > 0 && read_elf(fd, head, n, &elf, &why) == 0 && names_symbol(fd, elf, name);
}

}  // namespace ptvm::loader
