#include "runtime/loader/link_module.h"

#include <sys/mman.h>
#include <sys/syscall.h>

#include "core/cstr.h"
#include "core/raw_syscall.h"
#include "runtime/check/module_exports.h"
#include "runtime/loader/load.h"

namespace ptvm::loader {
namespace {

constexpr std::uintptr_t kPage = 4096;

// A sentence in a fixed buffer: "the module " + parts..., cut at `cap`.
class Why {
 public:
  Why(char* out, std::size_t cap) : out_(out), cap_(cap) {
    if (cap_ > 0) out_[0] = '\0';
  }
  Why& operator<<(const char* s) {
    for (; *s && at_ + 1 < cap_; ++s) out_[at_++] = *s;
    if (cap_ > 0) out_[at_] = '\0';
    return *this;
  }

 private:
  char* out_;
  std::size_t cap_;
  std::size_t at_ = 0;
};

// The number of entries of the dynamic symbol table, which no dynamic tag gives: DT_HASH's chain
// count, or past the last chain of DT_GNU_HASH (whose symbols below `symoffset` are unhashed).
// 0 when the table reaches past `end` (the mapping's).
std::size_t count_symbols(const std::uint32_t* hash, const std::uint32_t* gnu_hash,
                          std::uintptr_t end) {
  const auto before_end = [end](const void* p, std::size_t bytes) {
    return reinterpret_cast<std::uintptr_t>(p) <= end &&
           bytes <= end - reinterpret_cast<std::uintptr_t>(p);
  };
  if (hash != nullptr) return before_end(hash, 8) ? hash[1] : 0;
  if (!before_end(gnu_hash, 16)) return 0;
  const std::uint32_t buckets = gnu_hash[0], symoffset = gnu_hash[1], bloom_words = gnu_hash[2];
  const auto* bucket = reinterpret_cast<const std::uint32_t*>(
      reinterpret_cast<const std::uint64_t*>(gnu_hash + 4) + bloom_words);
  if (!before_end(bucket, std::size_t{buckets} * 4)) return 0;
  const std::uint32_t* chain = bucket + buckets;
  std::uint32_t last = 0;
  for (std::uint32_t b = 0; b < buckets; ++b) {
    if (bucket[b] > last) last = bucket[b];
  }
  if (last < symoffset) return symoffset;
  // The chain's end has its low bit set.
  for (; before_end(&chain[last - symoffset], 4); ++last) {
    if (chain[last - symoffset] & 1) return last + 1;
  }
  return 0;
}

}  // namespace

const Elf64_Sym* LinkedModule::symbol(std::uint64_t index) const {
  return index < symbols_ ? &symtab_[index] : nullptr;
}

const char* LinkedModule::symbol_name(const Elf64_Sym& s) const {
  return s.st_name < strsz_ ? strtab_ + s.st_name : "?";
}

bool LinkedModule::link(int fd, const Export* exports, std::size_t count, char* why_out,
                        std::size_t cap) {
  Why why(why_out, cap);
  Image image;
  const char* map_why = "";
  if (!map_elf(fd, &image, &map_why)) {
    why << map_why;
    return false;
  }
  if (image.type != ET_DYN) {
    why << "is not position-independent (ELF type is not ET_DYN)";
    return false;
  }
  bias_ = image.bias;
  start_ = image.start;
  end_ = image.end;
  const auto inside = [this](std::uintptr_t at, std::size_t bytes) {
    return at >= start_ && at <= end_ && bytes <= end_ - at;
  };
  if (image.phdr != 0 && inside(image.phdr, image.phnum * sizeof(Elf64_Phdr))) {
    const auto* ph = reinterpret_cast<const Elf64_Phdr*>(image.phdr);
    for (int i = 0; i < image.phnum; ++i) {
      if (ph[i].p_type == PT_TLS) {
        why << "has a TLS segment (thread_local variables)";
        return false;
      }
      if (ph[i].p_type == PT_INTERP) {
        why << "has a program interpreter";
        return false;
      }
    }
  }
  if (image.dynamic == 0) {
    why << "has no dynamic section";
    return false;
  }
  std::uintptr_t rela = 0, rela_bytes = 0, jmprel = 0, jmprel_bytes = 0, init = 0;
  std::uintptr_t init_array = 0, init_array_bytes = 0;
  const std::uint32_t *hash = nullptr, *gnu_hash = nullptr;
  for (const auto* d = reinterpret_cast<const Elf64_Dyn*>(image.dynamic);; ++d) {
    if (!inside(reinterpret_cast<std::uintptr_t>(d), sizeof *d)) {
      why << "has a dynamic section without its end (DT_NULL)";
      return false;
    }
    if (d->d_tag == DT_NULL) break;
    const std::uintptr_t at = bias_ + d->d_un.d_ptr;
    switch (d->d_tag) {
      case DT_RELA:
        rela = at;
        break;
      case DT_RELASZ:
        rela_bytes = d->d_un.d_val;
        break;
      case DT_JMPREL:
        jmprel = at;
        break;
      case DT_PLTRELSZ:
        jmprel_bytes = d->d_un.d_val;
        break;
      case DT_PLTREL:
        if (d->d_un.d_val != DT_RELA) {
          why << "has REL relocations for its PLT (x86-64 uses RELA)";
          return false;
        }
        break;
      case DT_SYMTAB:
        symtab_ = reinterpret_cast<const Elf64_Sym*>(at);
        break;
      case DT_STRTAB:
        strtab_ = reinterpret_cast<const char*>(at);
        break;
      case DT_STRSZ:
        strsz_ = d->d_un.d_val;
        break;
      case DT_HASH:
        hash = reinterpret_cast<const std::uint32_t*>(at);
        break;
      case DT_GNU_HASH:
        gnu_hash = reinterpret_cast<const std::uint32_t*>(at);
        break;
      case DT_INIT:
        init = at;
        break;
      case DT_INIT_ARRAY:
        init_array = at;
        break;
      case DT_INIT_ARRAYSZ:
        init_array_bytes = d->d_un.d_val;
        break;
      case DT_TEXTREL:
        why << "has text relocations (DT_TEXTREL)";
        return false;
      case DT_FLAGS:
        if (d->d_un.d_val & DF_TEXTREL) {
          why << "has text relocations (DF_TEXTREL)";
          return false;
        }
        break;
      case DT_RELR:
        why << "has packed relative relocations (DT_RELR)";
        return false;
      case DT_PREINIT_ARRAY:
        why << "has DT_PREINIT_ARRAY";
        return false;
      default:
        break;
    }
  }
  if (hash == nullptr && gnu_hash == nullptr) {
    why << "has no symbol hash table (DT_GNU_HASH or DT_HASH)";
    return false;
  }
  if (symtab_ == nullptr || strtab_ == nullptr ||
      !inside(reinterpret_cast<std::uintptr_t>(strtab_), strsz_)) {
    why << "has no dynamic symbol table";
    return false;
  }
  symbols_ = count_symbols(hash, gnu_hash, end_);
  if (symbols_ == 0 ||
      !inside(reinterpret_cast<std::uintptr_t>(symtab_), symbols_ * sizeof(Elf64_Sym))) {
    why << "has a symbol table outside its segments";
    return false;
  }
  // Every relocation now: the module's code may run from the signal path, where nothing may
  // be resolved lazily.
  const std::uintptr_t tables[2][2] = {{rela, rela_bytes}, {jmprel, jmprel_bytes}};
  for (const auto& [table, bytes] : tables) {
    if (bytes != 0 && !inside(table, bytes)) {
      why << "has a relocation table outside its segments";
      return false;
    }
    for (std::uintptr_t at = table; at + sizeof(Elf64_Rela) <= table + bytes;
         at += sizeof(Elf64_Rela)) {
      const auto* r = reinterpret_cast<const Elf64_Rela*>(at);
      const auto type = static_cast<std::uint32_t>(ELF64_R_TYPE(r->r_info));
      const std::uintptr_t where = bias_ + r->r_offset;
      if (type == R_X86_64_NONE) continue;
      if (!inside(where, sizeof(std::uintptr_t))) {
        why << "has a relocation outside its segments";
        return false;
      }
      auto* slot = reinterpret_cast<std::uintptr_t*>(where);
      if (type == R_X86_64_RELATIVE) {
        *slot = bias_ + static_cast<std::uintptr_t>(r->r_addend);
        continue;
      }
      if (!elf::module_relocation(type)) {
        const char* name = elf::relocation_type_name(type);
        why << "has " << (name != nullptr ? name : "unknown")
            << " relocations: the runtime applies " << elf::kModuleRelocations << " only";
        return false;
      }
      const Elf64_Sym* s = symbol(ELF64_R_SYM(r->r_info));
      if (s == nullptr) {
        why << "has a relocation against a symbol that is not in its table";
        return false;
      }
      if (ELF64_ST_TYPE(s->st_info) == STT_GNU_IFUNC) {
        why << "has a relocation against the indirect function " << symbol_name(*s)
            << " (STT_GNU_IFUNC): the runtime runs no resolver";
        return false;
      }
      std::uintptr_t value = 0;
      if (s->st_shndx != SHN_UNDEF) {  // its own: the runtime does not interpose
        value = bias_ + s->st_value;
      } else {
        const char* name = symbol_name(*s);
        bool found = false;
        for (std::size_t e = 0; e < count && !found; ++e) {
          if (cstr::equal(exports[e].name, name)) {
            value = reinterpret_cast<std::uintptr_t>(exports[e].address);
            found = true;
          }
        }
        if (!found && ELF64_ST_BIND(s->st_info) != STB_WEAK) {
          why << "imports " << name
              << ", which nothing resolves in the runtime (it provides ptvm's API and no "
                 "library: ptvm check-module names every such symbol)";
          return false;
        }
      }
      *slot = value + (type == R_X86_64_64 ? static_cast<std::uintptr_t>(r->r_addend) : 0);
    }
  }
  if (image.relro != 0) {  // as ld.so: whole pages, its end rounded down
    const std::uintptr_t from = image.relro & ~(kPage - 1);
    const std::uintptr_t to = (image.relro + image.relro_size) & ~(kPage - 1);
    if (to > from) {
      raw_syscall(SYS_mprotect, static_cast<long>(from), static_cast<long>(to - from), PROT_READ);
    }
  }
  // Constructors in ld.so's order: DT_INIT, then .init_array (without argc, argv, envp).
  if (init != 0) reinterpret_cast<void (*)()>(init)();
  if (init_array_bytes != 0 && !inside(init_array, init_array_bytes)) {
    why << "has an .init_array outside its segments";
    return false;
  }
  for (std::uintptr_t at = init_array; at + sizeof(void*) <= init_array + init_array_bytes;
       at += sizeof(void*)) {
    const std::uintptr_t f = *reinterpret_cast<const std::uintptr_t*>(at);
    if (f != 0 && f != ~std::uintptr_t{0}) reinterpret_cast<void (*)()>(f)();
  }
  return true;
}

void* LinkedModule::find(const char* name) const {
  for (std::size_t i = 1; i < symbols_; ++i) {
    const Elf64_Sym& s = symtab_[i];
    if (s.st_shndx == SHN_UNDEF || ELF64_ST_BIND(s.st_info) == STB_LOCAL) continue;
    if (cstr::equal(symbol_name(s), name)) return reinterpret_cast<void*>(bias_ + s.st_value);
  }
  return nullptr;
}

}  // namespace ptvm::loader
