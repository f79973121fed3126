"""Bearer tokens for the control API.

The platform keeps only a token's SHA-256 (bucket ``overcast_config``, key
``control.token``), so any node can check a token and none can reveal it.
The first start of a platform makes a token and writes it to
``.overcast/token`` (mode 0600) in the project directory; ``overcast token
rotate`` makes a new one, after which the old one is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from nats.aio.client import Client
from nats.js.errors import KeyNotFoundError

from overcast.engine.connect import bucket

CONFIG_BUCKET = "overcast_config"
TOKEN_KEY = "control.token"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def config_bucket(nc: Client):
    return await bucket(nc, CONFIG_BUCKET, history=8)


async def stored_digest(nc: Client) -> str | None:
    kv = await config_bucket(nc)
    try:
        entry = await kv.get(TOKEN_KEY)
    except KeyNotFoundError:
        return None
    return entry.value.decode() if entry.value else None


async def set_token(nc: Client, token: str) -> None:
    kv = await config_bucket(nc)
    await kv.put(TOKEN_KEY, digest(token).encode())


def write_token_file(path: Path, token: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(token + "\n")
    tmp.replace(path)


async def ensure_token(nc: Client, token_file: Path) -> str:
    """The platform's token: made (and written to ``token_file``) when the platform has none yet.

    Returns "" when the platform has a token that ``token_file`` does not hold.
    """
    current = await stored_digest(nc)
    if current is not None:
        token = token_file.read_text().strip() if token_file.is_file() else ""
        # a token made elsewhere (or rotated since) stays the platform's token: "" = not known here
        return token if token and hmac.compare_digest(digest(token), current) else ""
    token = secrets.token_urlsafe(32)
    await set_token(nc, token)
    write_token_file(token_file, token)
    return token


async def rotate(nc: Client, token_file: Path | None) -> str:
    token = secrets.token_urlsafe(32)
    await set_token(nc, token)
    if token_file is not None:
        write_token_file(token_file, token)
    return token


def check(header: bytes | None, expected_digest: str | None) -> bool:
    """Is ``Authorization: Bearer <token>`` one the platform accepts?"""
    if not header or expected_digest is None:
        return False
    scheme, _, token = header.decode("latin-1").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return False
    return hmac.compare_digest(digest(token.strip()), expected_digest)
