#include "backend/ptrace/supervisor.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/kcmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <unordered_map>

#include "backend/last_status.h"
#include "backend/ptrace/cpu_placement.h"
#include "backend/ptrace/guest_ptrace.h"
#include "backend/ptrace/proc_status.h"
#include "backend/ptrace/seccomp_filter.h"
#include "backend/ptrace/trampoline.h"
#include "core/handover.h"
#include "core/proc_files.h"
#include "core/syscall_table.h"

extern char** environ;

namespace ptvm {

namespace {

constexpr long kSeizeOptions = PTRACE_O_EXITKILL | PTRACE_O_TRACESECCOMP | PTRACE_O_TRACESYSGOOD |
                               PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK |
                               PTRACE_O_TRACEEXEC | PTRACE_O_TRACEEXIT;
// Without a filter (--no-seccomp): what a tracer that emulates ptrace without seccomp accepts.
constexpr long kUnfilteredOptions = kSeizeOptions & ~PTRACE_O_TRACESECCOMP;

// Stack red zone of the x86-64 ABI: scratch memory goes below it.
constexpr std::uintptr_t kRedZone = 128;
static_assert(trampoline::kArgsBelowSp >= kRedZone + 48,
              "the restore's registers under the red zone");
constexpr std::size_t kMaxScratch = 64 * 1024;

std::uint64_t monotonic_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// The thread group of `tid`, and whether it lives in a PID namespace below ptvm's (NSpid has
// more than one number).
pid_t read_tgid(pid_t tid, bool* nested = nullptr) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/status", tid);
  FILE* f = std::fopen(path, "re");
  if (!f) return tid;
  char line[256];
  pid_t tgid = tid;
  while (std::fgets(line, sizeof line, f)) {
    if (std::strncmp(line, "Tgid:", 5) == 0) {
      tgid = static_cast<pid_t>(std::atoi(line + 5));
    } else if (std::strncmp(line, "NSpid:", 6) == 0) {
      int fields = 0;
      for (const char* p = line + 6; *p;) {
        while (*p == ' ' || *p == '\t') ++p;
        if (*p < '0' || *p > '9') break;
        ++fields;
        while (*p >= '0' && *p <= '9') ++p;
      }
      if (nested) *nested = fields > 1;
      break;
    }
  }
  std::fclose(f);
  return tgid;
}

// How many seccomp filters thread `tid` runs its calls through (-1: unknown).
int seccomp_filters(pid_t tid) {
  return static_cast<int>(proc_status_number(tid, "Seccomp_filters:"));
}

void on_tick(int) {}

// SIGTERM or SIGHUP to ptvm, and its sender: a program's (its `kill 0`, a kill of its tracer)
// is ignored, anybody else's ends ptvm (and with it the program: EXITKILL). Checked by run()'s
// loop.
volatile sig_atomic_t g_terminate_sig = 0;
volatile sig_atomic_t g_terminate_from = 0;
void on_terminate(int sig, siginfo_t* info, void*) {
  g_terminate_from = info->si_pid;
  g_terminate_sig = sig;
}

bool is_stop_signal(int sig) {
  return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

// The memory a call about to start points to as its input (its paths, strings, buffers, input
// structs): what its modules most likely read at its entry, read ahead with the slot of the
// thread's previous call (RemoteMemory::read_ahead()). The first kInputAhead bytes of each, cut
// at its page's end: a page the call reads from anyway. Not where the call reads nothing (a
// count of 0), nor for a call that did not come through the syscall instruction (int $0x80:
// other numbers, other arguments).
constexpr std::size_t kInputAhead = 256;

std::size_t call_inputs(const Registers& regs, RemoteMemory::Range* out) {
  const user_regs_struct& raw = regs.raw();
  if (raw.cs != 0x33 || raw.rcx != raw.rip || raw.r11 != raw.eflags) return 0;
  const SyscallInfo* info = syscall_info(regs.syscall_no());
  if (!info) return 0;
  std::size_t n = 0;
  for (int i = 0; i < info->nargs && n < RemoteMemory::kAheadRanges; ++i) {
    std::uint64_t count = 1;  // what the call reads there, for the kinds with a count argument
    switch (info->args[i]) {
      case ArgKind::buf_in:
      case ArgKind::iov_in:
      case ArgKind::pollfds:
      case ArgKind::sockaddr_in:
      case ArgKind::sockopt_val_in:
      case ArgKind::open_how:
        count = i + 1 < 6 ? regs.arg(i + 1) : 0;
        break;
      case ArgKind::groups_in:  // setgroups(size, list)
        count = i > 0 ? regs.arg(i - 1) : 0;
        break;
      case ArgKind::path:
      case ArgKind::str:
      case ArgKind::argv:
      case ArgKind::envp:
      case ArgKind::sigset_in:
      case ArgKind::sigaction_in:
      case ArgKind::siginfo_in:
      case ArgKind::timespec_in:
      case ArgKind::utimes_in:
      case ArgKind::itimerval_in:
      case ArgKind::rlimit_in:
      case ArgKind::clone3_args:
        break;
      default:
        continue;  // not a pointer to the call's input
    }
    if (count > 0) out[n++] = {regs.arg(i), kInputAhead};
  }
  return n;
}

}  // namespace

Result<std::string> resolve_program(const std::string& name) {
  auto usable = [](const std::string& p) -> int {
    struct stat st;
    if (stat(p.c_str(), &st) < 0) return errno;
    if (S_ISDIR(st.st_mode)) return EACCES;
    return access(p.c_str(), X_OK) == 0 ? 0 : errno;
  };
  if (name.empty()) return std::unexpected(Error::guest(ENOENT));
  if (name.find('/') != std::string::npos) {
    if (int e = usable(name)) return std::unexpected(Error::guest(e));
    return name;
  }
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  int first_error = ENOENT;
  for (std::size_t start = 0; start <= dirs.size();) {
    std::size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string dir = dirs.substr(start, end - start);
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    int e = usable(candidate);
    if (e == 0) return candidate;
    if (e == EACCES && first_error == ENOENT) first_error = EACCES;
    start = end + 1;
  }
  return std::unexpected(Error::guest(first_error));
}

struct Supervisor::Impl final : GuestPtrace::Host {
  struct Tracee final : SyscallCall::Backend {
    Tracee(Impl& sup, pid_t tid, pid_t tgid)
        : tid(tid),
          tgid(tgid),
          mem(tid, sup.options.naive ? MemMode::peek : sup.options.mem),
          copies(sup.use_trampoline),
          storage(sup.stack.thread_storage_size()) {
      mem.use_syscall_info(sup.options.syscall_info);
    }

    Memory& memory() override { return mem; }
    Result<RemotePtr<void>> scratch(std::size_t bytes) override {
      auto regs = mem.registers();
      if (!regs) return std::unexpected(regs.error());
      if (bytes > kMaxScratch - scratch_used) return std::unexpected(Error::guest(ENOMEM));
      // Below the red zone of the stack the call was made with, and below the place of the
      // trampoline's restore entry: a call that needs scratch memory has its arguments
      // rewritten, and the program's registers go there with the module's first write (the
      // same crossing). A signal frame cannot land there before the registers are restored.
      const std::uintptr_t sp = (*regs)->sp();
      if (scratch_used == 0 && copies && call) {
        std::uint64_t args[6];
        for (int i = 0; i < 6; ++i) args[i] = call->entry_args()[i];
        mem.write_along(RemotePtr<void>(sp - trampoline::kArgsBelowSp), args, sizeof args);
      }
      scratch_used = (scratch_used + bytes + 15) & ~std::size_t{15};
      const std::uintptr_t base = (sp - trampoline::kArgsBelowSp) & ~std::uintptr_t{15};
      return RemotePtr<void>(base - scratch_used);
    }

    std::byte* thread_storage() override { return storage.data(); }
    bool copies_exits() override { return copies; }

