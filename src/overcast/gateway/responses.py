"""A function's result turned into an HTTP response, payload format 2.0 rules (pure).

Also the gateway's own standard answers (404, 413, 429, 502, 503, 504), in
the JSON shape API Gateway uses: ``{"message": "..."}``.
"""

from __future__ import annotations

import binascii
from base64 import b64decode
from dataclasses import dataclass, field

import orjson

__all__ = [
    "HttpResponse",
    "map_function_result",
    "error_response",
    "not_found",
    "internal_error",
    "gateway_timeout",
    "too_many_requests",
    "payload_too_large",
    "service_unavailable",
]

_JSON = (b"content-type", b"application/json")
# Observed behaviour of HTTP APIs: a structured result ({"statusCode": ...})
# without a content-type header is answered as text/plain; charset=utf-8.
_TEXT = (b"content-type", b"text/plain; charset=utf-8")
# API Gateway frames the response itself; a function cannot set these.
_DROPPED = frozenset(("content-length", "transfer-encoding", "connection"))
_TOKEN = frozenset("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_names: dict[str, bytes | None] = {}  # header name -> lower-case bytes; None = dropped


@dataclass(slots=True)
class HttpResponse:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    reason: str | None = field(default=None, compare=False)  # why a result became a 502; for logs


class _Invalid(Exception):
    pass


def error_response(status: int, message: str, **extra: object) -> HttpResponse:
    """A JSON error answer ``{"message": ..., **extra}`` with the given status."""
    return HttpResponse(status, [_JSON], orjson.dumps({"message": message, **extra}))


_NOT_FOUND = b'{"message":"Not Found"}'
_INTERNAL = b'{"message":"Internal Server Error"}'
_TIMEOUT = b'{"message":"Gateway Timeout"}'
_UNAVAILABLE = b'{"message":"Service Unavailable"}'


# Each helper returns a fresh object: callers may append headers to it.
def not_found() -> HttpResponse:
    return HttpResponse(404, [_JSON], _NOT_FOUND)


def internal_error(reason: str | None = None) -> HttpResponse:
    return HttpResponse(502, [_JSON], _INTERNAL, reason)


def gateway_timeout() -> HttpResponse:
    return HttpResponse(504, [_JSON], _TIMEOUT)


def service_unavailable() -> HttpResponse:
    return HttpResponse(503, [_JSON], _UNAVAILABLE)


def too_many_requests(limit: str, limit_value: object) -> HttpResponse:
    return error_response(429, "Too Many Requests", limit=limit, limitValue=limit_value)


def payload_too_large(limit: str, limit_value: object) -> HttpResponse:
    return error_response(413, "Request Entity Too Large", limit=limit, limitValue=limit_value)


def _name(name: str) -> bytes | None:
    out = _names.get(name)
    if out is not None or name in _names:
        return out
    if not isinstance(name, str) or not name or not _TOKEN.issuperset(name):
        raise _Invalid(f"header name {name!r} is not a valid HTTP header name")
    lower = name.lower()
    out = None if lower in _DROPPED else lower.encode("ascii")
    if len(_names) < 4096:
        _names[name] = out
    return out


def _value(name: str, value: object) -> bytes:
    if isinstance(value, str):
        text = value
    elif value is True or value is False:
        text = "true" if value else "false"  # as the JSON text reads
    elif isinstance(value, (int, float)):
        text = str(value)
    else:
        raise _Invalid(f"header {name!r} has a {type(value).__name__} value; expected a string")
    if "\n" in text or "\r" in text or "\0" in text:
        raise _Invalid(f"header {name!r} has a line break or NUL in its value")
    return text.encode("utf-8")


def _structured(result: dict) -> HttpResponse:
    status = result["statusCode"]
    # AWS requires an integer statusCode; a numeric string is refused too.
    if type(status) is not int or not 100 <= status <= 599:
        raise _Invalid(f"statusCode must be an integer from 100 to 599, got {status!r}")
    out: list[tuple[bytes, bytes]] = []
    has_type = False

    headers = result.get("headers")
    if headers is not None:
        if not isinstance(headers, dict):
            raise _Invalid(f"headers must be an object, got {type(headers).__name__}")
        for name, value in headers.items():
            key = _name(name)
            if key is not None:
                out.append((key, _value(name, value)))
                has_type = has_type or key == b"content-type"

    multi = result.get("multiValueHeaders")
    if multi is not None:
        if not isinstance(multi, dict):
            raise _Invalid(f"multiValueHeaders must be an object, got {type(multi).__name__}")
        single = set(out)
        for name, values in multi.items():
            if not isinstance(values, list):
                raise _Invalid(f"multiValueHeaders[{name!r}] must be a list")
            key = _name(name)
            if key is None:
                continue
            for value in values:
                pair = (key, _value(name, value))
                if pair not in single:  # a pair given in both maps appears once
                    out.append(pair)
            has_type = has_type or (key == b"content-type" and bool(values))

    cookies = result.get("cookies")
    if cookies is not None:
        if not isinstance(cookies, list):
            raise _Invalid(f"cookies must be a list of strings, got {type(cookies).__name__}")
        for cookie in cookies:
            if not isinstance(cookie, str):
                raise _Invalid(f"cookies must be a list of strings, got a {type(cookie).__name__}")
            out.append((b"set-cookie", _value("set-cookie", cookie)))

    body = result.get("body")
    if body is None:
        data = b""
    elif not isinstance(body, str):
        raise _Invalid(f"body must be a string, got {type(body).__name__}")
    else:
        encoded = result.get("isBase64Encoded", False)
        if encoded is True:
            try:
                data = b64decode(body, validate=True)
            except (binascii.Error, ValueError) as exc:
                raise _Invalid(f"isBase64Encoded is true but body is not valid base64: {exc}") from None
        elif encoded is False or encoded is None:
            data = body.encode("utf-8")
        else:
            raise _Invalid(f"isBase64Encoded must be true or false, got {encoded!r}")

    if not has_type:
        out.append(_TEXT)
    return HttpResponse(status, out, data)


def map_function_result(payload: bytes) -> HttpResponse:
    """Turn a function's JSON result into the HTTP response, as an HTTP API does.

    An object with ``statusCode`` is a structured response; any other JSON
    value is sent as is with status 200 and ``application/json``. A result
    that cannot be mapped gives AWS's 502 ``{"message":"Internal Server
    Error"}``, with the cause in ``reason`` (never in the body).
    """
    try:
        result = orjson.loads(payload)
    except orjson.JSONDecodeError as exc:
        return internal_error(f"function result is not valid JSON: {exc}")
    if isinstance(result, dict) and "statusCode" in result:
        try:
            return _structured(result)
        except _Invalid as exc:
            return internal_error(f"malformed function response: {exc}")
    return HttpResponse(200, [_JSON], bytes(payload))
