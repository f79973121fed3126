"""The shapes of a stack's normalized event sources, and the rules for their derived names and ids (pure).

``Mapping``, ``ScheduleEntry`` and ``AsyncConfig`` are what ``overcast.spec.mappings`` builds from a
stack spec. Names of implied dead-letter queues and schedule rules are derived here: queue names
longer than 80 characters are shortened, keeping a hash of the full name; mapping ids are uuid5 of
the mapping's stage, stack, function and source, so they are stable across deploys.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from typing import Any

from overcast.spec.streams import FIFO_SUFFIX

QUEUE_NAME_MAX = 80
RULE_NAME_MAX = 64
_IDS = uuid.UUID("5d9cf2a4-7f4e-4c55-9d3f-6b0f0e4c1a7e")  # namespace of mapping ids (uuid5)


@dataclass(frozen=True)
class Mapping:
    """One event-source mapping (Lambda's EventSourceMapping), ready to run.

    ``source`` is ``kinesis``, ``dynamodb`` (a table's change stream) or ``sqs``;
    ``on_failure`` is ``queue:NAME`` / ``stream:NAME`` (physical) for stream
    sources and None for queues (their redrive policy takes failed messages).
    Stream-only settings hold neutral values for queues (retries -1, bisect off).
    """

    id: str
    stage: str
    stack: str
    function: str
    source: str
    source_name: str
    batch_size: int
    window: int
    starting_position: str | None
    starting_timestamp: float | None
    parallelization: int
    max_retries: int
    max_record_age: int
    bisect: bool
    report_failures: bool
    on_failure: str | None
    filters: list = field(default_factory=list)
    enabled: bool = True
    max_concurrency: int | None = None


@dataclass(frozen=True)
class ScheduleEntry:
    """A schedule of a function; ``id`` is stable across deploys (``{stack}-{stage}-{function}-schedule-{n}``)."""

    id: str
    function: str
    expression: str
    input: Any
    enabled: bool
    description: str | None


@dataclass(frozen=True)
class AsyncConfig:
    """Asynchronous invocation settings; destinations are ``queue:NAME``, ``stream:NAME`` (physical) or
    ``function:NAME`` (``stack.function`` for a function of the same stack, else as written)."""

    max_retries: int = 2
    max_event_age: int = 21600
    on_success: str | None = None
    on_failure: str | None = None


def fit_name(base: str, suffix: str, limit: int = QUEUE_NAME_MAX) -> str:
    """``base + suffix``, shortened to ``limit`` characters with an 8-hex hash of ``base`` when too long."""
    if len(base) + len(suffix) <= limit:
        return base + suffix
    digest = hashlib.sha256(base.encode()).hexdigest()[:8]
    return f"{base[: limit - len(suffix) - 9]}-{digest}{suffix}"


def function_dlq(stack: str, stage: str, function: str) -> str:
    """The dead-letter queue of a function's stream/table mappings without an onFailure destination."""
    return fit_name(f"{stack}-{stage}-{function}", "-dlq")


def source_dlq(queue: str) -> str:
    """The dead-letter queue implied for a consumed queue without a redrive policy (FIFO stays FIFO)."""
    fifo = queue.endswith(FIFO_SUFFIX)
    base = queue[: -len(FIFO_SUFFIX)] if fifo else queue
    return fit_name(base, "-dlq" + (FIFO_SUFFIX if fifo else ""))


def mapping_id(stage: str, stack: str, function: str, source: str, source_name: str) -> str:
    return str(uuid.uuid5(_IDS, f"{stage}/{stack}/{function}/{source}/{source_name}"))
