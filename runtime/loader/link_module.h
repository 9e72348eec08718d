// A user's VM module (ptvm run --module=PATH.so) mapped and linked by the runtime itself: the
// in-process backend has no dynamic loader (ptvm-rt runs before the program's, or without one),
// so the runtime does the little of ld.so's work a module needs. The rules it relies on are
// those `ptvm check-module` checks (runtime/check/, module_problems()): what that check accepts,
// this links, and what it refuses, this refuses too, naming the same symbol.
//
// Freestanding: runs at the runtime's start in every image (before the program, not in the
// signal path), with raw system calls only.
#pragma once

#include <elf.h>

#include <cstddef>
#include <cstdint>

namespace ptvm::loader {

// A symbol the runtime gives modules (runtime/check/module_exports.h).
struct Export {
  const char* name;
  const void* address;
};

class LinkedModule {
 public:
  // Maps the shared object open at `fd` (map_elf), applies its relocations (R_X86_64_RELATIVE,
  // _64, _GLOB_DAT and _JUMP_SLOT, all at once: there is no lazy binding), its own symbols from
  // itself, its imports from `exports` and undefined weak ones as null; makes PT_GNU_RELRO
  // read-only; runs DT_INIT, then .init_array. Libraries it names (DT_NEEDED) are not loaded:
  // what it imports must be an export. False with a sentence in `why` (`cap` bytes) when the
  // file breaks a rule (the mapping is then left behind: the caller ends the process).
  bool link(int fd, const Export* exports, std::size_t count, char* why, std::size_t cap);

  // The address of `name`, a symbol the module defines and exports; null if none.
  void* find(const char* name) const;

 private:
  const Elf64_Sym* symbol(std::uint64_t index) const;
  const char* symbol_name(const Elf64_Sym& s) const;

  std::uintptr_t bias_ = 0;
  std::uintptr_t start_ = 0, end_ = 0;  // the mapped span
  const Elf64_Sym* symtab_ = nullptr;
  const char* strtab_ = nullptr;
  std::size_t strsz_ = 0;
  std::size_t symbols_ = 0;  // entries of symtab_, from the hash table
};

}  // namespace ptvm::loader
