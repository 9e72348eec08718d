#include <fmt/core.h>

#include <CLI/CLI.hpp>

#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"ptvm: partial virtual machines by system-call interposition"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "ptvm 0.1.0");

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
  add(ptvm::cli::add_features_command);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  for (auto& c : commands) {
    if (c.sub->parsed()) return c.run();
  }
  return 2;
}
