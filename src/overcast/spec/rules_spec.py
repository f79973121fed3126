"""The ``rules:`` section of a stack file: AWS IoT topic rules (pure models).

    rules:
      hot:                                   # rule name: letters, digits and '_' (as AWS IoT)
        sql: "SELECT temp, topic(2) AS device FROM 'telemetry/+/data' WHERE temp > 30"
        actions:                             # 1..limit iot.rule_actions, each exactly one of:
          - function: alert                  # async invocation of a function of this stack (or STACK.FUNCTION)
          - republish: {topic: "alerts/${topic(2)}", qos: 1}
          - stream: {name: events, partitionKey: "${topic(2)}"}   # default partition key: ${newuuid()}
          - queue: {name: alerts, useBase64: false}
          - table: {name: readings}          # PutItem of the SELECT result (AWS's DynamoDBv2 action)
        errorAction: {queue: {name: rule-errors}}   # gets AWS's error envelope when an action fails
        enabled: true

``republish.topic`` and ``stream.partitionKey`` take substitution templates (``${expression}``, see
``overcast.realtime.templates``). The SQL and every template are parsed here, so a mistake is reported with
its file and line before anything is deployed. Stream, queue and table names are logical names of this stack
or physical names, resolved like event sources (``overcast.spec.declared``).
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from overcast.realtime import topics
from overcast.realtime.publish import platform_subject, public_subject
from overcast.realtime.sql import SqlError, parse
from overcast.realtime.templates import parse_template
from overcast.spec.declared import current
from overcast.spec.rules import in_range, rule_error

# AWS IoT CreateTopicRule: ruleName matches ^[a-zA-Z0-9_]+$, 1-128 characters.
RULE_NAME = re.compile(r"^[a-zA-Z0-9_]{1,128}$")
ACTION_KINDS = ("function", "republish", "stream", "queue", "table")


def check_rule_name(value: str) -> str:
    if not RULE_NAME.match(value):
        raise rule_error(f"rule name must be 1-128 letters, digits and '_' (as AWS IoT), got {value!r}")
    return value


RuleName = Annotated[str, AfterValidator(check_rule_name)]


def _template(value: str) -> str:
    try:
        parse_template(value)
    except SqlError as exc:
        raise rule_error(exc.message) from None
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class RepublishSpec(_Strict):
    topic: str = Field(description="MQTT topic to publish the SELECT result to; substitution templates allowed")
    qos: Literal[0, 1] = Field(0, description="MQTT QoS of the republished message (0 or 1, as AWS IoT)")

    @field_validator("topic")
    @classmethod
    def _topic(cls, value: str) -> str:
        template = parse_template(_template(value))
        if template.is_literal:
            try:
                public_subject(value)
            except topics.TopicError as exc:
                raise rule_error(exc.message) from None
        return value


class StreamTarget(_Strict):
    name: str = Field(description="stream: a logical name of this stack, else a physical name or ARN")
    partitionKey: str = Field("${newuuid()}", description="partition key; substitution templates allowed")

    @field_validator("partitionKey")
    @classmethod
    def _key(cls, value: str) -> str:
        return _template(value)


class QueueTarget(_Strict):
    name: str = Field(description="queue: a logical name of this stack, else a physical name or ARN")
    useBase64: bool = Field(False, description="base64-encode the message body (as AWS IoT's SQS action)")


class TableTarget(_Strict):
    name: str = Field(description="table: a logical name of this stack, else a physical name")


class ActionSpec(_Strict):
    """One action: exactly one of its keys."""

    function: str | None = Field(None, description="function invoked asynchronously with the SELECT result: "
                                 "FUNCTION of this stack or STACK.FUNCTION")
    republish: RepublishSpec | None = None
    stream: StreamTarget | None = None
    queue: QueueTarget | None = None
    table: TableTarget | None = None

    @field_validator("function")
    @classmethod
    def _function(cls, value: str | None) -> str | None:
        declared = current()
        if value is not None and declared.in_stack and "." not in value and value not in declared.functions:
            known = ", ".join(sorted(declared.functions)) or "none"
            raise rule_error(f"function {value!r} is not a function of this stack (functions: {known}); "
                             "write STACK.FUNCTION for another stack's")
        return value

    @model_validator(mode="after")
    def _one(self) -> ActionSpec:
        given = [k for k in ACTION_KINDS if getattr(self, k) is not None]
        if len(given) != 1:
            raise rule_error(f"an action has exactly one of {', '.join(ACTION_KINDS)}; got "
                             f"{', '.join(given) if given else 'none'}")
        return self

    @property
    def kind(self) -> str:
        return next(k for k in ACTION_KINDS if getattr(self, k) is not None)


class RuleSpec(_Strict):
    """An AWS IoT topic rule: messages on the FROM filter go through the SQL, then to every action."""

    sql: str = Field(description="AWS IoT SQL (version 2016-03-23): SELECT ... FROM 'topic/+/filter/#' [WHERE ...]")
    actions: list[ActionSpec] = Field(description="what to do with the SELECT result (1..limit iot.rule_actions)",
                                      json_schema_extra={"minItems": 1, "maxItems": 10})
    errorAction: ActionSpec | None = Field(None, description="one action receiving AWS's error envelope when "
                                           "actions fail")
    enabled: bool = Field(True, description="false keeps the rule deployed but not running")
    description: str | None = Field(None, description="free text")

    @field_validator("sql")
    @classmethod
    def _sql(cls, value: str) -> str:
        try:
            statement = parse(value)
        except SqlError as exc:
            raise rule_error(exc.message) from None
        if any(platform_subject(s) for s in topics.filter_to_subjects(statement.topic_filter)):
            raise rule_error(f"the topic filter '{statement.topic_filter}' names reserved topics: topics starting "
                             "with '$', 'overcast/' or '_INBOX/' carry the platform's own messages")
        return value

    @field_validator("actions")
    @classmethod
    def _actions(cls, value: list[ActionSpec]) -> list[ActionSpec]:
        in_range("the number of actions", len(value), "iot.rule_actions")
        return value
