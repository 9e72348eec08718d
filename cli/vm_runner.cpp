#include "cli/vm_runner.h"

#include "cli/user_modules.h"

#include "ptvm/run.h"

#include <fcntl.h>
#include <fmt/core.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <optional>

#include "cli/commands.h"
#include "cli/syscall_spec.h"

namespace ptvm::cli {

void complain(const std::string& message) {
  fmt::print(stderr, "ptvm: {}\n", message);
}

namespace {

// Where --module puts a user's modules (add_shared_modules(), run_under_vm()): below the tracer,
// above everything else.
std::string module_help(const std::string& command) {
  const char* where = command == "trace"      ? "below the tracer, above the other modules"
                      : command == "proot"    ? "above the path VM and the other modules"
                      : command == "fakeroot" ? "above the fakeroot VM and the other modules"
                                              : "above the other modules";
  return fmt::format(
      "PATH.so[:ARGS]: a VM module of your own (see <ptvm/module.h>), {}; repeatable, the first "
      "on top (in-process when it obeys the runtime's rules: ptvm check-module)",
      where);
}

}  // namespace

void add_vm_options(CLI::App& sub, VmOptions& o, bool proot_spelling) {
  sub.add_option("--backend", o.backend,
                 "auto (in-process where the program can host the runtime, else ptrace), "
                 "inprocess (Syscall User Dispatch in the program), or ptrace")
      ->check(CLI::IsMember({"auto", "inprocess", "ptrace"}));
  sub.add_flag("--no-seccomp", o.no_seccomp,
               "no seccomp filter: PTRACE_SYSCALL at every call (two stops a call)");
  sub.add_flag("--naive", o.naive,
               "the world before the seed patches: PTRACE_SYSCALL, word-wise PTRACE_PEEKDATA, "
               "registers re-read for every access");
  sub.add_flag(
      "--no-colocation", o.no_colocation,
      "the tracer does not share its CPU with the tracee that stops most (ptrace backend)");
  sub.add_flag("--no-trampoline", o.no_trampoline,
               "an exit stop for every call whose result a module needs (ptrace backend; by "
               "default the result comes back through a trampoline in the program, without one)");
  sub.add_flag("--no-syscall-info", o.no_syscall_info,
               "read every call's registers with PTRACE_GETREGS (ptrace backend; by default a "
               "call whose registers nothing changes is read with PTRACE_GET_SYSCALL_INFO, "
               "Linux 5.3+)");
  sub.add_option("--mem", o.mem, "tracee memory access: auto|vm|procmem|peek")
      ->check(CLI::IsMember({"auto", "vm", "procmem", "peek"}));
  sub.add_option("--module", o.modules, module_help(sub.get_name()))
      ->type_name("PATH.so[:ARGS]")
      ->allow_extra_args(false);
  sub.add_option("--redirect", o.redirects,
                 "FROM=TO: absolute paths at or below FROM are used at TO instead")
      ->type_name("FROM=TO")
      ->allow_extra_args(false);
  sub.add_option("--intercept", o.intercept,
                 "intercept SET with a module that passes every call (measures interposition)")
      ->type_name("SET");
  sub.add_flag("--stats", o.stats,
               "print counters to stderr at the end: the supervisor's (ptrace backend), the "
               "calls trapped and made through rewritten sites (in-process)");
  sub.add_flag("--no-rewrite", o.no_rewrite,
               "in-process: every call traps (by default a call's site is rewritten after some "
               "traps to make the call, or enter the modules, without a signal)");
  sub.add_flag("--no-sud", o.no_sud,
               "act as on a kernel without Syscall User Dispatch: --backend=auto runs every "
               "process on ptrace, --backend=inprocess is refused (the fallback, for tests)");
  sub.add_option("--rewrite-after", o.rewrite_after,
                 "in-process: traps of a site before it is rewritten (default 16: a program's "
                 "hot sites; a short-lived process pays more for patches than for its traps)")
      ->type_name("N")
      ->check(CLI::Range(1, 1000000));
  sub.add_option(proot_spelling ? "-r,--rootfs" : "--rootfs", o.path.rootfs,
                 "path VM: DIR is the guest's root (PRoot's -r; `ptvm proot` has all its options)")
      ->type_name("DIR")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  sub.add_option(proot_spelling ? "-b,--bind,-m,--mount" : "--bind", o.path.binds,
                 "path VM: HOST[:GUEST] is seen at GUEST (PRoot's -b)")
      ->type_name("HOST[:GUEST]")
      ->allow_extra_args(false);
  sub.add_option(proot_spelling ? "-w,--cwd,--pwd" : "--cwd", o.path.cwd,
                 "path VM: the guest's working directory (PRoot's -w)")
      ->type_name("DIR")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  sub.add_option(proot_spelling ? "-k,--kernel-release" : "--kernel-release", o.kernel_release,
                 "the program sees kernel release STRING in uname (PRoot's -k; its long form "
                 "'\\sysname\\nodename\\release\\version\\machine\\domainname\\hwcap\\' "
                 "sets every field); host and domain names of the run's own")
      ->type_name("STRING")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  // Everything from the program name on belongs to the program (`ptvm run ls -l`, `ptvm run
  // -- python3 -c ...`): CLI11 leaves it unparsed; take_command() collects it.
  sub.prefix_command();
  sub.footer("The command comes last: ptvm " + sub.get_name() + " [options] [--] CMD ARGS...");
}

namespace {

bool build_inject(const VmOptions& options, InjectModule& inject) {
  for (const auto& text : options.injects) {
    std::string error;
    auto rule = parse_inject(text, &error);
    if (!rule) {
      complain(fmt::format("invalid -e inject={}: {}", text, error));
      return false;
    }
    if (!inject.add(*rule)) {
      complain(fmt::format("at most {} -e inject= rules", InjectModule::kMaxRules));
      return false;
    }
  }
  return true;
}

bool build_redirect(const VmOptions& options, RedirectModule& redirect) {
  for (const auto& text : options.redirects) {
    const auto eq = text.find('=');
    if (eq == std::string::npos) {
      complain(fmt::format("invalid --redirect {}: expected FROM=TO", text));
      return false;
    }
    const std::string from = text.substr(0, eq), to = text.substr(eq + 1);
    if (from.empty() || to.empty() || from[0] != '/' || to[0] != '/') {
      complain(fmt::format("invalid --redirect {}: FROM and TO must be absolute paths", text));
      return false;
    }
    if (!redirect.add(from.c_str(), to.c_str())) {
      complain(fmt::format("invalid --redirect {}: too long, or more than {} rules", text,
                           RedirectModule::kMaxRules));
      return false;
    }
  }
  return true;
}

}  // namespace

bool add_shared_modules(const VmOptions& options, ModuleStack& stack,
                        std::unique_ptr<SharedModules>& storage) {
  storage = std::make_unique<SharedModules>();
  if (!build_inject(options, storage->inject) || !build_redirect(options, storage->redirect)) {
    return false;
  }
  if (!options.intercept.empty()) {
    std::string error;
    auto set = parse_syscall_set(options.intercept, &error);
    if (!set) {
      complain(fmt::format("invalid --intercept={}: {}", options.intercept, error));
      return false;
    }
    storage->null.emplace(*set);
  }
  for (const std::string& spec : options.modules) {
    std::string error;
    Module* module = load_user_module(spec, &error);
    if (module == nullptr) {
      complain(error);
      return false;
    }
    storage->user.push_back(module);
  }
  // Top to bottom, below the tracer (`ptvm trace` pushed it: it shows what the modules made of
  // a call): the user's modules in the order given, inject (faults as the program sees them),
  // null, redirect; run_under_vm() adds the path VM and the fakeroot VM below.
  for (Module* module : storage->user) {
    if (!push_module(stack, module)) return false;
  }
  if (!options.injects.empty() && !push_module(stack, &storage->inject)) return false;
  if (storage->null && !push_module(stack, &*storage->null)) return false;
  if (!options.redirects.empty() && !push_module(stack, &storage->redirect)) return false;
  return true;
}

bool push_module(ModuleStack& stack, Module* module) {
  if (stack.push_bottom(module)) return true;
  complain(fmt::format(
      "too many VM modules: at most {} in one run, and '{}' is one more (the tracer, each "
      "--module, -e inject=, --intercept, --redirect, the path VM and the fakeroot VM count)",
      ModuleStack::kMaxModules, module->name()));
  return false;
}

namespace {

// Dies of the same signal as the program did, so that our parent sees what it would have seen
// natively; without a core dump of ptvm itself.
[[noreturn]] void die_like(int sig) {
  rlimit no_core{0, 0};
  setrlimit(RLIMIT_CORE, &no_core);
  signal(sig, SIG_DFL);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, sig);
  sigprocmask(SIG_UNBLOCK, &set, nullptr);
  fflush(nullptr);
  raise(sig);
  _exit(128 + sig);  // a signal that does not kill (or cannot be raised)
}

// ptvm's exit: the program's status, or its death by the same signal.
int exit_code(int status) {
  fflush(nullptr);
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) die_like(WTERMSIG(status));
  return 1;
}

}  // namespace

