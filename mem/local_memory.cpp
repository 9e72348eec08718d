#include "mem/local_memory.h"

#include <sys/syscall.h>

#include "core/raw_syscall.h"

namespace ptvm {

namespace {

// Forced access to the process's own memory: /proc/self/mem (writes reach read-only text).
class SelfMemForcer final : public ForcedAccess {
 public:
  SelfMemForcer(int fd, MemoryStats& stats) : fd_(fd), stats_(stats) {}
  Moved force(const Segment& seg, std::size_t off, bool write) override {
    if (fd_ < 0) return {0, Error::guest(EFAULT)};
    return proc_mem_transfer(fd_, seg.remote + off, seg.local + off, seg.len - off, write, stats_);
  }

 private:
  int fd_;
  MemoryStats& stats_;
};

}  // namespace

LocalMemory::LocalMemory(Registers* regs, int proc_self_mem_fd, SafeCopy safe_copy)
    : regs_(regs),
      mem_fd_(proc_self_mem_fd),
      safe_copy_(safe_copy),
      pid_(safe_copy ? 0 : raw_syscall(SYS_getpid)) {}

Result<void> LocalMemory::run(Batch& batch) {
  return run_batch(batch, *this);
}

TransferOutcome LocalMemory::transfer(Segment* segs, std::size_t n, bool write) {
  SelfMemForcer forcer(mem_fd_, stats_);
  if (!safe_copy_) return process_vm_transfer(pid_, segs, n, write, forcer, stats_);
  for (std::size_t i = 0; i < n; ++i) {
    const Segment& seg = segs[i];
    void* remote = reinterpret_cast<void*>(seg.remote);
    const std::size_t done =
        write ? safe_copy_(remote, seg.local, seg.len) : safe_copy_(seg.local, remote, seg.len);
    if (done == seg.len) continue;
    if (seg.access != Access::force) return {i, done, Error::guest(EFAULT)};
    const Moved m = forcer.force(seg, done, write);  // read-only text, PROT_NONE
    if (m.error != Error::guest(0)) return {i, done + m.bytes, m.error};
  }
  return {n, 0, Error::guest(0)};
}

Result<void> LocalMemory::get_regs(Registers* into) {
  if (!regs_) return std::unexpected(Error::guest(ENOSYS));
  *into = *regs_;
  return {};
}

Result<void> LocalMemory::set_regs(const Registers& from) {
  if (!regs_) return std::unexpected(Error::guest(ENOSYS));
  *regs_ = from;
  return {};
}

}  // namespace ptvm
