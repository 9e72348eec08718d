// The ptvm side of the in-process backend: writes the module stack's configuration for the
// runtime (runtime/main), starts the program through ptvm's loader (runtime/loader), and waits for
// the whole process tree (ptvm is its subreaper), like the ptrace Supervisor does for its tracees.
#pragma once

#include <linux/filter.h>
#include <sys/types.h>

#include <string>
#include <vector>

#include "core/error.h"
#include "core/module_stack.h"
#include "runtime/rewrite/stats.h"

namespace ptvm {

// A module ptvm loaded from a shared object (ptvm run --module=PATH.so[:ARGS], cli/
// user_modules.cpp) that obeys the runtime's rules (`ptvm check-module`): the runtime maps the
// same file itself, from ptvm's descriptor, and creates its module with the same ARGS.
class ModuleFile {
 public:
  virtual int module_fd() const = 0;                   // open in ptvm, -1: none
  virtual const std::string& module_path() const = 0;  // for messages
  virtual const std::string& module_args() const = 0;

 protected:
  ~ModuleFile() = default;
};

// Whether `program` can host the runtime: an x86-64 ELF that ptvm may read (or a script whose
// interpreter is one), without setuid/setgid. `why` says why not. With a path VM in `stack`,
// `program` and its interpreters are the guest's names.
bool can_host_runtime(ModuleStack& stack, const std::string& program, std::string* why,
                      bool tracers_to_ptrace = false);

// The runtime executable (ptvm-rt) next to the ptvm executable or in ../lib/ptvm from it, else
// next to libptvm or where it is installed relative to libptvm (a user's program that links
// it); empty if missing.
std::string runtime_object();

// Whether the runtime carries every module of `stack`: the built-in VMs (their code is compiled
// into ptvm-rt) and users' modules that are a ModuleFile with a descriptor. `why` names the first
// one it does not.
bool runtime_carries(ModuleStack& stack, std::string* why);

struct InprocessOptions {
  std::string runtime;  // runtime_object()
  int output_fd = -1;   // where the runtime writes trace lines (the tracer's output), or -1
  // --backend=auto: programs that cannot host the runtime are handed to the ptrace supervisor
  // (Supervisor::run_hybrid), which reads their requests from the pipe and installs no filter
  // itself: the runtime installs `filter` on the thread it hands over.
  bool hybrid = false;
  std::vector<sock_filter> filter;
  bool tracers_to_ptrace = false;  // hybrid: tracers (they import ptrace) go to the supervisor
  // runtime/rewrite: sites of calls no module wants are patched to make them without a trap.
  bool rewrite = true;
  unsigned rewrite_after = 16;       // traps of a site before it is patched
  bool stats = false;                // --stats: what the rewriting did, on stderr at the end
  bool kill_on_exit = false;         // --kill-on-exit: the rest of the tree dies with the program
  bool last_process_status = false;  // run_inprocess() returns the last process's status
  int verbose = 0;                   // -v: the runtime's messages (RuntimeConfig::verbose)
};

// The program running in-process, and what ptvm keeps for it until the end.
struct InprocessRun {
  pid_t child = -1;
  int adopt_read_fd = -1;  // hybrid: the read end of the adoption pipe (non-blocking)
  std::vector<int> fds;    // configuration, counters, the pipe: closed by finish()
  const rewrite::Stats* stats = nullptr;  // --stats: the processes' shared counts
  void finish();  // prints the statistics (--stats) and closes the descriptors
};

// Starts `program` (resolved path) with `argv` under `stack` in-process: writes the
// configuration, makes ptvm the subreaper of the tree, forks, and executes the runtime for it
// (runtime/loader's hand-off).
Result<InprocessRun> start_inprocess(ModuleStack& stack, const InprocessOptions& options,
                                     const std::string& program,
                                     const std::vector<std::string>& argv);

// start_inprocess, then waits until every process of the tree is gone. Returns the program's
// wait status; modules get on_process_exit for processes killed by a signal (the runtime
// reports normal exits itself) and on_finish.
Result<int> run_inprocess(ModuleStack& stack, const InprocessOptions& options,
                          const std::string& program, const std::vector<std::string>& argv);

}  // namespace ptvm
