#!/usr/bin/env bash
# check_module.sh PTVM CHECK_RUNTIME PTVM_RT FREESTANDING TLS UNDEFINED CRASH RELR PLAIN
#   WRONG_LAYOUT NO_LAYOUT: `ptvm check-module` says whether a module obeys the in-process runtime's rules
# (0), only loads into ptvm (1: usable with --backend=ptrace), or is no module ptvm can use (2,
# a clear message, never a crash); and the build's own check of ptvm-rt is the same check.
set -u
ptvm=$1 check_runtime=$2 runtime=$3 free=$4 tls=$5 undefined=$6 crash=$7 relr=$8 plain=$9
wrong_layout=${10} no_layout=${11}
. "$(dirname "$0")/../vm/lib.sh"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

expect "a freestanding module: usable in-process" 0 \
  "^$free: a ptvm module \(ABI [0-9]+\) that obeys the in-process runtime's rules" -- \
  "$ptvm" check-module "$free"
expect "... and it runs under ptvm (getppid reports 4242)" 0 "^4242$" -- \
  "$ptvm" run --module="$free" -- python3 -c 'import os; print(os.getppid())'
expect "a TLS segment: named, still usable with ptrace" 1 \
  "has a TLS segment.*imports 1 symbol that nothing resolves in the runtime .*: __tls_get_addr.*usable with --backend=ptrace" -- \
  "$ptvm" check-module "$tls"
expect "packed relative relocations (DT_RELR): named" 1 \
  "^$relr: .*:
  - has packed relative relocations \(DT_RELR, -z pack-relative-relocs\).*
It loads into ptvm: usable with --backend=ptrace" -- "$ptvm" check-module "$relr"
# Libraries (DT_NEEDED) and DT_INIT are no problem for a module (the runtime loads no library
# and runs DT_INIT): what it imports from them is.
expect "a C++ module with exceptions, RTTI and libc: its imports named" 1 \
  "^$plain: a ptvm module \(ABI [0-9]+\), not for the in-process runtime; it:
  - imports [0-9]+ symbols that nothing resolves in the runtime \(it provides ptvm's API and no library\): _Unwind_Resume, .*
It loads into ptvm: usable with --backend=ptrace" -- \
  "$ptvm" check-module "$plain"
# The verdict is the runtime's: what check-module passes runs in-process, what it refuses
# --backend=inprocess refuses with the same sentence.
expect "... and it runs in-process" 0 "backend inprocess.*
4242$" -- "$ptvm" -v run --backend=inprocess --module="$free" -- python3 -c 'import os; print(os.getppid())'
for refused in "$tls:has a TLS segment" "$relr:has packed relative relocations" \
               "$plain:imports [0-9]+ symbols that nothing resolves in the runtime"; do
  expect "refused by check-module, refused in-process: ${refused#*:}" 2 \
    "^ptvm: --backend=inprocess: the module ${refused%%:*} does not obey the in-process runtime's rules.*${refused#*:}" -- \
    "$ptvm" run --backend=inprocess --module="${refused%%:*}" -- true
done
expect "an import nothing defines: ptvm cannot load it" 2 \
  "cannot load: .*undefined symbol: ptvm_test_defined_nowhere" -- "$ptvm" check-module "$undefined"
expect "a constructor that crashes: said, no crash of the check" 2 \
  "cannot load: loading it killed the process \(Segmentation fault\)" -- \
  "$ptvm" check-module "$crash"
expect "another layout of ptvm's types" 2 "another layout of ptvm's types" -- \
  "$ptvm" check-module "$wrong_layout"
expect "no layout" 2 "has no ptvm_module_layout" -- "$ptvm" check-module "$no_layout"

# Files that are no module.
expect "a missing file" 2 "^ptvm check-module: cannot open $dir/none\.so: No such file or directory$" -- \
  "$ptvm" check-module "$dir/none.so"
expect "a directory" 2 "^ptvm check-module: $dir is not a regular file$" -- "$ptvm" check-module "$dir"
echo 'not ELF' > "$dir/text.so"
expect "not ELF" 2 "^ptvm check-module: $dir/text\.so is not an ELF file$" -- \
  "$ptvm" check-module "$dir/text.so"
: > "$dir/empty.so"
expect "an empty file" 2 "is not an ELF file$" -- "$ptvm" check-module "$dir/empty.so"
cp "$free" "$dir/aarch64.so"
printf '\xb7\x00' | dd of="$dir/aarch64.so" bs=1 seek=18 conv=notrunc status=none  # e_machine
expect "another machine" 2 "aarch64\.so is an ELF file for AArch64, not x86-64$" -- \
  "$ptvm" check-module "$dir/aarch64.so"
cp "$free" "$dir/elf32.so"
printf '\x01' | dd of="$dir/elf32.so" bs=1 seek=4 conv=notrunc status=none  # EI_CLASS
expect "a 32-bit ELF file" 2 "elf32\.so is a 32-bit ELF file" -- "$ptvm" check-module "$dir/elf32.so"
head -c 200 "$free" > "$dir/truncated.so"
expect "a truncated module" 2 "truncated\.so is truncated or malformed" -- \
  "$ptvm" check-module "$dir/truncated.so"
# Bytes of the headers and tables changed at random (seeded): a verdict or an error, never a
# crash of the check (exit 0, 1 or 2); a module it passes runs in-process or is refused with a
# message (exit 0, 2 or the runtime's 126), or crashes as ptvm's dlopen of it does.
crashes=$(python3 - "$free" "$ptvm" "$dir/fuzz.so" <<'PY'
import random, subprocess, sys
module, ptvm, out = sys.argv[1:]
data = open(module, "rb").read()
random.seed(16)
for i in range(60):
    b = bytearray(data)
    for _ in range(random.randint(1, 20)):
        at = random.choice([random.randrange(64), random.randrange(4096),
                            random.randrange(len(b) - 3000, len(b))])
        b[at] = random.randrange(256)
    open(out, "wb").write(b)
    status = subprocess.run([ptvm, "check-module", out], capture_output=True).returncode
    if status not in (0, 1, 2):
        print(f"case {i}: status {status}")
    if status == 0:  # passed: the runtime's linker gets it
        def run(backend):
            return subprocess.run([ptvm, "run", f"--backend={backend}", f"--module={out}", "--",
                                   "true"], capture_output=True, timeout=20).returncode
        inprocess = run("inprocess")
        # A relocation changed to point elsewhere in the module is a broken module that ld.so
        # runs as well (ptvm crashes under ptrace): only a crash ptvm's own dlopen does not
        # share is the runtime's.
        if inprocess not in (0, 2, 126) and run("ptrace") >= 0:
            print(f"case {i}: in-process status {inprocess}")
PY
)
check "corrupted modules: no crash${crashes:+ ($crashes)}" [ -z "$crashes" ]
expect "a program, not a shared object" 2 "is not a ptvm module" -- "$ptvm" check-module "$ptvm"
expect "no argument: a usage error" 2 "module is required" -- "$ptvm" check-module

# The build's check of the runtime is this check: ptvm-rt passes, a module with libc does not.
check "ptvm-rt obeys the rules (the build's check)" "$check_runtime" "$runtime"
expect "the build's check refuses what check-module refuses" 1 "needs the library libc\.so\.6" -- \
  "$check_runtime" "$plain"
exit $failed
