#include "core/memory.h"

namespace ptvm {

Result<void> Memory::read(RemotePtr<void> from, void* into, std::size_t n, Access a) {
  Batch b;
  b.read(from, into, n, a);
  return run(b);
}

Result<void> Memory::write(RemotePtr<void> to, const void* from, std::size_t n, Access a) {
  Batch b;
  b.write(to, from, n, a);
  return run(b);
}

Result<std::size_t> Memory::read_string(RemotePtr<char> from, char* into, std::size_t capacity,
                                        Access a) {
  Batch b;
  b.read_string(from, into, capacity, a);
  if (auto r = run(b); !r) return std::unexpected(r.error());
  if (b[0].truncated) return std::unexpected(Error::guest(ENAMETOOLONG));
  return b[0].done - 1;
}

}  // namespace ptvm
