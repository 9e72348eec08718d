// `ptvm fakeroot [-s FILE] [-i FILE] [-u] [--] [CMD ARGS...]`: the fakeroot VM with fakeroot's
// spelling and meaning; with no command, $SHELL (or /bin/sh). The state crosses runs in
// fakeroot's own save-file format, so files move between the two tools both ways.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "cli/commands.h"
#include "cli/fakeroot_vm.h"
#include "cli/vm_runner.h"
#include "vms/fakeroot/fake_db.h"
#include "vms/fakeroot/fakeroot_module.h"

namespace ptvm::cli {

Runner add_fakeroot_command(CLI::App& app) {
  auto* sub = app.add_subcommand(
      "fakeroot",
      "run a program as a fake root: chown, chmod, mknod and set*id remembered, as fakeroot "
      "does, for static programs too (the fakeroot VM)");
  auto options = std::make_shared<VmOptions>();
  auto save = std::make_shared<std::string>();
  auto load = std::make_shared<std::string>();
  auto unknown_is_real = std::make_shared<bool>(false);
  sub->add_option("-s,--save-file", *save, "save the state to FILE when the run ends")
      ->type_name("FILE");
  sub->add_option("-i,--load-file", *load, "load the state from FILE (fakeroot's format)")
      ->type_name("FILE");
  sub->add_flag("-u,--unknown-is-real", *unknown_is_real,
                "files the program did not change keep their real owner (not 0:0)");
  add_vm_options(*sub, *options);
  return [sub, options, save, load, unknown_is_real]() -> int {
    if (!take_command(*sub, *options)) return 2;
    if (options->command.empty()) {
      const char* shell = std::getenv("SHELL");
      options->command = {shell && *shell ? shell : "/bin/sh"};
    }
    FakerootTable shared;
    if (!make_fakeroot_table(shared)) return 1;
    if (!load->empty() && !load_fakeroot_state(*load, *shared.db)) return 1;
    if (!save->empty()) {  // a save that cannot be written is known before the run
      const int probe = open(save->c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
      if (probe < 0) {
        complain(fmt::format("cannot save the state to {}: {}", *save, std::strerror(errno)));
        return 1;
      }
      close(probe);
    }
    ModuleStack stack;
    std::unique_ptr<SharedModules> modules;
    if (!add_shared_modules(*options, stack, modules)) return 2;
    // On the heap: its thread table is megabytes (fakeroot_module.h).
    auto module = std::make_unique<fakeroot::FakerootModule>(*shared.db, *unknown_is_real);
    module->set_shared(shared.fd, shared.bytes);
    options->fakeroot_vm = module.get();  // at the bottom, below the path VM of --rootfs/--bind
    bool saved = true;
    const int code = run_under_vm(*options, stack, [&]() {
      if (!save->empty()) saved = save_fakeroot_state(*save, *shared.db);
    });
    return saved || code != 0 ? code : 1;
  };
}

}  // namespace ptvm::cli
