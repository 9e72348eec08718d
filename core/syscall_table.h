// One source of syscall knowledge (STYLE.md 5): for every x86-64 system call its number, name,
// classes (strace's %file, %process, ...), the kind of each argument and of the result. Numbers
// come from <sys/syscall.h>; everything else is written once, in syscall_table.cpp.
// Freestanding: constexpr data and lookups, no allocation, no libc.
#pragma once

#include <cstdint>
#include <string_view>

namespace ptvm {

inline constexpr int kMaxSyscall = 512;  // table size; x86-64 numbers are below 470 today

// Classes, as strace's -e trace=%class.
enum SyscallClass : std::uint16_t {
  kClassFile = 1 << 0,     // %file: takes a file name
  kClassProcess = 1 << 1,  // %process: process life cycle (fork, clone, exec, exit, wait, kill)
  kClassNetwork = 1 << 2,  // %network
  kClassSignal = 1 << 3,   // %signal
  kClassMemory = 1 << 4,   // %memory: memory mapping
  kClassDesc = 1 << 5,     // %desc: takes or returns a file descriptor
  kClassIpc = 1 << 6,      // %ipc: SysV IPC
  kClassCreds = 1 << 7,    // %creds: user/group ids and capabilities
  kClassStat = 1 << 8,     // %stat (stat family on a path)
  kClassLstat = 1 << 9,    // %lstat
  kClassFstat = 1 << 10,   // %fstat
  kClassStatLike = 1 << 11,  // %%stat: every stat-like call
};

// How an argument (or the result) is decoded. One enumerator per distinct decoding.
enum class ArgKind : std::uint8_t {
  none,
  sdec,        // signed decimal
  udec,        // unsigned decimal
  hex,         // 0x...
  ptr,         // an address: NULL or 0x...
  fd,          // file descriptor
  dirfd,       // fd or AT_FDCWD
  path,        // NUL-terminated file name (input)
  str,         // NUL-terminated string (input), not a path
  buf_in,      // bytes written by the call: length is the next argument
  buf_out,     // bytes read by the call: length is the result (decoded at exit)
  iov_in,      // struct iovec array (writev): count is the next argument
  iov_out,     // struct iovec array (readv): decoded at exit
  argv,        // NULL-terminated array of strings (execve argv)
  envp,        // NULL-terminated array of strings (execve envp: strace prints a count)
  open_flags,  // O_RDONLY|O_CREAT|...
  mode,        // file mode, octal
  at_flags,    // AT_SYMLINK_NOFOLLOW|AT_EMPTY_PATH|...
  access_mode, // F_OK, R_OK|W_OK|X_OK
  prot,        // PROT_READ|...
  mmap_flags,  // MAP_PRIVATE|MAP_ANONYMOUS|...
  clone_flags, // CLONE_VM|...|SIGCHLD
  signal,      // SIGINT...
  sigprocmask_how,
  sigset_in,   // sigset_t*, [INT TERM]
  sigset_out,
  sigaction_in,
  sigaction_out,
  stat_out,    // struct stat* (decoded at exit)
  statx_out,   // struct statx*
  statfs_out,
  timespec_in, // struct timespec*
  timespec_out,
  fcntl_cmd,
  ioctl_cmd,
  whence,      // SEEK_SET...
  wait_options,
  wstatus_out, // int* status of wait4
  rlimit_resource,
  socket_family,
  socket_type,
  sockaddr_in, // struct sockaddr*, length is the next argument
  pipefd_out,  // int[2]
  futex_op,
  arch_prctl_code,
  prctl_option,
  clone3_args, // struct clone_args*
  rusage_out,
  dirents_out, // getdents64 buffer, decoded as a count
  uname_out,
  fd_result,   // result: a new fd
  pid_result,  // result: a pid
  count,       // other count/size argument, unsigned decimal
};

struct SyscallInfo {
  const char* name;      // nullptr: no system call with this number
  std::uint16_t classes; // SyscallClass bits
  std::uint8_t nargs;
  ArgKind args[6];
  ArgKind result;        // sdec, hex (mmap, brk), fd_result, pid_result...
};

// nullptr outside [0, kMaxSyscall) or for an unused number.
const SyscallInfo* syscall_info(long nr);
// -1 if unknown.
long syscall_number(std::string_view name);

}  // namespace ptvm
