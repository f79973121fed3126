"""Lambda Invoke's pure parts: FunctionName forms, qualifiers, who may invoke what, the error shape."""

from __future__ import annotations

import json

import pytest

from overcast.compat.lambda_ import errors, names
from overcast.compat.lambda_.errors import InvalidParameterValueException, ValidationException
from overcast.compat.lambda_.invoke import answer_of
from overcast.compat.lambda_.request import Call, target_of
from overcast.engine import protocol
from overcast.runtime.config import ACCOUNT_ID, REGION


def state(stack: str, functions: tuple[str, ...], imports: list | None = None, stage: str = "dev") -> dict:
    return {"stage": stage, "stack": stack, "spec": {"functions": {f: {"timeout": 3} for f in functions}},
            "imports": imports or [], "versions": {f: 2 for f in functions}, "aliases": {f: {"live": 2}
                                                                                        for f in functions}}


STATES = {
    ("dev", "owner"): state("owner", ("work",)),
    ("dev", "user"): state("user", ("call",), [{"stack": "owner", "output": "Worker", "value": "owner-dev-work"}]),
    ("dev", "arnuser"): state("arnuser", ("call",), [
        {"stack": "owner", "output": "WorkerArn", "value": f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:owner-dev-work"}]),
    ("dev", "stranger"): state("stranger", ("call",), [{"stack": "owner", "output": "X", "value": "other"}]),
    ("prod", "user"): state("user", ("call",), [{"stack": "owner", "output": "Worker", "value": "owner-dev-work"}],
                            stage="prod"),
}


@pytest.mark.parametrize(("text", "expected"), [
    ("owner-dev-work", names.FunctionRef("owner-dev-work")),
    ("owner-dev-work:live", names.FunctionRef("owner-dev-work", "live")),
    ("owner-dev-work:$LATEST", names.FunctionRef("owner-dev-work", "$LATEST")),
    (f"{ACCOUNT_ID}:function:owner-dev-work", names.FunctionRef("owner-dev-work", None, None, ACCOUNT_ID)),
    (f"{ACCOUNT_ID}:function:owner-dev-work:3", names.FunctionRef("owner-dev-work", "3", None, ACCOUNT_ID)),
    (f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:owner-dev-work",
     names.FunctionRef("owner-dev-work", None, REGION, ACCOUNT_ID)),
    (f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:owner-dev-work:1",
     names.FunctionRef("owner-dev-work", "1", REGION, ACCOUNT_ID)),
])
def test_every_form_of_function_name(text, expected):
    assert names.parse(text) == expected


@pytest.mark.parametrize("text", ["", "a:b:c:d:e", "arn:aws:s3:::bucket", "bad name", "fn:bad$q", "x" * 141])
def test_malformed_names_are_validation_errors(text):
    with pytest.raises(ValidationException, match="functionName"):
        names.parse(text)


def test_the_qualifier_may_be_given_twice_only_when_both_agree():
    ref = names.parse("owner-dev-work:live")
    assert names.qualifier_of(ref, None) == "live" and names.qualifier_of(ref, "live") == "live"
    assert names.qualifier_of(names.parse("owner-dev-work"), "3") == "3"
    with pytest.raises(InvalidParameterValueException, match="does not match"):
        names.qualifier_of(ref, "3")


def test_find_matches_the_lambda_name_in_this_region_and_account_only():
    assert names.find(STATES, names.parse("owner-dev-work")) == ("dev", "owner", "work")
    assert names.find(STATES, names.parse("user-prod-call")) == ("prod", "user", "call")
    assert names.find(STATES, names.parse("owner-dev-nope")) is None
    assert names.find(STATES, names.parse("arn:aws:lambda:xx-nowhere-1:000000000000:function:owner-dev-work")) is None
    other_account = "111111111111" if ACCOUNT_ID != "111111111111" else "222222222222"
    assert names.find(STATES, names.parse(f"{other_account}:function:owner-dev-work")) is None


def test_a_key_reaches_its_own_stack_and_imported_functions_of_its_stage():
    assert names.may_invoke(STATES, "dev.owner", "dev", "owner", "work")
    assert names.may_invoke(STATES, "dev.user", "dev", "owner", "work")  # imports the name
    assert names.may_invoke(STATES, "dev.arnuser", "dev", "owner", "work")  # imports the ARN
    assert not names.may_invoke(STATES, "dev.stranger", "dev", "owner", "work")
    assert not names.may_invoke(STATES, "prod.user", "dev", "owner", "work")  # another stage's import
    assert not names.may_invoke(STATES, "dev.nobody", "dev", "owner", "work")
    assert not names.may_invoke(STATES, "dev.owner", "dev", "user", "call")


def test_target_resolves_versions_and_refuses_with_lambdas_errors():
    def target(principal, name, qualifier=None):
        return target_of(STATES, principal, Call(name, qualifier, "RequestResponse", False))

    assert target("dev.owner", "owner-dev-work").version == "2"
    assert target("dev.user", "owner-dev-work", "$LATEST").version == "2"
    with pytest.raises(errors.ResourceNotFoundException, match="function:owner-dev-work:5$"):
        target("dev.owner", "owner-dev-work:5")
    with pytest.raises(errors.ResourceNotFoundException, match="function:owner-dev-gone$"):
        target("dev.owner", "owner-dev-gone")
    with pytest.raises(errors.AccessDeniedException, match="lambda:InvokeFunction"):
        target("dev.stranger", "owner-dev-work")


def test_errors_carry_the_name_header_and_lambdas_body():
    status, headers, body = errors.answer(errors.not_found("arn:x"), "rid-1")
    assert status == 404 and (b"x-amzn-errortype", b"ResourceNotFoundException") in headers
    assert (b"x-amzn-requestid", b"rid-1") in headers
    assert json.loads(body) == {"Type": "User", "Message": "Function not found: arn:x"}
    status, headers, body = errors.answer(errors.TooManyRequestsException("Rate Exceeded.", reason="X"), "r")
    assert status == 429 and json.loads(body) == {"Type": "User", "message": "Rate Exceeded.", "Reason": "X"}
    status, _, body = errors.answer(errors.ServiceException("engine away"), "r")
    assert status == 503 and json.loads(body)["Type"] == "Service"


def test_runtime_replies_map_to_lambdas_answers():
    target = target_of(STATES, "dev.owner", Call("owner-dev-work", None, "RequestResponse", True))
    status, headers, body = answer_of(protocol.Reply(protocol.OK, b'{"a": 1}', "r", "bG9n"), target, "r")
    assert status == 200 and body == b'{"a": 1}' and (b"x-amz-log-result", b"bG9n") in headers
    assert (b"x-amz-executed-version", b"2") in headers and not any(k == b"x-amz-function-error" for k, _ in headers)
    status, headers, _ = answer_of(protocol.Reply(protocol.ERROR, protocol.error_payload("x", "E", "r"), "r"),
                                   target, "r")
    assert status == 200 and (b"x-amz-function-error", b"Unhandled") in headers
    throttled = json.dumps({"message": "Rate Exceeded.", "Reason": "ReservedFunctionConcurrentInvocationLimitExceeded",
                            "limit": "lambda.function_concurrency", "limitValue": 1}).encode()
    status, headers, body = answer_of(protocol.Reply(protocol.THROTTLED, throttled, "r"), target, "r")
    assert status == 429 and (b"x-amzn-errortype", b"TooManyRequestsException") in headers
    assert json.loads(body) == {"Type": "User", "Reason": "ReservedFunctionConcurrentInvocationLimitExceeded",
                                "message": "Rate Exceeded. (limit lambda.function_concurrency: 1)"}
    rejected = json.dumps({"message": "too big", "limit": "lambda.sync_request_payload", "limitValue": 6}).encode()
    status, headers, body = answer_of(protocol.Reply(protocol.REJECTED, rejected, "r"), target, "r")
    assert status == 413 and (b"x-amzn-errortype", b"RequestEntityTooLargeException") in headers
    assert json.loads(body)["message"] == "too big"
