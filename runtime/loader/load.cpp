#include "runtime/loader/load.h"

#include <elf.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <cerrno>

#include "core/cstr.h"
#include "core/raw_syscall.h"
#include "runtime/main/cold_bss.h"

extern "C" {
// Provided by the linker: the runtime's own ELF header (its load address: a static-pie is
// linked at 0) and dynamic section. Hidden, so both are reached PC-relative, unrelocated.
__attribute__((visibility("hidden"))) extern const Elf64_Ehdr __ehdr_start;
__attribute__((visibility("hidden"))) extern Elf64_Dyn _DYNAMIC[];
// The program's entry, read by ptvm_loader_jump after every register is cleared.
__attribute__((visibility("hidden"))) std::uintptr_t ptvm_loader_entry;
}

namespace ptvm::loader {
namespace {

constexpr std::uintptr_t kPage = 4096;
constexpr int kMaxPhdrs = 128;

std::uintptr_t page_down(std::uintptr_t v) {
  return v & ~(kPage - 1);
}
std::uintptr_t page_up(std::uintptr_t v) {
  return (v + kPage - 1) & ~(kPage - 1);
}
bool failed(long r) {
  return r < 0 && r > -4096;
}

// AT_EXECFN points here: the kernel's copy at the top of the stack names the runtime.
const char* g_execfn;  // the hand-off's (it stays in memory)

int prot_of(std::uint32_t flags) {
  return ((flags & PF_R) ? PROT_READ : 0) | ((flags & PF_W) ? PROT_WRITE : 0) |
         ((flags & PF_X) ? PROT_EXEC : 0);
}

const char* base_name(const char* path) {
  const char* last = path;
  for (const char* p = path; *p; ++p) {
    if (*p == '/' && p[1]) last = p + 1;
  }
  return last;
}

}  // namespace

bool map_elf(int fd, Image* image, const char** why) {
  Elf64_Ehdr eh;
  Elf64_Phdr ph[kMaxPhdrs];
  if (raw_syscall(SYS_pread64, fd, reinterpret_cast<long>(&eh), sizeof eh, 0) != sizeof eh ||
      eh.e_phnum == 0 || eh.e_phnum > kMaxPhdrs || eh.e_phentsize != sizeof(Elf64_Phdr)) {
    *why = "bad ELF header";
    return false;
  }
  const long bytes = eh.e_phnum * static_cast<long>(sizeof(Elf64_Phdr));
  if (raw_syscall(SYS_pread64, fd, reinterpret_cast<long>(ph), bytes,
                  static_cast<long>(eh.e_phoff)) != bytes) {
    *why = "cannot read the program headers";
    return false;
  }
  std::uintptr_t lo = ~std::uintptr_t{0}, hi = 0, align = kPage;
  for (int i = 0; i < eh.e_phnum; ++i) {
    if (ph[i].p_type != PT_LOAD) continue;
    if (page_down(ph[i].p_vaddr) < lo) lo = page_down(ph[i].p_vaddr);
    if (page_up(ph[i].p_vaddr + ph[i].p_memsz) > hi) hi = page_up(ph[i].p_vaddr + ph[i].p_memsz);
    if (ph[i].p_align > align && (ph[i].p_align & (ph[i].p_align - 1)) == 0) {
      align = ph[i].p_align;
    }
  }
  if (hi <= lo) {
    *why = "no loadable segment";
    return false;
  }
  const std::uintptr_t span = hi - lo;
  // The whole span reserved first (PROT_NONE), then the segments over it.
  if (eh.e_type == ET_DYN) {
    const long r = raw_syscall(SYS_mmap, 0, static_cast<long>(span + align), PROT_NONE,
                               MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (failed(r)) {
      *why = "no room for the program";
      return false;
    }
    const std::uintptr_t got = static_cast<std::uintptr_t>(r);
    const std::uintptr_t start = (got + align - 1) & ~(align - 1);
    if (start > got)
      raw_syscall(SYS_munmap, static_cast<long>(got), static_cast<long>(start - got));
    if (got + span + align > start + span) {
      raw_syscall(SYS_munmap, static_cast<long>(start + span),
                  static_cast<long>(got + span + align - (start + span)));
    }
    image->bias = start - lo;
  } else {
    const long r =
        raw_syscall(SYS_mmap, static_cast<long>(lo), static_cast<long>(span), PROT_NONE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
    if (failed(r) || static_cast<std::uintptr_t>(r) != lo) {
      *why = "its addresses are taken (by ptvm's runtime?)";
      return false;
    }
    image->bias = 0;
  }
  for (int i = 0; i < eh.e_phnum; ++i) {
    const Elf64_Phdr& p = ph[i];
    if (p.p_type != PT_LOAD || p.p_memsz == 0) continue;
    const std::uintptr_t start = image->bias + p.p_vaddr;
    const std::uintptr_t page = page_down(start);
    const std::uintptr_t file_end = start + p.p_filesz;
    const std::uintptr_t mem_end = start + p.p_memsz;
    const int prot = prot_of(p.p_flags);
    const bool bss = mem_end > file_end;
    if (p.p_filesz > 0) {
      const long r =
          raw_syscall(SYS_mmap, static_cast<long>(page), static_cast<long>(file_end - page),
                      prot | (bss ? PROT_WRITE : 0), MAP_PRIVATE | MAP_FIXED, fd,
                      static_cast<long>(p.p_offset - (start - page)));
      if (failed(r)) {
        *why = "cannot map a segment";
        return false;
      }
    }
    if (bss) {
      // The rest of the last file page is zeroed, up to the page's end as the kernel's padzero
      // does (ld.so's first allocations take that tail for zeroes); whole pages after it are
      // anonymous.
      if (p.p_filesz > 0) {
        for (std::uintptr_t a = file_end; a < page_up(file_end); ++a) {
          *reinterpret_cast<volatile char*>(a) = 0;
        }
        if (!(prot & PROT_WRITE)) {
          raw_syscall(SYS_mprotect, static_cast<long>(page), static_cast<long>(file_end - page),
                      prot);
        }
      }
      const std::uintptr_t anon = p.p_filesz > 0 ? page_up(file_end) : page;
      if (page_up(mem_end) > anon) {
        const long r = raw_syscall(SYS_mmap, static_cast<long>(anon),
                                   static_cast<long>(page_up(mem_end) - anon), prot,
                                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
        if (failed(r)) {
          *why = "cannot map the bss";
          return false;
        }
      }
    }
  }
  image->type = eh.e_type;
  image->entry = image->bias + eh.e_entry;
  image->phnum = eh.e_phnum;
  image->start = image->bias + lo;
  image->end = image->bias + hi;
  for (int i = 0; i < eh.e_phnum; ++i) {
    if (ph[i].p_type == PT_PHDR) image->phdr = image->bias + ph[i].p_vaddr;
    if (ph[i].p_type == PT_GNU_STACK) image->exec_stack = (ph[i].p_flags & PF_X) != 0;
    if (ph[i].p_type == PT_DYNAMIC) image->dynamic = image->bias + ph[i].p_vaddr;
    if (ph[i].p_type == PT_GNU_RELRO) {
      image->relro = image->bias + ph[i].p_vaddr;
      image->relro_size = ph[i].p_memsz;
    }
  }
  for (int i = 0; i < eh.e_phnum && image->phdr == 0; ++i) {
    if (ph[i].p_type == PT_LOAD && eh.e_phoff >= ph[i].p_offset &&
        eh.e_phoff < ph[i].p_offset + ph[i].p_filesz) {
      image->phdr = image->bias + ph[i].p_vaddr + (eh.e_phoff - ph[i].p_offset);
    }
  }
  return true;
}

void prefault(std::uintptr_t start, std::uintptr_t end) {
  start = page_down(start);
  end = page_up(end);
  if (end <= start) return;
  // MADV_POPULATE_WRITE (Linux 5.14): every page made present and private in one call. A page
  // fault costs ~10 µs on our virtual machines (the hypervisor's exits), a page populated here
  // ~4.5 µs; EINVAL on an older kernel: each page touched instead (still one fault a page, but
  // none later in a hotter place).
  constexpr long kPopulateWrite = 23;
  if (raw_syscall(SYS_madvise, static_cast<long>(start), static_cast<long>(end - start),
                  kPopulateWrite) == 0) {
    return;
  }
  for (std::uintptr_t a = start; a < end; a += kPage) {
    auto* p = reinterpret_cast<volatile char*>(a);
    *p = *p;
  }
}

void relocate_self() {
  const auto base = reinterpret_cast<std::uintptr_t>(&__ehdr_start);
  // The relocations write all over the writable segment's file pages (~2200 pointers in 10
  // pages, mostly the tracer's tables), and the Handoff is read into them: made private at once.
  const auto* phdr = reinterpret_cast<const Elf64_Phdr*>(base + __ehdr_start.e_phoff);
  for (int i = 0; i < __ehdr_start.e_phnum; ++i) {
    if (phdr[i].p_type == PT_LOAD && (phdr[i].p_flags & PF_W)) {
      prefault(base + phdr[i].p_vaddr, base + phdr[i].p_vaddr + phdr[i].p_filesz);
    }
  }
  std::uintptr_t rela = 0, size = 0;
  for (const Elf64_Dyn* d = _DYNAMIC; d->d_tag != DT_NULL; ++d) {
    if (d->d_tag == DT_RELA) rela = base + d->d_un.d_ptr;
    if (d->d_tag == DT_RELASZ) size = d->d_un.d_val;
  }
  for (std::uintptr_t at = rela; at < rela + size; at += sizeof(Elf64_Rela)) {
    const auto* r = reinterpret_cast<const Elf64_Rela*>(at);
    // The build checks that there is no other kind (runtime/check/, after every link).
    if (ELF64_R_TYPE(r->r_info) == R_X86_64_RELATIVE) {
      *reinterpret_cast<std::uintptr_t*>(base + r->r_offset) = base + r->r_addend;
    }
  }
}

std::uint64_t InitialStack::aux(std::uint64_t type) const {
  for (const Elf64_auxv_t* a = auxv; a->a_type != AT_NULL; ++a) {
    if (a->a_type == type) return a->a_un.a_val;
  }
  return 0;
}

InitialStack read_stack(long* sp) {
  InitialStack s;
  s.sp = sp;
  s.argv = reinterpret_cast<char**>(sp + 1);
  s.envp = s.argv + sp[0] + 1;
  char** e = s.envp;
  while (*e) ++e;
  s.auxv = reinterpret_cast<Elf64_auxv_t*>(e + 1);
  return s;
}

bool read_handoff(const InitialStack& stack, HandoffView* handoff, char* bytes, char* record,
                  std::size_t cap) {
  const char* execfn = reinterpret_cast<const char*>(stack.aux(AT_EXECFN));
  if (execfn == nullptr || !cstr::starts_with(execfn, "/dev/fd/")) return false;
  long k = 0;
  const char* p = execfn + sizeof "/dev/fd/" - 1;
  if (*p < '0' || *p > '9') return false;
  for (; *p >= '0' && *p <= '9'; ++p) k = k * 10 + (*p - '0');
  if (*p) return false;
  const long d = raw_syscall(SYS_lseek, k, 0, SEEK_CUR);
  raw_syscall(SYS_close, k);
  if (d < 0) return false;
  const long n = raw_syscall(SYS_pread64, d, reinterpret_cast<long>(bytes), kMaxPackedHandoff, 0);
  PackedHandoff head;
  bool ok = n >= static_cast<long>(sizeof head);
  if (ok) {
    cstr::copy(reinterpret_cast<char*>(&head), bytes, sizeof head);
    ok = head.magic == PackedHandoff::kMagic && head.strings <= n - sizeof head &&
         head.record_len < cap;
  }
  // The five strings, each ending within the bytes read.
  const char* strings[5] = {};
  for (std::size_t i = 0, at = sizeof head; ok && i < 5; ++i) {
    strings[i] = bytes + at;
    while (at < sizeof head + head.strings && bytes[at] != '\0') ++at;
    ok = at < sizeof head + head.strings;
    ++at;
  }
  if (ok && head.record_len) {
    ok = raw_syscall(SYS_pread64, d, reinterpret_cast<long>(record), head.record_len,
                     static_cast<long>(sizeof head + head.strings)) == head.record_len;
  }
  if (ok) {
    record[head.record_len] = '\0';
    *handoff = {head.program_fd, head.interp_fd, head.traced != 0, head.sigsys_blocked != 0,
                head.record_len, strings[0], strings[1], strings[2], strings[3], strings[4]};
  }
  raw_syscall(SYS_close, d);
  return ok;
}

std::uintptr_t load_program(const InitialStack& stack, const HandoffView& handoff,
                            const char** why) {
  Image program, interp;
  bool ok = map_elf(handoff.program_fd, &program, why);
  if (ok && handoff.interp_fd >= 0) ok = map_elf(handoff.interp_fd, &interp, why);
  raw_syscall(SYS_close, handoff.program_fd);
  if (handoff.interp_fd >= 0) raw_syscall(SYS_close, handoff.interp_fd);
  if (!ok) return 0;
  if (program.phdr == 0) {
    *why = "its program headers are not mapped";
    return 0;
  }
  // The kernel made the stack as ptvm-rt's header asks (not executable): as the program's.
  if (program.exec_stack) {
    raw_syscall(SYS_mprotect,
                static_cast<long>(page_down(reinterpret_cast<std::uintptr_t>(stack.sp))),
                static_cast<long>(kPage), PROT_READ | PROT_WRITE | PROT_EXEC | PROT_GROWSDOWN);
  }
  g_execfn = handoff.execfn;
  for (Elf64_auxv_t* a = stack.auxv; a->a_type != AT_NULL; ++a) {
    switch (a->a_type) {
      case AT_PHDR:
        a->a_un.a_val = program.phdr;
        break;
      case AT_PHENT:
        a->a_un.a_val = sizeof(Elf64_Phdr);
        break;
      case AT_PHNUM:
        a->a_un.a_val = program.phnum;
        break;
      case AT_ENTRY:
        a->a_un.a_val = program.entry;
        break;
      case AT_BASE:
        a->a_un.a_val = handoff.interp_fd >= 0 ? interp.bias : 0;
        break;
      case AT_EXECFN:
        a->a_un.a_val = reinterpret_cast<std::uintptr_t>(g_execfn);
        break;
      default:
        break;
    }
  }
  // The kernel names a process after the file it executes (a descriptor's: the file's name).
  const char* name = cstr::starts_with(handoff.execfn, "/dev/fd/") ? base_name(handoff.exe)
                                                                   : base_name(handoff.execfn);
  char comm[16];
  cstr::copy_string(comm, name, sizeof comm);
  raw_syscall(SYS_prctl, PR_SET_NAME, reinterpret_cast<long>(comm));
  return handoff.interp_fd >= 0 ? interp.entry : program.entry;
}

}  // namespace ptvm::loader

// _start: the kernel's stack pointer (argc) to ptvm_loader_main. ptvm_loader_jump: back to that
// stack pointer with every register cleared, as the kernel starts a program (RDX = 0: no
// function for atexit), at the entry stored in ptvm_loader_entry.
__asm__(
    "\t.text\n"
    "\t.globl _start\n"
    "\t.type _start,@function\n"
    "_start:\n"
    "\txor %ebp,%ebp\n"
    "\tmov %rsp,%rdi\n"
    "\tand $-16,%rsp\n"
    "\tcall ptvm_loader_main\n"
    "\tud2\n"
    "\t.size _start,.-_start\n"
    "\t.globl ptvm_loader_jump\n"
    "\t.hidden ptvm_loader_jump\n"
    "\t.type ptvm_loader_jump,@function\n"
    "ptvm_loader_jump:\n"
    "\tmov %rdi,%rsp\n"
    "\txor %eax,%eax\n\txor %ebx,%ebx\n\txor %ecx,%ecx\n\txor %edx,%edx\n"
    "\txor %esi,%esi\n\txor %edi,%edi\n\txor %ebp,%ebp\n"
    "\txor %r8d,%r8d\n\txor %r9d,%r9d\n\txor %r10d,%r10d\n\txor %r11d,%r11d\n"
    "\txor %r12d,%r12d\n\txor %r13d,%r13d\n\txor %r14d,%r14d\n\txor %r15d,%r15d\n"
    "\tcld\n"
    "\tjmp *ptvm_loader_entry(%rip)\n"
    "\t.size ptvm_loader_jump,.-ptvm_loader_jump\n");

extern "C" [[noreturn]] void ptvm_loader_jump(long* sp);

namespace ptvm::loader {
void jump(long* sp, std::uintptr_t entry) {
  ptvm_loader_entry = entry;
  ptvm_loader_jump(sp);
}
}  // namespace ptvm::loader
