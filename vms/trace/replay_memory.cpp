#include "vms/trace/replay_memory.h"

namespace ptvm {

namespace {

Error op_error(const MemOp& op) {
  return op.gone ? Error::gone() : Error::guest(op.error);
}

}  // namespace

Result<void> RecordingMemory::run(Batch& batch) {
  const Result<void> r = inner_.run(batch);
  // Up to the failing operation: those after it did not run.
  const std::size_t last = r ? batch.size() : batch.failed_index() + 1;
  for (std::size_t i = 0; i < last && i < batch.size(); ++i) {
    const MemOp& op = batch[i];
    const bool read = op.kind == MemOp::Kind::read || op.kind == MemOp::Kind::read_string;
    if (!read || record_.count == MemoryRecord::kOps ||
        op.done > MemoryRecord::kData - record_.used) {
      record_.overflow = true;
      continue;
    }
    MemoryRecord::Op& rec = record_.ops[record_.count++];
    rec.kind = op.kind;
    rec.access = op.access;
    rec.executed = op.executed;
    rec.truncated = op.truncated;
    rec.gone = op.gone;
    rec.error = op.error;
    rec.remote = op.remote;
    rec.length = op.length;
    rec.done = op.done;
    rec.offset = record_.used;
    __builtin_memcpy(record_.data + record_.used, op.local, op.done);
    record_.used += op.done;
  }
  return r;
}

const MemoryRecord::Op* ReplayMemory::find(const MemOp& op) const {
  for (std::size_t k = 0; k < record_.count; ++k) {
    const MemoryRecord::Op& rec = record_.ops[k];
    if (rec.kind == op.kind && rec.access == op.access && rec.remote == op.remote &&
        rec.length == op.length) {
      return &rec;
    }
  }
  return nullptr;
}

bool ReplayMemory::in_copy(const MemOp& op) const {
  return op.kind == MemOp::Kind::read && copied_ != nullptr && op.remote >= at_ &&
         op.length <= bytes_ && op.remote - at_ <= bytes_ - op.length;
}

Result<void> ReplayMemory::run(Batch& batch) {
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const MemOp& op = batch[i];
    if (!in_copy(op) && !find(op)) {
      ++live_batches_;
      return live_.run(batch);
    }
  }
  batch.set_failed_index(Batch::npos);
  for (std::size_t i = 0; i < batch.size(); ++i) {
    MemOp& op = batch[i];
    if (in_copy(op)) {
      __builtin_memcpy(op.local, copied_ + (op.remote - at_), op.length);
      op.done = op.length;
      op.executed = true;
      op.truncated = op.gone = false;
      op.error = 0;
      continue;
    }
    const MemoryRecord::Op& rec = *find(op);
    __builtin_memcpy(op.local, record_.data + rec.offset, rec.done);
    op.done = rec.done;
    op.truncated = rec.truncated;
    op.gone = rec.gone;
    op.error = rec.error;
    op.executed = rec.executed;
    if (rec.error != 0 || rec.gone) {
      op.executed = false;
      batch.set_failed_index(i);
      return std::unexpected(op_error(op));
    }
  }
  return {};
}

}  // namespace ptvm
