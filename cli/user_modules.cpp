#include "cli/user_modules.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <fmt/core.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <exception>
#include <utility>

#include "backend/inprocess/launcher.h"
#include "runtime/check/freestanding_check.h"
#include "runtime/main/config.h"
#include "runtime/self/self_runtime.h"

#define PTVM_MODULE_LOADER  // ptvm loads modules: it defines no ptvm_module_layout of its own
#include "ptvm/module.h"

// A module's host calls, raw_syscall(), go to ptvm_self_raw_call (<ptvm/module.h>): in ptvm, for
// the ptrace backend, runtime/self's, exported with the executable's symbols (the reference keeps
// it in the link).
[[gnu::used]] extern const auto ptvm_module_host_call = &ptvm_self_raw_call;

namespace ptvm::cli {

namespace {

// A user's module as ptvm stacks it: every hook forwarded inside a catch. Hooks must not throw
// (<ptvm/module.h>): an exception cannot unwind through a backend that has a program stopped in
// the middle of a call. One that does all the same ends the run with the module's name instead
// of std::terminate: ptvm exits, and every tracee dies with it (PTRACE_O_EXITKILL). In-process
// the runtime runs its own copy of the module, which can throw nothing (check-module refuses a
// module that imports __cxa_throw).
class UserModule final : public Module, public ModuleFile {
 public:
  UserModule(Module& inner, std::string path, std::string args, int fd, std::string refusal)
      : inner_(inner),
        path_(std::move(path)),
        args_(std::move(args)),
        fd_(fd),
        refusal_(std::move(refusal)) {
    name_ = guard("name", [this] { return inner_.name(); });
    if (name_ == nullptr) name_ = path_.c_str();
  }
  // The in-process runtime maps the file itself when it obeys the rules (-1: it does not).
  int module_fd() const override { return refusal_.empty() ? fd_ : -1; }
  const std::string& module_path() const override { return path_; }
  const std::string& module_args() const override { return args_; }
  const std::string& refusal() const { return refusal_; }
  const char* name() const override { return name_; }
  Interest interest() const override {
    return guard("interest", [this] { return inner_.interest(); });
  }
  bool refuses_foreign_abi() const override {
    return guard("refuses_foreign_abi", [this] { return inner_.refuses_foreign_abi(); });
  }
  std::size_t thread_storage_size() const override {
    return guard("thread_storage_size", [this] { return inner_.thread_storage_size(); });
  }
  void on_entry(SyscallCall& call) override {
    guard("on_entry", [&] { inner_.on_entry(call); });
  }
  void on_exit(SyscallCall& call) override {
    guard("on_exit", [&] { inner_.on_exit(call); });
  }
  void on_signal(pid_t tid, const siginfo_t& info) override {
    guard("on_signal", [&] { inner_.on_signal(tid, info); });
  }
  void on_process_exit(pid_t tid, int wait_status) override {
    guard("on_process_exit", [&] { inner_.on_process_exit(tid, wait_status); });
  }
  void on_finish() override {
    guard("on_finish", [this] { inner_.on_finish(); });
  }

 private:
  template <class F>
  auto guard(const char* hook, F&& hook_call) const -> decltype(hook_call()) {
    try {
      return hook_call();
    } catch (const std::exception& e) {
      fail(hook, e.what());
    } catch (...) {
      fail(hook, "an exception not derived from std::exception");
    }
  }
  [[noreturn]] void fail(const char* hook, const char* what) const {
    fflush(nullptr);
    fmt::print(stderr,
               "ptvm: module '{}' ({}) threw from {}: {}; a hook must not throw "
               "(<ptvm/module.h>): the program is killed\n",
               name_ ? name_ : path_.c_str(), path_, hook, what);
    fflush(stderr);
    _exit(1);  // without unwinding through the supervisor; EXITKILL kills every tracee
  }

