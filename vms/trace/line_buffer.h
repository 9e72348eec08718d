// A fixed-capacity text buffer for one trace line: what the decoders write into, inside a SIGSYS
// handler too (no allocation, no libc; the compiler may emit memcpy for the copies).
//
// It never overflows: an append that does not fit is cut at the capacity and the buffer
// remembers it (truncated()); later appends are dropped. An all-zero LineBuffer is a valid empty
// one, so it may live in zeroed per-thread module storage.
//
// String quoting follows strace (util.c string_quote): printable ASCII as is; `"` and `\` escaped;
// \f \n \r \t \v by name; any other byte in octal with as few digits as possible (`\0`, `\33`,
// `\177`) unless the next byte is an octal digit, then with three (`\0012`); `...` after the
// closing quote when the data was cut.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace ptvm {

class LineBuffer {
 public:
  static constexpr std::size_t kCapacity = 16 * 1024;

  const char* data() const { return buf_; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::string_view view() const { return {buf_, size_}; }
  // Some append did not fit and was cut.
  bool truncated() const { return truncated_; }
  void clear() {
    size_ = 0;
    truncated_ = false;
  }
  // Drops what was appended after `size` (a decoder that printed a separator and then nothing).
  void shrink_to(std::size_t size) {
    if (size < size_) size_ = size;
  }

  void append(char c) {
    if (size_ < kCapacity) {
      buf_[size_++] = c;
    } else {
      truncated_ = true;
    }
  }
  void append(const char* s, std::size_t n) {
    std::size_t room = kCapacity - size_;
    if (n > room) {
      n = room;
      truncated_ = true;
    }
    __builtin_memcpy(buf_ + size_, s, n);
    size_ += n;
  }
  void append(std::string_view s) { append(s.data(), s.size()); }
  // A NUL-terminated string (string_view's constructor would call strlen, a libc function).
  void append(const char* s) {
    while (*s) append(*s++);
  }

  // Decimal, signed or unsigned by the argument's type.
  template <std::integral T>
  void append_dec(T v) {
    if constexpr (std::is_signed_v<T>) {
      if (v < 0) {
        append('-');
        append_udec(static_cast<std::uint64_t>(0) - static_cast<std::uint64_t>(v));
        return;
      }
    }
    append_udec(static_cast<std::uint64_t>(v));
  }
  // Decimal, zero-padded to `width` digits (timestamps: 09:05:03.000042).
  void append_dec_padded(long v, int width) { append_padded(v, width, '0'); }
  // Decimal, right-aligned with spaces in `width` columns (strace -c's table).
  void append_dec_width(long v, int width) { append_padded(v, width, ' '); }

  // 0x1f; 0 prints as "0" (strace's %#lx).
  void append_hex(std::uint64_t v) {
    if (v == 0) {
      append('0');
      return;
    }
    append("0x", 2);
    append_digits(v, 16);
  }
  // Octal with a leading 0 and at least three digits: 0644, 022, 000 (strace's %#03o).
  void append_oct(std::uint64_t v) {
    char digits[24];
    int n = 0;
    do {
      digits[n++] = static_cast<char>('0' + (v & 7));
      v >>= 3;
    } while (v);
    digits[n++] = '0';  // the leading 0 of %#o
    while (n < 3) digits[n++] = '0';
    while (n) append(digits[--n]);
  }

  // `n` bytes quoted; `...` after the closing quote if `cut` (more data than shown).
  void append_quoted(const void* bytes, std::size_t n, bool cut) {
    const auto* s = static_cast<const unsigned char*>(bytes);
    append('"');
    for (std::size_t i = 0; i < n; ++i) {
      const unsigned char c = s[i];
      switch (c) {
        case '"':
          append("\\\"", 2);
          break;
        case '\\':
          append("\\\\", 2);
          break;
        case '\f':
          append("\\f", 2);
          break;
        case '\n':
          append("\\n", 2);
          break;
        case '\r':
          append("\\r", 2);
          break;
        case '\t':
          append("\\t", 2);
          break;
        case '\v':
          append("\\v", 2);
          break;
        default:
          if (c >= ' ' && c <= '~') {
            append(static_cast<char>(c));
          } else {
            // A following octal digit would be read as part of the escape: then all three.
            const bool full = i + 1 < n && s[i + 1] >= '0' && s[i + 1] <= '7';
            append('\\');
            if (full || c >> 6) append(static_cast<char>('0' + (c >> 6)));
            if (full || c >> 3) append(static_cast<char>('0' + ((c >> 3) & 7)));
            append(static_cast<char>('0' + (c & 7)));
          }
      }
    }
    append('"');
    if (cut) append("...", 3);
  }
  // The first `limit` of `n` bytes, quoted: strace's -s cut.
  void append_escaped(const void* bytes, std::size_t n, std::size_t limit) {
    append_quoted(bytes, n < limit ? n : limit, n > limit);
  }
  // Every byte as \xNN (strace prints getrandom's buffer this way).
  void append_hex_quoted(const void* bytes, std::size_t n, bool cut) {
    const auto* s = static_cast<const unsigned char*>(bytes);
    append('"');
    for (std::size_t i = 0; i < n; ++i) {
      append("\\x", 2);
      append(kHexDigits[s[i] >> 4]);
      append(kHexDigits[s[i] & 15]);
    }
    append('"');
    if (cut) append("...", 3);
  }

  // Text inside a JSON string: `"` `\` and control characters escaped.
  void append_json_escaped(const char* s, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
      const unsigned char c = static_cast<unsigned char>(s[i]);
      if (c == '"' || c == '\\') {
        append('\\');
        append(static_cast<char>(c));
      } else if (c == '\n') {
        append("\\n", 2);
      } else if (c == '\t') {
        append("\\t", 2);
      } else if (c < 0x20) {
        append("\\u00", 4);
        append(kHexDigits[c >> 4]);
        append(kHexDigits[c & 15]);
      } else {
        append(static_cast<char>(c));
      }
    }
  }

 private:
  static constexpr char kHexDigits[] = "0123456789abcdef";

  void append_udec(std::uint64_t v) { append_digits(v, 10); }
  void append_digits(std::uint64_t v, unsigned base) {
    char digits[24];
    int n = 0;
    do {
      digits[n++] = kHexDigits[v % base];
      v /= base;
    } while (v);
    while (n) append(digits[--n]);
  }
  void append_padded(long v, int width, char pad) {
    char digits[24];
    int n = 0;
    const bool negative = v < 0;
    std::uint64_t u = negative ? 0 - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v);
    do {
      digits[n++] = static_cast<char>('0' + u % 10);
      u /= 10;
    } while (u);
    const int used = n + (negative ? 1 : 0);
    if (pad == ' ') {
      for (int i = used; i < width; ++i) append(' ');
      if (negative) append('-');
    } else {
      if (negative) append('-');
      for (int i = used; i < width; ++i) append('0');
    }
    while (n) append(digits[--n]);
  }

  char buf_[kCapacity];
  std::size_t size_ = 0;
  bool truncated_ = false;
};

}  // namespace ptvm
