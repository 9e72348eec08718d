#include "cli/path_vm.h"

#include <fcntl.h>
#include <fmt/core.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include "cli/vm_runner.h"
#include "vms/path/resolve.h"

namespace ptvm::cli {

namespace {

// "/a/./b/../c/" -> "/a/c" (no links looked at: the guest side of a binding is a name).
std::string canonical_guest(const std::string& p) {
  std::vector<std::string> parts;
  std::size_t i = 0;
  while (i <= p.size()) {
    std::size_t j = p.find('/', i);
    if (j == std::string::npos) j = p.size();
    std::string c = p.substr(i, j - i);
    if (c == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!c.empty() && c != ".") {
      parts.push_back(c);
    }
    i = j + 1;
  }
  std::string out;
  for (const auto& c : parts) out += "/" + c;
  return out.empty() ? "/" : out;
}

std::string expand_home(const std::string& p) {
  if (p == "~" || p.starts_with("~/")) {
    const char* home = std::getenv("HOME");
    if (home) return std::string(home) + p.substr(1);
  }
  return p;
}

bool host_canonical(const std::string& given, std::string* out) {
  char buf[PATH_MAX];
  if (!realpath(given.c_str(), buf)) return false;
  *out = buf;
  return true;
}

// The program file `name` as execvp would find it on the host (a name with a slash: from ptvm's
// directory), absolute; empty if none.
std::string host_program(const std::string& name) {
  std::vector<std::string> tries;
  if (name.find('/') != std::string::npos) {
    tries.push_back(name);
  } else if (const char* env = std::getenv("PATH")) {
    std::string dirs = env;
    for (std::size_t start = 0; start <= dirs.size();) {
      std::size_t end = dirs.find(':', start);
      if (end == std::string::npos) end = dirs.size();
      std::string dir = dirs.substr(start, end - start);
      tries.push_back((dir.empty() ? "." : dir) + "/" + name);
      start = end + 1;
    }
  }
  for (const auto& t : tries) {
    struct stat st;
    std::string absolute;
    if (stat(t.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(t.c_str(), X_OK) == 0 &&
        host_canonical(t, &absolute)) {
      return absolute;
    }
  }
  return {};
}

// -q 'QEMU ARGS': QEMU found on the host's PATH (a host program), the host's root bound at
// /host-rootfs (first: the user's bindings win), the host programs' LD_LIBRARY_PATH.
bool setup_qemu(const std::string& text, PathModule& module) {
  std::vector<std::string> words;
  for (std::size_t i = 0; i < text.size();) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    std::size_t j = i;
    while (j < text.size() && text[j] != ' ' && text[j] != '\t') ++j;
    if (j > i) words.push_back(text.substr(i, j - i));
    i = j;
  }
  if (words.empty()) {
    complain("-q: no emulator given");
    return false;
  }
  const std::string qemu = host_program(words[0]);
  if (qemu.empty()) {
    complain(fmt::format("-q: cannot find the emulator '{}' on the host", words[0]));
    return false;
  }
  words[0] = qemu;
  std::vector<const char*> argv;
  for (const auto& w : words) argv.push_back(w.c_str());
  path::QemuConfig& config = module.qemu();
  if (!config.set(argv.data(), argv.size()) ||
      !config.set_library_paths(std::getenv("LD_LIBRARY_PATH"))) {
    complain(
        fmt::format("-q '{}': too long, or more than {} words", text, path::QemuConfig::kMaxArgs));
    return false;
  }
  config.force_foreign = std::getenv("PROOT_FORCE_FOREIGN_BINARY") != nullptr;
  if (!module.edit_map().bind("/", path::kHostRootfs)) {
    complain("-q: cannot bind the host's root at /host-rootfs");
    return false;
  }
  return true;
}

}  // namespace

PathVm::~PathVm() {
  if (!glue.empty()) rmdir(glue.c_str());
}

std::vector<std::string> recommended_bindings(bool fewer) {
  std::vector<std::string> wanted;
  if (fewer) {
    wanted = {
        "/etc/host.conf", "/etc/hosts", "/etc/nsswitch.conf", "/etc/resolv.conf", "/dev", "/sys",
        "/proc",          "/tmp"};
  } else {
    wanted = {"/etc/host.conf",
              "/etc/hosts",
              "/etc/nsswitch.conf",
              "/etc/resolv.conf",
              "/etc/passwd",
              "/etc/group",
              "/etc/localtime",
              "/dev",
              "/sys",
              "/proc",
              "/tmp",
              "/run"};
  }
  if (const char* home = std::getenv("HOME"); home && *home) wanted.push_back(home);
  std::vector<std::string> out;
  for (const auto& w : wanted) {
    struct stat st;
    if (stat(w.c_str(), &st) == 0) out.push_back(w);
  }
  return out;
}

bool setup_path_vm(const PathOptions& o, VmOptions& options, std::unique_ptr<PathVm>& storage,
                   int* exit_code) {
  *exit_code = 2;
  storage = std::make_unique<PathVm>();
  path::PathMap& map = storage->path.edit_map();
  std::string root = "/";
  if (!o.rootfs.empty()) {
    struct stat st;
    if (!host_canonical(expand_home(o.rootfs), &root) || stat(root.c_str(), &st) < 0) {
      complain(fmt::format("rootfs {}: {}", o.rootfs, std::strerror(errno)));
      return false;
    }
    if (!S_ISDIR(st.st_mode)) {
      complain(fmt::format("rootfs {}: not a directory", o.rootfs));
      return false;
    }
  }
  map.set_root(root.c_str());
  if (!o.qemu.empty() && !setup_qemu(o.qemu, storage->path)) return false;
  for (const auto& text : o.binds) {
    std::string host = text, guest;
    if (auto colon = text.rfind(':'); colon != std::string::npos && colon > 0) {
      host = text.substr(0, colon);
      guest = text.substr(colon + 1);
    }
    host = expand_home(host);
    if (host.empty()) {
      complain(fmt::format("invalid binding '{}': expected HOST[:GUEST]", text));
      return false;
    }
    if (guest.empty()) {
      if (host[0] != '/') {
        char cwd[PATH_MAX];
        if (!getcwd(cwd, sizeof cwd)) {
          complain("cannot read the current directory");
          return false;
        }
        guest = std::string(cwd) + "/" + host;
      } else {
        guest = host;
      }
    }
    // PRoot's spelling: a guest path that is a link in the guest binds at the link's target,
    // unless it ends with '!'.
    const bool literal = guest.ends_with('!');
    if (literal) guest.pop_back();
    if (guest.empty() || guest[0] != '/') {
      complain(fmt::format("invalid binding '{}': the guest path must be absolute", text));
      return false;
    }
    std::string host_path;
    if (!host_canonical(host, &host_path)) {
      complain(fmt::format("binding '{}': host path {}: {}", text, host, std::strerror(errno)));
      return false;
    }
    guest = canonical_guest(guest);
    if (!literal) {
      const path::Walk walk{map, getpid(), gettid(), nullptr};
      path::Resolved r;
      if (path::resolve(walk, "/", guest.c_str(), true, r) == 0 && r.complete) guest = r.guest;
    }
    if (!map.bind(host_path.c_str(), guest.c_str())) {
      complain(fmt::format("binding '{}': too long, or more than {} bindings", text,
                           path::PathMap::kMaxBindings));
      return false;
    }
  }

  // ptvm's temporary files: in PROOT_TMP_DIR (PRoot's variable), else TMPDIR, else /tmp. One
  // named by PROOT_TMP_DIR must be usable even if this run needs none, as PRoot requires.
  const char* proot_tmp = std::getenv("PROOT_TMP_DIR");
  const char* tmpdir = std::getenv("TMPDIR");
  const std::string tmp = proot_tmp && *proot_tmp ? proot_tmp : tmpdir && *tmpdir ? tmpdir : "/tmp";
  if (proot_tmp && *proot_tmp && access(proot_tmp, W_OK | X_OK) < 0) {
    complain(fmt::format("PROOT_TMP_DIR {}: {}", proot_tmp, std::strerror(errno)));
    return false;
  }
  if (map.bindings() > 0) {
    // Guest directories on the way to a binding that the rootfs lacks: one empty, read-only
    // directory of ptvm's stands for them (removed when ptvm ends).
    std::string glue = tmp + "/ptvm-glue-XXXXXX";
    if (!mkdtemp(glue.data())) {
      complain(
          fmt::format("cannot make a temporary directory in {}: {}", tmp, std::strerror(errno)));
      return false;
    }
    chmod(glue.c_str(), 0555);
    storage->glue = glue;
    map.set_glue(glue.c_str());
  }

  // The guest's working directory (PRoot's rules): -w DIR; a relative DIR, or none, from
  // ptvm's own directory: where the guest sees it, else the same path in the guest, else "/"
  // (with a warning when -w named it).
  path::Walk walk{map, getpid(), gettid(), nullptr};
  char here[PATH_MAX], seen[PATH_MAX];
  const bool have_here = getcwd(here, sizeof here) != nullptr;
  std::vector<std::string> tries;
  if (o.cwd.starts_with('/')) {
    tries.push_back(canonical_guest(o.cwd));
  } else {
    const std::string rel = o.cwd.empty() ? "." : o.cwd;
    if (have_here && map.to_guest(here, seen))
      tries.push_back(canonical_guest(std::string(seen) + "/" + rel));
    if (have_here) tries.push_back(canonical_guest(std::string(here) + "/" + rel));
  }
  std::string cwd;
  for (const auto& t : tries) {
    path::Resolved r;
    if (path::resolve(walk, "/", t.c_str(), true, r) == 0 && r.complete && chdir(r.host) == 0) {
      cwd = t;
      break;
    }
  }
  if (cwd.empty()) {
    if (!o.cwd.empty()) {
      complain(
          fmt::format("warning: cannot enter the guest's directory {}; using / instead", o.cwd));
    }
    path::Resolved r;
    if (path::resolve(walk, "/", "/", true, r) != 0 || chdir(r.host) < 0) {
      complain(fmt::format("cannot enter the guest's root {}: {}", root, std::strerror(errno)));
      return false;
    }
    cwd = "/";
  }
  // The shell's idea of the working directory, as the guest sees it; the program's getcwd names
  // it so too where its host directory has other guest names.
  setenv("PWD", cwd.c_str(), 1);
  storage->path.set_initial_cwd(cwd.c_str());

  // The program, on the guest's PATH.
  if (options.command.empty()) options.command = {"/bin/sh", "-l"};
  const std::string name = options.command[0];
  std::vector<std::string> candidates;
  if (name.find('/') != std::string::npos) {
    candidates.push_back(name);
  } else {
    // PRoot's rule: an empty or unset PATH names no directory.
    const char* env = std::getenv("PATH");
    std::string dirs = env ? env : "";
    for (std::size_t start = 0; !dirs.empty() && start <= dirs.size();) {
      std::size_t end = dirs.find(':', start);
      if (end == std::string::npos) end = dirs.size();
      std::string dir = dirs.substr(start, end - start);
      candidates.push_back((dir.empty() ? "." : dir) + "/" + name);
      start = end + 1;
    }
  }
  int error = ENOENT;
  char base[PATH_MAX];
  if (path::guest_dir(map, gettid(), AT_FDCWD, base) != 0) std::strcpy(base, "/");
  for (const auto& c : candidates) {
    path::Resolved p;
    if (path::resolve(walk, base, c.c_str(), true, p) != 0 || !p.complete) continue;
    struct stat st;
    if (stat(p.host, &st) < 0) continue;
    if (S_ISDIR(st.st_mode) || access(p.host, X_OK) < 0) {
      error = EACCES;
      continue;
    }
    options.guest_program = c;
    error = 0;
    break;
  }
  if (error != 0) {
    complain(
        fmt::format("cannot run '{}' in the guest ({}): {}", name, root, std::strerror(error)));
    *exit_code = error == ENOENT ? 127 : 126;
    return false;
  }

  if (o.root_id) {
    if (!make_fakeroot_table(storage->table)) {
      *exit_code = 1;
      return false;
    }
    storage->fakeroot = std::make_unique<fakeroot::FakerootModule>(*storage->table.db);
    storage->fakeroot->set_initial_ids(o.uid, o.gid);
    storage->fakeroot->set_runner_ids(getuid(), getgid());
    storage->fakeroot->set_shared(storage->table.fd, storage->table.bytes);
  }
  if (o.verbose > 0) {
    fmt::print(stderr, "ptvm: path VM: rootfs {}\n", root);
    for (std::size_t i = 0; i < map.bindings(); ++i) {
      fmt::print(stderr, "ptvm: path VM: binding {} -> {}\n", map.binding_host(i),
                 map.binding_guest(i));
    }
    fmt::print(stderr, "ptvm: path VM: cwd {}, program {}\n", cwd, options.guest_program);
  }
  *exit_code = 0;
  return true;
}

}  // namespace ptvm::cli
