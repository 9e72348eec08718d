#!/usr/bin/env bash
# proot_compat.sh PTVM BACKEND: what `ptvm proot` does as PRoot does it, beyond paths.
#   - The exit status is the last process's to end (PRoot's rule), not the program's; with
#     --kill-on-exit, the program's; `ptvm run` keeps the program's.
#   - -q QEMU: a program of another machine, or a file that is neither an ELF nor a script, is
#     run by QEMU (here QEMU_STANDIN, proot_qemu.c) as `QEMU ARGS [-U LD_LIBRARY_PATH | -E
#     LD_x=v...] -0 ARGV0 /guest/program ARGS`; the loader's variables leave QEMU's environment,
#     which has the host's libraries through /host-rootfs; /proc/self/exe is the program's;
#     x86-64 programs of the guest run natively; QEMU's status is the program's.
#   - -k (--kernel-release): uname's release, or every field in PRoot's long form; the last -k
#     wins; host and domain names of the run's own (shared by its processes, the host's
#     untouched; EPERM for a fake user); no AT_SYSINFO_EHDR, AT_HWCAP from the long form,
#     AT_RANDOM last with PROOT_FORCE_KOMPAT; stacked under `ptvm run` and `ptvm trace`.
#   - PROOT_TMP_DIR: where the glue directory goes; one ptvm cannot write to is an error (as a
#     user other than root: root writes anywhere).
set -u
ptvm=$1 backend=$2 qemu=$3
. "$(dirname "$0")/lib.sh"
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
proot=("$ptvm" proot "--backend=$backend")

# The exit status.
expect status_of_last_process 3 "^$" -- "${proot[@]}" sh -c '(sleep 1; exit 3) & exit 1'
expect status_of_program_when_last 5 "^$" -- "${proot[@]}" sh -c '(exit 3) & wait; exit 5'
expect status_of_program_with_kill_on_exit 1 "^$" -- \
  "${proot[@]}" --kill-on-exit sh -c '(sleep 5; exit 3) & exit 1'
# As PRoot's: a process killed by a signal does not count (here the last to exit is the
# subshell, orphaned by its killed parent); neither do the program's children it kills itself
# before it exits.
expect status_of_last_killed 3 "^$" -- "${proot[@]}" sh -c \
  'sh -c "(sleep 1; exit 3) & sleep 0.5; kill -9 \$\$" & exit 1'
expect status_of_killed_children 4 "^$" -- "${proot[@]}" sh -c \
  'for i in 1 2 3 4 5 6 7 8; do sleep 5 & kill -9 $!; done; exit 4'
expect run_keeps_program_status 1 "^$" -- \
  "$ptvm" run "--backend=$backend" sh -c '(sleep 1; exit 3) & exit 1'

# -q: a rootfs with a static busybox, an "aarch64" program (an ELF whose machine is not
# x86-64) and a file with no format at all.
r=$w/rootfs
mkdir -p "$r/bin" "$r/tmp"
cp /bin/busybox "$r/bin/"
cp /bin/busybox "$r/bin/arm"
printf '\xb7\x00' | dd of="$r/bin/arm" bs=1 seek=18 conv=notrunc status=none  # EM_AARCH64
printf 'NO FORMAT\n' >"$r/bin/blob"
chmod +x "$r/bin/arm" "$r/bin/blob"
printf '#!/bin/arm -x\n' >"$r/bin/script"
chmod +x "$r/bin/script"
q=("${proot[@]}" -r "$r" -b /proc -q "$qemu --cpu max")
expect qemu_foreign_elf 0 "^args: --cpu max -U LD_LIBRARY_PATH -0 /bin/arm /bin/arm one two
env: LD_LIBRARY_PATH=/host-rootfs/:/host-rootfs/lib/x86_64-linux-gnu:.*
exe: /bin/arm$" -- env -u LD_LIBRARY_PATH "${q[@]}" /bin/arm one two
expect qemu_argv0_as_given 0 "^args: --cpu max -U LD_LIBRARY_PATH -0 arm /bin/arm
" -- env -u LD_LIBRARY_PATH PATH=/bin "${q[@]}" arm
expect qemu_no_format 0 "^args: --cpu max -U LD_LIBRARY_PATH -0 /bin/blob /bin/blob
" -- env -u LD_LIBRARY_PATH "${q[@]}" /bin/blob
expect qemu_script_interpreter 0 "^args: --cpu max -U LD_LIBRARY_PATH -0 /bin/arm /bin/arm -x /bin/script
" -- env -u LD_LIBRARY_PATH "${q[@]}" /bin/script
expect qemu_loader_variables_passed 0 "^args: --cpu max -E LD_PRELOAD=p -E LD_LIBRARY_PATH=l -0 /bin/arm /bin/arm
env: LD_LIBRARY_PATH=/host-rootfs/" -- \
  env -u LD_LIBRARY_PATH "${q[@]}" /bin/busybox env LD_LIBRARY_PATH=l LD_PRELOAD=p /bin/arm
