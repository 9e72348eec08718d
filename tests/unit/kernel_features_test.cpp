// KernelFeatures and `ptvm features`: the probes find what this kernel offers, the result is
// computed once, and both printed forms name every probe.
#include "core/kernel_features.h"

#include <gtest/gtest.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include <cctype>
#include <cstdio>
#include <cstring>
#include <set>
#include <string>
#include <string_view>

namespace ptvm {
namespace {

// The kernel version each probe needs on x86-64 (with the usual config: SECCOMP_FILTER,
// CROSS_MEMORY_ATTACH, Yama at most 1). CI runs Linux 6.18, where every probe must say yes.
struct Needs {
  const char* key;
  int major;
  int minor;
};
constexpr Needs kNeeds[] = {
    {"ptrace_seize", 3, 4},
    {"ptrace_options", 3, 8},
    {"seccomp_ret_trace", 3, 5},
    {"seccomp_after_entry", 4, 8},
    {"get_syscall_info", 5, 3},
    {"set_syscall_info", 6, 16},
    {"sysemu", 2, 6},
    {"process_vm_readv", 3, 2},
    {"process_vm_writev", 3, 2},
    {"proc_mem_write_readonly", 2, 6},
    {"sud", 5, 11},
    {"sud_inclusive", 6, 17},
    {"seccomp_ret_trap", 3, 5},
    {"seccomp_user_notif", 5, 0},
};

bool kernel_at_least(int major, int minor) {
  utsname uts{};
  if (uname(&uts) != 0) return false;
  int have_major = 0, have_minor = 0;
  if (std::sscanf(uts.release, "%d.%d", &have_major, &have_minor) != 2) return false;
  return have_major > major || (have_major == major && have_minor >= minor);
}

// A small strict JSON checker (objects, arrays, strings, true/false/null, numbers): enough to
// say that to_json() produces something any parser accepts.
class JsonChecker {
 public:
  explicit JsonChecker(std::string_view text) : s_(text) {}
  bool valid() {
    skip_space();
    if (!value()) return false;
    skip_space();
    return i_ == s_.size();
  }

