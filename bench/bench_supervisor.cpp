// What one intercepted call costs: native, a bare seccomp stop (the least any ptrace VM pays),
// also with tracer and tracee on one CPU (what ptvm's CPU placement arranges), a bare
// PTRACE_SYSCALL round (entry + exit stops), and ptvm's supervisor with a null module (seccomp,
// --no-seccomp, --no-colocation) and with the tracer writing to /dev/null; in-process: a bare
// Syscall User Dispatch trap (the least an in-process VM pays) and the same through the
// self_ptrace API, SUD armed without a trap (the least a call through a rewritten site pays),
// and ptvm's runtime with the null module and the tracer, and with a call no module wants
// through a rewritten site (and trapped, --no-rewrite). Every case runs N
// getppid calls (tests/tracees/getppid_loop.c; bench/sud_getppid_loop.c for the bare SUD cases);
// time per call = run time / N.
//
//   build/bench/bench_supervisor --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>

#include "backend/inprocess/launcher.h"
#include "backend/ptrace/seccomp_filter.h"
#include "backend/ptrace/supervisor.h"
#include "vms/null/null_module.h"
#include "vms/trace/trace_module.h"

namespace {

using Clock = std::chrono::steady_clock;

std::string calls_arg(benchmark::State& state) {
  return std::to_string(state.max_iterations);
}

double children_cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_CHILDREN, &usage);
  const auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// Runs the loop program for state.max_iterations calls under `run` and reports time per call,
// and the CPU time of the program (and of any other child) per call, in microseconds:
// `child_cpu_us`. For native and in-process cases that is the whole cost, and it holds up on a
// busy machine where the wall time does not (a ptrace case's tracer is this process: not in it).
template <class Run>
void per_call(benchmark::State& state, Run run) {
  const double cpu0 = children_cpu_seconds();
  const auto t0 = Clock::now();
  run(calls_arg(state));
  const double calls = static_cast<double>(state.max_iterations);
  const double per = std::chrono::duration<double>(Clock::now() - t0).count() / calls;
  const double cpu = (children_cpu_seconds() - cpu0) / calls * 1e6;
  for (auto _ : state) state.SetIterationTime(per);
  state.counters["child_cpu_us"] = cpu;
}

void native(benchmark::State& state) {
  per_call(state, [](const std::string& n) {
    const pid_t pid = fork();
    if (pid == 0) {
      execl(PTVM_GETPPID_LOOP, PTVM_GETPPID_LOOP, n.c_str(), nullptr);
      _exit(127);
    }
    waitpid(pid, nullptr, 0);
  });
}

// The least a ptrace VM can do per call: waitpid + PTRACE_CONT from a seccomp stop. `one_cpu`:
// tracer and tracee pinned to the CPU the tracer runs on.
void bare_tracer(benchmark::State& state, bool seccomp, bool one_cpu = false) {
  per_call(state, [seccomp, one_cpu](const std::string& n) {
    ptvm::SyscallSet set;
    set.add(SYS_getppid);
    auto filter = ptvm::SeccompFilter::compile(set);
    int go[2];
    if (pipe(go) < 0) return;
    const pid_t pid = fork();
    if (pid == 0) {
      char c;
      if (read(go[0], &c, 1) != 1) _exit(127);
      if (seccomp) filter->install();
      execl(PTVM_GETPPID_LOOP, PTVM_GETPPID_LOOP, n.c_str(), nullptr);
      _exit(127);
    }
    cpu_set_t own, one;
    sched_getaffinity(0, sizeof own, &own);
    if (one_cpu) {
      CPU_ZERO(&one);
      CPU_SET(sched_getcpu(), &one);
      sched_setaffinity(0, sizeof one, &one);
      sched_setaffinity(pid, sizeof one, &one);
    }
    // TRACEEXEC: without a filter, the exec event is the first stop, from which PTRACE_SYSCALL
    // starts stopping at every call.
    ptrace(PTRACE_SEIZE, pid, nullptr,
           reinterpret_cast<void*>(PTRACE_O_TRACESECCOMP | PTRACE_O_EXITKILL |
                                   PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEEXEC));
    (void)!write(go[1], "g", 1);
    const int request = seccomp ? PTRACE_CONT : PTRACE_SYSCALL;
    for (;;) {
      int status;
      if (waitpid(pid, &status, __WALL) < 0 || WIFEXITED(status) || WIFSIGNALED(status)) break;
      const int sig = WSTOPSIG(status);
      const bool inject = (status >> 16) == 0 && sig != (SIGTRAP | 0x80) && sig != SIGTRAP;
      ptrace(static_cast<__ptrace_request>(request), pid, nullptr,
             reinterpret_cast<void*>(static_cast<long>(inject ? sig : 0)));
    }
    close(go[0]);
    close(go[1]);
    sched_setaffinity(0, sizeof own, &own);
  });
}

