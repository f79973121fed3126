"""A lean closed-loop DynamoDB JSON 1.0 client (raw HTTP/1.1, SigV4), run as its own process by bench/tables.py.

    dynamo_loadgen.py URL --akid A --secret S --table T --op GetItem --conns 8 --work FILE --out FILE

N connections (``asyncio.open_connection``, uvloop), each sending the next
``POST /`` as soon as the previous answer arrived, sharing one work list
(item numbers: PutItem puts every one of them; GetItem/Query cycle through
them until ``--seconds`` have passed). Every request is SigV4-signed
(``AWS4-HMAC-SHA256``; ``content-type``, ``host``, ``x-amz-date`` and
``x-amz-target`` signed; the signing key cached per day). A server answering
``Connection: close`` (moto does) gets a fresh connection for the next
request, and that connect is part of the request's latency.

Every answer is checked: status 200, GetItem returns exactly the item put,
Query exactly the first 10 items of the partition (``Count`` 10). Protocol:
the process warms up (``--warmup`` requests of the same operation on
``--warm-table``), prints ``{"ready": true}``, waits for a line on stdin,
runs, writes the latencies of the measured requests (int64 ns) to ``--out``
and prints one JSON line: requests, seconds, its own CPU seconds, errors.

The data (``key``, ``item``, ``query_request``) is defined here and imported
by tables.py, so both clients put, read and check the same items.
"""

from __future__ import annotations

import argparse
import array
import asyncio
import hashlib
import hmac
import itertools
import json
import sys
import time
from urllib.parse import urlsplit

from loadgen import BadResponse, read_response  # one HTTP/1.1 response reader for both benchmarks' clients

PER_PARTITION = 50  # items per partition key; a Query (Limit 10) always finds 10
PAYLOAD = "x" * 160  # makes an item ~200 bytes as DynamoDB counts them
TARGET_PREFIX = "DynamoDB_20120810."
CONTENT_TYPE = "application/x-amz-json-1.0"
SIGNED_HEADERS = "content-type;host;x-amz-date;x-amz-target"


# -- the data: item i is deterministic, so every answer can be checked ---------------------------------------------

def key(i: int) -> dict:
    return {"pk": {"S": f"user-{i // PER_PARTITION:05d}"}, "sk": {"N": str(i % PER_PARTITION)}}


def item(i: int) -> dict:
    return {**key(i), "count": {"N": str(i)}, "kind": {"S": "bench"}, "payload": {"S": PAYLOAD}}


def query_request(name: str, part: int) -> dict:
    return {"TableName": name, "KeyConditionExpression": "pk = :p", "Limit": 10,
            "ExpressionAttributeValues": {":p": {"S": f"user-{part:05d}"}}}


def request_body(op: str, table: str, i: int) -> dict:
    if op == "PutItem":
        return {"TableName": table, "Item": item(i)}
    if op == "GetItem":
        return {"TableName": table, "Key": key(i)}
    return query_request(table, i)


def check_answer(op: str, i: int, answer: dict) -> str | None:
    """None if the decoded answer is right for request ``i``, else what is wrong."""
    if op == "GetItem":
        if answer.get("Item") != item(i):
            return f"GetItem {key(i)} returned {str(answer)[:300]}"
    elif op == "Query":
        want = [item(i * PER_PARTITION + j) for j in range(10)]
        if answer.get("Count") != 10 or answer.get("Items") != want:
            return f"Query of partition {i} returned Count {answer.get('Count')}: {str(answer)[:300]}"
    return None


# -- SigV4 ----------------------------------------------------------------------------------------------------------

def _hmac(k: bytes, msg: str) -> bytes:
    return hmac.new(k, msg.encode(), hashlib.sha256).digest()


class Signer:
    """Signs ``POST /`` DynamoDB requests for one host; the signing key is derived once per UTC day."""

    def __init__(self, host: str, akid: str, secret: str, region: str, service: str = "dynamodb") -> None:
        self.host, self.akid, self.secret, self.region, self.service = host, akid, secret, region, service
        self._day, self._key = "", b""
        self._second, self._stamp = -1, ""

    def key_for(self, day: str) -> bytes:
        if day != self._day:
            k = _hmac(("AWS4" + self.secret).encode(), day)
            for part in (self.region, self.service, "aws4_request"):
                k = _hmac(k, part)
            self._day, self._key = day, k
        return self._key

    def amz_date(self) -> str:
        now = int(time.time())
        if now != self._second:
            self._second, self._stamp = now, time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))
        return self._stamp

    def headers(self, target: str, body: bytes, amz_date: str | None = None) -> str:
        """The signed header block (without the final blank line) of a ``POST /`` carrying ``body``."""
        amz_date = amz_date or self.amz_date()
        day = amz_date[:8]
        scope = f"{day}/{self.region}/{self.service}/aws4_request"
        canonical = (f"POST\n/\n\ncontent-type:{CONTENT_TYPE}\nhost:{self.host}\nx-amz-date:{amz_date}\n"
                     f"x-amz-target:{target}\n\n{SIGNED_HEADERS}\n{hashlib.sha256(body).hexdigest()}")
        to_sign = f"AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
        sig = hmac.new(self.key_for(day), to_sign.encode(), hashlib.sha256).hexdigest()
        return (f"POST / HTTP/1.1\r\nHost: {self.host}\r\nContent-Type: {CONTENT_TYPE}\r\n"
                f"X-Amz-Date: {amz_date}\r\nX-Amz-Target: {target}\r\n"
                f"Authorization: AWS4-HMAC-SHA256 Credential={self.akid}/{scope}, "
                f"SignedHeaders={SIGNED_HEADERS}, Signature={sig}\r\nContent-Length: {len(body)}\r\n")


