// The strace-style decoders of `ptvm trace` (vms/trace/decode.h), the syscall table and the errno
// table. Every value is built in this process's own memory and decoded through LocalMemory, the
// Memory the in-process backend gives modules: the same code path as under ptrace, without a
// tracee. Expected strings are strace 6.x's output for the same calls (checked against strace
// itself), without the pid prefix and with one space before `=`.
#include <arpa/inet.h>
#include <asm/prctl.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/errno_table.h"
#include "core/error.h"
#include "core/syscall_table.h"
#include "mem/local_memory.h"
#include "vms/trace/decode.h"
#include "vms/trace/line_buffer.h"
#include "vms/trace/replay_memory.h"

namespace ptvm {
namespace {

std::uint64_t addr(const void* p) {
  return reinterpret_cast<std::uintptr_t>(p);
}

std::string hex(std::uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%#llx", static_cast<unsigned long long>(v));
  return buf;
}
std::string hex(const void* p) {
  return hex(addr(p));
}

// A page that is mapped but unreadable: a pointer into it gives EFAULT, as for a tracee.
struct BadPage {
  BadPage() {
    page = static_cast<char*>(
        mmap(nullptr, 2 * kPageSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    mprotect(page + kPageSize, kPageSize, PROT_NONE);
  }
  ~BadPage() { munmap(page, 2 * kPageSize); }
  char* readable_end() { return page + kPageSize; }  // first unreadable byte
  char* page;
};

class DecodeTest : public ::testing::Test {
 protected:
  // The whole line, at the exit.
  std::string call(long nr, std::initializer_list<std::uint64_t> args, long result,
                   std::size_t limit = 32) {
    return format(nr, args, true, result, limit);
  }
  // A call that never returned (exit_group), formatted at its entry.
  std::string no_return(long nr, std::initializer_list<std::uint64_t> args) {
    return format(nr, args, false, 0, 32);
  }
  std::string format(long nr, std::initializer_list<std::uint64_t> args, bool has_result,
                     long result, std::size_t limit) {
    CallView v = view(nr, args, has_result, result);
    line_.clear();
    const std::uint64_t before = mem_.stats().crossings;
    format_call(line_, v, mem_, DecodeOptions{limit});
    last_crossings_ = mem_.stats().crossings - before;
    EXPECT_FALSE(line_.truncated());
    return std::string(line_.view());
  }
  static CallView view(long nr, std::initializer_list<std::uint64_t> args, bool has_result,
                       long result) {
    CallView v{};
    v.nr = nr;
    int i = 0;
    for (std::uint64_t a : args) v.args[i++] = a;
    v.has_result = has_result;
    v.result = result;
    return v;
  }

  LocalMemory mem_{nullptr, -1};
  LineBuffer line_;
  std::uint64_t last_crossings_ = 0;
};

constexpr std::uint64_t kAtFdcwd = static_cast<std::uint64_t>(AT_FDCWD);
std::uint64_t neg(long v) {
  return static_cast<std::uint64_t>(v);
}

// ---- files -------------------------------------------------------------------------------------

TEST_F(DecodeTest, OpenatPathAndFlags) {
  char path[] = "/etc/passwd";
  EXPECT_EQ(call(SYS_openat, {kAtFdcwd, addr(path), O_RDONLY | O_CLOEXEC}, 3),
            "openat(AT_FDCWD, \"/etc/passwd\", O_RDONLY|O_CLOEXEC) = 3");
  EXPECT_EQ(last_crossings_, 1u);
}

TEST_F(DecodeTest, OpenatModeOnlyWithOCreat) {
  char path[] = "/tmp/x";
  EXPECT_EQ(call(SYS_openat, {kAtFdcwd, addr(path), O_WRONLY | O_CREAT | O_TRUNC, 0644}, 3),
            "openat(AT_FDCWD, \"/tmp/x\", O_WRONLY|O_CREAT|O_TRUNC, 0644) = 3");
  EXPECT_EQ(call(SYS_openat, {7, addr(path), O_RDWR, 0777}, 4),
            "openat(7, \"/tmp/x\", O_RDWR) = 4");
}

TEST_F(DecodeTest, UnknownFlagBitsInHex) {
  char path[] = "/tmp";
  EXPECT_EQ(call(SYS_open, {addr(path), O_RDONLY | O_NONBLOCK | O_DIRECTORY | 0x40000000}, 4),
            "open(\"/tmp\", O_RDONLY|O_NONBLOCK|O_DIRECTORY|0x40000000) = 4");
  EXPECT_EQ(call(SYS_mprotect, {0x10000, 4096, PROT_READ | PROT_EXEC | 0x100000}, -EINVAL),
            "mprotect(0x10000, 4096, PROT_READ|PROT_EXEC|0x100000) = -1 EINVAL (Invalid argument)");
  EXPECT_EQ(call(SYS_mprotect, {0x10000, 4096, 0x100000}, -EINVAL),
            "mprotect(0x10000, 4096, 0x100000 /* PROT_??? */) = -1 EINVAL (Invalid argument)");
}

TEST_F(DecodeTest, FailedCallShowsErrnoNameAndMessage) {
  char path[] = "/nonexistent";
  struct stat st {};
  EXPECT_EQ(call(SYS_stat, {addr(path), addr(&st)}, -ENOENT),
            "stat(\"/nonexistent\", " + hex(&st) + ") = -1 ENOENT (No such file or directory)");
  EXPECT_EQ(call(SYS_close, {9999}, -EBADF), "close(9999) = -1 EBADF (Bad file descriptor)");
}

TEST_F(DecodeTest, UnknownErrnoAndRestartCodes) {
  EXPECT_EQ(call(SYS_close, {3}, -41), "close(3) = -1 (errno 41)");
  char c;
  EXPECT_EQ(call(SYS_read, {0, addr(&c), 1}, -512),
            "read(0, " + hex(&c) + ", 1) = ? ERESTARTSYS (To be restarted if SA_RESTART is set)");
  EXPECT_EQ(call(SYS_pause, {}, -514),
            "pause() = ? ERESTARTNOHAND (To be restarted if no handler)");
  EXPECT_EQ(call(SYS_nanosleep, {0, 0}, -516),
            "nanosleep(NULL, NULL) = ? ERESTART_RESTARTBLOCK (Interrupted by signal)");
  EXPECT_EQ(call(SYS_ioctl, {3, 0x5401, 0}, -515),
            "ioctl(3, TCGETS, NULL) = -1 ENOIOCTLCMD (Unknown error 515)");
}

TEST_F(DecodeTest, FstatDecodesTheStructOnSuccess) {
  struct stat st {};
  st.st_mode = S_IFREG | 0644;
  st.st_size = 1234;
  EXPECT_EQ(call(SYS_fstat, {3, addr(&st)}, 0),
            "fstat(3, {st_mode=S_IFREG|0644, st_size=1234, ...}) = 0");
  // A failed call wrote nothing: the address.
  EXPECT_EQ(call(SYS_fstat, {3, addr(&st)}, -EBADF),
            "fstat(3, " + hex(&st) + ") = -1 EBADF (Bad file descriptor)");
}

TEST_F(DecodeTest, NewfstatatDevice) {
  char path[] = "/dev/null";
  struct stat st;
  ASSERT_EQ(stat(path, &st), 0);
  EXPECT_EQ(call(SYS_newfstatat, {kAtFdcwd, addr(path), addr(&st), 0}, 0),
            "newfstatat(AT_FDCWD, \"/dev/null\", {st_mode=S_IFCHR|0666, st_rdev=makedev(0x1, "
            "0x3), ...}, 0) = 0");
  st.st_mode = S_IFDIR | S_ISVTX | 0777;
  st.st_size = 4096;
  EXPECT_EQ(call(SYS_newfstatat, {3, addr(""), addr(&st), AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW}, 0),
            "newfstatat(3, \"\", {st_mode=S_IFDIR|S_ISVTX|0777, st_size=4096, ...}, "
            "AT_SYMLINK_NOFOLLOW|AT_EMPTY_PATH) = 0");
}

TEST_F(DecodeTest, Statx) {
  char path[] = "/etc/passwd";
  struct statx stx {};
  stx.stx_mask = STATX_BASIC_STATS | STATX_BTIME | STATX_MNT_ID;
  stx.stx_mode = S_IFREG | 0644;
  stx.stx_size = 1221;
  EXPECT_EQ(
      call(SYS_statx, {kAtFdcwd, addr(path), AT_STATX_SYNC_AS_STAT, STATX_ALL, addr(&stx)}, 0),
      "statx(AT_FDCWD, \"/etc/passwd\", AT_STATX_SYNC_AS_STAT, STATX_ALL, "
      "{stx_mask=STATX_ALL|STATX_MNT_ID, stx_attributes=0, stx_mode=S_IFREG|0644, "
      "stx_size=1221, ...}) = 0");
}

TEST_F(DecodeTest, AccessModes) {
  char path[] = "/etc/ld.so.preload";
  EXPECT_EQ(call(SYS_access, {addr(path), R_OK}, -ENOENT),
            "access(\"/etc/ld.so.preload\", R_OK) = -1 ENOENT (No such file or directory)");
  EXPECT_EQ(call(SYS_access, {addr(path), F_OK}, 0), "access(\"/etc/ld.so.preload\", F_OK) = 0");
  EXPECT_EQ(call(SYS_faccessat2, {kAtFdcwd, addr(path), R_OK | W_OK | X_OK, AT_EACCESS}, 0),
            "faccessat2(AT_FDCWD, \"/etc/ld.so.preload\", R_OK|W_OK|X_OK, AT_EACCESS) = 0");
}

TEST_F(DecodeTest, TwoPathsAndAtCalls) {
  char a[] = "/tmp/a", b[] = "/tmp/b";
  EXPECT_EQ(call(SYS_rename, {addr(a), addr(b)}, 0), "rename(\"/tmp/a\", \"/tmp/b\") = 0");
  EXPECT_EQ(last_crossings_, 1u);  // both paths in one batch
  EXPECT_EQ(call(SYS_renameat2, {kAtFdcwd, addr(a), 5, addr(b), 1}, -EEXIST),
            "renameat2(AT_FDCWD, \"/tmp/a\", 5, \"/tmp/b\", RENAME_NOREPLACE) = -1 EEXIST (File "
            "exists)");
  EXPECT_EQ(call(SYS_unlinkat, {kAtFdcwd, addr(a), AT_REMOVEDIR}, 0),
            "unlinkat(AT_FDCWD, \"/tmp/a\", AT_REMOVEDIR) = 0");
  EXPECT_EQ(call(SYS_symlinkat, {addr(a), kAtFdcwd, addr(b)}, 0),
            "symlinkat(\"/tmp/a\", AT_FDCWD, \"/tmp/b\") = 0");
  EXPECT_EQ(call(SYS_mkdir, {addr(a), 0755}, 0), "mkdir(\"/tmp/a\", 0755) = 0");
  EXPECT_EQ(call(SYS_chmod, {addr(a), 04755}, 0), "chmod(\"/tmp/a\", 04755) = 0");
  EXPECT_EQ(call(SYS_fchownat, {kAtFdcwd, addr(a), 1000, neg(-1), AT_SYMLINK_NOFOLLOW}, 0),
            "fchownat(AT_FDCWD, \"/tmp/a\", 1000, -1, AT_SYMLINK_NOFOLLOW) = 0");
  EXPECT_EQ(call(SYS_truncate, {addr(a), 100}, 0), "truncate(\"/tmp/a\", 100) = 0");
}

TEST_F(DecodeTest, ReadlinkAndGetcwdShowWhatTheCallWrote) {
  char link[] = "/proc/self/exe";
  char buf[64] = "/usr/bin/ls-and-garbage";
  EXPECT_EQ(call(SYS_readlink, {addr(link), addr(buf), sizeof buf}, 11),
            "readlink(\"/proc/self/exe\", \"/usr/bin/ls\", 64) = 11");
  char cwd[] = "/tmp";
  EXPECT_EQ(call(SYS_getcwd, {addr(cwd), 4096}, 5), "getcwd(\"/tmp\", 4096) = 5");
}

// ---- data: escaping and -s -------------------------------------------------------------------

TEST_F(DecodeTest, ReadCutAtStringLimit) {
  char buf[64] = "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1";
  EXPECT_EQ(call(SYS_read, {3, addr(buf), 4096}, 40),
            "read(3, \"root:x:0:0:root:/root:/bin/bash\\n\"..., 4096) = 40");
  EXPECT_EQ(last_crossings_, 1u);
  EXPECT_EQ(call(SYS_read, {3, addr(buf), 4096}, 0), "read(3, \"\", 4096) = 0");
}

TEST_F(DecodeTest, WriteEscapesLikeStrace) {
  const char data[] = "hi\n\t\"\\\001\0012\377\r\f\v";
  EXPECT_EQ(call(SYS_write, {1, addr(data), 13}, 13),
            "write(1, \"hi\\n\\t\\\"\\\\\\1\\0012\\377\\r\\f\\v\", 13) = 13");
  const char nul[] = {'a', 0, 'b', 0, '7', 27};
  EXPECT_EQ(call(SYS_write, {1, addr(nul), 6}, 6), "write(1, \"a\\0b\\0007\\33\", 6) = 6");
  EXPECT_EQ(call(SYS_write, {1, addr("hi\n"), 3}, 3), "write(1, \"hi\\n\", 3) = 3");
}

TEST_F(DecodeTest, StringLimitOption) {
  const char data[] = "hello, world";
  EXPECT_EQ(call(SYS_write, {1, addr(data), 12}, 12, 5), "write(1, \"hello\"..., 12) = 12");
  EXPECT_EQ(call(SYS_write, {1, addr(data), 5}, 5, 5), "write(1, \"hello\", 5) = 5");
  EXPECT_EQ(call(SYS_write, {1, addr(data), 3}, 3, 0), "write(1, \"\"..., 3) = 3");
  // Paths are never cut.
  char path[] = "/a/rather/long/path/name";
  EXPECT_EQ(call(SYS_chdir, {addr(path)}, 0, 4), "chdir(\"/a/rather/long/path/name\") = 0");
}

TEST_F(DecodeTest, LargeStringLimitIsBoundedByTheArena) {
  // -s beyond what one call may read (4 KiB a buffer) cuts there, with the `...`.
  std::string data(10000, 'z');
  const std::string line = call(SYS_write, {1, addr(data.data()), data.size()}, 10000, 100000);
  EXPECT_EQ(line, "write(1, \"" + std::string(4096, 'z') + "\"..., 10000) = 10000");
  // Many long argv strings share the arena: every one is shown, the long ones cut.
  std::string arg(3000, 'a');
  std::vector<const char*> argv(40, arg.c_str());
  argv.back() = nullptr;
  char path[] = "/x";
  const std::string ex = call(SYS_execve, {addr(path), addr(argv.data()), 0}, -ENOENT, 100000);
  EXPECT_EQ(std::count(ex.begin(), ex.end(), ','), 39 + 1);  // 39 strings, NULL envp
  EXPECT_EQ(ex.find(hex(arg.c_str())), std::string::npos);   // no string fell back to its address
  EXPECT_NE(ex.find("aaa\"..., \"aaa"), std::string::npos);
}

TEST_F(DecodeTest, NullAndUnreadablePointers) {
  BadPage bad;
  char* p = bad.readable_end();
  EXPECT_EQ(call(SYS_write, {1, 0, 0}, 0), "write(1, NULL, 0) = 0");
  EXPECT_EQ(call(SYS_write, {1, addr(p), 5}, -EFAULT),
            "write(1, " + hex(p) + ", 5) = -1 EFAULT (Bad address)");
  EXPECT_EQ(call(SYS_openat, {kAtFdcwd, addr(p), O_RDONLY}, -EFAULT),
            "openat(AT_FDCWD, " + hex(p) + ", O_RDONLY) = -1 EFAULT (Bad address)");
  // A string that ends right before the unreadable page is fine; one running into it is not.
  std::memcpy(p - 4, "abc", 4);
  EXPECT_EQ(call(SYS_unlink, {addr(p - 4)}, 0), "unlink(\"abc\") = 0");
  std::memcpy(p - 4, "abcd", 4);
  EXPECT_EQ(call(SYS_unlink, {addr(p - 4)}, -EFAULT),
            "unlink(" + hex(p - 4) + ") = -1 EFAULT (Bad address)");
  // A bad first path does not hide the second one (the batch goes again after the failure).
  char b[] = "/tmp/b";
  EXPECT_EQ(call(SYS_rename, {addr(p), addr(b)}, -EFAULT),
            "rename(" + hex(p) + ", \"/tmp/b\") = -1 EFAULT (Bad address)");
  EXPECT_EQ(last_crossings_, 2u);
}

TEST_F(DecodeTest, IovecArrays) {
  char h[] = "hello", nl[] = "\n";
  struct iovec iov[2] = {{h, 5}, {nl, 1}};
  EXPECT_EQ(call(SYS_writev, {1, addr(iov), 2}, 6),
            "writev(1, [{iov_base=\"hello\", iov_len=5}, {iov_base=\"\\n\", iov_len=1}], 2) = 6");
  EXPECT_EQ(last_crossings_, 2u);  // the array, then the buffers
  char b1[8], b2[100] = ":0:root:/root:/bin/bash\ndaemon:x:1:1:daemon";
  std::memcpy(b1, "root:x:0", 8);
  struct iovec riov[2] = {{b1, 8}, {b2, 100}};
  EXPECT_EQ(call(SYS_readv, {3, addr(riov), 2}, 20),
            "readv(3, [{iov_base=\"root:x:0\", iov_len=8}, {iov_base=\":0:root:/roo\", "
            "iov_len=100}], 2) = 20");
}

// ---- memory ------------------------------------------------------------------------------------

TEST_F(DecodeTest, MmapFamily) {
  EXPECT_EQ(
      call(SYS_mmap, {0, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, neg(-1), 0},
           0x7f1234560000),
      "mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = "
      "0x7f1234560000");
  EXPECT_EQ(call(SYS_mmap,
                 {0x7f0000001000, 110592, PROT_READ | PROT_EXEC,
                  MAP_PRIVATE | MAP_FIXED | MAP_DENYWRITE, 3, 0x7000},
                 0x7f0000001000),
            "mmap(0x7f0000001000, 110592, PROT_READ|PROT_EXEC, MAP_PRIVATE|MAP_FIXED|"
            "MAP_DENYWRITE, 3, 0x7000) = 0x7f0000001000");
  EXPECT_EQ(
      call(SYS_mmap, {0, 4096, PROT_NONE, MAP_SHARED | MAP_STACK | MAP_NORESERVE, 5, 0}, -ENOMEM),
      "mmap(NULL, 4096, PROT_NONE, MAP_SHARED|MAP_NORESERVE|MAP_STACK, 5, 0) = -1 ENOMEM "
      "(Cannot allocate memory)");
  EXPECT_EQ(call(SYS_munmap, {0x7f0000001000, 41731}, 0), "munmap(0x7f0000001000, 41731) = 0");
  EXPECT_EQ(call(SYS_brk, {0}, 0x55555555b000), "brk(NULL) = 0x55555555b000");
  EXPECT_EQ(last_crossings_, 0u);
}

// ---- processes ---------------------------------------------------------------------------------

TEST_F(DecodeTest, ExecveDecodedAtEntry) {
  char path[] = "/bin/ls";
  const char* argv[] = {"ls", "-l", nullptr};
  const char* envp[] = {"A=1", "B=2", "C=3", nullptr};
  const CallView entry = view(SYS_execve, {addr(path), addr(argv), addr(envp)}, false, 0);
  ASSERT_TRUE(needs_entry_decoding(SYS_execve));
  const std::uint64_t before = mem_.stats().crossings;
  format_entry(line_, entry, mem_, DecodeOptions{});
  EXPECT_LE(mem_.stats().crossings - before, 2u);  // the pointer arrays, then the strings
  CallView exit = entry;
  exit.has_result = true;
  exit.result = 0;
  format_result(line_, exit);
  EXPECT_EQ(std::string(line_.view()),
            "execve(\"/bin/ls\", [\"ls\", \"-l\"], " + hex(envp) + " /* 3 vars */) = 0");
}

TEST_F(DecodeTest, ExecveAtExit) {
  char path[] = "/nonexistent";
  const char* argv[] = {"/nonexistent", "a b", nullptr};
  const char* envp[] = {nullptr};
  // A failed execve keeps the old address space: decodable at the exit.
  EXPECT_EQ(call(SYS_execve, {addr(path), addr(argv), addr(envp)}, -ENOENT),
            "execve(\"/nonexistent\", [\"/nonexistent\", \"a b\"], " + hex(envp) +
                " /* 0 vars */) = -1 ENOENT (No such file or directory)");
  // A successful one replaced it: at the exit only the addresses mean anything.
  EXPECT_EQ(call(SYS_execve, {addr(path), addr(argv), addr(envp)}, 0),
            "execve(" + hex(path) + ", " + hex(argv) + ", " + hex(envp) + ") = 0");
}

TEST_F(DecodeTest, ExecveArgvCutAtStringLimit) {
  std::vector<const char*> argv(40, "arg");
  argv.back() = nullptr;
  std::string expected = "execve(\"/x\", [";
  for (int i = 0; i < 3; ++i) expected += std::string(i ? ", " : "") + "\"arg\"";
  char path[] = "/x";
  EXPECT_EQ(call(SYS_execve, {addr(path), addr(argv.data()), 0}, -ENOENT, 3),
            expected + ", ...], NULL) = -1 ENOENT (No such file or directory)");
}

TEST_F(DecodeTest, ExitGroupNeverReturns) {
  EXPECT_EQ(no_return(SYS_exit_group, {0}), "exit_group(0) = ?");
  EXPECT_EQ(no_return(SYS_exit, {7}), "exit(7) = ?");
}

TEST_F(DecodeTest, Clone) {
  int tid = 0;
  EXPECT_EQ(call(SYS_clone,
                 {CLONE_CHILD_CLEARTID | CLONE_CHILD_SETTID | SIGCHLD, 0, 0, addr(&tid), 0}, 1234),
            "clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, "
            "child_tidptr=" +
                hex(&tid) + ") = 1234");
  EXPECT_EQ(call(SYS_clone, {SIGCHLD, 0, 0, 0, 0}, 99),
            "clone(child_stack=NULL, flags=SIGCHLD) = 99");
  int ptid = 77;
  EXPECT_EQ(call(SYS_clone,
                 {CLONE_VM | CLONE_PARENT_SETTID | CLONE_SETTLS, 0x7f0000010000, addr(&ptid), 0,
                  0x7f0000020000},
                 77),
            "clone(child_stack=0x7f0000010000, flags=CLONE_VM|CLONE_SETTLS|CLONE_PARENT_SETTID, "
            "parent_tid=[77], tls=0x7f0000020000) = 77");
}

TEST_F(DecodeTest, Wait4Status) {
  int status = 0;
  EXPECT_EQ(call(SYS_wait4, {neg(-1), addr(&status), 0, 0}, 1234),
            "wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 1234");
  status = SIGKILL;
  EXPECT_EQ(call(SYS_wait4, {1234, addr(&status), __WALL, 0}, 1234),
            "wait4(1234, [{WIFSIGNALED(s) && WTERMSIG(s) == SIGKILL}], __WALL, NULL) = 1234");
  status = SIGSEGV | 0x80;
  EXPECT_EQ(call(SYS_wait4, {1234, addr(&status), WNOHANG | WUNTRACED, 0}, 1234),
            "wait4(1234, [{WIFSIGNALED(s) && WTERMSIG(s) == SIGSEGV && WCOREDUMP(s)}], "
            "WNOHANG|WSTOPPED, NULL) = 1234");
  status = (SIGTRAP << 8) | 0x7f | (PTRACE_EVENT_EXEC << 16);
  EXPECT_EQ(call(SYS_wait4, {1234, addr(&status), 0, 0}, 1234),
            "wait4(1234, [{WIFSTOPPED(s) && WSTOPSIG(s) == SIGTRAP}|PTRACE_EVENT_EXEC<<16], 0, "
            "NULL) = 1234");
  // Nothing reaped (WNOHANG): the status was not written.
  EXPECT_EQ(call(SYS_wait4, {neg(-1), addr(&status), WNOHANG, 0}, 0),
            "wait4(-1, " + hex(&status) + ", WNOHANG, NULL) = 0");
}

TEST_F(DecodeTest, KillAndIds) {
  EXPECT_EQ(call(SYS_kill, {1234, SIGTERM}, 0), "kill(1234, SIGTERM) = 0");
  EXPECT_EQ(call(SYS_tgkill, {1234, 1235, 0}, 0), "tgkill(1234, 1235, 0) = 0");
  EXPECT_EQ(call(SYS_tgkill, {1, 1, 34}, -EPERM),
            "tgkill(1, 1, SIGRT_2) = -1 EPERM (Operation not permitted)");
  EXPECT_EQ(call(SYS_getpid, {}, 4321), "getpid() = 4321");
  EXPECT_EQ(call(SYS_umask, {022}, 077), "umask(022) = 077");
  int tid;
  EXPECT_EQ(call(SYS_set_tid_address, {addr(&tid)}, 4321),
            "set_tid_address(" + hex(&tid) + ") = 4321");
}

// ---- signals -----------------------------------------------------------------------------------

struct KernelSigaction {
  std::uint64_t handler, flags, restorer, mask;
};
constexpr std::uint64_t kSaRestorer = 0x04000000;

TEST_F(DecodeTest, RtSigaction) {
  KernelSigaction act{0x55555555a000, kSaRestorer, 0x7ffff7e0f050, 0};
  EXPECT_EQ(call(SYS_rt_sigaction, {SIGINT, addr(&act), 0, 8}, 0),
            "rt_sigaction(SIGINT, {sa_handler=0x55555555a000, sa_mask=[], sa_flags=SA_RESTORER, "
            "sa_restorer=0x7ffff7e0f050}, NULL, 8) = 0");
  EXPECT_EQ(last_crossings_, 1u);
  KernelSigaction ign{reinterpret_cast<std::uintptr_t>(SIG_IGN), kSaRestorer | SA_RESTART,
                      0x7ffff7e0f050, ~((1ull << 31) | (1ull << 32))};
  KernelSigaction old{0, 0, 0, 0};
  EXPECT_EQ(call(SYS_rt_sigaction, {SIGUSR1, addr(&ign), addr(&old), 8}, 0),
            "rt_sigaction(SIGUSR1, {sa_handler=SIG_IGN, sa_mask=~[RTMIN RT_1], "
            "sa_flags=SA_RESTORER|SA_RESTART, sa_restorer=0x7ffff7e0f050}, {sa_handler=SIG_DFL, "
            "sa_mask=[], sa_flags=0}, 8) = 0");
}

TEST_F(DecodeTest, RtSigprocmask) {
  std::uint64_t set = 1ull << (SIGCHLD - 1), old = 0;
  EXPECT_EQ(call(SYS_rt_sigprocmask, {SIG_BLOCK, addr(&set), addr(&old), 8}, 0),
            "rt_sigprocmask(SIG_BLOCK, [CHLD], [], 8) = 0");
  std::uint64_t most = ~((1ull << (SIGKILL - 1)) | (1ull << (SIGSTOP - 1)));
  EXPECT_EQ(call(SYS_rt_sigprocmask, {SIG_SETMASK, addr(&most), 0, 8}, 0),
            "rt_sigprocmask(SIG_SETMASK, ~[KILL STOP], NULL, 8) = 0");
  std::uint64_t two = (1ull << (SIGINT - 1)) | (1ull << (SIGTERM - 1));
  EXPECT_EQ(call(SYS_rt_sigprocmask, {SIG_UNBLOCK, addr(&two), addr(&old), 8}, -EINVAL),
            "rt_sigprocmask(SIG_UNBLOCK, [INT TERM], " + hex(&old) +
                ", 8) = -1 EINVAL (Invalid argument)");
}

TEST_F(DecodeTest, RtSigreturnReadsTheFrameBehindTheStackPointer) {
  // The frame as the kernel lays it out: at the syscall, sp points at the ucontext, whose
  // uc_sigmask is 296 bytes in.
  alignas(16) unsigned char frame[512] = {};
  const std::uint64_t mask = 1ull << (SIGINT - 1);
  std::memcpy(frame + 296, &mask, sizeof mask);
  Registers regs;
  regs.raw().rsp = addr(frame);
  LocalMemory mem(&regs, -1);
  ASSERT_TRUE(needs_entry_decoding(SYS_rt_sigreturn));
  CallView v = view(SYS_rt_sigreturn, {}, false, 0);
  format_entry(line_, v, mem, DecodeOptions{});
  v.has_result = true;
  format_result(line_, v);
  EXPECT_EQ(std::string(line_.view()), "rt_sigreturn({mask=[INT]}) = 0");
}

TEST_F(DecodeTest, FormatSignal) {
  siginfo_t si{};
  si.si_signo = SIGCHLD;
  si.si_code = CLD_EXITED;
  si.si_pid = 123;
  si.si_uid = 0;
  si.si_status = 0;
  line_.clear();
  format_signal(line_, si);
  EXPECT_EQ(std::string(line_.view()),
            "--- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=123, si_uid=0, "
            "si_status=0, si_utime=0, si_stime=0} ---");

  si = siginfo_t{};
  si.si_signo = SIGCHLD;
  si.si_code = CLD_KILLED;
  si.si_pid = 124;
  si.si_status = SIGKILL;
  line_.clear();
  format_signal(line_, si);
  EXPECT_EQ(std::string(line_.view()),
            "--- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_KILLED, si_pid=124, si_uid=0, "
            "si_status=SIGKILL, si_utime=0, si_stime=0} ---");

  si = siginfo_t{};
  si.si_signo = SIGTERM;
  si.si_code = SI_USER;
  si.si_pid = 1;
  si.si_uid = 1000;
  line_.clear();
  format_signal(line_, si);
  EXPECT_EQ(std::string(line_.view()),
            "--- SIGTERM {si_signo=SIGTERM, si_code=SI_USER, si_pid=1, si_uid=1000} ---");

  si = siginfo_t{};
  si.si_signo = SIGUSR2;
  si.si_code = SI_TKILL;
  si.si_pid = 7;
  line_.clear();
  format_signal(line_, si);
  EXPECT_EQ(std::string(line_.view()),
            "--- SIGUSR2 {si_signo=SIGUSR2, si_code=SI_TKILL, si_pid=7, si_uid=0} ---");

  si = siginfo_t{};
  si.si_signo = SIGSEGV;
  si.si_code = SEGV_MAPERR;
  si.si_addr = nullptr;
  line_.clear();
  format_signal(line_, si);
  EXPECT_EQ(std::string(line_.view()),
            "--- SIGSEGV {si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=NULL} ---");

  si = siginfo_t{};
  si.si_signo = SIGBUS;
  si.si_code = BUS_ADRERR;
  si.si_addr = reinterpret_cast<void*>(0x1000);
  line_.clear();
  format_signal(line_, si);
  EXPECT_EQ(std::string(line_.view()),
            "--- SIGBUS {si_signo=SIGBUS, si_code=BUS_ADRERR, si_addr=0x1000} ---");

  si = siginfo_t{};
  si.si_signo = SIGALRM;
  si.si_code = SI_KERNEL;
  line_.clear();
  format_signal(line_, si);
  EXPECT_EQ(std::string(line_.view()), "--- SIGALRM {si_signo=SIGALRM, si_code=SI_KERNEL} ---");
}

TEST_F(DecodeTest, FormatExit) {
  line_.clear();
  format_exit(line_, 0);
  EXPECT_EQ(std::string(line_.view()), "+++ exited with 0 +++");
  line_.clear();
  format_exit(line_, 3 << 8);
  EXPECT_EQ(std::string(line_.view()), "+++ exited with 3 +++");
  line_.clear();
  format_exit(line_, SIGKILL);
  EXPECT_EQ(std::string(line_.view()), "+++ killed by SIGKILL +++");
  line_.clear();
  format_exit(line_, SIGSEGV | 0x80);
  EXPECT_EQ(std::string(line_.view()), "+++ killed by SIGSEGV (core dumped) +++");
}

// ---- descriptors, sockets, misc ----------------------------------------------------------------

TEST_F(DecodeTest, PipesAndDup) {
  int fds[2] = {3, 4};
  EXPECT_EQ(call(SYS_pipe2, {addr(fds), O_CLOEXEC}, 0), "pipe2([3, 4], O_CLOEXEC) = 0");
  EXPECT_EQ(call(SYS_pipe2, {addr(fds), 0}, 0), "pipe2([3, 4], 0) = 0");
  EXPECT_EQ(call(SYS_pipe2, {addr(fds), O_NONBLOCK}, -EMFILE),
            "pipe2(" + hex(fds) + ", O_NONBLOCK) = -1 EMFILE (Too many open files)");
  EXPECT_EQ(call(SYS_dup3, {0, 11, O_CLOEXEC}, 11), "dup3(0, 11, O_CLOEXEC) = 11");
  EXPECT_EQ(call(SYS_close, {3}, 0), "close(3) = 0");
  EXPECT_EQ(call(SYS_lseek, {3, neg(-3), SEEK_END}, 1218), "lseek(3, -3, SEEK_END) = 1218");
}

TEST_F(DecodeTest, Fcntl) {
  EXPECT_EQ(call(SYS_fcntl, {10, F_GETFD}, 1), "fcntl(10, F_GETFD) = 0x1 (flags FD_CLOEXEC)");
  EXPECT_EQ(call(SYS_fcntl, {10, F_GETFD}, 0), "fcntl(10, F_GETFD) = 0");
  EXPECT_EQ(call(SYS_fcntl, {10, F_SETFD, FD_CLOEXEC}, 0), "fcntl(10, F_SETFD, FD_CLOEXEC) = 0");
  EXPECT_EQ(call(SYS_fcntl, {10, F_GETFL}, 0x8002),
            "fcntl(10, F_GETFL) = 0x8002 (flags O_RDWR|O_LARGEFILE)");
  EXPECT_EQ(call(SYS_fcntl, {10, F_SETFL, O_NONBLOCK}, 0),
            "fcntl(10, F_SETFL, O_RDONLY|O_NONBLOCK) = 0");
  EXPECT_EQ(call(SYS_fcntl, {10, F_DUPFD_CLOEXEC, 20}, 20), "fcntl(10, F_DUPFD_CLOEXEC, 20) = 20");
  EXPECT_EQ(call(SYS_fcntl, {10, 1234, 0}, -EINVAL),
            "fcntl(10, 0x4d2 /* F_??? */, 0) = -1 EINVAL (Invalid argument)");
}

TEST_F(DecodeTest, Ioctl) {
  struct winsize ws = {24, 80, 0, 0};
  EXPECT_EQ(call(SYS_ioctl, {1, TIOCGWINSZ, addr(&ws)}, 0),
            "ioctl(1, TIOCGWINSZ, {ws_row=24, ws_col=80, ws_xpixel=0, ws_ypixel=0}) = 0");
  EXPECT_EQ(call(SYS_ioctl, {1, TCGETS, addr(&ws)}, -ENOTTY),
            "ioctl(1, TCGETS, " + hex(&ws) + ") = -1 ENOTTY (Inappropriate ioctl for device)");
  int n = 1113;
  EXPECT_EQ(call(SYS_ioctl, {14, FIONREAD, addr(&n)}, 0), "ioctl(14, FIONREAD, [1113]) = 0");
  EXPECT_EQ(call(SYS_ioctl, {14, 0x12345678, 0}, -ENOTTY),
            "ioctl(14, _IOC(_IOC_NONE, 0x56, 0x78, 0x1234), 0) = -1 ENOTTY (Inappropriate ioctl "
            "for device)");
  EXPECT_EQ(call(SYS_ioctl, {3, FIOCLEX, 0}, 0), "ioctl(3, FIOCLEX) = 0");
}

TEST_F(DecodeTest, Sockets) {
  EXPECT_EQ(call(SYS_socket, {AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0}, 3),
            "socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, IPPROTO_IP) = 3");
  EXPECT_EQ(call(SYS_socket, {AF_UNIX, SOCK_DGRAM, 0}, 4), "socket(AF_UNIX, SOCK_DGRAM, 0) = 4");
  struct sockaddr_in sin {};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(80);
  sin.sin_addr.s_addr = htonl(0x7f000001);
  EXPECT_EQ(
      call(SYS_connect, {3, addr(&sin), sizeof sin}, -ECONNREFUSED),
      "connect(3, {sa_family=AF_INET, sin_port=htons(80), sin_addr=inet_addr(\"127.0.0.1\")}, "
      "16) = -1 ECONNREFUSED (Connection refused)");
  struct sockaddr_in6 s6 {};
  s6.sin6_family = AF_INET6;
  s6.sin6_port = htons(53);
  s6.sin6_addr.s6_addr[15] = 1;
  EXPECT_EQ(call(SYS_bind, {4, addr(&s6), sizeof s6}, 0),
            "bind(4, {sa_family=AF_INET6, sin6_port=htons(53), sin6_flowinfo=htonl(0), "
            "inet_pton(AF_INET6, \"::1\", &sin6_addr), sin6_scope_id=0}, 28) = 0");
  struct sockaddr_un sun {};
  sun.sun_family = AF_UNIX;
  std::strcpy(sun.sun_path, "/run/x.sock");
  EXPECT_EQ(call(SYS_connect, {5, addr(&sun), sizeof sun}, 0),
            "connect(5, {sa_family=AF_UNIX, sun_path=\"/run/x.sock\"}, 110) = 0");
  // accept: the address length is behind a pointer, the address is read in a second round.
  socklen_t len = sizeof sin;
  EXPECT_EQ(call(SYS_accept, {3, addr(&sin), addr(&len)}, 6),
            "accept(3, {sa_family=AF_INET, sin_port=htons(80), sin_addr=inet_addr(\"127.0.0.1\")}, "
            "[16]) = 6");
  EXPECT_EQ(last_crossings_, 2u);
  EXPECT_EQ(call(SYS_accept, {3, 0, 0}, -EINVAL),
            "accept(3, NULL, NULL) = -1 EINVAL (Invalid argument)");
  char ping[] = "ping";
  EXPECT_EQ(call(SYS_sendto, {4, addr(ping), 4, MSG_DONTWAIT | MSG_NOSIGNAL, 0, 0}, 4),
            "sendto(4, \"ping\", 4, MSG_DONTWAIT|MSG_NOSIGNAL, NULL, 0) = 4");
  EXPECT_EQ(call(SYS_recvfrom, {4, addr(ping), 256, 0, 0, 0}, 4),
            "recvfrom(4, \"ping\", 256, 0, NULL, NULL) = 4");
}

TEST_F(DecodeTest, FutexArchPrctlPrctl) {
  int word = 0;
  EXPECT_EQ(call(SYS_futex, {addr(&word), FUTEX_WAKE_PRIVATE, 1, 0, 0, 0}, 0),
            "futex(" + hex(&word) + ", FUTEX_WAKE_PRIVATE, 1) = 0");
  EXPECT_EQ(
      call(SYS_futex,
           {addr(&word), FUTEX_WAIT_BITSET_PRIVATE | FUTEX_CLOCK_REALTIME, 1, 0, 0, 0xffffffff},
           -EAGAIN),
      "futex(" + hex(&word) +
          ", FUTEX_WAIT_BITSET_PRIVATE|FUTEX_CLOCK_REALTIME, 1, NULL, "
          "FUTEX_BITSET_MATCH_ANY) = -1 EAGAIN (Resource temporarily unavailable)");
  struct timespec ts = {0, 1000};
  EXPECT_EQ(call(SYS_futex, {addr(&word), FUTEX_WAIT, 1, addr(&ts), 0, 0}, 0),
            "futex(" + hex(&word) + ", FUTEX_WAIT, 1, {tv_sec=0, tv_nsec=1000}) = 0");
  EXPECT_EQ(call(SYS_arch_prctl, {ARCH_SET_FS, 0x7ffff7dd0740}, 0),
            "arch_prctl(ARCH_SET_FS, 0x7ffff7dd0740) = 0");
  std::uint64_t fs = 0x7ffff7dd0740;
  EXPECT_EQ(call(SYS_arch_prctl, {ARCH_GET_FS, addr(&fs)}, 0),
            "arch_prctl(ARCH_GET_FS, [0x7ffff7dd0740]) = 0");
  EXPECT_EQ(call(SYS_arch_prctl, {0x3001, 0x7ffe00001000}, -EINVAL),
            "arch_prctl(0x3001 /* ARCH_??? */, 0x7ffe00001000) = -1 EINVAL (Invalid argument)");
  char name[] = "probe";
  EXPECT_EQ(call(SYS_prctl, {PR_SET_NAME, addr(name), 0, 0, 0}, 0),
            "prctl(PR_SET_NAME, \"probe\") = 0");
  EXPECT_EQ(call(SYS_prctl, {PR_GET_DUMPABLE, 0, 0, 0, 0}, 1),
            "prctl(PR_GET_DUMPABLE) = 1 (SUID_DUMP_USER)");
  EXPECT_EQ(call(SYS_prctl, {PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0}, 0),
            "prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) = 0");
}

TEST_F(DecodeTest, TimeAndLimits) {
  struct timespec ts = {1, 500};
  EXPECT_EQ(call(SYS_nanosleep, {addr(&ts), 0}, 0), "nanosleep({tv_sec=1, tv_nsec=500}, NULL) = 0");
  struct timespec rem = {0, 980000000};
  EXPECT_EQ(call(SYS_clock_nanosleep, {CLOCK_MONOTONIC, 0, addr(&ts), addr(&rem)}, 0),
            "clock_nanosleep(CLOCK_MONOTONIC, 0, {tv_sec=1, tv_nsec=500}, " + hex(&rem) + ") = 0");
  EXPECT_EQ(call(SYS_clock_nanosleep, {CLOCK_REALTIME, TIMER_ABSTIME, addr(&ts), addr(&rem)}, -516),
            "clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, {tv_sec=1, tv_nsec=500}, {tv_sec=0, "
            "tv_nsec=980000000}) = ? ERESTART_RESTARTBLOCK (Interrupted by signal)");
  std::uint64_t rl[2] = {8192 * 1024, ~0ull};
  EXPECT_EQ(call(SYS_prlimit64, {0, RLIMIT_STACK, 0, addr(rl)}, 0),
            "prlimit64(0, RLIMIT_STACK, NULL, {rlim_cur=8192*1024, rlim_max=RLIM64_INFINITY}) = 0");
  EXPECT_EQ(call(SYS_set_robust_list, {0x7ffff7dd0a20, 24}, 0),
            "set_robust_list(0x7ffff7dd0a20, 24) = 0");
  EXPECT_EQ(call(SYS_rseq, {0x7ffff7dd1060, 0x20, 0, 0x53053053}, 0),
            "rseq(0x7ffff7dd1060, 0x20, 0, 0x53053053) = 0");
  unsigned char rnd[8] = {0x1c, 0xe3, 0x98, 0x66, 0x95, 0x8b, 0xac, 0x51};
  EXPECT_EQ(call(SYS_getrandom, {addr(rnd), 8, GRND_NONBLOCK}, 8),
            "getrandom(\"\\x1c\\xe3\\x98\\x66\\x95\\x8b\\xac\\x51\", 8, GRND_NONBLOCK) = 8");
}

TEST_F(DecodeTest, UnameAndGetdents) {
  struct utsname u {};
  std::strcpy(u.sysname, "Linux");
  std::strcpy(u.nodename, "vm");
  EXPECT_EQ(call(SYS_uname, {addr(&u)}, 0), "uname({sysname=\"Linux\", nodename=\"vm\", ...}) = 0");

  // Three linux_dirent64 records of 24 bytes.
  alignas(8) unsigned char dents[72] = {};
  for (int k = 0; k < 3; ++k) {
    const std::uint16_t reclen = 24;
    std::memcpy(dents + 24 * k + 16, &reclen, 2);
  }
  EXPECT_EQ(call(SYS_getdents64, {3, addr(dents), 4096}, 72),
            "getdents64(3, " + hex(dents) + " /* 3 entries */, 4096) = 72");
  EXPECT_EQ(call(SYS_getdents64, {3, addr(dents), 4096}, 0),
            "getdents64(3, " + hex(dents) + " /* 0 entries */, 4096) = 0");
  // A result larger than one read chunk is walked over several rounds.
  std::vector<unsigned char> big(1000 * 24);
  for (int k = 0; k < 1000; ++k) {
    const std::uint16_t reclen = 24;
    std::memcpy(big.data() + 24 * k + 16, &reclen, 2);
  }
  EXPECT_EQ(call(SYS_getdents64, {3, addr(big.data()), 32768}, 24000),
            "getdents64(3, " + hex(big.data()) + " /* 1000 entries */, 32768) = 24000");
}

TEST_F(DecodeTest, PollShowsReadyDescriptorsAfterTheResult) {
  struct pollfd fds[3] = {{3, POLLIN, POLLIN}, {-1, POLLIN, 0}, {4, POLLOUT | POLLRDHUP, POLLOUT}};
  EXPECT_EQ(call(SYS_poll, {addr(fds), 3, 100}, 2),
            "poll([{fd=3, events=POLLIN}, {fd=-1}, {fd=4, events=POLLOUT|POLLRDHUP}], 3, 100) = 2 "
            "([{fd=3, revents=POLLIN}, {fd=4, revents=POLLOUT}])");
  EXPECT_EQ(call(SYS_poll, {addr(fds), 1, 0}, 0),
            "poll([{fd=3, events=POLLIN}], 1, 0) = 0 (Timeout)");
}

TEST_F(DecodeTest, UnknownSyscall) {
  EXPECT_EQ(call(0x1ff, {1, 0, 0, 0, 0, 0}, -ENOSYS),
            "syscall_0x1ff(0x1, 0, 0, 0, 0, 0) = -1 ENOSYS (Function not implemented)");
  EXPECT_EQ(call(999, {0xc, 0, 0, 0, 0, 0}, -ENOSYS),
            "syscall_0x3e7(0xc, 0, 0, 0, 0, 0) = -1 ENOSYS (Function not implemented)");
}

// ---- memory crossings --------------------------------------------------------------------------

TEST_F(DecodeTest, TypicalCallsNeedAtMostTwoRuns) {
  char path[] = "/etc/passwd";
  struct stat st {};
  KernelSigaction act{0x1000, 0, 0, 0}, old{};
  char buf[64] = "data";
  struct {
    long nr;
    std::initializer_list<std::uint64_t> args;
    long result;
    std::uint64_t runs;
  } cases[] = {
      {SYS_openat, {kAtFdcwd, addr(path), O_RDONLY}, 3, 1},
      {SYS_newfstatat, {kAtFdcwd, addr(path), addr(&st), 0}, 0, 1},
      {SYS_read, {3, addr(buf), 64}, 4, 1},
      {SYS_rt_sigaction, {SIGINT, addr(&act), addr(&old), 8}, 0, 1},
      {SYS_close, {3}, 0, 0},
      {SYS_mmap, {0, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, neg(-1), 0}, 0x10000, 0},
  };
  for (const auto& c : cases) {
    call(c.nr, c.args, c.result);
    EXPECT_EQ(last_crossings_, c.runs) << line_.view();
    EXPECT_LE(last_crossings_, 2u);
  }
}

// ---- the tables --------------------------------------------------------------------------------

TEST(SyscallTableTest, EveryHeaderSyscallHasItsName) {
  struct Named {
    long nr;
    const char* name;
  };
#define S(x) \
  { SYS_##x, #x }
  constexpr Named kAll[] = {
      S(_sysctl),
      S(accept),
      S(accept4),
      S(access),
      S(acct),
      S(add_key),
      S(adjtimex),
      S(afs_syscall),
      S(alarm),
      S(arch_prctl),
      S(bind),
      S(bpf),
      S(brk),
      S(capget),
      S(capset),
      S(chdir),
      S(chmod),
      S(chown),
      S(chroot),
      S(clock_adjtime),
      S(clock_getres),
      S(clock_gettime),
      S(clock_nanosleep),
      S(clock_settime),
      S(clone),
      S(clone3),
      S(close),
      S(close_range),
      S(connect),
      S(copy_file_range),
      S(creat),
      S(create_module),
      S(delete_module),
      S(dup),
      S(dup2),
      S(dup3),
      S(epoll_create),
      S(epoll_create1),
      S(epoll_ctl),
      S(epoll_ctl_old),
      S(epoll_pwait),
      S(epoll_pwait2),
      S(epoll_wait),
      S(epoll_wait_old),
      S(eventfd),
      S(eventfd2),
      S(execve),
      S(execveat),
      S(exit),
      S(exit_group),
      S(faccessat),
      S(faccessat2),
      S(fadvise64),
      S(fallocate),
      S(fanotify_init),
      S(fanotify_mark),
      S(fchdir),
      S(fchmod),
      S(fchmodat),
      S(fchown),
      S(fchownat),
      S(fcntl),
      S(fdatasync),
      S(fgetxattr),
      S(finit_module),
      S(flistxattr),
      S(flock),
      S(fork),
      S(fremovexattr),
      S(fsconfig),
      S(fsetxattr),
      S(fsmount),
      S(fsopen),
      S(fspick),
      S(fstat),
      S(fstatfs),
      S(fsync),
      S(ftruncate),
      S(futex),
      S(futex_waitv),
      S(futimesat),
      S(get_kernel_syms),
      S(get_mempolicy),
      S(get_robust_list),
      S(get_thread_area),
      S(getcpu),
      S(getcwd),
      S(getdents),
      S(getdents64),
      S(getegid),
      S(geteuid),
      S(getgid),
      S(getgroups),
      S(getitimer),
      S(getpeername),
      S(getpgid),
      S(getpgrp),
      S(getpid),
      S(getpmsg),
      S(getppid),
      S(getpriority),
      S(getrandom),
      S(getresgid),
      S(getresuid),
      S(getrlimit),
      S(getrusage),
      S(getsid),
      S(getsockname),
      S(getsockopt),
      S(gettid),
      S(gettimeofday),
      S(getuid),
      S(getxattr),
      S(init_module),
      S(inotify_add_watch),
      S(inotify_init),
      S(inotify_init1),
      S(inotify_rm_watch),
      S(io_cancel),
      S(io_destroy),
      S(io_getevents),
      S(io_pgetevents),
      S(io_setup),
      S(io_submit),
      S(io_uring_enter),
      S(io_uring_register),
      S(io_uring_setup),
      S(ioctl),
      S(ioperm),
      S(iopl),
      S(ioprio_get),
      S(ioprio_set),
      S(kcmp),
      S(kexec_file_load),
      S(kexec_load),
      S(keyctl),
      S(kill),
      S(landlock_add_rule),
      S(landlock_create_ruleset),
      S(landlock_restrict_self),
      S(lchown),
      S(lgetxattr),
      S(link),
      S(linkat),
      S(listen),
      S(listxattr),
      S(llistxattr),
      S(lookup_dcookie),
      S(lremovexattr),
      S(lseek),
      S(lsetxattr),
      S(lstat),
      S(madvise),
      S(mbind),
      S(membarrier),
      S(memfd_create),
      S(memfd_secret),
      S(migrate_pages),
      S(mincore),
      S(mkdir),
      S(mkdirat),
      S(mknod),
      S(mknodat),
      S(mlock),
      S(mlock2),
      S(mlockall),
      S(mmap),
      S(modify_ldt),
      S(mount),
      S(mount_setattr),
      S(move_mount),
      S(move_pages),
      S(mprotect),
      S(mq_getsetattr),
      S(mq_notify),
      S(mq_open),
      S(mq_timedreceive),
      S(mq_timedsend),
      S(mq_unlink),
      S(mremap),
      S(msgctl),
      S(msgget),
      S(msgrcv),
      S(msgsnd),
      S(msync),
      S(munlock),
      S(munlockall),
      S(munmap),
      S(name_to_handle_at),
      S(nanosleep),
      S(newfstatat),
      S(nfsservctl),
      S(open),
      S(open_by_handle_at),
      S(open_tree),
      S(openat),
      S(openat2),
      S(pause),
      S(perf_event_open),
      S(personality),
      S(pidfd_getfd),
      S(pidfd_open),
      S(pidfd_send_signal),
      S(pipe),
      S(pipe2),
      S(pivot_root),
      S(pkey_alloc),
      S(pkey_free),
      S(pkey_mprotect),
      S(poll),
      S(ppoll),
      S(prctl),
      S(pread64),
      S(preadv),
      S(preadv2),
      S(prlimit64),
      S(process_madvise),
      S(process_mrelease),
      S(process_vm_readv),
      S(process_vm_writev),
      S(pselect6),
      S(ptrace),
      S(putpmsg),
      S(pwrite64),
      S(pwritev),
      S(pwritev2),
      S(query_module),
      S(quotactl),
      S(quotactl_fd),
      S(read),
      S(readahead),
      S(readlink),
      S(readlinkat),
      S(readv),
      S(reboot),
      S(recvfrom),
      S(recvmmsg),
      S(recvmsg),
      S(remap_file_pages),
      S(removexattr),
      S(rename),
      S(renameat),
      S(renameat2),
      S(request_key),
      S(restart_syscall),
      S(rmdir),
      S(rseq),
      S(rt_sigaction),
      S(rt_sigpending),
      S(rt_sigprocmask),
      S(rt_sigqueueinfo),
      S(rt_sigreturn),
      S(rt_sigsuspend),
      S(rt_sigtimedwait),
      S(rt_tgsigqueueinfo),
      S(sched_get_priority_max),
      S(sched_get_priority_min),
      S(sched_getaffinity),
      S(sched_getattr),
      S(sched_getparam),
      S(sched_getscheduler),
      S(sched_rr_get_interval),
      S(sched_setaffinity),
      S(sched_setattr),
      S(sched_setparam),
      S(sched_setscheduler),
      S(sched_yield),
      S(seccomp),
      S(security),
      S(select),
      S(semctl),
      S(semget),
      S(semop),
      S(semtimedop),
      S(sendfile),
      S(sendmmsg),
      S(sendmsg),
      S(sendto),
      S(set_mempolicy),
      S(set_mempolicy_home_node),
      S(set_robust_list),
      S(set_thread_area),
      S(set_tid_address),
      S(setdomainname),
      S(setfsgid),
      S(setfsuid),
      S(setgid),
      S(setgroups),
      S(sethostname),
      S(setitimer),
      S(setns),
      S(setpgid),
      S(setpriority),
      S(setregid),
      S(setresgid),
      S(setresuid),
      S(setreuid),
      S(setrlimit),
      S(setsid),
      S(setsockopt),
      S(settimeofday),
      S(setuid),
      S(setxattr),
      S(shmat),
      S(shmctl),
      S(shmdt),
      S(shmget),
      S(shutdown),
      S(sigaltstack),
      S(signalfd),
      S(signalfd4),
      S(socket),
      S(socketpair),
      S(splice),
      S(stat),
      S(statfs),
      S(statx),
      S(swapoff),
      S(swapon),
      S(symlink),
      S(symlinkat),
      S(sync),
      S(sync_file_range),
      S(syncfs),
      S(sysfs),
      S(sysinfo),
      S(syslog),
      S(tee),
      S(tgkill),
      S(time),
      S(timer_create),
      S(timer_delete),
      S(timer_getoverrun),
      S(timer_gettime),
      S(timer_settime),
      S(timerfd_create),
      S(timerfd_gettime),
      S(timerfd_settime),
      S(times),
      S(tkill),
      S(truncate),
      S(tuxcall),
      S(umask),
      S(umount2),
      S(uname),
      S(unlink),
      S(unlinkat),
      S(unshare),
      S(uselib),
      S(userfaultfd),
      S(ustat),
      S(utime),
      S(utimensat),
      S(utimes),
      S(vfork),
      S(vhangup),
      S(vmsplice),
      S(vserver),
      S(wait4),
      S(waitid),
      S(write),
      S(writev),
  };
#undef S
  int checked = 0;
  for (const Named& s : kAll) {
    if (s.nr >= 470) continue;
    const SyscallInfo* info = syscall_info(s.nr);
    ASSERT_NE(info, nullptr) << s.name;
    EXPECT_STREQ(info->name, s.name);
    EXPECT_EQ(syscall_number(s.name), s.nr) << s.name;
    ++checked;
  }
  EXPECT_GT(checked, 350);
  EXPECT_EQ(syscall_number("openat"), SYS_openat);
  EXPECT_EQ(syscall_number("fchmodat2"), 452);
  EXPECT_EQ(syscall_number("listns"), 470);
  EXPECT_EQ(syscall_number("no_such_call"), -1);
  EXPECT_EQ(syscall_number(std::string_view("open\0at", 7)), -1);
  EXPECT_EQ(syscall_info(-1), nullptr);
  EXPECT_EQ(syscall_info(kMaxSyscall), nullptr);
  EXPECT_EQ(syscall_info(400), nullptr);  // the gap 336..423
}

TEST(SyscallTableTest, KindsAndClasses) {
  const SyscallInfo* openat = syscall_info(SYS_openat);
  ASSERT_NE(openat, nullptr);
  EXPECT_EQ(openat->nargs, 4);
  EXPECT_EQ(openat->args[1], ArgKind::path);
  EXPECT_EQ(openat->result, ArgKind::fd_result);
  EXPECT_TRUE(openat->classes & kClassFile);
  EXPECT_TRUE(openat->classes & kClassDesc);
  EXPECT_TRUE(syscall_info(SYS_execve)->classes & kClassProcess);
  EXPECT_TRUE(syscall_info(SYS_stat)->classes & kClassStat);
  EXPECT_TRUE(syscall_info(SYS_lstat)->classes & kClassLstat);
  EXPECT_TRUE(syscall_info(SYS_newfstatat)->classes & kClassStatLike);
  EXPECT_TRUE(syscall_info(SYS_kill)->classes & kClassSignal);
  EXPECT_TRUE(syscall_info(SYS_mmap)->classes & kClassMemory);
  EXPECT_TRUE(syscall_info(SYS_connect)->classes & kClassNetwork);
  EXPECT_TRUE(syscall_info(SYS_setuid)->classes & kClassCreds);
  EXPECT_TRUE(syscall_info(SYS_shmget)->classes & kClassIpc);
  EXPECT_TRUE(syscall_info(SYS_getpid)->classes & kClassPure);
  EXPECT_EQ(syscall_info(SYS_read)->classes & kClassFile, 0u);
  // Every path argument of the two-path calls is marked (the redirect module relies on it).
  EXPECT_EQ(syscall_info(SYS_renameat2)->args[1], ArgKind::path);
  EXPECT_EQ(syscall_info(SYS_renameat2)->args[3], ArgKind::path);
  EXPECT_EQ(syscall_info(SYS_mmap)->result, ArgKind::hex);
}

TEST(ErrnoTableTest, NamesAndMessages) {
  const ErrnoInfo* e = errno_info(ENOENT);
  ASSERT_NE(e, nullptr);
  EXPECT_STREQ(e->name, "ENOENT");
  EXPECT_STREQ(e->message, "No such file or directory");
  EXPECT_STREQ(e->described, "ENOENT (No such file or directory)");
  EXPECT_STREQ(errno_name(EHWPOISON), "EHWPOISON");
  EXPECT_STREQ(errno_name(512), "ERESTARTSYS");
  EXPECT_EQ(errno_name(41), nullptr);
  EXPECT_EQ(errno_name(0), nullptr);
  EXPECT_STREQ(Error::guest(EFAULT).describe(), "EFAULT (Bad address)");
  EXPECT_STREQ(Error::gone().describe(), "tracee gone");
  // glibc's text is what strace prints: the table must agree with it for every errno.
  for (int v = 1; v < 134; ++v) {
    if (const ErrnoInfo* info = errno_info(v)) {
      EXPECT_STREQ(info->message, strerror(v)) << info->name;
      EXPECT_STREQ(info->name, strerrorname_np(v));
    }
  }
}

// ---- LineBuffer --------------------------------------------------------------------------------

TEST(LineBufferTest, NumbersAndQuoting) {
  LineBuffer b;
  b.append_dec(-42);
  b.append(' ');
  b.append_dec(18446744073709551615ull);
  b.append(' ');
  b.append_hex(0);
  b.append(' ');
  b.append_hex(0x1f);
  b.append(' ');
  b.append_oct(0);
  b.append(' ');
  b.append_oct(07);
  b.append(' ');
  b.append_oct(0644);
  b.append(' ');
  b.append_dec_padded(5, 3);
  b.append(' ');
  b.append_dec_width(5, 3);
  EXPECT_EQ(b.view(), "-42 18446744073709551615 0 0x1f 000 007 0644 005   5");
  b.clear();
  b.append_escaped("abcdef", 6, 3);
  b.append(' ');
  b.append_escaped(
      "\0"
      "1",
      2, 32);
  b.append(' ');
  b.append_escaped("\033[", 2, 32);
  EXPECT_EQ(b.view(), "\"abc\"... \"\\0001\" \"\\33[\"");
  b.clear();
  b.append_json_escaped("a\"b\\\n\x01", 6);
  EXPECT_EQ(b.view(), "a\\\"b\\\\\\n\\u0001");
}

TEST(LineBufferTest, NeverOverflows) {
  static LineBuffer b;
  b.clear();
  std::string chunk(1000, 'x');
  for (int i = 0; i < 20; ++i) b.append(chunk);
  EXPECT_EQ(b.size(), LineBuffer::kCapacity);
  EXPECT_TRUE(b.truncated());
  b.append_dec(12345);
  EXPECT_EQ(b.size(), LineBuffer::kCapacity);
  b.clear();
  EXPECT_FALSE(b.truncated());
  EXPECT_EQ(b.size(), 0u);
}

// exit_use(): for every system call and a range of arguments, the text written at the entry
// plus the result is the text written at the exit: whatever the result for ExitUse::result, for
// a failure for ExitUse::memory_on_success. The memory the arguments point to is the same at
// both ends, so a difference can only come from what the exit decodes and the entry does not.
TEST_F(DecodeTest, ExitUseEntryTextPlusResultIsTheExitText) {
  alignas(16) static char buf[16384];
  for (std::size_t i = 0; i < sizeof buf; ++i)
    buf[i] = (i % 64 < 12) ? "ptvm/x.h\0ab\n"[i % 64] : 0;
  const std::uint64_t b = addr(buf);
  const std::uint64_t patterns[][6] = {
      {b, b, b, b, b, b},
      {3, b, 16, 0, 0, 0},
      {static_cast<std::uint64_t>(-100), b, 0x241, 0644, 0, 0},
      {1, 2, 3, 4, 5, 6},
      {0, 0, 0, 0, 0, 0},
      {b, 64, 1, 2, b, 8},
  };
  const long any_results[] = {0, 1, 5, 4096, -ENOENT, -EINTR, -EAGAIN};
  const long failures[] = {-ENOENT, -EINTR, -EFAULT, -ENODATA};
  int checked = 0;
  for (long nr = 0; nr < kMaxSyscall; ++nr) {
    for (const auto& pattern : patterns) {
      for (int cmd = -1; cmd < 1040; ++cmd) {
        if (nr != SYS_fcntl && cmd != -1) break;  // fcntl: every command as the second argument
        if (nr == SYS_fcntl && cmd == -1) continue;
        if (cmd > 40 && cmd < 1024) cmd = 1024;
        CallView v{};
        v.nr = nr;
        for (int i = 0; i < 6; ++i) v.args[i] = pattern[i];
        if (cmd >= 0) v.args[1] = static_cast<std::uint64_t>(cmd);
        const ExitUse use = exit_use(v);
        if (use == ExitUse::memory) continue;
        const bool any = use == ExitUse::result;
        for (long r : any ? std::vector<long>(std::begin(any_results), std::end(any_results))
                          : std::vector<long>(std::begin(failures), std::end(failures))) {
          v.has_result = true;
          v.result = r;
          LineBuffer at_exit, at_entry;
          format_call(at_exit, v, mem_, DecodeOptions{32});
          format_entry(at_entry, v, mem_, DecodeOptions{32});
          format_result(at_entry, v);
          ASSERT_EQ(std::string(at_entry.view()), std::string(at_exit.view()))
              << "nr " << nr << " result " << r;
          ++checked;
        }
      }
    }
  }
  EXPECT_GT(checked, 1000);
  // The calls the file workloads make most, by kind.
  auto use_of = [](long nr, std::uint64_t a1 = 0) {
    CallView v{};
    v.nr = nr;
    v.args[1] = a1;
    return exit_use(v);
  };
  EXPECT_EQ(use_of(SYS_openat), ExitUse::result);
  EXPECT_EQ(use_of(SYS_close), ExitUse::result);
  EXPECT_EQ(use_of(SYS_write), ExitUse::result);
  EXPECT_EQ(use_of(SYS_mmap), ExitUse::result);
  EXPECT_EQ(use_of(SYS_fcntl, F_SETFD), ExitUse::result);
  EXPECT_EQ(use_of(SYS_fcntl, F_GETLK), ExitUse::memory);
  EXPECT_EQ(use_of(SYS_read), ExitUse::memory_on_success);
  EXPECT_EQ(use_of(SYS_newfstatat), ExitUse::memory_on_success);
  EXPECT_EQ(use_of(SYS_lgetxattr), ExitUse::result);  // the value prints as an address
  EXPECT_EQ(use_of(SYS_execve), ExitUse::memory);
  EXPECT_EQ(use_of(SYS_clone), ExitUse::memory);
  EXPECT_EQ(use_of(SYS_ioctl), ExitUse::memory);
  EXPECT_EQ(use_of(SYS_rt_sigreturn), ExitUse::memory);
}

// out_buffer(): for every system call that has one and a range of arguments and successful
// results, the text decoded at the exit from what the entry read (recorded) and the buffer alone
// (copied as the call returned) is the text decoded from the whole memory, and the replay
// needed nothing else.
TEST_F(DecodeTest, OutBufferAndTheEntryReadsMakeTheExitText) {
  alignas(16) static char buf[16384];
  for (std::size_t i = 0; i < sizeof buf; ++i)
    buf[i] = (i % 64 < 12) ? "ptvm/x.h\0ab\n"[i % 64] : static_cast<char>(i * 7);
  const std::uint64_t b = addr(buf);
  const std::uint64_t patterns[][6] = {
      {b, b, b, b, b, b},
      {3, b, 16, 0, 0, 0},
      {static_cast<std::uint64_t>(-100), b, b + 256, 0, 0, 0},
      {static_cast<std::uint64_t>(-100), b, 0x100, 0x7ff, b + 512, 0},
      {2, b, b + 1024, 8, 0, 0},
      {0, 0, 0, 0, 0, 0},
  };
  int checked = 0;
  for (const std::size_t limit : {std::size_t{32}, std::size_t{4}, std::size_t{300}}) {
    const DecodeOptions opt{limit};
    for (long nr = 0; nr < kMaxSyscall; ++nr) {
      for (const auto& pattern : patterns) {
        CallView v{};
        v.nr = nr;
        for (int i = 0; i < 6; ++i) v.args[i] = pattern[i];
        OutBuffer ob;
        if (!out_buffer(v, opt, &ob)) continue;
        ASSERT_EQ(exit_use(v), ExitUse::memory_on_success) << "nr " << nr;
        ASSERT_LE(ob.bytes, 448u) << "nr " << nr;
        for (long r : {0L, 1L, 5L, 40L, 4096L}) {
          if (ob.up_to_result == false && r > 1) break;
          v.has_result = true;
          v.result = r;
          MemoryRecord record;
          LineBuffer entry;
          RecordingMemory recording(mem_, record);
          format_entry(entry, v, recording, opt);
          ASSERT_FALSE(record.overflow) << "nr " << nr;
          const std::uint64_t at = v.args[ob.arg];
          // A call that succeeded wrote its buffer: a valid pointer, or none.
          if (at != 0 && (at < b || at >= b + sizeof buf - 512)) break;
          std::size_t n = ob.bytes;
          if (ob.up_to_result && static_cast<std::size_t>(r) < n) n = static_cast<std::size_t>(r);
          std::vector<std::byte> copy(n);
          if (at != 0) std::memcpy(copy.data(), reinterpret_cast<const void*>(at), n);
          ReplayMemory replay(record, at, at ? copy.data() : nullptr, at ? n : 0, mem_);
          LineBuffer live, replayed;
          format_call(live, v, mem_, opt);
          format_call(replayed, v, replay, opt);
          ASSERT_EQ(std::string(replayed.view()), std::string(live.view()))
              << "nr " << nr << " result " << r;
          ASSERT_EQ(replay.live_batches(), 0u) << "nr " << nr << ": " << live.view();
          ++checked;
        }
      }
    }
  }
  EXPECT_GT(checked, 200) << checked;
  auto has = [](long nr) {
    CallView v{};
    v.nr = nr;
    OutBuffer ob;
    return out_buffer(v, DecodeOptions{32}, &ob);
  };
  EXPECT_TRUE(has(SYS_read));
  EXPECT_TRUE(has(SYS_newfstatat));
  EXPECT_TRUE(has(SYS_statx));
  EXPECT_TRUE(has(SYS_fstat));
  EXPECT_FALSE(has(SYS_getdents64));  // entries
  EXPECT_TRUE(has(SYS_readlink));  // the result is its length
  EXPECT_FALSE(has(SYS_wait4));       // two buffers
  EXPECT_FALSE(has(SYS_openat));      // writes nothing
}

}  // namespace
}  // namespace ptvm
