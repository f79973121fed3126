"""Request/reply on one wildcard inbox, with timers instead of per-call tasks.

nats-py's ``request()`` draws a random token (a system call), wraps every wait
in ``asyncio.wait_for`` (a task per call) and resolves through a subscription
queue. The gateway sends every HTTP request this way, so it keeps its own
inbox ``_INBOX.<nuid>.*``, numbers its requests and times them out with loop
timers. The wire protocol is plain NATS request/reply; responders see nothing
different.
"""

from __future__ import annotations

import asyncio

from nats.aio.client import Client
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeout

_STATUS = "Status"
_NO_RESPONDERS = "503"


class Requester:
    def __init__(self, nc: Client) -> None:
        self.nc = nc
        self._prefix = ""
        self._waiting: dict[str, asyncio.Future] = {}
        self._next = 0
        self._loop: asyncio.AbstractEventLoop | None = None

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._prefix = self.nc.new_inbox() + "."
        await self.nc.subscribe(self._prefix + "*", cb=self._reply, pending_msgs_limit=-1,
                                pending_bytes_limit=-1)

    async def _reply(self, msg) -> None:
        fut = self._waiting.pop(msg.subject[len(self._prefix):], None)
        if fut is not None and not fut.done():
            fut.set_result(msg)

    async def request(self, subject: str, data: bytes, timeout: float):
        """The reply message; raises NoRespondersError or nats TimeoutError."""
        self._next += 1
        token = str(self._next)
        fut = self._loop.create_future()
        self._waiting[token] = fut
        timer = self._loop.call_later(timeout, _expire, fut)
        try:
            await self.nc.publish(subject, data, reply=self._prefix + token)
            msg = await fut
        finally:
            timer.cancel()
            self._waiting.pop(token, None)
        if not msg.data and msg.headers and msg.headers.get(_STATUS) == _NO_RESPONDERS:
            raise NoRespondersError
        return msg


def _expire(fut: asyncio.Future) -> None:
    if not fut.done():
        fut.set_exception(NatsTimeout())
