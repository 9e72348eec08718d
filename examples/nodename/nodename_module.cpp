// A VM in 30 lines: uname(2) reports another machine name.
//   ptvm run --module=./libnodename.so:NAME -- uname -n      prints NAME
#include <ptvm/module.h>
#include <sys/syscall.h>
#include <sys/utsname.h>

namespace {

class Nodename final : public ptvm::Module {
 public:
  explicit Nodename(const char* name) { ptvm::cstr::copy(name_, name, ptvm::cstr::length(name) + 1); }
  const char* name() const override { return "nodename"; }
  ptvm::Interest interest() const override {
    ptvm::Interest i;
    i.calls.add(SYS_uname);
    return i;
  }
  void on_entry(ptvm::SyscallCall& call) override { call.see_exit(); }  // the kernel answers first
  void on_exit(ptvm::SyscallCall& call) override {
    if (call.result() != 0) return;
    const ptvm::RemotePtr<void> at(call.arg(0));
    utsname u;
    if (!call.memory().read(at, &u, sizeof u)) return;
    ptvm::cstr::copy(u.nodename, name_, sizeof name_);
    call.memory().write(at, &u, sizeof u);
  }

 private:
  char name_[65] = {};  // utsname's field: 64 bytes and a NUL
};

}  // namespace

PTVM_MODULE_EXPORT const unsigned ptvm_module_abi = ptvm::kModuleAbi;
PTVM_MODULE_EXPORT ptvm::Module* ptvm_module_create(const char* args) {
  if (ptvm::cstr::length(args) == 0 || ptvm::cstr::length(args) > 64) return nullptr;
  static Nodename module(args);
  return &module;
}
