// Path translation of the redirect module (the rewrite path itself is tested end to end by the
// behaviour suite, under every backend).
#include <gtest/gtest.h>

#include <string>

#include "vms/redirect/redirect_module.h"

namespace ptvm {
namespace {

std::string translate(const char* from, const char* to, const char* path) {
  RedirectModule m;
  EXPECT_TRUE(m.add(from, to));
  char out[PATH_MAX];
  return m.translate(path, out) ? std::string(out) : std::string("(unchanged)");
}

TEST(RedirectTest, WholeComponentsOnly) {
  EXPECT_EQ(translate("/data", "/tmp/d", "/data/x"), "/tmp/d/x");
  EXPECT_EQ(translate("/data", "/tmp/d", "/data"), "/tmp/d");
  EXPECT_EQ(translate("/data", "/tmp/d", "/database"), "(unchanged)");
  EXPECT_EQ(translate("/data/", "/tmp/d/", "/data/x"), "/tmp/d/x");
}

TEST(RedirectTest, RootOnEitherSide) {
  EXPECT_EQ(translate("/", "/jail", "/etc/passwd"), "/jail/etc/passwd");
  EXPECT_EQ(translate("/", "/jail", "/"), "/jail");
  EXPECT_EQ(translate("/a", "/", "/a/b"), "/b");
  EXPECT_EQ(translate("/a", "/", "/a"), "/");
}

TEST(RedirectTest, RelativePathsAndBadRules) {
  EXPECT_EQ(translate("/a", "/b", "a/c"), "(unchanged)");
  RedirectModule m;
  EXPECT_FALSE(m.add("relative", "/b"));
  EXPECT_FALSE(m.add("/a", ""));
}

TEST(RedirectTest, ResultLongerThanPathMaxIsNotRewritten) {
  std::string to = "/" + std::string(PATH_MAX - 10, 'x');
  RedirectModule m;
  ASSERT_TRUE(m.add("/a", to.c_str()));
  char out[PATH_MAX];
  EXPECT_FALSE(m.translate("/a/0123456789", out));
}

}  // namespace
}  // namespace ptvm
