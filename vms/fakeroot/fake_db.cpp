#include "vms/fakeroot/fake_db.h"

#include <signal.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <time.h>

#include <cerrno>
#include <new>

#include "core/cstr.h"
#include "core/proc_files.h"
#include "core/raw_syscall.h"

namespace ptvm::fakeroot {

namespace {

// Files made one after the other get consecutive inode numbers, and a program that made them
// looks at them together (ls, tar, find): 16 consecutive inodes hash to 16 consecutive slots,
// one page of the table rather than 16 (in-process, each page a process touches is a fault),
// and the blocks of 16 spread as a hash spreads.
std::uint64_t hash(std::uint64_t dev, std::uint64_t ino) {
  std::uint64_t h = (dev * 0x9e3779b97f4a7c15ULL) ^ ((ino >> 4) * 0xc2b2ae3d27d4eb4fULL);
  h ^= h >> 29;
  return (h << 4) | (ino & 15);
}

// Marks slot i of an open-addressing table erased; when the slot after it is empty, no probe
// sequence goes through it, so it and the erased slots before it become empty again (probe
// sequences stay short under create-delete churn).
template <class S>
void release(S* slots, std::uint64_t capacity, std::uint64_t i, std::uint32_t erased,
             std::uint32_t empty) {
  const std::uint64_t mask = capacity - 1;
  slots[i].state = erased;
  if (slots[(i + 1) & mask].state != empty) return;
  for (std::uint64_t n = 0; n < capacity && slots[i].state == erased; ++n) {
    slots[i].state = empty;
    i = (i - 1) & mask;
  }
}

constexpr std::size_t block_bytes(std::size_t n) {
  return (8 + n + 7) & ~std::size_t{7};
}

}  // namespace

FakeDb* FakeDb::format(void* memory, std::size_t bytes) {
  static_assert(heap_bytes(kDefaultCapacity) <= kHeapMax);
  if (bytes < bytes_for(2)) return nullptr;
  std::size_t capacity = 2;
  while (bytes_for(capacity * 2) <= bytes && heap_bytes(capacity * 2) <= kHeapMax) capacity *= 2;
  auto* db = new (memory) FakeDb();
  db->header_.magic = kMagic;
  db->header_.capacity = capacity;
  db->header_.active = capacity < kFirstActive ? capacity : kFirstActive;
  db->header_.count = 0;
  db->header_.lock = 0;
  db->header_.seq = 0;
  db->header_.xcount = 0;
  db->header_.heap_used = 0;
  db->header_.heap_free = 0;
  for (std::int32_t& pid : db->header_.exec_pid) pid = 0;
  return db;
}

FakeDb* FakeDb::attach(void* memory, std::size_t bytes) {
  auto* db = static_cast<FakeDb*>(memory);
  if (bytes < sizeof(Header) || db->header_.magic != kMagic || db->header_.capacity > bytes ||
      bytes_for(db->header_.capacity) > bytes) {
    return nullptr;
  }
  return db;
}

namespace {

// Whether the thread `tid` that holds the lock is gone: no such thread, or a zombie (a process
// killed with the lock: its leader stays a zombie until its parent waits for it). Thread ids
// are handed out cyclically, so the id of a holder that died is not another thread's by the
// time a waiter looks (that takes pid_max new threads).
bool holder_gone(std::int32_t tid) {
  if (raw_syscall(SYS_kill, tid, 0) == -ESRCH) return true;
  char text[512];
  const long n = read_proc(tid, "/stat", text, sizeof text);
  if (n <= 0) return n == -ENOENT || n == -ESRCH;
  // "tid (comm) S ...": the comm may hold anything, the state follows its last ')'.
  long close = -1;
  for (long i = 0; i < n; ++i) {
    if (text[i] == ')') close = i;
  }
  return close >= 0 && close + 2 < n && (text[close + 2] == 'Z' || text[close + 2] == 'X');
}

}  // namespace

std::uint64_t FakeDb::lock() {
  // Every signal blocked while the lock is held: a signal handler of the program that uses the
  // table (an xattr call in a SIGALRM handler, in-process) must not run on the thread holding
  // it. The kernel keeps SIGKILL and SIGSTOP deliverable.
  const std::uint64_t all = ~std::uint64_t{0};
  std::uint64_t old = 0;
  raw_syscall(SYS_rt_sigprocmask, SIG_SETMASK, reinterpret_cast<long>(&all),
              reinterpret_cast<long>(&old), sizeof all);
  const auto me = static_cast<std::int32_t>(raw_syscall(SYS_gettid));
  // Held for a few hundred instructions: a holder preempted makes the others yield, one that
  // stays longer (stopped by SIGSTOP, or gone) makes them sleep and look at it now and then.
  constexpr unsigned kYields = 64, kProbeEvery = 256;
  for (unsigned spins = 0;; ++spins) {
    std::int32_t holder = 0;
    if (__atomic_compare_exchange_n(&header_.lock, &holder, me, false, __ATOMIC_ACQUIRE,
                                    __ATOMIC_RELAXED)) {
      begin_change();
      return old;
    }
    // `holder` is who has it. Our own id: a holder that died and whose id the kernel gave us
    // since (we never wait for ourselves: our signals are blocked).
    if ((holder == me || (spins % kProbeEvery == kYields && holder_gone(holder))) &&
        __atomic_compare_exchange_n(&header_.lock, &holder, me, false, __ATOMIC_ACQUIRE,
                                    __ATOMIC_RELAXED)) {
      begin_change();
      return old;
    }
    if (spins < kYields) {
      raw_syscall(SYS_sched_yield);
    } else {
      const struct timespec pause = {0, 50 * 1000};
      raw_syscall(SYS_nanosleep, reinterpret_cast<long>(&pause), 0);
    }
  }
}

// The sequence counter odd: lookups without the lock wait or read again. (A holder that died
// left it odd: made even first.)
void FakeDb::begin_change() {
  const std::uint32_t seq = __atomic_load_n(&header_.seq, __ATOMIC_RELAXED);
  __atomic_store_n(&header_.seq, seq + ((seq & 1) ? 2 : 1), __ATOMIC_RELAXED);
  __atomic_thread_fence(__ATOMIC_RELEASE);
}

void FakeDb::unlock(std::uint64_t mask) {
  __atomic_store_n(&header_.seq, __atomic_load_n(&header_.seq, __ATOMIC_RELAXED) + 1,
                   __ATOMIC_RELEASE);
  __atomic_store_n(&header_.lock, 0, __ATOMIC_RELEASE);
  raw_syscall(SYS_rt_sigprocmask, SIG_SETMASK, reinterpret_cast<long>(&mask), 0, sizeof mask);
}

long FakeDb::probe(std::uint64_t dev, std::uint64_t ino, bool* found) {
  const std::uint64_t mask = header_.active - 1;
  const std::uint64_t h = hash(dev, ino);
  long first_free = -1;
  for (std::uint64_t n = 0; n < header_.active; ++n) {
    const std::uint64_t i = (h + n) & mask;
    Slot& s = slots()[i];
    if (s.state == kUsed && s.record.dev == dev && s.record.ino == ino) {
      *found = true;
      return static_cast<long>(i);
    }
    if (s.state != kUsed && first_free < 0) first_free = static_cast<long>(i);
    if (s.state == kEmpty) break;
  }
  *found = false;
  return first_free;
}

namespace {

constexpr std::uint64_t kFilterBits = FakeDb::kFilterBytes * 8;

std::uint64_t filter_bit(std::uint64_t dev, std::uint64_t ino) {
  return (hash(dev, ino) >> 40) & (kFilterBits - 1);  // the slot index uses the low bits
}

std::uint64_t xfilter_bit(std::uint64_t dev, std::uint64_t ino) {
  return (hash(dev, ino) >> 40) & (FakeDb::kXFilterBytes * 8 - 1);
}

}  // namespace

bool FakeDb::may_have_xattrs(std::uint64_t dev, std::uint64_t ino) {
  const std::uint64_t bit = xfilter_bit(dev, ino);
  return __atomic_load_n(&xfilter()[bit / 64], __ATOMIC_ACQUIRE) & (std::uint64_t{1} << bit % 64);
}

bool FakeDb::find(std::uint64_t dev, std::uint64_t ino, Record* out) {
  const std::uint64_t bit = filter_bit(dev, ino);
  if (!(__atomic_load_n(&filter()[bit / 64], __ATOMIC_ACQUIRE) & (std::uint64_t{1} << bit % 64))) {
    return false;
  }
  // Read without the lock; again if a holder changed the table meanwhile. A holder that stays
  // (stopped, or killed in there): the lock's own ways of waiting and taking over.
  const std::uint64_t h = hash(dev, ino);
  for (unsigned tries = 0; tries < 64; ++tries) {
    const std::uint32_t seq = __atomic_load_n(&header_.seq, __ATOMIC_ACQUIRE);
    if (seq & 1) {
      raw_syscall(SYS_sched_yield);
      continue;
    }
    const std::uint64_t active = __atomic_load_n(&header_.active, __ATOMIC_RELAXED);
    if (active == 0 || (active & (active - 1)) != 0 || active > header_.capacity) break;
    bool found = false;
    Record r;
    for (std::uint64_t n = 0; n < active; ++n) {
      const Slot& slot = slots()[(h + n) & (active - 1)];
      const std::uint32_t state = __atomic_load_n(&slot.state, __ATOMIC_RELAXED);
      if (state == kEmpty) break;
      if (state != kUsed || __atomic_load_n(&slot.record.dev, __ATOMIC_RELAXED) != dev ||
          __atomic_load_n(&slot.record.ino, __ATOMIC_RELAXED) != ino) {
        continue;
      }
      r.dev = dev;
      r.ino = ino;
      r.mode = __atomic_load_n(&slot.record.mode, __ATOMIC_RELAXED);
      r.uid = __atomic_load_n(&slot.record.uid, __ATOMIC_RELAXED);
      r.gid = __atomic_load_n(&slot.record.gid, __ATOMIC_RELAXED);
      r.nlink = __atomic_load_n(&slot.record.nlink, __ATOMIC_RELAXED);
      r.rdev = __atomic_load_n(&slot.record.rdev, __ATOMIC_RELAXED);
      found = true;
      break;
    }
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    if (__atomic_load_n(&header_.seq, __ATOMIC_RELAXED) != seq) continue;
    if (found) *out = r;
    return found;
  }
  const std::uint64_t mask = lock();
  bool found = false;
  const long i = probe(dev, ino, &found);
  if (found) *out = slots()[i].record;
  unlock(mask);
  return found;
}

bool FakeDb::put(const Record& r) {
  const std::uint64_t mask = lock();
  bool found = false;
  long i = probe(r.dev, r.ino, &found);
  if (!found && header_.count + 1 > header_.active / 4 * 3 && header_.active < header_.capacity) {
    grow();
    i = probe(r.dev, r.ino, &found);
  }
  // Keep a quarter free: probe sequences stay short.
  const bool room = found || (i >= 0 && header_.count + 1 <= header_.active / 4 * 3);
  if (room) {
    const std::uint64_t bit = filter_bit(r.dev, r.ino);
    __atomic_fetch_or(&filter()[bit / 64], std::uint64_t{1} << bit % 64, __ATOMIC_RELEASE);
    if (!found) ++header_.count;
    slots()[i].record = r;
    slots()[i].state = kUsed;
  }
  unlock(mask);
  return room;
}

// Doubling in place: every record of the old slots is marked to move, then each is placed in
// the doubled table; one that lands on a slot still to move takes its place and carries the
// record it found on. A record's probe sequence then holds only placed records (none is ever
// emptied), as linear probing needs. Erased slots become empty.
void FakeDb::grow() {
  const std::uint64_t old_active = header_.active;
  const std::uint64_t active = old_active * 2;
  Slot* s = slots();
  for (std::uint64_t i = 0; i < old_active; ++i) {
    s[i].state = s[i].state == kUsed ? kMoving : kEmpty;
  }
  for (std::uint64_t i = old_active; i < active; ++i) s[i].state = kEmpty;
  header_.active = active;
  for (std::uint64_t i = 0; i < old_active; ++i) {
    if (s[i].state != kMoving) continue;
    Record carried = s[i].record;
    s[i].state = kEmpty;
    for (std::uint64_t j = hash(carried.dev, carried.ino) & (active - 1);; j = (j + 1) & (active - 1)) {
      if (s[j].state == kUsed) continue;
      const bool moving = s[j].state == kMoving;
      const Record found = s[j].record;
      s[j].record = carried;
      s[j].state = kUsed;
      if (!moving) break;
      carried = found;  // placed from its own start
      j = (hash(carried.dev, carried.ino) - 1) & (active - 1);
    }
  }
}

void FakeDb::erase(std::uint64_t dev, std::uint64_t ino) {
  const std::uint64_t mask = lock();
  bool found = false;
  const long i = probe(dev, ino, &found);
  if (found) {
    release(slots(), header_.active, static_cast<std::uint64_t>(i), kErased, kEmpty);
    --header_.count;
  }
  // Its attributes: all on the probe sequence of (dev, ino).
  if (header_.xcount == 0 || !may_have_xattrs(dev, ino)) {
    unlock(mask);
    return;
  }
  const std::uint64_t xcap = xattr_capacity(header_.capacity);
  const std::uint64_t h = hash(dev, ino);
  for (std::uint64_t n = 0; n < xcap; ++n) {
    const std::uint64_t k = (h + n) & (xcap - 1);
    XSlot& x = xslots()[k];
    if (x.state == kEmpty) break;
    if (x.state == kUsed && x.dev == dev && x.ino == ino) xfree(static_cast<long>(k));
  }
  unlock(mask);
}

long FakeDb::xprobe(std::uint64_t dev, std::uint64_t ino, const char* name, std::size_t len,
                    bool* found) {
  const std::uint64_t xcap = xattr_capacity(header_.capacity);
  const std::uint64_t h = hash(dev, ino);
  long first_free = -1;
  for (std::uint64_t n = 0; n < xcap; ++n) {
    const std::uint64_t k = (h + n) & (xcap - 1);
    const XSlot& x = xslots()[k];
    if (x.state == kUsed && x.dev == dev && x.ino == ino && x.name_len == len &&
        cstr::equal(x.name, name)) {
      *found = true;
      return static_cast<long>(k);
    }
    if (x.state != kUsed && first_free < 0) first_free = static_cast<long>(k);
    if (x.state == kEmpty) break;
  }
  *found = false;
  return first_free;
}

void FakeDb::xfree(long slot) {
  XSlot& x = xslots()[slot];
  auto* b = reinterpret_cast<Block*>(heap() + x.block);
  b->owner = kFreeBlock;
  header_.heap_free += block_bytes(b->len);
  release(xslots(), xattr_capacity(header_.capacity), static_cast<std::uint64_t>(slot), kErased,
          kEmpty);
  --header_.xcount;
}

long FakeDb::allocate(std::size_t n, std::uint32_t slot) {
  const std::size_t need = block_bytes(n);
  const std::size_t size = heap_bytes(header_.capacity);
  if (header_.heap_used + need > size && header_.heap_free > 0) compact();
  if (header_.heap_used + need > size) return -1;
  const std::uint64_t at = header_.heap_used;
  auto* b = reinterpret_cast<Block*>(heap() + at);
  b->len = static_cast<std::uint32_t>(n);
  b->owner = slot;
  header_.heap_used += need;
  return static_cast<long>(at);
}

// Moves the live blocks down over the freed ones, in heap order. A block is live when its
// slot says so (not only its owner field): after a holder of the lock died in here, the heap may
// hold a copy its slot was never told of, which must not be taken for a live block.
void FakeDb::compact() {
  unsigned char* h = heap();
  const std::uint64_t xcap = xattr_capacity(header_.capacity);
  std::uint64_t to = 0;
  for (std::uint64_t at = 0; at < header_.heap_used;) {
    auto* b = reinterpret_cast<Block*>(h + at);
    const std::size_t bytes = block_bytes(b->len);
    if (bytes > header_.heap_used - at) break;  // cut short: the rest is lost
    if (b->owner < xcap && xslots()[b->owner].state == kUsed && xslots()[b->owner].block == at) {
      if (to != at) {
        for (std::size_t k = 0; k < bytes; ++k) h[to + k] = h[at + k];
        xslots()[reinterpret_cast<Block*>(h + to)->owner].block = static_cast<std::uint32_t>(to);
      }
      to += bytes;
    }
    at += bytes;
  }
  header_.heap_used = to;
  header_.heap_free = 0;
}

long FakeDb::xattr_set(std::uint64_t dev, std::uint64_t ino, const char* name, const void* value,
                       std::size_t n, int flags) {
  const std::size_t len = cstr::length(name);
  if (len == 0 || len > kNameMax) return -ERANGE;
  if (n > kValueMax) return -E2BIG;
  const std::uint64_t mask = lock();
  bool found = false;
  const long k = xprobe(dev, ino, name, len, &found);
  long r = 0;
  if (found && (flags & XATTR_CREATE)) {
    r = -EEXIST;
  } else if (!found && (flags & XATTR_REPLACE)) {
    r = -ENODATA;
  } else if (!found && (k < 0 || header_.xcount + 1 > xattr_capacity(header_.capacity) / 4 * 3)) {
    r = -ENOSPC;
  } else if (const long at = allocate(n, static_cast<std::uint32_t>(k)); at < 0) {
    r = -ENOSPC;  // an attribute replaced keeps its old value
  } else {
    XSlot& x = xslots()[k];
    if (found) {  // the old value's block (moved, if allocate() compacted) goes
      auto* old = reinterpret_cast<Block*>(heap() + x.block);
      old->owner = kFreeBlock;
      header_.heap_free += block_bytes(old->len);
    } else {
      ++header_.xcount;
    }
    const auto* from = static_cast<const unsigned char*>(value);
    unsigned char* to = heap() + at + sizeof(Block);
    for (std::size_t b = 0; b < n; ++b) to[b] = from[b];
    x.dev = dev;
    x.ino = ino;
    x.name_len = static_cast<std::uint32_t>(len);
    for (std::size_t c = 0; c <= len; ++c) x.name[c] = name[c];
    x.block = static_cast<std::uint32_t>(at);
    x.value_len = static_cast<std::uint32_t>(n);
    x.state = kUsed;
    const std::uint64_t bit = xfilter_bit(dev, ino);
    __atomic_fetch_or(&xfilter()[bit / 64], std::uint64_t{1} << bit % 64, __ATOMIC_RELEASE);
  }
  unlock(mask);
  return r;
}

long FakeDb::xattr_get(std::uint64_t dev, std::uint64_t ino, const char* name, void* out,
                       std::size_t size) {
  const std::size_t len = cstr::length(name);
  if (len == 0 || len > kNameMax) return -ERANGE;
  if (!may_have_xattrs(dev, ino)) return -ENODATA;
  const std::uint64_t mask = lock();
  bool found = false;
  const long k = xprobe(dev, ino, name, len, &found);
  long r = -ENODATA;
  if (found) {
    const XSlot& x = xslots()[k];
    r = x.value_len;
    if (size != 0 && size < x.value_len) {
      r = -ERANGE;
    } else if (size != 0) {
      const unsigned char* from = heap() + x.block + sizeof(Block);
      auto* to = static_cast<unsigned char*>(out);
      for (std::size_t b = 0; b < x.value_len; ++b) to[b] = from[b];
    }
  }
  unlock(mask);
  return r;
}

long FakeDb::xattr_list(std::uint64_t dev, std::uint64_t ino, char* out, std::size_t size) {
  if (!may_have_xattrs(dev, ino)) return 0;
  const std::uint64_t mask = lock();
  const std::uint64_t xcap = xattr_capacity(header_.capacity);
  const std::uint64_t h = hash(dev, ino);
  std::size_t total = 0;
  bool fits = true;
  for (std::uint64_t n = 0; n < xcap; ++n) {
    const XSlot& x = xslots()[(h + n) & (xcap - 1)];
    if (x.state == kEmpty) break;
    if (x.state != kUsed || x.dev != dev || x.ino != ino) continue;
    if (size != 0 && total + x.name_len + 1 > size) fits = false;
    if (size != 0 && fits) {
      for (std::size_t c = 0; c <= x.name_len; ++c) out[total + c] = x.name[c];
    }
    total += x.name_len + 1;
  }
  unlock(mask);
  if (!fits) return -ERANGE;
  return total > kValueMax ? -E2BIG : static_cast<long>(total);
}

long FakeDb::xattr_remove(std::uint64_t dev, std::uint64_t ino, const char* name) {
  const std::size_t len = cstr::length(name);
  if (len == 0 || len > kNameMax) return -ERANGE;
  if (!may_have_xattrs(dev, ino)) return -ENODATA;
  const std::uint64_t mask = lock();
  bool found = false;
  const long k = xprobe(dev, ino, name, len, &found);
  if (found) xfree(k);
  unlock(mask);
  return found ? 0 : -ENODATA;
}

std::size_t FakeDb::size() {
  const std::uint64_t mask = lock();
  const std::size_t n = header_.count;
  unlock(mask);
  return n;
}

bool FakeDb::keep_for_exec(std::int32_t pid, std::uint64_t start_time, const void* state,
                           std::size_t n) {
  if (n > kExecStateMax || pid <= 0) return false;
  const std::uint64_t mask = lock();
  std::int32_t* pids = header_.exec_pid;
  long k = -1;  // the pid's slot, else a free one, else one of a process gone
  for (std::size_t i = 0; i < kExecSlots && k < 0; ++i) {
    if (pids[i] == pid) k = static_cast<long>(i);
  }
  for (std::size_t i = 0; i < kExecSlots && k < 0; ++i) {
    if (pids[i] == 0) k = static_cast<long>(i);
  }
  // Killed between its execve and its new image's start: nobody takes its state. (A process
  // that reused such a pid takes the slot itself, and finds another start time.)
  for (std::size_t i = 0; i < kExecSlots && k < 0; ++i) {
    if (raw_syscall(SYS_kill, pids[i], 0) == -ESRCH) k = static_cast<long>(i);
  }
  if (k >= 0) {
    ExecSlot* to = &exec_slots()[k];
    pids[k] = pid;
    to->len = static_cast<std::uint32_t>(n);
    to->start_time = start_time;
    const auto* from = static_cast<const unsigned char*>(state);
    for (std::size_t b = 0; b < n; ++b) to->state[b] = from[b];
  }
  unlock(mask);
  return k >= 0;
}

std::size_t FakeDb::take_after_exec(std::int32_t pid, std::uint64_t* start_time, void* state,
                                    std::size_t capacity) {
  std::size_t n = 0;
  if (pid <= 0) return 0;
  // Most callers have nothing kept (every new process asks, once): a look without the lock
  // first. Only the process itself keeps for its pid, so it cannot appear meanwhile.
  bool kept = false;
  for (std::size_t i = 0; i < kExecSlots && !kept; ++i) {
    kept = __atomic_load_n(&header_.exec_pid[i], __ATOMIC_RELAXED) == pid;
  }
  if (!kept) return 0;
  const std::uint64_t mask = lock();
  for (std::size_t i = 0; i < kExecSlots; ++i) {
    if (header_.exec_pid[i] != pid) continue;
    ExecSlot& s = exec_slots()[i];
    if (s.len <= capacity) {
      n = s.len;
      *start_time = s.start_time;
      auto* to = static_cast<unsigned char*>(state);
      for (std::size_t b = 0; b < n; ++b) to[b] = s.state[b];
    }
    header_.exec_pid[i] = 0;
    break;
  }
  unlock(mask);
  return n;
}

namespace {

std::size_t put_number(char* out, std::uint64_t v, unsigned base) {
  char digits[24];
  std::size_t n = 0;
  do {
    const unsigned d = static_cast<unsigned>(v % base);
    digits[n++] = static_cast<char>(d < 10 ? '0' + d : 'a' + d - 10);
    v /= base;
  } while (v);
  for (std::size_t i = 0; i < n; ++i) out[i] = digits[n - 1 - i];
  return n;
}

std::size_t put_text(char* out, const char* s) {
  std::size_t n = 0;
  while (s[n]) {
    out[n] = s[n];
    ++n;
  }
  return n;
}

// Reads "KEY=" then a number in `base` at line[*at], up to ',' or the end.
bool take(const char* line, std::size_t n, std::size_t* at, const char* key, unsigned base,
          std::uint64_t* v) {
  for (std::size_t k = 0; key[k]; ++k, ++*at) {
    if (*at >= n || line[*at] != key[k]) return false;
  }
  *v = 0;
  const std::size_t start = *at;
  for (; *at < n && line[*at] != ','; ++*at) {
    const char c = line[*at];
    unsigned d;
    if (c >= '0' && c <= '9') {
      d = static_cast<unsigned>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      d = static_cast<unsigned>(c - 'a' + 10);
    } else if (c >= 'A' && c <= 'F') {
      d = static_cast<unsigned>(c - 'A' + 10);
    } else {
      return false;
    }
    if (d >= base || *v > (~std::uint64_t{0} - d) / base) return false;
    *v = *v * base + d;
  }
  if (*at == start) return false;
  if (*at < n) ++*at;  // the comma
  return true;
}

}  // namespace

std::size_t format_line(const Record& r, char* out) {
  std::size_t at = 0;
  at += put_text(out + at, "dev=");
  at += put_number(out + at, r.dev, 16);
  at += put_text(out + at, ",ino=");
  at += put_number(out + at, r.ino, 10);
  at += put_text(out + at, ",mode=");
  at += put_number(out + at, r.mode, 8);
  at += put_text(out + at, ",uid=");
  at += put_number(out + at, r.uid, 10);
  at += put_text(out + at, ",gid=");
  at += put_number(out + at, r.gid, 10);
  at += put_text(out + at, ",nlink=");
  at += put_number(out + at, r.nlink, 10);
  at += put_text(out + at, ",rdev=");
  at += put_number(out + at, r.rdev, 10);
  out[at++] = '\n';
  return at;
}

bool parse_line(const char* line, std::size_t n, Record* out) {
  std::uint64_t dev, ino, mode, uid, gid, nlink, rdev;
  std::size_t at = 0;
  if (!take(line, n, &at, "dev=", 16, &dev) || !take(line, n, &at, "ino=", 10, &ino) ||
      !take(line, n, &at, "mode=", 8, &mode) || !take(line, n, &at, "uid=", 10, &uid) ||
      !take(line, n, &at, "gid=", 10, &gid) || !take(line, n, &at, "nlink=", 10, &nlink) ||
      !take(line, n, &at, "rdev=", 10, &rdev) || at != n) {
    return false;
  }
  if (mode > 0xffffffffULL || uid > 0xffffffffULL || gid > 0xffffffffULL) return false;
  out->dev = dev;
  out->ino = ino;
  out->mode = static_cast<std::uint32_t>(mode);
  out->uid = static_cast<std::uint32_t>(uid);
  out->gid = static_cast<std::uint32_t>(gid);
  out->nlink = static_cast<std::uint32_t>(nlink);
  out->rdev = rdev;
  return true;
}

}  // namespace ptvm::fakeroot
