"""HTTP invoke benchmark: examples/hello through overcast vs the same handler on bare uvicorn.

    .venv/bin/python bench/http_invoke.py [--duration S] [--quick]

Both targets run side by side in this run and are driven by the same client
(bench/loadgen.py, its own processes): concurrency 1 and 32, closed loop,
keep-alive. Cold starts: overcast's first request to a brand-new execution
environment (the handler file is touched before each request) vs starting a
fresh ``python`` that imports the handler and calls it once. Prints a table,
then, as the last line, one JSON object with every figure, ratio and target.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from harness import Children, leftovers, pct, read_ns, wait_for_url

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
EXAMPLE = ROOT / "examples" / "hello"
OVERCAST = Path(sys.executable).parent / "overcast"
PATH = "/hello/world"
EXPECT = '{"message": "hello world"}'
TARGETS = {  # from the issue
    "added_p50_ms_c1": ("<=", 1.0),
    "throughput_ratio_c32": (">=", 0.4),
    "cold_start_p50_ms": ("<=", 50.0),
}
# A naive per-request-process runtime: a new interpreter imports the handler and calls it once.
COLD_BASELINE = ("import json, sys; sys.path.insert(0, sys.argv[1]); import app; "
                 "print(json.dumps(app.handler({'pathParameters': {'name': 'world'}}, None)))")


def check(url: str) -> None:
    with urllib.request.urlopen(url + PATH, timeout=10) as resp:
        body = resp.read().decode()
    if resp.status != 200 or body != EXPECT:
        raise RuntimeError(f"{url}{PATH} answered {resp.status} {body!r}, expected {EXPECT!r}")


def spawn_client(children: Children, tmp: Path, args: list) -> tuple[subprocess.Popen, Path]:
    out = tmp / f"lat-{time.monotonic_ns()}.bin"
    proc = children.start([sys.executable, BENCH / "loadgen.py", *args, "--expect", EXPECT, "--out", out],
                          subprocess.PIPE, text=True)
    return proc, out


def collect(proc: subprocess.Popen, timeout: float) -> dict:
    stdout, _ = proc.communicate(timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"load generator failed (exit {proc.returncode}):\n{stdout[-3000:]}")
    return json.loads(stdout.strip().splitlines()[-1])


def run_load(children, tmp, url, conns, procs, warmup, duration) -> dict:
    start_at = time.time() + 1.0  # every client process up, every connection open
    each = [conns // procs + (1 if i < conns % procs else 0) for i in range(procs)]
    spawned = [spawn_client(children, tmp, [url + PATH, "--conns", n, "--start-at", start_at, "--warmup", warmup,
                                            "--duration", duration]) for n in each]
    results = [collect(proc, warmup + duration + 60) for proc, _ in spawned]
    outs = [out for _, out in spawned]
    lat = sorted(ns for out in outs for ns in read_ns(out))
    errors = sum(r["errors"] for r in results)
    return {"conns": conns, "client_procs": procs, "requests": len(lat), "errors": errors,
            "first_error": next((r["first_error"] for r in results if r["first_error"]), None),
            "p50_ms": pct(lat, 50), "p99_ms": pct(lat, 99), "rps": len(lat) / duration}


def cold_overcast(children, tmp, url, handler_file: Path, n: int) -> dict:
    proc, out = spawn_client(children, tmp, [url + PATH, "--cold", n, "--touch", handler_file])
    result, lat = collect(proc, 60 + n * 15), read_ns(out)
    return {"n": len(lat), "errors": result["errors"], "first_error": result["first_error"],
            "p50_ms": pct(lat, 50), "p90_ms": pct(lat, 90)}


def cold_baseline(stack_dir: Path, n: int) -> dict:
    lat, errors, first = [], 0, None
    for _ in range(n):
        t0 = time.perf_counter_ns()
        done = subprocess.run([sys.executable, "-c", COLD_BASELINE, stack_dir], capture_output=True, text=True,
                              timeout=60)
        lat.append(time.perf_counter_ns() - t0)
        if done.returncode != 0 or done.stdout.strip() != EXPECT:
            errors += 1
            first = first or f"exit {done.returncode}: {(done.stdout + done.stderr)[-300:]!r}"
    lat.sort()
    return {"n": n, "errors": errors, "first_error": first, "p50_ms": pct(lat, 50), "p90_ms": pct(lat, 90)}


def init_durations(stack_dir: Path, n: int) -> dict:
    """``Init Duration`` of the last ``n`` cold starts, from the REPORT lines of ``overcast logs``."""
    try:
        done = subprocess.run([OVERCAST, "logs", "hello", "--dir", stack_dir], capture_output=True, text=True,
                              timeout=60)
    except subprocess.TimeoutExpired:
        return {"n": 0}
    found = sorted(float(x) * 1e6 for x in re.findall(r"Init Duration: ([\d.]+) ms", done.stdout)[-n:])
    return {"n": len(found), "p50_ms": pct(found, 50), "p90_ms": pct(found, 90)}


def measure(children: Children, tmp: Path, a) -> dict:
    stack_dir = tmp / "hello"
    shutil.copytree(EXAMPLE, stack_dir, ignore=shutil.ignore_patterns(".overcast", "__pycache__"))
    handler_file = stack_dir / "app.py"
    base_log, oc_log = tmp / "baseline.log", tmp / "overcast.log"
    base = children.start([sys.executable, BENCH / "baseline_server.py", handler_file], base_log.open("wb"))
    oc = children.start([OVERCAST, "dev", stack_dir, "--port", "0"], oc_log.open("wb"), deathsig=signal.SIGTERM)
    urls = {"baseline": wait_for_url(base_log, r"serving at (http://\S+)", base),
            "overcast": wait_for_url(oc_log, r"serving at (http://\S+)", oc)}
    for url in urls.values():
        check(url)
    print(f"baseline {urls['baseline']}  overcast {urls['overcast']}", file=sys.stderr)
    out = {"baseline": {}, "overcast": {}}
    print(f"cold starts x{a.cold} ...", file=sys.stderr)
    out["overcast"]["cold_start"] = cold_overcast(children, tmp, urls["overcast"], handler_file, a.cold)
    out["overcast"]["init_duration"] = init_durations(stack_dir, a.cold)
    out["baseline"]["cold_start"] = cold_baseline(stack_dir, a.cold)
    for conns in (1, 32):
        for name in ("baseline", "overcast"):  # interleaved, so drift hits both
            procs = a.client_procs if conns > 1 else 1
            print(f"{name} c={conns} ({procs} client process(es)) {a.warmup}+{a.duration} s ...", file=sys.stderr)
            out[name][f"c{conns}"] = run_load(children, tmp, urls[name], conns, procs, a.warmup, a.duration)
    return out


def div(x: float, y: float) -> float:
    return x / y if y else math.nan


def clean(v: float) -> float | None:
    """Rounded for the JSON line; NaN (no samples: every request failed) becomes null."""
    return None if math.isnan(v) else round(v, 3)


def target(name: str, value: float) -> dict:
    op, limit = TARGETS[name]
    met = value <= limit if op == "<=" else value >= limit  # False for NaN
    return {"value": clean(value), "target": f"{op} {limit:g}", "met": bool(met)}


def report(res: dict, a, leftover: list[str]) -> dict:
    b, o = res["baseline"], res["overcast"]
    ratios = {
        "added_p50_ms_c1": o["c1"]["p50_ms"] - b["c1"]["p50_ms"],
        "throughput_ratio_c1": div(o["c1"]["rps"], b["c1"]["rps"]),
        "throughput_ratio_c32": div(o["c32"]["rps"], b["c32"]["rps"]),
        "cold_start_ratio_p50": div(o["cold_start"]["p50_ms"], b["cold_start"]["p50_ms"]),
    }
    errors = sum(res[t][k]["errors"] for t in res for k in ("c1", "c32", "cold_start"))
    print(f"\n{'target':<10}{'conc':>5}{'requests':>10}{'errors':>8}{'p50 ms':>9}{'p99 ms':>9}{'req/s':>10}")
    for conns in (1, 32):
        for t in ("baseline", "overcast"):
            r = res[t][f"c{conns}"]
            print(f"{t:<10}{conns:>5}{r['requests']:>10}{r['errors']:>8}{r['p50_ms']:>9.3f}{r['p99_ms']:>9.3f}"
                  f"{r['rps']:>10.0f}")
    print(f"\n{'cold start':<44}{'n':>4}{'errors':>8}{'p50 ms':>9}{'p90 ms':>9}")
    rows = [("baseline: fresh `python -c` importing+calling", b["cold_start"]),
            ("overcast: first request to a new environment", o["cold_start"]),
            ("overcast: Init Duration from the REPORT lines", {**o["init_duration"], "errors": 0})]
    for label, r in rows:
        print(f"{label:<44}{r['n']:>4}{r['errors']:>8}{r.get('p50_ms', math.nan):>9.2f}{r.get('p90_ms', math.nan):>9.2f}")
    targets = {"added_p50_ms_c1": target("added_p50_ms_c1", ratios["added_p50_ms_c1"]),
               "throughput_ratio_c32": target("throughput_ratio_c32", ratios["throughput_ratio_c32"]),
               "cold_start_p50_ms": target("cold_start_p50_ms", o["cold_start"]["p50_ms"])}
    print(f"\nadded p50 latency at c=1: {ratios['added_p50_ms_c1']:.3f} ms; throughput overcast/baseline: "
          f"c=1 {ratios['throughput_ratio_c1']:.3f}, c=32 {ratios['throughput_ratio_c32']:.3f}; "
          f"cold start p50 ratio overcast/baseline: {ratios['cold_start_ratio_p50']:.3f}")
    for name, t in targets.items():
        print(f"target {name} {t['target']}: {t['value']} -> {'met' if t['met'] else 'MISSED'}")
    if errors:
        first = next((r["first_error"] for t in res.values() for r in t.values() if r.get("first_error")), None)
        print(f"WARNING: {errors} failed requests; first: {first}")
    if leftover:
        print(f"WARNING: processes left behind (killed now): {leftover}")
    rnd = lambda d: {k: (clean(v) if isinstance(v, float) else v) for k, v in d.items()}  # noqa: E731
    return {"bench": "http_invoke", "mode": "quick" if a.quick else "default", "warmup_s": a.warmup,
            "duration_s": a.duration, "cold_n": a.cold, "client_procs_c32": a.client_procs, "nproc": os.cpu_count(),
            "baseline": {k: rnd(v) for k, v in b.items()}, "overcast": {k: rnd(v) for k, v in o.items()},
            "ratios": rnd(ratios), "targets": targets, "all_targets_met": all(t["met"] for t in targets.values()),
            "errors": errors, "ok": errors == 0 and not leftover, "leftover_processes": len(leftover)}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--duration", type=float, help="seconds measured per load run (default 12; quick 2)")
    p.add_argument("--warmup", type=float, help="seconds of unrecorded warm-up per run (default 1; quick 0.5)")
    p.add_argument("--cold", type=int, help="cold starts measured per target (default 30; quick 10)")
    p.add_argument("--client-procs", type=int, default=1, help="client processes sharing the 32 connections")
    p.add_argument("--quick", action="store_true", help="short run (~20 s), for smoke tests")
    a = p.parse_args()
    a.duration = a.duration or (2.0 if a.quick else 12.0)
    a.warmup = a.warmup if a.warmup is not None else (0.5 if a.quick else 1.0)
    a.cold = a.cold or (10 if a.quick else 30)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the cleanup below on SIGTERM too
    tmp = Path(tempfile.mkdtemp(prefix="overcast-bench-"))
    children = Children()
    try:
        res = measure(children, tmp, a)
    except KeyboardInterrupt:
        print("interrupted; stopping every process started", file=sys.stderr)
        return 130
    finally:
        children.stop_all()
        leftover = leftovers(tmp)
        for line in leftover:
            try:
                os.kill(int(line.split()[0]), signal.SIGKILL)
            except (ProcessLookupError, ValueError):
                pass
        shutil.rmtree(tmp, ignore_errors=True)
    summary = report(res, a, leftover)
    print(json.dumps(summary, separators=(",", ":")))
    return 0 if summary["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
