"""Message bodies and message attributes: validation, size and the MD5 digests SQS returns (pure).

Message attributes are kept in the SQS API's shape: ``{name: {"DataType": ..., "StringValue": ...}}``
or ``"BinaryValue"`` (base64 text, as it travels in the JSON protocol).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import struct
from decimal import Decimal, InvalidOperation

from overcast.queues.errors import InvalidMessageContents, InvalidParameterValue, MissingParameter

MAX_ATTRIBUTES = 10
_ATTR_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,256}$")
# XML 1.0 characters: what SQS accepts in a body or a string attribute value
_BAD_CHARS = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def md5_of_body(body: str) -> str:
    return hashlib.md5(body.encode("utf-8"), usedforsecurity=False).hexdigest()


def check_body(body: object) -> str:
    if not isinstance(body, str) or body == "":
        raise MissingParameter("The request must contain the parameter MessageBody.")
    bad = _BAD_CHARS.search(body)
    if bad:
        raise InvalidMessageContents(
            f"Invalid characters found. Character #x{ord(bad.group()):X} is outside the characters allowed in a "
            "message (#x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF)")
    return body


def check_attributes(attributes: object) -> dict[str, dict[str, str]]:
    """Message attributes as given to SendMessage, checked; returns them with only the fields SQS keeps."""
    if attributes is None:
        return {}
    if not isinstance(attributes, dict):
        raise InvalidParameterValue("MessageAttributes must be a map")
    if len(attributes) > MAX_ATTRIBUTES:
        raise InvalidParameterValue(
            f"Number of message attributes [{len(attributes)}] exceeds the allowed maximum [{MAX_ATTRIBUTES}].")
    out = {}
    for name, value in attributes.items():
        _check_name(name)
        if not isinstance(value, dict):
            raise InvalidParameterValue(f"The message attribute '{name}' must be a structure.")
        kind = value.get("DataType")
        base = kind.split(".", 1)[0] if isinstance(kind, str) else None
        if base not in ("String", "Number", "Binary") or len(kind) > 256:
            raise InvalidParameterValue(
                f"The message attribute '{name}' has an invalid message attribute type, the set of supported type "
                "prefixes is Binary, Number, and String.")
        if base == "Binary":
            data = value.get("BinaryValue")
            if not isinstance(data, str) or not data:
                raise InvalidParameterValue(f"The message attribute '{name}' with type 'Binary' must use field "
                                            "'Binary'.")
            try:
                base64.b64decode(data, validate=True)
            except (binascii.Error, ValueError):
                raise InvalidParameterValue(f"The message attribute '{name}' has an invalid base64 value.") from None
            out[name] = {"DataType": kind, "BinaryValue": data}
            continue
        text = value.get("StringValue")
        if not isinstance(text, str) or not text:
            raise InvalidParameterValue(f"The message attribute '{name}' must contain non-empty message attribute "
                                        f"value for message attribute type '{base}'.")
        if _BAD_CHARS.search(text):
            raise InvalidMessageContents(f"The message attribute '{name}' holds characters SQS does not allow.")
        if base == "Number":
            _check_number(name, text)
        out[name] = {"DataType": kind, "StringValue": text}
    return out


def _check_name(name: object) -> None:
    ok = isinstance(name, str) and _ATTR_NAME.match(name) and ".." not in name
    if not ok or name.startswith(".") or name.endswith(".") or name.lower().startswith(("aws.", "amazon.")):
        raise InvalidParameterValue(
            f"Message attribute name {name!r} is invalid: up to 256 of A-Z a-z 0-9 _ - . (no leading, trailing or "
            "double '.', no 'AWS.' or 'Amazon.' prefix).")


def _check_number(name: str, text: str) -> None:
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise InvalidParameterValue(f"Can't cast the value of message (user) attribute '{name}' to a number.")


def _value_bytes(value: dict[str, str]) -> bytes:
    if "BinaryValue" in value:
        return base64.b64decode(value["BinaryValue"])
    return value["StringValue"].encode("utf-8")


def attributes_size(attributes: dict[str, dict[str, str]]) -> int:
    """Bytes the attributes count toward the message size (name + type + value, as SQS counts)."""
    return sum(len(name.encode()) + len(v["DataType"].encode()) + len(_value_bytes(v))
               for name, v in attributes.items())


def md5_of_attributes(attributes: dict[str, dict[str, str]]) -> str | None:
    """MD5OfMessageAttributes: SQS's digest of the attributes sorted by name; None when there are none."""
    if not attributes:
        return None
    data = bytearray()
    for name in sorted(attributes):
        value = attributes[name]
        for part in (name.encode(), value["DataType"].encode()):
            data += struct.pack(">I", len(part)) + part
        raw = _value_bytes(value)
        data += (b"\x02" if "BinaryValue" in value else b"\x01") + struct.pack(">I", len(raw)) + raw
    return hashlib.md5(bytes(data), usedforsecurity=False).hexdigest()


def select(attributes: dict[str, dict[str, str]], names: list[str] | None) -> dict[str, dict[str, str]]:
    """The attributes ReceiveMessage's MessageAttributeNames asks for ("All", ".*", "name", "prefix.*")."""
    if not names:
        return {}
    if "All" in names or ".*" in names:
        return dict(attributes)
    exact = {n for n in names if not n.endswith(".*")}
    prefixes = tuple(n[:-1] for n in names if n.endswith(".*"))
    return {k: v for k, v in attributes.items() if k in exact or (prefixes and k.startswith(prefixes))}
