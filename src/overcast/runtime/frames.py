"""Frames on the channel between a pool and one execution environment.

A frame is ``length (4 bytes, big endian) | kind (1 byte) | body``. The worker
side is blocking (plain sockets); the pool side parses them in an asyncio Protocol
(:mod:`overcast.runtime.environment`).
"""

from __future__ import annotations

import socket
import struct

HEAD = _HEAD = struct.Struct(">IB")

# pool -> environment
INVOKE = ord("I")
# environment -> pool
READY = ord("R")  # init finished; body: JSON {"initMs": float}
INIT_ERROR = ord("X")  # init failed; body: Lambda error object
RESULT = ord("O")  # body: JSON meta line, "\n", result JSON
FAILURE = ord("F")  # body: JSON meta line, "\n", Lambda error object


def pack(kind: int, body: bytes) -> bytes:
    return _HEAD.pack(len(body), kind) + body


class FrameReader:
    """Blocking frame reader for the worker: one ``recv`` per frame in the common case."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buf = bytearray()

    def read(self) -> tuple[int, bytes] | None:
        """Read one frame; None at end of stream."""
        buf = self.buf
        while True:
            if len(buf) >= _HEAD.size:
                size, kind = _HEAD.unpack_from(buf)
                end = _HEAD.size + size
                if len(buf) >= end:
                    body = bytes(buf[_HEAD.size:end])
                    del buf[:end]
                    return kind, body
            chunk = self.sock.recv(65536)
            if not chunk:
                return None
            buf += chunk
