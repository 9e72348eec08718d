// The decoders behind `ptvm trace`; see decode.h for the contract. Layout of this file:
//   1. kernel structure layouts (x86-64, written out: glibc's types differ for some of them);
//   2. constant-name tables (xlat) and the flag/value printers;
//   3. Fetcher: the memory reads of one call, in rounds of one Memory::run() each;
//   4. Decoder: per argument kind, what to read (plan) and how to print it (print);
//      calls whose arguments depend on each other (clone, fcntl, ioctl, futex, prctl...);
//   5. results, signals, exits.
// The formats follow strace 6.x (checked line by line against its output on the same calls).
// Freestanding: no libc, no allocation; the compiler may emit memcpy/memset.
#include "vms/trace/decode.h"

#include <sys/syscall.h>

#include "core/errno_table.h"
#include "core/syscall_table.h"

namespace ptvm {

namespace {

// ---------------------------------------------------------------------------------------------
// 1. Kernel structure layouts (x86-64 ABI)
// ---------------------------------------------------------------------------------------------

struct KernelStat {  // arch/x86/include/uapi/asm/stat.h, struct stat (64-bit)
  std::uint64_t st_dev, st_ino, st_nlink;
  std::uint32_t st_mode, st_uid, st_gid, pad0;
  std::uint64_t st_rdev;
  std::int64_t st_size, st_blksize, st_blocks;
  std::uint64_t st_atime_, st_atime_nsec, st_mtime_, st_mtime_nsec, st_ctime_, st_ctime_nsec;
  std::int64_t unused[3];
};
static_assert(sizeof(KernelStat) == 144);

struct KernelStatx {  // include/uapi/linux/stat.h; only the abbreviated fields are read
  std::uint32_t stx_mask, stx_blksize;
  std::uint64_t stx_attributes;
  std::uint32_t stx_nlink, stx_uid, stx_gid;
  std::uint16_t stx_mode, spare0;
  std::uint64_t stx_ino, stx_size, stx_blocks, stx_attributes_mask;
  std::uint8_t rest[256 - 64];
};
static_assert(sizeof(KernelStatx) == 256);

struct KernelStatfs {  // struct statfs on 64-bit (== statfs64)
  std::int64_t f_type, f_bsize;
  std::uint64_t f_blocks, f_bfree, f_bavail, f_files, f_ffree;
  std::int32_t f_fsid[2];
  std::int64_t f_namelen, f_frsize, f_flags, f_spare[4];
};
static_assert(sizeof(KernelStatfs) == 120);

struct KernelTimespec {
  std::int64_t tv_sec, tv_nsec;
};
struct KernelTimeval {
  std::int64_t tv_sec, tv_usec;
};

struct KernelRusage {
  KernelTimeval ru_utime, ru_stime;
  std::int64_t rest[14];
};
static_assert(sizeof(KernelRusage) == 144);

struct KernelSysinfo {
  std::int64_t uptime;
  std::uint64_t loads[3];
  std::uint64_t totalram, freeram, sharedram, bufferram, totalswap, freeswap;
  std::uint16_t procs, pad;
  std::uint64_t totalhigh, freehigh;
  std::uint32_t mem_unit;
};
static_assert(sizeof(KernelSysinfo) == 112);

struct KernelUtsname {
  char sysname[65], nodename[65], release[65], version[65], machine[65], domainname[65];
};

struct KernelSigaction {  // the kernel's struct sigaction (rt_sigaction), not glibc's
  std::uint64_t handler, flags, restorer, mask;
};

struct KernelIovec {
  std::uint64_t base, len;
};

struct KernelTermios {  // TCGETS: the kernel's struct termios, 19 control characters
  std::uint32_t c_iflag, c_oflag, c_cflag, c_lflag;
  std::uint8_t c_line, c_cc[19];
};
static_assert(sizeof(KernelTermios) == 36);

struct KernelWinsize {
  std::uint16_t ws_row, ws_col, ws_xpixel, ws_ypixel;
};

struct KernelFlock {
  std::int16_t l_type, l_whence;
  std::int64_t l_start, l_len;
  std::int32_t l_pid;
};
static_assert(sizeof(KernelFlock) == 32);

struct KernelCloneArgs {  // include/uapi/linux/sched.h, CLONE_ARGS_SIZE_VER2
  std::uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid,
      set_tid_size, cgroup;
};
static_assert(sizeof(KernelCloneArgs) == 88);
constexpr std::size_t kCloneArgsMinSize = 64;  // CLONE_ARGS_SIZE_VER0: up to tls

struct KernelOpenHow {
  std::uint64_t flags, mode, resolve;
};

// The rt_sigreturn frame: at the syscall the stack pointer points at the ucontext (the handler's
// `ret` popped pretcode); uc_sigmask follows uc_flags, uc_link, uc_stack (24) and the 256-byte
// sigcontext.
constexpr std::uint64_t kSigreturnMaskOffset = 8 + 8 + 24 + 256;

constexpr std::size_t kPathMax = 4096;
constexpr long kMaxErrno = 4095;

bool is_error(long result) {
  return result < 0 && result >= -kMaxErrno;
}

template <class T>
T load(const char* p) {
  T v;
  __builtin_memcpy(&v, p, sizeof(T));
  return v;
}

std::size_t min_size(std::size_t a, std::size_t b) {
  return a < b ? a : b;
}

std::size_t cstr_len(const char* s, std::size_t max) {
  std::size_t n = 0;
  while (n < max && s[n]) ++n;
  return n;
}

// ---------------------------------------------------------------------------------------------
// 2. Constant names
// ---------------------------------------------------------------------------------------------

struct Xlat {
  std::uint64_t value;
  const char* name;
};

struct Table {
  const Xlat* data;
  std::size_t size;
};
template <std::size_t N>
constexpr Table tab(const Xlat (&t)[N]) {
  return {t, N};
}

const char* lookup(Table t, std::uint64_t v) {
  for (std::size_t i = 0; i < t.size; ++i) {
    if (t.data[i].value == v) return t.data[i].name;
  }
  return nullptr;
}

// A value from an enumeration: its name, or `0x4d2 /* F_??? */`.
void print_xval(LineBuffer& out, Table t, std::uint64_t v, const char* unknown) {
  if (const char* name = lookup(t, v)) {
    out.append(name);
    return;
  }
  out.append_hex(v);
  if (unknown) {
    out.append(" /* ");
    out.append(unknown);
    out.append(" */");
  }
}

// Flags, strace's printflags: names in table order (an entry matches when all its bits are set;
// a zero entry only when the whole value is 0), unknown bits in hex after a `|`; no known bit at
// all: `0x100000 /* PROT_??? */`; 0 without a zero entry: `0`. Returns whether it printed a name.
bool print_flags(LineBuffer& out, Table t, std::uint64_t v, const char* unknown) {
  bool any = false;
  for (std::size_t i = 0; i < t.size && (v || !any); ++i) {
    const std::uint64_t f = t.data[i].value;
    if (v == f || (f && (v & f) == f)) {
      if (any) out.append('|');
      out.append(t.data[i].name);
      any = true;
      v &= ~f;
      if (!v) break;
    }
  }
  if (any) {
    if (v) {
      out.append('|');
      out.append_hex(v);
    }
  } else if (v) {
    out.append_hex(v);
    if (unknown) {
      out.append(" /* ");
      out.append(unknown);
      out.append(" */");
    }
  } else {
    out.append('0');
  }
  return any;
}

void print_addr(LineBuffer& out, std::uint64_t addr) {
  if (addr == 0) {
    out.append("NULL");
  } else {
    out.append_hex(addr);
  }
}

// Signals: the kernel's numbering; 32 is SIGRTMIN, 33.. are SIGRT_1.. (glibc reserves 32-34).
constexpr const char* kSignalNames[] = {
    nullptr,    "SIGHUP",   "SIGINT",    "SIGQUIT",  "SIGILL",   "SIGTRAP",   "SIGABRT",
    "SIGBUS",   "SIGFPE",   "SIGKILL",   "SIGUSR1",  "SIGSEGV",  "SIGUSR2",   "SIGPIPE",
    "SIGALRM",  "SIGTERM",  "SIGSTKFLT", "SIGCHLD",  "SIGCONT",  "SIGSTOP",   "SIGTSTP",
    "SIGTTIN",  "SIGTTOU",  "SIGURG",    "SIGXCPU",  "SIGXFSZ",  "SIGVTALRM", "SIGPROF",
    "SIGWINCH", "SIGIO",    "SIGPWR",    "SIGSYS",   "SIGRTMIN", "SIGRT_1",   "SIGRT_2",
    "SIGRT_3",  "SIGRT_4",  "SIGRT_5",   "SIGRT_6",  "SIGRT_7",  "SIGRT_8",   "SIGRT_9",
    "SIGRT_10", "SIGRT_11", "SIGRT_12",  "SIGRT_13", "SIGRT_14", "SIGRT_15",  "SIGRT_16",
    "SIGRT_17", "SIGRT_18", "SIGRT_19",  "SIGRT_20", "SIGRT_21", "SIGRT_22",  "SIGRT_23",
    "SIGRT_24", "SIGRT_25", "SIGRT_26",  "SIGRT_27", "SIGRT_28", "SIGRT_29",  "SIGRT_30",
    "SIGRT_31", "SIGRT_32",
};
constexpr int kMaxSignal = 64;

void print_signal(LineBuffer& out, std::int64_t sig) {
  if (sig > 0 && sig <= kMaxSignal) {
    out.append(kSignalNames[sig]);
  } else {
    out.append_dec(sig);
  }
}

// A sigset as strace prints it: [INT TERM]; with 2/3 or more of the 64 bits set, the complement:
// ~[KILL STOP] (~[] for all).
void print_sigset(LineBuffer& out, std::uint64_t mask) {
  int bits = 0;  // not __builtin_popcountll: without -mpopcnt it calls libgcc
  for (std::uint64_t m = mask; m; m &= m - 1) ++bits;
  if (bits >= 64 * 2 / 3) {
    out.append('~');
    mask = ~mask;
  }
  out.append('[');
  bool first = true;
  for (int sig = 1; sig <= kMaxSignal; ++sig) {
    if (!(mask >> (sig - 1) & 1)) continue;
    if (!first) out.append(' ');
    first = false;
    out.append(kSignalNames[sig] + 3);  // without "SIG"
  }
  out.append(']');
}

// open(2) flags. Values are the x86-64 kernel's (glibc defines O_LARGEFILE as 0 on x86-64, but
// the kernel reports 0100000 in F_GETFL).
constexpr Xlat kOpenAccess[] = {{0, "O_RDONLY"}, {1, "O_WRONLY"}, {2, "O_RDWR"}, {3, "O_ACCMODE"}};
constexpr Xlat kOpenFlags[] = {
    {0100, "O_CREAT"},        {0200, "O_EXCL"},           {0400, "O_NOCTTY"},
    {01000, "O_TRUNC"},       {02000, "O_APPEND"},        {04000, "O_NONBLOCK"},
    {04010000, "O_SYNC"},     {04000000, "__O_SYNC"},     {010000, "O_DSYNC"},
    {040000, "O_DIRECT"},     {0100000, "O_LARGEFILE"},   {0400000, "O_NOFOLLOW"},
    {01000000, "O_NOATIME"},  {02000000, "O_CLOEXEC"},    {010000000, "O_PATH"},
    {020200000, "O_TMPFILE"}, {020000000, "__O_TMPFILE"}, {0200000, "O_DIRECTORY"},
    {020000, "FASYNC"},
};
constexpr std::uint64_t kOCreat = 0100, kOTmpfileBit = 020000000;

void print_open_flags(LineBuffer& out, std::uint64_t v) {
  v &= 0xffffffff;
  out.append(kOpenAccess[v & 3].name);
  v &= ~std::uint64_t{3};
  if (v) {
    out.append('|');
    print_flags(out, tab(kOpenFlags), v, nullptr);
  }
}

constexpr Xlat kAtFlags[] = {{0x100, "AT_SYMLINK_NOFOLLOW"}, {0x200, "AT_REMOVEDIR"},
                             {0x400, "AT_SYMLINK_FOLLOW"},   {0x800, "AT_NO_AUTOMOUNT"},
                             {0x1000, "AT_EMPTY_PATH"},      {0x8000, "AT_RECURSIVE"}};
constexpr Xlat kFaccessatFlags[] = {
    {0x100, "AT_SYMLINK_NOFOLLOW"}, {0x200, "AT_EACCESS"}, {0x1000, "AT_EMPTY_PATH"}};
constexpr Xlat kStatxSync[] = {{0, "AT_STATX_SYNC_AS_STAT"},
                               {0x2000, "AT_STATX_FORCE_SYNC"},
                               {0x4000, "AT_STATX_DONT_SYNC"},
                               {0x6000, "AT_STATX_SYNC_TYPE"}};
constexpr Xlat kStatxMask[] = {
    {0xfff, "STATX_ALL"},
    {0x7ff, "STATX_BASIC_STATS"},
    {0x1, "STATX_TYPE"},
    {0x2, "STATX_MODE"},
    {0x4, "STATX_NLINK"},
    {0x8, "STATX_UID"},
    {0x10, "STATX_GID"},
    {0x20, "STATX_ATIME"},
    {0x40, "STATX_MTIME"},
    {0x80, "STATX_CTIME"},
    {0x100, "STATX_INO"},
    {0x200, "STATX_SIZE"},
    {0x400, "STATX_BLOCKS"},
    {0x800, "STATX_BTIME"},
    {0x1000, "STATX_MNT_ID"},
    {0x2000, "STATX_DIOALIGN"},
    {0x4000, "STATX_MNT_ID_UNIQUE"},
    {0x8000, "STATX_SUBVOL"},
    {0x10000, "STATX_WRITE_ATOMIC"},
    {0x20000, "STATX_DIO_READ_ALIGN"},
};
constexpr Xlat kStatxAttrs[] = {
    {0x4, "STATX_ATTR_COMPRESSED"},    {0x10, "STATX_ATTR_IMMUTABLE"},
    {0x20, "STATX_ATTR_APPEND"},       {0x40, "STATX_ATTR_NODUMP"},
    {0x800, "STATX_ATTR_ENCRYPTED"},   {0x1000, "STATX_ATTR_AUTOMOUNT"},
    {0x2000, "STATX_ATTR_MOUNT_ROOT"}, {0x100000, "STATX_ATTR_VERITY"},
    {0x200000, "STATX_ATTR_DAX"},      {0x400000, "STATX_ATTR_WRITE_ATOMIC"},
};
constexpr Xlat kAccessModes[] = {{0, "F_OK"}, {4, "R_OK"}, {2, "W_OK"}, {1, "X_OK"}};
constexpr Xlat kProt[] = {{0, "PROT_NONE"},
                          {1, "PROT_READ"},
                          {2, "PROT_WRITE"},
                          {4, "PROT_EXEC"},
                          {8, "PROT_SEM"},
                          {0x01000000, "PROT_GROWSDOWN"},
                          {0x02000000, "PROT_GROWSUP"}};
constexpr Xlat kMapType[] = {
    {1, "MAP_SHARED"}, {2, "MAP_PRIVATE"}, {3, "MAP_SHARED_VALIDATE"}, {8, "MAP_DROPPABLE"}};
constexpr Xlat kMapFlags[] = {
    {0x10, "MAP_FIXED"},
    {0x20, "MAP_ANONYMOUS"},
    {0x40, "MAP_32BIT"},
    {0x80, "MAP_ABOVE4G"},
    {0x100, "MAP_GROWSDOWN"},
    {0x800, "MAP_DENYWRITE"},
    {0x1000, "MAP_EXECUTABLE"},
    {0x2000, "MAP_LOCKED"},
    {0x4000, "MAP_NORESERVE"},
    {0x8000, "MAP_POPULATE"},
    {0x10000, "MAP_NONBLOCK"},
    {0x20000, "MAP_STACK"},
    {0x40000, "MAP_HUGETLB"},
    {0x80000, "MAP_SYNC"},
    {0x100000, "MAP_FIXED_NOREPLACE"},
    {0x4000000, "MAP_UNINITIALIZED"},
};

void print_mmap_flags(LineBuffer& out, std::uint64_t v) {
  v &= 0xffffffff;
  const std::uint64_t type = v & 0xf;
  if (const char* name = lookup(tab(kMapType), type)) {
    out.append(name);
  } else {
    out.append_hex(type);
    out.append(" /* MAP_??? */");
  }
  v &= ~std::uint64_t{0xf};
  if (v) {
    out.append('|');
    print_flags(out, tab(kMapFlags), v, nullptr);
  }
}

constexpr Xlat kCloneFlags[] = {
    {0x100, "CLONE_VM"},
    {0x200, "CLONE_FS"},
    {0x400, "CLONE_FILES"},
    {0x800, "CLONE_SIGHAND"},
    {0x1000, "CLONE_PIDFD"},
    {0x2000, "CLONE_PTRACE"},
    {0x4000, "CLONE_VFORK"},
    {0x8000, "CLONE_PARENT"},
    {0x10000, "CLONE_THREAD"},
    {0x20000, "CLONE_NEWNS"},
    {0x40000, "CLONE_SYSVSEM"},
    {0x80000, "CLONE_SETTLS"},
    {0x100000, "CLONE_PARENT_SETTID"},
    {0x200000, "CLONE_CHILD_CLEARTID"},
    {0x800000, "CLONE_UNTRACED"},
    {0x1000000, "CLONE_CHILD_SETTID"},
    {0x2000000, "CLONE_NEWCGROUP"},
    {0x4000000, "CLONE_NEWUTS"},
    {0x8000000, "CLONE_NEWIPC"},
    {0x10000000, "CLONE_NEWUSER"},
    {0x20000000, "CLONE_NEWPID"},
    {0x40000000, "CLONE_NEWNET"},
    {0x80000000, "CLONE_IO"},
    {0x80, "CLONE_NEWTIME"},
    {0x100000000, "CLONE_CLEAR_SIGHAND"},
    {0x200000000, "CLONE_INTO_CGROUP"},
};
constexpr std::uint64_t kCloneParentSettid = 0x100000, kCloneChildSettid = 0x1000000,
                        kCloneChildCleartid = 0x200000, kCloneSettls = 0x80000,
                        kClonePidfd = 0x1000, kCsignal = 0xff;

constexpr Xlat kSigprocmaskHow[] = {{0, "SIG_BLOCK"}, {1, "SIG_UNBLOCK"}, {2, "SIG_SETMASK"}};
constexpr Xlat kSaHandler[] = {{0, "SIG_DFL"}, {1, "SIG_IGN"}, {~std::uint64_t{0}, "SIG_ERR"}};
constexpr Xlat kSaFlags[] = {
    {0x04000000, "SA_RESTORER"},
    {0x08000000, "SA_ONSTACK"},
    {0x10000000, "SA_RESTART"},
    {0x20000000, "SA_INTERRUPT"},
    {0x40000000, "SA_NODEFER"},
    {0x80000000, "SA_RESETHAND"},
    {4, "SA_SIGINFO"},
    {1, "SA_NOCLDSTOP"},
    {2, "SA_NOCLDWAIT"},
    {0x400, "SA_UNSUPPORTED"},
    {0x800, "SA_EXPOSE_TAGBITS"},
};
constexpr std::uint64_t kSaRestorer = 0x04000000;

constexpr Xlat kFileTypes[] = {{0140000, "S_IFSOCK"}, {0120000, "S_IFLNK"}, {0100000, "S_IFREG"},
                               {0060000, "S_IFBLK"},  {0040000, "S_IFDIR"}, {0020000, "S_IFCHR"},
                               {0010000, "S_IFIFO"}};

// strace's print_symbolic_mode_t: S_IFREG|S_ISUID|0755; without a known type the octal value.
void print_symbolic_mode(LineBuffer& out, std::uint32_t mode) {
  const char* type = (mode & 0170000) ? lookup(tab(kFileTypes), mode & 0170000) : "";
  if (!type) {
    out.append_oct(mode);
    return;
  }
  if (*type) {
    out.append(type);
    out.append('|');
  }
  if (mode & 04000) out.append("S_ISUID|");
  if (mode & 02000) out.append("S_ISGID|");
  if (mode & 01000) out.append("S_ISVTX|");
  out.append_oct(mode & 0777);
}

// makedev(0x88, 0): major and minor of the kernel's 64-bit dev_t encoding, in %#x.
void print_dev(LineBuffer& out, std::uint64_t dev) {
  const std::uint64_t major = ((dev >> 32) & 0xfffff000) | ((dev >> 8) & 0xfff);
  const std::uint64_t minor = ((dev >> 12) & 0xffffff00) | (dev & 0xff);
  out.append("makedev(");
  out.append_hex(major);
  out.append(", ");
  out.append_hex(minor);
  out.append(')');
}

constexpr Xlat kFcntlCmds[] = {
    {0, "F_DUPFD"},
    {1, "F_GETFD"},
    {2, "F_SETFD"},
    {3, "F_GETFL"},
    {4, "F_SETFL"},
    {5, "F_GETLK"},
    {6, "F_SETLK"},
    {7, "F_SETLKW"},
    {8, "F_SETOWN"},
    {9, "F_GETOWN"},
    {10, "F_SETSIG"},
    {11, "F_GETSIG"},
    {15, "F_SETOWN_EX"},
    {16, "F_GETOWN_EX"},
    {17, "F_GETOWNER_UIDS"},
    {36, "F_OFD_GETLK"},
    {37, "F_OFD_SETLK"},
    {38, "F_OFD_SETLKW"},
    {1024, "F_SETLEASE"},
    {1025, "F_GETLEASE"},
    {1026, "F_NOTIFY"},
    {1027, "F_DUPFD_QUERY"},
    {1028, "F_CREATED_QUERY"},
    {1029, "F_CANCELLK"},
    {1030, "F_DUPFD_CLOEXEC"},
    {1031, "F_SETPIPE_SZ"},
    {1032, "F_GETPIPE_SZ"},
    {1033, "F_ADD_SEALS"},
    {1034, "F_GET_SEALS"},
    {1035, "F_GET_RW_HINT"},
    {1036, "F_SET_RW_HINT"},
    {1037, "F_GET_FILE_RW_HINT"},
    {1038, "F_SET_FILE_RW_HINT"},
};
enum : int {
  kFDupfd = 0,
  kFGetfd = 1,
  kFSetfd = 2,
  kFGetfl = 3,
  kFSetfl = 4,
  kFGetlk = 5,
  kFSetlk = 6,
  kFSetlkw = 7,
  kFSetown = 8,
  kFGetown = 9,
  kFSetsig = 10,
  kFGetsig = 11,
  kFOfdGetlk = 36,
  kFOfdSetlk = 37,
  kFOfdSetlkw = 38,
  kFGetlease = 1025,
  kFDupfdCloexec = 1030,
  kFSetpipeSz = 1031,
  kFGetpipeSz = 1032,
  kFGetSeals = 1034,
};
constexpr Xlat kFdFlags[] = {{1, "FD_CLOEXEC"}};
constexpr Xlat kLockTypes[] = {{0, "F_RDLCK"}, {1, "F_WRLCK"}, {2, "F_UNLCK"}};
constexpr Xlat kWhence[] = {
    {0, "SEEK_SET"}, {1, "SEEK_CUR"}, {2, "SEEK_END"}, {3, "SEEK_DATA"}, {4, "SEEK_HOLE"}};
constexpr Xlat kWaitOptions[] = {
    {1, "WNOHANG"},          {2, "WSTOPPED"},
    {4, "WEXITED"},          {8, "WCONTINUED"},
    {0x01000000, "WNOWAIT"}, {0x80000000, "__WCLONE"},
    {0x40000000, "__WALL"},  {0x20000000, "__WNOTHREAD"},
};
constexpr Xlat kPtraceEvents[] = {{1, "PTRACE_EVENT_FORK"},       {2, "PTRACE_EVENT_VFORK"},
                                  {3, "PTRACE_EVENT_CLONE"},      {4, "PTRACE_EVENT_EXEC"},
                                  {5, "PTRACE_EVENT_VFORK_DONE"}, {6, "PTRACE_EVENT_EXIT"},
                                  {7, "PTRACE_EVENT_SECCOMP"},    {128, "PTRACE_EVENT_STOP"}};
constexpr Xlat kRlimits[] = {
    {0, "RLIMIT_CPU"},       {1, "RLIMIT_FSIZE"}, {2, "RLIMIT_DATA"},    {3, "RLIMIT_STACK"},
    {4, "RLIMIT_CORE"},      {5, "RLIMIT_RSS"},   {6, "RLIMIT_NPROC"},   {7, "RLIMIT_NOFILE"},
    {8, "RLIMIT_MEMLOCK"},   {9, "RLIMIT_AS"},    {10, "RLIMIT_LOCKS"},  {11, "RLIMIT_SIGPENDING"},
    {12, "RLIMIT_MSGQUEUE"}, {13, "RLIMIT_NICE"}, {14, "RLIMIT_RTPRIO"}, {15, "RLIMIT_RTTIME"},
};
constexpr Xlat kRusageWho[] = {
    {0, "RUSAGE_SELF"}, {~std::uint64_t{0}, "RUSAGE_CHILDREN"}, {1, "RUSAGE_THREAD"}};
constexpr Xlat kFamilies[] = {
    {0, "AF_UNSPEC"},      {1, "AF_UNIX"},      {2, "AF_INET"},      {3, "AF_AX25"},
    {4, "AF_IPX"},         {5, "AF_APPLETALK"}, {6, "AF_NETROM"},    {7, "AF_BRIDGE"},
    {8, "AF_ATMPVC"},      {9, "AF_X25"},       {10, "AF_INET6"},    {11, "AF_ROSE"},
    {12, "AF_DECnet"},     {13, "AF_NETBEUI"},  {14, "AF_SECURITY"}, {15, "AF_KEY"},
    {16, "AF_NETLINK"},    {17, "AF_PACKET"},   {18, "AF_ASH"},      {19, "AF_ECONET"},
    {20, "AF_ATMSVC"},     {21, "AF_RDS"},      {22, "AF_SNA"},      {23, "AF_IRDA"},
    {24, "AF_PPPOX"},      {25, "AF_WANPIPE"},  {26, "AF_LLC"},      {27, "AF_IB"},
    {28, "AF_MPLS"},       {29, "AF_CAN"},      {30, "AF_TIPC"},     {31, "AF_BLUETOOTH"},
    {32, "AF_IUCV"},       {33, "AF_RXRPC"},    {34, "AF_ISDN"},     {35, "AF_PHONET"},
    {36, "AF_IEEE802154"}, {37, "AF_CAIF"},     {38, "AF_ALG"},      {39, "AF_NFC"},
    {40, "AF_VSOCK"},      {41, "AF_KCM"},      {42, "AF_QIPCRTR"},  {43, "AF_SMC"},
    {44, "AF_XDP"},        {45, "AF_MCTP"},
};
constexpr Xlat kSockTypes[] = {{1, "SOCK_STREAM"}, {2, "SOCK_DGRAM"},     {3, "SOCK_RAW"},
                               {4, "SOCK_RDM"},    {5, "SOCK_SEQPACKET"}, {6, "SOCK_DCCP"},
                               {10, "SOCK_PACKET"}};
constexpr Xlat kSockFlags[] = {{02000000, "SOCK_CLOEXEC"}, {04000, "SOCK_NONBLOCK"}};
constexpr Xlat kInetProtocols[] = {
    {0, "IPPROTO_IP"},       {1, "IPPROTO_ICMP"},       {2, "IPPROTO_IGMP"},
    {4, "IPPROTO_IPIP"},     {6, "IPPROTO_TCP"},        {8, "IPPROTO_EGP"},
    {12, "IPPROTO_PUP"},     {17, "IPPROTO_UDP"},       {22, "IPPROTO_IDP"},
    {29, "IPPROTO_TP"},      {33, "IPPROTO_DCCP"},      {41, "IPPROTO_IPV6"},
    {43, "IPPROTO_ROUTING"}, {44, "IPPROTO_FRAGMENT"},  {46, "IPPROTO_RSVP"},
    {47, "IPPROTO_GRE"},     {50, "IPPROTO_ESP"},       {51, "IPPROTO_AH"},
    {58, "IPPROTO_ICMPV6"},  {59, "IPPROTO_NONE"},      {60, "IPPROTO_DSTOPTS"},
    {92, "IPPROTO_MTP"},     {94, "IPPROTO_BEETPH"},    {98, "IPPROTO_ENCAP"},
    {103, "IPPROTO_PIM"},    {108, "IPPROTO_COMP"},     {115, "IPPROTO_L2TP"},
    {132, "IPPROTO_SCTP"},   {135, "IPPROTO_MH"},       {136, "IPPROTO_UDPLITE"},
    {137, "IPPROTO_MPLS"},   {143, "IPPROTO_ETHERNET"}, {255, "IPPROTO_RAW"},
    {262, "IPPROTO_MPTCP"},
};
constexpr Xlat kNetlinkProtocols[] = {
    {0, "NETLINK_ROUTE"}, {2, "NETLINK_USERSOCK"},        {4, "NETLINK_SOCK_DIAG"},
    {9, "NETLINK_AUDIT"}, {15, "NETLINK_KOBJECT_UEVENT"}, {16, "NETLINK_GENERIC"},
};
constexpr Xlat kMsgFlags[] = {
    {0x1, "MSG_OOB"},
    {0x2, "MSG_PEEK"},
    {0x4, "MSG_DONTROUTE"},
    {0x8, "MSG_CTRUNC"},
    {0x10, "MSG_PROBE"},
    {0x20, "MSG_TRUNC"},
    {0x40, "MSG_DONTWAIT"},
    {0x80, "MSG_EOR"},
    {0x100, "MSG_WAITALL"},
    {0x200, "MSG_FIN"},
    {0x400, "MSG_SYN"},
    {0x800, "MSG_CONFIRM"},
    {0x1000, "MSG_RST"},
    {0x2000, "MSG_ERRQUEUE"},
    {0x4000, "MSG_NOSIGNAL"},
    {0x8000, "MSG_MORE"},
    {0x10000, "MSG_WAITFORONE"},
    {0x40000, "MSG_BATCH"},
    {0x4000000, "MSG_ZEROCOPY"},
    {0x20000000, "MSG_FASTOPEN"},
    {0x40000000, "MSG_CMSG_CLOEXEC"},
};
constexpr Xlat kSockoptLevels[] = {
    {0, "SOL_IP"},    {1, "SOL_SOCKET"},   {6, "SOL_TCP"},       {17, "SOL_UDP"},
    {41, "SOL_IPV6"}, {58, "SOL_ICMPV6"},  {132, "SOL_SCTP"},    {136, "SOL_UDPLITE"},
    {255, "SOL_RAW"}, {263, "SOL_PACKET"}, {270, "SOL_NETLINK"}, {274, "SOL_BLUETOOTH"},
    {279, "SOL_ALG"}, {282, "SOL_TLS"},    {283, "SOL_XDP"},     {284, "SOL_MPTCP"},
};
constexpr Xlat kSoOptions[] = {
    {1, "SO_DEBUG"},          {2, "SO_REUSEADDR"},      {3, "SO_TYPE"},
    {4, "SO_ERROR"},          {5, "SO_DONTROUTE"},      {6, "SO_BROADCAST"},
    {7, "SO_SNDBUF"},         {8, "SO_RCVBUF"},         {9, "SO_KEEPALIVE"},
    {10, "SO_OOBINLINE"},     {11, "SO_NO_CHECK"},      {12, "SO_PRIORITY"},
    {13, "SO_LINGER"},        {14, "SO_BSDCOMPAT"},     {15, "SO_REUSEPORT"},
    {16, "SO_PASSCRED"},      {17, "SO_PEERCRED"},      {18, "SO_RCVLOWAT"},
    {19, "SO_SNDLOWAT"},      {20, "SO_RCVTIMEO_OLD"},  {21, "SO_SNDTIMEO_OLD"},
    {25, "SO_BINDTODEVICE"},  {26, "SO_ATTACH_FILTER"}, {27, "SO_DETACH_FILTER"},
    {29, "SO_TIMESTAMP_OLD"}, {30, "SO_ACCEPTCONN"},    {31, "SO_PEERSEC"},
    {32, "SO_SNDBUFFORCE"},   {33, "SO_RCVBUFFORCE"},   {34, "SO_PASSSEC"},
    {36, "SO_MARK"},          {38, "SO_PROTOCOL"},      {39, "SO_DOMAIN"},
    {40, "SO_RXQ_OVFL"},      {42, "SO_PEEK_OFF"},      {46, "SO_BUSY_POLL"},
    {49, "SO_INCOMING_CPU"},  {60, "SO_ZEROCOPY"},      {66, "SO_RCVTIMEO_NEW"},
    {67, "SO_SNDTIMEO_NEW"},
};
constexpr Xlat kIpOptions[] = {
    {1, "IP_TOS"},
    {2, "IP_TTL"},
    {3, "IP_HDRINCL"},
    {4, "IP_OPTIONS"},
    {6, "IP_RECVOPTS"},
    {7, "IP_RETOPTS"},
    {8, "IP_PKTINFO"},
    {10, "IP_MTU_DISCOVER"},
    {11, "IP_RECVERR"},
    {12, "IP_RECVTTL"},
    {13, "IP_RECVTOS"},
    {14, "IP_MTU"},
    {15, "IP_FREEBIND"},
    {24, "IP_BIND_ADDRESS_NO_PORT"},
    {32, "IP_MULTICAST_IF"},
    {33, "IP_MULTICAST_TTL"},
    {34, "IP_MULTICAST_LOOP"},
    {35, "IP_ADD_MEMBERSHIP"},
    {36, "IP_DROP_MEMBERSHIP"},
};
constexpr Xlat kIpv6Options[] = {
    {16, "IPV6_UNICAST_HOPS"},   {17, "IPV6_MULTICAST_IF"}, {18, "IPV6_MULTICAST_HOPS"},
    {19, "IPV6_MULTICAST_LOOP"}, {23, "IPV6_MTU_DISCOVER"}, {25, "IPV6_RECVERR"},
    {26, "IPV6_V6ONLY"},         {49, "IPV6_RECVPKTINFO"},  {67, "IPV6_TCLASS"},
};
constexpr Xlat kTcpOptions[] = {
    {1, "TCP_NODELAY"},        {2, "TCP_MAXSEG"},        {3, "TCP_CORK"},
    {4, "TCP_KEEPIDLE"},       {5, "TCP_KEEPINTVL"},     {6, "TCP_KEEPCNT"},
    {7, "TCP_SYNCNT"},         {8, "TCP_LINGER2"},       {9, "TCP_DEFER_ACCEPT"},
    {10, "TCP_WINDOW_CLAMP"},  {11, "TCP_INFO"},         {12, "TCP_QUICKACK"},
    {13, "TCP_CONGESTION"},    {18, "TCP_USER_TIMEOUT"}, {23, "TCP_FASTOPEN"},
    {25, "TCP_NOTSENT_LOWAT"},
};
constexpr Xlat kNetlinkOptions[] = {
    {1, "NETLINK_ADD_MEMBERSHIP"},  {2, "NETLINK_DROP_MEMBERSHIP"}, {3, "NETLINK_PKTINFO"},
    {4, "NETLINK_BROADCAST_ERROR"}, {5, "NETLINK_NO_ENOBUFS"},      {6, "NETLINK_RX_RING"},
    {7, "NETLINK_TX_RING"},         {8, "NETLINK_LISTEN_ALL_NSID"}, {9, "NETLINK_LIST_MEMBERSHIPS"},
    {10, "NETLINK_CAP_ACK"},        {11, "NETLINK_EXT_ACK"},        {12, "NETLINK_GET_STRICT_CHK"},
};
constexpr Xlat kPollFlags[] = {
    {0x1, "POLLIN"},       {0x2, "POLLPRI"},      {0x4, "POLLOUT"},     {0x8, "POLLERR"},
    {0x10, "POLLHUP"},     {0x20, "POLLNVAL"},    {0x40, "POLLRDNORM"}, {0x80, "POLLRDBAND"},
    {0x100, "POLLWRNORM"}, {0x200, "POLLWRBAND"}, {0x400, "POLLMSG"},   {0x1000, "POLLREMOVE"},
    {0x2000, "POLLRDHUP"},
};
constexpr Xlat kFadvise[] = {{0, "POSIX_FADV_NORMAL"},     {1, "POSIX_FADV_RANDOM"},
                             {2, "POSIX_FADV_SEQUENTIAL"}, {3, "POSIX_FADV_WILLNEED"},
                             {4, "POSIX_FADV_DONTNEED"},   {5, "POSIX_FADV_NOREUSE"}};
constexpr Xlat kItimers[] = {{0, "ITIMER_REAL"}, {1, "ITIMER_VIRTUAL"}, {2, "ITIMER_PROF"}};
constexpr Xlat kShutdownHow[] = {{0, "SHUT_RD"}, {1, "SHUT_WR"}, {2, "SHUT_RDWR"}};
constexpr Xlat kFutexCmds[] = {
    {0, "FUTEX_WAIT"},
    {1, "FUTEX_WAKE"},
    {2, "FUTEX_FD"},
    {3, "FUTEX_REQUEUE"},
    {4, "FUTEX_CMP_REQUEUE"},
    {5, "FUTEX_WAKE_OP"},
    {6, "FUTEX_LOCK_PI"},
    {7, "FUTEX_UNLOCK_PI"},
    {8, "FUTEX_TRYLOCK_PI"},
    {9, "FUTEX_WAIT_BITSET"},
    {10, "FUTEX_WAKE_BITSET"},
    {11, "FUTEX_WAIT_REQUEUE_PI"},
    {12, "FUTEX_CMP_REQUEUE_PI"},
    {13, "FUTEX_LOCK_PI2"},
};
constexpr Xlat kFutexWakeOps[] = {{0, "FUTEX_OP_SET"},
                                  {1, "FUTEX_OP_ADD"},
                                  {2, "FUTEX_OP_OR"},
                                  {3, "FUTEX_OP_ANDN"},
                                  {4, "FUTEX_OP_XOR"}};
constexpr Xlat kFutexWakeCmps[] = {{0, "FUTEX_OP_CMP_EQ"}, {1, "FUTEX_OP_CMP_NE"},
                                   {2, "FUTEX_OP_CMP_LT"}, {3, "FUTEX_OP_CMP_LE"},
                                   {4, "FUTEX_OP_CMP_GT"}, {5, "FUTEX_OP_CMP_GE"}};
constexpr Xlat kArchPrctl[] = {
    {0x1001, "ARCH_SET_GS"},
    {0x1002, "ARCH_SET_FS"},
    {0x1003, "ARCH_GET_FS"},
    {0x1004, "ARCH_GET_GS"},
    {0x1011, "ARCH_GET_CPUID"},
    {0x1012, "ARCH_SET_CPUID"},
    {0x1021, "ARCH_GET_XCOMP_SUPP"},
    {0x1022, "ARCH_GET_XCOMP_PERM"},
    {0x1023, "ARCH_REQ_XCOMP_PERM"},
    {0x1024, "ARCH_GET_XCOMP_GUEST_PERM"},
    {0x1025, "ARCH_REQ_XCOMP_GUEST_PERM"},
    {0x2001, "ARCH_MAP_VDSO_X32"},
    {0x2002, "ARCH_MAP_VDSO_32"},
    {0x2003, "ARCH_MAP_VDSO_64"},
    {0x4001, "ARCH_GET_UNTAG_MASK"},
    {0x4002, "ARCH_ENABLE_TAGGED_ADDR"},
    {0x4003, "ARCH_GET_MAX_TAG_BITS"},
    {0x4004, "ARCH_FORCE_TAGGED_SVA"},
    {0x5001, "ARCH_SHSTK_ENABLE"},
    {0x5002, "ARCH_SHSTK_DISABLE"},
    {0x5003, "ARCH_SHSTK_LOCK"},
    {0x5004, "ARCH_SHSTK_UNLOCK"},
    {0x5005, "ARCH_SHSTK_STATUS"},
};
constexpr std::uint64_t kArchGetFs = 0x1003, kArchGetGs = 0x1004;
constexpr Xlat kPrctlOptions[] = {
    {1, "PR_SET_PDEATHSIG"},
    {2, "PR_GET_PDEATHSIG"},
    {3, "PR_GET_DUMPABLE"},
    {4, "PR_SET_DUMPABLE"},
    {5, "PR_GET_UNALIGN"},
    {6, "PR_SET_UNALIGN"},
    {7, "PR_GET_KEEPCAPS"},
    {8, "PR_SET_KEEPCAPS"},
    {9, "PR_GET_FPEMU"},
    {10, "PR_SET_FPEMU"},
    {11, "PR_GET_FPEXC"},
    {12, "PR_SET_FPEXC"},
    {13, "PR_GET_TIMING"},
    {14, "PR_SET_TIMING"},
    {15, "PR_SET_NAME"},
    {16, "PR_GET_NAME"},
    {19, "PR_GET_ENDIAN"},
    {20, "PR_SET_ENDIAN"},
    {21, "PR_GET_SECCOMP"},
    {22, "PR_SET_SECCOMP"},
    {23, "PR_CAPBSET_READ"},
    {24, "PR_CAPBSET_DROP"},
    {25, "PR_GET_TSC"},
    {26, "PR_SET_TSC"},
    {27, "PR_GET_SECUREBITS"},
    {28, "PR_SET_SECUREBITS"},
    {29, "PR_SET_TIMERSLACK"},
    {30, "PR_GET_TIMERSLACK"},
    {31, "PR_TASK_PERF_EVENTS_DISABLE"},
    {32, "PR_TASK_PERF_EVENTS_ENABLE"},
    {33, "PR_MCE_KILL"},
    {34, "PR_MCE_KILL_GET"},
    {35, "PR_SET_MM"},
    {36, "PR_SET_CHILD_SUBREAPER"},
    {37, "PR_GET_CHILD_SUBREAPER"},
    {38, "PR_SET_NO_NEW_PRIVS"},
    {39, "PR_GET_NO_NEW_PRIVS"},
    {40, "PR_GET_TID_ADDRESS"},
    {41, "PR_SET_THP_DISABLE"},
    {42, "PR_GET_THP_DISABLE"},
    {45, "PR_SET_FP_MODE"},
    {46, "PR_GET_FP_MODE"},
    {47, "PR_CAP_AMBIENT"},
    {50, "PR_SVE_SET_VL"},
    {51, "PR_SVE_GET_VL"},
    {52, "PR_GET_SPECULATION_CTRL"},
    {53, "PR_SET_SPECULATION_CTRL"},
    {54, "PR_PAC_RESET_KEYS"},
    {55, "PR_SET_TAGGED_ADDR_CTRL"},
    {56, "PR_GET_TAGGED_ADDR_CTRL"},
    {57, "PR_SET_IO_FLUSHER"},
    {58, "PR_GET_IO_FLUSHER"},
    {59, "PR_SET_SYSCALL_USER_DISPATCH"},
    {62, "PR_SCHED_CORE"},
    {65, "PR_SET_MDWE"},
    {66, "PR_GET_MDWE"},
    {0x53564d41, "PR_SET_VMA"},
};
enum : int {
  kPrSetPdeathsig = 1,
  kPrGetPdeathsig = 2,
  kPrGetDumpable = 3,
  kPrSetDumpable = 4,
  kPrGetKeepcaps = 7,
  kPrSetKeepcaps = 8,
  kPrSetName = 15,
  kPrGetName = 16,
  kPrGetSeccomp = 21,
  kPrCapbsetRead = 23,
  kPrCapbsetDrop = 24,
  kPrGetSecurebits = 27,
  kPrGetTimerslack = 30,
  kPrSetChildSubreaper = 36,
  kPrGetChildSubreaper = 37,
  kPrSetNoNewPrivs = 38,
  kPrGetNoNewPrivs = 39,
  kPrGetThpDisable = 42,
};
constexpr Xlat kCapabilities[] = {
    {0, "CAP_CHOWN"},
    {1, "CAP_DAC_OVERRIDE"},
    {2, "CAP_DAC_READ_SEARCH"},
    {3, "CAP_FOWNER"},
    {4, "CAP_FSETID"},
    {5, "CAP_KILL"},
    {6, "CAP_SETGID"},
    {7, "CAP_SETUID"},
    {8, "CAP_SETPCAP"},
    {9, "CAP_LINUX_IMMUTABLE"},
    {10, "CAP_NET_BIND_SERVICE"},
    {11, "CAP_NET_BROADCAST"},
    {12, "CAP_NET_ADMIN"},
    {13, "CAP_NET_RAW"},
    {14, "CAP_IPC_LOCK"},
    {15, "CAP_IPC_OWNER"},
    {16, "CAP_SYS_MODULE"},
    {17, "CAP_SYS_RAWIO"},
    {18, "CAP_SYS_CHROOT"},
    {19, "CAP_SYS_PTRACE"},
    {20, "CAP_SYS_PACCT"},
    {21, "CAP_SYS_ADMIN"},
    {22, "CAP_SYS_BOOT"},
    {23, "CAP_SYS_NICE"},
    {24, "CAP_SYS_RESOURCE"},
    {25, "CAP_SYS_TIME"},
    {26, "CAP_SYS_TTY_CONFIG"},
    {27, "CAP_MKNOD"},
    {28, "CAP_LEASE"},
    {29, "CAP_AUDIT_WRITE"},
    {30, "CAP_AUDIT_CONTROL"},
    {31, "CAP_SETFCAP"},
    {32, "CAP_MAC_OVERRIDE"},
    {33, "CAP_MAC_ADMIN"},
    {34, "CAP_SYSLOG"},
    {35, "CAP_WAKE_ALARM"},
    {36, "CAP_BLOCK_SUSPEND"},
    {37, "CAP_AUDIT_READ"},
    {38, "CAP_PERFMON"},
    {39, "CAP_BPF"},
    {40, "CAP_CHECKPOINT_RESTORE"},
};
constexpr Xlat kDumpable[] = {
    {0, "SUID_DUMP_DISABLE"}, {1, "SUID_DUMP_USER"}, {2, "SUID_DUMP_ROOT"}};
constexpr Xlat kClocks[] = {
    {0, "CLOCK_REALTIME"},          {1, "CLOCK_MONOTONIC"},     {2, "CLOCK_PROCESS_CPUTIME_ID"},
    {3, "CLOCK_THREAD_CPUTIME_ID"}, {4, "CLOCK_MONOTONIC_RAW"}, {5, "CLOCK_REALTIME_COARSE"},
    {6, "CLOCK_MONOTONIC_COARSE"},  {7, "CLOCK_BOOTTIME"},      {8, "CLOCK_REALTIME_ALARM"},
    {9, "CLOCK_BOOTTIME_ALARM"},    {10, "CLOCK_SGI_CYCLE"},    {11, "CLOCK_TAI"},
};
constexpr Xlat kTimerFlags[] = {{1, "TIMER_ABSTIME"}};
constexpr Xlat kFlockOps[] = {{1, "LOCK_SH"},    {2, "LOCK_EX"},     {4, "LOCK_NB"},
                              {8, "LOCK_UN"},    {32, "LOCK_MAND"},  {192, "LOCK_RW"},
                              {64, "LOCK_READ"}, {128, "LOCK_WRITE"}};
constexpr Xlat kMadvise[] = {
    {0, "MADV_NORMAL"},           {1, "MADV_RANDOM"},          {2, "MADV_SEQUENTIAL"},
    {3, "MADV_WILLNEED"},         {4, "MADV_DONTNEED"},        {8, "MADV_FREE"},
    {9, "MADV_REMOVE"},           {10, "MADV_DONTFORK"},       {11, "MADV_DOFORK"},
    {12, "MADV_MERGEABLE"},       {13, "MADV_UNMERGEABLE"},    {14, "MADV_HUGEPAGE"},
    {15, "MADV_NOHUGEPAGE"},      {16, "MADV_DONTDUMP"},       {17, "MADV_DODUMP"},
    {18, "MADV_WIPEONFORK"},      {19, "MADV_KEEPONFORK"},     {20, "MADV_COLD"},
    {21, "MADV_PAGEOUT"},         {22, "MADV_POPULATE_READ"},  {23, "MADV_POPULATE_WRITE"},
    {24, "MADV_DONTNEED_LOCKED"}, {25, "MADV_COLLAPSE"},       {100, "MADV_HWPOISON"},
    {101, "MADV_SOFT_OFFLINE"},   {102, "MADV_GUARD_INSTALL"}, {103, "MADV_GUARD_REMOVE"},
};
constexpr Xlat kMremapFlags[] = {
    {1, "MREMAP_MAYMOVE"}, {2, "MREMAP_FIXED"}, {4, "MREMAP_DONTUNMAP"}};
constexpr Xlat kMsyncFlags[] = {{1, "MS_ASYNC"}, {2, "MS_INVALIDATE"}, {4, "MS_SYNC"}};
constexpr Xlat kMemfdFlags[] = {{1, "MFD_CLOEXEC"},
                                {2, "MFD_ALLOW_SEALING"},
                                {4, "MFD_HUGETLB"},
                                {8, "MFD_NOEXEC_SEAL"},
                                {0x10, "MFD_EXEC"}};
constexpr Xlat kRenameFlags[] = {
    {1, "RENAME_NOREPLACE"}, {2, "RENAME_EXCHANGE"}, {4, "RENAME_WHITEOUT"}};
constexpr Xlat kRandomFlags[] = {{1, "GRND_NONBLOCK"}, {2, "GRND_RANDOM"}, {4, "GRND_INSECURE"}};
constexpr Xlat kResolveFlags[] = {{1, "RESOLVE_NO_XDEV"},     {2, "RESOLVE_NO_MAGICLINKS"},
                                  {4, "RESOLVE_NO_SYMLINKS"}, {8, "RESOLVE_BENEATH"},
                                  {0x10, "RESOLVE_IN_ROOT"},  {0x20, "RESOLVE_CACHED"}};
// The O_* flags some calls take under their own names (strace prints them so).
constexpr Xlat kPipeFlags[] = {{04000, "O_NONBLOCK"},
                               {02000000, "O_CLOEXEC"},
                               {040000, "O_DIRECT"},
                               {0200, "O_NOTIFICATION_PIPE"}};
constexpr Xlat kEfdFlags[] = {
    {1, "EFD_SEMAPHORE"}, {02000000, "EFD_CLOEXEC"}, {04000, "EFD_NONBLOCK"}};
constexpr Xlat kEpollFlags[] = {{02000000, "EPOLL_CLOEXEC"}};
constexpr Xlat kInotifyFlags[] = {{04000, "IN_NONBLOCK"}, {02000000, "IN_CLOEXEC"}};
constexpr Xlat kSfdFlags[] = {{02000000, "SFD_CLOEXEC"}, {04000, "SFD_NONBLOCK"}};
constexpr Xlat kUffdFlags[] = {
    {02000000, "O_CLOEXEC"}, {04000, "O_NONBLOCK"}, {1, "UFFD_USER_MODE_ONLY"}};
constexpr Xlat kDup3Flags[] = {{02000000, "O_CLOEXEC"}};

// Terminal flags (TCGETS), for the abbreviated struct strace prints.
constexpr Xlat kTermIflags[] = {
    {01, "IGNBRK"},  {02, "BRKINT"},   {04, "IGNPAR"},    {010, "PARMRK"},     {020, "INPCK"},
    {040, "ISTRIP"}, {0100, "INLCR"},  {0200, "IGNCR"},   {0400, "ICRNL"},     {01000, "IUCLC"},
    {02000, "IXON"}, {04000, "IXANY"}, {010000, "IXOFF"}, {020000, "IMAXBEL"}, {040000, "IUTF8"},
};
constexpr Xlat kTermOflags[] = {{01, "OPOST"},  {02, "OLCUC"},   {04, "ONLCR"},   {010, "OCRNL"},
                                {020, "ONOCR"}, {040, "ONLRET"}, {0100, "OFILL"}, {0200, "OFDEL"}};
constexpr Xlat kTermNldly[] = {{0, "NL0"}, {0400, "NL1"}};
constexpr Xlat kTermCrdly[] = {{0, "CR0"}, {01000, "CR1"}, {02000, "CR2"}, {03000, "CR3"}};
constexpr Xlat kTermTabdly[] = {{014000, "XTABS"}, {0, "TAB0"}, {04000, "TAB1"}, {010000, "TAB2"}};
constexpr Xlat kTermBsdly[] = {{020000, "BS1"}, {0, "BS0"}};
constexpr Xlat kTermVtdly[] = {{0, "VT0"}, {040000, "VT1"}};
constexpr Xlat kTermFfdly[] = {{0, "FF0"}, {0100000, "FF1"}};
constexpr Xlat kTermCsize[] = {{0, "CS5"}, {020, "CS6"}, {040, "CS7"}, {060, "CS8"}};
constexpr Xlat kTermCflags[] = {
    {0100, "CSTOPB"}, {0200, "CREAD"},   {0400, "PARENB"},         {01000, "PARODD"},
    {02000, "HUPCL"}, {04000, "CLOCAL"}, {010000000000, "CMSPAR"}, {020000000000, "CRTSCTS"}};
constexpr Xlat kBauds[] = {
    {0, "B0"},
    {1, "B50"},
    {2, "B75"},
    {3, "B110"},
    {4, "B134"},
    {5, "B150"},
    {6, "B200"},
    {7, "B300"},
    {010, "B600"},
    {011, "B1200"},
    {012, "B1800"},
    {013, "B2400"},
    {014, "B4800"},
    {015, "B9600"},
    {016, "B19200"},
    {017, "B38400"},
    {010001, "B57600"},
    {010002, "B115200"},
    {010003, "B230400"},
    {010004, "B460800"},
    {010005, "B500000"},
    {010006, "B576000"},
    {010007, "B921600"},
    {010010, "B1000000"},
    {010011, "B1152000"},
    {010012, "B1500000"},
    {010013, "B2000000"},
    {010014, "B2500000"},
    {010015, "B3000000"},
    {010016, "B3500000"},
    {010017, "B4000000"},
    {010000, "BOTHER"},
};
constexpr Xlat kTermLflags[] = {
    {01, "ISIG"},        {02, "ICANON"},     {04, "XCASE"},      {010, "ECHO"},
    {020, "ECHOE"},      {040, "ECHOK"},     {0100, "ECHONL"},   {0200, "NOFLSH"},
    {0100000, "IEXTEN"}, {01000, "ECHOCTL"}, {02000, "ECHOPRT"}, {04000, "ECHOKE"},
    {010000, "FLUSHO"},  {040000, "PENDIN"}, {0400, "TOSTOP"},   {0200000, "EXTPROC"},
};

// ioctl requests with a decoder or at least a name. Unknown ones print as _IOC(...).
constexpr Xlat kIoctls[] = {
    {0x5401, "TCGETS"},
    {0x5402, "TCSETS"},
    {0x5403, "TCSETSW"},
    {0x5404, "TCSETSF"},
    {0x5409, "TCSBRK"},
    {0x540a, "TCXONC"},
    {0x540b, "TCFLSH"},
    {0x540c, "TIOCEXCL"},
    {0x540d, "TIOCNXCL"},
    {0x540e, "TIOCSCTTY"},
    {0x540f, "TIOCGPGRP"},
    {0x5410, "TIOCSPGRP"},
    {0x5411, "TIOCOUTQ"},
    {0x5412, "TIOCSTI"},
    {0x5413, "TIOCGWINSZ"},
    {0x5414, "TIOCSWINSZ"},
    {0x5415, "TIOCMGET"},
    {0x541b, "FIONREAD"},
    {0x541c, "TIOCLINUX"},
    {0x541d, "TIOCCONS"},
    {0x5421, "FIONBIO"},
    {0x5422, "TIOCNOTTY"},
    {0x5429, "TIOCGSID"},
    {0x5450, "FIONCLEX"},
    {0x5451, "FIOCLEX"},
    {0x5452, "FIOASYNC"},
    {0x80045430, "TIOCGPTN"},
    {0x40045431, "TIOCSPTLCK"},
    {0x5441, "TIOCGPTPEER"},
    {0x802c542a, "TCGETS2"},
    {0x402c542b, "TCSETS2"},
    {0x1, "FIBMAP"},
    {0x2, "FIGETBSZ"},
    {0x80086601, "FS_IOC_GETFLAGS"},
    {0x40086602, "FS_IOC_SETFLAGS"},
    {0xc020660b, "FS_IOC_FIEMAP"},
    {0x40049409, "BTRFS_IOC_CLONE"},
    {0x4020940d, "FICLONERANGE"},
    {0x8912, "SIOCGIFCONF"},
    {0x8933, "SIOCGIFINDEX"},
    {0x8927, "SIOCGIFHWADDR"},
    {0x8913, "SIOCGIFFLAGS"},
    {0x8915, "SIOCGIFADDR"},
    {0x8910, "SIOCGIFNAME"},
    {0x1260, "BLKGETSIZE"},
    {0x80081272, "BLKGETSIZE64"},
    {0x1268, "BLKSSZGET"},
};
enum : std::uint32_t {
  kTcgets = 0x5401,
  kTcsets = 0x5402,
  kTcsetsw = 0x5403,
  kTcsetsf = 0x5404,
  kTiocgpgrp = 0x540f,
  kTiocspgrp = 0x5410,
  kTiocoutq = 0x5411,
  kTiocgwinsz = 0x5413,
  kTiocswinsz = 0x5414,
  kFionread = 0x541b,
  kFionbio = 0x5421,
  kTiocgsid = 0x5429,
  kFionclex = 0x5450,
  kFioclex = 0x5451,
  kTiocgptn = 0x80045430,
  kTiocsptlck = 0x40045431,
  kFioasync = 0x5452,
  kTiocnotty = 0x5422,
  kTiocexcl = 0x540c,
  kTiocnxcl = 0x540d,
  kTioccons = 0x541d,
  kTcsbrk = 0x5409,
  kTiocsctty = 0x540e,
  kTcxonc = 0x540a,
  kTcflsh = 0x540b,
};
constexpr Xlat kTcxoncArgs[] = {{0, "TCOOFF"}, {1, "TCOON"}, {2, "TCIOFF"}, {3, "TCION"}};
constexpr Xlat kTcflshArgs[] = {{0, "TCIFLUSH"}, {1, "TCOFLUSH"}, {2, "TCIOFLUSH"}};

// struct statfs f_type: the usual filesystems; others print in hex.
constexpr Xlat kFsMagic[] = {
    {0xef53, "EXT2_SUPER_MAGIC"},
    {0x01021994, "TMPFS_MAGIC"},
    {0x9fa0, "PROC_SUPER_MAGIC"},
    {0x62656572, "SYSFS_MAGIC"},
    {0x794c7630, "OVERLAYFS_SUPER_MAGIC"},
    {0x9123683e, "BTRFS_SUPER_MAGIC"},
    {0x58465342, "XFS_SUPER_MAGIC"},
    {0x6969, "NFS_SUPER_MAGIC"},
    {0x63677270, "CGROUP2_SUPER_MAGIC"},
    {0x27e0eb, "CGROUP_SUPER_MAGIC"},
    {0x1cd1, "DEVPTS_SUPER_MAGIC"},
    {0x4d44, "MSDOS_SUPER_MAGIC"},
    {0x5346544e, "NTFS_SB_MAGIC"},
    {0x65735546, "FUSE_SUPER_MAGIC"},
    {0x01021997, "V9FS_MAGIC"},
    {0xf2f52010, "F2FS_SUPER_MAGIC"},
    {0x858458f6, "RAMFS_MAGIC"},
    {0x73717368, "SQUASHFS_MAGIC"},
    {0x9660, "ISOFS_SUPER_MAGIC"},
    {0x2fc12fc1, "ZFS_SUPER_MAGIC"},
    {0x64626720, "DEBUGFS_MAGIC"},
    {0x73636673, "SECURITYFS_MAGIC"},
    {0xcafe4a11, "BPF_FS_MAGIC"},
    {0x74726163, "TRACEFS_MAGIC"},
    {0x42494e4d, "BINFMTFS_MAGIC"},
    {0x19800202, "MQUEUE_MAGIC"},
    {0x50495045, "PIPEFS_MAGIC"},
    {0x534f434b, "SOCKFS_MAGIC"},
    {0x958458f6, "HUGETLBFS_MAGIC"},
    {0xfe534d42, "SMB2_SUPER_MAGIC"},
};
constexpr Xlat kStatfsFlags[] = {
    {1, "ST_RDONLY"},        {2, "ST_NOSUID"},      {4, "ST_NODEV"},          {8, "ST_NOEXEC"},
    {16, "ST_SYNCHRONOUS"},  {32, "ST_VALID"},      {64, "ST_MANDLOCK"},      {1024, "ST_NOATIME"},
    {2048, "ST_NODIRATIME"}, {4096, "ST_RELATIME"}, {8192, "ST_NOSYMFOLLOW"},
};

// si_code names: those of every signal, then the signal's own.
constexpr Xlat kSiCodes[] = {
    {0, "SI_USER"},
    {0x80, "SI_KERNEL"},
    {static_cast<std::uint64_t>(-1), "SI_QUEUE"},
    {static_cast<std::uint64_t>(-2), "SI_TIMER"},
    {static_cast<std::uint64_t>(-3), "SI_MESGQ"},
    {static_cast<std::uint64_t>(-4), "SI_ASYNCIO"},
    {static_cast<std::uint64_t>(-5), "SI_SIGIO"},
    {static_cast<std::uint64_t>(-6), "SI_TKILL"},
    {static_cast<std::uint64_t>(-7), "SI_DETHREAD"},
    {static_cast<std::uint64_t>(-60), "SI_ASYNCNL"},
};
constexpr Xlat kChldCodes[] = {{1, "CLD_EXITED"},  {2, "CLD_KILLED"},  {3, "CLD_DUMPED"},
                               {4, "CLD_TRAPPED"}, {5, "CLD_STOPPED"}, {6, "CLD_CONTINUED"}};
constexpr Xlat kSegvCodes[] = {{1, "SEGV_MAPERR"},  {2, "SEGV_ACCERR"},  {3, "SEGV_BNDERR"},
                               {4, "SEGV_PKUERR"},  {5, "SEGV_ACCADI"},  {6, "SEGV_ADIDERR"},
                               {7, "SEGV_ADIPERR"}, {8, "SEGV_MTEAERR"}, {9, "SEGV_MTESERR"},
                               {10, "SEGV_CPERR"}};
constexpr Xlat kBusCodes[] = {{1, "BUS_ADRALN"},
                              {2, "BUS_ADRERR"},
                              {3, "BUS_OBJERR"},
                              {4, "BUS_MCEERR_AR"},
                              {5, "BUS_MCEERR_AO"}};
constexpr Xlat kIllCodes[] = {{1, "ILL_ILLOPC"}, {2, "ILL_ILLOPN"}, {3, "ILL_ILLADR"},
                              {4, "ILL_ILLTRP"}, {5, "ILL_PRVOPC"}, {6, "ILL_PRVREG"},
                              {7, "ILL_COPROC"}, {8, "ILL_BADSTK"}, {9, "ILL_BADIADDR"}};
constexpr Xlat kFpeCodes[] = {{1, "FPE_INTDIV"},   {2, "FPE_INTOVF"}, {3, "FPE_FLTDIV"},
                              {4, "FPE_FLTOVF"},   {5, "FPE_FLTUND"}, {6, "FPE_FLTRES"},
                              {7, "FPE_FLTINV"},   {8, "FPE_FLTSUB"}, {14, "FPE_FLTUNK"},
                              {15, "FPE_CONDTRAP"}};
constexpr Xlat kTrapCodes[] = {{1, "TRAP_BRKPT"},  {2, "TRAP_TRACE"}, {3, "TRAP_BRANCH"},
                               {4, "TRAP_HWBKPT"}, {5, "TRAP_UNK"},   {6, "TRAP_PERF"}};
constexpr Xlat kPollCodes[] = {{1, "POLL_IN"},  {2, "POLL_OUT"}, {3, "POLL_MSG"},
                               {4, "POLL_ERR"}, {5, "POLL_PRI"}, {6, "POLL_HUP"}};
constexpr Xlat kSysCodes[] = {{1, "SYS_SECCOMP"}, {2, "SYS_USER_DISPATCH"}};
constexpr Xlat kAuditArch[] = {{0xc000003e, "AUDIT_ARCH_X86_64"},
                               {0x40000003, "AUDIT_ARCH_I386"},
                               {0xc00000b7, "AUDIT_ARCH_AARCH64"}};

// ---------------------------------------------------------------------------------------------
// 3. Fetcher: the reads of one call, executed in rounds (one Memory::run() each)
// ---------------------------------------------------------------------------------------------

// The size of the signal set argument `i` points to: the count argument after it, else 8.
std::size_t sigset_bytes(const SyscallInfo* info, const CallView& call, int i) {
  for (int k = i + 1; k < info->nargs; ++k) {
    if (info->args[k] == ArgKind::count) return call.args[k];
  }
  return 8;
}

class Fetcher {
 public:
  static constexpr std::size_t kArena = 16 * 1024;
  static constexpr int kMaxSlots = 112;  // below Batch::kCapacity

