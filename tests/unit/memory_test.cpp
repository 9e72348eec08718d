// The batched access layer, every case under every memory mode (process_vm_*, /proc/PID/mem,
// PTRACE_PEEKDATA, automatic): the results must be identical.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "mem/local_memory.h"
#include "mem/remote_memory.h"
#include "tests/unit/tracee_fixture.h"

namespace ptvm {
namespace {

using testing::StoppedTracee;

class MemoryTest : public ::testing::TestWithParam<MemMode> {
 protected:
  StoppedTracee tracee_;
  RemoteMemory mem_{tracee_.pid(), GetParam()};
};

TEST_P(MemoryTest, StringEndingAtPageEndBeforeUnmappedPage) {
  char buf[256];
  auto n = mem_.read_string(tracee_.ptr("page_end_string"), buf, sizeof buf);
  ASSERT_TRUE(n) << n.error().describe();
  EXPECT_EQ(*n, std::strlen("ends-at-page-end"));
  EXPECT_STREQ(buf, "ends-at-page-end");
}

TEST_P(MemoryTest, UnterminatedStringIntoUnmappedPageIsEfault) {
  std::vector<char> buf(3 * kPageSize);
  Batch b;
  b.read_string(tracee_.ptr("unterminated_unmapped"), buf.data(), buf.size());
  auto r = mem_.run(b);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), Error::guest(EFAULT));
  EXPECT_EQ(b.failed_index(), 0u);
  EXPECT_EQ(b[0].done, kPageSize);  // the readable page before the hole, not a byte more
  EXPECT_FALSE(b[0].executed);
}

TEST_P(MemoryTest, UnterminatedStringIntoProtNonePage) {
  std::vector<char> buf(3 * kPageSize);
  Batch b;
  b.read_string(tracee_.ptr("unterminated_protnone"), buf.data(), buf.size());
  auto r = mem_.run(b);
  ASSERT_FALSE(r);  // the tracee's own syscall would get EFAULT
  EXPECT_EQ(r.error(), Error::guest(EFAULT));
  EXPECT_EQ(b[0].done, kPageSize);

  // A debugger's access reads through PROT_NONE, like PTRACE_PEEKDATA.
  b.clear();
  b.read_string(tracee_.ptr("unterminated_protnone"), buf.data(), buf.size(), Access::force);
  ASSERT_TRUE(mem_.run(b));
  EXPECT_EQ(b[0].done, kPageSize + std::strlen("hidden") + 1);
  EXPECT_STREQ(buf.data() + kPageSize, "hidden");
}

TEST_P(MemoryTest, StringLongerThanCapacityIsTruncatedNotAnError) {
  char buf[8];
  Batch b;
  b.read_string(tracee_.ptr("path"), buf, sizeof buf);
  ASSERT_TRUE(mem_.run(b));
  EXPECT_TRUE(b[0].truncated);
  EXPECT_EQ(b[0].done, sizeof buf);
  auto n = mem_.read_string(tracee_.ptr("path"), buf, sizeof buf);
  ASSERT_FALSE(n);
  EXPECT_EQ(n.error(), Error::guest(ENAMETOOLONG));
}

TEST_P(MemoryTest, ReadAndWriteSpanningTwoMappings) {
  const auto at = tracee_.ptr("two_mappings") + static_cast<std::ptrdiff_t>(kPageSize + 100);
  std::vector<char> buf(2 * kPageSize);
  ASSERT_TRUE(mem_.read(at, buf.data(), buf.size()));
  for (std::size_t i = 0; i < buf.size(); ++i) {
    ASSERT_EQ(buf[i], static_cast<char>((kPageSize + 100 + i) * 7)) << i;
  }
  std::vector<char> pattern(buf.size());
  for (std::size_t i = 0; i < pattern.size(); ++i) pattern[i] = static_cast<char>(i ^ 0x5a);
  ASSERT_TRUE(mem_.write(at, pattern.data(), pattern.size()));
  std::fill(buf.begin(), buf.end(), 0);
  ASSERT_TRUE(mem_.read(at, buf.data(), buf.size()));
  EXPECT_EQ(buf, pattern);
}

