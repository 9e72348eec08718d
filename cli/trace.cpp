// `ptvm trace [options] -- CMD ARGS...`: strace's command line on ptvm's tracer module, over
// fault injection when -e inject= is given.
#include <fmt/core.h>
#include <time.h>

#include <memory>

#include "cli/commands.h"
#include "cli/output_host.h"
#include "cli/syscall_spec.h"
#include "cli/vm_runner.h"
#include "vms/trace/trace_module.h"

namespace ptvm::cli {

namespace {
struct TraceCli {
  VmOptions vm;
  std::vector<std::string> exprs;  // -e
  std::string output;              // -o
  std::size_t string_limit = 32;   // -s
  int timestamps = 0;              // -t, -tt, -ttt
  bool syscall_times = false;      // -T
  bool summary = false;            // -c
  bool follow = false;             // -f (always on)
  bool json = false;
};
}  // namespace

Runner add_trace_command(CLI::App& app) {
  auto* sub = app.add_subcommand("trace", "trace system calls and signals, like strace");
  auto o = std::make_shared<TraceCli>();
  sub->add_option("-e", o->exprs,
                  "trace=SET (names, %file, %process, %network, %signal, %memory, %desc, ..., "
                  "!SET), or inject=SET:error=ERRNO|retval=N[:signal=SIG][:when=...]")
      ->type_name("EXPR")
      ->allow_extra_args(false);
  sub->add_option("--trace", o->exprs, "same as -e trace=")
      ->allow_extra_args(false)
      ->each([o](const std::string&) { o->exprs.back().insert(0, "trace="); });
  sub->add_option("--inject", o->vm.injects, "same as -e inject=")->allow_extra_args(false);
  sub->add_option("-o,--output", o->output, "write the trace to FILE instead of stderr");
  sub->add_option("-s,--string-limit", o->string_limit, "maximum string size to print (32)")
      ->check(CLI::Range(0, 1 << 20));
  sub->add_flag("-t", o->timestamps, "time of day; -tt with microseconds; -ttt since the epoch");
  sub->add_flag("-T", o->syscall_times, "time spent in each call");
  sub->add_flag("-c", o->summary, "count time, calls and errors per call; summary at the end");
  sub->add_flag("-f", o->follow, "follow forks (always on)");
  sub->add_flag("--json", o->json, "one JSON object per call, for tools");
  sub->add_option("-p,--pid", o->vm.attach_pid,
                  "attach to the running process PID (all its threads) instead of starting a "
                  "command; Ctrl-C detaches")
      ->type_name("PID");
  add_vm_options(*sub, o->vm);

  return [sub, o]() -> int {
    if (!take_command(*sub, o->vm)) return 2;
    TraceOptions topts;
    topts.string_limit = o->string_limit;
    topts.timestamps = std::min(o->timestamps, 3);
    topts.syscall_times = o->syscall_times;
    topts.summary = o->summary;
    topts.json = o->json;
    const time_t now = time(nullptr);
    tm local;
    localtime_r(&now, &local);
    topts.utc_offset_s = local.tm_gmtoff;
    bool trace_set_given = false;
    for (const auto& e : o->exprs) {
      std::string error;
      if (e.starts_with("inject=")) {
        o->vm.injects.push_back(e.substr(7));
      } else if (e.starts_with("trace=") || e.find('=') == std::string::npos) {
        // strace: -e SET is -e trace=SET; several -e trace= add up.
        auto set = parse_syscall_set(e.starts_with("trace=") ? e.substr(6) : e, &error);
        if (!set) {
          complain(fmt::format("invalid -e {}: {}", e, error));
          return 2;
        }
        if (!trace_set_given) topts.calls = SyscallSet();
        trace_set_given = true;
        topts.calls |= *set;
      } else {
        complain(fmt::format("unsupported -e {} (trace= and inject= are)", e));
        return 2;
      }
    }
    auto host = OutputHost::open(o->output);
    if (!host) {
      complain(fmt::format("cannot open {}: {}", o->output, host.error().describe()));
      return 2;
    }
    std::unique_ptr<OutputHost> output(*host);
    o->vm.output_fd = output->fd();
    o->vm.unbuffer_output = [&output] { output->unbuffer(); };
    TraceModule trace(*output, topts);
    ModuleStack stack;  // the tracer on top: it shows what the program asked and got
    stack.push_bottom(&trace);
    std::unique_ptr<SharedModules> modules;
    if (!add_shared_modules(o->vm, stack, modules)) return 2;
    output->flush();
    return run_under_vm(o->vm, stack, [&] { output->flush(); });
  };
}

}  // namespace ptvm::cli
