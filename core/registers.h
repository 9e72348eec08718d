// Registers are values (STYLE.md 3): a copy of the tracee's user_regs_struct with named
// accessors for the syscall ABI (x86-64: nr in orig_rax, args in rdi rsi rdx r10 r8 r9,
// result in rax). Reading and writing them is the access layer's job (mem/), once per stop.
#pragma once

#include <sys/user.h>

#include <cstdint>

namespace ptvm {

class Registers {
 public:
  Registers() = default;
  explicit Registers(const user_regs_struct& raw) : raw_(raw) {}

  // The kernel runs (and seccomp judges) the low 32 bits of rax, sign-extended: 1 << 32 | 257 is
  // openat, as PTRACE_GET_SYSCALL_INFO and SIGSYS's si_syscall say.
  long syscall_no() const { return static_cast<int>(raw_.orig_rax); }
  void set_syscall_no(long nr) { raw_.orig_rax = static_cast<unsigned long long>(nr); }
  // i in [0, 6).
  std::uint64_t arg(int i) const;
  void set_arg(int i, std::uint64_t value);
  long result() const { return static_cast<long>(raw_.rax); }
  void set_result(long value) { raw_.rax = static_cast<unsigned long long>(value); }
  std::uint64_t ip() const { return raw_.rip; }
  std::uint64_t sp() const { return raw_.rsp; }

  const user_regs_struct& raw() const { return raw_; }
  user_regs_struct& raw() { return raw_; }

  bool operator==(const Registers& o) const;

 private:
  user_regs_struct raw_{};
};

inline std::uint64_t Registers::arg(int i) const {
  switch (i) {
    case 0:
      return raw_.rdi;
    case 1:
      return raw_.rsi;
    case 2:
      return raw_.rdx;
    case 3:
      return raw_.r10;
    case 4:
      return raw_.r8;
    default:
      return raw_.r9;
  }
}

inline void Registers::set_arg(int i, std::uint64_t v) {
  switch (i) {
    case 0:
      raw_.rdi = v;
      break;
    case 1:
      raw_.rsi = v;
      break;
    case 2:
      raw_.rdx = v;
      break;
    case 3:
      raw_.r10 = v;
      break;
    case 4:
      raw_.r8 = v;
      break;
    default:
      raw_.r9 = v;
      break;
  }
}

}  // namespace ptvm

namespace ptvm {
inline bool Registers::operator==(const Registers& o) const {
  // Word by word: no libc (this header is used by the freestanding runtime too).
  const auto* a = reinterpret_cast<const unsigned long long*>(&raw_);
  const auto* b = reinterpret_cast<const unsigned long long*>(&o.raw_);
  for (std::size_t i = 0; i < sizeof(raw_) / sizeof(*a); ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}
}  // namespace ptvm
