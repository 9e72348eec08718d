// `--module=PATH.so[:ARGS]`: a user's VM module, a shared object built against
// include/ptvm/module.h, loaded with dlopen into ptvm (the ptrace backend runs it), and mapped by
// the in-process runtime itself when it obeys the runtime's rules (ptvm check-module).
#pragma once

#include <string>

#include "core/module.h"

namespace ptvm {
struct ModuleLayout;  // <ptvm/module.h>
}

namespace ptvm::cli {

// Why ptvm refuses a module whose ptvm_module_abi holds *abi (null: the module lacks it or
// ptvm_module_create, so it is no ptvm module) and whose ptvm_module_layout is *layout (null:
// none); empty when it takes it. load_user_module() asks with what dlsym finds, `ptvm
// check-module` with what the file holds.
std::string module_abi_problem(const std::string& path, const unsigned* abi,
                               const ModuleLayout* layout);

// The module `spec` names, created with its ARGS, wrapped so that an exception from one of its
// hooks names the module and ends the run (the program killed, status 1) instead of
// std::terminate; null with `error` set (the file cannot be loaded, is not a ptvm module, was
// built for another module ABI or layout, or its ptvm_module_create refused its arguments or
// threw). `spec` is PATH.so[:ARGS]: the whole of it when it names a file, else ARGS from the
// first ':' after the last '/'.
Module* load_user_module(const std::string& spec, std::string* error);

// Why the in-process runtime cannot run `module`, a module load_user_module() made (its file
// breaks the runtime's rules, named as `ptvm check-module` names them); empty when it can, and
// for every other module.
std::string inprocess_refusal(Module& module);

}  // namespace ptvm::cli
