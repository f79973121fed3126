"""The deploy tool end to end: a dev platform, deploys from another CLI process through the control API."""

from __future__ import annotations

import json
import re
import shutil
import time

import httpx
import pytest

from overcast.testing import running_platform
from tests.conftest import EXAMPLES, copy_stack

GREET = """
stack: {name}
functions:
  greet:
    handler: app.handler
    memory: {memory}
    routes: ["GET /{name}/greet"]
"""


def make_stack(root, name, *, body='{"v": 1}', memory=128):
    d = root / name
    d.mkdir(parents=True, exist_ok=True)
    (d / "overcast.yml").write_text(GREET.format(name=name, memory=memory))
    (d / "app.py").write_text(f"def handler(event, context):\n    return {body}\n")
    return d


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    root = tmp_path_factory.mktemp("deploys")
    host = copy_stack(EXAMPLES / "hello", root / "hello")
    with running_platform(host) as p:
        p.root = root
        yield p


def test_deploy_change_plan_apply(platform):
    d = make_stack(platform.root, "flow")
    first = platform.deploy(d)
    assert first.returncode == 0, first.stderr
    assert "+ function:greet" in first.stdout and "deployed dev.flow revision 1" in first.stdout
    assert httpx.get(platform.url + "/flow/greet").json() == {"v": 1}
    unchanged = platform.control("plan", str(d))
    assert "no changes" in unchanged.stdout
    (d / "overcast.yml").write_text(GREET.format(name="flow", memory=256))
    plan = platform.control("plan", str(d), "--json")
    actions = json.loads(plan.stdout)[0]["actions"]
    changed = [a for a in actions if a["action"] != "no-change"]
    assert changed == [{"id": "function:greet", "kind": "function", "action": "update", "data_loss": False,
                        "changes": [{"field": "memory", "old": 128, "new": 256}], "replace_on": []}]
    applied = platform.deploy(d)
    assert applied.returncode == 0 and "memory: 128 → 256" in applied.stdout
    history = platform.control("history", "flow").stdout.splitlines()
    assert [line.split()[1] for line in history] == ["1", "2"]


def test_broken_code_is_refused_and_old_version_keeps_serving(platform):
    d = make_stack(platform.root, "sturdy", body='{"v": "good"}')
    assert platform.deploy(d).returncode == 0
    (d / "app.py").write_text("import module_that_is_missing\n\ndef handler(e, c):\n    return 1\n")
    out = platform.deploy(d)
    assert out.returncode == 1
    assert "previous revision keeps serving" in out.stderr
    assert "No module named 'module_that_is_missing'" in out.stderr
    assert httpx.get(platform.url + "/sturdy/greet").json() == {"v": "good"}
    stacks = platform.control("stacks", "--json")
    assert [s["revision"] for s in json.loads(stacks.stdout) if s["stack"] == "sturdy"] == [1]


def test_cross_stack_reference_in_dependency_order_and_export_rules(platform):
    shared = copy_stack(EXAMPLES / "shared-data", platform.root / "shared-data")
    api = copy_stack(EXAMPLES / "api", platform.root / "api")
    out = platform.deploy(api, shared)  # given in the wrong order on purpose
    assert out.returncode == 0, out.stderr
    assert out.stdout.index("deployed dev.shared-data") < out.stdout.index("deployed dev.api")
    assert httpx.get(platform.url + "/users/7").json() == {"id": "7", "table": "users-dev", "stage": "dev"}
    refused = platform.control("remove", "shared-data")
    assert refused.returncode == 1 and "stack 'api' imports output 'TableName'" in refused.stderr
    text = (shared / "overcast.yml").read_text().replace("users-${stage}", "people-${stage}")
    (shared / "overcast.yml").write_text(text)
    change = platform.deploy(shared)
    assert change.returncode == 1 and "output 'TableName' would change" in change.stdout + change.stderr
    forced = platform.deploy(shared, args=("--force",))
    assert forced.returncode == 0, forced.stderr
    assert "then redeployed api" in forced.stdout
    assert httpx.get(platform.url + "/users/8").json()["table"] == "people-dev"


