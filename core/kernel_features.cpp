// KernelFeatures::probe(): every mechanism is really tried on a forked child, never on ptvm itself
// (a seccomp filter or Syscall User Dispatch cannot be undone, and a probe that goes wrong must
// only ever cost a throwaway process). Each probe is bounded in time: the parent never blocks
// without a deadline, and a child that does not behave is SIGKILLed and always reaped.
//
// The children run async-signal-safe code only (no allocation, no stdio): probe() may be called
// from a process with other threads (a test runner, a supervisor).
#include "core/kernel_features.h"

#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/ptrace.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <optional>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include "core/error.h"

// Newer than the system headers may be (Debian 12 ships Linux 6.1 uapi headers).
#ifndef PTRACE_SET_SYSCALL_INFO
#define PTRACE_SET_SYSCALL_INFO 0x4212  // Linux 6.16
#endif
#ifndef PR_SYS_DISPATCH_INCLUSIVE_ON
#define PR_SYS_DISPATCH_INCLUSIVE_ON 2  // Linux 6.17: [offset, offset+len) is the dispatched range
#endif

// A syscall instruction at a known address, in a range of its own: the Syscall User Dispatch
// probes use [ptvm_features_syscall, ptvm_features_syscall_end) as the allowed (exclusive mode)
// or the dispatched (inclusive mode) range, which must not contain libc's syscall instructions.
extern "C" long ptvm_features_syscall(long nr);
extern "C" const char ptvm_features_syscall_end[];
asm(R"(
  .pushsection .text
  .p2align 4
  .globl ptvm_features_syscall
  .hidden ptvm_features_syscall
  .type ptvm_features_syscall, @function
ptvm_features_syscall:
  movq %rdi, %rax
  syscall
  ret
  .size ptvm_features_syscall, .-ptvm_features_syscall
  .globl ptvm_features_syscall_end
  .hidden ptvm_features_syscall_end
ptvm_features_syscall_end:
  .popsection
)");

namespace ptvm {

namespace {

using Clock = std::chrono::steady_clock;

// Generous on purpose: on this machine a probe takes well under a millisecond; the budget only
// matters when the kernel (or a sandbox around us) behaves unexpectedly, and a false "no" would
// push a backend onto a slower fallback.
constexpr auto kProbeBudget = std::chrono::milliseconds(1000);
// All probes together: where everything times out, ptvm must still start within seconds.
constexpr auto kTotalBudget = std::chrono::milliseconds(3000);
// The end of the total budget of the probe() running on this thread.
thread_local Clock::time_point t_probes_deadline = Clock::time_point::max();
// Last resort inside the child (alarm(2)) if the parent's deadline logic is somehow bypassed.
constexpr unsigned kChildLifetimeSeconds = 5;

// Exit codes of the children; the details travel in a ChildReport.
constexpr int kChildOk = 0;
constexpr int kChildFailed = 1;
constexpr int kChildOrphaned = 2;
constexpr int kChildNoGo = 3;

// Recognisable values: a result that only the tracer / handler / supervisor could have produced.
constexpr long kEmulatedResult = 0x5eed;
constexpr std::uint32_t kTraceData = 0x2a;  // SECCOMP_RET_DATA of the RET_TRACE filters
constexpr std::uint32_t kTrapData = 0x2b;   // SECCOMP_RET_DATA of the RET_TRAP filter

// si_code values of SIGSYS (asm-generic/siginfo.h, which clashes with glibc's <signal.h>).
constexpr int kSysSeccomp = 1;       // Linux 3.5
constexpr int kSysUserDispatch = 2;  // Linux 5.11

// ---------------------------------------------------------------------------------------------
// Small helpers (parent side).

struct Outcome {
  bool ok;
  std::string detail;
};

Outcome yes(std::string note = {}) {
  return {true, std::move(note)};
}
Outcome no(std::string why) {
  return {false, std::move(why)};
}

// "EPERM (Operation not permitted)".
std::string errno_text(int err) {
  const char* name = errno_name(err);
  std::string text = name ? name : "errno " + std::to_string(err);
  if (const char* desc = strerrordesc_np(err)) {
    text += " (";
    text += desc;
    text += ')';
  }
  return text;
}

Outcome no_errno(std::string_view what, int err, std::string_view hint = {}) {
  std::string why(what);
  why += ": ";
  why += errno_text(err);
  if (!hint.empty()) {
    why += "; ";
    why += hint;
  }
  return no(std::move(why));
}

std::string signal_name(int sig) {
  const char* abbrev = sigabbrev_np(sig);
  return abbrev ? std::string("SIG") + abbrev : "signal " + std::to_string(sig);
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "was killed by " + signal_name(WTERMSIG(status));
  if (WIFSTOPPED(status)) {
    int event = status >> 16;
    if (event != 0) return "stopped at ptrace event " + std::to_string(event);
    if (WSTOPSIG(status) == (SIGTRAP | 0x80)) return "stopped at a syscall stop";
    return "stopped by " + signal_name(WSTOPSIG(status));
  }
  return "changed state (status " + std::to_string(status) + ")";
}

bool is_event_stop(int status, int event) {
  return WIFSTOPPED(status) && (status >> 8) == (SIGTRAP | (event << 8));
}
bool is_syscall_stop(int status) {
  // SIGTRAP | 0x80 with PTRACE_O_TRACESYSGOOD, plain SIGTRAP without it.
  return WIFSTOPPED(status) && (status >> 16) == 0 &&
         (WSTOPSIG(status) == (SIGTRAP | 0x80) || WSTOPSIG(status) == SIGTRAP);
}
bool is_signal_stop(int status, int sig) {
  return WIFSTOPPED(status) && (status >> 16) == 0 && WSTOPSIG(status) == sig;
}

// glibc's ptrace() takes an enum that the <linux/ptrace.h> macros do not convert to in C++; the
// raw call also has the kernel's semantics for every request (no PEEK* wrapping).
long ptrace_call(long request, pid_t pid, unsigned long addr = 0, unsigned long data = 0) {
  return syscall(SYS_ptrace, request, pid, addr, data);
}
template <class T>
long ptrace_call(long request, pid_t pid, unsigned long addr, T* data) {
  return ptrace_call(request, pid, addr, reinterpret_cast<unsigned long>(data));
}

std::string read_first_line(const char* path) {
  std::string line;
  if (FILE* f = std::fopen(path, "re")) {
    char buf[4096];
    if (std::fgets(buf, sizeof buf, f)) line = buf;
    std::fclose(f);
  }
  while (!line.empty() && (line.back() == '\n' || line.back() == ' ')) line.pop_back();
  return line;
}

// Why PTRACE_SEIZE of our own child can be refused: Yama (ptrace_scope 3 forbids all tracing,
// 2 needs CAP_SYS_PTRACE), another LSM, or a seccomp policy of a container around us.
std::string ptrace_denied_hint() {
  std::string scope = read_first_line("/proc/sys/kernel/yama/ptrace_scope");
  std::string hint = "ptrace refused by Yama, another LSM or a seccomp sandbox";
  if (!scope.empty()) hint += " (kernel.yama.ptrace_scope=" + scope + ")";
  return hint;
}

// What to add to a refusal of something that appeared in Linux major.minor: on an older kernel
// the version explains it; on a newer one it does not, and the likely causes are named instead.
std::string needs_linux(int major, int minor, std::string_view what = {}) {
  std::string version = "Linux " + std::to_string(major) + "." + std::to_string(minor);
  utsname uts{};
  int have_major = 0, have_minor = 0;
  bool known = uname(&uts) == 0 && std::sscanf(uts.release, "%d.%d", &have_major, &have_minor) == 2;
  std::string subject = what.empty() ? "it" : std::string(what);
  if (known && (have_major > major || (have_major == major && have_minor >= minor))) {
    return subject + " appeared in " + version +
           ": refused here by a seccomp policy, an LSM or the kernel configuration";
  }
  return (what.empty() ? std::string("needs ") : subject + " needs ") + version;
}

// ---------------------------------------------------------------------------------------------
// File descriptors and pipes that close themselves.

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    reset(std::exchange(other.fd_, -1));
    return *this;
  }
  ~Fd() { reset(); }
  int get() const { return fd_; }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

struct Pipe {
  Fd r, w;
  // O_CLOEXEC: another thread of the process may fork and exec meanwhile.
  bool open(int flags = 0) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC | flags) != 0) return false;
    r.reset(fds[0]);
    w.reset(fds[1]);
    return true;
  }
};

