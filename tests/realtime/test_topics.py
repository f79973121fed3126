"""MQTT topics on NATS subjects (as nats-server's MQTT support maps them) and MQTT filter matching."""

from __future__ import annotations

import pytest

from overcast.realtime.topics import (
    TopicError,
    filter_to_subjects,
    subject_to_topic,
    topic_matches,
    topic_to_subject,
    validate_filter,
    validate_topic,
)

# observed on the pinned nats-server 2.15.1: an MQTT PUBLISH on the topic arrives on the subject
NATS_MAPPING = [
    ("a/b/c", "a.b.c"),
    ("sensors/cold-1/temp", "sensors.cold-1.temp"),
    ("a", "a"),
    ("/a/b", "/.a.b"),
    ("a/b/", "a.b./"),
    ("a//b", "a./.b"),
    ("//a/b", "/./.a.b"),
    ("/a/", "/.a./"),
    ("a/", "a./"),
    ("a//", "a././"),
    ("a/b//", "a.b././"),
    ("/", "/./"),
    ("//", "/././"),
    ("///", "/./././"),
    ("a.b/c", "a//b.c"),
    (".", "//"),
    ("..", "////"),
    ("a..b", "a////b"),
    ("a/.b", "a.//b"),
    ("a./b", "a//.b"),
    ("a/./b", "a.//.b"),
    ("$x/y", "$x.y"),
    ("a_b/c", "a_b.c"),
    ("a*b", "a*b"),
    ("é/x", "é.x"),
]


@pytest.mark.parametrize("topic, subject", NATS_MAPPING)
def test_topic_to_subject_and_back(topic, subject):
    assert topic_to_subject(topic) == subject
    assert subject_to_topic(subject) == topic


# observed on nats-server 2.15.1: the NATS subscriptions an MQTT SUBSCRIBE creates
FILTER_MAPPING = [
    ("a/+/c", ["a.*.c"]),
    ("a/#", ["a.>", "a"]),
    ("#", [">"]),
    ("+", ["*"]),
    ("/+", ["/.*"]),
    ("+/", ["*./"]),
    ("a//+", ["a./.*"]),
    ("$SYS/#", ["$SYS.>", "$SYS"]),
    ("a.b/#", ["a//b.>", "a//b"]),
    ("+/+/#", ["*.*.>", "*.*"]),
]


@pytest.mark.parametrize("topic_filter, subjects", FILTER_MAPPING)
def test_filter_to_subjects(topic_filter, subjects):
    assert filter_to_subjects(topic_filter) == subjects
    assert subject_to_topic(subjects[0]) == topic_filter


def test_nats_subjects_from_plain_nats_publishers():
    assert subject_to_topic("x.y") == "x/y"
    assert subject_to_topic("x//y.z") == "x.y/z"
    assert subject_to_topic("x/y") == "xy"          # as nats-server: a lone '/' carries no character


@pytest.mark.parametrize("topic, reason", [
    ("a b/c", "a space"),
    ("a\tb", "a tab"),
    ("a\nb", "a line break"),
    ("a\rb", "a carriage return"),
    ("a\x0cb", "U\\+000C"),
    ("a\x7fb", "U\\+007F"),
    ("a\x01b", "U\\+0001"),
    ("a\u3000b", "U\\+3000"),
    ("a/*", "the level '\\*', which NATS would read as a wildcard"),
    ("a/>/b", "the level '>'"),
])
def test_unmappable_topics_are_refused_naming_the_rule(topic, reason):
    with pytest.raises(TopicError, match=f"^rule 'hot-temps': '.*' (contains|has) .*{reason}") as info:
        topic_to_subject(topic, rule="hot-temps")
    assert info.value.code == "rules.topic" and info.value.http_status == 400
    with pytest.raises(TopicError, match=reason):
        filter_to_subjects(topic, rule=None)


@pytest.mark.parametrize("topic, message", [
    ("", "the topic is empty"),
    ("a/+", "contains a wildcard"),
    ("a/#", "contains a wildcard"),
    ("a\x00b", "NUL"),
    ("x" * 65536, "65536 bytes long; the limit is 65535 bytes"),
])
def test_invalid_topics(topic, message):
    with pytest.raises(TopicError, match=message):
        validate_topic(topic)
    with pytest.raises(TopicError, match=f"rule 'r1': .*{message}"):
        topic_to_subject(topic, rule="r1")


@pytest.mark.parametrize("topic_filter, message", [
    ("", "the topic filter is empty"),
    ("a/#/b", "'#' must be the whole last level"),
    ("a#", "'#' must be the whole last level"),
    ("a/b+", "'\\+' must fill a whole level"),
    ("+a", "'\\+' must fill a whole level"),
])
def test_invalid_filters(topic_filter, message):
    with pytest.raises(TopicError, match=message):
        validate_filter(topic_filter)
    with pytest.raises(TopicError, match=f"rule 'r2': .*{message}"):
        filter_to_subjects(topic_filter, rule="r2")


@pytest.mark.parametrize("topic_filter, topic, expected", [
    ("a/b", "a/b", True),
    ("a/b", "a/c", False),
    ("a/b", "a/b/c", False),
    ("a/+", "a/b", True),
    ("a/+", "a", False),
    ("a/+", "a/b/c", False),
    ("a/+", "a/", True),                  # an empty level is a level
    ("+/+", "/b", True),
    ("+", "a", True),
    ("+", "/a", False),
    ("a/+/c", "a/x/c", True),
    ("a/#", "a", True),                   # '#' includes the parent level
    ("a/#", "a/b", True),
    ("a/#", "a/b/c/d", True),
    ("a/#", "ab", False),
    ("#", "a/b/c", True),
    ("#", "/", True),
    ("+/#", "a", True),
    ("a/b/#", "a", False),
    ("A/b", "a/b", False),                # case-sensitive
    ("#", "$SYS/broker/load", False),     # '$' topics are not matched by a leading wildcard
    ("+/broker/load", "$SYS/broker/load", False),
    ("$SYS/#", "$SYS/broker/load", True),
    ("$SYS/+/load", "$SYS/broker/load", True),
    ("a/#", "a/$b", True),                # only the first level is special
    ("+/b", "$a/b", False),
])
def test_topic_matches(topic_filter, topic, expected):
    assert topic_matches(topic_filter, topic) is expected


def test_topic_matches_refuses_malformed_input():
    with pytest.raises(TopicError):
        topic_matches("a/#/b", "a/x/b")
    with pytest.raises(TopicError):
        topic_matches("a/#", "a/+")
