"""Lambda's Invoke API with an unmodified boto3 ``lambda`` client against a real platform: every invocation
type, log tails, errors as botocore's exception classes, and functions invoking functions with plain boto3."""

from __future__ import annotations

import base64
import json
import shutil
import time
import uuid

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from overcast.runtime.config import ACCOUNT_ID, REGION
from overcast.testing import running_platform
from tests.conftest import FIXTURES, copy_stack

ECHO = "lambdaapi-dev-echo"
ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:"
NO_RETRIES = Config(retries={"max_attempts": 1}, read_timeout=60)


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    stack = copy_stack(FIXTURES / "lambda_api", tmp_path_factory.mktemp("lambdaapi") / "lambda_api")
    with running_platform(stack) as p:
        yield p


@pytest.fixture(scope="module")
def lam(platform):
    return platform.aws_session().client("lambda", endpoint_url=platform.url, config=NO_RETRIES)


def call(lam, name: str = ECHO, event: object = None, **kw) -> dict:
    out = lam.invoke(FunctionName=name, Payload=json.dumps({} if event is None else event), **kw)
    body = out["Payload"].read()
    return {**out, "body": json.loads(body) if body else None}


def error_of(fn, **kw) -> ClientError:
    with pytest.raises(ClientError) as err:
        fn(**kw)
    return err.value


def test_request_response_returns_the_result(lam):
    out = call(lam, event={"n": 1})
    assert out["StatusCode"] == 200 and "FunctionError" not in out
    assert out["body"] == {"got": {"n": 1}, "version": "$LATEST", "name": ECHO}
    assert out["ExecutedVersion"] == "$LATEST"
    assert out["ResponseMetadata"]["RequestId"]  # x-amzn-RequestId, the invocation's request id


def test_a_function_error_is_200_with_function_error_unhandled(lam):
    out = call(lam, "lambdaapi-dev-boom", {"why": "testing"})
    assert out["StatusCode"] == 200 and out["FunctionError"] == "Unhandled"
    assert out["body"]["errorType"] == "ValueError" and out["body"]["errorMessage"] == "kaboom: testing"


def test_log_type_tail_returns_the_end_of_the_log(lam):
    run = uuid.uuid4().hex
    out = call(lam, event={"run": run}, LogType="Tail")
    text = base64.b64decode(out["LogResult"]).decode()
    assert f'echo saw {{"run": "{run}"}}' in text
    assert "START RequestId:" in text and "END RequestId:" in text and "REPORT RequestId:" in text
    assert out["ResponseMetadata"]["RequestId"] in text
    assert "LogResult" not in call(lam, event={})  # only when asked for


def test_event_is_202_and_the_function_runs(lam, tmp_path):
    path = tmp_path / "marker.json"
    out = lam.invoke(FunctionName="lambdaapi-dev-marker", InvocationType="Event",
                     Payload=json.dumps({"path": str(path), "text": "ran"}))
    assert out["StatusCode"] == 202 and out["Payload"].read() == b""
    deadline = time.monotonic() + 30
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert json.loads(path.read_text()) == {"text": "ran", "requestId": out["ResponseMetadata"]["RequestId"]}


def test_dry_run_is_204_and_runs_nothing(lam, tmp_path):
    path = tmp_path / "never.json"
    out = lam.invoke(FunctionName="lambdaapi-dev-marker", InvocationType="DryRun",
                     Payload=json.dumps({"path": str(path), "text": "ran"}))
    assert out["StatusCode"] == 204 and out["Payload"].read() == b""
    time.sleep(1.0)
    assert not path.exists()


def test_an_unknown_function_is_resource_not_found(lam):
    err = error_of(lam.invoke, FunctionName="lambdaapi-dev-nope", Payload=b"{}")
    assert isinstance(err, lam.exceptions.ResourceNotFoundException)
    assert err.response["Error"]["Message"] == f"Function not found: {ARN}lambdaapi-dev-nope"
    assert err.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    for kw in ({"InvocationType": "Event"}, {"InvocationType": "DryRun"}):
        assert isinstance(error_of(lam.invoke, FunctionName="nope", **kw), lam.exceptions.ResourceNotFoundException)