void bare_seccomp_stop(benchmark::State& state) {
  bare_tracer(state, true);
}
void bare_seccomp_stop_one_cpu(benchmark::State& state) {
  bare_tracer(state, true, true);
}
void bare_ptrace_syscall(benchmark::State& state) {
  bare_tracer(state, false);
}

void supervisor(benchmark::State& state, ptvm::Module& module, bool seccomp, bool colocate = true,
                bool trampoline = true, bool syscall_info = true) {
  ptvm::ModuleStack stack;
  stack.push_bottom(&module);
  ptvm::PtraceOptions options;
  options.seccomp = seccomp;
  options.colocate = colocate;
  options.trampoline = trampoline;
  options.syscall_info = syscall_info;
  std::unique_ptr<ptvm::Supervisor> sup;
  per_call(state, [&](const std::string& n) {
    sup = std::make_unique<ptvm::Supervisor>(stack, options);
    (void)sup->run({PTVM_GETPPID_LOOP, n});
  });
  const auto s = sup->stats();
  state.counters["tracer_sc/call"] =
      static_cast<double>(s.tracer_syscalls) / static_cast<double>(state.max_iterations);
}

ptvm::SyscallSet getppid_only() {
  ptvm::SyscallSet set;
  set.add(SYS_getppid);
  return set;
}

void ptvm_null_module(benchmark::State& state) {
  ptvm::NullModule null(getppid_only());
  supervisor(state, null, true);
}

void ptvm_null_module_getregs(benchmark::State& state) {  // --no-syscall-info
  ptvm::NullModule null(getppid_only());
  supervisor(state, null, true, true, true, false);
}

void ptvm_null_module_no_colocation(benchmark::State& state) {
  ptvm::NullModule null(getppid_only());
  supervisor(state, null, true, false);
}

void ptvm_null_module_noseccomp(benchmark::State& state) {
  ptvm::NullModule null(getppid_only());
  supervisor(state, null, false);
}

struct DevNull final : ptvm::Host {
  void emit(const char*, std::size_t) override {}
  std::uint64_t realtime_ns() override { return 0; }
  std::uint64_t monotonic_ns() override { return 0; }
};

void trace_module(benchmark::State& state, bool trampoline) {
  DevNull host;
  ptvm::TraceOptions options;
  options.calls = getppid_only();
  ptvm::TraceModule trace(host, options);
  supervisor(state, trace, true, true, trampoline);
}

void ptvm_trace_module(benchmark::State& state) {
  trace_module(state, true);
}

void ptvm_trace_module_no_trampoline(benchmark::State& state) {
  trace_module(state, false);
}

void run_program(const char* mode, const std::string& n) {
  const pid_t pid = fork();
  if (pid == 0) {
    execl(PTVM_SUD_LOOP, PTVM_SUD_LOOP, mode, n.c_str(), nullptr);
    _exit(127);
  }
  waitpid(pid, nullptr, 0);
}

// Syscall User Dispatch on with every address allowed: what each call pays for SUD being armed,
// the floor of a call through a rewritten site.
void sud_armed_no_trap(benchmark::State& state) {
  per_call(state, [](const std::string& n) { run_program("armed", n); });
}

// The same call executed in line and out of line (a jump to another page and back), no SUD.
void syscall_inline(benchmark::State& state) {
  per_call(state, [](const std::string& n) { run_program("inline", n); });
}

void syscall_out_of_line(benchmark::State& state) {
  per_call(state, [](const std::string& n) { run_program("outofline", n); });
}

void bare_sud_trap(benchmark::State& state) {
  per_call(state, [](const std::string& n) { run_program("bare", n); });
}

void self_api_trap(benchmark::State& state) {
  per_call(state, [](const std::string& n) { run_program("self", n); });
}