// ---------------------------------------------------------------------------------------------
// The child process of one probe.

// What a child tells the parent before it exits. `failed` points to a string literal: after fork()
// the child's literals are at the same addresses as the parent's, so the parent can print it.
struct ChildReport {
  const char* failed = nullptr;  // the step that failed, nullptr on success
  int err = 0;                   // its errno, 0 if none
  long value[6] = {};            // probe-specific observations
};

// Observations of the SIGSYS handler (each child has its own copy).
volatile char g_dispatch_selector = SYSCALL_DISPATCH_FILTER_ALLOW;
volatile sig_atomic_t g_sigsys_count = 0;
volatile sig_atomic_t g_sigsys_code = 0;
volatile sig_atomic_t g_sigsys_nr = -1;
volatile sig_atomic_t g_sigsys_errno = 0;

// Buffer read / written by the process_vm_* probes: its address is the same in the child.
char g_vm_buffer[64];

void fill_pattern(char* buf, std::size_t n, long seed) {
  for (std::size_t i = 0; i < n; ++i) buf[i] = static_cast<char>(seed * 31 + i * 7 + 1);
}
bool has_pattern(const volatile char* buf, std::size_t n, long seed) {
  for (std::size_t i = 0; i < n; ++i) {
    if (buf[i] != static_cast<char>(seed * 31 + i * 7 + 1)) return false;
  }
  return true;
}

class ProbeChild {
 public:
  ProbeChild()
      : start_(Clock::now()), deadline_(std::min(start_ + kProbeBudget, t_probes_deadline)) {}
  ProbeChild(const ProbeChild&) = delete;
  ProbeChild& operator=(const ProbeChild&) = delete;
  ~ProbeChild() { kill_and_reap(); }

