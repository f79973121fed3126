"""Moving a message to its queue's dead-letter queue (RedrivePolicy)."""

from __future__ import annotations

import logging
from dataclasses import replace

from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeout
from nats.js.errors import NotFoundError

from overcast.engine import subjects
from overcast.queues.ledger import Entry

log = logging.getLogger("overcast.queues")


async def move(js, queue: str, dlq: str, entry: Entry) -> bool:
    """Store the message in ``dlq`` with the same id, body, attributes and SentTimestamp; False if it cannot.

    The publish carries a message id of its own, so a move retried after a failure is stored once.
    """
    env = replace(entry.envelope, delay=0)
    try:
        await js.publish(subjects.queue_messages(dlq), env.encode(), stream=subjects.queue_stream(dlq),
                         headers={"Nats-Msg-Id": f"redrive-{subjects.token(queue)}-{entry.seq}"})
        return True
    except (NoRespondersError, NotFoundError, NatsTimeout) as exc:
        log.warning("queue %s: cannot move message %s to dead-letter queue %s: %s", queue, env.id, dlq,
                    exc or type(exc).__name__)
        return False
