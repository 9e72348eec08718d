// One file per subcommand; each registers itself on the top-level CLI11 app and returns the
// callback that runs it. main.cpp only wires them together.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>

namespace ptvm::cli {

using Runner = std::function<int()>;

Runner add_features_command(CLI::App& app);
Runner add_run_command(CLI::App& app);
Runner add_trace_command(CLI::App& app);

}  // namespace ptvm::cli