  // Forks a child that runs body(*this) and _exits with its result.
  template <class Body>
  std::optional<Outcome> start(Body&& body) {
    if (!go_.open() || !ready_.open() || !report_.open()) return no_errno("pipe2", errno);
    // The report is read once the child is gone, without blocking.
    fcntl(report_.r.get(), F_SETFL, O_NONBLOCK);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) return no_errno("fork", errno);
    if (pid == 0) {
      enter_child(parent);
      _exit(body(*this));
    }
    pid_ = pid;
    go_.r.reset();
    ready_.w.reset();
    report_.w.reset();
    return std::nullopt;
  }

  pid_t pid() const { return pid_; }

  // ---- child side: async-signal-safe only.

  // Blocks until the parent says go; false if the parent closed the pipe instead.
  bool wait_go() {
    char c;
    for (;;) {
      ssize_t n = read(go_.r.get(), &c, 1);
      if (n == 1) return true;
      if (n < 0 && errno == EINTR) continue;
      return false;
    }
  }
  void signal_ready() {
    char c = 'r';
    (void)!write(ready_.w.get(), &c, 1);
  }
  int succeed(long v0 = 0, long v1 = 0, long v2 = 0, long v3 = 0, long v4 = 0, long v5 = 0) {
    ChildReport report;
    long values[] = {v0, v1, v2, v3, v4, v5};
    for (int i = 0; i < 6; ++i) report.value[i] = values[i];
    (void)!write(report_.w.get(), &report, sizeof report);
    return kChildOk;
  }
  int fail(const char* step, int err) {
    ChildReport report;
    report.failed = step;
    report.err = err;
    (void)!write(report_.w.get(), &report, sizeof report);
    return kChildFailed;
  }

  // ---- parent side.

  void go() {
    char c = 'g';
    (void)!write(go_.w.get(), &c, 1);
  }

  int remaining_ms() const {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - Clock::now());
    return static_cast<int>(std::max<long>(0, left.count()));
  }

  // Waits until the child is ready (it wrote to the ready pipe).
  std::optional<Outcome> wait_ready() {
    pollfd p{ready_.r.get(), POLLIN, 0};
    int n = poll(&p, 1, remaining_ms());
    if (n < 0) return no_errno("poll", errno);
    char c;
    if (n == 1 && read(ready_.r.get(), &c, 1) == 1) return std::nullopt;
    if (n == 0) return no("the child was not ready within " + budget_text());
    // EOF: the child is gone before it was ready; say why.
    return unexpected(wait(), "the child to get ready");
  }

  // The next state change of the child (waitpid), until the deadline: ETIMEDOUT after it.
  // Polls with WNOHANG rather than blocking: no SIGCHLD handler and no change of the signal
  // mask of a process we do not own; the first pauses are short because stops come fast.
  Result<int> wait() {
    long pause_ns = 20'000;
    for (;;) {
      int status = 0;
      pid_t r = waitpid(pid_, &status, WNOHANG | __WALL);
      if (r == pid_) {
        if (WIFEXITED(status) || WIFSIGNALED(status)) reaped_ = true;
        return status;
      }
      if (r < 0 && errno != EINTR) return std::unexpected(Error::guest(errno));
      if (Clock::now() >= deadline_) return std::unexpected(Error::guest(ETIMEDOUT));
      timespec pause{0, pause_ns};
      nanosleep(&pause, nullptr);
      pause_ns = std::min(pause_ns * 2, 2'000'000L);
    }
  }

  // The child did something else than `expected`: say what, with the child's own account of
  // what failed if it left one.
  Outcome unexpected(const Result<int>& status, std::string_view expected) {
    std::string exp(expected);
    if (!status) {
      if (status.error().errno_value() == ETIMEDOUT) {
        return no("waited " + budget_text() + " for " + exp + " in vain");
      }
      return no_errno("waitpid", status.error().errno_value());
    }
    if (WIFEXITED(*status) || WIFSIGNALED(*status)) {
      ChildReport report;
      if (read_report(report) && report.failed) return child_failure(report);
    }
    if (WIFEXITED(*status) && WEXITSTATUS(*status) == kChildOrphaned) {
      return no(
          "the child's getppid() did not return ptvm's pid (is getppid intercepted by a "
          "seccomp policy around ptvm?)");
    }
    return no("expected " + exp + ", but the child " + describe_status(*status));
  }

  // Lets the child run to its end (from a ptrace stop too: the caller resumed it) and collects
  // its report. nullopt when it exited normally and reported success.
  std::optional<Outcome> finish(ChildReport& report) {
    Result<int> status = wait();
    if (!status || !WIFEXITED(*status) || WEXITSTATUS(*status) != kChildOk) {
      return unexpected(status, "the child to exit normally");
    }
    if (!read_report(report)) return no("the child exited without a report");
    if (report.failed) return child_failure(report);
    return std::nullopt;
  }

 private:
  std::string budget_text() const {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - start_);
    return std::to_string(ms.count()) + " ms";
  }

  static Outcome child_failure(const ChildReport& report) {
    if (report.err == 0) return no(report.failed);
    return no_errno(report.failed, report.err);
  }

  bool read_report(ChildReport& report) {
    return read(report_.r.get(), &report, sizeof report) == static_cast<ssize_t>(sizeof report);
  }

  void enter_child(pid_t parent) {
    // If ptvm dies mid-probe the child must not linger (traced children also have EXITKILL).
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(kChildOrphaned);
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    sigaction(SIGALRM, &dfl, nullptr);
    alarm(kChildLifetimeSeconds);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    go_.w.reset();
    ready_.r.reset();
    report_.r.reset();
  }

  // SIGKILL, then reap. A tracee with PTRACE_O_TRACEEXIT may still report its exit event stop on
  // the way out (older kernels did so even for SIGKILL): resume it. Bounded: a child that does
  // not go away within a second is left behind rather than hanging ptvm.
  void kill_and_reap() {
    if (pid_ <= 0 || reaped_) return;
    kill(pid_, SIGKILL);
    auto until = Clock::now() + std::chrono::seconds(1);
    long pause_ns = 20'000;
    while (Clock::now() < until) {
      int status = 0;
      pid_t r = waitpid(pid_, &status, WNOHANG | __WALL);
      if (r < 0 && errno == EINTR) continue;
      if (r < 0 || (r == pid_ && (WIFEXITED(status) || WIFSIGNALED(status)))) break;
      if (r == pid_ && WIFSTOPPED(status)) {
        ptrace_call(PTRACE_CONT, pid_);
        continue;
      }
      timespec pause{0, pause_ns};
      nanosleep(&pause, nullptr);
      pause_ns = std::min(pause_ns * 2, 2'000'000L);
    }
    reaped_ = true;
  }

  Clock::time_point start_;
  Clock::time_point deadline_;
  pid_t pid_ = -1;
  bool reaped_ = false;
  Pipe go_;      // parent -> child: "go" (or EOF: give up)
  Pipe ready_;   // child -> parent: "ready"
  Pipe report_;  // child -> parent: one ChildReport
};

// PTRACE_SEIZE with `options`; the failure as an Outcome.
std::optional<Outcome> seize(ProbeChild& child, unsigned long options) {
  if (ptrace_call(PTRACE_SEIZE, child.pid(), 0, options) == 0) return std::nullopt;
  int err = errno;
  std::string hint;
  if (err == EPERM) hint = ptrace_denied_hint();
  if (err == EIO) hint = needs_linux(3, 4);
  return no_errno("PTRACE_SEIZE", err, hint);
}

// ---------------------------------------------------------------------------------------------
// Seccomp filters.

// Returns `action` for the x86-64 system call `nr` and allows everything else (other ABIs too:
// the probes only look at what x86-64 calls do). Not copyable: prog points into code.
struct Filter {
  sock_filter code[7];
  sock_fprog prog;

  Filter(int nr, std::uint32_t action)
      : code{
            BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)),
            BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
            BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
            BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
            BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, static_cast<std::uint32_t>(nr), 0, 1),
            BPF_STMT(BPF_RET | BPF_K, action),
            BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        },
        prog{static_cast<unsigned short>(std::size(code)), code} {}
  Filter(const Filter&) = delete;
  Filter& operator=(const Filter&) = delete;

  // Child side. Installs the filter; returns what seccomp() returned (a listener fd with
  // SECCOMP_FILTER_FLAG_NEW_LISTENER) or reports the failure and returns -1.
  long install(ProbeChild& child, unsigned flags = 0) const {
    // Without CAP_SYS_ADMIN a filter needs no_new_privs (Linux 3.5).
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
      child.fail("prctl(PR_SET_NO_NEW_PRIVS)", errno);
      return -1;
    }
    long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
    if (r < 0) child.fail("seccomp(SECCOMP_SET_MODE_FILTER)", errno);
    return r;
  }
};

// The child of the RET_TRACE probes: a filter returning SECCOMP_RET_TRACE for getppid; after
// "go" (the tracer is attached: without a tracer RET_TRACE fails the call with ENOSYS), it stops
// itself with SIGSTOP if asked, calls getppid and reports the result and its pid.
auto getppid_under_ret_trace(const Filter& filter, bool stop_first) {
  return [&filter, stop_first](ProbeChild& child) -> int {
    if (filter.install(child) < 0) return kChildFailed;
    if (!child.wait_go()) return kChildNoGo;
    long self = syscall(SYS_getpid);
    // Raw kill: the next system call after the signal-delivery stop is the getppid below.
    if (stop_first) syscall(SYS_kill, self, SIGSTOP);
    long r = syscall(SYS_getppid);
    return child.succeed(r, self);
  };
}

