// ptvm features: what this kernel offers, as every backend sees it (KernelFeatures::get()).
// The counterpart of UML's start-up messages ("Checking syscall emulation patch for ptrace...").
#include <fmt/core.h>

#include <memory>

#include "cli/commands.h"
#include "core/kernel_features.h"

namespace ptvm::cli {

Runner add_features_command(CLI::App& app) {
  CLI::App* sub = app.add_subcommand(
      "features", "probe the system-call interposition mechanisms this kernel offers");
  auto json = std::make_shared<bool>(false);
  sub->add_flag("--json", *json, "print the probes as JSON");
  return [json] {
    const KernelFeatures& features = KernelFeatures::get();
    fmt::print("{}", *json ? features.to_json() : features.to_table());
    return 0;
  };
}

}  // namespace ptvm::cli
