"""Put → handler-start latency and maximum throughput of overcast streams and queues.

    .venv/bin/python bench/streams.py [--rate 1000] [--seconds 5] [--volume 20000]

Starts `overcast dev bench/streams_stack` (embedded engine), then for a stream and
a queue: puts records at --rate per second for --seconds with the SDK helper
(one JetStream publish per record) and reads, for each record, the time between
the put call and the start of the handler that received it; then puts --volume
records as fast as it can and times until the handlers have seen them all.
The floor, measured in the same run on the same nats-server: raw JetStream
publish → push-consumer receive with nats-py. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import nats

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import pct  # noqa: E402

from overcast.queues import client as queues  # noqa: E402
from overcast.streams import store  # noqa: E402
from overcast.testing import running_platform  # noqa: E402

STACK = Path(__file__).resolve().parent / "streams_stack"
# Published reference (the issue that asked for this benchmark, measured on AWS): Kinesis → Lambda
KINESIS_PUBLISHED = {"p50_ms": 627, "p99_ms": 1580, "note": "Kinesis + Lambda, 1 s shard polling"}


async def paced(rate: float, seconds: float, put) -> None:
    total, start = int(rate * seconds), time.perf_counter()
    pending = set()
    for i in range(total):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        pending.add(asyncio.ensure_future(put(str(time.time_ns()).encode())))
        if len(pending) > 256:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
    await asyncio.gather(*pending)


def read_latencies(path: Path, want: int, timeout: float = 60.0) -> list[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        lines = path.read_text().split() if path.exists() else []
        if len(lines) >= want:
            return sorted(int(x) for x in lines)
        time.sleep(0.2)
    raise RuntimeError(f"only {len(lines)} of {want} records reached {path.name} within {timeout:.0f} s")


def read_counts(path: Path, want: int, timeout: float = 120.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = [line.split() for line in path.read_text().splitlines()] if path.exists() else []
        if sum(int(n) for n, _ in rows) >= want:
            return max(int(t) for _, t in rows)
        time.sleep(0.2)
    raise RuntimeError(f"not all {want} records reached {path.name} within {timeout:.0f} s")


def figures(ns: list[int]) -> dict:
    return {"p50_ms": round(pct(ns, 50), 3), "p99_ms": round(pct(ns, 99), 3), "count": len(ns)}


async def floor(url: str, rate: float, seconds: float, volume: int) -> dict:
    """Raw JetStream: publish (awaiting the ack) → push consumer receive, same process."""
    from nats.js.api import StreamConfig

    nc = await nats.connect(url)
    js = nc.jetstream()
    await js.add_stream(StreamConfig(name="BENCH_FLOOR", subjects=["bench.floor"]))
    seen: list[int] = []
    last = [0]

    async def on_msg(msg):
        now = time.time_ns()
        seen.append(now - int(msg.data))
        last[0] = now
        await msg.ack()

    sub = await js.subscribe("bench.floor", cb=on_msg, manual_ack=True)
    await paced(rate, seconds, lambda data: js.publish("bench.floor", data))
    want = int(rate * seconds)
    while len(seen) < want:
        await asyncio.sleep(0.05)
    latency = figures(sorted(seen[:want]))
    seen.clear()
    start = time.time_ns()
    for i in range(0, volume, 500):
        await asyncio.gather(*(js.publish("bench.floor", str(time.time_ns()).encode())
                               for _ in range(min(500, volume - i))))
    while len(seen) < volume:
        await asyncio.sleep(0.05)
    latency["throughput_rps"] = round(volume / ((last[0] - start) / 1e9))
    await sub.unsubscribe()
    await js.delete_stream("BENCH_FLOOR")
    await nc.close()
    return latency


async def overcast_side(url: str, out: Path, rate: float, seconds: float, volume: int) -> dict:
    nc = await nats.connect(url)
    want = int(rate * seconds)
    results = {}
    await paced(rate, seconds, lambda data: store.put_record(nc, "latency", data, "k"))
    results["stream"] = figures(read_latencies(out / "stream-latency", want))
    await paced(rate, seconds, lambda data: queues.send(nc, "latency-q", data.decode()))
    results["queue"] = figures(read_latencies(out / "queue-latency", want))

    start = time.time_ns()
    for i in range(0, volume, 500):
        n = min(500, volume - i)
        await store.put_records(nc, "volume", [(b"0", f"k{j}", None) for j in range(i, i + n)])
    end = read_counts(out / "stream-volume", volume)
    results["stream"]["throughput_rps"] = round(volume / ((end - start) / 1e9))
    qvolume = volume // 4
    start = time.time_ns()
    for i in range(0, qvolume, 200):
        await asyncio.gather(*(queues.send(nc, "volume-q", "0") for _ in range(min(200, qvolume - i))))
    end = read_counts(out / "queue-volume", qvolume)
    results["queue"]["throughput_rps"] = round(qvolume / ((end - start) / 1e9))
    results["queue"]["throughput_records"] = qvolume
    await nc.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rate", type=float, default=1000.0)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--volume", type=int, default=20000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="overcast-bench-streams-"))
    out = work / "out"
    out.mkdir()
    stack = work / "stack"
    shutil.copytree(STACK, stack)
    os.environ["BENCH_OUT"] = str(out)
    try:
        with running_platform(stack) as platform:
            time.sleep(2.0)  # the dispatcher attaches its consumers and pollers
            ours = asyncio.run(overcast_side(platform.nats_url, out, args.rate, args.seconds, args.volume))
            base = asyncio.run(floor(platform.nats_url, args.rate, args.seconds, args.volume))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"put → handler start at {args.rate:.0f} records/s for {args.seconds:.0f} s (2 vCPU, same run):")
    for name in ("stream", "queue"):
        f = ours[name]
        print(f"  {name:<7} p50 {f['p50_ms']:.3f} ms  p99 {f['p99_ms']:.3f} ms   max {f['throughput_rps']:,} rec/s")
    print(f"  floor   p50 {base['p50_ms']:.3f} ms  p99 {base['p99_ms']:.3f} ms   max {base['throughput_rps']:,} rec/s"
          "  (raw JetStream publish → nats-py push consumer)")
    print(f"  Kinesis + Lambda, published: p50 {KINESIS_PUBLISHED['p50_ms']} ms, p99 {KINESIS_PUBLISHED['p99_ms']} ms")
    ratios = {f"{n}_{k}_vs_floor": round(ours[n][k] / base[k], 2) for n in ("stream", "queue")
              for k in ("p50_ms", "p99_ms", "throughput_rps")}
    targets = {"stream_p50_le_2ms": ours["stream"]["p50_ms"] <= 2, "stream_p99_le_10ms": ours["stream"]["p99_ms"] <= 10,
               "queue_p50_le_2ms": ours["queue"]["p50_ms"] <= 2, "queue_p99_le_10ms": ours["queue"]["p99_ms"] <= 10}
    print(json.dumps({"bench": "streams", "rate": args.rate, "seconds": args.seconds, "stream": ours["stream"],
                      "queue": ours["queue"], "floor": base, "kinesis_published": KINESIS_PUBLISHED,
                      "ratios": ratios, "targets_met": targets}))


if __name__ == "__main__":
    main()
