/* uname(2) through its own `mov $63,%eax; syscall` site (one the in-process runtime rewrites
 * after 16 traps by default), 64 times, with a value live in %xmm0 across it, as the syscall ABI
 * allows (only RAX, RCX and R11 change): prints the nodename and whether %xmm0 survived every call.
 * Under a module built with SSE in its hooks (tests/cli/module_backends.sh), the runtime must
 * save the program's vector registers around the modules, also without a signal. */
#include <stdio.h>
#include <sys/utsname.h>

int main(void) {
  struct utsname u;
  int kept = 1;
  for (long i = 0; i < 64; ++i) {
    const unsigned long long in = 0x0123456789abcdefULL + (unsigned long long)i;
    unsigned long long out;
    long ret;
    __asm__ volatile(
        "movq %2, %%xmm0\n\t"
        "mov $63, %%eax\n\t"
        "syscall\n\t"
        "movq %%xmm0, %1"
        : "=a"(ret), "=r"(out)
        : "r"(in), "D"(&u)
        : "rcx", "r11", "xmm0", "memory");
    if (ret != 0 || out != in) kept = 0;
  }
  printf("%s %s\n", u.nodename, kept ? "xmm0 kept" : "xmm0 LOST");
  return 0;
}
