// Every errno a Linux x86-64 system call can return: its name and the message strace prints
// after it (`= -1 ENOENT (No such file or directory)`). strace prints glibc's strerror() text, so
// the messages here are glibc's (2.36), written down once so that code which may not call libc
// (the in-process runtime's SIGSYS handler, the trace decoders) can print them too.
//
// Besides the uapi errnos (1..133) the table has the kernel-internal codes 512..530 (ERESTARTSYS,
// ENOIOCTLCMD...), which a tracer sees at a syscall exit interrupted by a signal. glibc knows no
// text for them ("Unknown error 512"); for the four restart codes the message is the one strace
// prints instead (`= ? ERESTARTSYS (To be restarted if SA_RESTART is set)`).
//
// Freestanding: constexpr data, no allocation, no libc.
#pragma once

namespace ptvm {

struct ErrnoInfo {
  int value;
  const char* name;       // "ENOENT"
  const char* message;    // "No such file or directory"
  const char* described;  // "ENOENT (No such file or directory)"
};

// nullptr for a value without a name (0, 41, 58, 134..511, 519, 520, > 530, negative).
const ErrnoInfo* errno_info(int value);

// True for the codes a syscall returns when a signal interrupted it and the kernel may restart
// it (512 ERESTARTSYS, 513 ERESTARTNOINTR, 514 ERESTARTNOHAND, 516 ERESTART_RESTARTBLOCK).
// strace prints them as `= ? NAME (message)`: the caller never sees them.
constexpr bool is_restart_errno(int value) {
  return value == 512 || value == 513 || value == 514 || value == 516;
}

}  // namespace ptvm
