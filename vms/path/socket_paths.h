// AF_UNIX socket names are paths too: bind, connect, sendto and sendmsg get the host path of
// the guest's name (ENAMETOOLONG, as the kernel, when the host path does not fit in sun_path);
// getsockname, getpeername, accept, accept4, recvfrom, recvmsg and recvmmsg give the guest's name
// back (at the call's exit, cut to the caller's buffer as the kernel cuts it). Abstract names
// (sun_path[0] == 0) and other families are left alone.
#pragma once

#include <cstdint>

#include "core/module.h"
#include "vms/path/resolve.h"

namespace ptvm::path {

// What the exit of a name-returning call needs from its entry: each name's buffer (recvmmsg:
// one per message, at most kMaxNames of them: its vlen is cut to that, and it may return fewer
// messages than asked anyway).
struct PendingName {
  static constexpr int kMaxNames = 16;
  struct Name {
    std::uint64_t addr;     // the caller's sockaddr buffer
    std::uint64_t len_at;   // its socklen_t* (or the msghdr's msg_namelen)
    std::uint32_t buf_len;  // the buffer's size at the entry
  };
  int count;
  Name names[kMaxNames];
};

bool names_in(long nr);   // bind, connect, sendto, sendmsg, sendmmsg
bool names_out(long nr);  // getsockname, getpeername, accept(4), recvfrom, recvmsg, recvmmsg

// Entry of a names_in() call: rewrites the name (or fails the call).
void translate_name(SyscallCall& call, const Walk& walk);
// Entry and exit of a names_out() call.
void want_name(SyscallCall& call, PendingName& pending);
void give_name(SyscallCall& call, const PathMap& map, PendingName& pending);

}  // namespace ptvm::path
