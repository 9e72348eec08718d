// Rewriting of hot system-call sites: see rewrite.h and README.md.
//
// A site `mov $nr,%eax; syscall` (b8 n n n n 0f 05) becomes `jmp *ABS32` (ff 24 25 a a 0f 05),
// through entry k of the jump table at 0x050f0000 + 8k: only its first five bytes change, and
// the last two are still `syscall`. So every instruction boundary of the old code stays one of
// the new: a thread that had executed the mov but not the syscall when the site was patched
// (preempted there, or a signal frame pointing there) runs the old syscall, which traps as
// before. The five bytes are replaced by one locked cmpxchg within a cache line, so another
// thread fetches either the old or the new instruction, never a mix. `mov $nr,%rax; syscall`
// (48 c7 c0 n n n n 0f 05) is the same with seven bytes before the syscall.
//
// Stub k (in the allowed range: its syscall does not trap) sets EAX, makes the call and jumps
// back after the site with RCX = the site's return address, as the native instruction leaves
// it; the flags are never touched (R11 = the flags, as natively). Calls on a descriptor first
// look whether it is ptvm's output (which the program must not reach) and then take the slow
// path: a jump to the site's own syscall instruction, which traps.
//
// A signal that stops a thread inside a stub: translate_context() turns the context into the
// one the thread would have at the site (before its syscall, or after it), which is what the
// program's handler sees and where it resumes; resume_in_stub() takes a sigreturn frame that
// resumes on a patched site's syscall back into the stub (SA_RESTART stays fast).
#include "runtime/rewrite/rewrite.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/ucontext.h>

#include <cstddef>
#include <cstdint>

#include "core/raw_syscall.h"
#include "runtime/loader/load.h"
#include "runtime/main/cold_bss.h"
#include "runtime/rewrite/layout.h"

extern "C" {
__attribute__((visibility("hidden"))) std::size_t ptvm_safe_copy(void* dst, const void* src,
                                                                 std::size_t n);
// stub_template.S
#define PTVM_RW_LABEL(name) __attribute__((visibility("hidden"))) extern const unsigned char name[]
PTVM_RW_LABEL(ptvm_rw_count);
PTVM_RW_LABEL(ptvm_rw_count_load_end);
PTVM_RW_LABEL(ptvm_rw_count_store_end);
PTVM_RW_LABEL(ptvm_rw_fd);
PTVM_RW_LABEL(ptvm_rw_fd_load_end);
PTVM_RW_LABEL(ptvm_rw_fd_swapped);
PTVM_RW_LABEL(ptvm_rw_fd_restored);
PTVM_RW_LABEL(ptvm_rw_call);
PTVM_RW_LABEL(ptvm_rw_call_nr_end);
PTVM_RW_LABEL(ptvm_rw_call_syscall_end);
PTVM_RW_LABEL(ptvm_rw_call_return_end);
PTVM_RW_LABEL(ptvm_rw_slow_fd);
PTVM_RW_LABEL(ptvm_rw_slow_nr_end);
PTVM_RW_LABEL(ptvm_rw_slow_target);
PTVM_RW_LABEL(ptvm_rw_end);
PTVM_RW_LABEL(ptvm_rw_wanted);
PTVM_RW_LABEL(ptvm_rw_wanted_below);
PTVM_RW_LABEL(ptvm_rw_wanted_call_end);
PTVM_RW_LABEL(ptvm_rw_wanted_above);
PTVM_RW_LABEL(ptvm_rw_wanted_return_end);
PTVM_RW_LABEL(ptvm_rw_wanted_end);
PTVM_RW_LABEL(ptvm_rw_enter);
#undef PTVM_RW_LABEL
__attribute__((visibility("hidden"))) extern unsigned char ptvm_rw_area[];
}

