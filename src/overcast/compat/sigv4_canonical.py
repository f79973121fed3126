"""The pieces of a SigV4 canonical request and the signing-key HMAC chain (pure).

Everything works on the bytes as received: ``raw_path`` and ``raw_query``
percent-encoded as on the wire (ASGI ``scope["raw_path"]`` and
``scope["query_string"]``; a ``str`` is taken as their UTF-8 decoding).
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import quote, unquote_to_bytes

ALGORITHM = "AWS4-HMAC-SHA256"
TERMINATOR = "aws4_request"


def _as_bytes(value: str | bytes) -> bytes:
    return value if isinstance(value, bytes) else value.encode("utf-8", "surrogateescape")


def split_path(raw_path: str | bytes, raw_query: str | bytes) -> tuple[bytes, bytes]:
    """Path and query as bytes; a query left on the path (``/a?b=c``) is moved to the query."""
    path, query = _as_bytes(raw_path), _as_bytes(raw_query)
    if b"?" in path:
        path, _, rest = path.partition(b"?")
        query = query or rest
    return path, query


def canonical_uri(raw_path: bytes) -> str:
    """The path with dot segments and empty segments removed, then URI-encoded once more.

    Non-S3 services sign each segment encoded twice: the client encodes it for
    the wire, and encodes that again for the canonical request. AWS and the
    SDKs also drop ``.``/``..`` and repeated slashes before signing.
    """
    if not raw_path:
        return "/"
    segments: list[bytes] = []
    for segment in raw_path.split(b"/"):
        if segment in (b"", b"."):
            continue
        if segment == b"..":
            if segments:
                segments.pop()
        else:
            segments.append(segment)
    path = b"/" + b"/".join(segments)
    if raw_path.endswith(b"/") and segments:
        path += b"/"
    return quote(path, safe="/~")


def _unquote_plus(part: bytes) -> bytes:
    return unquote_to_bytes(part.replace(b"+", b" "))


def query_pairs(raw_query: bytes) -> list[tuple[bytes, bytes]]:
    """Decoded ``(name, value)`` pairs.

    A ``+`` is a space, as AWS reads it: botocore puts ``?a=x+y`` on the wire
    (form encoding) and signs ``a=x%20y``; a literal plus arrives as ``%2B``.
    """
    pairs = []
    for item in raw_query.split(b"&"):
        if not item:
            continue
        name, _, value = item.partition(b"=")
        pairs.append((_unquote_plus(name), _unquote_plus(value)))
    return pairs


def canonical_query(raw_query: bytes) -> str:
    """Names and values RFC 3986 encoded, sorted by name then value, joined with ``&``."""
    encoded = sorted((quote(n, safe="-_.~"), quote(v, safe="-_.~")) for n, v in query_pairs(raw_query))
    return "&".join(f"{n}={v}" for n, v in encoded)


def header_map(headers: list[tuple[bytes, bytes]]) -> dict[str, list[bytes]]:
    """Lower-cased names to their values in order received (a repeated header keeps every value)."""
    out: dict[str, list[bytes]] = {}
    for name, value in headers:
        key = (name.decode("latin-1") if isinstance(name, bytes) else name).lower()
        out.setdefault(key, []).append(_as_bytes(value))
    return out


def canonical_header_value(values: list[bytes]) -> bytes:
    """Each value trimmed with runs of whitespace collapsed to one space; repeats joined by ``,``."""
    return b",".join(b" ".join(v.split()) for v in values)


def canonical_request(
    method: str,
    uri: str,
    query: str,
    headers: dict[str, list[bytes]],
    signed_headers: list[str],
    signed_headers_text: str,
    payload_hash: str,
) -> bytes:
    """The canonical request, in the order the client listed ``SignedHeaders``.

    Header values keep their received bytes, so non-ASCII values hash exactly as sent.
    """
    lines = [method.encode(), uri.encode(), query.encode()]
    for name in signed_headers:
        lines.append(name.encode("latin-1") + b":" + canonical_header_value(headers.get(name, [])))
    lines += [b"", signed_headers_text.encode("latin-1"), payload_hash.encode("latin-1")]
    return b"\n".join(lines)


def string_to_sign(amz_date: str, scope: str, canonical: bytes) -> str:
    return f"{ALGORITHM}\n{amz_date}\n{scope}\n{hashlib.sha256(canonical).hexdigest()}"


def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    """``HMAC("AWS4" + secret, date) -> region -> service -> "aws4_request"``."""
    key = _hmac(("AWS4" + secret).encode("utf-8"), date)
    for part in (region, service, TERMINATOR):
        key = _hmac(key, part)
    return key


def signature(secret: str, date: str, region: str, service: str, to_sign: str) -> str:
    return hmac.new(signing_key(secret, date, region, service), to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
