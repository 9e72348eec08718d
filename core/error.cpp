#include "core/error.h"

#include <cstdio>
#include <cstdlib>

#include "core/errno_table.h"

namespace ptvm {

// Names and messages live in one table (core/errno_table.cpp), shared with the trace decoders.
const char* errno_name(int value) {
  const ErrnoInfo* info = errno_info(value);
  return info ? info->name : nullptr;
}

const char* Error::describe() const {
  if (is_gone()) return "tracee gone";
  const ErrnoInfo* info = errno_info(value_);
  return info ? info->described : "unknown errno";
}

void assert_fail(const char* expr, const char* file, int line, const char* why) {
  std::fprintf(stderr, "ptvm: internal error at %s:%d: %s (%s)\n", file, line, why, expr);
  std::abort();
}

}  // namespace ptvm
