#include "vms/kompat/kompat_module.h"

#include <elf.h>
#include <linux/capability.h>
#include <sys/syscall.h>

#include <cerrno>

#include "core/cstr.h"
#include "core/proc_files.h"
#include "core/raw_syscall.h"

namespace ptvm {

using cstr::copy;
using cstr::length;

namespace {

// `s` (n bytes) into a utsname field: cut to 64 characters, NUL-padded.
void set_field(char* field, const char* s, std::size_t n) {
  if (n > KompatModule::kField - 1) n = KompatModule::kField - 1;
  for (std::size_t i = 0; i < KompatModule::kField; ++i) field[i] = i < n ? s[i] : 0;
}

// Words of the tracee's memory from `at` up to the end of its page at most: a stack's pages are
// mapped from its lowest used one up to its top, so this never reads past the stack's end.
std::size_t read_words(Memory& memory, std::uint64_t at, std::uint64_t* out, std::size_t max) {
  std::size_t n = (kPageSize - at % kPageSize) / 8;
  if (n > max) n = max;
  if (n == 0 || !memory.read(RemotePtr<void>(at), out, 8 * n)) return 0;
  return n;
}

bool has_sys_admin(pid_t tid) {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, tid};
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
  if (raw_syscall(SYS_capget, reinterpret_cast<long>(&header), reinterpret_cast<long>(data)) < 0) {
    return false;
  }
  return data[CAP_TO_INDEX(CAP_SYS_ADMIN)].effective & CAP_TO_MASK(CAP_SYS_ADMIN);
}

}  // namespace

bool KompatModule::configure(const Names& host, const char* spec, const char** error) {
  names_ = host;
  hwcap_ = -1;
  if (spec[0] != '\\') {
    set_field(names_.release, spec, length(spec));
    return true;
  }
  // '\sysname\nodename\release\version\machine\domainname\hwcap\' (PRoot's form, hwcap in hex).
  char* fields[] = {names_.sysname, names_.nodename, names_.release,
                    names_.version, names_.machine,  names_.domainname};
  const char* p = spec + 1;
  for (char* field : fields) {
    const char* end = p;
    while (*end && *end != '\\') ++end;
    if (!*end) {
      *error = "expected '\\sysname\\nodename\\release\\version\\machine\\domainname\\hwcap\\'";
      return false;
    }
    set_field(field, p, static_cast<std::size_t>(end - p));
    p = end + 1;
  }
  std::int64_t hwcap = 0;
  const char* digits = p;
  for (; *p && *p != '\\'; ++p) {
    const char c = *p;
    const int v = c >= '0' && c <= '9'   ? c - '0'
                  : c >= 'a' && c <= 'f' ? c - 'a' + 10
                  : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                         : -1;
    if (v < 0 || hwcap > (INT64_MAX >> 4)) {
      *error = "the hwcap field is not a hexadecimal number";
      return false;
    }
    hwcap = hwcap * 16 + v;
  }
  if (*p != '\\' || p == digits) {
    *error = "expected a hexadecimal hwcap field and a final '\\'";
    return false;
  }
  hwcap_ = hwcap;
  return true;
}

Interest KompatModule::interest() const {
  Interest i;
  for (long nr : {SYS_uname, SYS_sethostname, SYS_setdomainname, SYS_execve, SYS_execveat}) {
    i.calls.add(nr);
  }
  return i;
}

void KompatModule::on_entry(SyscallCall& call) {
  switch (call.nr()) {
    case SYS_uname:
      if (!call.memory().write(RemotePtr<void>(call.arg(0)), &names_, sizeof names_)) {
        return call.answer_error(EFAULT);
      }
      return call.answer(0);
    case SYS_sethostname:
      return set_name(call, names_.nodename);
    case SYS_setdomainname:
      return set_name(call, names_.domainname);
    default:  // execve, execveat: the new image's auxiliary vector
      call.see_exit_on_success();
  }
}

// The kernel's order of checks: the capability, the length, the name's memory.
void KompatModule::set_name(SyscallCall& call, char* field) {
  if (!fake_root_checked_ && !has_sys_admin(call.tid())) return call.answer_error(EPERM);
  const std::uint64_t n = call.arg(1);
  if (n > kField - 1) return call.answer_error(EINVAL);
  char name[kField] = {};
  if (n > 0 && !call.memory().read(RemotePtr<void>(call.arg(0)), name, n)) {
    return call.answer_error(EFAULT);
  }
  set_field(field, name, n);
  call.answer(0);
}

void KompatModule::on_exit(SyscallCall& call) {
  if (call.unfinished() || call.result() != 0) return;
  adjust_auxv(call);
}

// The stack the kernel built: argc, argv[], NULL, envp[], NULL, auxv pairs up to AT_NULL.
void KompatModule::adjust_auxv(SyscallCall& call) {
  Memory& memory = call.memory();
  const std::uint64_t sp = start_stack_of(call.pid());
  std::uint64_t argc;
  if (sp == 0 || read_words(memory, sp, &argc, 1) != 1) return;
  std::uint64_t at = sp + 8 * (argc + 2);  // envp[0]
  std::uint64_t words[512];
  for (;;) {
    const std::size_t n = read_words(memory, at, words, 512);
    if (n == 0) return;
    std::size_t i = 0;
    while (i < n && words[i] != 0) ++i;
    at += 8 * i;
    if (i < n) break;
  }
  const std::uint64_t auxv = at + 8;
  // The whole vector (at most 64 pairs; the kernel makes about 25).
  constexpr std::size_t kMax = 128;
  std::uint64_t v[kMax];
  std::size_t have = 0;
  while (have < kMax) {
    const std::size_t n = read_words(memory, auxv + 8 * have, v + have, kMax - have);
    if (n == 0) return;
    have += n;
    bool end = false;
    for (std::size_t k = 0; k + 1 < have && !end; k += 2) end = v[k] == AT_NULL;
    if (end) break;
  }
  std::size_t pairs = 0;
  while (2 * pairs + 1 < have && v[2 * pairs] != AT_NULL) ++pairs;
  if (2 * pairs + 1 >= have) return;  // no AT_NULL within kMax words
  for (std::size_t k = 0; k < pairs; ++k) {
    std::uint64_t& type = v[2 * k];
    std::uint64_t& value = v[2 * k + 1];
    if (type == AT_SYSINFO_EHDR) {
      type = AT_IGNORE;
      value = 0;
    } else if (type == AT_HWCAP && hwcap_ >= 0) {
      value = static_cast<std::uint64_t>(hwcap_);
    }
  }
  if (force_) {
    // AT_RANDOM last, where PRoot adds its own for kernels before 2.6.29.
    for (std::size_t k = 0; k + 1 < pairs; ++k) {
      if (v[2 * k] != AT_RANDOM) continue;
      const std::uint64_t random = v[2 * k + 1];
      for (std::size_t j = k; j + 1 < pairs; ++j) {
        v[2 * j] = v[2 * j + 2];
        v[2 * j + 1] = v[2 * j + 3];
      }
      v[2 * (pairs - 1)] = AT_RANDOM;
      v[2 * (pairs - 1) + 1] = random;
      break;
    }
  }
  (void)memory.write(RemotePtr<void>(auxv), v, 16 * pairs);
}

}  // namespace ptvm
