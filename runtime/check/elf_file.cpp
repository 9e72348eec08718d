#include "runtime/check/elf_file.h"

#include "runtime/check/module_exports.h"

#include <fcntl.h>
#include <fmt/core.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ptvm::elf {

namespace {

// Larger than any module or runtime: a bigger file is refused instead of read whole.
constexpr std::uint64_t kMaxBytes = std::uint64_t{1} << 30;

const char* machine_name(std::uint16_t machine) {
  switch (machine) {
    case EM_386:
      return "i386";
    case EM_ARM:
      return "ARM";
    case EM_AARCH64:
      return "AArch64";
    case EM_RISCV:
      return "RISC-V";
    case EM_PPC64:
      return "PowerPC 64";
    case EM_S390:
      return "s390";
    default:
      return nullptr;
  }
}

}  // namespace

std::expected<ElfFile, std::string> ElfFile::open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::unexpected(fmt::format("cannot open {}: {}", path, std::strerror(errno)));
  struct stat st;
  if (fstat(fd, &st) != 0) {
    const int error = errno;
    close(fd);
    return std::unexpected(fmt::format("cannot read {}: {}", path, std::strerror(error)));
  }
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    return std::unexpected(fmt::format("{} is not a regular file", path));
  }
  if (static_cast<std::uint64_t>(st.st_size) > kMaxBytes) {
    close(fd);
    return std::unexpected(fmt::format("{} is larger than any ELF file ptvm reads", path));
  }
  ElfFile file;
  file.path_ = path;
  file.data_.resize(static_cast<std::size_t>(st.st_size));
  std::size_t done = 0;
  while (done < file.data_.size()) {
    const ssize_t n = read(fd, file.data_.data() + done, file.data_.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int error = n < 0 ? errno : EIO;
      close(fd);
      return std::unexpected(fmt::format("cannot read {}: {}", path, std::strerror(error)));
    }
    done += static_cast<std::size_t>(n);
  }
  close(fd);

  const auto& d = file.data_;
  if (d.size() < EI_NIDENT || std::memcmp(d.data(), ELFMAG, SELFMAG) != 0) {
    return std::unexpected(fmt::format("{} is not an ELF file", path));
  }
  const auto ident = [&](int i) { return static_cast<unsigned char>(d[i]); };
  if (ident(EI_CLASS) != ELFCLASS64) {
    return std::unexpected(fmt::format("{} is a {} ELF file: ptvm's are 64-bit x86-64", path,
                                       ident(EI_CLASS) == ELFCLASS32 ? "32-bit" : "malformed"));
  }
  if (ident(EI_DATA) != ELFDATA2LSB) {
    return std::unexpected(fmt::format("{} is a big-endian ELF file: ptvm's are x86-64", path));
  }
  if (d.size() < sizeof(Elf64_Ehdr)) {
    return std::unexpected(fmt::format("{} is truncated (shorter than an ELF header)", path));
  }
  const Elf64_Ehdr h = file.header();
  if (h.e_machine != EM_X86_64) {
    const char* name = machine_name(h.e_machine);
    return std::unexpected(
        name ? fmt::format("{} is an ELF file for {}, not x86-64", path, name)
             : fmt::format("{} is an ELF file for machine {}, not x86-64", path, h.e_machine));
  }
  if ((h.e_phnum != 0 && (h.e_phentsize != sizeof(Elf64_Phdr) ||
                          !file.inside(h.e_phoff, h.e_phnum, sizeof(Elf64_Phdr)))) ||
      (h.e_shnum != 0 && (h.e_shentsize != sizeof(Elf64_Shdr) ||
                          !file.inside(h.e_shoff, h.e_shnum, sizeof(Elf64_Shdr))))) {
    return std::unexpected(
        fmt::format("{} is truncated or malformed (its headers lie outside the file)", path));
  }
  return file;
}

bool ElfFile::inside(std::uint64_t offset, std::uint64_t count, std::uint64_t entry) const {
  if (entry == 0 || count > kMaxBytes / entry) return false;
  return offset <= data_.size() && count * entry <= data_.size() - offset;
}

template <class T>
T ElfFile::record(std::uint64_t offset, std::uint64_t i) const {
  T value;
  std::memcpy(&value, data_.data() + offset + i * sizeof(T), sizeof(T));
  return value;
}

Elf64_Ehdr ElfFile::header() const {
  return record<Elf64_Ehdr>(0, 0);
}

std::uint16_t ElfFile::type() const {
  return header().e_type;
}

bool ElfFile::has_section_headers() const {
  return header().e_shnum != 0;
}

std::vector<Elf64_Phdr> ElfFile::segments() const {
  const Elf64_Ehdr h = header();
  std::vector<Elf64_Phdr> out;
  for (std::uint64_t i = 0; i < h.e_phnum; ++i) out.push_back(record<Elf64_Phdr>(h.e_phoff, i));
  return out;
}

std::vector<Elf64_Shdr> ElfFile::sections() const {
  const Elf64_Ehdr h = header();
  std::vector<Elf64_Shdr> out;
  for (std::uint64_t i = 0; i < h.e_shnum; ++i) out.push_back(record<Elf64_Shdr>(h.e_shoff, i));
  return out;
}

const std::byte* ElfFile::at(std::uint64_t address, std::size_t bytes) const {
  for (const Elf64_Phdr& p : segments()) {
    if (p.p_type != PT_LOAD || address < p.p_vaddr || address - p.p_vaddr > p.p_filesz ||
        bytes > p.p_filesz - (address - p.p_vaddr)) {
      continue;
    }
    const std::uint64_t offset = p.p_offset + (address - p.p_vaddr);
    if (!inside(offset, bytes, 1)) return nullptr;
    return data_.data() + offset;
  }
  return nullptr;
}

