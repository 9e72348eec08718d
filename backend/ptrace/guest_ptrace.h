// The guest's own ptrace on the ptrace backend (`ptvm proot`, as PRoot emulates it).
//
// ptvm is the real tracer of every process of the run, so the kernel refuses a guest's
// PTRACE_TRACEME, ATTACH and SEIZE (EPERM: a process has one tracer). GuestPtrace plays the
// kernel's part between a guest tracer and its tracees instead:
//   - the tracer's ptrace() never runs: its requests are performed by ptvm on the real tracee
//     (PEEK*/POKE*, GET/SETREGS, GETREGSET, GETSIGINFO, GETEVENTMSG...), the relations
//     (TRACEME, ATTACH, SEIZE, DETACH, SETOPTIONS) are recorded here;
//   - a stop of a guest tracee that its tracer would see natively (a signal, a group stop, an
//     event its options ask for, a syscall stop after PTRACE_SYSCALL) is held: ptvm does its own
//     work at that stop first (an exit stop's restored registers, for instance), then keeps the
//     tracee stopped, queues the stop for the tracer, sends the tracer SIGCHLD and wakes its wait;
//   - the tracer's wait4/waitid takes a queued stop without entering the kernel; with none, the
//     call runs (the tracer's real children, their exits), and a stop queued meanwhile ends it
//     (PTRACE_INTERRUPT of the waiting thread, whose -ERESTARTSYS becomes the stop's pid);
//   - the tracee runs again when the tracer restarts it (CONT, SYSCALL, SINGLESTEP, DETACH), or
//     when the tracer exits (released as the kernel releases them; killed under EXITKILL).
// ptvm's own stops stay invisible: seccomp stops are never shown (PTRACE_O_TRACESECCOMP of a
// guest is EINVAL, as in PRoot), and a tracee asked PTRACE_SYSCALL is resumed by ptvm with
// PTRACE_SYSCALL everywhere: its entry stop comes before ptvm's seccomp stop (kernel >= 4.8),
// its exit stop after ptvm's exit handling. Only with the seccomp filter (not --no-seccomp).
//
// Not emulated: a tracer outside the run or a tracee outside it (EPERM), PTRACE_SYSEMU*,
// PEEKSIGINFO and the seccomp requests (EIO), 32-bit tracers' calls.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <unordered_map>

#include "core/syscall_set.h"
#include "mem/remote_memory.h"

namespace ptvm {

class GuestPtrace {
 public:
  // What the emulation needs of the supervisor.
  class Host {
   public:
    virtual RemoteMemory* memory(pid_t tid) = 0;  // a tracee's memory and registers; null: none
    virtual pid_t tgid_of(pid_t tid) = 0;         // 0: not a tracee of ptvm
    // Ends the stop a tracee is held in: the supervisor's resume, with request() below.
    virtual void restart(pid_t tid, int sig) = 0;
    virtual long ptrace_call(int request, pid_t tid, void* addr, void* data) = 0;  // counted

   protected:
    ~Host() = default;
  };

  explicit GuestPtrace(Host& host) : host_(host) {}

  // The calls the emulation needs to see: ptrace, wait4, waitid.
  static void add_interest(SyscallSet& set);

  // At ptvm's seccomp stop of a call of `tid`, before the modules.
  enum class Entry {
    not_ours,  // not a guest tracer's call: the modules' as usual
    emulated,  // done, its result in the registers (SKIPCALL): resume
    see_exit,  // a wait that runs in the kernel: resume to its exit stop, then on_wait_exit()
  };
  Entry on_entry(pid_t tid, long nr, const std::uint64_t args[6]);
  // The exit stop of a wait that ran: its result as the tracer sees it. True if `tid` is held
  // (a wait that only guest tracees can satisfy, none of which has stopped yet).
  bool on_wait_exit(pid_t tid);

