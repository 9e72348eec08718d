// Probe, don't assume (STYLE.md 8): what this kernel offers, computed once by really trying each
// mechanism on a child process (the generalisation of UML's check_sysptvm()). Every backend
// consults KernelFeatures::get(); nothing probes again. Command-line switches can force a
// fallback even where the probe found the mechanism.
#pragma once

#include <string>
#include <vector>

namespace ptvm {

struct Probe {
  Probe(const char* key, const char* title) : key(key), title(title) {}
  const char* key;    // stable identifier, used in --json ("process_vm_readv")
  const char* title;  // human-readable name
  bool available = false;
  std::string detail;  // why not (errno, kernel version needed), or a note when available
};

struct KernelFeatures {
  Probe ptrace_seize{"ptrace_seize", "PTRACE_SEIZE"};
  Probe ptrace_options{"ptrace_options", "ptrace options of the supervisor (EXITKILL, TRACE*)"};
  Probe seccomp_ret_trace{"seccomp_ret_trace", "seccomp filter with SECCOMP_RET_TRACE"};
  Probe seccomp_after_entry{"seccomp_after_entry",
                            "seccomp stop after syscall-entry stop (Linux 4.8+ order)"};
  Probe get_syscall_info{"get_syscall_info", "PTRACE_GET_SYSCALL_INFO"};
  Probe set_syscall_info{"set_syscall_info", "PTRACE_SET_SYSCALL_INFO"};
  Probe sysemu{"sysemu", "PTRACE_SYSEMU"};
  Probe process_vm_readv{"process_vm_readv", "process_vm_readv"};
  Probe process_vm_writev{"process_vm_writev", "process_vm_writev"};
  Probe proc_mem_write_readonly{"proc_mem_write_readonly",
                                "write via /proc/PID/mem to a read-only mapping"};
  Probe sud{"sud", "Syscall User Dispatch"};
  Probe sud_inclusive{"sud_inclusive", "Syscall User Dispatch, inclusive mode"};
  Probe seccomp_ret_trap{"seccomp_ret_trap", "seccomp SECCOMP_RET_TRAP"};
  Probe seccomp_user_notif{"seccomp_user_notif", "seccomp user notification"};

  std::string kernel_release;  // uname -r

  // Computed on first use (thread-safe), then cached for the life of the process.
  static const KernelFeatures& get();
  // Runs every probe now (what get() does once).
  static KernelFeatures probe();
  // One probe, run on first use and cached apart from get()'s (which runs it again if asked):
  // each probe forks a child, ~2-3 ms here, so a caller that needs one fact does not pay for
  // fourteen.
  static const Probe& one(Probe KernelFeatures::*which);

  std::vector<const Probe*> all() const;
  std::string to_table() const;
  std::string to_json() const;
};

}  // namespace ptvm
