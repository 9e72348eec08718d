// The x86-64 system call table: one row per call, in number order. Facts (names, argument counts,
// classes) follow strace's tables (src/linux/x86_64/syscallent.h, generic/syscallent-common.h);
// the argument kinds say how `ptvm trace` decodes each argument and what other modules may rely
// on (ArgKind::path is what the redirect module rewrites). Calls without a specific decoder get
// generic kinds (sint, hex, ptr...) so that every argument still prints.
#include "core/syscall_table.h"

#include <sys/syscall.h>

#include "core/syscall_numbers.h"

namespace ptvm {

namespace {

// strace's class shorthands (sysent_shorthand_defs.h), to keep the rows short.
constexpr std::uint32_t D = kClassDesc, F = kClassFile, I = kClassIpc, N = kClassNetwork,
                        P = kClassProcess, S = kClassSignal, M = kClassMemory, ST = kClassStat,
                        LST = kClassLstat, FST = kClassFstat, STA = kClassStatLike,
                        SF = kClassStatfs, FSF = kClassFstatfs, SFA = kClassStatfsLike,
                        PU = kClassPure, C = kClassCreds, CL = kClassClock;

struct Row {
  long nr;
  const char* name;
  std::uint32_t classes;
  ArgKind args[6];  // the call's arguments, in order; the rest stays `none`
  ArgKind result = ArgKind::sdec;
};

using enum ArgKind;

constexpr Row kRows[] = {
    {SYS_read, "read", D, {fd, buf_out, count}},
    {SYS_write, "write", D, {fd, buf_in, count}},
    {SYS_open, "open", D | F, {path, open_flags, mode}, fd_result},
    {SYS_close, "close", D, {fd}},
    {SYS_stat, "stat", F | ST | STA, {path, stat_out}},
    {SYS_fstat, "fstat", D | FST | STA, {fd, stat_out}},
    {SYS_lstat, "lstat", F | LST | STA, {path, stat_out}},
    {SYS_poll, "poll", D, {pollfds, uint, sint}},
    {SYS_lseek, "lseek", D, {fd, sdec, whence}},
    {SYS_mmap, "mmap", D | M, {ptr, count, prot, mmap_flags, fd, hex}, hex},
    {SYS_mprotect, "mprotect", M, {ptr, count, prot}},
    {SYS_munmap, "munmap", M, {ptr, count}},
    {SYS_brk, "brk", M, {ptr}, hex},
    {SYS_rt_sigaction, "rt_sigaction", S, {signal, sigaction_in, sigaction_out, count}},
    {SYS_rt_sigprocmask, "rt_sigprocmask", S, {sigprocmask_how, sigset_in, sigset_out, count}},
    {SYS_rt_sigreturn, "rt_sigreturn", S, {}},
    {SYS_ioctl, "ioctl", D, {fd, ioctl_cmd, ioctl_arg}},
    {SYS_pread64, "pread64", D, {fd, buf_out, count, sdec}},
    {SYS_pwrite64, "pwrite64", D, {fd, buf_in, count, sdec}},
    {SYS_readv, "readv", D, {fd, iov_out, count}},
    {SYS_writev, "writev", D, {fd, iov_in, count}},
    {SYS_access, "access", F, {path, access_mode}},
    {SYS_pipe, "pipe", D, {pipefd_out}},
    {SYS_select, "select", D, {sint, ptr, ptr, ptr, ptr}},
    {SYS_sched_yield, "sched_yield", 0, {}},
    {SYS_mremap, "mremap", M, {ptr, count, count, mremap_flags, ptr}, hex},
    {SYS_msync, "msync", M, {ptr, count, msync_flags}},
    {SYS_mincore, "mincore", M, {ptr, count, ptr}},
    {SYS_madvise, "madvise", M, {ptr, count, madvise_advice}},
    {SYS_shmget, "shmget", I, {hex, count, hex}},
    {SYS_shmat, "shmat", I | M, {sint, ptr, hex}, hex},
    {SYS_shmctl, "shmctl", I, {sint, sint, ptr}},
    {SYS_dup, "dup", D, {fd}, fd_result},
    {SYS_dup2, "dup2", D, {fd, fd}, fd_result},
    {SYS_pause, "pause", S, {}},
    {SYS_nanosleep, "nanosleep", 0, {timespec_in, timespec_out}},
    {SYS_getitimer, "getitimer", 0, {itimer_which, itimerval_out}},
    {SYS_alarm, "alarm", 0, {uint}},
    {SYS_setitimer, "setitimer", 0, {itimer_which, itimerval_in, itimerval_out}},
    {SYS_getpid, "getpid", PU, {}, pid_result},
    {SYS_sendfile, "sendfile", D | N, {fd, fd, ptr, count}},
    {SYS_socket, "socket", N, {socket_family, socket_type, socket_protocol}, fd_result},
    {SYS_connect, "connect", N, {fd, sockaddr_in, uint}},
    {SYS_accept, "accept", N, {fd, sockaddr_out, socklen_ptr}, fd_result},
    {SYS_sendto, "sendto", N, {fd, buf_in, count, msg_flags, sockaddr_in, uint}},
    {SYS_recvfrom, "recvfrom", N, {fd, buf_out, count, msg_flags, sockaddr_out, socklen_ptr}},
    {SYS_sendmsg, "sendmsg", N, {fd, ptr, msg_flags}},
    {SYS_recvmsg, "recvmsg", N, {fd, ptr, msg_flags}},
    {SYS_shutdown, "shutdown", N, {fd, shutdown_how}},
    {SYS_bind, "bind", N, {fd, sockaddr_in, uint}},
    {SYS_listen, "listen", N, {fd, sint}},
    {SYS_getsockname, "getsockname", N, {fd, sockaddr_out, socklen_ptr}},
    {SYS_getpeername, "getpeername", N, {fd, sockaddr_out, socklen_ptr}},
    {SYS_socketpair, "socketpair", N, {socket_family, socket_type, socket_protocol, pipefd_out}},
    {SYS_setsockopt, "setsockopt", N, {fd, sockopt_level, sockopt_name, sockopt_val_in, uint}},
    {SYS_getsockopt,
     "getsockopt",
     N,
     {fd, sockopt_level, sockopt_name, sockopt_val_out, socklen_ptr}},
    {SYS_clone, "clone", P, {clone_flags, ptr, ptr, ptr, hex}, pid_result},
    {SYS_fork, "fork", P, {}, pid_result},
    {SYS_vfork, "vfork", P, {}, pid_result},
    {SYS_execve, "execve", F | P, {path, argv, envp}},
    {SYS_exit, "exit", P, {sint}},
    {SYS_wait4, "wait4", P, {sint, wstatus_out, wait_options, rusage_out}, pid_result},
    {SYS_kill, "kill", S | P, {sint, signal}},
    {SYS_uname, "uname", 0, {uname_out}},
    {SYS_semget, "semget", I, {hex, sint, hex}},
    {SYS_semop, "semop", I, {sint, ptr, count}},
    {SYS_semctl, "semctl", I, {sint, sint, sint, hex}},
    {SYS_shmdt, "shmdt", I | M, {ptr}},
    {SYS_msgget, "msgget", I, {hex, hex}},
    {SYS_msgsnd, "msgsnd", I, {sint, ptr, count, hex}},
    {SYS_msgrcv, "msgrcv", I, {sint, ptr, count, sdec, hex}},
    {SYS_msgctl, "msgctl", I, {sint, sint, ptr}},
    {SYS_fcntl, "fcntl", D, {fd, fcntl_cmd, fcntl_arg}},
    {SYS_flock, "flock", D, {fd, flock_op}},
    {SYS_fsync, "fsync", D, {fd}},
    {SYS_fdatasync, "fdatasync", D, {fd}},
    {SYS_truncate, "truncate", F, {path, sdec}},
    {SYS_ftruncate, "ftruncate", D, {fd, sdec}},
    {SYS_getdents, "getdents", D, {fd, dirents_out, count}},
    {SYS_getcwd, "getcwd", F, {path_out, count}},
    {SYS_chdir, "chdir", F, {path}},
    {SYS_fchdir, "fchdir", D, {fd}},
    {SYS_rename, "rename", F, {path, path}},
    {SYS_mkdir, "mkdir", F, {path, mode}},
    {SYS_rmdir, "rmdir", F, {path}},
    {SYS_creat, "creat", D | F, {path, mode}, fd_result},
    {SYS_link, "link", F, {path, path}},
    {SYS_unlink, "unlink", F, {path}},
    {SYS_symlink, "symlink", F, {path, path}},
    {SYS_readlink, "readlink", F, {path, buf_out, count}},
    {SYS_chmod, "chmod", F, {path, mode}},
    {SYS_fchmod, "fchmod", D, {fd, mode}},
    {SYS_chown, "chown", F, {path, id, id}},
    {SYS_fchown, "fchown", D, {fd, id, id}},
    {SYS_lchown, "lchown", F, {path, id, id}},
    {SYS_umask, "umask", 0, {mode}, mode},
    {SYS_gettimeofday, "gettimeofday", CL, {timeval_out, ptr}},
    {SYS_getrlimit, "getrlimit", 0, {rlimit_resource, rlimit_out}},
    {SYS_getrusage, "getrusage", 0, {rusage_who, rusage_out}},
    {SYS_sysinfo, "sysinfo", 0, {sysinfo_out}},
    {SYS_times, "times", 0, {ptr}, udec},
    {SYS_ptrace, "ptrace", 0, {sdec, sint, ptr, ptr}},
    {SYS_getuid, "getuid", C | PU, {}, udec},
    {SYS_syslog, "syslog", 0, {sint, ptr, sint}},
    {SYS_getgid, "getgid", C | PU, {}, udec},
    {SYS_setuid, "setuid", C, {id}},
    {SYS_setgid, "setgid", C, {id}},
    {SYS_geteuid, "geteuid", C | PU, {}, udec},
    {SYS_getegid, "getegid", C | PU, {}, udec},
    {SYS_setpgid, "setpgid", 0, {sint, sint}},
    {SYS_getppid, "getppid", PU, {}, pid_result},
    {SYS_getpgrp, "getpgrp", PU, {}, pid_result},
    {SYS_setsid, "setsid", 0, {}, pid_result},
    {SYS_setreuid, "setreuid", C, {id, id}},
    {SYS_setregid, "setregid", C, {id, id}},
    {SYS_getgroups, "getgroups", C, {sint, groups_out}},
    {SYS_setgroups, "setgroups", C, {count, groups_in}},
    {SYS_setresuid, "setresuid", C, {id, id, id}},
    {SYS_getresuid, "getresuid", C, {int_out, int_out, int_out}},
    {SYS_setresgid, "setresgid", C, {id, id, id}},
    {SYS_getresgid, "getresgid", C, {int_out, int_out, int_out}},
    {SYS_getpgid, "getpgid", 0, {sint}, pid_result},
    {SYS_setfsuid, "setfsuid", C, {id}},
    {SYS_setfsgid, "setfsgid", C, {id}},
    {SYS_getsid, "getsid", 0, {sint}, pid_result},
    {SYS_capget, "capget", C, {ptr, ptr}},
    {SYS_capset, "capset", C, {ptr, ptr}},
    {SYS_rt_sigpending, "rt_sigpending", S, {sigset_out, count}},
    {SYS_rt_sigtimedwait, "rt_sigtimedwait", S, {sigset_in, ptr, timespec_in, count}, signal},
    {SYS_rt_sigqueueinfo, "rt_sigqueueinfo", S | P, {sint, signal, siginfo_in}},
    {SYS_rt_sigsuspend, "rt_sigsuspend", S, {sigset_in, count}},
    {SYS_sigaltstack, "sigaltstack", S, {ptr, ptr}},
    {SYS_utime, "utime", F, {path, ptr}},
    {SYS_mknod, "mknod", F, {path, sym_mode, dev}},
    {SYS_uselib, "uselib", F, {path}},
    {SYS_personality, "personality", 0, {hex}, hex},
    {SYS_ustat, "ustat", SFA, {dev, ptr}},
    {SYS_statfs, "statfs", F | SF | SFA, {path, statfs_out}},
    {SYS_fstatfs, "fstatfs", D | FSF | SFA, {fd, statfs_out}},
    {SYS_sysfs, "sysfs", 0, {sint, hex, hex}},
    {SYS_getpriority, "getpriority", 0, {sint, sint}},
    {SYS_setpriority, "setpriority", 0, {sint, sint, sint}},
    {SYS_sched_setparam, "sched_setparam", 0, {sint, ptr}},
    {SYS_sched_getparam, "sched_getparam", 0, {sint, ptr}},
    {SYS_sched_setscheduler, "sched_setscheduler", 0, {sint, sint, ptr}},
    {SYS_sched_getscheduler, "sched_getscheduler", 0, {sint}},
    {SYS_sched_get_priority_max, "sched_get_priority_max", 0, {sint}},
    {SYS_sched_get_priority_min, "sched_get_priority_min", 0, {sint}},
    {SYS_sched_rr_get_interval, "sched_rr_get_interval", 0, {sint, timespec_out}},
    {SYS_mlock, "mlock", M, {ptr, count}},
    {SYS_munlock, "munlock", M, {ptr, count}},
    {SYS_mlockall, "mlockall", M, {hex}},
    {SYS_munlockall, "munlockall", M, {}},
    {SYS_vhangup, "vhangup", 0, {}},
    {SYS_modify_ldt, "modify_ldt", 0, {sint, ptr, count}},
    {SYS_pivot_root, "pivot_root", F, {path, path}},
    {SYS__sysctl, "_sysctl", 0, {ptr}},
    {SYS_prctl, "prctl", C, {prctl_option, prctl_arg, prctl_arg, prctl_arg, prctl_arg}},
    {SYS_arch_prctl, "arch_prctl", 0, {arch_prctl_code, arch_prctl_arg}},
    {SYS_adjtimex, "adjtimex", CL, {ptr}},
    {SYS_setrlimit, "setrlimit", 0, {rlimit_resource, rlimit_in}},
    {SYS_chroot, "chroot", F, {path}},
    {SYS_sync, "sync", 0, {}},
    {SYS_acct, "acct", F, {path}},
    {SYS_settimeofday, "settimeofday", CL, {ptr, ptr}},
    {SYS_mount, "mount", F, {str, path, str, hex, ptr}},
    {SYS_umount2, "umount2", F, {path, hex}},
    {SYS_swapon, "swapon", F, {path, hex}},
    {SYS_swapoff, "swapoff", F, {path}},
    {SYS_reboot, "reboot", 0, {hex, hex, hex, ptr}},
    {SYS_sethostname, "sethostname", 0, {buf_in, count}},
    {SYS_setdomainname, "setdomainname", 0, {buf_in, count}},
    {SYS_iopl, "iopl", 0, {sint}},
    {SYS_ioperm, "ioperm", 0, {hex, hex, sint}},
    {SYS_create_module, "create_module", 0, {str, count}},
    {SYS_init_module, "init_module", 0, {ptr, count, str}},
    {SYS_delete_module, "delete_module", 0, {str, hex}},
    {SYS_get_kernel_syms, "get_kernel_syms", 0, {ptr}},
    {SYS_query_module, "query_module", 0, {str, sint, ptr, count, ptr}},
    {SYS_quotactl, "quotactl", F, {hex, path, sint, ptr}},
    {SYS_nfsservctl, "nfsservctl", 0, {sint, ptr, ptr}},
    {SYS_getpmsg, "getpmsg", N, {hex, hex, hex, hex, hex}},
    {SYS_putpmsg, "putpmsg", N, {hex, hex, hex, hex, hex}},
    {SYS_afs_syscall, "afs_syscall", 0, {hex, hex, hex, hex, hex}},
    {SYS_tuxcall, "tuxcall", 0, {hex, hex, hex}},
    {SYS_security, "security", 0, {hex, hex, hex}},
    {SYS_gettid, "gettid", PU, {}, pid_result},
    {SYS_readahead, "readahead", D, {fd, sdec, count}},
    {SYS_setxattr, "setxattr", F, {path, str, ptr, count, hex}},
    {SYS_lsetxattr, "lsetxattr", F, {path, str, ptr, count, hex}},
    {SYS_fsetxattr, "fsetxattr", D, {fd, str, ptr, count, hex}},
    {SYS_getxattr, "getxattr", F, {path, str, ptr, count}},
    {SYS_lgetxattr, "lgetxattr", F, {path, str, ptr, count}},
    {SYS_fgetxattr, "fgetxattr", D, {fd, str, ptr, count}},
    {SYS_listxattr, "listxattr", F, {path, ptr, count}},
    {SYS_llistxattr, "llistxattr", F, {path, ptr, count}},
    {SYS_flistxattr, "flistxattr", D, {fd, ptr, count}},
    {SYS_removexattr, "removexattr", F, {path, str}},
    {SYS_lremovexattr, "lremovexattr", F, {path, str}},
    {SYS_fremovexattr, "fremovexattr", D, {fd, str}},
    {SYS_tkill, "tkill", S | P, {sint, signal}},
    {SYS_time, "time", CL, {ptr}},
    {SYS_futex, "futex", 0, {ptr, futex_op, futex_arg, futex_arg, futex_arg, futex_arg}},
    {SYS_sched_setaffinity, "sched_setaffinity", 0, {sint, count, ptr}},
    {SYS_sched_getaffinity, "sched_getaffinity", 0, {sint, count, ptr}},
    {SYS_set_thread_area, "set_thread_area", 0, {ptr}},
    {SYS_io_setup, "io_setup", M, {uint, ptr}},
    {SYS_io_destroy, "io_destroy", M, {hex}},
    {SYS_io_getevents, "io_getevents", 0, {hex, sdec, sdec, ptr, timespec_in}},
    {SYS_io_submit, "io_submit", 0, {hex, sdec, ptr}},
    {SYS_io_cancel, "io_cancel", 0, {hex, ptr, ptr}},
    {SYS_get_thread_area, "get_thread_area", 0, {ptr}},
    {SYS_lookup_dcookie, "lookup_dcookie", 0, {hex, ptr, count}},
    {SYS_epoll_create, "epoll_create", D, {sint}, fd_result},
    {SYS_epoll_ctl_old, "epoll_ctl_old", 0, {hex, hex, hex, hex}},
    {SYS_epoll_wait_old, "epoll_wait_old", 0, {hex, hex, hex, hex}},
    {SYS_remap_file_pages, "remap_file_pages", M, {ptr, count, hex, count, hex}},
    {SYS_getdents64, "getdents64", D, {fd, dirents_out, count}},
    {SYS_set_tid_address, "set_tid_address", 0, {ptr}, pid_result},
    {SYS_restart_syscall, "restart_syscall", 0, {}},
    {SYS_semtimedop, "semtimedop", I, {sint, ptr, count, timespec_in}},
    {SYS_fadvise64, "fadvise64", D, {fd, sdec, sdec, fadvise_advice}},
    {SYS_timer_create, "timer_create", 0, {clockid, ptr, ptr}},
    {SYS_timer_settime, "timer_settime", 0, {sint, hex, ptr, ptr}},
    {SYS_timer_gettime, "timer_gettime", 0, {sint, ptr}},
    {SYS_timer_getoverrun, "timer_getoverrun", 0, {sint}},
    {SYS_timer_delete, "timer_delete", 0, {sint}},
    {SYS_clock_settime, "clock_settime", CL, {clockid, timespec_in}},
    {SYS_clock_gettime, "clock_gettime", CL, {clockid, timespec_out}},
    {SYS_clock_getres, "clock_getres", CL, {clockid, timespec_out}},
    {SYS_clock_nanosleep, "clock_nanosleep", 0, {clockid, timer_flags, timespec_in, timespec_out}},
    {SYS_exit_group, "exit_group", P, {sint}},
    {SYS_epoll_wait, "epoll_wait", D, {fd, ptr, sint, sint}},
    {SYS_epoll_ctl, "epoll_ctl", D, {fd, sint, fd, ptr}},
    {SYS_tgkill, "tgkill", S | P, {sint, sint, signal}},
    {SYS_utimes, "utimes", F, {path, ptr}},
    {SYS_vserver, "vserver", 0, {hex, hex, hex, hex, hex}},
    {SYS_mbind, "mbind", M, {ptr, count, hex, ptr, count, hex}},
    {SYS_set_mempolicy, "set_mempolicy", M, {hex, ptr, count}},
    {SYS_get_mempolicy, "get_mempolicy", M, {ptr, ptr, count, ptr, hex}},
    {SYS_mq_open, "mq_open", D, {str, open_flags, mode, ptr}, fd_result},
    {SYS_mq_unlink, "mq_unlink", 0, {str}},
    {SYS_mq_timedsend, "mq_timedsend", D, {fd, buf_in, count, uint, timespec_in}},
    {SYS_mq_timedreceive, "mq_timedreceive", D, {fd, buf_out, count, ptr, timespec_in}},
    {SYS_mq_notify, "mq_notify", D, {fd, ptr}},
    {SYS_mq_getsetattr, "mq_getsetattr", D, {fd, ptr, ptr}},
    {SYS_kexec_load, "kexec_load", 0, {hex, count, ptr, hex}},
    {SYS_waitid, "waitid", P, {sint, sint, ptr, wait_options, rusage_out}},
    {SYS_add_key, "add_key", 0, {str, str, ptr, count, sint}},
    {SYS_request_key, "request_key", 0, {str, str, str, sint}},
    {SYS_keyctl, "keyctl", 0, {sint, hex, hex, hex, hex}},
    {SYS_ioprio_set, "ioprio_set", 0, {sint, sint, hex}},
    {SYS_ioprio_get, "ioprio_get", 0, {sint, sint}},
    {SYS_inotify_init, "inotify_init", D, {}, fd_result},
    {SYS_inotify_add_watch, "inotify_add_watch", D | F, {fd, path, hex}},
    {SYS_inotify_rm_watch, "inotify_rm_watch", D, {fd, sint}},
    {SYS_migrate_pages, "migrate_pages", M, {sint, count, ptr, ptr}},
    {SYS_openat, "openat", D | F, {dirfd, path, open_flags, mode}, fd_result},
    {SYS_mkdirat, "mkdirat", D | F, {dirfd, path, mode}},
    {SYS_mknodat, "mknodat", D | F, {dirfd, path, sym_mode, dev}},
    {SYS_fchownat, "fchownat", D | F, {dirfd, path, id, id, at_flags}},
    {SYS_futimesat, "futimesat", D | F, {dirfd, path, ptr}},
    {SYS_newfstatat, "newfstatat", D | F | FST | STA, {dirfd, path, stat_out, at_flags}},
    {SYS_unlinkat, "unlinkat", D | F, {dirfd, path, at_flags}},
    {SYS_renameat, "renameat", D | F, {dirfd, path, dirfd, path}},
    {SYS_linkat, "linkat", D | F, {dirfd, path, dirfd, path, at_flags}},
    {SYS_symlinkat, "symlinkat", D | F, {path, dirfd, path}},
    {SYS_readlinkat, "readlinkat", D | F, {dirfd, path, buf_out, count}},
    {SYS_fchmodat, "fchmodat", D | F, {dirfd, path, mode}},
    {SYS_faccessat, "faccessat", D | F, {dirfd, path, access_mode}},
    {SYS_pselect6, "pselect6", D, {sint, ptr, ptr, ptr, timespec_in, ptr}},
    {SYS_ppoll, "ppoll", D, {pollfds, uint, timespec_in, sigset_in, count}},
    {SYS_unshare, "unshare", 0, {clone_flags}},
    {SYS_set_robust_list, "set_robust_list", 0, {ptr, count}},
    {SYS_get_robust_list, "get_robust_list", 0, {sint, ptr, ptr}},
    {SYS_splice, "splice", D, {fd, ptr, fd, ptr, count, hex}},
    {SYS_tee, "tee", D, {fd, fd, count, hex}},
    {SYS_sync_file_range, "sync_file_range", D, {fd, sdec, sdec, hex}},
    {SYS_vmsplice, "vmsplice", D, {fd, ptr, count, hex}},
    {SYS_move_pages, "move_pages", M, {sint, count, ptr, ptr, ptr, hex}},
    {SYS_utimensat, "utimensat", D | F, {dirfd, path, utimes_in, at_flags}},
    {SYS_epoll_pwait, "epoll_pwait", D, {fd, ptr, sint, sint, sigset_in, count}},
    {SYS_signalfd, "signalfd", D | S, {fd, sigset_in, count}, fd_result},
    {SYS_timerfd_create, "timerfd_create", D, {clockid, hex}, fd_result},
    {SYS_eventfd, "eventfd", D, {uint}, fd_result},
    {SYS_fallocate, "fallocate", D, {fd, sint, sdec, sdec}},
    {SYS_timerfd_settime, "timerfd_settime", D, {fd, hex, ptr, ptr}},
    {SYS_timerfd_gettime, "timerfd_gettime", D, {fd, ptr}},
    {SYS_accept4, "accept4", N, {fd, sockaddr_out, socklen_ptr, sock_flags}, fd_result},
    {SYS_signalfd4, "signalfd4", D | S, {fd, sigset_in, count, o_flags}, fd_result},
    {SYS_eventfd2, "eventfd2", D, {uint, o_flags}, fd_result},
    {SYS_epoll_create1, "epoll_create1", D, {o_flags}, fd_result},
    {SYS_dup3, "dup3", D, {fd, fd, o_flags}, fd_result},
    {SYS_pipe2, "pipe2", D, {pipefd_out, o_flags}},
    {SYS_inotify_init1, "inotify_init1", D, {o_flags}, fd_result},
    {SYS_preadv, "preadv", D, {fd, iov_out, count, sdec}},
    {SYS_pwritev, "pwritev", D, {fd, iov_in, count, sdec}},
    {SYS_rt_tgsigqueueinfo, "rt_tgsigqueueinfo", P | S, {sint, sint, signal, siginfo_in}},
    {SYS_perf_event_open, "perf_event_open", D, {ptr, sint, sint, fd, hex}, fd_result},
    {SYS_recvmmsg, "recvmmsg", N, {fd, ptr, uint, msg_flags, timespec_in}},
    {SYS_fanotify_init, "fanotify_init", D, {hex, hex}, fd_result},
    {SYS_fanotify_mark, "fanotify_mark", D | F, {fd, hex, hex, dirfd, path}},
    {SYS_prlimit64, "prlimit64", 0, {sint, rlimit_resource, rlimit_in, rlimit_out}},
    {SYS_name_to_handle_at, "name_to_handle_at", D | F, {dirfd, path, ptr, ptr, at_flags}},
    {SYS_open_by_handle_at, "open_by_handle_at", D, {fd, ptr, open_flags}, fd_result},
    {SYS_clock_adjtime, "clock_adjtime", CL, {clockid, ptr}},
    {SYS_syncfs, "syncfs", D, {fd}},
    {SYS_sendmmsg, "sendmmsg", N, {fd, ptr, uint, msg_flags}},
    {SYS_setns, "setns", D, {fd, clone_flags}},
    {SYS_getcpu, "getcpu", 0, {ptr, ptr, ptr}},
    {SYS_process_vm_readv, "process_vm_readv", 0, {sint, ptr, count, ptr, count, hex}},
    {SYS_process_vm_writev, "process_vm_writev", 0, {sint, ptr, count, ptr, count, hex}},
    {SYS_kcmp, "kcmp", 0, {sint, sint, sint, hex, hex}},
    {SYS_finit_module, "finit_module", D, {fd, str, hex}},
    {SYS_sched_setattr, "sched_setattr", 0, {sint, ptr, hex}},
    {SYS_sched_getattr, "sched_getattr", 0, {sint, ptr, uint, hex}},
    {SYS_renameat2, "renameat2", D | F, {dirfd, path, dirfd, path, rename_flags}},
    {SYS_seccomp, "seccomp", 0, {uint, hex, ptr}},
    {SYS_getrandom, "getrandom", 0, {random_out, count, random_flags}},
    {SYS_memfd_create, "memfd_create", D, {str, memfd_flags}, fd_result},
    {SYS_kexec_file_load, "kexec_file_load", D, {fd, fd, count, str, hex}},
    {SYS_bpf, "bpf", D, {sint, ptr, uint}},
    {SYS_execveat, "execveat", D | F | P, {dirfd, path, argv, envp, at_flags}},
    {SYS_userfaultfd, "userfaultfd", D, {o_flags}, fd_result},
    {SYS_membarrier, "membarrier", 0, {sint, hex, sint}},
    {SYS_mlock2, "mlock2", M, {ptr, count, hex}},
    {SYS_copy_file_range, "copy_file_range", D, {fd, ptr, fd, ptr, count, hex}},
    {SYS_preadv2, "preadv2", D, {fd, iov_out, count, sdec, hex}},
    {SYS_pwritev2, "pwritev2", D, {fd, iov_in, count, sdec, hex}},
    {SYS_pkey_mprotect, "pkey_mprotect", M, {ptr, count, prot, sint}},
    {SYS_pkey_alloc, "pkey_alloc", 0, {hex, hex}},
    {SYS_pkey_free, "pkey_free", 0, {sint}},
    {SYS_statx, "statx", D | F | FST | STA, {dirfd, path, statx_flags, statx_mask, statx_out}},
    {SYS_io_pgetevents, "io_pgetevents", 0, {hex, sdec, sdec, ptr, timespec_in, ptr}},
    {SYS_rseq, "rseq", 0, {ptr, hex, hex, hex}},
    {SYS_uretprobe, "uretprobe", 0, {}},
    {SYS_pidfd_send_signal, "pidfd_send_signal", D | S | P, {fd, signal, siginfo_in, hex}},
    {SYS_io_uring_setup, "io_uring_setup", D, {uint, ptr}, fd_result},
    {SYS_io_uring_enter, "io_uring_enter", D | S, {fd, uint, uint, hex, ptr, count}},
    {SYS_io_uring_register, "io_uring_register", D | M, {fd, uint, ptr, uint}},
    {SYS_open_tree, "open_tree", D | F, {dirfd, path, hex}, fd_result},
    {SYS_move_mount, "move_mount", D | F, {dirfd, path, dirfd, path, hex}},
    {SYS_fsopen, "fsopen", D, {str, hex}, fd_result},
    {SYS_fsconfig, "fsconfig", D | F, {fd, uint, str, ptr, sint}},
    {SYS_fsmount, "fsmount", D, {fd, hex, hex}, fd_result},
    {SYS_fspick, "fspick", D | F, {dirfd, path, hex}, fd_result},
    {SYS_pidfd_open, "pidfd_open", D, {sint, hex}, fd_result},
    {SYS_clone3, "clone3", P, {clone3_args, count}, pid_result},
    {SYS_close_range, "close_range", 0, {fd, uint, hex}},
    {SYS_openat2, "openat2", D | F, {dirfd, path, open_how, count}, fd_result},
    {SYS_pidfd_getfd, "pidfd_getfd", D, {fd, fd, hex}, fd_result},
    {SYS_faccessat2, "faccessat2", D | F, {dirfd, path, access_mode, at_flags}},
    {SYS_process_madvise, "process_madvise", D, {fd, ptr, count, madvise_advice, hex}},
    {SYS_epoll_pwait2, "epoll_pwait2", D, {fd, ptr, sint, timespec_in, sigset_in, count}},
    {SYS_mount_setattr, "mount_setattr", D | F, {dirfd, path, at_flags, ptr, count}},
    {SYS_quotactl_fd, "quotactl_fd", D, {fd, hex, sint, ptr}},
    {SYS_landlock_create_ruleset, "landlock_create_ruleset", D, {ptr, count, hex}, fd_result},
    {SYS_landlock_add_rule, "landlock_add_rule", D, {fd, sint, ptr, hex}},
    {SYS_landlock_restrict_self, "landlock_restrict_self", D, {fd, hex}},
    {SYS_memfd_secret, "memfd_secret", D, {hex}, fd_result},
    {SYS_process_mrelease, "process_mrelease", D, {fd, hex}},
    {SYS_futex_waitv, "futex_waitv", 0, {ptr, uint, hex, timespec_in, clockid}},
    {SYS_set_mempolicy_home_node, "set_mempolicy_home_node", M, {ptr, count, count, hex}},
    {SYS_cachestat, "cachestat", D, {fd, ptr, ptr, hex}},
    {SYS_fchmodat2, "fchmodat2", D | F, {dirfd, path, mode, at_flags}},
    {SYS_map_shadow_stack, "map_shadow_stack", M, {ptr, count, hex}, hex},
    {SYS_futex_wake, "futex_wake", 0, {ptr, hex, sint, hex}},
    {SYS_futex_wait, "futex_wait", 0, {ptr, hex, hex, hex, timespec_in, clockid}},
    {SYS_futex_requeue, "futex_requeue", 0, {ptr, hex, sint, sint}},
    {SYS_statmount, "statmount", 0, {ptr, ptr, count, hex}},
    {SYS_listmount, "listmount", 0, {ptr, ptr, count, hex}},
    {SYS_lsm_get_self_attr, "lsm_get_self_attr", 0, {uint, ptr, ptr, hex}},
    {SYS_lsm_set_self_attr, "lsm_set_self_attr", 0, {uint, ptr, count, hex}},
    {SYS_lsm_list_modules, "lsm_list_modules", 0, {ptr, ptr, hex}},
    {SYS_mseal, "mseal", M, {ptr, count, hex}},
    {SYS_setxattrat, "setxattrat", D | F, {dirfd, path, at_flags, str, ptr, count}},
    {SYS_getxattrat, "getxattrat", D | F, {dirfd, path, at_flags, str, ptr, count}},
    {SYS_listxattrat, "listxattrat", D | F, {dirfd, path, at_flags, ptr, count}},
    {SYS_removexattrat, "removexattrat", D | F, {dirfd, path, at_flags, str}},
    {SYS_open_tree_attr, "open_tree_attr", D | F, {dirfd, path, hex, ptr, count}, fd_result},
    {SYS_file_getattr, "file_getattr", D | F, {dirfd, path, ptr, count, at_flags}},
    {SYS_file_setattr, "file_setattr", D | F, {dirfd, path, ptr, count, at_flags}},
    {SYS_listns, "listns", 0, {ptr, ptr, count, hex}},
};

struct Table {
  SyscallInfo by_nr[kMaxSyscall];
};

constexpr Table build_table() {
  Table t{};
  for (const Row& row : kRows) {
    SyscallInfo& info = t.by_nr[row.nr];
    info.name = row.name;
    info.classes = row.classes;
    info.nargs = 0;
    for (int i = 0; i < 6; ++i) {
      info.args[i] = row.args[i];
      if (row.args[i] != none) info.nargs = static_cast<std::uint8_t>(i + 1);
    }
    info.result = row.result;
  }
  return t;
}

// Built at compile time: the lookup is an index, and the table lives in read-only data.
constexpr Table kTable = build_table();

constexpr bool rows_are_sane() {
  for (std::size_t i = 0; i < sizeof(kRows) / sizeof(kRows[0]); ++i) {
    if (kRows[i].nr < 0 || kRows[i].nr >= kMaxSyscall) return false;
    if (i > 0 && kRows[i].nr <= kRows[i - 1].nr) return false;  // in order, no duplicates
    bool ended = false;                                         // no gap in the argument list
    for (ArgKind k : kRows[i].args) {
      if (k == none)
        ended = true;
      else if (ended)
        return false;
    }
  }
  return true;
}
static_assert(rows_are_sane(), "rows out of range, out of order, duplicated or with a gap");

}  // namespace

const SyscallInfo* syscall_info(long nr) {
  if (nr < 0 || nr >= kMaxSyscall) return nullptr;
  const SyscallInfo& info = kTable.by_nr[nr];
  return info.name ? &info : nullptr;
}

namespace {
// By hand, not `name == n`: that builds a string_view with strlen(), a libc call.
bool same_name(std::string_view name, const char* n) {
  std::size_t i = 0;
  for (; i < name.size(); ++i) {
    if (n[i] != name[i] || n[i] == '\0') return false;
  }
  return n[i] == '\0';
}
}  // namespace

long syscall_number(std::string_view name) {
  for (long nr = 0; nr < kMaxSyscall; ++nr) {
    const char* n = kTable.by_nr[nr].name;
    if (n && same_name(name, n)) return nr;
  }
  return -1;
}

}  // namespace ptvm
