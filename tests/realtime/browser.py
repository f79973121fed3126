"""A headless Debian chromium driven through the Chrome DevTools Protocol, for the browser tests.

    with launch(tmp_path) as browser:
        page = browser.open("http://127.0.0.1:8080/dashboard")
        page.wait_for("document.body.dataset.state === 'subscribed'")
        png = page.screenshot()

Chromium is started with ``--remote-debugging-port=0`` (it picks a free port and writes it, with the browser
target's WebSocket path, to ``DevToolsActivePort`` in the profile directory); commands go over one WebSocket
(the ``websockets`` library, sync client) to the browser target, pages are attached as flat sessions.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

from websockets.sync.client import connect

CHROMIUM = "/usr/bin/chromium"
WAIT = 30.0


def chromium_path() -> str | None:
    """The Debian chromium binary, or None when it is not installed."""
    if os.access(CHROMIUM, os.X_OK):
        return CHROMIUM
    return shutil.which("chromium")


class CdpError(RuntimeError):
    pass


class Browser:
    def __init__(self, ws) -> None:
        self.ws = ws  # the browser target's DevTools WebSocket
        self.ids = itertools.count(1)
        self.events: list[dict] = []  # every event received (console messages, exceptions...)

    def send(self, method: str, params: dict | None = None, session: str | None = None,
             timeout: float = WAIT) -> dict:
        """One CDP command; returns its result (events arriving meanwhile are kept in ``events``)."""
        msg_id = next(self.ids)
        msg = {"id": msg_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        self.ws.send(json.dumps(msg))
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise CdpError(f"no answer to {method} within {timeout} s")
            reply = json.loads(self.ws.recv(timeout=left))
            if reply.get("id") == msg_id:
                if "error" in reply:
                    raise CdpError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            if "method" in reply:
                self.events.append(reply)

    def open(self, url: str, width: int = 1000, height: int = 700) -> Page:
        """A new tab showing ``url`` (returns once its load event fired)."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        page = Page(self, session)
        page.send("Runtime.enable")
        page.send("Page.enable")
        page.send("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
        page.send("Page.navigate", {"url": url})
        page.wait_for("location.href !== 'about:blank' && document.readyState === 'complete'")
        return page

    def console(self) -> list[str]:
        """What pages logged (console calls and uncaught exceptions), for failure messages."""
        out = []
        for ev in self.events:
            if ev["method"] == "Runtime.consoleAPICalled":
                out.append(" ".join(str(a.get("value", a.get("description", ""))) for a in ev["params"]["args"]))
            elif ev["method"] == "Runtime.exceptionThrown":
                details = ev["params"]["exceptionDetails"]
                out.append(details.get("exception", {}).get("description") or details.get("text", ""))
        return out

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.send("Browser.close", timeout=5)


class Page:
    def __init__(self, browser: Browser, session: str) -> None:
        self.browser = browser
        self.session = session

    def send(self, method: str, params: dict | None = None, timeout: float = WAIT) -> dict:
        return self.browser.send(method, params, self.session, timeout)

    def evaluate(self, expression: str):
        """The value of a JavaScript expression in the page (JSON-serialisable; promises are awaited)."""
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                "awaitPromise": True})
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            raise CdpError(details.get("exception", {}).get("description") or details.get("text"))
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = WAIT, describe: str | None = None):
        """Poll ``expression`` until it is truthy; returns its value. ``describe`` (an expression) is
        evaluated for the failure message."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                seen = self.evaluate(describe) if describe else None
                raise AssertionError(f"{expression!r} still false after {timeout} s; page: {seen!r}; "
                                     f"console: {self.browser.console()}")
            time.sleep(0.05)

    def screenshot(self) -> bytes:
        """The visible page as PNG bytes."""
        return base64.b64decode(self.send("Page.captureScreenshot", {"format": "png"})["data"])


def _active_port(profile: Path, proc: subprocess.Popen, timeout: float) -> str:
    """The browser target's WebSocket URL, from the ``DevToolsActivePort`` file chromium writes."""
    port_file = profile / "DevToolsActivePort"
    deadline = time.monotonic() + timeout
    while True:
        if port_file.exists():
            lines = port_file.read_text().splitlines()
            if len(lines) >= 2 and lines[0].isdigit():
                return f"ws://127.0.0.1:{lines[0]}{lines[1]}"
        if proc.poll() is not None or time.monotonic() > deadline:
            raise CdpError(f"chromium did not open its DevTools port (exit code {proc.poll()})")
        time.sleep(0.05)


@contextlib.contextmanager
def launch(tmp: Path, binary: str | None = None, timeout: float = WAIT):
    """Start headless chromium with a fresh profile under ``tmp``; yield a :class:`Browser`; stop it."""
    profile = Path(tmp) / "chromium-profile"
    profile.mkdir(parents=True, exist_ok=True)
    args = [binary or chromium_path() or CHROMIUM, "--headless=new", "--no-sandbox", "--remote-debugging-port=0",
            f"--user-data-dir={profile}", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
            "--no-default-browser-check", "about:blank"]
    # its own process group, so its helpers (zygote, renderers) are stopped with it
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        with connect(_active_port(profile, proc, timeout), max_size=None, open_timeout=timeout) as ws:
            browser = Browser(ws)
            try:
                yield browser
            finally:
                browser.close()
    finally:
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            pass
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)
