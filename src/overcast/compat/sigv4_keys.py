"""Access keys: what a SigV4 verifier looks a request's key id up in."""

from __future__ import annotations

import secrets
import string
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

_KEY_ID_ALPHABET = string.ascii_uppercase + string.digits
_SECRET_ALPHABET = string.ascii_letters + string.digits + "+/"


@dataclass(frozen=True)
class AccessKey:
    """One access key pair and who it belongs to.

    ``session_token`` is set for temporary credentials: a request signed with
    such a key must carry the same ``X-Amz-Security-Token`` and sign it; a
    request signed with a key without one must carry none (AWS answers both
    with ``UnrecognizedClientException``).
    """

    access_key_id: str
    secret_access_key: str = field(repr=False)
    principal: str
    session_token: str | None = field(default=None, repr=False)


class KeyLookup(Protocol):
    def get(self, access_key_id: str) -> AccessKey | None: ...


class InMemoryKeys:
    """A ``KeyLookup`` over a dict; for tests and for a gateway that keeps its keys in memory."""

    def __init__(self, keys: Iterable[AccessKey] = ()) -> None:
        self._keys: dict[str, AccessKey] = {}
        for key in keys:
            self.add(key)

    def add(self, key: AccessKey) -> None:
        self._keys[key.access_key_id] = key

    def remove(self, access_key_id: str) -> None:
        self._keys.pop(access_key_id, None)

    def get(self, access_key_id: str) -> AccessKey | None:
        return self._keys.get(access_key_id)

    def __len__(self) -> int:
        return len(self._keys)


def generate_key_pair() -> tuple[str, str]:
    """A new ``(access_key_id, secret_access_key)`` shaped like AWS's.

    The id is ``AKIA`` and 16 upper-case letters or digits (AWS SDKs and tools
    that check the shape accept it); the secret is 40 characters of base64's
    alphabet, about 238 bits from ``secrets``.
    """
    key_id = "AKIA" + "".join(secrets.choice(_KEY_ID_ALPHABET) for _ in range(16))
    secret = "".join(secrets.choice(_SECRET_ALPHABET) for _ in range(40))
    return key_id, secret
