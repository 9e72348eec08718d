// The in-process runtime `ptvm-rt`: the static executable the kernel runs in place of every
// program of the in-process backend (runtime/loader maps the program itself), which runs ptvm's
// module stack inside the program, in the SIGSYS handler of Syscall User Dispatch (runtime/self
// in its runtime mode: every thread armed for life, new threads and children armed before their
// first instruction).
//
// Init (ptvm_loader_main, before the program's first instruction) reads the RuntimeConfig ptvm
// wrote, builds the modules, maps the program and arms the thread. From then on every system
// call of the program traps into on_trap():
//   a call no module wants        performed as it is (one trap, no module code);
//   a call some module wants      ModuleStack::enter, then performed with the arguments the
//                                 modules left (or emulated), then ModuleStack::exit;
//   execve/execveat               through ptvm's loader (the old image's checks, then the
//                                 runtime executed again, which maps the new program);
//   exit/exit_group               the modules hear of the exit first (`+++ exited with N +++`);
//   clone with a new stack, vfork performed in place after the handler (the child cannot return
//                                 into it); the exits run in after_inplace();
//   sigaltstack, and rt_sigaction  virtualised: the handler needs ptvm's signal stack, ptvm's
//     of SIGSEGV/SIGBUS/SIGSYS     safe copies need SIGSEGV and SIGBUS, SIGSYS is the trap;
//   rt_sigaction of the others     the program's handler behind ptvm's wrapper, which reports
//                                 the signal to the modules (`--- SIGxxx ---`).
//
// Freestanding: no libc at all (the executable imports nothing: checked after link), every
// system call through the stub in the allowed range, no allocation, fixed buffers; a thread's
// state in a block of the runtime's reached through %gs (no TLS). Module code is the very code
// the ptrace backend runs.
#include <asm/prctl.h>
#include <elf.h>
#include <fcntl.h>
#include <linux/ptrace.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>

#include <cstddef>
#include <cstdint>
#include <new>

#include "core/cstr.h"
#include "core/module_stack.h"
#include "core/proc_files.h"
#include "core/raw_syscall.h"
#include "mem/local_memory.h"
#include "runtime/loader/exec_handoff.h"
#include "runtime/loader/link_module.h"
#include "runtime/loader/load.h"
#include "runtime/main/cold_bss.h"
#include "runtime/main/config.h"
#include "runtime/main/module_exports.h"
#include "runtime/rewrite/rewrite.h"
#include "runtime/self/self_runtime.h"
#include "vms/fakeroot/fakeroot_module.h"
#include "vms/null/null_module.h"
#include "vms/path/path_module.h"

#define PTVM_MODULE_LOADER  // the runtime loads modules: it defines no ptvm_module_layout of its
                            // own
#include "ptvm/module.h"

#ifndef SA_RESTORER
#define SA_RESTORER 0x04000000  // the kernel's; glibc keeps it to itself
#endif
extern "C" {
__attribute__((visibility("hidden"))) std::size_t ptvm_safe_copy(void* dst, const void* src,
                                                                 std::size_t n);
__attribute__((visibility("hidden"))) extern const char ptvm_safe_copy_fault[];
__attribute__((visibility("hidden"))) extern const char ptvm_safe_copy_resume[];
__attribute__((visibility("hidden"))) void ptvm_self_sigaction_restorer(void);
__attribute__((visibility("hidden"))) extern const Elf64_Ehdr __ehdr_start;
__attribute__((visibility("hidden"))) extern const char __stop_ptvm_self_text[];
// runtime/rewrite/stub_template.S: nonzero, ptvm_rw_enter saves the vector registers.
__attribute__((visibility("hidden"))) extern unsigned char ptvm_rw_save_vectors;
}

constexpr long PR_SET_SYSCALL_USER_DISPATCH_ = 59;  // Linux 5.11; newer than Debian 12's headers

#ifndef SS_AUTODISARM
#define SS_AUTODISARM (1U << 31)  // linux/signal.h; glibc 2.36 does not export it
#endif

namespace ptvm {
namespace {

// ---- small freestanding helpers ---------------------------------------------------------------

using cstr::length;
using cstr::starts_with;

// Appends `s` at out[*at], keeping room for a NUL within `cap`; false when it does not fit.
bool append(char* out, std::size_t cap, std::size_t* at, const char* s) {
  const std::size_t n = length(s);
  if (*at + n + 1 > cap) return false;
  for (std::size_t i = 0; i < n; ++i) out[*at + i] = s[i];
  *at += n;
  out[*at] = '\0';
  return true;
}

void append_dec(char* out, std::size_t cap, std::size_t* at, long v) {
  char digits[24];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v > 0 && n < 23);
  char s[24];
  for (int i = 0; i < n; ++i) s[i] = digits[n - 1 - i];
  s[n] = '\0';
  append(out, cap, at, s);
}

long sys(long nr, long a1 = 0, long a2 = 0, long a3 = 0, long a4 = 0, long a5 = 0, long a6 = 0) {
  return raw_syscall(nr, a1, a2, a3, a4, a5, a6);
}

void complain(const char* what, long err) {
  char line[256];
  std::size_t at = 0;
  append(line, sizeof line, &at, "ptvm runtime: ");
  append(line, sizeof line, &at, what);
  if (err) {
    append(line, sizeof line, &at, " (errno ");
    append_dec(line, sizeof line, &at, -err);
    append(line, sizeof line, &at, ")");
  }
  append(line, sizeof line, &at, "\n");
  sys(SYS_write, 2, reinterpret_cast<long>(line), static_cast<long>(at));
}

// -v and -vv (RuntimeConfig::verbose): "ptvm: process PID (PROGRAM) WHAT[ DETAIL]" on the
// program's standard error, as the runtime's other messages (ptvm's own standard error opened
// again through /proc would be another file description, whose writes into a file would be
// overwritten by ptvm's).
void say_process(long pid, const char* program, const char* what, const char* detail = nullptr) {
  char line[PATH_MAX + 512];
  std::size_t at = 0;
  append(line, sizeof line, &at, "ptvm: process ");
  append_dec(line, sizeof line, &at, pid);
  append(line, sizeof line, &at, " (");
  if (!append(line, sizeof line, &at, program)) append(line, sizeof line, &at, "...");
  append(line, sizeof line, &at, ") ");
  append(line, sizeof line, &at, what);
  if (detail) {
    append(line, sizeof line, &at, " ");
    append(line, sizeof line, &at, detail);
  }
  append(line, sizeof line, &at, "\n");
  sys(SYS_write, 2, reinterpret_cast<long>(line), static_cast<long>(at));
}

[[noreturn]] void fail(const char* what, long err) {
  complain(what, err);
  sys(SYS_exit_group, 126);
  __builtin_unreachable();
}

// Storage for an object built at init (no global constructors or destructors in this object).
template <class T>
struct Place {
  alignas(T) unsigned char bytes[sizeof(T)];
  T* get() { return std::launder(reinterpret_cast<T*>(bytes)); }
};

// ---- process-wide state (set at init, read-only afterwards) ----------------------------------

const RuntimeConfig* g_config_map;  // read_config()
const RuntimeConfig& config() {
  return *g_config_map;
}
char g_out_path[64];                 // /proc/<ptvm>/fd/<out_fd>
// Strings of the hand-off, which stays in memory for the image's life (g_handoff_in).
const char* g_config_path = "";  // /proc/<ptvm>/fd/<config>
const char* g_exe = "";          // the program's file: what /proc/self/exe says
char g_adopt_path[64];               // /proc/<ptvm>/fd/<adopt_fd>
int g_out_fd = -1;                   // -1 with an output: a descriptor per record
constexpr long kOutFdFloor = 700;
bool g_active;

// ---- per thread -------------------------------------------------------------------------------
// The runtime has no TLS (it runs before any dynamic loader, or without one): every thread has a
// block of its own, at the start of its signal stack mapping (see altstack_take), which %gs
// points to (ptvm_self_use_block). A vfork child runs on its parent's block meanwhile.

struct KernelSigaction {  // the kernel's struct sigaction (rt_sigaction), not glibc's
  void* handler;
  unsigned long flags;
  void (*restorer)();
  std::uint64_t mask;
};

struct ThreadState {
  unsigned char self[PTVM_SELF_THREAD_SIZE];  // runtime/self's; its first word: this block
  std::byte* storage;                         // kThreadStorage bytes: the modules' storage
  pid_t tid;
  // The process this thread belongs to. Per thread, not per process: a clone(CLONE_VM) child
  // that is a process of its own (posix_spawn's, a raw clone with SIGCHLD) shares the memory,
  // and a process-wide copy would give the parent the child's pid (its `+++ exited` line, its
  // injected signals, the path VM's per-process state). A vfork child sets it on its parent's
  // block, and the parent takes it back when it resumes (after_inplace).
  pid_t pid;
  std::uintptr_t altstack;  // this thread's mapping (guard page, this block, ..., signal stack)
  stack_t app_altstack;     // the program's sigaltstack, kept but never installed
  bool app_altstack_set;
  bool handed_over;  // the ptrace supervisor intercepts this thread now (failed execve)
  // A vfork child runs on its parent's block (and memory): it gets storage of its own meanwhile.
  bool vfork_child;
  std::byte* child_storage;  // the same, for a vfork child
  pid_t made_for;            // the pid `memory` was built in (0: not yet)
  alignas(LocalMemory) unsigned char memory[sizeof(LocalMemory)];
  std::byte* scratch;  // the current trap's scratch area (on its stack)
  std::size_t scratch_used;
  // A clone-family call deferred to after the handler, whose exits run in after_inplace().
  alignas(SyscallCall) unsigned char pending[sizeof(SyscallCall)];
  bool pending_exit;
  // While set, this thread's records go to the buffer instead of the output (ModuleStack::exit_one
  // rendering an execve's line ahead of time).
  char* capture;
  std::size_t capture_len, capture_cap;
  // A vfork child has signal actions of its own (posix_spawn's resets every handled signal) but
  // its parent's memory: its virtual actions live apart while it runs.
  KernelSigaction child_fault_action[3];
  int child_fault_borrowed;
  int in_modules;  // module calls of this thread under way (> 1: nested, see NestedCall)
  // A signal that kills (kDefaultKills) sent by a call of the kill family that the runtime makes
  // for the program (a `kill` of itself): reported and delivered once the call's line is out
  // (deliver_deferred_kill), as under ptrace. defer_kills: such a call is under way.
  bool defer_kills;
  int deferred_kill;
  siginfo_t deferred_info;
  char exe_other[PATH_MAX];  // another process's program, named by redirect_proc_exe for a call
                             // (last: a reused block's zeroing stops before it)
};

// The calling thread's block.
inline ThreadState& me() {
  ThreadState* t;
  __asm__ volatile("mov %%gs:0,%0" : "=r"(t));  // volatile: on_new_thread switches blocks
  return *t;
}

// The calling thread's process.
inline pid_t my_pid() {
  return me().pid;
}

// /proc/<ptvm>/fd/<fd> into `out` (64 bytes): a descriptor of ptvm's, opened by path.
void ptvm_fd_path(char* out, long fd) {
  std::size_t at = 0;
  append(out, 64, &at, "/proc/");
  append_dec(out, 64, &at, config().ptvm_pid);
  append(out, 64, &at, "/fd/");
  append_dec(out, 64, &at, fd);
}

// ---- the Host: trace lines to ptvm's output ----------------------------------------------------

class RuntimeHost final : public Host {
 public:
  // One write per record: O_APPEND makes every process's records whole and in order.
  void emit(const char* data, std::size_t n) override {
    if (me().capture) {
      if (me().capture_len + n < me().capture_cap) {
        for (std::size_t i = 0; i < n; ++i) me().capture[me().capture_len + i] = data[i];
        me().capture_len += n;
        me().capture[me().capture_len] = '\0';
      }
      return;
    }
    for (int attempt = 0; attempt < 2; ++attempt) {
      const int fd = g_out_fd >= 0 ? g_out_fd : open_output();
      if (fd < 0) return;
      const bool once = g_out_fd < 0;
      std::size_t done = 0;
      while (done < n) {
        const long r =
            sys(SYS_write, fd, reinterpret_cast<long>(data + done), static_cast<long>(n - done));
        if (r == -EINTR) continue;
        if (r <= 0) break;
        done += static_cast<std::size_t>(r);
      }
      if (once) sys(SYS_close, fd);
      if (done == n || done != 0 || once) return;
      // The program closed our descriptor (close_range before an execve is common): reopen.
      if (!reopen_output()) return;
    }
  }
  std::uint64_t realtime_ns() override { return now(CLOCK_REALTIME); }
  std::uint64_t monotonic_ns() override { return now(CLOCK_MONOTONIC); }

