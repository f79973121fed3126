"""Start, watch and stop the platform's child processes.

Children run in their own process group, so a Ctrl-C at the terminal reaches
only the supervisor, which then stops them in order (gateway first, so no new
request arrives; then the runtime; the engine last). Each child also asks the
kernel to kill it if the supervisor dies (set before exec, ``child_of``): even a
``kill -9`` of the supervisor leaves no orphan behind. A child that exits on
its own is restarted, with a growing pause if it keeps failing.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass

from overcast.process import child_of


@dataclass
class Child:
    name: str
    argv: list[str]
    pass_fds: tuple[int, ...] = ()
    proc: subprocess.Popen | None = None
    restarts: int = 0
    started: float = 0.0
    next_start: float = 0.0


class Supervisor:
    def __init__(self, log=print) -> None:
        self.children: list[Child] = []
        self.log = log
        self.stopping = False

    def start(self, name: str, module: str, args: list[str], pass_fds: tuple[int, ...] = ()) -> Child:
        child = Child(name, [sys.executable, "-m", module, *args], pass_fds)
        self.children.append(child)
        self._spawn(child)
        return child

    def _spawn(self, child: Child) -> None:
        child.proc = subprocess.Popen(child.argv, pass_fds=child.pass_fds, stdin=subprocess.DEVNULL,
                                      process_group=0, preexec_fn=child_of(os.getpid()))
        child.started = time.monotonic()

    def check(self) -> None:
        """Restart children that died on their own (call periodically)."""
        if self.stopping:
            return
        now = time.monotonic()
        for child in self.children:
            if child.proc is None or child.proc.poll() is None:
                continue
            if child.next_start == 0.0:
                quick = now - child.started < 5.0
                delay = min(2 ** child.restarts * 0.2, 10.0) if quick else 0.0
                child.restarts = child.restarts + 1 if quick else 0
                child.next_start = now + delay
                self.log(f"overcast: {child.name} exited with status {child.proc.returncode}; restarting")
            if now >= child.next_start:
                child.next_start = 0.0
                self._spawn(child)

    def stop(self, grace: float = 10.0) -> None:
        """Stop children in reverse start order: SIGTERM, then SIGKILL after ``grace`` seconds."""
        self.stopping = True
        for child in reversed(self.children):
            proc = child.proc
            if proc is None or proc.poll() is not None:
                continue
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(grace)
            except subprocess.TimeoutExpired:
                self.log(f"overcast: {child.name} did not stop within {grace:.0f} s; killing it")
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait()
