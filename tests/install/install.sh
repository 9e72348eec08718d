#!/usr/bin/env bash
# install.sh SOURCE_DIR BUILD_DIR: what a user of the installed package gets. Installs the build
# into a temporary prefix, then: the installed ptvm finds its runtime there (an in-process run
# with the build tree out of reach), prints its version, shows its manual pages (also installed,
# with the bash completion); the examples build out of the tree against the prefix with CMake's
# find_package(ptvm) and with pkg-config, and run (the C API's example, a VM module loaded
# with --module, a supervisor program of the user's own that calls ptvm::run).
set -u
source "$(dirname "$0")/lib.sh"
check "cmake --install into a fresh prefix" test -x "$prefix/bin/ptvm"
# The installed ptvm, copied away from the build tree: its runtime must come from the prefix.
expect "ptvm --version" 0 "^ptvm [0-9]+\.[0-9]+\.[0-9]+$" -- "$prefix/bin/ptvm" --version
expect "the runtime found in the prefix (in-process fakeroot)" 0 "backend inprocess.*
0$" -- "$prefix/bin/ptvm" -v fakeroot --backend=inprocess id -u
check "ptvm-rt installed beside, not in the build tree" test -x "$prefix/lib/ptvm/ptvm-rt"
# The manual pages and the bash completion; the installed ptvm's `help` shows its page from there.
for scd in "$src"/man/*.scd; do
  page=$(basename "$scd" .scd)
  check "manual page $page installed" test -s "$prefix/share/man/man${page##*.}/$page"
done
check "bash completion installed" test -s "$prefix/share/bash-completion/completions/ptvm"
expect "the installed ptvm help fakeroot: the page in the prefix" 0 "^PTVM-FAKEROOT\(1\)" -- \
  env MANPAGER=cat "$prefix/bin/ptvm" help fakeroot
check "... the very page installed" eval '[ "$(MANPAGER=cat "$prefix/bin/ptvm" help fakeroot)" = \
  "$(man -l -P cat "$prefix/share/man/man1/ptvm-fakeroot.1")" ]'

# The example against the installed package, both ways a user would build it.
ex=$src/examples/ptrace_multi
if cmake -S "$ex" -B "$work/ex-cmake" -DCMAKE_PREFIX_PATH="$prefix" > "$work/cmake.log" 2>&1 &&
   cmake --build "$work/ex-cmake" > "$work/build.log" 2>&1; then
  expect "example built with find_package(ptvm) runs" 0 'string="hello from the tracee"' -- \
    "$work/ex-cmake/ptrace_multi_example"
else
  echo "FAIL example built with find_package(ptvm):"; cat "$work/cmake.log" "$work/build.log"
  failed=1
fi
export PKG_CONFIG_PATH=$(dirname "$(find "$prefix" -name ptvm.pc)")
if cc -o "$work/ex-pc" "$ex/ptrace_multi_example.c" $(pkg-config --cflags --libs ptvm) \
     -Wl,-rpath,"$(pkg-config --variable=libdir ptvm)" 2> "$work/cc.log"; then
  expect "example built with pkg-config runs" 0 'string="hello from the tracee"' -- "$work/ex-pc"
else
  echo "FAIL example built with pkg-config:"; cat "$work/cc.log"
  failed=1
fi
# A user's VM module (examples/nodename) against the installed module API, both ways, run by the
# installed ptvm under both backends (it obeys the in-process runtime's rules) and auto.
nn=$src/examples/nodename
if cmake -S "$nn" -B "$work/nn-cmake" -DCMAKE_PREFIX_PATH="$prefix" > "$work/nn-cmake.log" 2>&1 &&
   cmake --build "$work/nn-cmake" >> "$work/nn-cmake.log" 2>&1; then
  expect "module built with find_package(ptvm): check-module says in-process" 0 \
    "obeys the in-process runtime's rules" -- "$prefix/bin/ptvm" check-module "$work/nn-cmake/libnodename.so"
  for backend in ptrace inprocess auto; do
    runs=${backend/auto/inprocess}
    expect "module built with find_package(ptvm), --backend=$backend, in a fork and an exec" 0 \
      "backend $runs.*
from-cmake
from-cmake$" -- "$prefix/bin/ptvm" -v run --backend=$backend \
      --module="$work/nn-cmake/libnodename.so:from-cmake" sh -c 'uname -n; sh -c "uname -n"'
  done
else
  echo "FAIL module built with find_package(ptvm):"; cat "$work/nn-cmake.log"
  failed=1
fi
if c++ -shared -fPIC -fno-exceptions -fno-rtti -o "$work/nn-pc.so" $(pkg-config --cflags ptvm-module) \
     "$nn/nodename_module.cpp" 2> "$work/nn-cc.log"; then
  for backend in ptrace inprocess; do
    expect "module built with pkg-config, traced, --backend=$backend" 0 \
      'uname\(\{sysname="Linux", nodename="from-pc"' -- "$prefix/bin/ptvm" trace --backend=$backend \
      -e trace=uname --module="$work/nn-pc.so:from-pc" uname -n
  done
else
  echo "FAIL module built with pkg-config:"; cat "$work/nn-cc.log"
  failed=1
fi
# A supervisor program of the user's own (examples/nonet: its module in it, ptvm::run from the
# installed libptvm), both ways; tests/api/nonet.sh checks what it does.
no=$src/examples/nonet
if cmake -S "$no" -B "$work/no-cmake" -DCMAKE_PREFIX_PATH="$prefix" > "$work/no-cmake.log" 2>&1 &&
   cmake --build "$work/no-cmake" >> "$work/no-cmake.log" 2>&1; then
  check "ptvm::run, built with find_package(ptvm)" "$src/tests/api/nonet.sh" "$work/no-cmake/nonet"
else
  echo "FAIL ptvm::run built with find_package(ptvm):"; cat "$work/no-cmake.log"
  failed=1
fi
if c++ -std=c++23 -o "$work/nonet-pc" "$no/nonet.cpp" $(pkg-config --cflags --libs ptvm) \
     -Wl,-rpath,"$(pkg-config --variable=libdir ptvm)" 2> "$work/no-cc.log"; then
  check "ptvm::run, built with pkg-config" "$src/tests/api/nonet.sh" "$work/nonet-pc"
else
  echo "FAIL ptvm::run built with pkg-config:"; cat "$work/no-cc.log"
  failed=1
fi
check "... linked with the installed libptvm, not the build tree's" eval \
  'ldd "$work/nonet-pc" | grep -q "libptvm.so.0 => $prefix/"'
expect "a module that is not one" 2 "not a ptvm module" -- \
  "$prefix/bin/ptvm" run --module="$(find "$prefix" -name 'libptvm.so.*.*')" true
expect "a module's arguments refused" 2 "refused its arguments" -- \
  "$prefix/bin/ptvm" run --module="$work/nn-pc.so" true
exit $failed