// Starts the RET_TRACE child, seizes it and waits for the seccomp stop of its getppid.
std::optional<Outcome> run_to_seccomp_stop(ProbeChild& c, const Filter& filter) {
  if (auto failed = c.start(getppid_under_ret_trace(filter, false))) return failed;
  if (auto failed = seize(c, PTRACE_O_TRACESECCOMP | PTRACE_O_EXITKILL)) return failed;
  c.go();
  Result<int> status = c.wait();
  if (!status || !is_event_stop(*status, PTRACE_EVENT_SECCOMP)) {
    return c.unexpected(status, "a PTRACE_EVENT_SECCOMP stop");
  }
  return std::nullopt;
}

// Resumes the child from a stop and checks that its getppid returned `expected`.
Outcome finish_getppid(ProbeChild& c, long expected, std::string_view who, std::string note) {
  if (ptrace_call(PTRACE_CONT, c.pid()) != 0) return no_errno("PTRACE_CONT", errno);
  ChildReport report;
  if (auto failed = c.finish(report)) return *failed;
  if (report.value[0] != expected) {
    return no("getppid returned " + std::to_string(report.value[0]) + ", expected " +
              std::to_string(expected) + " (" + std::string(who) + ")");
  }
  return yes(std::move(note));
}

// SIGSYS handler of the SUD and RET_TRAP probes: records what the kernel said and emulates the
// call. rt_sigreturn is itself a system call: with SUD the selector must be ALLOW before it.
void on_sigsys(int, siginfo_t* info, void* context) {
  g_sigsys_count = g_sigsys_count + 1;
  g_sigsys_code = info->si_code;
  g_sigsys_nr = info->si_syscall;
  g_sigsys_errno = info->si_errno;
  g_dispatch_selector = SYSCALL_DISPATCH_FILTER_ALLOW;
  static_cast<ucontext_t*>(context)->uc_mcontext.gregs[REG_RAX] = kEmulatedResult;
}

bool install_sigsys_handler() {
  struct sigaction sa {};
  sa.sa_sigaction = on_sigsys;
  sa.sa_flags = SA_SIGINFO;
  sigemptyset(&sa.sa_mask);
  return sigaction(SIGSYS, &sa, nullptr) == 0;
}

// ---------------------------------------------------------------------------------------------
// The probes.

Outcome probe_ptrace_seize() {
  ProbeChild c;
  auto wait_forever = [](ProbeChild& child) { return child.wait_go() ? kChildOk : kChildNoGo; };
  if (auto failed = c.start(wait_forever)) return *failed;
  if (auto failed = seize(c, 0)) return *failed;
  // A seized tracee is not stopped; PTRACE_INTERRUPT (also 3.4) is how the tracer stops it.
  if (ptrace_call(PTRACE_INTERRUPT, c.pid()) != 0) return no_errno("PTRACE_INTERRUPT", errno);
  Result<int> status = c.wait();
  if (!status || !WIFSTOPPED(*status) || (*status >> 16) != PTRACE_EVENT_STOP) {
    return c.unexpected(status, "a PTRACE_EVENT_STOP stop after PTRACE_INTERRUPT");
  }
  std::string scope = read_first_line("/proc/sys/kernel/yama/ptrace_scope");
  return yes(scope.empty() ? "" : "kernel.yama.ptrace_scope=" + scope);
}

struct PtraceOption {
  unsigned long bit;
  const char* name;
  const char* since;
};
// The options ptvm's ptrace backend seizes with (DESIGN.md, "Process tree").
constexpr PtraceOption kPtraceOptions[] = {
    {PTRACE_O_EXITKILL, "EXITKILL", "3.8"},         {PTRACE_O_TRACESECCOMP, "TRACESECCOMP", "3.5"},
    {PTRACE_O_TRACESYSGOOD, "TRACESYSGOOD", "2.6"}, {PTRACE_O_TRACECLONE, "TRACECLONE", "2.6"},
    {PTRACE_O_TRACEFORK, "TRACEFORK", "2.6"},       {PTRACE_O_TRACEVFORK, "TRACEVFORK", "2.6"},
    {PTRACE_O_TRACEEXEC, "TRACEEXEC", "2.6"},       {PTRACE_O_TRACEEXIT, "TRACEEXIT", "2.6"},
};

Outcome probe_ptrace_options() {
  unsigned long all = 0;
  for (const auto& o : kPtraceOptions) all |= o.bit;
  auto exit_when_told = [](ProbeChild& child) {
    return child.wait_go() ? child.succeed() : kChildNoGo;
  };

  ProbeChild c;
  if (auto failed = c.start(exit_when_told)) return *failed;
  if (ptrace_call(PTRACE_SEIZE, c.pid(), 0, all) != 0) {
    int err = errno;
    // Name the options this kernel rejects, each tried alone on a fresh child.
    std::string rejected;
    for (const auto& o : kPtraceOptions) {
      ProbeChild one;
      if (one.start(exit_when_told)) continue;
      if (ptrace_call(PTRACE_SEIZE, one.pid(), 0, o.bit) != 0) {
        rejected += rejected.empty() ? "" : ", ";
        rejected += std::string("PTRACE_O_") + o.name + " (Linux " + o.since + ")";
      }
    }
    if (err == EPERM) return no_errno("PTRACE_SEIZE", err, ptrace_denied_hint());
    return no_errno("PTRACE_SEIZE with all options", err,
                    rejected.empty() ? std::string() : "rejected: " + rejected);
  }
  // Accepted; check that one of them took effect: the child's exit stops at PTRACE_EVENT_EXIT.
  c.go();
  Result<int> status = c.wait();
  if (!status || !is_event_stop(*status, PTRACE_EVENT_EXIT)) {
    return c.unexpected(status, "a PTRACE_EVENT_EXIT stop");
  }
  if (ptrace_call(PTRACE_CONT, c.pid()) != 0) return no_errno("PTRACE_CONT", errno);
  ChildReport report;
  if (auto failed = c.finish(report)) return *failed;
  return yes("all accepted; PTRACE_EVENT_EXIT stop seen");
}

Outcome probe_seccomp_ret_trace() {
  Filter filter(__NR_getppid, SECCOMP_RET_TRACE | kTraceData);
  ProbeChild c;
  if (auto failed = run_to_seccomp_stop(c, filter)) return *failed;
  unsigned long data = 0;
  if (ptrace_call(PTRACE_GETEVENTMSG, c.pid(), 0, &data) != 0) {
    return no_errno("PTRACE_GETEVENTMSG", errno);
  }
  if (data != kTraceData) {
    return no("PTRACE_GETEVENTMSG gave " + std::to_string(data) + ", not the filter's " +
              "SECCOMP_RET_DATA " + std::to_string(kTraceData));
  }
  return finish_getppid(c, getpid(), "the call did not run natively after the stop",
                        "stop for getppid, SECCOMP_RET_DATA in PTRACE_GETEVENTMSG");
}