  void write_out(const char* data, std::size_t n) { emit(data, n); }

  static long open_output() {
    return sys(SYS_open, reinterpret_cast<long>(g_out_path),
               O_WRONLY | O_APPEND | O_CLOEXEC | O_NOCTTY);
  }

  // A descriptor of ptvm's output kept above the program's (>= kOutFdFloor). If the program
  // may not have that many (RLIMIT_NOFILE), none is kept: every record opens its own, so that
  // the program's descriptors keep the numbers they have natively.
  static bool reopen_output() {
    if (config().out_fd < 0) return false;
    const long fd = open_output();
    if (fd < 0) return false;
    const long high = sys(SYS_fcntl, fd, F_DUPFD_CLOEXEC, kOutFdFloor);
    sys(SYS_close, fd);
    g_out_fd = high >= 0 ? static_cast<int>(high) : -1;
    rewrite::set_output_fd(g_out_fd);
    return true;
  }

 private:
  static std::uint64_t now(clockid_t clock) {
    timespec ts{};
    sys(SYS_clock_gettime, clock, reinterpret_cast<long>(&ts));
    return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000 +
           static_cast<std::uint64_t>(ts.tv_nsec);
  }
};

Place<RuntimeHost> g_host;
PTVM_COLD_BSS Place<TraceModule> g_trace;
PTVM_COLD_BSS Place<InjectModule> g_inject;
Place<NullModule> g_null;
PTVM_COLD_BSS Place<RedirectModule> g_redirect;
PTVM_COLD_BSS Place<PathModule> g_path;
bool g_path_active;  // the path VM translates (a map other than the host's)
PTVM_COLD_BSS Place<fakeroot::FakerootModule> g_fakeroot;
Place<ModuleStack> g_stack;

// ---- thread storage ---------------------------------------------------------------------------

constexpr std::size_t kThreadStorage = 64 * 1024;     // in the thread's signal stack mapping
constexpr std::size_t kScratch = 2 * PATH_MAX + 256;  // two translated paths and a little more

class ThreadBackend final : public SyscallCall::Backend {
 public:
  Memory& memory() override;
  Result<RemotePtr<void>> scratch(std::size_t bytes) override {
    bytes = (bytes + 15) & ~std::size_t{15};
    if (me().scratch == nullptr || me().scratch_used + bytes > kScratch) {
      return std::unexpected(Error::guest(ENOMEM));
    }
    std::byte* p = me().scratch + me().scratch_used;
    me().scratch_used += bytes;
    return RemotePtr<void>(reinterpret_cast<std::uintptr_t>(p));
  }
  std::byte* thread_storage() override {
    return me().vfork_child ? me().child_storage : me().storage;
  }
};
ThreadBackend g_backend;  // stateless: every thread's state is in TLS

Memory& ThreadBackend::memory() {
  if (me().made_for != my_pid()) {
    new (me().memory) LocalMemory(nullptr, -1, ptvm_safe_copy);
    me().made_for = my_pid();
  }
  return *std::launder(reinterpret_cast<LocalMemory*>(me().memory));
}

// ---- signal stacks ----------------------------------------------------------------------------
// The handler runs on a stack of ptvm's per thread (the program's may be tiny, or overflowing).
// A thread that exits retires its stack; the next new thread takes a retired one whose owner is
// gone (tgkill(..., 0) says ESRCH; in a fork child every inherited entry qualifies).

// One mapping per thread: [guard page][ThreadState][storage][vfork child's storage][signal stack].
constexpr std::size_t kAltStack = 256 * 1024;
constexpr std::size_t kGuard = 4096;
constexpr std::size_t kBlock = (sizeof(ThreadState) + 4095) & ~std::size_t{4095};
constexpr std::size_t kMapping = kGuard + kBlock + 2 * kThreadStorage + kAltStack;
// The lowest address of the signal stack in the mapping at `base`.
std::uintptr_t signal_stack(std::uintptr_t base) {
  return base + kGuard + kBlock + 2 * kThreadStorage;
}

std::size_t g_storage_used;  // what the modules use of it (only those pages get touched)

void zero(std::byte* p, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) p[i] = std::byte{0};
}
// (base >> 12) << 22 | tid in one word, so that a slot changes atomically; 0 is a free slot.
PTVM_COLD_BSS std::uint64_t g_retired[128];
constexpr int kTidBits = 22;  // pid_max is at most 2^22

// `pid`: the calling thread's process (its block may not exist yet).
std::uintptr_t altstack_take(pid_t pid) {
  for (std::uint64_t& slot : g_retired) {
    std::uint64_t v = __atomic_load_n(&slot, __ATOMIC_ACQUIRE);
    if (v == 0) continue;
    const long tid = static_cast<long>(v & ((1u << kTidBits) - 1));
    if (sys(SYS_tgkill, pid, tid, 0) != -ESRCH) continue;
    if (__atomic_compare_exchange_n(&slot, &v, 0, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
      const std::uintptr_t base = static_cast<std::uintptr_t>(v >> kTidBits) << 12;
      // (exe_other, last, is scratch: never read before it is written)
      zero(reinterpret_cast<std::byte*>(base + kGuard),
           sizeof(ThreadState) - sizeof(ThreadState::exe_other));
      zero(reinterpret_cast<std::byte*>(base + kGuard + kBlock), g_storage_used);
      return base;
    }
  }
  const long p = sys(SYS_mmap, 0, kMapping, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
  if (p < 0 && p > -4096) return 0;
  sys(SYS_mprotect, p, kGuard, PROT_NONE);
  return static_cast<std::uintptr_t>(p);
}

void altstack_retire() {
  if (me().altstack == 0) return;
  const std::uint64_t v = (static_cast<std::uint64_t>(me().altstack) >> 12) << kTidBits |
                          static_cast<std::uint64_t>(me().tid);
  for (std::uint64_t& slot : g_retired) {
    std::uint64_t expected = 0;
    if (__atomic_compare_exchange_n(&slot, &expected, v, false, __ATOMIC_ACQ_REL,
                                    __ATOMIC_ACQUIRE)) {
      return;
    }
  }  // full: the stack stays mapped (256 KiB of address space, its touched pages)
}

// The calling thread's first steps in the runtime (the program's first thread, a new thread):
// a mapping of its own, its block made the thread's, the signal stack installed.
bool thread_begin() {
  const auto pid = static_cast<pid_t>(sys(SYS_getpid));
  const std::uintptr_t base = altstack_take(pid);
  if (base == 0) return false;
  auto* t = reinterpret_cast<ThreadState*>(base + kGuard);  // zeroes
  if (ptvm_self_use_block(t) != 0) return false;
  t->altstack = base;
  t->pid = pid;
  t->tid = static_cast<pid_t>(sys(SYS_gettid));
  t->storage = reinterpret_cast<std::byte*>(base + kGuard + kBlock);
  t->child_storage = t->storage + kThreadStorage;
  stack_t ss{};
  ss.ss_sp = reinterpret_cast<void*>(signal_stack(base));
  ss.ss_size = kAltStack;
  return sys(SYS_sigaltstack, reinterpret_cast<long>(&ss), 0) == 0;
}

// ---- signals reported to the modules ------------------------------------------------------
// The modules hear of a signal delivered to the calling thread: from a handler of ptvm's, on
// ptvm's signal stack (the tracer's line takes tens of KiB).
void report_signal(const siginfo_t& info) {
  if (!g_active || me().handed_over) return;
  char* const capture = me().capture;  // the signal came while an execve's line was rendered
  me().capture = nullptr;
  g_stack.get()->on_signal(me().tid, info);
  me().capture = capture;
}

// ---- safe copies: SIGSEGV and SIGBUS are ptvm's too -------------------------------------------
// The modules read and write the program's memory with a plain `rep movsb`; a bad pointer makes
// it fault, and ptvm's SIGSEGV/SIGBUS handler resumes it after the copy with the count of bytes
// moved (EFAULT, as the kernel would say). No system call per access (process_vm_readv costs
// ~2 µs here). The program's own actions for the two signals are virtualised: its faults are
// given back to the kernel with its action installed ("borrowed"), so that the kernel delivers
// them with every detail of sigaction (mask, SA_RESETHAND, SA_ONSTACK, the default action and
// its core dump); the next trap takes the signal back.

}  // namespace
}  // namespace ptvm

__asm__(
    "\t.text\n"
    "\t.p2align 4\n"
    "\t.globl ptvm_safe_copy\n"
    "\t.hidden ptvm_safe_copy\n"
    "\t.type ptvm_safe_copy,@function\n"
    "ptvm_safe_copy:\n"  // rdi dst, rsi src, rdx n -> rax copied
    "\tmov %rdx,%rcx\n"
    "\tmov %rdx,%rax\n"
    "\t.globl ptvm_safe_copy_fault\n"
    "\t.hidden ptvm_safe_copy_fault\n"
    "ptvm_safe_copy_fault:\n"
    "\trep movsb\n"
    "\t.globl ptvm_safe_copy_resume\n"
    "\t.hidden ptvm_safe_copy_resume\n"
    "ptvm_safe_copy_resume:\n"
    "\tsub %rcx,%rax\n"  // rcx: what a fault left uncopied
    "\tret\n"
    "\t.size ptvm_safe_copy,.-ptvm_safe_copy\n");

