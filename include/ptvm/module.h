/* ptvm's VM-module API, for a module of your own: the same types the built-in VMs (vms/) use.
 *
 * A module declares the calls it wants (interest()), and at each one's entry decides through
 * the SyscallCall: pass, see the exit, emulate, rewrite arguments (core/module.h documents the
 * contract). Build it as a shared object that defines the two symbols below and run it with
 *
 *   ptvm run --module=PATH.so[:ARGS] [--] CMD ARGS...     (also ptvm trace, proot, fakeroot)
 *
 * ARGS (what follows the first ':' after the last '/'; nothing when the whole of PATH.so[:ARGS]
 * names a file) is handed to ptvm_module_create(). The module object must outlive the run (a
 * static object is the usual way). It resolves ptvm's own functions (Memory, SyscallCall) from
 * the ptvm executable that loads it: do not link libptvm into it.
 *
 * Hooks must not throw (on_entry, on_exit, interest, name... every virtual function of Module):
 * a backend stops the program in the middle of a call and cannot unwind through that. ptvm
 * catches what a hook throws all the same, names the module, kills the program and exits with
 * 1. ptvm_module_create() may throw: ptvm then refuses the module (a usage error, status 2), as
 * when it returns null.
 *
 * This header also defines, in the module, ptvm_module_layout: the sizes of the types that ptvm
 * and the module share as the module was compiled. ptvm refuses a module whose ABI number or
 * layout is not its own (built against another ptvm's headers): rebuild it.
 *
 * Both backends run a module: the ptrace backend the one ptvm loads; the in-process runtime a
 * copy in every program it runs, which it maps and links itself (it has no dynamic loader)
 * when the shared object obeys its rules: no heap, no exceptions, no RTTI, no locks, no libc
 * or libstdc++ (build it with -fno-exceptions -fno-rtti), imports only from what the runtime
 * exports (runtime/check/module_exports.h: this API's out-of-line functions, the host-call
 * stub, memcpy & co.). `ptvm check-module PATH.so` says whether it does, naming each symbol
 * that is not; `--backend=auto` runs one that does not on ptrace (-v says why),
 * `--backend=inprocess` refuses it. Host calls through ptvm::raw_syscall (core/raw_syscall.h),
 * which this header routes through ptvm's stub: include it before ptvm's other headers.
 *
 * A module can also be compiled into a supervisor program of your own, which links libptvm and
 * runs a program under its module stack with ptvm::run (<ptvm/run.h>, examples/nonet).
 *
 * Installed with ptvm: include <ptvm/module.h> with <prefix>/include and <prefix>/include/ptvm on
 * the include path (find_package(ptvm) gives ptvm::module; pkg-config --cflags ptvm-module). */
#pragma once

// A module's host calls (raw_syscall) go through ptvm's stub, never a syscall instruction of the
// module's own: in the in-process runtime only the stub is inside Syscall User Dispatch's allowed
// range, and a call from anywhere else traps into the runtime's handler again.
#if !defined(PTVM_MODULE_LOADER) && !defined(PTVM_RAW_SYSCALL_STUB)
#define PTVM_RAW_SYSCALL_STUB
#endif

#include "core/cstr.h"
#include "core/module.h"
#include "core/raw_syscall.h"

namespace ptvm {
// Changes when the Module or SyscallCall layout changes: ptvm refuses a module built for
// another. 2: ptvm_module_layout.
inline constexpr unsigned kModuleAbi = 2;

// What a module was compiled with, checked by ptvm at load, field by field: a layout that
// changed without a new kModuleAbi is caught too.
struct ModuleLayout {
  unsigned abi;                 // kModuleAbi
  unsigned syscall_call_bytes;  // sizeof(SyscallCall)
  unsigned interest_bytes;      // sizeof(Interest)
  unsigned max_modules;         // SyscallCall::kMaxModules
};
inline constexpr ModuleLayout kModuleLayout = {kModuleAbi, sizeof(SyscallCall), sizeof(Interest),
                                               SyscallCall::kMaxModules};
}  // namespace ptvm

// The two symbols ptvm looks for, declared for the module to define:
//   extern "C" const unsigned ptvm_module_abi = ptvm::kModuleAbi;
//   extern "C" ptvm::Module* ptvm_module_create(const char* args);  // null: refused
#define PTVM_MODULE_EXPORT extern "C" __attribute__((visibility("default")))
PTVM_MODULE_EXPORT const unsigned ptvm_module_abi;
PTVM_MODULE_EXPORT ptvm::Module* ptvm_module_create(const char* args);

// The third, defined here for the module (weak: once, whichever of its files include this).
// PTVM_MODULE_LOADER: ptvm itself, which is no module.
#ifndef PTVM_MODULE_LOADER
PTVM_MODULE_EXPORT __attribute__((weak)) const ptvm::ModuleLayout ptvm_module_layout =
    ptvm::kModuleLayout;
#endif