Outcome probe_seccomp_after_entry() {
  Filter filter(__NR_getppid, SECCOMP_RET_TRACE | kTraceData);
  ProbeChild c;
  if (auto failed = c.start(getppid_under_ret_trace(filter, true))) return *failed;
  if (auto failed = seize(c, PTRACE_O_TRACESECCOMP | PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL)) {
    return *failed;
  }
  c.go();
  Result<int> status = c.wait();
  if (!status || !is_signal_stop(*status, SIGSTOP)) {
    return c.unexpected(status, "the child's SIGSTOP");
  }
  // Resume with PTRACE_SYSCALL (suppressing the SIGSTOP): the next system call is getppid.
  // Since Linux 4.8 ("x86/ptrace: run seccomp after ptrace") the syscall-entry stop comes first
  // and seccomp runs after it, so the filter sees what a tracer changed at the entry stop; and a
  // change made at the seccomp stop makes the filter run again. Before 4.8 the seccomp stop came
  // first and neither change was checked by the filter.
  std::string order;
  for (int stops = 0; stops < 8 && order.size() < 2; ++stops) {
    if (ptrace_call(PTRACE_SYSCALL, c.pid()) != 0) return no_errno("PTRACE_SYSCALL", errno);
    status = c.wait();
    if (status && is_event_stop(*status, PTRACE_EVENT_SECCOMP)) {
      order += 'S';
    } else if (status && is_syscall_stop(*status)) {
      user_regs_struct regs{};
      if (ptrace_call(PTRACE_GETREGS, c.pid(), 0, &regs) != 0) {
        return no_errno("PTRACE_GETREGS", errno);
      }
      // rax is -ENOSYS at an entry stop on x86-64.
      bool getppid_entry = regs.orig_rax == __NR_getppid && static_cast<long>(regs.rax) == -ENOSYS;
      if (getppid_entry) {
        order += 'E';
      } else if (!order.empty()) {
        break;  // past getppid: its exit stop or a later call
      }
    } else {
      return c.unexpected(status, "the seccomp and syscall-entry stops of getppid");
    }
  }
  if (order == "ES") {
    return finish_getppid(c, getpid(), "the call did not run natively after the stops",
                          "syscall-entry stop, then seccomp stop");
  }
  if (order == "SE") return no("seccomp stop came before the syscall-entry stop (pre-4.8 order)");
  if (order == "E") return no("no seccomp stop under PTRACE_SYSCALL, only the syscall-entry stop");
  if (order == "S") return no("seccomp stop, but no syscall-entry stop for getppid");
  return no("neither a seccomp nor a syscall-entry stop for getppid under PTRACE_SYSCALL");
}

Outcome probe_get_syscall_info() {
  Filter filter(__NR_getppid, SECCOMP_RET_TRACE | kTraceData);
  ProbeChild c;
  if (auto failed = run_to_seccomp_stop(c, filter)) return *failed;
  ptrace_syscall_info info{};
  long size = ptrace_call(PTRACE_GET_SYSCALL_INFO, c.pid(), sizeof info, &info);
  if (size < 0) {
    int err = errno;
    return no_errno("PTRACE_GET_SYSCALL_INFO", err, err == EIO ? needs_linux(5, 3) : std::string());
  }
  if (info.op != PTRACE_SYSCALL_INFO_SECCOMP) {
    return no("op " + std::to_string(info.op) + " at a seccomp stop, expected " +
              std::to_string(PTRACE_SYSCALL_INFO_SECCOMP) + " (PTRACE_SYSCALL_INFO_SECCOMP)");
  }
  if (info.arch != AUDIT_ARCH_X86_64 || info.seccomp.nr != __NR_getppid ||
      info.seccomp.ret_data != kTraceData) {
    return no("wrong contents at a seccomp stop: arch " + std::to_string(info.arch) + ", nr " +
              std::to_string(info.seccomp.nr) + ", ret_data " +
              std::to_string(info.seccomp.ret_data));
  }
  return finish_getppid(c, getpid(), "the call did not run natively after the stop",
                        "op SECCOMP, nr and ret_data at a seccomp stop");
}

Outcome probe_set_syscall_info() {
  Filter filter(__NR_getppid, SECCOMP_RET_TRACE | kTraceData);
  ProbeChild c;
  if (auto failed = run_to_seccomp_stop(c, filter)) return *failed;
  // Turn the call into getpid (no arguments). op must be the current stop's; the bytes after op
  // (pad[3] in older headers, reserved and flags since 6.16) must be zero.
  ptrace_syscall_info info{};
  info.op = PTRACE_SYSCALL_INFO_SECCOMP;
  info.arch = AUDIT_ARCH_X86_64;
  info.seccomp.nr = __NR_getpid;
  if (ptrace_call(PTRACE_SET_SYSCALL_INFO, c.pid(), sizeof info, &info) != 0) {
    int err = errno;
    return no_errno("PTRACE_SET_SYSCALL_INFO", err,
                    err == EIO ? needs_linux(6, 16) : std::string());
  }
  // Since 4.8 the filter runs again on the new number: getpid is allowed.
  return finish_getppid(c, c.pid(), "the call was not turned into getpid",
                        "getppid turned into getpid at a seccomp stop");
}

