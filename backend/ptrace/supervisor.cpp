#include "backend/ptrace/supervisor.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <unordered_map>

#include "backend/ptrace/cpu_placement.h"
#include "backend/ptrace/seccomp_filter.h"

extern char** environ;

namespace ptvm {

namespace {

constexpr long kSeizeOptions = PTRACE_O_EXITKILL | PTRACE_O_TRACESECCOMP | PTRACE_O_TRACESYSGOOD |
                               PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK |
                               PTRACE_O_TRACEEXEC | PTRACE_O_TRACEEXIT;

// Stack red zone of the x86-64 ABI: scratch memory goes below it.
constexpr std::uintptr_t kRedZone = 128;
constexpr std::size_t kMaxScratch = 64 * 1024;

std::uint64_t monotonic_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// Whether the process is in a job-control stop now (state T in /proc/PID/stat).
bool still_stopped(pid_t pid) {
  char path[64], buf[512];
  std::snprintf(path, sizeof path, "/proc/%d/stat", pid);
  const int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return false;
  buf[n] = '\0';
  const char* paren = std::strrchr(buf, ')');
  return paren && paren[1] == ' ' && paren[2] == 'T';
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

bool is_stop_signal(int sig) {
  return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
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

struct Supervisor::Impl {
  struct Tracee final : SyscallCall::Backend {
    Tracee(Impl& sup, pid_t tid, pid_t tgid)
        : tid(tid),
          tgid(tgid),
          mem(tid, sup.options.naive ? MemMode::peek : sup.options.mem),
          storage(sup.stack.thread_storage_size()) {}

    Memory& memory() override { return mem; }
    Result<RemotePtr<void>> scratch(std::size_t bytes) override {
      auto regs = mem.registers();
      if (!regs) return std::unexpected(regs.error());
      if (bytes > kMaxScratch - scratch_used) return std::unexpected(Error::guest(ENOMEM));
      // Below the red zone of the stack the call was made with; a signal frame cannot land
      // there before the exit stop, where the registers pointing into it are restored.
      scratch_used = (scratch_used + bytes + 15) & ~std::size_t{15};
      const std::uintptr_t sp = (*regs)->sp() - kRedZone;
      return RemotePtr<void>((sp & ~std::uintptr_t{15}) - scratch_used);
    }

    std::byte* thread_storage() override { return storage.data(); }

    pid_t tid;
    pid_t tgid;
    RemoteMemory mem;
    std::optional<SyscallCall> call;  // between entry and exit
    std::optional<long> emulated;     // --no-seccomp: the result to set again at the exit stop
    bool in_syscall = false;          // --no-seccomp: entry seen, exit stop pending
    bool want_exit = false;           // resume with PTRACE_SYSCALL to reach this call's exit
    // A call the CPU placement finishes at its exit stop (0: none), and about whom.
    long placed_nr = 0;
    pid_t placed_target = 0;
    std::uintptr_t placed_buf = 0;
    std::size_t placed_len = 0;
    bool placed_was_pinned = false;  // the target was pinned at the call's entry
    std::size_t scratch_used = 0;
    std::vector<std::byte> storage;  // the modules' per-thread storage, zeroed
  };

  Impl(ModuleStack& stack, const PtraceOptions& options) : stack(stack), options(options) {}

  Result<int> run(const std::vector<std::string>& argv);
  Result<int> run_hybrid(pid_t child, int adopt_fd);
  Result<int> attach(pid_t pid);
  bool seize_threads(pid_t pid);
  void detach_all();
  void adopt(int adopt_fd);
  void handle(pid_t tid, int status);
  void on_syscall_entry(Tracee& t);
  void on_syscall_exit(Tracee& t);
  void place_call(Tracee& t, long nr, const Registers& regs);
  void finish_placed_call(Tracee& t);
  void on_event(Tracee& t, int event, int status);
  void on_signal(Tracee& t, int sig);
  void on_group_stop(Tracee& t, int sig);
  void resume(Tracee& t, int sig = 0);
  void resume_later(Tracee& t, std::uint64_t usec);
  pid_t wait_next(int* status);
  Tracee& tracee(pid_t tid);
  long ptrace_call(int request, pid_t tid, void* addr, void* data) {
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
  struct Delayed {
    std::uint64_t deadline_ns;
    pid_t tid;
  };
  std::vector<Delayed> delayed;
  std::uint64_t retired_crossings = 0;  // memory-layer crossings of tracees already gone
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
  auto [ins, _] = tracees.emplace(tid, std::make_unique<Tracee>(*this, tid, tgid));
  return *ins->second;
}

void Supervisor::Impl::resume(Tracee& t, int sig) {
  (void)t.mem.flush_registers();  // if the tracee is gone, waitpid() reports its death next
  t.mem.resumed();
  const int request =
      (!options.seccomp || t.want_exit || t.in_syscall) ? PTRACE_SYSCALL : PTRACE_CONT;
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
    sigtimedwait(&chld, nullptr, &ts);
  }
}

void Supervisor::Impl::handle(pid_t tid, int status) {
  ++stats.stops;
  if (WIFEXITED(status) || WIFSIGNALED(status)) {
    auto it = tracees.find(tid);
    const bool traced = it != tracees.end();
    if (traced) {
      retired_crossings += it->second->mem.stats().crossings;
      if (it->second->placed_nr != 0) placement.call_done();
      tracees.erase(it);
      placement.gone(tid);
    }
    if (tid == main_pid) main_status = status;
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
    if (tid == main_pid && still_stopped(tid)) kill(getpid(), SIGSTOP);
    return;
  }
  Tracee& t = tracee(tid);
  placement.stopped(tid, stats.tracer_syscalls);
  const int sig = WSTOPSIG(status);
  const int event = status >> 16;
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
  auto regs = t.mem.registers();
  if (!regs) return;  // gone; its death is reported next
  const long nr = (*regs)->syscall_no();
  if (!options.seccomp) t.in_syscall = true;
  if (!stack.interest().contains(nr)) {  // --no-seccomp, or a call only placement wants
    if (placement.on()) place_call(t, nr, **regs);
    return resume(t);
  }
  ++stats.syscall_entries;
  std::uint64_t args[6];
  for (int i = 0; i < 6; ++i) {
    if (options.naive) {
      // Before PTRACE_MULTI: every register access is its own crossing.
      t.mem.resumed();
      regs = t.mem.registers();
      if (!regs) return;
    }
    args[i] = (*regs)->arg(i);
  }
  t.scratch_used = 0;
  SyscallCall& call = t.call.emplace(t, t.tgid, t.tid, nr, args);
  const ModuleStack::EntryOutcome out = stack.enter(call);
  regs = t.mem.registers();  // modules may have used the cache; same object, reloaded if naive
  if (!regs) return;
  const std::uint64_t delay = call.delay_us();
  const int signal = call.signal_to_raise();
  if (!out.run_call) {
    // SKIPCALL: the kernel skips a call whose number the tracer set to -1 and leaves rax alone.
    (*regs)->set_syscall_no(-1);
    (*regs)->set_result(call.result());
    if (!options.seccomp) t.emulated = call.result();
    t.call.reset();
    t.want_exit = false;
  } else {
    for (int i = 0; call.args_changed() && i < 6; ++i) (*regs)->set_arg(i, call.arg(i));
    t.want_exit = out.needs_exit;
    if (!out.needs_exit) t.call.reset();
    if (placement.on()) place_call(t, nr, **regs);
  }
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
  // signal re-enters with these registers.
  for (int i = 0; call.args_changed() && i < 6; ++i) (*regs)->set_arg(i, call.entry_args()[i]);
  const long seen = stack.exit(call, result);
  if (seen != result) (*regs)->set_result(seen);
  const std::uint64_t delay = call.delay_us();
  t.call.reset();
  if (delay > 0) return resume_later(t, delay);
  resume(t);
}

// The calls through which the program could notice the CPU placement: followed to their exit,
// and no pin changes meanwhile.
void Supervisor::Impl::place_call(Tracee& t, long nr, const Registers& regs) {
  if (regs.raw().cs != 0x33) {  // 32-bit code: other call numbers; no placement from now on
    placement.disable(stats.tracer_syscalls);
    return;
  }
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

void Supervisor::Impl::on_event(Tracee& t, int event, int status) {
  unsigned long msg = 0;
  switch (event) {
    case PTRACE_EVENT_FORK:
    case PTRACE_EVENT_VFORK:
    case PTRACE_EVENT_CLONE:
      if (ptrace_call(PTRACE_GETEVENTMSG, t.tid, nullptr, &msg) == 0) {
        tracee(static_cast<pid_t>(msg));  // known from now on, even before its first stop
      }
      return resume(t);
    case PTRACE_EVENT_EXEC: {
      // This stop is always inside execve: with --no-seccomp the next syscall stop is its exit.
      if (!options.seccomp) t.in_syscall = true;
      // execve from a non-leader thread: the leader's tid takes over the exec'ing thread.
      if (ptrace_call(PTRACE_GETEVENTMSG, t.tid, nullptr, &msg) == 0 &&
          static_cast<pid_t>(msg) != t.tid) {
        auto old = tracees.find(static_cast<pid_t>(msg));
        if (old != tracees.end()) {
          std::unique_ptr<Tracee> moved = std::move(old->second);
          tracees.erase(old);
          retired_crossings += t.mem.stats().crossings;
          if (t.placed_nr != 0) placement.call_done();  // the old leader's record goes
          placement.renamed(moved->tid, t.tid);
          // The call in flight (execve, maybe with an exit stop wanted) continues as the leader.
          const pid_t leader = t.tid;
          moved->tid = leader;
          if (!options.seccomp) moved->in_syscall = true;
          moved->mem.after_exec(leader);
          Tracee& now = *moved;
          tracees[leader] = std::move(moved);  // replaces the old leader's record
          return resume(now);
        }
      }
      t.mem.after_exec(t.tid);
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

Result<int> Supervisor::Impl::run(const std::vector<std::string>& argv) {
  if (argv.empty()) return std::unexpected(Error::guest(EINVAL));
  auto program = resolve_program(argv[0]);
  if (!program) return std::unexpected(program.error());

  // CPU placement (not under -p or in a hybrid run: they never get here).
  const bool colocate = options.colocate && CpuPlacement::possible();
  std::optional<SeccompFilter> filter;
  if (options.seccomp) {
    SyscallSet traced = stack.interest();
    if (colocate) traced |= CpuPlacement::calls();
    auto f = SeccompFilter::compile(traced);
    if (!f) return std::unexpected(f.error());
    filter = std::move(*f);
  }

  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

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
    int e = filter ? -filter->install() : 0;
    // Without a filter nothing stops before the exec event, inside execve: stop here so that
    // PTRACE_SYSCALL starts at execve's entry (the parent swallows this SIGSTOP).
    if (!filter) syscall(SYS_kill, getpid(), SIGSTOP);
    if (e == 0) {
      execve(program->c_str(), args.data(), environ);
      e = errno;
    }
    (void)!write(err[1], &e, sizeof e);
    _exit(127);
  }
  close(go[0]);
  close(err[1]);
  main_pid = child;
  if (ptrace(PTRACE_SEIZE, child, nullptr, reinterpret_cast<void*>(kSeizeOptions)) < 0) {
    const int e = errno;
    kill(child, SIGKILL);
    waitpid(child, nullptr, 0);
    return std::unexpected(Error::guest(e));
  }
  tracees.emplace(child, std::make_unique<Tracee>(*this, child, child));
  if (colocate) placement.start(child);
  awaiting_start = !filter;
  (void)!write(go[1], "g", 1);
  close(go[1]);

  while (!tracees.empty()) {
    int status;
    const pid_t tid = wait_next(&status);
    if (tid < 0) {
      if (errno == EINTR) continue;
      break;  // ECHILD: nothing left
    }
    handle(tid, status);
  }
  for (int i = 0; i < 6; ++i) sigaction(ignored[i], &saved[i], nullptr);
  sigprocmask(SIG_SETMASK, &old_mask, nullptr);
  placement.finish();
  stack.on_finish();

  int exec_errno = 0;
  const bool exec_failed = read(err[0], &exec_errno, sizeof exec_errno) == sizeof exec_errno;
  close(err[0]);
  if (exec_failed) return std::unexpected(Error::guest(exec_errno));
  if (!main_status) return std::unexpected(Error::guest(ECHILD));
  return *main_status;
}

namespace {
volatile sig_atomic_t g_adopt_pending;
void on_sigurg(int) {
  g_adopt_pending = 1;
}
}  // namespace

// Seizes every thread whose tid waits in the adoption pipe.
void Supervisor::Impl::adopt(int adopt_fd) {
  g_adopt_pending = 0;
  std::int32_t tids[64];
  for (;;) {
    const ssize_t n = read(adopt_fd, tids, sizeof tids);
    if (n <= 0) return;
    for (ssize_t i = 0; i < n / static_cast<ssize_t>(sizeof tids[0]); ++i) {
      const pid_t tid = tids[i];
      if (tracees.contains(tid)) continue;
      if (ptrace_call(PTRACE_SEIZE, tid, nullptr, reinterpret_cast<void*>(kSeizeOptions)) == 0) {
        const pid_t tgid = read_tgid(tid);
        tracees.emplace(tid, std::make_unique<Tracee>(*this, tid, tgid));
      }
    }
  }
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
  }
  for (int i = 0; i < 3; ++i) sigaction(ignored[i], &saved[i], nullptr);
  sigaction(SIGURG, &saved[3], nullptr);
  sigprocmask(SIG_SETMASK, &old_mask, nullptr);
  stack.on_finish();
  if (!main_status) return std::unexpected(Error::guest(ECHILD));
  return *main_status;
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
  out.tracer_syscalls += impl_->retired_crossings;
  for (const auto& [tid, t] : impl_->tracees) out.tracer_syscalls += t->mem.stats().crossings;
  return out;
}

}  // namespace ptvm
