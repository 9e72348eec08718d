#include "cli/user_modules.h"

#include <dlfcn.h>
#include <fmt/core.h>

#include "ptvm/module.h"

namespace ptvm::cli {

Module* load_user_module(const std::string& spec, std::string* error) {
  const std::size_t colon = spec.find(':');
  const std::string path = spec.substr(0, colon);
  const std::string args = colon == std::string::npos ? "" : spec.substr(colon + 1);
  if (path.empty()) {
    *error = "--module needs PATH.so[:ARGS]";
    return nullptr;
  }
  // A name without a slash would be searched on the library path: a module is a file.
  const std::string file = path.find('/') == std::string::npos ? "./" + path : path;
  void* handle = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    *error = fmt::format("cannot load {}: {}", path, dlerror());
    return nullptr;
  }
  const auto* abi = static_cast<const unsigned*>(dlsym(handle, "ptvm_module_abi"));
  auto* create = reinterpret_cast<Module* (*)(const char*)>(dlsym(handle, "ptvm_module_create"));
  if (abi == nullptr || create == nullptr) {
    *error = fmt::format(
        "{} is not a ptvm module (it must define ptvm_module_abi and "
        "ptvm_module_create, see <ptvm/module.h>)",
        path);
    dlclose(handle);
    return nullptr;
  }
  if (*abi != kModuleAbi) {
    *error = fmt::format("{} was built for module ABI {}, this ptvm has {}: rebuild it", path, *abi,
                         kModuleAbi);
    dlclose(handle);
    return nullptr;
  }
  Module* module = create(args.c_str());
  if (module == nullptr) {
    *error = fmt::format("{} refused its arguments '{}'", path, args);
    dlclose(handle);
    return nullptr;
  }
  return module;  // the object (and the handle) live until ptvm exits
}

}  // namespace ptvm::cli
