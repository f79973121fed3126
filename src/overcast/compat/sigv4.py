"""Verifying AWS Signature Version 4 on incoming requests (pure).

Unmodified AWS SDK clients sign every call to overcast's DynamoDB-, Kinesis-
and SQS-compatible endpoints (``POST /`` with ``X-Amz-Target``) with an
``Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…``
header. ``verify`` checks such a request and returns the ``AccessKey`` that
signed it, or raises the error AWS answers (see ``sigv4_errors``).

Supported: header authentication with ``X-Amz-Date`` or ``Date``, an optional
``X-Amz-Security-Token``, and ``X-Amz-Content-Sha256`` holding the payload's
hash (or ``UNSIGNED-PAYLOAD`` when the caller allows it). Not supported:
presigned URLs (query-string authentication, ``X-Amz-Algorithm`` in the query:
``QueryAuthNotSupported``), chunked ``STREAMING-*`` payloads, SigV4a, and S3's
path rules (S3 signs the path encoded once and unnormalised).

For a key store that must be awaited, split the call in two::

    signed = parse_request(method, raw_path, raw_query, headers, body, service="dynamodb")
    key = check_signature(signed, await store.get(signed.access_key_id))
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from overcast.compat import sigv4_canonical as canon
from overcast.compat.sigv4_errors import (
    IncompleteSignature,
    InvalidSignature,
    MissingAuthenticationToken,
    QueryAuthNotSupported,
    SignatureError,
    SignatureExpired,
    UnrecognizedClient,
)
from overcast.compat.sigv4_header import AMZ_DATE_FORMAT, Authorization, parse_authorization, parse_request_date
from overcast.compat.sigv4_keys import AccessKey, InMemoryKeys, KeyLookup, generate_key_pair

__all__ = [
    "AccessKey",
    "Authorization",
    "IncompleteSignature",
    "InMemoryKeys",
    "InvalidSignature",
    "KeyLookup",
    "MissingAuthenticationToken",
    "QueryAuthNotSupported",
    "SignatureError",
    "SignatureExpired",
    "SignedRequest",
    "UnrecognizedClient",
    "check_signature",
    "generate_key_pair",
    "parse_request",
    "verify",
]

UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
_HEX = frozenset("0123456789abcdef")


@dataclass(frozen=True)
class SignedRequest:
    """A request whose signature is ready to be checked: everything but the secret is known."""

    authorization: Authorization
    amz_date: str
    session_token: str | None  # the X-Amz-Security-Token sent, if any
    session_token_signed: bool
    canonical_request: bytes
    string_to_sign: str

    @property
    def access_key_id(self) -> str:
        return self.authorization.access_key_id


def _single(headers: dict[str, list[bytes]], name: str) -> str | None:
    values = headers.get(name)
    if not values:
        return None
    if len(values) > 1:
        raise IncompleteSignature(f"Found more than one '{name}' header; expected exactly one.")
    return values[0].decode("latin-1").strip()


def _skew_text(seconds: int) -> str:
    return f"{seconds // 60} min." if seconds % 60 == 0 else f"{seconds} sec."


def _check_clock(when: datetime, now: datetime | None, max_skew_s: int) -> None:
    now = now or datetime.now(timezone.utc)
    if now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    skew = timedelta(seconds=max_skew_s)
    fmt = AMZ_DATE_FORMAT
    stamp, now_s = when.strftime(fmt), now.astimezone(timezone.utc).strftime(fmt)
    # AWS's wording, e.g. "Signature expired: 20240522T115547Z is now earlier
    # than 20240522T120908Z (20240522T121408Z - 5 min.)".
    if when < now - skew:
        raise SignatureExpired(
            f"Signature expired: {stamp} is now earlier than {(now - skew).strftime(fmt)}"
            f" ({now_s} - {_skew_text(max_skew_s)})"
        )
    if when > now + skew:
        raise SignatureExpired(
            f"Signature not yet current: {stamp} is still later than {(now + skew).strftime(fmt)}"
            f" ({now_s} + {_skew_text(max_skew_s)})"
        )


def _payload_hash(headers: dict[str, list[bytes]], body: bytes, allow_unsigned_payload: bool) -> str:
    """What the last line of the canonical request holds: the body's hash or ``X-Amz-Content-Sha256``."""
    computed = hashlib.sha256(body).hexdigest()
    declared = _single(headers, "x-amz-content-sha256")
    if declared is None:
        return computed
    if declared == UNSIGNED_PAYLOAD:
        if not allow_unsigned_payload:
            raise InvalidSignature("UNSIGNED-PAYLOAD is not accepted here; the payload must be signed.")
        return declared
    lowered = declared.lower()
    if len(lowered) != 64 or not set(lowered) <= _HEX:
        raise InvalidSignature(f"x-amz-content-sha256 value '{declared}' is not supported here.")
    if lowered != computed:
        raise InvalidSignature("The provided 'x-amz-content-sha256' header does not match what was computed.")
    return declared