TEST_P(MemoryTest, WriteIntoReadOnlyTextNeedsForce) {
  const auto text = tracee_.ptr("text");
  unsigned char orig[4], bytes[4] = {0xb8, 0x2a, 0x00, 0x00};  // mov $42, %eax (then 2 bytes)
  ASSERT_TRUE(mem_.read(text, orig, sizeof orig));
  auto r = mem_.write(text, bytes, sizeof bytes);
  ASSERT_FALSE(r);  // as the tracee: text is read-only
  EXPECT_EQ(r.error(), Error::guest(EFAULT));
  ASSERT_TRUE(mem_.write(text, bytes, sizeof bytes, Access::force));
  unsigned char back[4];
  ASSERT_TRUE(mem_.read(text, back, sizeof back));
  EXPECT_EQ(0, std::memcmp(back, bytes, sizeof bytes));
  ASSERT_TRUE(mem_.write(text, orig, sizeof orig, Access::force));  // restore

  // Read-only data too; and the tracee itself sees the forced write.
  const char msg[] = "written by ptvm";
  ASSERT_FALSE(mem_.write(tracee_.ptr("readonly"), msg, sizeof msg));
  ASSERT_TRUE(mem_.write(tracee_.ptr("readonly"), msg, sizeof msg, Access::force));
  int status;
  EXPECT_EQ(tracee_.resume_and_collect(&status), "written by ptvm|4\n");
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST_P(MemoryTest, SixtyFourScatteredReadsInOneBatch) {
  char blocks[64][64];
  Batch b;
  const auto base = tracee_.ptr("scattered");
  for (int i = 0; i < 64; ++i) {
    b.read(base + i * static_cast<std::ptrdiff_t>(3 * kPageSize + 100), blocks[i], 64);
  }
  const auto before = mem_.stats().crossings;
  ASSERT_TRUE(mem_.run(b));
  for (int i = 0; i < 64; ++i) {
    for (int j = 0; j < 64; ++j) ASSERT_EQ(blocks[i][j], i);
    EXPECT_TRUE(b[i].executed);
  }
  if (GetParam() == MemMode::vm || GetParam() == MemMode::automatic) {
    EXPECT_EQ(mem_.stats().crossings - before, 1u);  // one process_vm_readv for all 64
  }
}

TEST_P(MemoryTest, FirstFailureStopsTheBatchWithPartialCount) {
  char a[16], c[64], d[16];
  Batch b;
  b.read(tracee_.ptr("path"), a, sizeof a);
  const auto hole = tracee_.ptr("unmapped") - 40;  // 40 readable bytes, then the unmapped page
  b.read(hole, c, sizeof c);
  b.read(tracee_.ptr("path"), d, sizeof d);
  auto r = mem_.run(b);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), Error::guest(EFAULT));
  EXPECT_EQ(b.failed_index(), 1u);
  EXPECT_TRUE(b[0].executed);
  EXPECT_EQ(b[1].done, 40u);
  EXPECT_EQ(b[1].error, EFAULT);
  EXPECT_FALSE(b[2].executed);
  EXPECT_EQ(std::string(c, 40), std::string(40, 'U'));
}

TEST_P(MemoryTest, WritesAfterAFailureAreNotExecuted) {
  const char x[] = "XXXXXXXX";
  char before[8], after[8];
  ASSERT_TRUE(mem_.read(tracee_.ptr("path"), before, 8));
  Batch b;
  b.write(tracee_.ptr("readonly"), x, 8);  // EFAULT (read-only)
  b.write(tracee_.ptr("path"), x, 8);
  ASSERT_FALSE(mem_.run(b));
  EXPECT_EQ(b.failed_index(), 0u);
  ASSERT_TRUE(mem_.read(tracee_.ptr("path"), after, 8));
  EXPECT_EQ(0, std::memcmp(before, after, 8));
}

