// `--module=PATH.so[:ARGS]`: a user's VM module, a shared object built against
// include/ptvm/module.h, loaded with dlopen into ptvm (the ptrace backend runs it).
#pragma once

#include <string>

#include "core/module.h"

namespace ptvm::cli {

// The module `spec` names, created with its ARGS; null with `error` set (the file cannot be
// loaded, is not a ptvm module, was built for another module ABI, or refused its arguments).
Module* load_user_module(const std::string& spec, std::string* error);

}  // namespace ptvm::cli
