#include "cli/syscall_spec.h"

#include <signal.h>
#include <string.h>

#include <charconv>
#include <cstdint>

#include "core/error.h"

namespace ptvm::cli {

namespace {

struct ClassName {
  std::string_view name;
  std::uint32_t bits;
};
constexpr ClassName kClasses[] = {
    {"file", kClassFile},      {"process", kClassProcess}, {"network", kClassNetwork},
    {"net", kClassNetwork},    {"signal", kClassSignal},   {"memory", kClassMemory},
    {"desc", kClassDesc},      {"ipc", kClassIpc},         {"creds", kClassCreds},
    {"stat", kClassStat},      {"lstat", kClassLstat},     {"fstat", kClassFstat},
    {"%stat", kClassStatLike}, {"clock", kClassClock},     {"pure", kClassPure},
    {"statfs", kClassStatfs},  {"fstatfs", kClassFstatfs}, {"%statfs", kClassStatfsLike},
};

template <class T>
bool parse_number(std::string_view text, T* out) {
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && p == text.data() + text.size();
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

bool add_class(SyscallSet& set, std::uint32_t bits) {
  for (long nr = 0; nr < kMaxSyscall; ++nr) {
    const SyscallInfo* info = syscall_info(nr);
    if (info && (info->classes & bits)) set.add(nr);
  }
  return true;
}

}  // namespace

std::optional<SyscallSet> parse_syscall_set(std::string_view text, std::string* error) {
  bool negate = false;
  text = trim(text);
  if (!text.empty() && text.front() == '!') {
    negate = true;
    text.remove_prefix(1);
  }
  SyscallSet set;
  if (text.empty()) {
    *error = "empty system call set";
    return std::nullopt;
  }
  while (!text.empty()) {
    const std::size_t comma = text.find(',');
    std::string_view item = trim(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    bool optional = false;
    if (!item.empty() && item.front() == '?') {
      optional = true;
      item.remove_prefix(1);
    }
    if (item == "all") {
      set = SyscallSet::all();
      continue;
    }
    if (item == "none") continue;
    std::string_view cls = item;
    const bool percent = !cls.empty() && cls.front() == '%';
    if (percent) cls.remove_prefix(1);
    bool found = false;
    for (const auto& c : kClasses) {
      if (c.name == cls) found = add_class(set, c.bits);
    }
    if (found) continue;
    if (!percent) {
      const long nr = syscall_number(item);
      if (nr >= 0) {
        set.add(nr);
        continue;
      }
      long number;
      if (parse_number(item, &number) && number >= 0 && number < kMaxSyscall) {
        set.add(number);
        continue;
      }
    }
    if (optional) continue;
    *error = percent ? "invalid system call class '" + std::string(item) + "'"
                     : "invalid system call '" + std::string(item) + "'";
    return std::nullopt;
  }
  if (negate) set = ~set;
  return set;
}

int parse_signal(std::string_view text) {
  int number;
  if (parse_number(text, &number)) return number >= 1 && number <= SIGRTMAX ? number : 0;
  if (text.starts_with("SIG")) text.remove_prefix(3);
  for (int sig = 1; sig < NSIG; ++sig) {
    const char* abbrev = sigabbrev_np(sig);
    if (abbrev && text == abbrev) return sig;
  }
  return 0;
}

int parse_errno(std::string_view text) {
  int number;
  if (parse_number(text, &number)) return number >= 1 && number <= 4095 ? number : 0;
  for (int e = 1; e < 4096; ++e) {
    const char* name = errno_name(e);
    if (name && text == name) return e;
  }
  return 0;
}

std::optional<InjectRule> parse_inject(std::string_view text, std::string* error) {
  InjectRule rule;
  const std::size_t colon = text.find(':');
  auto set = parse_syscall_set(text.substr(0, colon), error);
  if (!set) return std::nullopt;
  rule.calls = *set;
  if (colon == std::string_view::npos) {
    *error = "inject needs error=, retval=, signal=, delay_enter= or delay_exit=";
    return std::nullopt;
  }
  std::string_view rest = text.substr(colon + 1);
  while (!rest.empty()) {
    const std::size_t next = rest.find(':');
    const std::string_view part = rest.substr(0, next);
    rest = next == std::string_view::npos ? std::string_view{} : rest.substr(next + 1);
    const std::size_t eq = part.find('=');
    const std::string_view key = part.substr(0, eq);
    const std::string_view value = eq == std::string_view::npos ? "" : part.substr(eq + 1);
    auto bad = [&](const char* what) {
      *error = std::string("invalid ") + what + " '" + std::string(value) + "'";
      return std::nullopt;
    };
    if (key == "error") {
      if (rule.fault != InjectRule::Fault::none) return bad("second error=/retval=");
      const int e = parse_errno(value);
      if (!e) return bad("errno");
      rule.fault = InjectRule::Fault::error;
      rule.value = e;
    } else if (key == "retval") {
      if (rule.fault != InjectRule::Fault::none) return bad("second error=/retval=");
      if (!parse_number(value, &rule.value)) return bad("retval");
      rule.fault = InjectRule::Fault::retval;
    } else if (key == "signal") {
      if (!(rule.signal = parse_signal(value))) return bad("signal");
    } else if (key == "delay_enter" || key == "delay_exit") {
      std::uint64_t us;
      if (!parse_number(value, &us)) return bad("delay (microseconds)");
      (key == "delay_enter" ? rule.delay_enter_us : rule.delay_exit_us) = us;
    } else if (key == "when") {
      // first[..last][+[step]]
      std::string_view v = value;
      std::uint32_t first = 0, last = 0, step = 0;
      const std::size_t plus = v.find('+');
      const std::string_view range = v.substr(0, plus);
      const std::size_t dots = range.find("..");
      if (!parse_number(range.substr(0, dots), &first) || first < 1) return bad("when");
      if (dots != std::string_view::npos &&
          (!parse_number(range.substr(dots + 2), &last) || last < first)) {
        return bad("when");
      }
      if (plus != std::string_view::npos) {
        const std::string_view s = v.substr(plus + 1);
        if (s.empty()) {
          step = 1;
        } else if (!parse_number(s, &step) || step < 1) {
          return bad("when");
        }
      }
      rule.first = first;
      rule.step = step ? step : 1;
      // "first" alone is that invocation only; "first..last" every one in the range.
      rule.last = dots != std::string_view::npos
                      ? last
                      : (plus != std::string_view::npos ? UINT32_MAX : first);
    } else {
      *error = "unknown inject option '" + std::string(key) + "'";
      return std::nullopt;
    }
  }
  if (rule.fault == InjectRule::Fault::none && !rule.signal && !rule.delay_enter_us &&
      !rule.delay_exit_us) {
    *error = "inject needs error=, retval=, signal=, delay_enter= or delay_exit=";
    return std::nullopt;
  }
  return rule;
}

}  // namespace ptvm::cli
