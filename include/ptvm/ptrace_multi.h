/* PTRACE_MULTI on a stock kernel: the C API of Renzo Davoli's 2008 patch.
 *
 * ptvm_ptrace_multi(pid, reqs, n) executes n ptrace requests on `pid` (a ptrace-stopped tracee
 * of the calling thread) in order:
 *   PTRACE_PEEKTEXT, PTRACE_PEEKDATA, PTRACE_PEEKUSER   read `length` consecutive words (0 means
 *                                                        1) at addr into the long array localaddr
 *   PTRACE_POKETEXT, PTRACE_POKEDATA, PTRACE_POKEUSER   write `length` words from localaddr
 *   PTVM_PEEKCHARDATA    read `length` bytes at addr into localaddr
 *   PTVM_POKECHARDATA    write `length` bytes from localaddr to addr
 *   PTVM_PEEKSTRINGDATA  read a NUL-terminated string, at most `length` bytes including the NUL;
 *                        pages after the one holding the NUL are never touched
 *   PTVM_PEEKCHARDATA_CHECKED, PTVM_POKECHARDATA_CHECKED, PTVM_PEEKSTRINGDATA_CHECKED
 *                        the same with the tracee's own access rights (see below)
 *   anything else        ptrace(request, pid, addr, localaddr)
 *
 * Returns 0 when every request succeeded, else -errno of the first failing request; the requests
 * after it are not executed. For the three CHAR/STRING requests `length` is overwritten with the
 * bytes actually moved (a string's count includes its NUL), also for the failing request, so the
 * caller learns a string's length and how far a failed copy got. A string longer than `length`
 * is not an error: the buffer then holds no NUL. A tracee that is gone gives -ESRCH.
 *
 * Access semantics: the word requests and the three CHAR/STRING requests behave as the seed's
 * (the kernel's access_process_vm: they force access, as a debugger's: PEEKTEXT and PEEKCHARDATA
 * read PROT_NONE pages, POKETEXT and POKECHARDATA write read-only text); only unmapped memory
 * fails with -EFAULT. The _CHECKED requests behave as the tracee's own system call would (they
 * also fail with -EFAULT on PROT_NONE and, for writes, read-only memory): what a VM wants when
 * it fetches and stores system call arguments, since the kernel would refuse the call.
 *
 * Consecutive memory requests are coalesced: all their reads go to the kernel in one
 * process_vm_readv, all their writes in one process_vm_writev (falling back to /proc/PID/mem or
 * word-wise PTRACE_PEEKDATA where the kernel refuses; see ptvm_multi_set_mem_mode()).
 * Callable from C; never throws; thread-safe (the mode is per process).
 */
#ifndef PTVM_PTRACE_MULTI_H
#define PTVM_PTRACE_MULTI_H

#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct ptvm_multi {
  long request;
  long addr;
  void* localaddr;
  long length;
};

#define PTVM_PEEKCHARDATA 0x4301
#define PTVM_POKECHARDATA 0x4302
#define PTVM_PEEKSTRINGDATA 0x4303
#define PTVM_PEEKCHARDATA_CHECKED 0x4311
#define PTVM_POKECHARDATA_CHECKED 0x4312
#define PTVM_PEEKSTRINGDATA_CHECKED 0x4313

long ptvm_ptrace_multi(pid_t pid, struct ptvm_multi* reqs, long n);

/* Which mechanism moves memory: the fallback chain, each forceable. */
#define PTVM_MEM_AUTO 0 /* process_vm_* -> /proc/PID/mem -> PTRACE_PEEKDATA, as the kernel allows \
                         */
#define PTVM_MEM_VM 1   /* process_vm_readv/writev (+ /proc/PID/mem for forced access) */
#define PTVM_MEM_PROCMEM 2 /* pread/pwrite on /proc/PID/mem */
#define PTVM_MEM_PEEK 3    /* word-wise PTRACE_PEEKDATA/POKEDATA */
/* Returns 0, or -EINVAL for an unknown mode. */
int ptvm_multi_set_mem_mode(int mode);

/* System calls issued by this thread's ptvm_ptrace_multi() calls so far (for benchmarks). */
unsigned long ptvm_multi_crossings(void);

#ifdef __cplusplus
}
#endif

#endif /* PTVM_PTRACE_MULTI_H */
