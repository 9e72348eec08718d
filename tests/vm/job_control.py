#!/usr/bin/env python3
"""Job control through a pseudo-terminal, as a person at a shell would do it:
1. `ptvm run -- sleep 30` in an interactive bash: Ctrl-Z stops the job, `fg` resumes it,
   Ctrl-C ends it (status 130);
2. an interactive bash *inside* ptvm: Ctrl-Z on `sleep 30`, `bg`, `jobs` shows it running.
Usage: job_control.py PTVM [ptvm options...]"""
import os, pty, sys

from pty_read import read_for

PTVM = sys.argv[1:]

def session(steps):
    pid, fd = pty.fork()
    if pid == 0:
        os.environ["PS1"] = "$ "
        os.execvp("bash", ["bash", "--norc", "--noprofile", "-i"])
    out = b""
    def drain(seconds):
        nonlocal out
        out += read_for(fd, seconds)
    drain(0.5)
    for keys, seconds in steps:
        os.write(fd, keys)
        drain(seconds)
    os.write(fd, b"exit\n")
    drain(1.0)
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    return out.decode(errors="replace")

cmd = " ".join(PTVM).encode()
outer = session([(cmd + b" -- sleep 30\n", 1.5), (b"\x1a", 1.5), (b"jobs\n", 0.5),
                 (b"fg\n", 1.0), (b"\x03", 1.5), (b"echo status=$?\n", 0.5)])
inner = session([(cmd + b" -- bash --norc --noprofile -i\n", 1.5), (b"sleep 30\n", 1.0),
                 (b"\x1a", 1.5), (b"bg\n", 0.5), (b"jobs\n", 0.5), (b"kill %1\n", 0.5),
                 (b"echo inner-done\n", 0.5), (b"exit\n", 1.0), (b"echo outer-status=$?\n", 0.5)])
checks = [
    ("outer: Ctrl-Z stops the job", "Stopped" in outer),
    ("outer: Ctrl-C after fg ends it with 130", "status=130" in outer),
    ("inner: Ctrl-Z stops sleep", "Stopped                 sleep 30" in inner),
    ("inner: bg runs it", "Running                 sleep 30 &" in inner),
    ("inner: the shell goes on and exits 0", "inner-done" in inner and "outer-status=0" in inner),
]
failed = [name for name, ok in checks if not ok]
for name, ok in checks:
    print(("ok   " if ok else "FAIL ") + name)
if failed:
    print("--- outer session:\n" + outer[-1500:] + "\n--- inner session:\n" + inner[-1500:])
sys.exit(1 if failed else 0)