TEST_P(MemoryTest, OperationsRunInOrderAcrossDirections) {
  const char v1[] = "first", v2[] = "second";
  char r1[8] = {}, r2[8] = {};
  Batch b;
  b.write(tracee_.ptr("path"), v1, sizeof v1);
  b.read(tracee_.ptr("path"), r1, sizeof v1);
  b.write(tracee_.ptr("path"), v2, sizeof v2);
  b.read_string(tracee_.ptr("path"), r2, sizeof r2);
  ASSERT_TRUE(mem_.run(b));
  EXPECT_STREQ(r1, "first");
  EXPECT_STREQ(r2, "second");
  EXPECT_EQ(b[3].done, sizeof v2);
}

TEST_P(MemoryTest, BulkTransfersUpToOneMebibyte) {
  std::vector<char> buf(1 << 20);
  ASSERT_TRUE(mem_.read(tracee_.ptr("big"), buf.data(), buf.size()));
  for (std::size_t i = 0; i < buf.size(); i += 4097)
    ASSERT_EQ(buf[i], static_cast<char>(i * 13 + 5));
}

TEST_P(MemoryTest, RegistersReadOncePerStopWrittenOnlyIfChanged) {
  Registers r1, r2;
  Batch b;
  b.get_regs(&r1);
  b.get_regs(&r2);
  const auto c0 = mem_.stats().crossings;
  ASSERT_TRUE(mem_.run(b));
  EXPECT_EQ(mem_.stats().crossings - c0, 1u);
  EXPECT_EQ(r1, r2);
  EXPECT_NE(r1.ip(), 0u);

  b.clear();
  b.set_regs(r1);  // unchanged
  ASSERT_TRUE(mem_.run(b));
  ASSERT_TRUE(mem_.flush_registers());
  EXPECT_EQ(mem_.stats().crossings - c0, 1u);

  Registers changed = r1;
  changed.raw().r15 = 0x1234567890;
  b.clear();
  b.set_regs(changed);
  ASSERT_TRUE(mem_.run(b));
  ASSERT_TRUE(mem_.flush_registers());
  EXPECT_EQ(mem_.stats().crossings - c0, 2u);  // one register: PTRACE_POKEUSER
  mem_.resumed();
  auto fresh = mem_.registers();
  ASSERT_TRUE(fresh);
  EXPECT_EQ((*fresh)->raw().r15, 0x1234567890u);

  changed = **fresh;  // two registers: PTRACE_SETREGS, one crossing too
  changed.raw().r14 = 0x42;
  changed.raw().r15 = 0x43;
  const auto c1 = mem_.stats().crossings;
  b.clear();
  b.set_regs(changed);
  ASSERT_TRUE(mem_.run(b));
  ASSERT_TRUE(mem_.flush_registers());
  EXPECT_EQ(mem_.stats().crossings - c1, 1u);
  mem_.resumed();
  fresh = mem_.registers();
  ASSERT_TRUE(fresh);
  EXPECT_EQ((*fresh)->raw().r14, 0x42u);
  EXPECT_EQ((*fresh)->raw().r15, 0x43u);
}

// read_ahead(): the slot-like first read, and the ranges read with it serve the batches of the
// same stop exactly as the kernel would: same bytes, same string ends, same errors.
bool batches_cross(MemMode mode) {
  return mode == MemMode::vm || mode == MemMode::automatic;
}