    pid_t tid;
    pid_t tgid;
    RemoteMemory mem;
    std::optional<SyscallCall> call;  // between entry and exit
    std::optional<long> emulated;     // --no-seccomp: the result to set again at the exit stop
    bool in_syscall = false;          // --no-seccomp: entry seen, exit stop pending
    bool want_exit = false;           // resume with PTRACE_SYSCALL to reach this call's exit
    bool needed_registers = false;    // the last entry's decisions needed the registers
    bool stopped_once = false;        // its first stop has come
    // A call the CPU placement finishes at its exit stop (0: none), and about whom.
    long placed_nr = 0;
    pid_t placed_target = 0;
    std::uintptr_t placed_buf = 0;
    std::size_t placed_len = 0;
    bool placed_was_pinned = false;  // the target was pinned at the call's entry
    // Return trampoline: the thread's block (-1: none yet); `armed`: the call in `call`
    // returns through it to `return_ip`.
    int block = -1;
    bool armed = false;
    std::uint64_t return_ip = 0;
    // An armed see_exit_copy(): its entry (kCopyResult, kCopyFixed; 0: none; its request is
    // request_*[0] or [1]) and the registers the block borrows, as they were at the entry.
    std::uint64_t copy_entry = 0;
    // The slot's two copy requests (kRequestAt) as last written; ~0 bytes: unknown.
    std::uint64_t request_from[2] = {}, request_bytes[2] = {~std::uint64_t{0}, ~std::uint64_t{0}};
    std::uint64_t saved_rdx = 0, saved_rdi = 0, saved_rsi = 0;
    std::byte copied[trampoline::kData];
    bool copies;  // see_exit_copy() is worth it (the trampoline is in use)
    std::uint64_t arms = 0, arms_at_tick = 0;  // calls armed so far; as of the last tick
    long injecting = 0;  // ptvm's own call in flight in this thread (mmap, mprotect)
    Registers saved;     // the program's registers at the stop that call replaced
    std::size_t scratch_used = 0;
    std::vector<std::byte> storage;  // the modules' per-thread storage, zeroed
  };

  Impl(ModuleStack& stack, const PtraceOptions& options) : stack(stack), options(options) {}

  // GuestPtrace::Host (the guest's own ptrace, guest_ptrace.h).
  RemoteMemory* memory(pid_t tid) override {
    auto it = tracees.find(tid);
    return it == tracees.end() ? nullptr : &it->second->mem;
  }
  pid_t tgid_of(pid_t tid) override {
    auto it = tracees.find(tid);
    return it == tracees.end() ? 0 : it->second->tgid;
  }
  void restart(pid_t tid, int sig) override {
    if (auto it = tracees.find(tid); it != tracees.end()) resume(*it->second, sig);
  }

  Result<int> run(const std::vector<std::string>& argv);
  Result<int> run_hybrid(pid_t child, int adopt_fd);
  Result<int> attach(pid_t pid);
  bool seize_threads(pid_t pid);
  bool seize_unfiltered(pid_t child);
  void detach_all();
  void adopt(int adopt_fd);
  void say_runs(pid_t pid) const;
  void handle(pid_t tid, int status);
  void on_syscall_entry(Tracee& t);
  void on_syscall_exit(Tracee& t);
  void place_call(Tracee& t, long nr);  // loads the registers for the calls it follows
  void finish_placed_call(Tracee& t);
  // Return trampoline (see above).
  struct Space {  // an address space, by thread group
    // unknown: a new process whose parent's fork/vfork/clone event has not come yet (it may
    // share its parent's memory); off: none in this address space (until its next execve).
    enum State : std::uint8_t { unknown, unmapped, mapped, ready, off } state = unknown;
    bool wanted = false;     // a call could have returned through it: worth mapping
    bool injecting = false;  // a thread runs ptvm's mmap/mprotect
    std::uint64_t page = 0;
    std::uint64_t used[trampoline::kBlocks / 64] = {};
    std::uint64_t block(int k) const { return page + trampoline::kBlock * k; }
    RemotePtr<void> slot(int k, std::size_t field = 0) const {
      return RemotePtr<void>(
          static_cast<std::uintptr_t>(page + trampoline::kCode + trampoline::kSlot * k + field));
    }
  };
  bool inject_trampoline(Tracee& t, long nr);
  void injected(Tracee& t);
  bool arm(Tracee& t, const SyscallCall& call);
  bool settle(Tracee& t, int event, int sig);
  void finish_armed(Tracee& t, std::optional<long> result);
  // `next`: the registers of the call the thread stopped at, whose inputs are read ahead.
  void finish_from_slot(Tracee& t, const Space& space, const Registers* next = nullptr);
  void abandon_call(Tracee& t);
  void flush_results();
  void release_block(Tracee& t);
  void new_address_space(pid_t tgid);
  void child_space(const Tracee& parent, const Tracee& child, int event);
  void on_event(Tracee& t, int event, int status);
  void on_signal(Tracee& t, int sig);
  void on_group_stop(Tracee& t, int sig);
  void resume(Tracee& t, int sig = 0);
  void resume_later(Tracee& t, std::uint64_t usec);
  pid_t wait_next(int* status);
  Tracee& tracee(pid_t tid);
  long ptrace_call(int request, pid_t tid, void* addr, void* data) override {
    ++stats.tracer_syscalls;
    return ptrace(static_cast<__ptrace_request>(request), tid, addr, data);
  }

