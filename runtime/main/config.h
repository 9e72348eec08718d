// What ptvm hands to the in-process runtime: the module stack's configuration, as plain data.
// ptvm writes one RuntimeConfig into a memfd; every process the runtime starts reads it from
// /proc/<ptvm>/fd/<n> (the path crosses each exec in the loader's Handoff), so the program's own
// fd hygiene (closefrom, close_range) cannot take it away. The modules are always stacked in this
// order, top to bottom: trace, users' modules, inject, null, redirect, path, fakeroot (as the
// commands stack them for the ptrace backend).
#pragma once

#include <linux/filter.h>
#include <linux/limits.h>

#include <cstdint>

#include "vms/inject/inject_module.h"
#include "vms/path/path_map.h"
#include "vms/redirect/redirect_module.h"
#include "vms/trace/trace_module.h"

namespace ptvm {

struct RuntimeConfig {
  // Every scalar first, the big tables last: a process reads the scalars and the tables its
  // modules use, and each 64 KiB window of this shared mapping it touches costs a page fault
  // (~20 µs here) in every process of the run.
  static constexpr std::uint64_t kMagic = 0x3230'7472'6d76'7470;  // "ptvmrt02": this layout
  std::uint64_t magic = kMagic;
  std::uint64_t size = sizeof(RuntimeConfig);
  std::int32_t ptvm_pid = 0;
  std::int32_t verbose = 0;            // -v: 1 says hand-overs, 2 every image (say_process)
  std::int32_t out_fd = -1;            // ptvm's fd for trace lines; -1: none
  std::int32_t counts_fd = -1;         // ptvm's memfd of the shared -c table; -1: none
  bool rewrite = false;                // runtime/rewrite: patch hot sites of unwanted calls
  std::uint32_t rewrite_after = 16;    // traps of a site before it is patched
  std::int32_t rewrite_stats_fd = -1;  // ptvm's memfd of rewrite::Stats (--stats); -1: none

  // --backend=auto: a program that cannot host the runtime (static, setuid) is handed to ptvm's
  // ptrace supervisor before it is executed: the runtime writes its tid to ptvm's adoption pipe
  // (/proc/<ptvm>/fd/<adopt_fd>) and sends SIGURG, waits until it is traced, installs the
  // supervisor's filter on itself (`filter`, below) and only then calls execve.
  bool hybrid = false;
  std::int32_t adopt_fd = -1;
  static constexpr std::size_t kMaxFilter = 2048;
  std::uint32_t filter_length = 0;
  // The path VM emulates a tracer inside the guest on the ptrace backend only: a program that
  // imports ptrace(2) is handed over too (loader::ExecRequest::tracers_to_ptrace).
  bool tracers_to_ptrace = false;

  bool trace = false;
  TraceOptions trace_options;
  // Users' modules (ptvm run --module=PATH.so[:ARGS]), below the tracer, top to bottom: each
  // mapped from ptvm's descriptor /proc/<ptvm>/fd/<fd> (runtime/loader/link_module.h) and
  // created with its ARGS (`user_module`, below), in every image.
  static constexpr std::size_t kMaxUserModules = SyscallCall::kMaxModules;
  static constexpr std::size_t kMaxModuleArgs = 4096;  // with the NUL
  std::uint32_t user_modules = 0;
  std::uint32_t injects = 0;
  InjectRule inject[InjectModule::kMaxRules];
  bool null = false;
  SyscallSet null_calls;
  // The fakeroot VM: its table is ptvm's memfd /proc/<ptvm>/fd/<fakeroot_fd>, mapped shared.
  bool fakeroot = false;
  bool fakeroot_unknown_is_real = false;
  std::int32_t fakeroot_fd = -1;
  std::uint64_t fakeroot_bytes = 0;
  std::uint32_t fakeroot_uid = 0, fakeroot_gid = 0;  // the ids processes start with (-i)
  bool fakeroot_runner = false;  // `ptvm proot -0|-i`: the runner's files show those ids
  std::uint32_t fakeroot_runner_uid = 0, fakeroot_runner_gid = 0;
  // The path VM (vms/path), between redirect and fakeroot: its map (`path_map`, below: a -r
  // other than / or a binding; an identity map is not carried), and the guest directory the
  // first program starts in (-w); later images get their process's from the loader's Handoff.
  bool path = false;
  std::int32_t path_exes_fd = -1;  // ptvm's memfd of the run's path::ExeTable, mapped shared
  std::uint32_t redirects = 0;

  // The tables.
  char runtime_path[PATH_MAX] = {};  // the runtime executable (ptvm-rt), which every exec runs
  char path_cwd[PATH_MAX] = {};
  sock_filter filter[kMaxFilter] = {};
  struct UserModule {
    std::int32_t fd;
    char path[PATH_MAX];  // for messages
    char args[kMaxModuleArgs];
  } user_module[kMaxUserModules];
  path::PathMap path_map;
  struct Redirect {
    char from[PATH_MAX];
    char to[PATH_MAX];
  } redirect[RedirectModule::kMaxRules];
};

}  // namespace ptvm