  // At a stop of `tid` (status from waitpid; `first`: its first stop), before ptvm's handling.
  enum class Stop {
    not_ours,      // ptvm's alone
    held,          // the tracer's now: do not resume
    report_after,  // ptvm's first; the tracee is held at its resume (hold())
  };
  Stop on_stop(pid_t tid, int status, bool first);
  // Called by the supervisor's resume: true if the stop is to be held for the guest tracer (the
  // signal ptvm would deliver at a signal-delivery stop is the tracer's to give, or not).
  bool hold(pid_t tid);
  // How a tracee resumes when ptvm needs no exit stop: the guest tracer's last restart
  // (PTRACE_SYSCALL, PTRACE_SINGLESTEP), else PTRACE_CONT.
  int request(pid_t tid) const;
  bool traced(pid_t tid) const { return !tracees_.empty() && tracees_.contains(tid); }

  // A fork/vfork/clone event of `parent` (PTRACE_EVENT_*): the child may be auto-attached.
  void on_fork(pid_t parent, pid_t child, int event);
  // `tid` is gone (its wait status); `group_gone`: its thread group has no thread left.
  void on_exit(pid_t tid, pid_t tgid, int status, bool group_gone);

 private:
  struct Tracee {
    pid_t tgid = 0;
    pid_t tracer = 0;  // the tracer's thread group (0: an unborn child, see on_stop)
    long options = 0;
    bool seized = false;
    bool child = false;  // the tracer is its real parent: the kernel reports its exit there
    int mode = 0;        // the tracer's last restart: PTRACE_CONT, PTRACE_SYSCALL, SINGLESTEP
    enum class State : std::uint8_t { running, held, unborn, exited } state = State::running;
    bool await_first = false;        // auto-attached: its first stop is the tracer's
    bool interrupt = false;          // the tracer asked PTRACE_INTERRUPT
    bool group_stop = false;         // held in a group stop (really: ptvm seized it)
    bool synthetic_sigstop = false;  // the stop shown is the SIGSTOP of an auto-attached child
    bool pending = false;            // a stop (or exit) not collected by the tracer's wait yet
    int code = 0;                    // the stop: sig | event << 8; an exit: its wait status
    std::optional<int> report;       // on_stop's report_after: the code to hold with
    std::uint64_t seq = 0;           // the order of stops, oldest served first
  };
  struct Wait {  // a wait of a guest tracer's thread
    pid_t tgid;
    bool waitid;
    long id;  // wait4's pid; waitid's idtype and id
    int idtype;
    int options;
    std::uint64_t out;     // wait4's status, waitid's siginfo
    std::uint64_t rusage;  // 0: none
    bool held = false;     // held at its exit stop (ECHILD: no real child to wait for)
  };

  static Tracee traced_by(pid_t tgid, pid_t tracer, long options, bool seized);
  long request_call(pid_t tid, pid_t tgid, const std::uint64_t args[6]);
  long attach(pid_t tgid, pid_t target, bool seize, long options);
  bool may_be_born(pid_t tid) const;
  long transfer(pid_t tracer_tid, pid_t target, long req, std::uint64_t addr, std::uint64_t data);
  long restart_tracee(pid_t target, int request, long sig);
  void release(pid_t target, Tracee& t);
  void let_go(pid_t target, bool group_stop, int sig);
  void queue(Tracee& t, int code);
  bool matches(const Wait& w, pid_t tid, const Tracee& t) const;
  bool any_match(const Wait& w) const;
  Registers* registers(pid_t tid);          // null: gone
  pid_t take(const Wait& w, pid_t waiter);  // the oldest matching stop, written out; 0: none
  bool write_out(pid_t waiter, const Wait& w, pid_t tid, const Tracee& t);
  void wake(pid_t tracer);
  void interrupt_waits(pid_t tracer);
  Wait parse_wait(pid_t tgid, long nr, const std::uint64_t args[6]) const;

  Host& host_;
  std::unordered_map<pid_t, Tracee> tracees_;  // by tid
  std::unordered_map<pid_t, Wait> waits_;      // by the waiting thread
  std::uint64_t seq_ = 0;
};

}  // namespace ptvm
