// The path VM's maps and its resolver (vms/path/), on a tree made in a temporary directory; the
// calls themselves are tested end to end (tests/vm/path_escape.sh, path_real.sh).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include "core/proc_files.h"
#include "core/syscall_table.h"
#include "vms/path/exe_table.h"
#include "vms/path/path_map.h"
#include "vms/path/path_module.h"
#include "vms/path/resolve.h"

namespace ptvm::path {
namespace {

std::string host_of(const PathMap& m, const char* guest) {
  char out[PATH_MAX];
  return m.to_host(guest, out) ? out : "(none)";
}

std::string guest_of(const PathMap& m, const char* host) {
  char out[PATH_MAX];
  return m.to_guest(host, out) ? out : "(none)";
}

TEST(PathMapTest, RootAndBindings) {
  PathMap m;
  ASSERT_TRUE(m.set_root("/srv/r"));
  ASSERT_TRUE(m.bind("/home/u", "/home/u"));
  ASSERT_TRUE(m.bind("/tmp/a", "/mnt"));
  ASSERT_TRUE(m.bind("/tmp/b", "/mnt"));  // later wins
  EXPECT_EQ(host_of(m, "/"), "/srv/r");
  EXPECT_EQ(host_of(m, "/etc/passwd"), "/srv/r/etc/passwd");
  EXPECT_EQ(host_of(m, "/home/u/x"), "/home/u/x");
  EXPECT_EQ(host_of(m, "/home/user"), "/srv/r/home/user");  // whole components only
  EXPECT_EQ(host_of(m, "/mnt/f"), "/tmp/b/f");
  EXPECT_EQ(guest_of(m, "/srv/r"), "/");
  EXPECT_EQ(guest_of(m, "/srv/r/etc"), "/etc");
  EXPECT_EQ(guest_of(m, "/home/u/x"), "/home/u/x");
  EXPECT_EQ(guest_of(m, "/tmp/b"), "/mnt");
  EXPECT_EQ(guest_of(m, "/etc/passwd"), "(none)");  // the host's, not the guest's
  EXPECT_EQ(guest_of(m, "/srv/rr"), "(none)");
}

// What the in-process runtime does with ptvm's map: a copy of the used part maps alike.
TEST(PathMapTest, CopyFromMapsAlike) {
  PathMap m;
  ASSERT_TRUE(m.set_root("/srv/r"));
  ASSERT_TRUE(m.bind("/tmp/a", "/mnt"));
  ASSERT_TRUE(m.bind("/home/u", "/home/u"));
  auto copy = std::make_unique<PathMap>();
  copy->copy_from(m);
  EXPECT_EQ(copy->bindings(), 2u);
  for (const char* g : {"/", "/etc/passwd", "/mnt/f", "/home/u/x"}) {
    EXPECT_EQ(host_of(*copy, g), host_of(m, g)) << g;
  }
  EXPECT_EQ(guest_of(*copy, "/tmp/a/f"), "/mnt/f");
}

// The run-wide table of programs (in-process: one per run, shared by its processes): a process
// is known by its pid and start time, so a reused pid is not answered for.
TEST(ExeTableTest, ByPidAndStartTime) {
  auto table = std::make_unique<ExeTable>();
  std::memset(static_cast<void*>(table.get()), 0, sizeof *table);  // a new memfd's zeroes
  const pid_t self = getpid();
  const std::uint64_t start = start_time_of(self);
  table->put(self, start, "/host/ptvm-rt", "/bin/guest");
  char kernel_exe[PATH_MAX], guest[PATH_MAX];
  ASSERT_TRUE(table->get(self, start, kernel_exe, guest));
  EXPECT_STREQ(guest, "/bin/guest");
  EXPECT_STREQ(kernel_exe, "/host/ptvm-rt");
  EXPECT_FALSE(table->get(self, start + 1, kernel_exe, guest));  // another process, same pid
  EXPECT_FALSE(table->get(self + 1, start, kernel_exe, guest));
  table->put(self, start, "/host/ptvm-rt", "/bin/next");  // the process's next image
  ASSERT_TRUE(table->get(self, start, kernel_exe, guest));
  EXPECT_STREQ(guest, "/bin/next");
}

TEST(PathMapTest, BindingOfTheWholeHost) {
  PathMap m;
  ASSERT_TRUE(m.set_root("/srv/r"));
  ASSERT_TRUE(m.bind("/", "/host"));
  EXPECT_EQ(host_of(m, "/host"), "/");
  EXPECT_EQ(host_of(m, "/host/etc"), "/etc");
  EXPECT_EQ(guest_of(m, "/etc"), "/host/etc");
  EXPECT_EQ(guest_of(m, "/srv/r/etc"), "/etc");
}

TEST(PathMapTest, IdentityAndRejects) {
  PathMap m;
  EXPECT_TRUE(m.identity());
  EXPECT_FALSE(m.set_root("relative"));
  EXPECT_FALSE(m.bind("/a", "b"));
  EXPECT_EQ(host_of(m, "/x"), "/x");
}

class ResolveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ptvm_path_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    top_ = tmpl;
    root_ = top_ + "/root";
    for (const char* d : {"", "/etc", "/usr", "/usr/lib", "/tmp"}) mkdir((root_ + d).c_str(), 0755);
    mkdir((top_ + "/outside").c_str(), 0755);
    std::ofstream(root_ + "/etc/passwd") << "guest\n";
    symlink("/usr/lib", (root_ + "/lib").c_str());               // absolute: the guest's
    symlink("../../../../../etc", (root_ + "/usr/up").c_str());  // climbs: stops at the root
    symlink("loop2", (root_ + "/tmp/loop1").c_str());
    symlink("loop1", (root_ + "/tmp/loop2").c_str());
    symlink("/mnt/file", (root_ + "/tmp/into_binding").c_str());
    std::ofstream(top_ + "/outside/file") << "bound\n";
    ASSERT_TRUE(map_.set_root(root_.c_str()));
    ASSERT_TRUE(map_.bind((top_ + "/outside").c_str(), "/mnt"));
  }
  void TearDown() override { std::system(("rm -rf " + top_).c_str()); }