def test_cycle_between_given_stacks_is_named(platform, tmp_path):
    for name, other in (("ca", "cb"), ("cb", "ca")):
        d = tmp_path / name
        d.mkdir()
        (d / "overcast.yml").write_text(
            f"stack: {name}\noutputs:\n  X: x\nfunctions:\n  f:\n    handler: app.handler\n"
            f"    environment:\n      V: ${{stack:{other}.X}}\n")
        (d / "app.py").write_text("def handler(e, c):\n    return 1\n")
    out = platform.deploy(tmp_path / "ca", tmp_path / "cb")
    assert out.returncode == 1
    assert "stack cycle: ca -> cb -> ca" in out.stderr


def test_rollback_to_an_earlier_revision(platform):
    d = make_stack(platform.root, "back", body='{"v": "one"}')
    assert platform.deploy(d).returncode == 0
    (d / "app.py").write_text('def handler(e, c):\n    return {"v": "two"}\n')
    assert platform.deploy(d).returncode == 0
    assert httpx.get(platform.url + "/back/greet").json() == {"v": "two"}
    out = platform.control("rollback", "back", "--to", "1")
    assert out.returncode == 0 and "back to revision 1" in out.stdout
    assert httpx.get(platform.url + "/back/greet").json() == {"v": "one"}


def test_stages_are_independent_copies(platform):
    d = make_stack(platform.root, "staged", body='{"v": "dev"}')
    assert platform.deploy(d).returncode == 0
    (d / "app.py").write_text('def handler(e, c):\n    return {"v": "prod"}\n')
    assert platform.deploy(d, args=("--stage", "prod")).returncode == 0
    assert httpx.get(platform.url + "/prod/staged/greet").json() == {"v": "prod"}
    assert httpx.get(platform.url + "/staged/greet").json() == {"v": "dev"}  # the default stage, at the root
    assert httpx.get(platform.url + "/dev/staged/greet").json() == {"v": "dev"}
    event_stage = platform.control("stacks", "--stage", "prod", "--json")
    assert [s["stack"] for s in json.loads(event_stage.stdout)] == ["staged"]


def test_bad_token_is_401_without_details(platform):
    for headers in ({"authorization": "Bearer wrong"}, {}, {"authorization": "Basic abc"}):
        resp = httpx.get(platform.control_url + "/v1/stacks", headers=headers)
        assert resp.status_code == 401
        assert resp.json() == {"message": "Unauthorized"}
    out = platform.deploy(make_stack(platform.root, "nope"), args=("--token", "wrong"))
    assert out.returncode == 1 and "Unauthorized" in out.stderr


def test_zero_failed_requests_through_a_deploy(platform):
    import concurrent.futures as cf
    import threading

    d = make_stack(platform.root, "busy", body='{"v": 1}')
    assert platform.deploy(d).returncode == 0
    stop, failures, seen, done = threading.Event(), [], set(), []

    def traffic():
        with httpx.Client(base_url=platform.url) as client:
            while not stop.is_set():
                started = time.monotonic()
                resp = client.get("/busy/greet")
                if resp.status_code != 200:
                    failures.append(resp.status_code)
                else:
                    seen.add(resp.json()["v"])
                done.append(1)
                time.sleep(max(0.0, 0.02 - (time.monotonic() - started)))  # ~50 req/s per worker

    with cf.ThreadPoolExecutor(4) as pool:  # ~200 req/s in all
        futures = [pool.submit(traffic) for _ in range(4)]
        for version in (2, 3):
            (d / "app.py").write_text(f'def handler(event, context):\n    return {{"v": {version}}}\n')
            assert platform.deploy(d).returncode == 0
        time.sleep(0.5)
        stop.set()
        for f in futures:
            f.result()
    assert failures == []
    assert {1, 3} <= seen
    assert len(done) >= 100


