// A user's VM module for the command-line tests (tests/cli/modules.sh), its behaviour chosen by
// its ARGS:
//   pass (or nothing)  intercepts uname and passes it: a new object each time (stacks of many)
//   watch              prints to stderr what it sees: an openat's path at entry, the result of
//                      getuid/geteuid and whether a module below emulated it
//   throw-create       ptvm_module_create throws
//   throw-entry        on_entry throws a std::runtime_error at uname
//   throw-other        on_exit throws something that is not a std::exception, at uname
// Built three ways: as is; with TEST_WRONG_LAYOUT (a ptvm_module_layout of other sizes, as a
// module built against other headers would carry); with TEST_NO_LAYOUT (none at all).
#if defined(TEST_WRONG_LAYOUT) || defined(TEST_NO_LAYOUT)
#define PTVM_MODULE_LOADER  // keeps the header from defining the layout: this file does, or none
#endif
#include <ptvm/module.h>
#include <sys/syscall.h>

#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace {

enum class Mode { pass, watch, throw_entry, throw_other };

class TestModule final : public ptvm::Module {
 public:
  explicit TestModule(Mode mode) : mode_(mode) {}
  const char* name() const override { return "test_module"; }
  ptvm::Interest interest() const override {
    ptvm::Interest i;
    i.calls.add(SYS_uname);
    if (mode_ == Mode::watch) {
      i.calls.add(SYS_openat);
      i.calls.add(SYS_getuid);
      i.calls.add(SYS_geteuid);
    }
    return i;
  }
  void on_entry(ptvm::SyscallCall& call) override {
    if (mode_ == Mode::throw_entry && call.nr() == SYS_uname) throw std::runtime_error("boom");
    if (mode_ == Mode::watch && call.nr() == SYS_openat) {
      char path[4096];
      if (call.memory().read_string(ptvm::RemotePtr<char>(call.arg(1)), path, sizeof path)) {
        std::fprintf(stderr, "module: openat %s\n", path);
      }
    }
    if (mode_ == Mode::throw_other || (mode_ == Mode::watch && call.nr() != SYS_openat)) {
      call.see_exit();
    }
  }
  void on_exit(ptvm::SyscallCall& call) override {
    if (mode_ == Mode::throw_other && call.nr() == SYS_uname) throw 42;
    if (mode_ == Mode::watch && call.nr() != SYS_uname) {
      std::fprintf(stderr, "module: %s = %ld%s\n", call.nr() == SYS_getuid ? "getuid" : "geteuid",
                   call.result(), call.emulated() ? " (emulated below)" : "");
    }
  }

 private:
  Mode mode_;
};

}  // namespace

PTVM_MODULE_EXPORT const unsigned ptvm_module_abi = ptvm::kModuleAbi;

#ifdef TEST_WRONG_LAYOUT
PTVM_MODULE_EXPORT const ptvm::ModuleLayout ptvm_module_layout = {
    ptvm::kModuleAbi, sizeof(ptvm::SyscallCall) + 8, sizeof(ptvm::Interest),
    ptvm::SyscallCall::kMaxModules};
#endif

PTVM_MODULE_EXPORT ptvm::Module* ptvm_module_create(const char* args) {
  if (std::strcmp(args, "") == 0 || std::strcmp(args, "pass") == 0)
    return new TestModule(Mode::pass);
  if (std::strcmp(args, "watch") == 0) return new TestModule(Mode::watch);
  if (std::strcmp(args, "throw-entry") == 0) return new TestModule(Mode::throw_entry);
  if (std::strcmp(args, "throw-other") == 0) return new TestModule(Mode::throw_other);
  if (std::strcmp(args, "throw-create") == 0) throw std::invalid_argument("no such thing");
  return nullptr;
}
