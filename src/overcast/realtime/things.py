"""Device identities as engine users (pure): a thing's MQTT allow-lists as nats-server permissions, and the
``authorization {}`` block the embedded engine includes.

Who may connect how (checked against nats-server 2.15.1 with real MQTT clients):

- ``overcast:platform`` is the engine's ``no_auth_user``: every platform process connects on the client port
  without credentials and becomes this user. Its ``allowed_connection_types`` is ``STANDARD`` only, so an
  anonymous MQTT or WebSocket client (which would also fall back to it) is refused with CONNACK 5.
- each thing is a user whose connection types are ``MQTT`` and ``MQTT_WS`` (a thing's password opens no plain
  NATS connection), with publish/subscribe allow-lists made from its topic filters
  (:func:`overcast.realtime.topics.filter_to_subjects`).
- ``overcast:anonymous`` exists only with ``overcast dev --insecure``: the MQTT and WebSocket listeners'
  ``no_auth_user``, allowed every topic.

Internal subjects: nats-server keeps MQTT sessions, retained messages and QoS 1 state in JetStream through its
own internal clients, which need no user permission. The one subject a device itself subscribes to is the QoS 1
delivery subject ``$MQTT.sub.<nuid>`` of its JetStream consumer, so subscribe lists allow ``$MQTT.sub.>``; the
server refuses MQTT topic filters under ``$MQTT/sub/``, so a device cannot use that grant to read other
deliveries. Platform subjects (``overcast.>``, JetStream, KV, ``_INBOX``) and the MQTT state streams are denied
to every device, so even a ``#`` allow-list reaches only MQTT topics.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from overcast.realtime.topics import filter_to_subjects

PLATFORM_USER = "overcast:platform"
ANONYMOUS_USER = "overcast:anonymous"
DEVICE_CONNECTIONS = ("MQTT", "MQTT_WS")
PLATFORM_CONNECTIONS = ("STANDARD",)

QOS1_DELIVERY = "$MQTT.sub.>"
_PLATFORM_SUBJECTS = ("overcast.>", "$JS.>", "$JSC.>", "$KV.>", "$O.>", "$SYS.>", "$NRG.>", "_INBOX.>")
PUBLISH_DENY = (*_PLATFORM_SUBJECTS, "$MQTT.>")
# Not "$MQTT.>": that would deny the QoS 1 delivery subject (QoS 1 SUBSCRIBE then fails).
SUBSCRIBE_DENY = (*_PLATFORM_SUBJECTS, "$MQTT.msgs.>", "$MQTT.rmsgs.>", "$MQTT.sess.>", "$MQTT.JSA.>")
NOTHING = "overcast.nothing"  # a subject every deny list covers


@dataclass(frozen=True)
class Thing:
    """A deployed thing as the engine needs it (one record of the things bucket)."""

    name: str
    stage: str
    stack: str
    password: str
    publish: tuple[str, ...] = ()
    subscribe: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return thing_key(self.stage, self.stack, self.name)

    @property
    def owner(self) -> str:
        return f"{self.stage}.{self.stack}"

    def to_json(self) -> dict:
        return {"thing": self.name, "stage": self.stage, "stack": self.stack, "password": self.password,
                "publish": list(self.publish), "subscribe": list(self.subscribe)}

    @classmethod
    def from_json(cls, doc: dict) -> Thing:
        return cls(doc["thing"], doc["stage"], doc["stack"], doc["password"], tuple(doc.get("publish") or ()),
                   tuple(doc.get("subscribe") or ()))


def thing_key(stage: str, stack: str, name: str) -> str:
    """Key of a thing in the things bucket: ``STAGE.STACK.THING`` (all three are valid subject tokens)."""
    return f"{stage}.{stack}.{name}"


def subjects_of(filters) -> list[str]:
    """The NATS subjects (permission entries) covering MQTT topic ``filters``, in order, without duplicates."""
    out: dict[str, None] = {}
    for topic_filter in filters:
        for subject in filter_to_subjects(topic_filter):
            out[subject] = None
    return list(out)


@dataclass(frozen=True)
class Permissions:
    publish: list[str] = field(default_factory=list)
    subscribe: list[str] = field(default_factory=list)

    def to_conf(self) -> dict:
        # nats-server reads an empty allow list as "no limit": an empty direction allows only a denied subject.
        return {"publish": {"allow": self.publish or [NOTHING], "deny": list(PUBLISH_DENY)},
                "subscribe": {"allow": self.subscribe or [NOTHING], "deny": list(SUBSCRIBE_DENY)}}


def permissions(publish, subscribe) -> Permissions:
    """Engine permissions for MQTT allow-lists ``publish`` / ``subscribe`` (topic filters)."""
    subs = subjects_of(subscribe)
    return Permissions(subjects_of(publish), [*subs, QOS1_DELIVERY] if subs else [])


def user_entries(things, insecure: bool = False) -> list[dict]:
    """The ``users`` list: the platform user, the things (sorted by name), and the anonymous user if insecure."""
    users = [{"user": PLATFORM_USER, "allowed_connection_types": list(PLATFORM_CONNECTIONS)}]
    for thing in sorted(things, key=lambda t: t.name):
        perms = permissions(thing.publish, thing.subscribe)
        users.append({"user": thing.name, "password": thing.password,
                      "allowed_connection_types": list(DEVICE_CONNECTIONS), "permissions": perms.to_conf()})
    if insecure:
        users.append({"user": ANONYMOUS_USER, "allowed_connection_types": list(DEVICE_CONNECTIONS),
                      "permissions": Permissions([">"], [">", QOS1_DELIVERY]).to_conf()})
    return users


def render_authorization(things, insecure: bool = False) -> str:
    """The include file's text: ``authorization { users: [...] }`` (JSON values, which nats-server's
    config format accepts), one user a line so a diff of two versions reads well."""
    lines = ["# Generated by overcast from the deployed things; rewritten on every change. Do not edit.",
             "authorization {", "  users: ["]
    lines += [f"    {json.dumps(user, separators=(', ', ': '))}" for user in user_entries(things, insecure)]
    lines += ["  ]", "}", ""]
    return "\n".join(lines)
