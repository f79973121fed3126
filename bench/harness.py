"""What every benchmark needs: its child processes, their cleanup, percentiles of latency samples."""

from __future__ import annotations

import array
import functools
import math
import re
import signal
import subprocess
import time
from pathlib import Path

from overcast.process import die_with_parent


class Children:
    """Every process we start: own session (a Ctrl-C reaches only us), dies with us, stopped in reverse."""

    def __init__(self) -> None:
        self.procs: list[subprocess.Popen] = []

    def start(self, argv, stdout, deathsig=signal.SIGKILL, **kw) -> subprocess.Popen:
        proc = subprocess.Popen([str(a) for a in argv], stdin=subprocess.DEVNULL, stdout=stdout,
                                stderr=subprocess.STDOUT, start_new_session=True,
                                preexec_fn=functools.partial(die_with_parent, deathsig), **kw)
        self.procs.append(proc)
        return proc

    def stop_all(self, grace: float = 15.0) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in reversed(self.procs):
            try:
                proc.wait(grace)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def wait_for_url(log: Path, pattern: str, proc: subprocess.Popen, timeout: float = 60.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = re.search(pattern, log.read_text(errors="replace"))
        if found:
            return found.group(1)
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    raise RuntimeError(f"{proc.args[:3]} did not start (exit {proc.poll()}); its output:\n{log.read_text()[-3000:]}")


def pct(sorted_ns, p: float) -> float:
    """Nearest-rank percentile, in ms."""
    if not sorted_ns:
        return float("nan")
    return sorted_ns[max(0, math.ceil(p / 100 * len(sorted_ns)) - 1)] / 1e6


def read_ns(path: Path) -> list[int]:
    arr = array.array("q")
    arr.frombytes(path.read_bytes())
    return sorted(arr)


def leftovers(tmp: Path) -> list[str]:
    """Processes of ours still alive after the cleanup (an embedded nats-server names its store under tmp)."""
    done = subprocess.run(["pgrep", "-a", "-f", str(tmp)], capture_output=True, text=True)
    return [line for line in done.stdout.splitlines() if line.strip()]
