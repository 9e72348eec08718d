// `ptvm check-module PATH.so`: whether a user's VM module can run inside the in-process runtime
// (runtime/check/'s module_problems(): the rules the runtime's own linker relies on, the very
// check `--module` makes before it runs a module in-process)
// and whether ptvm loads it at all (its module ABI and layout, as `--module` checks them, and a
// trial dlopen in a child process). Exit 0: it obeys the runtime's rules and loads; 1: it loads
// (`--backend=ptrace` runs it) but breaks a rule; 2: no usable module (unreadable, not an x86-64
// ELF shared object, not a ptvm module, another ABI or layout, does not load).
#include <dlfcn.h>
#include <fcntl.h>
#include <fmt/core.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <memory>
#include <optional>

#include "cli/commands.h"
#include "cli/user_modules.h"
#include "runtime/check/elf_file.h"
#include "runtime/check/freestanding_check.h"

#define PTVM_MODULE_LOADER  // ptvm defines no ptvm_module_layout of its own
#include "ptvm/module.h"

namespace ptvm::cli {

namespace {

// A loader that hangs in a module's constructors is given this long.
constexpr unsigned kLoadSeconds = 20;

// The exported (dynamic) definition of `name`, or null.
const elf::Symbol* exported(const std::vector<elf::Symbol>& symbols, const char* name) {
  for (const elf::Symbol& s : symbols) {
    if (s.dynamic && s.defined() && s.bind != STB_LOCAL && s.name == name) return &s;
  }
  return nullptr;
}

// The bytes of `T` the exported symbol `name` holds in the file (a module's constants), if any.
template <class T>
std::optional<T> constant(const elf::ElfFile& file, const std::vector<elf::Symbol>& symbols,
                          const char* name) {
  const elf::Symbol* s = exported(symbols, name);
  if (s == nullptr || s->size < sizeof(T)) return std::nullopt;
  const std::byte* bytes = file.at(s->value, sizeof(T));
  if (bytes == nullptr) return std::nullopt;
  T value;
  std::memcpy(&value, bytes, sizeof value);
  return value;
}

// dlopen(path) in a child process, as `--module` loads it into ptvm (its imports resolved from
// the ptvm executable): what went wrong, or empty. In a child so that a module whose
// constructors crash or hang cannot take the check down.
std::string trial_load(const std::string& path) {
  const std::string file = path.find('/') == std::string::npos ? "./" + path : path;
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) return fmt::format("pipe: {}", std::strerror(errno));
  fflush(nullptr);
  const pid_t child = fork();
  if (child < 0) {
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    return fmt::format("fork: {}", std::strerror(errno));
  }
  if (child == 0) {
    close(pipe_fds[0]);
    alarm(kLoadSeconds);
    if (dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL) != nullptr) _exit(0);
    const char* error = dlerror();
    [[maybe_unused]] const ssize_t n = write(pipe_fds[1], error, std::strlen(error));
    _exit(1);
  }
  close(pipe_fds[1]);
  std::string message;
  char buffer[512];
  ssize_t n;
  while ((n = read(pipe_fds[0], buffer, sizeof buffer)) != 0) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    message.append(buffer, static_cast<std::size_t>(n));
  }
  close(pipe_fds[0]);
  int status = 0;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFSIGNALED(status)) {
    return WTERMSIG(status) == SIGALRM
               ? fmt::format("its constructors did not finish in {} seconds", kLoadSeconds)
               : fmt::format("loading it killed the process ({})", strsignal(WTERMSIG(status)));
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {};
  return message.empty() ? "dlopen failed" : message;
}

int check_module(const std::string& path) {
  auto file = elf::ElfFile::open(path);
  if (!file) {
    fmt::print(stderr, "ptvm check-module: {}\n", file.error());
    return 2;
  }
  if (file->type() != ET_DYN) {
    fmt::print(stderr,
               "ptvm check-module: {} is not a shared object (a module is linked with -shared)\n",
               path);
    return 2;
  }
  // The module ABI and layout the file holds, judged as `--module` judges what dlsym finds.
  const std::vector<elf::Symbol> symbols = file->symbols();
  const auto abi = constant<unsigned>(*file, symbols, "ptvm_module_abi");
  const auto layout = constant<ModuleLayout>(*file, symbols, "ptvm_module_layout");
  const bool create = exported(symbols, "ptvm_module_create") != nullptr;
  const std::string refused =
      module_abi_problem(path, abi && create ? &*abi : nullptr, layout ? &*layout : nullptr);
  if (!refused.empty()) {
    fmt::print(stderr, "ptvm check-module: {}\n", refused);
    return 2;
  }
  const std::string load_error = trial_load(path);
  if (!load_error.empty()) {
    fmt::print(stderr,
               "ptvm check-module: {} is a ptvm module (ABI {}) that ptvm cannot load: {}\n", path,
               *abi, load_error);
    return 2;
  }
  const std::vector<std::string> problems = elf::module_problems(*file);
  if (problems.empty()) {
    fmt::print(
        "{}: a ptvm module (ABI {}) that obeys the in-process runtime's rules: --module runs it "
        "in-process (--backend=auto or inprocess) and on ptrace\n",
        path, *abi);
    return 0;
  }
  fmt::print("{}: a ptvm module (ABI {}), not for the in-process runtime; it:\n", path, *abi);
  for (const std::string& p : problems) fmt::print("  - {}\n", p);
  fmt::print(
      "It loads into ptvm: usable with --backend=ptrace (ptvm run --module={}; --backend=auto "
      "chooses ptrace for it). A module for the runtime is built without exceptions and RTTI "
      "(-fno-exceptions -fno-rtti), allocates nothing, and calls only ptvm's API (<ptvm/module.h>) "
      "and no library: see ptvm(1), check-module\n",
      path);
  return 1;
}

}  // namespace

Runner add_check_module_command(CLI::App& app) {
  auto* sub = app.add_subcommand(
      "check-module",
      "say whether a VM module (PATH.so) obeys the in-process runtime's rules, and whether ptvm "
      "can load it at all");
  auto path = std::make_shared<std::string>();
  sub->add_option("module", *path, "the module's shared object")->type_name("PATH.so")->required();
  sub->footer(
      "Exit status: 0 the module obeys the runtime's rules and loads; 1 it loads (--backend=ptrace "
      "runs it) but breaks a rule; 2 it is not a module ptvm can load.");
  return [path] { return check_module(*path); };
}

}  // namespace ptvm::cli
