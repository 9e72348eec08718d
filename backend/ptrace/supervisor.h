// The ptrace backend (PTRACE_VM on ptrace + seccomp): runs a program under a ModuleStack.
//
// The program and everything it starts are PTRACE_SEIZEd (EXITKILL: tracees never outlive ptvm)
// and carry a seccomp filter compiled from the stack's interest: a call no module wants never
// stops. A wanted call stops once (the seccomp stop); the decision of the modules maps to
//   pass               PTRACE_CONT                           (SKIPEXIT)
//   pass + see exit    PTRACE_SYSCALL, then the exit stop
//   emulate(result)    orig_rax = -1, rax = result, PTRACE_CONT  (SKIPCALL)
//   rewrite(args)      new registers, PTRACE_SYSCALL; the caller's registers are restored at
//                      the exit stop, before a restarted call could re-enter with them.
//   pass + see result  PTRACE_CONT, returning through the thread's block of a trampoline that
//                      ptvm maps into each process; the result is read at the thread's next
//                      stop (one stop per call: no exit stop; see "Return trampoline" in
//                      supervisor.cpp). --no-trampoline: an exit stop.
// --no-seccomp: PTRACE_SYSCALL everywhere (two stops per call), same module semantics.
// --naive: the world before the seed patches: PTRACE_SYSCALL, word-wise PTRACE_PEEKDATA, and
//   registers fetched one PTRACE_PEEKUSER at a time for every access.
//
// Signals are re-injected exactly; group stops use PTRACE_LISTEN so the real parent sees them;
// when the program ptvm started stops (Ctrl-Z), ptvm stops itself so the shell sees the job
// stop, and continues it on SIGCONT. exec from any thread, vanished threads and tracees dying
// anywhere are normal events. The tracer shares its CPU with the tracee that stops most
// (cpu_placement.h), invisibly to the program.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/module_stack.h"
#include "mem/remote_memory.h"
#include "ptvm/run.h"

namespace ptvm {

// PtraceOptions: <ptvm/run.h>, where ptvm::run() takes them.

// Counters of what the supervisor did, for the benchmarks (tracer system calls per call).
struct SupervisorStats {
  std::uint64_t stops = 0;               // ptrace stops handled (and deaths reported)
  std::uint64_t exit_stops = 0;          // syscall-exit stops
  std::uint64_t signal_stops = 0;        // signal-delivery stops
  std::uint64_t event_stops = 0;         // fork/clone/exec/exit events, group stops
  std::uint64_t syscall_entries = 0;     // calls that reached the module stack
  std::uint64_t tracer_syscalls = 0;     // system calls ptvm issued for tracees (incl. memory)
  std::uint64_t pins = 0;                // tracees pinned to the tracer's CPU (cpu_placement.h)
  std::uint64_t cpu_moves = 0;           // the tracer's moves to another CPU (tries and returns)
  std::uint64_t trampoline_returns = 0;  // calls whose result came back without an exit stop
  std::uint64_t trampolines = 0;         // trampolines mapped into processes
};

class Supervisor {
 public:
  Supervisor(ModuleStack& stack, const PtraceOptions& options);
  ~Supervisor();

  // Starts `argv` (argv[0] searched on PATH) under the VM and runs until every tracee is gone.
  // Returns the wait status of the program it started. Errors: the program could not be
  // started (ENOENT, EACCES...), or ptrace/seccomp refused.
  Result<int> run(const std::vector<std::string>& argv);

  // `ptvm trace -p PID`: attaches to every thread of the running process `pid` (and follows
  // what it starts). No seccomp filter can be put into a running process: every call stops
  // (options.seccomp must be false). SIGINT, SIGTERM, SIGHUP or SIGQUIT to ptvm detach from
  // every tracee, which goes on running. Returns the process's wait status if it ended while
  // attached, 0 after a detach. No EXITKILL: the process outlives ptvm.
  Result<int> attach(pid_t pid);

  // --backend=auto: `child` was started by ptvm in-process (not traced). Processes of its tree
  // that cannot host the runtime ask to be adopted: they write their tid to the pipe whose read
  // end is `adopt_fd` (non-blocking) and send ptvm SIGURG; they are seized and supervised like
  // any tracee from then on. Runs until ptvm has no child left (it is their subreaper) and
  // returns the wait status of `child`. Exits of processes that were never traced reach the
  // modules only when a signal killed them (the runtime reports the others itself).
  Result<int> run_hybrid(pid_t child, int adopt_fd);

  SupervisorStats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Resolves `name` like execvp does (PATH search when it has no slash). ENOENT, EACCES.
Result<std::string> resolve_program(const std::string& name);

}  // namespace ptvm
