// The runtime's table of what it gives users' modules (runtime/check/module_exports.h): each
// symbol's name and its address in ptvm-rt. The runtime's own definitions are hidden (it exports
// nothing as an ELF file: it is a static-pie), so the table names them by their linker names.
#include "runtime/main/module_exports.h"

#include "runtime/check/module_exports.h"

#define PTVM_DECLARE_EXPORT(symbol) \
  extern "C" __attribute__((visibility("hidden"))) char ptvm_export_##symbol[] __asm__(#symbol);
PTVM_MODULE_EXPORTS(PTVM_DECLARE_EXPORT)
#undef PTVM_DECLARE_EXPORT

namespace ptvm {

#define PTVM_EXPORT_ENTRY(symbol) {#symbol, ptvm_export_##symbol},
const loader::Export kModuleExports[] = {PTVM_MODULE_EXPORTS(PTVM_EXPORT_ENTRY)};
#undef PTVM_EXPORT_ENTRY
const std::size_t kModuleExportCount = sizeof kModuleExports / sizeof kModuleExports[0];

}  // namespace ptvm