namespace {
std::optional<std::vector<std::string>> g_explicit_command;
}  // namespace

int& verbosity() {
  static int level = 0;
  return level;
}

void set_explicit_command(std::vector<std::string> command) {
  g_explicit_command = std::move(command);
}

bool take_command(CLI::App& sub, VmOptions& options) {
  options.command = sub.remaining();
  // CLI11's prefix_command() starts the program at the first argument it does not know, an
  // unknown option too: a misspelt option would be run as the program. Options after the
  // program's name are the program's; a program named "-x" comes after `--` (which main() took
  // away before CLI11 saw it).
  if (!options.command.empty() && options.command[0].size() > 1 && options.command[0][0] == '-') {
    fmt::print(stderr,
               "ptvm {}: unknown option '{}' (see ptvm {} --help; a program whose name starts "
               "with '-' goes after --)\n",
               sub.get_name(), options.command[0], sub.get_name());
    return false;
  }
  if (g_explicit_command) {
    // A `--` after the program's name is the program's own argument (`ptvm run grep -- -v f`).
    if (!options.command.empty()) options.command.push_back("--");
    options.command.insert(options.command.end(), g_explicit_command->begin(),
                           g_explicit_command->end());
  }
  return true;
}

namespace {

// ptvm trace -p PID: the ptrace backend without a filter (none can be put into a running
// process), until the process ends or ptvm is interrupted (then it detaches).
int attach_to(const VmOptions& o, ModuleStack& stack, const std::function<void()>& before_exit) {
  if (!o.command.empty()) {
    complain("-p attaches to a running process: give no command with it");
    return 2;
  }
  if (o.attach_pid < 0) {
    complain(fmt::format("-p {}: not a process id", o.attach_pid));
    return 2;
  }
  if (o.backend == "inprocess") {
    complain("-p needs the ptrace backend (a running program cannot load the in-process runtime)");
    return 2;
  }
  PtraceOptions popts;
  popts.seccomp = false;
  popts.naive = o.naive;
  popts.mem = *parse_mem_mode(o.mem);
  Supervisor supervisor(stack, popts);
  auto result = supervisor.attach(o.attach_pid);
  if (before_exit) before_exit();
  if (!result) {
    complain(fmt::format("cannot attach to {}: {}", o.attach_pid, result.error().describe()));
    return 1;
  }
  return exit_code(*result);
}

}  // namespace

