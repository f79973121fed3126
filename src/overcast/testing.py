"""Run a real overcast platform from a test, the way the project's own tests do.

    from overcast.testing import running_platform

    with running_platform("path/to/stack") as p:
        httpx.get(p.url + "/hello/world")
        p.invoke("hello", {"name": "x"})

It starts ``overcast dev`` in a child process (embedded nats-server, runtime,
gateway — nothing mocked), waits for it to serve, and stops it afterwards,
making sure no process of the tree survives.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from overcast.process import terminate

_SERVING = re.compile(r"serving at (http://\S+)\s+\(engine (nats://\S+);")


@dataclass
class Platform:
    proc: subprocess.Popen
    url: str
    nats_url: str
    stack_dir: Path
    output: list[str] = field(default_factory=list)

    def cli(self, *args: str, input: bytes | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
        """Run ``overcast ARGS`` against this platform; returns the completed process (text output)."""
        return subprocess.run([sys.executable, "-m", "overcast", *args, "--nats", self.nats_url],
                              capture_output=True, text=True, input=input, timeout=timeout)

    def invoke(self, function: str, event: object = None) -> subprocess.CompletedProcess:
        return self.cli("invoke", function, "--data", json.dumps({} if event is None else event))

    def status(self, role: str = "runtime") -> list[dict]:
        """The status every live process of ``role`` reports (pools, served revisions)."""
        import asyncio

        import nats

        from overcast.platform import nodes

        async def ask():
            nc = await nats.connect(self.nats_url)
            try:
                found = [await nodes.status(nc, r, n, timeout=2) for r, n in await nodes.live(nc, role)]
                return [s for s in found if s is not None and s is not nodes.GONE]
            finally:
                await nc.close()
        return asyncio.run(ask())

    @property
    def control_url(self) -> str:
        return self._info()["control"]

    @property
    def token(self) -> str:
        return Path(self._info()["tokenFile"]).read_text().strip()

    def _info(self) -> dict:
        return json.loads((self.stack_dir / ".overcast" / "platform.json").read_text())

    def aws_session(self, region: str = "us-east-1"):
        """A ``boto3.session.Session`` signing with this platform's issued credentials, for boto3
        clients of its AWS-compatible endpoints: ``session.client('sqs', endpoint_url=platform.url)``.

        The dev platform writes the credentials to the file named by ``credentialsFile`` in its
        ``platform.json`` (AWS shared-credentials format, profile ``overcast``).
        """
        import configparser

        import boto3

        creds = configparser.ConfigParser()
        creds.read(self._info()["credentialsFile"])
        section = creds["overcast"]
        return boto3.session.Session(aws_access_key_id=section["aws_access_key_id"],
                                     aws_secret_access_key=section["aws_secret_access_key"], region_name=region)

    def deploy(self, *dirs: str | os.PathLike, args: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
        """``overcast deploy DIRS --yes`` against this platform's control API, from another process."""
        return subprocess.run([sys.executable, "-m", "overcast", "deploy", *map(str, dirs), "--yes",
                               "--endpoint", self.control_url, "--token", self.token, *args],
                              capture_output=True, text=True, timeout=180)

    def control(self, *args: str) -> subprocess.CompletedProcess:
        """Any control-API command (``plan``, ``stacks``, ``remove``...) with this platform's endpoint and token."""
        return subprocess.run([sys.executable, "-m", "overcast", *args, "--endpoint", self.control_url,
                               "--token", self.token], capture_output=True, text=True, timeout=180)

    def descendants(self) -> list[int]:
        return descendants(self.proc.pid)

    def log_text(self) -> str:
        return "".join(self.output)


def descendants(pid: int) -> list[int]:
    """Every live process below ``pid`` (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                stat = fh.read()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()
        if fields[0] == "Z":
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            stat = fh.read()
    except OSError:
        return False
    return stat[stat.rfind(")") + 2] != "Z"


def _pump(stream, sink: list[str], ready: threading.Event, found: dict) -> None:
    for line in stream:
        sink.append(line)
        m = _SERVING.search(line)
        if m and not ready.is_set():
            found["url"], found["nats"] = m.group(1), m.group(2)
            ready.set()
    ready.set()


@contextlib.contextmanager
def running_platform(stack_dir: str | os.PathLike, *args: str, timeout: float = 60.0):
    """Start ``overcast dev STACK_DIR --port 0 ARGS`` and yield a :class:`Platform`."""
    stack_dir = Path(stack_dir)
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, "-m", "overcast", "dev", str(stack_dir), "--port", "0", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    output: list[str] = []
    ready, found = threading.Event(), {}
    threading.Thread(target=_pump, args=(proc.stdout, output, ready, found), daemon=True).start()
    try:
        if not ready.wait(timeout) or "url" not in found:
            raise RuntimeError(f"overcast dev did not start within {timeout} s:\n{''.join(output)}")
        yield Platform(proc, found["url"], found["nats"], stack_dir, output)
    finally:
        stop(proc)


def stop(proc: subprocess.Popen, grace: float = 20.0) -> None:
    """SIGTERM the platform, wait, and kill whatever of its tree is left."""
    tree = descendants(proc.pid)
    terminate(proc, grace)
    deadline = time.monotonic() + 5
    while any(alive(p) for p in tree) and time.monotonic() < deadline:
        time.sleep(0.05)
    for pid in tree:
        if alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
