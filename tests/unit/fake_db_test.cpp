#include "vms/fakeroot/fake_db.h"

#include <gtest/gtest.h>

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
