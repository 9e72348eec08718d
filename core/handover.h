// A process handed from the in-process runtime to the ptrace supervisor (--backend=auto), and
// why: the runtime's loader cannot execute every program the kernel can (a userland exec grants
// no privilege, maps only x86-64 ELF files, and reads what it maps). Before such an execve the
// runtime writes one HandoverRequest to ptvm's adoption pipe; the supervisor seizes the thread
// and, at -v, names the process, its program and the reason. The runtime's messages of -v use
// the same reasons (a program it cannot hand over under --backend=inprocess).
//
// Freestanding: plain data, constexpr text (the runtime writes it, ptvm reads it).
#pragma once

#include <linux/limits.h>

#include <cstdint>

namespace ptvm {

enum class HandoverReason : std::uint32_t {
  unknown = 0,
  setuid,                  // the program is setuid or setgid
  foreign,                 // an ELF file of another class or machine (i386)
  unreadable,              // the program or a `#!` interpreter: executable, not readable
  unreadable_interpreter,  // the ELF interpreter (PT_INTERP): executable, not readable
  too_many_headers,        // more program headers than the loader maps
  tracer,  // it imports ptrace(2), under the path VM (ExecRequest::tracers_to_ptrace)
};

// "is setuid/setgid (...)": what follows the program's name in a message.
constexpr const char* describe(HandoverReason r) {
  switch (r) {
    case HandoverReason::setuid:
      return "is setuid/setgid (a userland exec grants no privilege)";
    case HandoverReason::foreign:
      return "is not an x86-64 ELF program (the kernel runs it, ptvm's loader does not)";
    case HandoverReason::unreadable:
      return "is executable but not readable (ptvm's loader reads what it maps)";
    case HandoverReason::unreadable_interpreter:
      return "has an ELF interpreter that is executable but not readable (ptvm's loader reads "
             "what it maps)";
    case HandoverReason::too_many_headers:
      return "has more program headers than ptvm's loader maps";
    case HandoverReason::tracer:
      return "is a tracer (it imports ptrace): the path VM emulates its ptrace on the ptrace "
             "backend";
    case HandoverReason::unknown:
      break;
  }
  return "cannot be run by ptvm's loader";
}

// One record of the adoption pipe: PIPE_BUF bytes at most, so that each write is whole.
struct HandoverRequest {
  std::int32_t tid;  // the thread that is about to call execve
  HandoverReason reason;
  char program[PATH_MAX - 8];  // the name it executes, as given to execve (cut if longer)
};
static_assert(sizeof(HandoverRequest) <= PIPE_BUF);

}  // namespace ptvm
