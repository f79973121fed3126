"""Things as engine users (pure): allow-lists from topic filters, the deny lists, the rendered include file."""

from __future__ import annotations

import pytest

from overcast.errors import SpecError
from overcast.realtime.things import (
    NOTHING,
    PLATFORM_USER,
    PUBLISH_DENY,
    QOS1_DELIVERY,
    SUBSCRIBE_DENY,
    Thing,
    permissions,
    render_authorization,
    user_entries,
)
from overcast.spec import load_stack


def test_filters_become_subjects_with_the_parent_of_hash_and_the_qos1_delivery_subject():
    perms = permissions(["telemetry/sensor-1/#"], ["commands/sensor-1/#", "broadcast/+", "broadcast/+"])
    assert perms.publish == ["telemetry.sensor-1.>", "telemetry.sensor-1"]
    assert perms.subscribe == ["commands.sensor-1.>", "commands.sensor-1", "broadcast.*", QOS1_DELIVERY]


def test_empty_lists_allow_nothing_rather_than_everything():
    conf = permissions([], []).to_conf()
    assert conf["publish"]["allow"] == [NOTHING] and conf["subscribe"]["allow"] == [NOTHING]
    assert "overcast.>" in PUBLISH_DENY and "overcast.>" in SUBSCRIBE_DENY  # NOTHING falls under it


def test_qos1_delivery_is_never_denied():
    assert not any(d in ("$MQTT.>", "$MQTT.sub.>") for d in SUBSCRIBE_DENY)
    assert "$MQTT.>" in PUBLISH_DENY


def test_users_platform_first_things_sorted_anonymous_only_when_insecure():
    things = [Thing("b", "dev", "s", "pw-b"), Thing("a", "dev", "s", "pw-a", ("x/#",))]
    users = user_entries(things)
    assert [u["user"] for u in users] == [PLATFORM_USER, "a", "b"]
    assert users[0]["allowed_connection_types"] == ["STANDARD"] and "password" not in users[0]
    assert users[1]["allowed_connection_types"] == ["MQTT", "MQTT_WS"] and users[1]["password"] == "pw-a"
    assert [u["user"] for u in user_entries(things, insecure=True)][-1] == "overcast:anonymous"
    text = render_authorization(things)
    assert text.count('"user"') == 3 and text.startswith("# Generated")


def test_thing_round_trips_through_json():
    thing = Thing("t", "dev", "s", "pw", ("a/#",), ("b",))
    assert Thing.from_json(thing.to_json()) == thing and thing.key == "dev.s.t" and thing.owner == "dev.s"


@pytest.mark.parametrize("things, message, line", [
    ("  bad.name: {}\n", "thing name must be", 5),
    ("  t1:\n    publish: [a/b#]\n", "'#' must be the whole last level", 6),
    ("  t1:\n    subscribe: [$SYS/#]\n", "reserved to the broker", 6),
    ("  t1:\n    publish: [a b]\n", "a space", 6),
    ("  t1:\n    password: x\n", "unknown key 'password'", 6),
])
def test_invalid_things_are_reported_with_their_line(tmp_path, things, message, line):
    (tmp_path / "overcast.yml").write_text("stack: s\nfunctions:\n  f: {handler: app.handler}\nthings:\n" + things)
    (tmp_path / "app.py").write_text("def handler(e, c):\n    return 1\n")
    with pytest.raises(SpecError) as info:
        load_stack(tmp_path)
    assert message in str(info.value) and f"overcast.yml:{line}:" in str(info.value)
