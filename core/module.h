// The module contract (DESIGN.md "The module contract"): one VM module, every backend.
//
// A module declares its interest (the calls it wants to see). At a call's entry it gets a
// SyscallCall and decides, through the call's methods:
//   nothing            pass: the call runs, the module does not see its exit (SKIPEXIT)
//   see_exit()         pass, and on_exit() runs with the result, the tracee as the call left it
//   see_result()       pass, and on_exit() runs with the result alone: the tracee's memory may
//                      have moved on by then (on_exit may run when the thread stops next), and
//                      set_result() has no effect. The ptrace backend then needs no exit stop
//                      (the result comes back through a trampoline in the tracee).
//   see_exit_on_success()  see_exit() if the call succeeds, see_result() if it fails (for
//                      modules that read what a call wrote only when it succeeded)
//   see_exit_copy(at, n, up_to_result)  the same for a module that reads at the exit nothing but
//                      what it read at the entry and the `n` bytes at `at` (at most result()
//                      of them with `up_to_result`): the backend may copy those out as the call
//                      returns instead of stopping the tracee at its exit (the ptrace backend's
//                      trampoline does). on_exit() then finds them in copied(), the rest of the
//                      tracee's memory may have moved on; with copied() null the exit is a true
//                      one. Backends that cannot copy say so (exit_copy_possible()).
//   emulate(result)    SKIPCALL: the call does not run, `result` is its return value
//                      (a negative errno for a failure: fail(errno)); modules below it in the
//                      stack never see the call
//   set_arg(i, v)      rewrite: the call runs with another argument; scratch() gives tracee
//                      memory valid until the call returns (e.g. for a translated path). The
//                      backend restores the caller's registers after the call: the syscall ABI
//                      preserves every register but rax, rcx and r11.
//
// Module code runs inside a SIGSYS handler in the in-process backend, so on the interception
// path: no heap allocation, no exceptions, no locks, no libc; fixed buffers; tracee memory only
// through call.memory(); output only through Host.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <cstddef>
#include <cstdint>

#include "core/memory.h"
#include "core/syscall_set.h"

namespace ptvm {

struct Interest {
  SyscallSet calls;  // stop at these; every other call runs without any stop
};

// Services a backend gives its modules; all usable inside a SIGSYS handler.
class Host {
 public:
  // Appends one whole record (a trace line) to the output: never torn, never interleaved.
  virtual void emit(const char* data, std::size_t n) = 0;
  virtual std::uint64_t realtime_ns() = 0;   // wall clock, for -t/-tt
  virtual std::uint64_t monotonic_ns() = 0;  // for -T

 protected:
  ~Host() = default;
};

class SyscallCall {
 public:
  static constexpr std::size_t kMaxModules = 8;

  // What a backend must provide for a call (memory, scratch, delay, signals).
  class Backend {
   public:
    virtual Memory& memory() = 0;
    // `bytes` of tracee memory, 16-byte aligned, valid until the call returns.
    virtual Result<RemotePtr<void>> scratch(std::size_t bytes) = 0;
    // The calling thread's module storage: ModuleStack::thread_storage_size() bytes, zeroed
    // when the thread first appears, kept for the thread's life.
    virtual std::byte* thread_storage() = 0;
    // Whether see_exit_copy() can spare the tracee an exit stop (else it is
    // see_exit_on_success()).
    virtual bool copies_exits() { return false; }

   protected:
    ~Backend() = default;
  };

  SyscallCall(Backend& backend, pid_t pid, pid_t tid, long nr, const std::uint64_t args[6]);

  pid_t pid() const { return pid_; }  // thread group
  pid_t tid() const { return tid_; }
  long nr() const { return nr_; }
  std::uint64_t arg(int i) const { return args_[i]; }
  Memory& memory() { return backend_.memory(); }

  // How much of a call's exit the modules asked for (the strongest request wins; two copies of
  // different memory make on_success).
  enum class Exit : std::uint8_t { none, result, copy, on_success, full };

  // The memory see_exit_copy() asked for, as the call left it.
  struct Copied {
    std::uint64_t at;
    const std::byte* data;
    std::size_t bytes;
  };
  // What see_exit_copy() asked for.
  struct CopyRequest {
    std::uint64_t at = 0;
    std::size_t bytes = 0;
    bool up_to_result = false;
  };

  bool at_exit() const { return at_exit_; }
  // At exit: the return value (-errno on failure).
  long result() const { return result_; }
  // At exit: the result never came (the thread died, or its address space was replaced, while
  // the call was in flight); result() is meaningless. strace prints `= ?`.
  bool unfinished() const { return unfinished_; }
  // At exit: the call did not run; a module emulated it.
  bool emulated() const { return emulated_; }
  // At exit: emulated as a fault (strace's "(INJECTED)"), not as a VM's answer (answer()).
  bool injected() const { return emulated_ && !answered_; }