  // Each returns a slot id, or -1 when the arena or the slots are full (the argument then prints
  // as an address, or cut).
  int read(std::uint64_t addr, std::size_t len) { return add(Kind::read, addr, len); }
  int read_string(std::uint64_t addr, std::size_t capacity) {
    return add(Kind::string, addr, capacity);
  }
  int get_regs() { return add(Kind::regs, 0, sizeof(Registers)); }
  // Reads again into the same arena space (a chunked scan: getdents64).
  void reread(int slot, std::uint64_t addr, std::size_t len) {
    Slot& s = slots_[slot];
    s.addr = addr;
    if (len < s.capacity) s.len = len;
    s.state = State::pending;
    if (slot < first_pending_) first_pending_ = slot;
  }

  bool ok(int slot) const { return slot >= 0 && slots_[slot].state == State::ok; }
  const char* data(int slot) const { return arena_ + slots_[slot].offset; }
  // Bytes moved; for strings without the NUL.
  std::size_t length(int slot) const { return slots_[slot].done; }
  // read_string: no NUL within the capacity.
  bool truncated(int slot) const { return slots_[slot].truncated; }
  std::size_t arena_left() const { return kArena - used_; }

  bool pending() const { return first_pending_ < count_; }

  // Executes every pending read. A failing read stops a batch (core/memory.h); the reads after
  // it are independent here, so they go again in a new batch: a bad pointer costs one more
  // crossing, not the other arguments.
  void run(Memory& mem) {
    if (gone_) {
      for (int i = first_pending_; i < count_; ++i) slots_[i].state = State::failed;
      first_pending_ = count_;
      return;
    }
    while (first_pending_ < count_) {
      Batch batch;
      int map[kMaxSlots];
      int n = 0;
      for (int i = first_pending_; i < count_; ++i) {
        Slot& s = slots_[i];
        if (s.state != State::pending) continue;
        char* into = arena_ + s.offset;
        if (s.kind == Kind::read) {
          batch.read(RemotePtr<void>(s.addr), into, s.len);
        } else if (s.kind == Kind::string) {
          batch.read_string(RemotePtr<char>(s.addr), into, s.len);
        } else {
          batch.get_regs(reinterpret_cast<Registers*>(into));
        }
        map[n++] = i;
      }
      first_pending_ = count_;
      if (n == 0) return;
      const bool all = static_cast<bool>(mem.run(batch));
      const std::size_t failed = all ? Batch::npos : batch.failed_index();
      for (int k = 0; k < n; ++k) {
        Slot& s = slots_[map[k]];
        const MemOp& op = batch[static_cast<std::size_t>(k)];
        if (failed != Batch::npos && static_cast<std::size_t>(k) > failed) {
          if (first_pending_ == count_) first_pending_ = map[k];  // again, next batch
          continue;
        }
        if (static_cast<std::size_t>(k) == failed || !op.executed) {
          s.state = State::failed;
          s.done = op.done;
          continue;
        }
        s.state = State::ok;
        s.truncated = op.truncated;
        s.done = s.kind == Kind::string && !op.truncated && op.done ? op.done - 1 : op.done;
      }
      if (failed != Batch::npos && batch[failed].gone) {
        gone_ = true;  // the tracee died: nothing more can be read
        run(mem);
        return;
      }
    }
  }

