// The batched access layer against what it replaces: for bulk reads of 8 B..1 MiB, a 256-byte
// string and batches of 1..64 scattered 64-byte reads, word-wise PTRACE_PEEKDATA (a naive
// tracer), one raw process_vm_readv (the floor), the batch API (RemoteMemory) and
// ptvm_ptrace_multi(); and the batch API's fallbacks (/proc/PID/mem, PEEKDATA) on the string and
// the scattered reads. Counter `crossings`: kernel crossings per operation (counted here for the
// raw calls, from the layer's own counters otherwise). The machines are noisy VMs: compare
// medians of interleaved repetitions (see README.md):
//
//   build/bench/bench_memory --benchmark_repetitions=5 --benchmark_enable_random_interleaving
//       --benchmark_report_aggregates_only --benchmark_counters_tabular
#include <benchmark/benchmark.h>
#include <sys/ptrace.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

#include "mem/remote_memory.h"
#include "ptvm/ptrace_multi.h"
#include "tests/unit/tracee_fixture.h"

namespace {

using ptvm::testing::StoppedTracee;

StoppedTracee& tracee() {
  static StoppedTracee t;  // one stopped tracee for the whole run
  return t;
}

constexpr std::uintptr_t kStride = 3 * 4096 + 100;  // mem_tracee's scattered blocks

void report(benchmark::State& state, double crossings, std::size_t bytes) {
  state.counters["crossings"] = crossings;
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes));
}

// Reads [addr, addr+n) with PTRACE_PEEKDATA; stops after a word holding a NUL if `string`.
std::size_t peek(pid_t pid, std::uintptr_t addr, char* out, std::size_t n, bool string) {
  std::size_t crossings = 0;
  for (std::size_t off = 0; off < n; off += sizeof(long)) {
    errno = 0;
    const long word = ptrace(PTRACE_PEEKDATA, pid, addr + off, nullptr);
    ++crossings;
    std::memcpy(out + off, &word, std::min(sizeof word, n - off));
    if (string && std::memchr(&word, 0, sizeof word)) break;
  }
  return crossings;
}

// --- bulk reads ---------------------------------------------------------------------------

void read_peekdata(benchmark::State& state) {
  const std::size_t n = state.range(0);
  std::vector<char> buf(n);
  std::size_t crossings = 0;
  const pid_t pid = tracee().pid();
  const std::uintptr_t big = tracee().addr("big");
  for (auto _ : state) crossings = peek(pid, big, buf.data(), n, false);
  report(state, crossings, n);
}

void read_process_vm_readv(benchmark::State& state) {
  const std::size_t n = state.range(0);
  std::vector<char> buf(n);
  const pid_t pid = tracee().pid();
  const std::uintptr_t big = tracee().addr("big");
  for (auto _ : state) {
    iovec local{buf.data(), n}, remote{reinterpret_cast<void*>(big), n};
    benchmark::DoNotOptimize(process_vm_readv(pid, &local, 1, &remote, 1, 0));
  }
  report(state, 1, n);
}

void read_batch(benchmark::State& state, ptvm::MemMode mode) {
  const std::size_t n = state.range(0);
  std::vector<char> buf(n);
  ptvm::RemoteMemory mem(tracee().pid(), mode);
  const auto big = tracee().ptr<void>("big");
  for (auto _ : state) benchmark::DoNotOptimize(mem.read(big, buf.data(), n));
  report(state, double(mem.stats().crossings) / double(state.iterations()), n);
}

void read_ptrace_multi(benchmark::State& state) {
  const std::size_t n = state.range(0);
  std::vector<char> buf(n);
  const pid_t pid = tracee().pid();
  const long big = static_cast<long>(tracee().addr("big"));
  const auto before = ptvm_multi_crossings();
  for (auto _ : state) {
    ptvm_multi r{PTVM_PEEKCHARDATA, big, buf.data(), static_cast<long>(n)};
    benchmark::DoNotOptimize(ptvm_ptrace_multi(pid, &r, 1));
  }
  report(state, double(ptvm_multi_crossings() - before) / double(state.iterations()), n);
}

// --- the 256-byte string ------------------------------------------------------------------

void string_peekdata(benchmark::State& state) {
  char buf[4096];
  std::size_t crossings = 0;
  const pid_t pid = tracee().pid();
  const std::uintptr_t path = tracee().addr("path");
  for (auto _ : state) crossings = peek(pid, path, buf, sizeof buf, true);
  report(state, crossings, 256);
}

void string_process_vm_readv(benchmark::State& state) {
  char buf[256];
  const pid_t pid = tracee().pid();
  const std::uintptr_t path = tracee().addr("path");
  for (auto _ : state) {
    iovec local{buf, sizeof buf}, remote{reinterpret_cast<void*>(path), 256};
    benchmark::DoNotOptimize(process_vm_readv(pid, &local, 1, &remote, 1, 0));
  }
  report(state, 1, 256);
}

void string_batch(benchmark::State& state, ptvm::MemMode mode) {
  char buf[4096];  // PATH_MAX: the capacity a VM module uses
  ptvm::RemoteMemory mem(tracee().pid(), mode);
  const auto path = tracee().ptr("path");
  for (auto _ : state) benchmark::DoNotOptimize(mem.read_string(path, buf, sizeof buf));
  report(state, double(mem.stats().crossings) / double(state.iterations()), 256);
}

