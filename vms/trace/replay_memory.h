// Tracee memory as it was: a record of the reads made at a call's entry, and their replay at its
// exit together with the bytes the call wrote, copied out as it returned (SyscallCall's
// see_exit_copy()). A module that decodes a call twice, its arguments at the entry and the whole
// call at the exit, reads at the exit what it read at the entry plus what the call wrote: the
// replay serves both without touching the tracee, whose memory may have moved on since.
//
// Freestanding (the in-process runtime compiles it too): fixed buffers, no allocation.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/memory.h"

namespace ptvm {

// The outcome of the memory operations of some batches, with the bytes they moved.
struct MemoryRecord {
  static constexpr std::size_t kOps = 16;
  static constexpr std::size_t kData = 4 * 1024 + 256;

  struct Op {
    MemOp::Kind kind;
    Access access;
    bool executed, truncated, gone;
    int error;
    std::uintptr_t remote;
    std::size_t length, done, offset;  // offset: of the bytes in data
  };
  Op ops[kOps];
  std::size_t count = 0;
  std::size_t used = 0;
  bool overflow = false;  // an operation did not fit (or was not a read): incomplete
  char data[kData];

  void clear() {
    count = used = 0;
    overflow = false;
  }
};

// Runs batches on `inner` and records their reads into `record`.
class RecordingMemory final : public Memory {
 public:
  RecordingMemory(Memory& inner, MemoryRecord& record) : inner_(inner), record_(record) {}
  Result<void> run(Batch& batch) override;
  const MemoryStats& stats() const override { return inner_.stats(); }

 private:
  Memory& inner_;
  MemoryRecord& record_;
};

// Serves batches from `record` and from `copied` (bytes at their tracee address): a batch with an
// operation neither has (not expected of a deterministic decoder) goes to `live` whole.
class ReplayMemory final : public Memory {
 public:
  ReplayMemory(const MemoryRecord& record, std::uint64_t copied_at, const std::byte* copied,
               std::size_t copied_bytes, Memory& live)
      : record_(record), at_(copied_at), copied_(copied), bytes_(copied_bytes), live_(live) {}
  Result<void> run(Batch& batch) override;
  const MemoryStats& stats() const override { return live_.stats(); }
  std::size_t live_batches() const { return live_batches_; }

 private:
  const MemoryRecord::Op* find(const MemOp& op) const;
  bool in_copy(const MemOp& op) const;

  const MemoryRecord& record_;
  std::uint64_t at_;
  const std::byte* copied_;
  std::size_t bytes_;
  Memory& live_;
  std::size_t live_batches_ = 0;
};

}  // namespace ptvm
