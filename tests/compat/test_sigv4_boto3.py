"""Real boto3 clients against the verifier: the exceptions they raise are AWS's.

A ``before-send`` hook stands in for the gateway: it hands botocore's request,
as an HTTP server would receive it, to ``verify`` and answers the way AWS's
JSON protocols do (``__type`` and ``message``), without any network.
"""

from __future__ import annotations

import json

import boto3
import pytest
from botocore import UNSIGNED
from botocore.awsrequest import AWSResponse
from botocore.config import Config
from botocore.exceptions import ClientError

from overcast.compat.sigv4 import AccessKey, InMemoryKeys, SignatureError, verify
from tests.compat.wire import KEY, TEMP_KEY, to_wire

ENDPOINT = "http://127.0.0.1:4566"
CALLS = {
    "dynamodb": ("list_tables", {}, b'{"TableNames": []}', "application/x-amz-json-1.0"),
    "kinesis": ("list_streams", {}, b'{"StreamNames": [], "HasMoreStreams": false}', "application/x-amz-json-1.1"),
    "sqs": ("list_queues", {}, b"{}", "application/x-amz-json-1.0"),
}


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_):
        yield self._body


def client(api: str, key: AccessKey | None, token: str | None = None, **verify_kwargs):
    """A boto3 client for ``api`` whose requests go to ``verify(**verify_kwargs)``; and the keys it accepted."""
    keys = InMemoryKeys([KEY, TEMP_KEY])
    seen: list[AccessKey] = []

    def gateway(request, **_):
        wire = to_wire(request)
        content_type = CALLS[api][3]
        try:
            seen.append(verify(wire.method, wire.path, wire.query, wire.headers, wire.body, keys, **verify_kwargs))
        except SignatureError as err:
            body = json.dumps({"__type": f"com.amazon.coral.service#{err.aws_name}", "message": err.message})
            headers = {"content-type": content_type, "x-amzn-errortype": err.aws_name}
            return AWSResponse(request.url, err.http_status, headers, _Raw(body.encode()))
        return AWSResponse(request.url, 200, {"content-type": content_type}, _Raw(CALLS[api][2]))

    config = Config(retries={"total_max_attempts": 1}, signature_version=UNSIGNED if key is None else None)
    credentials = (
        {}
        if key is None
        else {
            "aws_access_key_id": key.access_key_id,
            "aws_secret_access_key": key.secret_access_key,
            "aws_session_token": token or key.session_token,
        }
    )
    made = boto3.session.Session(**credentials, region_name="us-east-1").client(
        api, endpoint_url=ENDPOINT, config=config
    )
    made.meta.events.register_first("before-send", gateway)
    return made, seen


def call(made, service):
    operation, params, _, _ = CALLS[service]
    return getattr(made, operation)(**params)


def error_of(made, service) -> ClientError:
    with pytest.raises(ClientError) as info:
        call(made, service)
    return info.value


@pytest.mark.parametrize("service", sorted(CALLS))
def test_signed_calls_pass(service):
    made, seen = client(service, KEY, service=service)
    call(made, service)
    assert seen == [KEY]
    made, seen = client(service, TEMP_KEY, service=service)
    call(made, service)
    assert seen == [TEMP_KEY]


def test_put_item_with_unicode_body_passes():
    made, seen = client("dynamodb", KEY, service="dynamodb")
    made.put_item(TableName="t", Item={"pk": {"S": "日本語 ✓"}, "n": {"N": "1"}})
    assert seen == [KEY]


@pytest.mark.parametrize(
    ("key", "kwargs", "name", "message"),
    [
        (None, {}, "MissingAuthenticationTokenException", "Request is missing Authentication Token"),
        (
            AccessKey("AKIAUNKNOWN000000000", "x" * 40, "nobody"),
            {},
            "UnrecognizedClientException",
            "The security token included in the request is invalid.",
        ),
        (
            AccessKey(KEY.access_key_id, "y" * 40, "impostor"),
            {},
            "InvalidSignatureException",
            "The request signature we calculated does not match",
        ),
        (KEY, {"service": "kinesis"}, "InvalidSignatureException", "Credential should be scoped to correct service"),
    ],
)
def test_dynamodb_raises_the_aws_exception(key, kwargs, name, message):
    made, _ = client("dynamodb", key, **kwargs)
    err = error_of(made, "dynamodb")
    assert err.response["Error"]["Code"] == name
    assert err.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert err.response["Error"]["Message"].startswith(message)


def test_expired_signature_is_invalid_signature():
    from datetime import datetime, timedelta, timezone

    made, _ = client("dynamodb", KEY, now=datetime.now(timezone.utc) + timedelta(minutes=10))
    err = error_of(made, "dynamodb")
    assert err.response["Error"]["Code"] == "InvalidSignatureException"
    assert err.response["Error"]["Message"].startswith("Signature expired: ")


@pytest.mark.parametrize("service", ["kinesis", "sqs"])
def test_other_json_services_raise_the_aws_exception(service):
    made, _ = client(service, AccessKey(KEY.access_key_id, "z" * 40, "impostor"))
    assert error_of(made, service).response["Error"]["Code"] == "InvalidSignatureException"
