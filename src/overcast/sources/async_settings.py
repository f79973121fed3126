"""The pure side of asynchronous invocation: a function's settings, the decisions they drive, and the
headers a stored event carries.

Per event, as Lambda does: one older than ``maximumEventAge`` goes to onFailure as
``EventAgeExceeded``; a failed attempt is retried up to ``maximumRetryAttempts`` times
after :func:`retry_delays`, then goes to onFailure as ``RetriesExhausted``; a success
goes to onSuccess. Throttled attempts wait :func:`throttle_pause` and do not count.

A function's settings come from its deployed stack spec (the ``StackSpec`` dump
in the desired-state document) through ``overcast.spec.mappings.async_config_of``,
so destinations are resolved as everywhere else: ``function:NAME`` of the same
stack becomes ``function:STACK.NAME``, a logical queue or stream its physical
name. Unset settings take AWS's defaults::

    async: {maximumRetryAttempts: 0-2, maximumEventAge: 60-21600,
            destinations: {onSuccess: "queue:NAME", onFailure: "function:NAME"}}
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

from overcast import limits
from overcast.sources.destinations import EVENT_AGE_EXCEEDED, RETRIES_EXHAUSTED, SUCCESS
from overcast.spec.mappings import async_config_of

log = logging.getLogger("overcast.sources")

RETRY_DELAYS_ENV = "OVERCAST_ASYNC_RETRY_DELAYS"
# AWS waits one minute before the first retry and two before the second.
DEFAULT_RETRY_DELAYS = (60.0, 120.0)
# Throttled events: AWS retries from 1 s, growing exponentially to at most 5 minutes.
THROTTLE_FIRST_S, THROTTLE_MAX_S = 1.0, 300.0

H_REQUEST_ID = "Overcast-Request-Id"
H_ENQUEUED_AT = "Overcast-Enqueued-At"  # epoch milliseconds
# An event stored after attempts made elsewhere (a first attempt made at once, ``async_first``): how many,
# and when the next one is due (epoch milliseconds). Its first delivery only waits for that time.
H_ATTEMPTS = "Overcast-Attempts-Made"
H_NOT_BEFORE = "Overcast-Not-Before"


def event_headers(request_id: str, enqueued_at: float, attempts_made: int = 0,
                  not_before: float | None = None) -> dict[str, str]:
    """Headers of a stored event; the request id doubles as JetStream's message id (deduplication)."""
    out = {"Nats-Msg-Id": request_id, H_REQUEST_ID: request_id, H_ENQUEUED_AT: str(int(enqueued_at * 1000))}
    if attempts_made:
        out[H_ATTEMPTS] = str(attempts_made)
    if not_before is not None:
        out[H_NOT_BEFORE] = str(int(not_before * 1000))
    return out


def event_progress(headers: dict | None, delivery: int, now: float) -> tuple[int | None, float]:
    """``(attempt number, 0.0)`` for delivery ``delivery`` (from 1) of a stored event, or ``(None, wait)``
    when this delivery is only the wait before a retry that is due ``wait`` seconds from ``now``.

    A plain event's attempt is its delivery count. One stored after ``n`` attempts with a due time spends
    its first delivery waiting (``nak`` with the remaining delay), so its delivery ``d`` is attempt
    ``n + d - 1``; a crash redelivers, and that counts as an attempt, as for plain events."""
    headers = headers or {}
    made = int(headers.get(H_ATTEMPTS, 0) or 0)
    if H_NOT_BEFORE not in headers:
        return made + delivery, 0.0
    if delivery == 1:
        return None, max(0.0, int(headers[H_NOT_BEFORE]) / 1000 - now)
    return made + delivery - 1, 0.0


def event_origin(headers: dict | None, sequence: int, now: float) -> tuple[str, float]:
    """``(request id, enqueued at)`` of a stored event; its stream sequence and ``now`` where headers lack them."""
    headers = headers or {}
    rid = headers.get(H_REQUEST_ID) or f"{sequence}"
    return rid, int(headers[H_ENQUEUED_AT]) / 1000 if H_ENQUEUED_AT in headers else now