 private:
  enum class Kind : std::uint8_t { read, string, regs };
  enum class State : std::uint8_t { pending, ok, failed };
  struct Slot {
    Kind kind;
    State state;
    bool truncated;
    std::uint64_t addr;
    std::size_t offset, len, capacity, done;
  };

  int add(Kind kind, std::uint64_t addr, std::size_t len) {
    const std::size_t aligned = (used_ + 15) & ~std::size_t{15};
    if (count_ == kMaxSlots || aligned > kArena || len > kArena - aligned) return -1;
    Slot& s = slots_[count_];
    s.kind = kind;
    s.state = State::pending;
    s.truncated = false;
    s.addr = addr;
    s.offset = aligned;
    s.len = s.capacity = len;
    s.done = 0;
    used_ = aligned + len;
    return count_++;
  }

  Slot slots_[kMaxSlots];
  int count_ = 0;
  int first_pending_ = 0;
  bool gone_ = false;
  std::size_t used_ = 0;
  alignas(16) char arena_[kArena];
};

// ---------------------------------------------------------------------------------------------
// 4. Decoder
// ---------------------------------------------------------------------------------------------

constexpr int kMaxItems = 64;  // array elements shown (argv, iovec) even with a large -s
constexpr int kMaxRounds = 8;  // envp over many pages, a large getdents64 result
constexpr std::size_t kDirentChunk = 8192;
constexpr std::size_t kMaxData = 4096;      // bytes of one string or buffer read, whatever -s says
constexpr std::uint64_t kMaxPollfds = 256;  // pollfd entries read (arguments and revents)

// What one argument read and still has to read.
struct ArgState {
  int slot = -1;   // the argument's main read
  int slot2 = -1;  // a second read (the sockaddr behind a socklen_t*, clone3's parent_tid)
  // Arrays: argv/envp pointer blocks, iovecs, dirents.
  int block = -1;               // the block read in the last round
  std::uint64_t next = 0;       // where the next block starts
  std::uint32_t count = 0;      // elements (or entries) known so far
  bool ended = false;           // terminator seen / everything read
  bool failed = false;          // the first read failed: print the address
  bool more = false;            // elements beyond what is shown
  std::uint64_t dent_pos = 0;   // getdents64: offset of the next entry
  std::uint64_t fail_addr = 0;  // argv: the pointer that could not be read after some elements
  std::uint64_t items[kMaxItems];
  std::int16_t item_slots[kMaxItems];
};

class Decoder {
 public:
  Decoder(LineBuffer& out, const CallView& call, Memory& mem, const DecodeOptions& opt, bool entry)
      : out_(out), call_(call), mem_(mem), entry_(entry) {
    info_ = syscall_info(call.nr);
    exit_ok_ = !entry && call.has_result && !is_error(call.result);
    // At the exit of a successful execve the address space is the new program's: the
    // arguments' memory is gone (needs_entry_decoding() says to decode them at the entry).
    memory_ok_ = !(exit_ok_ && (call.nr == SYS_execve || call.nr == SYS_execveat));
    limit_ = opt.string_limit;
  }