std::string ElfFile::interpreter() const {
  for (const Elf64_Phdr& p : segments()) {
    if (p.p_type != PT_INTERP) continue;
    if (!inside(p.p_offset, p.p_filesz, 1)) return "?";
    std::string s(reinterpret_cast<const char*>(data_.data() + p.p_offset), p.p_filesz);
    return s.substr(0, s.find('\0'));
  }
  return {};
}

std::vector<Elf64_Dyn> ElfFile::dynamic() const {
  std::vector<Elf64_Dyn> out;
  for (const Elf64_Phdr& p : segments()) {
    if (p.p_type != PT_DYNAMIC) continue;
    const std::uint64_t n = p.p_filesz / sizeof(Elf64_Dyn);
    if (!inside(p.p_offset, n, sizeof(Elf64_Dyn))) return out;
    for (std::uint64_t i = 0; i < n; ++i) {
      const auto d = record<Elf64_Dyn>(p.p_offset, i);
      if (d.d_tag == DT_NULL) break;
      out.push_back(d);
    }
  }
  return out;
}

std::string ElfFile::dynamic_string(std::uint64_t offset) const {
  std::uint64_t strtab = 0, size = 0;
  for (const Elf64_Dyn& d : dynamic()) {
    if (d.d_tag == DT_STRTAB) strtab = d.d_un.d_ptr;
    if (d.d_tag == DT_STRSZ) size = d.d_un.d_val;
  }
  if (offset >= size) return "?";
  const std::byte* s = at(strtab + offset, size - offset);
  if (s == nullptr) return "?";
  const auto* chars = reinterpret_cast<const char*>(s);
  return std::string(chars, strnlen(chars, size - offset));
}

std::string ElfFile::string_at(const Elf64_Shdr& strtab, std::uint64_t offset) const {
  if (offset >= strtab.sh_size || !inside(strtab.sh_offset, strtab.sh_size, 1)) return "?";
  const auto* chars = reinterpret_cast<const char*>(data_.data() + strtab.sh_offset + offset);
  return std::string(chars, strnlen(chars, strtab.sh_size - offset));
}

std::vector<Symbol> ElfFile::symbols() const {
  const std::vector<Elf64_Shdr> all = sections();
  std::vector<Symbol> out;
  for (const Elf64_Shdr& s : all) {
    if ((s.sh_type != SHT_SYMTAB && s.sh_type != SHT_DYNSYM) || s.sh_link >= all.size() ||
        s.sh_entsize != sizeof(Elf64_Sym)) {
      continue;
    }
    const std::uint64_t n = s.sh_size / sizeof(Elf64_Sym);
    if (!inside(s.sh_offset, n, sizeof(Elf64_Sym))) continue;
    for (std::uint64_t i = 1; i < n; ++i) {
      const auto e = record<Elf64_Sym>(s.sh_offset, i);
      if (ELF64_ST_TYPE(e.st_info) == STT_SECTION || ELF64_ST_TYPE(e.st_info) == STT_FILE) {
        continue;
      }
      out.push_back({string_at(all[s.sh_link], e.st_name), e.st_value, e.st_size,
                     static_cast<unsigned char>(ELF64_ST_BIND(e.st_info)), e.st_shndx,
                     s.sh_type == SHT_DYNSYM});
    }
  }
  return out;
}

std::vector<Relocation> ElfFile::relocations(bool* packed) const {
  const std::vector<Elf64_Shdr> all = sections();
  std::vector<Relocation> out;
  *packed = false;
  for (const Elf64_Shdr& s : all) {
    if (s.sh_type == SHT_RELR) *packed = true;
    if (s.sh_type != SHT_RELA && s.sh_type != SHT_REL) continue;
    const bool rela = s.sh_type == SHT_RELA;
    const std::uint64_t entry = rela ? sizeof(Elf64_Rela) : sizeof(Elf64_Rel);
    const std::uint64_t n = s.sh_size / entry;
    if (!inside(s.sh_offset, n, entry)) continue;
    // The symbol table the section names (sh_link), for the symbols' names.
    const Elf64_Shdr* symtab = s.sh_link < all.size() ? &all[s.sh_link] : nullptr;
    for (std::uint64_t i = 0; i < n; ++i) {
      const std::uint64_t info = rela ? record<Elf64_Rela>(s.sh_offset, i).r_info
                                      : record<Elf64_Rel>(s.sh_offset, i).r_info;
      Relocation r;
      r.type = static_cast<std::uint32_t>(ELF64_R_TYPE(info));
      const std::uint64_t sym = ELF64_R_SYM(info);
      if (sym != 0 && symtab != nullptr && symtab->sh_link < all.size() &&
          inside(symtab->sh_offset, sym + 1, sizeof(Elf64_Sym))) {
        const auto e = record<Elf64_Sym>(symtab->sh_offset, sym);
        r.symbol = string_at(all[symtab->sh_link], e.st_name);
        r.symbol_defined = e.st_shndx != SHN_UNDEF;
        r.symbol_bind = static_cast<unsigned char>(ELF64_ST_BIND(e.st_info));
        r.symbol_type = static_cast<unsigned char>(ELF64_ST_TYPE(e.st_info));
      }
      out.push_back(std::move(r));
    }
  }
  return out;
}

std::string relocation_name(std::uint32_t type) {
  const char* name = relocation_type_name(type);
  return name != nullptr ? name : fmt::format("relocation type {}", type);
}

}  // namespace ptvm::elf
