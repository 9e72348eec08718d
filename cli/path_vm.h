// The path VM on the command line: `ptvm proot`'s options and `ptvm run|trace|fakeroot --rootfs/
// --bind/--cwd`, turned into the path module (and -0's fakeroot VM), ptvm's working directory set
// to the guest's, and the program looked up on the guest's PATH. run_under_vm() puts the modules
// at the bottom of the stack.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "cli/fakeroot_vm.h"
#include "vms/fakeroot/fakeroot_module.h"
#include "vms/path/path_module.h"

namespace ptvm::cli {

struct VmOptions;

struct PathOptions {
  std::string rootfs;              // -r: empty, no path VM (unless bindings)
  std::vector<std::string> binds;  // -b HOST[:GUEST]
  std::string cwd;                 // -w: guest directory
  bool root_id = false;            // -0, or -i: the fakeroot VM
  std::uint32_t uid = 0, gid = 0;  // the ids the program starts with (0 for -0)
  int verbose = 0;                 // -v LEVEL
  std::string qemu;                // -q 'QEMU ARGS': foreign programs run by QEMU

  bool active() const { return !rootfs.empty() || !binds.empty() || !cwd.empty() || !qemu.empty(); }
};

struct PathVm {
  PathModule path;
  FakerootTable table;  // -0, -i: the fakeroot VM below the path VM (it sees host paths)
  std::unique_ptr<fakeroot::FakerootModule> fakeroot;
  std::string glue;  // the empty directory that stands for missing parents of bindings
  ~PathVm();
};

// Checks the options (a missing rootfs or binding host side, a relative guest path...: message,
// false), makes the modules in `storage` (run_under_vm() stacks them), enters the guest's cwd and
// resolves the program (options.command; with none, the guest's `/bin/sh -l`) on the guest's PATH
// into options.guest_program. `exit_code` is what ptvm must exit with on false.
bool setup_path_vm(const PathOptions& path, VmOptions& options, std::unique_ptr<PathVm>& storage,
                   int* exit_code);

// The -R and -S bindings (PRoot's lists) that exist on this host.
std::vector<std::string> recommended_bindings(bool fewer);

}  // namespace ptvm::cli
