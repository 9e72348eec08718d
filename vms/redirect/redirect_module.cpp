#include "vms/redirect/redirect_module.h"

#include "core/cstr.h"
#include "core/syscall_table.h"

namespace ptvm {

using cstr::copy;
using cstr::length;

bool RedirectModule::add(const char* from, const char* to) {
  const std::size_t fl = length(from), tl = length(to);
  if (count_ == kMaxRules || fl == 0 || tl == 0 || from[0] != '/' || to[0] != '/' ||
      fl >= PATH_MAX || tl >= PATH_MAX) {
    return false;
  }
  Rule& r = rules_[count_++];
  // "/a/b/" is "/a/b"; "/" stays "/".
  r.from_len = fl > 1 && from[fl - 1] == '/' ? fl - 1 : fl;
  r.to_len = tl > 1 && to[tl - 1] == '/' ? tl - 1 : tl;
  copy(r.from, from, r.from_len);
  r.from[r.from_len] = 0;
  copy(r.to, to, r.to_len);
  r.to[r.to_len] = 0;
  return true;
}

Interest RedirectModule::interest() const {
  Interest i;
  for (long nr = 0; nr < kMaxSyscall; ++nr) {
    const SyscallInfo* info = syscall_info(nr);
    if (!info) continue;
    for (int a = 0; a < info->nargs; ++a) {
      if (info->args[a] == ArgKind::path) i.calls.add(nr);
    }
  }
  return i;
}

bool RedirectModule::translate(const char* path, char* out) const {
  if (path[0] != '/') return false;
  for (std::size_t k = 0; k < count_; ++k) {
    const Rule& r = rules_[k];
    std::size_t i = 0;
    while (i < r.from_len && path[i] == r.from[i]) ++i;
    if (i < r.from_len) continue;
    // FROM matches whole components only: "/data" covers "/data" and "/data/x", not "/database".
    const bool root = r.from_len == 1;
    if (!root && path[i] != 0 && path[i] != '/') continue;
    const char* rest = path + i;  // "" or "/..." ("..." without the slash when FROM is "/")
    const std::size_t rest_len = length(rest);
    const std::size_t to_len = r.to_len == 1 ? 0 : r.to_len;  // TO "/" adds nothing before rest
    const bool slash = rest_len == 0 ? to_len == 0 : rest[0] != '/';
    if (to_len + slash + rest_len + 1 > PATH_MAX) return false;
    copy(out, r.to, to_len);
    if (slash) out[to_len] = '/';
    copy(out + to_len + slash, rest, rest_len + 1);
    return true;
  }
  return false;
}

void RedirectModule::on_entry(SyscallCall& call) {
  const SyscallInfo* info = syscall_info(call.nr());
  if (!info) return;
  // All path arguments of the call in one batch.
  char paths[2][PATH_MAX];
  int which[2];
  int n = 0;
  Batch batch;
  for (int a = 0; a < info->nargs && n < 2; ++a) {
    if (info->args[a] != ArgKind::path || call.arg(a) == 0) continue;
    batch.read_string(RemotePtr<char>(call.arg(a)), paths[n], PATH_MAX);
    which[n++] = a;
  }
  if (n == 0) return;
  // A path that cannot be read is left alone: the kernel gives the caller EFAULT, as natively.
  call.memory().run(batch);
  char translated[2][PATH_MAX];
  int changed[2];
  int m = 0;
  for (int k = 0; k < n; ++k) {
    if (!batch[k].executed || batch[k].truncated) continue;
    if (!translate(paths[k], translated[m])) continue;
    changed[m++] = which[k];
  }
  const char* strings[2] = {translated[0], translated[1]};
  // Without scratch memory the call runs unchanged: better than failing it.
  if (m > 0) set_string_args(call, changed, strings, m);
}

}  // namespace ptvm
