"""SigV4 verification against requests signed by botocore, the real AWS client."""

from __future__ import annotations

import dataclasses
import hashlib
import re
from datetime import datetime, timedelta, timezone
from urllib.parse import quote

import pytest

from overcast.compat.sigv4 import (
    AccessKey,
    IncompleteSignature,
    InMemoryKeys,
    InvalidSignature,
    MissingAuthenticationToken,
    QueryAuthNotSupported,
    SignatureError,
    SignatureExpired,
    UnrecognizedClient,
    check_signature,
    generate_key_pair,
    parse_request,
    verify,
)
from overcast.compat.sigv4_errors import SIGNATURE_MISMATCH
from overcast.errors import OvercastError
from tests.compat.wire import KEY, KEYS, TEMP_KEY, signed

# --- requests that verify ----------------------------------------------------


@pytest.mark.parametrize(
    ("service", "region", "target"),
    [
        ("dynamodb", "us-east-1", "DynamoDB_20120810.PutItem"),
        ("kinesis", "eu-west-1", "Kinesis_20131202.PutRecord"),
        ("sqs", "ap-southeast-2", "AmazonSQS.SendMessage"),
    ],
)
def test_json_protocol_requests_verify(service, region, target):
    body = b'{"TableName": "t", "Item": {"pk": {"S": "\xc3\xa9t\xc3\xa9"}}}'
    headers = {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": target}
    wire = signed(body, headers=headers, service=service, region=region)
    assert wire.verify() is KEY
    assert wire.verify(service=service, region=region) is KEY


def test_empty_body_and_get():
    assert signed(b"").verify() is KEY
    assert signed(b"", method="GET", headers={}).verify() is KEY


@pytest.mark.parametrize("segment", ["my table", "é ü/ß", "a+b=c&d", "~tilde_-.", "100%", "x:y@z!$'()*,;"])
def test_paths_with_spaces_unicode_and_reserved_characters(segment):
    # botocore signs the URL's path as it will be sent: already percent-encoded.
    url = "http://localhost:4566/tables/" + quote(segment, safe="/") + "/items"
    wire = signed(url=url)
    assert wire.verify() is KEY


def test_raw_path_and_query_may_be_bytes():
    wire = signed(url="http://localhost:4566/a%20b/%C3%A9", params={"q": "é x"})
    assert dataclasses.replace(wire, path=wire.path.encode(), query=wire.query.encode()).verify() is KEY


def test_dot_segments_and_repeated_slashes_are_normalised():
    wire = signed(url="http://localhost:4566/a/./b//c/../d/")
    assert wire.path == "/a/./b//c/../d/"
    assert wire.verify() is KEY
    assert dataclasses.replace(wire, path="/a/b/d/").verify() is KEY


def test_empty_path_is_slash():
    wire = signed()
    assert dataclasses.replace(wire, path="").verify() is KEY


def test_query_parameters_from_params():
    params = {"b": "2", "a": "x y", "é": "~/+&=", "empty": ""}
    wire = signed(params=params)
    assert wire.query == "b=2&a=x+y&%C3%A9=~%2F%2B%26%3D&empty="  # form-encoded on the wire, signed as %20
    assert wire.verify() is KEY
    assert dataclasses.replace(wire, query=wire.query.replace("+", "%20")).verify() is KEY
    _mismatch(dataclasses.replace(wire, query=wire.query.replace("%2B", "+")))


def test_query_string_in_the_url_unsorted_with_repeats():
    wire = signed(url="http://localhost:4566/?z=1&a=2&a=1&flag=")
    assert wire.query == "z=1&a=2&a=1&flag="
    assert wire.verify() is KEY


def test_query_left_on_the_path_is_used():
    wire = signed(params={"a": "1", "b": "two words"})
    assert dataclasses.replace(wire, path=wire.path + "?" + wire.query, query="").verify() is KEY


def test_session_token_is_checked():
    wire = signed(key=TEMP_KEY)
    assert wire.header("x-amz-security-token") == TEMP_KEY.session_token
    assert "x-amz-security-token" in wire.header("authorization")
    assert wire.verify() is TEMP_KEY


def test_date_header_instead_of_x_amz_date():
    # With a Date header present botocore signs with it (HTTP-date form) and sends no X-Amz-Date.
    wire = signed(headers={**{"Date": "placeholder"}, **{"X-Amz-Target": "DynamoDB_20120810.ListTables"}})
    assert wire.header("x-amz-date") is None and "," in wire.header("date")
    assert wire.verify() is KEY


def test_header_values_are_trimmed_collapsed_and_repeats_joined():
    headers = [("X-Amz-Target", "DynamoDB_20120810.ListTables"), ("X-Custom", "  a   b \t c  "), ("X-Multi", "one")]
    headers.append(("X-Multi", "two  three"))
    wire = signed(headers=headers)
    assert [v for k, v in wire.headers if k == b"x-multi"] == [b"one", b"two  three"]
    assert wire.verify() is KEY
    # What an HTTP server does to outer whitespace, and to header-name case, does not matter.
    wire = wire.with_header("X-Custom", "a   b \t c")
    assert dataclasses.replace(wire, headers=[(k.upper(), v) for k, v in wire.headers]).verify() is KEY


def test_unsigned_extra_headers_are_ignored():
    wire = signed().with_header("user-agent", "Boto3/1.44.5").with_header("x-forwarded-for", "10.0.0.1")
    assert wire.verify() is KEY


def test_declared_content_sha256_that_matches():
    body = b'{"Limit": 1}'
    wire = signed(body, headers={**{"X-Amz-Content-SHA256": hashlib.sha256(body).hexdigest()}, "X-Amz-Target": "x"})
    assert wire.verify() is KEY


def test_unsigned_payload_only_when_allowed():
    wire = signed(b'{"a": 1}', headers={"X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"})
    with pytest.raises(InvalidSignature, match="UNSIGNED-PAYLOAD"):
        wire.verify()
    assert wire.verify(allow_unsigned_payload=True) is KEY


def test_parse_then_check_for_async_key_stores():
    wire = signed()
    request = parse_request(wire.method, wire.path, wire.query, wire.headers, wire.body, service="dynamodb")
    assert request.access_key_id == KEY.access_key_id
    assert request.canonical_request.startswith(b"POST\n/\n\n")
    assert check_signature(request, KEY) is KEY
    with pytest.raises(UnrecognizedClient):
        check_signature(request, None)


# --- tampering ---------------------------------------------------------------


def _mismatch(wire, **kwargs):
    with pytest.raises(InvalidSignature) as info:
        wire.verify(**kwargs)
    err = info.value
    assert type(err) is InvalidSignature
    assert err.aws_name == "InvalidSignatureException" and err.http_status == 400 and err.code == "auth.signature"
    assert err.message == SIGNATURE_MISMATCH
    assert err.canonical_request and err.string_to_sign.startswith("AWS4-HMAC-SHA256\n")
    return err


def test_tampered_body():
    wire = signed(b'{"TableName": "a"}')
    _mismatch(dataclasses.replace(wire, body=b'{"TableName": "b"}'))
    _mismatch(dataclasses.replace(wire, body=wire.body + b" "))


def test_tampered_signed_header():
    wire = signed()
    _mismatch(wire.with_header("x-amz-target", "DynamoDB_20120810.DeleteTable"))
    _mismatch(wire.with_header("host", "evil.example:4566"))


def test_tampered_path_query_and_method():
    wire = signed(url="http://localhost:4566/tables/a", params={"n": "1"})
    _mismatch(dataclasses.replace(wire, path="/tables/b"))
    _mismatch(dataclasses.replace(wire, path="/tables/%61"))  # same resource once decoded, different bytes
    _mismatch(dataclasses.replace(wire, query="n=2"))
    _mismatch(dataclasses.replace(wire, query=wire.query + "&extra=1"))
    _mismatch(dataclasses.replace(wire, method="PUT"))


def test_tampered_signature_and_wrong_secret():
    wire = signed()
    auth = wire.header("authorization")
    flipped = auth[:-1] + ("0" if auth[-1] != "0" else "1")
    _mismatch(wire.with_header("authorization", flipped))
    _mismatch(wire.with_header("authorization", auth + "00"))
    wrong = InMemoryKeys([dataclasses.replace(KEY, secret_access_key="not-the-secret")])
    _mismatch(wire, keys=wrong)


def test_content_sha256_that_does_not_match_the_body():
    declared = hashlib.sha256(b"{}").hexdigest()
    wire = signed(b'{"x": 1}', headers={"X-Amz-Content-SHA256": declared})
    with pytest.raises(InvalidSignature, match="x-amz-content-sha256"):
        wire.verify()


def test_streaming_payload_is_not_supported():
    wire = signed(headers={"X-Amz-Content-SHA256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"})
    with pytest.raises(InvalidSignature, match="not supported"):
        wire.verify()


# --- keys and tokens ---------------------------------------------------------


def _unrecognized(wire, keys=KEYS):
    with pytest.raises(UnrecognizedClient) as info:
        wire.verify(keys=keys)
    err = info.value
    assert err.aws_name == "UnrecognizedClientException" and err.http_status == 400
    assert err.message == "The security token included in the request is invalid."


def test_unknown_access_key():
    _unrecognized(signed(key=AccessKey("AKIAUNKNOWNKEY000000", "s3cr3t", "nobody")))
    _unrecognized(signed(), keys=InMemoryKeys())


def test_session_token_mismatches():
    # the key wants a token: missing, different, or not signed
    without_token = signed(key=dataclasses.replace(TEMP_KEY, session_token=None))
    _unrecognized(without_token)
    _unrecognized(signed(key=TEMP_KEY, token="another-token"))
    _unrecognized(without_token.with_header("x-amz-security-token", TEMP_KEY.session_token))
    with pytest.raises(IncompleteSignature, match="'x-amz-security-token' is named as a SignedHeader"):
        signed(key=TEMP_KEY).with_header("x-amz-security-token", None).verify()
    # a long-term key was sent with a token
    _unrecognized(signed(token="some-sts-token"))


# --- missing and malformed authentication -----------------------------------


def test_missing_authorization():
    wire = signed().with_header("authorization", None)
    with pytest.raises(MissingAuthenticationToken) as info:
        wire.verify()
    err = info.value
    assert err.aws_name == "MissingAuthenticationTokenException" and err.http_status == 400
    assert err.message == "Request is missing Authentication Token"
    with pytest.raises(MissingAuthenticationToken):
        signed().with_header("authorization", "").verify()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            "AWS4-HMAC-SHA256 Credential=AKIAOVERCASTTEST0001/20260101/us-east-1/dynamodb/aws4_request, Signature=ab",
            "Authorization header requires 'SignedHeaders' parameter. Authorization=AWS4-HMAC-SHA256 Credential=",
        ),
        ("AWS4-HMAC-SHA256 SignedHeaders=host, Signature=ab", "Authorization header requires 'Credential' parameter."),
        (
            "AWS4-HMAC-SHA256 Credential= AKIAOVERCASTTEST0001/20260101/us-east-1/dynamodb/aws4_request, "
            "SignedHeaders=host, Signature=ab",
            "'AKIAOVERCASTTEST0001/20260101/us-east-1/dynamodb/aws4_request' not a valid key=value pair",
        ),
        (
            "AWS4-HMAC-SHA256 Credential=AKIAOVERCASTTEST0001/20260101/dynamodb/aws4_request, "
            "SignedHeaders=host, Signature=ab",
            "Credential must have exactly 5 slash-delimited elements",
        ),
        (
            "Bearer eyJhbGciOiJIUzI1NiJ9.e30.x",
            "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter.",
        ),
        ("AWS AKIAOVERCASTTEST0001:c2lnbmF0dXJl", "Authorization=AWS AKIAOVERCASTTEST0001:c2lnbmF0dXJl"),
        (
            "AWS4-ECDSA-P256-SHA256 Credential=AKIAOVERCASTTEST0001/20260101/dynamodb/aws4_request, "
            "SignedHeaders=host, Signature=ab",
            "Unsupported AWS 'algorithm': 'AWS4-ECDSA-P256-SHA256'.",
        ),
        (
            "aws4-hmac-sha256 Credential=AKIAOVERCASTTEST0001/20260101/us-east-1/dynamodb/aws4_request, "
            "SignedHeaders=host, Signature=ab",
            "Authorization header requires 'Credential' parameter.",
        ),
    ],
)
def test_malformed_authorization(value, expected):
    with pytest.raises(IncompleteSignature) as info:
        signed().with_header("authorization", value).verify()
    err = info.value
    assert err.aws_name == "IncompleteSignatureException" and err.http_status == 400
    assert expected in err.message


