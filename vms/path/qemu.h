// `ptvm proot -q QEMU`: programs the kernel cannot run (an ELF of another machine, or a file
// that is neither an x86-64 ELF nor a `#!` script) are run by QEMU, a host program, as PRoot
// runs them:
//
//   QEMU [QEMU's ARGS] [-U LD_LIBRARY_PATH] [-E LD_x=v]... -0 ARGV0 /guest/program ARGS...
//
// The guest's dynamic-loader variables (LD_LIBRARY_PATH, LD_PRELOAD, ... PRoot's list) are for
// the guest's program, not for QEMU: they leave QEMU's environment and reach the program as
// `-E NAME=VALUE` (in PRoot's order: the environment's, last first), and `-U LD_LIBRARY_PATH`
// when the guest has none. The host's root is bound at /host-rootfs, and host programs in the
// guest (x86-64 ELFs: "mixed mode") run with the host's dynamic loader, taken from there, and
// an LD_LIBRARY_PATH of the host's library directories seen through /host-rootfs (the guest's
// own libraries are another machine's); when such a program starts a foreign one with that
// LD_LIBRARY_PATH unchanged, the foreign one gets the value ptvm started with, if there was
// one (PRoot's rule). `PROOT_FORCE_FOREIGN_BINARY` in ptvm's environment (PRoot's testing
// switch) makes every ELF foreign.
#pragma once

#include <linux/limits.h>

#include <cstddef>
#include <cstdint>

#include "core/module.h"

namespace ptvm::path {

struct QemuConfig {
  bool active = false;
  bool force_foreign = false;  // PROOT_FORCE_FOREIGN_BINARY
  static constexpr std::size_t kMaxArgs = 32;
  const char* args[kMaxArgs] = {};  // args[0]: QEMU's host path (absolute)
  std::size_t count = 0;
  char pool[2 * PATH_MAX] = {};
  // "LD_LIBRARY_PATH=/host-rootfs/...": what host programs get.
  char host_library_path[2 * PATH_MAX] = {};
  // "LD_LIBRARY_PATH=..." as ptvm was started with it (empty: it was unset).
  char guest_library_path[2 * PATH_MAX] = {};

  // Set-up (outside interception): QEMU's host path and arguments; false if they do not fit.
  bool set(const char* const* argv, std::size_t n);
  // The host library directories (through /host-rootfs), after PRoot: ptvm's LD_LIBRARY_PATH
  // (or "/" when unset) then the usual x86-64 directories, each prefixed with /host-rootfs.
  bool set_library_paths(const char* initial /* nullable */);
};

// The guest path the host's root is bound at.
inline constexpr char kHostRootfs[] = "/host-rootfs";

// Whether the first `n` bytes of a file (`head`) are a program the kernel runs natively here:
// an x86-64 ELF (never, with force_foreign).
bool native_image(const QemuConfig& qemu, const unsigned char* head, long n);

// An argument of a new argv or envp: a string ptvm writes, or one the program already has.
struct EnvArg {
  const char* local;     // nullptr: `remote`
  std::uint64_t remote;  // a tracee address
};

// The environment of an execve under -q, rewritten: `env` the new envp (without its NULL),
// `front` the options that go to QEMU before `-0` (for a foreign program).
struct QemuEnv {
  static constexpr std::size_t kMaxEnv = 2048;
  static constexpr std::size_t kMaxFront = 2 + 2 * 24;
  EnvArg env[kMaxEnv + 1];
  std::size_t env_count = 0;
  EnvArg front[kMaxFront];
  std::size_t front_count = 0;
};

// Reads the guest's envp (`envp`, a tracee address) and plans the new one for a `foreign`
// program (its LD_ variables moved to QEMU's options) or a host one (LD_LIBRARY_PATH set to the
// host's). Returns 0 or an errno (EFAULT: an unreadable envp; E2BIG: too many variables).
int plan_qemu_env(SyscallCall& call, const QemuConfig& qemu, std::uint64_t envp, bool foreign,
                  QemuEnv& out);

}  // namespace ptvm::path
