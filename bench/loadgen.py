"""A lean closed-loop HTTP/1.1 client, run as its own process by the benchmarks.

``load`` mode: N keep-alive connections, each sending the next GET as soon as
the previous answer arrived; latencies (ns, ``time.perf_counter_ns``) of the
requests started after the warm-up are written to ``--out`` as int64s.
``cold`` mode: one connection; before each GET a file of the stack is touched
(overcast then starts a brand-new execution environment for that request).

Every answer must be ``200`` with exactly ``--expect`` as body, else it is an
error. The process prints one JSON line: requests, errors, first error, window.
"""

from __future__ import annotations

import argparse
import array
import asyncio
import json
import os
import time
from urllib.parse import urlsplit

import uvloop


class BadResponse(Exception):
    pass


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """(status, body, server closes); content-length, chunked, or (with close) read-to-EOF framing."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head[:-4].split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    length, chunked, close = None, False, lines[0].startswith(b"HTTP/1.0")
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding":
            chunked = b"chunked" in value.lower()
        elif name == b"connection":
            close = b"close" in value.lower()
    if chunked:
        parts = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";", 1)[0], 16)
            if size == 0:
                while await reader.readuntil(b"\r\n") != b"\r\n":
                    pass
                return status, b"".join(parts), close
            parts.append((await reader.readexactly(size + 2))[:-2])
    if length is None:
        if not close:
            raise BadResponse("response without content-length or chunked framing")
        return status, await reader.read(), True
    return status, await reader.readexactly(length), close


class Client:
    def __init__(self, url: str, expect: bytes) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname, parts.port or 80
        path = parts.path or "/"
        self.request = f"GET {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nUser-Agent: overcast-bench\r\n\r\n".encode()
        self.expect = expect
        self.errors = 0
        self.first_error: str | None = None

    def error(self, what: str) -> None:
        self.errors += 1
        if self.first_error is None:
            self.first_error = what

    async def connect(self):
        return await asyncio.open_connection(self.host, self.port)

    async def once(self, conn) -> tuple[int | None, object]:
        """Send one GET on ``conn``; (latency ns or None on error, connection to use next or None)."""
        reader, writer = conn
        t0 = time.perf_counter_ns()
        try:
            writer.write(self.request)
            status, body, close = await read_response(reader)
        except (OSError, EOFError, ValueError, IndexError, BadResponse, asyncio.IncompleteReadError,
                asyncio.LimitOverrunError) as exc:
            self.error(f"{type(exc).__name__}: {exc}")
            writer.close()
            return None, None
        elapsed = time.perf_counter_ns() - t0
        if close:
            writer.close()
            conn = None
        if status != 200 or body != self.expect:
            self.error(f"status {status}, body {body[:200]!r}")
            return None, conn
        return elapsed, conn


async def load(client: Client, conns: int, start_at: float, warmup: float, duration: float, out: str) -> dict:
    opened = [await client.connect() for _ in range(conns)]
    await asyncio.sleep(max(0.0, start_at - time.time()))  # all client processes start together
    warm_end = time.perf_counter_ns() + int(warmup * 1e9)
    end = warm_end + int(duration * 1e9)
    latencies = array.array("q")

    async def one(conn) -> None:
        while time.perf_counter_ns() < end:
            if conn is None:
                try:
                    conn = await client.connect()
                except OSError as exc:
                    client.error(f"connect: {exc}")
                    await asyncio.sleep(0.01)
                    continue
            started = time.perf_counter_ns()
            ns, conn = await client.once(conn)
            if ns is not None and started >= warm_end:
                latencies.append(ns)
        if conn is not None:
            conn[1].close()

    await asyncio.gather(*(one(c) for c in opened))
    with open(out, "wb") as fh:
        latencies.tofile(fh)
    return {"requests": len(latencies), "window_s": duration}


async def cold(client: Client, count: int, touch: str, gap: float, out: str) -> dict:
    conn = await client.connect()
    latencies = array.array("q")
    for _ in range(count):
        os.utime(touch)  # a code change: the next request gets a new execution environment
        await asyncio.sleep(gap)
        if conn is None:
            conn = await client.connect()
        ns, conn = await client.once(conn)
        if ns is not None:
            latencies.append(ns)
    if conn is not None:
        conn[1].close()
    with open(out, "wb") as fh:
        latencies.tofile(fh)
    return {"requests": len(latencies)}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("url")
    p.add_argument("--expect", required=True, help="the exact body every answer must have")
    p.add_argument("--out", required=True, help="file receiving the latencies (int64 ns)")
    p.add_argument("--conns", type=int, default=1)
    p.add_argument("--start-at", type=float, default=0.0, help="wall-clock time to start at")
    p.add_argument("--warmup", type=float, default=1.0)
    p.add_argument("--duration", type=float, default=10.0)
    p.add_argument("--cold", type=int, default=0, help="cold mode: this many touched-then-sent requests")
    p.add_argument("--touch", help="cold mode: the file to touch before each request")
    p.add_argument("--gap", type=float, default=0.02, help="cold mode: seconds between touch and request")
    a = p.parse_args()
    client = Client(a.url, a.expect.encode())
    if a.cold:
        coro = cold(client, a.cold, a.touch, a.gap, a.out)
    else:
        coro = load(client, a.conns, a.start_at, a.warmup, a.duration, a.out)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        result = runner.run(coro)
    result.update(errors=client.errors, first_error=client.first_error)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
