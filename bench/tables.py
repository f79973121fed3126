"""Tables benchmark: overcast's DynamoDB API vs moto in server mode, with an in-process SQLite floor.

    .venv/bin/python bench/tables.py [--quick]

Same run, same client code against two HTTP targets; two clients (``--client lean|boto3|both``, default
both): the lean one (bench/dynamo_loadgen.py: raw HTTP/1.1 + SigV4, asyncio, its own process), on which the
targets are judged, and boto3 (botocore, retries off, one Session and client per thread), the correctness
reference. Targets: ``overcast dev`` on a copy of
examples/hello (SQLite tables, the embedded default) and moto's server (the
peer implementation). Floor, in this process: the same operations on
overcast's storage API (no HTTP, no boto3) and through ``DynamoService.handle``
(overcast's server-side work without HTTP and SigV4). Operations: PutItem of
the same N items of ~200 bytes into a new table (pk S, sk N), then GetItem of
random existing keys and Query of one partition with Limit 10, each for a
fixed time; every answer is checked. Concurrency 1 and 8 for the HTTP
targets. Prints a table, then, as the last line, one JSON object with every
figure, ratio and target.
"""

from __future__ import annotations

import argparse
import array
import asyncio
import configparser
import functools
import itertools
import json
import math
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from importlib.metadata import version
from pathlib import Path

import boto3
from botocore.config import Config
from dynamo_loadgen import PER_PARTITION, item, key, probe, query_request
from harness import Children, leftovers, pct, read_ns, wait_for_url

from overcast.compat.dynamodb.service import DynamoService
from overcast.process import die_with_parent
from overcast.tables.sizes import item_size
from overcast.tables.storage import KeySchema, TableDef, open_storage

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "hello"
LOADGEN = Path(__file__).resolve().parent / "dynamo_loadgen.py"
OVERCAST = Path(sys.executable).parent / "overcast"
OPS = ("PutItem", "GetItem", "Query")
HTTP_TARGETS = ("moto", "overcast")  # run in this order at every step, so drift hits both
PAGE_BYTES = 1024 * 1024
REGION = "us-east-1"
CLIENT_CONFIG = Config(retries={"total_max_attempts": 1}, connect_timeout=10, read_timeout=60)
TARGET_RATIO, TARGET_SERVER_P50 = 5.0, 1.0  # from the issue
KINDS = {"lean": ("lean",), "boto3": ("boto3",), "both": ("lean", "boto3")}  # runs alternate per concurrency
SIZES = {  # items put per table; seconds per GetItem/Query run (HTTP, in-process); warm-up ops per client
    "default": {"items": 3000, "seconds": 6.0, "floor_seconds": 2.0, "warmup": 30},
    "quick": {"items": 600, "seconds": 1.5, "floor_seconds": 0.5, "warmup": 10},
}


# -- the data (key, item, query_request: dynamo_loadgen.py): item i is deterministic, so every answer is checked ---

def create_request(name: str) -> dict:
    return {"TableName": name, "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
                                     {"AttributeName": "sk", "AttributeType": "N"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}]}


def check(op: str, i: int, answer) -> str | None:
    """None if ``answer`` (GetItem: the item; Query: the items) is what was put, else what is wrong."""
    if op == "GetItem" and answer != item(i):
        return f"GetItem {key(i)} returned {answer!r}"
    if op == "Query" and answer != [item(i * PER_PARTITION + j) for j in range(10)]:
        return f"Query of partition {i} returned {len(answer or [])} items: {str(answer)[:300]}"
    return None


