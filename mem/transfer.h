// The batch engine and the transfer mechanisms shared by every Memory implementation: splits a
// Batch into runs, builds the segments of each round (string reads go page by page), hands them to
// a Transport and accounts for what moved. It allocates nothing, throws nothing and calls no libc,
// so LocalMemory can use it inside the in-process runtime's SIGSYS handler.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/memory.h"

namespace ptvm {

// One contiguous transfer between tracee and local memory, part of one MemOp.
struct Segment {
  std::size_t op;
  std::uintptr_t remote;
  std::byte* local;
  std::size_t len;
  Access access;
};

struct TransferOutcome {
  std::size_t complete = 0;  // segments moved in full, from the first one
  std::size_t partial = 0;   // bytes of segment `complete` moved before `error`
  Error error = Error::guest(0);
};

// How bytes move (process_vm_*, /proc/PID/mem, PTRACE_PEEKDATA, local memory).
class Transport {
 public:
  // Moves the segments in order, stopping at the first one that fails. All segments of one
  // call have the same direction. Must honour each segment's Access (see core/memory.h).
  virtual TransferOutcome transfer(Segment* segs, std::size_t n, bool write) = 0;
  virtual Result<void> get_regs(Registers* into) = 0;
  virtual Result<void> set_regs(const Registers& from) = 0;

 protected:
  ~Transport() = default;
};

// Executes `batch` through `transport` with the semantics of core/memory.h.
Result<void> run_batch(Batch& batch, Transport& transport);

// The mechanisms, shared by RemoteMemory and LocalMemory (raw system calls, no libc).

struct Moved {
  std::size_t bytes;
  Error error;  // Error::guest(0) when all bytes moved
};

// Moves one segment from `off` with a mechanism that forces access (Access::force).
class ForcedAccess {
 public:
  virtual Moved force(const Segment& seg, std::size_t off, bool write) = 0;

 protected:
  ~ForcedAccess() = default;
};

// All segments in as few process_vm_readv/writev calls as possible (one, unless something
// fails). Segments with Access::force that process_vm_* refuses (PROT_NONE, read-only text) go
// through `forced`, then batching resumes.
TransferOutcome process_vm_transfer(long pid, Segment* segs, std::size_t n, bool write,
                                    ForcedAccess& forced, MemoryStats& stats);

// pread/pwrite on an open /proc/PID/mem (forced access) of [addr, addr+len).
Moved proc_mem_transfer(int fd, std::uintptr_t addr, std::byte* local, std::size_t len, bool write,
                        MemoryStats& stats);

// errno of a failed access, as a batch reports it: /proc/PID/mem and PTRACE_PEEKDATA say EIO
// where process_vm_readv says EFAULT (one answer: EFAULT); ESRCH is a tracee that is gone.
Error access_error(int e);

}  // namespace ptvm