Outcome probe_sysemu() {
  Pipe sink;  // the write() that PTRACE_SYSEMU must skip would land here
  if (!sink.open(O_NONBLOCK)) return no_errno("pipe2", errno);
  ProbeChild c;
  auto body = [&sink](ProbeChild& child) -> int {
    if (!child.wait_go()) return kChildNoGo;
    syscall(SYS_kill, syscall(SYS_getpid), SIGSTOP);
    long r = syscall(SYS_write, sink.w.get(), "x", 1);
    return child.succeed(r);
  };
  if (auto failed = c.start(body)) return *failed;
  if (auto failed = seize(c, PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL)) return *failed;
  c.go();
  Result<int> status = c.wait();
  if (!status || !is_signal_stop(*status, SIGSTOP)) {
    return c.unexpected(status, "the child's SIGSTOP");
  }
  if (ptrace_call(PTRACE_SYSEMU, c.pid()) != 0) {
    int err = errno;
    return no_errno("PTRACE_SYSEMU", err,
                    err == EIO ? "PTRACE_SYSEMU exists on x86 (2.6.14) and arm64 (5.3) only"
                               : std::string_view());
  }
  status = c.wait();
  if (!status || !is_syscall_stop(*status)) return c.unexpected(status, "a syscall-entry stop");
  user_regs_struct regs{};
  if (ptrace_call(PTRACE_GETREGS, c.pid(), 0, &regs) != 0) {
    return no_errno("PTRACE_GETREGS", errno);
  }
  if (regs.orig_rax != __NR_write) {
    return no("PTRACE_SYSEMU stopped at system call " + std::to_string(regs.orig_rax) +
              ", expected write (" + std::to_string(__NR_write) + ")");
  }
  regs.rax = kEmulatedResult;
  if (ptrace_call(PTRACE_SETREGS, c.pid(), 0, &regs) != 0) {
    return no_errno("PTRACE_SETREGS", errno);
  }
  if (ptrace_call(PTRACE_CONT, c.pid()) != 0) return no_errno("PTRACE_CONT", errno);
  ChildReport report;
  if (auto failed = c.finish(report)) return *failed;
  char byte;
  if (read(sink.r.get(), &byte, 1) == 1)
    return no("the write() ran: PTRACE_SYSEMU did not skip it");
  if (report.value[0] != kEmulatedResult) {
    return no("write() returned " + std::to_string(report.value[0]) +
              ", not the result set by the tracer");
  }
  return yes("write() stopped at entry and skipped; result set by the tracer");
}

std::string cross_memory_hint(int err) {
  if (err == ENOSYS) return needs_linux(3, 2) + " (CONFIG_CROSS_MEMORY_ATTACH)";
  if (err == EPERM) return "ptrace access to the child refused";
  return "";
}

Outcome probe_process_vm_readv() {
  ProbeChild c;
  auto body = [](ProbeChild& child) -> int {
    fill_pattern(g_vm_buffer, sizeof g_vm_buffer, syscall(SYS_getpid));
    child.signal_ready();
    child.wait_go();
    return kChildOk;
  };
  if (auto failed = c.start(body)) return *failed;
  if (auto failed = c.wait_ready()) return *failed;
  char got[sizeof g_vm_buffer] = {};
  iovec local{got, sizeof got};
  iovec remote{g_vm_buffer, sizeof g_vm_buffer};
  ssize_t n = process_vm_readv(c.pid(), &local, 1, &remote, 1, 0);
  if (n < 0) {
    int err = errno;
    return no_errno("process_vm_readv", err, cross_memory_hint(err));
  }
  if (n != static_cast<ssize_t>(sizeof got)) {
    return no("process_vm_readv read " + std::to_string(n) + " of " + std::to_string(sizeof got) +
              " bytes");
  }
  if (!has_pattern(got, sizeof got, c.pid())) return no("process_vm_readv read the wrong bytes");
  c.go();
  return yes(std::to_string(sizeof got) + " bytes read from the child");
}

Outcome probe_process_vm_writev() {
  ProbeChild c;
  auto body = [](ProbeChild& child) -> int {
    child.signal_ready();
    if (!child.wait_go()) return kChildNoGo;
    if (!has_pattern(g_vm_buffer, sizeof g_vm_buffer, syscall(SYS_getpid))) {
      return child.fail("the child's buffer does not hold what process_vm_writev wrote", 0);
    }
    return child.succeed();
  };
  if (auto failed = c.start(body)) return *failed;
  if (auto failed = c.wait_ready()) return *failed;
  char data[sizeof g_vm_buffer];
  fill_pattern(data, sizeof data, c.pid());
  iovec local{data, sizeof data};
  iovec remote{g_vm_buffer, sizeof g_vm_buffer};
  ssize_t n = process_vm_writev(c.pid(), &local, 1, &remote, 1, 0);
  if (n < 0) {
    int err = errno;
    return no_errno("process_vm_writev", err, cross_memory_hint(err));
  }
  if (n != static_cast<ssize_t>(sizeof data)) {
    return no("process_vm_writev wrote " + std::to_string(n) + " of " +
              std::to_string(sizeof data) + " bytes");
  }
  c.go();
  ChildReport report;
  if (auto failed = c.finish(report)) return *failed;
  return yes(std::to_string(sizeof data) + " bytes written to the child");
}

Outcome probe_proc_mem_write_readonly() {
  constexpr std::size_t kBytes = 64;
  long page = sysconf(_SC_PAGESIZE);
  // A private read-only page, like the text of a program ptvm patches (POKETEXT semantics).
  void* mapped = mmap(nullptr, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mapped == MAP_FAILED) return no_errno("mmap", errno);
  auto* target = static_cast<const volatile char*>(mapped);
  ProbeChild c;
  auto body = [target](ProbeChild& child) -> int {
    child.signal_ready();
    if (!child.wait_go()) return kChildNoGo;
    if (!has_pattern(target, kBytes, syscall(SYS_getpid))) {
      return child.fail("the read-only page does not hold what /proc/PID/mem wrote", 0);
    }
    return child.succeed();
  };
  auto failed_start = c.start(body);
  munmap(mapped, page);  // the parent's copy; the child has its own
  if (failed_start) return *failed_start;
  // Traced, as ptvm's tracees are: with proc_mem.force_override=ptrace (6.12+) only an active
  // tracer may write through read-only mappings. Without ptrace the write is still tried (the
  // default, force_override=always, needs only ptrace *access*).
  std::string untraced;
  if (auto failed = seize(c, PTRACE_O_EXITKILL)) untraced = "not traced: " + failed->detail;
  if (auto failed = c.wait_ready()) return *failed;
  std::string path = "/proc/" + std::to_string(c.pid()) + "/mem";
  Fd mem(open(path.c_str(), O_RDWR | O_CLOEXEC));
  int open_err = errno;
  // Say how this kernel is configured and whether we wrote as the tracer, whatever the result.
  std::string cmdline = read_first_line("/proc/cmdline");
  auto at = cmdline.find("proc_mem.force_override=");
  std::string notes;
  if (at != std::string::npos) notes = cmdline.substr(at, cmdline.find(' ', at) - at);
  if (!untraced.empty()) notes += (notes.empty() ? "" : "; ") + untraced;
  if (mem.get() < 0) return no_errno("open " + path, open_err, notes);
  char data[kBytes];
  fill_pattern(data, sizeof data, c.pid());
  ssize_t n = pwrite(mem.get(), data, sizeof data, reinterpret_cast<std::uintptr_t>(mapped));
  if (n < 0) return no_errno("pwrite to " + path + " (read-only mapping)", errno, notes);
  if (n != static_cast<ssize_t>(sizeof data)) {
    return no("pwrite to " + path + " wrote " + std::to_string(n) + " of " +
              std::to_string(sizeof data) + " bytes");
  }
  c.go();
  ChildReport report;
  if (auto failed = c.finish(report)) return *failed;
  return yes(notes);
}

