// The calling process's own memory behind the Memory interface: what VM modules get inside the
// in-process backend's SIGSYS handler. Same semantics as RemoteMemory (core/memory.h): an
// as_tracee access fails with EFAULT exactly where the intercepted system call would, instead of
// crashing the process on a bad pointer. Two ways to get that:
//   - a SafeCopy function (the runtime's: a plain copy whose faults its SIGSEGV/SIGBUS handler
//     turns into a short count): no system call at all;
//   - without one, process_vm_readv/writev on the process itself (one crossing per batch
//     round, ~2 µs here).
// Force writes go through /proc/self/mem. Registers are those of the interrupted context, which
// the runtime hands over as a Registers object.
//
// Freestanding: raw system calls only, no allocation, no libc (usable after the runtime's init).
#pragma once

#include "core/memory.h"
#include "mem/transfer.h"

namespace ptvm {

class LocalMemory final : public Memory, private Transport {
 public:
  // `regs` (may be null: register ops then fail with ENOSYS) is the
  // interrupted context; `proc_self_mem_fd` an fd of /proc/self/mem opened at init, or -1.
  // Copies n bytes, returns how many were copied before a fault (n: all).
  using SafeCopy = std::size_t (*)(void* dst, const void* src, std::size_t n);
  LocalMemory(Registers* regs, int proc_self_mem_fd, SafeCopy safe_copy = nullptr);

  Result<void> run(Batch& batch) override;
  const MemoryStats& stats() const override { return stats_; }
  // Where register ops go from now on (may be null).
  void set_registers(Registers* regs) { regs_ = regs; }

 private:
  TransferOutcome transfer(Segment* segs, std::size_t n, bool write) override;
  Result<void> get_regs(Registers* into) override;
  Result<void> set_regs(const Registers& from) override;

  Registers* regs_;
  int mem_fd_;
  SafeCopy safe_copy_;
  long pid_;
  MemoryStats stats_;
};

}  // namespace ptvm
