// The ptvm side of the in-process backend: writes the module stack's configuration for the
// runtime (runtime/preload), starts the program with the runtime preloaded, and waits for the
// whole process tree (ptvm is its subreaper), like the ptrace Supervisor does for its tracees.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "core/error.h"
#include "core/module_stack.h"

namespace ptvm {

// Whether `program` can host the runtime: a dynamically linked ELF (or a script whose
// interpreter is one) without setuid/setgid. `why` says why not.
bool can_host_runtime(const std::string& program, std::string* why);

// The runtime object next to the ptvm executable; empty if missing.
std::string runtime_object();

struct InprocessOptions {
  std::string runtime;  // runtime_object()
  int output_fd = -1;   // where the runtime writes trace lines (the tracer's output), or -1
};

// Runs `program` (resolved path) with `argv` under `stack` in-process. Returns the program's
// wait status once every process of the tree is gone; modules get on_process_exit for
// processes killed by a signal (the runtime reports normal exits itself) and on_finish.
Result<int> run_inprocess(ModuleStack& stack, const InprocessOptions& options,
                          const std::string& program, const std::vector<std::string>& argv);

}  // namespace ptvm
