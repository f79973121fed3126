"""A function's event sources and asynchronous settings as deploy resources (pure): ``mapping``, ``schedule``
and ``async``.

They are listed in plans as CloudFormation lists ``AWS::Lambda::EventSourceMapping``, ``AWS::Events::Rule`` and
``AWS::Lambda::EventInvokeConfig``. Nothing is applied for them: the dispatcher runs mappings, schedules and
asynchronous retries straight from the deployed state. Being resources is what makes a change to them a change
of the stack (a deploy that only raises a ``batchSize`` is written, not skipped as "no changes"), and, as in
Lambda, such a change publishes no new function version.

- ``mapping:FUNCTION/SOURCE`` — one per stream, table or queue event; ``SOURCE`` is ``stream:NAME``,
  ``table:NAME`` or ``queue:NAME`` with the name as the stack file writes it (a function maps a source once,
  so the id is stable while the settings change). Props are the event's settings as the validated spec dumps
  them, without unset keys and without the source itself (it is in the id).
- ``schedule:RULE`` — ``RULE`` is the EventBridge rule name the dispatcher gives the schedule
  (``{stack}-{stage}-{function}-schedule-{n}``, ``n`` counting the function's schedules in file order); props
  ``function``, ``rate``, ``enabled`` and, when set, ``input`` and ``description``.
- ``async:FUNCTION`` — present when the function declares ``async:``; props are its ``maximumRetryAttempts``,
  ``maximumEventAge`` and ``destinations``. Removing the section deletes it: AWS's defaults apply again.
"""

from __future__ import annotations

from overcast.deploy.resources import Kind, Resource, register_kind, resource_id
from overcast.spec.mappings import schedules_of

MAPPING = register_kind(Kind("mapping"))
SCHEDULE = register_kind(Kind("schedule"))
ASYNC = register_kind(Kind("async"))


def _mapping(event) -> tuple[str, dict] | None:
    """``(SOURCE, props)`` of a stream, table or queue event; None for a schedule."""
    if event.sqs is not None:
        key, settings = "queue", event.sqs.model_dump(mode="json", exclude_none=True)
    elif event.stream is not None:
        key = "table" if event.stream.table is not None else "stream"
        settings = event.stream.model_dump(mode="json", exclude_none=True)
    else:
        return None
    return f"{key}:{settings.pop(key)}", settings


def mapping_resources(spec) -> dict[str, Resource]:
    """The event-source mapping resources of a validated ``StackSpec``."""
    out = {}
    for function, fn in spec.functions.items():
        for event in getattr(fn, "events", None) or []:
            found = _mapping(event)
            if found is not None:
                rid = resource_id(MAPPING.name, f"{function}/{found[0]}")
                out[rid] = Resource(rid, MAPPING.name, found[1])
    return out


def schedule_resources(spec, stage: str) -> dict[str, Resource]:
    """The schedule resources of a validated ``StackSpec`` deployed to ``stage``, named as the dispatcher names
    their rules."""
    if not hasattr(spec, "model_dump"):
        return {}
    out = {}
    for entry in schedules_of(stage, spec.stack, spec.model_dump(mode="json")):
        rid = resource_id(SCHEDULE.name, entry.id)
        props = {"function": entry.function, "rate": entry.expression, "enabled": entry.enabled}
        props.update({k: v for k, v in (("input", entry.input), ("description", entry.description)) if v is not None})
        out[rid] = Resource(rid, SCHEDULE.name, props)
    return out


def async_resources(spec) -> dict[str, Resource]:
    """The asynchronous-invocation settings of the functions of a validated ``StackSpec`` that declare them."""
    out = {}
    for function, fn in spec.functions.items():
        settings = getattr(fn, "async_", None)
        if settings is not None:
            rid = resource_id(ASYNC.name, function)
            out[rid] = Resource(rid, ASYNC.name, settings.model_dump(mode="json", exclude_none=True))
    return out