  void run() {
    if (!info_) {
      print_unknown();
      return;
    }
    out_.append(info_->name);
    out_.append('(');
    plan_and_fetch();
    print_args();
  }

 private:
  std::uint64_t arg(int i) const { return call_.args[i]; }
  ArgKind kind(int i) const { return info_->args[i]; }
  long nr() const { return call_.nr; }

  void print_unknown() {
    // strace: syscall_0x1ff(0x1, ...), all six arguments in hex.
    out_.append("syscall_");
    out_.append_hex(static_cast<std::uint64_t>(call_.nr));
    out_.append('(');
    for (int i = 0; i < 6; ++i) {
      if (i) out_.append(", ");
      out_.append_hex(arg(i));
    }
  }

  // ---- planning: what to read, round by round --------------------------------------------

  void plan_and_fetch() {
    for (int round = 0; round < kMaxRounds; ++round) {
      for (int i = 0; i < info_->nargs; ++i) plan(i, round);
      if (nr() == SYS_rt_sigreturn) plan_sigreturn(round);
      if (!fetch_.pending()) break;
      fetch_.run(mem_);
    }
  }

  // Is an output argument decodable? (strace: written by the call, so only after a success.)
  bool out_ok() const { return exit_ok_; }

  std::size_t sigset_size(int i) const { return sigset_bytes(info_, call_, i); }

  void plan(int i, int round) {
    ArgState& st = state_[i];
    const std::uint64_t v = arg(i);
    if (!memory_ok_) return;
    switch (kind(i)) {
      case ArgKind::path:
        if (round == 0 && v) st.slot = fetch_.read_string(v, kPathMax);
        break;
      case ArgKind::str:
        if (round == 0 && v) st.slot = fetch_.read_string(v, read_cap());
        break;
      case ArgKind::path_out:
        if (round == 0 && v && out_ok()) st.slot = fetch_.read_string(v, kPathMax);
        break;
      case ArgKind::buf_in:
        if (round == 0 && v && i + 1 < 6 && arg(i + 1)) {
          st.slot = fetch_.read(v, min_size(arg(i + 1), buf_cap()));
        }
        break;
      case ArgKind::buf_out:
      case ArgKind::random_out:
        if (round == 0 && v && out_ok() && call_.result > 0) {
          st.slot = fetch_.read(v, min_size(static_cast<std::size_t>(call_.result), buf_cap()));
        }
        break;
      case ArgKind::iov_in:
      case ArgKind::iov_out:
        plan_iov(i, round);
        break;
      case ArgKind::argv:
      case ArgKind::envp:
        plan_pointer_array(i, round);
        break;
      case ArgKind::sigset_in:
        if (round == 0 && v && sigset_size(i) == 8) st.slot = fetch_.read(v, 8);
        break;
      case ArgKind::sigset_out:
        if (round == 0 && v && out_ok() && sigset_size(i) == 8) st.slot = fetch_.read(v, 8);
        break;
      case ArgKind::sigaction_in:
        if (round == 0 && v) st.slot = fetch_.read(v, sizeof(KernelSigaction));
        break;
      case ArgKind::sigaction_out:
        if (round == 0 && v && out_ok()) st.slot = fetch_.read(v, sizeof(KernelSigaction));
        break;
      case ArgKind::stat_out:
        if (round == 0 && v && out_ok()) st.slot = fetch_.read(v, sizeof(KernelStat));
        break;
      case ArgKind::statx_out:
        if (round == 0 && v && out_ok()) st.slot = fetch_.read(v, sizeof(KernelStatx));
        break;
      case ArgKind::statfs_out:
        if (round == 0 && v && out_ok()) st.slot = fetch_.read(v, sizeof(KernelStatfs));
        break;
      case ArgKind::timespec_in:
        if (round == 0 && v) st.slot = fetch_.read(v, sizeof(KernelTimespec));
        break;
      case ArgKind::timespec_out:
        if (round == 0 && v && timespec_out_decoded()) {
          st.slot = fetch_.read(v, sizeof(KernelTimespec));
        }
        break;
      case ArgKind::timeval_out:
        if (round == 0 && v && out_ok()) st.slot = fetch_.read(v, sizeof(KernelTimeval));
        break;
      case ArgKind::itimerval_in:
        if (round == 0 && v) st.slot = fetch_.read(v, 2 * sizeof(KernelTimeval));
        break;
      case ArgKind::itimerval_out:
        if (round == 0 && v && out_ok()) st.slot = fetch_.read(v, 2 * sizeof(KernelTimeval));
        break;
      case ArgKind::utimes_in:
        if (round == 0 && v) st.slot = fetch_.read(v, 2 * sizeof(KernelTimespec));
        break;
      case ArgKind::wstatus_out:
        if (round == 0 && v && out_ok() && call_.result > 0) st.slot = fetch_.read(v, 4);
        break;
      case ArgKind::rusage_out:
        if (round == 0 && v && out_ok() && (nr() != SYS_wait4 || call_.result > 0)) {
          st.slot = fetch_.read(v, sizeof(KernelRusage));
        }
        break;
      case ArgKind::pipefd_out:
        if (round == 0 && v && out_ok()) st.slot = fetch_.read(v, 8);
        break;
      case ArgKind::int_out:
        if (round == 0 && v && out_ok()) st.slot = fetch_.read(v, 4);
        break;
      case ArgKind::rlimit_in:
        if (round == 0 && v) st.slot = fetch_.read(v, 16);
        break;
      case ArgKind::rlimit_out:
        if (round == 0 && v && out_ok()) st.slot = fetch_.read(v, 16);
        break;
      case ArgKind::uname_out:
        if (round == 0 && v && out_ok()) st.slot = fetch_.read(v, sizeof(KernelUtsname));
        break;
      case ArgKind::sysinfo_out:
        if (round == 0 && v && out_ok()) st.slot = fetch_.read(v, sizeof(KernelSysinfo));
        break;
      case ArgKind::sockaddr_in:
        if (round == 0 && v && i + 1 < 6) {
          const std::size_t len = static_cast<std::uint32_t>(arg(i + 1));
          if (len >= 2 && len <= 128) st.slot = fetch_.read(v, len);
        }
        break;
      case ArgKind::socklen_ptr:
        if (round == 0 && v) st.slot = fetch_.read(v, 4);
        break;
      case ArgKind::sockaddr_out:
        // The length is behind the socklen_t* that follows: a second round.
        if (round == 1 && v && out_ok() && i + 1 < 6 && fetch_.ok(state_[i + 1].slot)) {
          const std::uint32_t len = load<std::uint32_t>(fetch_.data(state_[i + 1].slot));
          if (len >= 2) st.slot = fetch_.read(v, len < 128 ? len : 128);
        }
        break;
      case ArgKind::open_how:
        if (round == 0 && v && i + 1 < 6 && arg(i + 1) >= sizeof(KernelOpenHow)) {
          st.slot = fetch_.read(v, sizeof(KernelOpenHow));
        }
        break;
      case ArgKind::clone3_args:
        plan_clone3(i, round);
        break;
      case ArgKind::siginfo_in:
        if (round == 0 && v) st.slot = fetch_.read(v, sizeof(siginfo_t));
        break;
      case ArgKind::dirents_out:
        plan_dirents(i, round);
        break;
      case ArgKind::pollfds:
        // In and out: the events at the entry, the revents (after the result) at the exit.
        if (round == 0 && v && arg(i + 1)) {
          const std::uint64_t n = arg(i + 1) < kMaxPollfds ? arg(i + 1) : kMaxPollfds;
          st.slot = fetch_.read(v, n * 8);
        }
        break;
      case ArgKind::groups_in:
        if (round == 0 && v && i > 0 && arg(i - 1)) {
          st.slot = fetch_.read(v, min_size(arg(i - 1), shown_items() + 1) * 4);
        }
        break;
      case ArgKind::groups_out:
        if (round == 0 && v && out_ok() && group_count(i)) {
          st.slot = fetch_.read(v, min_size(group_count(i), shown_items() + 1) * 4);
        }
        break;
      case ArgKind::sockopt_val_in:
        if (round == 0 && v && i + 1 < 6 && static_cast<std::uint32_t>(arg(i + 1))) {
          st.slot = fetch_.read(v, min_size(static_cast<std::uint32_t>(arg(i + 1)), buf_cap()));
        }
        break;
      case ArgKind::sockopt_val_out:
        // The length is behind the socklen_t* that follows: a second round.
        if (round == 1 && v && out_ok() && i + 1 < 6 && fetch_.ok(state_[i + 1].slot)) {
          const std::uint32_t len = load<std::uint32_t>(fetch_.data(state_[i + 1].slot));
          if (len) st.slot = fetch_.read(v, min_size(len, buf_cap()));
        }
        break;
      case ArgKind::fcntl_arg:
        plan_fcntl(i, round);
        break;
      case ArgKind::ioctl_arg:
        plan_ioctl(i, round);
        break;
      case ArgKind::arch_prctl_arg:
        if (round == 0 && v && out_ok() && (arg(0) == kArchGetFs || arg(0) == kArchGetGs)) {
          st.slot = fetch_.read(v, 8);
        }
        break;
      case ArgKind::prctl_arg:
        if (round == 0 && i == 1 && v) {
          if (arg(0) == kPrSetName) st.slot = fetch_.read_string(v, 16);
          if (arg(0) == kPrGetName && out_ok()) st.slot = fetch_.read_string(v, 16);
          if (arg(0) == kPrGetPdeathsig && out_ok()) st.slot = fetch_.read(v, 4);
        }
        break;
      case ArgKind::futex_arg:
        if (round == 0 && i == 3 && v && futex_has_timeout()) {
          st.slot = fetch_.read(v, sizeof(KernelTimespec));
        }
        break;
      default:
        if (round == 0 && nr() == SYS_clone && i == 2 && v && out_ok() &&
            (arg(0) & kCloneParentSettid)) {
          st.slot = fetch_.read(v, 4);  // parent_tid=[1234]
        }
        break;
    }
  }

