// ptvm-check-runtime FILE: run after every link of ptvm-rt (CMake POST_BUILD); a problem fails
// the build. The same check as `ptvm check-module` (freestanding_check.h).
#include <fmt/core.h>

#include "runtime/check/freestanding_check.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    fmt::print(stderr, "usage: ptvm-check-runtime FILE\n");
    return 2;
  }
  auto file = ptvm::elf::ElfFile::open(argv[1]);
  if (!file) {
    fmt::print(stderr, "ptvm: {}\n", file.error());
    return 1;
  }
  const auto problems = ptvm::elf::freestanding_problems(*file);
  if (problems.empty()) return 0;
  fmt::print(stderr, "ptvm: {} must be a self-contained static-pie, but it:\n", argv[1]);
  for (const auto& p : problems) fmt::print(stderr, "  {}\n", p);
  return 1;
}