void inprocess(benchmark::State& state, ptvm::Module& module, int output_fd, bool rewrite = true) {
  ptvm::ModuleStack stack;
  stack.push_bottom(&module);
  ptvm::InprocessOptions options;
  options.runtime = PTVM_RUNTIME_EXE;
  options.output_fd = output_fd;
  options.rewrite = rewrite;
  per_call(state, [&](const std::string& n) {
    (void)ptvm::run_inprocess(stack, options, PTVM_GETPPID_LOOP, {PTVM_GETPPID_LOOP, n});
  });
}

// A wanted call: through its rewritten site's stub into the modules (no signal), and trapped.
void ptvm_inprocess_null_module(benchmark::State& state) {
  ptvm::NullModule null(getppid_only());
  inprocess(state, null, -1);
}

void ptvm_inprocess_null_module_trapped(benchmark::State& state) {  // --no-rewrite
  ptvm::NullModule null(getppid_only());
  inprocess(state, null, -1, false);
}

// A call no module wants (the null module wants openat): its site is rewritten after two traps
// and the loop's calls go through the stub; without rewriting each one traps.
ptvm::SyscallSet openat_only() {
  ptvm::SyscallSet set;
  set.add(SYS_openat);
  return set;
}

void ptvm_inprocess_unwanted_rewritten(benchmark::State& state) {
  ptvm::NullModule null(openat_only());
  inprocess(state, null, -1);
}

void ptvm_inprocess_unwanted_trapped(benchmark::State& state) {  // --no-rewrite
  ptvm::NullModule null(openat_only());
  inprocess(state, null, -1, false);
}

void ptvm_inprocess_trace_module(benchmark::State& state) {
  DevNull host;  // ptvm's own lines (none here); the runtime writes to /dev/null
  ptvm::TraceOptions options;
  options.calls = getppid_only();
  ptvm::TraceModule trace(host, options);
  const int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
  inprocess(state, trace, fd);
  close(fd);
}

}  // namespace

BENCHMARK(native)->UseManualTime()->Iterations(200000)->Unit(benchmark::kMicrosecond);
BENCHMARK(bare_seccomp_stop)->UseManualTime()->Iterations(50000)->Unit(benchmark::kMicrosecond);
BENCHMARK(bare_seccomp_stop_one_cpu)
    ->UseManualTime()
    ->Iterations(50000)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(ptvm_null_module)->UseManualTime()->Iterations(50000)->Unit(benchmark::kMicrosecond);
BENCHMARK(ptvm_null_module_getregs)
    ->UseManualTime()
    ->Iterations(50000)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(ptvm_null_module_no_colocation)
    ->UseManualTime()
    ->Iterations(50000)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(ptvm_trace_module)->UseManualTime()->Iterations(50000)->Unit(benchmark::kMicrosecond);
BENCHMARK(ptvm_trace_module_no_trampoline)
    ->UseManualTime()
    ->Iterations(50000)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(syscall_inline)->UseManualTime()->Iterations(200000)->Unit(benchmark::kMicrosecond);
BENCHMARK(syscall_out_of_line)->UseManualTime()->Iterations(200000)->Unit(benchmark::kMicrosecond);
BENCHMARK(sud_armed_no_trap)->UseManualTime()->Iterations(200000)->Unit(benchmark::kMicrosecond);
BENCHMARK(bare_sud_trap)->UseManualTime()->Iterations(200000)->Unit(benchmark::kMicrosecond);
BENCHMARK(self_api_trap)->UseManualTime()->Iterations(200000)->Unit(benchmark::kMicrosecond);
BENCHMARK(ptvm_inprocess_null_module)
    ->UseManualTime()
    ->Iterations(200000)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(ptvm_inprocess_null_module_trapped)
    ->UseManualTime()
    ->Iterations(200000)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(ptvm_inprocess_trace_module)
    ->UseManualTime()
    ->Iterations(200000)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(ptvm_inprocess_unwanted_rewritten)
    ->UseManualTime()
    ->Iterations(1000000)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(ptvm_inprocess_unwanted_trapped)
    ->UseManualTime()
    ->Iterations(200000)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(bare_ptrace_syscall)->UseManualTime()->Iterations(50000)->Unit(benchmark::kMicrosecond);
BENCHMARK(ptvm_null_module_noseccomp)
    ->UseManualTime()
    ->Iterations(50000)
    ->Unit(benchmark::kMicrosecond);

BENCHMARK_MAIN();
