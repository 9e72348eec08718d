// ptvm help [TOPIC]: the manual page of a subcommand (trace, proot, fakeroot) or of the C API
// (self, ptrace-multi), ptvm(1) otherwise; shown with man(1) from beside the binary (the build
// tree's man/, rendered from man/*.scd) or from the installed mandir; without man or the page,
// the subcommand's --help.
#include <fmt/core.h>
#include <limits.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "cli/commands.h"

// The installed mandir relative to the installed bindir (man/CMakeLists.txt).
#ifndef PTVM_MANDIR_FROM_BINDIR
#define PTVM_MANDIR_FROM_BINDIR "../share/man"
#endif

namespace ptvm::cli {
namespace {

// The page of `topic` ("" for ptvm(1)) beside ptvm: <dir>/man/ (build tree) or
// <dir>/<mandir from bindir>/manN/ (installed); empty if there is none.
std::string find_page(const std::string& topic) {
  std::string page = "ptvm.1";
  if (topic == "trace" || topic == "proot" || topic == "fakeroot") page = "ptvm-" + topic + ".1";
  if (topic == "self" || topic == "ptrace-multi") page = "ptvm-" + topic + ".3";
  char exe[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) return "";
  const std::filesystem::path dir = std::filesystem::path(std::string(exe, n)).parent_path();
  for (const auto& candidate :
       {dir / "man" / page,
        dir / PTVM_MANDIR_FROM_BINDIR / ("man" + page.substr(page.size() - 1)) / page}) {
    if (std::filesystem::exists(candidate)) return candidate.lexically_normal();
  }
  return "";
}

}  // namespace

Runner add_help_command(CLI::App& app) {
  CLI::App* sub = app.add_subcommand(
      "help",
      "show the manual page of a subcommand (trace, proot, fakeroot) or of the C API "
      "(self, ptrace-multi)");
  auto topic = std::make_shared<std::string>();
  sub->add_option("TOPIC", *topic,
                  "run, trace, proot, fakeroot, check-module, features, self, ptrace-multi");
  return [&app, topic]() -> int {
    const std::string& t = *topic;
    CLI::App* command = nullptr;
    if (!t.empty() && t != "self" && t != "ptrace-multi") {
      try {
        command = app.get_subcommand(t);
      } catch (const CLI::OptionNotFound&) {
        fmt::print(stderr, "ptvm help: no subcommand or page '{}' (try: ptvm help)\n", t);
        return 2;
      }
    }
    const std::string page = find_page(t);
    // man pages itself only on a terminal; on a pipe it prints the text.
    if (!page.empty()) execlp("man", "man", "-l", page.c_str(), static_cast<char*>(nullptr));
    // No man (or no page): the command line's own help. (app.help() would show the help of the
    // subcommand parsed, `help` itself; a subcommand's help() alone names it without "ptvm".)
    fmt::print("{}", command ? command->help(app.get_name())
                             : app.get_formatter()->make_help(&app, app.get_name(),
                                                              CLI::AppFormatMode::Normal));
    if (page.empty()) fmt::print("(the manual pages are not installed beside this ptvm)\n");
    return 0;
  };
}

}  // namespace ptvm::cli
