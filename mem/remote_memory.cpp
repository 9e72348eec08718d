#include "mem/remote_memory.h"

#include <fcntl.h>
#include <linux/audit.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace ptvm {

namespace {

constexpr Error kOk = Error::guest(0);

bool is_ok(Error e) {
  return e == kOk;
}

bool refuses_mechanism(Error e) {
  return e == Error::guest(ENOSYS) || e == Error::guest(EPERM) || e == Error::guest(EACCES) ||
         e == Error::guest(ENOENT);
}

std::uintptr_t parse_hex(const char*& p, const char* end) {
  std::uintptr_t v = 0;
  for (; p < end; ++p) {
    const char c = *p;
    const int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (d < 0) break;
    v = v * 16 + static_cast<std::uintptr_t>(d);
  }
  return v;
}

// One line of /proc/PID/maps, "start-end perms ...", [line, end) without its newline.
template <class F>
void parse_maps_line(const char* line, const char* end, F& on_mapping) {
  const char* p = line;
  const std::uintptr_t start = parse_hex(p, end);
  if (p < end) ++p;  // '-'
  const std::uintptr_t stop = parse_hex(p, end);
  const bool readable = end - p > 1 && p[1] == 'r';
  const bool writable = end - p > 2 && p[2] == 'w';
  on_mapping(start, stop, readable, writable);
}

// Calls on_mapping(start, end, readable, writable) for each line of /proc/TID/maps, in the
// kernel's order. Plain open/read/close so that every system call is counted: stdio hid an
// fstat and read 1 KiB at a time (4 reads for a small tracee's maps); 16 KiB reads take most
// maps in one, plus the read that sees the end. Runs once per batch under the procmem and peek
// fallbacks. A read error ends the file, as it ended fgets().
template <class F>
Result<void> read_maps(pid_t tid, MemoryStats& stats, F on_mapping) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/maps", tid);
  ++stats.crossings;
  const int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::unexpected(errno == ENOENT ? Error::gone() : Error::guest(errno));
  char buf[16384];
  std::size_t have = 0;   // unparsed bytes at the start of buf
  bool skipping = false;  // in the rest of a line longer than buf, whose head was parsed
  for (;;) {
    ++stats.crossings;
    const ssize_t r = read(fd, buf + have, sizeof buf - have);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    const char* line = buf;
    const char* const end = buf + have + static_cast<std::size_t>(r);
    while (const char* nl = static_cast<const char*>(std::memchr(line, '\n', end - line))) {
      if (!skipping) parse_maps_line(line, nl, on_mapping);
      skipping = false;
      line = nl + 1;
    }
    have = static_cast<std::size_t>(end - line);
    if (have == sizeof buf) {  // one line fills the buffer (a very long path): parse its head
      if (!skipping) parse_maps_line(buf, buf + have, on_mapping);
      skipping = true;
      have = 0;
    } else {
      std::memmove(buf, line, have);
    }
  }
  if (have > 0 && !skipping) parse_maps_line(buf, buf + have, on_mapping);  // no final newline
  ++stats.crossings;
  close(fd);
  return {};
}

}  // namespace

std::optional<MemMode> parse_mem_mode(std::string_view text) {
  if (text == "auto") return MemMode::automatic;
  if (text == "vm") return MemMode::vm;
  if (text == "procmem") return MemMode::procmem;
  if (text == "peek") return MemMode::peek;
  return std::nullopt;
}

const char* to_string(MemMode mode) {
  switch (mode) {
    case MemMode::automatic:
      return "auto";
    case MemMode::vm:
      return "vm";
    case MemMode::procmem:
      return "procmem";
    case MemMode::peek:
      return "peek";
  }
  return "?";
}

RemoteMemory::RemoteMemory(pid_t tid, MemMode mode)
    : tid_(tid),
      mode_(mode == MemMode::automatic ? MemMode::vm : mode),
      automatic_(mode == MemMode::automatic) {}

