// The runtime's exports to users' modules, as a table for runtime/loader/link_module.h.
#pragma once

#include <cstddef>

#include "runtime/loader/link_module.h"

namespace ptvm {

extern const loader::Export kModuleExports[];
extern const std::size_t kModuleExportCount;

}  // namespace ptvm
