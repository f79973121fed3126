"""Process hygiene shared by every process overcast starts."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys

_PR_SET_PDEATHSIG = 1
_libc = None


def die_with_parent(sig: int = signal.SIGKILL) -> None:
    """Ask Linux to signal this process when its parent dies (no orphans after a kill -9).

    Safe to use as ``preexec_fn``; a no-op where prctl is not available.
    """
    global _libc
    if not sys.platform.startswith("linux"):
        return
    if _libc is None:
        _libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    _libc.prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0)


def child_of(parent_pid: int, sig: int = signal.SIGKILL):
    """A ``preexec_fn``: die with ``parent_pid``, set before exec so no window is left open.

    If the parent already died between fork and this call, exit at once.
    """
    def setup() -> None:
        die_with_parent(sig)
        if os.getppid() != parent_pid:
            os._exit(1)
    return setup


def run_loop(coro):
    """Run ``coro`` to completion on uvloop when available (a pinned dependency); return its result."""
    import asyncio

    try:
        import uvloop
    except ImportError:
        return asyncio.run(coro)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(coro)


def terminate(proc, grace: float) -> int:
    """SIGTERM a ``subprocess.Popen``, wait ``grace`` seconds, then SIGKILL; returns its exit code."""
    import signal
    import subprocess

    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            proc.kill()
    return proc.wait()
