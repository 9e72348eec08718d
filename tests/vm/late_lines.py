#!/usr/bin/env python3
"""A line whose result came back through the return trampoline must not wait for the end of a
thread that then blocks in a call ptvm does not trace, without any stop in between:
`ptvm trace -e trace=openat` of a Python that opens /dev/null (a result-only line), then sleeps
6 s, on a terminal (unbuffered output): the openat line shows within 3 s, long before the end.
Usage: late_lines.py PTVM [ptvm options...]"""
import os, pty, sys

from pty_read import read_for

pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], [sys.argv[1], "trace", *sys.argv[2:], "-e", "trace=openat", "--",
                           sys.executable, "-S", "-c",
                           "import os, time; os.open('/dev/null', 0); time.sleep(6)"])
out = read_for(fd, 3.0)
early = b'openat(AT_FDCWD, "/dev/null", O_RDONLY|O_CLOEXEC) = ' in out
os.waitpid(pid, 0)
print("the openat line came", "early" if early else "late (after 3 s)")
sys.exit(0 if early else 1)
