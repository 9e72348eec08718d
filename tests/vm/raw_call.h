/* A raw system call made with the syscall instruction, for the tests of what ptvm's return
 * trampoline leaves in the registers (trampoline.c, copy_out.c). */
#pragma once
#include <stdint.h>
#include <string.h>

/* A raw system call: the result, whether every register the ABI keeps is kept, and the flags,
 * r11 and rcx right after it (natively: flags and r11 as before, rcx the return address). */
struct after {
  long result;
  int kept;
  unsigned long flags, r11;
  int rcx_is_return;
};
static inline struct after raw_call(long nr, long a0, long a1, long a2, long a3) {
  struct after o;
  long in[6] = {a0, a1, a2, a3, 0x4242, 0x4343};
  long out[6];
  unsigned long flags, r11, rcx, ret;
  register long r10 __asm__("r10") = a3;
  register long r8 __asm__("r8") = in[4];
  register long r9 __asm__("r9") = in[5];
  __asm__ volatile(
      "xor %%ecx, %%ecx\n\t"
      "cmp %%rcx, %%rcx\n\t" /* ZF, PF set; CF, SF, OF clear */
      "syscall\n\t"
      "1:\n\t"
      "pushf\n\t"
      "pop %[flags]\n\t"
      "mov %%r11, %[r11]\n\t"
      "mov %%rcx, %[rcx]\n\t"
      "lea 1b(%%rip), %%rcx\n\t"
      "mov %%rcx, %[ret]\n\t"
      : "+a"(nr), [flags] "=m"(flags), [r11] "=m"(r11), [rcx] "=m"(rcx), [ret] "=m"(ret), "+D"(a0),
        "+S"(a1), "+d"(a2), "+r"(r10), "+r"(r8), "+r"(r9)
      :
      : "rcx", "r11", "memory", "cc");
  out[0] = a0, out[1] = a1, out[2] = a2, out[3] = r10, out[4] = r8, out[5] = r9;
  o.result = nr;
  o.kept = memcmp(in, out, sizeof in) == 0;
  o.flags = flags & 0x8d5; /* CF PF AF ZF SF OF */
  o.r11 = r11 & 0x8d5;
  o.rcx_is_return = rcx == ret;
  return o;
}
