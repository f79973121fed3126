"""The command line, run as a user runs it (a real process against a real platform)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from overcast.spec import stack_json_schema


def overcast(*args: str, cwd: Path | None = None, env: dict | None = None, timeout: float = 60):
    return subprocess.run([sys.executable, "-m", "overcast", *args], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=timeout)


def test_invoke_prints_result_and_log_tail(core):
    out = core.invoke("counter", {"any": "event"})
    assert out.returncode == 0
    assert json.loads(out.stdout)["inits"] == 1
    assert re.search(r"START RequestId: \S+ Version: \$LATEST", out.stderr)
    assert "REPORT RequestId:" in out.stderr


def test_invoke_by_stack_qualified_name_and_unknown_name(core):
    assert core.cli("invoke", "core.counter").returncode == 0
    missing = core.cli("invoke", "nope")
    assert missing.returncode == 1
    assert "Function not found: nope" in missing.stderr and "core.counter" in missing.stderr
    assert "Traceback" not in missing.stderr


def test_invoke_rejects_invalid_json(core):
    out = core.cli("invoke", "counter", "--data", "{not json")
    assert out.returncode == 2
    assert "not valid JSON" in out.stderr


def test_invoke_without_a_platform_says_how_to_start_one(tmp_path):
    env = dict(os.environ, XDG_RUNTIME_DIR=str(tmp_path))
    env.pop("OVERCAST_NATS", None)
    out = overcast("invoke", "hello", cwd=tmp_path, env=env)
    assert out.returncode == 1
    assert "no running overcast platform found" in out.stderr and "overcast dev" in out.stderr


def test_logs_follow_shows_new_lines_with_request_ids(core):
    proc = subprocess.Popen([sys.executable, "-m", "overcast", "logs", "logger", "-f", "--nats", core.nats_url],
                            stdout=subprocess.PIPE, text=True)
    try:
        time.sleep(1.0)  # let it subscribe and print the history
        rid = re.search(r"START RequestId: (\S+)", core.invoke("logger").stderr).group(1)
        deadline = time.monotonic() + 15
        seen = []
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            seen.append(line)
            if rid in line and "raw fd write" in line:
                break
        assert any(rid in line and "raw fd write" in line for line in seen)
    finally:
        proc.terminate()
        proc.wait(10)


def test_limits_json_lists_every_limit():
    out = overcast("limits", "--json")
    items = {item["name"]: item for item in json.loads(out.stdout)}
    assert items["lambda.sync_request_payload"]["value"] == 6 * 1024 * 1024
    assert items["lambda.timeout"]["minimum"] == 1 and items["lambda.timeout"]["value"] == 900
    assert items["lambda.account_concurrency"]["kind"] == "soft"
    assert "overcast dev --limit" in items["lambda.account_concurrency"]["how_to_raise"]
    assert items["lambda.environment_size"]["value"] == 4096
    assert {"lambda.memory", "lambda.function_concurrency", "lambda.sync_response_payload"} <= set(items)
    table = overcast("limits")
    assert table.returncode == 0 and "lambda.memory" in table.stdout


def test_dev_refuses_to_raise_a_hard_limit(tmp_path):
    out = overcast("dev", str(tmp_path), "--limit", "lambda.timeout=1000")
    assert out.returncode == 2
    assert "lambda.timeout is hard" in out.stderr


def test_dev_on_a_bad_stack_file_exits_with_every_problem(tmp_path):
    (tmp_path / "overcast.yml").write_text(
        "stack: bad\nfunctions:\n  f:\n    handler: app.handler\n    timout: 3\n    memory: 64\n"
    )
    (tmp_path / "app.py").write_text("def handler(e, c):\n    return 1\n")
    out = overcast("dev", str(tmp_path), "--port", "0")
    assert out.returncode == 2
    assert re.search(r"overcast\.yml:5:\d+: functions\.f\.timout: .*did you mean 'timeout'", out.stderr)
    assert re.search(r"overcast\.yml:6:\d+: functions\.f\.memory: .*128", out.stderr)
    assert "Traceback" not in out.stderr
    assert not (tmp_path / ".overcast").exists()  # nothing was started


def test_validate_and_schema(tmp_path):
    ok = overcast("validate", str(Path(__file__).parents[2] / "examples" / "hello"))
    assert ok.returncode == 0 and "stack 'hello' is valid" in ok.stdout
    schema = json.loads(overcast("schema").stdout)
    assert schema == json.loads(json.dumps(stack_json_schema()))
    assert schema["properties"]["functions"]
