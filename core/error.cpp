#include "core/error.h"

#include <cstdio>
#include <cstdlib>

namespace ptvm {

void assert_fail(const char* expr, const char* file, int line, const char* why) {
  std::fprintf(stderr, "ptvm: internal error at %s:%d: %s (%s)\n", file, line, why, expr);
  std::abort();
}

}  // namespace ptvm