  ModuleStack& stack;
  PtraceOptions options;
  SupervisorStats stats;
  CpuPlacement placement;
  std::unordered_map<pid_t, std::unique_ptr<Tracee>> tracees;
  pid_t main_pid = -1;
  bool hybrid = false;    // run_hybrid: untraced processes are ptvm's children too
  bool attached = false;  // attach(): ptvm did not start the program
  long seize_options = kSeizeOptions;
  int wait_flags = __WALL;
  bool awaiting_start = false;  // --no-seccomp: the child's SIGSTOP before execve is pending
  std::optional<int> main_status;
  LastStatus last_status;  // of the last process (thread group) to end
  // What run() returns: the program's status, or the last process's (last_process_status;
  // not with kill_on_exit, whose kills would end last).
  std::optional<int> run_status() const {
    const bool last = options.last_process_status && !options.kill_on_exit;
    return last && last_status.status() ? last_status.status() : main_status;
  }
  struct Delayed {
    std::uint64_t deadline_ns;
    pid_t tid;
  };
  std::vector<Delayed> delayed;
  std::uint64_t retired_crossings = 0;  // memory-layer crossings of tracees already gone
  bool use_trampoline = false;
  int own_filters = -1;  // seccomp filters of a tracee that installed none of its own
  std::unordered_map<pid_t, Space> spaces;  // by thread group
  std::unique_ptr<GuestPtrace> guest;       // the guest's own ptrace (options.guest_ptrace)
  bool guest_traced(const Tracee& t) const { return guest && guest->traced(t.tid); }
};

Supervisor::Impl::Tracee& Supervisor::Impl::tracee(pid_t tid) {
  auto it = tracees.find(tid);
  if (it != tracees.end()) return *it->second;
  // A new tracee can report its first stop before its parent's fork/clone event.
  bool nested = false;
  const pid_t tgid = read_tgid(tid, &nested);
  stats.tracer_syscalls += 3;  // open, read, close of /proc/TID/status
  // Its pid arguments would not be ptvm's: no placement from now on.
  if (nested) placement.disable(stats.tracer_syscalls);
  // A new process (its pid may be a reused one): its memory is known at its parent's event.
  if (tgid == tid) spaces[tgid] = Space{};
  auto [ins, _] = tracees.emplace(tid, std::make_unique<Tracee>(*this, tid, tgid));
  return *ins->second;
}

void Supervisor::Impl::resume(Tracee& t, int sig) {
  (void)t.mem.flush_registers();  // if the tracee is gone, waitpid() reports its death next
  t.mem.resumed();
  if (guest && guest->hold(t.tid)) return;  // a stop its guest tracer is to see
  const int request = (!options.seccomp || t.want_exit || t.in_syscall) ? PTRACE_SYSCALL
                      : guest                                           ? guest->request(t.tid)
                                                                        : PTRACE_CONT;
  ptrace_call(request, t.tid, nullptr, reinterpret_cast<void*>(static_cast<long>(sig)));
}

void Supervisor::Impl::resume_later(Tracee& t, std::uint64_t usec) {
  if (!t.mem.flush_registers()) return;
  delayed.push_back({monotonic_ns() + usec * 1000, t.tid});
}

pid_t Supervisor::Impl::wait_next(int* status) {
  for (;;) {
    if (delayed.empty()) {
      ++stats.tracer_syscalls;
      return waitpid(-1, status, wait_flags);
    }
    // Delayed resumes pending (fault injection's delay_enter): wait for a stop or the earliest
    // deadline. SIGCHLD is blocked in ptvm, so none can be missed between the two calls.
    const std::uint64_t now = monotonic_ns();
    std::uint64_t earliest = UINT64_MAX;
    for (std::size_t i = 0; i < delayed.size();) {
      if (delayed[i].deadline_ns <= now) {
        auto it = tracees.find(delayed[i].tid);
        delayed[i] = delayed.back();
        delayed.pop_back();
        if (it != tracees.end()) resume(*it->second);
        continue;
      }
      earliest = std::min(earliest, delayed[i].deadline_ns);
      ++i;
    }
    if (delayed.empty()) continue;
    const pid_t pid = waitpid(-1, status, wait_flags | WNOHANG);
    if (pid != 0) return pid;
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    const std::uint64_t wait_ns = earliest - now;
    timespec ts{static_cast<time_t>(wait_ns / 1'000'000'000),
                static_cast<long>(wait_ns % 1'000'000'000)};
    // A signal of ptvm's own (the trampoline's tick): the caller's turn, as waitpid's EINTR.
    if (sigtimedwait(&chld, nullptr, &ts) < 0 && errno == EINTR) return -1;
  }
}

void Supervisor::Impl::handle(pid_t tid, int status) {
  ++stats.stops;
  if (WIFEXITED(status) || WIFSIGNALED(status)) {
    auto it = tracees.find(tid);
    const bool traced = it != tracees.end();
    const pid_t gone_tgid = traced ? it->second->tgid : tid;
    if (traced) {
      Tracee& gone = *it->second;
      retired_crossings += gone.mem.stats().crossings;
      if (gone.placed_nr != 0) placement.call_done();
      abandon_call(gone);
      if (gone.injecting != 0) spaces[gone.tgid].injecting = false;
      release_block(gone);
      const pid_t tgid = gone.tgid;
      if (tid == tgid) last_status.reaped(tid, status, true);
      tracees.erase(it);
      // The process's last thread: its address space is gone.
      bool last = use_trampoline;
      for (const auto& [other, o] : tracees) last = last && o->tgid != tgid;
      if (last) spaces.erase(tgid);
      placement.gone(tid);
    }
    // hybrid: an untraced process (never a thread), which ptvm sees only as it reaps it
    if (!traced && options.last_process_status) last_status.reaped(tid, status, false);
    if (guest && traced) {
      bool group_gone = true;
      for (const auto& [other, o] : tracees) group_gone = group_gone && o->tgid != gone_tgid;
      guest->on_exit(tid, gone_tgid, status, group_gone);
    }
    if (tid == main_pid) {
      main_status = status;
      if (options.kill_on_exit) {
        for (const auto& [other, o] : tracees) kill(other, SIGKILL);
      }
    }
    // An untraced process (in-process runtime) reported its own normal exit.
    if (traced || !hybrid || WIFSIGNALED(status)) stack.on_process_exit(tid, status);
    return;
  }
  if (!WIFSTOPPED(status)) return;
  if (hybrid && (status >> 16) == 0 && tracees.find(tid) == tracees.end()) {
    // A job-control stop of an untraced process (WUNTRACED): when it is the program ptvm
    // started, ptvm stops too, so that the shell sees the job stop; fg continues both.
    // Only if it still is: a Ctrl-Z stopped ptvm with it, and `fg` may have continued both
    // before this report is read.
    if (tid == main_pid && proc_state(tid) == 'T') kill(getpid(), SIGSTOP);
    return;
  }
  Tracee& t = tracee(tid);
  placement.stopped(tid, stats.tracer_syscalls);
  const int sig = WSTOPSIG(status);
  const int event = status >> 16;
  if (t.armed && settle(t, event, sig)) return;
  const bool first = !t.stopped_once;
  t.stopped_once = true;
  // A stop a guest tracer sees: its own (held now), or after ptvm's work (held at the resume).
  if (guest && guest->on_stop(tid, status, first) == GuestPtrace::Stop::held) {
    return t.mem.resumed();
  }
  if (sig == (SIGTRAP | 0x80)) {
    // A syscall stop: with seccomp only the exit stops we asked for; without, entry and exit
    // alternate.
    if (options.seccomp || t.in_syscall) {
      ++stats.exit_stops;
      on_syscall_exit(t);
    } else {
      on_syscall_entry(t);
    }
    return;
  }
  if (event == PTRACE_EVENT_SECCOMP) return on_syscall_entry(t);
  if (event != 0) {
    ++stats.event_stops;
    return on_event(t, event, status);
  }
  ++stats.signal_stops;
  if (awaiting_start && tid == main_pid && sig == SIGSTOP) {
    awaiting_start = false;  // the child's own stop before execve (--no-seccomp): not the program's
    return resume(t);
  }
  on_signal(t, sig);
}

void Supervisor::Impl::on_syscall_entry(Tracee& t) {
  // At a seccomp stop the call alone (PTRACE_GET_SYSCALL_INFO), unless this thread's last entry
  // needed its registers too (to arm the trampoline, emulate, rewrite): then all of them at once.
  const bool lite = options.seccomp && !options.naive && !t.needed_registers;
  if (!lite && !t.mem.registers()) return;  // gone; its death is reported next
  auto entry = t.mem.syscall_entry();       // from the registers, when loaded
  if (!entry) return;
  const long nr = entry->nr;
  std::uint64_t* args = entry->args;
  if (guest) {  // a guest tracer's ptrace or wait (guest_ptrace.h)
    const GuestPtrace::Entry seen = guest->on_entry(t.tid, nr, args);
    if (seen != GuestPtrace::Entry::not_ours) {
      t.want_exit = seen == GuestPtrace::Entry::see_exit;
      t.needed_registers = true;
      return resume(t);
    }
  }
  if (!options.seccomp) t.in_syscall = true;
  if (!options.seccomp && stack.refuses_foreign_abi()) {
    // What the filter refuses otherwise (seccomp_filter.h): 32-bit code, x32 numbers, and an
    // `int $0x80` from 64-bit code (told by its instruction, which the entry stop follows).
    auto regs = t.mem.registers();
    if (!regs) return;
    const user_regs_struct& raw = (*regs)->raw();
    unsigned char insn[2] = {};
    const bool int80 = t.mem.read(RemotePtr<void>(raw.rip - 2), insn, 2, Access::force) &&
                       insn[0] == 0xcd && insn[1] == 0x80;
    if (raw.cs != 0x33 || (raw.orig_rax & 0x40000000) || int80) {
      (*regs)->set_syscall_no(-1);
      (*regs)->set_result(-ENOSYS);
      t.emulated = -ENOSYS;
      return resume(t);
    }
  }
  if (use_trampoline && stack.interest().contains(nr) && inject_trampoline(t, nr)) return;
  if (!stack.interest().contains(nr)) {  // --no-seccomp, or a call only placement wants
    if (placement.on()) place_call(t, nr);
    return resume(t);
  }
  ++stats.syscall_entries;
  for (int i = 0; options.naive && i < 6; ++i) {
    // Before PTRACE_MULTI: every register access is its own crossing.
    t.mem.resumed();
    auto regs = t.mem.registers();
    if (!regs) return;
    args[i] = (*regs)->arg(i);
  }
  t.scratch_used = 0;
  SyscallCall& call = t.call.emplace(t, t.tgid, t.tid, nr, args);
  const ModuleStack::EntryOutcome out = stack.enter(call);
  const std::uint64_t delay = call.delay_us();
  const int signal = call.signal_to_raise();
  if (!out.run_call) {
    // SKIPCALL: the kernel skips a call whose number the tracer set to -1 and leaves rax alone.
    auto regs = t.mem.registers();
    if (!regs) return;
    (*regs)->set_syscall_no(-1);
    (*regs)->set_result(call.result());
    if (!options.seccomp) t.emulated = call.result();
    t.call.reset();
    t.want_exit = false;
  } else {
    if (call.args_changed()) {
      auto regs = t.mem.registers();
      if (!regs) return;
      for (int i = 0; i < 6; ++i) (*regs)->set_arg(i, call.arg(i));
    }
    t.want_exit = out.needs_exit;
    if (!out.needs_exit) t.call.reset();
    if (placement.on()) place_call(t, nr);
    // The result alone (or the exit only on success): through the trampoline, no exit stop;
    // rewritten arguments too, whose registers the block restores, when the result is all the
    // modules want.
    const bool returns_through = call.args_changed()
                                     ? call.exit_asked() <= SyscallCall::Exit::result
                                     : call.exit_needed() != SyscallCall::Exit::full;
    if (out.needs_exit && t.placed_nr == 0 && returns_through && arm(t, call)) {
      t.want_exit = false;
    }
  }
  // Registers loaded after a cheap entry (by a decision, a module): the next entry loads them at
  // once. Registers loaded by the entry: kept while its decisions need them.
  t.needed_registers =
      lite ? t.mem.registers_loaded() : t.armed || !out.run_call || call.args_changed();
  if (signal != 0) {
    ++stats.tracer_syscalls;
    syscall(SYS_tgkill, t.tgid, t.tid, signal);
  }
  if (delay > 0) return resume_later(t, delay);
  resume(t);
}

void Supervisor::Impl::on_syscall_exit(Tracee& t) {
  t.in_syscall = false;
  t.want_exit = false;
  if (t.injecting != 0) return injected(t);
  if (guest && guest->on_wait_exit(t.tid)) {  // held until a guest tracee of its stops
    (void)t.mem.flush_registers();
    return t.mem.resumed();
  }
  if (t.emulated) {
    auto regs = t.mem.registers();
    if (regs) (*regs)->set_result(*t.emulated);
    t.emulated.reset();
    return resume(t);
  }
  if (t.placed_nr != 0) finish_placed_call(t);
  if (!t.call) return resume(t);
  auto regs = t.mem.registers();
  if (!regs) return;
  SyscallCall& call = *t.call;
  const long result = (*regs)->result();
  // Restore the caller's argument registers before anything else: a call restarted after a
  // signal re-enters with these registers. Not after an execve that worked: the registers are
  // the new program's (its rdx, zeroed by the kernel, is the atexit function of its _start).
  const bool exec_done = (call.nr() == SYS_execve || call.nr() == SYS_execveat) && result == 0;
  for (int i = 0; call.args_changed() && !exec_done && i < 6; ++i) {
    (*regs)->set_arg(i, call.entry_args()[i]);
  }
  const long seen = stack.exit(call, result);
  if (seen != result) (*regs)->set_result(seen);
  const std::uint64_t delay = call.delay_us();
  t.call.reset();
  if (delay > 0) return resume_later(t, delay);
  resume(t);
}

// The calls through which the program could notice the CPU placement: followed to their exit,
// and no pin changes meanwhile.
void Supervisor::Impl::place_call(Tracee& t, long nr) {
  // 32-bit code (its entries load the registers: syscall_entry()): other call numbers; no
  // placement from now on.
  if (t.mem.registers_loaded() && (*t.mem.registers())->raw().cs != 0x33) {
    placement.disable(stats.tracer_syscalls);
    return;
  }
  switch (nr) {
    case SYS_sched_getaffinity:
    case SYS_sched_setaffinity:
    case SYS_sched_setscheduler:
    case SYS_sched_setattr:
    case SYS_clone:
    case SYS_clone3:
    case SYS_fork:
    case SYS_vfork:
      break;
    default:
      return;
  }
  auto loaded = t.mem.registers();
  if (!loaded) return;
  const Registers& regs = **loaded;
  const auto pid = static_cast<pid_t>(regs.arg(0));
  const pid_t target = pid == 0 ? t.tid : pid;
  switch (nr) {
    case SYS_sched_getaffinity:  // the pinned thread's mask is the one it had before the pin
    case SYS_sched_setaffinity:  // the program's own mask replaces the pin
      t.placed_target = target;
      t.placed_len = regs.arg(1);
      t.placed_buf = regs.arg(2);
      t.placed_was_pinned = placement.pinned(target);
      break;
    case SYS_sched_setscheduler:  // the call sees the real mask (SCHED_DEADLINE needs it)
    case SYS_sched_setattr:
      placement.release(target, stats.tracer_syscalls);
      break;
    case SYS_clone:  // the child inherits the program's mask, not the pin
    case SYS_clone3:
    case SYS_fork:
    case SYS_vfork:
      if (!placement.pinned(t.tid)) return;
      placement.release(t.tid, stats.tracer_syscalls);
      break;
    default:
      return;
  }
  placement.call_started();
  t.placed_nr = nr;
  t.want_exit = true;
}

void Supervisor::Impl::finish_placed_call(Tracee& t) {
  const long nr = t.placed_nr;
  t.placed_nr = 0;
  placement.call_done();
  auto regs = t.mem.registers();
  if (!regs) return;
  const long result = (*regs)->result();
  const pid_t target = t.placed_target;
  const bool was_pinned = target != 0 && (t.placed_was_pinned || placement.pinned(target));
  t.placed_was_pinned = false;
  t.placed_target = 0;
  if (nr == SYS_sched_getaffinity) {
    // The kernel copied `result` bytes, maybe with the pin's CPU alone; every CPU fits in a
    // cpu_set_t (or placement would be off).
    if (result > 0 && was_pinned) {
      const std::size_t n = std::min<std::size_t>(result, sizeof(cpu_set_t));
      (void)t.mem.write(RemotePtr<void>(t.placed_buf), &placement.program_mask(), n);
    }
  } else if (nr == SYS_sched_setaffinity) {
    if (result == 0 && was_pinned) {
      // The program's mask wins, also over a release (its fork) that came after the call.
      placement.forget(target);
      cpu_set_t mask;
      CPU_ZERO(&mask);
      const std::size_t n = std::min(t.placed_len, sizeof mask);
      if (t.mem.read(RemotePtr<void>(t.placed_buf), &mask, n)) {
        placement.reapply(target, mask, stats.tracer_syscalls);
      }
    }
  } else if (nr == SYS_sched_setscheduler || nr == SYS_sched_setattr) {
    // A program that changes scheduling classes (real time...) is left to the scheduler.
    if (result == 0) placement.disable(stats.tracer_syscalls);
  } else {
    placement.repin(t.tid, stats.tracer_syscalls);
  }
}

// A fresh address space for `tgid` (the program ptvm starts, or after execve): no trampoline
// yet, and no thread has a block in it.
void Supervisor::Impl::new_address_space(pid_t tgid) {
  spaces[tgid] = Space{.state = Space::unmapped};
  for (auto& [tid, t] : tracees) {
    if (t->tgid == tgid) t->block = -1;
  }
}

// The address space of a new process, at its parent's fork/vfork/clone event: after fork a copy
// of the parent's, with the parent's trampoline (if it has one) at the same place; after vfork
// or clone(CLONE_VM) (kcmp tells) the parent's own, where the child gets no trampoline of its
// own (it would be one more mapping in the parent's memory for every posix_spawn) until it
// calls execve.
void Supervisor::Impl::child_space(const Tracee& parent, const Tracee& child, int event) {
  Space& space = spaces[child.tgid];
  if (space.state != Space::unknown) return;  // it has called execve already
  bool shared = event == PTRACE_EVENT_VFORK;
  if (!shared) {  // a fork event is clone() with SIGCHLD, which may have had CLONE_VM
    ++stats.tracer_syscalls;
    const long order = syscall(SYS_kcmp, parent.tid, child.tid, KCMP_VM, 0, 0);
    shared = order != 1 && order != 2;  // 0: the same memory; -1: unknown, so maybe
  }
  if (shared) {
    space.state = Space::off;
    return;
  }
  const Space& from = spaces[parent.tgid];
  if (from.state == Space::ready) {
    space = Space{.state = Space::ready, .page = from.page};
  } else {
    space.state = Space::unmapped;
    space.wanted = from.wanted;
  }
}

void Supervisor::Impl::release_block(Tracee& t) {
  if (t.block < 0) return;
  auto it = spaces.find(t.tgid);
  if (it != spaces.end()) it->second.used[t.block / 64] &= ~(std::uint64_t{1} << (t.block % 64));
  t.block = -1;
}

// At a seccomp stop of a call the modules want, in a process without a trampoline that one of
// its calls could have used (arm() said so: a program whose modules never ask for a result alone
// gets none): runs ptvm's next call of its setup there instead (mmap of the code and slots pages,
// then mprotect of the slots page), after which the program's call restarts (injected()). True if
// it did.
bool Supervisor::Impl::inject_trampoline(Tracee& t, long nr) {
  Space& space = spaces[t.tgid];
  if ((space.state != Space::unmapped && space.state != Space::mapped) || !space.wanted ||
      space.injecting || guest_traced(t)) {
    return false;
  }
  // Not into an address space about to go.
  if (nr == SYS_execve || nr == SYS_execveat || nr == SYS_exit || nr == SYS_exit_group) {
    return false;
  }
  auto loaded = t.mem.registers();
  if (!loaded) return false;
  Registers& regs = **loaded;
  const user_regs_struct& raw = regs.raw();
  // Made with the syscall instruction by 64-bit code: it restarts from rip - 2.
  if (raw.cs != 0x33 || raw.rcx != raw.rip || raw.r11 != raw.eflags) return false;
  // A filter of the program's own would judge ptvm's calls too, and may kill it for them.
  stats.tracer_syscalls += 3;
  if (seccomp_filters(t.tid) != own_filters) {
    space.state = Space::off;
    return false;
  }
  t.saved = regs;
  if (space.state == Space::unmapped) {
    regs.set_syscall_no(SYS_mmap);
    const std::uint64_t args[6] = {0,
                                   trampoline::kBytes,
                                   PROT_READ | PROT_EXEC,
                                   MAP_PRIVATE | MAP_ANONYMOUS,
                                   static_cast<std::uint64_t>(-1),
                                   0};
    for (int i = 0; i < 6; ++i) regs.set_arg(i, args[i]);
  } else {
    regs.set_syscall_no(SYS_mprotect);
    const std::uint64_t args[6] = {
        space.page + trampoline::kCode, trampoline::kSlots, PROT_READ | PROT_WRITE, 0, 0, 0};
    for (int i = 0; i < 6; ++i) regs.set_arg(i, args[i]);
  }
  t.injecting = regs.syscall_no();
  space.injecting = true;
  t.want_exit = true;
  resume(t);
  return true;
}

// The exit stop of ptvm's own call: its outcome, then the program's call again from its
// syscall instruction, with the registers it had.
void Supervisor::Impl::injected(Tracee& t) {
  Space& space = spaces[t.tgid];
  space.injecting = false;
  auto regs = t.mem.registers();
  if (!regs) return;
  const long result = (*regs)->result();
  const bool failed = result < 0 && result >= -4095;
  if (t.injecting == SYS_mmap) {
    unsigned char code[trampoline::kCode];
    trampoline::write_code(code);
    // The code pages are not writable by the program: written the way a debugger does.
    if (failed || !t.mem.write(RemotePtr<void>(static_cast<std::uintptr_t>(result)), code,
                               sizeof code, Access::force)) {
      space.state = Space::off;
    } else {
      space.state = Space::mapped;
      space.page = static_cast<std::uint64_t>(result);
    }
  } else {
    space.state = failed ? Space::off : Space::ready;
    if (!failed) ++stats.trampolines;
  }
  t.injecting = 0;
  Registers& r = **regs;
  r = t.saved;
  r.raw().rip -= 2;
  r.set_result(r.syscall_no());
  resume(t);
}

// At the seccomp stop of a call whose modules need part of its exit (the result, the exit on
// success, a copy): makes it return through the thread's block. False when it cannot (no
// trampoline, no block free, not the syscall instruction of 64-bit code).
bool Supervisor::Impl::arm(Tracee& t, const SyscallCall& call) {
  // A guest tracer sees its tracee's registers at its stops: never in a block.
  if (!use_trampoline || guest_traced(t)) return false;
  switch (call.nr()) {
    // Calls that do not come back to their return address (or not only there): a new thread
    // or process would start in the block, a sigreturn or an execve goes elsewhere.
    case SYS_clone:
    case SYS_clone3:
    case SYS_fork:
    case SYS_vfork:
    case SYS_rt_sigreturn:
    case SYS_execve:
    case SYS_execveat:
    case SYS_exit:
    case SYS_exit_group:
      return false;
    default:
      break;
  }
  auto loaded = t.mem.registers();
  if (!loaded) return false;
  user_regs_struct& raw = (*loaded)->raw();
  if (raw.cs != 0x33 || raw.rcx != raw.rip || raw.r11 != raw.eflags) return false;
  auto it = spaces.find(t.tgid);
  if (it == spaces.end()) return false;
  Space& space = it->second;
  if (space.state != Space::ready) {
    // The process's next intercepted call maps one (inject_trampoline()).
    space.wanted = space.state == Space::unmapped || space.state == Space::mapped;
    return false;
  }
  if (t.block < 0) {
    for (int k = 0; k < trampoline::kBlocks && t.block < 0; ++k) {
      if (!(space.used[k / 64] & (std::uint64_t{1} << (k % 64)))) {
        space.used[k / 64] |= std::uint64_t{1} << (k % 64);
        t.block = k;
      }
    }
    if (t.block < 0) return false;
    t.request_bytes[0] = t.request_bytes[1] = ~std::uint64_t{0};  // the slot's: unknown
  }
  const SyscallCall::Exit need = call.exit_needed();
  std::uint64_t entry =
      need == SyscallCall::Exit::result ? trampoline::kResult : trampoline::kSuccess;
  t.copy_entry = 0;
  if (call.args_changed()) {
    // The program's argument registers below its stack, for the block to put back after the
    // call: written along with the module's translated path (scratch()), else now.
    const RemotePtr<void> at(raw.rsp - trampoline::kArgsBelowSp);
    if (!t.mem.written_along(at)) {
      std::uint64_t args[6];
      for (int i = 0; i < 6; ++i) args[i] = call.entry_args()[i];
      if (!t.mem.write(at, args, sizeof args)) return false;
    }
    entry = trampoline::kRestore;  // an armed call with rewritten arguments: always this one
  }
  const SyscallCall::CopyRequest& copy = call.copy_request();
  if (!call.args_changed() && need == SyscallCall::Exit::copy && copy.bytes <= trampoline::kData) {
    // What to copy, in the slot (a thread reading into one buffer again and again: once).
    const int r = copy.up_to_result ? 0 : 1;
    bool ready = t.request_from[r] == copy.at && t.request_bytes[r] == copy.bytes;
    if (!ready) {
      const std::uint64_t request[2] = {copy.at, copy.bytes};
      ready = static_cast<bool>(
          t.mem.write(space.slot(t.block, trampoline::kRequestAt[r]), request, sizeof request));
      t.request_from[r] = copy.at;
      t.request_bytes[r] = ready ? copy.bytes : ~std::uint64_t{0};
    }
    if (ready) {
      entry = copy.up_to_result ? trampoline::kCopyResult : trampoline::kCopyFixed;
      t.copy_entry = entry;
      t.saved_rdx = raw.rdx;
      t.saved_rdi = raw.rdi;
      t.saved_rsi = raw.rsi;
    }
  }
  t.return_ip = raw.rip;
  raw.rip = space.block(t.block) + entry;
  t.armed = true;
  ++t.arms;
  ++stats.trampoline_returns;
  return true;
}

// The armed call is over: the modules get its result (nullopt: it never came).
void Supervisor::Impl::finish_armed(Tracee& t, std::optional<long> result) {
  t.armed = false;
  if (!t.call) return;
  if (result) {
    stack.exit(*t.call, *result);
  } else {
    stack.exit_unfinished(*t.call);
  }
  t.call.reset();
}

// The armed call went through the whole block: its result is in the thread's slot, and what
// it copied after it.
void Supervisor::Impl::finish_from_slot(Tracee& t, const Space& space, const Registers* next) {
  unsigned char slot[trampoline::kSlot];
  // The armed copy's request, as the slot holds it.
  const std::uint64_t asked =
      t.copy_entry ? t.request_bytes[t.copy_entry == trampoline::kCopyResult ? 0 : 1] : 0;
  const std::size_t n = t.copy_entry ? trampoline::kDataAt + asked : sizeof(long);
  RemoteMemory::Range ahead[RemoteMemory::kAheadRanges];
  const std::size_t count = next && !options.naive && stack.interest().contains(next->syscall_no())
                                ? call_inputs(*next, ahead)
                                : 0;
  if (!t.mem.read_ahead(space.slot(t.block), slot, n, ahead, count)) {
    return finish_armed(t, std::nullopt);
  }
  long result;
  std::memcpy(&result, slot + trampoline::kResultAt, sizeof result);
  // The block's test of an error (-65536..-1): it copied nothing.
  if (t.copy_entry && t.call && !(result < 0 && result >= -65536)) {
    std::size_t bytes = asked;
    if (t.copy_entry == trampoline::kCopyResult && static_cast<std::uint64_t>(result) < bytes) {
      bytes = static_cast<std::size_t>(result);
    }
    std::memcpy(t.copied, slot + trampoline::kDataAt, bytes);
    t.call->set_copied(t.copied, bytes);
  }
  finish_armed(t, result);
}

// The thread is gone inside a call whose exit the modules wanted: it never returns.
void Supervisor::Impl::abandon_call(Tracee& t) {
  if (t.armed) return finish_armed(t, std::nullopt);
  if (t.call && t.injecting == 0) {
    stack.exit_unfinished(*t.call);
    t.call.reset();
  }
}

// Every 200 ms while ptvm waits (SIGALRM): the line of a call that returned through its block
// waits for the thread's next stop, which a thread blocked in a call ptvm does not trace (a
// sleep, a poll) may not make for long. Such a thread's result is in its slot already: a thread
// that has been armed since the last tick and sits in a system call outside its block (its
// /proc/TID/syscall) is done with the armed call, whose line goes out now.
void Supervisor::Impl::flush_results() {
  for (auto& [tid, tp] : tracees) {
    Tracee& t = *tp;
    const bool stale = t.armed && t.arms == t.arms_at_tick;
    t.arms_at_tick = t.arms;
    if (!stale) continue;
    auto it = spaces.find(t.tgid);
    if (it == spaces.end() || t.block < 0) continue;
    char path[64], text[256];
    std::snprintf(path, sizeof path, "/proc/%d/syscall", tid);
    const int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    const ssize_t n = read(fd, text, sizeof text - 1);
    close(fd);
    stats.tracer_syscalls += 3;
    if (n <= 0 || text[0] < '0' || text[0] > '9') continue;  // running, or not in a call
    text[n] = '\0';
    const char* pc = std::strrchr(text, ' ');  // "NR ARG1..ARG6 SP PC"
    if (!pc) continue;
    const std::uint64_t at = std::strtoull(pc + 1, nullptr, 16);
    const std::uint64_t block = it->second.block(t.block);
    if (at >= block && at < block + trampoline::kBlock) continue;  // still in the armed call
    finish_from_slot(t, it->second);
  }
}

// A stop of a thread whose call returns through its block: where the result is, by where the
// thread is. True if the stop was the block's own (its int3, or a fault in it) and settle()
// resumed the thread.
bool Supervisor::Impl::settle(Tracee& t, int event, int sig) {
  auto regs = t.mem.registers();
  if (!regs) return false;  // gone; its death is reported next
  user_regs_struct& raw = (*regs)->raw();
  auto it = spaces.find(t.tgid);
  if (it == spaces.end() || t.block < 0) {
    finish_armed(t, std::nullopt);
    return false;
  }
  Space& space = it->second;
  const std::uint64_t block = space.block(t.block);
  if (raw.rip < block || raw.rip >= block + trampoline::kBlock) {
    // Past the block. At the seccomp stop of its next call, that call's inputs are read with
    // the slot: one crossing less for the modules' reads at its entry.
    finish_from_slot(t, space, event == PTRACE_EVENT_SECCOMP ? *regs : nullptr);
    return false;
  }
  const std::uint64_t at = raw.rip - block;
  if (t.call && t.call->args_changed()) {  // armed at kRestore
    // Inside the block of a rewritten call: whatever happens next (a restart enters anew, a
    // handler or the program runs on), the program has its own argument registers.
    for (int i = 0; i < 6; ++i) (*regs)->set_arg(i, t.call->entry_args()[i]);
  }
  const bool seccomp = event == PTRACE_EVENT_SECCOMP;
  const bool signal = event == 0 && sig != (SIGTRAP | 0x80);
  const bool restart = at == trampoline::kRestartResult || at == trampoline::kRestartSuccess ||
                       at == trampoline::kRestartCopyResult ||
                       at == trampoline::kRestartCopyFixed || at == trampoline::kRestartRestore;
  // In a copy, past its first instruction: rax, rdx, rdi and rsi may be the block's.
  const bool copying = (at > trampoline::kCopyResult && at < trampoline::kRestartCopyFixed) ||
                       (at > trampoline::kCopyFixed && at < trampoline::kCopyEnd);
  bool own = false;  // the stop is the block's: no signal for the program
  if (signal && sig == SIGTRAP && at == trampoline::kTrapped) {
    // The exit of a call that succeeded: the tracee as the call left it.
    raw.rip = raw.rcx = t.return_ip;
    t.armed = false;
    if (t.call) raw.rax = static_cast<unsigned long long>(stack.exit(*t.call, raw.rax));
    const std::uint64_t delay = t.call ? t.call->delay_us() : 0;
    t.call.reset();
    if (delay > 0) {
      resume_later(t, delay);
    } else {
      resume(t);
    }
    return true;
  }
  if (signal && (sig == SIGSEGV || sig == SIGBUS)) {
    // A fault of the block itself (the kernel's, not a kill()): the program unmapped or covered
    // the pages. The call is over all the same; no more trampoline in this process.
    siginfo_t info;
    own = ptrace_call(PTRACE_GETSIGINFO, t.tid, nullptr, &info) == 0 && info.si_code > 0;
    if (own) space.state = Space::off;
  }
  if (restart || seccomp) {
    // The kernel restarts the call (-ERESTART*, no signal handler ran): from the program's
    // own syscall instruction, as it would natively; at a seccomp stop the restart is under way,
    // and goes on as a new entry from there. Which -ERESTART* it was is gone, but for the
    // restart of a sleep (as restart_syscall, ERESTART_RESTARTBLOCK).
    const bool block_restart = (seccomp ? raw.orig_rax : raw.rax) == SYS_restart_syscall;
    finish_armed(t, block_restart ? std::optional<long>(-516) : std::nullopt);
    raw.rip = t.return_ip - (seccomp ? 0 : 2);
    raw.rcx = t.return_ip;
  } else if (event == PTRACE_EVENT_EXIT &&
             (at == trampoline::kResult || at == trampoline::kSuccess ||
              at == trampoline::kCopyResult || at == trampoline::kCopyFixed ||
              at == trampoline::kRestore)) {
    finish_armed(t, std::nullopt);  // the thread exits inside the call
  } else if (copying) {
    // The result is in the slot, the memory as the call left it (the copy may be unfinished):
    // the program's registers back from what they were at the entry. A slot that cannot be
    // read even by force (another thread unmapped it under the copy: the result is lost with
    // it) gives the call -EINTR, the least harmful result a program must handle anyway.
    long result = -EINTR;
    const bool read = static_cast<bool>(t.mem.read(space.slot(t.block, trampoline::kResultAt),
                                                   &result, sizeof result, Access::force));
    raw.rax = static_cast<unsigned long long>(result);
    raw.rdx = t.saved_rdx;
    raw.rdi = t.saved_rdi;
    raw.rsi = t.saved_rsi;
    raw.rip = raw.rcx = t.return_ip;
    finish_armed(t, read ? std::optional<long>(result) : std::nullopt);
  } else {
    // Returned (or interrupted) and not through the block yet: a signal, a group stop. The
    // result is in rax, and the memory as the call left it.
    raw.rip = raw.rcx = t.return_ip;
    finish_armed(t, static_cast<long>(raw.rax));
  }
  if (own) {
    resume(t);
    return true;
  }
  // Now: a group stop resumes with PTRACE_LISTEN, not through resume().
  (void)t.mem.flush_registers();
  return false;
}

void Supervisor::Impl::on_event(Tracee& t, int event, int status) {
  unsigned long msg = 0;
  switch (event) {
    case PTRACE_EVENT_FORK:
    case PTRACE_EVENT_VFORK:
    case PTRACE_EVENT_CLONE:
      if (ptrace_call(PTRACE_GETEVENTMSG, t.tid, nullptr, &msg) == 0) {
        // Known from now on, even before its first stop.
        const Tracee& child = tracee(static_cast<pid_t>(msg));
        if (use_trampoline && child.tgid != t.tgid) child_space(t, child, event);
        if (guest) guest->on_fork(t.tid, child.tid, event);
      }
      return resume(t);
    case PTRACE_EVENT_EXEC: {
      // This stop is always inside execve: with --no-seccomp the next syscall stop is its exit.
      if (!options.seccomp) t.in_syscall = true;
      if (options.verbose > 1) say_runs(t.tgid);
      // execve from a non-leader thread: the leader's tid takes over the exec'ing thread.
      if (ptrace_call(PTRACE_GETEVENTMSG, t.tid, nullptr, &msg) == 0 &&
          static_cast<pid_t>(msg) != t.tid) {
        auto old = tracees.find(static_cast<pid_t>(msg));
        if (old != tracees.end()) {
          std::unique_ptr<Tracee> moved = std::move(old->second);
          tracees.erase(old);
          retired_crossings += t.mem.stats().crossings;
          if (t.placed_nr != 0) placement.call_done();  // the old leader's record goes
          abandon_call(t);                              // the old leader's, killed by the execve
          placement.renamed(moved->tid, t.tid);
          // The call in flight (execve, maybe with an exit stop wanted) continues as the leader.
          const pid_t leader = t.tid;
          moved->tid = leader;
          if (!options.seccomp) moved->in_syscall = true;
          moved->mem.after_exec(leader);
          Tracee& now = *moved;
          tracees[leader] = std::move(moved);  // replaces the old leader's record
          if (use_trampoline) new_address_space(now.tgid);
          return resume(now);
        }
      }
      t.mem.after_exec(t.tid);
      if (use_trampoline) new_address_space(t.tgid);
      return resume(t);
    }
    case PTRACE_EVENT_STOP: {
      const int sig = WSTOPSIG(status);
      if (is_stop_signal(sig)) return on_group_stop(t, sig);
      return resume(t);  // a new tracee's first stop, or an interrupt
    }
    default:  // PTRACE_EVENT_EXIT and anything new: nothing to do but go on
      return resume(t);
  }
}

void Supervisor::Impl::on_signal(Tracee& t, int sig) {
  siginfo_t info;
  if (ptrace_call(PTRACE_GETSIGINFO, t.tid, nullptr, &info) == 0) stack.on_signal(t.tid, info);
  resume(t, sig);  // re-inject exactly the signal that was about to be delivered
}

void Supervisor::Impl::on_group_stop(Tracee& t, int /*sig*/) {
  // PTRACE_LISTEN keeps the tracee stopped but lets the stop be seen by its real parent and
  // lets SIGCONT wake it (a plain restart would run it despite the stop).
  ptrace_call(PTRACE_LISTEN, t.tid, nullptr, nullptr);
  if (t.tid == main_pid && !attached) {
    // The program ptvm started stopped (Ctrl-Z, SIGSTOP): stop ptvm too, so the shell that
    // waits for ptvm sees the job stop. Continued by the shell's SIGCONT, which reaches the
    // program as well; pass one on in case only ptvm was continued.
    kill(getpid(), SIGSTOP);
    kill(main_pid, SIGCONT);
  }
}

// ptvm under a tracer that emulates ptrace without seccomp events (ptvm proot, PRoot: EINVAL for
// PTRACE_O_TRACESECCOMP): the program runs without a filter, as under --no-seccomp (PTRACE_SYSCALL
// at every call, no trampoline, no guest ptrace). False if that seize fails too.
bool Supervisor::Impl::seize_unfiltered(pid_t child) {
  if (ptrace(PTRACE_SEIZE, child, nullptr, reinterpret_cast<void*>(kUnfilteredOptions)) < 0) {
    return false;
  }
  options.seccomp = false;
  use_trampoline = false;
  guest.reset();
  if (options.verbose > 0) {
    std::fprintf(stderr,
                 "ptvm: no seccomp filter: ptvm's tracer refuses PTRACE_O_TRACESECCOMP (ptvm "
                 "under ptvm or PRoot); a stop at every call, as --no-seccomp\n");
  }
  return true;
}

Result<int> Supervisor::Impl::run(const std::vector<std::string>& argv) {
  if (argv.empty()) return std::unexpected(Error::guest(EINVAL));
  auto program =
      options.program.empty() ? resolve_program(argv[0]) : Result<std::string>(options.program);
  if (!program) return std::unexpected(program.error());

  // CPU placement (not under -p or in a hybrid run: they never get here).
  const bool colocate = options.colocate && CpuPlacement::possible();
  std::optional<SeccompFilter> filter;
  if (options.seccomp) {
    SyscallSet traced = stack.interest();
    if (colocate) traced |= CpuPlacement::calls();
    // Return trampoline: a call restarted from a block must stop (the syscall instruction there
    // points rcx into the block), also as restart_syscall; and execve, before which every
    // result must be read. ptvm injects its calls only into threads whose filters are these.
    use_trampoline = options.trampoline && !options.naive;
    if (use_trampoline) {
      own_filters = seccomp_filters(getpid()) + 1;
      traced.add(SYS_restart_syscall);
      traced.add(SYS_execve);
      traced.add(SYS_execveat);
    }
    if (options.guest_ptrace) {
      guest = std::make_unique<GuestPtrace>(*this);
      GuestPtrace::add_interest(traced);
    }
    auto f = SeccompFilter::compile(traced, stack.refuses_foreign_abi());
    if (!f) return std::unexpected(f.error());
    filter = std::move(*f);
  }

  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  // A path VM starts its program as PRoot does, with execvp(3): a file the kernel will not run
  // (ENOEXEC: no #! line, or one without an interpreter) is run by the guest's /bin/sh, as
  // `/bin/sh PROGRAM ARGS...` (made here: the child only execs).
  std::vector<char*> shell_args;
  if (!options.program.empty()) {
    shell_args.push_back(const_cast<char*>("/bin/sh"));
    shell_args.push_back(program->data());
    shell_args.insert(shell_args.end(), args.begin() + 1, args.end());
  }

  // ptvm stays out of job control and keyboard signals: the program gets them (same process
  // group) and ptvm follows it (on_group_stop); ptvm's own death would kill the program.
  struct sigaction ignore {
  }, saved[6];
  ignore.sa_handler = SIG_IGN;
  const int ignored[] = {SIGINT, SIGQUIT, SIGTSTP, SIGTTIN, SIGTTOU, SIGPIPE};
  for (int i = 0; i < 6; ++i) sigaction(ignored[i], &ignore, &saved[i]);
  sigset_t chld, old_mask;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigprocmask(SIG_BLOCK, &chld, &old_mask);

  int go[2], err[2];
  if (pipe2(go, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC | O_NONBLOCK) < 0) {
    return std::unexpected(Error::guest(errno));
  }
  const pid_t child = fork();
  if (child < 0) return std::unexpected(Error::guest(errno));
  if (child == 0) {
    for (int i = 0; i < 6; ++i) sigaction(ignored[i], &saved[i], nullptr);
    sigprocmask(SIG_SETMASK, &old_mask, nullptr);
    char c;
    // Wait until the parent has seized us: every call from the filter on is ours.
    if (read(go[0], &c, 1) != 1) _exit(127);
    const bool filtered = filter && c == 'f';  // 'n': no filter after all (seize_unfiltered)
    int e = filtered ? -filter->install() : 0;
    // Without a filter nothing stops before the exec event, inside execve: stop here so that
    // PTRACE_SYSCALL starts at execve's entry (the parent swallows this SIGSTOP).
    if (!filtered) syscall(SYS_kill, getpid(), SIGSTOP);
    if (e == 0) {
      execve(program->c_str(), args.data(), environ);
      e = errno;
      if (e == ENOEXEC && !shell_args.empty()) execve("/bin/sh", shell_args.data(), environ);
    }
    (void)!write(err[1], &e, sizeof e);
    _exit(127);
  }
  close(go[0]);
  close(err[1]);
  main_pid = child;
  if (ptrace(PTRACE_SEIZE, child, nullptr,
             reinterpret_cast<void*>(filter ? kSeizeOptions : kUnfilteredOptions)) < 0) {
    const int e = errno;
    if (!filter || e != EINVAL || !seize_unfiltered(child)) {
      kill(child, SIGKILL);
      waitpid(child, nullptr, 0);
      return std::unexpected(Error::guest(e));
    }
    filter.reset();
  }
  tracees.emplace(child, std::make_unique<Tracee>(*this, child, child));
  if (use_trampoline) new_address_space(child);
  if (colocate) placement.start(child);
  awaiting_start = !filter;
  (void)!write(go[1], filter ? "f" : "n", 1);
  close(go[1]);

  // The return trampoline's lines of threads that wait elsewhere (flush_results()).
  struct sigaction tick {
  }, saved_tick;
  tick.sa_handler = on_tick;  // no SA_RESTART: waitpid returns EINTR
  itimerval every{{0, 200'000}, {0, 200'000}}, stopped{};
  if (use_trampoline) {
    sigaction(SIGALRM, &tick, &saved_tick);
    setitimer(ITIMER_REAL, &every, nullptr);
  }
  struct sigaction terminate {
  }, saved_terminate[2];
  terminate.sa_sigaction = on_terminate;
  terminate.sa_flags = SA_SIGINFO;  // no SA_RESTART: waitpid returns EINTR
  const int terminating[2] = {SIGTERM, SIGHUP};
  g_terminate_sig = 0;
  for (int i = 0; i < 2; ++i) sigaction(terminating[i], &terminate, &saved_terminate[i]);
  while (!tracees.empty()) {
    if (g_terminate_sig != 0) {
      const int sig = g_terminate_sig;
      const pid_t from = g_terminate_from;
      g_terminate_sig = 0;
      bool own = false;  // sent by a process of the program
      for (const auto& [tid, t] : tracees) own = own || t->tgid == from;
      if (!own) {
        signal(sig, SIG_DFL);
        raise(sig);
      }
    }
    int status;
    const pid_t tid = wait_next(&status);
    if (tid < 0) {
      if (errno != EINTR) break;  // ECHILD: nothing left
      if (use_trampoline) flush_results();
      continue;
    }
    handle(tid, status);
  }
  for (int i = 0; i < 2; ++i) sigaction(terminating[i], &saved_terminate[i], nullptr);
  if (use_trampoline) {
    setitimer(ITIMER_REAL, &stopped, nullptr);
    sigaction(SIGALRM, &saved_tick, nullptr);
  }
  for (int i = 0; i < 6; ++i) sigaction(ignored[i], &saved[i], nullptr);
  sigprocmask(SIG_SETMASK, &old_mask, nullptr);
  placement.finish();
  stack.on_finish();

  int exec_errno = 0;
  const bool exec_failed = read(err[0], &exec_errno, sizeof exec_errno) == sizeof exec_errno;
  close(err[0]);
  if (exec_failed) return std::unexpected(Error::guest(exec_errno));
  if (!run_status()) return std::unexpected(Error::guest(ECHILD));
  return *run_status();
}

namespace {
volatile sig_atomic_t g_adopt_pending;
void on_sigurg(int) {
  g_adopt_pending = 1;
}
}  // namespace

// Seizes every thread whose request waits in the adoption pipe (whole records: each was
// written at once, and each read takes whole ones).
void Supervisor::Impl::adopt(int adopt_fd) {
  g_adopt_pending = 0;
  HandoverRequest request;
  while (read(adopt_fd, &request, sizeof request) == static_cast<ssize_t>(sizeof request)) {
    const pid_t tid = request.tid;
    if (tracees.contains(tid)) continue;
    if (ptrace_call(PTRACE_SEIZE, tid, nullptr, reinterpret_cast<void*>(kSeizeOptions)) == 0) {
      const pid_t tgid = read_tgid(tid);
      tracees.emplace(tid, std::make_unique<Tracee>(*this, tid, tgid));
      request.program[sizeof request.program - 1] = '\0';
      if (options.verbose > 0) {
        std::fprintf(stderr, "ptvm: process %d (%s) goes from in-process to ptrace: it %s\n", tgid,
                     request.program, describe(request.reason));
      }
    }
  }
}

// -vv: the program a process runs after an execve on this backend (the file the kernel runs:
// under the path VM, a dynamic program's ELF interpreter, which runs the program).
void Supervisor::Impl::say_runs(pid_t pid) const {
  char link[64], exe[PATH_MAX];
  proc_path(link, pid, "/exe");
  const ssize_t n = readlink(link, exe, sizeof exe - 1);
  exe[n > 0 ? n : 0] = '\0';
  std::fprintf(stderr, "ptvm: process %d (%s) runs on ptrace\n", pid, n > 0 ? exe : "?");
}

namespace {
volatile sig_atomic_t g_detach_requested;
void on_detach_signal(int) {
  g_detach_requested = 1;
}
}  // namespace

// Seizes every thread of `pid` not seized yet (a thread created meanwhile by one already seized
// is seized by the kernel: PTRACE_O_TRACECLONE). True if any thread was seized.
bool Supervisor::Impl::seize_threads(pid_t pid) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/task", pid);
  DIR* dir = opendir(path);
  if (!dir) return false;
  bool any = false;
  while (const dirent* e = readdir(dir)) {
    const pid_t tid = static_cast<pid_t>(std::atoi(e->d_name));
    if (tid <= 0 || tracees.contains(tid)) continue;
    if (ptrace_call(PTRACE_SEIZE, tid, nullptr, reinterpret_cast<void*>(seize_options)) != 0) {
      continue;  // gone meanwhile
    }
    // A stop, from which PTRACE_SYSCALL starts stopping at every call.
    ptrace_call(PTRACE_INTERRUPT, tid, nullptr, nullptr);
    tracees.emplace(tid, std::make_unique<Tracee>(*this, tid, pid));
    any = true;
  }
  closedir(dir);
  return any;
}

// Stops every tracee and lets it go, with the signal it was about to receive and the registers
// it had before any module rewrote them.
void Supervisor::Impl::detach_all() {
  for (const Delayed& d : delayed) {  // held in a stop by fault injection's delay: let go now
    auto it = tracees.find(d.tid);
    if (it == tracees.end()) continue;
    (void)it->second->mem.flush_registers();
    ptrace_call(PTRACE_DETACH, d.tid, nullptr, nullptr);
    tracees.erase(it);
  }
  delayed.clear();
  for (auto& [tid, t] : tracees) ptrace_call(PTRACE_INTERRUPT, tid, nullptr, nullptr);
  while (!tracees.empty()) {
    int status;
    const pid_t tid = waitpid(-1, &status, __WALL);
    if (tid < 0) {
      if (errno == EINTR) continue;
      break;
    }
    auto it = tracees.find(tid);
    if (it == tracees.end()) continue;
    if (WIFEXITED(status) || WIFSIGNALED(status)) {
      if (tid == main_pid) main_status = status;
      stack.on_process_exit(tid, status);
      tracees.erase(it);
      continue;
    }
    Tracee& t = *it->second;
    const int event = status >> 16;
    int sig = 0;
    if (event == 0 && WSTOPSIG(status) != (SIGTRAP | 0x80)) sig = WSTOPSIG(status);  // a signal
    if (t.call && t.call->args_changed()) {  // mid-rewrite: the caller's arguments back
      if (auto regs = t.mem.registers()) {
        for (int i = 0; i < 6; ++i) (*regs)->set_arg(i, t.call->entry_args()[i]);
        (void)t.mem.flush_registers();
      }
    }
    ptrace_call(PTRACE_DETACH, tid, nullptr, reinterpret_cast<void*>(static_cast<long>(sig)));
    tracees.erase(it);
  }
}

Result<int> Supervisor::Impl::attach(pid_t pid) {
  if (options.seccomp) return std::unexpected(Error::guest(EINVAL));
  attached = true;
  main_pid = pid;
  seize_options = kSeizeOptions & ~PTRACE_O_EXITKILL;
  if (kill(pid, 0) != 0) return std::unexpected(Error::guest(errno));
  if (!seize_threads(pid)) return std::unexpected(Error::guest(errno ? errno : ESRCH));
  while (seize_threads(pid)) {  // threads started while we were seizing
  }
  struct sigaction detach {
  }, saved[4];
  detach.sa_handler = on_detach_signal;  // no SA_RESTART: waitpid returns EINTR
  const int detaching[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
  for (int i = 0; i < 4; ++i) sigaction(detaching[i], &detach, &saved[i]);
  while (!tracees.empty()) {
    if (g_detach_requested) {
      detach_all();
      break;
    }
    int status;
    const pid_t tid = wait_next(&status);
    if (tid < 0) {
      if (errno == EINTR) continue;
      break;
    }
    handle(tid, status);
  }
  for (int i = 0; i < 4; ++i) sigaction(detaching[i], &saved[i], nullptr);
  stack.on_finish();
  return main_status.value_or(0);
}

Result<int> Supervisor::Impl::run_hybrid(pid_t child, int adopt_fd) {
  hybrid = true;
  wait_flags = __WALL | WUNTRACED;
  main_pid = child;
  // Job control reaches ptvm itself (the program is not traced); keyboard signals are the
  // program's. SIGURG: an adoption request (it interrupts waitpid).
  struct sigaction ignore {
  }, urg{}, saved[4];
  ignore.sa_handler = SIG_IGN;
  urg.sa_handler = on_sigurg;
  const int ignored[] = {SIGINT, SIGQUIT, SIGPIPE};
  for (int i = 0; i < 3; ++i) sigaction(ignored[i], &ignore, &saved[i]);
  sigaction(SIGURG, &urg, &saved[3]);
  sigset_t chld, old_mask;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigprocmask(SIG_BLOCK, &chld, &old_mask);
  for (;;) {
    if (g_adopt_pending) adopt(adopt_fd);
    int status;
    const pid_t tid = wait_next(&status);
    if (tid < 0) {
      if (errno == EINTR) continue;
      break;  // ECHILD: the whole tree is gone
    }
    handle(tid, status);
    // The untraced rest of the tree comes to ptvm, its subreaper, as it is orphaned.
    if (main_status && options.kill_on_exit) signal_children(SIGKILL);
  }
  for (int i = 0; i < 3; ++i) sigaction(ignored[i], &saved[i], nullptr);
  sigaction(SIGURG, &saved[3], nullptr);
  sigprocmask(SIG_SETMASK, &old_mask, nullptr);
  stack.on_finish();
  if (!run_status()) return std::unexpected(Error::guest(ECHILD));
  return *run_status();
}

Supervisor::Supervisor(ModuleStack& stack, const PtraceOptions& options)
    : impl_(std::make_unique<Impl>(stack, options)) {}
Supervisor::~Supervisor() = default;

Result<int> Supervisor::run(const std::vector<std::string>& argv) {
  return impl_->run(argv);
}

Result<int> Supervisor::attach(pid_t pid) {
  return impl_->attach(pid);
}

Result<int> Supervisor::run_hybrid(pid_t child, int adopt_fd) {
  return impl_->run_hybrid(child, adopt_fd);
}

SupervisorStats Supervisor::stats() const {
  SupervisorStats out = impl_->stats;
  out.pins = impl_->placement.pins();
  out.cpu_moves = impl_->placement.moves();
  out.tracer_syscalls += impl_->retired_crossings;
  for (const auto& [tid, t] : impl_->tracees) out.tracer_syscalls += t->mem.stats().crossings;
  return out;
}

}  // namespace ptvm
