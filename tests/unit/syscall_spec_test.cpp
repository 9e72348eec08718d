// strace's -e trace= and -e inject= syntax, as ptvm parses it.
#include "cli/syscall_spec.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/syscall.h>

namespace ptvm::cli {
namespace {

TEST(SyscallSpecTest, NamesClassesAndNegation) {
  std::string error;
  auto set = parse_syscall_set("openat,close", &error);
  ASSERT_TRUE(set) << error;
  EXPECT_TRUE(set->contains(SYS_openat));
  EXPECT_TRUE(set->contains(SYS_close));
  EXPECT_FALSE(set->contains(SYS_read));

  auto file = parse_syscall_set("%file", &error);
  ASSERT_TRUE(file) << error;
  EXPECT_TRUE(file->contains(SYS_openat));
  EXPECT_TRUE(file->contains(SYS_execve));
  EXPECT_TRUE(file->contains(SYS_newfstatat));
  EXPECT_FALSE(file->contains(SYS_read));
  EXPECT_EQ(*parse_syscall_set("file", &error), *file);  // strace's old spelling

  auto process = parse_syscall_set("%process", &error);
  ASSERT_TRUE(process);
  EXPECT_TRUE(process->contains(SYS_clone));
  EXPECT_TRUE(process->contains(SYS_wait4));

  auto not_write = parse_syscall_set("!write", &error);
  ASSERT_TRUE(not_write);
  EXPECT_FALSE(not_write->contains(SYS_write));
  EXPECT_TRUE(not_write->contains(SYS_read));
  EXPECT_EQ(*parse_syscall_set("all", &error), SyscallSet::all());
  EXPECT_TRUE(parse_syscall_set("none", &error)->empty());
  EXPECT_TRUE(parse_syscall_set("?nosuchcall,read", &error)->contains(SYS_read));
}

TEST(SyscallSpecTest, BadSetsSayWhy) {
  std::string error;
  EXPECT_FALSE(parse_syscall_set("opne", &error));
  EXPECT_NE(error.find("opne"), std::string::npos);
  EXPECT_FALSE(parse_syscall_set("%nonsense", &error));
  EXPECT_NE(error.find("nonsense"), std::string::npos);
  EXPECT_FALSE(parse_syscall_set("", &error));
}

TEST(SyscallSpecTest, InjectRules) {
  std::string error;
  auto r = parse_inject("openat:error=ENOENT:when=3+", &error);
  ASSERT_TRUE(r) << error;
  EXPECT_EQ(r->fault, InjectRule::Fault::error);
  EXPECT_EQ(r->value, ENOENT);
  EXPECT_FALSE(r->applies_to(2));
  EXPECT_TRUE(r->applies_to(3));
  EXPECT_TRUE(r->applies_to(1000));

  r = parse_inject("read:retval=42:when=2..6+2", &error);
  ASSERT_TRUE(r) << error;
  EXPECT_EQ(r->fault, InjectRule::Fault::retval);
  EXPECT_EQ(r->value, 42);
  for (unsigned n : {2u, 4u, 6u}) EXPECT_TRUE(r->applies_to(n)) << n;
  for (unsigned n : {1u, 3u, 5u, 7u, 8u}) EXPECT_FALSE(r->applies_to(n)) << n;

  r = parse_inject("getpid:signal=SIGUSR1:when=5", &error);
  ASSERT_TRUE(r) << error;
  EXPECT_EQ(r->signal, SIGUSR1);
  EXPECT_TRUE(r->applies_to(5));
  EXPECT_FALSE(r->applies_to(6));

  r = parse_inject("%file:error=13:delay_enter=1000", &error);
  ASSERT_TRUE(r) << error;
  EXPECT_EQ(r->value, 13);
  EXPECT_EQ(r->delay_enter_us, 1000u);
}

TEST(SyscallSpecTest, BadInjectRulesSayWhy) {
  std::string error;
  EXPECT_FALSE(parse_inject("openat", &error));
  EXPECT_FALSE(parse_inject("openat:error=ENOPE", &error));
  EXPECT_NE(error.find("ENOPE"), std::string::npos);
  EXPECT_FALSE(parse_inject("openat:error=ENOENT:retval=1", &error));
  EXPECT_FALSE(parse_inject("openat:signal=SIGNOPE", &error));
  EXPECT_FALSE(parse_inject("openat:error=ENOENT:when=0", &error));
  EXPECT_FALSE(parse_inject("openat:error=ENOENT:when=5..3", &error));
  EXPECT_FALSE(parse_inject("openat:bogus=1", &error));
}

TEST(SyscallSpecTest, SignalsAndErrnos) {
  EXPECT_EQ(parse_signal("SIGTERM"), SIGTERM);
  EXPECT_EQ(parse_signal("TERM"), SIGTERM);
  EXPECT_EQ(parse_signal("9"), SIGKILL);
  EXPECT_EQ(parse_signal("0"), 0);
  EXPECT_EQ(parse_errno("EACCES"), EACCES);
  EXPECT_EQ(parse_errno("4096"), 0);
}

}  // namespace
}  // namespace ptvm::cli
