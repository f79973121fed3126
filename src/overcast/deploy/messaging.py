"""Streams and queues as deploy resources: the ``stream`` and ``queue`` kinds, and applying their plan actions.

Both are stateful, like tables: a change of ``name`` (or a stream's
``shards``, a queue's ``fifo``) replaces the resource and loses its records,
so it needs ``--allow-replace``; leaving the stack keeps it unless its
``deletionPolicy`` is ``delete`` or ``--delete-data`` is given. The dead-letter
queues implied by the stack's event sources (``overcast.spec.mappings``) are
``queue`` resources too, with ids ``queue:dlq/NAME``; they are retained.
"""

from __future__ import annotations

import json

from nats.aio.client import Client

from overcast.deploy.resources import Kind, Resource, register_kind, resource_id
from overcast.runtime.config import ACCOUNT_ID, REGION
from overcast.spec.mappings import queues_of, streams_of

STREAM = register_kind(Kind("stream", stateful=True, replace_on=frozenset({"name", "shards"})))
QUEUE = register_kind(Kind("queue", stateful=True, replace_on=frozenset({"name", "fifo"})))
KINDS = (STREAM.name, QUEUE.name)


def messaging_resources(spec, stage: str) -> dict[str, Resource]:
    """The stream and queue resources of a validated ``StackSpec`` deployed to ``stage``."""
    if not hasattr(spec, "model_dump"):
        return {}
    data = spec.model_dump(mode="json")
    out = {}
    for logical, props in streams_of(data).items():
        rid = resource_id(STREAM.name, logical)
        out[rid] = Resource(rid, STREAM.name, props)
    for key, props in queues_of(stage, spec.stack, data).items():
        rid = resource_id(QUEUE.name, key)
        out[rid] = Resource(rid, QUEUE.name, props)
    return out


def queue_arn(name: str) -> str:
    return f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{name}"


def queue_attributes(props: dict) -> dict[str, str]:
    """A queue resource's props as SQS attributes (names and string values as SQS has them)."""
    out = {
        "VisibilityTimeout": str(props["visibilityTimeout"]),
        "DelaySeconds": str(props["delaySeconds"]),
        "MessageRetentionPeriod": str(props["retentionPeriod"]),
        "MaximumMessageSize": str(props["maximumMessageSize"]),
        "ReceiveMessageWaitTimeSeconds": str(props["receiveWaitTime"]),
    }
    if props.get("fifo"):
        # SQS: a standard queue has no FifoQueue / ContentBasedDeduplication attribute at all.
        out["FifoQueue"] = "true"
        out["ContentBasedDeduplication"] = "true" if props.get("contentBasedDeduplication") else "false"
    redrive = props.get("redrive")
    if redrive:
        out["RedrivePolicy"] = json.dumps({"deadLetterTargetArn": queue_arn(redrive["deadLetterQueue"]),
                                           "maxReceiveCount": redrive["maxReceiveCount"]})
    return out


async def _owner_of(nc: Client, kind: str, name: str) -> str | None:
    if kind == STREAM.name:
        from overcast.streams.errors import StreamNotFound
        from overcast.streams.store import describe_stream

        try:
            return (await describe_stream(nc, name)).owner
        except StreamNotFound:
            return None
    from overcast.queues.errors import QueueDoesNotExist
    from overcast.queues.store import get_queue

    try:
        return (await get_queue(nc, name)).owner
    except QueueDoesNotExist:
        return None


async def check_owners(nc: Client, resources: dict[str, Resource], owner: str) -> list[str]:
    """Refusals for streams and queues whose physical name another stack owns."""
    out = []
    for res in sorted(resources.values(), key=lambda r: r.id):
        if res.kind in KINDS:
            found = await _owner_of(nc, res.kind, res.props["name"])
            if found and found != owner:
                out.append(f"{res.kind} '{res.props['name']}' already exists and belongs to {found}")
    return out


async def _delete(nc: Client, kind: str, name: str) -> bool:
    """Delete a stream or queue with its records; False if there was none."""
    if kind == STREAM.name:
        from overcast.streams.errors import StreamNotFound
        from overcast.streams.store import delete_stream

        try:
            await delete_stream(nc, name)
        except StreamNotFound:
            return False
        return True
    from overcast.queues.errors import QueueDoesNotExist
    from overcast.queues.store import delete_queue

    try:
        await delete_queue(nc, name)
    except QueueDoesNotExist:
        return False
    return True


def _order(action) -> tuple:
    # Dead-letter queues first, so a redrive policy never names a queue that is not there yet.
    return (action.kind != QUEUE.name, not action.id.startswith(f"{QUEUE.name}:dlq/"), action.id)


async def apply_actions(nc: Client, actions, desired: dict[str, Resource], current: dict[str, dict],
                        owner: str) -> list[str]:
    """Create, update, replace or delete streams and queues as the plan says; returns what was done.

    ``current`` holds the stored resources (``{id: {"kind", "props"}}``); deleting
    happens only for actions marked ``data_loss`` (deletionPolicy delete, --delete-data).
    """
    from overcast.queues.store import ensure_queue
    from overcast.streams.store import ensure_stream

    done = []
    for action in sorted((a for a in actions if a.kind in KINDS), key=_order):
        old = (current.get(action.id) or {}).get("props") or {}
        if action.action in ("create", "update", "replace"):
            props = desired[action.id].props
            if action.action == "replace" and old.get("name"):
                if await _delete(nc, action.kind, old["name"]):
                    done.append(f"deleted {action.kind} {old['name']} (replaced)")
            if action.kind == STREAM.name:
                await ensure_stream(nc, props["name"], props["shards"], props["retentionHours"], owner)
            else:
                attributes = queue_attributes(props)
                if old.get("redrive") and not props.get("redrive") and action.action == "update":
                    attributes["RedrivePolicy"] = ""  # SQS: an empty RedrivePolicy removes it
                await ensure_queue(nc, props["name"], attributes, owner)
            done.append(f"{'created' if action.action != 'update' else 'updated'} {action.kind} {props['name']}")
        elif action.action == "delete" and action.data_loss:
            if await _delete(nc, action.kind, old["name"]):
                done.append(f"deleted {action.kind} {old['name']} and its records")
        elif action.action == "retain":
            done.append(f"retained {action.kind} {old.get('name')} (records kept)")
    return done