  // Entry decisions (see the top of this file).
  void see_exit() { want(Exit::full); }
  void see_result() { want(Exit::result); }
  void see_exit_on_success() { want(Exit::on_success); }
  void see_exit_copy(RemotePtr<void> at, std::size_t bytes, bool up_to_result);
  bool exit_copy_possible() { return backend_.copies_exits(); }
  // At exit: what see_exit_copy() asked for, if the backend copied it (null: a true exit, or the
  // call failed).
  const Copied* copied() const { return copied_.data ? &copied_ : nullptr; }
  void emulate(long result);
  void fail(int errno_value) { emulate(-static_cast<long>(errno_value)); }
  // emulate() by a VM that answers in the kernel's place (a path VM's getcwd): the guest's
  // kernel gave this result; a tracer above shows it as a call that ran, not as injected.
  void answer(long result) {
    emulate(result);
    answered_ = true;
  }
  void answer_error(int errno_value) { answer(-static_cast<long>(errno_value)); }
  void set_arg(int i, std::uint64_t value);
  Result<RemotePtr<void>> scratch(std::size_t bytes) { return backend_.scratch(bytes); }
  // The current module's per-thread storage (Module::thread_storage_size() bytes, zeroed when
  // the thread appears): per-tracee counters, state kept from a call's entry to its exit.
  std::byte* storage() { return backend_.thread_storage() + storage_offset_; }
  // At entry: holds the call `usec` microseconds before it runs; at exit: before the caller
  // resumes. Other threads keep running.
  void delay(std::uint64_t usec) { delay_us_ += usec; }
  // At entry: `sig` is sent to the calling thread as the call enters, so a blocking call is
  // interrupted by it (strace's inject signal=).
  void raise_signal(int sig) { raise_signal_ = sig; }

  // At exit: replace the result the caller will see.
  void set_result(long result) {
    result_ = result;
    result_changed_ = true;
  }

 private:
  friend class ModuleStack;

  Backend& backend_;
  pid_t pid_, tid_;
  long nr_;
  std::uint64_t args_[6];
  std::uint64_t entry_args_[6];  // as the call came in, before any module rewrote it
  void want(Exit e) {
    if (e > wants_) wants_ = e;
  }

  bool at_exit_ = false;
  bool unfinished_ = false;
  bool emulated_ = false;
  bool answered_ = false;
  bool args_changed_ = false;
  bool result_changed_ = false;
  Exit wants_ = Exit::none;  // what the module being called asked for
  Exit exit_ = Exit::none;   // the strongest request of all modules
  Exit asked_ = Exit::none;  // the same, before rewritten arguments made it `full`
  CopyRequest copy_;         // the memory of the (only) Exit::copy request
  Copied copied_{};          // at exit: copy_'s bytes, if the backend copied them
  long result_ = 0;
  std::uint64_t delay_us_ = 0;
  int raise_signal_ = 0;
  std::size_t storage_offset_ = 0;       // of the module being called
  unsigned exits_ = 0;                   // bit k: module k of the stack wants on_exit
  std::uint64_t views_[kMaxModules][6];  // the arguments module k saw at entry

 public:
  // For backends: what the modules decided.
  bool args_changed() const { return args_changed_; }
  Exit exit_needed() const { return exit_; }
  // What the modules asked for themselves: exit_needed() is `full` for a call with rewritten
  // arguments (the caller's registers must come back), which a backend may restore otherwise.
  Exit exit_asked() const { return asked_; }
  // With exit_needed() == Exit::copy: what to copy (at most `bytes` bytes at `at`; at most the
  // result's with `up_to_result`).
  const CopyRequest& copy_request() const { return copy_; }
  // Before the exit of a successful call: the copied bytes.
  void set_copied(const std::byte* data, std::size_t bytes) { copied_ = {copy_.at, data, bytes}; }
  bool result_changed() const { return result_changed_; }
  std::uint64_t delay_us() const { return delay_us_; }
  int signal_to_raise() const { return raise_signal_; }
  const std::uint64_t* entry_args() const { return entry_args_; }
};

// set_arg() of each args[k] to a copy of the NUL-terminated strings[k] in scratch memory (all in
// one write): a module's rewritten paths. False, and no argument changed, when the scratch
// memory or the write failed.
bool set_string_args(SyscallCall& call, const int* args, const char* const* strings, int n);

class Module {
 public:
  virtual ~Module() = default;
  virtual const char* name() const = 0;
  virtual Interest interest() const = 0;
  // The module must see every call of a kind (a path VM, every path): calls of another ABI
  // (i386 `int $0x80`, x32), whose numbers and arguments it cannot read as x86-64 ones, are
  // refused with ENOSYS instead of reaching it.
  virtual bool refuses_foreign_abi() const { return false; }
  // Bytes of per-thread storage the module needs (SyscallCall::storage()).
  virtual std::size_t thread_storage_size() const { return 0; }
  virtual void on_entry(SyscallCall& call) = 0;
  virtual void on_exit(SyscallCall& /*call*/) {}
  // Process events, for modules that report them (the tracer).
  virtual void on_signal(pid_t /*tid*/, const siginfo_t& /*info*/) {}
  virtual void on_process_exit(pid_t /*tid*/, int /*wait_status*/) {}
  // The run is over (every tracee gone): summaries (strace -c).
  virtual void on_finish() {}
};

}  // namespace ptvm