def test_wrong_terminator():
    wire = signed()
    value = wire.header("authorization").replace("/aws4_request", "/aws5_request")
    with pytest.raises(InvalidSignature, match="valid terminator: 'aws4_request', not 'aws5_request'"):
        wire.with_header("authorization", value).verify()


def test_missing_or_malformed_date():
    wire = signed()
    with pytest.raises(IncompleteSignature, match="either a 'X-Amz-Date' or a 'Date' header"):
        wire.with_header("x-amz-date", None).verify()
    with pytest.raises(IncompleteSignature, match="ISO-8601 'basic format'"):
        wire.with_header("x-amz-date", "2026-11-26T10:00:00Z").verify()


def test_credential_date_must_match_request_date():
    wire = signed()
    other_day = (wire.signed_at() + timedelta(days=1)).strftime("%Y%m%dT%H%M%SZ")
    with pytest.raises(InvalidSignature, match="Date in Credential scope does not match"):
        wire.with_header("x-amz-date", other_day).verify(now=wire.signed_at() + timedelta(days=1))


def test_host_must_be_signed():
    wire = signed()
    value = re.sub(r"SignedHeaders=[^,]+", "SignedHeaders=x-amz-date;x-amz-target", wire.header("authorization"))
    with pytest.raises(InvalidSignature, match="'Host' or ':authority' must be a 'SignedHeader'"):
        wire.with_header("authorization", value).verify()


