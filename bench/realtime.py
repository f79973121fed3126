"""Device publish → topic rule → function → republish → subscriber round trip, against raw NATS-MQTT and Mosquitto.

    .venv/bin/python bench/realtime.py [--rate 500] [--seconds 5] [--warmup 1] [--low-rate 20] [--rounds 1]
                                       [--paths a,b] [--mosquitto HOST:PORT]

Starts `overcast dev --insecure bench/realtime_stack` (embedded engine, anonymous MQTT clients accepted) and
measures, with the same two paho-mqtt clients (MQTT 3.1.1, QoS 0) for every path, one after another:

- overcast_function: publish ``{"t": ns, ...}`` to ``bench/in/<n>`` → rule ``SELECT * FROM 'bench/in/+'`` →
  function action (async invocation) → the function publishes to ``bench/out/<n>`` with boto3 ``iot-data``
  → subscriber on ``bench/out/#``. The headline figure; target p50 ≤ 3 ms.
- overcast_function_low: the same path at --low-rate (one message's cost when nothing queues).
- overcast_republish: ``bench/rin/<n>`` → rule → its own ``republish`` action → ``bench/rout/#`` (no function).
- nats_mqtt: publisher → the same nats-server's MQTT listener → subscriber (the floor under overcast).
- mosquitto: publisher → Mosquitto (default 127.0.0.1:1883, not started by us) → subscriber; reported as
  unavailable, not failed, when it cannot be reached.

The publisher runs in this process without a network thread (``publish`` writes to the socket at once) and
stamps each message with ``time.time_ns()`` just before publishing; the subscriber runs in its own process
(paho's network thread) and notes the receive time: round trip = receive − publish time, same machine clock.
Paced at --rate messages/s; a probe waits until the path answers (cold start), then --warmup seconds are sent
and not recorded, then --seconds are measured. QoS 0 may drop messages: received and lost are reported.
For overcast paths the platform's CPU per message and role is read from /proc. The last line is one JSON object
with figures, ratios and ``targets_met``.
"""

from __future__ import annotations

import argparse
import array
import contextlib
import json
import multiprocessing
import os
import shutil
import socket
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import pct  # noqa: E402

from overcast.testing import descendants, running_platform  # noqa: E402

STACK = Path(__file__).resolve().parent / "realtime_stack"
TARGET_P50_MS = 3.0
DRAIN_MAX = 90.0  # after the window, wait at most this long for a backlog to arrive
READY_TIMEOUT = 30.0  # a path's first round trip (a function's cold start included)
DEVICES = 16  # <n> of bench/in/<n> cycles over this many topics
# path -> (publish prefix, subscription filter), measured in this order in every round
PATHS = {"mosquitto": ("bench/mq", "bench/mq/#"), "nats_mqtt": ("bench/raw", "bench/raw/#"),
         "overcast_republish": ("bench/rin", "bench/rout/#"), "overcast_function_low": ("bench/in", "bench/out/#"),
         "overcast_function": ("bench/in", "bench/out/#")}


def _client(client_id: str) -> mqtt.Client:
    return mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv311, clean_session=True)


def subscriber(conn, host: str, port: int, topic_filter: str) -> None:
    """Child process: subscribe at QoS 0, keep ``receive − t`` of measured messages; answer the parent's pipe."""
    samples, warm = array.array("q"), [0]

    def on_message(client, userdata, msg) -> None:
        now = time.time_ns()
        body = json.loads(msg.payload)
        if body.get("w"):
            samples.append(now - body["t"])
        else:
            warm[0] += 1

    client = _client(f"bench-sub-{uuid.uuid4().hex[:8]}")
    client.on_message = on_message
    subscribed = threading.Event()
    client.on_subscribe = lambda *a: subscribed.set()
    try:
        client.connect(host, port, keepalive=60)
        client.loop_start()
        client.subscribe(topic_filter, 0)
        if not subscribed.wait(10):
            raise RuntimeError(f"no SUBACK from {host}:{port}")
    except Exception as exc:  # reported to the parent, which says so in its output
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
        return
    conn.send(("ready", None))
    while True:
        cmd = conn.recv()
        if cmd == "count":
            conn.send((len(samples), warm[0]))
        elif cmd == "dump":
            conn.send(samples.tobytes())
        else:
            break
    client.disconnect()
    client.loop_stop()


