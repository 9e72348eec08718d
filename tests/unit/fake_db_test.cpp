#include "vms/fakeroot/fake_db.h"

#include <gtest/gtest.h>

#include <sys/xattr.h>

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
