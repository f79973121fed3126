"""The API Gateway HTTP API event, payload format 2.0 (pure, on every request's hot path).

Field names, nesting, omission rules and key order match what AWS hands to a
function (see the ``http-api-v2.json`` reference sample).
"""

from __future__ import annotations

import base64
import hashlib
import random
import time
from urllib.parse import unquote

__all__ = ["build_http_event", "new_request_id", "api_id_for", "format_request_time"]

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_TEXT_TYPES = frozenset(
    ("application/json", "application/xml", "application/javascript", "application/graphql")
)
_B36 = "0123456789abcdefghijklmnopqrstuvwxyz"
_last_time: tuple[int, str] = (-1, "")  # one-entry cache: many requests share a second


def format_request_time(epoch_ms: int) -> str:
    """``12/Mar/2020:19:03:58 +0000`` in UTC, English month names whatever the locale."""
    global _last_time
    second = epoch_ms // 1000
    cached = _last_time
    if cached[0] == second:
        return cached[1]
    t = time.gmtime(second)
    text = (
        f"{t.tm_mday:02d}/{_MONTHS[t.tm_mon - 1]}/{t.tm_year}:"
        f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} +0000"
    )
    _last_time = (second, text)
    return text


def new_request_id() -> str:
    """A request id in API Gateway's style: 16 base64 characters ending in ``=``."""
    # 88 random bits; the random module reseeds itself in forked children.
    return base64.urlsafe_b64encode(random.getrandbits(88).to_bytes(11, "big")).decode("ascii")


def new_lambda_request_id() -> str:
    """A Lambda request id: a version-4 UUID (from the fast PRNG: ids need uniqueness, not secrecy)."""
    n = random.getrandbits(128) & ~(0xF000 << 64) & ~(0xC << 60) | (0x4000 << 64) | (0x8 << 60)
    h = f"{n:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def api_id_for(stack: str) -> str:
    """A stable 10-character lowercase alphanumeric API id derived from the stack name."""
    n = int.from_bytes(hashlib.sha256(stack.encode("utf-8")).digest()[:8], "big")
    out = []
    for _ in range(10):
        n, r = divmod(n, 36)
        out.append(_B36[r])
    return "".join(out)


def _is_text(content_type: str) -> bool:
    media = content_type.partition(";")[0].strip().lower()
    return (
        media.startswith("text/")
        or media in _TEXT_TYPES
        or media.endswith("+json")
        or media.endswith("+xml")
    )


def _parse_query(raw_query: str) -> dict[str, str]:
    params: dict[str, str] = {}
    for part in raw_query.split("&"):
        if not part:
            continue
        name, _, value = part.partition("=")
        if not name:
            continue
        # Percent-decoding only: '+' stays '+', as in AWS HTTP APIs.
        name, value = unquote(name), unquote(value)
        previous = params.get(name)
        params[name] = value if previous is None else previous + "," + value
    return params


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def build_http_event(
    *,
    method: str,
    raw_path: str,
    raw_query: str,
    headers: list[tuple[bytes, bytes]],
    body: bytes,
    source_ip: str,
    protocol: str,
    route_key: str,
    path_parameters: dict[str, str] | None,
    stage: str,
    api_id: str,
    account_id: str,
    request_id: str,
    time_epoch_ms: int,
    stage_variables: dict[str, str] | None,
) -> dict:
    """Build the payload format 2.0 event for one request.

    ``headers`` are ASGI-style ``(name, value)`` byte pairs as received;
    ``raw_path`` is the path as received (still percent-encoded) and
    ``raw_query`` the query string without ``?``. Absent parts are omitted.
    """
    header_map: dict[str, str] = {}
    cookies: list[str] = []
    for raw_name, raw_value in headers:
        name = raw_name.decode("latin-1").lower()
        value = _decode(raw_value)
        if name == "cookie":
            for cookie in value.split(";"):
                cookie = cookie.strip()
                if cookie:
                    cookies.append(cookie)
            continue
        previous = header_map.get(name)
        header_map[name] = value if previous is None else previous + "," + value

    if isinstance(raw_query, bytes):
        raw_query = raw_query.decode("latin-1")

    host = header_map.get("host", "")
    if host.startswith("["):  # IPv6 literal: [::1]:8080
        domain = host[: host.find("]") + 1] or host
    else:
        domain = host.partition(":")[0]
    if not domain:
        domain = "localhost"

    event: dict = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": raw_path,
        "rawQueryString": raw_query,
    }
    if cookies:
        event["cookies"] = cookies
    event["headers"] = header_map
    if raw_query:
        params = _parse_query(raw_query)
        if params:
            event["queryStringParameters"] = params
    event["requestContext"] = {
        "accountId": account_id,
        "apiId": api_id,
        "domainName": domain,
        "domainPrefix": domain.partition(".")[0],
        "http": {
            "method": method,
            "path": raw_path,
            "protocol": protocol,
            "sourceIp": source_ip,
            "userAgent": header_map.get("user-agent", ""),
        },
        "requestId": request_id,
        "routeKey": route_key,
        "stage": stage,
        "time": format_request_time(time_epoch_ms),
        "timeEpoch": time_epoch_ms,
    }
    is_base64 = False
    if body:
        content_type = header_map.get("content-type")
        text = None
        # Like AWS: HTTP APIs pass text-like bodies as text and base64-encode the
        # rest — form posts (x-www-form-urlencoded), multipart, binary and any
        # body that is not valid UTF-8.
        if not content_type or _is_text(content_type):
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError:
                pass
        if text is None:
            text = base64.b64encode(body).decode("ascii")
            is_base64 = True
        event["body"] = text
    if path_parameters:
        event["pathParameters"] = path_parameters
    event["isBase64Encoded"] = is_base64
    if stage_variables:
        event["stageVariables"] = stage_variables
    return event
