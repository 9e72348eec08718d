/* Running a program under a module stack from a supervisor program of your own: the code that
 * ptvm run, trace, proot and fakeroot run a program with, in libptvm.
 *
 *   MyModule module;                       // a ptvm::Module (<ptvm/module.h>)
 *   ptvm::ModuleStack stack;
 *   stack.push_bottom(&module);            // index 0 is the top (core/module_stack.h)
 *   auto status = ptvm::run(stack, {"uname", "-n"});
 *   if (!status) fprintf(stderr, "%s\n", status.error().message.c_str());
 *
 * Your modules run on the ptrace backend, in your process: the in-process runtime carries ptvm's
 * built-in VMs and users' modules that ptvm itself loads from a shared object (ptvm run
 * --module=PATH.so, mapped again by the runtime), not a module compiled into your program:
 * Backend::automatic chooses ptrace, Backend::inprocess is refused. The program
 * and everything it starts are traced until the last of them is gone; they die with your
 * program (PTRACE_O_EXITKILL). run() waits for them (ptvm's own children: call it from one
 * thread at a time), and ignores SIGINT, SIGQUIT, SIGTSTP, SIGTTIN, SIGTTOU and SIGPIPE while the
 * program runs (the keyboard's signals are the program's, as under a shell); it restores them.
 *
 * Installed with ptvm: find_package(ptvm) gives ptvm::ptvm (libptvm and the include path
 * <prefix>/include and <prefix>/include/ptvm); pkg-config --cflags --libs ptvm the same. */
#pragma once

#include <expected>
#include <functional>
#include <string>
#include <vector>

#include "core/memory.h"
#include "core/module_stack.h"

namespace ptvm {

// The ptrace backend's options: ptvm's --no-seccomp, --naive, --mem and so on.
struct PtraceOptions {
  bool seccomp = true;  // false: --no-seccomp
  bool naive = false;   // --naive
  MemMode mem = MemMode::automatic;
  bool colocate = true;      // false: --no-colocation (cpu_placement.h)
  bool trampoline = true;    // false: --no-trampoline (an exit stop for every exit asked for)
  bool syscall_info = true;  // false: --no-syscall-info (PTRACE_GETREGS at every entry)
  // The file run() executes, as given (not searched on ptvm's PATH): a path VM's guest path,
  // which the modules translate at the execve. Empty: argv[0], searched on PATH.
  std::string program;
  bool kill_on_exit = false;  // --kill-on-exit: the rest of the tree dies with the program
  // The run's status is the last process's to end, not the program's (PRoot's rule, `ptvm
  // proot`): a program that leaves a child behind ends with the child's status. Every backend.
  bool last_process_status = false;
  // The guest's own ptrace emulated (backend/ptrace/guest_ptrace.h), as PRoot does: a program
  // may trace another of the run (strace, gdb). `ptvm proot` and the path VM; needs the filter.
  bool guest_ptrace = false;
  int verbose = 0;  // ptvm -v: 1 says when a process comes from the in-process runtime (pid,
                    // program, why); 2 every program a process runs on this backend
};

enum class Backend {
  automatic,  // in-process where the program can host the runtime and the runtime carries
              // every module of the stack, else ptrace
  inprocess,  // Syscall User Dispatch in the program (ptvm-rt, found beside ptvm or libptvm)
  ptrace,
};

struct RunOptions {
  Backend backend = Backend::automatic;
  // Why the caller chose Backend::ptrace, said with `verbose` ("backend ptrace for every
  // process: <reason>"); empty: asked for.
  std::string ptrace_reason;
  // 1: say on stderr which backend runs the program and why, and every process handed from the
  // in-process runtime to ptrace (pid, program, reason); 2: every program each process runs too.
  int verbose = 0;
  bool stats = false;  // counters on stderr at the end (ptvm --stats)
  PtraceOptions ptrace;
  // The in-process backend: site rewriting (false: ptvm --no-rewrite); the descriptor the
  // runtime writes trace lines to (-1: none); called before the program starts in-process (from
  // then on other processes write to that descriptor too).
  bool rewrite = true;
  unsigned rewrite_after = 16;  // traps of a site before it is rewritten
  bool no_sud = false;          // as on a kernel without Syscall User Dispatch (ptvm --no-sud)
  int output_fd = -1;
  std::function<void()> unbuffer_output;
};

// Why a program could not be run.
struct RunFailure {
  std::string message;  // "cannot run 'nothere': ENOENT (No such file or directory)"
  int status;           // what ptvm exits with: 127 not found, 126 cannot run, 2 bad options
};

// Runs `argv` (argv[0] searched on PATH unless options.ptrace.program is set) under `stack`
// until every process it started is gone, and returns the program's wait status (WIFEXITED,
// WEXITSTATUS...; the last process's with options.ptrace.last_process_status). With an empty
// stack the program runs natively, untraced. Modules get on_finish at the end.
std::expected<int, RunFailure> run(ModuleStack& stack, const std::vector<std::string>& argv,
                                   const RunOptions& options = {});

}  // namespace ptvm
