"""A parsed topic-rule statement and how it turns a message into the payload its actions get (pure)."""

from __future__ import annotations

import uuid as _uuid
from dataclasses import dataclass, field
from typing import Callable

from overcast.realtime.sql import nodes as n
from overcast.realtime.sql.errors import PayloadError
from overcast.realtime.sql.evaluator import evaluate, truthy
from overcast.realtime.sql.functions import Context
from overcast.realtime.sql.values import UNDEFINED, dumps, parse_document, plain

_NO_CLIENT = "n/a"  # AWS: clientid() of a message not sent over MQTT


def _new_uuid() -> str:
    return str(_uuid.uuid4())


@dataclass(frozen=True)
class Statement:
    """``SELECT items FROM 'topic_filter' [WHERE where]``, parsed by :func:`overcast.realtime.sql.parse`."""

    sql: str
    items: tuple[n.Item, ...]
    topic_filter: str
    where: n.Node | None
    fields: tuple[str, ...] = field(init=False)  # payload keys the statement reads, in order of appearance

    def __post_init__(self) -> None:
        roots = [item.expr for item in self.items] + ([self.where] if self.where is not None else [])
        names: list[str] = []
        for root in roots:
            for node in n.walk(root):
                if isinstance(node, n.Field) and node.name not in names:
                    names.append(node.name)
        object.__setattr__(self, "fields", tuple(names))

    @property
    def selects_star(self) -> bool:
        return any(isinstance(item.expr, n.Star) for item in self.items)

    def evaluate(self, payload: bytes, *, topic: str, client_id: str | None, now_ms: int,
                 uuid: Callable[[], str] = _new_uuid) -> dict | None:
        """The object the rule's actions get, or None when WHERE is not true.

        Raises :class:`PayloadError` when the payload is not a JSON object and the statement needs one
        (it names a field, or adds items to ``*``), or when ``SELECT *`` would pass a binary payload through
        raw, which a JSON action cannot take: ``SELECT encode(*, 'base64') AS data`` carries it instead.
        """
        result = self._run(payload, topic, client_id, now_ms, uuid)
        if isinstance(result, bytes):
            raise PayloadError(
                f"the payload on topic '{topic}' is not a JSON object; SELECT * passes it through as raw bytes, "
                "which this action cannot take: select encode(*, 'base64') AS data instead")
        return result

    def evaluate_payload(self, payload: bytes, *, topic: str, client_id: str | None, now_ms: int,
                         uuid: Callable[[], str] = _new_uuid) -> bytes | None:
        """The outgoing payload as bytes (JSON, or the raw payload for ``SELECT *`` of a binary one); None when
        WHERE is not true. Raises :class:`PayloadError` like :meth:`evaluate` for the other binary cases."""
        result = self._run(payload, topic, client_id, now_ms, uuid)
        if result is None or isinstance(result, bytes):
            return result
        return dumps(result).encode()

    def _run(self, payload: bytes, topic: str, client_id: str | None, now_ms: int, uuid) -> dict | bytes | None:
        payload = bytes(payload)
        doc = parse_document(payload)
        if doc is None:
            self._check_binary(topic)
        ctx = Context(doc=doc, raw=payload, topic=topic, client_id=client_id or _NO_CLIENT, now_ms=now_ms, uuid=uuid)
        if self.where is not None and not truthy(evaluate(self.where, ctx)):
            return None
        if doc is None and self.selects_star:
            return payload
        out: dict = {}
        for item in self.items:
            if item.key is None:
                out.update(doc)
                continue
            value = evaluate(item.expr, ctx)
            if value is not UNDEFINED:  # AWS: an Undefined item is left out of the result
                _put(out, item.key, plain(value))
        return plain(out)

    def _check_binary(self, topic: str) -> None:
        # AWS: with a non-JSON payload the statement may name no field, and '*' must be the only item
        if self.fields:
            raise PayloadError(
                f"the payload on topic '{topic}' is not a JSON object, so field '{self.fields[0]}' cannot be read; "
                "a binary payload can be used only through * (SELECT * alone, or encode(*, 'base64'))")
        if self.selects_star and len(self.items) > 1:
            raise PayloadError(
                f"the payload on topic '{topic}' is not a JSON object, so * cannot be combined with other items; "
                "use SELECT encode(*, 'base64') AS data, ... instead")


def _put(out: dict, key: tuple[str, ...], value: object) -> None:
    target = out
    for part in key[:-1]:
        nxt = target.get(part)
        if not isinstance(nxt, dict):
            nxt = target[part] = {}
        target = nxt
    target[key[-1]] = value
