"""A deployed stack's event sources, normalized for the dispatcher and the deploy (pure).

Input is the stack spec as stored in the desired-state document (the
``StackSpec`` dumped to a dict); every default is filled and every logical
name resolved to a physical one (``overcast.spec.streams.Declared``).

Safer defaults than AWS:

- stream and table mappings retry a failing batch 3 times (AWS: forever) and
  bisect it (AWS: no); records that still fail go to ``destinations.onFailure``,
  else to the function's dead-letter queue ``{stack}-{stage}-{function}-dlq``
  (one per function, shared by all its stream/table mappings);
- a queue of this stack consumed by a function and declaring no ``redrive``
  gets one: ``{queue}-dlq`` (``{queue}-dlq.fifo`` for a FIFO queue) after 3 receives.

These implied dead-letter queues keep messages 14 days (the SQS maximum) and
are retained when the stack is removed; ``queues_of`` lists them with the
declared queues so the deploy creates them. Queue names longer than 80
characters are shortened, keeping a hash of the full name. The shapes built
here and the naming rules live in ``overcast.spec.mapping_shapes``.
"""

from __future__ import annotations

from overcast import limits
from overcast.spec.events import AsyncSpec, EventSpec
from overcast.spec.mapping_shapes import (
    RULE_NAME_MAX,
    AsyncConfig,
    Mapping,
    ScheduleEntry,
    fit_name,
    function_dlq,
    mapping_id,
    source_dlq,
)
from overcast.spec.streams import Declared, QueueSpec, StreamSpec

SOURCE_DLQ_RECEIVES = 3
IMPLIED_DLQ_PREFIX = "dlq/"


def _functions(spec: dict) -> dict[str, dict]:
    return {name: fn for name, fn in (spec.get("functions") or {}).items() if isinstance(fn, dict)}


def _events(fn: dict) -> list[EventSpec]:
    return [EventSpec.model_validate(e) for e in fn.get("events") or []]


def _target(declared: Declared, target: str | None, stack: str) -> str | None:
    if target is None:
        return None
    kind, _, name = target.partition(":")
    if kind == "function":
        return f"function:{stack}.{name}" if name in declared.functions else target
    return f"{kind}:{declared.physical(kind, name)}"


def mappings_of(stage: str, stack: str, spec: dict) -> list[Mapping]:
    """Every stream, table and queue mapping of the stack, in file order."""
    declared = Declared.of(spec)
    out = []
    for function, fn in _functions(spec).items():
        for event in _events(fn):
            if event.stream is not None:
                e = event.stream
                source, kind, ref = ("dynamodb", "table", e.table) if e.table else ("kinesis", "stream", e.stream)
                name = declared.physical(kind, ref)
                on_failure = e.destinations.onFailure if e.destinations else None
                out.append(Mapping(
                    mapping_id(stage, stack, function, source, name), stage, stack, function, source, name,
                    e.batchSize, e.maximumBatchingWindow, e.startingPosition,
                    float(e.startingPositionTimestamp) if e.startingPositionTimestamp is not None else None,
                    e.parallelizationFactor, e.maximumRetryAttempts, e.maximumRecordAgeInSeconds,
                    e.bisectBatchOnFunctionError, "ReportBatchItemFailures" in e.functionResponseTypes,
                    _target(declared, on_failure, stack) or f"queue:{function_dlq(stack, stage, function)}",
                    list(e.filterPatterns), e.enabled, None,
                ))
            elif event.sqs is not None:
                e = event.sqs
                name = declared.physical("queue", e.queue)
                out.append(Mapping(
                    mapping_id(stage, stack, function, "sqs", name), stage, stack, function, "sqs", name,
                    e.batchSize, e.maximumBatchingWindow, None, None, 1, -1, -1, False,
                    "ReportBatchItemFailures" in e.functionResponseTypes, None, list(e.filterPatterns), e.enabled,
                    e.maximumConcurrency,
                ))
    return out


