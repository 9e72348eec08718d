// A user's VM module for tests/cli/module_backends.sh, built as a user builds one for the
// in-process runtime (-fno-exceptions -fno-rtti, nothing else): it uses each thing a module
// may use there. ARGS is "FROM=TO[=NAME]" (file names without '/'):
//   openat of FROM       rewritten to TO (the path read with Memory::read_string, TO written
//                        into scratch memory with Memory::write, the argument replaced) when TO
//                        exists on the host: a host call of the module's own (faccessat, through
//                        raw_syscall), else the call runs as it came;
//   uname                its result's nodename becomes NAME (Memory::read and Memory::write of
//                        the program's buffer), when NAME is given;
// a static object with a destructor (registered with __cxa_atexit in the compiled code), and a
// constructor that must have run before ptvm_module_create (which refuses its ARGS otherwise).
// TEST_LIBC: the host call made with libc's faccessat instead, which the runtime does not
// provide (check-module names it; the module then runs on ptrace only).
#include <fcntl.h>
#include <ptvm/module.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

namespace {

constexpr std::size_t kName = 256;

class Swap final : public ptvm::Module {
 public:
  // "FROM=TO[=NAME]": false when it is not that.
  bool parse(const char* args) {
    char* out[3] = {from_, to_, nodename_};
    int field = 0;
    std::size_t at = 0;
    for (const char* p = args; *p; ++p) {
      if (*p == '=' && field < 2) {
        ++field;
        at = 0;
      } else if (*p == '/' || at + 1 == kName) {
        return false;
      } else {
        out[field][at++] = *p;
        out[field][at] = '\0';
      }
    }
    return field >= 1 && from_[0] != '\0' && to_[0] != '\0';
  }
  const char* name() const override { return "swap"; }
  ptvm::Interest interest() const override {
    ptvm::Interest i;
    i.calls.add(SYS_openat);
    if (nodename_[0] != '\0') i.calls.add(SYS_uname);
    return i;
  }
  void on_entry(ptvm::SyscallCall& call) override {
    if (call.nr() == SYS_uname) return call.see_exit();
    char path[kName];
    const auto got = call.memory().read_string(ptvm::RemotePtr<char>(call.arg(1)), path, kName);
    if (!got || !ptvm::cstr::equal(path, from_)) return;
      // The module's own system call, on the host: through ptvm's stub (<ptvm/module.h>).
#ifdef TEST_LIBC
    if (faccessat(AT_FDCWD, to_, F_OK, 0) != 0) return;
#else
    if (ptvm::raw_syscall(SYS_faccessat, AT_FDCWD, reinterpret_cast<long>(to_), F_OK) != 0) return;
#endif
    const std::size_t bytes = ptvm::cstr::length(to_) + 1;
    const auto scratch = call.scratch(bytes);
    if (!scratch || !call.memory().write(*scratch, to_, bytes)) return;
    call.set_arg(1, scratch->addr());
  }
  void on_exit(ptvm::SyscallCall& call) override {
    if (call.nr() != SYS_uname || call.result() != 0) return;
    const ptvm::RemotePtr<void> at(call.arg(0));
    utsname u;
    if (!call.memory().read(at, &u, sizeof u)) return;
    ptvm::cstr::copy(u.nodename, nodename_, sizeof u.nodename);
    call.memory().write(at, &u, sizeof u);
  }

 private:
  char from_[kName] = {};
  char to_[kName] = {};
  char nodename_[kName] = {};
};

// A constructor (.init_array): it must have run before ptvm_module_create, in-process too.
bool g_constructed = false;
__attribute__((constructor)) void construct() {
  g_constructed = true;
}

}  // namespace

PTVM_MODULE_EXPORT const unsigned ptvm_module_abi = ptvm::kModuleAbi;
PTVM_MODULE_EXPORT ptvm::Module* ptvm_module_create(const char* args) {
  static Swap module;  // once per image: the runtime creates the module in every exec'd program
  return g_constructed && module.parse(args) ? &module : nullptr;
}
