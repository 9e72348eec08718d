// ptvm_ptrace_multi(): the seed's multi_ptrace() loop, with consecutive memory requests turned
// into one Batch (one process_vm_readv/writev per direction) instead of one crossing per word.
#include "ptvm/ptrace_multi.h"

#include <sys/ptrace.h>
#include <sys/syscall.h>

#include <atomic>
#include <new>

#include "core/raw_syscall.h"
#include "mem/remote_memory.h"

namespace ptvm {
namespace {

std::atomic<int> g_mode{PTVM_MEM_AUTO};
thread_local unsigned long t_crossings = 0;

MemMode mem_mode() {
  switch (g_mode.load(std::memory_order_relaxed)) {
    case PTVM_MEM_VM:
      return MemMode::vm;
    case PTVM_MEM_PROCMEM:
      return MemMode::procmem;
    case PTVM_MEM_PEEK:
      return MemMode::peek;
    default:
      return MemMode::automatic;
  }
}

bool is_word_memory(long req) {
  return req == PTRACE_PEEKTEXT || req == PTRACE_PEEKDATA || req == PTRACE_POKETEXT ||
         req == PTRACE_POKEDATA;
}
bool is_char_memory(long req) {
  return req == PTVM_PEEKCHARDATA || req == PTVM_POKECHARDATA || req == PTVM_PEEKSTRINGDATA ||
         req == PTVM_PEEKCHARDATA_CHECKED || req == PTVM_POKECHARDATA_CHECKED ||
         req == PTVM_PEEKSTRINGDATA_CHECKED;
}
// The seed's requests force access (access_process_vm); the _CHECKED ones are the tracee's.
Access char_access(long req) {
  return req >= PTVM_PEEKCHARDATA_CHECKED ? Access::as_tracee : Access::force;
}
long word_count(long length) {
  return length <= 0 ? 1 : length;
}

// Adds request `r` to the batch; false if it does not fit.
bool add_to_batch(Batch& b, const ptvm_multi& r) {
  const RemotePtr<void> addr(static_cast<std::uintptr_t>(r.addr));
  std::size_t idx = Batch::npos;
  switch (r.request) {
    case PTRACE_PEEKTEXT:
    case PTRACE_PEEKDATA:
      idx = b.read(addr, r.localaddr, word_count(r.length) * sizeof(long), Access::force);
      break;
    case PTRACE_POKETEXT:
    case PTRACE_POKEDATA:
      idx = b.write(addr, r.localaddr, word_count(r.length) * sizeof(long), Access::force);
      break;
    case PTVM_PEEKCHARDATA:
    case PTVM_PEEKCHARDATA_CHECKED:
      idx = b.read(addr, r.localaddr, static_cast<std::size_t>(r.length), char_access(r.request));
      break;
    case PTVM_POKECHARDATA:
    case PTVM_POKECHARDATA_CHECKED:
      idx = b.write(addr, r.localaddr, static_cast<std::size_t>(r.length), char_access(r.request));
      break;
    case PTVM_PEEKSTRINGDATA:
    case PTVM_PEEKSTRINGDATA_CHECKED:
      idx = b.read_string(addr.cast<char>(), static_cast<char*>(r.localaddr),
                          static_cast<std::size_t>(r.length), char_access(r.request));
      break;
  }
  return idx != Batch::npos;
}

long raw_ptrace(long request, pid_t pid, long addr, long data) {
  ++t_crossings;
  return raw_syscall(SYS_ptrace, request, pid, addr, data);
}

// PEEKUSER/POKEUSER word by word: the user area is not memory (and POKEUSER validates each
// register it writes, which PTRACE_SETREGS would do differently for a partial update).
long user_area(pid_t pid, const ptvm_multi& r) {
  long* words = static_cast<long*>(r.localaddr);
  for (long j = 0; j < word_count(r.length); ++j) {
    const long addr = r.addr + j * static_cast<long>(sizeof(long));
    // The raw PEEKUSER syscall stores the word at `data` (glibc's wrapper returns it instead).
    const long ret = r.request == PTRACE_PEEKUSER
                         ? raw_ptrace(PTRACE_PEEKUSER, pid, addr, reinterpret_cast<long>(words + j))
                         : raw_ptrace(PTRACE_POKEUSER, pid, addr, words[j]);
    if (ret < 0) return ret;
  }
  return 0;
}

long multi(pid_t pid, ptvm_multi* reqs, long n) {
  if (n < 0 || (n > 0 && reqs == nullptr)) return -EINVAL;
  for (long i = 0; i < n; ++i) {
    if (is_char_memory(reqs[i].request) && reqs[i].length < 0) return -EINVAL;
  }
  RemoteMemory mem(pid, mem_mode());
  Batch batch;
  long first = 0;  // request index of batch[0]
  long ret = 0;
  auto flush = [&]() -> long {
    if (batch.empty()) return 0;
    const auto r = mem.run(batch);
    const std::size_t done = r ? batch.size() : batch.failed_index() + 1;
    for (std::size_t k = 0; k < done; ++k) {
      if (is_char_memory(reqs[first + k].request)) {
        reqs[first + k].length = static_cast<long>(batch[k].done);
      }
    }
    batch.clear();
    return r ? 0 : -r.error().errno_value();
  };
  for (long i = 0; i < n && ret == 0; ++i) {
    const ptvm_multi& r = reqs[i];
    if (is_word_memory(r.request) || is_char_memory(r.request)) {
      if (batch.empty()) first = i;
      if (add_to_batch(batch, r)) continue;
      ret = flush();  // batch full: run it and start the next with this request
      if (ret != 0) break;
      first = i;
      add_to_batch(batch, r);
      continue;
    }
    ret = flush();
    if (ret != 0) break;
    if (r.request == PTRACE_PEEKUSER || r.request == PTRACE_POKEUSER) {
      ret = user_area(pid, r);
    } else {
      ret = raw_ptrace(r.request, pid, r.addr, reinterpret_cast<long>(r.localaddr));
    }
  }
  if (ret == 0) ret = flush();
  t_crossings += mem.stats().crossings;
  return ret;
}

}  // namespace
}  // namespace ptvm

extern "C" long ptvm_ptrace_multi(pid_t pid, struct ptvm_multi* reqs, long n) {
  try {
    return ptvm::multi(pid, reqs, n);
  } catch (const std::bad_alloc&) {
    return -ENOMEM;
  } catch (...) {
    return -EIO;
  }
}

extern "C" int ptvm_multi_set_mem_mode(int mode) {
  if (mode < PTVM_MEM_AUTO || mode > PTVM_MEM_PEEK) return -EINVAL;
  ptvm::g_mode.store(mode, std::memory_order_relaxed);
  return 0;
}

extern "C" unsigned long ptvm_multi_crossings(void) {
  return ptvm::t_crossings;
}
