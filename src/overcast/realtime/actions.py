"""Running one topic-rule action against the platform (the I/O edge of the rule engine).

Every action gets the SELECT result as bytes (JSON, or a binary payload passed through by ``SELECT *``):

==========  =====================================================================================
function    asynchronous invocation, its first attempt made at once (``async_first``), else stored
            (``async_invoke.enqueue``): the function's retries, maximum event age and destinations
            apply, as for AWS IoT's Lambda action; needs JSON
republish   :func:`overcast.realtime.publish.publish` on the rendered topic, at the action's QoS
stream      ``put_record`` with the rendered partition key
queue       ``queues.client.send``; the body is the result as UTF-8 text, or base64 with ``useBase64``
table       PutItem of the result (a JSON object; each top-level key an attribute, as AWS IoT's
            DynamoDBv2 action) on the dispatcher's table storage, as the rule's stack
==========  =====================================================================================

Anything that goes wrong raises :class:`ActionFailed`, whose message goes into the error envelope.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from decimal import Decimal

import orjson

from overcast.errors import OvercastError
from overcast.realtime.ruleset import Action, Rule, republish_headers
from overcast.sources.invoking import function_arn


class ActionFailed(OvercastError):
    """A topic-rule action could not be carried out; goes to the rule's error action."""

    code = "rules.action_failed"
    http_status = 500
    aws_name = "InternalFailureException"

    def __init__(self, message: str, resource: str) -> None:
        super().__init__(message)
        self.resource = resource


@dataclass(frozen=True)
class Incoming:
    """The message a rule took: what templates are evaluated against."""

    topic: str
    payload: bytes
    client_id: str
    now_ms: int
    headers: dict | None = None


class ActionRunner:
    """Runs actions for the rule engine: ``nc`` the engine, ``invoker`` the dispatcher's view of deployed
    functions, ``dynamo`` the DynamoDB service on the dispatcher's table storage (None: no tables),
    ``submit`` the dispatcher's ``FirstAttempts.submit`` (None: every invocation is stored first)."""

    def __init__(self, nc, invoker, dynamo=None, submit=None) -> None:
        self.nc = nc
        self.invoker = invoker
        self.dynamo = dynamo
        self.submit = submit

    def resource(self, rule: Rule, action: Action) -> str:
        if action.kind == "function":
            stack, _, fn = action.target.rpartition(".")
            return function_arn(rule.stage, stack, fn)
        return action.target

    async def run(self, rule: Rule, action: Action, result: bytes, msg: Incoming) -> None:
        resource = self.resource(rule, action)
        try:
            await getattr(self, "_" + action.kind)(rule, action, result, msg)
        except ActionFailed:
            raise
        except OvercastError as exc:
            raise ActionFailed(exc.message, resource) from None

    def _render(self, action: Action, msg: Incoming) -> str:
        return action.template.render(msg.payload, topic=msg.topic, client_id=msg.client_id, now_ms=msg.now_ms)

    async def _function(self, rule: Rule, action: Action, result: bytes, msg: Incoming) -> None:
        from overcast.sources.async_store import enqueue

        stack, _, fn = action.target.rpartition(".")
        if _json(result) is _NOT_JSON:
            raise ActionFailed("the SELECT result is a binary payload, which a function cannot take; select "
                               "encode(*, 'base64') AS data instead", self.resource(rule, action))
        if self.invoker.function(rule.stage, stack, fn) is None:
            raise ActionFailed(f"Function not found: {self.resource(rule, action)}", self.resource(rule, action))
        if self.submit is not None:
            await self.submit(rule.stage, stack, fn, result)
        else:
            await enqueue(self.nc, rule.stage, stack, fn, result)

    async def _republish(self, rule: Rule, action: Action, result: bytes, msg: Incoming) -> None:
        from overcast.realtime.publish import publish

        topic = self._render(action, msg)
        await publish(self.nc, topic, result, action.qos, republish_headers(rule, msg.headers))

    async def _stream(self, rule: Rule, action: Action, result: bytes, msg: Incoming) -> None:
        from overcast.streams.records import put_record

        await put_record(self.nc, action.target, result, self._render(action, msg))

    async def _queue(self, rule: Rule, action: Action, result: bytes, msg: Incoming) -> None:
        from overcast.queues import client as queues

        if action.base64:
            body = base64.b64encode(result).decode()
        else:
            try:
                body = result.decode("utf-8")
            except UnicodeDecodeError:
                raise ActionFailed("the SELECT result is not UTF-8 text, which a queue message cannot hold; set "
                                   "useBase64: true", action.target) from None
        await queues.send(self.nc, action.target, body)

    async def _table(self, rule: Rule, action: Action, result: bytes, msg: Incoming) -> None:
        if self.dynamo is None:
            raise ActionFailed("this dispatcher has no table storage (start the node with --tables URL)",
                               action.target)
        doc = _json(result)
        if not isinstance(doc, dict):
            raise ActionFailed("the SELECT result is not a JSON object, so it cannot be written as an item",
                               action.target)
        item = {k: attribute(v) for k, v in doc.items()}
        await self.dynamo.handle("PutItem", {"TableName": action.target, "Item": item},
                                 f"{rule.stage}.{rule.stack}")


_NOT_JSON = object()


def _json(data: bytes) -> object:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return _NOT_JSON


def attribute(value: object) -> dict:
    """A JSON value as a DynamoDB attribute value (as AWS IoT's DynamoDBv2 action writes it)."""
    if value is None:
        return {"NULL": True}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, int | float):
        return {"N": _number(value)}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, list):
        return {"L": [attribute(v) for v in value]}
    return {"M": {k: attribute(v) for k, v in value.items()}}


def _number(value: int | float) -> str:
    if isinstance(value, int):
        return str(value)
    text = format(Decimal(repr(value)).normalize(), "f")
    return text
