"""Topic rules of deployed stacks, compiled for the rule engine (pure, no I/O).

:func:`rules_of` turns a stack's ``rules:`` (as stored in its desired-state document) into :class:`Rule` objects:
the parsed statement, the NATS subjects of its FROM filter, and actions with physical names and compiled
templates. :func:`accepts` and :func:`republish_headers` keep republished messages from looping;
:func:`error_envelope` is the message an ``errorAction`` receives (AWS IoT's format).

Loops: a message a rule republishes carries the rule's id (header ``Overcast-Rule``) and its hop count
(``Overcast-Rule-Hops``). A rule never takes a message it republished itself, so a republish into the rule's
own FROM topic (which AWS IoT allows, and where it would loop for ever) reaches subscribers and other rules
once and stops there. Chains through several rules stop after limit ``iot.rule_hops`` republishes.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass

from overcast import limits
from overcast.realtime import topics
from overcast.realtime.sql import Statement, parse
from overcast.realtime.templates import Template, parse_template
from overcast.spec.declared import Declared

RULE_HEADER = "Overcast-Rule"
HOPS_HEADER = "Overcast-Rule-Hops"

# failedAction in the error envelope: AWS IoT's names of the equivalent actions
AWS_ACTION_NAMES = {"function": "LambdaAction", "republish": "RepublishAction", "stream": "KinesisAction",
                    "queue": "SqsAction", "table": "DynamoDBv2Action"}


@dataclass(frozen=True)
class Action:
    """One action, ready to run. ``target``: the function as ``STACK.FUNCTION``, or the physical stream, queue
    or table name; for ``republish`` the topic template's text. ``template``: the republish topic or the
    stream partition key."""

    kind: str
    target: str
    template: Template | None = None
    qos: int = 0
    base64: bool = False

    @property
    def aws_name(self) -> str:
        return AWS_ACTION_NAMES[self.kind]


@dataclass(frozen=True)
class Rule:
    stage: str
    stack: str
    name: str
    statement: Statement
    subjects: tuple[str, ...]
    actions: tuple[Action, ...]
    error_action: Action | None
    enabled: bool = True

    @property
    def id(self) -> str:
        return f"{self.stage}.{self.stack}.{self.name}"

    @property
    def queue_group(self) -> str:
        """One queue group per rule: each message is handled by one dispatcher of the platform."""
        return f"overcast-rule.{self.id}"


def rules_of(stage: str, stack: str, spec: Mapping) -> list[Rule]:
    """The rules a stored stack spec declares (disabled ones included, ``enabled`` False)."""
    declared = Declared.of(spec)
    out = []
    for name, raw in (spec.get("rules") or {}).items():
        statement = parse(raw["sql"])
        out.append(Rule(
            stage=stage, stack=stack, name=name, statement=statement,
            subjects=tuple(topics.filter_to_subjects(statement.topic_filter, rule=name)),
            actions=tuple(_action(stack, declared, a) for a in raw.get("actions") or ()),
            error_action=_action(stack, declared, raw["errorAction"]) if raw.get("errorAction") else None,
            enabled=raw.get("enabled", True) is not False,
        ))
    return out


def _action(stack: str, declared: Declared, raw: Mapping) -> Action:
    kind, value = next((k, v) for k, v in raw.items() if v is not None)
    if kind == "function":
        return Action(kind, value if "." in value else f"{stack}.{value}")
    if kind == "republish":
        return Action(kind, value["topic"], parse_template(value["topic"]), qos=value.get("qos", 0))
    if kind == "stream":
        return Action(kind, declared.physical("stream", value["name"]),
                      parse_template(value.get("partitionKey") or "${newuuid()}"))
    if kind == "queue":
        return Action(kind, declared.physical("queue", value["name"]), base64=bool(value.get("useBase64")))
    if kind == "table":
        return Action(kind, declared.physical("table", value["name"]))
    raise ValueError(f"unknown action kind {kind!r}")


def hops_of(headers: Mapping[str, str] | None) -> int:
    try:
        return max(0, int((headers or {}).get(HOPS_HEADER, "0")))
    except ValueError:
        return 0


def accepts(rule: Rule, headers: Mapping[str, str] | None) -> bool:
    """Whether ``rule`` takes a message: not one it republished itself, not one past the hop limit."""
    if headers and headers.get(RULE_HEADER) == rule.id:
        return False
    return hops_of(headers) < limits.LIMITS["iot.rule_hops"].value


def republish_headers(rule: Rule, incoming: Mapping[str, str] | None) -> dict[str, str]:
    return {RULE_HEADER: rule.id, HOPS_HEADER: str(hops_of(incoming) + 1)}


def error_envelope(*, rule: str, topic: str, client_id: str, payload: bytes, trace_id: str,
                   failures: list[dict]) -> dict:
    """What AWS IoT sends an error action: one message per rule and message, all failed actions in it."""
    return {"ruleName": rule, "topic": topic, "cloudwatchTraceId": trace_id, "clientId": client_id,
            "base64OriginalPayload": base64.b64encode(payload).decode(), "failures": failures}


def failure(action: Action, resource: str, message: str) -> dict:
    return {"failedAction": action.aws_name, "failedResource": resource, "errorMessage": message}
