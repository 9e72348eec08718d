#include "runtime/check/freestanding_check.h"

#include <fmt/core.h>
#include <fmt/format.h>

#include <cxxabi.h>

#include <cstdlib>
#include <map>
#include <set>

namespace ptvm::elf {

namespace {

// At most this many names in one sentence; the rest are counted.
constexpr std::size_t kMaxNames = 12;

// A C++ name as the source spells it ("ptvm::Memory::read(...)"), else as it is.
std::string demangled(const std::string& name) {
  int status = 0;
  char* plain = abi::__cxa_demangle(name.c_str(), nullptr, nullptr, &status);
  if (plain == nullptr) return name;
  std::string out = plain;
  std::free(plain);
  return out;
}

std::string name_list(const std::set<std::string>& names) {
  std::vector<std::string> shown;
  for (const std::string& n : names) {
    if (shown.size() == kMaxNames) break;
    shown.push_back(demangled(n));
  }
  std::string out = fmt::format("{}", fmt::join(shown, ", "));
  if (names.size() > shown.size()) out += fmt::format(" and {} more", names.size() - shown.size());
  return out;
}

}  // namespace

std::vector<std::string> freestanding_problems(const ElfFile& file) {
  std::vector<std::string> problems;
  if (file.type() != ET_DYN) {
    problems.push_back(
        "is not position-independent (ELF type is not ET_DYN): the runtime maps it anywhere");
  }
  for (const Elf64_Phdr& p : file.segments()) {
    if (p.p_type == PT_INTERP) {
      problems.push_back(fmt::format(
          "has a program interpreter ({}): nothing loads it for the runtime", file.interpreter()));
    }
    if (p.p_type == PT_TLS) {
      problems.push_back(
          "has a TLS segment (thread_local variables): the runtime has no thread pointer of its "
          "own");
    }
  }
  for (const Elf64_Dyn& d : file.dynamic()) {
    switch (d.d_tag) {
      case DT_NEEDED:
        problems.push_back(fmt::format("needs the library {} (DT_NEEDED): nothing loads it",
                                       file.dynamic_string(d.d_un.d_val)));
        break;
      case DT_TEXTREL:
        problems.push_back("has text relocations (DT_TEXTREL): its text is mapped read-only");
        break;
      case DT_FLAGS:
        if (d.d_un.d_val & DF_TEXTREL) {
          problems.push_back("has text relocations (DF_TEXTREL): its text is mapped read-only");
        }
        break;
      case DT_INIT:
        problems.push_back(
            "has an initialisation function (DT_INIT, from the C runtime's start files): only "
            ".init_array is run");
        break;
      case DT_PREINIT_ARRAY:
        problems.push_back("has DT_PREINIT_ARRAY: only .init_array is run");
        break;
      default:
        break;
    }
  }
  if (!file.has_section_headers()) {
    problems.push_back("has no section headers: its symbols and relocations cannot be checked");
    return problems;
  }
  std::set<std::string> undefined;
  for (const Symbol& s : file.symbols()) {
    // .symtab names a versioned import "memcpy@GLIBC_2.14", .dynsym "memcpy": one name.
    if (!s.defined() && s.bind != STB_WEAK) undefined.insert(s.name.substr(0, s.name.find('@')));
  }
  if (!undefined.empty()) {
    problems.push_back(fmt::format("imports {} symbol{} that nothing resolves in the runtime: {}",
                                   undefined.size(), undefined.size() == 1 ? "" : "s",
                                   name_list(undefined)));
  }
  bool packed = false;
  std::map<std::string, std::set<std::string>> other;  // relocation kind -> the symbols it names
  for (const Relocation& r : file.relocations(&packed)) {
    if (r.type == R_X86_64_RELATIVE) continue;
    auto& symbols = other[relocation_name(r.type)];
    if (!r.symbol.empty()) symbols.insert(r.symbol);
  }
  for (const auto& [kind, symbols] : other) {
    problems.push_back(
        fmt::format("has {} relocations{}: the runtime applies R_X86_64_RELATIVE only", kind,
                    symbols.empty() ? "" : " (" + name_list(symbols) + ")"));
  }
  if (packed) {
    problems.push_back(
        "has packed relative relocations (DT_RELR, -z pack-relative-relocs): the runtime applies "
        "R_X86_64_RELATIVE in .rela.dyn only");
  }
  return problems;
}

}  // namespace ptvm::elf
