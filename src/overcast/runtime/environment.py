"""One execution environment seen from its pool: spawn, invoke, collect logs, kill.

The channel to the worker is an asyncio Protocol on a socketpair: frames are
parsed as bytes arrive and complete the one pending future, with no task or
stream machinery per call (this is on the hot path of every invocation).
"""

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
_HEAD = frames.HEAD


class EnvironmentDied(Exception):
    def __init__(self, how: str) -> None:
        super().__init__(how)
        self.how = how


class _Channel(asyncio.Protocol):
    def __init__(self, env: "Environment") -> None:
        self.env = env
        self.buf = bytearray()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        buf = self.buf
        buf += data
        while len(buf) >= _HEAD.size:
            size, kind = _HEAD.unpack_from(buf)
            end = _HEAD.size + size
            if len(buf) < end:
                return
            body = bytes(buf[_HEAD.size:end])
            del buf[:end]
            self.env._frame(kind, body)

    def connection_lost(self, exc) -> None:
        self.env._closed()


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
        self._loop = asyncio.get_running_loop()
        self._channel: _Channel | None = None
        self._pending: asyncio.Future | None = None
        self._eof = False
        self._log_fd = -1
        self._logbuf = bytearray()
        self._exit = self._loop.create_future()

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
        self._loop.add_reader(log_r, self._drain_logs)
        ready = self._pending = self._loop.create_future()  # READY may arrive while connecting
        _, self._channel = await self._loop.connect_accepted_socket(lambda: _Channel(self), ours)
        kind, body = await result_of(self, ready)
        self._drain_logs()
        self.init_logs = bytes(self._logbuf)
        self._logbuf.clear()
        if kind == frames.INIT_ERROR:
            return json.loads(body)
        self.init_ms = json.loads(body)["initMs"]
        return None

    # -- channel events ------------------------------------------------------
    def _frame(self, kind: int, body: bytes) -> None:
        fut, self._pending = self._pending, None
        if fut is not None and not fut.done():
            fut.set_result((kind, body))

    def _closed(self) -> None:
        self._eof = True
        fut, self._pending = self._pending, None
        if fut is not None and not fut.done():
            fut.set_exception(_Eof())

    # -- invocations -----------------------------------------------------------
    def send(self, meta: dict, payload: bytes) -> asyncio.Future:
        """Start one invocation; the future gives (frame kind, body) or raises _Eof."""
        fut = self._loop.create_future()
        if self._eof:
            fut.set_exception(_Eof())
            return fut
        self._pending = fut
        self._channel.transport.write(frames.pack(frames.INVOKE, json.dumps(meta).encode() + b"\n" + payload))
        return fut

    @staticmethod
    def split(body: bytes) -> tuple[dict, bytes]:
        head, _, out = body.partition(b"\n")
        return json.loads(head), out

    # -- logs -------------------------------------------------------------------
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

    # -- ending ---------------------------------------------------------------------
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
        if self._channel is not None and self._channel.transport is not None:
            self._channel.transport.close()
        self._close_logs()

    def _close_logs(self) -> None:
        if self._log_fd >= 0:
            try:
                self._loop.remove_reader(self._log_fd)
            except RuntimeError:
                pass
            os.close(self._log_fd)
            self._log_fd = -1


class _Eof(Exception):
    """The worker's end of the channel closed (it exited)."""


async def result_of(env: Environment, fut: asyncio.Future) -> tuple[int, bytes]:
    """Await an invocation future, turning a closed channel into EnvironmentDied with the exit reason."""
    try:
        return await fut
    except _Eof:
        raise EnvironmentDied(await env.exit_reason()) from None
