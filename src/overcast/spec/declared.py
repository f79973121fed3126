"""What a stack declares (streams, queues, tables, functions) and how a reference to one resolves (pure).

A logical name declared in the stack means that resource; an ARN means the
resource it names; anything else is taken as a physical name of a resource
outside the stack (another stack's, or one made through the AWS APIs).

While a ``StackSpec`` is validated, ``declared_in`` makes its declaration the
``current()`` one, so field validators of events can check references against
it; outside a stack ``current()`` is the empty declaration.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from pydantic import BaseModel

from overcast.spec.queues import FIFO_SUFFIX, queue_physical

_ARNS = {
    "stream": re.compile(r"^arn:aws[a-z-]*:kinesis:[a-z0-9-]*:\d{12}:stream/(?P<name>[^/:]+)$"),
    "table": re.compile(r"^arn:aws[a-z-]*:dynamodb:[a-z0-9-]*:\d{12}:table/(?P<name>[^/:]+)(/stream/[^/]+)?$"),
    "queue": re.compile(r"^arn:aws[a-z-]*:sqs:[a-z0-9-]*:\d{12}:(?P<name>[^/:]+)$"),
}


def arn_name(kind: str, ref: str) -> str | None:
    """The resource name in a Kinesis stream / DynamoDB table (or table stream) / SQS queue ARN, else None."""
    found = _ARNS[kind].match(ref)
    return found["name"] if found else None


def _mapping(value: object) -> dict:
    if isinstance(value, BaseModel):
        return value.model_dump()
    return value if isinstance(value, dict) else {}


@dataclass(frozen=True)
class Declared:
    """The streams, queues, tables and functions of a stack, read from its raw or dumped data (tolerant).

    ``streams``/``tables``/``queues`` map logical names to physical ones; ``fifo``
    and ``visibility`` hold the declared queues' settings by logical name,
    ``table_views`` each declared table's stream view type (None: no stream).
    ``in_stack`` is False for the empty declaration used outside a stack.
    """

    streams: dict[str, str] = field(default_factory=dict)
    queues: dict[str, str] = field(default_factory=dict)
    tables: dict[str, str] = field(default_factory=dict)
    fifo: dict[str, bool] = field(default_factory=dict)
    visibility: dict[str, int] = field(default_factory=dict)
    table_views: dict[str, str | None] = field(default_factory=dict)
    functions: frozenset[str] = frozenset()
    in_stack: bool = False

    @classmethod
    def of(cls, data: object) -> Declared:
        data = _mapping(data)
        streams = {k: _mapping(v).get("name") or k for k, v in _mapping(data.get("streams")).items()}
        queues = {k: _mapping(v) for k, v in _mapping(data.get("queues")).items()}
        tables = {k: _mapping(v) for k, v in _mapping(data.get("tables")).items()}
        return cls(
            streams={k: v for k, v in streams.items() if isinstance(v, str)},
            queues={k: queue_physical(k, q.get("name") if isinstance(q.get("name"), str) else None,
                                      q.get("fifo") is True) for k, q in queues.items()},
            tables={k: t["name"] if isinstance(t.get("name"), str) else k for k, t in tables.items()},
            fifo={k: q.get("fifo") is True for k, q in queues.items()},
            visibility={k: q.get("visibilityTimeout", 30) for k, q in queues.items()},
            table_views={k: t.get("stream") for k, t in tables.items()},
            functions=frozenset(_mapping(data.get("functions"))),
            in_stack=True,
        )

    def _logical(self, kind: str) -> dict[str, str]:
        return {"stream": self.streams, "queue": self.queues, "table": self.tables}[kind]

    def declares(self, kind: str, ref: str) -> bool:
        return ref in self._logical(kind)

    def physical(self, kind: str, ref: str) -> str:
        """The physical name ``ref`` means (kind: stream, queue or table)."""
        known = self._logical(kind)
        if ref in known:
            return known[ref]
        return arn_name(kind, ref) or ref

    def logical_queue(self, ref: str) -> str | None:
        """The logical name of the declared queue ``ref`` means (by logical or physical name)."""
        if ref in self.queues:
            return ref
        name = self.physical("queue", ref)
        return next((k for k, v in self.queues.items() if v == name), None)

    def queue_is_fifo(self, ref: str) -> bool:
        logical = self.logical_queue(ref)
        return self.fifo[logical] if logical is not None else self.physical("queue", ref).endswith(FIFO_SUFFIX)


_CURRENT: ContextVar[Declared] = ContextVar("overcast_declared", default=Declared())


@contextmanager
def declared_in(data: object) -> Iterator[Declared]:
    """While a stack's data is validated, ``current()`` answers what it declares."""
    token = _CURRENT.set(Declared.of(data))
    try:
        yield _CURRENT.get()
    finally:
        _CURRENT.reset(token)


def current() -> Declared:
    return _CURRENT.get()