  // nanosleep/clock_nanosleep write the remaining time only when interrupted.
  bool timespec_out_decoded() const {
    if (nr() == SYS_nanosleep || nr() == SYS_clock_nanosleep) {
      if (!call_.has_result || !is_error(call_.result)) return false;
      const int e = static_cast<int>(-call_.result);
      return e == EINTR || is_restart_errno(e);
    }
    return out_ok();
  }

  // argv (strings shown, at most `limit` of them) and envp (counted): the pointer array is read
  // up to the end of its page at a time (a page boundary is the only place it can stop being
  // readable), then the strings it points to.
  void plan_pointer_array(int i, int round) {
    ArgState& st = state_[i];
    const bool strings = kind(i) == ArgKind::argv;
    if (round == 0) {
      if (!arg(i)) return;
      st.next = arg(i);
    } else if (st.block >= 0) {
      const int b = st.block;
      st.block = -1;
      if (!fetch_.ok(b)) {
        if (st.count == 0) st.failed = true;
        st.ended = true;  // strace: `... /* 0xaddr */` after the readable part
        st.more = st.count > 0;
        st.fail_addr = st.next;
      } else {
        const char* p = fetch_.data(b);
        const std::size_t words = fetch_.length(b) / 8;
        for (std::size_t w = 0; w < words; ++w) {
          const std::uint64_t ptr = load<std::uint64_t>(p + w * 8);
          if (ptr == 0) {
            st.ended = true;
            break;
          }
          if (strings) {
            if (st.count == static_cast<std::uint32_t>(shown_items())) {
              st.more = true;
              st.ended = true;
              break;
            }
            st.items[st.count] = ptr;
            st.item_slots[st.count] = static_cast<std::int16_t>(
                fetch_.read_string(ptr, item_cap(shown_items() - st.count)));
          }
          ++st.count;
        }
        st.next += words * 8;
      }
    }
    if (st.ended || st.failed) return;
    // The next block: to the end of the page, at most what is still to be shown.
    std::size_t bytes = kPageSize - (st.next & (kPageSize - 1));
    if (strings) {
      const std::size_t want = (shown_items() + 1 - st.count) * 8;
      if (bytes > want) bytes = want;
    }
    st.block = fetch_.read(st.next, bytes);
    if (st.block < 0) {
      st.ended = true;
      st.more = true;
    }
  }

  // getgroups writes min(size, result) groups.
  std::uint64_t group_count(int i) const {
    const std::uint64_t size = static_cast<std::uint32_t>(arg(i - 1));
    const std::uint64_t r = static_cast<std::uint64_t>(call_.result);
    return size < r ? size : r;
  }

  // Bytes to read for a NUL-terminated string cut at -s: limit+1 (no NUL in them: there is
  // more), but at most kMaxData+1, so that a large -s cannot exhaust the arena.
  std::size_t read_cap() const { return buf_cap() + 1; }
  // The same for a buffer of known length: no extra byte needed.
  std::size_t buf_cap() const { return limit_ < kMaxData ? limit_ : kMaxData; }
  // The same for one of `left` elements of an array (argv, iovec): a share of what is left of
  // the arena, so that every shown element gets its text (a long one is cut with `...`).
  std::size_t item_cap(std::size_t left) const {
    const std::size_t share = fetch_.arena_left() / (left ? left : 1);
    const std::size_t cap = read_cap();
    return cap < share ? cap : (share > 16 ? share - 16 : 1);  // 16: the slot's alignment
  }

  int shown_items() const {
    return limit_ < static_cast<std::size_t>(kMaxItems) ? static_cast<int>(limit_) : kMaxItems;
  }

  // iovec arrays: the array, then each buffer. writev shows each buffer up to -s; readv shows
  // the bytes the call filled (the result), buffer by buffer.
  void plan_iov(int i, int round) {
    ArgState& st = state_[i];
    const bool out = kind(i) == ArgKind::iov_out;
    if (!arg(i) || (out && !out_ok())) return;
    const std::uint64_t count = arg(i + 1);
    if (round == 0) {
      const std::uint64_t n = count < static_cast<std::uint64_t>(shown_items() + 1)
                                  ? count
                                  : static_cast<std::uint64_t>(shown_items() + 1);
      if (n == 0 || count > 1024) return;  // strace prints the address beyond UIO_MAXIOV
      st.slot = fetch_.read(arg(i), n * sizeof(KernelIovec));
      return;
    }
    if (round != 1 || !fetch_.ok(st.slot)) return;
    const char* p = fetch_.data(st.slot);
    const std::size_t n = fetch_.length(st.slot) / sizeof(KernelIovec);
    std::uint64_t left = out ? static_cast<std::uint64_t>(call_.result) : ~std::uint64_t{0};
    for (std::size_t k = 0; k < n && k < static_cast<std::size_t>(shown_items()); ++k) {
      const auto iov = load<KernelIovec>(p + k * sizeof(KernelIovec));
      std::uint64_t len = iov.len < left ? iov.len : left;
      if (out) left -= len;
      st.items[k] = len;
      st.item_slots[k] = -1;
      if (iov.base && len) {
        st.item_slots[k] =
            static_cast<std::int16_t>(fetch_.read(iov.base, min_size(len, item_cap(n - k))));
      }
      st.count = static_cast<std::uint32_t>(k + 1);
    }
  }

  void plan_clone3(int i, int round) {
    ArgState& st = state_[i];
    const std::uint64_t size = arg(i + 1);
    if (round == 0) {
      if (arg(i) && size >= kCloneArgsMinSize) {
        st.slot = fetch_.read(arg(i), min_size(size, sizeof(KernelCloneArgs)));
      }
      return;
    }
    if (round != 1 || !out_ok() || !fetch_.ok(st.slot)) return;
    KernelCloneArgs ca{};
    __builtin_memcpy(&ca, fetch_.data(st.slot), fetch_.length(st.slot));
    if ((ca.flags & kClonePidfd) && ca.pidfd) st.slot2 = fetch_.read(ca.pidfd, 4);
    if ((ca.flags & kCloneParentSettid) && ca.parent_tid) st.block = fetch_.read(ca.parent_tid, 4);
  }

  // getdents64: strace prints the number of entries, which means walking the whole result.
  // It is read in chunks of kDirentChunk, one per round, into the same space.
  void plan_dirents(int i, int round) {
    ArgState& st = state_[i];
    if (!arg(i) || !out_ok() || call_.result < 0) return;
    const std::uint64_t total = static_cast<std::uint64_t>(call_.result);
    if (total == 0) {  // end of directory: `/* 0 entries */`
      st.ended = true;
      return;
    }
    if (round == 0) {
      st.slot = fetch_.read(arg(i), min_size(total, kDirentChunk));
      st.next = 0;  // offset of the chunk
      return;
    }
    if (st.ended || !fetch_.ok(st.slot)) {
      if (!fetch_.ok(st.slot)) st.failed = true;
      st.ended = true;
      return;
    }
    const char* p = fetch_.data(st.slot);
    const std::uint64_t chunk_end = st.next + fetch_.length(st.slot);
    while (st.dent_pos + 19 <= chunk_end && st.dent_pos < total) {
      const auto reclen = load<std::uint16_t>(p + (st.dent_pos - st.next) + 16);
      if (reclen == 0) {
        st.dent_pos = total;
        break;
      }
      ++st.count;
      st.dent_pos += reclen;
    }
    if (st.dent_pos >= total || round + 1 >= kMaxRounds) {
      st.ended = true;
      return;
    }
    st.next = st.dent_pos;
    fetch_.reread(st.slot, arg(i) + st.next, min_size(total - st.next, kDirentChunk));
  }

  void plan_fcntl(int i, int round) {
    ArgState& st = state_[i];
    if (round != 0 || !arg(i)) return;
    const int cmd = static_cast<int>(arg(1));
    if (cmd == kFSetlk || cmd == kFSetlkw || cmd == kFOfdSetlk || cmd == kFOfdSetlkw) {
      st.slot = fetch_.read(arg(i), sizeof(KernelFlock));
    } else if ((cmd == kFGetlk || cmd == kFOfdGetlk) && out_ok()) {
      st.slot = fetch_.read(arg(i), sizeof(KernelFlock));
    }
  }

  void plan_ioctl(int i, int round) {
    ArgState& st = state_[i];
    const std::uint64_t v = arg(i);
    if (round != 0 || !v) return;
    switch (static_cast<std::uint32_t>(arg(1))) {
      case kTcgets:
        if (out_ok()) st.slot = fetch_.read(v, sizeof(KernelTermios));
        break;
      case kTcsets:
      case kTcsetsw:
      case kTcsetsf:
        st.slot = fetch_.read(v, sizeof(KernelTermios));
        break;
      case kTiocgwinsz:
        if (out_ok()) st.slot = fetch_.read(v, sizeof(KernelWinsize));
        break;
      case kTiocswinsz:
        st.slot = fetch_.read(v, sizeof(KernelWinsize));
        break;
      case kFionread:
      case kTiocoutq:
      case kTiocgpgrp:
      case kTiocgsid:
      case kTiocgptn:
        if (out_ok()) st.slot = fetch_.read(v, 4);
        break;
      case kTiocspgrp:
      case kFionbio:
      case kFioasync:
      case kTiocsptlck:
        st.slot = fetch_.read(v, 4);
        break;
      default:
        break;
    }
  }

  // rt_sigreturn restores the mask saved in the signal frame; the frame is found from the stack
  // pointer, so: the registers, then the frame.
  void plan_sigreturn(int round) {
    if (!entry_ && call_.has_result) return;  // at the exit the stack pointer has moved
    if (round == 0) {
      sigreturn_regs_ = fetch_.get_regs();
    } else if (round == 1 && fetch_.ok(sigreturn_regs_)) {
      Registers regs;
      __builtin_memcpy(&regs, fetch_.data(sigreturn_regs_), sizeof(regs));
      sigreturn_mask_ = fetch_.read(regs.sp() + kSigreturnMaskOffset, 8);
    }
  }

  bool futex_has_timeout() const {
    const int cmd = static_cast<int>(arg(1)) & 127;
    return cmd == 0 || cmd == 6 || cmd == 9 || cmd == 11 ||
           cmd == 13;  // WAIT, LOCK_PI(2),
                       // WAIT_BITSET, WAIT_REQUEUE_PI
  }

  // ---- printing -----------------------------------------------------------------------------

  void print_args() {
    if (nr() == SYS_clone) {
      print_clone();
      return;
    }
    if (nr() == SYS_rt_sigreturn) {
      if (fetch_.ok(sigreturn_mask_)) {
        out_.append("{mask=");
        print_sigset(out_, load<std::uint64_t>(fetch_.data(sigreturn_mask_)));
        out_.append('}');
      }
      return;
    }
    bool first = true;
    for (int i = 0; i < info_->nargs; ++i) {
      const std::size_t mark = out_.size();
      if (!first) out_.append(", ");
      if (print_arg(i)) {
        first = false;
      } else {
        out_.shrink_to(mark);  // an argument this call does not show (fcntl F_GETFD...)
      }
    }
  }

  // A pointer argument whose data could not be (or must not be) read: its address.
  void addr(int i) { print_addr(out_, arg(i)); }

  void print_path_slot(int slot, std::uint64_t v) {
    if (!v) {
      out_.append("NULL");
    } else if (!fetch_.ok(slot)) {
      out_.append_hex(v);
    } else {
      out_.append_quoted(fetch_.data(slot), fetch_.length(slot), fetch_.truncated(slot));
    }
  }

  // A NUL-terminated string cut at -s: the slot holds up to limit+1 bytes.
  void print_str_slot(int slot, std::uint64_t v) {
    if (!v) {
      out_.append("NULL");
    } else if (!fetch_.ok(slot)) {
      out_.append_hex(v);
    } else {
      const std::size_t n = fetch_.length(slot);
      const bool cut = fetch_.truncated(slot) || n > limit_;
      out_.append_quoted(fetch_.data(slot), min_size(n, limit_), cut);
    }
  }

  // `total` bytes of which the slot holds the first min(total, limit+1).
  void print_buf_slot(int slot, std::uint64_t v, std::uint64_t total, bool hex = false) {
    if (!v) {
      out_.append("NULL");
      return;
    }
    if (total == 0) {
      out_.append("\"\"");
      return;
    }
    if (!fetch_.ok(slot)) {
      out_.append_hex(v);
      return;
    }
    // What was read may be less than -s asks for (kMaxData, an arena share): then it is cut.
    const std::size_t shown = min_size(min_size(total, limit_), fetch_.length(slot));
    if (hex) {
      out_.append_hex_quoted(fetch_.data(slot), shown, total > shown);
    } else {
      out_.append_quoted(fetch_.data(slot), shown, total > shown);
    }
  }

