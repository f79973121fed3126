"""NATS subject, stream and bucket names: the only place they are spelled.

Stage, stack and function names are validated (``[a-z][a-z0-9-]``,
``[A-Za-z0-9_-]``), so they are safe subject tokens as they are.
"""

from __future__ import annotations

PREFIX = "overcast"

# JetStream KV bucket holding desired state: one key per stack.
STACKS_BUCKET = "overcast_stacks"

# JetStream stream keeping function logs (one message per invocation).
LOGS_STREAM = "OVERCAST_LOGS"
LOGS_WILDCARD = f"{PREFIX}.logs.>"

# Health/status: every node answers on this subject (request/reply fan-in).
STATUS = f"{PREFIX}.status"


def invoke(stage: str, stack: str, function: str, version: str) -> str:
    """Subject a synchronous invocation of one version of a function is requested on.

    ``version`` is a published version number, or ``latest`` for code run from a live directory.
    """
    return f"{PREFIX}.invoke.{stage}.{stack}.{function}.{version}"


def pool_group(stage: str, stack: str, function: str, version: str) -> str:
    """Queue group shared by every pool serving that version (any host)."""
    return f"{PREFIX}.pool.{stage}.{stack}.{function}.{version}"


def logs(stage: str, stack: str, function: str) -> str:
    return f"{PREFIX}.logs.{stage}.{stack}.{function}"


def stack_key(stage: str, stack: str) -> str:
    """Key of a stack of a stage in :data:`STACKS_BUCKET`: ``STAGE.STACK``."""
    return f"{stage}.{stack}"


def split_stack_key(key: str) -> tuple[str, str]:
    stage, _, stack = key.partition(".")
    return stage, stack


def status(role: str) -> str:
    """Each process role answers status requests here (``gateway``, ``runtime``)."""
    return f"{STATUS}.{role}"


def node_status(role: str, node_id: str) -> str:
    """One process's own status subject."""
    return f"{STATUS}.{role}.{node_id}"


# Every runtime process answers here: "could you start these functions?" (pre-deploy check).
CHECK = f"{PREFIX}.check"


# JetStream stream of table change records (DynamoDB Streams shape), one subject per table.
TABLE_CHANGES_STREAM = "OVERCAST_TABLE_CHANGES"
TABLE_CHANGES_WILDCARD = f"{PREFIX}.tables.changes.>"


def table_changes(table: str) -> str:
    """Table names may hold '.', a subject separator: it is written %2E here."""
    return f"{PREFIX}.tables.changes.{table.replace('.', '%2E')}"


def token(name: str) -> str:
    """A resource name (stream, queue) as one subject token / stream-name part: '.' becomes %2E."""
    return name.replace("%", "%25").replace(".", "%2E")


# Kinesis-compatible streams: one JetStream stream per stream, one subject per shard (index 0..N-1).
def kinesis_stream(name: str) -> str:
    return f"OVERCAST_KS_{token(name)}"


def kinesis_shard(name: str, shard: int) -> str:
    return f"{PREFIX}.ks.{token(name)}.{shard}"


# SQS-compatible queues: messages in one JetStream stream per queue; the queue's owner (one per
# platform, in a dispatcher) answers receive/delete/visibility requests on the control subjects.
QUEUES_BUCKET = "overcast_queues"  # queue name -> attributes (JSON)


def queue_stream(name: str) -> str:
    return f"OVERCAST_SQS_{token(name)}"


def queue_messages(name: str) -> str:
    return f"{PREFIX}.sqs.msg.{token(name)}"


def queue_control(name: str, op: str) -> str:
    return f"{PREFIX}.sqs.ctl.{token(name)}.{op}"


# Asynchronous invocations (InvocationType=Event, schedules, topic rules): one durable stream.
ASYNC_STREAM = "OVERCAST_ASYNC"
ASYNC_WILDCARD = f"{PREFIX}.async.>"


def async_invoke(stage: str, stack: str, function: str) -> str:
    return f"{PREFIX}.async.{stage}.{stack}.{function}"


# Leases: which dispatcher owns a shard of a mapping, a queue, a schedule (KV, TTL'd by renewal).
LEASES_BUCKET = "overcast_leases"
# Schedule ticks claimed (one key per schedule and tick time): a tick fires once across nodes.
TICKS_BUCKET = "overcast_ticks"


# WebSocket APIs: connection id -> the gateway holding the socket (KV); each gateway answers
# @connections calls (send, describe, disconnect) for the sockets it holds on its own subject.
WS_BUCKET = "overcast_ws"


def ws_gateway(node_id: str) -> str:
    return f"{PREFIX}.ws.gw.{node_id}"