TEST_P(MemoryTest, ReadAheadServesTheStopsNextReadsWithoutACrossing) {
  char first[64];
  const RemoteMemory::Range ahead[] = {{tracee_.addr("path"), 256},
                                       {tracee_.addr("page_end_string"), 4096},
                                       {tracee_.addr("scattered") + 3 * kPageSize + 100, 64}};
  ASSERT_TRUE(mem_.read_ahead(tracee_.ptr<void>("scattered"), first, sizeof first, ahead, 3));
  EXPECT_EQ(first[0], 0);
  const auto before = mem_.stats().crossings;
  char path[4096], end[300], small[8], block[64];
  Batch b;
  b.read_string(tracee_.ptr("path"), path, sizeof path);
  b.read_string(tracee_.ptr("page_end_string"), end, sizeof end);  // its NUL ends the page
  b.read_string(tracee_.ptr("path"), small, sizeof small);         // cut at the capacity
  b.read(tracee_.ptr<void>("scattered") + (3 * kPageSize + 100), block, sizeof block);
  b.read(tracee_.ptr<void>("unmapped"), block, 0);  // nothing to move: served anywhere
  ASSERT_TRUE(mem_.run(b));
  if (batches_cross(GetParam())) {
    EXPECT_EQ(mem_.stats().crossings, before);
  }
  EXPECT_EQ(std::strlen(path), 255u);
  EXPECT_EQ(b[0].done, 256u);
  EXPECT_FALSE(b[0].truncated);
  EXPECT_STREQ(end, "ends-at-page-end");
  EXPECT_TRUE(b[2].truncated);
  EXPECT_EQ(b[2].done, sizeof small);
  EXPECT_EQ(std::memcmp(small, "/usr/inc", 8), 0);
  EXPECT_EQ(block[63], 1);
  for (std::size_t k = 0; k < b.size(); ++k) EXPECT_TRUE(b[k].executed);

  // Past what was read ahead: the kernel, with the usual result.
  b.clear();
  b.read(tracee_.ptr<void>("path"), path, 300);
  ASSERT_TRUE(mem_.run(b));
  if (batches_cross(GetParam())) {
    EXPECT_EQ(mem_.stats().crossings, before + 1);
  }
  EXPECT_EQ(path[255], '\0');
}

// write_along(): written by the stop's next batch that writes, in its crossing (a batch of
// reads leaves it pending); its outcome is not the batch's; resumed() forgets a pending one.
TEST_P(MemoryTest, WriteAlongGoesWithTheNextWrite) {
  const auto base = tracee_.ptr<void>("scattered");
  const char along[] = "along", mine[] = "mine";
  mem_.write_along(base, along, sizeof along);
  char buf[8];
  Batch reads;
  reads.read(base + 64, buf, 4);
  ASSERT_TRUE(mem_.run(reads));
  EXPECT_FALSE(mem_.written_along(base));
  Batch b;
  b.read(base + 64, buf, 4);
  b.write(base + 32, mine, sizeof mine);
  auto before = mem_.stats().crossings;
  ASSERT_TRUE(mem_.run(b));  // no write-along pending now: what the batch costs alone
  const auto alone = mem_.stats().crossings - before;
  mem_.resumed();
  mem_.write_along(base, along, sizeof along);
  b[0].executed = b[1].executed = false;
  before = mem_.stats().crossings;
  ASSERT_TRUE(mem_.run(b));
  if (batches_cross(GetParam())) {
    EXPECT_EQ(mem_.stats().crossings - before, alone);  // the write-along cost nothing
  }
  EXPECT_TRUE(b[0].executed && b[1].executed);
  EXPECT_EQ(b[1].done, sizeof mine);
  EXPECT_EQ(b.failed_index(), Batch::npos);
  EXPECT_TRUE(mem_.written_along(base));
  ASSERT_TRUE(mem_.read(base, buf, sizeof along));
  EXPECT_STREQ(buf, "along");
  ASSERT_TRUE(mem_.read(base + 32, buf, sizeof mine));
  EXPECT_STREQ(buf, "mine");
  // A failing batch reports its own op; one pending at the resume is never written.
  mem_.write_along(base + 128, along, sizeof along);
  Batch bad;
  bad.write(tracee_.ptr<void>("unmapped"), mine, sizeof mine);
  auto r = mem_.run(bad);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), Error::guest(EFAULT));
  EXPECT_EQ(bad.failed_index(), 0u);
  mem_.write_along(base + 256, along, sizeof along);
  mem_.resumed();
  ASSERT_TRUE(mem_.write(base + 512, mine, sizeof mine));
  EXPECT_FALSE(mem_.written_along(base + 256));
  char zero[6] = {1};
  ASSERT_TRUE(mem_.read(base + 256, zero, sizeof zero));
  EXPECT_NE(std::string(zero, 5), "along");
}