RemoteMemory::~RemoteMemory() {
  if (mem_fd_ >= 0) close(mem_fd_);
}

void RemoteMemory::after_exec(pid_t tid) {
  tid_ = tid;
  if (mem_fd_ >= 0) close(mem_fd_);
  mem_fd_ = -1;
  mem_fd_error_.reset();
  regs_.reset();
  ahead_count_ = 0;
}

Result<void> RemoteMemory::run(Batch& batch) {
  if (ahead_count_ > 0 && serve_ahead(batch)) return {};
  maps_loaded_ = false;  // mappings may have changed since the last batch
  std::size_t first_write = batch.size();
  for (std::size_t k = 0; k < batch.size() && first_write == batch.size(); ++k) {
    if (batch[k].is_write()) first_write = k;
  }
  if (along_n_ == 0 || first_write == batch.size() || batch.size() == Batch::kCapacity) {
    return run_batch(batch, *this);
  }
  // The write-along just before the batch's first write: their run is one crossing.
  Batch both;
  for (std::size_t k = 0; k < batch.size(); ++k) {
    if (k == first_write) both.write(RemotePtr<void>(along_at_), along_, along_n_);
    both.add_like(batch[k]);
  }
  along_n_ = 0;
  auto result = run_batch(both, *this);
  if (!both[first_write].executed) return run_batch(batch, *this);  // alone, its own errors
  along_done_ = true;
  for (std::size_t k = 0; k < batch.size(); ++k) {
    const MemOp& op = both[k < first_write ? k : k + 1];
    MemOp& mine = batch[k];
    mine.executed = op.executed;
    mine.truncated = op.truncated;
    mine.done = op.done;
    mine.error = op.error;
    mine.gone = op.gone;
  }
  const std::size_t failed = both.failed_index();
  batch.set_failed_index(failed == Batch::npos || failed < first_write ? failed : failed - 1);
  return result;
}

void RemoteMemory::write_along(RemotePtr<void> to, const void* from, std::size_t n) {
  PTVM_ASSERT(n <= kAlongBytes, "write_along: at most kAlongBytes");
  along_at_ = to.addr();
  std::memcpy(along_, from, n);
  along_n_ = n;
  along_done_ = false;
}

Result<void> RemoteMemory::read_ahead(RemotePtr<void> from, void* into, std::size_t n,
                                      const Range* ahead, std::size_t count) {
  ahead_count_ = 0;
  if (mode_ != MemMode::vm) return read(from, into, n);
  iovec local[1 + kAheadRanges], remote[1 + kAheadRanges];
  local[0] = {into, n};
  remote[0] = {reinterpret_cast<void*>(from.addr()), n};
  std::size_t m = 1, used = 0;
  for (std::size_t i = 0; i < count && m <= kAheadRanges; ++i) {
    const std::uintptr_t at = ahead[i].at;
    const std::size_t len =
        std::min({ahead[i].len, kAheadBytes - used, kPageSize - at % kPageSize});
    if (len == 0 || at < kPageSize) continue;  // NULL, a small number: never memory
    ahead_ranges_[m - 1] = {at, len, used};
    local[m] = {ahead_ + used, len};
    remote[m] = {reinterpret_cast<void*>(at), len};
    used += len;
    ++m;
  }
  if (m == 1) return read(from, into, n);
  ++stats_.crossings;
  const ssize_t r = process_vm_readv(tid_, local, m, remote, m, 0);
  // The first range short: the usual path, which knows the fallbacks and says why.
  if (r < 0 || static_cast<std::size_t>(r) < n) return read(from, into, n);
  // The kernel stops at the first range it cannot read: the ones after it have nothing.
  std::size_t left = static_cast<std::size_t>(r) - n;
  for (std::size_t k = 0; k + 1 < m && left > 0; ++k) {
    ahead_ranges_[k].len = std::min(ahead_ranges_[k].len, left);
    left -= ahead_ranges_[k].len;
    ahead_count_ = k + 1;
  }
  return {};
}