  std::string resolve_(const char* base, const char* path, bool follow = true) {
    Walk walk{map_, getpid(), gettid(), nullptr};
    Resolved r;
    if (int e = resolve(walk, base, path, follow, r))
      return std::string("errno ") + std::to_string(e);
    std::string host = r.host;
    return host.starts_with(top_) ? host.substr(top_.size()) : host;
  }

  std::string top_, root_;
  PathMap map_;
};

TEST_F(ResolveTest, DotDotNeverClimbsAboveTheRoot) {
  EXPECT_EQ(resolve_("/", "/../../etc/passwd"), "/root/etc/passwd");
  EXPECT_EQ(resolve_("/usr", "../../../etc"), "/root/etc");
  EXPECT_EQ(resolve_("/", "/"), "/root");
}

TEST_F(ResolveTest, LinksAreTheGuests) {
  EXPECT_EQ(resolve_("/", "/lib/x"), "/root/usr/lib/x");
  EXPECT_EQ(resolve_("/", "/usr/up/passwd"), "/root/etc/passwd");
  EXPECT_EQ(resolve_("/", "/lib", false), "/root/lib");        // last component not followed
  EXPECT_EQ(resolve_("/", "/lib/", false), "/root/usr/lib/");  // a trailing slash follows
  EXPECT_EQ(resolve_("/", "/tmp/into_binding"), "/outside/file");
  EXPECT_EQ(resolve_("/", "/tmp/loop1"), "errno " + std::to_string(ELOOP));
}

TEST_F(ResolveTest, MissingComponentsAreLeftToTheKernel) {
  // The kernel stops at "nothere" with ENOENT: the rest goes unresolved.
  EXPECT_EQ(resolve_("/", "/nothere/../../etc"), "/root/nothere/../../etc");
  EXPECT_EQ(resolve_("/", ""), "errno " + std::to_string(ENOENT));
}

TEST_F(ResolveTest, TooLongIsEnametoolong) {
  std::string p = "/" + std::string(PATH_MAX - 2, 'a');
  EXPECT_EQ(resolve_("/", p.c_str()), "errno " + std::to_string(ENAMETOOLONG));
}

