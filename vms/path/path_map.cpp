#include "vms/path/path_map.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "core/cstr.h"
#include "core/raw_syscall.h"

namespace ptvm::path {

using cstr::copy;
using cstr::length;

bool under(const char* path, const char* prefix, std::size_t prefix_len) {
  if (prefix_len == 1) return path[0] == '/';
  for (std::size_t i = 0; i < prefix_len; ++i) {
    if (path[i] != prefix[i]) return false;
  }
  return path[prefix_len] == 0 || path[prefix_len] == '/';
}

bool splice(const char* prefix, std::size_t prefix_len, const char* path, std::size_t cut,
            char* out) {
  const char* rest = path + cut;
  while (rest[0] == '/' && rest[1] == '/') ++rest;  // one slash between the two
  if (rest[0] == '/' && rest[1] == 0) ++rest;       // "/srv/r" + "/" is "/srv/r"
  const std::size_t rest_len = length(rest);
  const std::size_t head = prefix_len == 1 ? 0 : prefix_len;
  const bool slash = rest_len > 0 && rest[0] != '/';
  if (head + slash + rest_len + 2 > PATH_MAX) return false;
  copy(out, prefix, head);
  std::size_t n = head;
  if (slash) out[n++] = '/';
  copy(out + n, rest, rest_len);
  n += rest_len;
  if (n == 0) out[n++] = '/';
  out[n] = 0;
  return true;
}

bool PathMap::set_root(const char* host) {
  const std::size_t n = length(host);
  if (n == 0 || n >= PATH_MAX || host[0] != '/') return false;
  copy(root_, host, n + 1);
  root_len_ = n;
  return true;
}

void PathMap::copy_from(const PathMap& other) {
  copy(root_, other.root_, other.root_len_ + 1);
  root_len_ = other.root_len_;
  copy(glue_, other.glue_, length(other.glue_) + 1);
  count_ = other.count_;
  for (std::size_t i = 0; i < count_; ++i) {
    const Binding& from = other.bindings_[i];
    Binding& to = bindings_[i];
    copy(to.host, from.host, from.host_len + 1);
    to.host_len = from.host_len;
    copy(to.guest, from.guest, from.guest_len + 1);
    to.guest_len = from.guest_len;
  }
}

bool PathMap::set_glue(const char* host) {
  const std::size_t n = length(host);
  if (n == 0 || n >= PATH_MAX || host[0] != '/') return false;
  copy(glue_, host, n + 1);
  return true;
}

// `guest` is above a binding (a strict prefix of its guest side) and its rootfs path `out` is
// missing: the glue instead. One stat, only for such paths.
bool PathMap::glue_for(const char* guest, char* out) const {
  const std::size_t gn = length(guest);
  bool above = false;
  for (std::size_t i = 0; i < count_ && !above; ++i) {
    const Binding& b = bindings_[i];
    above = b.guest_len > gn && under(b.guest, guest, gn) && (gn == 1 || b.guest[gn] == '/');
  }
  if (!above) return false;
  struct stat st;
  if (raw_syscall(SYS_newfstatat, AT_FDCWD, reinterpret_cast<long>(out),
                  reinterpret_cast<long>(&st), AT_SYMLINK_NOFOLLOW) == 0) {
    return false;
  }
  copy(out, glue_, length(glue_) + 1);
  return true;
}

bool PathMap::bind(const char* host, const char* guest) {
  const std::size_t h = length(host), g = length(guest);
  if (count_ == kMaxBindings || h == 0 || g == 0 || host[0] != '/' || guest[0] != '/' ||
      h >= PATH_MAX || g >= PATH_MAX) {
    return false;
  }
  Binding& b = bindings_[count_++];
  copy(b.host, host, h + 1);
  b.host_len = h;
  copy(b.guest, guest, g + 1);
  b.guest_len = g;
  return true;
}

int PathMap::guest_binding(const char* guest) const {
  int best = -1;
  for (std::size_t i = 0; i < count_; ++i) {
    const Binding& b = bindings_[i];
    if (under(guest, b.guest, b.guest_len) &&
        (best < 0 || b.guest_len >= bindings_[best].guest_len)) {
      best = static_cast<int>(i);
    }
  }
  return best;
}

bool PathMap::to_host(const char* guest, char* out) const {
  if (const int k = guest_binding(guest); k >= 0) {
    const Binding& b = bindings_[k];
    return splice(b.host, b.host_len, guest, b.guest_len == 1 ? 0 : b.guest_len, out);
  }
  if (!splice(root_, root_len_, guest, 0, out)) return false;
  if (glue_[0]) glue_for(guest, out);
  return true;
}

namespace {

// The binding whose host side is the longest prefix of `host` (equal lengths: the later one).
template <class Binding>
const Binding* host_binding(const Binding* bindings, std::size_t count, const char* host) {
  const Binding* best = nullptr;
  for (std::size_t i = 0; i < count; ++i) {
    const Binding& b = bindings[i];
    if (under(host, b.host, b.host_len) && (!best || b.host_len >= best->host_len)) best = &b;
  }
  return best;
}

}  // namespace

int PathMap::binding_of(const char* host) const {
  const Binding* best = host_binding(bindings_, count_, host);
  // A binding's host side inside the rootfs is seen at the binding (PRoot does the same).
  if (!best || (under(host, root_, root_len_) && best->host_len <= root_len_)) return -1;
  return static_cast<int>(best - bindings_);
}

bool PathMap::to_guest(const char* host, char* out) const {
  if (const int k = binding_of(host); k >= 0) {
    const Binding& b = bindings_[k];
    return splice(b.guest, b.guest_len, host, b.host_len == 1 ? 0 : b.host_len, out);
  }
  if (!under(host, root_, root_len_)) return false;
  return splice("/", 1, host, root_len_ == 1 ? 0 : root_len_, out);
}

}  // namespace ptvm::path
