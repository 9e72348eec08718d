// A user's VM module built freestanding, as the in-process runtime wants one (tests/cli/
// check_module.sh, bench/module_workload.sh): getppid(2) reports 4242. Built with -nostdlib, no
// exceptions, no RTTI, hidden symbols: the strictest form (it imports nothing at all, allocates
// nothing and has no destructor to register); swap_module.cpp is one built the ordinary way. Variants: TEST_TLS, a
// thread_local counter (a TLS segment, which the runtime cannot host); TEST_UNDEFINED, a call to a
// function nobody defines (ptvm cannot load it); TEST_CRASH, a constructor that crashes.
#include <ptvm/module.h>
#include <sys/syscall.h>

#include <new>

namespace {

#ifdef TEST_TLS
thread_local long calls;
#endif
#ifdef TEST_UNDEFINED
extern "C" void ptvm_test_defined_nowhere();
#endif
#ifdef TEST_CRASH
volatile int* volatile nowhere = nullptr;
__attribute__((constructor)) void crash() {
  *nowhere = 1;  // SIGSEGV as the module is loaded
}
#endif

class Getppid final : public ptvm::Module {
 public:
  const char* name() const override { return "getppid"; }
  ptvm::Interest interest() const override {
    ptvm::Interest i;
    i.calls.add(SYS_getppid);
    return i;
  }
  void on_entry(ptvm::SyscallCall& call) override { call.see_exit(); }
  void on_exit(ptvm::SyscallCall& call) override {
#ifdef TEST_TLS
    ++calls;
#endif
    call.set_result(4242);
  }
  // The deleting destructor a virtual one brings would import ::operator delete.
  static void operator delete(void*) {}
};

alignas(Getppid) unsigned char storage[sizeof(Getppid)];

}  // namespace

PTVM_MODULE_EXPORT const unsigned ptvm_module_abi = ptvm::kModuleAbi;
PTVM_MODULE_EXPORT ptvm::Module* ptvm_module_create(const char*) {
#ifdef TEST_UNDEFINED
  ptvm_test_defined_nowhere();
#endif
  return new (storage) Getppid;  // placement: no allocation, no atexit destructor
}
