// strace-style decoding of system calls, signals and exits: the text of `ptvm trace`.
//
//   openat(AT_FDCWD, "/etc/passwd", O_RDONLY|O_CLOEXEC) = 3
//   read(3, "root:x:0:0:root:/root:/bin/bash\n"..., 4096) = 1234
//   --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=123, ...} ---
//   +++ exited with 0 +++
//
// The output matches strace's default output (no -v, no -y, xlat abbreviations), without the
// pid prefix and with a single space before `=` (strace pads to column 40).
//
// Freestanding: this runs inside the in-process backend's SIGSYS handler too. No allocation, no
// exceptions, no libc; tracee memory only through Memory batches, and with the fewest
// Memory::run() calls: everything one call's text needs is read in one batch; a second round
// only follows pointers read in the first (execve's argv strings, iovec buffers, the sockaddr
// behind a socklen_t*, rt_sigreturn's frame behind the stack pointer); more rounds only for
// data larger than the buffers (a getdents64 result over 8 KiB, an envp array crossing pages).
// Stack use is about 34 KiB per call (a 16 KiB fetch arena, its slots, the batch).
//
// When to call what. Most calls are formatted once, at their exit, with format_call():
// arguments that the call writes (read's buffer, stat's struct) exist only then. A few calls
// must be decoded at their entry because their memory is gone at the exit
// (needs_entry_decoding(): execve/execveat replace the address space, rt_sigreturn moves the
// stack pointer): for those, format_entry() at the entry and format_result() at the exit.
// Calls that never return (exit, exit_group) are formatted at the entry with format_call() and
// has_result = false: `exit_group(0) = ?`.
#pragma once

#include <signal.h>

#include <cstddef>
#include <cstdint>

#include "core/memory.h"
#include "vms/trace/line_buffer.h"

namespace ptvm {

struct DecodeOptions {
  std::size_t string_limit = 32;  // strace -s: bytes of a string or buffer, elements of an array
};

// One call as the decoders see it. `result` is the raw return value (-errno on failure).
struct CallView {
  long nr;
  std::uint64_t args[6];
  bool has_result;  // false at the entry, or for a call that never returned
  long result;
};

// `name(args) = result`. Arguments the call writes are decoded only when has_result and the call
// succeeded; otherwise they print as an address, like strace.
void format_call(LineBuffer& out, const CallView& call, Memory& mem, const DecodeOptions& opt);

// The calls whose arguments must be decoded at the entry (see the top of this file).
bool needs_entry_decoding(long nr);

// What a call's text needs at the exit, beyond format_entry()'s text at the entry:
//   result             only the result: format_entry() + format_result() is format_call()'s
//                      text, whatever the result (no argument the call writes, none decoded
//                      by a command or an operation that could be one)
//   memory_on_success  the same for a failed call; a successful one needs format_call() at the
//                      exit (stat's struct, read's buffer)
//   memory             format_call() at the exit (or needs_entry_decoding())
// Checked by the decoder's tests over every system call.
enum class ExitUse : std::uint8_t { result, memory_on_success, memory };
ExitUse exit_use(const CallView& call);

// For a memory_on_success call whose text shows one buffer the call wrote, of known size: the
// argument that points to it and how many bytes format_call() reads there (at most the result
// with up_to_result; none for a NULL pointer). With them and what format_entry() read,
// format_call() has all it needs.
// False for other calls (strings, entries, two buffers...). Checked by the decoder's tests.
struct OutBuffer {
  int arg;
  std::size_t bytes;
  bool up_to_result;
};
bool out_buffer(const CallView& call, const DecodeOptions& opt, OutBuffer* out);

// At the entry: `name(args` (no closing parenthesis), for needs_entry_decoding() calls.
void format_entry(LineBuffer& out, const CallView& call, Memory& mem, const DecodeOptions& opt);
// At the exit, after format_entry()'s text: `) = result`, `) = -1 ENOENT (No such file or
// directory)`, `) = ? ERESTARTSYS (To be restarted if SA_RESTART is set)`; `) = ?` without a
// result. Needs no tracee memory.
void format_result(LineBuffer& out, const CallView& call);

// `--- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=123, si_uid=0, si_status=0,
// si_utime=0, si_stime=0} ---`
void format_signal(LineBuffer& out, const siginfo_t& info);

// `+++ exited with 0 +++`, `+++ killed by SIGKILL +++`, `+++ killed by SIGSEGV (core dumped) +++`
void format_exit(LineBuffer& out, int wait_status);

// "SIGINT", "SIGRTMIN", "SIGRT_3"; nullptr for a number without a name. Static storage.
const char* signal_name(int sig);

}  // namespace ptvm
