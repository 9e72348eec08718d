// What the compiler may call in a freestanding object: the memory functions (GCC emits calls to
// them for copies and zeroing even with no libc), and the C++ runtime's few hooks. Written as
// plain loops, eight bytes at a time then the rest (every module call copies its arguments: a
// byte loop was half of a wanted call's instructions); `-fno-builtin` and
// `-fno-tree-loop-distribute-patterns` on this file keep GCC from turning them back into calls
// to themselves.
#include <sys/syscall.h>

#include <cstddef>
#include <cstdint>

#include "core/raw_syscall.h"

namespace {

// A word at any address (the may_alias type may also alias anything it is copied from).
using Word = std::uint64_t __attribute__((may_alias, aligned(1)));

void copy_up(unsigned char* d, const unsigned char* s, std::size_t n) {
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8)
    *reinterpret_cast<Word*>(d + i) = *reinterpret_cast<const Word*>(s + i);
  for (; i < n; ++i) d[i] = s[i];
}

void copy_down(unsigned char* d, const unsigned char* s, std::size_t n) {
  for (; n >= 8; n -= 8) {
    *reinterpret_cast<Word*>(d + n - 8) = *reinterpret_cast<const Word*>(s + n - 8);
  }
  for (; n > 0; --n) d[n - 1] = s[n - 1];
}

}  // namespace

extern "C" {

void* memcpy(void* dst, const void* src, std::size_t n) {
  copy_up(static_cast<unsigned char*>(dst), static_cast<const unsigned char*>(src), n);
  return dst;
}

void* memmove(void* dst, const void* src, std::size_t n) {
  auto* d = static_cast<unsigned char*>(dst);
  const auto* s = static_cast<const unsigned char*>(src);
  // Upwards unless the destination starts inside the source: a word read before it is written.
  if (d <= s || d >= s + n) {
    copy_up(d, s, n);
  } else {
    copy_down(d, s, n);
  }
  return dst;
}

void* memset(void* dst, int c, std::size_t n) {
  auto* d = static_cast<unsigned char*>(dst);
  const std::uint64_t word = 0x0101010101010101ULL * static_cast<unsigned char>(c);
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) *reinterpret_cast<Word*>(d + i) = word;
  for (; i < n; ++i) d[i] = static_cast<unsigned char>(c);
  return dst;
}

int memcmp(const void* a, const void* b, std::size_t n) {
  const auto* x = static_cast<const unsigned char*>(a);
  const auto* y = static_cast<const unsigned char*>(b);
  for (std::size_t i = 0; i < n; ++i) {
    if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
  }
  return 0;
}

std::size_t strlen(const char* s) {
  std::size_t n = 0;
  while (s[n]) ++n;
  return n;
}

// A pure virtual call or a broken invariant: die, as the C++ runtime would.
void __cxa_pure_virtual() {
  __builtin_trap();
}

// For users' modules (runtime/check/module_exports.h), which a C++ compiler builds with these
// calls in them. The runtime itself needs none of them.
//
// A static object's destructor: registered by its constructor, run by exit() in a program with
// a C runtime. A module lives as long as the process it runs in, which ends by exit_group (the
// program's exit() runs the program's destructors, never the runtime's): nothing to record.
int __cxa_atexit(void (*)(void*), void*, void*) {
  return 0;
}
// The handle __cxa_atexit is given, which a module's C runtime files define (it has none).
void* __dso_handle = &__dso_handle;

// A local static's guard (the Itanium C++ ABI): byte 0 says "initialised", byte 1 "being
// initialised". Another thread that finds it being initialised waits for the first.
int __cxa_guard_acquire(unsigned long long* guard) {
  auto* bytes = reinterpret_cast<unsigned char*>(guard);
  for (;;) {
    if (__atomic_load_n(&bytes[0], __ATOMIC_ACQUIRE) != 0) return 0;
    unsigned char idle = 0;
    if (__atomic_compare_exchange_n(&bytes[1], &idle, 1, false, __ATOMIC_ACQUIRE,
                                    __ATOMIC_RELAXED)) {
      return 1;
    }
    ptvm::raw_syscall(SYS_sched_yield);
  }
}
void __cxa_guard_release(unsigned long long* guard) {
  auto* bytes = reinterpret_cast<unsigned char*>(guard);
  __atomic_store_n(&bytes[0], 1, __ATOMIC_RELEASE);
  __atomic_store_n(&bytes[1], 0, __ATOMIC_RELEASE);
}
void __cxa_guard_abort(unsigned long long* guard) {
  __atomic_store_n(&reinterpret_cast<unsigned char*>(guard)[1], 0, __ATOMIC_RELEASE);
}

}  // extern "C"

// Virtual destructors reference the deleting destructor, which references operator delete;
// nothing in the runtime (nor a module in it: it imports no operator new) is ever allocated or
// deleted.
void operator delete(void*) noexcept {
  __builtin_trap();
}
void operator delete(void*, std::size_t) noexcept {
  __builtin_trap();
}