def test_names_arns_and_qualifiers(lam):
    for name in (ECHO, f"{ARN}{ECHO}", f"{ACCOUNT_ID}:function:{ECHO}", f"{ECHO}:$LATEST", f"{ARN}{ECHO}:$LATEST"):
        assert call(lam, name, {"via": name})["body"]["got"] == {"via": name}, name
    assert call(lam, Qualifier="$LATEST")["ExecutedVersion"] == "$LATEST"
    # overcast dev runs the live directory: $LATEST is its only version, as for an unpublished function
    err = error_of(lam.invoke, FunctionName=ECHO, Qualifier="7")
    assert isinstance(err, lam.exceptions.ResourceNotFoundException)
    assert err.response["Error"]["Message"] == f"Function not found: {ARN}{ECHO}:7"
    err = error_of(lam.invoke, FunctionName=f"{ECHO}:$LATEST", Qualifier="prod")
    assert isinstance(err, lam.exceptions.InvalidParameterValueException)
    assert error_of(lam.invoke, FunctionName="a:b:c:d:e").response["Error"]["Code"] == "ValidationException"
    other_region = f"arn:aws:lambda:xx-nowhere-1:{ACCOUNT_ID}:function:{ECHO}"
    assert isinstance(error_of(lam.invoke, FunctionName=other_region), lam.exceptions.ResourceNotFoundException)


def test_payload_limits_are_413_naming_them(lam):
    big = b'{"x": "' + b"a" * (6 * 1024 * 1024) + b'"}'
    err = error_of(lam.invoke, FunctionName=ECHO, Payload=big)
    assert err.response["ResponseMetadata"]["HTTPStatusCode"] == 413
    assert err.response["Error"]["Code"] == "RequestEntityTooLargeException"  # what AWS answers, unmodelled
    assert "6291456" in err.response["Error"]["Message"] and "lambda.sync_request_payload" in str(err)
    medium = b'{"x": "' + b"a" * (2 * 1024 * 1024) + b'"}'  # fine synchronously, over the Event limit
    err = error_of(lam.invoke, FunctionName=ECHO, Payload=medium, InvocationType="Event")
    assert err.response["ResponseMetadata"]["HTTPStatusCode"] == 413
    assert "too large for the Event invocation type" in str(err) and "lambda.async_payload" in str(err)


def test_client_context_reaches_the_handler_of_a_synchronous_call(lam):
    doc = {"client": {"installation_id": "i-1", "app_title": "field app", "app_package_name": "com.example"},
           "custom": {"site": "north"}, "env": {"platform": "android"}}
    ctx = base64.b64encode(json.dumps(doc).encode()).decode()
    out = lam.invoke(FunctionName="lambdaapi-dev-context", ClientContext=ctx)
    assert json.loads(out["Payload"].read()) == doc
    out = lam.invoke(FunctionName="lambdaapi-dev-context")  # none passed: context.client_context is None
    assert json.loads(out["Payload"].read()) is None
    for bad in ("not base64!", base64.b64encode(b"[1, 2]").decode(), base64.b64encode(b"{broken").decode()):
        err = error_of(lam.invoke, FunctionName="lambdaapi-dev-context", ClientContext=bad)
        assert isinstance(err, lam.exceptions.InvalidRequestContentException)
        assert "Client context must be a valid Base64-encoded JSON object" in str(err)
    big = base64.b64encode(json.dumps({"custom": {"x": "a" * 3000}}).encode()).decode()
    err = error_of(lam.invoke, FunctionName="lambdaapi-dev-context", ClientContext=big)
    assert isinstance(err, lam.exceptions.InvalidRequestContentException) and "lambda.client_context" in str(err)


def test_requests_overcast_cannot_honour_are_refused_by_name(lam):
    err = error_of(lam.invoke, FunctionName=ECHO, Payload=b"not json")
    assert isinstance(err, lam.exceptions.InvalidRequestContentException)
    err = error_of(lam.invoke, FunctionName=ECHO, InvocationType="Sometimes")
    assert isinstance(err, lam.exceptions.InvalidParameterValueException)


