"""The pool side of the zygote: ask for environments, learn how they ended."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Callable

from overcast.process import child_of

_SIGNAL_TEXT = {
    signal.SIGSEGV: "segmentation fault", signal.SIGKILL: "killed", signal.SIGABRT: "aborted",
    signal.SIGTERM: "terminated", signal.SIGBUS: "bus error", signal.SIGILL: "illegal instruction",
    signal.SIGFPE: "floating point exception", signal.SIGINT: "interrupt",
}


def describe_exit(status: int | None) -> str:
    """Exit status in the words AWS uses in ``Runtime exited with error: ...``."""
    if status is None:
        return "exit status unknown"
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        return f"signal: {_SIGNAL_TEXT.get(sig, signal.Signals(sig).name.lower())}"
    return f"exit status {os.WEXITSTATUS(status)}"


class ForkServer:
    def __init__(self, on_exit: Callable[[int, int], None]) -> None:
        self._on_exit = on_exit
        self._proc: subprocess.Popen | None = None
        self._ctrl: socket.socket | None = None
        self._waiting: dict[int, asyncio.Future] = {}
        self._next = 0

    async def start(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL", "HOME", "TMPDIR")}
        env["PYTHONDONTWRITEBYTECODE"] = "0"
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "overcast.runtime.zygote", str(theirs.fileno())],
            pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL, env=env, preexec_fn=child_of(os.getpid()),
        )
        theirs.close()
        ours.setblocking(False)
        self._ctrl = ours
        asyncio.get_running_loop().add_reader(ours.fileno(), self._readable)

    def _readable(self) -> None:
        while True:
            try:
                data = self._ctrl.recv(65536)
            except BlockingIOError:
                return
            except OSError:
                data = b""
            if not data:
                self._fail_all("the zygote exited")
                asyncio.get_running_loop().remove_reader(self._ctrl.fileno())
                return
            msg = json.loads(data)
            if msg["op"] == "forked":
                fut = self._waiting.pop(msg["id"], None)
                if fut and not fut.done():
                    fut.set_result(msg["pid"])
            elif msg["op"] == "exit":
                self._on_exit(msg["pid"], msg["status"])

    def _fail_all(self, why: str) -> None:
        for fut in self._waiting.values():
            if not fut.done():
                fut.set_exception(RuntimeError(why))
        self._waiting.clear()

    async def fork(self, config: dict, channel_fd: int, log_fd: int) -> int:
        """Fork one environment; returns its pid. The fds are sent, not kept."""
        self._next += 1
        fut = asyncio.get_running_loop().create_future()
        self._waiting[self._next] = fut
        payload = json.dumps({"op": "fork", "id": self._next, "config": config}).encode()
        socket.send_fds(self._ctrl, [payload], [channel_fd, log_fd])
        return await fut

    def stop(self) -> None:
        if self._ctrl is not None:
            try:
                asyncio.get_running_loop().remove_reader(self._ctrl.fileno())
            except RuntimeError:
                pass
            self._ctrl.close()
            self._ctrl = None
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()
        self._proc = None
