// A supervisor of your own in 30 lines: runs a program with no network (sockets other than
// AF_UNIX fail with EACCES), its module in this program, through libptvm's ptvm::run.
//   nonet curl https://example.org        curl: Could not resolve host...
#include <ptvm/run.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <cstdio>

namespace {

class NoNetwork final : public ptvm::Module {
 public:
  const char* name() const override { return "nonet"; }
  ptvm::Interest interest() const override {
    ptvm::Interest i;
    i.calls.add(SYS_socket);
    return i;
  }
  void on_entry(ptvm::SyscallCall& call) override {
    if (call.arg(0) != AF_UNIX) call.fail(EACCES);  // the call does not run
  }
};

}  // namespace

int main(int argc, char** argv) {
  NoNetwork module;
  ptvm::ModuleStack stack;
  stack.push_bottom(&module);
  const auto status = ptvm::run(stack, {argv + 1, argv + argc});  // the ptrace backend
  if (!status) std::fprintf(stderr, "nonet: %s\n", status.error().message.c_str());
  if (!status) return status.error().status;  // 127: not found, 126: cannot run
  return WIFEXITED(*status) ? WEXITSTATUS(*status) : 128 + WTERMSIG(*status);
}