def test_other_lambda_operations_are_refused_by_name(lam):
    for op, kw in ((lam.list_functions, {}), (lam.get_function, {"FunctionName": ECHO})):
        err = error_of(op, **kw)
        assert err.response["ResponseMetadata"]["HTTPStatusCode"] == 501
        assert err.response["Error"]["Code"] == "UnsupportedOperation" and "only Lambda's Invoke" in str(err)


def test_a_wrong_signature_is_403(platform):
    creds = platform.aws_session().get_credentials()
    bad = boto3.session.Session(aws_access_key_id=creds.access_key, aws_secret_access_key="x" * 40,
                                region_name=REGION).client("lambda", endpoint_url=platform.url, config=NO_RETRIES)
    err = error_of(bad.invoke, FunctionName=ECHO, Payload=b"{}")
    assert err.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert err.response["Error"]["Code"] == "InvalidSignatureException"
    stranger = boto3.session.Session(aws_access_key_id="AKIA" + "Z" * 16, aws_secret_access_key="x" * 40,
                                     region_name=REGION).client("lambda", endpoint_url=platform.url, config=NO_RETRIES)
    err = error_of(stranger.invoke, FunctionName=ECHO, Payload=b"{}")
    assert err.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert err.response["Error"]["Code"] == "UnrecognizedClientException"


def test_a_function_invokes_another_with_plain_boto3(platform):
    done = platform.invoke("caller", {"target": ECHO, "payload": {"from": "caller"}})
    assert done.returncode == 0, done.stderr + done.stdout
    out = json.loads(done.stdout)
    assert out["status"] == 200 and out["error"] is None and out["version"] == "$LATEST"
    assert out["payload"]["got"] == {"from": "caller"} and "echo saw" in out["log"]
    done = platform.invoke("caller", {"target": "lambdaapi-dev-boom"})
    assert json.loads(done.stdout)["error"] == "Unhandled"


def _stack(root, name: str, body: str):
    d = root / name
    d.mkdir()
    (d / "overcast.yml").write_text(f"stack: {name}\n{body}")
    shutil.copy(FIXTURES / "lambda_api" / "handlers.py", d / "handlers.py")
    return d


def test_other_stacks_functions_only_through_an_import(platform, lam, tmp_path):
    """A key reaches another stack's function only when its stack imports an output naming it (as tables);
    functions of stacks deployed with ``overcast deploy`` have published versions to qualify."""
    owner = _stack(tmp_path, "owner", "outputs:\n  Worker: owner-dev-work\n"
                                      "functions:\n  work:\n    handler: handlers.echo\n")
    user = _stack(tmp_path, "user", "functions:\n  call:\n    handler: handlers.caller\n    timeout: 20\n"
                                    "    environment:\n      TARGET: ${stack:owner.Worker}\n")
    stranger = _stack(tmp_path, "stranger", "functions:\n  call:\n    handler: handlers.caller\n    timeout: 20\n")
    deployed = platform.deploy(owner, user, stranger)
    assert deployed.returncode == 0, deployed.stderr + deployed.stdout

    def invoke(who: str, event: dict) -> dict:
        done = platform.invoke(f"{who}.call", event)
        assert done.returncode == 0, done.stderr + done.stdout
        return json.loads(done.stdout)

    out = invoke("user", {"target": "owner-dev-work", "payload": {"k": 1}})
    assert out["status"] == 200 and out["payload"] == {"got": {"k": 1}, "version": "1", "name": "owner-dev-work"}
    assert out["version"] == "1"
    assert invoke("user", {"target": f"{ARN}owner-dev-work", "qualifier": "live"})["version"] == "1"
    assert invoke("user", {"target": "owner-dev-work", "qualifier": "$LATEST"})["version"] == "1"
    assert invoke("user", {"target": "owner-dev-work", "qualifier": "9"}) == {
        "errorCode": "ResourceNotFoundException", "status": 404}
    assert invoke("stranger", {"target": "owner-dev-work"}) == {"errorCode": "AccessDeniedException", "status": 403}
    err = error_of(lam.invoke, FunctionName="owner-dev-work")  # the dev stack's key imports nothing
    assert err.response["Error"]["Code"] == "AccessDeniedException" and "lambda:InvokeFunction" in str(err)
