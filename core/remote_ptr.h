// A tracee address is a type of its own (STYLE.md 1): it cannot be dereferenced by accident,
// it is built explicitly from an integer, and arithmetic is in units of T.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace ptvm {

template <class T>
class RemotePtr {
 public:
  constexpr RemotePtr() = default;
  constexpr explicit RemotePtr(std::uintptr_t addr) : addr_(addr) {}
  // Any RemotePtr converts to RemotePtr<void>, like T* to void*.
  template <class U>
  requires std::is_void_v<T> &&(!std::is_void_v<U>)constexpr RemotePtr(RemotePtr<U> other)
      : addr_(other.addr()) {}

  constexpr std::uintptr_t addr() const { return addr_; }
  constexpr bool is_null() const { return addr_ == 0; }
  constexpr explicit operator bool() const { return addr_ != 0; }

  template <class U>
  constexpr RemotePtr<U> cast() const {
    return RemotePtr<U>(addr_);
  }

  constexpr RemotePtr operator+(std::ptrdiff_t n) const { return RemotePtr(addr_ + n * stride()); }
  constexpr RemotePtr operator-(std::ptrdiff_t n) const { return RemotePtr(addr_ - n * stride()); }
  constexpr RemotePtr& operator+=(std::ptrdiff_t n) { return *this = *this + n; }
  constexpr auto operator<=>(const RemotePtr&) const = default;

 private:
  static constexpr std::ptrdiff_t stride() {
    if constexpr (std::is_void_v<T>)
      return 1;
    else
      return sizeof(T);
  }
  std::uintptr_t addr_ = 0;
};

// A range of tracee memory: a pointer and a count of T.
template <class T>
struct RemoteSpan {
  RemotePtr<T> data;
  std::size_t size = 0;
  constexpr std::size_t size_bytes() const {
    if constexpr (std::is_void_v<T>)
      return size;
    else
      return size * sizeof(T);
  }
};

}  // namespace ptvm
