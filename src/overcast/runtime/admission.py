"""Concurrency accounting of a node's pools (pure): who may run one more execution, and the throttle reply.

A pool counts its admitted requests (waiting for an environment or running on one); the account counts
every pool's on the node. Over the function's reserved ``concurrency`` (or, without one, the platform's
``lambda.account_concurrency``), or over the account's, a request is throttled at once with Lambda's reason.
"""

from __future__ import annotations

import orjson

from overcast import limits
from overcast.engine import protocol


class Account:
    """Concurrency shared by every pool of one node."""

    def __init__(self) -> None:
        self.active = 0

    @property
    def limit(self) -> int:
        return limits.LIMITS["lambda.account_concurrency"].value


def function_limit(reserved: int | None, account: Account) -> int:
    """How many executions of one function may run at once: its reserved concurrency, else the account's."""
    return reserved if reserved is not None else account.limit


def refusal(active: int, reserved: int | None, account: Account) -> protocol.Reply | None:
    """The throttled reply for one more execution of a function with ``active`` admitted, or None: admit it."""
    fn_limit = function_limit(reserved, account)
    if active >= fn_limit:
        lim = limits.LIMITS["lambda.function_concurrency"]
        reason = ("ReservedFunctionConcurrentInvocationLimitExceeded" if reserved is not None
                  else "ConcurrentInvocationLimitExceeded")
        return throttled(reason, lim.name, fn_limit)
    if account.active >= account.limit:
        lim = limits.LIMITS["lambda.account_concurrency"]
        return throttled("ConcurrentInvocationLimitExceeded", lim.name, lim.value)
    return None


def throttled(reason: str, limit_name: str, value: int) -> protocol.Reply:
    body = {"message": "Rate Exceeded.", "Reason": reason, "limit": limit_name, "limitValue": value}
    return protocol.Reply(protocol.THROTTLED, orjson.dumps(body))