  Module& inner_;
  std::string path_;
  std::string args_;
  int fd_;               // the file, open for the runtime (/proc/<ptvm>/fd/<fd_>)
  std::string refusal_;  // why the runtime cannot run it; empty: it can
  const char* name_ = nullptr;
};

// Why the in-process runtime cannot run the module at `path` (open at `fd`): the rules `ptvm
// check-module` checks, one sentence; empty when it obeys them.
std::string runtime_refusal(const std::string& path, int fd, const std::string& args) {
  if (fd < 0) return fmt::format("the module {} cannot be opened for the runtime", path);
  auto file = elf::ElfFile::open(fmt::format("/proc/self/fd/{}", fd));
  if (!file) return fmt::format("the module {}: {}", path, file.error());
  const std::vector<std::string> problems = elf::module_problems(*file);
  if (!problems.empty()) {
    return fmt::format(
        "the module {} does not obey the in-process runtime's rules (ptvm check-module {}): it {}",
        path, path, fmt::join(problems, "; it "));
  }
  if (args.size() >= RuntimeConfig::kMaxModuleArgs) {
    return fmt::format("the module {} has ARGS longer than the runtime takes ({} bytes)", path,
                       RuntimeConfig::kMaxModuleArgs - 1);
  }
  return {};
}

bool is_file(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && !S_ISDIR(st.st_mode);
}

// PATH.so[:ARGS] -> {path, args}. A path may contain ':' itself (a directory "a:b", a file
// "m:1.so"): the whole of `spec` when it names a file, else the shortest prefix up to a ':'
// after the last '/' that names one, else the first ':' after the last '/' separates the
// arguments (and loading that path says what is wrong with it).
std::pair<std::string, std::string> split_spec(const std::string& spec) {
  if (is_file(spec)) return {spec, ""};
  const std::size_t slash = spec.rfind('/');
  const std::size_t first = spec.find(':', slash == std::string::npos ? 0 : slash);
  for (std::size_t colon = first; colon != std::string::npos; colon = spec.find(':', colon + 1)) {
    if (is_file(spec.substr(0, colon))) return {spec.substr(0, colon), spec.substr(colon + 1)};
  }
  if (first == std::string::npos) return {spec, ""};
  return {spec.substr(0, first), spec.substr(first + 1)};
}

}  // namespace

std::string module_abi_problem(const std::string& path, const unsigned* abi,
                               const ModuleLayout* layout) {
  if (abi == nullptr) {
    return fmt::format(
        "{} is not a ptvm module (it must define ptvm_module_abi and ptvm_module_create, see "
        "<ptvm/module.h>)",
        path);
  }
  if (*abi != kModuleAbi) {
    return fmt::format("{} was built for module ABI {}, this ptvm has {}: rebuild it", path, *abi,
                       kModuleAbi);
  }
  const ModuleLayout& ours = kModuleLayout;
  if (layout == nullptr) {
    return fmt::format(
        "{} has no ptvm_module_layout: rebuild it against this ptvm's <ptvm/module.h>", path);
  }
  if (layout->abi != ours.abi || layout->syscall_call_bytes != ours.syscall_call_bytes ||
      layout->interest_bytes != ours.interest_bytes || layout->max_modules != ours.max_modules) {
    return fmt::format(
        "{} was built against another layout of ptvm's types (SyscallCall {} bytes, Interest {}, "
        "{} modules; this ptvm: {}, {}, {}): rebuild it against this ptvm's <ptvm/module.h>",
        path, layout->syscall_call_bytes, layout->interest_bytes, layout->max_modules,
        ours.syscall_call_bytes, ours.interest_bytes, ours.max_modules);
  }
  return {};
}

Module* load_user_module(const std::string& spec, std::string* error) {
  const auto [path, args] = split_spec(spec);
  if (path.empty()) {
    *error = "--module needs PATH.so[:ARGS]";
    return nullptr;
  }
  // A name without a slash would be searched on the library path: a module is a file.
  const std::string file = path.find('/') == std::string::npos ? "./" + path : path;
  void* handle = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    *error = fmt::format("cannot load {}: {}", path, dlerror());
    return nullptr;
  }
  const auto* abi = static_cast<const unsigned*>(dlsym(handle, "ptvm_module_abi"));
  auto* create = reinterpret_cast<Module* (*)(const char*)>(dlsym(handle, "ptvm_module_create"));
  // The types' sizes as the module saw them (<ptvm/module.h> defines the symbol in it).
  const auto* layout = static_cast<const ModuleLayout*>(dlsym(handle, "ptvm_module_layout"));
  *error = module_abi_problem(path, create != nullptr ? abi : nullptr, layout);
  if (!error->empty()) {
    dlclose(handle);
    return nullptr;
  }
  Module* module = nullptr;
  try {
    module = create(args.c_str());
  } catch (const std::exception& e) {
    *error = fmt::format("{}: ptvm_module_create('{}') threw: {}", path, args, e.what());
  } catch (...) {
    *error = fmt::format("{}: ptvm_module_create('{}') threw an exception", path, args);
  }
  if (module == nullptr) {
    if (error->empty()) *error = fmt::format("{} refused its arguments '{}'", path, args);
    dlclose(handle);
    return nullptr;
  }
  // The object, its wrapper, the handle and the descriptor live until ptvm exits.
  const int fd = open(file.c_str(), O_RDONLY | O_CLOEXEC);
  std::string refusal = runtime_refusal(path, fd, args);
  return new UserModule(*module, path, args, fd, std::move(refusal));
}

std::string inprocess_refusal(Module& module) {
  auto* user = dynamic_cast<UserModule*>(&module);
  return user != nullptr ? user->refusal() : std::string();
}

}  // namespace ptvm::cli