namespace ptvm {
namespace {

// The signals whose action the program sees virtually: SIGSEGV and SIGBUS (ptvm's safe copies)
// and SIGSYS (the traps themselves; never borrowed: ptvm delivers the program's SIGSYS itself).
constexpr int kFaultSignals[] = {SIGSEGV, SIGBUS, SIGSYS};
constexpr int kSigsys = 2;
int fault_index(long sig) {
  return sig == SIGSEGV ? 0 : sig == SIGBUS ? 1 : sig == SIGSYS ? kSigsys : -1;
}
KernelSigaction g_app_fault_action[3];  // what the program set (or inherited) for each
KernelSigaction g_fault_action;         // ptvm's
int g_fault_borrowed;                   // bit i: the program's action is installed for real
KernelSigaction* app_fault_actions() {
  return me().vfork_child ? me().child_fault_action : g_app_fault_action;
}
int* fault_borrowed() {
  return me().vfork_child ? &me().child_fault_borrowed : &g_fault_borrowed;
}

void on_fault(int sig, siginfo_t* info, void* context) {
  greg_t* g = static_cast<ucontext_t*>(context)->uc_mcontext.gregs;
  if (g[REG_RIP] == reinterpret_cast<greg_t>(ptvm_safe_copy_fault)) {
    g[REG_RIP] = reinterpret_cast<greg_t>(ptvm_safe_copy_resume);
    rewrite::count_copy_fault();
    return;
  }
  // The program's: the kernel delivers it again, this time with the program's action. A fault
  // does by itself when its instruction runs again; a sent signal is queued again (and shows
  // the program's code if it came during a call through a rewritten site's stub). The modules
  // hear of it here, once: the second delivery reaches the program's action alone.
  report_signal(*info);
  rewrite::translate_context(g);
  const int i = fault_index(sig);
  sys(SYS_rt_sigaction, sig, reinterpret_cast<long>(&app_fault_actions()[i]), 0, 8);
  __atomic_fetch_or(fault_borrowed(), 1 << i, __ATOMIC_RELEASE);
  if (info->si_code <= 0) {
    sys(SYS_rt_tgsigqueueinfo, my_pid(), me().tid, sig, reinterpret_cast<long>(info));
  }
}

// After a borrow: what the kernel did to the program's action meanwhile (SA_RESETHAND), then
// ptvm's handler back.
void reclaim_fault_signals() {
  const int borrowed = __atomic_exchange_n(fault_borrowed(), 0, __ATOMIC_ACQ_REL);
  for (int i = 0; i < 2; ++i) {
    if (!(borrowed & (1 << i))) continue;
    KernelSigaction now;
    if (sys(SYS_rt_sigaction, kFaultSignals[i], reinterpret_cast<long>(&g_fault_action),
            reinterpret_cast<long>(&now), 8) == 0 &&
        now.handler != g_fault_action.handler) {
      app_fault_actions()[i] = now;
    }
  }
}

bool install_fault_handlers() {
  g_fault_action.handler = reinterpret_cast<void*>(on_fault);
  g_fault_action.flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER | SA_RESTORER;
  g_fault_action.restorer = ptvm_self_sigaction_restorer;
  g_fault_action.mask = 0;
  for (int i = 0; i < 2; ++i) {
    if (sys(SYS_rt_sigaction, kFaultSignals[i], reinterpret_cast<long>(&g_fault_action),
            reinterpret_cast<long>(&g_app_fault_action[i]), 8) != 0) {
      return false;
    }
  }
  // SIGSYS: what the program inherited (SIG_IGN survives execve); runtime/self takes it next.
  return sys(SYS_rt_sigaction, SIGSYS, 0, reinterpret_cast<long>(&g_app_fault_action[kSigsys]),
             8) == 0;
}

void on_sigreturn(ucontext_t* uc);

// A SIGSYS that is not ptvm's trap (kill -SYS, the program's own seccomp filter): delivered as
// the program's virtual action says, from ptvm's handler (SIGSYS can never be the program's for
// real). Its mask applies while its handler runs; SIGSYS itself is never blocked.
void on_foreign_sigsys(int sig, siginfo_t* info, void* context) {
  report_signal(*info);  // as the ptrace backend does, whatever the program's action
  KernelSigaction& action = app_fault_actions()[kSigsys];
  void* const handler = action.handler;
  if (handler == reinterpret_cast<void*>(SIG_IGN)) return;
  if (handler == reinterpret_cast<void*>(SIG_DFL)) {  // core dump and death, as natively
    KernelSigaction dfl{};
    dfl.handler = reinterpret_cast<void*>(SIG_DFL);
    sys(SYS_rt_sigaction, SIGSYS, reinterpret_cast<long>(&dfl), 0, 8);
    const std::uint64_t sigsys = 1ULL << (SIGSYS - 1);
    sys(SYS_rt_sigprocmask, SIG_UNBLOCK, reinterpret_cast<long>(&sigsys), 0, 8);
    sys(SYS_tgkill, my_pid(), me().tid, SIGSYS);
    return;
  }
  rewrite::translate_context(static_cast<ucontext_t*>(context)->uc_mcontext.gregs);
  const unsigned long flags = action.flags;
  std::uint64_t mask = action.mask & ~(1ULL << (SIGSYS - 1)), old = 0;
  if (flags & SA_RESETHAND) action.handler = reinterpret_cast<void*>(SIG_DFL);
  sys(SYS_rt_sigprocmask, SIG_BLOCK, reinterpret_cast<long>(&mask), reinterpret_cast<long>(&old),
      8);
  if (flags & SA_SIGINFO) {
    reinterpret_cast<void (*)(int, siginfo_t*, void*)>(handler)(sig, info, context);
  } else {
    reinterpret_cast<void (*)(int)>(handler)(sig);
  }
  sys(SYS_rt_sigprocmask, SIG_SETMASK, reinterpret_cast<long>(&old), 0, 8);
  // Natively the handler returns through the rt_sigreturn of its frame: the modules hear of it
  // as under ptrace (a copy of the frame, whose mask and RAX the call would restore).
  ucontext_t frame, call{};
  ptvm_safe_copy(&frame, context, sizeof frame);
  call.uc_mcontext.gregs[REG_RSP] = reinterpret_cast<greg_t>(&frame);
  call.uc_mcontext.gregs[REG_RIP] = frame.uc_mcontext.gregs[REG_RIP];
  on_sigreturn(&call);
}

// rt_sigaction(SIGSEGV or SIGBUS) of the program: on its virtual action.
long emulate_fault_sigaction(const long a[6]) {
  if (a[3] != 8) return -EINVAL;
  const int i = fault_index(a[0]);
  Memory& m = g_backend.memory();
  KernelSigaction* actions = app_fault_actions();
  const KernelSigaction old = actions[i];
  if (a[1] != 0) {
    KernelSigaction act;
    if (!m.read(RemotePtr<void>(static_cast<std::uintptr_t>(a[1])), &act, sizeof act)) {
      return -EFAULT;
    }
    act.mask &= ~((1ULL << (SIGKILL - 1)) | (1ULL << (SIGSTOP - 1)) | (1ULL << (SIGSYS - 1)));
    actions[i] = act;
  }
  if (a[2] != 0 && !m.write(RemotePtr<void>(static_cast<std::uintptr_t>(a[2])), &old, sizeof old)) {
    return -EFAULT;
  }
  return 0;
}

// ---- the program's other handlers --------------------------------------------------------------
// Every handler the program installs (for a signal other than SIGSEGV, SIGBUS and SIGSYS, whose
// actions are virtual: see above) is installed behind ptvm_signal_wrapper, with the program's
// flags, mask and restorer plus SA_SIGINFO, so that the kernel does everything as for the
// program's own action and hands the wrapper the siginfo. The wrapper, on ptvm's signal stack:
//   - reports the signal to the modules (ModuleStack::on_signal: the tracer's `--- SIGxxx ---`,
//     the line the ptrace backend prints at the signal's delivery stop);
//   - with rewriting on, shows the handler the site's context when the signal came while the
//     thread was inside a rewritten site's stub (rewrite::translate_context), as natively;
// then jumps to the program's handler with the frame exactly as the kernel built it (its return
// address is the program's restorer): SA_SIGINFO or not, the kernel passes the same three
// registers on x86-64, and only copies the siginfo into the frame for SA_SIGINFO.
// rt_sigaction reads back the program's handler and flags. Handlers a vfork child installs are
// installed as they are, and not reported (the table here is its parent's, in the shared
// memory); those it inherited are its parent's, wrapped.
// A signal whose default action kills the process (SIGTERM, SIGINT, SIGPIPE...) is reported
// too when the tracer prints signals: where the program's action is SIG_DFL, ptvm installs a
// handler of its own (kDefaultKills), which reports the signal, puts SIG_DFL back for real and
// has the kernel deliver it again (the process dies of it: nothing of the program runs, so no
// call it makes can see the handler). A signal the program ignores, or whose default action
// ignores it (SIGCHLD, SIGWINCH) or stops the process, still reaches no code of ptvm's: the
// ptrace backend reports those, the in-process one does not (runtime/main/README.md).

constexpr std::uint64_t kSigsysBit = 1ULL << (SIGSYS - 1);
void* g_app_handlers[65];       // the program's handler of each signal, where the wrapper is
std::uint64_t g_added_siginfo;  // bit sig-1: the program did not ask for SA_SIGINFO
std::uint64_t g_mask_sigsys;    // bit sig-1: the program's sa_mask had SIGSYS (never installed)

// The signals whose default action ends the process and that ptvm may stand in for (not
// SIGSEGV, SIGBUS and SIGSYS, virtual anyway; not the real-time ones, which glibc uses).
constexpr int kDefaultKills[] = {SIGHUP,  SIGINT,  SIGQUIT, SIGILL,  SIGTRAP,   SIGABRT, SIGFPE,
                                 SIGUSR1, SIGUSR2, SIGPIPE, SIGALRM, SIGTERM,   SIGSTKFLT,
                                 SIGXCPU, SIGXFSZ, SIGVTALRM, SIGPROF, SIGIO, SIGPWR};
bool g_default_reports;  // the tracer prints signals: ptvm stands in for SIG_DFL (kDefaultKills)
std::uint64_t g_default_reported;  // bit sig-1: the program's SIG_DFL stands behind ptvm's handler
KernelSigaction g_default_as_set[65];  // the program's SIG_DFL action (its flags and mask) there

// Whether `pc` is the runtime's code (its text and the stubs), not the program's.
bool in_runtime_code(std::uintptr_t pc) {
  return pc >= reinterpret_cast<std::uintptr_t>(&__ehdr_start) &&
         pc < reinterpret_cast<std::uintptr_t>(__stop_ptvm_self_text);
}

// ptvm's handler in place of a program's SIG_DFL: the signal's line, then its default action.
// The process dies of it: nothing here needs undoing (the action stays SIG_DFL, the bits too).
void on_default_kill(int sig, siginfo_t* info, void* context) {
  KernelSigaction dfl{};
  dfl.handler = reinterpret_cast<void*>(SIG_DFL);
  sys(SYS_rt_sigaction, sig, reinterpret_cast<long>(&dfl), 0, 8);
  auto* uc = static_cast<ucontext_t*>(context);
  // Unblocked when the handler returns, whatever mask it restores (sigsuspend's, ppoll's, or a
  // call's that blocks it): natively the signal kills at once.
  std::uint64_t mask;  // the kernel's 64 signals: the first word of the sigset_t
  __builtin_memcpy(&mask, &uc->uc_sigmask, sizeof mask);
  mask &= ~(1ULL << (sig - 1));
  __builtin_memcpy(&uc->uc_sigmask, &mask, sizeof mask);
  // A fault (SIGILL, SIGFPE, SIGTRAP of an instruction) comes again when the instruction runs
  // again; anything else is queued again with its siginfo, for when the handler returns.
  const bool fault = info->si_code > 0 && info->si_code != SI_KERNEL &&
                     (sig == SIGILL || sig == SIGFPE || sig == SIGTRAP);
  // Sent to itself by a call the runtime makes for the program: under ptrace the call's line
  // comes first; the runtime reports and delivers the signal after that line.
  const auto pc = static_cast<std::uintptr_t>(uc->uc_mcontext.gregs[REG_RIP]);
  if (!fault && me().defer_kills && me().deferred_kill == 0 && in_runtime_code(pc)) {
    me().deferred_info = *info;
    me().deferred_kill = sig;
    return;
  }
  report_signal(*info);
  if (!fault) sys(SYS_rt_tgsigqueueinfo, my_pid(), me().tid, sig, reinterpret_cast<long>(info));
}

// The signal on_default_kill held back: its line, then the death (its action is SIG_DFL).
void deliver_deferred_kill() {
  const int sig = me().deferred_kill;
  me().deferred_kill = 0;
  me().defer_kills = false;
  report_signal(me().deferred_info);
  const std::uint64_t bit = 1ULL << (sig - 1);
  sys(SYS_rt_sigprocmask, SIG_UNBLOCK, reinterpret_cast<long>(&bit), 0, 8);
  sys(SYS_rt_tgsigqueueinfo, my_pid(), me().tid, sig, reinterpret_cast<long>(&me().deferred_info));
}

bool is_kill_family(long nr) {
  return nr == SYS_kill || nr == SYS_tkill || nr == SYS_tgkill || nr == SYS_rt_sigqueueinfo ||
         nr == SYS_rt_tgsigqueueinfo;
}

KernelSigaction default_kill_action() {
  KernelSigaction act{};
  act.handler = reinterpret_cast<void*>(on_default_kill);
  // SA_RESTART: a call the signal interrupts is not cut short by ptvm's handler (the process
  // dies as the handler returns anyway).
  act.flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART | SA_RESTORER;
  act.restorer = ptvm_self_sigaction_restorer;
  act.mask = 0;
  return act;
}

bool reports_default_kill(long sig) {
  for (const int s : kDefaultKills) {
    if (s == sig) return true;
  }
  return false;
}

// At the start of every image when the tracer prints signals: ptvm's handler wherever the
// program's action is SIG_DFL (as it is after execve, but for what it ignores).
void install_default_kills() {
  const KernelSigaction act = default_kill_action();
  for (const int sig : kDefaultKills) {
    KernelSigaction old{};
    if (sys(SYS_rt_sigaction, sig, reinterpret_cast<long>(&act), reinterpret_cast<long>(&old),
            8) != 0) {
      continue;
    }
    if (old.handler == reinterpret_cast<void*>(SIG_DFL)) {
      g_default_as_set[sig] = old;
      g_default_reported |= 1ULL << (sig - 1);
    } else {  // ignored (SIG_IGN survives execve): as it was
      sys(SYS_rt_sigaction, sig, reinterpret_cast<long>(&old), 0, 8);
    }
  }
}

extern "C" __attribute__((visibility("hidden"), used)) void* ptvm_signal_handler_for(
    int sig, siginfo_t* info, void* context) {
  rewrite::translate_context(static_cast<ucontext_t*>(context)->uc_mcontext.gregs);
  report_signal(*info);
  return g_app_handlers[sig];
}

}  // namespace
}  // namespace ptvm

