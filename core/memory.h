// Tracee memory and registers through one interface, in batches (PTRACE_MULTI on a stock kernel).
//
// A Batch is a fixed-capacity list of operations (no allocation: modules build batches inside a
// SIGSYS handler too). Memory::run() executes it with the fewest kernel crossings:
//   - consecutive operations of one direction form a *run*; all reads of a run go to the kernel
//     in one transfer (one process_vm_readv with many iovecs), all writes of a run in one
//     process_vm_writev; register operations are served from a per-stop cache;
//   - operations run in order; the first one that fails stops the batch: it records its error
//     and how many bytes it moved, and the operations after it are not executed (the seed's
//     multi_ptrace() semantics). Reads after it may have been transferred already (reads have
//     no side effect); their `executed` flag is false all the same.
//
// Two access semantics (a decision per operation):
//   Access::as_tracee  what the tracee's own system call would get: an unmapped or PROT_NONE page
//                      fails a read with EFAULT, a read-only mapping fails a write with EFAULT.
//                      This is the default: a VM reading a syscall's argument must fail exactly
//                      where the kernel would return EFAULT to the tracee.
//   Access::force      what a debugger gets (PTRACE_PEEKTEXT/POKETEXT, /proc/PID/mem): reads
//                      PROT_NONE pages, writes read-only private mappings (copy-on-write, e.g.
//                      breakpoints in text). Unmapped memory still fails with EFAULT.
// Every implementation and every fallback (process_vm_*, /proc/PID/mem, PTRACE_PEEKDATA) gives
// the same result for the same batch; the tests run the same cases under each.
//
// String reads (PTRACE_PEEKSTRINGDATA): read up to the end of the page holding the current
// position, scan for NUL, continue page by page; a page after the NUL is never touched, so a
// string ending right before an unmapped page works; a string running into an unreadable page
// before its NUL fails with EFAULT; a string longer than the caller's capacity is not an error:
// `truncated` is set and `done == capacity` (no NUL in the buffer).
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/error.h"
#include "core/registers.h"
#include "core/remote_ptr.h"

namespace ptvm {

inline constexpr std::size_t kPageSize = 4096;  // x86-64

enum class Access : std::uint8_t { as_tracee, force };

// How a tracer reaches a tracee's memory (mem/remote_memory.h, `--mem=`): automatic starts at
// process_vm_* and steps down the chain when the kernel refuses; the others force one mechanism.
enum class MemMode { automatic, vm, procmem, peek };

struct MemOp {
  enum class Kind : std::uint8_t { read, read_string, write, get_regs, set_regs };

  // No default member initialisers: a Batch's 128 slots stay uninitialised until used (a
  // batch is built on the stack for every intercepted call); Batch::add() sets every field.
  Kind kind;
  Access access;
  std::uintptr_t remote;  // tracee address (memory ops)
  void* local;            // destination of reads, source of writes, Registers* for regs
  std::size_t length;     // bytes; for read_string the capacity including the NUL

  // Outcome, filled by Memory::run().
  bool executed;     // ran to completion (false for the failing op and all after it)
  bool truncated;    // read_string: no NUL within `length`
  std::size_t done;  // bytes moved; for read_string including the NUL if one was found
  int error;         // errno of the failing op, 0 otherwise (ESRCH with gone)
  bool gone;         // the failing op found the tracee gone

  bool is_memory() const { return kind != Kind::get_regs && kind != Kind::set_regs; }
  bool is_write() const { return kind == Kind::write; }
};

class Batch {
 public:
  static constexpr std::size_t kCapacity = 128;
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

  // Each adder returns the index of the new operation (npos if the batch is full).
  std::size_t read(RemotePtr<void> from, void* into, std::size_t n, Access a = Access::as_tracee) {
    return add(MemOp::Kind::read, a, from.addr(), into, n);
  }
  template <class T>
  std::size_t read(RemotePtr<T> from, T* into, Access a = Access::as_tracee) {
    return read(RemotePtr<void>(from), into, sizeof(T), a);
  }
  // Reads a NUL-terminated string into `into[0..capacity)`.
  std::size_t read_string(RemotePtr<char> from, char* into, std::size_t capacity,
                          Access a = Access::as_tracee) {
    return add(MemOp::Kind::read_string, a, from.addr(), into, capacity);
  }
  std::size_t write(RemotePtr<void> to, const void* from, std::size_t n,
                    Access a = Access::as_tracee) {
    return add(MemOp::Kind::write, a, to.addr(), const_cast<void*>(from), n);
  }
  template <class T>
  std::size_t write(RemotePtr<T> to, const T& from, Access a = Access::as_tracee) {
    return write(RemotePtr<void>(to), &from, sizeof(T), a);
  }
  std::size_t get_regs(Registers* into) {
    return add(MemOp::Kind::get_regs, Access::as_tracee, 0, into, sizeof(Registers));
  }
  // The registers are written back once, before the tracee resumes, and only if changed.
  std::size_t set_regs(const Registers& from) {
    return add(MemOp::Kind::set_regs, Access::as_tracee, 0, const_cast<Registers*>(&from),
               sizeof(Registers));
  }

  // The same operation as `op` (its kind, access, addresses and length; a fresh outcome).
  std::size_t add_like(const MemOp& op) {
    return add(op.kind, op.access, op.remote, op.local, op.length);
  }

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const MemOp& operator[](std::size_t i) const { return ops_[i]; }
  MemOp& operator[](std::size_t i) { return ops_[i]; }
  void clear() { size_ = 0; }
  // Index of the op that stopped the last run(), npos if all succeeded.
  std::size_t failed_index() const { return failed_; }
  void set_failed_index(std::size_t i) { failed_ = i; }

 private:
  std::size_t add(MemOp::Kind kind, Access access, std::uintptr_t remote, void* local,
                  std::size_t length) {
    if (size_ == kCapacity) return npos;
    MemOp& op = ops_[size_];
    op.kind = kind;
    op.access = access;
    op.remote = remote;
    op.local = local;
    op.length = length;
    op.executed = op.truncated = op.gone = false;
    op.done = 0;
    op.error = 0;
    return size_++;
  }
  MemOp ops_[kCapacity];
  std::size_t size_ = 0;
  std::size_t failed_ = npos;
};

// What one Memory implementation did, for benchmarks and for the `naive` comparison.
struct MemoryStats {
  std::uint64_t crossings = 0;  // system calls issued by the access layer
};

class Memory {
 public:
  virtual ~Memory() = default;

  // Executes the batch (see the top of this file). Returns {} when every op succeeded, else the
  // error of the first failing op, whose index is batch.failed_index().
  virtual Result<void> run(Batch& batch) = 0;

  virtual const MemoryStats& stats() const = 0;

  // One-op conveniences (one run each).
  Result<void> read(RemotePtr<void> from, void* into, std::size_t n, Access a = Access::as_tracee);
  template <class T>
  Result<T> read(RemotePtr<T> from, Access a = Access::as_tracee) {
    T value{};
    if (auto r = read(RemotePtr<void>(from), &value, sizeof(T), a); !r) {
      return std::unexpected(r.error());
    }
    return value;
  }
  Result<void> write(RemotePtr<void> to, const void* from, std::size_t n,
                     Access a = Access::as_tracee);
  // The string's length without its NUL; ENAMETOOLONG if no NUL within `capacity`.
  Result<std::size_t> read_string(RemotePtr<char> from, char* into, std::size_t capacity,
                                  Access a = Access::as_tracee);
};

}  // namespace ptvm
