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


def test_forget_shadowed_drops_a_dependency_and_its_users(tmp_path, monkeypatch):
    import boto3  # noqa: F401 - loaded, as in the zygote

    (tmp_path / "urllib3").mkdir()
    monkeypatch.setattr(sys, "modules", dict(sys.modules))  # restored after the test
    assert preload.shadowed([str(tmp_path)]) == ["urllib3"]
    dropped = preload.forget_shadowed([str(tmp_path), ""])
    assert dropped == ["boto3", "botocore", "s3transfer", "urllib3"]
    assert not any(m.partition(".")[0] in dropped for m in sys.modules)
    assert "jmespath" in sys.modules  # not shadowed, nothing it depends on changed
    assert preload.forget_shadowed([str(tmp_path / "nothing-here")]) == []
