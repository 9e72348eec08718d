// strace's expression syntax, parsed once on the command line into what modules take.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"
#include "core/syscall_set.h"
#include "vms/inject/inject_module.h"

namespace ptvm::cli {

// A syscall set as strace's -e trace=SET: names, %class (or class without %), `all`, `none`,
// a leading `!` negates the set, `?name` ignores an unknown name. On error, `error` says why.
std::optional<SyscallSet> parse_syscall_set(std::string_view text, std::string* error);

// -e inject=SET:error=ERRNO|retval=N[:signal=SIG][:delay_enter=USEC][:delay_exit=USEC]
//           [:when=FIRST[..LAST][+[STEP]]]
std::optional<InjectRule> parse_inject(std::string_view text, std::string* error);

// "SIGINT", "INT" or a number in 1..SIGRTMAX; 0 if invalid.
int parse_signal(std::string_view text);
// "ENOENT" or a number in 1..4095; 0 if invalid.
int parse_errno(std::string_view text);

}  // namespace ptvm::cli
