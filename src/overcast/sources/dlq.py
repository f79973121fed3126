"""Dead-letter queues: which there are, what failed in them, and sending it back.

Three kinds of entries land in a dead-letter queue, and each is shown and
redriven with its original payload:

- ``stream``: a stream/table mapping's failure record (AWS's batch info plus
  ``overcast.records``, the records as the function received them);
- ``async``: an asynchronous invocation's on-failure record (``requestPayload``);
- ``message``: an SQS message the queue's redrive policy moved after
  ``maxReceiveCount`` receives.

Redrive sends an entry back where it came from (records are put again on their
stream with their partition keys; an async event is enqueued again for its
function; a message is sent again to the queue whose redrive policy names this
DLQ) or, with ``to``, invokes another function asynchronously with the original
event. An entry is deleted from the DLQ only after it was sent on.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field

import orjson

from overcast.deploy.state import read_all
from overcast.errors import OvercastError
from overcast.platform.client import resolve
from overcast.queues.settings import Settings
from overcast.runtime.config import ACCOUNT_ID, REGION
from overcast.sources import records
from overcast.spec.mappings import async_config_of, mappings_of

REDRIVE_VISIBILITY_S = 60


class DlqError(OvercastError):
    code = "dlq.invalid"
    http_status = 400


@dataclass
class Entry:
    kind: str  # stream | async | message
    message_id: str
    function: str | None
    source: str | None
    error: dict | None
    attempts: int | None
    first_failure: str | None
    last_failure: str | None
    payloads: list = field(default_factory=list)  # the original payload(s)
    raw: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"kind": self.kind, "messageId": self.message_id, "function": self.function, "source": self.source,
                "error": self.error, "attempts": self.attempts, "firstFailure": self.first_failure,
                "lastFailure": self.last_failure, "payloads": self.payloads}


def _queue_of(target: str | None) -> str | None:
    return target.partition(":")[2] if target and target.startswith("queue:") else None


async def dlq_list(nc, stage: str | None = None) -> list[dict]:
    """Every queue a deployed stack sends failures to, what feeds it, and how many entries it holds."""
    from overcast.queues import client as queues
    from overcast.queues import store

    feeds: dict[str, set[str]] = {}
    for (stg, stack), state in (await read_all(nc, stage)).items():
        spec = state["spec"]
        for m in mappings_of(stg, stack, spec):
            if m.source == "sqs":
                try:
                    info = await store.get_queue(nc, m.source_name)
                except OvercastError:
                    continue
                name = Settings.of(info.name, info.attributes).dlq
                if name is not None:
                    feeds.setdefault(name, set()).add(f"queue:{m.source_name} (redrive)")
            elif (name := _queue_of(m.on_failure)) is not None:
                feeds.setdefault(name, set()).add(f"{stack}.{m.function} <- {m.source}:{m.source_name}")
        for fn in spec.get("functions", {}):
            cfg = async_config_of(spec, fn)
            if (name := _queue_of(cfg.on_failure)) is not None:
                feeds.setdefault(name, set()).add(f"{stack}.{fn} (async)")
    out = []
    for name in sorted(feeds):
        try:
            attrs = await queues.attributes(nc, name)
            count = int(attrs.get("ApproximateNumberOfMessages", 0)) + int(
                attrs.get("ApproximateNumberOfMessagesNotVisible", 0))
        except OvercastError as exc:
            count, attrs = None, {"error": exc.message}
        out.append({"queue": name, "messages": count, "feeds": sorted(feeds[name])})
    return out


def classify(message) -> Entry:
    try:
        body = orjson.loads(message.body)
    except orjson.JSONDecodeError:
        body = None
    attrs = message.attributes or {}
    if isinstance(body, dict) and isinstance(body.get("overcast"), dict) and (
            "KinesisBatchInfo" in body or "DDBStreamBatchInfo" in body):
        ext = body["overcast"]
        payloads = []
        for rec in ext.get("records") or []:
            if "kinesis" in rec:
                data = base64.b64decode(rec["kinesis"]["data"])
                payloads.append({"partitionKey": rec["kinesis"]["partitionKey"],
                                 "sequenceNumber": rec["kinesis"]["sequenceNumber"],
                                 "data": data.decode("utf-8", "replace")})
            else:
                payloads.append(rec)
        return Entry("stream", message.message_id, ext.get("function"), ext.get("source"), ext.get("error"),
                     body["requestContext"].get("approximateInvokeCount"), ext.get("firstFailure"),
                     ext.get("lastFailure"), payloads, body)
    if isinstance(body, dict) and "requestPayload" in body and "requestContext" in body:
        ctx = body["requestContext"]
        error = body.get("responsePayload") if isinstance(body.get("responsePayload"), dict) else None
        return Entry("async", message.message_id, ctx.get("functionArn", "").rsplit(":", 1)[-1], "async",
                     error, ctx.get("approximateInvokeCount"), None, body.get("timestamp"),
                     [body["requestPayload"]], body)
    return Entry("message", message.message_id, None, None, None, int(attrs.get("ApproximateReceiveCount", 0)) or None,
                 attrs.get("SentTimestamp"), attrs.get("ApproximateFirstReceiveTimestamp"), [message.body],
                 {"body": message.body, "messageAttributes": message.message_attributes})


async def dlq_show(nc, queue: str, limit: int = 100) -> list[Entry]:
    from overcast.queues import client as queues

    return [classify(m) for m in await queues.peek(nc, queue, limit)]


async def _source_queues(nc, dlq: str) -> list[str]:
    from overcast.queues import store

    out = []
    for name in await store.list_queues(nc):
        try:
            info = await store.get_queue(nc, name)
        except OvercastError:
            continue
        if Settings.of(info.name, info.attributes).dlq == dlq:
            out.append(name)
    return out


async def _send_on(nc, entry: Entry, message, to: str | None, stage: str, dlq: str) -> str:
    from overcast.queues import client as queues
    from overcast.sources.async_store import enqueue
    from overcast.streams import store

    if to is not None:
        stack, fname, _ = resolve(await read_all(nc, stage), to)
        if entry.kind == "stream":
            event = {"Records": entry.raw["overcast"]["records"]}
        elif entry.kind == "async":
            event = entry.raw["requestPayload"]
        else:
            event = records.sqs_event([message], f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{dlq}", REGION)
        await enqueue(nc, stage, stack, fname, orjson.dumps(event))
        return f"{stack}.{fname} (async)"
    if entry.kind == "stream":
        kind, _, name = (entry.source or "").partition(":")
        if kind != "stream":
            raise DlqError(f"entry {entry.message_id} holds table change records; they cannot be written back to "
                           "the table's stream: redrive them with --to FUNCTION")
        for rec in entry.raw["overcast"]["records"]:
            await store.put_record(nc, name, base64.b64decode(rec["kinesis"]["data"]), rec["kinesis"]["partitionKey"])
        return f"stream:{name}"
    if entry.kind == "async":
        stack, fname, _ = resolve(await read_all(nc, stage), entry.function or "")
        await enqueue(nc, stage, stack, fname, orjson.dumps(entry.raw["requestPayload"]))
        return f"{stack}.{fname} (async)"
    sources = await _source_queues(nc, dlq)
    if len(sources) != 1:
        raise DlqError(f"no single queue sends its failures to {dlq} (found {sources or 'none'}): redrive with "
                       "--to FUNCTION")
    await queues.send(nc, sources[0], message.body, message_attributes=message.message_attributes or None)
    return f"queue:{sources[0]}"


async def dlq_redrive(nc, queue: str, *, to: str | None = None, stage: str = "dev", limit: int | None = None) -> list:
    """Send entries back (see the module docstring); returns (message id, where it went) per entry."""
    from overcast.queues import client as queues

    done = []
    while limit is None or len(done) < limit:
        batch = await queues.receive(nc, queue, max_messages=10, wait=0.0, visibility=REDRIVE_VISIBILITY_S)
        if not batch:
            break
        for message in batch:
            entry = classify(message)
            where = await _send_on(nc, entry, message, to, stage, queue)
            await queues.delete(nc, queue, message.receipt_handle)
            done.append((message.message_id, where))
    return done