 private:
  void skip_space() {
    while (i_ < s_.size() && s_[i_] != '\0' && std::strchr(" \t\r\n", s_[i_])) ++i_;
  }
  bool eat(char c) {
    skip_space();
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  bool literal(std::string_view word) {
    if (s_.substr(i_, word.size()) != word) return false;
    i_ += word.size();
    return true;
  }
  bool string() {
    if (!eat('"')) return false;
    while (i_ < s_.size()) {
      auto c = static_cast<unsigned char>(s_[i_++]);
      if (c == '"') return true;
      if (c < 0x20) return false;
      if (c == '\\') {
        if (i_ >= s_.size()) return false;
        char e = s_[i_++];
        if (e == 'u') {
          for (int k = 0; k < 4; ++k) {
            if (i_ >= s_.size() || !std::isxdigit(static_cast<unsigned char>(s_[i_++]))) {
              return false;
            }
          }
        } else if (!std::strchr("\"\\/bfnrt", e)) {
          return false;
        }
      }
    }
    return false;
  }
  bool number() {
    std::size_t start = i_;
    if (i_ < s_.size() && s_[i_] == '-') ++i_;
    while (i_ < s_.size() &&
           (std::isdigit(static_cast<unsigned char>(s_[i_])) || std::strchr(".eE+-", s_[i_]))) {
      ++i_;
    }
    return i_ > start;
  }
  bool value() {
    skip_space();
    if (i_ >= s_.size()) return false;
    switch (s_[i_]) {
      case '{':
        return object();
      case '[':
        return array();
      case '"':
        return string();
      case 't':
        return literal("true");
      case 'f':
        return literal("false");
      case 'n':
        return literal("null");
      default:
        return number();
    }
  }
  bool object() {
    eat('{');
    if (eat('}')) return true;
    do {
      if (!string() || !eat(':') || !value()) return false;
    } while (eat(','));
    return eat('}');
  }
  bool array() {
    eat('[');
    if (eat(']')) return true;
    do {
      if (!value()) return false;
    } while (eat(','));
    return eat(']');
  }

  std::string_view s_;
  std::size_t i_ = 0;
};

struct CommandResult {
  int status = -1;
  std::string out;
};

CommandResult run(const std::string& args) {
  CommandResult result;
  std::string command = std::string("'") + PTVM_BINARY + "' " + args;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return result;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) result.out.append(buf, n);
  result.status = pclose(pipe);
  return result;
}

TEST(KernelFeatures, EveryProbeTheKernelShouldHaveIsAvailable) {
  const KernelFeatures& features = KernelFeatures::get();
  for (const Probe* p : features.all()) {
    const Needs* needs = nullptr;
    for (const auto& n : kNeeds) {
      if (std::string_view(n.key) == p->key) needs = &n;
    }
    ASSERT_NE(needs, nullptr) << "no expected kernel version for probe " << p->key;
    if (kernel_at_least(needs->major, needs->minor)) {
      EXPECT_TRUE(p->available) << p->key << " should be available on Linux "
                                << features.kernel_release << ": " << p->detail;
    }
  }
}

TEST(KernelFeatures, UnavailableProbesSayWhy) {
  for (const Probe* p : KernelFeatures::get().all()) {
    if (!p->available) {
      EXPECT_FALSE(p->detail.empty()) << p->key;
    }
  }
}

TEST(KernelFeatures, GetIsComputedOnce) {
  const KernelFeatures& first = KernelFeatures::get();
  const KernelFeatures& second = KernelFeatures::get();
  EXPECT_EQ(&first, &second);
}

TEST(KernelFeatures, AllListsEveryProbeOnceInOrder) {
  const KernelFeatures& features = KernelFeatures::get();
  auto probes = features.all();
  ASSERT_EQ(probes.size(), std::size(kNeeds));
  EXPECT_EQ(probes.front(), &features.ptrace_seize);
  EXPECT_EQ(probes.back(), &features.seccomp_user_notif);
  std::set<std::string_view> keys;
  for (const Probe* p : probes) {
    EXPECT_TRUE(keys.insert(p->key).second) << "duplicate key " << p->key;
    EXPECT_NE(std::string_view(p->title), "") << p->key;
  }
}

TEST(KernelFeatures, ProbeAgainGivesTheSameAnswers) {
  KernelFeatures again = KernelFeatures::probe();
  auto cached = KernelFeatures::get().all();
  auto fresh = again.all();
  ASSERT_EQ(cached.size(), fresh.size());
  for (std::size_t i = 0; i < cached.size(); ++i) {
    EXPECT_EQ(cached[i]->available, fresh[i]->available)
        << cached[i]->key << ": " << fresh[i]->detail;
  }
}

TEST(KernelFeatures, OneProbesOnceAndAgreesWithGet) {
  const Probe& sud = KernelFeatures::one(&KernelFeatures::sud);
  EXPECT_EQ(&sud, &KernelFeatures::one(&KernelFeatures::sud));  // cached
  EXPECT_STREQ(sud.key, "sud");
  EXPECT_EQ(sud.available, KernelFeatures::get().sud.available) << sud.detail;
  const Probe& readv = KernelFeatures::one(&KernelFeatures::process_vm_readv);
  EXPECT_EQ(readv.available, KernelFeatures::get().process_vm_readv.available) << readv.detail;
}

TEST(KernelFeatures, KernelReleaseIsUname) {
  utsname uts{};
  ASSERT_EQ(uname(&uts), 0);
  EXPECT_EQ(KernelFeatures::get().kernel_release, uts.release);
}

TEST(KernelFeatures, JsonIsValidAndNamesEveryKey) {
  const KernelFeatures& features = KernelFeatures::get();
  std::string json = features.to_json();
  EXPECT_TRUE(JsonChecker(json).valid()) << json;
  EXPECT_NE(json.find("\"kernel\": \"" + features.kernel_release + "\""), std::string::npos);
  for (const Probe* p : features.all()) {
    std::string entry =
        std::string("\"") + p->key + "\": {\"available\": " + (p->available ? "true" : "false");
    EXPECT_NE(json.find(entry), std::string::npos) << entry;
  }
}

TEST(KernelFeatures, JsonEscapesDetails) {
  KernelFeatures features;  // not probed: only the printing is under test
  features.kernel_release = "6.18 \"test\"";
  features.sud.detail = "quote \" backslash \\ newline \n tab \t control \x01 end";
  std::string json = features.to_json();
  EXPECT_TRUE(JsonChecker(json).valid()) << json;
  EXPECT_NE(json.find(R"("quote \" backslash \\ newline \n tab \t control \u0001 end")"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find(R"("kernel": "6.18 \"test\"")"), std::string::npos) << json;
}

TEST(KernelFeatures, TableHasOneRowPerProbe) {
  const KernelFeatures& features = KernelFeatures::get();
  std::string table = features.to_table();
  EXPECT_NE(table.find(features.kernel_release), std::string::npos);
  for (const Probe* p : features.all()) {
    std::string start = std::string("\n") + p->title + " ";
    auto at = table.find(start);
    ASSERT_NE(at, std::string::npos) << p->title;
    auto end = table.find('\n', at + 1);
    std::string row = table.substr(at + 1, end - at - 1);
    EXPECT_NE(row.find(p->available ? " yes" : " no"), std::string::npos) << row;
  }
}

TEST(FeaturesCommand, PrintsTheTable) {
  CommandResult r = run("features");
  ASSERT_TRUE(WIFEXITED(r.status)) << r.status;
  EXPECT_EQ(WEXITSTATUS(r.status), 0);
  for (const Probe* p : KernelFeatures::get().all()) {
    EXPECT_NE(r.out.find(p->title), std::string::npos) << p->title << "\n" << r.out;
  }
}

TEST(FeaturesCommand, PrintsJson) {
  CommandResult r = run("features --json");
  ASSERT_TRUE(WIFEXITED(r.status)) << r.status;
  EXPECT_EQ(WEXITSTATUS(r.status), 0);
  EXPECT_TRUE(JsonChecker(r.out).valid()) << r.out;
  for (const Probe* p : KernelFeatures::get().all()) {
    EXPECT_NE(r.out.find(std::string("\"") + p->key + "\": {"), std::string::npos) << p->key << "\n"
                                                                                   << r.out;
  }
}

}  // namespace
}  // namespace ptvm
