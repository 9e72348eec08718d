// What the in-process runtime gives a user's VM module to link against, and the relocations it
// applies: one definition for both sides, the runtime's linker (runtime/loader/link_module.cpp,
// its table of addresses in runtime/main/module_exports.cpp) and `ptvm check-module`
// (module_problems(), freestanding_check.h), which so accept exactly the same modules. A name in
// the list that ptvm-rt does not define fails ptvm-rt's link. Freestanding.
//
// X(symbol) with the symbol's (mangled) name:
//   <ptvm/module.h>'s out-of-line functions (the rest of the API is inline), and those of the
//     other public headers the built-in VMs use: <ptvm/core/errno_table.h>'s errno_info,
//     <ptvm/core/proc_files.h>'s /proc helpers;
//   ptvm_self_raw_call: the host-call stub a module's raw_syscall() calls (core/raw_syscall.h;
//     <ptvm/module.h> routes it there), inside the Syscall User Dispatch allowed range;
//   what the compiler emits calls to without being asked: the memory functions, the C++
//     runtime's hooks for pure virtual calls, deleting destructors, static objects' destructors
//     and thread-safe local statics (runtime/main/freestanding.cpp).
#pragma once

#include <elf.h>

#include <cstdint>

#define PTVM_MODULE_EXPORTS(X)                                           \
  X(_ZN4ptvm6Memory4readENS_9RemotePtrIvEEPvmNS_6AccessE)                \
  X(_ZN4ptvm6Memory5writeENS_9RemotePtrIvEEPKvmNS_6AccessE)              \
  X(_ZN4ptvm6Memory11read_stringENS_9RemotePtrIcEEPcmNS_6AccessE)        \
  X(_ZN4ptvm11SyscallCallC1ERNS0_7BackendEiilPKm)                        \
  X(_ZN4ptvm11SyscallCallC2ERNS0_7BackendEiilPKm)                        \
  X(_ZN4ptvm11SyscallCall13see_exit_copyENS_9RemotePtrIvEEmb)            \
  X(_ZN4ptvm11SyscallCall7emulateEl)                                     \
  X(_ZN4ptvm11SyscallCall7set_argEim)                                    \
  X(_ZN4ptvm15set_string_argsERNS_11SyscallCallEPKiPKPKci)               \
  X(_ZN4ptvm12syscall_infoEl)                                            \
  X(_ZN4ptvm14syscall_numberESt17basic_string_viewIcSt11char_traitsIcEE) \
  X(_ZN4ptvm10errno_nameEi)                                              \
  X(_ZNK4ptvm5Error8describeEv)                                          \
  X(_ZN4ptvm10errno_infoEi)                                              \
  X(_ZN4ptvm11put_decimalEPcl)                                           \
  X(_ZN4ptvm9proc_pathEPclPKcl)                                          \
  X(_ZN4ptvm9read_procElPKcPcm)                                          \
  X(_ZN4ptvm14status_numbersEPKcS1_Pli)                                  \
  X(_ZN4ptvm9parent_ofEi)                                                \
  X(_ZN4ptvm13start_time_ofEi)                                           \
  X(_ZN4ptvm14start_stack_ofEi)                                          \
  X(_ZN4ptvm15thread_group_ofEi)                                         \
  X(_ZN4ptvm14for_each_childEPFbiPvES0_)                                 \
  X(_ZN4ptvm15signal_childrenEi)                                         \
  X(_ZN4ptvm9is_zombieEi)                                                \
  X(_ZN4ptvm7deletedEPKcl)                                               \
  X(ptvm_self_raw_call)                                                  \
  X(memcpy)                                                              \
  X(memmove)                                                             \
  X(memset)                                                              \
  X(memcmp)                                                              \
  X(strlen)                                                              \
  X(__cxa_pure_virtual)                                                  \
  X(_ZdlPv)                                                              \
  X(_ZdlPvm)                                                             \
  X(__cxa_atexit)                                                        \
  X(__dso_handle)                                                        \
  X(__cxa_guard_acquire)                                                 \
  X(__cxa_guard_release)                                                 \
  X(__cxa_guard_abort)

namespace ptvm::elf {

// Whether the runtime applies a module's relocation of this type.
constexpr bool module_relocation(std::uint32_t type) {
  return type == R_X86_64_NONE || type == R_X86_64_RELATIVE || type == R_X86_64_64 ||
         type == R_X86_64_GLOB_DAT || type == R_X86_64_JUMP_SLOT;
}
inline constexpr const char* kModuleRelocations =
    "R_X86_64_RELATIVE, R_X86_64_64, R_X86_64_GLOB_DAT and R_X86_64_JUMP_SLOT";

// R_X86_64_RELATIVE and the like; null for a type without a name here.
constexpr const char* relocation_type_name(std::uint32_t type) {
  switch (type) {
    case R_X86_64_NONE:
      return "R_X86_64_NONE";
    case R_X86_64_64:
      return "R_X86_64_64";
    case R_X86_64_PC32:
      return "R_X86_64_PC32";
    case R_X86_64_COPY:
      return "R_X86_64_COPY";
    case R_X86_64_GLOB_DAT:
      return "R_X86_64_GLOB_DAT";
    case R_X86_64_JUMP_SLOT:
      return "R_X86_64_JUMP_SLOT";
    case R_X86_64_RELATIVE:
      return "R_X86_64_RELATIVE";
    case R_X86_64_DTPMOD64:
      return "R_X86_64_DTPMOD64";
    case R_X86_64_DTPOFF64:
      return "R_X86_64_DTPOFF64";
    case R_X86_64_TPOFF64:
      return "R_X86_64_TPOFF64";
    case R_X86_64_TLSDESC:
      return "R_X86_64_TLSDESC";
    case R_X86_64_IRELATIVE:
      return "R_X86_64_IRELATIVE";
    default:
      return nullptr;
  }
}

}  // namespace ptvm::elf