def test_second_node_serves_deployed_stacks(platform, tmp_path):
    import subprocess
    import sys

    from overcast.testing import stop as stop_proc

    d = make_stack(platform.root, "spread", body='{"v": "first"}')
    assert platform.deploy(d).returncode == 0
    node = subprocess.Popen([sys.executable, "-m", "overcast", "node", "--nats", platform.nats_url, "--port", "0",
                             "--data-dir", str(tmp_path / "node")], stdout=subprocess.PIPE, text=True)
    try:
        line = node.stdout.readline()
        url = re.search(r"serving at (http://\S+)", line).group(1)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if httpx.get(url + "/spread/greet").status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        assert httpx.get(url + "/spread/greet").json() == {"v": "first"}
        assert httpx.get(url + "/hello/world").json() == {"message": "hello world"}  # the dev stack too
        (d / "app.py").write_text('def handler(e, c):\n    return {"v": "second"}\n')
        assert platform.deploy(d).returncode == 0  # waits for every live node
        assert httpx.get(url + "/spread/greet").json() == {"v": "second"}
        assert httpx.get(platform.url + "/spread/greet").json() == {"v": "second"}
    finally:
        stop_proc(node)
    shutil.rmtree(tmp_path / "node", ignore_errors=True)


def test_each_stack_runs_its_own_pinned_dependencies(platform):
    versions = {}
    for name, pin in (("old-six", "1.16.0"), ("new-six", "1.17.0")):
        d = make_stack(platform.root, name, body='{"six": six.__version__, "file": six.__file__}')
        (d / "app.py").write_text("import six\n\n" + (d / "app.py").read_text())
        (d / "requirements.txt").write_text(f"six=={pin}\n")
        out = platform.deploy(d)
        assert out.returncode == 0, out.stderr
        versions[name] = httpx.get(f"{platform.url}/{name}/greet").json()
    assert versions["old-six"]["six"] == "1.16.0" and versions["new-six"]["six"] == "1.17.0"
    assert versions["old-six"]["file"] != versions["new-six"]["file"]


def test_a_failed_install_fails_the_deploy_not_the_running_stack(platform):
    d = make_stack(platform.root, "pinned", body='{"v": "running"}')
    assert platform.deploy(d).returncode == 0
    (d / "requirements.txt").write_text("this-package-does-not-exist-overcast==0.0.1\n")
    out = platform.deploy(d)
    assert out.returncode == 1
    assert "installing requirements.txt failed" in out.stderr
    assert httpx.get(platform.url + "/pinned/greet").json() == {"v": "running"}


def test_a_route_served_by_another_stack_is_refused(platform):
    a = make_stack(platform.root, "owner")
    assert platform.deploy(a).returncode == 0
    b = platform.root / "intruder"
    b.mkdir()
    (b / "overcast.yml").write_text(GREET.format(name="intruder", memory=128).replace("/intruder/greet",
                                                                                     "/owner/greet"))
    (b / "app.py").write_text("def handler(e, c):\n    return 'intruder'\n")
    out = platform.deploy(b)
    assert out.returncode == 1
    assert "GET /owner/greet is already served by stack 'owner'" in out.stdout
    assert httpx.get(platform.url + "/owner/greet").json() == {"v": 1}


def test_versions_and_aliases(platform):
    d = make_stack(platform.root, "aliased", body='{"v": "one", "version": context.function_version}')
    assert platform.deploy(d).returncode == 0
    (d / "app.py").write_text('def handler(event, context):\n    return {"v": "two", "version": context.function_version}\n')
    assert platform.deploy(d).returncode == 0
    url = platform.url + "/aliased/greet"
    assert httpx.get(url).json() == {"v": "two", "version": "2"}
    old = platform.cli("invoke", "aliased.greet", "--qualifier", "1")
    assert old.returncode == 1 and "not served" in old.stderr  # no alias points at version 1
    out = platform.control("alias", "aliased.greet", "stable", "1")
    assert out.returncode == 0, out.stderr
    assert json.loads(platform.cli("invoke", "aliased.greet", "--qualifier", "stable").stdout) == \
        {"v": "one", "version": "1"}
    assert json.loads(platform.cli("invoke", "aliased.greet").stdout)["v"] == "two"  # live
    # moving live back is an instant rollback of the routes, with no new code
    assert platform.control("alias", "aliased.greet", "live", "1").returncode == 0
    assert httpx.get(url).json() == {"v": "one", "version": "1"}
    assert json.loads(platform.cli("invoke", "aliased.greet", "--qualifier", "$LATEST").stdout)["v"] == "two"
    missing = platform.control("alias", "aliased.greet", "live", "9")
    assert missing.returncode == 1 and "version 9 of greet was never published" in missing.stderr
