// The rules for code the in-process runtime runs, checked on a linked file: ptvm-rt itself
// after every link (check_runtime.cpp, CMake POST_BUILD), and a user's VM module by
// `ptvm check-module` (cli/check_module.cpp). One check for both.
//
// The runtime runs before any dynamic loader, or without one, and relocates itself
// (runtime/loader's relocate_self applies R_X86_64_RELATIVE and nothing else; .init_array is run
// by the loader's entry). So a freestanding image is position-independent (ET_DYN) and has:
//   no program interpreter (PT_INTERP) and no library (DT_NEEDED): nothing loads them;
//   no TLS segment (PT_TLS): the runtime has no thread pointer of its own (%fs is the program's);
//   no undefined symbol but weak ones: nothing resolves them;
//   no relocation but R_X86_64_RELATIVE, and no packed ones (DT_RELR): the only kind applied;
//   no text relocation (DT_TEXTREL): its text is mapped read-only;
//   no DT_INIT or DT_PREINIT_ARRAY: only .init_array's constructors are run.
#pragma once

#include <string>
#include <vector>

#include "runtime/check/elf_file.h"

namespace ptvm::elf {

// One sentence per broken rule ("needs the library libc.so.6 (DT_NEEDED): ..."); empty when the
// file obeys them all.
std::vector<std::string> freestanding_problems(const ElfFile& file);

// The same rules for a user's VM module, which the runtime maps and links itself
// (runtime/loader/link_module.h), so it may also have: libraries (DT_NEEDED: not loaded), an
// initialisation function (DT_INIT: run before .init_array), imports of the runtime's exports
// (module_exports.h) and undefined weak ones (null), and the relocations module_relocation()
// accepts, against no indirect function. It needs a symbol hash table (DT_GNU_HASH or DT_HASH).
std::vector<std::string> module_problems(const ElfFile& file);

// Whether the runtime gives a module the symbol `name` (module_exports.h).
bool is_module_export(const std::string& name);

}  // namespace ptvm::elf
