// `ptvm proot [options] [--] [CMD ARGS...]`: the path VM with PRoot's spelling and meaning
// (-r, -b, -w, -0, -R, -S, -v, --kill-on-exit); with no command, the guest's `/bin/sh -l`.
// The same modules are reachable from `ptvm run|trace --rootfs/--bind/--cwd`, which stack them
// with the tracer and fault injection.
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "cli/vm_runner.h"

namespace ptvm::cli {

Runner add_proot_command(CLI::App& app) {
  auto* sub = app.add_subcommand(
      "proot", "run a program in another root and bindings, as PRoot does (the path VM)");
  auto options = std::make_shared<VmOptions>();
  auto rootfs_r = std::make_shared<std::string>();
  auto rootfs_s = std::make_shared<std::string>();
  auto* root_id = sub->add_flag("-0,--root-id", options->path.root_id,
                                "the program is root: the fakeroot VM below the path VM (ids 0; "
                                "chown, chmod, mknod and set*id succeed and are remembered)");
  auto ids = std::make_shared<std::string>();
  auto* change_id =
      sub->add_option("-i,--change-id", *ids,
                      "as -0, the program starting as user UID and group GID (of -0 and -i, "
                      "the last given wins, as in PRoot)")
          ->type_name("UID:GID")
          ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  sub->add_option("-R", *rootfs_r,
                  "DIR as the root, with the host's /dev, /proc, /sys, /tmp, /run, $HOME and "
                  "network and user files bound in")
      ->type_name("DIR");
  sub->add_option("-S", *rootfs_s,
                  "DIR as the root for building packages: -0, and fewer host files than -R")
      ->type_name("DIR");
  sub->add_option("-v,--verbose", options->path.verbose,
                  "what ptvm does (1: the set-up, the backends; 2: every exec)")
      ->type_name("LEVEL");
  sub->add_option("-q,--qemu", options->path.qemu,
                  "run the programs the kernel cannot (another machine's, or no ELF nor script) "
                  "with QEMU ARGS, a host program, as PRoot does; the host's root is at "
                  "/host-rootfs")
      ->type_name("'QEMU ARGS'");
  sub->add_flag("--kill-on-exit", options->kill_on_exit,
                "kill every process left when the program ends (by default ptvm waits for them)");
  add_vm_options(*sub, *options, true);
  return [sub, options, rootfs_r, rootfs_s, ids, root_id, change_id]() -> int {
    if (!take_command(*sub, *options)) return 2;
    PathOptions& p = options->path;
    if (!ids->empty()) {
      unsigned long uid, gid;
      char tail;
      if (std::sscanf(ids->c_str(), "%lu:%lu%c", &uid, &gid, &tail) != 2 || uid > 0xfffffffeul ||
          gid > 0xfffffffeul) {
        complain("invalid -i " + *ids + ": expected UID:GID (numbers)");
        return 2;
      }
      // Of -0 and -i, the last given decides (PRoot's rule): -i U:G -0 is root.
      const CLI::Option* last = nullptr;
      for (const CLI::Option* o : sub->parse_order()) {
        if (o == root_id || o == change_id) last = o;
      }
      if (last == change_id) {
        p.uid = static_cast<std::uint32_t>(uid);
        p.gid = static_cast<std::uint32_t>(gid);
      }
      p.root_id = true;
    }
    if (!rootfs_r->empty() && !rootfs_s->empty()) {
      complain("-R and -S both give the root: use one");
      return 2;
    }
    const std::string& preset = rootfs_r->empty() ? *rootfs_s : *rootfs_r;
    if (!preset.empty()) {
      if (!p.rootfs.empty()) {
        complain("-r and -R/-S both give the root: use one");
        return 2;
      }
      p.rootfs = preset;
      auto binds = recommended_bindings(!rootfs_s->empty());
      binds.insert(binds.end(), p.binds.begin(), p.binds.end());  // the user's win
      p.binds = binds;
      if (!rootfs_s->empty()) p.root_id = true;
    }
    if (p.rootfs.empty()) p.rootfs = "/";
    // PRoot's exit status: the last process's to exit (a program that leaves a child behind
    // ends with the child's; killed processes do not count), which scripts written for PRoot
    // rely on (backend/last_status.h).
    options->last_process_status = true;
    ModuleStack stack;
    std::unique_ptr<SharedModules> modules;
    if (!add_shared_modules(*options, stack, modules)) return 2;
    return run_under_vm(*options, stack);
  };
}

}  // namespace ptvm::cli
