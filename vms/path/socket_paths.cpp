#include "vms/path/socket_paths.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>

#include <cerrno>
#include <cstddef>

#include "core/cstr.h"

namespace ptvm::path {

using cstr::copy;
using cstr::length;

namespace {

constexpr std::size_t kPathOffset = offsetof(sockaddr_un, sun_path);
constexpr std::size_t kSunPath = sizeof(sockaddr_un::sun_path);

// The pathname of a sockaddr_un of `len` bytes (the kernel's rule: at most len - 2 bytes, up
// to a NUL). False: not AF_UNIX with a pathname.
bool unix_path(const sockaddr_un& sa, std::size_t len, char* out) {
  if (len <= kPathOffset || sa.sun_family != AF_UNIX || sa.sun_path[0] == 0) return false;
  std::size_t n = 0;
  const std::size_t max = len - kPathOffset < kSunPath ? len - kPathOffset : kSunPath;
  while (n < max && sa.sun_path[n]) ++n;
  copy(out, sa.sun_path, n);
  out[n] = 0;
  return true;
}

// The host's sockaddr_un for the guest name at `addr` (`len` bytes): 0 and *new_len when
// rewritten, -1 when nothing is to be done, else an errno.
int host_name(SyscallCall& call, const Walk& walk, std::uint64_t addr, std::size_t len, bool follow,
              sockaddr_un& out, std::uint32_t* new_len) {
  if (addr == 0 || len <= kPathOffset) return -1;
  sockaddr_un sa{};
  const std::size_t n = len < sizeof sa ? len : sizeof sa;
  if (!call.memory().read(RemotePtr<void>(addr), &sa, n)) return -1;  // the kernel's EFAULT
  char guest[kSunPath + 1];
  if (!unix_path(sa, n, guest)) return -1;
  char base[PATH_MAX] = "/", base_host[PATH_MAX] = "";
  if (guest[0] != '/') {
    if (int e = guest_dir(walk, AT_FDCWD, base, base_host)) return e;
  }
  Resolved r;
  if (int e = resolve(walk, base, guest, follow, r)) return e;
  // The kernel's own walk of the name reaches the same file: the name as it is (a relative
  // name as long as sun_path allows stays usable).
  if (same_walk(guest, base_host, r.host)) return -1;
  const std::size_t hn = length(r.host);
  if (hn >= kSunPath) return ENAMETOOLONG;
  out = sockaddr_un{};
  out.sun_family = AF_UNIX;
  copy(out.sun_path, r.host, hn + 1);
  *new_len = static_cast<std::uint32_t>(kPathOffset + hn + 1);
  return 0;
}

}  // namespace

bool names_in(long nr) {
  return nr == SYS_bind || nr == SYS_connect || nr == SYS_sendto || nr == SYS_sendmsg ||
         nr == SYS_sendmmsg;
}

bool names_out(long nr) {
  return nr == SYS_getsockname || nr == SYS_getpeername || nr == SYS_accept || nr == SYS_accept4 ||
         nr == SYS_recvfrom || nr == SYS_recvmsg || nr == SYS_recvmmsg;
}

void translate_name(SyscallCall& call, const Walk& walk) {
  const long nr = call.nr();
  if (nr == SYS_sendmmsg) {
    // Several messages, each with its own name: refused when one names a path (rare: datagram
    // sockets by path use sendto or sendmsg).
    const std::uint64_t vec = call.arg(1);
    const std::uint32_t count = static_cast<std::uint32_t>(call.arg(2));
    for (std::uint32_t i = 0; i < count && i < 1024; ++i) {
      mmsghdr m{};
      if (!call.memory().read(RemotePtr<void>(vec + i * sizeof m), &m, sizeof m)) return;
      sockaddr_un sa{};
      char guest[kSunPath + 1];
      const std::size_t n = m.msg_hdr.msg_namelen < sizeof sa ? m.msg_hdr.msg_namelen : sizeof sa;
      if (m.msg_hdr.msg_name &&
          call.memory().read(RemotePtr<void>(reinterpret_cast<std::uintptr_t>(m.msg_hdr.msg_name)),
                             &sa, n) &&
          unix_path(sa, n, guest)) {
        return call.answer_error(ENOSYS);
      }
    }
    return;
  }
  std::uint64_t addr;
  std::size_t len;
  msghdr msg{};
  if (nr == SYS_sendmsg) {
    if (!call.memory().read(RemotePtr<void>(call.arg(1)), &msg, sizeof msg)) return;
    addr = reinterpret_cast<std::uintptr_t>(msg.msg_name);
    len = msg.msg_namelen;
  } else if (nr == SYS_sendto) {
    addr = call.arg(4);
    len = static_cast<std::uint32_t>(call.arg(5));
  } else {
    addr = call.arg(1);
    len = static_cast<std::uint32_t>(call.arg(2));
  }
  sockaddr_un host{};
  std::uint32_t host_len = 0;
  // bind creates the name: a link there is not followed (EADDRINUSE, as natively).
  const int e = host_name(call, walk, addr, len, nr != SYS_bind, host, &host_len);
  if (e < 0) return;
  if (e > 0) return call.answer_error(e);
  auto at = call.scratch(sizeof host + sizeof msg);
  if (!at) return call.answer_error(ENOMEM);
  Batch batch;
  batch.write(*at, &host, sizeof host);
  const std::uint64_t name = at->addr();
  if (nr == SYS_sendmsg) {
    msg.msg_name = reinterpret_cast<void*>(name);
    msg.msg_namelen = host_len;
    batch.write(RemotePtr<void>(name + sizeof host), &msg, sizeof msg);
  }
  if (!call.memory().run(batch)) return call.answer_error(ENOMEM);
  if (nr == SYS_sendmsg) {
    call.set_arg(1, name + sizeof host);
  } else if (nr == SYS_sendto) {
    call.set_arg(4, name);
    call.set_arg(5, host_len);
  } else {
    call.set_arg(1, name);
    call.set_arg(2, host_len);
  }
}

void want_name(SyscallCall& call, PendingName& pending) {
  pending.count = 0;
  const long nr = call.nr();
  auto want = [&](std::uint64_t addr, std::uint64_t len_at) {
    std::uint32_t buf_len;
    if (addr == 0 || len_at == 0 ||
        !call.memory().read(RemotePtr<void>(len_at), &buf_len, sizeof buf_len) ||
        buf_len <= kPathOffset) {
      return;
    }
    pending.names[pending.count++] = {addr, len_at, buf_len};
  };
  if (nr == SYS_recvmmsg) {
    std::uint64_t vlen = static_cast<std::uint32_t>(call.arg(2));
    if (vlen > PendingName::kMaxNames) {
      vlen = PendingName::kMaxNames;
      call.set_arg(2, vlen);
    }
    for (std::uint64_t i = 0; i < vlen; ++i) {
      const std::uint64_t at = call.arg(1) + i * sizeof(mmsghdr);
      msghdr msg{};
      if (!call.memory().read(RemotePtr<void>(at), &msg, sizeof msg)) break;
      want(reinterpret_cast<std::uintptr_t>(msg.msg_name), at + offsetof(msghdr, msg_namelen));
    }
  } else if (nr == SYS_recvmsg) {
    msghdr msg{};
    if (!call.memory().read(RemotePtr<void>(call.arg(1)), &msg, sizeof msg)) return;
    want(reinterpret_cast<std::uintptr_t>(msg.msg_name),
         call.arg(1) + offsetof(msghdr, msg_namelen));
  } else if (nr == SYS_recvfrom) {
    want(call.arg(4), call.arg(5));
  } else {
    want(call.arg(1), call.arg(2));
  }
  if (pending.count > 0) call.see_exit_on_success();
}

namespace {

// One name the kernel wrote at `n.addr`: the guest's, cut to the buffer as the kernel cuts.
void give_one(SyscallCall& call, const PathMap& map, const PendingName::Name& n) {
  std::uint32_t full;
  if (!call.memory().read(RemotePtr<void>(n.len_at), &full, sizeof full)) return;
  sockaddr_un sa{};
  const std::size_t got = full < n.buf_len ? full : n.buf_len;
  if (!call.memory().read(RemotePtr<void>(n.addr), &sa, got < sizeof sa ? got : sizeof sa)) {
    return;
  }
  char host[kSunPath + 1], guest[PATH_MAX];
  if (!unix_path(sa, full < sizeof sa ? full : sizeof sa, host) || host[0] != '/') return;
  if (!map.to_guest(host, guest)) return;
  const std::size_t gn = length(guest);
  if (gn >= kSunPath) return;  // a guest name longer than a host one: keep the kernel's
  sockaddr_un out{};
  out.sun_family = AF_UNIX;
  copy(out.sun_path, guest, gn + 1);
  const std::uint32_t out_len = static_cast<std::uint32_t>(kPathOffset + gn + 1);
  Batch batch;
  batch.write(RemotePtr<void>(n.addr), &out, out_len < n.buf_len ? out_len : n.buf_len);
  batch.write(RemotePtr<void>(n.len_at), &out_len, sizeof out_len);
  call.memory().run(batch);
}

}  // namespace

void give_name(SyscallCall& call, const PathMap& map, PendingName& pending) {
  const int count = pending.count;
  pending.count = 0;
  if (count == 0 || call.unfinished() || call.result() < 0) return;
  // recvmmsg: the messages received (its result); the others: the one name.
  const long names = call.nr() == SYS_recvmmsg && call.result() < count ? call.result() : count;
  for (long i = 0; i < names; ++i) give_one(call, map, pending.names[i]);
}

}  // namespace ptvm::path