class Plan:
    """The same work for every target: PutItem of items 0..N-1 (all of them, however long it takes), then
    GetItem keys and Query partitions from one seeded sequence, for a fixed time per run."""

    def __init__(self, items: int, seconds: float, floor_seconds: float) -> None:
        rnd = random.Random(20261127)
        self.items, self.seconds, self.floor_seconds = items, seconds, floor_seconds
        self._keys = {"GetItem": [rnd.randrange(items) for _ in range(50_000)],
                      "Query": [rnd.randrange(items // PER_PARTITION) for _ in range(50_000)]}

    def work(self, op: str):
        """A fresh iterator; shared by a run's threads (next() on these is atomic under the GIL)."""
        return iter(range(self.items)) if op == "PutItem" else itertools.cycle(self._keys[op])

    def work_file(self, op: str, path: Path) -> Path:
        """The same work for the lean client's process: int32s, cycled there for GetItem/Query."""
        with path.open("wb") as fh:
            array.array("i", range(self.items) if op == "PutItem" else self._keys[op]).tofile(fh)
        return path


# -- CPU accounting: every process of a server's session (start_new_session: session id = its pid) -----------------

def session_pids(sid: int) -> dict[int, tuple[float, str]]:
    """pid -> (CPU seconds, name) of every live process in session ``sid``."""
    tick, found = os.sysconf("SC_CLK_TCK"), {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            raw = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        name, rest = raw[raw.index("(") + 1:raw.rindex(")")], raw[raw.rindex(")") + 2:].split()
        if int(rest[3]) == sid:
            found[int(entry)] = ((int(rest[11]) + int(rest[12])) / tick, name)
    return found


def session_cpu(sid: int) -> float:
    return sum(cpu for cpu, _ in session_pids(sid).values())


# -- HTTP targets: boto3, one Session + client per thread -----------------------------------------------------------

def clients(url: str, akid: str, secret: str, n: int) -> list:
    return [boto3.session.Session(aws_access_key_id=akid, aws_secret_access_key=secret, region_name=REGION)
            .client("dynamodb", endpoint_url=url, config=CLIENT_CONFIG) for _ in range(n)]


def http_call(op: str, table: str):
    """(client, i) -> the answer to check: GetItem's item, Query's items, None for PutItem."""
    if op == "PutItem":
        return lambda c, i: c.put_item(TableName=table, Item=item(i)) and None
    if op == "GetItem":
        return lambda c, i: c.get_item(TableName=table, Key=key(i)).get("Item")
    return lambda c, i: c.query(**query_request(table, i))["Items"]


class Errors:
    def __init__(self) -> None:
        self.count, self.first, self._lock = 0, None, threading.Lock()

    def add(self, what: str) -> None:
        with self._lock:
            self.count += 1
            self.first = self.first or what


def drive(cls: list, conc: int, op: str, table: str, plan: Plan, sid: int, warm: str, errors: Errors) -> dict:
    """``conc`` threads (closed loop, each its own client) share the work; latency per call."""
    call, todo, timed = http_call(op, table), plan.work(op), op != "PutItem"
    lats: list[list[int]] = [[] for _ in range(conc)]
    ready, deadline = threading.Barrier(conc + 1), [0.0]
    before = Errors()

    def worker(t: int) -> None:
        client, out = cls[t], lats[t]
        try:  # open (or reopen: keep-alive may have timed out) the connection before the clock starts
            client.get_item(TableName=warm, Key=key(0))
        except Exception as exc:
            before.add(f"{op} warm-up: {exc!r}")
        ready.wait()
        stop = deadline[0]
        for i in todo:
            t0 = time.perf_counter_ns()
            if timed and t0 >= stop:
                break
            try:
                answer = call(client, i)
            except Exception as exc:
                errors.add(f"{op} {i}: {exc!r}")
                continue
            out.append(time.perf_counter_ns() - t0)
            problem = check(op, i, answer)
            if problem:
                errors.add(problem)

    threads = [threading.Thread(target=worker, args=(t,), daemon=True) for t in range(conc)]
    for th in threads:
        th.start()
    while ready.n_waiting < conc:  # every thread at the barrier: ours is the last arrival, the clock starts here
        time.sleep(0.001)
    cpu0, srv0, t0 = time.process_time(), session_cpu(sid), time.perf_counter_ns()
    deadline[0] = t0 + int(plan.seconds * 1e9)
    ready.wait()
    for th in threads:
        th.join()
    elapsed, cpu = (time.perf_counter_ns() - t0) / 1e9, time.process_time() - cpu0
    srv = session_cpu(sid) - srv0
    if before.count:
        errors.add(before.first)
    return summary(sorted(ns for lat in lats for ns in lat), elapsed, cpu, srv)


def drive_lean(children: Children, tmp: Path, url: str, creds: tuple[str, str], conc: int, op: str, table: str,
               plan: Plan, sid: int, warm: str, warmup: int, errors: Errors) -> dict:
    """The lean client (dynamo_loadgen.py), one process, ``conc`` connections; it warms up, says it is ready,
    and starts when told, so the server CPU is read around its measured window only."""
    lat_file = tmp / f"lat-{table}-{op}.bin"
    argv = [sys.executable, LOADGEN, url, "--akid", creds[0], "--secret", creds[1], "--region", REGION,
            "--table", table, "--warm-table", warm, "--op", op, "--conns", conc, "--seconds", plan.seconds,
            "--work", plan.work_file(op, tmp / f"work-{op}.bin"), "--out", lat_file, "--warmup", warmup]
    proc = subprocess.Popen([str(x) for x in argv], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                            start_new_session=True, preexec_fn=functools.partial(die_with_parent, signal.SIGKILL))
    children.procs.append(proc)
    try:
        line = proc.stdout.readline()
        if not line.startswith('{"ready"'):
            raise RuntimeError(f"lean client did not start: {line!r} (exit {proc.wait()})")
        srv0 = session_cpu(sid)
        proc.stdin.write("go\n")
        proc.stdin.flush()
        line = proc.stdout.readline()
        srv = session_cpu(sid) - srv0
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        children.procs.remove(proc)
    try:
        res = json.loads(line)
    except ValueError:
        raise RuntimeError(f"lean client {op} c={conc}: no result (exit {proc.returncode}): {line!r}") from None
    if res["errors"]:
        errors.count += res["errors"] - 1
        errors.add(f"lean {res['first_error']}")
    out = summary(read_ns(lat_file), res["seconds"], res["cpu_s"], srv)
    out["connections_opened"] = res["connects"]
    return out


def summary(lat: list[int], elapsed: float, client_cpu: float, server_cpu: float | None) -> dict:
    n = len(lat)
    return {"ops": n, "seconds": elapsed, "ops_s": n / elapsed, "p50_ms": pct(lat, 50), "p99_ms": pct(lat, 99),
            "client_cpu_ms_per_op": div(client_cpu * 1e3, n),
            "server_cpu_ms_per_op": None if server_cpu is None else div(server_cpu * 1e3, n)}


def warm_up(cls: list, table: str, n: int, errors: Errors) -> None:
    """Every client does every operation a few times (connections, botocore's caches, server code paths)."""
    cls[0].create_table(**create_request(table))
    for t, c in enumerate(cls):
        for j in range(n):
            i = (t * n + j) % PER_PARTITION
            for op in OPS:
                try:
                    answer = http_call(op, table)(c, i if op != "Query" else 0)
                except Exception as exc:
                    errors.add(f"warm-up {op}: {exc!r}")
                    continue
                if op == "GetItem" and answer != item(i):
                    errors.add(f"warm-up GetItem {i}: {answer!r}")
    for i in range(PER_PARTITION):  # every key the per-run touch reads, and full partition 0 for the queries
        cls[0].put_item(TableName=table, Item=item(i))


def count_items(client, table: str) -> int:
    total, start = 0, None
    while True:
        page = client.scan(TableName=table, Select="COUNT", **({"ExclusiveStartKey": start} if start else {}))
        total += page["Count"]
        start = page.get("LastEvaluatedKey")
        if not start:
            return total


# -- floor: the same operations in this process, on overcast's storage and service ----------------------------------

async def floor(db: Path, plan: Plan, warm: int, errors: Errors) -> dict:
    storage = open_storage(f"sqlite:///{db}")
    await storage.open()
    try:
        service = DynamoService(storage)
        for name in ("warm-direct", "bench-direct"):
            await storage.create_table(TableDef(name=name, key=KeySchema("pk", "S", "sk", "N"),
                                                created_at=time.time(), attribute_types={"pk": "S", "sk": "N"}))
        for name in ("warm-service", "bench-service"):
            await service.handle("CreateTable", create_request(name), principal="")

        async def direct(table: str, op: str, i: int):
            if op == "PutItem":
                new = item(i)
                return await storage.write(table, key(i), lambda old: new) and None
            if op == "GetItem":
                return await storage.get_item(table, key(i))
            page = await storage.query(table, None, {"S": f"user-{i:05d}"}, None, True, None, 10, PAGE_BYTES)
            return page.items

        async def served(table: str, op: str, i: int):
            if op == "PutItem":
                return await service.handle(op, {"TableName": table, "Item": item(i)}, principal="") and None
            if op == "GetItem":
                return (await service.handle(op, {"TableName": table, "Key": key(i)}, principal="")).get("Item")
            return (await service.handle(op, query_request(table, i), principal=""))["Items"]

        paths = (("sqlite_direct", direct, "direct"), ("service", served, "service"))
        for _, fn, suffix in paths:  # warm-up on tables of their own (one full partition), as for the HTTP targets
            for op in OPS:
                for j in range(max(warm, PER_PARTITION) if op == "PutItem" else warm):
                    await fn(f"warm-{suffix}", op, 0 if op == "Query" else j % PER_PARTITION)
        out: dict = {name: {} for name, _, _ in paths}
        for op in OPS:
            for name, fn, suffix in paths:
                out[name][op] = await timed(functools.partial(fn, f"bench-{suffix}"), op, plan, errors)
        return out
    finally:
        await storage.close()


async def timed(fn, op: str, plan: Plan, errors: Errors) -> dict:
    lat, limited = [], op != "PutItem"
    cpu0, t0 = time.process_time(), time.perf_counter_ns()
    stop = t0 + int(plan.floor_seconds * 1e9)
    for i in plan.work(op):
        s = time.perf_counter_ns()
        if limited and s >= stop:
            break
        try:
            answer = await fn(op, i)
        except Exception as exc:
            errors.add(f"in-process {op} {i}: {exc!r}")
            continue
        lat.append(time.perf_counter_ns() - s)
        problem = check(op, i, answer)
        if problem:
            errors.add(problem)
    elapsed, cpu = (time.perf_counter_ns() - t0) / 1e9, time.process_time() - cpu0
    return summary(sorted(lat), elapsed, cpu, None)


# -- the run --------------------------------------------------------------------------------------------------------

def measure(children: Children, tmp: Path, plan: Plan, warm: int, kinds: tuple[str, ...], errors: Errors) -> dict:
    stack_dir = tmp / "hello"
    shutil.copytree(EXAMPLE, stack_dir, ignore=shutil.ignore_patterns(".overcast", "__pycache__"))
    oc_log, moto_log = tmp / "overcast.log", tmp / "moto.log"
    oc = children.start([OVERCAST, "dev", stack_dir, "--port", "0"], oc_log.open("wb"), deathsig=signal.SIGTERM)
    # moto 5.2.5: `python -m moto.server -H HOST -p PORT` (werkzeug, threaded); with -p 0 the kernel picks a free
    # port and werkzeug prints the real one ("Running on http://127.0.0.1:NNNNN"), so no port is guessed.
    moto = children.start([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", "0"], moto_log.open("wb"),
                          cwd=tmp)
    urls = {"moto": wait_for_url(moto_log, r"Running on (http://127\.0\.0\.1:\d+)", moto),
            "overcast": wait_for_url(oc_log, r"serving at (http://\S+)", oc)}
    info = json.loads((stack_dir / ".overcast" / "platform.json").read_text())
    creds = configparser.ConfigParser()
    creds.read(info["credentialsFile"])
    secret = {"moto": ("testing", "testing"),
              "overcast": (creds["overcast"]["aws_access_key_id"], creds["overcast"]["aws_secret_access_key"])}
    sids = {"moto": moto.pid, "overcast": oc.pid}
    print(f"moto {urls['moto']}  overcast {urls['overcast']}", file=sys.stderr)
    cls = {t: clients(urls[t], *secret[t], 8 if "boto3" in kinds else 1) for t in HTTP_TARGETS}
    for t in HTTP_TARGETS:
        if "boto3" in kinds:
            print(f"{t}: boto3 warm-up, {warm} of each operation per client ...", file=sys.stderr)
            warm_up(cls[t], "bench-warm", warm, errors)
        else:
            warm_up(cls[t], "bench-warm", 1, errors)
    out: dict = {k: {t: {} for t in HTTP_TARGETS} for k in kinds}
    if "lean" in kinds:  # overcast verifies signatures: the lean client's must pass, a wrong one must not
        out["_signature_probe"] = asyncio.run(probe(urls["overcast"], *secret["overcast"], REGION, "bench-warm"))
        print(f"overcast signature probe: {out['_signature_probe']}", file=sys.stderr)
        if out["_signature_probe"]["good"]["status"] != 200 or out["_signature_probe"]["bad"]["status"] == 200:
            errors.add(f"signature probe: {out['_signature_probe']}")
    for conc in (1, 8):
        for kind in kinds:
            table = f"bench-{kind}-c{conc}"
            for t in HTTP_TARGETS:
                cls[t][0].create_table(**create_request(table))
                out[kind][t][f"c{conc}"] = {}
            for op in OPS:
                for t in HTTP_TARGETS:
                    what = f"x{plan.items}" if op == "PutItem" else f"{plan.seconds:g} s"
                    print(f"{kind} {t} c={conc} {op} {what} ...", file=sys.stderr)
                    if kind == "boto3":
                        r = drive(cls[t], conc, op, table, plan, sids[t], "bench-warm", errors)
                    else:
                        r = drive_lean(children, tmp, urls[t], secret[t], conc, op, table, plan, sids[t],
                                       "bench-warm", warm, errors)
                    out[kind][t][f"c{conc}"][op] = r
            for t in HTTP_TARGETS:  # boto3 checks what either client stored: the count, and a sample of items
                stored = count_items(cls[t][0], table)
                if stored != plan.items:
                    errors.add(f"{t} {table} holds {stored} items after {plan.items} PutItems")
                for i in random.Random(conc).sample(range(plan.items), 20):
                    got = cls[t][0].get_item(TableName=table, Key=key(i)).get("Item")
                    if got != item(i):
                        errors.add(f"{t} {table}: boto3 GetItem {i} after {kind} PutItem returned {got!r}")
    print("in-process floor (storage API, DynamoService) c=1 ...", file=sys.stderr)
    floor_out = asyncio.run(floor(tmp / "floor" / "tables.db", plan, warm, errors))
    for name, ops in floor_out.items():
        out[name] = {"c1": ops}
    out["_processes"] = {t: sorted({name for _, name in session_pids(sids[t]).values()}) for t in HTTP_TARGETS}
    return out


def clean(v):
    """Rounded for the JSON line; NaN (no samples) becomes null."""
    if isinstance(v, float):
        return None if math.isnan(v) else round(v, 3)
    if isinstance(v, dict):
        return {k: clean(x) for k, x in v.items()}
    return v


def div(x: float, y: float) -> float:
    return x / y if y else math.nan


def report(res: dict, a, plan: Plan, errors: Errors, leftover: list[str]) -> dict:
    procs, probe_ = res.pop("_processes"), res.pop("_signature_probe", None)
    kinds = KINDS[a.client]
    judged = kinds[0]  # lean when it ran
    ratios = {k: {f"c{c}": {op: div(res[k]["overcast"][f"c{c}"][op]["ops_s"], res[k]["moto"][f"c{c}"][op]["ops_s"])
                            for op in OPS} for c in (1, 8)} for k in kinds}
    cpu_ratios = {k: {f"c{c}": {op: div(res[k]["moto"][f"c{c}"][op]["server_cpu_ms_per_op"],
                                        res[k]["overcast"][f"c{c}"][op]["server_cpu_ms_per_op"]) for op in OPS}
                      for c in (1, 8)} for k in kinds}
    p50_added = {k: {op: res[k]["overcast"]["c1"][op]["p50_ms"] - res["service"]["c1"][op]["p50_ms"] for op in OPS}
                 for k in kinds}
    server_p50 = res["service"]["c1"]["GetItem"]["p50_ms"]
    print(f"\n{'client':<7}{'target':<14}{'conc':>5}  {'operation':<9}{'ops':>7}{'p50 ms':>9}{'p99 ms':>9}{'ops/s':>9}"
          f"{'client CPU':>12}{'server CPU':>12}")
    rows = [(k, t, c) for k in kinds for c in (1, 8) for t in HTTP_TARGETS]
    rows += [("-", "service", 1), ("-", "sqlite_direct", 1)]
    for k, t, c in rows:
        for op in OPS:
            r = (res[t] if k == "-" else res[k][t])[f"c{c}"][op]
            srv = "" if r["server_cpu_ms_per_op"] is None else f"{r['server_cpu_ms_per_op']:.3f}"
            print(f"{k:<7}{t:<14}{c:>5}  {op:<9}{r['ops']:>7}{r['p50_ms']:>9.3f}{r['p99_ms']:>9.3f}{r['ops_s']:>9.0f}"
                  f"{r['client_cpu_ms_per_op']:>12.3f}{srv:>12}".rstrip())
    print("(CPU columns: ms of CPU per operation; client = the client's process (lean: dynamo_loadgen.py; boto3:"
          " this process, all threads); server = every process of the target's session)")
    for k in kinds:
        print(f"\n[{k}] throughput overcast/moto: " + "; ".join(
            f"c={c}: " + ", ".join(f"{op} {ratios[k][f'c{c}'][op]:.2f}" for op in OPS) for c in (1, 8)))
        print(f"[{k}] server CPU per operation moto/overcast: " + "; ".join(
            f"c={c}: " + ", ".join(f"{op} {cpu_ratios[k][f'c{c}'][op]:.2f}" for op in OPS) for c in (1, 8)))
        print(f"[{k}] p50 added by client+HTTP+SigV4 (overcast c=1 minus DynamoService in-process): "
              + ", ".join(f"{op} {v:.3f} ms" for op, v in p50_added[k].items()))
    if probe_:
        print(f"\novercast SigV4 probe (lean signer): good signature -> {probe_['good']['status']}, "
              f"wrong signature -> {probe_['bad']['status']} {probe_['bad']['body'][:80]}")
    targets = {f"throughput_ratio_c8_{op}": target(ratios[judged]["c8"][op], ">=", TARGET_RATIO) for op in OPS}
    targets["server_side_getitem_p50_ms"] = target(server_p50, "<=", TARGET_SERVER_P50)
    print(f"targets judged on the {judged} client:")
    for name, t in targets.items():
        print(f"target {name} {t['target']}: {t['value']} -> {'met' if t['met'] else 'MISSED'}")
    if errors.count:
        print(f"WARNING: {errors.count} errors; first: {errors.first}")
    if leftover:
        print(f"WARNING: processes left behind (killed now): {leftover}")
    return {"bench": "tables", "mode": "quick" if a.quick else "default", "client": a.client,
            "nproc": os.cpu_count(), "items": plan.items, "seconds_per_run": plan.seconds,
            "floor_seconds_per_run": plan.floor_seconds, "item_bytes": item_size(item(0)),
            "warmup_per_client": a.warmup,
            "versions": {"moto": version("moto"), "boto3": version("boto3"), "botocore": version("botocore"),
                         "uvloop": version("uvloop"), "sqlite": sqlite3.sqlite_version},
            "server_processes": procs, "signature_probe": probe_, "results": clean(res),
            "ratios_overcast_over_moto_ops_s": clean(ratios),
            "ratios_server_cpu_per_op_moto_over_overcast": clean(cpu_ratios),
            "p50_added_ms_overcast_c1_over_service": clean(p50_added),
            "server_side_getitem_p50_ms": clean(server_p50), "targets_client": judged, "targets": targets,
            "all_targets_met": all(t["met"] for t in targets.values()), "errors": errors.count,
            "first_error": errors.first, "ok": errors.count == 0 and not leftover,
            "leftover_processes": len(leftover)}


def target(value: float, op: str, limit: float) -> dict:
    met = value <= limit if op == "<=" else value >= limit  # False for NaN
    return {"value": clean(value), "target": f"{op} {limit:g}", "met": bool(met)}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="short run (~30 s), for smoke tests")
    p.add_argument("--items", type=int, help="items put per table (a multiple of 50)")
    p.add_argument("--seconds", type=float, help="seconds per GetItem and Query run of an HTTP target")
    p.add_argument("--floor-seconds", type=float, help="seconds per GetItem and Query run in-process")
    p.add_argument("--warmup", type=int, help="warm-up operations of each kind per client")
    p.add_argument("--client", choices=tuple(KINDS), default="both",
                   help="lean (raw HTTP + SigV4, its own process), boto3, or both (default); targets: lean's")
    a = p.parse_args()
    size = SIZES["quick" if a.quick else "default"]
    for name in size:
        setattr(a, name, getattr(a, name) or size[name])
    if a.items % PER_PARTITION or a.items < PER_PARTITION:
        p.error(f"--items must be a positive multiple of {PER_PARTITION}")
    plan = Plan(a.items, a.seconds, a.floor_seconds)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the cleanup below on SIGTERM too
    tmp = Path(tempfile.mkdtemp(prefix="overcast-bench-"))
    children, errors = Children(), Errors()
    try:
        res = measure(children, tmp, plan, a.warmup, KINDS[a.client], errors)
    except KeyboardInterrupt:
        print("interrupted; stopping every process started", file=sys.stderr)
        return 130
    finally:
        children.stop_all()
        found = {int(line.split()[0]): line for line in leftovers(tmp)}
        found |= {pid: f"{pid} {name}" for proc in children.procs for pid, (_, name) in session_pids(proc.pid).items()}
        leftover = list(found.values())
        for line in leftover:
            try:
                os.kill(int(line.split()[0]), signal.SIGKILL)
            except (ProcessLookupError, ValueError):
                pass
        shutil.rmtree(tmp, ignore_errors=True)
    summary_ = report(res, a, plan, errors, leftover)
    print(json.dumps(summary_, separators=(",", ":")))
    return 0 if summary_["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