# -- HTTP -----------------------------------------------------------------------------------------------------------



class Client:
    def __init__(self, url: str, akid: str, secret: str, region: str) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname, parts.port or 80
        self.signer = Signer(parts.netloc, akid, secret, region)
        self.errors, self.first_error, self.connects = 0, None, 0

    def error(self, what: str) -> None:
        self.errors += 1
        self.first_error = self.first_error or what

    def encode(self, op: str, table: str, i: int) -> bytes:
        body = json.dumps(request_body(op, table, i), separators=(",", ":")).encode()
        return self.signer.headers(TARGET_PREFIX + op, body).encode() + b"\r\n" + body

    async def connect(self):
        self.connects += 1
        return await asyncio.open_connection(self.host, self.port)

    async def send(self, conn, raw: bytes):
        """(status, body, connection to use next or None); opens a connection when ``conn`` is None."""
        if conn is None:
            conn = await self.connect()
        reader, writer = conn
        try:
            writer.write(raw)
            status, body, close = await read_response(reader)
        except BaseException:
            writer.close()
            raise
        if close:
            writer.close()
            conn = None
        return status, body, conn

    async def call(self, conn, op: str, table: str, i: int) -> tuple[bool, object]:
        """One checked request: (ok, connection to use next)."""
        try:
            status, body, conn = await self.send(conn, self.encode(op, table, i))
        except (OSError, EOFError, ValueError, IndexError, BadResponse, asyncio.IncompleteReadError,
                asyncio.LimitOverrunError) as exc:
            self.error(f"{op} {i}: {type(exc).__name__}: {exc}")
            return False, None
        if status != 200:
            self.error(f"{op} {i}: status {status}, body {body[:300]!r}")
            return False, conn
        try:
            problem = check_answer(op, i, json.loads(body)) if op != "PutItem" else None
        except ValueError as exc:
            problem = f"{op} {i}: bad JSON {exc}: {body[:200]!r}"
        if problem:
            self.error(problem)
            return False, conn
        return True, conn


async def probe(url: str, akid: str, secret: str, region: str, table: str) -> dict:
    """One correctly signed GetItem and the same one with a wrong signature: their status codes and bodies."""
    client = Client(url, akid, secret, region)
    out = {}
    for name, mangle in (("good", False), ("bad", True)):
        raw = client.encode("GetItem", table, 0)
        if mangle:  # flip the last hex digit of the signature
            head, _, rest = raw.partition(b"Signature=")
            raw = head + b"Signature=" + rest[:63] + (b"0" if rest[63:64] != b"0" else b"1") + rest[64:]
        status, body, conn = await client.send(None, raw)
        if conn is not None:
            conn[1].close()
        out[name] = {"status": status, "body": body[:200].decode(errors="replace")}
    return out


async def run(a) -> dict:
    client = Client(a.url, a.akid, a.secret, a.region)
    work = array.array("i")
    with open(a.work, "rb") as fh:
        work.frombytes(fh.read())
    conns: list = [None] * a.conns
    per_conn = max(1, a.warmup // a.conns)
    for c in range(a.conns):  # warm-up: same operation, warm table (partition 0 is full there)
        conns[c] = await client.connect()
        for j in range(per_conn):
            _, conns[c] = await client.call(conns[c], a.op, a.warm_table, 0 if a.op == "Query" else j % PER_PARTITION)
    sys.stdout.write(json.dumps({"ready": True}) + "\n")
    sys.stdout.flush()
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    timed = a.op != "PutItem"
    todo = itertools.cycle(work) if timed else iter(work)
    lat = array.array("q")
    cpu0, t0 = time.process_time(), time.perf_counter_ns()
    stop = t0 + int(a.seconds * 1e9)

    async def worker(conn) -> None:
        for i in todo:
            s = time.perf_counter_ns()
            if timed and s >= stop:
                break
            good, conn = await client.call(conn, a.op, a.table, i)
            if good:
                lat.append(time.perf_counter_ns() - s)
        if conn is not None:
            conn[1].close()

    await asyncio.gather(*(worker(c) for c in conns))
    elapsed, cpu = (time.perf_counter_ns() - t0) / 1e9, time.process_time() - cpu0
    with open(a.out, "wb") as fh:
        lat.tofile(fh)
    return {"requests": len(lat), "seconds": elapsed, "cpu_s": cpu, "connects": client.connects,
            "errors": client.errors, "first_error": client.first_error}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("url")
    p.add_argument("--akid", required=True)
    p.add_argument("--secret", required=True)
    p.add_argument("--region", default="us-east-1")
    p.add_argument("--table", required=True)
    p.add_argument("--warm-table", required=True)
    p.add_argument("--op", choices=("PutItem", "GetItem", "Query"), required=True)
    p.add_argument("--conns", type=int, default=1)
    p.add_argument("--seconds", type=float, default=6.0, help="GetItem/Query: seconds to run (PutItem: all work)")
    p.add_argument("--work", required=True, help="file of int32 item (PutItem, GetItem) or partition numbers")
    p.add_argument("--out", required=True, help="file receiving the latencies (int64 ns)")
    p.add_argument("--warmup", type=int, default=30, help="warm-up requests in all (at least one per connection)")
    a = p.parse_args()
    import uvloop  # here, so tables.py can import the data functions without it

    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        result = runner.run(run(a))
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
