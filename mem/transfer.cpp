#include "mem/transfer.h"

#include <sys/syscall.h>
#include <sys/uio.h>

#include "core/raw_syscall.h"

namespace ptvm {

namespace {

constexpr std::size_t kFirstStringChunk = 1024;

// Index of the first NUL in p[0, n), or n. Eight bytes at a time: in (w - 0x01..01) & ~w &
// 0x80..80 the lowest set bit marks w's first zero byte (little-endian; the borrow only runs
// upwards from a zero byte). A byte loop took ~110 ns for a 256-byte path, next to a ~1.8 µs
// process_vm_readv: enough to miss "within 10% of the raw call" on its own. __builtin_memcpy of
// a constant 8 is inlined at every optimisation level: still no libc.
std::size_t find_nul(const std::byte* p, std::size_t n) {
  constexpr std::uint64_t kOnes = 0x0101010101010101, kHighs = 0x8080808080808080;
  std::size_t i = 0;
  for (; i + sizeof(std::uint64_t) <= n; i += sizeof(std::uint64_t)) {
    std::uint64_t w;
    __builtin_memcpy(&w, p + i, sizeof w);
    if (const std::uint64_t zero = (w - kOnes) & ~w & kHighs; zero != 0) {
      return i + static_cast<std::size_t>(__builtin_ctzll(zero)) / 8;
    }
  }
  for (; i < n; ++i) {
    if (p[i] == std::byte{0}) return i;
  }
  return n;
}

// Adds `bytes` just moved for `seg` to its op. Returns true if the op is now complete.
bool account(MemOp& op, const Segment& seg, std::size_t bytes) {
  if (op.kind == MemOp::Kind::read_string) {
    if (const std::size_t nul = find_nul(seg.local, bytes); nul < bytes) {
      op.done += nul + 1;
      return true;
    }
    op.done += bytes;
    op.truncated = op.done == op.length;
    return op.truncated;
  }
  op.done += bytes;
  return op.done == op.length;
}

void fail(MemOp& op, Error e) {
  op.error = e.errno_value();
  op.gone = e.is_gone();
}

// Runs ops [begin, end), all memory ops of one direction. Returns the index of the first op
// that failed, or Batch::npos.
std::size_t run_memory(Batch& batch, std::size_t begin, std::size_t end, Transport& transport) {
  Segment segs[Batch::kCapacity];
  std::size_t failed = Batch::npos;
  const bool write = batch[begin].is_write();
  for (;;) {
    // One round: the next chunk of every unfinished op before the first failure. A plain op is
    // one chunk; a string op's chunk ends at a page end so that a page after its NUL is never
    // touched (a string ending just before an unmapped page must read fine).
    std::size_t n = 0;
    const std::size_t limit = failed < end ? failed : end;
    for (std::size_t k = begin; k < limit; ++k) {
      MemOp& op = batch[k];
      if (op.executed) continue;
      std::size_t chunk = op.length - op.done;
      const std::uintptr_t pos = op.remote + op.done;
      if (op.kind == MemOp::Kind::read_string) {
        const std::size_t to_page_end = kPageSize - (pos % kPageSize);
        if (chunk > to_page_end) chunk = to_page_end;
        // Most strings (paths, argv) are short: the first round moves at most 1 KiB rather than
        // the rest of the page (a 4 KiB copy costs ~5% more than 256 bytes); longer strings take
        // one more round for the rest of that page.
        if (op.done == 0 && chunk > kFirstStringChunk) chunk = kFirstStringChunk;
      }
      if (chunk == 0) {  // zero-length op: nothing to move
        op.truncated = op.kind == MemOp::Kind::read_string;
        op.executed = true;
        continue;
      }
      segs[n++] = {k, pos, static_cast<std::byte*>(op.local) + op.done, chunk, op.access};
    }
    if (n == 0) return failed;

    const TransferOutcome out = transport.transfer(segs, n, write);
    for (std::size_t s = 0; s < out.complete; ++s) {
      MemOp& op = batch[segs[s].op];
      op.executed = account(op, segs[s], segs[s].len);
    }
    if (out.complete < n) {
      const Segment& seg = segs[out.complete];
      MemOp& op = batch[seg.op];
      // A string whose NUL arrived before the fault is complete: the fault lies past its end.
      if (account(op, seg, out.partial) && op.kind == MemOp::Kind::read_string) {
        op.executed = true;
      } else {
        op.truncated = false;
        fail(op, out.error);
        failed = seg.op;
      }
    }
  }
}

}  // namespace

Result<void> run_batch(Batch& batch, Transport& transport) {
  for (std::size_t k = 0; k < batch.size(); ++k) {
    MemOp& op = batch[k];
    op.executed = op.truncated = op.gone = false;
    op.done = 0;
    op.error = 0;
  }
  std::size_t failed = Batch::npos;
  std::size_t k = 0;
  while (k < batch.size() && failed == Batch::npos) {
    MemOp& op = batch[k];
    if (!op.is_memory()) {
      // Register ops break runs: they execute exactly in order, so one after a failing memory
      // op never takes effect.
      auto r = op.kind == MemOp::Kind::get_regs
                   ? transport.get_regs(static_cast<Registers*>(op.local))
                   : transport.set_regs(*static_cast<const Registers*>(op.local));
      if (r) {
        op.done = op.length;
        op.executed = true;
      } else {
        fail(op, r.error());
        failed = k;
      }
      ++k;
      continue;
    }
    std::size_t end = k + 1;
    while (end < batch.size() && batch[end].is_memory() && batch[end].is_write() == op.is_write()) {
      ++end;
    }
    failed = run_memory(batch, k, end, transport);
    k = end;
  }
  batch.set_failed_index(failed);
  if (failed == Batch::npos) return {};
  // Reads after the failing op may already have been transferred in the same round; by the
  // contract they are not executed.
  for (std::size_t j = failed + 1; j < batch.size(); ++j) {
    batch[j].executed = false;
    batch[j].done = 0;
    batch[j].truncated = false;
  }
  const MemOp& f = batch[failed];
  return std::unexpected(f.gone ? Error::gone() : Error::guest(f.error));
}

Error access_error(int e) {
  switch (e) {
    case ESRCH:
      return Error::gone();
    case EIO:
      return Error::guest(EFAULT);
    default:
      return Error::guest(e);
  }
}

TransferOutcome process_vm_transfer(long pid, Segment* segs, std::size_t n, bool write,
                                    ForcedAccess& forced, MemoryStats& stats) {
  iovec local[Batch::kCapacity];
  iovec remote[Batch::kCapacity];
  std::size_t i = 0, off = 0;  // the next byte to move: segment i, offset off
  while (i < n) {
    std::size_t cnt = 0;
    for (std::size_t s = i; s < n; ++s, ++cnt) {
      const std::size_t o = s == i ? off : 0;
      local[cnt] = {segs[s].local + o, segs[s].len - o};
      remote[cnt] = {reinterpret_cast<void*>(segs[s].remote + o), segs[s].len - o};
    }
    ++stats.crossings;
    const long r = raw_syscall(write ? SYS_process_vm_writev : SYS_process_vm_readv, pid,
                               reinterpret_cast<long>(local), static_cast<long>(cnt),
                               reinterpret_cast<long>(remote), static_cast<long>(cnt), 0);
    if (r <= 0) {
      const Error e = r < 0 ? access_error(static_cast<int>(-r)) : Error::guest(EFAULT);
      if (e == Error::guest(EFAULT) && segs[i].access == Access::force) {
        // process_vm_* never forces access (no FOLL_FORCE): a debugger's access to this
        // segment goes through the forcing mechanism, then back to batching.
        const Moved m = forced.force(segs[i], off, write);
        if (m.error != Error::guest(0)) return {i, off + m.bytes, m.error};
        ++i;
        off = 0;
        continue;
      }
      return {i, off, e};
    }
    // A partial transfer stops at a page boundary, inside a segment or between two; the next
    // call starts exactly there and reports the errno of the failing page.
    for (std::size_t left = static_cast<std::size_t>(r); left > 0;) {
      const std::size_t take = left < segs[i].len - off ? left : segs[i].len - off;
      off += take;
      left -= take;
      if (off == segs[i].len) {
        ++i;
        off = 0;
      }
    }
  }
  return {n, 0, Error::guest(0)};
}

Moved proc_mem_transfer(int fd, std::uintptr_t addr, std::byte* local, std::size_t len, bool write,
                        MemoryStats& stats) {
  std::size_t moved = 0;
  while (moved < len) {
    ++stats.crossings;
    // /proc/PID/mem takes unsigned offsets (FMODE_UNSIGNED_OFFSET): any address is an offset.
    const long r =
        raw_syscall(write ? SYS_pwrite64 : SYS_pread64, fd, reinterpret_cast<long>(local + moved),
                    static_cast<long>(len - moved), static_cast<long>(addr + moved));
    if (r == -EINTR) continue;
    if (r < 0) return {moved, access_error(static_cast<int>(-r))};
    if (r == 0) return {moved, Error::gone()};  // mem_rw(): the address space is gone
    moved += static_cast<std::size_t>(r);
  }
  return {moved, Error::guest(0)};
}

}  // namespace ptvm