def test_signed_header_missing_from_request():
    wire = signed().with_header("x-amz-target", None)
    with pytest.raises(IncompleteSignature, match="'x-amz-target' is named as a SignedHeader, but it does not exist"):
        wire.verify()


def test_repeated_authorization_header_is_refused():
    wire = signed()
    doubled = dataclasses.replace(
        wire, headers=wire.headers + [(b"authorization", wire.header("authorization").encode())]
    )
    with pytest.raises(IncompleteSignature):
        doubled.verify()


def test_query_string_authentication_is_not_supported():
    wire = signed()
    query = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAOVERCASTTEST0001%2F20260101%2Fus-east-1"
    for candidate in (
        dataclasses.replace(wire, query=query),
        dataclasses.replace(wire, query=query).with_header("authorization", None),
    ):
        with pytest.raises(QueryAuthNotSupported, match="query-string authentication is not supported"):
            candidate.verify()


# --- clock and scope ---------------------------------------------------------


def test_clock_skew():
    wire = signed()
    at = wire.signed_at()
    assert wire.verify(now=at + timedelta(seconds=300)) is KEY
    assert wire.verify(now=at - timedelta(seconds=300)) is KEY
    assert wire.verify(now=(at + timedelta(seconds=10)).replace(tzinfo=None)) is KEY  # naive means UTC
    with pytest.raises(SignatureExpired) as info:
        wire.verify(now=at + timedelta(seconds=301))
    err = info.value
    assert isinstance(err, InvalidSignature) and err.aws_name == "InvalidSignatureException"
    stamp = wire.header("x-amz-date")
    assert re.fullmatch(
        rf"Signature expired: {stamp} is now earlier than \d{{8}}T\d{{6}}Z \(\d{{8}}T\d{{6}}Z - 5 min\.\)", err.message
    )
    with pytest.raises(SignatureExpired, match=rf"^Signature not yet current: {stamp} is still later than .* \+ 5 min"):
        wire.verify(now=at - timedelta(seconds=301))
    with pytest.raises(SignatureExpired, match=r"- 15 min\.\)$"):
        wire.verify(now=at + timedelta(minutes=16), max_skew_s=900)
    assert wire.verify(now=at + timedelta(minutes=14), max_skew_s=900) is KEY