bool RemoteMemory::serve_ahead(Batch& batch) {
  bool reads = true;
  for (std::size_t k = 0; k < batch.size(); ++k) {
    if (batch[k].is_write()) {
      ahead_count_ = 0;  // memory is about to change
      return false;
    }
    reads = reads && batch[k].is_memory();
  }
  if (!reads) return false;  // register ops: the kernel's, in order
  // Every op first: served only if all of them are (no partial batch, no order to keep).
  const std::byte* source[Batch::kCapacity];
  std::size_t take[Batch::kCapacity];
  for (std::size_t k = 0; k < batch.size(); ++k) {
    const MemOp& op = batch[k];
    std::size_t avail = 0;
    source[k] = nullptr;
    for (std::size_t j = 0; j < ahead_count_ && !source[k]; ++j) {
      const Ahead& a = ahead_ranges_[j];
      if (op.remote >= a.at && op.remote - a.at < a.len) {
        source[k] = ahead_ + a.off + (op.remote - a.at);
        avail = a.len - (op.remote - a.at);
      }
    }
    if (op.length == 0) {
      take[k] = 0;
      continue;
    }
    if (!source[k]) return false;
    if (op.kind == MemOp::Kind::read_string) {
      const void* nul = std::memchr(source[k], 0, std::min(avail, op.length));
      if (nul) {
        take[k] = static_cast<std::size_t>(static_cast<const std::byte*>(nul) - source[k]) + 1;
        continue;
      }
    }
    if (op.length > avail) return false;  // beyond what was read ahead (or no NUL in it)
    take[k] = op.length;
  }
  for (std::size_t k = 0; k < batch.size(); ++k) {
    MemOp& op = batch[k];
    if (take[k] > 0) std::memcpy(op.local, source[k], take[k]);
    op.done = take[k];
    op.executed = true;
    op.truncated = op.kind == MemOp::Kind::read_string && take[k] == op.length &&
                   (take[k] == 0 || source[k][take[k] - 1] != std::byte{0});
    op.error = 0;
    op.gone = false;
  }
  batch.set_failed_index(Batch::npos);
  return true;
}

TransferOutcome RemoteMemory::transfer(Segment* segs, std::size_t n, bool write) {
  TransferOutcome out;
  switch (mode_) {
    case MemMode::vm:
    case MemMode::automatic:
      out = process_vm_transfer(tid_, segs, n, write, *this, stats_);
      break;
    case MemMode::procmem:
      out = transfer_procmem(segs, n, write);
      break;
    case MemMode::peek:
      return transfer_peek(segs, n, write);
  }
  // Automatic mode steps down the chain when the kernel refuses the mechanism itself (no
  // CONFIG_CROSS_MEMORY_ATTACH, a seccomp policy, no /proc): retry the rest one level lower.
  if (out.complete < n && out.partial == 0 && automatic_ && refuses_mechanism(out.error)) {
    mode_ = mode_ == MemMode::vm ? MemMode::procmem : MemMode::peek;
    TransferOutcome rest = transfer(segs + out.complete, n - out.complete, write);
    rest.complete += out.complete;
    return rest;
  }
  return out;
}

TransferOutcome RemoteMemory::transfer_procmem(Segment* segs, std::size_t n, bool write) {
  if (auto fd = mem_fd(); !fd) return {0, 0, fd.error()};
  for (std::size_t i = 0; i < n; ++i) {
    const Moved m = procmem_segment(segs[i], 0, write);
    if (!is_ok(m.error)) return {i, m.bytes, m.error};
  }
  return {n, 0, kOk};
}

TransferOutcome RemoteMemory::transfer_peek(Segment* segs, std::size_t n, bool write) {
  for (std::size_t i = 0; i < n; ++i) {
    const Moved m = peek_segment(segs[i], 0, write);
    if (!is_ok(m.error)) return {i, m.bytes, m.error};
  }
  return {n, 0, kOk};
}

