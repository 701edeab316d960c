"""Run a command as a child process and measure it: exit code, output, wall time, peak memory.

The peak resident set size is the kernel's (``wait4``'s ``ru_maxrss``) for that one child,
so a test can hold a command to a memory bound without sampling. The command is started by a
small launcher interpreter: a child forked straight from the test process would count the test
process's own memory (a high-water mark survives ``exec``), the launcher's child counts only
the launcher's ~15 MB and its own.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

MARKER = "@@peak_kib="
_LAUNCHER = f"""
import os, sys
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
sys.stderr.write("\\n{MARKER}%d\\n" % usage.ru_maxrss)
sys.exit(os.waitstatus_to_exitcode(status) % 256)
"""


@dataclass
class Measured:
    code: int
    stdout: str
    stderr: str
    seconds: float
    peak_mb: float
    timed_out: bool = False


def run_measured(
    argv: Sequence[str],
    *,
    timeout: float,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    after_start: Callable[[subprocess.Popen[bytes]], None] | None = None,
) -> Measured:
    """Run ``argv``; kill it after ``timeout`` seconds (``timed_out``). ``after_start`` is called
    with the running child (e.g. to send it SIGINT)."""
    started = time.monotonic()
    launcher = [sys.executable, "-c", _LAUNCHER, *argv]
    child = subprocess.Popen(
        launcher, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd, env=env, start_new_session=True
    )
    outputs: dict[str, bytes] = {}

    def drain(name: str, stream: object) -> None:
        outputs[name] = stream.read()  # type: ignore[attr-defined]

    readers = [
        threading.Thread(target=drain, args=(name, stream), daemon=True)
        for name, stream in (("out", child.stdout), ("err", child.stderr))
    ]
    for r in readers:
        r.start()
    if after_start is not None:
        after_start(child)
    timed_out = False
    while True:
        pid, status, usage = os.wait4(child.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() - started > timeout:
            timed_out = True
            os.killpg(child.pid, signal.SIGKILL)  # the launcher and the command
            pid, status, usage = os.wait4(child.pid, 0)
            break
        time.sleep(0.02)
    seconds = time.monotonic() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    for r in readers:
        r.join(timeout=10)
    stderr, found, peak = outputs.get("err", b"").decode("utf-8", "replace").rpartition("\n" + MARKER)
    if not found:  # killed before the launcher could report: the launcher's own account
        stderr, peak = peak, str(usage.ru_maxrss)
    return Measured(
        code=child.returncode,
        stdout=outputs.get("out", b"").decode("utf-8", "replace"),
        stderr=stderr,
        seconds=seconds,
        peak_mb=int(peak.strip() or 0) / 1024,  # KiB on Linux
        timed_out=timed_out,
    )