class Publisher:
    """A device without a network thread: each publish is written to the socket by the calling thread."""

    def __init__(self, host: str, port: int) -> None:
        self.client = _client(f"bench-pub-{uuid.uuid4().hex[:8]}")
        self.client.connect(host, port, keepalive=60)
        # paho leaves Nagle on: a 30-byte PUBLISH every 2 ms then waits for the previous one's (delayed) ACK,
        # ~17 ms p50 on every broker. Devices that care about latency turn it off; so do we, for every path.
        self.client.socket().setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        deadline = time.monotonic() + 10
        while not self.client.is_connected():
            if time.monotonic() > deadline:
                raise RuntimeError(f"no CONNACK from {host}:{port}")
            self.client.loop(0.05)

    def send(self, topic: str, n: int, measured: bool) -> None:
        payload = b'{"t":%d,"n":%d,"w":%d}' % (time.time_ns(), n, measured)
        self.client.publish(topic, payload, qos=0)

    def paced(self, topic_of, rate: float, seconds: float, measured: bool) -> int:
        total, start = int(rate * seconds), time.perf_counter()
        for i in range(total):
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            n = i % DEVICES
            self.send(topic_of(n), n, measured)
            if i % 50 == 0:
                self.client.loop(0)  # keepalive, socket-pair wake-ups
        return total

    def close(self) -> None:
        self.client.disconnect()


def measure(host: str, port: int, pub_prefix: str, sub_filter: str, rate: float, seconds: float,
            warmup: float, cpu_root: int | None = None) -> dict:
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=subscriber, args=(child, host, port, sub_filter), daemon=True)
    proc.start()
    pub = None
    try:
        if not parent.poll(20):
            return {"available": False, "reason": "subscriber did not start"}
        kind, detail = parent.recv()
        if kind == "error":
            return {"available": False, "reason": detail}
        try:
            pub = Publisher(host, port)
        except Exception as exc:
            return {"available": False, "reason": f"{type(exc).__name__}: {exc}"}

        def topic_of(n: int) -> str:
            return f"{pub_prefix}/{n}"

        deadline = time.monotonic() + READY_TIMEOUT
        while True:  # the first round trip: rule subscriptions in place, function environment warm
            pub.send(topic_of(0), 0, False)
            pub.client.loop(0)  # returns at once (publish wakes paho's socket pair): sleep apart
            time.sleep(0.2)
            parent.send("count")
            if parent.recv()[1]:
                break
            if time.monotonic() > deadline:
                return {"available": False, "reason": f"no round trip within {READY_TIMEOUT:.0f} s"}
        pub.paced(topic_of, rate, warmup, False)
        cpu0 = platform_cpu(cpu_root) if cpu_root else {}
        want = pub.paced(topic_of, rate, seconds, True)
        seen, last_change, settle, give_up = -1, time.monotonic(), 3.0, time.monotonic() + DRAIN_MAX
        while time.monotonic() - last_change < settle and time.monotonic() < give_up:
            pub.client.loop(0.05)
            parent.send("count")
            got, warm = parent.recv()
            if got >= want:
                break
            if got + warm != seen:  # a backlog of warm-up messages is progress too
                seen, last_change = got + warm, time.monotonic()
        parent.send("dump")
        ns = array.array("q")
        ns.frombytes(parent.recv())
        out = figures(sorted(ns))
        out.update(available=True, rate=rate, sent=want, lost=want - len(ns))
        if cpu_root:  # CPU of the platform's processes while the window ran and drained, per message
            out["cpu_ms_per_msg"] = cpu_per_msg(cpu0, platform_cpu(cpu_root), want)
        return out
    finally:
        if pub is not None:
            pub.close()
        with contextlib.suppress(OSError):
            parent.send("stop")
        proc.join(5)
        if proc.is_alive():
            proc.kill()
            proc.join()