def schedules_of(stage: str, stack: str, spec: dict) -> list[ScheduleEntry]:
    """Every schedule of the stack; ``n`` in the id counts a function's schedules from 1, in file order."""
    out = []
    for function, fn in _functions(spec).items():
        schedules = [e.schedule for e in _events(fn) if e.schedule is not None]
        for n, s in enumerate(schedules, 1):
            rule = fit_name(f"{stack}-{stage}-{function}", f"-schedule-{n}", RULE_NAME_MAX)
            out.append(ScheduleEntry(rule, function, s.rate.strip(), s.input, s.enabled, s.description))
    return out


def async_config_of(spec: dict, function: str) -> AsyncConfig:
    """The function's asynchronous invocation settings (AWS's defaults where the stack says nothing)."""
    fn = _functions(spec).get(function) or {}
    raw = fn.get("async", fn.get("async_")) or {}
    settings = AsyncSpec.model_validate(raw)
    declared, stack = Declared.of(spec), spec.get("stack", "")
    dest = settings.destinations
    return AsyncConfig(settings.maximumRetryAttempts, settings.maximumEventAge,
                       _target(declared, dest.onSuccess if dest else None, stack),
                       _target(declared, dest.onFailure if dest else None, stack))


def streams_of(spec: dict) -> dict[str, dict]:
    """The streams the stack owns, by logical name: ``{name, shards, retentionHours, deletionPolicy}``."""
    out = {}
    for logical, raw in (spec.get("streams") or {}).items():
        s = StreamSpec.model_validate(raw)
        out[logical] = {"name": s.physical_name(logical), "shards": s.shards, "retentionHours": s.retentionHours,
                        "deletionPolicy": s.deletionPolicy}
    return out


def _queue_props(name: str, q: QueueSpec, redrive: dict | None) -> dict:
    return {"name": name, "fifo": q.fifo, "contentBasedDeduplication": q.contentBasedDeduplication,
            "visibilityTimeout": q.visibilityTimeout, "delaySeconds": q.delaySeconds,
            "retentionPeriod": q.retentionPeriod, "maximumMessageSize": q.maximumMessageSize,
            "receiveWaitTime": q.receiveWaitTime, "redrive": redrive, "deletionPolicy": q.deletionPolicy}


def queues_of(stage: str, stack: str, spec: dict) -> dict[str, dict]:
    """The queues the stack deploys: declared ones by logical name, implied dead-letter queues as
    ``dlq/NAME`` (unless the stack declares a queue of that name itself). Props hold physical names;
    ``redrive`` is ``{deadLetterQueue, maxReceiveCount}`` or None."""
    declared = Declared.of(spec)
    consumed: set[str] = set()
    implied: dict[str, bool] = {}  # physical name -> fifo
    for function, fn in _functions(spec).items():
        for event in _events(fn):
            if event.sqs is not None:
                consumed.add(declared.logical_queue(event.sqs.queue) or "")
            elif event.stream is not None and not (event.stream.destinations and event.stream.destinations.onFailure):
                implied[function_dlq(stack, stage, function)] = False
    out = {}
    for logical, raw in (spec.get("queues") or {}).items():
        q = QueueSpec.model_validate(raw)
        name = q.physical_name(logical)
        redrive = None
        if q.redrive is not None:
            redrive = {"deadLetterQueue": declared.physical("queue", q.redrive.deadLetterQueue),
                       "maxReceiveCount": q.redrive.maxReceiveCount}
        elif logical in consumed:
            dlq = source_dlq(name)
            redrive = {"deadLetterQueue": dlq, "maxReceiveCount": SOURCE_DLQ_RECEIVES}
            implied[dlq] = q.fifo
        out[logical] = _queue_props(name, q, redrive)
    own = {props["name"] for props in out.values()}
    retention = limits.LIMITS["sqs.retention_seconds"].value
    for name, fifo in sorted(implied.items()):
        if name not in own:
            dlq = QueueSpec(fifo=fifo, retentionPeriod=retention)
            out[IMPLIED_DLQ_PREFIX + name] = _queue_props(name, dlq, None)
    return out
