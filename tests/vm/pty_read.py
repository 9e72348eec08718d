"""What a pseudo-terminal's program writes within a time (for the tests that run ptvm on a
terminal: job_control.py, late_lines.py)."""
import os, select, time


def read_for(fd, seconds):
    """Everything readable from `fd` within `seconds` (less if the other side is gone)."""
    out = b""
    end = time.time() + seconds
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.05)
        if r:
            try:
                out += os.read(fd, 4096)
            except OSError:
                break
    return out
