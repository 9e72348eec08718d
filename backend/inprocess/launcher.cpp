#include "backend/inprocess/launcher.h"

#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "backend/last_status.h"
#include "core/cstr.h"
#include "core/handover.h"
#include "core/proc_files.h"
#include "core/raw_syscall.h"
#include "mem/local_memory.h"
#include "runtime/loader/exec_handoff.h"
#include "runtime/main/config.h"
#include "vms/fakeroot/fakeroot_module.h"
#include "vms/null/null_module.h"
#include "vms/path/path_module.h"

// Where the runtime is installed relative to libptvm's directory (CMakeLists.txt).
#ifndef PTVM_RUNTIME_FROM_LIBDIR
#define PTVM_RUNTIME_FROM_LIBDIR "ptvm"
#endif

namespace ptvm {

namespace {

// The path VM of `stack` (`-r /` alone too: its program is still started as execvp starts it),
// or null.
PathModule* path_vm(ModuleStack& stack) {
  for (std::size_t i = 0; i < stack.size(); ++i) {
    if (auto* path = dynamic_cast<PathModule*>(&stack[i])) return path;
  }
  return nullptr;
}

// `name` as ptvm's process names it in the path VM's guest (relative to ptvm's working
// directory, the guest's); empty if it cannot be walked.
std::string guest_host_path(PathModule& path, const std::string& name) {
  if (path.map().identity()) return name;
  char host[PATH_MAX], guest[PATH_MAX];
  const pid_t self = getpid();
  if (path.guest_to_host(self, self, AT_FDCWD, name.c_str(), true, host, guest) != 0) return {};
  return host;
}

bool host_check(PathModule* guest, const std::string& name, std::string* why, int depth,
                bool tracers) {
  const std::string program = guest ? guest_host_path(*guest, name) : name;
  const int fd = open(program.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *why = (guest ? name : program) + ": " + std::strerror(errno) +
           (errno == EACCES ? " (the loader reads what it maps; the kernel needs no read access)"
                            : "");
    return false;
  }
  struct stat st;
  if (fstat(fd, &st) == 0 && (st.st_mode & (S_ISUID | S_ISGID)) != 0) {
    close(fd);
    *why = (guest ? name : program) + " " + describe(HandoverReason::setuid);
    return false;
  }
  char head[256] = {};
  const ssize_t n = pread(fd, head, sizeof head - 1, 0);
  const bool tracer = tracers && loader::elf_names_symbol(fd, "ptrace");
  close(fd);
  Elf64_Ehdr eh;
  if (n >= static_cast<ssize_t>(sizeof eh) && std::memcmp(head, ELFMAG, SELFMAG) == 0) {
    std::memcpy(&eh, head, sizeof eh);
    if (eh.e_ident[EI_CLASS] == ELFCLASS64 && eh.e_machine == EM_X86_64) {
      if (!tracer) return true;
      *why = (guest ? name : program) + " " + describe(HandoverReason::tracer);
      return false;
    }
  } else if (n > 2 && head[0] == '#' && head[1] == '!') {  // its interpreter
    if (depth >= 4) return true;                           // the loader's ELOOP, as the kernel's
    std::string line(head + 2, static_cast<std::size_t>(n - 2));
    line = line.substr(0, line.find('\n'));
    const auto start = line.find_first_not_of(" \t");
    if (start != std::string::npos) {
      line = line.substr(start);
      return host_check(guest, line.substr(0, line.find_first_of(" \t")), why, depth + 1, tracers);
    }
  }
  if (guest && depth == 0 && !(n >= 4 && std::memcmp(head, ELFMAG, SELFMAG) == 0)) {
    // What the kernel will not run (ENOEXEC), the launcher has the guest's shell run, as
    // execvp does; without one, the launcher reports the ENOEXEC.
    const std::string shell = guest_host_path(*guest, "/bin/sh");
    if (shell.empty() || access(shell.c_str(), F_OK) != 0) return true;
    return host_check(guest, "/bin/sh", why, depth + 1, tracers);
  }
  *why = (guest ? name : program) + " " + describe(HandoverReason::foreign);
  return false;
}

// A memfd holding `size` bytes from `data` (zeros if null); -1 and errno on failure. Pages of
// zeros stay holes: the configuration is ~740 KiB of mostly empty tables, and every page
// written costs the run a page of shared memory (~5 µs here) that no process may ever read.
int memfd_with(const char* name, const void* data, std::size_t size) {
  const int fd = memfd_create(name, MFD_CLOEXEC);
  if (fd < 0) return -1;
  bool ok = ftruncate(fd, static_cast<off_t>(size)) == 0;
  const auto* bytes = static_cast<const unsigned char*>(data);
  constexpr std::size_t kPage = 4096;
  for (std::size_t at = 0; ok && data && at < size; at += kPage) {
    const std::size_t n = std::min(kPage, size - at);
    const unsigned char* page = bytes + at;
    if (page[0] == 0 && std::memcmp(page, page + 1, n - 1) == 0) continue;
    ok = pwrite(fd, page, n, static_cast<off_t>(at)) == static_cast<ssize_t>(n);
  }
  if (!ok) {
    const int e = errno;
    close(fd);
    errno = e;
    return -1;
  }
  return fd;
}

std::string proc_fd_path(int fd) {
  return "/proc/" + std::to_string(getpid()) + "/fd/" + std::to_string(fd);
}

// Puts module `m` into the runtime's configuration (the trace module into `*trace`); false for
// a module the runtime does not carry (its code is not in ptvm-rt). With `config` null, only
// says whether it would (`*user_modules` counts the users' modules met so far).
bool configure(Module& m, RuntimeConfig* config, TraceModule** trace,
               std::uint32_t* user_modules) {
  if (auto* t = dynamic_cast<TraceModule*>(&m)) {
    *trace = t;
    if (!config) return true;
    config->trace = true;
    config->trace_options = t->options();
  } else if (auto* inject = dynamic_cast<InjectModule*>(&m)) {
    if (!config) return true;
    config->injects = static_cast<std::uint32_t>(inject->size());
    for (std::size_t r = 0; r < inject->size(); ++r) config->inject[r] = inject->rule(r);
  } else if (auto* null = dynamic_cast<NullModule*>(&m)) {
    if (!config) return true;
    config->null = true;
    config->null_calls = null->calls();
  } else if (auto* redirect = dynamic_cast<RedirectModule*>(&m)) {
    if (!config) return true;
    config->redirects = static_cast<std::uint32_t>(redirect->size());
    for (std::size_t r = 0; r < redirect->size(); ++r) {
      std::strcpy(config->redirect[r].from, redirect->from(r));
      std::strcpy(config->redirect[r].to, redirect->to(r));
    }
  } else if (auto* path = dynamic_cast<PathModule*>(&m)) {
    if (config && !path->map().identity()) {  // `-r /` alone: nothing to translate
      config->path = true;
      config->path_map.copy_from(path->map());
      cstr::copy(config->path_cwd, path->initial_cwd(), sizeof config->path_cwd);
    }
  } else if (auto* fake = dynamic_cast<fakeroot::FakerootModule*>(&m);
             fake && fake->shared_fd() >= 0) {
    if (!config) return true;
    config->fakeroot = true;
    config->fakeroot_unknown_is_real = fake->unknown_is_real();
    config->fakeroot_fd = fake->shared_fd();
    config->fakeroot_bytes = fake->shared_bytes();
    config->fakeroot_uid = fake->initial_uid();
    config->fakeroot_gid = fake->initial_gid();
    config->fakeroot_runner = fake->has_runner();
    config->fakeroot_runner_uid = fake->runner_uid();
    config->fakeroot_runner_gid = fake->runner_gid();
  } else if (auto* file = dynamic_cast<ModuleFile*>(&m); file && file->module_fd() >= 0) {
    if (*user_modules == RuntimeConfig::kMaxUserModules ||
        file->module_args().size() >= RuntimeConfig::kMaxModuleArgs ||
        file->module_path().size() >= PATH_MAX) {
      return false;
    }
    ++*user_modules;
    if (!config) return true;
    RuntimeConfig::UserModule& u = config->user_module[config->user_modules++];
    u.fd = file->module_fd();
    std::strcpy(u.path, file->module_path().c_str());
    std::strcpy(u.args, file->module_args().c_str());
  } else {
    return false;
  }
  return true;
}

}  // namespace

// The tracer's line for the execve ptvm does itself to start the program (the runtime loads
// after it): decoded here, in the child, from its own memory, before the environment gets
// ptvm's variables. In a forked child of a single-threaded ptvm: allocation is fine.
void trace_first_exec(TraceModule& trace, const std::string& program, char* const* argv) {
  if (trace.options().summary) return trace.count(SYS_execve, 0, 0);
  struct Self final : SyscallCall::Backend {
    LocalMemory mem{nullptr, -1};
    std::vector<std::byte> storage;
    Memory& memory() override { return mem; }
    Result<RemotePtr<void>> scratch(std::size_t) override {
      return std::unexpected(Error::guest(ENOMEM));
    }
    std::byte* thread_storage() override { return storage.data(); }
  } self;
  ModuleStack only;
  only.push_bottom(&trace);
  self.storage.resize(only.thread_storage_size());
  const std::uint64_t args[6] = {reinterpret_cast<std::uintptr_t>(program.c_str()),
                                 reinterpret_cast<std::uintptr_t>(argv),
                                 reinterpret_cast<std::uintptr_t>(environ),
                                 0,
                                 0,
                                 0};
  SyscallCall call(self, getpid(), getpid(), SYS_execve, args);
  if (only.enter(call).needs_exit) only.exit(call, 0);
}

bool can_host_runtime(ModuleStack& stack, const std::string& program, std::string* why,
                      bool tracers_to_ptrace) {
  return host_check(path_vm(stack), program, why, 0, tracers_to_ptrace);
}

std::string runtime_object() {
  std::vector<std::string> candidates;
  char exe[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n > 0) {
    std::string dir(exe, static_cast<std::size_t>(n));
    dir = dir.substr(0, dir.rfind('/'));
    candidates.push_back(dir + "/ptvm-rt");              // the build tree
    candidates.push_back(dir + "/../lib/ptvm/ptvm-rt");  // an installed ptvm
  }
  // A program of a user's that links the installed libptvm (ptvm::run): from libptvm's directory.
  Dl_info info;
  if (dladdr(reinterpret_cast<void*>(&runtime_object), &info) != 0 && info.dli_fname != nullptr &&
      std::strchr(info.dli_fname, '/') != nullptr) {
    std::string dir = info.dli_fname;
    dir = dir.substr(0, dir.rfind('/'));
    candidates.push_back(dir + "/ptvm-rt");
    candidates.push_back(dir + "/" PTVM_RUNTIME_FROM_LIBDIR "/ptvm-rt");
  }
  for (const std::string& path : candidates) {
    if (access(path.c_str(), X_OK) == 0) return path;
  }
  return {};
}

bool runtime_carries(ModuleStack& stack, std::string* why) {
  TraceModule* trace = nullptr;
  std::uint32_t user_modules = 0;
  for (std::size_t i = 0; i < stack.size(); ++i) {
    if (!configure(stack[i], nullptr, &trace, &user_modules)) {
      *why = std::string("the module '") + stack[i].name() +
             "' does not run in the in-process runtime (its code is not in ptvm-rt)";
      return false;
    }
  }
  return true;
}

void InprocessRun::finish() {
  if (stats != nullptr) {
    std::fprintf(stderr,
                 "ptvm: in-process: %llu calls trapped, %llu through patched sites; %llu sites "
                 "patched, ",
                 static_cast<unsigned long long>(stats->trapped),
                 static_cast<unsigned long long>(stats->through_sites),
                 static_cast<unsigned long long>(stats->sites_patched));
    unsigned long long refused = 0;
    for (auto r : stats->refused) refused += r;
    std::fprintf(stderr, "%llu refused", refused);
    const char* sep = " (";
    for (int r = 0; r < rewrite::kRefusals; ++r) {
      if (stats->refused[r] == 0) continue;
      std::fprintf(stderr, "%s%s: %llu", sep, rewrite::refusal_name(r),
                   static_cast<unsigned long long>(stats->refused[r]));
      sep = ", ";
    }
    std::fprintf(stderr, "%s; %llu memory copies faulted\n", refused ? ")" : "",
                 static_cast<unsigned long long>(stats->copy_faults));
    stats = nullptr;  // stays mapped until ptvm exits, as the -c table
  }
  for (int fd : fds) close(fd);
  fds.clear();
}

Result<InprocessRun> start_inprocess(ModuleStack& stack, const InprocessOptions& options,
                                     const std::string& program,
                                     const std::vector<std::string>& argv) {
  InprocessRun run;
  // The configuration: the modules as plain data, in the runtime's fixed order.
  auto config = std::make_unique<RuntimeConfig>();
  config->ptvm_pid = getpid();
  config->verbose = options.verbose;
  if (options.runtime.size() >= sizeof config->runtime_path) {
    return std::unexpected(Error::guest(ENAMETOOLONG));
  }
  std::strcpy(config->runtime_path, options.runtime.c_str());
  TraceModule* trace = nullptr;
  std::uint32_t user_modules = 0;
  for (std::size_t i = 0; i < stack.size(); ++i) {
    if (!configure(stack[i], config.get(), &trace, &user_modules)) {
      return std::unexpected(Error::guest(ENOTSUP));  // a module the runtime does not carry
    }
  }
  // Every process appends whole lines to the same file: ptvm's writes must append too.
  if (trace && options.output_fd >= 0) {
    config->out_fd = options.output_fd;
    const int flags = fcntl(options.output_fd, F_GETFL);
    if (flags >= 0) fcntl(options.output_fd, F_SETFL, flags | O_APPEND);
  }
  if (trace && trace->options().summary) {
    const int counts_fd = memfd_with("ptvm-counts", nullptr, TraceModule::counts_bytes());
    if (counts_fd < 0) return std::unexpected(Error::guest(errno));
    run.fds.push_back(counts_fd);
    void* table = mmap(nullptr, TraceModule::counts_bytes(), PROT_READ | PROT_WRITE, MAP_SHARED,
                       counts_fd, 0);
    if (table == MAP_FAILED) return std::unexpected(Error::guest(errno));
    trace->share_counts(table);  // stays mapped until ptvm exits
    config->counts_fd = counts_fd;
  }
  if (options.hybrid) {
    if (options.filter.size() > RuntimeConfig::kMaxFilter) {
      return std::unexpected(Error::guest(E2BIG));
    }
    int adopt[2];
    if (pipe2(adopt, O_CLOEXEC | O_NONBLOCK) < 0) return std::unexpected(Error::guest(errno));
    run.fds.push_back(adopt[0]);
    run.fds.push_back(adopt[1]);
    run.adopt_read_fd = adopt[0];
    config->hybrid = true;
    config->tracers_to_ptrace = options.tracers_to_ptrace;
    config->adopt_fd = adopt[1];
    config->filter_length = static_cast<std::uint32_t>(options.filter.size());
    std::copy(options.filter.begin(), options.filter.end(), config->filter);
  }
  config->rewrite = options.rewrite;
  config->rewrite_after = options.rewrite_after;
  if (options.stats) {
    const int stats_fd = memfd_with("ptvm-rewrite-stats", nullptr, sizeof(rewrite::Stats));
    if (stats_fd < 0) return std::unexpected(Error::guest(errno));
    run.fds.push_back(stats_fd);
    void* table =
        mmap(nullptr, sizeof(rewrite::Stats), PROT_READ | PROT_WRITE, MAP_SHARED, stats_fd, 0);
    if (table == MAP_FAILED) return std::unexpected(Error::guest(errno));
    run.stats = static_cast<const rewrite::Stats*>(table);
    config->rewrite_stats_fd = stats_fd;
  }
  if (path_vm(stack)) {  // every process's program, for /proc/N/exe (vms/path/exe_table.h)
    const int exes_fd = memfd_with("ptvm-path-exes", nullptr, sizeof(path::ExeTable));
    if (exes_fd < 0) return std::unexpected(Error::guest(errno));
    run.fds.push_back(exes_fd);
    config->path_exes_fd = exes_fd;
  }
  const int config_fd = memfd_with("ptvm-config", config.get(), sizeof *config);
  if (config_fd < 0) return std::unexpected(Error::guest(errno));
  run.fds.push_back(config_fd);

  // Orphans of the tree come to ptvm, which waits for all of them (strace -f waits too).
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  const std::string config_path = proc_fd_path(config_fd);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  const pid_t ptvm = getpid();
  run.child = fork();
  if (run.child < 0) return std::unexpected(Error::guest(errno));
  if (run.child == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive ptvm
    if (getppid() != ptvm) _exit(126);
    if (trace) trace_first_exec(*trace, program, args.data());
    // The exec the runtime does for the program's own execve (runtime/loader).
    loader::ExecRequest request{};
    request.dirfd = AT_FDCWD;
    request.path = program.c_str();
    request.argv = reinterpret_cast<std::uintptr_t>(args.data());
    request.read_word = [](std::uintptr_t address, std::uintptr_t* word) {
      *word = *reinterpret_cast<const std::uintptr_t*>(address);
      return true;
    };
    request.runtime = options.runtime.c_str();
    request.config = config_path.c_str();
    // The path VM: the program, its interpreters and its loader are the guest's (walked by the
    // module in ptvm's memory, which this child shares a copy of).
    loader::GuestPaths guest_paths{};
    PathModule* const path_module = path_vm(stack);
    if (PathModule* path = path_module; path && !path->map().identity()) {
      guest_paths.context = path;
      guest_paths.to_host = [](void* context, int dirfd, const char* name, bool follow, char* host,
                               char* guest) {
        const pid_t self = getpid();
        return static_cast<PathModule*>(context)->guest_to_host(self, self, dirfd, name, follow,
                                                                host, guest);
      };
      guest_paths.to_guest = [](void* context, const char* host, char* guest) {
        return static_cast<PathModule*>(context)->map().to_guest(host, guest);
      };
      guest_paths.cwd = path->cwd_hint(getpid());
      request.guest = &guest_paths;
    }
    sigset_t mask;
    request.sigsys_blocked =
        sigprocmask(SIG_BLOCK, nullptr, &mask) == 0 && sigismember(&mask, SIGSYS) == 1;
    // ...virtually: a trap with SIGSYS blocked for real would kill the program.
    sigset_t sigsys;
    sigemptyset(&sigsys);
    sigaddset(&sigsys, SIGSYS);
    sigprocmask(SIG_UNBLOCK, &sigsys, nullptr);
    auto handoff = std::make_unique<loader::Handoff>();
    auto plan = std::make_unique<loader::ExecPlan>();
    long r = loader::prepare_exec(request, handoff.get(), plan.get());
    std::vector<char*> by_shell;
    if (r == -ENOEXEC && path_module) {
      // As execvp (and the ptrace backend for a path VM's program): the guest's shell runs it.
      by_shell = {const_cast<char*>("/bin/sh"), const_cast<char*>(program.c_str())};
      by_shell.insert(by_shell.end(), args.begin() + (args.size() > 1 ? 1 : 0), args.end());
      request.path = "/bin/sh";
      request.argv = reinterpret_cast<std::uintptr_t>(by_shell.data());
      r = loader::prepare_exec(request, handoff.get(), plan.get());
      if (r == -ENOENT) r = -ENOEXEC;  // no shell in the guest: the program's own error
    }
    if (r == 0) {
      r = raw_syscall(SYS_execveat, plan->runtime_fd, reinterpret_cast<long>(""),
                      static_cast<long>(plan->argv), reinterpret_cast<long>(environ),
                      AT_EMPTY_PATH);
    }
    if (r == loader::kCannotHost) {  // checked by can_host_runtime(): changed meanwhile
      r = -EACCES;
    }
    std::fprintf(stderr, "ptvm: cannot run '%s': %s\n", program.c_str(),
                 Error::guest(static_cast<int>(-r)).describe());
    _exit(r == -ENOENT ? 127 : 126);
  }
  return run;
}

Result<int> run_inprocess(ModuleStack& stack, const InprocessOptions& options,
                          const std::string& program, const std::vector<std::string>& argv) {
  auto run = start_inprocess(stack, options, program, argv);
  if (!run) return std::unexpected(run.error());
  // Like a shell: the keyboard signals are for the program.
  signal(SIGINT, SIG_IGN);
  signal(SIGQUIT, SIG_IGN);
  int main_status = 0;
  bool program_gone = false;
  LastStatus last;
  for (;;) {
    int status;
    const pid_t pid = waitpid(-1, &status, __WALL);
    if (pid < 0) {
      if (errno == EINTR) continue;
      break;  // ECHILD: the whole tree is gone
    }
    if (WIFSIGNALED(status)) stack.on_process_exit(pid, status);
    if (pid == run->child) {
      main_status = status;
      program_gone = true;
    }
    if (options.last_process_status) last.reaped(pid, status, false);
    // What is left is ptvm's to reap (it is their subreaper): killed as it comes to ptvm.
    if (program_gone && options.kill_on_exit) signal_children(SIGKILL);
  }
  // The program's status, or the last process's (as PRoot; not with --kill-on-exit, whose
  // victims would have the last word).
  if (options.last_process_status && !options.kill_on_exit && last.status()) {
    main_status = *last.status();
  }
  stack.on_finish();
  run->finish();
  return main_status;
}

}  // namespace ptvm
