// What the compiler may call in a freestanding object: the memory functions (GCC emits calls to
// them for copies and zeroing even with no libc), and the C++ runtime's few hooks. Written as
// plain loops; `-fno-builtin` on this file keeps GCC from turning them back into calls to
// themselves.
#include <cstddef>

extern "C" {

void* memcpy(void* dst, const void* src, std::size_t n) {
  auto* d = static_cast<unsigned char*>(dst);
  const auto* s = static_cast<const unsigned char*>(src);
  for (std::size_t i = 0; i < n; ++i) d[i] = s[i];
  return dst;
}

void* memmove(void* dst, const void* src, std::size_t n) {
  auto* d = static_cast<unsigned char*>(dst);
  const auto* s = static_cast<const unsigned char*>(src);
  if (d < s) {
    for (std::size_t i = 0; i < n; ++i) d[i] = s[i];
  } else {
    for (std::size_t i = n; i > 0; --i) d[i - 1] = s[i - 1];
  }
  return dst;
}

void* memset(void* dst, int c, std::size_t n) {
  auto* d = static_cast<unsigned char*>(dst);
  for (std::size_t i = 0; i < n; ++i) d[i] = static_cast<unsigned char>(c);
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

}  // extern "C"

// Virtual destructors reference the deleting destructor, which references operator delete;
// nothing in the runtime is ever allocated or deleted.
void operator delete(void*) noexcept {
  __builtin_trap();
}
void operator delete(void*, std::size_t) noexcept {
  __builtin_trap();
}
