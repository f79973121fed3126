"""Frames on the channel between a pool and one execution environment.

A frame is ``length (4 bytes, big endian) | kind (1 byte) | body``. The worker
side is blocking (plain sockets); the pool side reads with asyncio streams.
"""

from __future__ import annotations

import socket
import struct

_HEAD = struct.Struct(">IB")

# pool -> environment
INVOKE = ord("I")
# environment -> pool
READY = ord("R")  # init finished; body: JSON {"initMs": float}
INIT_ERROR = ord("X")  # init failed; body: Lambda error object
RESULT = ord("O")  # body: JSON meta line, "\n", result JSON
FAILURE = ord("F")  # body: JSON meta line, "\n", Lambda error object


def pack(kind: int, body: bytes) -> bytes:
    return _HEAD.pack(len(body), kind) + body


def read_blocking(sock: socket.socket) -> tuple[int, bytes] | None:
    """Read one frame; None at end of stream."""
    head = _recv_exact(sock, _HEAD.size)
    if head is None:
        return None
    size, kind = _HEAD.unpack(head)
    body = _recv_exact(sock, size) if size else b""
    if body is None:
        return None
    return kind, body


def _recv_exact(sock: socket.socket, n: int) -> bytes | None:
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return bytes(buf)


async def read_async(reader) -> tuple[int, bytes] | None:
    """Read one frame from an asyncio StreamReader; None at end of stream."""
    try:
        head = await reader.readexactly(_HEAD.size)
        size, kind = _HEAD.unpack(head)
        body = await reader.readexactly(size) if size else b""
    except (EOFError, ConnectionError, OSError):
        return None
    except Exception as exc:  # asyncio.IncompleteReadError is an EOFError subclass; keep others loud
        if type(exc).__name__ == "IncompleteReadError":
            return None
        raise
    return kind, body
