#include "vms/path/qemu.h"

#include <elf.h>

#include "core/cstr.h"

namespace ptvm::path {

using cstr::copy;
using cstr::length;

namespace {

// PRoot's list of the dynamic loader's variables that go to the guest's program.
constexpr const char* kLoaderVariables[] = {"LD_LIBRARY_PATH",
                                            "LD_PRELOAD",
                                            "LD_BIND_NOW",
                                            "LD_TRACE_LOADED_OBJECTS",
                                            "LD_AOUT_LIBRARY_PATH",
                                            "LD_AOUT_PRELOAD",
                                            "LD_AUDIT",
                                            "LD_BIND_NOT",
                                            "LD_DEBUG",
                                            "LD_DEBUG_OUTPUT",
                                            "LD_DYNAMIC_WEAK",
                                            "LD_HWCAP_MASK",
                                            "LD_KEEPDIR",
                                            "LD_NOWARN",
                                            "LD_ORIGIN_PATH",
                                            "LD_POINTER_GUARD",
                                            "LD_PROFILE",
                                            "LD_PROFILE_OUTPUT",
                                            "LD_SHOW_AUXV",
                                            "LD_USE_LOAD_BIAS",
                                            "LD_VERBOSE",
                                            "LD_WARN"};
constexpr std::size_t kNames = sizeof kLoaderVariables / sizeof kLoaderVariables[0];
static_assert(QemuEnv::kMaxFront >= 2 + 2 * kNames);

// Whether `entry` ("NAME=value", possibly cut short) is variable `name`.
bool is_variable(const char* entry, const char* name) {
  const std::size_t n = length(name);
  return cstr::starts_with(entry, name) && entry[n] == '=';
}

bool append(char* into, std::size_t capacity, std::size_t* used, const char* s, std::size_t n) {
  if (*used + n + 1 > capacity) return false;
  copy(into + *used, s, n);
  *used += n;
  into[*used] = 0;
  return true;
}

// Appends each directory of the colon-separated `dirs` as /host-rootfs/DIR, colon-separated.
bool add_host_dirs(char* into, std::size_t capacity, std::size_t* used, const char* dirs) {
  for (const char* p = dirs; *p;) {
    const char* end = p;
    while (*end && *end != ':') ++end;
    if (end > p) {
      if (*used > 16 && !append(into, capacity, used, ":", 1)) return false;  // after "LD_..="
      if (!append(into, capacity, used, kHostRootfs, sizeof kHostRootfs - 1)) return false;
      if (*p != '/' && !append(into, capacity, used, "/", 1)) return false;
      if (!append(into, capacity, used, p, static_cast<std::size_t>(end - p))) return false;
    }
    p = *end ? end + 1 : end;
  }
  return true;
}

}  // namespace

bool QemuConfig::set(const char* const* argv, std::size_t n) {
  if (n == 0 || n > kMaxArgs || argv[0][0] != '/') return false;
  std::size_t used = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t len = length(argv[i]);
    if (used + len + 1 > sizeof pool) return false;
    copy(pool + used, argv[i], len + 1);
    args[i] = pool + used;
    used += len + 1;
  }
  count = n;
  active = true;
  return true;
}

bool QemuConfig::set_library_paths(const char* initial) {
  static constexpr char kName[] = "LD_LIBRARY_PATH=";
  std::size_t used = 0;
  host_library_path[0] = 0;
  if (!append(host_library_path, sizeof host_library_path, &used, kName, sizeof kName - 1) ||
      !add_host_dirs(host_library_path, sizeof host_library_path, &used,
                     initial && *initial ? initial : "/") ||
      !add_host_dirs(host_library_path, sizeof host_library_path, &used,
                     "/lib/x86_64-linux-gnu:/usr/lib/x86_64-linux-gnu:/lib64:/usr/lib64:"
                     "/usr/local/lib64:/lib:/usr/lib:/usr/local/lib")) {
    return false;
  }
  guest_library_path[0] = 0;
  if (initial) {
    used = 0;
    if (!append(guest_library_path, sizeof guest_library_path, &used, kName, sizeof kName - 1) ||
        !append(guest_library_path, sizeof guest_library_path, &used, initial, length(initial))) {
      return false;
    }
  }
  return true;
}