namespace {

// `what` runs on the ptrace backend only (not in the in-process runtime yet): --backend=auto
// becomes ptrace (`forced` says why, for -v), --backend=inprocess is refused (false).
bool only_ptrace(VmOptions& o, const char* what, std::string* forced) {
  if (o.backend == "inprocess") {
    complain(
        fmt::format("{} runs on the ptrace backend (not in the in-process runtime yet)", what));
    return false;
  }
  if (o.backend == "auto") {
    *forced = fmt::format("{} does not run in the in-process runtime yet", what);
    o.backend = "ptrace";
  }
  return true;
}

}  // namespace

int run_under_vm(const VmOptions& given, ModuleStack& stack,
                 const std::function<void()>& before_exit) {
  VmOptions o = given;
  o.path.verbose = std::max(o.path.verbose, verbosity());
  std::string forced;  // why --backend=auto runs every process on ptrace
  std::unique_ptr<PathVm> path_vm;
  if (o.path.active()) {
    if (o.attach_pid != 0) {
      complain("-p attaches to a running process: the path VM needs to start the program");
      return 2;
    }
    int code;
    if (!setup_path_vm(o.path, o, path_vm, &code)) return code;
    // The runtime's loader runs every image itself: -q's emulator is the ptrace backend's.
    if (!o.path.qemu.empty() && !only_ptrace(o, "the path VM's -q (QEMU)", &forced)) return 2;
  }
  // The command's own VMs at the bottom, in one order for every command: the path VM above the
  // fakeroot VM (`ptvm fakeroot`'s, or `ptvm proot -0`'s), which so sees the host's paths (it
  // stats and records the files themselves).
  Module* fakeroot = o.fakeroot_vm;
  if (path_vm && path_vm->fakeroot) fakeroot = path_vm->fakeroot.get();
  if (path_vm && !push_module(stack, &path_vm->path)) return 2;
  if (fakeroot && !push_module(stack, fakeroot)) return 2;
  // The kernel-identity VM below the fakeroot VM, which lets only a fake root's set*name by.
  std::unique_ptr<KompatModule> kompat;
  if (!o.kernel_release.empty()) {
    kompat = std::make_unique<KompatModule>();
    struct utsname host;
    const char* error = "";
    if (uname(&host) < 0 || !kompat->configure(*reinterpret_cast<const KompatModule::Names*>(&host),
                                               o.kernel_release.c_str(), &error)) {
      complain(fmt::format("invalid kernel release '{}': {}", o.kernel_release, error));
      return 2;
    }
    kompat->set_fake_root_checked(fakeroot != nullptr);
    kompat->set_force_kompat(std::getenv("PROOT_FORCE_KOMPAT") != nullptr);
    if (!only_ptrace(o, "the kernel-identity VM (-k)", &forced)) return 2;
    if (!push_module(stack, kompat.get())) return 2;
  }
  const std::vector<std::string>& command = o.command;
  if (o.attach_pid != 0) return attach_to(o, stack, before_exit);
  if (command.empty()) {
    complain("no command given (usage: ptvm run|trace [options] [--] CMD ARGS...)");
    return 2;
  }
  // A user's module runs in-process when its file obeys the runtime's rules (ptvm check-module):
  // else --backend=auto runs every process on ptrace, and --backend=inprocess is refused.
  for (std::size_t i = 0; i < stack.size() && o.backend != "ptrace"; ++i) {
    const std::string why = inprocess_refusal(stack[i]);
    if (why.empty()) continue;
    if (o.backend == "inprocess") {
      complain(fmt::format("--backend=inprocess: {}", why));
      return 2;
    }
    forced = why;
    o.backend = "ptrace";
  }
  // The rest is ptvm::run's (backend/run.cpp), as for a user's own supervisor program.
  RunOptions run_options;
  run_options.backend = o.backend == "inprocess" ? Backend::inprocess
                        : o.backend == "ptrace"  ? Backend::ptrace
                                                 : Backend::automatic;
  run_options.ptrace_reason = forced;
  run_options.verbose = o.path.verbose;
  run_options.stats = o.stats;
  run_options.ptrace.seccomp = !o.no_seccomp && !o.naive;
  run_options.ptrace.naive = o.naive;
  run_options.ptrace.colocate = !o.no_colocation;
  run_options.ptrace.trampoline = !o.no_trampoline;
  run_options.ptrace.syscall_info = !o.no_syscall_info;
  run_options.ptrace.mem = *parse_mem_mode(o.mem);
  run_options.ptrace.program = o.guest_program;
  run_options.ptrace.kill_on_exit = o.kill_on_exit;
  run_options.ptrace.last_process_status = o.last_process_status;
  // A program of the path VM's may trace another, as under PRoot (ptrace backend only).
  run_options.ptrace.guest_ptrace = path_vm != nullptr;
  run_options.rewrite = !o.no_rewrite;
  run_options.no_sud = o.no_sud;
  run_options.rewrite_after = o.rewrite_after;
  run_options.output_fd = o.output_fd;
  run_options.unbuffer_output = o.unbuffer_output;
  const auto status = run(stack, command, run_options);
  if (before_exit) before_exit();
  path_vm.reset();  // its glue directory goes before ptvm dies of the program's signal
  if (!status) {
    complain(status.error().message);
    return status.error().status;
  }
  return exit_code(*status);
}

}  // namespace ptvm::cli