Moved RemoteMemory::force(const Segment& seg, std::size_t off, bool write) {
  if (mode_ != MemMode::peek && mem_fd()) return procmem_segment(seg, off, write);
  return peek_segment(seg, off, write);
}

Result<int> RemoteMemory::mem_fd() {
  if (mem_fd_ >= 0) return mem_fd_;
  if (mem_fd_error_) return std::unexpected(*mem_fd_error_);
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/mem", tid_);
  ++stats_.crossings;
  mem_fd_ = open(path, O_RDWR | O_CLOEXEC);
  if (mem_fd_ < 0) {
    const int e = errno;
    // ESRCH: a zombie; ENOENT: reaped (unless /proc itself is missing). Both: tracee gone.
    const bool gone = e == ESRCH || (e == ENOENT && access("/proc/self/mem", F_OK) == 0);
    mem_fd_error_ = gone ? Error::gone() : Error::guest(e);
    return std::unexpected(*mem_fd_error_);
  }
  return mem_fd_;
}

Moved RemoteMemory::procmem_segment(const Segment& seg, std::size_t off, bool write) {
  auto fd = mem_fd();
  if (!fd) return {0, fd.error()};
  const std::uintptr_t addr = seg.remote + off;
  const std::size_t want = seg.len - off;
  auto limit_or = limit_to_tracee(seg, off, write);
  if (!limit_or) return {0, limit_or.error()};
  const std::size_t limit = *limit_or;
  const Moved m = proc_mem_transfer(*fd, addr, seg.local + off, limit, write, stats_);
  if (!is_ok(m.error)) return m;
  return {m.bytes, limit < want ? Error::guest(EFAULT) : kOk};
}

Result<std::size_t> RemoteMemory::limit_to_tracee(const Segment& seg, std::size_t off, bool write) {
  if (seg.access == Access::force) return seg.len - off;
  return accessible(seg.remote + off, seg.len - off, write);
}

Moved RemoteMemory::peek_segment(const Segment& seg, std::size_t off, bool write) {
  const std::uintptr_t addr = seg.remote + off;
  const std::size_t want = seg.len - off;
  auto limit_or = limit_to_tracee(seg, off, write);
  if (!limit_or) return {0, limit_or.error()};
  const std::size_t limit = *limit_or;
  std::size_t moved = 0;
  while (moved < limit) {
    // Aligned words never cross a page, so a word is readable iff its page is.
    const std::uintptr_t at = addr + moved;
    const std::uintptr_t word = at & ~std::uintptr_t{7};
    const std::size_t skip = at - word;
    const std::size_t take = std::min<std::size_t>(8 - skip, limit - moved);
    long value = 0;
    if (!write || take < 8) {  // a partial word write is read-modify-write
      ++stats_.crossings;
      errno = 0;
      value = ptrace(PTRACE_PEEKDATA, tid_, word, nullptr);
      if (errno != 0) return {moved, access_error(errno)};
    }
    if (write) {
      std::memcpy(reinterpret_cast<char*>(&value) + skip, seg.local + off + moved, take);
      ++stats_.crossings;
      if (ptrace(PTRACE_POKEDATA, tid_, word, value) < 0) return {moved, access_error(errno)};
    } else {
      std::memcpy(seg.local + off + moved, reinterpret_cast<char*>(&value) + skip, take);
    }
    moved += take;
  }
  return {moved, limit < want ? Error::guest(EFAULT) : kOk};
}

Result<std::size_t> RemoteMemory::accessible(std::uintptr_t addr, std::size_t len, bool write) {
  if (!maps_loaded_) {
    maps_.clear();
    auto loaded =
        read_maps(tid_, stats_,
                  [this](std::uintptr_t start, std::uintptr_t end, bool readable, bool writable) {
                    maps_.push_back({start, end, readable, writable});
                  });
    if (!loaded) return std::unexpected(loaded.error());
    // An exited tracee has an empty maps file; its memory cannot be reached at all.
    if (maps_.empty()) return std::unexpected(Error::gone());
    maps_loaded_ = true;
  }
  const std::uintptr_t end = addr + len < addr ? UINTPTR_MAX : addr + len;
  std::uintptr_t pos = addr;
  for (const Mapping& m : maps_) {  // sorted by address, as the kernel prints them
    if (m.end <= pos) continue;
    if (m.start > pos || !(write ? m.writable : m.readable)) break;
    pos = std::min(m.end, end);
    if (pos == end) break;
  }
  return pos - addr;
}

