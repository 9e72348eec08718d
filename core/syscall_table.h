// One source of syscall knowledge (STYLE.md 5): for every x86-64 system call its number, name,
// classes (strace's %file, %process, ...), the kind of each argument and of the result. Numbers
// come from <sys/syscall.h>; everything else is written once, in syscall_table.cpp.
// Freestanding: constexpr data and lookups, no allocation, no libc.
#pragma once

#include <cstdint>
#include <string_view>

namespace ptvm {

inline constexpr int kMaxSyscall = 512;  // table size; x86-64 numbers are below 471 today

// Classes, as strace's -e trace=%class (its TD, TF, TP... flags). Wider than 16 bits since the
// %clock, %pure and statfs classes joined.
enum SyscallClass : std::uint32_t {
  kClassFile = 1 << 0,         // %file: takes a file name
  kClassProcess = 1 << 1,      // %process: process life cycle (fork, clone, exec, exit, wait, kill)
  kClassNetwork = 1 << 2,      // %network
  kClassSignal = 1 << 3,       // %signal
  kClassMemory = 1 << 4,       // %memory: memory mapping
  kClassDesc = 1 << 5,         // %desc: takes or returns a file descriptor
  kClassIpc = 1 << 6,          // %ipc: SysV IPC
  kClassCreds = 1 << 7,        // %creds: user/group ids and capabilities
  kClassStat = 1 << 8,         // %stat (stat family on a path)
  kClassLstat = 1 << 9,        // %lstat
  kClassFstat = 1 << 10,       // %fstat
  kClassStatLike = 1 << 11,    // %%stat: every stat-like call
  kClassClock = 1 << 12,       // %clock: reads or sets a clock
  kClassPure = 1 << 13,        // %pure: no arguments, always succeeds (getpid, getuid...)
  kClassStatfs = 1 << 14,      // %statfs
  kClassFstatfs = 1 << 15,     // %fstatfs
  kClassStatfsLike = 1 << 16,  // %%statfs: every statfs-like call
};

// How an argument (or the result) is decoded. One enumerator per distinct decoding. Kinds marked
// "(exit)" are written by the call: decoded only when it succeeded, else printed as an address.
enum class ArgKind : std::uint8_t {
  none,
  sdec,         // signed decimal, 64-bit (long, off_t)
  udec,         // unsigned decimal, 64-bit
  hex,          // 0x...
  ptr,          // an address: NULL or 0x...
  fd,           // file descriptor
  dirfd,        // fd or AT_FDCWD
  path,         // NUL-terminated file name (input)
  str,          // NUL-terminated string (input), not a path: cut at -s
  buf_in,       // bytes written by the call: length is the next argument
  buf_out,      // (exit) bytes read by the call: length is the result
  iov_in,       // struct iovec array (writev): count is the next argument
  iov_out,      // (exit) struct iovec array (readv): the result says how much was filled
  argv,         // NULL-terminated array of strings (execve argv)
  envp,         // NULL-terminated array of strings (execve envp: strace prints a count)
  open_flags,   // O_RDONLY|O_CREAT|...
  mode,         // file mode, octal (0644)
  at_flags,     // AT_SYMLINK_NOFOLLOW|AT_EMPTY_PATH|...
  access_mode,  // F_OK, R_OK|W_OK|X_OK
  prot,         // PROT_READ|...
  mmap_flags,   // MAP_PRIVATE|MAP_ANONYMOUS|...
  clone_flags,  // CLONE_VM|...|SIGCHLD
  signal,       // SIGINT...
  sigprocmask_how,
  sigset_in,   // sigset_t*, [INT TERM]; its size is the next `count` argument
  sigset_out,  // (exit)
  sigaction_in,
  sigaction_out,  // (exit)
  stat_out,       // (exit) struct stat*
  statx_out,      // (exit) struct statx*
  statfs_out,     // (exit) struct statfs*
  timespec_in,    // struct timespec*
  timespec_out,   // (exit)
  fcntl_cmd,
  ioctl_cmd,
  whence,  // SEEK_SET...
  wait_options,
  wstatus_out,  // (exit) int* status of wait4
  rlimit_resource,
  socket_family,
  socket_type,
  sockaddr_in,  // struct sockaddr*, length is the next argument
  pipefd_out,   // (exit) int[2]
  futex_op,
  arch_prctl_code,
  prctl_option,
  clone3_args,  // struct clone_args*
  rusage_out,   // (exit)
  dirents_out,  // (exit) getdents64 buffer, decoded as a count
  uname_out,    // (exit)
  fd_result,    // result: a new fd
  pid_result,   // result: a pid
  count,        // other count/size argument, unsigned decimal
  // Added with the decoders of `ptvm trace`.
  sint,        // int: signed decimal, 32-bit
  uint,        // unsigned int: unsigned decimal, 32-bit
  id,          // uid_t/gid_t: unsigned, -1 printed as -1
  o_flags,     // O_CLOEXEC|O_NONBLOCK without an access mode (pipe2, dup3; 0 prints "0")
  sym_mode,    // mode with file type (mknod): S_IFCHR|0666
  dev,         // dev_t: makedev(0x1, 0x3)
  path_out,    // (exit) NUL-terminated file name written by the call (getcwd)
  random_out,  // (exit) getrandom's buffer, printed in \x hex like strace
  random_flags,
  int_out,          // (exit) int*: [42]
  sockaddr_out,     // (exit) struct sockaddr*, length in the socklen_t* that follows
  socklen_ptr,      // socklen_t*: [16]
  sock_flags,       // SOCK_CLOEXEC|SOCK_NONBLOCK (accept4)
  socket_protocol,  // IPPROTO_... for AF_INET/AF_INET6, a number otherwise
  msg_flags,        // MSG_DONTWAIT|...
  shutdown_how,
  rlimit_in,       // struct rlimit*
  rlimit_out,      // (exit)
  rusage_who,      // RUSAGE_SELF...
  sysinfo_out,     // (exit)
  timeval_out,     // (exit) struct timeval*
  utimes_in,       // struct timespec[2] (utimensat), UTIME_NOW/UTIME_OMIT
  clockid,         // CLOCK_REALTIME...
  timer_flags,     // TIMER_ABSTIME
  fcntl_arg,       // third argument of fcntl, decoded by the command
  ioctl_arg,       // third argument of ioctl, decoded by the request
  prctl_arg,       // arguments 2..5 of prctl, decoded (or not printed) by the option
  arch_prctl_arg,  // second argument of arch_prctl, decoded by the code
  futex_arg,       // arguments 3..6 of futex, decoded (or not printed) by the operation
  flock_op,        // LOCK_SH|LOCK_NB...
  madvise_advice,
  mremap_flags,
  msync_flags,
  memfd_flags,
  rename_flags,     // RENAME_NOREPLACE...
  statx_flags,      // AT_STATX_SYNC_AS_STAT|AT_SYMLINK_NOFOLLOW...
  statx_mask,       // STATX_BASIC_STATS...
  open_how,         // struct open_how* (openat2), size is the next argument
  siginfo_in,       // siginfo_t* (rt_sigqueueinfo)
  fadvise_advice,   // POSIX_FADV_...
  groups_in,        // gid_t[] (setgroups), count is the previous argument
  groups_out,       // (exit) gid_t[] (getgroups), the result is the count
  pollfds,          // struct pollfd[] (poll, ppoll), count is the next argument; revents after
                    // the result
  sockopt_level,    // SOL_SOCKET, SOL_IP...
  sockopt_name,     // SO_REUSEADDR, IP_RECVERR..., by the level before it
  sockopt_val_in,   // setsockopt's value, length is the next argument
  sockopt_val_out,  // (exit) getsockopt's value, length in the socklen_t* that follows
  itimer_which,     // ITIMER_REAL...
  itimerval_in,     // struct itimerval*
  itimerval_out,    // (exit)
};

struct SyscallInfo {
  const char* name;       // nullptr: no system call with this number
  std::uint32_t classes;  // SyscallClass bits
  std::uint8_t nargs;
  ArgKind args[6];
  ArgKind result;  // sdec, hex (mmap, brk), fd_result, pid_result...
};

// nullptr outside [0, kMaxSyscall) or for an unused number.
const SyscallInfo* syscall_info(long nr);
// -1 if unknown.
long syscall_number(std::string_view name);

}  // namespace ptvm