expect qemu_guest_library_path_restored 0 "^args: --cpu max -E LD_LIBRARY_PATH=mine -0 /bin/arm" -- \
  env LD_LIBRARY_PATH=mine "${q[@]}" /bin/busybox sh -c /bin/arm
expect qemu_status 7 "^args:" -- env PTVM_TEST_STATUS=7 "${q[@]}" /bin/arm
expect qemu_native_runs_natively 0 "^native$" -- "${q[@]}" /bin/busybox echo native
expect qemu_host_rootfs 0 "^NO FORMAT$" -- "${q[@]}" /bin/busybox cat "/host-rootfs$r/bin/blob"
expect qemu_forced_foreign 0 "^args: --cpu max -U LD_LIBRARY_PATH -0 /bin/busybox /bin/busybox true" -- \
  env -u LD_LIBRARY_PATH PROOT_FORCE_FOREIGN_BINARY=1 "${q[@]}" /bin/busybox true
expect qemu_missing 2 "cannot find the emulator 'no-such-qemu'" -- \
  "${proot[@]}" -r "$r" -q no-such-qemu /bin/arm

# -k.
kr=$(uname -r)
uts="\\sysname\\nodename\\$kr\\version\\machine\\domainname\\0\\"
expect kernel_release 0 "^3.4242XX$" -- "${proot[@]}" -k 3.4242XX uname -r
expect kernel_release_long_cut 0 "^$(printf '%064d' 0)$" -- "${proot[@]}" -k "$(printf '%070d' 0)" uname -r
expect kernel_release_last_wins 0 "^5.0$" -- "${proot[@]}" -k "$kr" -k 5.0 uname -r
expect kernel_release_every_process 0 "^(5.0
){7}5.0$" -- "${proot[@]}" -k 5.0 sh -c 'for i in 1 2 3 4 5 6 7 8; do uname -r & done; wait'
expect kernel_long_form 0 "^sysname nodename $kr version machine$" -- \
  "${proot[@]}" -k "$uts" uname -s -n -r -v -m
expect kernel_long_form_domain 0 "^domainname$" -- "${proot[@]}" -k "$uts" domainname
expect kernel_long_form_bad 2 "invalid kernel release" -- "${proot[@]}" -k '\a\b' true
expect kernel_names_of_the_run 0 "^h2
h2
d2$" -- "${proot[@]}" -0 -k "$uts" sh -c 'hostname h2; sh -c hostname; uname -n; domainname d2; domainname'
expect kernel_names_host_untouched 0 "^$(hostname)$" -- sh -c \
  "'$ptvm' proot --backend=$backend -k 5.0 hostname elsewhere; hostname"
expect kernel_names_fake_user 1 "" -- "${proot[@]}" -i 1000:1000 -k 5.0 hostname h3
expect kernel_auxv_no_vdso 1 "^$" -- sh -c \
  "'$ptvm' proot --backend=$backend -k $kr env LD_SHOW_AUXV=1 true | grep AT_SYSINFO"
expect kernel_auxv_hwcap 0 "^AT_HWCAP: +0$" -- sh -c \
  "'$ptvm' proot --backend=$backend -k '$uts' env LD_SHOW_AUXV=1 true | grep '^AT_HWCAP:'"
expect kernel_auxv_forced_random_last 0 "^AT_RANDOM:" -- sh -c \
  "PROOT_FORCE_KOMPAT=1 '$ptvm' proot --backend=$backend -k $kr env LD_SHOW_AUXV=1 true | tail -1"
expect kernel_release_run 0 "^5.0$" -- "$ptvm" run "--backend=$backend" --kernel-release 5.0 uname -r
expect kernel_release_trace 0 "uname\\(\\{sysname=\"Linux\", nodename=\"[^\"]*\", \\.\\.\\.\\}\\) = 0" -- \
  "$ptvm" trace "--backend=$backend" --kernel-release 5.0 -e trace=uname uname -r
expect kernel_release_not_inprocess 2 "runs on the ptrace backend" -- \
  "$ptvm" run --backend=inprocess --kernel-release 5.0 uname -r

# PROOT_TMP_DIR.
mkdir -p "$w/tmpdir" "$w/in"
expect tmp_dir_holds_glue 0 "^ptvm-glue-" -- env PROOT_TMP_DIR="$w/tmpdir" \
  "${proot[@]}" -b "$w/in:/a/b/c" sh -c "ls '$w/tmpdir'"
expect tmp_dir_missing 2 "PROOT_TMP_DIR $w/nothere: No such file" -- \
  env PROOT_TMP_DIR="$w/nothere" "${proot[@]}" true
as_nobody=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
chmod 755 "$w"
if [ "$(id -u)" = 0 ] && "${as_nobody[@]}" test -x "$ptvm" 2>/dev/null; then
  chmod 555 "$w/tmpdir"
  expect tmp_dir_unwritable 2 "PROOT_TMP_DIR $w/tmpdir: Permission denied" -- \
    "${as_nobody[@]}" env PROOT_TMP_DIR="$w/tmpdir" \
    "${proot[@]}" true
  chmod 755 "$w/tmpdir"
fi

exit $failed