bool native_image(const QemuConfig& qemu, const unsigned char* head, long n) {
  if (qemu.force_foreign) return false;
  Elf64_Ehdr eh;
  if (n < static_cast<long>(sizeof eh)) return false;
  copy(reinterpret_cast<char*>(&eh), reinterpret_cast<const char*>(head), sizeof eh);
  return eh.e_ident[EI_MAG0] == ELFMAG0 && eh.e_ident[EI_MAG1] == ELFMAG1 &&
         eh.e_ident[EI_MAG2] == ELFMAG2 && eh.e_ident[EI_MAG3] == ELFMAG3 &&
         eh.e_ident[EI_CLASS] == ELFCLASS64 && eh.e_machine == EM_X86_64;
}

int plan_qemu_env(SyscallCall& call, const QemuConfig& qemu, std::uint64_t envp, bool foreign,
                  QemuEnv& out) {
  out.env_count = out.front_count = 0;
  // The pointers, in chunks (the last one may cross into an unmapped page: then word by word).
  std::uint64_t ptrs[QemuEnv::kMaxEnv];
  std::size_t n = 0;
  for (std::uint64_t chunk[64]; envp != 0;) {
    std::size_t words = 64;
    if (!call.memory().read(RemotePtr<void>(envp + 8 * n), chunk, sizeof chunk)) {
      words = 1;
      if (!call.memory().read(RemotePtr<void>(envp + 8 * n), chunk, 8)) return EFAULT;
    }
    std::size_t i = 0;
    for (; i < words && chunk[i] != 0; ++i) {
      if (n == QemuEnv::kMaxEnv) return E2BIG;
      ptrs[n++] = chunk[i];
    }
    if (i < words) break;
  }
  // Which are the loader's: the start of each (one batch per 128), then LD_LIBRARY_PATH whole.
  constexpr std::size_t kHead = 32;
  static_assert(sizeof "LD_TRACE_LOADED_OBJECTS=" < kHead);
  char heads[Batch::kCapacity][kHead];
  // The loader's variables found, by index into ptrs; -1 for LD_LIBRARY_PATH's slot if none.
  long library = -1;
  std::size_t found[kNames];
  std::size_t nfound = 0;
  bool is_loader[QemuEnv::kMaxEnv] = {};
  for (std::size_t from = 0; from < n; from += Batch::kCapacity) {
    Batch batch;
    const std::size_t take = n - from < Batch::kCapacity ? n - from : Batch::kCapacity;
    for (std::size_t k = 0; k < take; ++k) {
      batch.read_string(RemotePtr<char>(ptrs[from + k]), heads[k], kHead);
    }
    if (!call.memory().run(batch)) return EFAULT;
    for (std::size_t k = 0; k < take; ++k) {
      heads[k][kHead - 1] = 0;
      if (!cstr::starts_with(heads[k], "LD_")) continue;
      for (const char* name : kLoaderVariables) {
        if (!is_variable(heads[k], name)) continue;
        is_loader[from + k] = true;
        if (cstr::equal(name, "LD_LIBRARY_PATH")) library = static_cast<long>(from + k);
        if (nfound < kNames) found[nfound++] = from + k;
        break;
      }
    }
  }
  // LD_LIBRARY_PATH as a host program got it from ptvm: the guest's own value goes on.
  bool library_is_hosts = false;
  if (library >= 0 && foreign && qemu.guest_library_path[0]) {
    char value[sizeof qemu.host_library_path];
    auto got = call.memory().read_string(RemotePtr<char>(ptrs[library]), value, sizeof value);
    library_is_hosts = got && cstr::equal(value, qemu.host_library_path);
  }

  if (foreign) {
    // PRoot's order: -U first, then the variables, the environment's last first.
    if (library < 0) {
      out.front[out.front_count++] = {"-U", 0};
      out.front[out.front_count++] = {"LD_LIBRARY_PATH", 0};
    }
    for (std::size_t k = nfound; k-- > 0;) {
      out.front[out.front_count++] = {"-E", 0};
      if (static_cast<long>(found[k]) == library && library_is_hosts) {
        out.front[out.front_count++] = {qemu.guest_library_path, 0};
      } else {
        out.front[out.front_count++] = {nullptr, ptrs[found[k]]};
      }
    }
  }
  // The new environment: the loader's variables gone for QEMU (and LD_LIBRARY_PATH the host's
  // for either kind of host program: QEMU, or the program itself).
  for (std::size_t i = 0; i < n; ++i) {
    if (static_cast<long>(i) == library) {
      out.env[out.env_count++] = {qemu.host_library_path, 0};
    } else if (!foreign || !is_loader[i]) {
      out.env[out.env_count++] = {nullptr, ptrs[i]};
    }
  }
  if (library < 0) out.env[out.env_count++] = {qemu.host_library_path, 0};
  return 0;
}

}  // namespace ptvm::path
