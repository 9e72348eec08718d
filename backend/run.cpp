// ptvm::run (<ptvm/run.h>): which backend runs a program under a module stack, and running it
// there. ptvm's commands (cli/vm_runner.cpp) and users' supervisor programs (libptvm) call it
// alike.
#include <fcntl.h>
#include <fmt/core.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "backend/inprocess/launcher.h"
#include "backend/ptrace/seccomp_filter.h"
#include "backend/ptrace/supervisor.h"
#include "core/kernel_features.h"
#include "ptvm/run.h"

namespace ptvm {

namespace {

// "cannot run 'CMD': ENOENT (...)", 127 for a program not found, else 126 (`status`, when given).
std::unexpected<RunFailure> failure(const std::string& command, Error e, int status = 0) {
  if (status == 0) status = e == Error::guest(ENOENT) ? 127 : 126;
  return std::unexpected(
      RunFailure{fmt::format("cannot run '{}': {}", command, e.describe()), status});
}

// An option of the ptrace backend differs from its default.
bool tuned(const PtraceOptions& p) {
  return !p.seccomp || p.naive || !p.colocate || !p.trampoline || !p.syscall_info ||
         p.mem != MemMode::automatic;
}

// No module: the program runs natively, a child of ours. Its execv error comes back through a
// pipe that a successful exec closes: a program the kernel refuses (ENOEXEC, EACCES, a missing
// interpreter) is reported as under the modules, not as a silent 127.
std::expected<int, RunFailure> run_natively(const std::vector<std::string>& command) {
  auto program = resolve_program(command[0]);
  if (!program) return failure(command[0], program.error());
  std::vector<char*> argv;
  for (const auto& a : command) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  int exec_error[2];
  if (pipe2(exec_error, O_CLOEXEC) < 0) return failure(command[0], Error::guest(errno));
  fflush(nullptr);
  const pid_t child = fork();
  if (child == 0) {
    execv(program->c_str(), argv.data());
    const int error = errno;
    [[maybe_unused]] const ssize_t n = write(exec_error[1], &error, sizeof error);
    _exit(127);
  }
  const int fork_error = errno;
  close(exec_error[1]);
  if (child < 0) {
    close(exec_error[0]);
    return failure(command[0], Error::guest(fork_error));
  }
  int error = 0;
  ssize_t n;
  while ((n = read(exec_error[0], &error, sizeof error)) < 0 && errno == EINTR) {
  }
  close(exec_error[0]);
  int status;
  if (n == sizeof error) {
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    return failure(command[0], Error::guest(error));
  }
  // Like a shell: the keyboard signals are for the program.
  struct sigaction ignore {
  }, saved_int, saved_quit;
  ignore.sa_handler = SIG_IGN;
  sigaction(SIGINT, &ignore, &saved_int);
  sigaction(SIGQUIT, &ignore, &saved_quit);
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  sigaction(SIGINT, &saved_int, nullptr);
  sigaction(SIGQUIT, &saved_quit, nullptr);
  return status;
}

}  // namespace

std::expected<int, RunFailure> run(ModuleStack& stack, const std::vector<std::string>& command,
                                   const RunOptions& options) {
  if (command.empty()) return std::unexpected(RunFailure{"no command given", 2});
  const bool say = options.verbose > 0;
  const bool ptrace_options = tuned(options.ptrace);
  if (options.backend == Backend::inprocess && ptrace_options) {
    return std::unexpected(RunFailure{
        "--no-seccomp, --naive, --no-colocation, --no-trampoline, --no-syscall-info and --mem "
        "belong to --backend=ptrace",
        2});
  }
  std::string why;  // why not in-process
  if (!stack.empty() && options.backend != Backend::ptrace && !ptrace_options) {
    // In-process where the program can host the runtime and the runtime carries the modules.
    std::string runtime = runtime_object();
    // A path VM's program is the guest's (options.ptrace.program): the launcher walks it.
    auto program = options.ptrace.program.empty() ? resolve_program(command[0])
                                                  : Result<std::string>(options.ptrace.program);
    if (!program) return failure(command[0], program.error());
    if (options.no_sud) {
      why = "--no-sud: as on a kernel without Syscall User Dispatch";
    } else if (const Probe& sud = KernelFeatures::one(&KernelFeatures::sud); !sud.available) {
      why = "the kernel has no Syscall User Dispatch (" + sud.detail + ")";
    } else if (runtime.empty()) {
      why = "the runtime ptvm-rt is not next to the ptvm executable";
    } else if (runtime_carries(stack, &why)) {
      can_host_runtime(stack, *program, &why,
                       options.backend == Backend::automatic && options.ptrace.guest_ptrace);
    }
    if (why.empty()) {
      if (say) {
        const bool automatic = options.backend == Backend::automatic;
        fmt::print(stderr, "ptvm: backend inprocess for {}{}{}\n", *program,
                   automatic ? " (and what it starts; a program the runtime cannot host, setuid, "
                               "not x86-64 or unreadable"
                             : "",
                   !automatic                    ? ""
                   : options.ptrace.guest_ptrace ? ", or a tracer, goes to ptrace)"
                                                 : ", goes to ptrace)");
      }
      if (options.unbuffer_output) options.unbuffer_output();
      InprocessOptions io;
      io.runtime = runtime;
      io.output_fd = options.output_fd;
      io.rewrite = options.rewrite;
      io.rewrite_after = options.rewrite_after;
      io.stats = options.stats;
      io.kill_on_exit = options.ptrace.kill_on_exit;
      io.last_process_status = options.ptrace.last_process_status;
      io.verbose = options.verbose;
      Result<int> result = 0;
      if (options.backend == Backend::automatic) {
        // Both backends in one run: the supervisor takes whatever cannot host the runtime.
        auto filter = SeccompFilter::compile(stack.interest(), stack.refuses_foreign_abi());
        if (!filter) {
          return std::unexpected(RunFailure{
              fmt::format("cannot build the seccomp filter: {}", filter.error().describe()), 126});
        }
        io.hybrid = true;
        io.tracers_to_ptrace = options.ptrace.guest_ptrace;
        io.filter = filter->program();
        auto started = start_inprocess(stack, io, *program, command);
        if (started) {
          PtraceOptions hybrid;
          hybrid.verbose = options.verbose;
          hybrid.kill_on_exit = options.ptrace.kill_on_exit;
          hybrid.last_process_status = options.ptrace.last_process_status;
          hybrid.guest_ptrace = options.ptrace.guest_ptrace;
          Supervisor supervisor(stack, hybrid);
          result = supervisor.run_hybrid(started->child, started->adopt_read_fd);
          started->finish();
        } else {
          result = std::unexpected(started.error());
        }
      } else {
        result = run_inprocess(stack, io, *program, command);
      }
      // The program was found: whatever failed now (a missing ELF interpreter too) is 126.
      if (!result) return failure(command[0], result.error(), 126);
      return *result;
    }
    if (options.backend == Backend::inprocess) {
      return std::unexpected(
          RunFailure{fmt::format("--backend=inprocess cannot run '{}': {}", command[0], why), 126});
    }
  }
  if (stack.empty()) {
    if (say) {
      fmt::print(stderr, "ptvm: no module intercepts a call: {} runs natively\n", command[0]);
    }
    return run_natively(command);
  }
  if (say) {
    if (options.backend == Backend::ptrace) {
      if (options.ptrace_reason.empty()) {
        fmt::print(stderr, "ptvm: backend ptrace for {}: --backend=ptrace\n", command[0]);
      } else {
        fmt::print(stderr, "ptvm: backend ptrace for every process: {}\n", options.ptrace_reason);
      }
    } else {
      fmt::print(stderr, "ptvm: backend ptrace for {}: {}\n", command[0],
                 ptrace_options ? "an option of the ptrace backend was given" : why);
    }
  }
  PtraceOptions popts = options.ptrace;
  popts.verbose = options.verbose;
  Supervisor supervisor(stack, popts);
  auto result = supervisor.run(command);
  if (options.stats) {
    const auto s = supervisor.stats();
    fmt::print(stderr,
               "ptvm: {} stops ({} exit, {} signal, {} event), {} intercepted calls, {} tracer "
               "system calls ({:.2f} per intercepted call), {} pins to ptvm's CPU, {} moves "
               "of ptvm to another CPU, {} results through {} trampolines\n",
               s.stops, s.exit_stops, s.signal_stops, s.event_stops, s.syscall_entries,
               s.tracer_syscalls,
               s.syscall_entries ? double(s.tracer_syscalls) / double(s.syscall_entries) : 0.0,
               s.pins, s.cpu_moves, s.trampoline_returns, s.trampolines);
  }
  if (!result) return failure(command[0], result.error());
  return *result;
}

}  // namespace ptvm
