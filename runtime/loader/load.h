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

// An ELF file mapped by map_elf().
struct Image {
  std::uint16_t type = 0;    // ET_DYN, ET_EXEC
  std::uintptr_t bias = 0;   // what the ELF's addresses are moved by
  std::uintptr_t entry = 0;  // bias + e_entry
  std::uintptr_t phdr = 0;   // the program headers in memory
  std::uint16_t phnum = 0;
  bool exec_stack = false;            // PT_GNU_STACK asks for an executable stack
  std::uintptr_t start = 0, end = 0;  // the mapped span, page-aligned
  std::uintptr_t dynamic = 0;         // PT_DYNAMIC in memory, 0 without one
  std::uintptr_t relro = 0;           // PT_GNU_RELRO in memory (0: none) and its size
  std::uintptr_t relro_size = 0;
};

// Maps the ELF in `fd` as the kernel's load_elf_binary does: an ET_DYN anywhere the kernel
// chooses (aligned as its segments ask), an ET_EXEC at its addresses; file pages private, the
// bss zeroed and anonymous. False with `why` set when it cannot (a mapping may be left behind).
bool map_elf(int fd, Image* image, const char** why);

// Makes the pages of [start, end) present and writable now, in one system call where the kernel
// can (MADV_POPULATE_WRITE), by touching each otherwise: for memory about to be written all over,
// where a fault per page costs more. Single-threaded use (the fallback rewrites a byte).
void prefault(std::uintptr_t start, std::uintptr_t end);

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
// offset the memfd), read into `bytes` (kMaxPackedHandoff of them: the view's strings point
// there). Closes both descriptors. False if the runtime was not started that way.
bool read_handoff(const InitialStack& stack, HandoffView* handoff, char* bytes, char* record,
                  std::size_t cap);

// Maps the program (and its interpreter), closes their descriptors, rewrites the auxiliary
// vector, names the process. Returns the address to jump to, or 0 with `why` set.
std::uintptr_t load_program(const InitialStack& stack, const HandoffView& handoff,
                            const char** why);

// Never returns: the stack pointer at the kernel's argc, registers cleared, at `entry`.
[[noreturn]] void jump(long* sp, std::uintptr_t entry);

}  // namespace ptvm::loader