TEST_F(ResolveTest, MissingParentsOfABindingAreTheGlue) {
  PathMap m;
  ASSERT_TRUE(m.set_root(root_.c_str()));
  ASSERT_TRUE(m.bind((top_ + "/outside").c_str(), "/mnt/deep/here"));
  mkdir((top_ + "/glue").c_str(), 0555);
  ASSERT_TRUE(m.set_glue((top_ + "/glue").c_str()));
  EXPECT_EQ(host_of(m, "/mnt"), top_ + "/glue");  // not in the rootfs
  EXPECT_EQ(host_of(m, "/mnt/deep"), top_ + "/glue");
  EXPECT_EQ(host_of(m, "/mnt/deep/here/file"), top_ + "/outside/file");
  EXPECT_EQ(host_of(m, "/mnt/other"), root_ + "/mnt/other");  // no binding below: ENOENT
  EXPECT_EQ(host_of(m, "/usr"), root_ + "/usr");
  mkdir((root_ + "/mnt").c_str(), 0755);  // the rootfs has it now: its own
  EXPECT_EQ(host_of(m, "/mnt"), root_ + "/mnt");
}

TEST_F(ResolveTest, ProcSelfNamesTheCaller) {
  PathMap m;  // the host's /proc seen in the guest
  ASSERT_TRUE(m.set_root(root_.c_str()));
  ASSERT_TRUE(m.bind("/proc", "/proc"));
  const pid_t pid = getpid(), tid = gettid();
  Walk walk{m, pid, tid, nullptr};
  Resolved r;
  ASSERT_EQ(resolve(walk, "/", "/proc/self/status", true, r), 0);
  EXPECT_EQ(std::string(r.host), "/proc/" + std::to_string(pid) + "/status");
  ASSERT_EQ(resolve(walk, "/", "/proc/thread-self/comm", true, r), 0);
  EXPECT_EQ(std::string(r.host),
            "/proc/" + std::to_string(pid) + "/task/" + std::to_string(tid) + "/comm");
  ASSERT_EQ(resolve(walk, "/", "/proc/1/root/etc/passwd", true, r), 0);
  EXPECT_EQ(std::string(r.host), root_ + "/etc/passwd");
}

TEST(ProcHelpersTest, ReadTheKernelsAnswers) {
  EXPECT_EQ(parent_of(getpid()), getppid());
  EXPECT_EQ(thread_group_of(getpid()), getpid());
  pid_t tid = 0, group = 0;
  std::thread t([&] {
    tid = gettid();
    group = thread_group_of(tid);  // a live thread: its process
  });
  t.join();
  EXPECT_NE(tid, getpid());
  EXPECT_EQ(group, getpid());
  long v[4];
  EXPECT_EQ(status_numbers("Name:\tx\nUid:\t1\t2\t3\t4\nGroups:\t\n", "Uid:", v, 4), 4);
  EXPECT_EQ(v[3], 4);
  EXPECT_EQ(status_numbers("Uid:\t1\nGroups:\t\n", "Groups:", v, 4), 0);
  EXPECT_EQ(status_numbers("XUid:\t9\n", "Uid:", v, 4), 0);  // a key starts a line
  char name[64];
  proc_path(name, 12, "/fd/", 3);
  EXPECT_STREQ(name, "/proc/12/fd/3");
  EXPECT_TRUE(deleted("/tmp/x (deleted)", 16));
  EXPECT_FALSE(deleted("/tmp/x", 6));
}

// Fail closed: every call of the table that takes a path is one the module translates.
TEST(PathModuleTest, EveryPathCallIsHandled) {
  for (long nr = 0; nr < kMaxSyscall; ++nr) {
    const SyscallInfo* info = syscall_info(nr);
    if (!info) continue;
    for (int a = 0; a < info->nargs; ++a) {
      if (info->args[a] == ArgKind::path) {
        EXPECT_TRUE(PathModule::handles(nr)) << info->name;
      }
    }
  }
}

TEST(PathModuleTest, UnknownCallsAreIntercepted) {
  PathModule m;
  ASSERT_TRUE(m.edit_map().set_root("/srv"));
  const Interest i = m.interest();
  EXPECT_TRUE(i.calls.contains(kMaxSyscall - 1));  // no such call in the table: refused
  EXPECT_TRUE(i.calls.contains(syscall_number("openat")));
  EXPECT_FALSE(i.calls.contains(syscall_number("read")));
  PathModule identity;
  EXPECT_TRUE(identity.interest().calls.empty());  // -r / alone: nothing to translate
}

}  // namespace
}  // namespace ptvm::path
