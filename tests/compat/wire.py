"""Requests signed by botocore (the real AWS client), turned into what an ASGI server receives."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import urlsplit

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from overcast.compat.sigv4 import AccessKey, InMemoryKeys, verify

KEY = AccessKey("AKIAOVERCASTTEST0001", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", principal="team-a")
TEMP_KEY = AccessKey(
    "ASIAOVERCASTTEMP0001", "tempSecretKeyForTestsOnly0123456789abcdef", "fn-b", session_token="tok/ABC+="
)
KEYS = InMemoryKeys([KEY, TEMP_KEY])
URL = "http://localhost:4566/"
JSON_HEADERS = {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "DynamoDB_20120810.ListTables"}


def host_of(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return host if parts.port in (None, default) else f"{host}:{parts.port}"


@dataclass(frozen=True)
class Wire:
    method: str
    path: str
    query: str
    headers: list[tuple[bytes, bytes]]
    body: bytes

    def verify(self, keys=KEYS, **kwargs) -> AccessKey:
        return verify(self.method, self.path, self.query, self.headers, self.body, keys, **kwargs)

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.decode().lower() == name.lower():
                return value.decode()
        return None

    def with_header(self, name: str, value: str | None) -> Wire:
        """Replace (or, with ``None``, drop) a header, keeping the others as they were."""
        lname = name.lower().encode()
        headers = [(k, v) for k, v in self.headers if k.lower() != lname]
        if value is not None:
            headers.append((lname, value.encode()))
        return dataclasses.replace(self, headers=headers)

    def signed_at(self) -> datetime:
        return datetime.strptime(self.header("x-amz-date"), "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)


def to_wire(prepared, headers=None) -> Wire:
    """A botocore prepared request as (method, raw path, raw query, ASGI headers, body).

    ``headers`` (name, value) pairs replace the prepared request's: preparing
    keeps one value of a repeated header, an HTTP client sends them all.
    """
    parts = urlsplit(prepared.url)
    items = prepared.headers.items() if headers is None else headers
    headers = [(k.lower().encode(), v if isinstance(v, bytes) else v.encode()) for k, v in items]
    if not any(k == b"host" for k, _ in headers):  # the HTTP client adds Host from the URL
        headers.append((b"host", host_of(prepared.url).encode()))
    body = prepared.body or b""
    return Wire(prepared.method, parts.path, parts.query, headers, body.encode() if isinstance(body, str) else body)


def signed(
    body: bytes = b"{}",
    *,
    method: str = "POST",
    url: str = URL,
    headers: dict | list | None = None,
    params: dict | None = None,
    service: str = "dynamodb",
    region: str = "us-east-1",
    key: AccessKey = KEY,
    token: str | None = None,
) -> Wire:
    request = AWSRequest(method=method, url=url, data=body, params=params)
    items = JSON_HEADERS.items() if headers is None else (headers.items() if isinstance(headers, dict) else headers)
    for name, value in items:
        request.headers[name] = value  # assigning twice keeps both values, like a repeated header
    credentials = Credentials(key.access_key_id, key.secret_access_key, token or key.session_token)
    SigV4Auth(credentials, service, region).add_auth(request)
    return to_wire(request.prepare(), headers=request.headers.items())