namespace ptvm::rewrite {

[[gnu::hot]] bool takes_descriptor(long nr) {
  switch (nr) {
    case SYS_close:
    case SYS_fcntl:
    case SYS_dup:
    case SYS_fstat:
    case SYS_read:
    case SYS_write:
    case SYS_pread64:
    case SYS_pwrite64:
    case SYS_lseek:
    case SYS_ioctl:
      return true;
    default:
      return false;
  }
}

[[gnu::hot]] bool changes_memory_map(long nr) {
  switch (nr) {
    case SYS_mmap:
    case SYS_munmap:
    case SYS_mprotect:
    case SYS_pkey_mprotect:
    case SYS_mremap:
    case SYS_madvise:
    case SYS_shmat:
    case SYS_shmdt:
      return true;
    default:
      return false;
  }
}

namespace {

long sys(long nr, long a1 = 0, long a2 = 0, long a3 = 0, long a4 = 0, long a5 = 0, long a6 = 0) {
  return raw_syscall(nr, a1, a2, a3, a4, a5, a6);
}

// ---- which calls a stub may make --------------------------------------------------------------

enum class Kind { kNever, kDirect, kDescriptor, kRuntime };

// kNever: the call needs the signal frame (clone, exec, exit, the signal mask and actions,
// sigaltstack: runtime/self's self_perform and runtime.cpp's perform() work on it). kRuntime: into
// the runtime without a signal (ptvm_rw_enter): the module stack when a module wants the call,
// and perform() always, which also does what the runtime adds to a call no module wants (the
// names of /proc/self/exe, ptvm's descriptor, the memory map's changes). kDescriptor: made
// directly unless the descriptor is ptvm's output. kDirect: made directly.
Kind kind_of(long nr, bool wanted) {
  switch (nr) {
    case SYS_execve:
    case SYS_execveat:
    case SYS_exit:
    case SYS_exit_group:
    case SYS_clone:
    case SYS_clone3:
    case SYS_fork:
    case SYS_vfork:
    case SYS_rt_sigaction:
    case SYS_rt_sigprocmask:
    case SYS_rt_sigsuspend:
    case SYS_rt_sigreturn:
    case SYS_sigaltstack:
      return Kind::kNever;
    case SYS_arch_prctl:
    case SYS_prctl:
    case SYS_dup2:
    case SYS_dup3:
    case SYS_getdents64:
    case SYS_open:  // the names of /proc/self/exe
    case SYS_openat:
    case SYS_openat2:
    case SYS_stat:
    case SYS_newfstatat:
    case SYS_statx:
    case SYS_access:
    case SYS_faccessat:
    case SYS_faccessat2:
    case SYS_readlink:
    case SYS_readlinkat:
    case SYS_ptrace:  // a tracer is refused in-process
      return Kind::kRuntime;
    default:
      return changes_memory_map(nr) || wanted ? Kind::kRuntime
             : takes_descriptor(nr)           ? Kind::kDescriptor
                                              : Kind::kDirect;
  }
}

// ---- per process state (a fork child has a copy, an execve starts afresh) ---------------------

// What a signal that stops a thread in stub k needs to know (offsets from the stub's start).
struct StubInfo {
  std::uintptr_t after;  // the site's syscall ends here; 0 while the stub is written
  std::uint32_t nr;
  bool wanted;                     // made by ptvm_rw_enter: the offsets below are the second set
  std::uint8_t swapped, restored;  // RIP in [swapped, restored): RAX holds the program's RCX
  std::uint8_t syscall_end;        // after the stub's syscall instruction
  std::uint8_t slow_fd;            // the slow path's xchg (RAX holds RCX), then the slow path
  std::uint8_t below, call_end, above;  // wanted: RSP is 128 lower in [below, above); the call
                                        // is made from call_end on
};

// Traps of a site before it is patched (--rewrite-after): a patch costs a few system calls and a
// private copy of a text page, a trap ~3 µs: once-only code stays, and so do the sites of a
// short-lived process (the dynamic loader's, those of a program's start and end).
std::uint32_t g_threshold = 16;

enum State : std::uint8_t { kCounting, kPatched, kRefused };
struct Site {
  std::uintptr_t after;  // the address after the syscall instruction; 0: free
  std::uint32_t count;
  State state;
};
// Distinct trapping sites remembered: a process traps at a few hundred at most (glibc has ~440
// sites in all), and every page of the table that a fresh process writes costs it a fault: 1024
// entries, four pages, made present at once by init().
constexpr int kSiteBits = 10;
constexpr std::size_t kSites = std::size_t{1} << kSiteBits;
alignas(4096) PTVM_COLD_BSS Site g_sites[kSites];
std::size_t g_site_count;
std::uintptr_t g_low = ~std::uintptr_t{0}, g_high;  // the sites decided so far lie in [low, high]

bool g_enabled;
int g_lock;  // try-lock only: whoever finds it taken goes on without patching (never waits)
int g_next_stub;
bool g_table_mapped;
long g_neg_out_fd = 1;  // -(ptvm's output descriptor); read by the descriptor stubs

// The executable mappings as /proc/self/maps said last (invalid after a change of the map).
struct Text {
  std::uintptr_t start, end;
  bool usable;  // r-xp and a file's: may be patched in the process's private copy
};
constexpr int kTexts = 256;
PTVM_COLD_BSS Text g_texts[kTexts];
int g_text_count;
bool g_texts_valid;  // atomic: cleared by any thread's change of the map
bool g_traced;

// The near patches' paddings: a signal that stops a thread on one (between the site's short
// jump and the padding's jump through the table) is shown the site.
struct Pad {
  std::uintptr_t at, after;
};
constexpr int kPads = 64;
PTVM_COLD_BSS Pad g_pads[kPads];
int g_pad_count;

Stats* g_shared;
Stats g_local;  // this process's, not yet added to the shared table
PTVM_COLD_BSS std::uint64_t
    g_counters[PTVM_REWRITE_MAX_SITES];  // calls per stub, counted by the stubs
PTVM_COLD_BSS StubInfo g_stubs[PTVM_REWRITE_MAX_SITES];

bool try_lock() {
  int expected = 0;
  return __atomic_compare_exchange_n(&g_lock, &expected, 1, false, __ATOMIC_ACQUIRE,
                                     __ATOMIC_RELAXED);
}
void unlock() {
  __atomic_store_n(&g_lock, 0, __ATOMIC_RELEASE);
}

Site* find_or_add(std::uintptr_t after) {
  std::size_t i = (after * 0x9e3779b97f4a7c15ULL) >> (64 - kSiteBits);
  for (std::size_t probe = 0; probe < kSites; ++probe, i = (i + 1) & (kSites - 1)) {
    if (g_sites[i].after == after) return &g_sites[i];
    if (g_sites[i].after == 0) {
      if (g_site_count + 1 >= kSites) return nullptr;  // keep one free: lookups end
      ++g_site_count;
      g_sites[i] = Site{after, 0, kCounting};
      return &g_sites[i];
    }
  }
  return nullptr;
}

// ---- the memory map ---------------------------------------------------------------------------

std::uintptr_t parse_hex(const char** s) {
  std::uintptr_t v = 0;
  for (;; ++*s) {
    const char c = **s;
    if (c >= '0' && c <= '9') {
      v = v * 16 + static_cast<std::uintptr_t>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      v = v * 16 + static_cast<std::uintptr_t>(c - 'a' + 10);
    } else {
      return v;
    }
  }
}

// One line of /proc/self/maps: "start-end perms offset dev inode   path".
void add_text(const char* line) {
  const char* s = line;
  const std::uintptr_t start = parse_hex(&s);
  if (*s++ != '-') return;
  const std::uintptr_t end = parse_hex(&s);
  if (*s++ != ' ' || s[0] == '\0' || s[1] == '\0' || s[2] != 'x' || s[3] == '\0') return;
  const bool private_rx = s[0] == 'r' && s[1] == '-' && s[3] == 'p';
  for (int field = 0; field < 4 && *s; ++field) {  // perms, offset, dev, inode
    while (*s && *s != ' ') ++s;
    while (*s == ' ') ++s;
  }
  if (g_text_count == kTexts) return;
  g_texts[g_text_count++] = Text{start, end, private_rx && *s == '/'};
}

bool read_texts() {
  g_text_count = 0;
  const long fd =
      sys(SYS_openat, AT_FDCWD, reinterpret_cast<long>("/proc/self/maps"), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char chunk[4096];
  char line[128];  // enough for the fields and the path's first character
  std::size_t used = 0;
  for (;;) {
    const long n = sys(SYS_read, fd, reinterpret_cast<long>(chunk), sizeof chunk);
    if (n <= 0) break;
    for (long i = 0; i < n; ++i) {
      if (chunk[i] == '\n') {
        line[used] = '\0';
        add_text(line);
        used = 0;
      } else if (used + 1 < sizeof line) {
        line[used++] = chunk[i];
      }
    }
  }
  sys(SYS_close, fd);
  return true;
}

}  // namespace

long tracer_pid() {
  char buf[2048];
  const long fd = sys(SYS_openat, AT_FDCWD, reinterpret_cast<long>("/proc/thread-self/status"),
                      O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  const long n = sys(SYS_read, fd, reinterpret_cast<long>(buf), sizeof buf - 1);
  sys(SYS_close, fd);
  if (n <= 0) return -1;
  buf[n] = '\0';
  static constexpr char kKey[] = "\nTracerPid:";
  for (long i = 0; i + static_cast<long>(sizeof kKey) < n; ++i) {
    bool match = true;
    for (std::size_t k = 0; k + 1 < sizeof kKey && match; ++k) match = buf[i + k] == kKey[k];
    if (!match) continue;
    long v = 0;
    for (i += sizeof kKey - 1; buf[i] == '\t' || buf[i] == ' '; ++i) {
    }
    for (; buf[i] >= '0' && buf[i] <= '9'; ++i) v = v * 10 + (buf[i] - '0');
    return v;
  }
  return -1;
}

namespace {

bool usable_text(std::uintptr_t from, std::uintptr_t to) {
  if (!__atomic_load_n(&g_texts_valid, __ATOMIC_ACQUIRE)) {
    __atomic_store_n(&g_texts_valid, true, __ATOMIC_RELAXED);  // a change from now on clears it
    g_traced = tracer_pid() != 0;
    if (!read_texts()) return false;
  }
  for (int i = 0; i < g_text_count; ++i) {
    if (g_texts[i].start <= from && to <= g_texts[i].end) return g_texts[i].usable;
  }
  return false;
}

// ---- stubs ------------------------------------------------------------------------------------

void put32(unsigned char* field_end, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) field_end[i - 4] = static_cast<unsigned char>(v >> (8 * i));
}
void put64(unsigned char* field_end, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) field_end[i - 8] = static_cast<unsigned char>(v >> (8 * i));
}
// A rip-relative field: the distance from the instruction's end (the field's end) to `target`.
void put_rel32(unsigned char* field_end, const void* target) {
  put32(field_end, static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(target) -
                                              reinterpret_cast<std::uintptr_t>(field_end)));
}
// Copies the template's [from, to) to *at; returns where it went.
unsigned char* emit(unsigned char** at, const unsigned char* from, const unsigned char* to) {
  unsigned char* const start = *at;
  for (const unsigned char* p = from; p < to; ++p) *(*at)++ = *p;
  return start;
}
// The copy of template label `label` in a piece copied from `piece` to `copy`.
unsigned char* in_copy(unsigned char* copy, const unsigned char* piece,
                       const unsigned char* label) {
  return copy + (label - piece);
}

constexpr long kPageBytes = 4096;
std::uintptr_t page_of(std::uintptr_t a) {
  return a & ~static_cast<std::uintptr_t>(kPageBytes - 1);
}

// Writes stub k for the site whose syscall instruction ends at `after`; its address.
unsigned char* write_stub(int k, std::uintptr_t after, long nr, Kind kind) {
  unsigned char* const stub = ptvm_rw_area + static_cast<std::size_t>(k) * PTVM_REWRITE_STUB_BYTES;
  const std::uintptr_t page = page_of(reinterpret_cast<std::uintptr_t>(stub));
  if (sys(SYS_mprotect, static_cast<long>(page), kPageBytes, PROT_READ | PROT_WRITE | PROT_EXEC) !=
      0) {
    return nullptr;
  }
  unsigned char* at = stub;
  StubInfo info{};
  const auto offset = [stub](const unsigned char* p) {
    return static_cast<std::uint8_t>(p - stub);
  };
  if (g_shared) {
    unsigned char* c = emit(&at, ptvm_rw_count, ptvm_rw_fd);
    put_rel32(in_copy(c, ptvm_rw_count, ptvm_rw_count_load_end), &g_counters[k]);
    put_rel32(in_copy(c, ptvm_rw_count, ptvm_rw_count_store_end), &g_counters[k]);
  }
  if (kind == Kind::kRuntime) {
    unsigned char* c = emit(&at, ptvm_rw_wanted, ptvm_rw_wanted_end);
    put32(in_copy(c, ptvm_rw_wanted, ptvm_rw_wanted_below) + 5, static_cast<std::uint32_t>(nr));
    put_rel32(in_copy(c, ptvm_rw_wanted, ptvm_rw_wanted_call_end), ptvm_rw_enter);
    put64(in_copy(c, ptvm_rw_wanted, ptvm_rw_wanted_return_end), after);
    info.wanted = true;
    info.below = offset(in_copy(c, ptvm_rw_wanted, ptvm_rw_wanted_below));
    info.call_end = offset(in_copy(c, ptvm_rw_wanted, ptvm_rw_wanted_call_end));
    info.above = offset(in_copy(c, ptvm_rw_wanted, ptvm_rw_wanted_above));
  } else {
    if (kind == Kind::kDescriptor) {  // its jrcxz lands in the call piece, copied right after
      unsigned char* c = emit(&at, ptvm_rw_fd, ptvm_rw_call);
      put_rel32(in_copy(c, ptvm_rw_fd, ptvm_rw_fd_load_end), &g_neg_out_fd);
      info.swapped = offset(in_copy(c, ptvm_rw_fd, ptvm_rw_fd_swapped));
      info.restored = offset(in_copy(c, ptvm_rw_fd, ptvm_rw_fd_restored));
    }
    unsigned char* c = emit(&at, ptvm_rw_call, ptvm_rw_end);
    put32(in_copy(c, ptvm_rw_call, ptvm_rw_call_nr_end), static_cast<std::uint32_t>(nr));
    put64(in_copy(c, ptvm_rw_call, ptvm_rw_call_return_end), after);
    put32(in_copy(c, ptvm_rw_call, ptvm_rw_slow_nr_end), static_cast<std::uint32_t>(nr));
    put64(in_copy(c, ptvm_rw_call, ptvm_rw_slow_target) + 8, after - 2);
    info.syscall_end = offset(in_copy(c, ptvm_rw_call, ptvm_rw_call_syscall_end));
    info.slow_fd = offset(in_copy(c, ptvm_rw_call, ptvm_rw_slow_fd));
  }
  sys(SYS_mprotect, static_cast<long>(page), kPageBytes, PROT_READ | PROT_EXEC);
  info.nr = static_cast<std::uint32_t>(nr);
  info.after = after;
  g_stubs[k] = info;
  return stub;
}

// The stubs are written into the runtime's own text (its private copy, page by page): the area
// stays a mapping of ptvm-rt, which a program that unmaps anonymous code leaves alone.
bool map_table() {
  if (!g_table_mapped) {
    const long want = static_cast<long>(PTVM_REWRITE_TABLE);
    const long at = sys(SYS_mmap, want, PTVM_REWRITE_MAX_SITES * 8, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (at != want) {
      if (at >= 0) sys(SYS_munmap, at, PTVM_REWRITE_MAX_SITES * 8);  // an old kernel's hint
      return false;
    }
    g_table_mapped = true;
  }
  return true;
}

// Replaces the 8 bytes at `w` (one cache line) if they still are `expected`.
bool exchange8(std::uintptr_t w, std::uint64_t expected, std::uint64_t desired) {
  std::uint64_t seen = expected;
  __asm__ volatile("lock cmpxchgq %2,%1"
                   : "+a"(seen), "+m"(*reinterpret_cast<std::uint64_t*>(w))
                   : "r"(desired)
                   : "memory", "cc");
  return seen == expected;
}

// The end of the alignment padding (nops up to a 16-byte boundary) that starts at `p`, or 0.
std::uintptr_t padding_end(std::uintptr_t p) {
  const std::uintptr_t end = (p + 15) & ~std::uintptr_t{15};
  unsigned char b[16];
  if (end == p || ptvm_safe_copy(b, reinterpret_cast<const void*>(p), end - p) != end - p) return 0;
  const std::size_t n = end - p;
  std::size_t i = 0;
  while (i < n) {  // the assemblers' nops: [66|2e]* then 90, or 0f 1f with a zero address
    while (i < n && (b[i] == 0x66 || b[i] == 0x2e)) ++i;
    if (i < n && b[i] == 0x90) {
      ++i;
      continue;
    }
    if (i + 2 >= n || b[i] != 0x0f || b[i + 1] != 0x1f) return 0;
    const unsigned char modrm = b[i + 2];
    const std::size_t rest = modrm == 0x00   ? 0
                             : modrm == 0x40 ? 1
                             : modrm == 0x44 ? 2
                             : modrm == 0x80 ? 4
                             : modrm == 0x84 ? 5
                                             : 16;
    if (i + 3 + rest > n) return 0;
    for (std::size_t j = 0; j < rest; ++j) {
      if (b[i + 3 + j] != 0 && !(j == 0 && (modrm == 0x44 || modrm == 0x84))) return 0;
    }
    i += 3 + rest;
  }
  return end;
}

// Where `xor %eax,%eax; syscall` (glibc's read: no room for the jump before the syscall) can
// jump to: the code after the site runs straight to a `ret` (only glibc's check of the result,
// `cmp $-4096,%rax` and `ja`, on the way) followed by at least 7 bytes of alignment padding,
// which nothing executes, within a short jump's reach in the same page. Its start, or 0.
std::uintptr_t padding_for(std::uintptr_t after) {
  unsigned char b[16];
  std::uintptr_t p = after;
  for (int instruction = 0; instruction < 4; ++instruction) {
    if (ptvm_safe_copy(b, reinterpret_cast<const void*>(p), 6) != 6) return 0;
    if (b[0] == 0x48 && b[1] == 0x3d) {  // cmp $imm32,%rax
      p += 6;
    } else if (b[0] == 0x77) {  // ja rel8
      p += 2;
    } else if (b[0] == 0x0f && b[1] == 0x87) {  // ja rel32
      p += 6;
    } else if (b[0] == 0xc3) {  // ret: what follows is not reached by falling through
      const std::uintptr_t pad = p + 1, end = padding_end(pad);
      if (end < pad + 7 || pad - after > 127 || page_of(end - 1) != page_of(after - 2)) return 0;
      return pad;
    } else {
      return 0;
    }
  }
  return 0;
}

// A new stub for the site, written and published in the jump table: its number, or -1 when the
// process has none left. Used even if the site is not patched after all: stubs are never reused.
int publish_stub(std::uintptr_t after, long nr, Kind kind) {
  const int k = g_next_stub;
  unsigned char* const stub = write_stub(k, after, nr, kind);
  if (stub == nullptr) return -1;
  ++g_next_stub;
  __atomic_store_n(reinterpret_cast<std::uint64_t*>(PTVM_REWRITE_TABLE) + k,
                   reinterpret_cast<std::uint64_t>(stub), __ATOMIC_RELEASE);
  return k;
}

// The jump through table entry k: `jmp *0x050fXXXX`, ff 24 25 lo hi 0f 05.
void table_jump(int k, unsigned char jump[7]) {
  static_assert((PTVM_REWRITE_TABLE >> 16) == 0x050f, "the jump must end in 0f 05");
  const std::uint32_t entry = static_cast<std::uint32_t>(PTVM_REWRITE_TABLE) + 8 * k;
  const unsigned char bytes[7] = {
      0xff, 0x24, 0x25, static_cast<unsigned char>(entry), static_cast<unsigned char>(entry >> 8),
      0x0f, 0x05};
  for (int i = 0; i < 7; ++i) jump[i] = bytes[i];
}

// The near form of the patch, for `xor %eax,%eax; syscall`: the padding after the wrapper's ret
// gets the jump through the table (`ff 24 25 lo hi 0f 05`, never executed before), then the
// syscall instruction becomes `jmp padding` (`eb d8`), two bytes for two: every instruction
// boundary stays one. The stub enters the runtime (its perform() also answers the descriptor of
// ptvm's output: the site has no syscall left to trap on). Under the lock.
int patch_near(std::uintptr_t after, long nr) {
  unsigned char b[3];
  if (nr != 0 || ptvm_safe_copy(b, reinterpret_cast<const void*>(after - 5), 3) != 3 ||
      (b[0] & 0xf0) == 0x40 || b[0] == 0x66 || b[0] == 0x67 || b[1] != 0x31 || b[2] != 0xc0) {
    return kNoPattern;
  }
  const std::uintptr_t pad = padding_for(after);
  if (pad == 0) return kNoRoom;
  const std::uintptr_t site = after - 2, line_end = (site | 63) + 1;
  if (site + 2 > line_end) return kCacheLine;
  const std::uintptr_t w = site + 8 <= line_end ? site : line_end - 8;
  if (!usable_text(site, pad + 7)) return kPage;
  if (g_traced) return kTraced;
  if (g_next_stub >= PTVM_REWRITE_MAX_SITES || g_pad_count == kPads) return kFull;
  if (!map_table()) return kNoTable;
  const int k = publish_stub(after, nr, Kind::kRuntime);
  if (k < 0) return kFull;
  const long page = static_cast<long>(page_of(w));
  if (sys(SYS_mprotect, page, kPageBytes, PROT_READ | PROT_WRITE | PROT_EXEC) != 0) return kPage;
  unsigned char jump[7];
  table_jump(k, jump);
  for (int i = 0; i < 7; ++i) reinterpret_cast<volatile unsigned char*>(pad)[i] = jump[i];
  std::uint64_t old = 0;
  bool done = ptvm_safe_copy(&old, reinterpret_cast<const void*>(w), 8) == 8 &&
              (old >> (8 * (site - w)) & 0xffff) == 0x050f;  // still the syscall instruction
  if (done) {
    std::uint64_t desired = old;
    auto* bytes = reinterpret_cast<unsigned char*>(&desired);
    bytes[site - w] = 0xeb;
    bytes[site - w + 1] = static_cast<unsigned char>(pad - after);
    g_pads[g_pad_count] = Pad{pad, after};  // before the jump: a signal may land on the pad
    __atomic_store_n(&g_pad_count, g_pad_count + 1, __ATOMIC_RELEASE);
    done = exchange8(w, old, desired);
    if (!done) __atomic_store_n(&g_pad_count, g_pad_count - 1, __ATOMIC_RELEASE);
  }
  sys(SYS_mprotect, page, kPageBytes, PROT_READ | PROT_EXEC);
  return done ? -1 : kChanged;
}

// Patches the site whose syscall ends at `after`, if it can. Under the lock.
int patch(std::uintptr_t after, long nr, Kind kind) {
  unsigned char b[9];  // the 9 bytes before `after`
  std::uintptr_t site;
  int width;  // bytes that change
  const auto imm = [&b]() {
    return static_cast<long>(static_cast<std::uint32_t>(b[3] | b[4] << 8 | b[5] << 16) |
                             static_cast<std::uint32_t>(b[6]) << 24);
  };
  if (ptvm_safe_copy(b, reinterpret_cast<const void*>(after - 9), 9) == 9 && b[0] == 0x48 &&
      b[1] == 0xc7 && b[2] == 0xc0 && imm() == nr) {
    site = after - 9;  // mov $nr,%rax; syscall
    width = 7;
  } else if (ptvm_safe_copy(b + 2, reinterpret_cast<const void*>(after - 7), 7) == 7 &&
             b[2] == 0xb8 && imm() == nr &&
             // the byte before must not make the mov another instruction (REX: mov to %r8d..,
             // 66: a 16-bit mov): bytes that merely end another instruction are refused too
             !(ptvm_safe_copy(b + 1, reinterpret_cast<const void*>(after - 8), 1) == 1 &&
               ((b[1] & 0xf0) == 0x40 || b[1] == 0x66 || b[1] == 0x67))) {
    site = after - 7;  // mov $nr,%eax; syscall
    width = 5;
  } else {
    return patch_near(after, nr);
  }
  if (b[7] != 0x0f || b[8] != 0x05) return kNoPattern;
  const std::uintptr_t line_end = (site | 63) + 1;
  if (site + static_cast<std::uintptr_t>(width) > line_end) return kCacheLine;
  const std::uintptr_t w = site + 8 <= line_end ? site : line_end - 8;
  if (!usable_text(site, after)) return kPage;
  if (g_traced) return kTraced;
  if (g_next_stub >= PTVM_REWRITE_MAX_SITES) return kFull;
  if (!map_table()) return kNoTable;

  std::uint64_t old = 0;
  if (ptvm_safe_copy(&old, reinterpret_cast<const void*>(w), 8) != 8) return kPage;
  const int k = publish_stub(after, nr, kind);
  if (k < 0) return kFull;
  unsigned char jump[7];
  table_jump(k, jump);
  std::uint64_t desired = old;
  auto* bytes = reinterpret_cast<unsigned char*>(&desired);
  for (int i = 0; i < width; ++i) bytes[site - w + i] = jump[i];
  const long page = static_cast<long>(page_of(w));
  if (sys(SYS_mprotect, page, kPageBytes, PROT_READ | PROT_WRITE | PROT_EXEC) != 0) return kPage;
  const bool done = exchange8(w, old, desired);
  sys(SYS_mprotect, page, kPageBytes, PROT_READ | PROT_EXEC);  // what the map said it was
  return done ? -1 : kChanged;
}

}  // namespace

void init(bool enabled, std::uint32_t after_traps, Stats* stats) {
  g_enabled = enabled;
  g_threshold = after_traps == 0 ? 1 : after_traps;
  g_shared = stats;
  // Every process traps: its first traps would fault the table's pages in one by one.
  if (enabled) {
    loader::prefault(reinterpret_cast<std::uintptr_t>(g_sites),
                     reinterpret_cast<std::uintptr_t>(g_sites + kSites));
  }
}

void count_trap() {
  if (g_shared) __atomic_fetch_add(&g_local.trapped, 1, __ATOMIC_RELAXED);
}

void count_copy_fault() {
  if (g_shared) __atomic_fetch_add(&g_local.copy_faults, 1, __ATOMIC_RELAXED);
}

void on_trap(std::uintptr_t after, long nr, bool wanted) {
  if (!g_enabled) return;
  const Kind kind = kind_of(nr, wanted);
  if (kind == Kind::kNever || !try_lock()) return;
  Site* s = find_or_add(after);
  if (s != nullptr && s->state == kCounting && ++s->count >= g_threshold) {
    const int refusal = patch(after, nr, kind);
    s->state = refusal < 0 ? kPatched : kRefused;
    if (refusal < 0) {
      ++g_local.sites_patched;
    } else {
      ++g_local.refused[refusal];
    }
    if (after < g_low) g_low = after;
    if (after > g_high) g_high = after;
  }
  unlock();
}

void on_memory_call(long nr, const long a[6]) {
  if (!g_enabled) return;
  std::uintptr_t start = static_cast<std::uintptr_t>(a[0]), length = 0;
  switch (nr) {
    case SYS_mmap:
      if (a[3] & (MAP_FIXED | MAP_FIXED_NOREPLACE)) length = static_cast<std::uintptr_t>(a[1]);
      break;
    case SYS_munmap:
    case SYS_mprotect:
    case SYS_pkey_mprotect:
    case SYS_mremap:
      length = static_cast<std::uintptr_t>(a[1]);
      break;
    case SYS_madvise:  // these drop the private copy: the file's bytes come back
      if (a[2] != MADV_DONTNEED && a[2] != MADV_FREE && a[2] != MADV_REMOVE && a[2] != 4 /*
          MADV_DONTNEED_LOCKED */) {
        return;
      }
      length = static_cast<std::uintptr_t>(a[1]);
      break;
    case SYS_shmat:
    case SYS_shmdt:
      break;
    default:
      return;
  }
  __atomic_store_n(&g_texts_valid, false, __ATOMIC_RELEASE);
  if (length == 0 || start > g_high || start + length + 9 < g_low) return;
  // Forgotten: new code may come to these addresses and be patched in its turn. A thread of this
  // process patching meanwhile (or this very thread, interrupted) keeps the lock: then the sites
  // stay as they are, which costs only a missed patch later.
  for (int spin = 0; !try_lock(); ++spin) {
    if (spin == 100) return;
    sys(SYS_sched_yield);
  }
  for (Site& s : g_sites) {
    if (s.after > start && s.after - 9 < start + length) {
      s.state = kCounting;
      s.count = 0;
    }
  }
  for (int i = 0; i < g_pad_count;) {  // paddings of code that went away
    if (g_pads[i].at >= start && g_pads[i].at < start + length) {
      g_pads[i] = g_pads[g_pad_count - 1];
      __atomic_store_n(&g_pad_count, g_pad_count - 1, __ATOMIC_RELEASE);
    } else {
      ++i;
    }
  }
  unlock();
}

bool translate_context(greg_t* g) {
  const auto rip = static_cast<std::uintptr_t>(g[REG_RIP]);
  for (int i = 0; i < __atomic_load_n(&g_pad_count, __ATOMIC_ACQUIRE); ++i) {
    if (g_pads[i].at == rip) {  // nothing changed yet: the site's syscall, RAX still 0
      g[REG_RIP] = static_cast<greg_t>(g_pads[i].after - 2);
      return true;
    }
  }
  const auto area = reinterpret_cast<std::uintptr_t>(ptvm_rw_area);
  const int stubs = __atomic_load_n(&g_next_stub, __ATOMIC_ACQUIRE);
  if (rip < area || rip >= area + static_cast<std::uintptr_t>(stubs) * PTVM_REWRITE_STUB_BYTES) {
    return false;
  }
  const std::uintptr_t k = (rip - area) / PTVM_REWRITE_STUB_BYTES;
  const StubInfo& s = g_stubs[k];
  if (s.after == 0) return false;
  const std::uintptr_t stub = area + k * PTVM_REWRITE_STUB_BYTES, at = rip - stub;
  if (s.wanted) {
    if (at >= s.below && at < s.above) g[REG_RSP] += 128;
    if (at >= s.call_end) {  // the call is made (RAX its result, R11 the flags)
      g[REG_RIP] = static_cast<greg_t>(s.after);
      g[REG_RCX] = static_cast<greg_t>(s.after);
    } else {
      g[REG_RIP] = static_cast<greg_t>(s.after - 2);
      g[REG_RAX] = s.nr;
    }
    return true;
  }
  if (at >= s.syscall_end && at < s.slow_fd) {  // the call is made: the site's end
    g[REG_RIP] = static_cast<greg_t>(s.after);
    g[REG_RCX] = static_cast<greg_t>(s.after);
    return true;
  }
  // Not made yet (or to be restarted: the kernel moved RIP back onto the syscall instruction):
  // the site's own syscall instruction, with the number in RAX and the program's RCX.
  if ((at >= s.swapped && at < s.restored) || at == s.slow_fd) g[REG_RCX] = g[REG_RAX];
  if (at + 2 == s.syscall_end) {  // RAX is what the kernel left for the restart
    if (static_cast<std::uintptr_t>(g[REG_RCX]) == stub + s.syscall_end) {
      g[REG_RCX] = static_cast<greg_t>(s.after);  // the syscall instruction ran once
    }
  } else {
    g[REG_RAX] = s.nr;
  }
  g[REG_RIP] = static_cast<greg_t>(s.after - 2);
  return true;
}

bool resume_in_stub(greg_t* g) {
  const auto rip = static_cast<std::uintptr_t>(g[REG_RIP]);
  unsigned char b[5];  // a patched site: ff 24 25 lo hi | 0f 05, or that and 0f 05 after it
  int k = -1;
  static constexpr std::uintptr_t kJumpBefore[] = {5, 7};  // from the syscall: b8, 48 c7 c0
  for (const std::uintptr_t back : kJumpBefore) {
    if (ptvm_safe_copy(b, reinterpret_cast<const void*>(rip - back), 5) == 5 && b[0] == 0xff &&
        b[1] == 0x24 && b[2] == 0x25) {
      k = (b[3] | b[4] << 8) / 8;
      break;
    }
  }
  if (k < 0 || k >= __atomic_load_n(&g_next_stub, __ATOMIC_ACQUIRE)) return false;
  const StubInfo& s = g_stubs[k];
  // Only for the stub's own number: a handler may have changed RAX to a call a module wants.
  if (s.after != rip + 2 || static_cast<std::uint64_t>(g[REG_RAX]) != s.nr) return false;
  g[REG_RIP] = static_cast<greg_t>(reinterpret_cast<std::uintptr_t>(ptvm_rw_area) +
                                   static_cast<std::uintptr_t>(k) * PTVM_REWRITE_STUB_BYTES);
  return true;
}

void set_output_fd(long fd) {
  __atomic_store_n(&g_neg_out_fd, -fd, __ATOMIC_RELAXED);
}

void on_fork_child() {
  if (g_lock != 0) g_lock = 0;
  // Only what is set: after a fork every written page is a copy (~20 µs a fault here), and
  // the counters are counted only with --stats, by the stubs made so far.
  if (g_shared == nullptr) return;
  g_local = Stats{};
  for (int k = 0; k < g_next_stub; ++k) {
    if (g_counters[k] != 0) g_counters[k] = 0;
  }
}

void flush_stats() {
  if (g_shared == nullptr) return;
  std::uint64_t through = 0;
  for (int k = 0; k < g_next_stub; ++k) through += __atomic_exchange_n(&g_counters[k], 0, 0);
  __atomic_fetch_add(&g_shared->through_sites, through, __ATOMIC_RELAXED);
  __atomic_fetch_add(&g_shared->trapped, __atomic_exchange_n(&g_local.trapped, 0, 0), 0);
  __atomic_fetch_add(&g_shared->sites_patched, g_local.sites_patched, __ATOMIC_RELAXED);
  g_local.sites_patched = 0;
  __atomic_fetch_add(&g_shared->copy_faults, __atomic_exchange_n(&g_local.copy_faults, 0, 0), 0);
  for (int r = 0; r < kRefusals; ++r) {
    __atomic_fetch_add(&g_shared->refused[r], g_local.refused[r], __ATOMIC_RELAXED);
    g_local.refused[r] = 0;
  }
}

}  // namespace ptvm::rewrite
