"""Bench handlers: each record carries the time it was put (ns); the handler notes when it started."""

import base64
import os
import time

OUT = os.environ.get("OUT", "/tmp")
NAME = os.environ.get("NAME", "bench")


def _payloads(event):
    for r in event["Records"]:
        if "kinesis" in r:
            yield base64.b64decode(r["kinesis"]["data"])
        else:
            yield r["body"].encode()


def stamp(event, context):
    started = time.time_ns()
    lines = "".join(f"{started - int(p)}\n" for p in _payloads(event))
    with open(os.path.join(OUT, NAME), "a") as f:
        f.write(lines)


def count(event, context):
    n = len(event["Records"])
    with open(os.path.join(OUT, NAME), "a") as f:
        f.write(f"{n} {time.time_ns()}\n")
