#include "vms/fakeroot/fake_db.h"

#include <sys/syscall.h>

#include <new>

#include "core/raw_syscall.h"

namespace ptvm::fakeroot {

FakeDb* FakeDb::format(void* memory, std::size_t bytes) {
  if (bytes < bytes_for(2)) return nullptr;
  std::size_t capacity = 2;
  while (bytes_for(capacity * 2) <= bytes) capacity *= 2;
  auto* db = new (memory) FakeDb();
  db->header_.magic = kMagic;
  db->header_.capacity = capacity;
  db->header_.count = 0;
  db->header_.lock = 0;
  return db;
}

FakeDb* FakeDb::attach(void* memory, std::size_t bytes) {
  auto* db = static_cast<FakeDb*>(memory);
  if (bytes < sizeof(Header) || db->header_.magic != kMagic ||
      bytes_for(db->header_.capacity) > bytes) {
    return nullptr;
  }
  return db;
}

void FakeDb::lock() {
  // Held for a few hundred instructions; a holder preempted (or killed: the lock is then lost
  // with the run's last process anyway) makes the others yield.
  while (__atomic_exchange_n(&header_.lock, 1, __ATOMIC_ACQUIRE) != 0) {
    raw_syscall(SYS_sched_yield);
  }
}

void FakeDb::unlock() {
  __atomic_store_n(&header_.lock, 0, __ATOMIC_RELEASE);
}

long FakeDb::probe(std::uint64_t dev, std::uint64_t ino, bool* found) {
  const std::uint64_t mask = header_.capacity - 1;
  std::uint64_t h = (dev * 0x9e3779b97f4a7c15ULL) ^ (ino * 0xc2b2ae3d27d4eb4fULL);
  h ^= h >> 29;
  long first_free = -1;
  for (std::uint64_t n = 0; n < header_.capacity; ++n) {
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

bool FakeDb::find(std::uint64_t dev, std::uint64_t ino, Record* out) {
  lock();
  bool found = false;
  const long i = probe(dev, ino, &found);
  if (found) *out = slots()[i].record;
  unlock();
  return found;
}

bool FakeDb::put(const Record& r) {
  lock();
  bool found = false;
  const long i = probe(r.dev, r.ino, &found);
  // Keep a quarter free: probe sequences stay short.
  const bool room = found || (i >= 0 && header_.count + 1 <= header_.capacity / 4 * 3);
  if (room) {
    if (!found) ++header_.count;
    slots()[i].record = r;
    slots()[i].state = kUsed;
  }
  unlock();
  return room;
}

void FakeDb::erase(std::uint64_t dev, std::uint64_t ino) {
  lock();
  bool found = false;
  const long i = probe(dev, ino, &found);
  if (found) {
    slots()[i].state = kErased;
    --header_.count;
  }
  unlock();
}

std::size_t FakeDb::size() {
  lock();
  const std::size_t n = header_.count;
  unlock();
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