void string_ptrace_multi(benchmark::State& state) {
  char buf[4096];
  const pid_t pid = tracee().pid();
  const long path = static_cast<long>(tracee().addr("path"));
  const auto before = ptvm_multi_crossings();
  for (auto _ : state) {
    ptvm_multi r{PTVM_PEEKSTRINGDATA, path, buf, sizeof buf};
    benchmark::DoNotOptimize(ptvm_ptrace_multi(pid, &r, 1));
  }
  report(state, double(ptvm_multi_crossings() - before) / double(state.iterations()), 256);
}

// --- N scattered 64-byte reads ------------------------------------------------------------

void scattered_peekdata(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  char buf[64][64];
  std::size_t crossings = 0;
  const pid_t pid = tracee().pid();
  const std::uintptr_t base = tracee().addr("scattered");
  for (auto _ : state) {
    crossings = 0;
    for (int i = 0; i < n; ++i) crossings += peek(pid, base + i * kStride, buf[i], 64, false);
  }
  report(state, double(crossings), 64 * n);
}

void scattered_process_vm_readv(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  char buf[64][64];
  iovec local[64], remote[64];
  for (int i = 0; i < n; ++i) {
    local[i] = {buf[i], 64};
    remote[i] = {reinterpret_cast<void*>(tracee().addr("scattered") + i * kStride), 64};
  }
  for (auto _ : state) {
    benchmark::DoNotOptimize(process_vm_readv(tracee().pid(), local, n, remote, n, 0));
  }
  report(state, 1, 64 * n);
}

void scattered_batch(benchmark::State& state, ptvm::MemMode mode) {
  const int n = static_cast<int>(state.range(0));
  char buf[64][64];
  ptvm::RemoteMemory mem(tracee().pid(), mode);
  const std::uintptr_t base = tracee().addr("scattered");
  for (auto _ : state) {  // the batch is built in the loop: that is part of its cost
    ptvm::Batch b;
    for (int i = 0; i < n; ++i) b.read(ptvm::RemotePtr<void>(base + i * kStride), buf[i], 64);
    benchmark::DoNotOptimize(mem.run(b));
  }
  report(state, double(mem.stats().crossings) / double(state.iterations()), 64 * n);
}

void scattered_ptrace_multi(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  char buf[64][64];
  ptvm_multi reqs[64];
  const pid_t pid = tracee().pid();
  const std::uintptr_t base = tracee().addr("scattered");
  const auto before = ptvm_multi_crossings();
  for (auto _ : state) {
    for (int i = 0; i < n; ++i) {
      reqs[i] = {PTVM_PEEKCHARDATA, static_cast<long>(base + i * kStride), buf[i], 64};
    }
    benchmark::DoNotOptimize(ptvm_ptrace_multi(pid, reqs, n));
  }
  report(state, double(ptvm_multi_crossings() - before) / double(state.iterations()), 64 * n);
}

// 1 MiB word by word takes ~0.2 s a read: the default 0.5 s minimum time gives it a few
// iterations, which is enough for a figure that is 131072 identical system calls.
void sizes(benchmark::internal::Benchmark* b) {
  for (long n : {8L, 64L, 256L, 4096L, 65536L, 1L << 20}) b->Arg(n);
}
void counts(benchmark::internal::Benchmark* b) {
  for (long n : {1L, 2L, 4L, 8L, 16L, 32L, 64L}) b->Arg(n);
}

}  // namespace

BENCHMARK(read_peekdata)->Name("read/peekdata")->Apply(sizes);
BENCHMARK(read_process_vm_readv)->Name("read/process_vm_readv")->Apply(sizes);
BENCHMARK_CAPTURE(read_batch, vm, ptvm::MemMode::vm)->Name("read/batch")->Apply(sizes);
BENCHMARK(read_ptrace_multi)->Name("read/ptrace_multi")->Apply(sizes);

BENCHMARK(string_peekdata)->Name("string256/peekdata");
BENCHMARK(string_process_vm_readv)->Name("string256/process_vm_readv");
BENCHMARK_CAPTURE(string_batch, vm, ptvm::MemMode::vm)->Name("string256/batch");
BENCHMARK_CAPTURE(string_batch, procmem, ptvm::MemMode::procmem)->Name("string256/batch_procmem");
BENCHMARK_CAPTURE(string_batch, peek, ptvm::MemMode::peek)->Name("string256/batch_peek");
BENCHMARK(string_ptrace_multi)->Name("string256/ptrace_multi");

BENCHMARK(scattered_peekdata)->Name("scattered64/peekdata")->Apply(counts);
BENCHMARK(scattered_process_vm_readv)->Name("scattered64/process_vm_readv")->Apply(counts);
BENCHMARK_CAPTURE(scattered_batch, vm, ptvm::MemMode::vm)->Name("scattered64/batch")->Apply(counts);
BENCHMARK_CAPTURE(scattered_batch, procmem, ptvm::MemMode::procmem)
    ->Name("scattered64/batch_procmem")
    ->Apply(counts);
BENCHMARK_CAPTURE(scattered_batch, peek, ptvm::MemMode::peek)
    ->Name("scattered64/batch_peek")
    ->Apply(counts);
BENCHMARK(scattered_ptrace_multi)->Name("scattered64/ptrace_multi")->Apply(counts);

BENCHMARK_MAIN();