extern "C" __attribute__((visibility("hidden"))) void ptvm_signal_wrapper(int, siginfo_t*, void*);
// ptvm_fast_stack (below) gives the stack: the top of ptvm's signal stack, or below the frame
// when the handler already runs on it.
__asm__(
    "\t.text\n"
    "\t.p2align 4\n"
    "\t.hidden ptvm_signal_wrapper\n"
    "\t.type ptvm_signal_wrapper,@function\n"
    "ptvm_signal_wrapper:\n"  // the kernel's call: rdi sig, rsi info, rdx context
    "\tpush %rdi\n"
    "\tpush %rsi\n"
    "\tpush %rdx\n"
    "\tpush %rbx\n"
    "\tmov %rsp,%rbx\n"
    "\tsub $8,%rsp\n"  // 16-byte aligned (entered as if called, then four pushes)
    "\tmov %rbx,%rdi\n"
    "\tcall ptvm_fast_stack\n"
    "\tmov %rax,%rsp\n"
    "\tmov 24(%rbx),%rdi\n"
    "\tmov 16(%rbx),%rsi\n"
    "\tmov 8(%rbx),%rdx\n"
    "\tcall ptvm_signal_handler_for\n"
    "\tmov %rbx,%rsp\n"
    "\tpop %rbx\n"
    "\tpop %rdx\n"
    "\tpop %rsi\n"
    "\tpop %rdi\n"
    "\tjmp *%rax\n"  // the frame as the kernel built it: returns to the program's restorer
    "\t.size ptvm_signal_wrapper,.-ptvm_signal_wrapper\n");

