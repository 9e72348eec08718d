#include "cli/fakeroot_vm.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <vector>

#include <fmt/core.h>

#include "cli/vm_runner.h"

namespace ptvm::cli {

using fakeroot::FakeDb;
using fakeroot::Record;

FakerootTable::~FakerootTable() {
  if (memory) munmap(memory, bytes);
  if (fd >= 0) close(fd);
}

bool make_fakeroot_table(FakerootTable& shared) {
  shared.bytes = FakeDb::bytes_for(FakeDb::kDefaultCapacity);
  shared.fd = memfd_create("ptvm-fakeroot", MFD_CLOEXEC);
  if (shared.fd < 0 || ftruncate(shared.fd, static_cast<off_t>(shared.bytes)) != 0) {
    complain(fmt::format("cannot make the fakeroot table: {}", std::strerror(errno)));
    return false;
  }
  shared.memory = mmap(nullptr, shared.bytes, PROT_READ | PROT_WRITE, MAP_SHARED, shared.fd, 0);
  if (shared.memory == MAP_FAILED) {
    shared.memory = nullptr;
    complain(fmt::format("cannot map the fakeroot table: {}", std::strerror(errno)));
    return false;
  }
  shared.db = FakeDb::format(shared.memory, shared.bytes);
  return shared.db != nullptr;
}

// -i FILE: every line parsed before any is used (nothing half-loaded). A missing file is a
// warning (fakeroot's own behaviour); an unreadable or corrupt one an error.
bool load_fakeroot_state(const std::string& file, FakeDb& db) {
  std::ifstream in(file);
  if (!in) {
    if (errno == ENOENT) {
      std::fprintf(stderr, "ptvm: warning: %s does not exist: starting with an empty state\n",
                   file.c_str());
      return true;
    }
    complain(fmt::format("cannot read {}: {}", file, std::strerror(errno)));
    return false;
  }
  std::vector<Record> records;
  std::string line;
  for (long number = 1; std::getline(in, line); ++number) {
    if (line.empty()) continue;
    Record r;
    if (!fakeroot::parse_line(line.data(), line.size(), &r)) {
      complain(fmt::format("{}:{}: not a fakeroot state line: {}", file, number, line));
      return false;
    }
    records.push_back(r);
  }
  if (in.bad()) {
    complain(fmt::format("cannot read {}: {}", file, std::strerror(errno)));
    return false;
  }
  for (const Record& r : records) {
    if (!db.put(r)) {
      complain(fmt::format("{}: more records than the table holds", file));
      return false;
    }
  }
  return true;
}

// -s FILE: written to a temporary file next to it, then renamed over it (the old file stays
// intact when anything fails).
bool save_fakeroot_state(const std::string& file, FakeDb& db) {
  const std::string tmp = file + ".ptvm-XXXXXX";
  std::vector<char> name(tmp.begin(), tmp.end());
  name.push_back('\0');
  const int fd = mkstemp(name.data());
  if (fd < 0) {
    complain(fmt::format("cannot save the state to {}: {}", file, std::strerror(errno)));
    return false;
  }
  std::string text;
  db.for_each([&text](const Record& r) {
    char line[fakeroot::kLineMax];
    text.append(line, fakeroot::format_line(r, line));
  });
  bool ok = true;
  for (std::size_t done = 0; ok && done < text.size();) {
    const ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<std::size_t>(n);
  }
  ok = ok && fchmod(fd, 0644) == 0 && fsync(fd) == 0;
  const int error = errno;
  ok = close(fd) == 0 && ok;
  if (ok && rename(name.data(), file.c_str()) == 0) return true;
  complain(fmt::format("cannot save the state to {}: {}", file, std::strerror(ok ? errno : error)));
  unlink(name.data());
  return false;
}

}  // namespace ptvm::cli
