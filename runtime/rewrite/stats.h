// What the in-process runtime's site rewriting did (ptvm run --stats): counted by each process,
// added into one shared table when it exits or executes another program, printed by ptvm.
#pragma once

#include <cstdint>

namespace ptvm::rewrite {

// Why a site that makes a call no module wants keeps trapping.
enum Refusal : int {
  kNoPattern,  // no `mov $nr,%eax` (or %rax) right before the syscall instruction
  kNoRoom,     // `xor %eax,%eax; syscall` without alignment padding after a ret in reach
  kCacheLine,  // the bytes to patch straddle a cache line: no single atomic store
  kPage,       // the page is writable, shared, or not a mapping of the program's text
  kChanged,    // the bytes changed between the check and the patch
  kTraced,     // another tracer (a debugger) is attached
  kFull,       // the process has no stub left
  kNoTable,    // the jump table's address is taken (a program mapped there)
  kRefusals
};

inline const char* refusal_name(int r) {
  switch (r) {
    case kNoPattern:
      return "no mov $nr before the syscall";
    case kNoRoom:
      return "xor %eax without padding in reach";
    case kCacheLine:
      return "crosses a cache line";
    case kPage:
      return "page writable, shared or not a file's text";
    case kChanged:
      return "code changed meanwhile";
    case kTraced:
      return "under a debugger";
    case kFull:
      return "no stub left";
    case kNoTable:
      return "jump table's address taken";
    default:
      return "?";
  }
}

struct Stats {
  std::uint64_t trapped;        // calls that raised SIGSYS
  std::uint64_t through_sites;  // calls through patched sites (approximate with threads)
  std::uint64_t sites_patched;
  std::uint64_t refused[kRefusals];
  std::uint64_t copy_faults;  // module reads/writes of the program's memory that faulted (EFAULT)
};

}  // namespace ptvm::rewrite
