#include "backend/ptrace/guest_ptrace.h"

#include <asm/prctl.h>
#include <dirent.h>
#include <fcntl.h>
#include <linux/ptrace.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "backend/ptrace/proc_status.h"

namespace ptvm {

namespace {

// The restart requests a guest may give, and the options it may set (the kernel's PTRACE_O_MASK).
constexpr long kOptionsMask = 0x003000ff;
constexpr std::size_t kMaxRegset = 64 * 1024;  // the largest GETREGSET/SETREGSET buffer served
constexpr long kErestartSys = 512;             // a wait interrupted (its PTRACE_INTERRUPT)

// Which system-call stop `tid` is in (PTRACE_SYSCALL_INFO_ENTRY, _EXIT...; 0: unknown).
int syscall_stop_op(GuestPtrace::Host& host, pid_t tid) {
  ptrace_syscall_info info{};
  if (host.ptrace_call(PTRACE_GET_SYSCALL_INFO, tid, reinterpret_cast<void*>(sizeof info), &info) <=
      0) {
    return 0;
  }
  return info.op;
}

}  // namespace

GuestPtrace::Tracee GuestPtrace::traced_by(pid_t tgid, pid_t tracer, long options, bool seized) {
  Tracee t;
  t.tgid = tgid;
  t.tracer = tracer;
  t.options = options;
  t.seized = seized;
  t.mode = PTRACE_CONT;
  return t;
}

namespace {

bool is_stop_signal(int sig) {
  return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

pid_t group_of(pid_t pid) {
  const pid_t pgid = getpgid(pid);
  return pgid < 0 ? 0 : pgid;
}

}  // namespace

void GuestPtrace::add_interest(SyscallSet& set) {
  set.add(SYS_ptrace);
  set.add(SYS_wait4);
  set.add(SYS_waitid);
}

GuestPtrace::Entry GuestPtrace::on_entry(pid_t tid, long nr, const std::uint64_t args[6]) {
  RemoteMemory* mem = host_.memory(tid);
  if (!mem) return Entry::not_ours;
  const pid_t tgid = host_.tgid_of(tid);
  long result;
  if (nr == SYS_ptrace) {
    result = request_call(tid, tgid, args);
  } else if ((nr == SYS_wait4 || nr == SYS_waitid) && !tracees_.empty()) {
    Wait w = parse_wait(tgid, nr, args);
    if (w.tgid == 0 || !any_match(w)) return Entry::not_ours;  // the kernel's alone
    const pid_t pid = take(w, tid);
    if (pid == 0) {
      waits_[tid] = w;
      return Entry::see_exit;
    }
    result = pid < 0 || !w.waitid ? pid : 0;
  } else {
    return Entry::not_ours;
  }
  if (Registers* regs = registers(tid)) {  // else gone: its death comes next
    regs->set_syscall_no(-1);
    regs->set_result(result);
  }
  return Entry::emulated;
}

bool GuestPtrace::on_wait_exit(pid_t tid) {
  auto it = waits_.find(tid);
  if (it == waits_.end()) return false;
  Registers* regs = registers(tid);
  if (!regs) {
    waits_.erase(it);
    return false;
  }
  Wait& w = it->second;
  const long result = regs->result();
  // Interrupted by a stop queued meanwhile, found nothing (WNOHANG), or found no real child: a
  // guest tracee's stop is the answer if there is one now.
  if (result == -kErestartSys || result == -ECHILD || (result == 0 && (w.options & WNOHANG))) {
    if (const pid_t pid = take(w, tid); pid != 0) {
      regs->set_result(pid < 0 || !w.waitid ? pid : 0);
      waits_.erase(it);
      return false;
    }
  }
  if (result == -ECHILD && any_match(w)) {
    if (!(w.options & WNOHANG)) {
      w.held = true;  // until one of its tracees stops (wake())
      return true;
    }
    regs->set_result(0);
    if (w.waitid && w.out != 0) {
      const siginfo_t none{};
      (void)host_.memory(tid)->write(RemotePtr<void>(w.out), &none, sizeof none);
    }
  }
  waits_.erase(it);
  return false;
}

GuestPtrace::Stop GuestPtrace::on_stop(pid_t tid, int status, bool first) {
  if (tracees_.empty()) return Stop::not_ours;
  const int sig = WSTOPSIG(status);
  const int event = status >> 16;
  if (event == PTRACE_EVENT_EXEC) {
    // execve from a non-leader thread: the leader's tid takes over the thread.
    unsigned long former = 0;
    if (host_.ptrace_call(PTRACE_GETEVENTMSG, tid, nullptr, &former) == 0 &&
        static_cast<pid_t>(former) != tid) {
      auto moved = tracees_.find(static_cast<pid_t>(former));
      if (moved != tracees_.end()) {
        Tracee t = moved->second;
        tracees_.erase(moved);
        tracees_[tid] = t;
      }
    }
  }
  auto it = tracees_.find(tid);
  if (it == tracees_.end()) {
    // Maybe a child auto-attached to a guest tracer, whose parent's event has not come yet.
    if (!first || !may_be_born(tid)) return Stop::not_ours;
    Tracee& unborn = tracees_[tid];
    unborn.tgid = host_.tgid_of(tid);
    unborn.state = Tracee::State::unborn;
    return Stop::held;
  }
  Tracee& t = it->second;
  if (t.state == Tracee::State::unborn) return Stop::held;
  if (t.await_first && event == PTRACE_EVENT_STOP) {
    // An auto-attached child: a SIGSTOP natively, PTRACE_EVENT_STOP under PTRACE_SEIZE.
    t.await_first = false;
    t.synthetic_sigstop = !t.seized;
    queue(t, t.seized ? SIGTRAP | PTRACE_EVENT_STOP << 8 : SIGSTOP);
    return Stop::held;
  }
  if (sig == (SIGTRAP | 0x80)) {
    if (t.mode != PTRACE_SYSCALL) return Stop::not_ours;  // an exit stop of ptvm's own
    const int code = (t.options & PTRACE_O_TRACESYSGOOD) ? SIGTRAP | 0x80 : SIGTRAP;
    if (syscall_stop_op(host_, tid) == PTRACE_SYSCALL_INFO_ENTRY) {
      queue(t, code);
      return Stop::held;
    }
    t.report = code;  // after ptvm's exit handling (its restored registers)
    return Stop::report_after;
  }
  switch (event) {
    case 0:  // a signal-delivery stop
      t.report = sig;
      return Stop::report_after;
    case PTRACE_EVENT_STOP:
      if (t.interrupt || is_stop_signal(sig)) {
        // PTRACE_INTERRUPT's stop, or a group stop: shown as a plain stop without PTRACE_SEIZE.
        t.interrupt = false;
        queue(t, t.seized ? sig | PTRACE_EVENT_STOP << 8 : sig);
        t.group_stop = is_stop_signal(sig);
        return Stop::held;
      }
      return Stop::not_ours;
    case PTRACE_EVENT_FORK:
    case PTRACE_EVENT_VFORK:
    case PTRACE_EVENT_CLONE:
    case PTRACE_EVENT_VFORK_DONE:
    case PTRACE_EVENT_EXIT:
    case PTRACE_EVENT_EXEC:
      // PTRACE_O_TRACEx is 1 << PTRACE_EVENT_x.
      if (t.options & (1L << event)) {
        t.report = sig | event << 8;
        return Stop::report_after;
      }
      if (event == PTRACE_EVENT_EXEC && !t.seized) {
        // Without PTRACE_O_TRACEEXEC, a tracee attached without SEIZE gets a SIGTRAP after a
        // successful execve, as from the kernel.
        syscall(SYS_tgkill, t.tgid, tid, SIGTRAP);
      }
      return Stop::not_ours;
    default:  // PTRACE_EVENT_SECCOMP: ptvm's own
      return Stop::not_ours;
  }
}

bool GuestPtrace::hold(pid_t tid) {
  if (tracees_.empty()) return false;
  auto it = tracees_.find(tid);
  if (it == tracees_.end() || !it->second.report) return false;
  Tracee& t = it->second;
  const int code = *t.report;
  t.report.reset();
  queue(t, code);
  return true;
}

int GuestPtrace::request(pid_t tid) const {
  if (tracees_.empty()) return PTRACE_CONT;
  auto it = tracees_.find(tid);
  return it == tracees_.end() ? PTRACE_CONT : it->second.mode;
}

void GuestPtrace::on_fork(pid_t parent, pid_t child, int event) {
  if (tracees_.empty()) return;
  auto pit = tracees_.find(parent);
  auto cit = tracees_.find(child);
  const bool born_unborn = cit != tracees_.end() && cit->second.state == Tracee::State::unborn;
  if (pit == tracees_.end() || pit->second.tracer == 0 || !(pit->second.options & (1L << event))) {
    if (born_unborn) {  // held at its first stop for nothing
      tracees_.erase(cit);
      host_.restart(child, 0);
    }
    return;
  }
  const Tracee& p = pit->second;
  Tracee& now = tracees_[child] = traced_by(host_.tgid_of(child), p.tracer, p.options, p.seized);
  if (born_unborn) {
    now.synthetic_sigstop = !now.seized;
    queue(now, now.seized ? SIGTRAP | PTRACE_EVENT_STOP << 8 : SIGSTOP);
  } else {
    now.await_first = true;
  }
}

void GuestPtrace::on_exit(pid_t tid, pid_t tgid, int status, bool group_gone) {
  if (tracees_.empty()) return;
  waits_.erase(tid);
  if (auto it = tracees_.find(tid); it != tracees_.end()) {
    Tracee& t = it->second;
    if (t.tracer == 0 || t.child) {
      tracees_.erase(it);  // its real parent, the tracer, has it from the kernel
    } else {
      // A tracee that is not the tracer's child: its tracer waits for its end too.
      t.state = Tracee::State::exited;
      t.report.reset();
      t.pending = true;
      t.code = status;
      t.seq = ++seq_;
      wake(t.tracer);
    }
  }
  // A child held at its first stop whose parent died before its fork event: nobody traces it.
  std::vector<pid_t> orphans;
  for (const auto& [other, t] : tracees_) {
    if (t.state == Tracee::State::unborn && !may_be_born(other)) orphans.push_back(other);
  }
  for (const pid_t other : orphans) {
    tracees_.erase(other);
    host_.restart(other, 0);
  }
  if (!group_gone) return;
  // A tracer's end releases its tracees, as the kernel does.
  std::vector<pid_t> released;
  for (const auto& [other, t] : tracees_) {
    if (t.tracer == tgid) released.push_back(other);
  }
  for (const pid_t other : released) release(other, tracees_[other]);
}

long GuestPtrace::request_call(pid_t tid, pid_t tgid, const std::uint64_t args[6]) {
  const auto req = static_cast<long>(args[0]);
  const auto target = static_cast<pid_t>(args[1]);
  const std::uint64_t addr = args[2], data = args[3];
  if (req == PTRACE_TRACEME) {
    // Its parent becomes its tracer: the parent must be a process of the run.
    const long ppid = proc_status_number(tid, "PPid:");
    const pid_t tracer = ppid > 0 ? host_.tgid_of(static_cast<pid_t>(ppid)) : 0;
    if (tracer == 0 || tracees_.contains(tid)) return -EPERM;
    tracees_[tid] = traced_by(tgid, tracer, 0, false);
    tracees_[tid].child = tid == tgid;
    interrupt_waits(tracer);
    return 0;
  }
  if (req == PTRACE_ATTACH || req == PTRACE_SEIZE) {
    if (req == PTRACE_SEIZE && (addr != 0 || (data & ~kOptionsMask))) return -EIO;
    return attach(tgid, target, req == PTRACE_SEIZE, req == PTRACE_SEIZE ? data : 0);
  }
  auto it = tracees_.find(target);
  if (it == tracees_.end() || it->second.tracer != tgid ||
      it->second.state == Tracee::State::exited) {
    return -ESRCH;
  }
  Tracee& t = it->second;
  const bool held = t.state == Tracee::State::held;
  switch (req) {
    case PTRACE_KILL:
      syscall(SYS_tgkill, t.tgid, target, SIGKILL);
      return 0;
    case PTRACE_INTERRUPT:
      if (!t.seized) return -EIO;
      if (held) return 0;
      t.interrupt = true;
      return host_.ptrace_call(PTRACE_INTERRUPT, target, nullptr, nullptr) < 0 ? -errno : 0;
    case PTRACE_LISTEN:
      // Only from a group stop of a seized tracee: it stays stopped, SIGCONT wakes it.
      if (!held || !t.seized || (t.code >> 8) != PTRACE_EVENT_STOP ||
          !is_stop_signal(t.code & 0x7f)) {
        return -EIO;
      }
      if (host_.ptrace_call(PTRACE_LISTEN, target, nullptr, nullptr) < 0) return -errno;
      t.state = Tracee::State::running;
      t.pending = false;
      return 0;
    default:
      break;
  }
  if (!held) return -ESRCH;  // the other requests need the tracee in a stop of the tracer's
  switch (req) {
    case PTRACE_CONT:
    case PTRACE_SYSCALL:
    case PTRACE_SINGLESTEP:
      return restart_tracee(target, static_cast<int>(req), static_cast<long>(data));
    case PTRACE_DETACH: {
      if (data > _NSIG) return -EIO;
      const bool group_stop = t.group_stop;
      tracees_.erase(it);
      let_go(target, group_stop, static_cast<int>(data));
      return 0;
    }
    case PTRACE_SETOPTIONS:
      if (data & ~kOptionsMask) return -EINVAL;
      // ptvm's seccomp stops cannot be told from the guest's own filter's (PRoot: EINVAL too).
      if (data & PTRACE_O_TRACESECCOMP) return -EINVAL;
      t.options = static_cast<long>(data);
      return 0;
    default:
      return transfer(tid, target, req, addr, data);
  }
}

long GuestPtrace::attach(pid_t tgid, pid_t target, bool seize, long options) {
  if (options & PTRACE_O_TRACESECCOMP) return -EINVAL;
  if (target <= 0) return -ESRCH;  // (kill()'s 0 and -1 are process groups)
  const pid_t target_tgid = host_.tgid_of(target);
  if (target_tgid == 0) return kill(target, 0) == 0 || errno == EPERM ? -EPERM : -ESRCH;
  if (target_tgid == tgid) return -EPERM;  // a thread of its own group
  if (auto it = tracees_.find(target); it != tracees_.end() && it->second.tracer != 0) {
    return -EPERM;  // traced already
  }
  const bool child = target == target_tgid && proc_status_number(target, "PPid:") == tgid;
  tracees_[target] = traced_by(target_tgid, tgid, options, seize);
  tracees_[target].child = child;
  if (!seize) syscall(SYS_tgkill, target_tgid, target, SIGSTOP);
  // Stopped already (in a group stop, ptvm listening: t): its tracer sees the stop, as natively
  // (a re-trap). A tracee in another stop of ptvm's traps once more when resumed, which ptvm
  // passes.
  if (const char state = proc_state(target); state == 't' || state == 'T') {
    host_.ptrace_call(PTRACE_INTERRUPT, target, nullptr, nullptr);
  }
  return 0;
}

// The requests that read or change a stopped tracee: ptvm performs them (it is the real
// tracer) and copies what they read or take through the tracer's memory.
long GuestPtrace::transfer(pid_t tracer_tid, pid_t target, long req, std::uint64_t addr,
                           std::uint64_t data) {
  RemoteMemory* mem = host_.memory(tracer_tid);
  if (!mem) return -ESRCH;
  auto out = [&](const void* from, std::size_t n) {
    return static_cast<bool>(mem->write(RemotePtr<void>(data), from, n));
  };
  auto in = [&](void* into, std::size_t n) {
    return static_cast<bool>(mem->read(RemotePtr<void>(data), into, n));
  };
  auto* raw_addr = reinterpret_cast<void*>(addr);
  // A request whose data points to a buffer of `n` bytes the kernel fills.
  auto get = [&](long request, void* local, std::size_t n) -> long {
    if (host_.ptrace_call(static_cast<int>(request), target, raw_addr, local) < 0) return -errno;
    return out(local, n) ? 0 : -EFAULT;
  };
  // One whose data points to `n` bytes the kernel takes.
  auto set = [&](long request, void* local, std::size_t n) -> long {
    if (!in(local, n)) return -EFAULT;
    return host_.ptrace_call(static_cast<int>(request), target, raw_addr, local) < 0 ? -errno : 0;
  };
  switch (req) {
    case PTRACE_PEEKTEXT:
    case PTRACE_PEEKDATA:
    case PTRACE_PEEKUSR: {
      errno = 0;
      const long word = host_.ptrace_call(static_cast<int>(req), target, raw_addr, nullptr);
      if (errno != 0) return -errno;
      return out(&word, sizeof word) ? 0 : -EFAULT;
    }
    case PTRACE_POKETEXT:
    case PTRACE_POKEDATA:
    case PTRACE_POKEUSR:
      return host_.ptrace_call(static_cast<int>(req), target, raw_addr,
                               reinterpret_cast<void*>(data)) < 0
                 ? -errno
                 : 0;
    case PTRACE_GETREGS: {
      user_regs_struct regs;
      return get(req, &regs, sizeof regs);
    }
    case PTRACE_SETREGS: {
      user_regs_struct regs;
      return set(req, &regs, sizeof regs);
    }
    case PTRACE_GETFPREGS: {
      user_fpregs_struct fp;
      return get(req, &fp, sizeof fp);
    }
    case PTRACE_SETFPREGS: {
      user_fpregs_struct fp;
      return set(req, &fp, sizeof fp);
    }
    case PTRACE_GETSIGINFO: {
      siginfo_t info{};
      if (tracees_[target].synthetic_sigstop) {  // the SIGSTOP an auto-attached child starts with
        info.si_signo = SIGSTOP;
        info.si_code = SI_USER;
        return out(&info, sizeof info) ? 0 : -EFAULT;
      }
      return get(req, &info, sizeof info);
    }
    case PTRACE_SETSIGINFO: {
      siginfo_t info;
      return set(req, &info, sizeof info);
    }
    case PTRACE_GETEVENTMSG: {
      unsigned long msg = 0;
      return get(req, &msg, sizeof msg);
    }
    case PTRACE_GETSIGMASK: {
      std::uint64_t mask = 0;
      if (addr != sizeof mask) return -EINVAL;
      return get(req, &mask, sizeof mask);
    }
    case PTRACE_SETSIGMASK: {
      std::uint64_t mask;
      if (addr != sizeof mask) return -EINVAL;
      return set(req, &mask, sizeof mask);
    }
    case PTRACE_GET_THREAD_AREA: {
      std::uint32_t desc[4];  // struct user_desc
      return get(req, desc, sizeof desc);
    }
    case PTRACE_SET_THREAD_AREA: {
      std::uint32_t desc[4];
      return set(req, desc, sizeof desc);
    }
    case PTRACE_ARCH_PRCTL: {
      // addr and data swapped from arch_prctl(2): data is the code, addr the value or pointer.
      if (data == ARCH_GET_FS || data == ARCH_GET_GS) {
        unsigned long base = 0;
        if (host_.ptrace_call(PTRACE_ARCH_PRCTL, target, &base, reinterpret_cast<void*>(data)) <
            0) {
          return -errno;
        }
        return mem->write(RemotePtr<void>(addr), &base, sizeof base) ? 0 : -EFAULT;
      }
      return host_.ptrace_call(PTRACE_ARCH_PRCTL, target, raw_addr, reinterpret_cast<void*>(data)) <
                     0
                 ? -errno
                 : 0;
    }
    case PTRACE_GET_SYSCALL_INFO: {
      ptrace_syscall_info info{};
      const long n = host_.ptrace_call(PTRACE_GET_SYSCALL_INFO, target,
                                       reinterpret_cast<void*>(sizeof info), &info);
      if (n < 0) return -errno;
      const std::size_t copy = std::min<std::uint64_t>(addr, static_cast<std::uint64_t>(n));
      return out(&info, copy) ? n : -EFAULT;
    }
    case PTRACE_GETREGSET:
    case PTRACE_SETREGSET: {
      iovec remote;
      if (!in(&remote, sizeof remote)) return -EFAULT;
      std::vector<std::byte> buf(std::min(remote.iov_len, kMaxRegset));
      iovec local{buf.data(), buf.size()};
      const RemotePtr<void> base(reinterpret_cast<std::uintptr_t>(remote.iov_base));
      if (req == PTRACE_SETREGSET && !mem->read(base, buf.data(), buf.size())) return -EFAULT;
      if (host_.ptrace_call(static_cast<int>(req), target, raw_addr, &local) < 0) return -errno;
      if (req == PTRACE_SETREGSET) return 0;
      remote.iov_len = local.iov_len;
      if (!mem->write(base, buf.data(), local.iov_len)) return -EFAULT;
      return out(&remote, sizeof remote) ? 0 : -EFAULT;
    }
    default:  // PTRACE_SYSEMU*, SINGLEBLOCK, PEEKSIGINFO, the seccomp requests...
      return -EIO;
  }
}

long GuestPtrace::restart_tracee(pid_t target, int request, long sig) {
  if (sig < 0 || sig > _NSIG) return -EIO;
  Tracee& t = tracees_[target];
  t.mode = request;
  t.state = Tracee::State::running;
  t.pending = false;
  t.synthetic_sigstop = false;
  host_.restart(target, static_cast<int>(sig));
  return 0;
}

// The tracer is gone: the tracee goes on untraced (by the guest), without the signal of the
// signal-delivery stop it was held in (as natively: a stopped tracee whose tracer exits does
// not stop again); killed if its tracer asked PTRACE_O_EXITKILL.
void GuestPtrace::release(pid_t target, Tracee& t) {
  const bool held = t.state == Tracee::State::held;
  const bool exited = t.state == Tracee::State::exited;
  const bool group_stop = t.group_stop;
  const long options = t.options;
  const pid_t tgid = t.tgid;
  tracees_.erase(target);
  if (exited) return;
  if (options & PTRACE_O_EXITKILL) syscall(SYS_tgkill, tgid, target, SIGKILL);
  if (held) let_go(target, group_stop, 0);
}

// A tracee no guest traces any more goes on from its stop; in a group stop, it stays stopped
// (PTRACE_LISTEN: SIGCONT wakes it), as the kernel leaves a detached stopped process.
void GuestPtrace::let_go(pid_t target, bool group_stop, int sig) {
  if (group_stop && host_.ptrace_call(PTRACE_LISTEN, target, nullptr, nullptr) == 0) return;
  host_.restart(target, sig);
}

// The stop (or end) of tracee `tid` waits for its tracer: SIGCHLD to the tracer, as from the
// kernel, and its waits woken.
void GuestPtrace::queue(Tracee& t, int code) {
  t.group_stop = false;
  t.state = Tracee::State::held;
  t.pending = true;
  t.code = code;
  t.seq = ++seq_;
  wake(t.tracer);
}

void GuestPtrace::wake(pid_t tracer) {
  if (host_.tgid_of(tracer) != tracer) return;  // gone (its pid may be another's now)
  kill(tracer, SIGCHLD);
  std::vector<pid_t> waiting;
  for (const auto& [waiter, w] : waits_) {
    if (w.tgid == tracer) waiting.push_back(waiter);
  }
  for (const pid_t waiter : waiting) {
    Wait& w = waits_[waiter];
    if (!w.held) {
      // In the kernel: its -ERESTARTSYS (on_wait_exit) takes the stop.
      host_.ptrace_call(PTRACE_INTERRUPT, waiter, nullptr, nullptr);
      continue;
    }
    const pid_t pid = take(w, waiter);
    if (pid == 0) continue;
    if (Registers* regs = registers(waiter)) regs->set_result(pid < 0 || !w.waitid ? pid : 0);
    waits_.erase(waiter);
    host_.restart(waiter, 0);
  }
}

bool GuestPtrace::matches(const Wait& w, pid_t tid, const Tracee& t) const {
  if (t.tracer != w.tgid || t.state == Tracee::State::unborn) return false;
  // A thread is a "clone" child: seen with __WALL or __WCLONE only.
  const bool clone = tid != t.tgid;
  if (!(w.options & __WALL) && clone != ((w.options & __WCLONE) != 0)) return false;
  if (w.waitid && t.state == Tracee::State::exited && !(w.options & WEXITED)) return false;
  if (!w.waitid) {
    if (w.id > 0) return tid == w.id;
    if (w.id == -1) return true;
    return group_of(tid) == (w.id == 0 ? group_of(w.tgid) : -w.id);
  }
  switch (w.idtype) {
    case P_ALL:
      return true;
    case P_PID:
      return tid == w.id;
    case P_PGID:
      return group_of(tid) == (w.id == 0 ? group_of(w.tgid) : w.id);
    default:  // P_PIDFD: left to the kernel
      return false;
  }
}

bool GuestPtrace::any_match(const Wait& w) const {
  for (const auto& [tid, t] : tracees_) {
    if (matches(w, tid, t)) return true;
  }
  return false;
}

pid_t GuestPtrace::take(const Wait& w, pid_t waiter) {
  pid_t found = 0;
  std::uint64_t oldest = UINT64_MAX;
  for (const auto& [tid, t] : tracees_) {
    if (t.pending && t.seq < oldest && matches(w, tid, t)) {
      found = tid;
      oldest = t.seq;
    }
  }
  if (found == 0) return 0;
  Tracee& t = tracees_[found];
  const bool written = write_out(waiter, w, found, t);
  if (!(w.waitid && (w.options & WNOWAIT))) {
    t.pending = false;
    if (t.state == Tracee::State::exited) tracees_.erase(found);
  }
  return written ? found : -EFAULT;
}

bool GuestPtrace::write_out(pid_t waiter, const Wait& w, pid_t tid, const Tracee& t) {
  RemoteMemory* mem = host_.memory(waiter);
  if (!mem) return false;
  const bool exited = t.state == Tracee::State::exited;
  if (w.rusage != 0) {
    const rusage none{};  // a stopped tracee's usage is not the tracer's to collect
    if (!mem->write(RemotePtr<void>(w.rusage), &none, sizeof none)) return false;
  }
  if (w.out == 0) return true;
  if (!w.waitid) {
    const int status = exited ? t.code : t.code << 8 | 0x7f;
    return static_cast<bool>(mem->write(RemotePtr<void>(w.out), &status, sizeof status));
  }
  siginfo_t info{};
  info.si_signo = SIGCHLD;
  info.si_pid = tid;
  info.si_uid = static_cast<uid_t>(proc_status_number(tid, "Uid:"));
  if (!exited) {
    info.si_code = CLD_TRAPPED;
    info.si_status = t.code;
  } else if (WIFEXITED(t.code)) {
    info.si_code = CLD_EXITED;
    info.si_status = WEXITSTATUS(t.code);
  } else {
    info.si_code = WCOREDUMP(t.code) ? CLD_DUMPED : CLD_KILLED;
    info.si_status = WTERMSIG(t.code);
  }
  return static_cast<bool>(mem->write(RemotePtr<void>(w.out), &info, sizeof info));
}

GuestPtrace::Wait GuestPtrace::parse_wait(pid_t tgid, long nr, const std::uint64_t args[6]) const {
  constexpr int kCommon = WNOHANG | __WNOTHREAD | __WCLONE | __WALL;
  Wait w{};
  if (nr == SYS_wait4) {
    w = Wait{.tgid = tgid,
             .waitid = false,
             .id = static_cast<pid_t>(args[0]),
             .idtype = 0,
             .options = static_cast<int>(args[2]),
             .out = args[1],
             .rusage = args[3]};
    if (w.options & ~(kCommon | WUNTRACED | WCONTINUED)) w.tgid = 0;  // EINVAL: the kernel's
  } else {
    w = Wait{.tgid = tgid,
             .waitid = true,
             .id = static_cast<pid_t>(args[1]),
             .idtype = static_cast<int>(args[0]),
             .options = static_cast<int>(args[3]),
             .out = args[2],
             .rusage = args[4]};
    if ((w.options & ~(kCommon | WNOWAIT | WEXITED | WSTOPPED | WCONTINUED)) ||
        !(w.options & (WEXITED | WSTOPPED | WCONTINUED))) {
      w.tgid = 0;
    }
  }
  return w;
}

// The tracer may be waiting in the kernel already, for its children, since before it had a
// tracee: its waits end (-ERESTARTSYS: a PTRACE_INTERRUPT delivers no signal, so they restart)
// and enter again, seen by on_entry() this time.
void GuestPtrace::interrupt_waits(pid_t tracer) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/task", tracer);
  DIR* dir = opendir(path);
  if (!dir) return;
  while (const dirent* e = readdir(dir)) {
    const auto tid = static_cast<pid_t>(std::atoi(e->d_name));
    if (tid <= 0) continue;
    std::snprintf(path, sizeof path, "/proc/%d/task/%d/syscall", tracer, tid);
    const int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    char text[32] = {};
    const ssize_t n = read(fd, text, sizeof text - 1);
    close(fd);
    const long nr = n > 0 ? std::atol(text) : -1;
    if (nr == SYS_wait4 || nr == SYS_waitid) {
      host_.ptrace_call(PTRACE_INTERRUPT, tid, nullptr, nullptr);
    }
  }
  closedir(dir);
}

Registers* GuestPtrace::registers(pid_t tid) {
  RemoteMemory* mem = host_.memory(tid);
  if (!mem) return nullptr;
  auto regs = mem->registers();
  return regs ? *regs : nullptr;
}

// At the first stop of a process or thread not traced by a guest: whether it may be the child
// of a guest tracee whose tracer follows forks or clones (its parent's event decides).
bool GuestPtrace::may_be_born(pid_t tid) const {
  const pid_t tgid = host_.tgid_of(tid);
  const bool thread = tgid != tid;
  const long parent = thread ? tgid : proc_status_number(tid, "PPid:");
  const long follows =
      thread ? PTRACE_O_TRACECLONE : PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE;
  for (const auto& [other, t] : tracees_) {
    if (t.tgid == parent && t.tracer != 0 && (t.options & follows)) return true;
  }
  return false;
}

}  // namespace ptvm