def platform_cpu(root: int) -> dict[int, tuple[str, float]]:
    """pid -> (role, CPU seconds used so far) for the platform's process tree (Linux /proc)."""
    tick, out = os.sysconf("SC_CLK_TCK"), {}
    for pid in [root, *descendants(root)]:
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                argv = fh.read().split(b"\0")
            with open(f"/proc/{pid}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        cmd = b" ".join(argv).decode(errors="replace")
        role = ("nats-server" if "nats-server" in cmd else "workers" if "runtime.zygote" in cmd
                else next((r for r in ("sources", "gateway", "runtime", "control") if f"overcast.{r}" in cmd), "dev"))
        role = {"sources": "dispatcher"}.get(role, role)
        out[pid] = (role, (int(fields[11]) + int(fields[12])) / tick)
    return out


def cpu_per_msg(before: dict, after: dict, messages: int) -> dict[str, float]:
    """CPU ms per message by role between two samples (a process that ended in between is not counted)."""
    used: dict[str, float] = {}
    for pid, (role, secs) in after.items():
        used[role] = used.get(role, 0.0) + secs - before.get(pid, (role, 0.0))[1]
    return {r: round(v * 1e3 / messages, 3) for r, v in sorted(used.items())}


def figures(ns: list[int]) -> dict:
    return {"p50_ms": round(pct(ns, 50), 3), "p99_ms": round(pct(ns, 99), 3), "received": len(ns)}


def pooled(runs: list[dict]) -> dict:
    """Several rounds of one path as one: percentiles of all samples are not recoverable, so the median round."""
    ok = [r for r in runs if r.get("available")]
    if not ok:
        return runs[-1]
    ok.sort(key=lambda r: r["p50_ms"])
    mid = dict(ok[len(ok) // 2])
    mid["rounds"] = [{k: r.get(k) for k in ("p50_ms", "p99_ms", "received", "lost", "environments")}
                     for r in runs if r.get("available")]
    return mid


def environments(platform) -> int | None:
    """How many execution environments the relay function's pool holds now (it grows under load)."""
    for status in platform.status("runtime"):
        for name, pool in status.get("pools", {}).items():
            if name.endswith(".relay.latest"):
                return pool.get("environments")
    return None


def reachable(host: str, port: int) -> str | None:
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return None
    except OSError as exc:
        return f"{host}:{port} not reachable ({exc.strerror or exc})"


def ratio(a: dict, b: dict, key: str) -> float | None:
    if not (a.get("available") and b.get("available")):
        return None
    return round(a[key] / b[key], 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rate", type=float, default=500.0, help="messages per second (default 500)")
    parser.add_argument("--seconds", type=float, default=5.0, help="measured window per path (default 5)")
    parser.add_argument("--warmup", type=float, default=1.0, help="unrecorded load before each window (1)")
    parser.add_argument("--low-rate", type=float, default=20.0,
                        help="rate of overcast_function_low, the function path without contention (20)")
    parser.add_argument("--rounds", type=int, default=1, help="interleaved rounds; the median round is reported")
    parser.add_argument("--mosquitto", default="127.0.0.1:1883", help="HOST:PORT of a running Mosquitto")
    parser.add_argument("--paths", default=",".join(PATHS), help=f"comma-separated subset of {','.join(PATHS)}")
    args = parser.parse_args()
    mhost, _, mport = args.mosquitto.rpartition(":")
    load = os.getloadavg()
    work = Path(tempfile.mkdtemp(prefix="overcast-bench-realtime-"))
    stack = work / "stack"
    shutil.copytree(STACK, stack)
    wanted = set(args.paths.split(","))
    if not wanted <= set(PATHS):
        parser.error(f"--paths: unknown {', '.join(sorted(wanted - set(PATHS)))}")
    runs: dict[str, list[dict]] = {k: [] for k in PATHS}
    try:
        with running_platform(stack, "--insecure") as platform:
            time.sleep(2.0)  # the dispatcher subscribes its rules, the runtime its functions
            info = json.loads((stack / ".overcast" / "platform.json").read_text())
            host, port = info["mqtt"].removeprefix("mqtt://").rsplit(":", 1)
            port = int(port)
            for _ in range(args.rounds):
                for name in runs:
                    if name not in wanted:
                        runs[name].append({"available": False, "reason": "not selected (--paths)"})
                    elif name == "mosquitto":
                        down = reachable(mhost, int(mport))
                        runs[name].append({"available": False, "reason": down} if down else measure(
                            mhost, int(mport), *PATHS[name], args.rate, args.seconds, args.warmup))
                    else:
                        rate = args.low_rate if name == "overcast_function_low" else args.rate
                        runs[name].append(measure(host, port, *PATHS[name], rate, args.seconds, args.warmup,
                                                  cpu_root=platform.proc.pid))
                        if name.startswith("overcast_function") and runs[name][-1].get("available"):
                            runs[name][-1]["environments"] = environments(platform)
            errors = [line.strip() for line in platform.output if "Error" in line or "error" in line][-5:]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    paths = {k: pooled(v) for k, v in runs.items()}
    if not paths["overcast_function"].get("available") and errors:
        paths["overcast_function"]["platform_errors"] = errors
    print(f"MQTT round trip at {args.rate:.0f} msg/s, {args.seconds:.0f} s per path, QoS 0, paho-mqtt (same run):")
    labels = {"overcast_function": "device → rule → function → iot-data publish → subscriber",
              "overcast_republish": "device → rule → republish action → subscriber",
              "nats_mqtt": "paho → nats-server MQTT → paho (same engine)",
              "mosquitto": f"paho → Mosquitto {args.mosquitto} → paho",
              "overcast_function_low": f"the function path at {args.low_rate:.0f} msg/s (no contention)"}
    for name, label in labels.items():
        f = paths[name]
        if f.get("available"):
            print(f"  {name:<21} p50 {f['p50_ms']:9.3f} ms  p99 {f['p99_ms']:9.3f} ms  "
                  f"received {f['received']}/{f['sent']}   {label}")
            if f.get("cpu_ms_per_msg"):
                pool = f" (function environments after the run: {f['environments']})" if "environments" in f else ""
                print(f"  {'':<21} platform CPU ms per message: "
                      + ", ".join(f"{r} {v}" for r, v in f["cpu_ms_per_msg"].items() if v) + pool)
        else:
            print(f"  {name:<21} unavailable: {f.get('reason')}   {label}")
    ours, raw, mosq = paths["overcast_function"], paths["nats_mqtt"], paths["mosquitto"]
    ratios = {}
    for variant in ("overcast_function", "overcast_republish"):
        for base in ("nats_mqtt", "mosquitto"):
            for key in ("p50_ms", "p99_ms"):
                ratios[f"{variant}_{key}_vs_{base}"] = ratio(paths[variant], paths[base], key)
    print(f"  overcast ÷ raw NATS-MQTT: p50 {ratios['overcast_function_p50_ms_vs_nats_mqtt']}×, "
          f"p99 {ratios['overcast_function_p99_ms_vs_nats_mqtt']}×;  overcast ÷ Mosquitto: "
          f"p50 {ratios['overcast_function_p50_ms_vs_mosquitto']}×, p99 {ratios['overcast_function_p99_ms_vs_mosquitto']}×")
    met = ours["p50_ms"] <= TARGET_P50_MS if ours.get("available") else False
    print(f"  load average (1 min) before/after: {load[0]:.2f} / {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    print(json.dumps({"bench": "realtime", "rate": args.rate, "seconds": args.seconds, "qos": 0,
                      "loadavg_before_after": [round(load[0], 2), round(os.getloadavg()[0], 2)],
                      "rounds": args.rounds, **paths, "mosquitto_available": bool(mosq.get("available")),
                      "ratios": ratios, "targets_met": {"overcast_p50_le_3ms": met}}))
    sys.exit(0 if ours.get("available") and raw.get("available") else 1)


if __name__ == "__main__":
    main()
