// execve inside the guest: which file runs, with which arguments.
//
// The kernel would read the program from the guest (its path is translated), but take its `#!`
// interpreter and its ELF interpreter (PT_INTERP, the dynamic loader) by their names on the
// host: a guest whose libc differs from the host's would start with the host's loader and
// crash. So the path VM does the kernel's reading itself, from the guest:
//   - `#!INTERP [ARG]` (up to 4 levels, as the kernel): argv becomes INTERP [ARG] PATH ARGS...,
//     and INTERP is looked at in its turn;
//   - an ELF with PT_INTERP: the guest's loader is executed with the program as its argument
//     (`LOADER --argv0 ARGV0 /guest/path ARGS...`, as `ld.so` runs a program itself; without
//     --argv0 where the loader does not know the option): the kernel's /proc/N/exe then names
//     the loader, so the program's guest path is kept for readlink (PendingExec);
//   - a static ELF, or anything else: executed directly from its host path (the kernel's
//     ENOEXEC then lets the C library fall back to /bin/sh, the guest's);
//   - with -q, what the kernel cannot run is run by QEMU, and the environment is QEMU's and
//     the host programs' (qemu.h).
// The checks the kernel would make on the program are made first (exec permission, not a
// directory), since the loader does not make them. Setuid and file capabilities do not apply
// when the loader runs the program (PRoot has the same limit).
#pragma once

#include <linux/limits.h>

#include "core/module.h"
#include "vms/path/qemu.h"
#include "vms/path/resolve.h"

namespace ptvm::path {

// The program an execve in flight will make the process run (committed when it succeeds).
struct PendingExec {
  bool active;
  char host_loader[PATH_MAX];  // empty: executed directly, the kernel's /proc/N/exe is right
  char guest[PATH_MAX];        // the program's canonical guest path
};

struct ExecRequest {
  bool at = false;                   // execveat
  const QemuConfig* qemu = nullptr;  // -q: foreign programs run by QEMU (qemu.h)
};

// Rewrites `call` (execve or execveat) as above. Returns 0 when the call may go on (rewritten or
// left to the kernel to fail), or the errno to fail it with.
int plan_exec(SyscallCall& call, const Walk& walk, const ExecRequest& request,
              PendingExec& pending);

}  // namespace ptvm::path
