// The fakeroot VM's state: what the programs of a run did to files as their fake root (owner,
// mode, device number), keyed by (device, inode). One table per run, shared by every process of
// the run on both backends: it lives in one memfd that ptvm and every in-process runtime map
// MAP_SHARED. So the table is plain data in caller-provided memory: a fixed capacity, open
// addressing with linear probing, tombstones for erased records, one spin lock. No allocation,
// no libc: it runs inside the runtime's SIGSYS handler too.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ptvm::fakeroot {

struct Record {
  std::uint64_t dev = 0;  // st_dev as the kernel reports it (new encoding)
  std::uint64_t ino = 0;
  std::uint32_t mode = 0;  // file type and permission bits
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  std::uint32_t nlink = 0;  // when recorded (kept for fakeroot's save file)
  std::uint64_t rdev = 0;   // a device's number (mknod)
};

class FakeDb {
 public:
  // Bytes of memory for a table of `capacity` slots (a power of two).
  static constexpr std::size_t bytes_for(std::size_t capacity) {
    return sizeof(Header) + capacity * sizeof(Slot);
  }
  static constexpr std::size_t kDefaultCapacity = std::size_t{1} << 20;

  // Makes `bytes` of zeroed memory an empty table; null if it is too small.
  static FakeDb* format(void* memory, std::size_t bytes);
  // The table another process formatted in `memory`; null if it is not one.
  static FakeDb* attach(void* memory, std::size_t bytes);

  bool find(std::uint64_t dev, std::uint64_t ino, Record* out);
  // Adds or replaces the record of (r.dev, r.ino). False: the table is full.
  bool put(const Record& r);
  void erase(std::uint64_t dev, std::uint64_t ino);
  std::size_t size();
  // Calls f(record) for every record (under the lock: f must not use the table).
  template <class F>
  void for_each(F&& f) {
    lock();
    for (std::size_t i = 0; i < header_.capacity; ++i) {
      if (slots()[i].state == kUsed) f(slots()[i].record);
    }
    unlock();
  }

 private:
  static constexpr std::uint64_t kMagic = 0x3130'6264'6b66'7470;  // "ptfkdb01"
  enum : std::uint32_t { kEmpty = 0, kUsed = 1, kErased = 2 };
  struct Header {
    std::uint64_t magic;
    std::uint64_t capacity;
    std::uint64_t count;
    std::uint32_t lock;
    std::uint32_t pad;
  };
  struct Slot {
    std::uint32_t state;
    std::uint32_t pad;
    Record record;
  };
  Slot* slots() { return reinterpret_cast<Slot*>(this + 1); }
  void lock();
  void unlock();
  // The slot holding (dev, ino), or the first free one on its probe sequence (-1: full).
  long probe(std::uint64_t dev, std::uint64_t ino, bool* found);

  Header header_;
};

// fakeroot's save-file line for `r` ("dev=%llx,ino=%llu,mode=%llo,uid=%llu,gid=%llu,
// nlink=%llu,rdev=%llu" and a newline): at most kLineMax bytes, returns the length.
inline constexpr std::size_t kLineMax = 160;
std::size_t format_line(const Record& r, char* out);
// Parses one such line (without its newline); false if it is not one.
bool parse_line(const char* line, std::size_t n, Record* out);

}  // namespace ptvm::fakeroot
