// System calls without libc: for code that must run where libc may not be called (the
// in-process runtime's SIGSYS handler, LocalMemory). Returns the kernel's value: -errno on error.
#pragma once

#ifdef PTVM_RAW_SYSCALL_STUB
// Inside the in-process runtime every syscall instruction lives in the allowed range of Syscall
// User Dispatch (runtime/self): the stub there does the call.
extern "C" long ptvm_self_raw_call(long nr, long a1, long a2, long a3, long a4, long a5, long a6);
#endif

namespace ptvm {

inline long raw_syscall(long nr, long a1 = 0, long a2 = 0, long a3 = 0, long a4 = 0, long a5 = 0,
                        long a6 = 0) {
#ifdef PTVM_RAW_SYSCALL_STUB
  return ptvm_self_raw_call(nr, a1, a2, a3, a4, a5, a6);
#else
  long ret;
  register long r10 __asm__("r10") = a4;
  register long r8 __asm__("r8") = a5;
  register long r9 __asm__("r9") = a6;
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "a"(nr), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8), "r"(r9)
                   : "rcx", "r11", "memory");
  return ret;
#endif
}

}  // namespace ptvm
