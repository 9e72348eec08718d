// Guest path resolution: a path as the guest's kernel would walk it, in the guest's tree.
//
// The walk is done here, component by component, on the host (one readlink per component): a
// symbolic link found on the way is followed the guest's way (an absolute target starts again
// at the guest's root, so a link `/etc/x -> /usr/lib/x` inside the rootfs stays inside), `..`
// never climbs above the guest's root, and a binding is entered wherever the walk reaches its
// guest path (also through a link). The result is the host path the kernel must get: canonical
// up to the last component, which is followed only when the call follows it.
//
// /proc is virtualised where it would show the host: /proc/self and /proc/thread-self name the
// calling process (not ptvm), /proc/N/root is the guest's root, /proc/N/cwd and /proc/N/fd/M
// are followed to their guest paths, /proc/N/exe to the program the guest started (not the
// loader that ptvm ran for it). A magic link whose target the guest cannot see (a pipe, a
// deleted file, a host directory given to the guest as an open fd) is left for the kernel to
// follow.
//
// Where the walk cannot go on (a component that does not exist, is not a directory, or cannot
// be searched), the rest of the path is appended unresolved: the kernel then fails the call with
// the errno it would give at that component. Time-of-check races are not prevented (the guest
// can swap a directory for a link between this walk and the kernel's): the path VM confines
// programs that cooperate, it is not a security boundary.
#pragma once

#include <sys/types.h>

#include <cstddef>

#include "core/proc_files.h"
#include "vms/path/dir_cache.h"
#include "vms/path/path_map.h"

namespace ptvm::path {

// The program a process was started as, where ptvm had to start it through its loader (so that
// the kernel's /proc/N/exe names the loader): answers /proc/N/exe. Empty: ask the kernel.
class ExeLookup {
 public:
  virtual bool exe_of(pid_t pid, char* guest_out) const = 0;

 protected:
  ~ExeLookup() = default;
};

// The guest name a process entered its working directory by, where the host directory has more
// than one (two bindings of one host directory, a binding's host side also seen through the
// rootfs): the kernel names a cwd by the way it was reached, the lexical map cannot.
class CwdNames {
 public:
  // The name process `pid` entered its cwd by, if that name still leads to `host` (its cwd's
  // canonical host path). False: the map's own name.
  virtual bool cwd_name(pid_t pid, const char* host, char* guest_out) = 0;

 protected:
  ~CwdNames() = default;
};

struct Walk {
  const PathMap& map;
  pid_t pid;  // the calling thread's process and thread: /proc/self, /proc/thread-self
  pid_t tid;
  const ExeLookup* exes = nullptr;
  bool no_symlinks = false;  // openat2's RESOLVE_NO_SYMLINKS: ELOOP at any link
  DirCache* dirs = nullptr;  // directories known to be reached without a link
  CwdNames* cwds = nullptr;  // how processes named their working directories
};

struct Resolved {
  char host[PATH_MAX];   // what the kernel must get
  char guest[PATH_MAX];  // canonical guest path of the same (the unresolved rest appended)
  bool complete;         // every component was walked (else the kernel fails the call)
};

// `path` relative to the guest directory `base` (canonical; ignored for an absolute path).
// Returns 0 or an errno for the caller: ENAMETOOLONG (as the kernel: a result over PATH_MAX),
// ELOOP (more than 40 links), ENOENT (an empty path).
// `trailing_follows`: a trailing slash makes the last component followed (the kernel's lookups);
// false for the name a call creates, removes or renames, which is never followed.
int resolve(const Walk& walk, const char* base, const char* path, bool follow_last, Resolved& out,
            bool trailing_follows = true);

// The directory a relative path of a call starts from, as a guest path: the thread's working
// directory (dirfd AT_FDCWD) or the directory of its file descriptor `dirfd`; its host path
// into `host` if not null. errno: ENOENT (outside the guest, or gone), EBADF, ENOTDIR (dirfd is
// no directory).
int guest_dir(const PathMap& map, pid_t tid, long dirfd, char* out, char* host = nullptr);
// The same for the walk's thread, the working directory named as the process entered it
// (walk.cwds).
int guest_dir(const Walk& walk, long dirfd, char* out, char* host = nullptr);

// readlink of the guest path `path` (resolved with the last component not followed): the
// link's text as the guest must see it (magic /proc links translated). Returns the length, or
// -errno.
long guest_readlink(const Walk& walk, const char* base, const char* path, char* out,
                    std::size_t capacity);

// Whether the kernel, given `path` (absolute, or relative to the host directory `base_host`),
// reaches `host` by the same walk: then a call can run with `path` as it is.
bool same_walk(const char* path, const char* base_host, const char* host);

}  // namespace ptvm::path