  bool print_arg(int i) {
    ArgState& st = state_[i];
    const std::uint64_t v = arg(i);
    switch (kind(i)) {
      case ArgKind::none:
        return false;
      case ArgKind::sdec:
        out_.append_dec(static_cast<std::int64_t>(v));
        return true;
      case ArgKind::udec:
      case ArgKind::count:
        out_.append_dec(v);
        return true;
      case ArgKind::sint:
      case ArgKind::fd:
        out_.append_dec(static_cast<std::int32_t>(v));
        return true;
      case ArgKind::uint:
        out_.append_dec(static_cast<std::uint32_t>(v));
        return true;
      case ArgKind::id:
        if (static_cast<std::uint32_t>(v) == 0xffffffffu) {
          out_.append("-1");
        } else {
          out_.append_dec(static_cast<std::uint32_t>(v));
        }
        return true;
      case ArgKind::hex:
        out_.append_hex(v);
        return true;
      case ArgKind::ptr:
        addr(i);
        return true;
      case ArgKind::dirfd:
        if (static_cast<std::int32_t>(v) == -100) {
          out_.append("AT_FDCWD");
        } else {
          out_.append_dec(static_cast<std::int32_t>(v));
        }
        return true;
      case ArgKind::path:
        print_path_slot(st.slot, v);
        return true;
      case ArgKind::path_out:
        if (!out_ok()) {
          addr(i);
        } else {
          print_path_slot(st.slot, v);
        }
        return true;
      case ArgKind::str:
        print_str_slot(st.slot, v);
        return true;
      case ArgKind::buf_in:
        print_buf_slot(st.slot, v, i + 1 < 6 ? arg(i + 1) : 0);
        return true;
      case ArgKind::buf_out:
      case ArgKind::random_out:
        if (!out_ok()) {
          addr(i);
        } else {
          print_buf_slot(st.slot, v,
                         call_.result > 0 ? static_cast<std::uint64_t>(call_.result) : 0,
                         kind(i) == ArgKind::random_out);
        }
        return true;
      case ArgKind::iov_in:
      case ArgKind::iov_out:
        print_iov(i);
        return true;
      case ArgKind::argv:
        print_argv(i);
        return true;
      case ArgKind::envp:
        print_envp(i);
        return true;
      case ArgKind::open_flags:
        print_open_flags(out_, v);
        return true;
      case ArgKind::o_flags:
        print_o_flags(v);
        return true;
      case ArgKind::mode:
        // open/openat/mq_open: the mode is there only with O_CREAT or O_TMPFILE.
        if (i > 0 && kind(i - 1) == ArgKind::open_flags &&
            !(arg(i - 1) & (kOCreat | kOTmpfileBit))) {
          return false;
        }
        out_.append_oct(v & 0xffff);
        return true;
      case ArgKind::sym_mode:
        print_symbolic_mode(out_, static_cast<std::uint32_t>(v));
        return true;
      case ArgKind::dev:
        // mknod: a device number only for character and block devices.
        if (i > 0 && kind(i - 1) == ArgKind::sym_mode) {
          const std::uint64_t type = arg(i - 1) & 0170000;
          if (type != 0020000 && type != 0060000) return false;
        }
        print_dev(out_, v);
        return true;
      case ArgKind::at_flags:
        if (nr() == SYS_faccessat2) {
          print_flags(out_, tab(kFaccessatFlags), static_cast<std::uint32_t>(v), "AT_???");
        } else {
          print_flags(out_, tab(kAtFlags), static_cast<std::uint32_t>(v), "AT_???");
        }
        return true;
      case ArgKind::access_mode:
        print_flags(out_, tab(kAccessModes), static_cast<std::uint32_t>(v), "?_OK");
        return true;
      case ArgKind::prot:
        print_flags(out_, tab(kProt), v, "PROT_???");
        return true;
      case ArgKind::mmap_flags:
        print_mmap_flags(out_, v);
        return true;
      case ArgKind::clone_flags:
        print_flags(out_, tab(kCloneFlags), v, "CLONE_???");
        return true;
      case ArgKind::signal:
        print_signal(out_, static_cast<std::int32_t>(v));
        return true;
      case ArgKind::sigprocmask_how:
        print_xval(out_, tab(kSigprocmaskHow), v, "SIG_???");
        return true;
      case ArgKind::sigset_in:
      case ArgKind::sigset_out:
        if (fetch_.ok(st.slot)) {
          print_sigset(out_, load<std::uint64_t>(fetch_.data(st.slot)));
        } else {
          addr(i);
        }
        return true;
      case ArgKind::sigaction_in:
      case ArgKind::sigaction_out:
        print_sigaction(i);
        return true;
      case ArgKind::stat_out:
        print_stat(i);
        return true;
      case ArgKind::statx_out:
        print_statx(i);
        return true;
      case ArgKind::statfs_out:
        print_statfs(i);
        return true;
      case ArgKind::timespec_in:
      case ArgKind::timespec_out:
        if (fetch_.ok(st.slot)) {
          print_timespec(load<KernelTimespec>(fetch_.data(st.slot)));
        } else {
          addr(i);
        }
        return true;
      case ArgKind::timeval_out:
        if (fetch_.ok(st.slot)) {
          print_timeval(load<KernelTimeval>(fetch_.data(st.slot)));
        } else {
          addr(i);
        }
        return true;
      case ArgKind::utimes_in:
        print_utimes(i);
        return true;
      case ArgKind::itimer_which:
        print_xval(out_, tab(kItimers), static_cast<std::uint32_t>(v), "ITIMER_???");
        return true;
      case ArgKind::itimerval_in:
      case ArgKind::itimerval_out:
        if (fetch_.ok(st.slot)) {
          out_.append("{it_interval=");
          print_timeval(load<KernelTimeval>(fetch_.data(st.slot)));
          out_.append(", it_value=");
          print_timeval(load<KernelTimeval>(fetch_.data(st.slot) + sizeof(KernelTimeval)));
          out_.append('}');
        } else {
          addr(i);
        }
        return true;
      case ArgKind::fcntl_cmd:
        print_xval(out_, tab(kFcntlCmds), static_cast<std::uint32_t>(v), "F_???");
        return true;
      case ArgKind::fcntl_arg:
        return print_fcntl_arg(i);
      case ArgKind::ioctl_cmd:
        print_ioctl_cmd(static_cast<std::uint32_t>(v));
        return true;
      case ArgKind::ioctl_arg:
        return print_ioctl_arg(i);
      case ArgKind::whence:
        print_xval(out_, tab(kWhence), static_cast<std::uint32_t>(v), "SEEK_???");
        return true;
      case ArgKind::wait_options:
        print_flags(out_, tab(kWaitOptions), static_cast<std::uint32_t>(v), "W???");
        return true;
      case ArgKind::wstatus_out:
        if (fetch_.ok(st.slot)) {
          print_wait_status(load<std::int32_t>(fetch_.data(st.slot)));
        } else {
          addr(i);
        }
        return true;
      case ArgKind::rlimit_resource:
        print_xval(out_, tab(kRlimits), static_cast<std::uint32_t>(v), "RLIMIT_???");
        return true;
      case ArgKind::rlimit_in:
      case ArgKind::rlimit_out:
        print_rlimit(i);
        return true;
      case ArgKind::rusage_who:
        print_xval(
            out_, tab(kRusageWho),
            static_cast<std::uint64_t>(static_cast<std::int64_t>(static_cast<std::int32_t>(v))),
            "RUSAGE_???");
        return true;
      case ArgKind::rusage_out:
        print_rusage(i);
        return true;
      case ArgKind::socket_family:
        print_xval(out_, tab(kFamilies), static_cast<std::uint32_t>(v), "AF_???");
        return true;
      case ArgKind::socket_type:
        print_socket_type(v);
        return true;
      case ArgKind::sock_flags:
        print_flags(out_, tab(kSockFlags), static_cast<std::uint32_t>(v), "SOCK_???");
        return true;
      case ArgKind::socket_protocol:
        print_protocol(v);
        return true;
      case ArgKind::sockaddr_in:
      case ArgKind::sockaddr_out:
        if (fetch_.ok(st.slot)) {
          print_sockaddr(fetch_.data(st.slot), fetch_.length(st.slot));
        } else {
          addr(i);
        }
        return true;
      case ArgKind::socklen_ptr:
        if (fetch_.ok(st.slot)) {
          out_.append('[');
          out_.append_dec(load<std::uint32_t>(fetch_.data(st.slot)));
          out_.append(']');
        } else {
          addr(i);
        }
        return true;
      case ArgKind::msg_flags:
        print_flags(out_, tab(kMsgFlags), static_cast<std::uint32_t>(v), "MSG_???");
        return true;
      case ArgKind::shutdown_how:
        print_xval(out_, tab(kShutdownHow), static_cast<std::uint32_t>(v), "SHUT_???");
        return true;
      case ArgKind::pipefd_out:
        if (fetch_.ok(st.slot)) {
          out_.append('[');
          out_.append_dec(load<std::int32_t>(fetch_.data(st.slot)));
          out_.append(", ");
          out_.append_dec(load<std::int32_t>(fetch_.data(st.slot) + 4));
          out_.append(']');
        } else {
          addr(i);
        }
        return true;
      case ArgKind::int_out:
        print_int_slot(st.slot, v);
        return true;
      case ArgKind::futex_op:
        print_futex_op(static_cast<std::uint32_t>(v));
        return true;
      case ArgKind::futex_arg:
        return print_futex_arg(i);
      case ArgKind::arch_prctl_code:
        print_xval(out_, tab(kArchPrctl), static_cast<std::uint32_t>(v), "ARCH_???");
        return true;
      case ArgKind::arch_prctl_arg:
        if (fetch_.ok(st.slot)) {
          out_.append('[');
          out_.append_hex(load<std::uint64_t>(fetch_.data(st.slot)));
          out_.append(']');
        } else {
          addr(i);
        }
        return true;
      case ArgKind::prctl_option:
        print_xval(out_, tab(kPrctlOptions), static_cast<std::uint32_t>(v), "PR_???");
        return true;
      case ArgKind::prctl_arg:
        return print_prctl_arg(i);
      case ArgKind::clone3_args:
        print_clone3(i);
        return true;
      case ArgKind::dirents_out:
        addr(i);
        if (out_ok() && st.ended && !st.failed) {
          out_.append(" /* ");
          out_.append_dec(st.count);
          out_.append(st.count == 1 ? " entry */" : " entries */");
        }
        return true;
      case ArgKind::uname_out:
        if (fetch_.ok(st.slot)) {
          const char* p = fetch_.data(st.slot);
          out_.append("{sysname=");
          out_.append_quoted(p, cstr_len(p, 65), false);
          out_.append(", nodename=");
          out_.append_quoted(p + 65, cstr_len(p + 65, 65), false);
          out_.append(", ...}");
        } else {
          addr(i);
        }
        return true;
      case ArgKind::sysinfo_out:
        print_sysinfo(i);
        return true;
      case ArgKind::clockid:
        print_clockid(static_cast<std::int32_t>(v));
        return true;
      case ArgKind::timer_flags:
        print_flags(out_, tab(kTimerFlags), static_cast<std::uint32_t>(v), "TIMER_???");
        return true;
      case ArgKind::flock_op:
        print_flags(out_, tab(kFlockOps), static_cast<std::uint32_t>(v), "LOCK_???");
        return true;
      case ArgKind::madvise_advice:
        print_xval(out_, tab(kMadvise), static_cast<std::uint32_t>(v), "MADV_???");
        return true;
      case ArgKind::mremap_flags:
        print_flags(out_, tab(kMremapFlags), v, "MREMAP_???");
        return true;
      case ArgKind::msync_flags:
        print_flags(out_, tab(kMsyncFlags), v, "MS_???");
        return true;
      case ArgKind::memfd_flags:
        print_flags(out_, tab(kMemfdFlags), static_cast<std::uint32_t>(v), "MFD_???");
        return true;
      case ArgKind::rename_flags:
        print_flags(out_, tab(kRenameFlags), static_cast<std::uint32_t>(v), "RENAME_???");
        return true;
      case ArgKind::random_flags:
        print_flags(out_, tab(kRandomFlags), static_cast<std::uint32_t>(v), "GRND_???");
        return true;
      case ArgKind::statx_flags: {
        const std::uint32_t f = static_cast<std::uint32_t>(v);
        print_flags(out_, tab(kStatxSync), f & 0x6000, nullptr);
        if (f & ~0x6000u) {
          out_.append('|');
          print_flags(out_, tab(kAtFlags), f & ~0x6000u, nullptr);
        }
        return true;
      }
      case ArgKind::statx_mask:
        print_flags(out_, tab(kStatxMask), static_cast<std::uint32_t>(v), "STATX_???");
        return true;
      case ArgKind::open_how:
        print_open_how(i);
        return true;
      case ArgKind::siginfo_in:
        if (fetch_.ok(st.slot)) {
          siginfo_t si;
          __builtin_memcpy(&si, fetch_.data(st.slot), sizeof(si));
          print_siginfo(out_, si);
        } else {
          addr(i);
        }
        return true;
      case ArgKind::fadvise_advice:
        print_xval(out_, tab(kFadvise), static_cast<std::uint32_t>(v), "POSIX_FADV_???");
        return true;
      case ArgKind::groups_in:
        print_groups(i, i > 0 ? arg(i - 1) : 0);
        return true;
      case ArgKind::groups_out:
        if (!out_ok()) {
          addr(i);
        } else {
          print_groups(i, group_count(i));
        }
        return true;
      case ArgKind::pollfds:
        print_pollfds(i);
        return true;
      case ArgKind::sockopt_level:
        print_xval(out_, tab(kSockoptLevels), static_cast<std::uint32_t>(v), "SOL_???");
        return true;
      case ArgKind::sockopt_name:
        print_sockopt_name(static_cast<std::uint32_t>(arg(i - 1)), static_cast<std::uint32_t>(v));
        return true;
      case ArgKind::sockopt_val_in:
        print_sockopt_val(st.slot, v, static_cast<std::uint32_t>(arg(i + 1)));
        return true;
      case ArgKind::sockopt_val_out:
        if (out_ok() && arg(1) == 1 && arg(2) == 4 && fetch_.ok(st.slot) &&
            fetch_.length(st.slot) == 4) {  // SOL_SOCKET, SO_ERROR: an errno
          const ErrnoInfo* e = errno_info(load<std::int32_t>(fetch_.data(st.slot)));
          if (e) {
            out_.append('[');
            out_.append(e->name);
            out_.append(']');
            return true;
          }
        }
        if (!out_ok() || !fetch_.ok(state_[i + 1].slot)) {
          addr(i);
        } else {
          print_sockopt_val(st.slot, v, load<std::uint32_t>(fetch_.data(state_[i + 1].slot)));
        }
        return true;
      case ArgKind::fd_result:
      case ArgKind::pid_result:
        out_.append_dec(static_cast<std::int64_t>(v));
        return true;
    }
    out_.append_hex(v);
    return true;
  }

  // An int array of `count` elements, the first ones in the slot: [0, 4, 24].
  void print_groups(int i, std::uint64_t count) {
    const int slot = state_[i].slot;
    if (!arg(i)) {
      out_.append("NULL");
      return;
    }
    if (count == 0) {
      out_.append("[]");
      return;
    }
    if (!fetch_.ok(slot)) {
      addr(i);
      return;
    }
    const std::size_t have = fetch_.length(slot) / 4;
    out_.append('[');
    for (std::size_t k = 0; k < have && k < count; ++k) {
      if (k) out_.append(", ");
      if (k == static_cast<std::size_t>(shown_items())) {
        out_.append("...");
        break;
      }
      out_.append_dec(load<std::uint32_t>(fetch_.data(slot) + 4 * k));
    }
    out_.append(']');
  }

  void print_pollfds(int i) {
    const int slot = state_[i].slot;
    if (arg(i) && !arg(i + 1)) {
      out_.append("[]");
      return;
    }
    if (!fetch_.ok(slot)) {
      addr(i);
      return;
    }
    const std::size_t n = fetch_.length(slot) / 8;
    out_.append('[');
    for (std::size_t k = 0; k < n; ++k) {
      if (k) out_.append(", ");
      if (k == static_cast<std::size_t>(shown_items())) {
        out_.append("...");
        break;
      }
      const auto fd = load<std::int32_t>(fetch_.data(slot) + 8 * k);
      out_.append("{fd=");
      out_.append_dec(fd);
      if (fd >= 0) {
        out_.append(", events=");
        print_flags(out_, tab(kPollFlags), load<std::uint16_t>(fetch_.data(slot) + 8 * k + 4),
                    "POLL???");
      }
      out_.append('}');
    }
    out_.append(']');
  }

  void print_sockopt_name(std::uint32_t level, std::uint32_t name) {
    switch (level) {
      case 1:
        print_xval(out_, tab(kSoOptions), name, "SO_???");
        return;
      case 0:
        print_xval(out_, tab(kIpOptions), name, "IP_???");
        return;
      case 41:
        print_xval(out_, tab(kIpv6Options), name, "IPV6_???");
        return;
      case 6:
        print_xval(out_, tab(kTcpOptions), name, "TCP_???");
        return;
      case 270:
        print_xval(out_, tab(kNetlinkOptions), name, "NETLINK_???");
        return;
      default:
        out_.append_dec(name);
        return;
    }
  }

  // An int option prints as [1]; anything else as the bytes.
  void print_sockopt_val(int slot, std::uint64_t v, std::uint32_t len) {
    if (!v) {
      out_.append("NULL");
    } else if (!fetch_.ok(slot)) {
      out_.append_hex(v);
    } else if (len == 4) {
      out_.append('[');
      out_.append_dec(load<std::int32_t>(fetch_.data(slot)));
      out_.append(']');
    } else {
      const std::size_t shown = min_size(min_size(len, limit_), fetch_.length(slot));
      out_.append_quoted(fetch_.data(slot), shown, len > shown);
    }
  }

  void print_int_slot(int slot, std::uint64_t v) {
    if (fetch_.ok(slot)) {
      out_.append('[');
      out_.append_dec(load<std::int32_t>(fetch_.data(slot)));
      out_.append(']');
    } else {
      print_addr(out_, v);
    }
  }

  void print_o_flags(std::uint64_t v) {
    Table t = tab(kPipeFlags);
    const char* unknown = "O_???";
    switch (nr()) {
      case SYS_eventfd2:
        t = tab(kEfdFlags);
        unknown = "EFD_???";
        break;
      case SYS_epoll_create1:
        t = tab(kEpollFlags);
        unknown = "EPOLL_???";
        break;
      case SYS_inotify_init1:
        t = tab(kInotifyFlags);
        unknown = "IN_???";
        break;
      case SYS_signalfd4:
        t = tab(kSfdFlags);
        unknown = "SFD_???";
        break;
      case SYS_userfaultfd:
        t = tab(kUffdFlags);
        break;
      case SYS_dup3:
        t = tab(kDup3Flags);
        break;
      default:
        break;
    }
    print_flags(out_, t, static_cast<std::uint32_t>(v), unknown);
  }

  void print_argv(int i) {
    ArgState& st = state_[i];
    if (!arg(i) || st.failed || !memory_ok_) {
      addr(i);
      return;
    }
    out_.append('[');
    for (std::uint32_t k = 0; k < st.count; ++k) {
      if (k) out_.append(", ");
      print_str_slot(st.item_slots[k], st.items[k]);
    }
    if (st.more) {
      out_.append(st.count ? ", ..." : "...");
      if (st.fail_addr) {
        out_.append(" /* ");
        out_.append_hex(st.fail_addr);
        out_.append(" */");
      }
    }
    out_.append(']');
  }

  void print_envp(int i) {
    ArgState& st = state_[i];
    addr(i);
    if (!arg(i) || st.failed || !memory_ok_) return;
    out_.append(" /* ");
    out_.append_dec(st.count);
    out_.append(st.count == 1 ? " var" : " vars");
    if (!st.ended || st.more) out_.append(", unterminated");
    out_.append(" */");
  }

  void print_iov(int i) {
    ArgState& st = state_[i];
    const bool out = kind(i) == ArgKind::iov_out;
    if (!arg(i) || (out && !out_ok()) || !fetch_.ok(st.slot)) {
      addr(i);
      return;
    }
    const char* p = fetch_.data(st.slot);
    const std::uint64_t count = arg(i + 1);
    out_.append('[');
    for (std::uint32_t k = 0; k < st.count; ++k) {
      const auto iov = load<KernelIovec>(p + k * sizeof(KernelIovec));
      if (k) out_.append(", ");
      out_.append("{iov_base=");
      print_buf_slot(st.item_slots[k], iov.base, st.items[k]);
      out_.append(", iov_len=");
      out_.append_dec(iov.len);
      out_.append('}');
    }
    if (count > st.count) out_.append(st.count ? ", ..." : "...");
    out_.append(']');
  }

  void print_sigaction(int i) {
    const int slot = state_[i].slot;
    if (!fetch_.ok(slot)) {
      addr(i);
      return;
    }
    const auto sa = load<KernelSigaction>(fetch_.data(slot));
    out_.append("{sa_handler=");
    if (const char* name = lookup(tab(kSaHandler), sa.handler)) {
      out_.append(name);
    } else {
      print_addr(out_, sa.handler);
    }
    out_.append(", sa_mask=");
    print_sigset(out_, sa.mask);
    out_.append(", sa_flags=");
    print_flags(out_, tab(kSaFlags), sa.flags, "SA_???");
    if (sa.flags & kSaRestorer) {
      out_.append(", sa_restorer=");
      print_addr(out_, sa.restorer);
    }
    out_.append('}');
  }

  void print_stat(int i) {
    const int slot = state_[i].slot;
    if (!fetch_.ok(slot)) {
      addr(i);
      return;
    }
    const auto st = load<KernelStat>(fetch_.data(slot));
    out_.append("{st_mode=");
    print_symbolic_mode(out_, st.st_mode);
    const std::uint32_t type = st.st_mode & 0170000;
    if (type == 0020000 || type == 0060000) {
      out_.append(", st_rdev=");
      print_dev(out_, st.st_rdev);
    } else {
      out_.append(", st_size=");
      out_.append_dec(st.st_size);
    }
    out_.append(", ...}");
  }

  void print_statx(int i) {
    const int slot = state_[i].slot;
    if (!fetch_.ok(slot)) {
      addr(i);
      return;
    }
    const auto stx = load<KernelStatx>(fetch_.data(slot));
    out_.append("{stx_mask=");
    print_flags(out_, tab(kStatxMask), stx.stx_mask, "STATX_???");
    out_.append(", stx_attributes=");
    print_flags(out_, tab(kStatxAttrs), stx.stx_attributes, "STATX_ATTR_???");
    if (stx.stx_mask & 3) {  // STATX_TYPE|STATX_MODE
      out_.append(", stx_mode=");
      print_symbolic_mode(out_, stx.stx_mode);
    }
    if (stx.stx_mask & 0x200) {  // STATX_SIZE
      out_.append(", stx_size=");
      out_.append_dec(stx.stx_size);
    }
    out_.append(", ...}");
  }

  void print_statfs(int i) {
    const int slot = state_[i].slot;
    if (!fetch_.ok(slot)) {
      addr(i);
      return;
    }
    const auto s = load<KernelStatfs>(fetch_.data(slot));
    out_.append("{f_type=");
    print_xval(out_, tab(kFsMagic), static_cast<std::uint64_t>(s.f_type), nullptr);
    out_.append(", f_bsize=");
    out_.append_dec(s.f_bsize);
    out_.append(", f_blocks=");
    out_.append_dec(s.f_blocks);
    out_.append(", f_bfree=");
    out_.append_dec(s.f_bfree);
    out_.append(", f_bavail=");
    out_.append_dec(s.f_bavail);
    out_.append(", f_files=");
    out_.append_dec(s.f_files);
    out_.append(", f_ffree=");
    out_.append_dec(s.f_ffree);
    out_.append(", f_fsid={val=[");
    out_.append_hex(static_cast<std::uint32_t>(s.f_fsid[0]));
    out_.append(", ");
    out_.append_hex(static_cast<std::uint32_t>(s.f_fsid[1]));
    out_.append("]}, f_namelen=");
    out_.append_dec(s.f_namelen);
    out_.append(", f_frsize=");
    out_.append_dec(s.f_frsize);
    if (s.f_flags & 32) {  // ST_VALID
      out_.append(", f_flags=");
      print_flags(out_, tab(kStatfsFlags), static_cast<std::uint64_t>(s.f_flags), "ST_???");
    }
    out_.append('}');
  }

  void print_timespec(const KernelTimespec& ts) {
    out_.append("{tv_sec=");
    out_.append_dec(ts.tv_sec);
    out_.append(", tv_nsec=");
    out_.append_dec(ts.tv_nsec);
    out_.append('}');
  }

  void print_timeval(const KernelTimeval& tv) {
    out_.append("{tv_sec=");
    out_.append_dec(tv.tv_sec);
    out_.append(", tv_usec=");
    out_.append_dec(tv.tv_usec);
    out_.append('}');
  }

  void print_utimes(int i) {
    const int slot = state_[i].slot;
    if (!fetch_.ok(slot)) {
      addr(i);
      return;
    }
    out_.append('[');
    for (int k = 0; k < 2; ++k) {
      const auto ts = load<KernelTimespec>(fetch_.data(slot) + k * sizeof(KernelTimespec));
      if (k) out_.append(", ");
      if (ts.tv_nsec == (1l << 30) - 1) {
        out_.append("UTIME_NOW");
      } else if (ts.tv_nsec == (1l << 30) - 2) {
        out_.append("UTIME_OMIT");
      } else {
        // strace adds the date as a comment in local time; without libc (no time zone) the
        // plain value is printed.
        print_timespec(ts);
      }
    }
    out_.append(']');
  }

  void print_rlim(std::uint64_t v) {
    if (v == ~std::uint64_t{0}) {
      out_.append("RLIM64_INFINITY");
    } else if (v > 1024 && v % 1024 == 0) {
      out_.append_dec(v / 1024);
      out_.append("*1024");
    } else {
      out_.append_dec(v);
    }
  }

  void print_rlimit(int i) {
    const int slot = state_[i].slot;
    if (!fetch_.ok(slot)) {
      addr(i);
      return;
    }
    out_.append("{rlim_cur=");
    print_rlim(load<std::uint64_t>(fetch_.data(slot)));
    out_.append(", rlim_max=");
    print_rlim(load<std::uint64_t>(fetch_.data(slot) + 8));
    out_.append('}');
  }

