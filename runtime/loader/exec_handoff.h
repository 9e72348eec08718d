// An execve through ptvm's loader (runtime/loader): the old image does everything the kernel
// does before the point of no return (open, permission, `#!`, the ELF and its interpreter) and
// then executes the runtime itself, which maps the program in the new image and jumps to it.
//
// What crosses the exec, without a variable in the environment: the runtime is executed as
// execveat(K, "", argv, envp, AT_EMPTY_PATH), so the new image finds "/dev/fd/K" in AT_EXECFN;
// K's file offset is the number of a memfd D holding a Handoff; the program's descriptors stay
// open across the exec. The new image closes all of them before the program runs. argv and envp
// are the program's own (after `#!`), so /proc/self/cmdline and environ are what they would be.
//
// Freestanding (raw system calls, no allocation): compiled into ptvm and into the runtime.
#pragma once

#include <linux/limits.h>

#include <cstddef>
#include <cstdint>

#include "core/handover.h"

namespace ptvm::loader {

// What the new image needs to know, as the old image's prepare_exec fills it in.
struct Handoff {
  std::int32_t program_fd = -1;  // the ELF to map, open in the new image
  std::int32_t interp_fd = -1;   // its PT_INTERP, or -1
  // The tracer's line of this execve, printed by the new image: its bytes follow the strings
  // (none when the tracer only counts: `traced` then says to count it).
  bool traced = false;
  bool sigsys_blocked = false;  // in the signal mask the program inherits (see runtime/self)
  bool guest = false;           // the path VM's two names below are set
  std::uint32_t record_len = 0;
  // No initializers: prepare_exec sets each string before use, and a page of these 16 KiB (on
  // the old image's signal stack) is touched only where a string is written.
  char config[64];        // /proc/<ptvm>/fd/<n>: the RuntimeConfig
  char exe[PATH_MAX];     // the ELF's path: what /proc/self/exe says natively
  char execfn[PATH_MAX];  // AT_EXECFN: the file name as the kernel saw it
  // The path VM (ExecRequest::guest): the ELF's canonical guest path, /proc/self/exe as the
  // guest sees it, and the name the process entered its working directory by (GuestPaths).
  char guest_exe[PATH_MAX];
  char guest_cwd[PATH_MAX];
};
inline constexpr std::size_t kMaxRecord = 32 * 1024;

// The memfd's bytes: this header, the five strings of the Handoff each with its NUL (config,
// exe, execfn, guest_exe, guest_cwd), then the record: a few hundred bytes to write and read,
// not the Handoff's 16 KiB (one page of shared memory and one of the new image's).
struct PackedHandoff {
  static constexpr std::uint64_t kMagic = 0x3230'646c'6d76'7470;  // "ptvmld02"
  std::uint64_t magic;
  std::uint32_t strings;  // bytes of strings after the header
  std::uint32_t record_len;
  std::int32_t program_fd;
  std::int32_t interp_fd;
  std::uint8_t traced;
  std::uint8_t sigsys_blocked;
  std::uint8_t pad[6];
};
inline constexpr std::size_t kMaxPackedHandoff = sizeof(PackedHandoff) + 64 + 4 * PATH_MAX;

// The new image's view of it: the strings point into the bytes read.
struct HandoffView {
  std::int32_t program_fd;
  std::int32_t interp_fd;
  bool traced;
  bool sigsys_blocked;
  std::uint32_t record_len;
  const char* config;
  const char* exe;
  const char* execfn;
  const char* guest_exe;  // "" without the path VM
  const char* guest_cwd;
};

// Returned by prepare_exec for a program the loader cannot run: setuid/setgid (a userland exec
// grants no privilege), not an x86-64 ELF (i386), executable but not readable, or a tracer
// (ExecRequest::tracers_to_ptrace).
inline constexpr long kCannotHost = 1;

// The path VM in-process (vms/path): the names of the program, its `#!` interpreters and its
// PT_INTERP are the guest's; each is walked into a host path before it is opened (the kernel
// would take the interpreters from the host).
struct GuestPaths {
  // `path` (relative to `dirfd`) into its host path and its canonical guest path (PATH_MAX
  // each): 0 or -errno.
  long (*to_host)(void* context, int dirfd, const char* path, bool follow, char* host, char* guest);
  // A host path (an open descriptor's) into its guest path; false if the guest cannot see it.
  bool (*to_guest)(void* context, const char* host, char* guest);
  void* context;
  const char* cwd;  // Handoff::guest_cwd
};

struct ExecRequest {
  int dirfd;         // AT_FDCWD for execve
  const char* path;  // a local copy of the file name
  int flags;         // execveat's: AT_EMPTY_PATH, AT_SYMLINK_NOFOLLOW
  // The program's argv (in this address space); read word by word through `read_word`, which
  // says false for a bad pointer.
  std::uintptr_t argv;
  bool (*read_word)(std::uintptr_t address, std::uintptr_t* word);
  const char* runtime;  // the runtime executable
  const char* config;   // Handoff::config
  bool sigsys_blocked;  // Handoff::sigsys_blocked
  bool traced;          // the tracer wants this execve
  const char* record;   // its line, or null
  std::size_t record_len;
  const GuestPaths* guest = nullptr;  // the path VM's names, or null: the host's
  // A program that imports ptrace(2) from its libc (gdb, strace, ptvm) is a tracer: with the
  // path VM it goes to the ptrace backend, which emulates a tracer inside the guest (the
  // in-process runtime cannot: its SIGSYS would be the tracer's business).
  bool tracers_to_ptrace = false;
};

// True if the x86-64 ELF open at `fd` imports (or defines) the dynamic symbol `name`: its
// dynamic string table holds it. A static program has none (false).
bool elf_names_symbol(int fd, const char* name);

// What the caller executes: execveat(runtime_fd, "", argv, envp, AT_EMPTY_PATH). On failure it
// calls abandon(), which closes the descriptors.
struct ExecPlan {
  int runtime_fd = -1;
  int handoff_fd = -1;
  int program_fd = -1;
  int interp_fd = -1;
  std::uintptr_t argv = 0;                          // the program's array, or `rebuilt` after `#!`
  static constexpr std::size_t kMaxRebuilt = 2048;  // argv entries after `#!`
  std::uintptr_t rebuilt[kMaxRebuilt + 8];
  char strings[10][256];  // the interpreters and arguments `#!` added (from 256-byte lines)
  HandoverReason cannot_host = HandoverReason::unknown;  // why, when prepare_exec says kCannotHost
  void abandon();
};

// Everything up to the point of no return, as the kernel would check it. Returns 0 (then
// execute the plan), -errno (the execve's answer: nothing is left open) or kCannotHost (why in
// plan->cannot_host).
long prepare_exec(const ExecRequest& request, Handoff* handoff, ExecPlan* plan);

}  // namespace ptvm::loader
