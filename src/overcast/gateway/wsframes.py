"""The per-frame size limit of WebSocket APIs, enforced in uvicorn's WebSocket protocol.

API Gateway lets a client fragment a message into frames of at most 32 KB each
(``websocket.frame_size``); the whole message is bounded separately by
``websocket.message_size``, which :mod:`overcast.gateway.wssession` checks on the
assembled message. Frames are only visible below ASGI, so this check lives in a
small subclass of uvicorn's sans-I/O ``websockets`` protocol, passed as
``uvicorn.Config(ws=...)``.

Only data frames from the client (text, binary, continuation) are checked;
frames we send are bounded by the message limit. The size checked is the
payload the application would receive (after permessage-deflate), so a
compressed frame cannot slip a larger payload through.
"""

from __future__ import annotations

import logging

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.frames import CloseCode, Frame

from overcast import limits

__all__ = ["FrameLimitedProtocol", "frame_violation"]

log = logging.getLogger("overcast.gateway")


def frame_violation(size: int) -> str | None:
    """The close reason for a client data frame of ``size`` payload bytes, or None when it is allowed.

    The limit is read on every call, so an override configured in this process applies.
    The reason stays well under the 123 bytes a close frame can carry.
    """
    limit = limits.LIMITS["websocket.frame_size"]
    if size <= limit.value:
        return None
    return f"limit {limit.name} exceeded: {limit.title} is {limit.value} bytes (got {size})"


class FrameLimitedProtocol(WebSocketsSansIOProtocol):
    """uvicorn's ``websockets-sansio`` protocol, closing the connection with 1009 on a client frame over the limit."""

    def handle_text(self, event: Frame) -> None:
        if self._allowed(event):
            super().handle_text(event)

    def handle_bytes(self, event: Frame) -> None:
        if self._allowed(event):
            super().handle_bytes(event)

    def handle_cont(self, event: Frame) -> None:
        if self._allowed(event):
            super().handle_cont(event)

    def _allowed(self, event: Frame) -> bool:
        if self.close_sent:  # closing already: uvicorn discards what still arrives
            return True
        reason = frame_violation(len(event.data))
        if reason is None:
            return True
        # As API Gateway: the connection is closed with 1009 "message too big". Failing the
        # connection sends the close frame, hands the app a websocket.disconnect with this
        # code and reason (uvicorn's path for the parser's own errors) and drops the socket.
        log.info("closing WebSocket from %s: %s", self.client, reason)
        self.conn.fail(CloseCode.MESSAGE_TOO_BIG, reason)
        self.handle_parser_exception()
        return False
