// ptvm_ptrace_multi(): the seed's C API, under every memory mode.
#include "ptvm/ptrace_multi.h"

#include <gtest/gtest.h>
#include <stddef.h>
#include <sys/ptrace.h>
#include <sys/user.h>

#include <cstring>
#include <string>

#include "tests/unit/tracee_fixture.h"

namespace ptvm {
namespace {

using testing::StoppedTracee;

const char* mode_name(int mode) {
  static const char* const names[] = {"auto", "vm", "procmem", "peek"};
  return names[mode];
}

class PtraceMultiTest : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override { ASSERT_EQ(ptvm_multi_set_mem_mode(GetParam()), 0); }
  void TearDown() override { ptvm_multi_set_mem_mode(PTVM_MEM_AUTO); }
  long addr(const char* name) { return static_cast<long>(tracee_.addr(name)); }
  StoppedTracee tracee_;
};

TEST_P(PtraceMultiTest, MixedRequestsInOneCall) {
  char path[300] = {}, chars[16] = {};
  long words[2] = {};
  user_regs_struct regs{};
  ptvm_multi reqs[] = {
      {PTVM_PEEKSTRINGDATA, addr("path"), path, sizeof path},
      {PTVM_PEEKCHARDATA, addr("two_mappings"), chars, 10},
      {PTRACE_PEEKDATA, addr("path"), words, 2},
      {PTRACE_GETREGS, 0, &regs, 0},
  };
  ASSERT_EQ(ptvm_ptrace_multi(tracee_.pid(), reqs, 4), 0);
  EXPECT_EQ(std::strlen(path), 255u);
  EXPECT_EQ(reqs[0].length, 256);  // overwritten: the string's bytes including its NUL
  EXPECT_EQ(reqs[1].length, 10);
  EXPECT_EQ(std::memcmp(words, path, 16), 0);
  EXPECT_NE(regs.rip, 0u);
  EXPECT_EQ(chars[1], 7);
}

TEST_P(PtraceMultiTest, FirstFailureStopsAndReportsHowFarItGot) {
  char a[64] = {}, b[64] = {}, c[8] = {};
  ptvm_multi reqs[] = {
      {PTVM_PEEKCHARDATA, addr("path"), a, 8},
      {PTVM_PEEKCHARDATA, addr("unmapped") - 24, b, 64},
      {PTVM_PEEKCHARDATA, addr("path"), c, 8},
  };
  EXPECT_EQ(ptvm_ptrace_multi(tracee_.pid(), reqs, 3), -EFAULT);
  EXPECT_EQ(reqs[0].length, 8);
  EXPECT_EQ(reqs[1].length, 24);  // what was copied before the unmapped page
  EXPECT_EQ(reqs[2].length, 8);   // not executed: untouched
  EXPECT_EQ(c[0], 0);
}

TEST_P(PtraceMultiTest, StringSemantics) {
  char buf[8192];
  ptvm_multi at_end = {PTVM_PEEKSTRINGDATA, addr("page_end_string"), buf, sizeof buf};
  ASSERT_EQ(ptvm_ptrace_multi(tracee_.pid(), &at_end, 1), 0);
  EXPECT_EQ(at_end.length, 17);
  EXPECT_STREQ(buf, "ends-at-page-end");

  ptvm_multi unterminated = {PTVM_PEEKSTRINGDATA, addr("unterminated_unmapped"), buf, sizeof buf};
  EXPECT_EQ(ptvm_ptrace_multi(tracee_.pid(), &unterminated, 1), -EFAULT);
  EXPECT_EQ(unterminated.length, 4096);

  // Into a PROT_NONE page: read, as the seed's access_process_vm does ("hidden" is there)...
  ptvm_multi protnone = {PTVM_PEEKSTRINGDATA, addr("unterminated_protnone"), buf, sizeof buf};
  EXPECT_EQ(ptvm_ptrace_multi(tracee_.pid(), &protnone, 1), 0);
  EXPECT_EQ(protnone.length, 4096 + 7);
  // ...and EFAULT with the tracee's rights.
  ptvm_multi checked = {PTVM_PEEKSTRINGDATA_CHECKED, addr("unterminated_protnone"), buf,
                        sizeof buf};
  EXPECT_EQ(ptvm_ptrace_multi(tracee_.pid(), &checked, 1), -EFAULT);
  EXPECT_EQ(checked.length, 4096);

  ptvm_multi longer = {PTVM_PEEKSTRINGDATA, addr("path"), buf, 10};
  ASSERT_EQ(ptvm_ptrace_multi(tracee_.pid(), &longer, 1), 0);  // not an error...
  EXPECT_EQ(longer.length, 10);
  EXPECT_EQ(std::memchr(buf, 0, 10), nullptr);  // ...but no NUL in the buffer
}

TEST_P(PtraceMultiTest, RequestsForceAccessAsTheSeedsDo) {
  // The word requests, as ptrace, and the CHAR/STRING requests, as the seed's access_process_vm:
  // a PROT_NONE page is read...
  long word = 0;
  ptvm_multi peek = {PTRACE_PEEKDATA, addr("protnone"), &word, 0};
  ASSERT_EQ(ptvm_ptrace_multi(tracee_.pid(), &peek, 1), 0);
  EXPECT_EQ(std::memcmp(&word, "hidden", 7), 0);
  char c[8] = {};
  ptvm_multi peekc = {PTVM_PEEKCHARDATA, addr("protnone"), c, 7};
  ASSERT_EQ(ptvm_ptrace_multi(tracee_.pid(), &peekc, 1), 0);
  EXPECT_STREQ(c, "hidden");
  char s[32];
  ptvm_multi peeks = {PTVM_PEEKSTRINGDATA, addr("protnone"), s, sizeof s};
  ASSERT_EQ(ptvm_ptrace_multi(tracee_.pid(), &peeks, 1), 0);
  EXPECT_STREQ(s, "hidden");
  EXPECT_EQ(peeks.length, 7);

  // ...and read-only text written.
  long text[2];
  ptvm_multi get = {PTRACE_PEEKTEXT, addr("text"), text, 2};
  ASSERT_EQ(ptvm_ptrace_multi(tracee_.pid(), &get, 1), 0);
  long patched[2] = {0x11223344, text[1]};
  ptvm_multi poke = {PTRACE_POKETEXT, addr("text"), patched, 2};
  ASSERT_EQ(ptvm_ptrace_multi(tracee_.pid(), &poke, 1), 0);
  long back[2];
  ptvm_multi check = {PTRACE_PEEKTEXT, addr("text"), back, 2};
  ASSERT_EQ(ptvm_ptrace_multi(tracee_.pid(), &check, 1), 0);
  EXPECT_EQ(back[0], 0x11223344);
  const long again[2] = {0x55667788, text[1]};
  ptvm_multi pokec = {PTVM_POKECHARDATA, addr("text"), const_cast<long*>(again), 8};
  ASSERT_EQ(ptvm_ptrace_multi(tracee_.pid(), &pokec, 1), 0);
  EXPECT_EQ(pokec.length, 8);
  ASSERT_EQ(ptvm_ptrace_multi(tracee_.pid(), &check, 1), 0);
  EXPECT_EQ(back[0], 0x55667788);
}

TEST_P(PtraceMultiTest, CheckedRequestsHaveTheTraceesRights) {
  // As the tracee's own system call: PROT_NONE and read-only text are EFAULT.
  char c[8];
  ptvm_multi peekc = {PTVM_PEEKCHARDATA_CHECKED, addr("protnone"), c, 8};
  EXPECT_EQ(ptvm_ptrace_multi(tracee_.pid(), &peekc, 1), -EFAULT);
  EXPECT_EQ(peekc.length, 0);
  char s[32];
  ptvm_multi peeks = {PTVM_PEEKSTRINGDATA_CHECKED, addr("protnone"), s, sizeof s};
  EXPECT_EQ(ptvm_ptrace_multi(tracee_.pid(), &peeks, 1), -EFAULT);
  long patched[1] = {0x11223344};
  ptvm_multi pokec = {PTVM_POKECHARDATA_CHECKED, addr("text"), patched, 8};
  EXPECT_EQ(ptvm_ptrace_multi(tracee_.pid(), &pokec, 1), -EFAULT);
  EXPECT_EQ(pokec.length, 0);
  // Readable memory reads the same both ways.
  char a[8] = {}, b[8] = {};
  ptvm_multi both[2] = {{PTVM_PEEKCHARDATA, addr("path"), a, 7},
                        {PTVM_PEEKCHARDATA_CHECKED, addr("path"), b, 7}};
  ASSERT_EQ(ptvm_ptrace_multi(tracee_.pid(), both, 2), 0);
  EXPECT_EQ(std::memcmp(a, b, 7), 0);
}

TEST_P(PtraceMultiTest, PeekUserAndPokeUser) {
  user_regs_struct regs{};
  ptvm_multi getregs = {PTRACE_GETREGS, 0, &regs, 0};
  ASSERT_EQ(ptvm_ptrace_multi(tracee_.pid(), &getregs, 1), 0);

  // Three consecutive words of the user area: r15, r14, r13.
  long words[3] = {};
  ptvm_multi peek = {PTRACE_PEEKUSER, offsetof(user_regs_struct, r15), words, 3};
  ASSERT_EQ(ptvm_ptrace_multi(tracee_.pid(), &peek, 1), 0);
  EXPECT_EQ(static_cast<unsigned long long>(words[0]), regs.r15);
  EXPECT_EQ(static_cast<unsigned long long>(words[1]), regs.r14);
  EXPECT_EQ(static_cast<unsigned long long>(words[2]), regs.r13);

  long values[2] = {0x1111, 0x2222};
  long after[2] = {};
  user_regs_struct regs2{};
  ptvm_multi reqs[] = {
      {PTRACE_POKEUSER, offsetof(user_regs_struct, r15), values, 2},
      {PTRACE_PEEKUSER, offsetof(user_regs_struct, r15), after, 2},
      {PTRACE_GETREGS, 0, &regs2, 0},
  };
  ASSERT_EQ(ptvm_ptrace_multi(tracee_.pid(), reqs, 3), 0);
  EXPECT_EQ(after[0], 0x1111);
  EXPECT_EQ(after[1], 0x2222);
  EXPECT_EQ(regs2.r15, 0x1111u);
  EXPECT_EQ(regs2.r14, 0x2222u);

  long bad = 0;
  ptvm_multi out_of_range = {PTRACE_PEEKUSER, 1 << 20, &bad, 1};
  EXPECT_EQ(ptvm_ptrace_multi(tracee_.pid(), &out_of_range, 1), -EIO);
}

TEST(PtraceMultiCoalescing, SixtyFourReadsAreOneCrossing) {
  StoppedTracee tracee_;
  auto addr = [&](const char* name) { return static_cast<long>(tracee_.addr(name)); };
  ASSERT_EQ(ptvm_multi_set_mem_mode(PTVM_MEM_VM), 0);
  char blocks[64][64];
  ptvm_multi reqs[64];
  for (int i = 0; i < 64; ++i) {
    reqs[i] = {PTVM_PEEKCHARDATA, addr("scattered") + i * (3 * 4096 + 100), blocks[i], 64};
  }
  const auto before = ptvm_multi_crossings();
  ASSERT_EQ(ptvm_ptrace_multi(tracee_.pid(), reqs, 64), 0);
  EXPECT_EQ(ptvm_multi_crossings() - before, 1u);  // one process_vm_readv
  for (int i = 0; i < 64; ++i) EXPECT_EQ(blocks[i][63], i);
  ptvm_multi_set_mem_mode(PTVM_MEM_AUTO);
}

TEST_P(PtraceMultiTest, TraceeGoneIsEsrch) {
  tracee_.kill(/*reap=*/false);
  char buf[8];
  ptvm_multi r = {PTVM_PEEKCHARDATA, addr("path"), buf, 8};
  EXPECT_EQ(ptvm_ptrace_multi(tracee_.pid(), &r, 1), -ESRCH);
}

TEST_P(PtraceMultiTest, BadArguments) {
  EXPECT_EQ(ptvm_ptrace_multi(tracee_.pid(), nullptr, 1), -EINVAL);
  EXPECT_EQ(ptvm_ptrace_multi(tracee_.pid(), nullptr, 0), 0);
  char buf[8];
  ptvm_multi neg = {PTVM_PEEKCHARDATA, addr("path"), buf, -1};
  EXPECT_EQ(ptvm_ptrace_multi(tracee_.pid(), &neg, 1), -EINVAL);
  EXPECT_EQ(ptvm_multi_set_mem_mode(42), -EINVAL);
}

INSTANTIATE_TEST_SUITE_P(AllModes, PtraceMultiTest,
                         ::testing::Values(PTVM_MEM_AUTO, PTVM_MEM_VM, PTVM_MEM_PROCMEM,
                                           PTVM_MEM_PEEK),
                         [](const auto& info) { return std::string(mode_name(info.param)); });

}  // namespace
}  // namespace ptvm
