"""Durable JetStream consumers that resume in order after their reader died.

JetStream would redeliver a dead reader's unacknowledged messages only after
``ack_wait`` and behind newer ones, which breaks per-shard order. So a reader
that (re)starts deletes its durable consumer and creates it again at the
consumer's ack floor + 1: every message not acknowledged comes back, in stream
order, at once (some acknowledged ones past the floor may come again:
at-least-once). ``ack_wait`` is long because nothing relies on redelivery.
"""

from __future__ import annotations

import datetime

from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

ACK_WAIT_S = 24 * 3600.0


async def resume_push(js, stream: str, durable: str, subject: str, deliver_subject: str, *,
                      start: str = "TRIM_HORIZON", start_time: float | None = None,
                      max_ack_pending: int = 20000) -> ConsumerConfig:
    """(Re)create ``durable`` on ``stream`` delivering ``subject``'s messages to ``deliver_subject``.

    ``start`` applies only the first time: TRIM_HORIZON (oldest retained), LATEST (what is put from now on),
    AT_TIMESTAMP (``start_time``, epoch seconds). A consumer that existed resumes after its ack floor.
    """
    config = ConsumerConfig(durable_name=durable, deliver_subject=deliver_subject, filter_subject=subject,
                            ack_policy=AckPolicy.EXPLICIT, ack_wait=ACK_WAIT_S, max_ack_pending=max_ack_pending,
                            max_deliver=-1)
    try:
        info = await js.consumer_info(stream, durable)
    except NotFoundError:
        info = None
    if info is not None:
        floor = info.ack_floor.stream_seq if info.ack_floor else 0
        old = info.config
        await js.delete_consumer(stream, durable)
        if floor > 0:
            config.deliver_policy, config.opt_start_seq = DeliverPolicy.BY_START_SEQUENCE, floor + 1
        else:  # nothing acknowledged yet: start where the first consumer started
            config.deliver_policy = old.deliver_policy
            config.opt_start_seq, config.opt_start_time = old.opt_start_seq, old.opt_start_time
    elif start == "LATEST":
        last = (await js.stream_info(stream)).state.last_seq
        config.deliver_policy, config.opt_start_seq = DeliverPolicy.BY_START_SEQUENCE, last + 1
    elif start == "AT_TIMESTAMP":
        config.deliver_policy = DeliverPolicy.BY_START_TIME
        config.opt_start_time = datetime.datetime.fromtimestamp(start_time or 0, datetime.timezone.utc)
    else:
        config.deliver_policy = DeliverPolicy.ALL
    await js.add_consumer(stream, config)
    return config


async def pending(js, stream: str, durable: str) -> int:
    """Messages of the consumer not yet acknowledged: delivered-but-unacked plus not yet delivered."""
    try:
        info = await js.consumer_info(stream, durable)
    except NotFoundError:
        return 0
    return (info.num_pending or 0) + (info.num_ack_pending or 0)
