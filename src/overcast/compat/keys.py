"""Access keys the platform issues (SigV4 credentials for its AWS-compatible endpoints).

Stored in the ``overcast_config`` bucket as ``keys.AKID`` → ``{"secret", "principal"}``;
the principal is the ``STAGE.STACK`` whose resources the key reaches.
"""

from __future__ import annotations

import time

import orjson
from nats.aio.client import Client
from nats.js.errors import KeyNotFoundError

from overcast.compat.sigv4 import AccessKey, generate_key_pair
from overcast.control.auth import config_bucket

CACHE_S = 10.0


async def issue(nc: Client, principal: str) -> AccessKey:
    akid, secret = generate_key_pair()
    kv = await config_bucket(nc)
    await kv.put(f"keys.{akid}", orjson.dumps({"secret": secret, "principal": principal}))
    return AccessKey(akid, secret, principal)


class KeyStore:
    """Looks keys up in the bucket, remembering answers for a few seconds."""

    def __init__(self, nc: Client) -> None:
        self.nc = nc
        self._cache: dict[str, tuple[float, AccessKey | None]] = {}

    async def get(self, access_key_id: str) -> AccessKey | None:
        hit = self._cache.get(access_key_id)
        if hit and time.monotonic() - hit[0] < CACHE_S:
            return hit[1]
        kv = await config_bucket(self.nc)
        try:
            entry = await kv.get(f"keys.{access_key_id}")
            doc = orjson.loads(entry.value) if entry.value else None
        except KeyNotFoundError:
            doc = None
        key = AccessKey(access_key_id, doc["secret"], doc["principal"]) if doc else None
        self._cache[access_key_id] = (time.monotonic(), key)
        return key


def credentials_file(key: AccessKey, region: str) -> str:
    """The key in AWS's shared-credentials format (profile ``overcast``), for boto3 and the AWS CLI."""
    return (f"[overcast]\naws_access_key_id = {key.access_key_id}\n"
            f"aws_secret_access_key = {key.secret_access_key}\nregion = {region}\n")
