// Small helpers for /proc, for VMs that look at a process from outside (ptvm, with the ptrace
// backend) or from inside (the in-process runtime): raw system calls, no allocation.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>

namespace ptvm {

// `v` in decimal into `out` (NUL-terminated; returns its length);
// "/proc/PID" + `tail` (+ `number` in decimal when not negative) into `out` (64 bytes);
// the file /proc/PID/`file` into `text` (NUL-terminated; its length, or -errno); the numbers
// after "KEY" on its line of a status file (at most `max`; how many); a process's parent (0 if
// gone), its start time (with its pid, the process's identity: pids are reused) and the thread
// group (process) of a thread id (itself if unknown).
std::size_t put_decimal(char* out, long v);
void proc_path(char* out, long pid, const char* tail, long number = -1);
long read_proc(long pid, const char* file, char* text, std::size_t capacity);
int status_numbers(const char* text, const char* key, long* out, int max);
pid_t parent_of(pid_t pid);
std::uint64_t start_time_of(pid_t pid);  // in clock ticks after boot; 0 if gone
// The address of argc on a process's stack as its last execve left it (/proc/PID/stat's
// startstack: 0 if gone, or for a reader that may not trace it).
std::uint64_t start_stack_of(pid_t pid);
pid_t thread_group_of(pid_t tid);
// Calls `each` for every child of the calling process's main thread (the orphans it reaps as a
// subreaper too: they are the main thread's; /proc/self/task/PID/children, Linux 3.5); how many
// times it returned true. signal_children() sends `sig` to each; how many got it.
int for_each_child(bool (*each)(pid_t child, void* context), void* context);
int signal_children(int sig);
// The state letter of /proc/PID/stat, or with `tid` of /proc/PID/task/TID/stat (R, S, Z, X...;
// '\0' if gone); whether process `pid` has ended and waits to be reaped (state Z).
char state_of(pid_t pid, pid_t tid = 0);
bool is_zombie(pid_t pid);
// Whether a /proc link's text (`n` bytes) names a removed file or directory: "... (deleted)".
bool deleted(const char* text, long n);

}  // namespace ptvm
