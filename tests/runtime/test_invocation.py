"""Lambda semantics of the runtime, through the real platform (NATS, zygote, workers)."""

from __future__ import annotations

import json
import re
import time

from overcast.testing import alive


def test_warm_environment_is_reused_and_module_init_runs_once(http):
    first = http.get("/counter").json()
    second = http.get("/counter").json()
    third = http.get("/counter").json()
    assert first["pid"] == second["pid"] == third["pid"]
    assert [first["calls"], second["calls"], third["calls"]] == [first["calls"], first["calls"] + 1, first["calls"] + 2]
    assert third["inits"] == 1


def test_context_and_environment_match_lambda(http):
    body = http.get("/context").json()
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", body["aws_request_id"])
    assert body["function_name"] == "core-dev-context"
    assert body["function_version"] == "$LATEST"
    assert body["invoked_function_arn"] == "arn:aws:lambda:us-east-1:000000000000:function:core-dev-context"
    assert body["memory_limit_in_mb"] == "256"
    assert body["log_group_name"] == "/aws/lambda/core-dev-context"
    assert re.fullmatch(r"\d{4}/\d{2}/\d{2}/\[\$LATEST\][0-9a-f]{32}", body["log_stream_name"])
    assert 5000 < body["remaining"] <= 7000
    env = body["env"]
    assert env["COLOUR"] == "blue" and env["NUMBER"] == "42"
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "core-dev-context"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert env["_HANDLER"] == "handlers.context_info"
    assert env["AWS_REGION"] == "us-east-1"
    assert env["LAMBDA_TASK_ROOT"] == body["cwd"]
    assert env["HOME_SECRET_FROM_HOST"] is None  # the host's environment does not leak in


def test_unhandled_exception_gives_lambda_error_object(core):
    out = core.invoke("fail")
    assert out.returncode == 1
    error = json.loads(out.stdout)
    assert error["errorType"] == "ValueError"
    assert error["errorMessage"] == "the widget is broken"
    assert any("in fail" in frame for frame in error["stackTrace"])
    assert "Traceback" in out.stderr  # the log tail has the traceback too


def test_timeout_kills_the_environment_and_says_so(core, http):
    resp = http.get("/sleepy", params={"s": "5"})
    assert resp.status_code == 504
    assert resp.json() == {"message": "Gateway Timeout"}
    out = core.invoke("sleepy", {"queryStringParameters": {"s": "5"}})
    error = json.loads(out.stdout)
    assert error["errorType"] == "Sandbox.Timedout"
    assert re.search(r"Task timed out after 1\.\d\d seconds", error["errorMessage"])
    sleeper = int(re.search(r"going to sleep in (\d+)", out.stderr).group(1))
    assert not alive(sleeper)  # the timed-out environment was killed, not left running
    # a short call right after works: the environment was replaced
    assert http.get("/sleepy", params={"s": "0"}).json() == {"slept": True}


def test_crash_is_reported_and_platform_stays_up(core, http):
    before = http.get("/crash")
    assert before.status_code == 502
    assert before.json() == {"message": "Internal Server Error"}
    out = core.invoke("crash")
    error = json.loads(out.stdout)
    assert error["errorType"] == "Runtime.ExitError"
    assert "Runtime exited with error: signal: segmentation fault" in error["errorMessage"]
    assert "about to crash" in out.stderr
    assert http.get("/counter").status_code == 200


def test_memory_limit_is_enforced_with_a_clear_error(core):
    out = core.invoke("hog")
    error = json.loads(out.stdout)
    assert error["errorType"] == "Runtime.OutOfMemory"
    assert "memory limit of 128 MB reached" in error["errorMessage"]
    assert "lambda.memory" in error["errorMessage"]


def test_response_over_the_sync_limit_is_an_error_naming_the_limit(core, http):
    assert http.get("/big").status_code == 502
    error = json.loads(core.invoke("big").stdout)
    assert error["errorType"] == "Function.ResponseSizeTooLarge"
    assert "lambda.sync_response_payload" in error["errorMessage"]
    assert "6291456 bytes" in error["errorMessage"]


def test_init_error_is_reported_like_aws(core, http):
    assert http.get("/broken").status_code == 502
    error = json.loads(core.invoke("broken").stdout)
    assert error["errorType"] == "Runtime.ImportModuleError"
    assert error["errorMessage"] == "Unable to import module 'broken': No module named 'module_that_does_not_exist'"


def test_output_and_logging_are_captured_per_request(core):
    out = core.invoke("logger")
    assert json.loads(out.stdout) == {"ok": True}
    tail = out.stderr
    rid = re.search(r"START RequestId: (\S+) Version: \$LATEST", tail).group(1)
    for text in ("printed to stdout", "printed to stderr", "raw fd write"):
        assert text in tail
    assert re.search(rf"\[INFO\]\t\d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{{3}}Z\t{rid}\tlogged at info", tail)
    assert re.search(rf"\[WARNING\]\t\S+\t{rid}\troot warning", tail)
    assert f"END RequestId: {rid}" in tail
    assert re.search(rf"REPORT RequestId: {rid}\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms\tMemory Size: 128 MB", tail)
    # the stored logs carry the request id on every line
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        logs = core.cli("logs", "logger").stdout
        if "raw fd write" in logs:
            break
        time.sleep(0.2)
    lines = [line for line in logs.splitlines() if rid in line]
    assert any("printed to stdout" in line for line in lines)
    assert all(line.split(" ")[1] == rid for line in lines)