// Syscall User Dispatch, exclusive (Linux 5.11) or inclusive (6.17) mode, with the range
// [ptvm_features_syscall, ptvm_features_syscall_end) and the selector at BLOCK:
// - exclusive: getppid from the range runs natively, getppid from libc raises SIGSYS;
// - inclusive: getppid from libc runs natively, getppid from the range raises SIGSYS.
Outcome probe_syscall_user_dispatch(bool inclusive) {
  ProbeChild c;
  auto body = [inclusive](ProbeChild& child) -> int {
    if (!install_sigsys_handler()) return child.fail("sigaction(SIGSYS)", errno);
    // Before dispatch is on: resolves syscall()'s PLT slot (lazy binding must not run later).
    long ppid = syscall(SYS_getppid);
    auto start = reinterpret_cast<std::uintptr_t>(&ptvm_features_syscall);
    auto end = reinterpret_cast<std::uintptr_t>(ptvm_features_syscall_end);
    g_dispatch_selector = SYSCALL_DISPATCH_FILTER_BLOCK;
    int mode = inclusive ? PR_SYS_DISPATCH_INCLUSIVE_ON : PR_SYS_DISPATCH_ON;
    if (prctl(PR_SET_SYSCALL_USER_DISPATCH, mode, start, end - start,
              reinterpret_cast<std::uintptr_t>(&g_dispatch_selector)) != 0) {
      int err = errno;
      g_dispatch_selector = SYSCALL_DISPATCH_FILTER_ALLOW;
      return child.fail(inclusive
                            ? "prctl(PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_INCLUSIVE_ON)"
                            : "prctl(PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_ON)",
                        err);
    }
    long native = inclusive ? syscall(SYS_getppid) : ptvm_features_syscall(__NR_getppid);
    long trapped = inclusive ? ptvm_features_syscall(__NR_getppid) : syscall(SYS_getppid);
    g_dispatch_selector = SYSCALL_DISPATCH_FILTER_ALLOW;  // if nothing trapped
    return child.succeed(ppid, native, trapped, g_sigsys_count, g_sigsys_code, g_sigsys_nr);
  };
  if (auto failed = c.start(body)) return *failed;
  ChildReport report;
  if (auto failed = c.finish(report)) {
    if (failed->detail.find("EINVAL") != std::string::npos) {
      failed->detail += "; " + (inclusive ? needs_linux(6, 17) : needs_linux(5, 11));
    }
    return *failed;
  }
  auto [ppid, native, trapped, count, code, nr] = report.value;
  const char* inside = inclusive ? "outside" : "inside";
  if (native != ppid) {
    return no(std::string("getppid from ") + inside + " the range did not run natively (" +
              std::to_string(native) + ")");
  }
  if (count != 1 || code != kSysUserDispatch || nr != __NR_getppid || trapped != kEmulatedResult) {
    return no("expected one SIGSYS (SYS_USER_DISPATCH) for getppid, saw " + std::to_string(count) +
              " (si_code " + std::to_string(code) + ", si_syscall " + std::to_string(nr) +
              "), result " + std::to_string(trapped));
  }
  return yes(inclusive ? "only calls from the given range are dispatched"
                       : "calls from outside the allowed range raise SIGSYS");
}

Outcome probe_sud() {
  return probe_syscall_user_dispatch(false);
}
Outcome probe_sud_inclusive() {
  return probe_syscall_user_dispatch(true);
}

Outcome probe_seccomp_ret_trap() {
  Filter filter(__NR_getppid, SECCOMP_RET_TRAP | kTrapData);
  ProbeChild c;
  auto body = [&filter](ProbeChild& child) -> int {
    if (!install_sigsys_handler()) return child.fail("sigaction(SIGSYS)", errno);
    if (filter.install(child) < 0) return kChildFailed;
    long trapped = syscall(SYS_getppid);
    return child.succeed(trapped, g_sigsys_count, g_sigsys_code, g_sigsys_nr, g_sigsys_errno);
  };
  if (auto failed = c.start(body)) return *failed;
  ChildReport report;
  if (auto failed = c.finish(report)) return *failed;
  auto [trapped, count, code, nr, data, unused] = report.value;
  if (count != 1 || code != kSysSeccomp || nr != __NR_getppid || data != kTrapData ||
      trapped != kEmulatedResult) {
    return no(
        "expected one SIGSYS (SYS_SECCOMP) for getppid with SECCOMP_RET_DATA in si_errno, "
        "saw " +
        std::to_string(count) + " (si_code " + std::to_string(code) + ", si_syscall " +
        std::to_string(nr) + ", si_errno " + std::to_string(data) + "), result " +
        std::to_string(trapped));
  }
  return yes("SIGSYS with si_syscall, SECCOMP_RET_DATA in si_errno");
}

Outcome probe_seccomp_user_notif() {
  // The child installs the filter (filters apply to the caller) and passes the listener fd to
  // the parent over a socketpair; the parent plays the supervisor.
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
    return no_errno("socketpair", errno);
  }
  Fd ours(sv[0]);
  Fd theirs(sv[1]);
  Filter filter(__NR_getppid, SECCOMP_RET_USER_NOTIF);
  ProbeChild c;
  auto body = [&filter, &theirs](ProbeChild& child) -> int {
    long listener = filter.install(child, SECCOMP_FILTER_FLAG_NEW_LISTENER);
    if (listener < 0) return kChildFailed;
    char byte = 'l';
    iovec iov{&byte, 1};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int));
    int fd = static_cast<int>(listener);
    std::memcpy(CMSG_DATA(cmsg), &fd, sizeof fd);
    if (sendmsg(theirs.get(), &msg, 0) != 1) return child.fail("sendmsg(SCM_RIGHTS)", errno);
    close(fd);
    long r = syscall(SYS_getppid);  // blocks until the supervisor answers
    return child.succeed(r);
  };
  if (auto failed = c.start(body)) return *failed;
  theirs.reset();

  // Receive the listener (or EOF: the child failed before sending it).
  pollfd p{ours.get(), POLLIN, 0};
  if (poll(&p, 1, c.remaining_ms()) != 1) return no("the child did not send the listener fd");
  char byte;
  iovec iov{&byte, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  Fd listener;
  if (recvmsg(ours.get(), &msg, MSG_CMSG_CLOEXEC) == 1) {
    cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
    if (cmsg && cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SCM_RIGHTS) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(cmsg), sizeof fd);
      listener.reset(fd);
    }
  }
  if (listener.get() < 0) {
    ChildReport report;
    if (auto failed = c.finish(report)) {
      if (failed->detail.find("EINVAL") != std::string::npos) {
        failed->detail += "; " + needs_linux(5, 0, "SECCOMP_FILTER_FLAG_NEW_LISTENER");
      }
      return *failed;
    }
    return no("no listener fd received from the child");
  }

  pollfd lp{listener.get(), POLLIN, 0};
  int ready = poll(&lp, 1, c.remaining_ms());
  if (ready != 1 || !(lp.revents & POLLIN)) return no("no notification on the listener fd");
  seccomp_notif request;
  std::memset(&request, 0, sizeof request);  // must be zeroed since 5.5
  if (ioctl(listener.get(), SECCOMP_IOCTL_NOTIF_RECV, &request) != 0) {
    return no_errno("ioctl(SECCOMP_IOCTL_NOTIF_RECV)", errno);
  }
  if (request.data.nr != __NR_getppid || request.pid != static_cast<__u32>(c.pid())) {
    return no("notification for system call " + std::to_string(request.data.nr) + " of pid " +
              std::to_string(request.pid) + ", expected getppid of " + std::to_string(c.pid()));
  }
  seccomp_notif_resp response;
  std::memset(&response, 0, sizeof response);
  response.id = request.id;
  response.val = kEmulatedResult;
  if (ioctl(listener.get(), SECCOMP_IOCTL_NOTIF_SEND, &response) != 0) {
    return no_errno("ioctl(SECCOMP_IOCTL_NOTIF_SEND)", errno);
  }
  ChildReport report;
  if (auto failed = c.finish(report)) return *failed;
  if (report.value[0] != kEmulatedResult) {
    return no("getppid returned " + std::to_string(report.value[0]) +
              ", not the supervisor's answer");
  }
  return yes("getppid answered by the supervisor");
}

