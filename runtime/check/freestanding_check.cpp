#include "runtime/check/freestanding_check.h"

#include <fmt/core.h>
#include <fmt/format.h>

#include <cxxabi.h>

#include <cstdlib>
#include <map>
#include <set>

#include "runtime/check/module_exports.h"

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

// The rules both kinds of file obey; `module`: a user's module, which the runtime links itself
// (runtime/loader/link_module.cpp) against its exports (module_exports.h).
std::vector<std::string> problems_of(const ElfFile& file, bool module) {
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
  bool hash = false;
  for (const Elf64_Dyn& d : file.dynamic()) {
    switch (d.d_tag) {
      case DT_NEEDED:  // a module's libraries are not loaded: its imports must all be exports
        if (!module) {
          problems.push_back(fmt::format("needs the library {} (DT_NEEDED): nothing loads it",
                                         file.dynamic_string(d.d_un.d_val)));
        }
        break;
      case DT_TEXTREL:
        problems.push_back("has text relocations (DT_TEXTREL): its text is mapped read-only");
        break;
      case DT_FLAGS:
        if (d.d_un.d_val & DF_TEXTREL) {
          problems.push_back("has text relocations (DF_TEXTREL): its text is mapped read-only");
        }
        break;
      case DT_INIT:  // a module's is run before its .init_array, as ld.so does
        if (!module) {
          problems.push_back(
              "has an initialisation function (DT_INIT, from the C runtime's start files): only "
              ".init_array is run");
        }
        break;
      case DT_PREINIT_ARRAY:
        problems.push_back("has DT_PREINIT_ARRAY: only .init_array is run");
        break;
      case DT_HASH:
      case DT_GNU_HASH:
        hash = true;
        break;
      default:
        break;
    }
  }
  if (module && !hash) {
    problems.push_back(
        "has no symbol hash table (DT_GNU_HASH or DT_HASH): the runtime cannot count its symbols");
  }
  if (!file.has_section_headers()) {
    problems.push_back("has no section headers: its symbols and relocations cannot be checked");
    return problems;
  }
  std::set<std::string> undefined;
  for (const Symbol& s : file.symbols()) {
    // .symtab names a versioned import "memcpy@GLIBC_2.14", .dynsym "memcpy": one name.
    const std::string name = s.name.substr(0, s.name.find('@'));
    if (!s.defined() && s.bind != STB_WEAK && !(module && is_module_export(name))) {
      undefined.insert(name);
    }
  }
  if (!undefined.empty()) {
    problems.push_back(fmt::format("imports {} symbol{} that nothing resolves in the runtime{}: {}",
                                   undefined.size(), undefined.size() == 1 ? "" : "s",
                                   module ? " (it provides ptvm's API and no library)" : "",
                                   name_list(undefined)));
  }
  bool packed = false;
  std::map<std::string, std::set<std::string>> other;  // relocation kind -> the symbols it names
  std::set<std::string> ifuncs;
  for (const Relocation& r : file.relocations(&packed)) {
    if (r.type == R_X86_64_RELATIVE) continue;
    if (module && module_relocation(r.type)) {
      if (r.symbol_type == STT_GNU_IFUNC) ifuncs.insert(r.symbol);
      continue;
    }
    auto& symbols = other[relocation_name(r.type)];
    if (!r.symbol.empty()) symbols.insert(r.symbol);
  }
  for (const auto& [kind, symbols] : other) {
    problems.push_back(fmt::format("has {} relocations{}: the runtime applies {} only", kind,
                                   symbols.empty() ? "" : " (" + name_list(symbols) + ")",
                                   module ? kModuleRelocations : "R_X86_64_RELATIVE"));
  }
  if (!ifuncs.empty()) {
    problems.push_back(fmt::format(
        "has relocations against indirect functions (STT_GNU_IFUNC: {}): the runtime runs no "
        "resolver",
        name_list(ifuncs)));
  }
  if (packed) {
    problems.push_back(
        "has packed relative relocations (DT_RELR, -z pack-relative-relocs): the runtime applies "
        "R_X86_64_RELATIVE in .rela.dyn only");
  }
  return problems;
}

}  // namespace

bool is_module_export(const std::string& name) {
#define PTVM_EXPORT_NAME(symbol) #symbol,
  static const std::set<std::string> kExports = {PTVM_MODULE_EXPORTS(PTVM_EXPORT_NAME)};
#undef PTVM_EXPORT_NAME
  return kExports.contains(name);
}

std::vector<std::string> freestanding_problems(const ElfFile& file) {
  return problems_of(file, false);
}

std::vector<std::string> module_problems(const ElfFile& file) {
  return problems_of(file, true);
}

}  // namespace ptvm::elf
