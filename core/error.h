// Errors are values (STYLE.md 4). Three channels, never mixed:
//   - an errno the guest should see (EFAULT, ENOENT...): Error::guest(errno);
//   - the tracee is gone (exited, killed, reaped): Error::gone(), a normal event;
//   - a broken invariant inside ptvm: PTVM_ASSERT, which aborts with context.
// Nothing here allocates or throws: it is used on interception paths and in the runtime.
#pragma once

#include <cerrno>
#include <expected>

namespace ptvm {

class Error {
 public:
  static constexpr Error guest(int errno_value) { return Error(errno_value); }
  static constexpr Error gone() { return Error(kGone); }

  constexpr bool is_gone() const { return value_ == kGone; }
  // The errno to report; ESRCH for a tracee that is gone.
  constexpr int errno_value() const { return is_gone() ? ESRCH : value_; }
  constexpr bool operator==(const Error&) const = default;

  // "EFAULT (Bad address)" or "tracee gone"; static storage, no allocation.
  const char* describe() const;

 private:
  static constexpr int kGone = -1;
  constexpr explicit Error(int v) : value_(v) {}
  int value_;
};

template <class T>
using Result = std::expected<T, Error>;

// Name of an errno ("ENOENT"), or nullptr if unknown. Static storage.
const char* errno_name(int errno_value);

[[noreturn]] void assert_fail(const char* expr, const char* file, int line, const char* why);

}  // namespace ptvm

#define PTVM_ASSERT(expr, why) \
  ((expr) ? static_cast<void>(0) : ::ptvm::assert_fail(#expr, __FILE__, __LINE__, why))