TEST_P(MemoryTest, ReadAheadEndsAtAnUnreadableRangeAndErrorsStayTheKernels) {
  char first[8];
  const RemoteMemory::Range ahead[] = {
      {tracee_.addr("unmapped"), 64}, {tracee_.addr("path"), 256}, {tracee_.addr("protnone"), 64}};
  ASSERT_TRUE(mem_.read_ahead(tracee_.ptr<void>("path"), first, sizeof first, ahead, 3));
  EXPECT_EQ(std::memcmp(first, "/usr/inc", 8), 0);
  char buf[300];
  const auto before = mem_.stats().crossings;
  auto n = mem_.read_string(tracee_.ptr("path"), buf, sizeof buf);  // after the hole: read anew
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 255u);
  if (batches_cross(GetParam())) {
    EXPECT_EQ(mem_.stats().crossings, before + 1);
  }
  Batch b;
  b.read(tracee_.ptr<void>("unmapped"), buf, 8);
  auto r = mem_.run(b);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), Error::guest(EFAULT));
  b.clear();
  b.read(tracee_.ptr<void>("protnone"), buf, 8);
  r = mem_.run(b);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), Error::guest(EFAULT));

  // The first read fails: as read() fails.
  EXPECT_EQ(
      mem_.read_ahead(tracee_.ptr<void>("unmapped"), first, sizeof first, ahead + 1, 1).error(),
      Error::guest(EFAULT));
}

TEST_P(MemoryTest, ReadAheadIsForgottenByAWriteAndByTheResume) {
  char first[8];
  const RemoteMemory::Range ahead[] = {{tracee_.addr("path"), 256}};
  ASSERT_TRUE(mem_.read_ahead(tracee_.ptr<void>("big"), first, sizeof first, ahead, 1));
  ASSERT_TRUE(mem_.write(tracee_.ptr<void>("path"), "/etc", 5));
  char buf[300];
  auto n = mem_.read_string(tracee_.ptr("path"), buf, sizeof buf);
  ASSERT_TRUE(n);
  EXPECT_STREQ(buf, "/etc");

  // A write behind a register op forgets it too.
  ASSERT_TRUE(mem_.read_ahead(tracee_.ptr<void>("big"), first, sizeof first, ahead, 1));
  Registers regs;
  Batch b;
  b.get_regs(&regs);
  b.write(tracee_.ptr<void>("path"), "/usr", 5);
  ASSERT_TRUE(mem_.run(b));
  n = mem_.read_string(tracee_.ptr("path"), buf, sizeof buf);
  ASSERT_TRUE(n);
  EXPECT_STREQ(buf, "/usr");

  ASSERT_TRUE(mem_.read_ahead(tracee_.ptr<void>("big"), first, sizeof first, ahead, 1));
  mem_.resumed();
  const auto before = mem_.stats().crossings;
  ASSERT_TRUE(mem_.read_string(tracee_.ptr("path"), buf, sizeof buf));
  if (batches_cross(GetParam())) {
    EXPECT_EQ(mem_.stats().crossings, before + 1);
  }
}

TEST_P(MemoryTest, DeadTraceeIsGoneNotAnError) {
  tracee_.kill(/*reap=*/false);  // a zombie: its address space is gone
  char buf[16];
  Batch b;
  b.read(tracee_.ptr("path"), buf, sizeof buf);
  b.read_string(tracee_.ptr("path"), buf, sizeof buf);
  auto r = mem_.run(b);
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is_gone());
  EXPECT_TRUE(b[0].gone);

  tracee_.kill(/*reap=*/true);  // and once reaped, the pid does not exist
  r = mem_.run(b);
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is_gone());
  EXPECT_TRUE(mem_.registers().error().is_gone());
}

