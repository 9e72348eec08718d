/* ptvm's VM-module API, for a module of your own: the same types the built-in VMs (vms/) use.
 *
 * A module declares the calls it wants (interest()), and at each one's entry decides through
 * the SyscallCall: pass, see the exit, emulate, rewrite arguments (core/module.h documents the
 * contract). Build it as a shared object that exports the two symbols below and run it with
 *
 *   ptvm run --module=PATH.so[:ARGS] [--] CMD ARGS...     (also ptvm trace, proot, fakeroot)
 *
 * ARGS (what follows the first ':') is handed to ptvm_module_create(). The module object must
 * outlive the run (a static object is the usual way). It resolves ptvm's own functions (Memory,
 * SyscallCall) from the ptvm executable that loads it: do not link libptvm into it.
 *
 * User modules run on the ptrace backend for now (the in-process runtime does not load shared
 * objects yet): `--backend=auto` chooses ptrace, `--backend=inprocess` is refused. A module
 * meant for the in-process runtime later should follow its rules already: no heap, no
 * exceptions, no locks, no libc on the interception path; raw system calls (core/raw_syscall.h)
 * and core/cstr.h instead.
 *
 * Installed with ptvm: include <ptvm/module.h> with <prefix>/include and <prefix>/include/ptvm on
 * the include path (find_package(ptvm) gives ptvm::module; pkg-config --cflags ptvm-module). */
#pragma once

#include "core/cstr.h"
#include "core/module.h"
#include "core/raw_syscall.h"

namespace ptvm {
// Changes when the Module or SyscallCall layout changes: ptvm refuses a module built for
// another.
inline constexpr unsigned kModuleAbi = 1;
}  // namespace ptvm

// The two symbols ptvm looks for, declared for the module to define:
//   extern "C" const unsigned ptvm_module_abi = ptvm::kModuleAbi;
//   extern "C" ptvm::Module* ptvm_module_create(const char* args);  // null: refused
#define PTVM_MODULE_EXPORT extern "C" __attribute__((visibility("default")))
PTVM_MODULE_EXPORT const unsigned ptvm_module_abi;
PTVM_MODULE_EXPORT ptvm::Module* ptvm_module_create(const char* args);