def parse_request(
    method: str,
    raw_path: str | bytes,
    raw_query: str | bytes,
    headers: list[tuple[bytes, bytes]],
    body: bytes,
    *,
    service: str | None = None,
    region: str | None = None,
    now: datetime | None = None,
    max_skew_s: int = 300,
    allow_unsigned_payload: bool = False,
) -> SignedRequest:
    """Every check that needs no secret, in AWS's order, and the string to sign.

    ``service``/``region``, when given, must be the credential scope's; ``now``
    (default: the clock, naive means UTC) must be within ``max_skew_s`` of the
    request's date.
    """
    path, query = canon.split_path(raw_path, raw_query)
    if any(name.lower() == b"x-amz-algorithm" for name, _ in canon.query_pairs(query)):
        raise QueryAuthNotSupported()
    hmap = canon.header_map(headers)
    auth_value = _single(hmap, "authorization")
    if not auth_value:
        raise MissingAuthenticationToken()
    amz_date, http_date = _single(hmap, "x-amz-date"), _single(hmap, "date")
    auth = parse_authorization(auth_value, has_date=amz_date is not None or http_date is not None)
    when, amz_date_text = parse_request_date(amz_date, http_date)
    if auth.date != amz_date_text[:8]:
        raise InvalidSignature(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
            f"'{auth.date}' != '{amz_date_text[:8]}', from '{amz_date_text}'."
        )
    if region is not None and auth.region != region:
        raise InvalidSignature(f"Credential should be scoped to a valid region, not '{auth.region}'. ")
    if service is not None and auth.service != service:
        raise InvalidSignature(f"Credential should be scoped to correct service: '{service}'. ")
    if "host" not in auth.signed_headers:
        raise InvalidSignature("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
    _check_clock(when, now, max_skew_s)
    for name in auth.signed_headers:
        if name not in hmap:
            raise IncompleteSignature(
                f"'{name}' is named as a SignedHeader, but it does not exist in the HTTP request."
            )
    canonical = canon.canonical_request(
        method,
        canon.canonical_uri(path),
        canon.canonical_query(query),
        hmap,
        auth.signed_headers,
        auth.signed_headers_text,
        _payload_hash(hmap, body, allow_unsigned_payload),
    )
    return SignedRequest(
        authorization=auth,
        amz_date=amz_date_text,
        session_token=_single(hmap, "x-amz-security-token"),
        session_token_signed="x-amz-security-token" in auth.signed_headers,
        canonical_request=canonical,
        string_to_sign=canon.string_to_sign(amz_date_text, auth.scope, canonical),
    )


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8", "surrogateescape"), b.encode("utf-8", "surrogateescape"))


def check_signature(signed: SignedRequest, key: AccessKey | None) -> AccessKey:
    """Check ``signed`` against the key its access key id names (``None``: unknown); constant time."""
    if key is None or key.access_key_id != signed.access_key_id:
        raise UnrecognizedClient()
    if key.session_token is not None:
        if signed.session_token is None or not signed.session_token_signed:
            raise UnrecognizedClient()
        if not _same(signed.session_token, key.session_token):
            raise UnrecognizedClient()
    elif signed.session_token is not None:
        raise UnrecognizedClient()
    auth = signed.authorization
    expected = canon.signature(key.secret_access_key, auth.date, auth.region, auth.service, signed.string_to_sign)
    if not _same(expected, auth.signature):
        raise InvalidSignature(
            canonical_request=signed.canonical_request.decode("utf-8", "replace"),
            string_to_sign=signed.string_to_sign,
        )
    return key


def verify(
    method: str,
    raw_path: str | bytes,
    raw_query: str | bytes,
    headers: list[tuple[bytes, bytes]],
    body: bytes,
    keys: KeyLookup,
    *,
    service: str | None = None,
    region: str | None = None,
    now: datetime | None = None,
    max_skew_s: int = 300,
    allow_unsigned_payload: bool = False,
) -> AccessKey:
    """The ``AccessKey`` that signed this request, or a ``SignatureError``.

    ``headers`` are ASGI-style ``(name, value)`` byte pairs as received;
    ``raw_path``/``raw_query`` percent-encoded as on the wire. Only header
    authentication is supported (see the module docstring).
    """
    signed = parse_request(
        method,
        raw_path,
        raw_query,
        headers,
        body,
        service=service,
        region=region,
        now=now,
        max_skew_s=max_skew_s,
        allow_unsigned_payload=allow_unsigned_payload,
    )
    return check_signature(signed, keys.get(signed.access_key_id))
