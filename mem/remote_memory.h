// Memory of another process (a tracee), batched, with the fallback chain
//   process_vm_readv/writev  ->  /proc/PID/mem  ->  word-wise PTRACE_PEEKDATA/POKEDATA,
// each forceable (MemMode, `--mem=` on the command line), and a per-stop register cache.
//
// Semantics are the same under every mode (core/memory.h). process_vm_* already has the
// tracee's own semantics (no FOLL_FORCE: PROT_NONE and read-only pages fail); /proc/PID/mem and
// PTRACE_PEEKDATA force their access, so under those modes an Access::as_tracee op is first
// clipped to the prefix of its range that /proc/PID/maps says is readable (writable), read once
// per batch. Access::force ops that process_vm_* refuses are retried through /proc/PID/mem
// (PTRACE_POKEDATA under --mem=peek): that is how POKETEXT-like writes reach read-only text.
//
// Preconditions: the caller may ptrace the process (vm, procmem); under MemMode::peek and for
// registers the process is a ptrace-stopped tracee of the calling thread. After the tracee's
// execve() call after_exec().
#pragma once

#include <sys/types.h>

#include <optional>
#include <string_view>
#include <vector>

#include "core/memory.h"
#include "mem/transfer.h"

namespace ptvm {

std::optional<MemMode> parse_mem_mode(std::string_view text);  // auto|vm|procmem|peek
const char* to_string(MemMode mode);

class RemoteMemory final : public Memory, private Transport, private ForcedAccess {
 public:
  // `mode` automatic starts at process_vm_* and steps down the chain when the kernel refuses
  // a mechanism (ENOSYS, EPERM); the first mode that works sticks.
  explicit RemoteMemory(pid_t tid, MemMode mode = MemMode::automatic);
  ~RemoteMemory() override;
  RemoteMemory(const RemoteMemory&) = delete;
  RemoteMemory& operator=(const RemoteMemory&) = delete;

  Result<void> run(Batch& batch) override;
  const MemoryStats& stats() const override { return stats_; }

  // Read-ahead: [from, from+n) as read() reads it, and in the same process_vm_readv the first
  // bytes of each range in `ahead` (at most kAheadBytes in all, each cut at its page's end),
  // which the stop's next batches are likely to read: a call's path, its input struct. What
  // of them the tracee could read is kept until the tracee resumes or a batch writes; a batch
  // made only of reads that lie within it is served from it, no crossing. The bytes are the
  // ones a read at this stop gets; a range that fails (unmapped, PROT_NONE) ends the read-ahead,
  // and batches that need it go to the kernel as usual, with the usual errors. Under the
  // fallbacks (--mem=procmem/peek), a plain read().
  struct Range {
    std::uintptr_t at;
    std::size_t len;
  };
  static constexpr std::size_t kAheadRanges = 6;
  static constexpr std::size_t kAheadBytes = 1536;
  Result<void> read_ahead(RemotePtr<void> from, void* into, std::size_t n, const Range* ahead,
                          std::size_t count);

  // Write-along: `n` bytes (at most kAlongBytes) for `to`, written by the next batch of this
  // stop that writes, just before its first write, in the same crossing (a module's translated
  // path in scratch memory and the program's registers for the trampoline's restore entry: one
  // process_vm_writev). The batch's outcome is its own ops' (a write-along that fails: the
  // batch runs alone). Until then, pending; forgotten when the tracee resumes. written_along():
  // it was written.
  static constexpr std::size_t kAlongBytes = 64;
  void write_along(RemotePtr<void> to, const void* from, std::size_t n);
  bool written_along(RemotePtr<void> to) const { return along_done_ && along_at_ == to.addr(); }

  // Per-stop register cache: loaded by the first access of a stop (one PTRACE_GETREGS),
  // written back by flush_registers() only if changed (one PTRACE_SETREGS; PTRACE_POKEUSER
  // when a single register changed).
  Result<Registers*> registers();
  Result<void> flush_registers();  // call before resuming the tracee
  bool registers_loaded() const { return regs_.has_value(); }