  void print_rusage(int i) {
    const int slot = state_[i].slot;
    if (!fetch_.ok(slot)) {
      addr(i);
      return;
    }
    const auto ru = load<KernelRusage>(fetch_.data(slot));
    out_.append("{ru_utime=");
    print_timeval(ru.ru_utime);
    out_.append(", ru_stime=");
    print_timeval(ru.ru_stime);
    out_.append(", ...}");
  }

  void print_sysinfo(int i) {
    const int slot = state_[i].slot;
    if (!fetch_.ok(slot)) {
      addr(i);
      return;
    }
    const auto si = load<KernelSysinfo>(fetch_.data(slot));
    out_.append("{uptime=");
    out_.append_dec(si.uptime);
    out_.append(", loads=[");
    for (int k = 0; k < 3; ++k) {
      if (k) out_.append(", ");
      out_.append_dec(si.loads[k]);
    }
    const struct {
      const char* name;
      std::uint64_t value;
    } fields[] = {{"], totalram=", si.totalram},  {", freeram=", si.freeram},
                  {", sharedram=", si.sharedram}, {", bufferram=", si.bufferram},
                  {", totalswap=", si.totalswap}, {", freeswap=", si.freeswap},
                  {", procs=", si.procs},         {", totalhigh=", si.totalhigh},
                  {", freehigh=", si.freehigh},   {", mem_unit=", si.mem_unit}};
    for (const auto& f : fields) {
      out_.append(f.name);
      out_.append_dec(f.value);
    }
    out_.append('}');
  }

  void print_clockid(std::int32_t id) {
    if (id >= 0) {
      print_xval(out_, tab(kClocks), static_cast<std::uint32_t>(id), "CLOCK_???");
      return;
    }
    // Dynamic clocks (CPU clocks of a pid/tid, fd clocks): strace's MAKE_PROCESS_CPUCLOCK form.
    const std::int32_t pid = ~(id >> 3);
    const int which = id & 3;
    const bool thread = id & 4;
    if (which == 3) {
      out_.append("FD_TO_CLOCKID(");
      out_.append_dec(pid);
      out_.append(')');
      return;
    }
    out_.append(thread ? "MAKE_THREAD_CPUCLOCK(" : "MAKE_PROCESS_CPUCLOCK(");
    out_.append_dec(pid);
    out_.append(which == 0   ? ", CPUCLOCK_PROF)"
                : which == 1 ? ", CPUCLOCK_VIRT)"
                             : ", CPUCLOCK_SCHED)");
  }

  void print_socket_type(std::uint64_t v) {
    const std::uint32_t t = static_cast<std::uint32_t>(v);
    print_xval(out_, tab(kSockTypes), t & 0xf, "SOCK_???");
    if (t & ~0xfu) {
      out_.append('|');
      print_flags(out_, tab(kSockFlags), t & ~0xfu, nullptr);
    }
  }

  void print_protocol(std::uint64_t v) {
    const std::uint32_t family = static_cast<std::uint32_t>(arg(0));
    const std::uint32_t p = static_cast<std::uint32_t>(v);
    if (family == 2 || family == 10) {  // AF_INET, AF_INET6
      print_xval(out_, tab(kInetProtocols), p, "IPPROTO_???");
    } else if (family == 16) {  // AF_NETLINK
      print_xval(out_, tab(kNetlinkProtocols), p, "NETLINK_???");
    } else {
      out_.append_dec(p);
    }
  }

  void print_sockaddr(const char* p, std::size_t len) {
    const auto family = load<std::uint16_t>(p);
    out_.append("{sa_family=");
    print_xval(out_, tab(kFamilies), family, "AF_???");
    if (family == 1) {  // AF_UNIX
      if (len > 2) {
        out_.append(", sun_path=");
        const char* path = p + 2;
        const std::size_t max = len - 2;
        if (path[0] == '\0' && max > 1) {  // abstract socket
          out_.append('@');
          out_.append_quoted(path + 1, max - 1, false);
        } else {
          out_.append_quoted(path, cstr_len(path, max), false);
        }
      }
    } else if (family == 2 && len >= 16) {  // AF_INET
      const auto* b = reinterpret_cast<const unsigned char*>(p);
      out_.append(", sin_port=htons(");
      out_.append_dec((b[2] << 8) | b[3]);
      out_.append("), sin_addr=inet_addr(\"");
      print_ipv4(b + 4);
      out_.append("\")");
    } else if (family == 10 && len >= 24) {  // AF_INET6
      const auto* b = reinterpret_cast<const unsigned char*>(p);
      out_.append(", sin6_port=htons(");
      out_.append_dec((b[2] << 8) | b[3]);
      out_.append("), sin6_flowinfo=htonl(");
      out_.append_dec((std::uint32_t{b[4]} << 24) | (b[5] << 16) | (b[6] << 8) | b[7]);
      out_.append("), inet_pton(AF_INET6, \"");
      print_ipv6(b + 8);
      out_.append("\", &sin6_addr)");
      if (len >= 28) {
        out_.append(", sin6_scope_id=");
        out_.append_dec(load<std::uint32_t>(p + 24));
      }
    } else if (family == 16 && len >= 12) {  // AF_NETLINK
      out_.append(", nl_pid=");
      out_.append_dec(load<std::uint32_t>(p + 4));
      out_.append(", nl_groups=");
      const std::uint32_t groups = load<std::uint32_t>(p + 8);
      char hex[8];
      for (int k = 0; k < 8; ++k) hex[k] = "0123456789abcdef"[(groups >> (28 - 4 * k)) & 15];
      out_.append(hex, 8);
    } else if (len > 2) {
      out_.append(", sa_data=");
      out_.append_quoted(p + 2, len - 2, false);
    }
    out_.append('}');
  }

  void print_ipv4(const unsigned char* a) {
    for (int k = 0; k < 4; ++k) {
      if (k) out_.append('.');
      out_.append_dec(a[k]);
    }
  }

  // inet_ntop(AF_INET6): the longest run of two or more zero groups becomes "::"; an IPv4
  // address embedded in ::a.b.c.d or ::ffff:a.b.c.d prints dotted.
  void print_ipv6(const unsigned char* a) {
    unsigned words[8];
    for (int k = 0; k < 8; ++k) words[k] = (a[2 * k] << 8) | a[2 * k + 1];
    int best = -1, best_len = 0;
    for (int k = 0; k < 8;) {
      if (words[k]) {
        ++k;
        continue;
      }
      int j = k;
      while (j < 8 && !words[j]) ++j;
      if (j - k > best_len) {
        best = k;
        best_len = j - k;
      }
      k = j;
    }
    if (best_len < 2) best = -1;
    for (int k = 0; k < 8; ++k) {
      if (best >= 0 && k >= best && k < best + best_len) {
        if (k == best) out_.append(':');
        continue;
      }
      if (k) out_.append(':');
      if (k == 6 && best == 0 && (best_len == 6 || (best_len == 5 && words[5] == 0xffff))) {
        print_ipv4(a + 12);
        break;
      }
      char hex[4];
      int n = 0;
      unsigned w = words[k];
      do {
        hex[n++] = "0123456789abcdef"[w & 15];
        w >>= 4;
      } while (w);
      while (n) out_.append(hex[--n]);
    }
    if (best >= 0 && best + best_len == 8) out_.append(':');
  }

  void print_open_how(int i) {
    const int slot = state_[i].slot;
    if (!fetch_.ok(slot)) {
      addr(i);
      return;
    }
    const auto how = load<KernelOpenHow>(fetch_.data(slot));
    out_.append("{flags=");
    print_open_flags(out_, how.flags);
    if (how.flags & (kOCreat | kOTmpfileBit)) {
      out_.append(", mode=");
      out_.append_oct(how.mode);
    }
    out_.append(", resolve=");
    print_flags(out_, tab(kResolveFlags), how.resolve, "RESOLVE_???");
    out_.append('}');
  }

  void print_wait_status(std::int32_t s) {
    const unsigned status = static_cast<unsigned>(s);
    out_.append("[{");
    unsigned rest;
    if ((status & 0xff) == 0x7f) {  // WIFSTOPPED
      const unsigned sig = (status >> 8) & 0xff;
      out_.append("WIFSTOPPED(s) && WSTOPSIG(s) == ");
      print_signal(out_, sig & 0x7f);
      if (sig & 0x80) out_.append(" | 0x80");
      rest = status & ~((sig << 8) | 0x7f);
    } else if ((status & 0x7f) != 0 && (status & 0xffff) != 0xffff) {  // WIFSIGNALED
      out_.append("WIFSIGNALED(s) && WTERMSIG(s) == ");
      print_signal(out_, status & 0x7f);
      if (status & 0x80) out_.append(" && WCOREDUMP(s)");
      rest = status & ~0xffu;
    } else if ((status & 0x7f) == 0) {  // WIFEXITED
      out_.append("WIFEXITED(s) && WEXITSTATUS(s) == ");
      out_.append_dec((status >> 8) & 0xff);
      rest = status & ~0xff00u;
    } else if (status == 0xffff) {  // WIFCONTINUED
      out_.append("WIFCONTINUED(s)");
      rest = 0;
    } else {
      out_.append_hex(status);
      out_.append("}]");
      return;
    }
    out_.append('}');
    if (rest) {
      const unsigned event = rest >> 16;
      if (event) {
        out_.append('|');
        print_xval(out_, tab(kPtraceEvents), event, "PTRACE_EVENT_???");
        out_.append("<<16");
        rest &= 0xffff;
      }
      if (rest) {
        out_.append('|');
        out_.append_hex(rest);
      }
    }
    out_.append(']');
  }

  // clone(child_stack=..., flags=..., [parent_tid=[..],] [tls=..,] [child_tidptr=..])
  // x86-64 argument order: flags, stack, parent_tid, child_tid, tls.
  void print_clone() {
    const std::uint64_t flags = arg(0) & ~kCsignal;
    const std::uint64_t sig = arg(0) & kCsignal;
    out_.append("child_stack=");
    print_addr(out_, arg(1));
    out_.append(", flags=");
    if (flags) {
      print_flags(out_, tab(kCloneFlags), flags, "CLONE_???");
      if (sig) {
        out_.append('|');
        print_signal(out_, static_cast<std::int64_t>(sig));
      }
    } else {
      print_signal(out_, static_cast<std::int64_t>(sig));
    }
    // strace prints these at the exit; at an entry-only decoding they are left out.
    if (!call_.has_result) return;
    if (flags & (kCloneParentSettid | kClonePidfd)) {
      out_.append(", parent_tid=");
      print_int_slot(state_[2].slot, arg(2));
    }
    if (flags & kCloneSettls) {
      out_.append(", tls=");
      print_addr(out_, arg(4));
    }
    if (flags & (kCloneChildSettid | kCloneChildCleartid)) {
      out_.append(", child_tidptr=");
      print_addr(out_, arg(3));
    }
  }

  void print_clone3(int i) {
    const ArgState& st = state_[i];
    if (!fetch_.ok(st.slot)) {
      addr(i);
      return;
    }
    KernelCloneArgs ca{};
    __builtin_memcpy(&ca, fetch_.data(st.slot), fetch_.length(st.slot));
    out_.append("{flags=");
    print_flags(out_, tab(kCloneFlags), ca.flags, "CLONE_???");
    if (ca.flags & kClonePidfd) {
      out_.append(", pidfd=");
      print_addr(out_, ca.pidfd);
    }
    if (ca.flags & (kCloneChildSettid | kCloneChildCleartid)) {
      out_.append(", child_tid=");
      print_addr(out_, ca.child_tid);
    }
    if (ca.flags & kCloneParentSettid) {
      out_.append(", parent_tid=");
      print_addr(out_, ca.parent_tid);
    }
    out_.append(", exit_signal=");
    if (ca.exit_signal < 0x7fffffff) {
      print_signal(out_, static_cast<std::int64_t>(ca.exit_signal));
    } else {
      out_.append_dec(ca.exit_signal);
    }
    out_.append(", stack=");
    print_addr(out_, ca.stack);
    out_.append(", stack_size=");
    out_.append_hex(ca.stack_size);
    if (ca.flags & kCloneSettls) {
      out_.append(", tls=");
      print_addr(out_, ca.tls);
    }
    if (fetch_.length(st.slot) > 80 && (ca.cgroup || (ca.flags & 0x200000000))) {
      out_.append(", cgroup=");
      out_.append_dec(ca.cgroup);
    }
    out_.append('}');
    // What the kernel wrote: ` => {parent_tid=[1235]}`.
    if (out_ok() && (ca.flags & (kClonePidfd | kCloneParentSettid))) {
      out_.append(" => {");
      bool first = true;
      if (ca.flags & kClonePidfd) {
        out_.append("pidfd=");
        print_int_slot(st.slot2, ca.pidfd);
        first = false;
      }
      if (ca.flags & kCloneParentSettid) {
        if (!first) out_.append(", ");
        out_.append("parent_tid=");
        print_int_slot(st.block, ca.parent_tid);
      }
      out_.append('}');
    }
  }

  bool print_fcntl_arg(int i) {
    const int cmd = static_cast<int>(arg(1));
    const std::uint64_t v = arg(i);
    switch (cmd) {
      case kFGetfd:
      case kFGetfl:
      case kFGetown:
      case kFGetsig:
      case kFGetlease:
      case kFGetpipeSz:
      case kFGetSeals:
        return false;
      case kFSetfd:
        print_flags(out_, tab(kFdFlags), v, "FD_???");
        return true;
      case kFSetfl:
        print_open_flags(out_, v);
        return true;
      case kFDupfd:
      case kFDupfdCloexec:
      case kFSetown:
      case kFSetpipeSz:
        out_.append_dec(static_cast<std::int64_t>(v));
        return true;
      case kFSetsig:
        print_signal(out_, static_cast<std::int64_t>(v));
        return true;
      case kFGetlk:
      case kFSetlk:
      case kFSetlkw:
      case kFOfdGetlk:
      case kFOfdSetlk:
      case kFOfdSetlkw: {
        const int slot = state_[i].slot;
        if (!fetch_.ok(slot)) {
          addr(i);
          return true;
        }
        const auto fl = load<KernelFlock>(fetch_.data(slot));
        out_.append("{l_type=");
        print_xval(out_, tab(kLockTypes), static_cast<std::uint16_t>(fl.l_type), "F_???");
        out_.append(", l_whence=");
        print_xval(out_, tab(kWhence), static_cast<std::uint16_t>(fl.l_whence), "SEEK_???");
        out_.append(", l_start=");
        out_.append_dec(fl.l_start);
        out_.append(", l_len=");
        out_.append_dec(fl.l_len);
        if (cmd == kFGetlk || cmd == kFOfdGetlk) {
          out_.append(", l_pid=");
          out_.append_dec(fl.l_pid);
        }
        out_.append('}');
        return true;
      }
      default:
        out_.append_hex(v);
        return true;
    }
  }

  void print_ioctl_cmd(std::uint32_t cmd) {
    if (const char* name = lookup(tab(kIoctls), cmd)) {
      out_.append(name);
      return;
    }
    // _IOC(dir, type, nr, size), as strace prints an unknown request.
    static constexpr const char* kDirs[] = {"_IOC_NONE", "_IOC_WRITE", "_IOC_READ",
                                            "_IOC_READ|_IOC_WRITE"};
    out_.append("_IOC(");
    out_.append(kDirs[cmd >> 30]);
    out_.append(", ");
    out_.append_hex((cmd >> 8) & 0xff);
    out_.append(", ");
    out_.append_hex(cmd & 0xff);
    out_.append(", ");
    out_.append_hex((cmd >> 16) & 0x3fff);
    out_.append(')');
  }

  bool print_ioctl_arg(int i) {
    const int slot = state_[i].slot;
    const std::uint32_t cmd = static_cast<std::uint32_t>(arg(1));
    switch (cmd) {
      case kTcgets:
      case kTcsets:
      case kTcsetsw:
      case kTcsetsf:
        if (fetch_.ok(slot)) {
          print_termios(load<KernelTermios>(fetch_.data(slot)));
          return true;
        }
        break;
      case kTiocgwinsz:
      case kTiocswinsz:
        if (fetch_.ok(slot)) {
          const auto ws = load<KernelWinsize>(fetch_.data(slot));
          out_.append("{ws_row=");
          out_.append_dec(ws.ws_row);
          out_.append(", ws_col=");
          out_.append_dec(ws.ws_col);
          out_.append(", ws_xpixel=");
          out_.append_dec(ws.ws_xpixel);
          out_.append(", ws_ypixel=");
          out_.append_dec(ws.ws_ypixel);
          out_.append('}');
          return true;
        }
        break;
      case kFionread:
      case kTiocoutq:
      case kTiocgpgrp:
      case kTiocgsid:
      case kTiocgptn:
      case kTiocspgrp:
      case kFionbio:
      case kTiocsptlck:
      case kFioasync:
        print_int_slot(slot, arg(i));
        return true;
      case kFioclex:
      case kFionclex:
      case kTiocnotty:
      case kTiocexcl:
      case kTiocnxcl:
      case kTioccons:
        return false;  // no argument
      case kTcsbrk:
      case kTiocsctty:
        out_.append_dec(static_cast<std::int32_t>(arg(i)));
        return true;
      case kTcxonc:
        print_xval(out_, tab(kTcxoncArgs), arg(i), "TC???");
        return true;
      case kTcflsh:
        print_xval(out_, tab(kTcflshArgs), arg(i), "TC???");
        return true;
      default:
        // No decoder for this request: the raw argument, as strace prints it.
        out_.append_hex(arg(i));
        return true;
    }
    addr(i);
    return true;
  }

  void print_termios(const KernelTermios& t) {
    out_.append("{c_iflag=");
    print_flags(out_, tab(kTermIflags), t.c_iflag, nullptr);
    out_.append(", c_oflag=");
    struct Field {
      Table table;
      std::uint32_t mask;
      const char* unknown;
    };
    const Field delays[] = {{tab(kTermNldly), 0400, "NL?"},     {tab(kTermCrdly), 03000, "CR?"},
                            {tab(kTermTabdly), 014000, "TAB?"}, {tab(kTermBsdly), 020000, "BS?"},
                            {tab(kTermVtdly), 040000, "VT?"},   {tab(kTermFfdly), 0100000, "FF?"}};
    std::uint32_t o = t.c_oflag;
    for (const Field& f : delays) {
      print_xval(out_, f.table, o & f.mask, f.unknown);
      out_.append('|');
      o &= ~f.mask;
    }
    print_flags(out_, tab(kTermOflags), o, nullptr);
    out_.append(", c_cflag=");
    std::uint32_t c = t.c_cflag;
    print_xval(out_, tab(kBauds), c & 010017, "B???");  // CBAUD
    out_.append('|');
    if (c & 002003600000) {  // CIBAUD
      print_xval(out_, tab(kBauds), (c & 002003600000) >> 16, "B???");
      out_.append("<<IBSHIFT|");
    }
    print_xval(out_, tab(kTermCsize), c & 060, "CS?");
    out_.append('|');
    c &= ~(010017u | 002003600000u | 060u);
    print_flags(out_, tab(kTermCflags), c, nullptr);
    out_.append(", c_lflag=");
    print_flags(out_, tab(kTermLflags), t.c_lflag, nullptr);
    out_.append(", ...}");
  }

  void print_futex_op(std::uint32_t op) {
    const std::uint32_t base = op & ~256u;  // without FUTEX_CLOCK_REALTIME
    const std::uint32_t cmd = base & 127;   // without FUTEX_PRIVATE_FLAG
    const char* name = lookup(tab(kFutexCmds), cmd);
    if (name && (base & ~255u) == 0) {
      out_.append(name);
      if (base & 128) out_.append("_PRIVATE");
    } else {
      out_.append_hex(base);
      out_.append(" /* FUTEX_??? */");
    }
    if (op & 256) out_.append("|FUTEX_CLOCK_REALTIME");
  }

