// What `ptvm run` and `ptvm trace` share: the backend options, -e inject=, the command after
// `--`, and running the program under a module stack, exiting like it did.
#pragma once

#include <sys/types.h>
#include <CLI/CLI.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "backend/ptrace/supervisor.h"
#include "cli/path_vm.h"
#include "core/module_stack.h"
#include "vms/inject/inject_module.h"
#include "vms/kompat/kompat_module.h"
#include "vms/null/null_module.h"
#include "vms/redirect/redirect_module.h"

namespace ptvm::cli {

struct VmOptions {
  std::string backend = "auto";  // auto|inprocess|ptrace
  bool no_seccomp = false;
  bool naive = false;
  bool no_colocation = false;    // the tracer does not share a CPU with a tracee
  bool no_trampoline = false;    // exit stops instead of the return trampoline
  bool no_syscall_info = false;  // PTRACE_GETREGS at every entry, as before Linux 5.3
  std::string mem = "auto";
  std::vector<std::string> injects;    // -e inject=... (also from `ptvm trace -e`)
  std::vector<std::string> redirects;  // --redirect FROM=TO
  std::string intercept;               // --intercept=SET: a module that passes every call
  std::vector<std::string> modules;    // --module=PATH.so[:ARGS]: a user's modules
  std::vector<std::string> command;
  pid_t attach_pid = 0;         // ptvm trace -p: a running process instead of a command
  bool stats = false;           // --stats: supervisor counters on stderr at the end
  bool no_rewrite = false;      // --no-rewrite: in-process, every call traps
  bool no_sud = false;          // --no-sud: as on a kernel without Syscall User Dispatch
  unsigned rewrite_after = 16;  // --rewrite-after: traps of a site before it is rewritten
  PathOptions path;             // --rootfs, --bind, --cwd (and ptvm proot's options)
  std::string kernel_release;   // --kernel-release, proot -k: the kernel-identity VM
  bool kill_on_exit = false;    // ptvm proot --kill-on-exit
  // Not an option: ptvm proot exits with the last process's status, as PRoot does.
  bool last_process_status = false;
  std::string guest_program;  // not an option: the path VM's program, a guest path
  int output_fd = -1;         // not an option: the tracer's output, for the in-process runtime
  std::function<void()> unbuffer_output;  // called when other processes write to it too
  // Not an option: `ptvm fakeroot`'s VM; run_under_vm() puts it below the path VM.
  Module* fakeroot_vm = nullptr;
};

// Adds the shared options to a subcommand (the command comes after the options or `--`).
// `proot_spelling`: the path VM's options also as PRoot spells them (-r, -b/-m, -w/--pwd).
void add_vm_options(CLI::App& sub, VmOptions& options, bool proot_spelling = false);

// Adds the modules every VM command shares, below `stack`'s: inject, null (--intercept),
// redirect. Prints the error and returns false on invalid options. `storage` keeps them alive.
struct SharedModules {
  InjectModule inject;
  std::optional<NullModule> null;
  RedirectModule redirect;
  std::vector<Module*> user;  // --module: loaded from shared objects, never freed
};
bool add_shared_modules(const VmOptions& options, ModuleStack& stack,
                        std::unique_ptr<SharedModules>& storage);

// After parsing: the program and its arguments (what follows the options, or `--`). False, and
// a message, when what CLI11 took for the program is an option it does not know (`ptvm run
// --bogus true`): a program whose name starts with '-' comes after `--`.
bool take_command(CLI::App& sub, VmOptions& options);

// Adds `module` below the others; false, and a message, when the stack is full (ModuleStack::
// kMaxModules: the tracer, every --module, -e inject=, --intercept, --redirect and the VMs count).
bool push_module(ModuleStack& stack, Module* module);

// Runs the command under `stack`, with the command's own VMs at its bottom: the path VM (from
// options.path) above the fakeroot VM (options.fakeroot_vm, or proot -0's), so that the fakeroot
// VM sees host paths, for every command alike. Returns the exit code ptvm must exit with: the
// program's, or 128+N when it was killed by signal N (after trying to die of the same signal,
// like a shell's child would); 127/126 when it could not be started.
// `before_exit` runs when the program is gone, before ptvm dies of its signal.
int run_under_vm(const VmOptions& options, ModuleStack& stack,
                 const std::function<void()>& before_exit = {});

// Prints "ptvm: <message>" to stderr.
void complain(const std::string& message);

}  // namespace ptvm::cli
