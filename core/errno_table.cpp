#include "core/errno_table.h"

#include "core/error.h"

#include <cerrno>

namespace ptvm {

namespace {

// One row per errno: E(name, message) expands to {value, "NAME", "message", "NAME (message)"},
// so the combined text that Error::describe() returns needs no formatting at run time.
#define E(x, msg) \
  { x, #x, msg, #x " (" msg ")" }
// The uapi errnos (asm-generic/errno-base.h, errno.h), in value order.
constexpr ErrnoInfo kUapi[] = {
    E(EPERM, "Operation not permitted"),
    E(ENOENT, "No such file or directory"),
    E(ESRCH, "No such process"),
    E(EINTR, "Interrupted system call"),
    E(EIO, "Input/output error"),
    E(ENXIO, "No such device or address"),
    E(E2BIG, "Argument list too long"),
    E(ENOEXEC, "Exec format error"),
    E(EBADF, "Bad file descriptor"),
    E(ECHILD, "No child processes"),
    E(EAGAIN, "Resource temporarily unavailable"),
    E(ENOMEM, "Cannot allocate memory"),
    E(EACCES, "Permission denied"),
    E(EFAULT, "Bad address"),
    E(ENOTBLK, "Block device required"),
    E(EBUSY, "Device or resource busy"),
    E(EEXIST, "File exists"),
    E(EXDEV, "Invalid cross-device link"),
    E(ENODEV, "No such device"),
    E(ENOTDIR, "Not a directory"),
    E(EISDIR, "Is a directory"),
    E(EINVAL, "Invalid argument"),
    E(ENFILE, "Too many open files in system"),
    E(EMFILE, "Too many open files"),
    E(ENOTTY, "Inappropriate ioctl for device"),
    E(ETXTBSY, "Text file busy"),
    E(EFBIG, "File too large"),
    E(ENOSPC, "No space left on device"),
    E(ESPIPE, "Illegal seek"),
    E(EROFS, "Read-only file system"),
    E(EMLINK, "Too many links"),
    E(EPIPE, "Broken pipe"),
    E(EDOM, "Numerical argument out of domain"),
    E(ERANGE, "Numerical result out of range"),
    E(EDEADLK, "Resource deadlock avoided"),
    E(ENAMETOOLONG, "File name too long"),
    E(ENOLCK, "No locks available"),
    E(ENOSYS, "Function not implemented"),
    E(ENOTEMPTY, "Directory not empty"),
    E(ELOOP, "Too many levels of symbolic links"),
    E(ENOMSG, "No message of desired type"),
    E(EIDRM, "Identifier removed"),
    E(ECHRNG, "Channel number out of range"),
    E(EL2NSYNC, "Level 2 not synchronized"),
    E(EL3HLT, "Level 3 halted"),
    E(EL3RST, "Level 3 reset"),
    E(ELNRNG, "Link number out of range"),
    E(EUNATCH, "Protocol driver not attached"),
    E(ENOCSI, "No CSI structure available"),
    E(EL2HLT, "Level 2 halted"),
    E(EBADE, "Invalid exchange"),
    E(EBADR, "Invalid request descriptor"),
    E(EXFULL, "Exchange full"),
    E(ENOANO, "No anode"),
    E(EBADRQC, "Invalid request code"),
    E(EBADSLT, "Invalid slot"),
    E(EBFONT, "Bad font file format"),
    E(ENOSTR, "Device not a stream"),
    E(ENODATA, "No data available"),
    E(ETIME, "Timer expired"),
    E(ENOSR, "Out of streams resources"),
    E(ENONET, "Machine is not on the network"),
    E(ENOPKG, "Package not installed"),
    E(EREMOTE, "Object is remote"),
    E(ENOLINK, "Link has been severed"),
    E(EADV, "Advertise error"),
    E(ESRMNT, "Srmount error"),
    E(ECOMM, "Communication error on send"),
    E(EPROTO, "Protocol error"),
    E(EMULTIHOP, "Multihop attempted"),
    E(EDOTDOT, "RFS specific error"),
    E(EBADMSG, "Bad message"),
    E(EOVERFLOW, "Value too large for defined data type"),
    E(ENOTUNIQ, "Name not unique on network"),
    E(EBADFD, "File descriptor in bad state"),
    E(EREMCHG, "Remote address changed"),
    E(ELIBACC, "Can not access a needed shared library"),
    E(ELIBBAD, "Accessing a corrupted shared library"),
    E(ELIBSCN, ".lib section in a.out corrupted"),
    E(ELIBMAX, "Attempting to link in too many shared libraries"),
    E(ELIBEXEC, "Cannot exec a shared library directly"),
    E(EILSEQ, "Invalid or incomplete multibyte or wide character"),
    E(ERESTART, "Interrupted system call should be restarted"),
    E(ESTRPIPE, "Streams pipe error"),
    E(EUSERS, "Too many users"),
    E(ENOTSOCK, "Socket operation on non-socket"),
    E(EDESTADDRREQ, "Destination address required"),
    E(EMSGSIZE, "Message too long"),
    E(EPROTOTYPE, "Protocol wrong type for socket"),
    E(ENOPROTOOPT, "Protocol not available"),
    E(EPROTONOSUPPORT, "Protocol not supported"),
    E(ESOCKTNOSUPPORT, "Socket type not supported"),
    E(EOPNOTSUPP, "Operation not supported"),
    E(EPFNOSUPPORT, "Protocol family not supported"),
    E(EAFNOSUPPORT, "Address family not supported by protocol"),
    E(EADDRINUSE, "Address already in use"),
    E(EADDRNOTAVAIL, "Cannot assign requested address"),
    E(ENETDOWN, "Network is down"),
    E(ENETUNREACH, "Network is unreachable"),
    E(ENETRESET, "Network dropped connection on reset"),
    E(ECONNABORTED, "Software caused connection abort"),
    E(ECONNRESET, "Connection reset by peer"),
    E(ENOBUFS, "No buffer space available"),
    E(EISCONN, "Transport endpoint is already connected"),
    E(ENOTCONN, "Transport endpoint is not connected"),
    E(ESHUTDOWN, "Cannot send after transport endpoint shutdown"),
    E(ETOOMANYREFS, "Too many references: cannot splice"),
    E(ETIMEDOUT, "Connection timed out"),
    E(ECONNREFUSED, "Connection refused"),
    E(EHOSTDOWN, "Host is down"),
    E(EHOSTUNREACH, "No route to host"),
    E(EALREADY, "Operation already in progress"),
    E(EINPROGRESS, "Operation now in progress"),
    E(ESTALE, "Stale file handle"),
    E(EUCLEAN, "Structure needs cleaning"),
    E(ENOTNAM, "Not a XENIX named type file"),
    E(ENAVAIL, "No XENIX semaphores available"),
    E(EISNAM, "Is a named type file"),
    E(EREMOTEIO, "Remote I/O error"),
    E(EDQUOT, "Disk quota exceeded"),
    E(ENOMEDIUM, "No medium found"),
    E(EMEDIUMTYPE, "Wrong medium type"),
    E(ECANCELED, "Operation canceled"),
    E(ENOKEY, "Required key not available"),
    E(EKEYEXPIRED, "Key has expired"),
    E(EKEYREVOKED, "Key has been revoked"),
    E(EKEYREJECTED, "Key was rejected by service"),
    E(EOWNERDEAD, "Owner died"),
    E(ENOTRECOVERABLE, "State not recoverable"),
    E(ERFKILL, "Operation not possible due to RF-kill"),
    E(EHWPOISON, "Memory page has hardware error"),
};
#undef E

// Kernel-internal codes (include/linux/errno.h, not in uapi headers, hence the numbers).
#define K(v, x, msg) \
  { v, #x, msg, #x " (" msg ")" }
constexpr ErrnoInfo kKernel[] = {
    K(512, ERESTARTSYS, "To be restarted if SA_RESTART is set"),
    K(513, ERESTARTNOINTR, "To be restarted"),
    K(514, ERESTARTNOHAND, "To be restarted if no handler"),
    K(515, ENOIOCTLCMD, "Unknown error 515"),
    K(516, ERESTART_RESTARTBLOCK, "Interrupted by signal"),
    K(517, EPROBE_DEFER, "Unknown error 517"),
    K(518, EOPENSTALE, "Unknown error 518"),
    K(521, EBADHANDLE, "Unknown error 521"),
    K(522, ENOTSYNC, "Unknown error 522"),
    K(523, EBADCOOKIE, "Unknown error 523"),
    K(524, ENOTSUPP, "Unknown error 524"),
    K(525, ETOOSMALL, "Unknown error 525"),
    K(526, ESERVERFAULT, "Unknown error 526"),
    K(527, EBADTYPE, "Unknown error 527"),
    K(528, EJUKEBOX, "Unknown error 528"),
    K(529, EIOCBQUEUED, "Unknown error 529"),
    K(530, ERECALLCONFLICT, "Unknown error 530"),
};
#undef K

// Dense lookup by value, built at compile time: errno_info() is called for every failed call.
struct Index {
  const ErrnoInfo* by_value[135];
};
constexpr Index build_index() {
  Index index{};
  for (const ErrnoInfo& e : kUapi) index.by_value[e.value] = &e;
  return index;
}
constexpr Index kIndex = build_index();

static_assert(sizeof(kUapi) / sizeof(kUapi[0]) == 131, "EPERM..EHWPOISON minus the unused 41, 58");
static_assert(EHWPOISON == 133);

}  // namespace

const ErrnoInfo* errno_info(int value) {
  if (value > 0 && value < 135) return kIndex.by_value[value];
  for (const ErrnoInfo& e : kKernel) {
    if (e.value == value) return &e;
  }
  return nullptr;
}

// Error's names and messages come from the table too (freestanding: the runtime has them).
const char* errno_name(int value) {
  const ErrnoInfo* info = errno_info(value);
  return info ? info->name : nullptr;
}

const char* Error::describe() const {
  if (is_gone()) return "tracee gone";
  const ErrnoInfo* info = errno_info(value_);
  return info ? info->described : "unknown errno";
}

}  // namespace ptvm