  // futex's arguments 3..6 depend on the operation (strace's do_futex).
  bool print_futex_arg(int i) {
    const int cmd = static_cast<int>(arg(1)) & 127;
    const std::uint32_t val = static_cast<std::uint32_t>(arg(2));
    auto timeout = [&] {
      if (fetch_.ok(state_[3].slot)) {
        print_timespec(load<KernelTimespec>(fetch_.data(state_[3].slot)));
      } else {
        print_addr(out_, arg(3));
      }
    };
    auto bitset = [&] {
      const std::uint32_t v3 = static_cast<std::uint32_t>(arg(5));
      if (v3 == 0xffffffffu) {
        out_.append("FUTEX_BITSET_MATCH_ANY");
      } else {
        out_.append_hex(v3);
      }
    };
    switch (cmd) {
      case 0:  // WAIT: val, timeout
        if (i == 2)
          out_.append_dec(val);
        else if (i == 3)
          timeout();
        else
          return false;
        return true;
      case 6:   // LOCK_PI
      case 13:  // LOCK_PI2
        if (i == 3)
          timeout();
        else
          return false;
        return true;
      case 9:  // WAIT_BITSET: val, timeout, val3
        if (i == 2)
          out_.append_dec(val);
        else if (i == 3)
          timeout();
        else if (i == 5)
          bitset();
        else
          return false;
        return true;
      case 10:  // WAKE_BITSET: val, val3
        if (i == 2)
          out_.append_dec(val);
        else if (i == 5)
          bitset();
        else
          return false;
        return true;
      case 3:  // REQUEUE: val, val2, uaddr2
        if (i == 2)
          out_.append_dec(val);
        else if (i == 3)
          out_.append_dec(static_cast<std::uint32_t>(arg(3)));
        else if (i == 4)
          print_addr(out_, arg(4));
        else
          return false;
        return true;
      case 4:   // CMP_REQUEUE
      case 12:  // CMP_REQUEUE_PI: val, val2, uaddr2, val3
        if (i == 2)
          out_.append_dec(val);
        else if (i == 3)
          out_.append_dec(static_cast<std::uint32_t>(arg(3)));
        else if (i == 4)
          print_addr(out_, arg(4));
        else
          out_.append_dec(static_cast<std::uint32_t>(arg(5)));
        return true;
      case 5:  // WAKE_OP: val, val2, uaddr2, {op}
        if (i == 2)
          out_.append_dec(val);
        else if (i == 3)
          out_.append_dec(static_cast<std::uint32_t>(arg(3)));
        else if (i == 4)
          print_addr(out_, arg(4));
        else
          print_futex_wake_op(static_cast<std::uint32_t>(arg(5)));
        return true;
      case 11:  // WAIT_REQUEUE_PI: val, timeout, uaddr2
        if (i == 2)
          out_.append_dec(val);
        else if (i == 3)
          timeout();
        else if (i == 4)
          print_addr(out_, arg(4));
        else
          return false;
        return true;
      case 1:  // WAKE
      case 2:  // FD
        if (i == 2)
          out_.append_dec(val);
        else
          return false;
        return true;
      case 7:  // UNLOCK_PI
      case 8:  // TRYLOCK_PI
        return false;
      default:
        out_.append_hex(arg(i));
        return true;
    }
  }

  void print_futex_wake_op(std::uint32_t v3) {
    if ((v3 >> 28) & 8) out_.append("FUTEX_OP_OPARG_SHIFT<<28|");
    if (const char* op = lookup(tab(kFutexWakeOps), (v3 >> 28) & 7)) {
      out_.append(op);
      out_.append("<<28");
    } else {
      out_.append_hex((v3 >> 28) & 7);
      out_.append("<<28 /* FUTEX_OP_??? */");
    }
    out_.append('|');
    out_.append_hex((v3 >> 12) & 0xfff);
    out_.append("<<12|");
    if (const char* cmp = lookup(tab(kFutexWakeCmps), (v3 >> 24) & 0xf)) {
      out_.append(cmp);
      out_.append("<<24");
    } else {
      out_.append_hex((v3 >> 24) & 0xf);
      out_.append("<<24 /* FUTEX_OP_CMP_??? */");
    }
    out_.append('|');
    out_.append_hex(v3 & 0xfff);
  }

  // prctl's arguments 2..5 by option; options without a decoder print all four in hex.
  bool print_prctl_arg(int i) {
    const int option = static_cast<int>(arg(0));
    const std::uint64_t v = arg(i);
    switch (option) {
      case kPrGetDumpable:
      case kPrGetKeepcaps:
      case kPrGetSeccomp:
      case kPrGetSecurebits:
      case kPrGetTimerslack:
      case kPrGetNoNewPrivs:
      case kPrGetThpDisable:
        return false;
      case kPrSetPdeathsig:
        if (i != 1) return false;
        print_signal(out_, static_cast<std::int64_t>(v));
        return true;
      case kPrGetPdeathsig:
        if (i != 1) return false;
        print_int_slot(state_[1].slot, v);
        return true;
      case kPrSetName:
        if (i != 1) return false;
        print_str_slot(state_[1].slot, v);
        return true;
      case kPrGetName:
        if (i != 1) return false;
        if (out_ok()) {
          print_str_slot(state_[1].slot, v);
        } else {
          print_addr(out_, v);
        }
        return true;
      case kPrCapbsetRead:
      case kPrCapbsetDrop:
        if (i != 1) return false;
        print_xval(out_, tab(kCapabilities), v, "CAP_???");
        return true;
      case kPrSetDumpable:
      case kPrSetKeepcaps:
      case kPrSetChildSubreaper:
        if (i != 1) return false;
        out_.append_dec(static_cast<std::uint64_t>(v));
        return true;
      case kPrGetChildSubreaper:
        if (i != 1) return false;
        print_addr(out_, v);
        return true;
      case kPrSetNoNewPrivs:
        out_.append_dec(static_cast<std::uint64_t>(v));
        return true;
      default:
        out_.append_hex(v);
        return true;
    }
  }

 public:
  // What strace prints after the result of some calls: poll's ready descriptors.
  void print_aux() {
    if (!info_ || !exit_ok_) return;
    if (nr() == SYS_poll || nr() == SYS_ppoll) {
      if (call_.result == 0) {
        out_.append(" (Timeout)");
        return;
      }
      const int slot = state_[0].slot;
      if (!fetch_.ok(slot)) return;
      out_.append(" ([");
      const std::size_t n = fetch_.length(slot) / 8;
      int printed = 0;
      for (std::size_t k = 0; k < n; ++k) {
        const auto revents = load<std::uint16_t>(fetch_.data(slot) + 8 * k + 6);
        if (!revents) continue;
        if (printed) out_.append(", ");
        if (printed == shown_items()) {
          out_.append("...");
          break;
        }
        out_.append("{fd=");
        out_.append_dec(load<std::int32_t>(fetch_.data(slot) + 8 * k));
        out_.append(", revents=");
        print_flags(out_, tab(kPollFlags), revents, nullptr);
        out_.append('}');
        ++printed;
      }
      out_.append(']');
      if (nr() == SYS_ppoll && fetch_.ok(state_[2].slot)) {
        out_.append(", left ");
        print_timespec(load<KernelTimespec>(fetch_.data(state_[2].slot)));
      }
      out_.append(')');
    }
  }

  // Shared with format_signal(): the same siginfo text inside a call (rt_sigqueueinfo).
  static void print_siginfo(LineBuffer& out, const siginfo_t& si);

 private:
  LineBuffer& out_;
  const CallView& call_;
  Memory& mem_;
  const SyscallInfo* info_;
  bool entry_;
  bool exit_ok_;
  bool memory_ok_;
  std::size_t limit_;
  int sigreturn_regs_ = -1;
  int sigreturn_mask_ = -1;
  Fetcher fetch_;
  ArgState state_[6];
};

void print_si_code(LineBuffer& out, int signo, int code) {
  const char* name =
      lookup(tab(kSiCodes), static_cast<std::uint64_t>(static_cast<std::int64_t>(code)));
  if (!name) {
    Table t{nullptr, 0};
    switch (signo) {
      case SIGCHLD:
        t = tab(kChldCodes);
        break;
      case SIGSEGV:
        t = tab(kSegvCodes);
        break;
      case SIGBUS:
        t = tab(kBusCodes);
        break;
      case SIGILL:
        t = tab(kIllCodes);
        break;
      case SIGFPE:
        t = tab(kFpeCodes);
        break;
      case SIGTRAP:
        t = tab(kTrapCodes);
        break;
      case SIGIO:
        t = tab(kPollCodes);
        break;
      case SIGSYS:
        t = tab(kSysCodes);
        break;
      default:
        break;
    }
    if (t.data) name = lookup(t, static_cast<std::uint32_t>(code));
  }
  if (name) {
    out.append(name);
  } else {
    out.append_hex(static_cast<std::uint32_t>(code));
  }
}

// strace's printsiginfo.
void Decoder::print_siginfo(LineBuffer& out, const siginfo_t& si) {
  out.append('{');
  if (si.si_signo) {
    out.append("si_signo=");
    print_signal(out, si.si_signo);
    out.append(", si_code=");
    print_si_code(out, si.si_signo, si.si_code);
    if (si.si_errno) {
      out.append(", si_errno=");
      const ErrnoInfo* e = errno_info(si.si_errno);
      if (e) {
        out.append(e->name);
      } else {
        out.append_dec(si.si_errno);
      }
    }
    auto source = [&] {
      out.append(", si_pid=");
      out.append_dec(si.si_pid);
      out.append(", si_uid=");
      out.append_dec(si.si_uid);
    };
    auto value = [&] {
      out.append(", si_int=");
      out.append_dec(si.si_int);
      out.append(", si_ptr=");
      print_addr(out, reinterpret_cast<std::uintptr_t>(si.si_ptr));
    };
    auto address = [&](const char* field, const void* a) {
      out.append(field);
      print_addr(out, reinterpret_cast<std::uintptr_t>(a));
    };
    if (si.si_code <= 0) {  // SI_FROMUSER
      switch (si.si_code) {
        case SI_USER:
        case SI_TKILL:
          source();
          break;
        case SI_TIMER:
          out.append(", si_timerid=");
          out.append_hex(static_cast<std::uint32_t>(si.si_timerid));
          out.append(", si_overrun=");
          out.append_dec(si.si_overrun);
          value();
          break;
        case SI_SIGIO:
          out.append(", si_band=");
          out.append_dec(static_cast<long>(si.si_band));
          out.append(", si_fd=");
          out.append_dec(si.si_fd);
          break;
        default:
          source();
          if (si.si_ptr) value();
          break;
      }
    } else {
      switch (si.si_signo) {
        case SIGCHLD:
          source();
          out.append(", si_status=");
          if (si.si_code == CLD_EXITED) {
            out.append_dec(si.si_status);
          } else {
            print_signal(out, si.si_status);
          }
          out.append(", si_utime=");
          out.append_dec(static_cast<long>(si.si_utime));
          out.append(", si_stime=");
          out.append_dec(static_cast<long>(si.si_stime));
          break;
        case SIGILL:
        case SIGFPE:
        case SIGSEGV:
        case SIGBUS:
        case SIGTRAP:
          address(", si_addr=", si.si_addr);
          break;
        case SIGIO:
          if (si.si_code >= POLL_IN && si.si_code <= POLL_HUP) {
            out.append(", si_band=");
            out.append_dec(static_cast<long>(si.si_band));
            out.append(", si_fd=");
            out.append_dec(si.si_fd);
          }
          break;
        case SIGSYS: {
          address(", si_call_addr=", si.si_call_addr);
          out.append(", si_syscall=");
          const SyscallInfo* info = si.si_arch == static_cast<unsigned>(0xc000003e)
                                        ? syscall_info(si.si_syscall)
                                        : nullptr;
          if (info) {
            out.append("__NR_");
            out.append(info->name);
          } else {
            out.append_dec(si.si_syscall);
          }
          out.append(", si_arch=");
          print_xval(out, tab(kAuditArch), si.si_arch, "AUDIT_ARCH_???");
          break;
        }
        default:
          if (si.si_pid || si.si_uid) source();
          if (si.si_ptr) value();
          break;
      }
    }
  }
  out.append('}');
}

// The result after the closing parenthesis; fcntl and prctl add strace's explanation.
void print_result(LineBuffer& out, const CallView& call) {
  out.append(") = ");
  if (!call.has_result) {
    out.append('?');
    return;
  }
  const long r = call.result;
  if (is_error(r)) {
    const int e = static_cast<int>(-r);
    const ErrnoInfo* info = errno_info(e);
    if (is_restart_errno(e)) {
      out.append("? ");
      out.append(info->described);
      return;
    }
    out.append("-1 ");
    if (info) {
      out.append(info->described);
    } else {
      out.append("(errno ");
      out.append_dec(e);
      out.append(')');
    }
    return;
  }
  const SyscallInfo* info = syscall_info(call.nr);
  const ArgKind kind = info ? info->result : ArgKind::hex;
  if (call.nr == SYS_fcntl) {
    const int cmd = static_cast<int>(call.args[1]);
    if (cmd == kFGetfd && r) {
      out.append_hex(static_cast<std::uint64_t>(r));
      out.append(" (flags ");
      print_flags(out, tab(kFdFlags), static_cast<std::uint64_t>(r), nullptr);
      out.append(')');
      return;
    }
    if (cmd == kFGetfl) {
      out.append_hex(static_cast<std::uint64_t>(r));
      out.append(" (flags ");
      print_open_flags(out, static_cast<std::uint64_t>(r));
      out.append(')');
      return;
    }
  }
  if (call.nr == SYS_prctl && static_cast<int>(call.args[0]) == kPrGetDumpable) {
    out.append_dec(r);
    if (const char* name = lookup(tab(kDumpable), static_cast<std::uint64_t>(r))) {
      out.append(" (");
      out.append(name);
      out.append(')');
    }
    return;
  }
  switch (kind) {
    case ArgKind::hex:
      out.append_hex(static_cast<std::uint64_t>(r));
      break;
    case ArgKind::mode:
      out.append_oct(static_cast<std::uint64_t>(r));
      break;
    case ArgKind::udec:
      out.append_dec(static_cast<std::uint64_t>(r));
      break;
    case ArgKind::signal:
      print_signal(out, r);
      break;
    default:
      out.append_dec(r);
      break;
  }
}

}  // namespace

const char* signal_name(int sig) {
  return sig > 0 && sig <= kMaxSignal ? kSignalNames[sig] : nullptr;
}

bool needs_entry_decoding(long nr) {
  return nr == SYS_execve || nr == SYS_execveat || nr == SYS_rt_sigreturn;
}

ExitUse exit_use(const CallView& call) {
  const SyscallInfo* info = syscall_info(call.nr);
  if (!info || needs_entry_decoding(call.nr)) return ExitUse::memory;
  switch (call.nr) {
    // Calls that do not return to where they were made, or return twice, or whose arguments
    // are printed differently once they returned.
    case SYS_exit:
    case SYS_exit_group:
    case SYS_clone:
    case SYS_clone3:
    case SYS_fork:
    case SYS_vfork:
    case SYS_restart_syscall:
    case SYS_nanosleep:
    case SYS_clock_nanosleep:
      return ExitUse::memory;
    case SYS_fcntl:
      switch (static_cast<int>(call.args[1])) {
        case kFDupfd:
        case kFDupfdCloexec:
        case kFGetfd:
        case kFSetfd:
        case kFGetfl:
        case kFSetfl:
          return ExitUse::result;
        default:
          return ExitUse::memory;
      }
    default:
      break;
  }
  bool writes = false;
  for (int i = 0; i < info->nargs; ++i) {
    switch (info->args[i]) {
      // Decoded by a command or an operation, or value-result.
      case ArgKind::fcntl_arg:
      case ArgKind::ioctl_arg:
      case ArgKind::prctl_arg:
      case ArgKind::arch_prctl_arg:
      case ArgKind::socklen_ptr:
      case ArgKind::pollfds:
      case ArgKind::clone3_args:
        return ExitUse::memory;
      case ArgKind::path_out:
      case ArgKind::buf_out:
      case ArgKind::random_out:
      case ArgKind::iov_out:
      case ArgKind::sigset_out:
      case ArgKind::sigaction_out:
      case ArgKind::stat_out:
      case ArgKind::statx_out:
      case ArgKind::statfs_out:
      case ArgKind::timespec_out:
      case ArgKind::timeval_out:
      case ArgKind::itimerval_out:
      case ArgKind::wstatus_out:
      case ArgKind::rusage_out:
      case ArgKind::pipefd_out:
      case ArgKind::int_out:
      case ArgKind::rlimit_out:
      case ArgKind::uname_out:
      case ArgKind::sysinfo_out:
      case ArgKind::sockaddr_out:
      case ArgKind::dirents_out:
      case ArgKind::groups_out:
      case ArgKind::sockopt_val_out:
        writes = true;
        break;
      default:
        break;
    }
  }
  return writes ? ExitUse::memory_on_success : ExitUse::result;
}

bool out_buffer(const CallView& call, const DecodeOptions& opt, OutBuffer* out) {
  if (exit_use(call) != ExitUse::memory_on_success) return false;
  const SyscallInfo* info = syscall_info(call.nr);
  bool found = false;
  for (int i = 0; i < info->nargs; ++i) {
    OutBuffer b{i, 0, false};
    switch (info->args[i]) {
      // What plan() reads at the exit of a successful call.
      case ArgKind::buf_out:
      case ArgKind::random_out:
        b.bytes = opt.string_limit < kMaxData ? opt.string_limit : kMaxData;
        b.up_to_result = true;
        break;
      case ArgKind::sigset_out:
        b.bytes = sigset_bytes(info, call, i) == 8 ? 8 : 0;
        break;
      case ArgKind::sigaction_out:
        b.bytes = sizeof(KernelSigaction);
        break;
      case ArgKind::stat_out:
        b.bytes = sizeof(KernelStat);
        break;
      case ArgKind::statx_out:
        b.bytes = sizeof(KernelStatx);
        break;
      case ArgKind::statfs_out:
        b.bytes = sizeof(KernelStatfs);
        break;
      case ArgKind::pipefd_out:
        b.bytes = 8;
        break;
      case ArgKind::int_out:
        b.bytes = 4;
        break;
      case ArgKind::rlimit_out:
        b.bytes = 16;
        break;
      case ArgKind::uname_out:
        b.bytes = sizeof(KernelUtsname);
        break;
      case ArgKind::sysinfo_out:
        b.bytes = sizeof(KernelSysinfo);
        break;
      // Written memory read otherwise (a string, entries, a length-dependent struct, a read
      // that depends on what the call wrote): not one buffer.
      case ArgKind::path_out:
      case ArgKind::iov_out:
      case ArgKind::timespec_out:
      case ArgKind::timeval_out:
      case ArgKind::itimerval_out:
      case ArgKind::wstatus_out:
      case ArgKind::rusage_out:
      case ArgKind::sockaddr_out:
      case ArgKind::dirents_out:
      case ArgKind::groups_out:
      case ArgKind::sockopt_val_out:
        return false;
      default:
        continue;
    }
    if (found) return false;  // two of them
    found = true;
    if (call.args[i] == 0) b.bytes = 0;  // none: the call wrote nothing there
    *out = b;
  }
  return found;
}

void format_call(LineBuffer& out, const CallView& call, Memory& mem, const DecodeOptions& opt) {
  Decoder d(out, call, mem, opt, false);
  d.run();
  print_result(out, call);
  d.print_aux();
}

void format_entry(LineBuffer& out, const CallView& call, Memory& mem, const DecodeOptions& opt) {
  CallView at_entry = call;
  at_entry.has_result = false;
  Decoder d(out, at_entry, mem, opt, true);
  d.run();
}

void format_result(LineBuffer& out, const CallView& call) {
  print_result(out, call);
}

void format_signal(LineBuffer& out, const siginfo_t& info) {
  out.append("--- ");
  print_signal(out, info.si_signo);
  out.append(' ');
  Decoder::print_siginfo(out, info);
  out.append(" ---");
}

void format_exit(LineBuffer& out, int wait_status) {
  const unsigned status = static_cast<unsigned>(wait_status);
  if ((status & 0x7f) == 0) {
    out.append("+++ exited with ");
    out.append_dec((status >> 8) & 0xff);
    out.append(" +++");
  } else {
    out.append("+++ killed by ");
    print_signal(out, status & 0x7f);
    if (status & 0x80) out.append(" (core dumped)");
    out.append(" +++");
  }
}

}  // namespace ptvm
