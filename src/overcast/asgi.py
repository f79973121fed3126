"""ASGI plumbing shared by the gateway and the control API."""

from __future__ import annotations

Answer = tuple[int, list[tuple[bytes, bytes]], bytes]
"""A whole HTTP answer: status, headers, body (what the AWS-compatible APIs return)."""


async def send_answer(send, answer: Answer) -> None:
    """Send ``answer`` as one ASGI HTTP response."""
    status, headers, body = answer
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})



async def lifespan(receive, send, start, stop) -> None:
    """Answer ASGI lifespan messages with ``await start()`` / ``await stop()``."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            try:
                await start()
            except Exception as exc:  # uvicorn reports it and exits
                await send({"type": "lifespan.startup.failed", "message": str(exc)})
                return
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await stop()
            await send({"type": "lifespan.shutdown.complete"})
            return


async def read_body(receive, max_bytes: int) -> bytes | None:
    """The whole request body, or None once it exceeds ``max_bytes`` (the rest is drained, not kept)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size <= max_bytes and chunk:
            chunks.append(chunk)
        if not message.get("more_body", False):
            break
    if size > max_bytes:
        return None
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def header(scope, name: bytes) -> str | None:
    """The first value of a header of an ASGI request (``name`` lower-case)."""
    return next((v.decode("latin-1") for k, v in scope["headers"] if k.lower() == name), None)


def host_of(scope) -> str:
    """``host[:port]`` the client reached us at: its Host header, else the listening address."""
    server = scope.get("server") or ("localhost", None)
    return header(scope, b"host") or (f"{server[0]}:{server[1]}" if server[1] else server[0])
