/* The rewriting's fixed layout, shared by the stub area (stub_template.S) and rewrite.cpp. */
#pragma once

#define PTVM_REWRITE_STUB_BYTES 128 /* one stub: at most 77 bytes of code, cache-line aligned */
#define PTVM_REWRITE_MAX_SITES 2048 /* per process: glibc has ~440 patchable sites in all */
#define PTVM_REWRITE_AREA_BYTES (PTVM_REWRITE_STUB_BYTES * PTVM_REWRITE_MAX_SITES)
/* The jump table: `jmp *ABS32` reaches any stub from any site (the stubs may be terabytes
 * away), and an address of the form 0x050fXXXX puts the bytes 0f 05 (`syscall`) at the end of
 * the 7-byte jump, where the site's syscall instruction was (see rewrite.cpp). */
#define PTVM_REWRITE_TABLE 0x050f0000UL
