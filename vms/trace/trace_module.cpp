#include "vms/trace/trace_module.h"

#include <sys/syscall.h>

#include "vms/trace/replay_memory.h"

namespace ptvm {

namespace {

// Per-thread: what the entry left for the exit.
struct CallState {
  std::uint64_t entry_wall_ns;
  std::uint64_t entry_mono_ns;
  // When the text decoded at the entry, `name(args`, is the line's beginning: never, always
  // (execve; calls whose exit adds only the result), or if the call fails.
  enum : std::uint8_t { kNever, kAlways, kOnError } entry_text_use;
  bool count_outcome;  // a call that writes memory on success: count its failures
  bool copy;           // see_exit_copy(): entry_reads are this call's
  LineBuffer entry_text;
  MemoryRecord entry_reads;  // see_exit_copy(): what the entry read, for the exit's text
};

bool never_returns(long nr) {
  return nr == SYS_exit || nr == SYS_exit_group;
}

bool is_error(long result) {
  return result < 0 && result >= -4095;
}

}  // namespace

TraceModule::TraceModule(Host& host, const TraceOptions& options)
    : host_(host), options_(options) {}

void TraceModule::count(long nr, long result, std::uint64_t ns) {
  if (nr < 0 || nr >= kMaxSyscall) return;
  counts_[nr].calls.fetch_add(1, std::memory_order_relaxed);
  if (is_error(result)) counts_[nr].errors.fetch_add(1, std::memory_order_relaxed);
  counts_[nr].ns.fetch_add(ns, std::memory_order_relaxed);
}

void TraceModule::share_counts(void* table) {
  counts_ = static_cast<Count*>(table);
}

std::size_t TraceModule::thread_storage_size() const {
  return sizeof(CallState);
}

void TraceModule::begin_line(LineBuffer& line, pid_t tid, std::uint64_t wall_ns) {
  if (options_.json) {
    line.append("{\"pid\":");
    line.append_dec(static_cast<long>(tid));
    if (options_.timestamps) {
      line.append(",\"time\":");
      line.append_dec(static_cast<long>(wall_ns / 1'000'000'000));
      line.append(".");
      line.append_dec_padded(static_cast<long>(wall_ns % 1'000'000'000 / 1000), 6);
    }
    return;
  }
  line.append_dec(static_cast<long>(tid));
  line.append("  ");
  if (options_.timestamps == 3) {
    line.append_dec(static_cast<long>(wall_ns / 1'000'000'000));
    line.append(".");
    line.append_dec_padded(static_cast<long>(wall_ns % 1'000'000'000 / 1000), 6);
    line.append(" ");
  } else if (options_.timestamps) {
    const long local = static_cast<long>(wall_ns / 1'000'000'000) + options_.utc_offset_s;
    const long day_s = ((local % 86400) + 86400) % 86400;
    line.append_dec_padded(day_s / 3600, 2);
    line.append(":");
    line.append_dec_padded(day_s / 60 % 60, 2);
    line.append(":");
    line.append_dec_padded(day_s % 60, 2);
    if (options_.timestamps == 2) {
      line.append(".");
      line.append_dec_padded(static_cast<long>(wall_ns % 1'000'000'000 / 1000), 6);
    }
    line.append(" ");
  }
}

void TraceModule::end_line(LineBuffer& line) {
  line.append(options_.json ? "}\n" : "\n");
  host_.emit(line.data(), line.size());
}

void TraceModule::on_entry(SyscallCall& call) {
  auto* st = reinterpret_cast<CallState*>(call.storage());
  st->entry_wall_ns = options_.timestamps ? host_.realtime_ns() : 0;
  st->entry_mono_ns = (options_.syscall_times || options_.summary) ? host_.monotonic_ns() : 0;
  st->entry_text_use = CallState::kNever;
  st->count_outcome = false;
  st->copy = false;
  const CallView view{
      call.nr(),
      {call.arg(0), call.arg(1), call.arg(2), call.arg(3), call.arg(4), call.arg(5)},
      false,
      0};
  const DecodeOptions dopt{options_.string_limit};
  if (never_returns(call.nr())) {
    if (options_.summary) {
      counts_[call.nr()].calls.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    LineBuffer line;
    begin_line(line, call.tid(), st->entry_wall_ns);
    if (options_.json) {
      line.append(",\"call\":\"");
      LineBuffer text;
      format_call(text, view, call.memory(), dopt);
      line.append_json_escaped(text.data(), text.size());
      line.append("\"");
    } else {
      format_call(line, view, call.memory(), dopt);  // `exit_group(0) = ?`
    }
    end_line(line);
    return;
  }
  if (options_.summary || options_.syscall_times) return call.see_exit();  // timed at the exit
  if (needs_entry_decoding(call.nr())) {
    // The address space is replaced by the time execve returns: decode its arguments now.
    st->entry_text.clear();
    format_entry(st->entry_text, view, call.memory(), dopt);
    st->entry_text_use = CallState::kAlways;
    return call.see_exit();
  }
  // A call whose line the entry can write but for the result needs no exit stop (ptrace
  // backend); nor one that prints what it wrote on success, when that is one buffer that the
  // backend can copy out as the call returns (read's data, stat's struct): the exit decodes
  // again from that copy and from what the entry read.
  OutBuffer out;
  if (call.exit_copy_possible() && out_buffer(view, dopt, &out)) {
    st->entry_text.clear();
    st->entry_reads.clear();
    RecordingMemory recording(call.memory(), st->entry_reads);
    format_entry(st->entry_text, view, recording, dopt);
    if (!st->entry_reads.overflow) {
      st->entry_text_use = CallState::kOnError;
      st->copy = true;
      return call.see_exit_copy(RemotePtr<void>(view.args[out.arg]), out.bytes,
                                out.up_to_result);
    }
  }
  // Otherwise such a call needs an exit stop only on success, which pays when it mostly fails
  // (stat of missing files, readlink of non-links...): decoded twice when it succeeds.
  const ExitUse use = exit_use(view);
  st->count_outcome = use == ExitUse::memory_on_success;
  const bool mostly_fails =
      st->count_outcome && mostly_fails_[call.nr()].load(std::memory_order_relaxed);
  if (use == ExitUse::result || mostly_fails) {
    st->entry_text.clear();
    format_entry(st->entry_text, view, call.memory(), dopt);
    st->entry_text_use = use == ExitUse::result ? CallState::kAlways : CallState::kOnError;
    return use == ExitUse::result ? call.see_result() : call.see_exit_on_success();
  }
  call.see_exit();
}

// Whether calls of `nr` mostly fail, over the last 16 (a decision per 16 calls, from counts
// that the threads of a process may bump at once: approximate is fine).
void TraceModule::note_outcome(long nr, bool failed) {
  if (nr < 0 || nr >= kMaxSyscall) return;
  Outcomes& o = outcomes_[nr];
  const std::uint32_t seen = o.seen.fetch_add(1, std::memory_order_relaxed) + 1;
  if (failed) o.failed.fetch_add(1, std::memory_order_relaxed);
  if (seen % 16 == 0) {
    const std::uint32_t f = o.failed.exchange(0, std::memory_order_relaxed);
    mostly_fails_[nr].store(f > 8, std::memory_order_relaxed);
  }
}

void TraceModule::on_exit(SyscallCall& call) {
  auto* st = reinterpret_cast<CallState*>(call.storage());
  const long nr = call.nr();
  const long result = call.result();
  const bool finished = !call.unfinished();
  if (finished && st->count_outcome) note_outcome(nr, is_error(result));
  const std::uint64_t spent =
      (options_.syscall_times || options_.summary) ? host_.monotonic_ns() - st->entry_mono_ns : 0;
  if (options_.summary) {
    if (finished) count(nr, result, spent);
    return;
  }
  const CallView view{
      nr,
      {call.arg(0), call.arg(1), call.arg(2), call.arg(3), call.arg(4), call.arg(5)},
      finished,
      result};
  const DecodeOptions dopt{options_.string_limit};
  LineBuffer text;
  if (st->entry_text_use == CallState::kAlways ||
      (st->entry_text_use == CallState::kOnError && (!finished || is_error(result)))) {
    text.append(st->entry_text.data(), st->entry_text.size());
    format_result(text, view);
  } else if (const SyscallCall::Copied* copied = st->copy ? call.copied() : nullptr) {
    ReplayMemory memory(st->entry_reads, copied->at, copied->data, copied->bytes, call.memory());
    format_call(text, view, memory, dopt);
  } else {
    format_call(text, view, call.memory(), dopt);
  }
  if (call.injected()) text.append(" (INJECTED)");
  LineBuffer line;
  begin_line(line, call.tid(), st->entry_wall_ns);
  if (options_.json) {
    line.append(",\"call\":\"");
    line.append_json_escaped(text.data(), text.size());
    line.append("\",\"syscall\":\"");
    const SyscallInfo* info = syscall_info(nr);
    line.append(info && info->name ? info->name : "?");
    line.append("\",\"result\":");
    if (finished) {
      line.append_dec(result);
    } else {
      line.append("null");
    }
    if (finished && is_error(result)) {
      const char* name = errno_name(static_cast<int>(-result));
      line.append(",\"errno\":\"");
      line.append(name ? name : "?");
      line.append("\"");
    }
    if (call.injected()) line.append(",\"injected\":true");
    if (options_.syscall_times && finished) {
      line.append(",\"duration_us\":");
      line.append_dec(static_cast<long>(spent / 1000));
    }
  } else {
    line.append(text.data(), text.size());
    if (options_.syscall_times && finished) {
      line.append(" <");
      line.append_dec(static_cast<long>(spent / 1'000'000'000));
      line.append(".");
      line.append_dec_padded(static_cast<long>(spent % 1'000'000'000 / 1000), 6);
      line.append(">");
    }
  }
  end_line(line);
}

void TraceModule::emit_event(pid_t tid, const char* json_key, const LineBuffer& text) {
  LineBuffer line;
  begin_line(line, tid, options_.timestamps ? host_.realtime_ns() : 0);
  if (options_.json) {
    line.append(",\"");
    line.append(json_key);
    line.append("\":\"");
    line.append_json_escaped(text.data(), text.size());
    line.append("\"");
  } else {
    line.append(text.data(), text.size());
  }
  end_line(line);
}

void TraceModule::on_signal(pid_t tid, const siginfo_t& info) {
  if (options_.summary) return;
  LineBuffer text;
  format_signal(text, info);
  emit_event(tid, "signal", text);
}

void TraceModule::on_process_exit(pid_t tid, int wait_status) {
  if (options_.summary) return;
  LineBuffer text;
  format_exit(text, wait_status);
  emit_event(tid, "exit", text);
}

void TraceModule::on_finish() {
  if (options_.summary) print_summary();
}

void TraceModule::print_summary() {
  // strace -c: most time first; the same columns.
  long order[kMaxSyscall];
  int n = 0;
  std::uint64_t total_ns = 0, total_calls = 0, total_errors = 0;
  for (long nr = 0; nr < kMaxSyscall; ++nr) {
    const std::uint64_t calls = counts_[nr].calls.load(std::memory_order_relaxed);
    if (calls == 0) continue;
    order[n++] = nr;
    total_ns += counts_[nr].ns.load(std::memory_order_relaxed);
    total_calls += calls;
    total_errors += counts_[nr].errors.load(std::memory_order_relaxed);
  }
  for (int i = 1; i < n; ++i) {  // insertion sort: at most a few hundred rows, once
    const long v = order[i];
    int j = i;
    while (j > 0 && counts_[order[j - 1]].ns.load() < counts_[v].ns.load()) {
      order[j] = order[j - 1];
      --j;
    }
    order[j] = v;
  }
  auto row = [&](LineBuffer& line, std::uint64_t ns, std::uint64_t calls, std::uint64_t errors,
                 const char* name, bool per_call) {
    const std::uint64_t pct100 = total_ns ? ns * 10000 / total_ns : 0;
    line.append_dec_width(static_cast<long>(pct100 / 100), 3);
    line.append(".");
    line.append_dec_padded(static_cast<long>(pct100 % 100), 2);
    line.append(" ");
    line.append_dec_width(static_cast<long>(ns / 1'000'000'000), 4);
    line.append(".");
    line.append_dec_padded(static_cast<long>(ns % 1'000'000'000 / 1000), 6);
    line.append(" ");
    if (per_call) {
      line.append_dec_width(static_cast<long>(calls ? ns / 1000 / calls : 0), 11);
    } else {
      line.append("           ");
    }
    line.append(" ");
    line.append_dec_width(static_cast<long>(calls), 9);
    line.append(" ");
    if (errors) {
      line.append_dec_width(static_cast<long>(errors), 9);
    } else {
      line.append("         ");
    }
    line.append(" ");
    line.append(name);
    line.append("\n");
  };
  LineBuffer head;
  head.append("% time     seconds  usecs/call     calls    errors syscall\n");
  head.append("------ ----------- ----------- --------- --------- ----------------\n");
  host_.emit(head.data(), head.size());
  for (int i = 0; i < n; ++i) {
    const Count& c = counts_[order[i]];
    const SyscallInfo* info = syscall_info(order[i]);
    LineBuffer line;
    row(line, c.ns.load(), c.calls.load(), c.errors.load(), info && info->name ? info->name : "?",
        true);
    host_.emit(line.data(), line.size());
  }
  LineBuffer tail;
  tail.append("------ ----------- ----------- --------- --------- ----------------\n");
  row(tail, total_ns, total_calls, total_errors, "total", false);
  host_.emit(tail.data(), tail.size());
}

}  // namespace ptvm
