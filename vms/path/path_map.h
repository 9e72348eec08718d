// The guest's file-system view (PRoot's -r and -b): where each guest path lives on the host, and
// back. Two lexical maps over canonical paths (absolute, no `.` or `..`, no repeated or trailing
// slash), and the resolver that walks a guest path the guest's way (resolve.h).
//
//   to_host("/usr/bin/ls")  the binding whose guest side is the longest prefix of the path
//                           (equal lengths: the later binding), else the rootfs
//   to_guest("/srv/r/etc")  the binding whose host side is the longest prefix, else the rootfs;
//                           a host path outside both is not in the guest (false)
//
// Freestanding (runs in the in-process runtime too): fixed buffers, no libc.
#pragma once

#include <linux/limits.h>

#include <cstddef>

namespace ptvm::path {

class PathMap {
 public:
  static constexpr std::size_t kMaxBindings = 64;

  // `host` canonical and absolute ("/" for none: the guest sees the host's tree).
  bool set_root(const char* host);
  // Later bindings win over earlier ones with the same guest path. Both sides canonical.
  bool bind(const char* host, const char* guest);

  // An empty host directory that stands for the guest directories a binding needs on its way
  // which the rootfs does not have (PRoot's "glue"): `-b /sdcard:/mnt/sdcard` in a rootfs
  // without /mnt. Empty: none.
  bool set_glue(const char* host);

  // The same map as `other`, copying only what it uses (a whole map is half a megabyte: the
  // in-process runtime copies ptvm's into every process it starts).
  void copy_from(const PathMap& other);

  const char* root() const { return root_; }
  bool identity() const { return root_len_ == 1 && count_ == 0; }
  std::size_t bindings() const { return count_; }
  const char* binding_host(std::size_t i) const { return bindings_[i].host; }
  const char* binding_guest(std::size_t i) const { return bindings_[i].guest; }

  // `guest` canonical; `out` has PATH_MAX bytes. False: the host path would not fit. (Not
  // quite lexical: a guest directory above a binding that the rootfs lacks is the glue.)
  bool to_host(const char* guest, char* out) const;
  // `host` canonical; false if the guest cannot see it (or it would not fit).
  bool to_guest(const char* host, char* out) const;
  // The binding through which the guest sees `host` (-1: the rootfs, or nothing).
  int binding_of(const char* host) const;
  // The binding to_host() takes for canonical `guest` (-1: the rootfs).
  int guest_binding(const char* guest) const;

 private:
  struct Binding {
    char host[PATH_MAX];
    std::size_t host_len;
    char guest[PATH_MAX];
    std::size_t guest_len;
  };
  bool glue_for(const char* guest, char* out) const;

  char root_[PATH_MAX] = "/";
  std::size_t root_len_ = 1;
  char glue_[PATH_MAX] = "";
  Binding bindings_[kMaxBindings];
  std::size_t count_ = 0;
};

// Whether canonical `path` is `prefix` or below it (whole components); `prefix` "/" covers all.
bool under(const char* path, const char* prefix, std::size_t prefix_len);
// `prefix` + the part of `path` after its first `cut` bytes, into `out` (PATH_MAX). The rest
// starts with '/' or is empty; a prefix "/" adds nothing before it; an empty result is "/".
bool splice(const char* prefix, std::size_t prefix_len, const char* path, std::size_t cut,
            char* out);

}  // namespace ptvm::path
