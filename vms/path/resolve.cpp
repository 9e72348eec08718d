#include "vms/path/resolve.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <cerrno>

#include "core/cstr.h"
#include "core/raw_syscall.h"

namespace ptvm::path {

using cstr::copy;
using cstr::length;

namespace {

constexpr int kMaxLinks = 40;  // the kernel's MAXSYMLINKS

long host_readlink(const char* host, char* out, std::size_t capacity) {
  return raw_syscall(SYS_readlink, reinterpret_cast<long>(host), reinterpret_cast<long>(out),
                     static_cast<long>(capacity));
}

// Canonical path editing: "/" + components.
bool push(char* p, std::size_t& n, const char* c, std::size_t len) {
  const std::size_t slash = n == 1 ? 0 : 1;
  if (n + slash + len + 1 > PATH_MAX) return false;
  if (slash) p[n++] = '/';
  copy(p + n, c, len);
  n += len;
  p[n] = 0;
  return true;
}

void pop(char* p, std::size_t& n) {
  while (n > 1 && p[n - 1] != '/') --n;
  if (n > 1) --n;  // the slash before the last component
  p[n] = 0;
}

}  // namespace

namespace {

// Host /proc entries whose link the kernel would make point at the host.
enum class Magic { none, self, thread_self, root, exe, follow };

bool digits(const char* s, std::size_t n) {
  if (n == 0) return false;
  for (std::size_t i = 0; i < n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return true;
}

long number(const char* s, std::size_t n) {
  long v = 0;
  for (std::size_t i = 0; i < n; ++i) v = v * 10 + (s[i] - '0');
  return v;
}

bool is(const char* s, std::size_t n, const char* word) {
  return length(word) == n && cstr::starts_with(s, word);
}

// `host` canonical. /proc/self, /proc/thread-self; /proc/N[/task/T]/{root,cwd,exe,fd/M}.
Magic classify(const char* host, pid_t* owner) {
  if (!cstr::starts_with(host, "/proc/")) return Magic::none;
  const char* parts[6];
  std::size_t lens[6];
  std::size_t count = 0;
  for (const char* p = host + 6; *p && count < 6;) {
    const char* e = p;
    while (*e && *e != '/') ++e;
    parts[count] = p;
    lens[count++] = static_cast<std::size_t>(e - p);
    p = *e ? e + 1 : e;
  }
  if (count == 1 && is(parts[0], lens[0], "self")) return Magic::self;
  if (count == 1 && is(parts[0], lens[0], "thread-self")) return Magic::thread_self;
  if (count < 2 || !digits(parts[0], lens[0])) return Magic::none;
  *owner = static_cast<pid_t>(number(parts[0], lens[0]));
  std::size_t k = 1;
  if (count >= 4 && is(parts[1], lens[1], "task") && digits(parts[2], lens[2])) k = 3;
  if (count == k + 1) {
    if (is(parts[k], lens[k], "root")) return Magic::root;
    if (is(parts[k], lens[k], "cwd")) return Magic::follow;
    if (is(parts[k], lens[k], "exe")) return Magic::exe;
  }
  if (count == k + 2 && is(parts[k], lens[k], "fd") && digits(parts[k + 1], lens[k + 1])) {
    return Magic::follow;
  }
  return Magic::none;
}

// The text of the link at `host` (canonical), as the guest must see it, in `out`:
//   guest      a guest path (absolute, or relative to the link's directory) to go on from;
//   raw        the link's own text (a guest path too: links are the guest's);
//   magic_raw  a /proc magic link to what the guest cannot name: the kernel's to follow;
//   error      no link at all, or none readable: -errno in *error (EINVAL: not a link).
enum class LinkText { guest, raw, magic_raw, error };

// `link_guest` is the guest path of the link at `host`.
LinkText link_text(const Walk& walk, const char* link_guest, const char* host, char* out,
                   long* error) {
  pid_t owner = 0;
  const Magic magic = classify(host, &owner);
  switch (magic) {
    case Magic::self:
      put_decimal(out, walk.pid);
      return LinkText::guest;
    case Magic::thread_self: {
      std::size_t n = put_decimal(out, walk.pid);
      copy(out + n, "/task/", 6);
      put_decimal(out + n + 6, walk.tid);
      return LinkText::guest;
    }
    case Magic::root:
      out[0] = '/';
      out[1] = 0;
      return LinkText::guest;
    case Magic::exe:
      if (walk.exes && walk.exes->exe_of(owner, out)) return LinkText::guest;
      [[fallthrough]];
    case Magic::follow: {
      char text[PATH_MAX];
      const long r = host_readlink(host, text, PATH_MAX - 1);
      if (r < 0) {
        *error = r;
        return LinkText::error;
      }
      text[r] = 0;
      // A deleted file's link still opens it: the kernel's to follow.
      if (text[0] == '/' && !deleted(text, r) && walk.map.to_guest(text, out)) {
        return LinkText::guest;
      }
      copy(out, text, static_cast<std::size_t>(r) + 1);
      return LinkText::magic_raw;
    }
    case Magic::none:
      break;
  }
  const long r = host_readlink(host, out, PATH_MAX - 1);
  if (r < 0) {
    *error = r;
    return LinkText::error;
  }
  out[r] = 0;
  // Other magic links of /proc (ns/net -> "net:[4026531840]", an fd's "anon_inode:[...]"):
  // no path, the kernel's to follow.
  if (out[0] != '/' && cstr::starts_with(host, "/proc/")) {
    for (long i = 0; i + 1 < r; ++i) {
      if (out[i] == ':' && (out[i + 1] == '[' || cstr::starts_with(out, "anon_inode:"))) {
        return LinkText::magic_raw;
      }
    }
  }
  // A link in a binding whose absolute target lies in the same binding's host directory names
  // the host's tree: the guest sees the target where the deepest binding (from the host's side)
  // shows it (PRoot's rule: `-b /tmp:/ced`, /tmp/L -> /tmp/F is /ced/F; with `-b /:/host -b
  // /tmp:/foo`, /host/tmp/L -> /tmp/F is /foo/F, and /host/tmp/L -> /foo/F stays /foo/F: /tmp's
  // link, outside /tmp). A target elsewhere is the guest's own path. The link must have been
  // reached through a binding: the same host file reached through the rootfs (a binding's host
  // side inside the guest's tree) is the rootfs's, its target the guest's path, as under a bind
  // mount. Of two bindings of one host directory, the target is named through the one walked.
  if (out[0] != '/') return LinkText::raw;
  const int walked = walk.map.guest_binding(link_guest);
  const int in = walk.map.binding_of(host);
  if (walked < 0 || in < 0) return LinkText::raw;
  const char* bound = walk.map.binding_host(static_cast<std::size_t>(in));
  if (!under(out, bound, length(bound))) return LinkText::raw;
  const int target = walk.map.binding_of(out);
  const char* walked_host = walk.map.binding_host(static_cast<std::size_t>(walked));
  const std::size_t walked_len = length(walked_host);
  char guest[PATH_MAX];
  if (target >= 0 && under(out, walked_host, walked_len) &&
      length(walk.map.binding_host(static_cast<std::size_t>(target))) == walked_len) {
    const char* at = walk.map.binding_guest(static_cast<std::size_t>(walked));
    if (!splice(at, length(at), out, walked_len == 1 ? 0 : walked_len, guest)) {
      return LinkText::raw;
    }
  } else if (!walk.map.to_guest(out, guest)) {
    return LinkText::raw;
  }
  copy(out, guest, length(guest) + 1);
  return LinkText::raw;
}

}  // namespace

int guest_dir(const PathMap& map, pid_t tid, long dirfd, char* out, char* host) {
  const int fd = static_cast<int>(dirfd);
  char proc[64];
  if (fd == AT_FDCWD) {
    proc_path(proc, tid, "/cwd");
  } else {
    proc_path(proc, tid, "/fd/", fd);
  }
  char buf[PATH_MAX];
  char* text = host ? host : buf;
  const long r = host_readlink(proc, text, PATH_MAX - 1);
  if (r < 0) return fd == AT_FDCWD ? ENOENT : EBADF;
  text[r] = 0;
  if (text[0] != '/') return ENOTDIR;  // pipe:[...], socket:[...], anon_inode:...
  // A directory removed while a process is in it (the kernel's getcwd: ENOENT).
  if (deleted(text, r)) return ENOENT;
  if (!map.to_guest(text, out)) return ENOENT;
  return 0;
}

int guest_dir(const Walk& walk, long dirfd, char* out, char* host) {
  const bool named = dirfd == AT_FDCWD && walk.cwds && walk.map.bindings() > 0;
  char buf[PATH_MAX];
  char* text = host ? host : named ? buf : nullptr;
  if (int e = guest_dir(walk.map, walk.tid, dirfd, out, text)) return e;
  if (named) {
    char guest[PATH_MAX];
    if (walk.cwds->cwd_name(walk.pid, text, guest)) copy(out, guest, length(guest) + 1);
  }
  return 0;
}

namespace {

bool openat2_missing = false;  // a kernel before 5.6: every walk component by component

// Where a walk of `path` starts: the root, or the directory `base` (canonical) for a relative
// one. Returns the length of what it put in `out`.
std::size_t start_at(const char* base, const char* path, char* out) {
  const char* from = path[0] == '/' ? "/" : base;
  const std::size_t n = length(from);
  copy(out, from, n + 1);
  return n;
}

// The lexical answer of walk_without_links().
bool finish_lexical(const char* guest, std::size_t gn, const char* host, bool trailing,
                    Resolved& out) {
  const std::size_t hn = length(host);
  if (hn + 2 > PATH_MAX) return false;
  copy(out.host, host, hn + 1);
  copy(out.guest, guest, gn + 1);
  if (trailing && hn > 1) {
    out.host[hn] = '/';
    out.host[hn + 1] = 0;
  }
  return true;
}

// The walk in one system call, for a path without `..` (the common case): the lexical guest
// path's host path opened O_PATH with RESOLVE_NO_SYMLINKS. Opened: no link on the way, the
// lexical path is the answer. ENOENT, ENOTDIR, EACCES: no link before the component the kernel
// stops at either, so the kernel gets the same answer and fails the same way. Anything else
// (ELOOP: a link, /proc's magic ones included): false, the walk component by component.
bool walk_without_links(const Walk& walk, const char* base, const char* path, bool follow_last,
                        bool trailing, Resolved& out) {
  if (openat2_missing || walk.no_symlinks) return false;
  char guest[PATH_MAX];
  std::size_t gn = start_at(base, path, guest);
  for (const char* p = path; *p;) {
    while (*p == '/') ++p;
    const char* c = p;
    while (*p && *p != '/') ++p;
    const std::size_t len = static_cast<std::size_t>(p - c);
    if (len == 0) continue;
    // `..`, and `.` after a component (which must then be a directory): the slow walk.
    if (len == 2 && c[0] == '.' && c[1] == '.') return false;
    if (len == 1 && c[0] == '.') {
      if (c != path) return false;
      continue;  // "./x": the base is a directory
    }
    if (!push(guest, gn, c, len)) return false;
  }
  char host[PATH_MAX];
  if (!walk.map.to_host(guest, host)) return false;
  std::size_t parent = gn;  // the length of the guest parent directory's path
  while (parent > 1 && guest[parent - 1] != '/') --parent;
  if (parent > 1) --parent;
  if (walk.dirs && gn > 1 && walk.dirs->has(guest, parent)) {
    // In a directory reached without a link: only the last component may be one.
    if (follow_last) {
      char text[PATH_MAX];
      const long r = host_readlink(host, text, PATH_MAX - 1);
      if (r >= 0) return false;  // a link to follow: the walk
      out.complete = r == -EINVAL;
    } else {
      out.complete = true;
    }
    return finish_lexical(guest, gn, host, trailing, out);
  }
  open_how how{};
  how.flags = O_PATH | O_CLOEXEC | (follow_last ? 0 : O_NOFOLLOW);
  how.resolve = RESOLVE_NO_SYMLINKS;
  const long fd = raw_syscall(SYS_openat2, AT_FDCWD, reinterpret_cast<long>(host),
                              reinterpret_cast<long>(&how), sizeof how);
  if (fd == -ENOSYS) openat2_missing = true;
  if (fd >= 0) {
    raw_syscall(SYS_close, fd);
    out.complete = true;
    if (walk.dirs && gn > 1) walk.dirs->add(guest, parent);
  } else if (fd == -ENOENT || fd == -ENOTDIR || fd == -EACCES) {
    out.complete = false;
  } else {
    return false;
  }
  return finish_lexical(guest, gn, host, trailing, out);
}

}  // namespace

int resolve(const Walk& walk, const char* base, const char* path, bool follow_last, Resolved& out,
            bool trailing_follows) {
  if (path[0] == 0) return ENOENT;
  std::size_t path_len = length(path);
  if (path_len >= PATH_MAX) return ENAMETOOLONG;
  char done[PATH_MAX];
  std::size_t dn = start_at(base, path, done);
  // A trailing slash makes the kernel follow the last component and want a directory.
  const bool trailing = path_len > 1 && path[path_len - 1] == '/';
  if (trailing && trailing_follows) follow_last = true;
  if (walk_without_links(walk, base, path, follow_last, trailing, out)) return 0;
  char todo[PATH_MAX];
  copy(todo, path, path_len + 1);
  std::size_t pos = 0;
  int links = 0;
  char host[PATH_MAX];
  char link[PATH_MAX];
  out.complete = true;
  bool is_dir = true;  // `done` is known to be a directory (the base, the root, a parent)
  for (;;) {
    while (todo[pos] == '/') ++pos;
    if (todo[pos] == 0) break;
    const char* c = todo + pos;
    std::size_t len = 0;
    while (c[len] && c[len] != '/') ++len;
    pos += len;
    const bool dot = len == 1 && c[0] == '.', dotdot = len == 2 && c[0] == '.' && c[1] == '.';
    if (dot || dotdot) {
      // The kernel wants a directory before `.` or `..` (open("/bin/true/..") is ENOTDIR): a
      // component walked here that may be a file is looked at once.
      if (!is_dir) {
        if (!walk.map.to_host(done, host)) return ENAMETOOLONG;
        struct stat st;
        const long r = raw_syscall(SYS_newfstatat, AT_FDCWD, reinterpret_cast<long>(host),
                                   reinterpret_cast<long>(&st), 0);
        if (r < 0 || !S_ISDIR(st.st_mode)) {  // the kernel's ENOTDIR, ENOENT...
          if (!splice(host, length(host), todo, pos - len, out.host)) return ENAMETOOLONG;
          if (!splice(done, dn, todo, pos - len, out.guest)) return ENAMETOOLONG;
          out.complete = false;
          return 0;
        }
        is_dir = true;
      }
      if (dotdot) pop(done, dn);
      continue;
    }
    is_dir = false;
    std::size_t after = pos;
    while (todo[after] == '/') ++after;
    const bool last = todo[after] == 0;
    if (!push(done, dn, c, len)) return ENAMETOOLONG;
    if (last && !follow_last) continue;
    if (!walk.map.to_host(done, host)) return ENAMETOOLONG;
    long error = 0;
    const LinkText kind = link_text(walk, done, host, link, &error);
    if (kind == LinkText::error) {
      if (error == -EINVAL || last) continue;  // not a link; or the kernel's to judge
      // ENOENT, ENOTDIR, EACCES... in the middle: the kernel stops here with that errno.
      if (!splice(host, length(host), todo, pos, out.host)) return ENAMETOOLONG;
      if (!splice(done, dn, todo, pos, out.guest)) return ENAMETOOLONG;
      out.complete = false;
      return 0;
    }
    if (kind == LinkText::magic_raw) {
      // A magic link to what the guest cannot name: the kernel follows it.
      if (!splice(host, length(host), todo, pos, out.host)) return ENAMETOOLONG;
      if (!splice(done, dn, todo, pos, out.guest)) return ENAMETOOLONG;
      return 0;
    }
    if (walk.no_symlinks) return ELOOP;
    if (++links > kMaxLinks) return ELOOP;
    pop(done, dn);  // the link is replaced by its target (in a directory)
    is_dir = true;
    if (link[0] == '/') {
      done[0] = '/';
      done[1] = 0;
      dn = 1;
    }
    // The target, then what was left after the link.
    const std::size_t ln = length(link), rest = length(todo + pos);
    if (ln + rest + 1 > PATH_MAX) return ENAMETOOLONG;
    char joined[PATH_MAX];
    copy(joined, link, ln);
    copy(joined + ln, todo + pos, rest + 1);  // "" or "/..."
    copy(todo, joined, ln + rest + 1);
    pos = 0;
  }
  copy(out.guest, done, dn + 1);
  if (!walk.map.to_host(done, out.host)) return ENAMETOOLONG;
  if (trailing) {
    const std::size_t hn = length(out.host);
    if (hn > 1) {
      if (hn + 2 > PATH_MAX) return ENAMETOOLONG;
      out.host[hn] = '/';
      out.host[hn + 1] = 0;
    }
  }
  return 0;
}

// Whether the kernel, given `path` (absolute, or relative to the host directory `base_host`),
// reaches `host`: then the call can run as it is.
bool same_walk(const char* path, const char* base_host, const char* host) {
  if (path[0] != '/') {
    const std::size_t b = length(base_host);
    for (std::size_t i = 0; i < b; ++i) {
      if (host[i] != base_host[i]) return false;
    }
    host += b;
    if (b > 1) {
      if (*host != '/') return false;
      ++host;
    }
  }
  for (; *path && *path == *host; ++path, ++host) {
  }
  return *path == 0 && *host == 0;
}

long guest_readlink(const Walk& walk, const char* base, const char* path, char* out,
                    std::size_t capacity) {
  Resolved r;
  if (int e = resolve(walk, base, path, false, r)) return -e;
  char text[PATH_MAX];
  if (!r.complete) {  // the kernel's errno for the component that stopped the walk
    const long n = host_readlink(r.host, text, PATH_MAX - 1);
    if (n < 0) return n;
    text[n] = 0;
  } else {
    long error = 0;
    if (link_text(walk, r.guest, r.host, text, &error) == LinkText::error) return error;
  }
  const std::size_t n = length(text);
  const std::size_t m = n < capacity ? n : capacity;
  copy(out, text, m);
  return static_cast<long>(m);
}

}  // namespace ptvm::path
