#!/usr/bin/env bash
# nonet.sh NONET: examples/nonet, a user's supervisor program that runs a program under its own
# module through libptvm's ptvm::run, does what it says: AF_INET sockets fail with EACCES,
# AF_UNIX ones work, the program's exit status and death by signal come back, and a program
# that cannot run is said (127, 126), as ptvm says it. Run on the build tree's example (api.run)
# and on those built against the installed package (tests/install/install.sh).
set -u
nonet=$1
. "$(dirname "$0")/../vm/lib.sh"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

sockets='import socket
for family in (socket.AF_UNIX, socket.AF_INET, socket.AF_INET6):
    try:
        socket.socket(family).close()
        print(family.name, "ok")
    except OSError as e:
        print(family.name, e.strerror)'
expect "natively every socket opens" 0 "^AF_UNIX ok
AF_INET ok" -- python3 -c "$sockets"
expect "under nonet: AF_INET and AF_INET6 denied, AF_UNIX not" 0 "^AF_UNIX ok
AF_INET Permission denied
AF_INET6 Permission denied$" -- "$nonet" python3 -c "$sockets"
expect "the program's exit status" 7 "^$" -- "$nonet" sh -c 'exit 7'
expect "a program killed by a signal: 128+N" 137 "^$" -- "$nonet" sh -c 'kill -9 $$'
printf '%s\n' "$sockets" > "$dir/sockets.py"
expect "children followed (a shell's pipeline)" 0 "^AF_INET Permission denied$" -- \
  "$nonet" sh -c "python3 $dir/sockets.py | grep 'INET '"
expect "a program not found" 127 "^nonet: cannot run 'no-such-program-here': .*No such file" -- \
  "$nonet" no-such-program-here
touch "$dir/not-executable"
expect "a program that cannot run" 126 "^nonet: cannot run '$dir/not-executable': .*Permission denied" -- \
  "$nonet" "$dir/not-executable"
expect "no program" 2 "^nonet: no command given$" -- "$nonet"
exit $failed
