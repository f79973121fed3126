"""Publishing an MQTT message from inside the platform (IoT data ``Publish``, the ``republish`` action).

The message goes where nats-server's own MQTT layer puts a device's PUBLISH (checked against the pinned 2.15.1),
so devices, NATS subscribers and topic rules see it alike:

- QoS 0: a plain NATS message on the topic's subject; MQTT subscribers get it at QoS 0.
- QoS 1: first stored in JetStream as ``$MQTT.msgs.SUBJECT`` (stream ``$MQTT_msgs``), which the server delivers
  to QoS 1 subscriptions at QoS 1, redelivering until they PUBACK; then a NATS message on the subject with the
  header ``Nmqtt-Pub: 1``, which QoS 0 subscriptions, NATS subscribers and rules take and which QoS 1
  subscriptions skip (they get the stored copy), so nobody receives it twice. Until an MQTT client has ever
  connected, the server has no ``$MQTT_msgs`` stream and no QoS 1 subscription can exist; the stored copy is
  then skipped.
"""

from __future__ import annotations

from collections.abc import Mapping

from nats.js.errors import NoStreamResponseError

from overcast import limits
from overcast.errors import LimitExceeded
from overcast.realtime.topics import TopicError, topic_to_subject

QOS_HEADER = "Nmqtt-Pub"  # nats-server: the message came from MQTT, with this QoS
QOS1_PREFIX = "$MQTT.msgs."  # nats-server: subjects of the QoS 1/2 message stream
# The platform's own subjects (invocations, JetStream, KV, replies, MQTT state): never an MQTT topic's.
PLATFORM_PREFIXES = ("overcast.", "$", "_INBOX.")


def platform_subject(subject: str) -> bool:
    """Whether ``subject`` is one of the platform's, which topics may not reach (and rules never see)."""
    return subject == "overcast" or subject.startswith(PLATFORM_PREFIXES)


def public_subject(topic: str) -> str:
    """The subject of ``topic``; raises ``TopicError`` for a topic MQTT or NATS cannot carry, and for one
    landing on the platform's subjects (first level ``overcast``, ``_INBOX``, or a ``$`` topic)."""
    subject = topic_to_subject(topic)
    if platform_subject(subject):
        raise TopicError(f"topic '{topic}' is reserved: topics starting with '$', 'overcast/' or '_INBOX/' "
                         "carry the platform's own messages")
    return subject


def check_size(payload: bytes) -> None:
    lim = limits.LIMITS["iot.message_size"]
    if len(payload) > lim.value:
        raise LimitExceeded(lim, len(payload))


async def publish(nc, topic: str, payload: bytes, qos: int = 0, headers: Mapping[str, str] | None = None) -> None:
    """Publish ``payload`` on MQTT topic ``topic``; returns once the engine has it (stored, for QoS 1).

    Raises ``TopicError`` for a topic MQTT or NATS cannot carry or one that is reserved (:func:`public_subject`)
    and ``LimitExceeded`` over limit ``iot.message_size``."""
    subject = public_subject(topic)
    check_size(payload)
    extra = dict(headers or {})
    if qos:
        extra[QOS_HEADER] = "1"
        try:
            await nc.jetstream().publish(QOS1_PREFIX + subject, payload, headers=extra)
        except NoStreamResponseError:
            pass  # no MQTT session ever: no QoS 1 subscriber to deliver to
    await nc.publish(subject, payload, headers=extra or None)
    if qos:
        await nc.flush()
