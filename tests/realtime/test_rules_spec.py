"""Topic rules without servers: the ``rules:`` section, templates, compiled rules, loop guard, error envelope."""

from __future__ import annotations

import base64
import json

import pytest

from overcast import limits
from overcast.errors import SpecError
from overcast.realtime import ruleset
from overcast.realtime.actions import attribute
from overcast.realtime.publish import platform_subject
from overcast.realtime.sql import PayloadError, SqlError
from overcast.realtime.templates import parse_template
from overcast.spec.loader import load_stack_text

BASE = """\
stack: s
functions:
  f: {handler: h.f}
queues:
  q: {name: q-physical}
streams:
  st: {}
tables:
  t: {name: t-physical, partitionKey: {name: id, type: S}}
"""


def load(rules: str):
    return load_stack_text(BASE + "rules:\n" + rules, file="overcast.yml")


def problems(rules: str) -> list[str]:
    with pytest.raises(SpecError) as err:
        load(rules)
    return [str(p) for p in err.value.problems]


def test_a_rule_loads_and_compiles_with_physical_names_and_subjects():
    stack = load("""\
  hot:
    sql: "SELECT temp FROM 'telemetry/+/data/#' WHERE temp > 30"
    actions:
      - function: f
      - republish: {topic: "alerts/$${topic(2)}", qos: 1}
      - stream: {name: st}
      - queue: {name: q, useBase64: true}
      - table: {name: t}
      - function: other.g
    errorAction: {queue: {name: q}}
""")
    [rule] = ruleset.rules_of("dev", "s", stack.spec.model_dump(mode="json"))
    assert rule.id == "dev.s.hot" and rule.enabled
    assert rule.subjects == ("telemetry.*.data.>", "telemetry.*.data")  # 'a/#' also matches 'a'
    assert [(a.kind, a.target) for a in rule.actions] == [
        ("function", "s.f"), ("republish", "alerts/${topic(2)}"), ("stream", "st"), ("queue", "q-physical"),
        ("table", "t-physical"), ("function", "other.g")]
    assert rule.actions[1].qos == 1 and rule.actions[3].base64
    assert rule.actions[2].template.text == "${newuuid()}"  # AWS: a random partition key by default
    assert rule.error_action == ruleset.Action("queue", "q-physical")
    assert [a.aws_name for a in rule.actions[:5]] == ["LambdaAction", "RepublishAction", "KinesisAction",
                                                       "SqsAction", "DynamoDBv2Action"]


def test_aws_templates_are_written_as_in_aws_and_stack_references_still_resolve():
    stack = load("""\
  plain:
    sql: "SELECT * FROM 'in/+'"
    actions:
      - republish: {topic: "out/${stage}/${topic(2)}/${newuuid()}"}
      - republish: {topic: "escaped/$${topic(2)}"}
""")
    topics = [a["republish"]["topic"] for a in stack.spec.model_dump(by_alias=True)["rules"]["plain"]["actions"]]
    assert topics == ["out/dev/${topic(2)}/${newuuid()}", "escaped/${topic(2)}"]
    (problem,) = problems("""\
  elsewhere:
    sql: "SELECT * FROM 'in/+'"
    actions: [{republish: {topic: "${env}"}}]
""")
    assert "${env:...} needs an argument" in problem  # a kind the stack file knows stays a stack-file reference

    found = problems("""\
  r1:
    sql: "SELECT * FROM 'a/+' WHERE"
    actions:
      - function: nope
      - republish: {topic: "x/$${1 +}"}
      - {queue: {name: q}, table: {name: t}}
      - republish: {topic: "a b"}
  bad-name:
    sql: "SELECT * FROM 'a'"
    actions: []
""")
    text = "\n".join(found)
    assert "overcast.yml:12:5: rules.r1.sql: expected an expression" in text
    assert "overcast.yml:14:9: rules.r1.actions[0].function: function 'nope' is not a function of this stack" in text
    assert "overcast.yml:15:21: rules.r1.actions[1].republish.topic: substitution template 'x/${1 +}'" in text
    assert "rules.r1.actions[2]: an action has exactly one of function, republish, stream, queue, table; " \
           "got queue, table" in text
    assert "rules.r1.actions[3].republish.topic" in text and "a space" in text
    assert "rules.bad-name: rule name must be 1-128 letters, digits and '_'" in text
    assert "rules.bad-name.actions: the number of actions must be between 1 and 10" in text


def test_too_many_actions_and_unknown_keys():
    many = "\n".join(["      - function: f"] * (limits.LIMITS["iot.rule_actions"].value + 1))
    assert any("limit iot.rule_actions" in p for p in problems(f"  r:\n    sql: \"SELECT * FROM 'a'\"\n"
                                                                  f"    actions:\n{many}\n"))
    assert any("ruleDisabled" in p for p in problems("  r:\n    sql: \"SELECT * FROM 'a'\"\n    ruleDisabled: true\n"
                                                      "    actions: [{function: f}]\n"))


