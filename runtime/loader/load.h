// The new image's side of an exec through ptvm's loader: the runtime was executed by the kernel
// (a static-pie, relocated by itself first); it maps the program and its interpreter as the
// kernel would have, rewrites the auxiliary vector the kernel gave the runtime into the
// program's, and jumps to the entry with the stack pointer where the kernel left it (argc):
// argv, envp and their strings are the kernel's own.
//
// Freestanding: runs before the runtime is armed, with raw system calls only.
#pragma once

#include <elf.h>

#include <cstddef>
#include <cstdint>

#include "runtime/loader/exec_handoff.h"

namespace ptvm::loader {

// Applies the runtime's own R_X86_64_RELATIVE relocations; the first call of the process (no
// global with an address in it may be read before).
void relocate_self();

// The kernel's stack at entry.
struct InitialStack {
  long* sp;  // argc
  char** argv;
  char** envp;
  Elf64_auxv_t* auxv;
  std::uint64_t aux(std::uint64_t type) const;
};
InitialStack read_stack(long* sp);

// The Handoff (and its record) the old image left: found through AT_EXECFN ("/dev/fd/K", K's
// offset the memfd). Closes both descriptors. False if the runtime was not started that way.
bool read_handoff(const InitialStack& stack, Handoff* handoff, char* record, std::size_t cap);

// Maps the program (and its interpreter), closes their descriptors, rewrites the auxiliary
// vector, names the process. Returns the address to jump to, or 0 with `why` set.
std::uintptr_t load_program(const InitialStack& stack, const Handoff& handoff, const char** why);

// Never returns: the stack pointer at the kernel's argc, registers cleared, at `entry`.
[[noreturn]] void jump(long* sp, std::uintptr_t entry);

}  // namespace ptvm::loader
