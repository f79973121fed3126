"""Checks of a function's events against what its stack declares (pure).

Names of streams, queues and tables resolve as ``Declared`` says: a logical
name declared in this stack means that resource; an ARN means the resource it
names; anything else must be a valid physical name and means a resource
outside this stack — the deploy does not require it to exist yet.

These checks consult ``current()``: inside ``declared_in`` (while a
``StackSpec`` is validated) they see the stack's declarations; a
``FunctionSpec`` validated alone gets the per-field checks only.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from overcast.spec.declared import arn_name, current
from overcast.spec.queues import QUEUE_NAME
from overcast.spec.rules import FUNCTION_NAME, STACK_NAME, rule_error
from overcast.spec.streams import STREAM_NAME
from overcast.spec.tables import TABLE_NAME

if TYPE_CHECKING:
    from overcast.spec.events import EventSpec

_QUALIFIED_FUNCTION = re.compile(STACK_NAME.pattern[:-1] + r"\." + FUNCTION_NAME.pattern[1:])
_NAMES = {"stream": STREAM_NAME, "queue": QUEUE_NAME, "table": TABLE_NAME}


def source_ref(kind: str, ref: str) -> str:
    """Check a reference to a stream, table or queue (kept as written; ``Declared.physical`` resolves it)."""
    declared = current()
    if declared.declares(kind, ref):
        if kind == "table" and declared.table_views.get(ref) is None:
            raise rule_error(f"table {ref!r} of this stack has no change stream; declare its view type, e.g. "
                             "'stream: NEW_AND_OLD_IMAGES', to consume it")
        return ref
    if not _NAMES[kind].match(arn_name(kind, ref) or ref):
        raise rule_error(f"{kind} {ref!r} is not a {kind} of this stack, nor a valid physical {kind} name or ARN")
    return ref


def check_target(value: str, kinds: tuple[str, ...], field: str) -> str:
    """``queue:NAME`` / ``stream:NAME`` / ``function:NAME`` (NAME: this stack's, else physical)."""
    kind, sep, name = value.partition(":")
    if not sep or kind not in kinds or not name:
        shown = [k + ":NAME" for k in kinds]
        raise rule_error(f"{field} must be {', '.join(shown[:-1])} or {shown[-1]}, got {value!r}")
    declared = current()
    if kind == "function":
        if not (name in declared.functions or FUNCTION_NAME.match(name) or _QUALIFIED_FUNCTION.match(name)):
            raise rule_error(f"{field}: {name!r} is not a function of this stack, 'stack.function' or a function "
                             "name (1-64 letters, digits, '-' or '_')")
    elif not declared.declares(kind, name) and not _NAMES[kind].match(name):
        raise rule_error(f"{field}: {name!r} is not a {kind} of this stack, nor a valid physical {kind} name")
    return value


def check_function_events(events: list[EventSpec], timeout: int | None) -> list[EventSpec]:
    """Rules across one function's events: a source is mapped once (as Lambda); a queue of this stack must
    stay hidden at least as long as the function may run (Lambda refuses the mapping otherwise)."""
    declared = current()
    seen: dict[tuple[str, str], int] = {}
    for index, event in enumerate(events):
        if event.stream is not None:
            kind = "table" if event.stream.table is not None else "stream"
            source = (kind, declared.physical(kind, event.stream.table or event.stream.stream))
        elif event.sqs is not None:
            source = ("queue", declared.physical("queue", event.sqs.queue))
            logical = declared.logical_queue(event.sqs.queue)
            visibility = declared.visibility.get(logical) if logical is not None else None
            if isinstance(visibility, int) and isinstance(timeout, int) and visibility < timeout:
                raise rule_error(f"events[{index}]: queue {event.sqs.queue!r} has visibilityTimeout {visibility} s, "
                                 f"less than the function's timeout {timeout} s; raise the queue's visibilityTimeout "
                                 "(AWS recommends 6 times the timeout)")
        else:
            continue
        if source in seen:
            raise rule_error(f"events[{index}] consumes {source[0]} {source[1]!r} again (events[{seen[source]}] "
                             "already does); a function has one mapping per source, as in Lambda")
        seen[source] = index
    return events
