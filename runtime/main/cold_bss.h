// Where the runtime's big zero-initialised tables go. Every process image starts the runtime
// afresh, and every page it writes costs a fault (~10 µs on our virtual machines, more than two
// traps): the small globals every process writes stay together in .bss, a page or two, and the
// tables a process touches in part, late or never (module objects, the rewriting's tables, the
// trace record buffer) go to .lbss, which the linker places after all of .bss. Zero-initialised
// objects only (.lbss is NOBITS: GCC refuses an initialiser there).
#pragma once

#define PTVM_COLD_BSS __attribute__((section(".lbss.ptvm")))