namespace ptvm {
namespace {

// rt_sigaction of a signal other than SIGSEGV, SIGBUS, SIGSYS. False: the call goes to the
// kernel as it is.
bool wrap_sigaction(const long a[6], long* result) {
  const long sig = a[0];
  if (sig < 1 || sig > 64 || a[3] != 8) return false;
  Memory& m = g_backend.memory();
  auto* const wrapper = reinterpret_cast<void*>(ptvm_signal_wrapper);
  const std::uint64_t bit = 1ULL << (sig - 1);
  void* const previous = g_app_handlers[sig];
  const bool previous_added = (g_added_siginfo & bit) != 0;
  const std::uint64_t previous_mask_sigsys = g_mask_sigsys;
  KernelSigaction act, old{};
  bool wrapped = false;
  if (a[1] != 0) {
    if (!m.read(RemotePtr<void>(static_cast<std::uintptr_t>(a[1])), &act, sizeof act)) {
      *result = -EFAULT;
      return true;
    }
    wrapped = !me().vfork_child && act.handler != reinterpret_cast<void*>(SIG_DFL) &&
              act.handler != reinterpret_cast<void*>(SIG_IGN);
    if (!me().vfork_child) {  // (else its parent's table)
      g_added_siginfo &= ~bit;
      g_mask_sigsys = (act.mask & kSigsysBit) ? g_mask_sigsys | bit : g_mask_sigsys & ~bit;
    }
    if (wrapped) {
      g_app_handlers[sig] = act.handler;
      if (!(act.flags & SA_SIGINFO)) g_added_siginfo |= bit;
      act.handler = wrapper;
      act.flags |= SA_SIGINFO;
    }
  }
  // The program's SIG_DFL of a signal that kills: ptvm's handler stands in for it while the
  // tracer prints signals (not in a vfork child: the table is its parent's). The program's own
  // action is installed first, then replaced: what reads back is what the kernel kept of it (no
  // SIGKILL and SIGSTOP in the mask, no flag it does not know).
  const bool default_kill = a[1] != 0 && (g_default_reports && !me().vfork_child) &&
                            act.handler == reinterpret_cast<void*>(SIG_DFL) &&
                            reports_default_kill(sig);
  const KernelSigaction* const stand_in =
      (g_default_reported & bit) ? &g_default_as_set[sig] : nullptr;
  const KernelSigaction stood_in = stand_in ? *stand_in : KernelSigaction{};
  *result = ptvm_self_syscall(SYS_rt_sigaction, sig, a[1] != 0 ? reinterpret_cast<long>(&act) : 0,
                              a[2] != 0 ? reinterpret_cast<long>(&old) : 0, 8, 0, 0);
  if (*result != 0) {
    g_app_handlers[sig] = previous;
    g_added_siginfo = previous_added ? g_added_siginfo | bit : g_added_siginfo & ~bit;
    g_mask_sigsys = previous_mask_sigsys;
    return true;
  }
  if (a[1] != 0 && !me().vfork_child) {
    if (default_kill) {
      const KernelSigaction ours = default_kill_action();
      KernelSigaction kept = act;
      ptvm_self_syscall(SYS_rt_sigaction, sig, reinterpret_cast<long>(&ours),
                        reinterpret_cast<long>(&kept), 8, 0, 0);
      g_default_as_set[sig] = kept;
      g_default_reported |= bit;
    } else {
      g_default_reported &= ~bit;
    }
  }
  if (a[2] != 0) {
    // The program's SIG_DFL where ptvm's handler stood in for it.
    if (stand_in && old.handler == reinterpret_cast<void*>(on_default_kill)) old = stood_in;
    // The program's action as it gave it; also after SA_RESETHAND made it SIG_DFL (the kernel
    // keeps the flags).
    const bool was_wrapped = old.handler == wrapper;
    if (was_wrapped) old.handler = previous;
    const bool reset =
        old.handler == reinterpret_cast<void*>(SIG_DFL) && (old.flags & SA_RESETHAND);
    if (previous_added && (was_wrapped || reset)) {
      old.flags &= ~static_cast<unsigned long>(SA_SIGINFO);
    }
    if (previous_mask_sigsys & bit) old.mask |= kSigsysBit;
    if (!m.write(RemotePtr<void>(static_cast<std::uintptr_t>(a[2])), &old, sizeof old)) {
      *result = -EFAULT;
    }
  }
  return true;
}

// ---- performing calls ---------------------------------------------------------------------

bool read_word(std::uintptr_t addr, std::uintptr_t* out) {
  return g_backend.memory().read(RemotePtr<void>(addr), out, sizeof *out).has_value();
}

void sleep_us(std::uint64_t usec) {
  timespec ts{static_cast<time_t>(usec / 1'000'000), static_cast<long>(usec % 1'000'000 * 1000)};
  while (sys(SYS_nanosleep, reinterpret_cast<long>(&ts), reinterpret_cast<long>(&ts)) == -EINTR) {
  }
}

// ---- handing a program over to the ptrace supervisor (--backend=auto) -----------------------

bool traced_by_ptvm() {
  return rewrite::tracer_pid() == config().ptvm_pid;
}

// Asks ptvm to PTRACE_SEIZE this thread, which is about to execute `program` (the loader cannot:
// `why`), and waits until it has (a few ms; SIGURG again every 10 ms in case ptvm missed it),
// then installs the supervisor's filter on this thread. False if ptvm did not answer within 5 s.
bool hand_over(const char* program, HandoverReason why) {
  const long fd = sys(SYS_open, reinterpret_cast<long>(g_adopt_path), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  HandoverRequest request;
  request.tid = me().tid;
  request.reason = why;
  cstr::copy(request.program, program, sizeof request.program);
  const long w = sys(SYS_write, fd, reinterpret_cast<long>(&request), sizeof request);
  sys(SYS_close, fd);
  if (w != sizeof request) return false;
  bool traced = false;
  for (int i = 0; i < 5000 && !traced; ++i) {
    if (i % 10 == 0) sys(SYS_kill, config().ptvm_pid, SIGURG);
    sleep_us(1000);
    traced = traced_by_ptvm();
  }
  if (!traced) return false;
  sock_fprog prog{static_cast<unsigned short>(config().filter_length),
                  const_cast<sock_filter*>(config().filter)};
  long r = sys(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, reinterpret_cast<long>(&prog));
  if (r == -EACCES) {  // without CAP_SYS_ADMIN a filter needs no_new_privs
    sys(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    r = sys(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, reinterpret_cast<long>(&prog));
  }
  return r == 0;
}

// ---- /proc/self/exe -----------------------------------------------------------------------------
// The kernel executed the runtime: /proc/self/exe names it (PR_SET_MM_EXE_FILE refuses while
// the runtime's file is mapped). The program's names for its own /proc/self/exe are answered
// and redirected to the program's file: readlink, open, stat, access, execve.

path::ExeTable* g_exes;  // the run's programs (ptvm proot -r / alone: the path VM's table)

// g_exe if `path` is this process's exe link (/proc/self/exe, /proc/thread-self/exe,
// /proc/<pid>/exe, .../task/<tid>/exe), another process's program (in `other`, PATH_MAX) where
// the run keeps a table of them, else null.
const char* self_exe_alias(const char* path, char* other) {
  // The path VM answers and walks /proc/self/exe the guest's way itself (PathModule::set_exe).
  if (!g_exe[0] || g_path_active || !starts_with(path, "/proc/")) return nullptr;
  const char* rest = path + sizeof "/proc/" - 1;
  auto number = [&rest](long* v) {
    *v = 0;
    const char* start = rest;
    for (; *rest >= '0' && *rest <= '9'; ++rest) *v = *v * 10 + (*rest - '0');
    return rest != start && *rest++ == '/';
  };
  long v = 0;
  if (starts_with(rest, "thread-self/")) {
    rest += sizeof "thread-self/" - 1;
  } else {
    if (starts_with(rest, "self/")) {
      rest += sizeof "self/" - 1;
    } else if (!number(&v)) {
      return nullptr;
    }
    const long process = v;
    if (starts_with(rest, "task/")) {
      rest += sizeof "task/" - 1;
      if (!number(&v)) return nullptr;
    }
    if (process != 0 && process != my_pid()) {
      char kernel_exe[PATH_MAX];
      const bool known = g_exes && cstr::equal(rest, "exe") &&
                         g_exes->get(static_cast<pid_t>(process),
                                     start_time_of(static_cast<pid_t>(process)), kernel_exe, other);
      return known ? other : nullptr;
    }
  }
  return rest[0] == 'e' && rest[1] == 'x' && rest[2] == 'e' && rest[3] == '\0' ? g_exe : nullptr;
}

// `path` (absolute) without `.`, `..` and repeated slashes, in place: /proc has no links on the
// way to a process's exe (but the exe itself), so the kernel's walk is the lexical one. False,
// and `path` left as it is, for a `..` after an `exe` (a file: the kernel's ENOTDIR).
bool lexical_canonical(char* path) {
  char out[64];
  const std::size_t len = length(path);
  if (len >= sizeof out) return false;
  const bool trailing = len > 1 && path[len - 1] == '/';  // kept: `exe/` is ENOTDIR
  std::size_t at = 0, last = 0;  // `last`: where the last component kept starts
  for (std::size_t in = 0; path[in];) {
    while (path[in] == '/') ++in;
    std::size_t end = in;
    while (path[end] && path[end] != '/') ++end;
    const std::size_t n = end - in;
    if (n == 2 && path[in] == '.' && path[in + 1] == '.') {
      if (at - last == 4 && starts_with(out + last, "/exe")) return false;
      at = last;
      while (last > 0 && out[--last] != '/') {
      }
    } else if (n > 0 && !(n == 1 && path[in] == '.')) {
      last = at;
      out[at++] = '/';
      for (std::size_t i = 0; i < n; ++i) out[at++] = path[in + i];
    }
    in = end;
  }
  if (at == 0 || trailing) out[at++] = '/';
  out[at] = '\0';
  cstr::copy(path, out, at + 1);
  return true;
}

constexpr std::size_t kExeHead = 64;  // the longest alias, /proc/<pid>/task/<tid>/exe, and `..`

// The /proc half of redirect_self_exe, out of line: its PATH_MAX buffers would put every
// trap's frame a page deeper on the signal stack (a page more to copy after each fork).
[[gnu::noinline, gnu::cold]] bool redirect_proc_exe(long nr, long a[6], int arg, char* head,
                                                     long* answer) {
  // /proc/1/../self/exe too (a name longer than the head is none of these).
  if (length(head) < kExeHead - 1 && !lexical_canonical(head)) return false;
  // Another process's program: in this thread's block, alive until the call is made.
  const char* exe = self_exe_alias(head, me().exe_other);
  if (exe == nullptr) return false;
  if (nr == SYS_readlink || nr == SYS_readlinkat) {
    const long size = a[arg + 2];
    if (size <= 0) {
      *answer = -EINVAL;
      return true;
    }
    const std::size_t n =
        length(exe) < static_cast<std::size_t>(size) ? length(exe) : static_cast<std::size_t>(size);
    *answer = ptvm_safe_copy(reinterpret_cast<void*>(a[arg + 1]), exe, n) == n
                  ? static_cast<long>(n)
                  : -EFAULT;
    return true;
  }
  a[arg] = reinterpret_cast<long>(exe);
  return false;
}

// For the calls that name a file: the program's exe link redirected (`a` rewritten), or
// readlink answered (the result in *answer). False: nothing to do.
[[gnu::hot]] bool redirect_self_exe(long nr, long a[6], long* answer) {
  int arg = -1;
  // Not where the call names the link itself (O_NOFOLLOW, AT_SYMLINK_NOFOLLOW): the kernel's
  // answer (ELOOP, the link's own attributes) is the native one.
  switch (nr) {
    case SYS_open:
      if (a[1] & O_NOFOLLOW) return false;
      arg = 0;
      break;
    case SYS_stat:
    case SYS_access:
    case SYS_readlink:
    case SYS_execve:
      arg = 0;
      break;
    case SYS_openat:
      if (a[2] & O_NOFOLLOW) return false;
      arg = 1;
      break;
    case SYS_faccessat2:
      if (a[3] & AT_SYMLINK_NOFOLLOW) return false;
      arg = 1;
      break;
    case SYS_execveat:
      if (a[4] & AT_SYMLINK_NOFOLLOW) return false;
      arg = 1;
      break;
    case SYS_openat2:
    case SYS_faccessat:
    case SYS_readlinkat:
      arg = 1;
      break;
    case SYS_newfstatat:
    case SYS_statx:
      if (a[nr == SYS_statx ? 2 : 3] & AT_SYMLINK_NOFOLLOW) return false;  // the link itself
      arg = 1;
      break;
    default:
      return false;
  }
  char head[kExeHead] = {};
  // Not into the next page when the name ends before it: a fault there costs a signal.
  const auto* name = reinterpret_cast<const char*>(a[arg]);
  const std::size_t to_page_end = 4096 - (reinterpret_cast<std::uintptr_t>(name) & 4095);
  const std::size_t first = to_page_end < sizeof head - 1 ? to_page_end : sizeof head - 1;
  const std::size_t got = ptvm_safe_copy(head, name, first);
  if (got == first && first < sizeof head - 1 && length(head) == first) {
    ptvm_safe_copy(head + first, name + first, sizeof head - 1 - first);
  }
  if (!starts_with(head, "/proc/")) return false;
  return redirect_proc_exe(nr, a, arg, head, answer);
}

// The tracer's line of an execve, rendered before the call (empty for a summary).
struct ExecLine {
  const char* text;
  std::size_t length;
};

bool read_program_word(std::uintptr_t address, std::uintptr_t* word) {
  return read_word(address, word);
}

// execve/execveat: through ptvm's loader (runtime/loader), which the old image executes after
// the kernel's checks; the new image maps the program. A program the loader cannot run goes to
// the ptrace supervisor under auto (its descendants stay there: the filter and the tracer are
// inherited), and runs unwatched otherwise. `record`: the tracer's line of the execve.
long perform_exec(long nr, long a[6], const ExecLine* line) {
  char path[PATH_MAX];
  const long path_arg = nr == SYS_execve ? a[0] : a[1];
  if (!g_backend.memory().read_string(RemotePtr<char>(static_cast<std::uintptr_t>(path_arg)), path,
                                      sizeof path)) {
    return ptvm_self_syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);  // EFAULT, ENAMETOOLONG
  }
  loader::ExecRequest request{};
  request.dirfd = nr == SYS_execve ? AT_FDCWD : static_cast<int>(a[0]);
  request.path = path;
  request.flags = nr == SYS_execve ? 0 : static_cast<int>(a[4]);
  request.argv = static_cast<std::uintptr_t>(nr == SYS_execve ? a[1] : a[2]);
  request.read_word = read_program_word;
  request.runtime = config().runtime_path;
  request.config = g_config_path;
  request.sigsys_blocked = ptvm_self_sigsys_blocked() != 0;
  request.traced = line != nullptr;
  request.record = line ? line->text : nullptr;
  request.record_len = line ? line->length : 0;
  request.tracers_to_ptrace = config().tracers_to_ptrace;
  loader::GuestPaths guest{};
  if (g_path_active) {  // the program, its interpreters and its loader from the guest
    guest.to_host = [](void* context, int dirfd, const char* name, bool follow, char* host,
                       char* guest_path) {
      return static_cast<PathModule*>(context)->guest_to_host(my_pid(), me().tid, dirfd, name,
                                                              follow, host, guest_path);
    };
    guest.to_guest = [](void* context, const char* host, char* guest_path) {
      return static_cast<PathModule*>(context)->map().to_guest(host, guest_path);
    };
    guest.context = g_path.get();
    guest.cwd = g_path.get()->cwd_hint(my_pid());
    request.guest = &guest;
  }
  loader::Handoff handoff;
  loader::ExecPlan plan;
  const long prepared = loader::prepare_exec(request, &handoff, &plan);
  if (prepared < 0) return prepared;
  // A SIGSEGV/SIGBUS the program ignores stays ignored across execve (a handler would not).
  for (int i = 0; i < 2; ++i) {
    KernelSigaction& action = app_fault_actions()[i];
    if (action.handler != reinterpret_cast<void*>(SIG_IGN)) continue;
    sys(SYS_rt_sigaction, kFaultSignals[i], reinterpret_cast<long>(&action), 0, 8);
    __atomic_fetch_or(fault_borrowed(), 1 << i, __ATOMIC_RELEASE);  // back if execve fails
  }
  // SIGSYS too, for the execve only: the call is made from the allowed range, nothing traps.
  KernelSigaction sigsys_ours{};
  const bool sigsys_ignored =
      app_fault_actions()[kSigsys].handler == reinterpret_cast<void*>(SIG_IGN);
  if (sigsys_ignored) {
    sys(SYS_rt_sigaction, SIGSYS, reinterpret_cast<long>(&app_fault_actions()[kSigsys]),
        reinterpret_cast<long>(&sigsys_ours), 8);
  }
  long r;
  const long envp = nr == SYS_execve ? a[2] : a[3];
  rewrite::flush_stats();  // this image's counts end here if the execve succeeds
  if (prepared == 0) {
    r = ptvm_self_syscall(SYS_execveat, plan.runtime_fd, reinterpret_cast<long>(""),
                          static_cast<long>(plan.argv), envp, AT_EMPTY_PATH, 0);
    plan.abandon();
  } else {
    const bool handed = config().hybrid && hand_over(path, plan.cannot_host);
    if (config().hybrid && !handed) {
      complain("ptvm did not take over a program that cannot host the runtime", 0);
    }
    if (!config().hybrid && config().verbose > 0) {
      say_process(my_pid(), path,
                  "runs without ptvm (--backend=inprocess has no ptrace backend to "
                  "hand it to): it",
                  describe(plan.cannot_host));
    }
    r = ptvm_self_syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
    if (handed) me().handed_over = true;  // execve failed: the supervisor intercepts from now on
  }
  if (sigsys_ignored) sys(SYS_rt_sigaction, SIGSYS, reinterpret_cast<long>(&sigsys_ours), 0, 8);
  return r;
}

// sigaltstack: the handler needs ptvm's stack, so the program's is remembered, reported and
// validated as the kernel would, but not installed; the program's SA_ONSTACK handlers run on
// ptvm's (an alternate stack all the same).
long emulate_sigaltstack(const long a[6]) {
  Memory& m = g_backend.memory();
  stack_t old{};
  if (me().app_altstack_set) {
    old = me().app_altstack;
  } else {
    old.ss_flags = SS_DISABLE;
  }
  if (a[0] != 0) {
    stack_t ss;
    if (!m.read(RemotePtr<void>(static_cast<std::uintptr_t>(a[0])), &ss, sizeof ss)) {
      return -EFAULT;
    }
    const int mode = ss.ss_flags & ~SS_AUTODISARM;
    if (mode != 0 && mode != SS_DISABLE && mode != SS_ONSTACK) return -EINVAL;
    if (mode == SS_DISABLE) {
      me().app_altstack_set = false;
    } else {
      if (ss.ss_size < 2048) return -ENOMEM;  // the kernel's MINSIGSTKSZ (glibc's is sysconf)
      me().app_altstack = ss;
      me().app_altstack.ss_flags = 0;
      me().app_altstack_set = true;
    }
  }
  if (a[1] != 0 && !m.write(RemotePtr<void>(static_cast<std::uintptr_t>(a[1])), &old, sizeof old)) {
    return -EFAULT;
  }
  return 0;
}

// ---- the output descriptor, out of the program's sight ------------------------------------------
// ptvm's descriptor is not the program's: the common calls on it say EBADF (close, fcntl, dup,
// read, write, fstat...: shells probe descriptors), dup2/dup3 onto its number move it away
// first, and listings of the program's descriptors (/proc/self/fd, /dev/fd) skip it.

void move_output_fd() {
  const long moved = sys(SYS_fcntl, g_out_fd, F_DUPFD_CLOEXEC, kOutFdFloor);
  sys(SYS_close, g_out_fd);
  g_out_fd = moved >= 0 ? static_cast<int>(moved) : -1;
  rewrite::set_output_fd(g_out_fd);
}

// Whether `fd` is a directory listing this process's descriptors: /proc/<pid>/fd or
// /proc/<pid>/task/<tid>/fd (what /proc/self/fd, /proc/thread-self/fd and /dev/fd lead to).
bool lists_own_fds(long fd) {
  char link[64], target[128];
  std::size_t at = 0;
  append(link, sizeof link, &at, "/proc/self/fd/");
  append_dec(link, sizeof link, &at, fd);
  const long n = sys(SYS_readlink, reinterpret_cast<long>(link), reinterpret_cast<long>(target),
                     sizeof target - 1);
  if (n <= 0) return false;
  target[n] = '\0';
  char self[32];
  at = 0;
  append(self, sizeof self, &at, "/proc/");
  append_dec(self, sizeof self, &at, my_pid());
  if (!starts_with(target, self)) return false;
  const char* rest = target + at;
  if (starts_with(rest, "/task/")) {
    rest += sizeof "/task/" - 1;
    while (*rest >= '0' && *rest <= '9') ++rest;
  }
  return rest[0] == '/' && rest[1] == 'f' && rest[2] == 'd' && rest[3] == '\0';
}

// Removes ptvm's descriptor from the linux_dirent64 records getdents64 just wrote.
long hide_output_fd(long buffer, long length) {
  char name[24];
  std::size_t at = 0;
  append_dec(name, sizeof name, &at, g_out_fd);
  auto* buf = reinterpret_cast<unsigned char*>(buffer);
  for (long off = 0; off < length;) {
    const std::uint16_t reclen = static_cast<std::uint16_t>(buf[off + 16] | buf[off + 17] << 8);
    if (reclen == 0) break;
    const char* entry = reinterpret_cast<const char*>(buf + off + 19);
    bool same = true;
    for (std::size_t i = 0; i <= at; ++i) same = same && entry[i] == name[i];
    if (same) {
      for (long i = off; i + reclen < length; ++i) buf[i] = buf[i + reclen];
      return length - reclen;
    }
    off += reclen;
  }
  return length;
}

// ---- the ends of threads ----------------------------------------------------------------------
// Under ptrace each thread's end is a line of its own (`TID +++ exited with N +++`), and the
// leader's comes when the whole process has ended. In-process the modules hear of them as the
// threads call exit and exit_group, which knows the others from /proc/self/task.

// Calls `each(tid)` for every thread of process `pid` but `pid` and `self` that has not ended
// (or begun its end: a zombie); how many.
template <class Each>
int for_each_running_thread(pid_t pid, pid_t self, Each each) {
  const long dir =
      sys(SYS_open, reinterpret_cast<long>("/proc/self/task"), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return 0;
  int count = 0;
  alignas(8) unsigned char buf[2048];
  for (long n; (n = sys(SYS_getdents64, dir, reinterpret_cast<long>(buf), sizeof buf)) > 0;) {
    for (long off = 0; off < n;) {
      const std::uint16_t reclen = static_cast<std::uint16_t>(buf[off + 16] | buf[off + 17] << 8);
      if (reclen == 0) break;
      long tid = 0;
      for (const unsigned char* c = buf + off + 19; *c >= '0' && *c <= '9'; ++c) {
        tid = tid * 10 + (*c - '0');
      }
      off += reclen;
      if (tid == 0 || tid == pid || tid == self) continue;
      const char state = state_of(pid, static_cast<pid_t>(tid));
      if (state == 'Z' || state == 'X' || state == '\0') continue;
      ++count;
      each(static_cast<pid_t>(tid));
    }
  }
  sys(SYS_close, dir);
  return count;
}

// The leader's exit status when it ended by `exit` while other threads ran (its line waits for
// the last of them, as under ptrace); -1 otherwise. Reset in a fork child.
int g_leader_status = -1;
// Whether this image ever made a thread (or a process sharing its memory): if not, exit_group
// has no other thread to name and skips /proc/self/task. Set by perform() before every clone
// that shares the memory; reset in a fork child.
bool g_made_threads;

// exit_group: every running thread's end, the caller's, the leader's last. A thread between its
// own `exit` and its end may be named twice.
void report_group_exit(int status) {
  ModuleStack& stack = *g_stack.get();
  const pid_t pid = my_pid(), caller = me().tid;
  if (__atomic_load_n(&g_made_threads, __ATOMIC_ACQUIRE)) {
    for_each_running_thread(pid, caller, [&](pid_t tid) { stack.on_process_exit(tid, status); });
  }
  if (caller != pid) stack.on_process_exit(caller, status);
  __atomic_store_n(&g_leader_status, -1, __ATOMIC_RELEASE);
  stack.on_process_exit(pid, status);
}

// exit of one thread: its end; the leader's waits while other threads run, and comes with the
// last one's.
void report_thread_exit(int status) {
  ModuleStack& stack = *g_stack.get();
  const pid_t pid = my_pid(), tid = me().tid;
  auto none = [](pid_t) {};
  if (tid == pid) {
    __atomic_store_n(&g_leader_status, status, __ATOMIC_RELEASE);
    if (for_each_running_thread(pid, tid, none) > 0) return;
  } else {
    stack.on_process_exit(tid, status);
    if (__atomic_load_n(&g_leader_status, __ATOMIC_ACQUIRE) < 0 ||
        for_each_running_thread(pid, tid, none) > 0) {
      return;
    }
  }
  const int leader = __atomic_exchange_n(&g_leader_status, -1, __ATOMIC_ACQ_REL);
  if (leader >= 0) stack.on_process_exit(pid, leader);
}

// Performs `nr` for the program, with what ptvm must add around it. `line`: an execve's
// PTVM_EXEC_RECORD= variable, or null.
[[gnu::hot]] long perform(long nr, long a[6], const ExecLine* line = nullptr) {
  if (long answer; redirect_self_exe(nr, a, &answer)) return answer;
  // Before the call: the new thread may not have run yet when this one calls exit_group.
  if ((nr == SYS_clone && (a[0] & CLONE_VM)) || nr == SYS_clone3) {
    if (!g_made_threads) __atomic_store_n(&g_made_threads, true, __ATOMIC_RELEASE);
  }
  // ptvm's descriptor does not exist for the program (shells probe them): close, read, fstat...
  if (rewrite::takes_descriptor(nr) && g_out_fd >= 0 && a[0] == g_out_fd) return -EBADF;
  if (rewrite::changes_memory_map(nr)) {
    const long r = ptvm_self_syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
    if (r >= 0 || r < -4095) rewrite::on_memory_call(nr, a);  // the map changed
    return r;
  }
  switch (nr) {
    case SYS_execve:
    case SYS_execveat:
      return perform_exec(nr, a, line);
    case SYS_sigaltstack:
      return emulate_sigaltstack(a);
    case SYS_newfstatat:  // fstat() and the *at calls: ptvm's descriptor as a directory is bad
    case SYS_statx:
    case SYS_openat:
    case SYS_faccessat:
    case SYS_faccessat2:
    case SYS_readlinkat:
      if (g_out_fd >= 0 && a[0] == g_out_fd) {
        char first = '/';
        if (a[1] != 0) ptvm_safe_copy(&first, reinterpret_cast<const void*>(a[1]), 1);
        if (first != '/') return -EBADF;  // an absolute path ignores the descriptor
      }
      break;
    case SYS_dup2:
    case SYS_dup3:
      if (g_out_fd >= 0 && a[0] == g_out_fd) return -EBADF;
      if (g_out_fd >= 0 && a[1] == g_out_fd) move_output_fd();
      break;
    case SYS_getdents64: {
      const long r = ptvm_self_syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
      if (r <= 0 || g_out_fd < 0 || !lists_own_fds(a[0])) return r;
      return hide_output_fd(a[1], r);
    }
    case SYS_arch_prctl:
      // %gs is the runtime's (its per-thread block): the program's reads 0 and stays so.
      if (a[0] == ARCH_SET_GS) return -EPERM;
      if (a[0] == ARCH_GET_GS) {
        const unsigned long zero_base = 0;
        return g_backend.memory().write(RemotePtr<void>(static_cast<std::uintptr_t>(a[1])),
                                        &zero_base, sizeof zero_base)
                   ? 0
                   : -EFAULT;
      }
      break;
    case SYS_ptrace:
      // A tracer's tracee would stop at each of its calls with the runtime's SIGSYS, and ptvm
      // has no way to hide those stops: becoming a tracer or a tracee fails, as on the ptrace
      // backend (where ptvm is the tracer), with a word on what works.
      if (a[0] == PTRACE_TRACEME || a[0] == PTRACE_ATTACH || a[0] == PTRACE_SEIZE) {
        static bool said;
        if (!said) {
          said = true;
          complain(
              "ptrace refused (EPERM): a tracer and its tracee cannot run in-process; with "
              "ptvm proot, --backend=ptrace emulates the guest's ptrace",
              0);
        }
        return -EPERM;
      }
      break;
    case SYS_prctl:
      // Syscall User Dispatch is ptvm's: the program may not turn it off (nor on for itself).
      if (a[0] == PR_SET_SYSCALL_USER_DISPATCH_) return a[1] == 0 ? 0 : -EINVAL;
      break;
    case SYS_rt_sigaction:
      if (fault_index(a[0]) >= 0) {
        if (*fault_borrowed()) reclaim_fault_signals();
        return emulate_fault_sigaction(a);
      }
      if (long answer; wrap_sigaction(a, &answer)) return answer;
      break;
    case SYS_exit:
      altstack_retire();
      [[fallthrough]];
    case SYS_exit_group:
      rewrite::flush_stats();
      // The modules hear of it first (the tracer's `+++ exited with N +++`).
      if (!g_active) break;
      if (nr == SYS_exit) {
        report_thread_exit(W_EXITCODE(a[0] & 0xff, 0));
      } else {
        report_group_exit(W_EXITCODE(a[0] & 0xff, 0));
      }
      break;
    default:
      break;
  }
  return ptvm_self_syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}

// ---- the hooks --------------------------------------------------------------------------------

// A module call nested in another of the same thread: a signal handler of the program that runs
// while the runtime performs a blocking call (its calls, its rt_sigreturn). The outer call's
// module storage is saved (on the stack: NESTED_CALL_BEGIN's alloca) and put back around it. A
// handler that leaves with siglongjmp leaves the count high: later calls then save needlessly,
// which costs time only.
void copy_storage(std::byte* to, const std::byte* from) {
  for (std::size_t i = 0; i < g_storage_used; ++i) to[i] = from[i];
}
#define NESTED_CALL_BEGIN(saved)                                                                   \
  std::byte* const saved =                                                                         \
      me().in_modules++ > 0 ? static_cast<std::byte*>(__builtin_alloca(g_storage_used)) : nullptr; \
  if (saved) copy_storage(saved, g_backend.thread_storage())
#define NESTED_CALL_END(saved)                                \
  if (saved) copy_storage(g_backend.thread_storage(), saved); \
  --me().in_modules

constexpr long kErestartNoHand = 514;  // the kernel's ERESTARTNOHAND (include/linux/errno.h)

// An execve while tracing: the tracer's line of a successful one is printed by the new program's
// runtime: it is rendered now (result 0) and handed over (loader::Handoff); a failed one is
// printed here. Apart from run_wanted, so that the line's 32 KiB are not in the frame of every
// wanted call (each page of the signal stack a call reaches is copied after a fork).
[[gnu::noinline, gnu::cold]] long perform_traced_exec(ModuleStack& stack, const SyscallCall& call,
                                                      long nr, long a[6]) {
  char record[loader::kMaxRecord];
  ExecLine line{record, 0};
  if (!config().trace_options.summary) {
    SyscallCall copy(call);
    record[0] = '\0';
    me().capture = record;
    me().capture_len = 0;
    me().capture_cap = sizeof record;
    stack.exit_one(copy, 0, 0);
    me().capture = nullptr;
    line.length = me().capture_len;
  }
  return perform(nr, a, &line);
}

// A call some module wants, through the module stack; false when RAX must stay as it is (the
// call runs in place after the handler).
[[gnu::hot]] bool run_wanted(long nr, long a[6], long* rax) {
  // One held back by a call that never came back here (a handler left it by siglongjmp).
  if (me().deferred_kill != 0) deliver_deferred_kill();
  ModuleStack& stack = *g_stack.get();
  bool set_rax = true;
  NESTED_CALL_BEGIN(outer_storage);
  alignas(16) std::byte scratch[kScratch];
  std::byte* const outer_scratch = me().scratch;  // a trap nested in a signal handler
  const std::size_t outer_used = me().scratch_used;
  char* const outer_capture = me().capture;  // ... that interrupted the rendering of an execve
  me().capture = nullptr;
  me().scratch = scratch;
  me().scratch_used = 0;

  std::uint64_t args[6];
  for (int i = 0; i < 6; ++i) args[i] = static_cast<std::uint64_t>(a[i]);
  SyscallCall call(g_backend, my_pid(), me().tid, nr, args);
  const ModuleStack::EntryOutcome outcome = stack.enter(call);
  if (call.delay_us()) sleep_us(call.delay_us());
  if (call.signal_to_raise()) sys(SYS_tgkill, my_pid(), me().tid, call.signal_to_raise());
  if (!outcome.run_call) {
    *rax = call.result();
  } else {
    for (int i = 0; i < 6; ++i) a[i] = static_cast<long>(call.arg(i));
    const bool self_signal = g_default_reports && is_kill_family(nr);
    if (self_signal) me().defer_kills = true;
    const long r = (nr == SYS_execve || nr == SYS_execveat) && config().trace
                       ? perform_traced_exec(stack, call, nr, a)
                       : perform(nr, a, nullptr);
    if (self_signal) me().defer_kills = false;
    const bool in_place = r == -EINPROGRESS && ptvm_self_runs_in_place(nr, a[0], a[1]);
    const bool fork_child = r == 0 && (nr == SYS_fork || nr == SYS_clone) && !in_place &&
                            !ptvm_self_runs_in_place(nr, a[0], a[1]);
    if (fork_child) {
      *rax = 0;  // the parent's line carries the call, as under ptrace
    } else if (in_place) {
      // Runs after the handler (clone with a new stack, vfork): the exits in after_inplace.
      set_rax = false;
      if (outcome.needs_exit) {
        new (me().pending) SyscallCall(call);
        me().pending_exit = true;
      }
    } else {
      if (outcome.needs_exit) {
        // A handled signal ends rt_sigsuspend and pause with ERESTARTNOHAND, which a tracer sees
        // at the exit (EINTR is what the handler's rt_sigreturn leaves); in-process the handler
        // has run inside the call, and EINTR comes back: the modules see the tracer's result.
        const long seen =
            r == -EINTR && (nr == SYS_rt_sigsuspend || nr == SYS_pause) ? -kErestartNoHand : r;
        const long out = stack.exit(call, seen);
        *rax = out == seen ? r : out;
        if (call.delay_us()) sleep_us(call.delay_us());  // inject's delay_exit
      } else {
        *rax = r;
      }
    }
  }
  me().scratch = outer_scratch;
  me().scratch_used = outer_used;
  me().capture = outer_capture;
  NESTED_CALL_END(outer_storage);
  if (me().deferred_kill != 0) deliver_deferred_kill();
  return set_rax;
}

[[gnu::hot]] void on_trap(int, siginfo_t* info, void* context) {
  auto* uc = static_cast<ucontext_t*>(context);
  greg_t* g = uc->uc_mcontext.gregs;
  const long nr = info->si_syscall;
  long a[6] = {g[REG_RDI], g[REG_RSI], g[REG_RDX], g[REG_R10], g[REG_R8], g[REG_R9]};
  if (*fault_borrowed()) reclaim_fault_signals();
  rewrite::count_trap();
  const bool wanted = !me().handed_over && g_stack.get()->interest().contains(nr);
  // This site may be rewritten to make the call without a trap next time (directly, or into
  // the module stack without a signal: ptvm_fast_dispatch).
  if (!me().handed_over) rewrite::on_trap(static_cast<std::uintptr_t>(g[REG_RIP]), nr, wanted);
  long rax = 0;
  if (!wanted) {
    g[REG_RAX] = perform(nr, a);
  } else if (run_wanted(nr, a, &rax)) {
    g[REG_RAX] = rax;
  }
}

}  // namespace

// ---- wanted calls through a rewritten site (runtime/rewrite: ptvm_rw_enter) ---------------------
// What the stub's way in saved on the program's stack (below its red zone).
struct FastFrame {
  long rbx, r9, r8, r10, rdx, rsi, rdi, nr;
  unsigned long flags, stub_return;
};

// Where ptvm_fast_dispatch runs: the thread's signal stack of ptvm, at its top, or below the
// frame when the thread is on it already (a handler of the program that runs inside a module
// call, where the kernel also puts the frames of signals). 16-byte aligned.
extern "C" __attribute__((visibility("hidden"), used, hot)) std::uintptr_t ptvm_fast_stack(
    std::uintptr_t sp) {
  const std::uintptr_t base = me().altstack;
  if (base == 0) return (sp - 256) & ~std::uintptr_t{15};  // no stack of ptvm: the program's
  const std::uintptr_t low = signal_stack(base), high = low + kAltStack;
  if (sp > low && sp <= high) return (sp - 256) & ~std::uintptr_t{15};
  return high & ~std::uintptr_t{15};
}

// A wanted call, as on_trap would run it (the stub is only made for calls that never run in
// place: rewrite's kind_of).
extern "C" __attribute__((visibility("hidden"), used, hot)) long ptvm_fast_dispatch(FastFrame* f) {
  long a[6] = {f->rdi, f->rsi, f->rdx, f->r10, f->r8, f->r9};
  if (*fault_borrowed()) reclaim_fault_signals();
  long rax = -ENOSYS;
  if (me().handed_over || !g_stack.get()->interest().contains(f->nr)) return perform(f->nr, a);
  run_wanted(f->nr, a, &rax);
  return rax;
}

namespace {

void on_new_thread(int kind) {
  if (kind == PTVM_SELF_CHILD_THREAD) {
    // A new thread (or a process sharing the memory): the kernel gave it no alternate stack
    // (CLONE_VM without CLONE_VFORK), and it runs alongside its parent: a block of its own.
    if (!thread_begin()) fail("cannot map a signal stack", 0);
    return;
  }
  me().tid = static_cast<pid_t>(sys(SYS_gettid));
  me().pid = static_cast<pid_t>(sys(SYS_getpid));
  if (kind == PTVM_SELF_CHILD_COPY) {
    // A new process: fresh per-tracee state (strace counts a child's calls from zero).
    zero(me().storage, g_storage_used);
    g_leader_status = -1;  // its only thread is its leader
    if (g_made_threads) g_made_threads = false;
    me().defer_kills = false;
    me().deferred_kill = 0;
    rewrite::on_fork_child();
    me().pending_exit = false;
  } else {
    // A vfork child, on its parent's block: storage and signal actions of its own meanwhile.
    me().vfork_child = true;
    zero(me().child_storage, g_storage_used);
    for (int i = 0; i < 3; ++i) me().child_fault_action[i] = g_app_fault_action[i];
    me().child_fault_borrowed = 0;
  }
}

long after_inplace(long result) {
  // The parent again; after a vfork its child ran on this thread's block and this memory.
  me().tid = static_cast<pid_t>(sys(SYS_gettid));
  me().pid = static_cast<pid_t>(sys(SYS_getpid));
  me().vfork_child = false;
  me().scratch = nullptr;
  me().scratch_used = 0;
  if (!me().pending_exit) return result;
  me().pending_exit = false;
  SyscallCall& call = *std::launder(reinterpret_cast<SyscallCall*>(me().pending));
  return g_stack.get()->exit(call, result);
}

// rt_sigreturn never comes back: the modules see its entry with the registers of the call (the
// tracer reads the frame's mask from the stack pointer) and its exit with the value the frame
// restores in RAX, as the ptrace backend reports it.
void on_sigreturn(ucontext_t* uc) {
  if (config().rewrite) {  // a call through a stub to be restarted goes back into the stub
    auto* const frame = reinterpret_cast<ucontext_t*>(uc->uc_mcontext.gregs[REG_RSP]);
    gregset_t g;
    if (ptvm_safe_copy(g, frame->uc_mcontext.gregs, sizeof g) == sizeof g &&
        rewrite::resume_in_stub(g)) {
      ptvm_safe_copy(&frame->uc_mcontext.gregs[REG_RIP], &g[REG_RIP], sizeof g[REG_RIP]);
    }
  }
  ModuleStack& stack = *g_stack.get();
  if (!g_active || me().handed_over || !stack.interest().contains(SYS_rt_sigreturn)) return;
  const greg_t* g = uc->uc_mcontext.gregs;
  Registers regs;
  user_regs_struct& r = regs.raw();
  r.rax = SYS_rt_sigreturn;
  r.orig_rax = SYS_rt_sigreturn;
  r.rsp = static_cast<std::uint64_t>(g[REG_RSP]);
  r.rip = static_cast<std::uint64_t>(g[REG_RIP]);
  // The mask the frame restores, as the program has it: SIGSYS is never blocked for real, the
  // program's wish is the thread's virtual bit (a copy of the frame shows it).
  ucontext_t shown;
  if (ptvm_self_sigsys_blocked() &&
      ptvm_safe_copy(&shown, reinterpret_cast<const void*>(g[REG_RSP]), sizeof shown) ==
          sizeof shown) {
    shown.uc_sigmask.__val[0] |= 1ULL << (SIGSYS - 1);
    r.rsp = reinterpret_cast<std::uint64_t>(&shown);
  }
  NESTED_CALL_BEGIN(outer_storage);  // a handler returns: the call it interrupted may be on
  auto& memory = static_cast<LocalMemory&>(g_backend.memory());
  memory.set_registers(&regs);
  std::uint64_t args[6] = {};
  SyscallCall call(g_backend, my_pid(), me().tid, SYS_rt_sigreturn, args);
  if (stack.enter(call).needs_exit) {
    // The frame's ucontext sits at the stack pointer: its RAX is what the call returns.
    long restored = 0;
    ptvm_safe_copy(&restored,
                   reinterpret_cast<const char*>(g[REG_RSP]) +
                       offsetof(ucontext_t, uc_mcontext.gregs) + REG_RAX * sizeof(greg_t),
                   sizeof restored);
    stack.exit(call, restored);
  }
  memory.set_registers(nullptr);
  NESTED_CALL_END(outer_storage);
}

const ptvm_self_runtime_hooks g_hooks = {on_trap, on_new_thread, after_inplace, on_foreign_sigsys,
                                         on_sigreturn};

// ---- init -------------------------------------------------------------------------------------

// Mapped, not read: 150 KB (the seccomp filter, the inject and redirect rules) of which a run
// uses a few pages; only those are faulted in, every exec.
bool read_config(const char* path) {
  const long fd = sys(SYS_open, reinterpret_cast<long>(path), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail("cannot open the configuration", fd);
  const long at = sys(SYS_mmap, 0, sizeof(RuntimeConfig), PROT_READ, MAP_SHARED, fd, 0);
  sys(SYS_close, fd);
  if (at < 0 && at > -4096) return false;
  g_config_map = reinterpret_cast<const RuntimeConfig*>(at);
  return config().magic == RuntimeConfig::kMagic && config().size == sizeof(RuntimeConfig);
}

// A user's module (ptvm run --module=PATH.so[:ARGS]): mapped from ptvm's descriptor, linked
// against the runtime's exports, created with its ARGS (which stay in the mapped configuration
// for the module to keep). ptvm checked the file (module_problems(), the rules the linker relies
// on) and loaded it itself: a failure here is a file that changed since, or a bug.
Module* link_user_module(const RuntimeConfig::UserModule& m) {
  char line[PATH_MAX + 512];
  std::size_t at = 0;
  append(line, sizeof line, &at, "cannot load the module ");
  append(line, sizeof line, &at, m.path);
  append(line, sizeof line, &at, ": ");
  char path[64];
  ptvm_fd_path(path, m.fd);
  const long fd = sys(SYS_open, reinterpret_cast<long>(path), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    append(line, sizeof line, &at, "cannot open it");
    fail(line, fd);
  }
  loader::LinkedModule linked;
  const bool ok = linked.link(static_cast<int>(fd), kModuleExports, kModuleExportCount, line + at,
                              sizeof line - at);
  sys(SYS_close, fd);
  if (!ok) fail(line, 0);
  const auto* abi = static_cast<const unsigned*>(linked.find("ptvm_module_abi"));
  auto* create = reinterpret_cast<Module* (*)(const char*)>(linked.find("ptvm_module_create"));
  if (abi == nullptr || create == nullptr || *abi != kModuleAbi) {
    append(line, sizeof line, &at, "not a module of this ptvm's ABI");
    fail(line, 0);
  }
  Module* module = create(m.args);
  if (module == nullptr) {
    append(line, sizeof line, &at, "its ptvm_module_create refused its arguments");
    fail(line, 0);
  }
  // Its code was not built with -mgeneral-regs-only as the runtime's is: a wanted call through
  // a rewritten site (no signal frame) must save the program's SSE and x87 state around it.
  ptvm_rw_save_vectors = 1;
  return module;
}

// Maps ptvm's memfd `fd` (`bytes` long) shared, read-write: a table every process of the run
// shares. Fails the process (status 126) with "cannot open|map the <what>".
void* map_shared(long fd, std::size_t bytes, const char* what) {
  char path[64];
  ptvm_fd_path(path, fd);
  char why[96];
  std::size_t at = 0;
  const long opened = sys(SYS_open, reinterpret_cast<long>(path), O_RDWR | O_CLOEXEC);
  if (opened < 0) {
    append(why, sizeof why, &at, "cannot open the ");
    append(why, sizeof why, &at, what);
    fail(why, opened);
  }
  const long table =
      sys(SYS_mmap, 0, static_cast<long>(bytes), PROT_READ | PROT_WRITE, MAP_SHARED, opened, 0);
  sys(SYS_close, opened);
  if (table < 0 && table > -4096) {
    append(why, sizeof why, &at, "cannot map the ");
    append(why, sizeof why, &at, what);
    fail(why, table);
  }
  return reinterpret_cast<void*>(table);
}

void build_stack() {
  ModuleStack* stack = new (g_stack.bytes) ModuleStack();
  new (g_host.bytes) RuntimeHost();
  if (config().trace) {
    TraceModule* trace = new (g_trace.bytes) TraceModule(*g_host.get(), config().trace_options);
    if (config().counts_fd >= 0) {
      trace->share_counts(map_shared(config().counts_fd, TraceModule::counts_bytes(), "counters"));
    }
    stack->push_bottom(trace);
  }
  for (std::uint32_t i = 0; i < config().user_modules && i < RuntimeConfig::kMaxUserModules; ++i) {
    stack->push_bottom(link_user_module(config().user_module[i]));
  }
  if (config().injects) {
    InjectModule* inject = new (g_inject.bytes) InjectModule();
    for (std::uint32_t i = 0; i < config().injects; ++i) inject->add(config().inject[i]);
    stack->push_bottom(inject);
  }
  if (config().null) stack->push_bottom(new (g_null.bytes) NullModule(config().null_calls));
  if (config().redirects) {
    RedirectModule* redirect = new (g_redirect.bytes) RedirectModule();
    for (std::uint32_t i = 0; i < config().redirects; ++i) {
      redirect->add(config().redirect[i].from, config().redirect[i].to);
    }
    stack->push_bottom(redirect);
  }
  if (config().path_exes_fd >= 0) {
    g_exes = static_cast<path::ExeTable*>(
        map_shared(config().path_exes_fd, sizeof(path::ExeTable), "path VM's table of programs"));
  }
  if (config().path) {  // built in zeroed memory: it touches only what it uses (path_module.h)
    // Default-initialised, not value-initialised (`()` would zero its megabytes first).
    PathModule* path = new (g_path.bytes) PathModule;
    path->use_map(&config().path_map);
    path->set_in_process();
    path->share_exes(g_exes);
    stack->push_bottom(path);
    g_path_active = true;
  }
  if (config().fakeroot) {  // the run's table, shared with ptvm and every other process
    void* table = map_shared(config().fakeroot_fd, config().fakeroot_bytes, "fakeroot table");
    fakeroot::FakeDb* db = fakeroot::FakeDb::attach(table, config().fakeroot_bytes);
    if (db == nullptr) fail("the fakeroot table is not one", 0);
    auto* fake =
        new (g_fakeroot.bytes) fakeroot::FakerootModule(*db, config().fakeroot_unknown_is_real,
                                                         fakeroot::FakerootModule::InZeroedMemory{});
    fake->set_initial_ids(config().fakeroot_uid, config().fakeroot_gid);
    if (config().fakeroot_runner) {
      fake->set_runner_ids(config().fakeroot_runner_uid, config().fakeroot_runner_gid);
    }
    fake->set_in_process();
    stack->push_bottom(fake);
  }
  if (stack->thread_storage_size() > kThreadStorage) fail("modules need too much storage", 0);
  g_storage_used = stack->thread_storage_size();
}

// The runtime for the program the Handoff names: configuration, thread block, output, modules;
// the tracer's line of the execve that started it.
void runtime_init(const loader::HandoffView& handoff, const char* record) {
  g_config_path = handoff.config;
  g_exe = handoff.exe;
  if (!read_config(g_config_path)) fail("unreadable configuration", 0);
  if (!thread_begin()) fail("cannot map a signal stack", 0);
  if (config().verbose > 1) {
    say_process(my_pid(), handoff.guest_exe[0] ? handoff.guest_exe : handoff.exe,
                "runs in-process");
  }
  ptvm_self_set_sigsys_blocked(handoff.sigsys_blocked);
  if (config().out_fd >= 0) {
    ptvm_fd_path(g_out_path, config().out_fd);
    if (!RuntimeHost::reopen_output()) fail("cannot open the trace output", 0);
  }
  if (config().hybrid) ptvm_fd_path(g_adopt_path, config().adopt_fd);
  build_stack();
  // /proc/self/exe: the kernel names the runtime (which a fork child that has not executed yet
  // still runs).
  char runtime_exe[PATH_MAX] = "";
  if (g_exes) {
    const long n = sys(SYS_readlink, reinterpret_cast<long>("/proc/self/exe"),
                       reinterpret_cast<long>(runtime_exe), sizeof runtime_exe - 1);
    runtime_exe[n > 0 ? n : 0] = '\0';
  }
  if (g_exes && !g_path_active) {  // `-r /`: the host's names, for the others' /proc/N/exe
    g_exes->put(my_pid(), start_time_of(my_pid()), runtime_exe, g_exe);
  }
  if (g_path_active) {
    // The guest's names for this image's program and working directory (the first program's
    // directory is -w's).
    PathModule& path = *g_path.get();
    path.set_initial_cwd(handoff.guest_cwd[0] ? handoff.guest_cwd : config().path_cwd);
    path.set_exe(my_pid(), runtime_exe, handoff.guest_exe[0] ? handoff.guest_exe : handoff.exe);
  }
  rewrite::Stats* stats = nullptr;
  if (config().rewrite_stats_fd >= 0) {
    stats = static_cast<rewrite::Stats*>(
        map_shared(config().rewrite_stats_fd, sizeof(rewrite::Stats), "rewriting's statistics"));
  }
  rewrite::init(config().rewrite, config().rewrite_after, stats);
  if (handoff.traced && config().trace) {
    if (config().trace_options.summary) {
      g_trace.get()->count(SYS_execve, 0, 0);
    } else {
      g_host.get()->write_out(record, handoff.record_len);
    }
  }
  if (!install_fault_handlers()) fail("cannot install the SIGSEGV/SIGBUS handlers", 0);
  if (config().trace && !config().trace_options.summary) {
    g_default_reports = true;
    install_default_kills();
  }
}

// What the old image handed over, and the view of its strings: one page of it is touched.
struct {
  loader::HandoffView view;
  char bytes[loader::kMaxPackedHandoff];
} g_handoff_in;
loader::HandoffView& g_handoff = g_handoff_in.view;
PTVM_COLD_BSS char g_record[loader::kMaxRecord + 1];

}  // namespace
}  // namespace ptvm

extern "C" {
__attribute__((visibility("hidden"))) extern void (*__init_array_start[])();
__attribute__((visibility("hidden"))) extern void (*__init_array_end[])();
}

// The loader's entry (runtime/loader/load.cpp's _start): the kernel executed the runtime in
// place of a program. Relocate, read what the old image handed over, start the runtime, map
// the program, arm the thread, jump.
extern "C" [[noreturn]] __attribute__((used)) void ptvm_loader_main(long* sp) {
  using namespace ptvm;
  loader::relocate_self();
  // The runtime's static constructors (the configuration's defaults): the C runtime's job.
  for (void (**f)() = __init_array_start; f < __init_array_end; ++f) (*f)();
  const loader::InitialStack stack = loader::read_stack(sp);
  if (!loader::read_handoff(stack, &g_handoff, g_handoff_in.bytes, g_record, sizeof g_record)) {
    fail("this program runs programs for ptvm only (ptvm run --backend=inprocess ...)", 0);
  }
  runtime_init(g_handoff, g_record);
  const char* why = "";
  const std::uintptr_t entry = loader::load_program(stack, g_handoff, &why);
  if (entry == 0) {
    char line[PATH_MAX + 128];
    std::size_t at = 0;
    append(line, sizeof line, &at, "cannot load ");
    append(line, sizeof line, &at, g_handoff.exe);
    append(line, sizeof line, &at, ": ");
    append(line, sizeof line, &at, why);
    fail(line, 0);  // past the point of no return: the kernel would kill the process too
  }
  g_active = true;
  if (const int r = ptvm_self_runtime_init(&g_hooks); r != 0) {
    fail("Syscall User Dispatch is unavailable", r);
  }
  loader::jump(sp, entry);
}
