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

// `ptvm -v` (repeatable; also `ptvm proot -v LEVEL`): 1 says which backend runs the program and
// why, and every process handed from the in-process runtime to the ptrace backend.
int& verbosity();

Runner add_features_command(CLI::App& app);
Runner add_check_module_command(CLI::App& app);
Runner add_run_command(CLI::App& app);
Runner add_trace_command(CLI::App& app);
Runner add_proot_command(CLI::App& app);
Runner add_fakeroot_command(CLI::App& app);
Runner add_help_command(CLI::App& app);

}  // namespace ptvm::cli
