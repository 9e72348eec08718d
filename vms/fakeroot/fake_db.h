// The fakeroot VM's state: what the programs of a run did to files as their fake root (owner,
// mode, device number), keyed by (device, inode). One table per run, shared by every process of
// the run on both backends: it lives in one memfd that ptvm and every in-process runtime map
// MAP_SHARED. So the table is plain data in caller-provided memory: a fixed capacity, open
// addressing with linear probing, tombstones for erased records, one spin lock. No allocation,
// no libc: it runs inside the runtime's SIGSYS handler too.
//
// In-process, every page of the table a process touches is a page fault in that process (and
// every exec makes a new one): so the records use only the first `active` slots of the
// capacity, doubled (rehashed in place) as they fill, and a file never recorded is answered
// from a bit filter without touching the records at all.
//
// Changes take the lock, held for a few hundred instructions with every signal blocked (a
// handler of the program that used the table on the thread holding it would wait for itself
// forever), and naming its holder's thread id: a process killed while holding it (SIGKILL
// cannot be blocked) leaves it to the first waiter that finds the holder gone (no such thread,
// or a zombie). What the dead holder was changing may then be half done: one record or
// attribute, at worst a heap compaction or a rehash cut short. A lookup of a record takes no
// lock (no signal mask, no write to a shared page): it reads under a sequence counter that
// every holder of the lock makes odd, and reads again if the counter moved.
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
  // Bytes of memory for a table of `capacity` records (a power of two), with room for
  // capacity/16 extended attributes and 16 bytes of attribute values per record.
  static constexpr std::size_t bytes_for(std::size_t capacity) {
    return heap_offset(capacity) + heap_bytes(capacity);
  }
  static constexpr std::size_t kDefaultCapacity = std::size_t{1} << 20;

  // Makes `bytes` of zeroed memory an empty table; null if it is too small.
  static FakeDb* format(void* memory, std::size_t bytes);
  // The table another process formatted in `memory`; null if it is not one.
  static FakeDb* attach(void* memory, std::size_t bytes);

  // Lock-free (see above).
  bool find(std::uint64_t dev, std::uint64_t ino, Record* out);
  // Adds or replaces the record of (r.dev, r.ino). False: the table is full.
  bool put(const Record& r);
  // Drops the record of (dev, ino) and its extended attributes (the file's last link is gone).
  void erase(std::uint64_t dev, std::uint64_t ino);
  std::size_t size();

  // Extended attributes, faked as fakeroot does: every namespace kept here, none on disk, the
  // real file's own attributes not seen. The kernel's limits and errnos: names of 1 to 255
  // bytes, values up to 64 KiB. 0, a length, or -errno.
  static constexpr std::size_t kNameMax = 255;
  static constexpr std::size_t kValueMax = 65536;  // also the longest list
  // flags: XATTR_CREATE (-EEXIST if present), XATTR_REPLACE (-ENODATA if absent); -ENOSPC full.
  long xattr_set(std::uint64_t dev, std::uint64_t ino, const char* name, const void* value,
                 std::size_t n, int flags);
  // The value's length; copied to `out` unless `size` is 0 (-ERANGE if it does not fit).
  long xattr_get(std::uint64_t dev, std::uint64_t ino, const char* name, void* out,
                 std::size_t size);
  // The names, each NUL-terminated, as listxattr gives them (same rules as xattr_get).
  long xattr_list(std::uint64_t dev, std::uint64_t ino, char* out, std::size_t size);
  long xattr_remove(std::uint64_t dev, std::uint64_t ino, const char* name);

  // A process's state across execve, where the module's memory does not survive it (the
  // in-process runtime maps a new image): kept by (pid, start time) at the execve's entry, taken
  // by the new image as it starts (or dropped when the execve fails). An entry lives for the time
  // of an execve: kExecSlots of them, the slots of processes gone reused when all are taken.
  static constexpr std::size_t kExecStateMax = 384;
  static constexpr std::size_t kExecSlots = 1024;
  // One bit per hash of (dev, ino) ever put: a lookup of a file never recorded (most of them)
  // reads one of these 16 pages, lock-free, instead of a slot somewhere in megabytes of table
  // (a page fault in each new process, every exec, for every file it stats).
  static constexpr std::size_t kFilterBytes = 64 * 1024;
  // The same for extended attributes, by file: one page (a run sets few).
  static constexpr std::size_t kXFilterBytes = 4096;
  // Slots in use when the table is made (when the capacity is larger): 48 KiB.
  static constexpr std::size_t kFirstActive = 1024;
  // False: every slot is taken by a live process (the caller must not let the execve run: the
  // new image would not find its state).
  bool keep_for_exec(std::int32_t pid, std::uint64_t start_time, const void* state, std::size_t n);
  // What was kept for `pid`, removed from the table: its size (0: nothing) and start time.
  std::size_t take_after_exec(std::int32_t pid, std::uint64_t* start_time, void* state,
                              std::size_t capacity);
  // Calls f(record) for every record (under the lock: f must not use the table).
  template <class F>
  void for_each(F&& f) {
    const std::uint64_t mask = lock();
    for (std::size_t i = 0; i < header_.active; ++i) {
      if (slots()[i].state == kUsed) f(slots()[i].record);
    }
    unlock(mask);
  }

 private:
  static constexpr std::uint64_t kMagic = 0x3430'6264'6b66'7470;  // "ptfkdb04"
  // kMoving: a record still to be placed while the table doubles.
  enum : std::uint32_t { kEmpty = 0, kUsed = 1, kErased = 2, kMoving = 3 };
  struct Header {
    std::uint64_t magic;
    std::uint64_t capacity;  // slots there is memory for (a power of two)
    std::uint64_t active;    // slots in use (a power of two, at most capacity)
    std::uint64_t count;
    std::int32_t lock;  // the holder's thread id, 0 if free
    std::uint32_t seq;  // odd while the lock is held (lookups without the lock read it)
    std::uint64_t xcount;               // attributes stored
    std::uint64_t heap_used;            // bytes of heap handed out (free blocks included)
    std::uint64_t heap_free;            // bytes of freed blocks below heap_used
    std::int32_t exec_pid[kExecSlots];  // the pid of each ExecSlot, 0 if free
  };
  struct Slot {
    std::uint32_t state;
    std::uint32_t pad;
    Record record;
  };
  // One extended attribute: its name here, its value a block of the heap. A file's attributes
  // hash by (dev, ino) alone, so they share one probe sequence.
  struct XSlot {
    std::uint32_t state;
    std::uint32_t name_len;
    std::uint64_t dev, ino;
    std::uint32_t block;  // offset of the value's block in the heap
    std::uint32_t value_len;
    char name[kNameMax + 1];
  };
  // A heap block: this header, then the value, padded to 8 bytes. Freed blocks stay until the
  // heap is full; then the live ones are moved down (their slots told the new offset).
  struct Block {
    std::uint32_t len;
    std::uint32_t owner;  // its XSlot's index, or kFreeBlock
  };
  static constexpr std::uint32_t kFreeBlock = 0xffffffffu;
  struct ExecSlot {  // its pid is Header::exec_pid[i]: a lookup reads 4 KiB, not 400 KiB
    std::uint32_t len;
    std::uint32_t pad;
    std::uint64_t start_time;
    unsigned char state[kExecStateMax];
  };
  static constexpr std::size_t xattr_capacity(std::size_t capacity) {
    return capacity / 16 < 4 ? 4 : capacity / 16;
  }
  static constexpr std::size_t heap_bytes(std::size_t capacity) {
    return capacity * 16 < 4096 ? 4096 : capacity * 16;
  }
  // The layout: the header, the filters and the exec slots (what every process reads as it
  // starts), then the records from a 64 KiB boundary (the kernel maps up to 16 pages of a
  // shared file at a read fault), the attributes, their heap.
  static constexpr std::size_t round_up(std::size_t n, std::size_t to) {
    return (n + to - 1) / to * to;
  }
  static constexpr std::size_t filter_offset() { return round_up(sizeof(Header), 4096); }
  static constexpr std::size_t xfilter_offset() { return filter_offset() + kFilterBytes; }
  static constexpr std::size_t exec_offset() { return xfilter_offset() + kXFilterBytes; }
  static constexpr std::size_t slots_offset() {
    return round_up(exec_offset() + kExecSlots * sizeof(ExecSlot), 65536);
  }
  static constexpr std::size_t xslots_offset(std::size_t capacity) {
    return slots_offset() + capacity * sizeof(Slot);
  }
  static constexpr std::size_t heap_offset(std::size_t capacity) {
    return xslots_offset(capacity) + xattr_capacity(capacity) * sizeof(XSlot);
  }
  // Heap offsets and value lengths are 32-bit (XSlot::block, Block::len): format() stops there.
  static constexpr std::size_t kHeapMax = 0xffffffffu;
  unsigned char* at(std::size_t offset) { return reinterpret_cast<unsigned char*>(this) + offset; }
  Slot* slots() { return reinterpret_cast<Slot*>(at(slots_offset())); }
  XSlot* xslots() { return reinterpret_cast<XSlot*>(at(xslots_offset(header_.capacity))); }
  unsigned char* heap() { return at(heap_offset(header_.capacity)); }
  ExecSlot* exec_slots() { return reinterpret_cast<ExecSlot*>(at(exec_offset())); }
  std::uint64_t* filter() { return reinterpret_cast<std::uint64_t*>(at(filter_offset())); }
  std::uint64_t* xfilter() { return reinterpret_cast<std::uint64_t*>(at(xfilter_offset())); }
  // Takes the lock with every signal blocked; returns the signal mask to restore.
  std::uint64_t lock();
  void begin_change();
  void unlock(std::uint64_t mask);
  // The slot holding (dev, ino), or the first free one on its probe sequence (-1: full).
  long probe(std::uint64_t dev, std::uint64_t ino, bool* found);
  // Doubles the slots in use, the records rehashed in place (under the lock).
  void grow();
  // Whether the file (dev, ino) may have extended attributes.
  bool may_have_xattrs(std::uint64_t dev, std::uint64_t ino);
  // The attribute slot of (dev, ino, name), or the first free one (-1: full).
  long xprobe(std::uint64_t dev, std::uint64_t ino, const char* name, std::size_t len, bool* found);
  void xfree(long slot);
  // A block for `n` bytes of value owned by `slot`: its offset, or -1 if the heap is full.
  long allocate(std::size_t n, std::uint32_t slot);
  void compact();

  Header header_;
};

// fakeroot's save-file line for `r` ("dev=%llx,ino=%llu,mode=%llo,uid=%llu,gid=%llu,
// nlink=%llu,rdev=%llu" and a newline): at most kLineMax bytes, returns the length.
inline constexpr std::size_t kLineMax = 160;
std::size_t format_line(const Record& r, char* out);
// Parses one such line (without its newline); false if it is not one.
bool parse_line(const char* line, std::size_t n, Record* out);

}  // namespace ptvm::fakeroot
