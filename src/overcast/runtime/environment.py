"""One execution environment seen from its pool: spawn, invoke, collect logs, kill."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import time

from overcast.runtime import frames
from overcast.runtime.forkserver import ForkServer, describe_exit

STARTING, IDLE, BUSY, DEAD = "starting", "idle", "busy", "dead"


class EnvironmentDied(Exception):
    def __init__(self, how: str) -> None:
        super().__init__(how)
        self.how = how


class Environment:
    """The pool's handle on one worker process."""

    def __init__(self, generation: int) -> None:
        self.generation = generation
        self.state = STARTING
        self.pid = 0
        self.created = time.monotonic()
        self.last_used = self.created
        self.invocations = 0
        self.init_ms: float | None = None
        self.init_logs = b""
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._log_fd = -1
        self._logbuf = bytearray()
        self._exit = asyncio.get_running_loop().create_future()

    async def spawn(self, forkserver: ForkServer, config: dict, on_pid) -> dict | None:
        """Start the process and wait for init. Returns None, or Lambda's init error object.

        ``on_pid(self)`` runs as soon as the pid is known, so an exit during init is seen.
        """
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        log_r, log_w = os.pipe()
        try:
            self.pid = await forkserver.fork(config, theirs.fileno(), log_w)
        finally:
            theirs.close()
            os.close(log_w)
        on_pid(self)
        os.set_blocking(log_r, False)
        self._log_fd = log_r
        asyncio.get_running_loop().add_reader(log_r, self._drain_logs)
        self._reader, self._writer = await asyncio.open_unix_connection(sock=ours)
        frame = await frames.read_async(self._reader)
        self._drain_logs()
        self.init_logs = bytes(self._logbuf)
        self._logbuf.clear()
        if frame is None:
            raise EnvironmentDied(await self.exit_reason())
        kind, body = frame
        if kind == frames.INIT_ERROR:
            return json.loads(body)
        self.init_ms = json.loads(body)["initMs"]
        return None

    def _drain_logs(self) -> None:
        while True:
            try:
                chunk = os.read(self._log_fd, 65536)
            except BlockingIOError:
                return
            except OSError:
                chunk = b""
            if not chunk:
                self._close_logs()
                return
            self._logbuf += chunk

    def take_logs(self) -> bytes:
        if self._log_fd >= 0:
            self._drain_logs()
        out = bytes(self._logbuf)
        self._logbuf.clear()
        return out

    async def invoke(self, meta: dict, payload: bytes) -> tuple[int, dict, bytes]:
        """Run one invocation; returns (frame kind, worker meta, body). Raises EnvironmentDied."""
        self._writer.write(frames.pack(frames.INVOKE, json.dumps(meta).encode() + b"\n" + payload))
        frame = await frames.read_async(self._reader)
        if frame is None:
            raise EnvironmentDied(await self.exit_reason())
        kind, body = frame
        head, _, out = body.partition(b"\n")
        return kind, json.loads(head), out

    def exited(self, status: int) -> None:
        if not self._exit.done():
            self._exit.set_result(status)

    async def exit_reason(self, wait: float = 2.0) -> str:
        try:
            status = await asyncio.wait_for(asyncio.shield(self._exit), wait)
        except asyncio.TimeoutError:
            status = None
        return describe_exit(status)

    def kill(self) -> None:
        if self.state == DEAD:
            return
        self.state = DEAD
        if self.pid:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self._writer is not None:
            self._writer.close()
        self._close_logs()

    def _close_logs(self) -> None:
        if self._log_fd >= 0:
            try:
                asyncio.get_running_loop().remove_reader(self._log_fd)
            except RuntimeError:
                pass
            os.close(self._log_fd)
            self._log_fd = -1