def retry_delays() -> tuple[float, ...]:
    """Pause before each retry: ``OVERCAST_ASYNC_RETRY_DELAYS`` ("1,2" seconds) or AWS's 60 s, 120 s."""
    raw = os.environ.get(RETRY_DELAYS_ENV, "").strip()
    if not raw:
        return DEFAULT_RETRY_DELAYS
    try:
        out = tuple(float(part) for part in raw.split(",") if part.strip())
    except ValueError:
        log.warning("%s=%r is not a comma-separated list of seconds; using %s", RETRY_DELAYS_ENV, raw,
                    DEFAULT_RETRY_DELAYS)
        return DEFAULT_RETRY_DELAYS
    return out or DEFAULT_RETRY_DELAYS


def throttle_pause(times: int) -> float:
    """Pause after the ``times``-th consecutive throttle (from 0): 1 s doubling up to 5 minutes."""
    return min(THROTTLE_FIRST_S * 2 ** times, THROTTLE_MAX_S)


@dataclass(frozen=True)
class AsyncSettings:
    max_retries: int = 2
    max_age: float = 21600.0
    on_success: str | None = None
    on_failure: str | None = None

    def ended(self, attempt: int, age: float) -> tuple[str, int] | None:
        """Before attempt ``attempt`` (from 1) of an event ``age`` seconds old: ``(condition, attempts made)``
        when it is over (too old, or redelivered after its last attempt because we crashed), else None."""
        if age > self.max_age:
            return EVENT_AGE_EXCEEDED, attempt - 1
        if attempt > 1 + self.max_retries:
            return RETRIES_EXHAUSTED, attempt - 1
        return None

    def retry_delay(self, attempt: int, consumed: bool, delays: tuple[float, ...]) -> float | None:
        """After failed attempt ``attempt``: the pause before the next one, or None when none is left (or the
        failure consumed no attempt because it is never worth retrying, e.g. a rejected invocation)."""
        if consumed and attempt < 1 + self.max_retries:
            return delays[min(attempt - 1, len(delays) - 1)]
        return None

    def target(self, condition: str) -> str | None:
        """The destination of an event that ended with ``condition``."""
        return self.on_success if condition == SUCCESS else self.on_failure


def settings_for(spec: dict, function: str) -> AsyncSettings:
    """The settings of ``function`` in the deployed stack ``spec``, destinations resolved (``async_config_of``).

    A stored spec that no longer validates (written by an older overcast) is read as written by
    :func:`settings_of` rather than stalling the function's events."""
    try:
        cfg = async_config_of(spec, function)
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        log.warning("async settings of %s.%s do not validate (%s); reading them as written",
                    spec.get("stack"), function, exc)
        return settings_of((spec.get("functions") or {}).get(function) or {})
    return AsyncSettings(cfg.max_retries, float(cfg.max_event_age), cfg.on_success, cfg.on_failure)


def _pick(d: dict, *names):
    for name in names:
        if d.get(name) is not None:
            return d[name]
    return None


def settings_of(fn: dict) -> AsyncSettings:
    """A function's settings from its spec dict as written (no name resolution), clamped to the limits."""
    cfg = fn.get("async") or fn.get("async_") or {}
    dests = _pick(cfg, "destinations") or {}
    retries = _pick(cfg, "maximumRetryAttempts", "maximum_retry_attempts")
    age = _pick(cfg, "maximumEventAge", "maximum_event_age")
    lim_r, lim_a = limits.LIMITS["lambda.async_retries"], limits.LIMITS["lambda.async_event_age"]
    return AsyncSettings(
        max_retries=lim_r.value if retries is None else max(0, min(int(retries), lim_r.value)),
        max_age=float(lim_a.value if age is None else max(1, min(int(age), lim_a.value))),
        on_success=_pick(dests, "onSuccess", "on_success"),
        on_failure=_pick(dests, "onFailure", "on_failure"),
    )