def test_a_disabled_rule_compiles_but_is_marked():
    stack = load("  r:\n    sql: \"SELECT * FROM 'a'\"\n    enabled: false\n    actions: [{function: f}]\n")
    [rule] = ruleset.rules_of("dev", "s", stack.spec.model_dump(mode="json"))
    assert not rule.enabled


def test_templates_evaluate_against_the_incoming_message():
    template = parse_template("alerts/${topic(2)}/${temp * 2}/${missing}/${coords}/${upper(name)}!")
    payload = json.dumps({"temp": 21, "coords": {"lat": 1}, "name": "ab"}).encode()
    rendered = template.render(payload, topic="telemetry/dev-1/data", client_id="n/a", now_ms=0)
    assert rendered == 'alerts/dev-1/42//{"lat":1}/AB!'  # Undefined inserts nothing; objects as JSON
    assert parse_template("plain/topic").is_literal
    assert parse_template("${ {'a': '}'}.a }x").render(b"{}", topic="t", client_id=None, now_ms=0) == "}x"
    with pytest.raises(PayloadError):  # a field of a binary payload cannot be read
        template.render(b"\x00\xff", topic="t/d/x", client_id=None, now_ms=0)
    for bad in ("a/${", "${}", "${1 +}"):
        with pytest.raises(SqlError):
            parse_template(bad)


def _rule(name="r") -> ruleset.Rule:
    stack = load(f"  {name}:\n    sql: \"SELECT * FROM 'a/#'\"\n    actions: [{{republish: {{topic: a/b}}}}]\n")
    return ruleset.rules_of("dev", "s", stack.spec.model_dump(mode="json"))[0]


def test_a_rule_never_takes_its_own_republish_and_chains_stop_at_the_hop_limit():
    rule, other = _rule("r"), _rule("other")
    assert ruleset.accepts(rule, None) and ruleset.accepts(rule, {})
    own = ruleset.republish_headers(rule, None)
    assert own == {"Overcast-Rule": "dev.s.r", "Overcast-Rule-Hops": "1"}
    assert not ruleset.accepts(rule, own)
    assert ruleset.accepts(other, own)
    hops = limits.LIMITS["iot.rule_hops"].value
    chained = ruleset.republish_headers(other, {"Overcast-Rule": "dev.s.x", "Overcast-Rule-Hops": str(hops - 1)})
    assert chained["Overcast-Rule-Hops"] == str(hops) and not ruleset.accepts(rule, chained)
    assert ruleset.accepts(rule, {"Overcast-Rule-Hops": "junk"})


def test_error_envelope_has_aws_shape():
    rule = _rule()
    env = ruleset.error_envelope(rule="r", topic="a/b", client_id="n/a", payload=b"\x00hi", trace_id="t-1",
                                 failures=[ruleset.failure(rule.actions[0], "a/b", "boom")])
    assert env == {"ruleName": "r", "topic": "a/b", "cloudwatchTraceId": "t-1", "clientId": "n/a",
                   "base64OriginalPayload": base64.b64encode(b"\x00hi").decode(),
                   "failures": [{"failedAction": "RepublishAction", "failedResource": "a/b", "errorMessage": "boom"}]}


def test_json_values_become_dynamodb_attributes():
    assert attribute({"s": "x", "i": 3, "f": 31.5, "tiny": 1e-7, "b": True, "n": None, "l": [1, "a"],
                      "m": {"k": False}}) == {"M": {
        "s": {"S": "x"}, "i": {"N": "3"}, "f": {"N": "31.5"}, "tiny": {"N": "0.0000001"}, "b": {"BOOL": True},
        "n": {"NULL": True}, "l": {"L": [{"N": "1"}, {"S": "a"}]}, "m": {"M": {"k": {"BOOL": False}}}}}


def test_the_platforms_own_subjects_are_out_of_reach():
    found = "\n".join(problems("""\
  a:
    sql: "SELECT * FROM 'overcast/#'"
    actions: [{function: f}]
  b:
    sql: "SELECT * FROM '$aws/things/x'"
    actions: [{republish: {topic: "_INBOX/x"}}]
"""))
    assert "rules.a.sql: the topic filter 'overcast/#' names reserved topics" in found
    assert "rules.b.sql: the topic filter '$aws/things/x' names reserved topics" in found
    assert "rules.b.actions[0].republish.topic: topic '_INBOX/x' is reserved" in found
    assert load("  c:\n    sql: \"SELECT * FROM '#'\"\n    actions: [{function: f}]\n")  # skipped at run time
    assert all(platform_subject(s) for s in ("overcast", "overcast.invoke.x", "$KV.b.k", "_INBOX.abc", "$MQTT.x"))
    assert not any(platform_subject(s) for s in ("overcasts.x", "a.overcast", "telemetry.d.data"))