TEST_P(MemoryTest, TraceeKilledDuringBatchesIsGone) {
  // A killer thread races with batches of many small rounds (string reads go page by page):
  // each batch either succeeds or reports the tracee gone; never another error, never a crash.
  std::vector<char> big(1 << 20);
  std::atomic<bool> go{false};
  std::thread killer([&] {
    while (!go) {
    }
    usleep(2000);
    ::kill(tracee_.pid(), SIGKILL);
  });
  go = true;
  bool gone = false;
  for (int i = 0; i < 100000 && !gone; ++i) {
    Batch b;
    char s[300];
    b.read_string(tracee_.ptr("path"), s, sizeof s);
    b.read(tracee_.ptr("big"), big.data(), GetParam() == MemMode::peek ? 4096 : big.size());
    b.write(tracee_.ptr("path"), s, 8);
    auto r = mem_.run(b);
    if (!r) {
      ASSERT_TRUE(r.error().is_gone()) << r.error().describe() << " at op " << b.failed_index();
      gone = true;
    }
  }
  killer.join();
  EXPECT_TRUE(gone);
}

INSTANTIATE_TEST_SUITE_P(AllModes, MemoryTest,
                         ::testing::Values(MemMode::automatic, MemMode::vm, MemMode::procmem,
                                           MemMode::peek),
                         [](const auto& info) { return std::string(to_string(info.param)); });

TEST(MemModeTest, ParsesEveryModeAndRejectsOthers) {
  for (auto m : {MemMode::automatic, MemMode::vm, MemMode::procmem, MemMode::peek}) {
    EXPECT_EQ(parse_mem_mode(to_string(m)), m);
  }
  EXPECT_FALSE(parse_mem_mode("fast"));
}

// LocalMemory: the in-process view has the same semantics, without crashing on bad pointers.
TEST(LocalMemoryTest, SameSemanticsOnOwnMemory) {
  const long page = kPageSize;
  char* p = static_cast<char*>(
      mmap(nullptr, 3 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  ASSERT_NE(p, MAP_FAILED);
  munmap(p + 2 * page, page);
  std::memset(p, 'A', 2 * page);
  std::strcpy(p + 2 * page - 4, "end");
  Registers regs;
  regs.set_arg(0, 42);
  LocalMemory mem(&regs, -1);

  char buf[64];
  auto n = mem.read_string(RemotePtr<char>(reinterpret_cast<std::uintptr_t>(p + 2 * page - 4)), buf,
                           sizeof buf);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 3u);
  auto bad = mem.read(RemotePtr<void>(reinterpret_cast<std::uintptr_t>(p + 2 * page)), buf, 8);
  ASSERT_FALSE(bad);  // EFAULT, not SIGSEGV
  EXPECT_EQ(bad.error(), Error::guest(EFAULT));
  EXPECT_FALSE(mem.read(RemotePtr<void>(8), buf, 8));  // NULL page

  mprotect(p, page, PROT_READ);
  EXPECT_FALSE(mem.write(RemotePtr<void>(reinterpret_cast<std::uintptr_t>(p)), "x", 1));
  Registers got;
  Batch b;
  b.get_regs(&got);
  ASSERT_TRUE(mem.run(b));
  EXPECT_EQ(got.arg(0), 42u);
  munmap(p, 2 * page);
}

TEST(LocalMemoryTest, ForcedWriteReachesReadOnlyPages) {
  int fd = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  char* p =
      static_cast<char*>(mmap(nullptr, kPageSize, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  LocalMemory mem(nullptr, fd);
  ASSERT_TRUE(
      mem.write(RemotePtr<void>(reinterpret_cast<std::uintptr_t>(p)), "hi", 3, Access::force));
  EXPECT_STREQ(p, "hi");
  Registers r;
  Batch b;
  b.get_regs(&r);
  EXPECT_EQ(mem.run(b).error(), Error::guest(ENOSYS));  // no context: said, not faked
  munmap(p, kPageSize);
  close(fd);
}

}  // namespace
}  // namespace ptvm
