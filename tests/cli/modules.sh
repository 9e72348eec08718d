#!/usr/bin/env bash
# modules.sh PTVM MODULE WRONG_LAYOUT NO_LAYOUT: users' VM modules (--module) that ptvm must
# refuse or survive with a clear message: more than the stack holds, exceptions from
# ptvm_module_create and from hooks, a layout of ptvm's types other than ptvm's, paths with ':'.
# The modules are tests/cli/test_module.cpp, built three ways.
set -u
ptvm=$1 module=$2 wrong_layout=$3 no_layout=$4
. "$(dirname "$0")/../vm/lib.sh"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

# At most 8 modules in one stack (SyscallCall::kMaxModules): the 9th is refused, not dropped.
eight=() nine=()
for i in 1 2 3 4 5 6 7 8; do eight+=("--module=$module:pass"); done
nine=("${eight[@]}" "--module=$module:pass")
expect "8 modules run" 0 "$(uname -n)" -- "$ptvm" run "${eight[@]}" uname -n
expect "a 9th module: a usage error" 2 "too many VM modules: at most 8 in one run, and 'test_module' is one more" -- \
  "$ptvm" run "${nine[@]}" uname -n
expect "8 modules and the tracer: a usage error" 2 "too many VM modules" -- \
  "$ptvm" trace -o /dev/null "${eight[@]}" uname -n
expect "7 modules, inject, null: a usage error" 2 "too many VM modules.*'null' is one more" -- \
  "$ptvm" run "${eight[@]:1}" -e inject=uname:error=EIO --intercept=uname uname -n

# Exceptions: from ptvm_module_create, a refusal (2) naming the module; from a hook, the module
# named, the program killed (no process of it left), 1.
expect "create throws: refused, named" 2 "$module: ptvm_module_create\('throw-create'\) threw: no such thing" -- \
  "$ptvm" run --module="$module:throw-create" true
# (The regexes end with the message: nothing of the program's after it.)
expect "on_entry throws: named, the program killed" 1 "^started
ptvm: module 'test_module' \($module\) threw from on_entry: boom; a hook must not throw \(<ptvm/module.h>\): the program is killed$" -- \
  "$ptvm" run --module="$module:throw-entry" -- sh -c "echo started; uname; echo survived"
expect "... every process of it" 1 "^started
ptvm: module 'test_module' .* threw from on_entry: [^
]*$" -- \
  "$ptvm" run --module="$module:throw-entry" -- sh -c "echo started; (sleep 1; echo orphan-survived) & uname; wait"
check "... none left behind" eval '! pgrep -f "orphan-survived" > /dev/null'
expect "on_exit throws something else: named" 1 \
  "module 'test_module' .* threw from on_exit: an exception not derived from std::exception" -- \
  "$ptvm" trace -o /dev/null --module="$module:throw-other" uname -n

# The layout of ptvm's types as the module was built: refused when it differs or is missing.
expect "another layout: refused" 2 "$wrong_layout was built against another layout of ptvm's types \(SyscallCall [0-9]+ bytes" -- \
  "$ptvm" run --module="$wrong_layout:pass" true
expect "no layout: refused" 2 "$no_layout has no ptvm_module_layout: rebuild it" -- \
  "$ptvm" run --module="$no_layout:pass" true
check "a module carries its layout (exported, from the header)" \
  eval 'nm -D --defined-only "$module" | grep -q " ptvm_module_layout$"'

# Paths with ':' in them.
mkdir "$dir/a:b"
cp "$module" "$dir/a:b/libm.so"
cp "$module" "$dir/m:1.so"
expect "a directory with ':', and ARGS" 0 "module: geteuid" -- \
  "$ptvm" run --module="$dir/a:b/libm.so:watch" id -u
expect "a directory with ':', no ARGS" 0 "^ok$" -- \
  "$ptvm" run --module="$dir/a:b/libm.so" echo ok
expect "a file with ':', no ARGS" 0 "^ok$" -- "$ptvm" run --module="$dir/m:1.so" echo ok
expect "a file with ':', and ARGS" 0 "module: geteuid" -- \
  "$ptvm" run --module="$dir/m:1.so:watch" id -u
expect "no such file: the path named" 2 "cannot load $dir/nothere.so:" -- \
  "$ptvm" run --module="$dir/nothere.so:x:y" true

# -v says which backend runs and why, with a module too.
expect "-v --backend=ptrace --module" 0 "backend ptrace for true: --backend=ptrace" -- \
  "$ptvm" -v run --backend=ptrace --module="$module" true
expect "-v --module (auto)" 0 "backend ptrace for every process: the module $module does not obey the in-process runtime's rules" -- \
  "$ptvm" -v run --module="$module" true
expect "-v --backend=ptrace --module under the path VM" 0 "backend ptrace for true: --backend=ptrace" -- \
  "$ptvm" -v run --backend=ptrace --bind /tmp --module="$module" true
exit $failed