  // The call a seccomp stop is at: its number and arguments, without the rest of the registers
  // (PTRACE_GET_SYSCALL_INFO: 0.58 us here, PTRACE_GETREGS 1.0). From the register cache when it
  // is loaded, and through it (GETREGS) for 32-bit calls (int $0x80: the registers are what the
  // backends decode), at another kind of stop, under a kernel without the request (before 5.3)
  // or when turned off (`syscall_info` false: --no-syscall-info). Once per stop: the answer is
  // not kept (the registers may change after it).
  struct SyscallEntry {
    long nr;
    std::uint64_t args[6];
  };
  Result<SyscallEntry> syscall_entry();
  void use_syscall_info(bool on) { syscall_info_ = on; }
  void resumed();  // the stop is over: forget the cached registers and the read-ahead
  // After execve(): /proc/PID/{mem,maps} of the old address space are useless, and when a
  // non-leader thread called it, the thread now has the leader's tid.
  void after_exec(pid_t tid);

  pid_t tid() const { return tid_; }
  MemMode mode() const { return mode_; }  // after automatic resolution: the mode in use

 private:
  TransferOutcome transfer(Segment* segs, std::size_t n, bool write) override;
  Result<void> get_regs(Registers* into) override;
  Result<void> set_regs(const Registers& from) override;

  // The fallbacks; same contract as transfer().
  TransferOutcome transfer_procmem(Segment* segs, std::size_t n, bool write);
  TransferOutcome transfer_peek(Segment* segs, std::size_t n, bool write);
  // One segment from `off`: forced access (/proc/PID/mem, else PTRACE_POKEDATA), and the
  // two fallbacks, which clip as_tracee segments to what /proc/PID/maps allows.
  Moved force(const Segment& seg, std::size_t off, bool write) override;
  Moved procmem_segment(const Segment& seg, std::size_t off, bool write);
  Moved peek_segment(const Segment& seg, std::size_t off, bool write);
  // How much of the segment from `off` the forcing fallbacks may move: all of it for a forced
  // access, else what the tracee itself could read (write): accessible().
  Result<std::size_t> limit_to_tracee(const Segment& seg, std::size_t off, bool write);
  // Bytes from `addr` (at most `len`) that the tracee itself could read (write).
  Result<std::size_t> accessible(std::uintptr_t addr, std::size_t len, bool write);
  Result<int> mem_fd();
  // Serves `batch` from the read-ahead if it can (all ops reads within it); a write forgets it.
  bool serve_ahead(Batch& batch);

  struct Mapping {
    std::uintptr_t start, end;
    bool readable, writable;
  };

  pid_t tid_;
  MemMode mode_;
  bool automatic_;
  int mem_fd_ = -1;
  std::optional<Error> mem_fd_error_;  // why /proc/PID/mem could not be opened
  std::vector<Mapping> maps_;          // of the current run(), loaded on first need
  bool maps_loaded_ = false;
  std::optional<Registers> regs_;  // cached for this stop
  bool syscall_info_ = true;       // PTRACE_GET_SYSCALL_INFO may be used
  struct Ahead {
    std::uintptr_t at;
    std::size_t len, off;  // bytes read, and where they are in ahead_
  };
  Ahead ahead_ranges_[kAheadRanges];
  std::size_t ahead_count_ = 0;  // valid ranges: this stop's read-ahead
  std::uintptr_t along_at_ = 0;  // write_along(): where, what, whether pending or written
  std::byte along_[kAlongBytes];
  std::size_t along_n_ = 0;
  bool along_done_ = false;
  std::byte ahead_[kAheadBytes];
  Registers regs_at_stop_;  // as the tracee has them, to write back only changes
  MemoryStats stats_;
};

}  // namespace ptvm