Result<Registers*> RemoteMemory::registers() {
  if (!regs_) {
    user_regs_struct raw;
    ++stats_.crossings;
    if (ptrace(PTRACE_GETREGS, tid_, nullptr, &raw) < 0) {
      return std::unexpected(errno == ESRCH ? Error::gone() : Error::guest(errno));
    }
    regs_.emplace(raw);
    regs_at_stop_ = *regs_;
  }
  return &*regs_;
}

Result<void> RemoteMemory::flush_registers() {
  if (!regs_ || *regs_ == regs_at_stop_) return {};
  // One register changed (most often a return address, the trampoline's): PTRACE_POKEUSER
  // writes that word alone, in less than half the time of PTRACE_SETREGS, which copies the whole
  // set in (0.55 against 1.3 us here). The kernel checks the word as SETREGS checks each one.
  constexpr std::size_t kWords = sizeof(user_regs_struct) / sizeof(unsigned long);
  unsigned long now[kWords], was[kWords];
  std::memcpy(now, &regs_->raw(), sizeof now);
  std::memcpy(was, &regs_at_stop_.raw(), sizeof was);
  std::size_t changed = 0, word = 0;
  for (std::size_t i = 0; i < kWords; ++i) {
    if (now[i] != was[i]) {
      ++changed;
      word = i;
    }
  }
  ++stats_.crossings;
  const long r = changed == 1 ? ptrace(PTRACE_POKEUSER, tid_,
                                       reinterpret_cast<void*>(word * sizeof(unsigned long)),
                                       reinterpret_cast<void*>(now[word]))
                              : ptrace(PTRACE_SETREGS, tid_, nullptr, &regs_->raw());
  if (r < 0) {
    return std::unexpected(errno == ESRCH ? Error::gone() : Error::guest(errno));
  }
  regs_at_stop_ = *regs_;
  return {};
}

void RemoteMemory::resumed() {
  regs_.reset();
  ahead_count_ = 0;
  along_n_ = 0;
  along_done_ = false;
}

Result<RemoteMemory::SyscallEntry> RemoteMemory::syscall_entry() {
  if (!regs_ && syscall_info_) {
    __ptrace_syscall_info info;
    ++stats_.crossings;
    const long r =
        ptrace(PTRACE_GET_SYSCALL_INFO, tid_, reinterpret_cast<void*>(sizeof info), &info);
    if (r < 0 && errno == ESRCH) return std::unexpected(Error::gone());
    if (r < 0) syscall_info_ = false;  // EIO: a kernel without the request
    if (r > 0 && info.op == PTRACE_SYSCALL_INFO_SECCOMP && info.arch == AUDIT_ARCH_X86_64) {
      SyscallEntry e{static_cast<int>(info.seccomp.nr), {}};  // as syscall_no(): an int
      for (int i = 0; i < 6; ++i) e.args[i] = info.seccomp.args[i];
      return e;
    }
  }
  auto regs = registers();
  if (!regs) return std::unexpected(regs.error());
  SyscallEntry e{(*regs)->syscall_no(), {}};
  for (int i = 0; i < 6; ++i) e.args[i] = (*regs)->arg(i);
  return e;
}

Result<void> RemoteMemory::get_regs(Registers* into) {
  auto r = registers();
  if (!r) return std::unexpected(r.error());
  *into = **r;
  return {};
}

Result<void> RemoteMemory::set_regs(const Registers& from) {
  auto r = registers();
  if (!r) return std::unexpected(r.error());
  **r = from;
  return {};
}

}  // namespace ptvm
