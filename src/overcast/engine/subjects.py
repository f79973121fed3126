"""NATS subject, stream and bucket names: the only place they are spelled.

Stack and function names are validated by the stack-file models to
``[A-Za-z0-9_-]``, so they are safe subject tokens as they are.
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


def invoke(stack: str, function: str) -> str:
    """Subject a synchronous invocation of ``stack.function`` is requested on."""
    return f"{PREFIX}.invoke.{stack}.{function}"


def pool_group(stack: str, function: str) -> str:
    """Queue group shared by every pool serving ``stack.function`` (any host)."""
    return f"{PREFIX}.pool.{stack}.{function}"


def logs(stack: str, function: str) -> str:
    return f"{PREFIX}.logs.{stack}.{function}"


def stack_key(stack: str) -> str:
    """Key of a stack in :data:`STACKS_BUCKET`."""
    return stack


def status(role: str) -> str:
    """Each process role answers status requests here (``gateway``, ``runtime``)."""
    return f"{STATUS}.{role}"
