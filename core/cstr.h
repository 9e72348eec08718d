// NUL-terminated strings without libc: for code that also runs inside the in-process runtime
// (modules, the runtime itself), where not even strlen may be called.
#pragma once

#include <cstddef>

namespace ptvm::cstr {

inline std::size_t length(const char* s) {
  std::size_t n = 0;
  while (s[n]) ++n;
  return n;
}

inline bool starts_with(const char* s, const char* prefix) {
  for (; *prefix; ++s, ++prefix) {
    if (*s != *prefix) return false;
  }
  return true;
}

inline bool equal(const char* a, const char* b) {
  for (; *a && *a == *b; ++a, ++b) {
  }
  return *a == *b;
}

inline void copy(char* dst, const char* src, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) dst[i] = src[i];
}

// `src` up to its NUL into `dst` of `cap` bytes (cap > 0), cut and terminated if too long: reads
// and writes no byte past the string (a PATH_MAX buffer is two pages, each written page a fault
// in a fresh process).
inline void copy_string(char* dst, const char* src, std::size_t cap) {
  std::size_t i = 0;
  for (; i + 1 < cap && src[i]; ++i) dst[i] = src[i];
  dst[i] = '\0';
}

}  // namespace ptvm::cstr
