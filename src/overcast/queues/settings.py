"""Queue names and queue attributes: defaults, validation, typed view (pure).

Attributes are kept as SQS keeps them: a ``dict[str, str]``. :func:`validate` checks the
attributes a request sets and returns them normalised; :class:`Settings` reads the typed
values an owner and a sender need.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import orjson

from overcast.limits import LIMITS
from overcast.queues.errors import InvalidAttributeName, InvalidAttributeValue, InvalidParameterValue
from overcast.runtime.config import ACCOUNT_ID, REGION

_NAME = re.compile(r"^[A-Za-z0-9_-]{1,80}$")
FIFO_SUFFIX = ".fifo"

# name -> (limit name, low bound); high bound from the limit
_RANGED = {
    "DelaySeconds": ("sqs.delay_seconds", 0),
    "MaximumMessageSize": ("sqs.message_size", 1024),
    "MessageRetentionPeriod": ("sqs.retention_seconds", 60),
    "ReceiveMessageWaitTimeSeconds": ("sqs.wait_time", 0),
    "VisibilityTimeout": ("sqs.visibility_timeout", 0),
}
_FREE = {"Policy", "KmsMasterKeyId", "KmsDataKeyReusePeriodSeconds", "SqsManagedSseEnabled", "RedriveAllowPolicy"}
_FIFO_ONLY = {"ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit"}
SETTABLE = set(_RANGED) | _FREE | _FIFO_ONLY | {"RedrivePolicy", "FifoQueue"}
COMPUTED = ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed", "CreatedTimestamp", "LastModifiedTimestamp", "QueueArn")


def is_fifo(name: str) -> bool:
    return name.endswith(FIFO_SUFFIX)


def check_name(name: object) -> str:
    if not isinstance(name, str):
        raise InvalidParameterValue("QueueName must be a string")
    base = name[:-len(FIFO_SUFFIX)] if is_fifo(name) else name
    if len(name) > 80 or not _NAME.match(base):
        raise InvalidParameterValue(
            "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length "
            f"(a FIFO queue's name ends with .fifo, within the 80): {name!r}")
    return name


def arn(name: str) -> str:
    return f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{name}"


def name_of_arn(value: str) -> str:
    return value.rsplit(":", 1)[-1]


def defaults(name: str) -> dict[str, str]:
    out = {"DelaySeconds": "0", "MaximumMessageSize": str(LIMITS["sqs.message_size"].value),
           "MessageRetentionPeriod": "345600", "ReceiveMessageWaitTimeSeconds": "0", "VisibilityTimeout": "30",
           "SqsManagedSseEnabled": "false"}
    if is_fifo(name):
        out.update(FifoQueue="true", ContentBasedDeduplication="false", DeduplicationScope="queue",
                   FifoThroughputLimit="perQueue")
    return out


def validate(name: str, attributes: object) -> dict[str, str]:
    """The attributes a request sets, checked and normalised (raises the error SQS raises)."""
    if attributes is None:
        return {}
    if not isinstance(attributes, dict):
        raise InvalidParameterValue("Attributes must be a map of attribute name to string value")
    fifo = is_fifo(name)
    out: dict[str, str] = {}
    for key, value in attributes.items():
        if key not in SETTABLE or (key in _FIFO_ONLY and not fifo):
            raise InvalidAttributeName(f"Unknown Attribute {key}.")
        if not isinstance(value, str):
            raise InvalidAttributeValue(f"Invalid value for the parameter {key}: a string is expected.")
        if key in _RANGED:
            out[key] = str(_ranged(key, value))
        elif key == "RedrivePolicy":
            out[key] = _redrive(value) if value else ""
        elif key == "FifoQueue":
            if value.lower() != "true" or not fifo:
                raise InvalidAttributeValue(
                    f"Invalid value for the parameter FifoQueue: {value!r} (a FIFO queue's name ends with .fifo, "
                    "a standard queue has no FifoQueue attribute)")
            out[key] = "true"
        elif key == "ContentBasedDeduplication":
            out[key] = _boolean(key, value)
        elif key == "DeduplicationScope" and value not in ("queue", "messageGroup"):
            raise InvalidAttributeValue(f"Invalid value for the parameter DeduplicationScope: {value!r}")
        elif key == "FifoThroughputLimit" and value not in ("perQueue", "perMessageGroupId"):
            raise InvalidAttributeValue(f"Invalid value for the parameter FifoThroughputLimit: {value!r}")
        else:
            out[key] = value
    return out


def _ranged(key: str, value: str) -> int:
    limit_name, low = _RANGED[key]
    high = LIMITS[limit_name].value
    try:
        number = int(value)
    except ValueError:
        number = None
    if number is None or not low <= number <= high:
        raise InvalidAttributeValue(
            f"Invalid value for the parameter {key}: {value!r}; it must be an integer from {low} to {high} "
            f"(limit {limit_name})")
    return number


def _boolean(key: str, value: str) -> str:
    if value.lower() not in ("true", "false"):
        raise InvalidAttributeValue(f"Invalid value for the parameter {key}: {value!r} (true or false)")
    return value.lower()


def _redrive(value: str) -> str:
    try:
        doc = orjson.loads(value)
    except orjson.JSONDecodeError:
        doc = None
    if not isinstance(doc, dict) or not isinstance(doc.get("deadLetterTargetArn"), str):
        raise InvalidAttributeValue(
            "Invalid value for the parameter RedrivePolicy: a JSON object with deadLetterTargetArn and "
            "maxReceiveCount is expected")
    try:
        count = int(doc.get("maxReceiveCount"))
    except (TypeError, ValueError):
        count = 0
    if not 1 <= count <= 1000:
        raise InvalidAttributeValue(
            "Invalid value for the parameter RedrivePolicy: maxReceiveCount must be an integer from 1 to 1000")
    target = doc["deadLetterTargetArn"]
    if not target.startswith("arn:aws:sqs:"):
        raise InvalidAttributeValue(f"Invalid value for the parameter RedrivePolicy: {target!r} is not a queue ARN")
    return orjson.dumps({"deadLetterTargetArn": target, "maxReceiveCount": count}).decode()


@dataclass(frozen=True)
class Settings:
    """The typed attributes of one queue (stored attributes over the defaults)."""

    name: str
    delay: int
    max_size: int
    retention: int
    wait: int
    visibility: int
    fifo: bool
    content_dedup: bool
    dedup_per_group: bool
    dlq: str | None  # dead-letter queue name
    max_receives: int | None

    @classmethod
    def of(cls, name: str, attributes: dict[str, str]) -> Settings:
        a = {**defaults(name), **attributes}
        redrive = orjson.loads(a["RedrivePolicy"]) if a.get("RedrivePolicy") else None
        return cls(name, int(a["DelaySeconds"]), int(a["MaximumMessageSize"]), int(a["MessageRetentionPeriod"]),
                   int(a["ReceiveMessageWaitTimeSeconds"]), int(a["VisibilityTimeout"]), is_fifo(name),
                   a.get("ContentBasedDeduplication") == "true", a.get("DeduplicationScope") == "messageGroup",
                   name_of_arn(redrive["deadLetterTargetArn"]) if redrive else None,
                   int(redrive["maxReceiveCount"]) if redrive else None)
