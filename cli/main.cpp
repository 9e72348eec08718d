#include <fmt/core.h>

#include <CLI/CLI.hpp>

#include <string_view>
#include <vector>

#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"ptvm: partial virtual machines by system-call interposition"};
  app.require_subcommand(1);
  // CLI11's own flags described as every other option is: in lower case (subcommands inherit -h).
  app.set_help_flag("-h,--help", "print this help message and exit");
  app.set_version_flag("--version", "ptvm " PTVM_VERSION, "print the version and exit");
  int verbose = 0;
  app.add_flag(
      "-v,--verbose", verbose,
      "say which backend runs each process and why; -vv: every exec too (before the subcommand)");

  struct Entry {
    CLI::App* sub;
    ptvm::cli::Runner run;
  };
  std::vector<Entry> commands;
  auto add = [&](ptvm::cli::Runner (*adder)(CLI::App&)) {
    auto before = app.get_subcommands({}).size();
    auto run = adder(app);
    commands.push_back({app.get_subcommands({})[before], std::move(run)});
  };
  add(ptvm::cli::add_run_command);
  add(ptvm::cli::add_trace_command);
  add(ptvm::cli::add_proot_command);
  add(ptvm::cli::add_fakeroot_command);
  add(ptvm::cli::add_check_module_command);
  add(ptvm::cli::add_features_command);
  add(ptvm::cli::add_help_command);

  // `ptvm run [options] -- CMD ARGS...`: what follows the first `--` is the program's, never
  // ptvm's; CLI11 sees only what comes before. Without `--`, the subcommands take the command
  // from the first argument that is not an option on (CLI11's prefix_command); a `--` after it
  // is the program's argument, and take_command() puts it back.
  int ptvm_argc = argc;
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--") {
      ptvm_argc = i;
      ptvm::cli::set_explicit_command(std::vector<std::string>(argv + i + 1, argv + argc));
      break;
    }
  }
  try {
    app.parse(ptvm_argc, argv);
  } catch (const CLI::CallForVersion&) {
    fmt::print("ptvm {}\n", PTVM_VERSION);
    return 0;
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; every usage error exits 2, like other command-line tools.
    return app.exit(e) == 0 ? 0 : 2;
  }
  ptvm::cli::verbosity() = verbose;
  for (auto& c : commands) {
    if (c.sub->parsed()) return c.run();
  }
  return 2;
}
