// The fakeroot VM's table for a run (`ptvm fakeroot`, `ptvm proot -0`): in a memfd that ptvm and
// every in-process runtime map shared; loaded from and saved to fakeroot's save-file format.
#pragma once

#include <cstddef>
#include <string>

#include "vms/fakeroot/fake_db.h"

namespace ptvm::cli {

struct FakerootTable {
  int fd = -1;
  void* memory = nullptr;
  std::size_t bytes = 0;
  fakeroot::FakeDb* db = nullptr;
  ~FakerootTable();
};

// An empty table; false (and a message) when the memfd cannot be made.
bool make_fakeroot_table(FakerootTable& table);
// -i FILE: every line parsed before any is used (nothing half-loaded). A missing file is a
// warning (fakeroot's own behaviour); an unreadable or corrupt one an error (with the line).
bool load_fakeroot_state(const std::string& file, fakeroot::FakeDb& db);
// -s FILE: written to a temporary file next to it, then renamed over it (the old file stays
// intact when anything fails). False, and a message, on failure.
bool save_fakeroot_state(const std::string& file, fakeroot::FakeDb& db);

}  // namespace ptvm::cli
