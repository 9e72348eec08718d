// One file per subcommand; each registers itself on the top-level CLI11 app and returns the
// callback that runs it. main.cpp only wires them together.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

namespace ptvm::cli {

using Runner = std::function<int()>;

// The arguments after `--` on ptvm's command line, set by main() before parsing.
void set_explicit_command(std::vector<std::string> command);

Runner add_features_command(CLI::App& app);
Runner add_run_command(CLI::App& app);
Runner add_trace_command(CLI::App& app);
Runner add_proot_command(CLI::App& app);
Runner add_fakeroot_command(CLI::App& app);

}  // namespace ptvm::cli