// The one list of probes, in KernelFeatures' declaration order: all() and probe() use it.
struct ProbeEntry {
  Probe KernelFeatures::*probe;
  Outcome (*run)();
};
constexpr ProbeEntry kProbes[] = {
    {&KernelFeatures::ptrace_seize, probe_ptrace_seize},
    {&KernelFeatures::ptrace_options, probe_ptrace_options},
    {&KernelFeatures::seccomp_ret_trace, probe_seccomp_ret_trace},
    {&KernelFeatures::seccomp_after_entry, probe_seccomp_after_entry},
    {&KernelFeatures::get_syscall_info, probe_get_syscall_info},
    {&KernelFeatures::set_syscall_info, probe_set_syscall_info},
    {&KernelFeatures::sysemu, probe_sysemu},
    {&KernelFeatures::process_vm_readv, probe_process_vm_readv},
    {&KernelFeatures::process_vm_writev, probe_process_vm_writev},
    {&KernelFeatures::proc_mem_write_readonly, probe_proc_mem_write_readonly},
    {&KernelFeatures::sud, probe_sud},
    {&KernelFeatures::sud_inclusive, probe_sud_inclusive},
    {&KernelFeatures::seccomp_ret_trap, probe_seccomp_ret_trap},
    {&KernelFeatures::seccomp_user_notif, probe_seccomp_user_notif},
};

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char esc[8];
          std::snprintf(esc, sizeof esc, "\\u%04x", c);
          out += esc;
        } else {
          out += ch;  // UTF-8 passes through
        }
    }
  }
  out += '"';
}

}  // namespace

const KernelFeatures& KernelFeatures::get() {
  static const KernelFeatures features = probe();
  return features;
}

const Probe& KernelFeatures::one(Probe KernelFeatures::*which) {
  static std::mutex mutex;
  static KernelFeatures singles;
  static bool done[std::size(kProbes)] = {};
  const std::lock_guard lock(mutex);
  for (std::size_t i = 0; i < std::size(kProbes); ++i) {
    if (kProbes[i].probe != which) continue;
    Probe& p = singles.*which;
    if (!done[i]) {
      t_probes_deadline = Clock::now() + kTotalBudget;
      Outcome outcome = kProbes[i].run();
      t_probes_deadline = Clock::time_point::max();
      p.available = outcome.ok;
      p.detail = std::move(outcome.detail);
      done[i] = true;
    }
    return p;
  }
  return get().*which;  // not a probe of the list: cannot happen (every member is one)
}

KernelFeatures KernelFeatures::probe() {
  KernelFeatures features;
  utsname uts{};
  features.kernel_release = uname(&uts) == 0 ? uts.release : "unknown";
  auto start = Clock::now();
  t_probes_deadline = start + kTotalBudget;
  for (const auto& entry : kProbes) {
    Outcome outcome = Clock::now() < t_probes_deadline
                          ? entry.run()
                          : no("not probed: the probes' total time budget (" +
                               std::to_string(kTotalBudget.count()) + " ms) was used up");
    Probe& p = features.*entry.probe;
    p.available = outcome.ok;
    p.detail = std::move(outcome.detail);
  }
  t_probes_deadline = Clock::time_point::max();
  return features;
}

std::vector<const Probe*> KernelFeatures::all() const {
  std::vector<const Probe*> probes;
  probes.reserve(std::size(kProbes));
  for (const auto& entry : kProbes) probes.push_back(&(this->*entry.probe));
  return probes;
}

std::string KernelFeatures::to_table() const {
  auto probes = all();
  std::size_t width = std::string_view("FEATURE").size();
  for (const Probe* p : probes) width = std::max(width, std::string_view(p->title).size());
  constexpr std::size_t kAnswerWidth = 7;  // "AVAIL" and two spaces
  auto row = [width](std::string& out, std::string_view title, std::string_view answer,
                     std::string_view detail) {
    out += title;
    out.append(width - title.size() + 2, ' ');
    out += answer;
    if (!detail.empty()) {
      out.append(kAnswerWidth - answer.size(), ' ');
      out += detail;
    }
    out += '\n';
  };
  std::string out = "kernel " + kernel_release + "\n\n";
  row(out, "FEATURE", "AVAIL", "DETAIL");
  for (const Probe* p : probes) row(out, p->title, p->available ? "yes" : "no", p->detail);
  return out;
}

std::string KernelFeatures::to_json() const {
  std::string out = "{\n  \"kernel\": ";
  append_json_string(out, kernel_release);
  out += ",\n  \"features\": {";
  bool first = true;
  for (const Probe* p : all()) {
    out += first ? "\n    " : ",\n    ";
    first = false;
    append_json_string(out, p->key);
    out += ": {\"available\": ";
    out += p->available ? "true" : "false";
    out += ", \"detail\": ";
    append_json_string(out, p->detail);
    out += '}';
  }
  out += "\n  }\n}\n";
  return out;
}

}  // namespace ptvm