def test_service_and_region_must_match_when_given():
    wire = signed(service="dynamodb", region="us-east-1")
    assert wire.verify(service="dynamodb", region="us-east-1") is KEY
    with pytest.raises(InvalidSignature, match=r"^Credential should be scoped to correct service: 'kinesis'\. $"):
        wire.verify(service="kinesis")
    with pytest.raises(InvalidSignature, match=r"^Credential should be scoped to a valid region, not 'us-east-1'\. $"):
        wire.verify(region="eu-west-1")


# --- errors and keys ---------------------------------------------------------


def test_errors_are_one_hierarchy_with_stable_codes():
    classes = [
        MissingAuthenticationToken,
        IncompleteSignature,
        QueryAuthNotSupported,
        UnrecognizedClient,
        InvalidSignature,
        SignatureExpired,
    ]
    assert all(issubclass(c, SignatureError) and issubclass(c, OvercastError) for c in classes)
    assert all(c.http_status == 400 for c in classes)
    assert len({c.code for c in classes}) == len(classes)
    assert InvalidSignature.code == "auth.signature"


def test_error_body_names_the_aws_exception_and_keeps_internals_out():
    err = _mismatch(dataclasses.replace(signed(), body=b"tampered"))
    body = err.to_dict()
    assert body == {"code": "auth.signature", "message": SIGNATURE_MISMATCH, "__type": "InvalidSignatureException"}


def test_generate_key_pair():
    pairs = {generate_key_pair() for _ in range(50)}
    assert len(pairs) == 50
    for key_id, secret in pairs:
        assert re.fullmatch(r"AKIA[A-Z0-9]{16}", key_id)
        assert re.fullmatch(r"[A-Za-z0-9+/]{40}", secret)
    key_id, secret = pairs.pop()
    key = AccessKey(key_id, secret, "p")
    assert signed(key=key).verify(keys=InMemoryKeys([key])) is key
    assert secret not in repr(key)


def test_aws_published_vector_get_vanilla():
    # The "get-vanilla" case of AWS's SigV4 test suite: a signature computed by AWS, not by botocore.
    key = AccessKey("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "example")
    headers = [
        (b"host", b"example.amazonaws.com"),
        (b"x-amz-date", b"20150830T123600Z"),
        (
            b"authorization",
            b"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            b"SignedHeaders=host;x-amz-date, "
            b"Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
        ),
    ]
    at = datetime(2015, 8, 30, 12, 36, tzinfo=timezone.utc)
    assert verify("GET", "/", "", headers, b"", InMemoryKeys([key]), service="service", now=at) is key
