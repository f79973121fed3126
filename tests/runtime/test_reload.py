"""Edits apply on the very next request: no stale code, init runs again per new environment."""

from __future__ import annotations

import shutil

import httpx

from overcast.testing import running_platform
from tests.conftest import FIXTURES

HANDLER = '''
import os
INITS = globals().get("INITS", 0) + 1
VERSION = {version}

def handler(event, context):
    return {{"version": VERSION, "inits": INITS, "pid": os.getpid()}}
'''

STACK = """
stack: live
functions:
  app:
    handler: app.handler
    routes: ["GET /v"]
"""


def test_every_edit_is_served_on_the_next_request(tmp_path):
    (tmp_path / "overcast.yml").write_text(STACK)
    (tmp_path / "app.py").write_text(HANDLER.format(version=0))
    with running_platform(tmp_path) as p, httpx.Client(base_url=p.url) as client:
        first = client.get("/v").json()
        assert first["version"] == 0 and first["inits"] == 1
        warm = client.get("/v").json()
        assert warm["pid"] == first["pid"]
        pids = {first["pid"]}
        for version in range(1, 8):
            # same size and same second as the previous edit: a .pyc check by mtime would miss it
            (tmp_path / "app.py").write_text(HANDLER.format(version=version))
            body = client.get("/v").json()  # immediately, no sleep
            assert body["version"] == version
            assert body["inits"] == 1  # module-level init ran again, once, in a new environment
            assert body["pid"] not in pids
            pids.add(body["pid"])
            again = client.get("/v").json()
            assert again == body  # and that new environment is then reused warm


def test_new_module_and_stack_file_edits(tmp_path):
    (tmp_path / "overcast.yml").write_text(STACK)
    (tmp_path / "app.py").write_text("from helper import word\n\ndef handler(e, c):\n    return word()\n")
    (tmp_path / "helper.py").write_text("def word():\n    return 'one'\n")
    with running_platform(tmp_path) as p:
        assert httpx.get(p.url + "/v").json() == "one"
        (tmp_path / "helper.py").write_text("def word():\n    return 'two'\n")
        assert httpx.get(p.url + "/v").json() == "two"
        # a broken stack file is reported and the previous revision keeps serving
        (tmp_path / "overcast.yml").write_text(STACK.replace("routes:", "routs:"))
        _wait_for(lambda: "not applied" in p.log_text())
        assert "did you mean 'routes'" in p.log_text()
        assert httpx.get(p.url + "/v").json() == "two"
        # a valid change (new route) is applied
        (tmp_path / "overcast.yml").write_text(STACK.replace('["GET /v"]', '["GET /v", "GET /w"]'))
        _wait_for(lambda: "applied (revision" in p.log_text())
        _wait_for(lambda: httpx.get(p.url + "/w").status_code == 200)
        assert httpx.get(p.url + "/w").json() == "two"


def test_handler_syntax_error_then_fix(tmp_path):
    shutil.copy(FIXTURES / "core" / "counter.py", tmp_path / "app.py")
    (tmp_path / "overcast.yml").write_text(STACK)
    with running_platform(tmp_path) as p:
        assert httpx.get(p.url + "/v").status_code == 200
        (tmp_path / "app.py").write_text("def handler(event, context)\n    return 1\n")
        assert httpx.get(p.url + "/v").status_code == 502
        out = p.invoke("app")
        assert "Runtime.UserCodeSyntaxError" in out.stdout
        (tmp_path / "app.py").write_text("def handler(event, context):\n    return 'fixed'\n")
        assert httpx.get(p.url + "/v").json() == "fixed"


def _wait_for(check, timeout: float = 15.0) -> None:
    import time
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError("condition not reached in time")
