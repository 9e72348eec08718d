// What `ptvm run` and `ptvm trace` share: the backend options, -e inject=, the command after
// `--`, and running the program under a module stack, exiting like it did.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

#include "backend/ptrace/supervisor.h"
#include "core/module_stack.h"
#include "vms/inject/inject_module.h"
#include "vms/redirect/redirect_module.h"

namespace ptvm::cli {

struct VmOptions {
  bool no_seccomp = false;
  bool naive = false;
  std::string mem = "auto";
  std::vector<std::string> injects;  // -e inject=... (also from `ptvm trace -e`)
  std::vector<std::string> redirects;  // --redirect FROM=TO
  std::vector<std::string> command;
  bool stats = false;  // --stats: supervisor counters on stderr at the end
};

// Adds the shared options to a subcommand (the command comes after the options or `--`).
void add_vm_options(CLI::App& sub, VmOptions& options);

// Parses the -e inject= rules into `inject`; prints the error and returns false if invalid.
bool build_inject(const VmOptions& options, InjectModule& inject);
// Parses the --redirect FROM=TO rules into `redirect`; prints the error and returns false.
bool build_redirect(const VmOptions& options, RedirectModule& redirect);

// Runs the command under `stack`. Returns the exit code ptvm must exit with: the program's,
// or 128+N when it was killed by signal N (after trying to die of the same signal, like a
// shell's child would); 127/126 when it could not be started.
// `before_exit` runs when the program is gone, before ptvm dies of its signal.
int run_under_vm(const VmOptions& options, ModuleStack& stack,
                 const std::function<void()>& before_exit = {});

// Prints "ptvm: <message>" to stderr.
void complain(const std::string& message);

}  // namespace ptvm::cli
