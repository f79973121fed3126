"""MQTT topics on NATS subjects, and MQTT topic-filter matching (pure).

The mapping is the one nats-server's MQTT support applies (checked against the pinned 2.15.1), so a topic
rule subscribes to exactly the subject an MQTT client's PUBLISH lands on:

==================  ==================  =============================================
MQTT                NATS                rule
==================  ==================  =============================================
``a/b/c``           ``a.b.c``           ``/`` between two levels becomes ``.``
``/a``              ``/.a``             a leading ``/`` (empty first level) → ``/.``
``a/``              ``a./``             a trailing ``/`` (empty last level) → ``./``
``a//b``            ``a./.b``           an empty level in between → ``./`` then ``.``
``/``               ``/./``             a lone ``/``
``a.b``             ``a//b``            a ``.`` inside a level becomes ``//``
``+`` / ``#``       ``*`` / ``>``       wildcards (``a/#`` also needs ``a``: see below)
==================  ==================  =============================================

Refused (:class:`TopicError`): whitespace and control characters (nats-server rejects or drops them) and a
level that is exactly ``*`` or ``>`` (it would turn into a NATS wildcard).
"""

from __future__ import annotations

import unicodedata

from overcast.errors import OvercastError

MAX_TOPIC_BYTES = 65535  # MQTT 3.1.1: a topic is a UTF-8 string with a 2-byte length


class TopicError(OvercastError):
    """A topic or topic filter that MQTT forbids or NATS cannot carry."""

    code = "rules.topic"
    http_status = 400
    aws_name = "InvalidRequestException"


def validate_topic(topic: str) -> None:
    """An MQTT topic name (what a client publishes to): non-empty, no wildcards, no NUL, at most 65535 bytes."""
    _common(topic, "topic")
    if "+" in topic or "#" in topic:
        raise TopicError(f"topic {_show(topic)} contains a wildcard (+ or #); only topic filters may")


def validate_filter(topic_filter: str) -> None:
    """An MQTT topic filter: ``+`` fills a whole level, ``#`` only the whole last level."""
    _common(topic_filter, "topic filter")
    levels = topic_filter.split("/")
    for i, level in enumerate(levels):
        if "#" in level and (level != "#" or i != len(levels) - 1):
            raise TopicError(f"topic filter {_show(topic_filter)}: '#' must be the whole last level (as in 'a/b/#')")
        if "+" in level and level != "+":
            raise TopicError(f"topic filter {_show(topic_filter)}: '+' must fill a whole level (as in 'a/+/c')")


def _common(text: str, what: str) -> None:
    if not isinstance(text, str) or not text:
        raise TopicError(f"the {what} is empty")
    if "\x00" in text:
        raise TopicError(f"{what} {_show(text)} contains the NUL character, which MQTT forbids")
    if len(text.encode()) > MAX_TOPIC_BYTES:
        raise TopicError(f"{what} is {len(text.encode())} bytes long; the limit is {MAX_TOPIC_BYTES} bytes")


def topic_to_subject(topic: str, *, rule: str | None = None) -> str:
    """The NATS subject an MQTT PUBLISH on ``topic`` is carried on."""
    try:
        validate_topic(topic)
        return _convert(topic)
    except TopicError as exc:
        raise _named(exc, rule) from None


def filter_to_subjects(topic_filter: str, *, rule: str | None = None) -> list[str]:
    """The NATS subjects to subscribe to for ``topic_filter``.

    One subject, except for a filter ending in ``/#``: MQTT's ``a/#`` also matches ``a`` itself, which
    NATS's ``a.>`` does not, so the parent subject ``a`` is added (as nats-server does).
    """
    try:
        validate_filter(topic_filter)
        subjects = [_convert(topic_filter)]
        if topic_filter.endswith("/#") and len(topic_filter) > 2:
            subjects.append(_convert(topic_filter[:-2]))
        return subjects
    except TopicError as exc:
        raise _named(exc, rule) from None


def subject_to_topic(subject: str) -> str:
    """The MQTT topic (or filter) of a NATS subject: the inverse of :func:`topic_to_subject`."""
    out: list[str] = []
    i, n = 0, len(subject)
    while i < n:
        ch = subject[i]
        if ch == ".":
            out.append("/")
        elif ch == "/":
            if i + 1 < n and subject[i + 1] == "/":
                out.append(".")
                i += 1
            # a lone '/' only marks an empty level next to a '.': it carries no character
        else:
            out.append(ch)
        i += 1
    levels = "".join(out).split("/")
    return "/".join({"*": "+", ">": "#"}.get(level, level) for level in levels)


def topic_matches(topic_filter: str, topic: str) -> bool:
    """MQTT matching: ``+`` is one level, ``#`` the remaining levels including none (``a/#`` matches ``a``),
    and a topic starting with ``$`` is not matched by a filter starting with a wildcard."""
    validate_filter(topic_filter)
    validate_topic(topic)
    wanted, levels = topic_filter.split("/"), topic.split("/")
    if topic.startswith("$") and wanted[0] in ("+", "#"):
        return False
    for i, level in enumerate(wanted):
        if level == "#":
            return True
        if i >= len(levels) or (level != "+" and level != levels[i]):
            return False
    return len(wanted) == len(levels)


def _convert(text: str) -> str:
    for level in text.split("/"):
        if level in ("*", ">"):
            raise TopicError(f"{_show(text)} has the level '{level}', which NATS would read as a wildcard")
    out: list[str] = []
    end = len(text) - 1
    for i, ch in enumerate(text):
        if ch == "/":
            if i == 0 or out[-1].endswith("."):
                out.append("/.")
            elif i == end or text[i + 1] == "/":
                out.append("./")
            else:
                out.append(".")
        elif ch == ".":
            out.append("//")
        elif ch == "+":
            out.append("*")
        elif ch == "#":
            out.append(">")
        elif ch.isspace() or unicodedata.category(ch) == "Cc":
            raise TopicError(f"{_show(text)} contains {_describe(ch)}, which NATS subjects cannot carry")
        else:
            out.append(ch)
    subject = "".join(out)
    return subject + "/" if subject.endswith(".") else subject


def _show(text: str) -> str:
    """A topic quoted for a message; escapes make invisible characters visible."""
    return f"'{text}'" if text.isprintable() else repr(text)


def _describe(ch: str) -> str:
    names = {" ": "a space", "\t": "a tab", "\n": "a line break", "\r": "a carriage return"}
    return names.get(ch, f"the character U+{ord(ch):04X}")


def _named(exc: TopicError, rule: str | None) -> TopicError:
    return TopicError(f"rule '{rule}': {exc.message}") if rule else exc
