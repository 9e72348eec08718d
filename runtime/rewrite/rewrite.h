// Rewriting of hot system-call sites (issue 17): a site whose call no module wants, once it has
// trapped a few times, is patched into a jump to a stub in the allowed range that makes the call
// directly: no SIGSYS, no handler. See README.md for the patch and why it is safe.
#pragma once

#include <sys/ucontext.h>

#include <cstdint>

#include "runtime/rewrite/stats.h"

namespace ptvm::rewrite {

// The calls whose first argument is a descriptor that the runtime checks against its own output
// (the program gets EBADF for it): a stub of such a call takes the slow path for that one.
bool takes_descriptor(long nr);

// The calls that change the memory map: the runtime reports them with on_memory_call().
bool changes_memory_map(long nr);

// The calling thread's tracer (TracerPid of /proc/thread-self/status): 0 if none, -1 unreadable.
long tracer_pid();

// Once per process image, before the first trap. `after_traps`: traps of a site before it is
// patched. `stats`: the run's shared table (null: no counting). Rewriting stays off unless
// `enabled`.
void init(bool enabled, std::uint32_t after_traps, Stats* stats);

// A trap from the instruction before `after` (the frame's RIP), about to be performed by the
// runtime (`wanted`: through the module stack). May patch the site (the call itself is still
// performed by the caller this time): a call no module wants into a stub that makes it, a wanted
// one (or one the runtime does something around: the memory map, /proc/self/exe's names,
// ptvm's descriptor) into a stub that calls ptvm_fast_dispatch(), runtime.cpp's way into the
// module stack and perform() without a signal frame.
void on_trap(std::uintptr_t after, long nr, bool wanted);

// Every trap, wanted or not (--stats only).
void count_trap();

// A safe copy of the program's memory faulted (ptvm's SIGSEGV/SIGBUS handler recovered it).
void count_copy_fault();

// After the program changed its memory map (mmap, munmap, mprotect, mremap, madvise...): sites
// in the range are forgotten (new code may come there) and the map is read again next time.
void on_memory_call(long nr, const long a[6]);

// A signal stopped a thread at `g` (a ucontext's registers): if that is inside a stub, turns it
// into the state the thread would have at its site, natively: before the site's syscall (RIP on
// it, RAX the number, RCX the program's), or after it (RIP and RCX the site's end). Resuming
// there is the same program; the handler sees the program's own code. Whether it did.
bool translate_context(greg_t* g);

// The registers a sigreturn frame restores: if they resume on a patched site's syscall
// instruction with the stub's number (an interrupted call to be restarted, translated above),
// they are moved to the stub's syscall so that the call does not trap. Whether it did.
bool resume_in_stub(greg_t* g);

// ptvm's own output descriptor moved (the stubs of descriptor calls send it to the slow path).
void set_output_fd(long fd);

// A fork child: the lock may have been held by a thread that is not in the child.
void on_fork_child();

// Adds this process's counts to the shared table and clears them (exit, execve).
void flush_stats();

}  // namespace ptvm::rewrite
