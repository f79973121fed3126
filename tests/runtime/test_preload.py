"""boto3 is imported once in the zygote; a function's own copy of it still wins, as in Lambda."""

from __future__ import annotations

import importlib
import sys

import httpx

from overcast.runtime import preload
from overcast.testing import running_platform

STACK = """
stack: preloaded
functions:
  which:
    handler: app.handler
    routes: ["GET /which"]
"""
APP = ("import boto3, botocore\n\ndef handler(e, c):\n"
       "    return {'boto3': boto3.__file__, 'mark': getattr(boto3, 'MARK', None), 'botocore': botocore.__file__}\n")


def test_environments_use_the_preloaded_boto3(tmp_path):
    (tmp_path / "overcast.yml").write_text(STACK)
    (tmp_path / "app.py").write_text(APP)
    with running_platform(tmp_path) as p:
        got = httpx.get(p.url + "/which", timeout=30).json()
    assert got["boto3"] == importlib.import_module("boto3").__file__  # the platform's own (site-packages)
    assert got["mark"] is None


def test_a_functions_own_boto3_wins_over_the_preloaded_one(tmp_path):
    (tmp_path / "overcast.yml").write_text(STACK)
    (tmp_path / "app.py").write_text(APP)
    own = tmp_path / "boto3"
    own.mkdir()
    (own / "__init__.py").write_text("MARK = 'vendored'\n")
    with running_platform(tmp_path) as p:
        got = httpx.get(p.url + "/which", timeout=30).json()
    assert got["mark"] == "vendored" and got["boto3"].startswith(str(tmp_path))
    assert got["botocore"] == importlib.import_module("botocore").__file__  # not vendored: still preloaded


def test_forget_shadowed_drops_every_preloaded_package_when_one_is_the_functions_own(tmp_path, monkeypatch):
    import boto3  # noqa: F401 - loaded, as in the zygote

    monkeypatch.setattr(preload, "PRELOADED", ("boto3", "botocore", "dateutil", "six", "urllib3"))
    (tmp_path / "six.py").write_text("")  # a pinned six in the function's dependencies
    monkeypatch.setattr(sys, "modules", dict(sys.modules))  # restored after the test
    assert preload.shadowed([str(tmp_path), ""]) == ["six"]
    assert preload.forget_shadowed([str(tmp_path), ""]) == ["boto3", "botocore", "dateutil", "six", "urllib3"]
    assert not any(m.partition(".")[0] in preload.PRELOADED for m in sys.modules)
    assert "json" in sys.modules  # the standard library stays
    assert preload.forget_shadowed([str(tmp_path / "nothing-here")]) == []


def test_the_zygote_preloads_boto3_and_what_it_imports():
    import subprocess

    out = subprocess.run([sys.executable, "-c", "from overcast.runtime import preload; print(*preload.preload())"],
                         capture_output=True, text=True, check=True).stdout.split()
    assert {"boto3", "botocore", "urllib3", "six"} <= set(out)
    assert not set(out) & set(sys.stdlib_module_names)


def test_preloaded_libraries_are_not_charged_to_the_functions_memory(tmp_path):
    (tmp_path / "overcast.yml").write_text(STACK.replace("routes:", "memory: 128\n    routes:"))
    # 110 MB of a 128 MB function: fits when only the function's own allocations count (the zygote's ~25 MB of
    # runtime and preloaded boto3 would otherwise push it over)
    (tmp_path / "app.py").write_text("def handler(e, c):\n    block = bytearray(110 * 1024 * 1024)\n"
                                     "    return len(block)\n")
    with running_platform(tmp_path) as p:
        resp = httpx.get(p.url + "/which", timeout=30)
    assert resp.status_code == 200, resp.text
    assert resp.json() == 110 * 1024 * 1024
