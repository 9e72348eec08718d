#include "vms/fakeroot/fake_db.h"

#include <gtest/gtest.h>

#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

namespace ptvm::fakeroot {
namespace {

struct Table {
  explicit Table(std::size_t capacity) : memory(FakeDb::bytes_for(capacity)) {
    db = FakeDb::format(memory.data(), memory.size());
  }
  std::vector<unsigned char> memory;
  FakeDb* db;
};

Record record(std::uint64_t dev, std::uint64_t ino, std::uint32_t uid) {
  Record r;
  r.dev = dev;
  r.ino = ino;
  r.mode = 0100644;
  r.uid = uid;
  r.gid = uid + 1;
  r.nlink = 1;
  return r;
}

TEST(FakeDbTest, PutFindReplaceErase) {
  Table t(64);
  ASSERT_NE(t.db, nullptr);
  Record r;
  EXPECT_FALSE(t.db->find(1, 2, &r));
  ASSERT_TRUE(t.db->put(record(1, 2, 10)));
  ASSERT_TRUE(t.db->find(1, 2, &r));
  EXPECT_EQ(r.uid, 10u);
  ASSERT_TRUE(t.db->put(record(1, 2, 20)));  // replaced, not added
  EXPECT_EQ(t.db->size(), 1u);
  ASSERT_TRUE(t.db->find(1, 2, &r));
  EXPECT_EQ(r.uid, 20u);
  EXPECT_FALSE(t.db->find(2, 2, &r));  // another device, same inode
  t.db->erase(1, 2);
  EXPECT_FALSE(t.db->find(1, 2, &r));
  EXPECT_EQ(t.db->size(), 0u);
}

TEST(FakeDbTest, ErasedSlotsKeepProbesWorkingAndAreReused) {
  Table t(64);
  for (std::uint64_t i = 0; i < 40; ++i) ASSERT_TRUE(t.db->put(record(7, i, 1)));
  for (std::uint64_t i = 0; i < 40; i += 2) t.db->erase(7, i);
  Record r;
  for (std::uint64_t i = 1; i < 40; i += 2) EXPECT_TRUE(t.db->find(7, i, &r)) << i;
  for (std::uint64_t i = 100; i < 120; ++i) ASSERT_TRUE(t.db->put(record(7, i, 2)));
  EXPECT_EQ(t.db->size(), 40u);
}

TEST(FakeDbTest, FullTableRefusesNewRecordsOnly) {
  Table t(16);
  std::uint64_t i = 0;
  while (t.db->put(record(1, i, 0))) ++i;
  EXPECT_EQ(i, 12u);                        // three quarters
  EXPECT_TRUE(t.db->put(record(1, 0, 5)));  // a replacement still fits
}

TEST(FakeDbTest, AttachChecksTheTable) {
  Table t(16);
  EXPECT_EQ(FakeDb::attach(t.memory.data(), t.memory.size()), t.db);
  std::vector<unsigned char> zeroes(FakeDb::bytes_for(16));
  EXPECT_EQ(FakeDb::attach(zeroes.data(), zeroes.size()), nullptr);
  EXPECT_EQ(FakeDb::attach(t.memory.data(), 64), nullptr);  // shorter than its capacity
}

// The slots in use double as records come (rehashed in place), up to the capacity; every record
// stays findable, erased ones stay gone, and inodes in runs and scattered alike.
TEST(FakeDbTest, GrowsAsItFillsAndKeepsEveryRecord) {
  Table t(std::size_t{1} << 14);
  ASSERT_NE(t.db, nullptr);
  auto ino = [](std::uint64_t i) { return i % 3 == 0 ? i * 7919 : 1000 + i; };
  const std::uint64_t n = 12000;  // grows 1024 -> 16384
  for (std::uint64_t i = 0; i < n; ++i) {
    ASSERT_TRUE(t.db->put(record(1 + i % 2, ino(i), static_cast<std::uint32_t>(i)))) << i;
    if (i % 97 == 0) t.db->erase(1 + i % 2, ino(i));
  }
  Record r;
  std::uint64_t kept = 0;
  for (std::uint64_t i = 0; i < n; ++i) {
    const bool erased = i % 97 == 0;
    ASSERT_EQ(t.db->find(1 + i % 2, ino(i), &r), !erased) << i;
    if (!erased) {
      EXPECT_EQ(r.uid, i);
      ++kept;
    }
  }
  EXPECT_EQ(t.db->size(), kept);
  std::size_t seen = 0;
  t.db->for_each([&seen](const Record&) { ++seen; });
  EXPECT_EQ(seen, kept);
  // Full at three quarters of the capacity, as before.
  std::uint64_t i = 1 << 20;
  while (t.db->put(record(3, i, 0))) ++i;
  EXPECT_EQ(t.db->size(), (std::size_t{1} << 14) / 4 * 3);
}

long set(FakeDb* db, std::uint64_t ino, const char* name, const std::string& value, int flags = 0) {
  return db->xattr_set(1, ino, name, value.data(), value.size(), flags);
}

std::string get(FakeDb* db, std::uint64_t ino, const char* name) {
  std::string out(FakeDb::kValueMax, '\0');
  const long n = db->xattr_get(1, ino, name, out.data(), out.size());
  return n < 0 ? "errno " + std::to_string(-n) : out.substr(0, static_cast<std::size_t>(n));
}

std::string list(FakeDb* db, std::uint64_t ino) {
  char out[4096];
  const long n = db->xattr_list(1, ino, out, sizeof out);
  return n < 0 ? "errno " + std::to_string(-n) : std::string(out, static_cast<std::size_t>(n));
}

TEST(FakeDbTest, ExtendedAttributesWithTheKernelsRules) {
  Table t(256);  // 16 attribute slots
  EXPECT_EQ(set(t.db, 5, "security.capability", "caps"), 0);
  EXPECT_EQ(set(t.db, 5, "user.a", ""), 0);  // an empty value is a value
  EXPECT_EQ(set(t.db, 6, "user.a", "other file"), 0);
  EXPECT_EQ(get(t.db, 5, "security.capability"), "caps");
  EXPECT_EQ(get(t.db, 5, "user.a"), "");
  EXPECT_EQ(get(t.db, 6, "user.a"), "other file");
  EXPECT_EQ(get(t.db, 5, "user.b"), "errno " + std::to_string(ENODATA));
  EXPECT_EQ(t.db->xattr_get(1, 5, "security.capability", nullptr, 0), 4);  // size 0: the length
  char small[2];
  EXPECT_EQ(t.db->xattr_get(1, 5, "security.capability", small, 2), -ERANGE);
  // Each name once, NUL-terminated; the order is the table's.
  const std::string names = list(t.db, 5);
  EXPECT_EQ(names.size(), sizeof "security.capability" + sizeof "user.a");
  EXPECT_NE(names.find(std::string("user.a\0", 7)), std::string::npos);
  EXPECT_EQ(t.db->xattr_list(1, 5, small, 2), -ERANGE);
  EXPECT_EQ(t.db->xattr_list(1, 7, nullptr, 0), 0);
  // XATTR_CREATE and XATTR_REPLACE.
  EXPECT_EQ(set(t.db, 5, "user.a", "x", XATTR_CREATE), -EEXIST);
  EXPECT_EQ(set(t.db, 5, "user.c", "x", XATTR_REPLACE), -ENODATA);
  EXPECT_EQ(set(t.db, 5, "user.a", "replaced", XATTR_REPLACE), 0);
  EXPECT_EQ(get(t.db, 5, "user.a"), "replaced");
  // Names of 1 to 255 bytes, values up to 64 KiB.
  EXPECT_EQ(set(t.db, 5, "", "x"), -ERANGE);
  EXPECT_EQ(set(t.db, 5, std::string(256, 'n').c_str(), "x"), -ERANGE);
  EXPECT_EQ(set(t.db, 5, std::string(255, 'n').c_str(), "x"), 0);
  EXPECT_EQ(set(t.db, 5, "user.big", std::string(FakeDb::kValueMax + 1, 'v')), -E2BIG);
  // Removal; the file's last link gone takes them all.
  EXPECT_EQ(t.db->xattr_remove(1, 5, "user.a"), 0);
  EXPECT_EQ(t.db->xattr_remove(1, 5, "user.a"), -ENODATA);
  t.db->erase(1, 5);
  EXPECT_EQ(list(t.db, 5), "");
  EXPECT_EQ(get(t.db, 6, "user.a"), "other file");
}

TEST(FakeDbTest, AttributeValuesAreCompactedWhenTheHeapFills) {
  Table t(256);  // 16 attribute slots, a 4 KiB heap
  const std::string big(1500, 'b');
  for (int round = 0; round < 50; ++round) {  // 75 KB written through a 4 KiB heap
    ASSERT_EQ(set(t.db, 1, "user.keep", "kept " + std::to_string(round)), 0) << round;
    ASSERT_EQ(set(t.db, 2, "user.big", big + std::to_string(round)), 0) << round;
    ASSERT_EQ(get(t.db, 1, "user.keep"), "kept " + std::to_string(round));
    ASSERT_EQ(get(t.db, 2, "user.big"), big + std::to_string(round));
  }
  EXPECT_EQ(set(t.db, 3, "user.x", std::string(3000, 'x')), -ENOSPC);  // does not fit at all
  EXPECT_EQ(get(t.db, 2, "user.big"), big + "49");                     // untouched
  int n = 0;
  while (set(t.db, 100 + n, "user.n", "v") == 0) ++n;
  EXPECT_EQ(n, 16 / 4 * 3 - 2);  // three quarters of the slots, two in use
}

// A table in shared memory, as ptvm and the in-process runtimes have it.
struct SharedTable {
  explicit SharedTable(std::size_t capacity) : bytes(FakeDb::bytes_for(capacity)) {
    memory = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    db = memory == MAP_FAILED ? nullptr : FakeDb::format(memory, bytes);
  }
  ~SharedTable() {
    if (memory != MAP_FAILED) munmap(memory, bytes);
  }
  std::size_t bytes;
  void* memory;
  FakeDb* db;
};

// Runs `f` in a child that has `seconds` to finish: its exit status, or a signal (SIGALRM: it
// hung).
template <class F>
int within(unsigned seconds, F f) {
  const pid_t pid = fork();
  if (pid == 0) {
    alarm(seconds);
    _exit(f() ? 0 : 1);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// A child that dies holding the table's lock (for_each holds it while it calls back).
pid_t die_holding_the_lock(FakeDb* db) {
  const pid_t pid = fork();
  if (pid == 0) {
    db->for_each([](const Record&) { kill(getpid(), SIGKILL); });
    _exit(0);
  }
  return pid;
}

TEST(FakeDbTest, TheLockOfAHolderKilledIsTakenOver) {
  SharedTable t(64);
  ASSERT_NE(t.db, nullptr);
  ASSERT_TRUE(t.db->put(record(1, 2, 10)));
  // Reaped: no such thread any more.
  pid_t holder = die_holding_the_lock(t.db);
  int status;
  ASSERT_EQ(waitpid(holder, &status, 0), holder);
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(within(20, [&] { return t.db->put(record(1, 3, 11)); }), 0);
  // A zombie: its parent has not waited for it yet.
  holder = die_holding_the_lock(t.db);
  siginfo_t info;
  ASSERT_EQ(waitid(P_PID, holder, &info, WEXITED | WNOWAIT), 0);
  EXPECT_EQ(within(20, [&] { return t.db->put(record(1, 4, 12)); }), 0);
  waitpid(holder, &status, 0);
  EXPECT_EQ(t.db->size(), 3u);
  std::size_t n = 0;
  t.db->for_each([&n](const Record&) { ++n; });
  EXPECT_EQ(n, 3u);
}

// Lookups take no lock: a process that reads while another adds records (the table doubling
// under it several times) finds every record that was there before, with its fields whole.
TEST(FakeDbTest, LookupsWithoutTheLockSeeEveryRecordWhileTheTableGrows) {
  SharedTable t(std::size_t{1} << 16);
  ASSERT_NE(t.db, nullptr);
  for (std::uint64_t i = 0; i < 500; ++i) ASSERT_TRUE(t.db->put(record(9, i, 40)));
  const pid_t writer = fork();
  if (writer == 0) {
    for (std::uint64_t i = 1000; i < 40000; ++i) {
      if (!t.db->put(record(9, i * 13, 1))) _exit(1);
      if (i % 5 == 0) t.db->put(record(9, i % 500, 40));  // rewrites the same values
    }
    _exit(0);
  }
  bool whole = true;
  int status = 0;
  std::uint64_t reads = 0;
  while (waitpid(writer, &status, WNOHANG) == 0 || reads < 10000) {
    Record r;
    const std::uint64_t i = reads++ % 500;
    if (!t.db->find(9, i, &r) || r.uid != 40 || r.gid != 41 || r.ino != i) whole = false;
  }
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_TRUE(whole);
  EXPECT_EQ(t.db->size(), 500u + 39000u);
}

volatile sig_atomic_t handler_saw = -1;
FakeDb* handler_db;
void use_table(int) {
  handler_saw = static_cast<sig_atomic_t>(handler_db->size());
}

TEST(FakeDbTest, NoSignalHandlerRunsOnAThreadHoldingTheLock) {
  SharedTable t(64);
  ASSERT_NE(t.db, nullptr);
  ASSERT_TRUE(t.db->put(record(1, 2, 10)));
  EXPECT_EQ(within(20,
                   [&] {
                     handler_db = t.db;
                     struct sigaction sa = {};
                     sa.sa_handler = use_table;
                     sigaction(SIGUSR1, &sa, nullptr);
                     bool delivered_inside = false;
                     t.db->for_each([&](const Record&) {
                       syscall(SYS_tgkill, getpid(), gettid(), SIGUSR1);
                       delivered_inside = handler_saw != -1;
                     });
                     // Held back while the lock was held, delivered as it was let go.
                     return !delivered_inside && handler_saw == 1;
                   }),
            0);
}

// Threads that live until told: their ids are live pids for kill(pid, 0).
struct LiveThreads {
  explicit LiveThreads(int n) {
    if (pipe(hold) != 0) return;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 64 * 1024);
    tids.resize(n);
    threads.resize(n);
    for (int i = 0; i < n; ++i) {
      started = 0;
      pthread_create(&threads[i], &attr, wait_for_end, this);
      while (__atomic_load_n(&started, __ATOMIC_ACQUIRE) == 0) sched_yield();
      tids[i] = __atomic_load_n(&last_tid, __ATOMIC_ACQUIRE);
    }
    pthread_attr_destroy(&attr);
  }
  ~LiveThreads() {
    close(hold[1]);
    for (pthread_t t : threads) pthread_join(t, nullptr);
    close(hold[0]);
  }
  static void* wait_for_end(void* arg) {
    auto* self = static_cast<LiveThreads*>(arg);
    __atomic_store_n(&self->last_tid, gettid(), __ATOMIC_RELEASE);
    __atomic_store_n(&self->started, 1, __ATOMIC_RELEASE);
    char c;
    while (read(self->hold[0], &c, 1) > 0) {
    }
    return nullptr;
  }
  int hold[2] = {-1, -1};
  int started = 0;
  pid_t last_tid = 0;
  std::vector<pid_t> tids;
  std::vector<pthread_t> threads;
};

TEST(FakeDbTest, ExecSlotsAreTakenOnceAndRefusedWhenAllAreInFlight) {
  Table t(64);
  const char state[] = "ids";
  char out[16] = {};
  std::uint64_t started = 0;
  ASSERT_TRUE(t.db->keep_for_exec(getpid(), 77, state, sizeof state));
  EXPECT_EQ(t.db->take_after_exec(getpid(), &started, out, sizeof out), sizeof state);
  EXPECT_EQ(started, 77u);
  EXPECT_STREQ(out, "ids");
  EXPECT_EQ(t.db->take_after_exec(getpid(), &started, out, sizeof out), 0u);  // taken
  // Every slot held by a live process: the next one is refused, not given another's slot.
  LiveThreads live(static_cast<int>(FakeDb::kExecSlots));
  ASSERT_EQ(live.tids.size(), FakeDb::kExecSlots);
  for (pid_t tid : live.tids) ASSERT_TRUE(t.db->keep_for_exec(tid, 1, state, sizeof state));
  EXPECT_FALSE(t.db->keep_for_exec(getpid(), 2, state, sizeof state));
  EXPECT_TRUE(t.db->keep_for_exec(live.tids[5], 3, state, sizeof state));  // its own slot again
  // One taken: room again. One of a process gone: reused.
  EXPECT_EQ(t.db->take_after_exec(live.tids[0], &started, out, sizeof out), sizeof state);
  EXPECT_TRUE(t.db->keep_for_exec(getpid(), 4, state, sizeof state));
  const pid_t gone = fork();
  if (gone == 0) _exit(0);
  waitpid(gone, nullptr, 0);
  EXPECT_FALSE(t.db->keep_for_exec(gone, 5, state, sizeof state));  // still full
  ASSERT_EQ(t.db->take_after_exec(getpid(), &started, out, sizeof out), sizeof state);
  ASSERT_TRUE(t.db->keep_for_exec(gone, 5, state, sizeof state));
  EXPECT_TRUE(t.db->keep_for_exec(getpid(), 6, state, sizeof state));  // the dead one's slot
  EXPECT_EQ(t.db->take_after_exec(gone, &started, out, sizeof out), 0u);
  EXPECT_EQ(t.db->take_after_exec(getpid(), &started, out, sizeof out), sizeof state);
  EXPECT_EQ(started, 6u);
}

TEST(FakeDbTest, FakerootLinesBothWays) {
  Record r = record(0xfe00, 10953406, 12);
  r.mode = 0104755;
  r.gid = 34;
  char line[kLineMax];
  const std::size_t n = format_line(r, line);
  EXPECT_EQ(std::string(line, n),
            "dev=fe00,ino=10953406,mode=104755,uid=12,gid=34,nlink=1,rdev=0\n");
  Record back;
  ASSERT_TRUE(parse_line(line, n - 1, &back));
  EXPECT_EQ(back.dev, r.dev);
  EXPECT_EQ(back.ino, r.ino);
  EXPECT_EQ(back.mode, r.mode);
  EXPECT_EQ(back.uid, 12u);
  EXPECT_EQ(back.gid, 34u);
  const std::string device = "dev=fe00,ino=7,mode=20644,uid=0,gid=0,nlink=1,rdev=1029";
  ASSERT_TRUE(parse_line(device.data(), device.size(), &back));
  EXPECT_EQ(back.rdev, 1029u);
  EXPECT_EQ(back.mode, 020644u);
}

TEST(FakeDbTest, BadLinesAreRefused) {
  Record r;
  for (const char* bad : {"", "garbage", "dev=fe00,ino=7,mode=20644,uid=0,gid=0,nlink=1",
                          "dev=fe00,ino=7,mode=20648,uid=0,gid=0,nlink=1,rdev=0",
                          "dev=fe00,ino=x,mode=644,uid=0,gid=0,nlink=1,rdev=0",
                          "dev=fe00,ino=7,mode=644,uid=99999999999,gid=0,nlink=1,rdev=0",
                          "dev=fe00,ino=7,mode=644,uid=0,gid=0,nlink=1,rdev=0,extra=1",
                          "ino=7,dev=fe00,mode=644,uid=0,gid=0,nlink=1,rdev=0"}) {
    EXPECT_FALSE(parse_line(bad, std::strlen(bad), &r)) << bad;
  }
}

}  // namespace
}  // namespace ptvm::fakeroot
