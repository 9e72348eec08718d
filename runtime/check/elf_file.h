// An x86-64 ELF file read whole and bounds-checked, for the freestanding check
// (freestanding_check.h): its segments, dynamic tags, symbols and relocations, and the bytes
// behind a virtual address. Reads; never maps nor runs anything of the file.
#pragma once

#include <elf.h>

#include <cstddef>
#include <cstdint>
#include <expected>
#include <string>
#include <vector>

namespace ptvm::elf {

struct Symbol {
  std::string name;
  std::uint64_t value = 0;  // its virtual address when defined
  std::uint64_t size = 0;
  unsigned char bind = 0;  // STB_*
  std::uint16_t section = SHN_UNDEF;
  bool dynamic = false;  // from .dynsym (what a loader sees), else .symtab
  bool defined() const { return section != SHN_UNDEF; }
};

struct Relocation {
  std::uint32_t type = 0;         // R_X86_64_*
  std::string symbol;             // empty when it names none
  bool symbol_defined = false;    // the symbol is defined in the file itself
  unsigned char symbol_bind = 0;  // its STB_*
  unsigned char symbol_type = 0;  // its STT_*
};

class ElfFile {
 public:
  // Reads `path`. The error says what is wrong in a sentence naming the file: it cannot be
  // read, is not ELF, is ELF of another class, byte order or machine, or is truncated.
  static std::expected<ElfFile, std::string> open(const std::string& path);

  const std::string& path() const { return path_; }
  std::uint16_t type() const;  // ET_DYN, ET_EXEC...
  std::vector<Elf64_Phdr> segments() const;
  // PT_DYNAMIC's entries up to DT_NULL; empty without one.
  std::vector<Elf64_Dyn> dynamic() const;
  // The string DT_NEEDED and the like point at (an offset into DT_STRTAB), or "?".
  std::string dynamic_string(std::uint64_t offset) const;
  bool has_section_headers() const;
  // .symtab's and .dynsym's symbols (index 0 of each left out).
  std::vector<Symbol> symbols() const;
  // Every SHT_RELA and SHT_REL section's entries; `packed` is set when there is a SHT_RELR.
  std::vector<Relocation> relocations(bool* packed) const;
  // The file's bytes at virtual address `address`, `bytes` of them inside one PT_LOAD's file
  // image; null when they are not all there.
  const std::byte* at(std::uint64_t address, std::size_t bytes) const;
  // The program interpreter PT_INTERP names, or empty.
  std::string interpreter() const;

 private:
  Elf64_Ehdr header() const;
  // Whether `count` records of `entry` bytes at file offset `offset` are inside the file.
  bool inside(std::uint64_t offset, std::uint64_t count, std::uint64_t entry) const;
  // Record `i` of a table at `offset` (copied: the file's bytes need not be aligned); the caller
  // checked inside().
  template <class T>
  T record(std::uint64_t offset, std::uint64_t i) const;
  std::vector<Elf64_Shdr> sections() const;
  std::string string_at(const Elf64_Shdr& strtab, std::uint64_t offset) const;

  std::string path_;
  std::vector<std::byte> data_;
};

// R_X86_64_RELATIVE and the like; "relocation type N" for one without a name here.
std::string relocation_name(std::uint32_t type);

}  // namespace ptvm::elf
