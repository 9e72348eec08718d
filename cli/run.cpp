// `ptvm run [options] -- CMD ARGS...`: the VM runner; its modules come from its options.
// With none, nothing is intercepted and the program runs natively, at no cost.
#include <memory>

#include "cli/commands.h"
#include "cli/vm_runner.h"

namespace ptvm::cli {

Runner add_run_command(CLI::App& app) {
  auto* sub = app.add_subcommand("run", "run a program under a stack of VM modules");
  auto options = std::make_shared<VmOptions>();
  auto exprs = std::make_shared<std::vector<std::string>>();
  sub->add_option("-e", *exprs,
                  "inject=SET:error=ERRNO|retval=N[:signal=SIG][:delay_enter=US]"
                  "[:delay_exit=US][:when=FIRST[..LAST][+STEP]] (strace's syntax)")
      ->type_name("inject=...")
      ->allow_extra_args(false);
  sub->add_option("--inject", options->injects, "same as -e inject=")->allow_extra_args(false);
  add_vm_options(*sub, *options);
  return [sub, options, exprs]() -> int {
    if (!take_command(*sub, *options)) return 2;
    for (const auto& e : *exprs) {
      if (!e.starts_with("inject=")) {
        complain("run takes -e inject=... only (tracing is `ptvm trace`): -e " + e);
        return 2;
      }
      options->injects.push_back(e.substr(7));
    }
    ModuleStack stack;
    std::unique_ptr<SharedModules> modules;
    if (!add_shared_modules(*options, stack, modules)) return 2;
    return run_under_vm(*options, stack);
  };
}

}  // namespace ptvm::cli
