"""Wire format of a synchronous invocation over NATS (pure, no I/O).

Request and reply are each one NATS message: a one-line JSON header, a newline,
then the raw payload (the event JSON the handler receives, or the handler's
result JSON). Headers stay in the payload rather than NATS headers because
they are parsed on the hot path of every call and a JSON line is cheaper.

Reply ``status`` values:
  ``ok``         payload is the function's result
  ``error``      the function failed; payload is Lambda's error object
                 (``errorMessage``/``errorType``/``stackTrace``); a timeout has
                 ``errorType`` ``Sandbox.Timedout``
  ``throttled``  no execution environment could be had within the function's
                 or the platform's concurrency; payload names the limit
  ``rejected``   the request broke a limit (e.g. payload size); payload names it
"""

from __future__ import annotations

from dataclasses import dataclass, field

import orjson

OK = "ok"
ERROR = "error"
THROTTLED = "throttled"
REJECTED = "rejected"

TIMEOUT_ERROR_TYPE = "Sandbox.Timedout"


@dataclass(slots=True)
class Invocation:
    request_id: str
    payload: bytes
    log_tail: bool = False
    client_context: dict | None = None  # Lambda's ClientContext (Invoke API, synchronous calls), decoded


@dataclass(slots=True)
class Reply:
    status: str
    payload: bytes
    request_id: str = ""
    log_result: str | None = None  # base64 of the last 4 KB of the logs, when asked for
    extra: dict = field(default_factory=dict)

    @property
    def error_type(self) -> str | None:
        if self.status != ERROR:
            return None
        try:
            return orjson.loads(self.payload).get("errorType")
        except (orjson.JSONDecodeError, AttributeError):
            return None


def encode_invocation(inv: Invocation) -> bytes:
    head = {"rid": inv.request_id}
    if inv.log_tail:
        head["tail"] = 1
    if inv.client_context is not None:
        head["cc"] = inv.client_context
    return orjson.dumps(head) + b"\n" + inv.payload


def decode_invocation(data: bytes) -> Invocation:
    head, _, payload = data.partition(b"\n")
    meta = orjson.loads(head)
    return Invocation(
        request_id=meta["rid"], payload=payload, log_tail=bool(meta.get("tail")), client_context=meta.get("cc"),
    )


def encode_reply(reply: Reply) -> bytes:
    head: dict = {"s": reply.status, "rid": reply.request_id}
    if reply.log_result is not None:
        head["log"] = reply.log_result
    if reply.extra:
        head["x"] = reply.extra
    return orjson.dumps(head) + b"\n" + reply.payload


def encode_reply_within(reply: Reply, max_payload: int) -> bytes:
    """The encoded reply, or — when it would not fit the engine's max_payload (only possible with an
    external engine configured below our limit) — Lambda's response-too-large error naming that limit."""
    data = encode_reply(reply)
    if len(data) <= max_payload:
        return data
    text = (f"Response payload size ({len(reply.payload)} bytes) exceeded the engine's max_payload "
            f"({max_payload} bytes): limit engine.max_payload")
    return encode_reply(Reply(ERROR, error_payload(text, "Function.ResponseSizeTooLarge", reply.request_id),
                              reply.request_id, reply.log_result))


def decode_reply(data: bytes) -> Reply:
    head, _, payload = data.partition(b"\n")
    meta = orjson.loads(head)
    return Reply(
        status=meta["s"], payload=payload, request_id=meta.get("rid", ""),
        log_result=meta.get("log"), extra=meta.get("x") or {},
    )


def error_payload(message: str, error_type: str, request_id: str, stack: list[str] | None = None) -> bytes:
    """Lambda's error object, as the Python runtime writes it."""
    body = {"errorMessage": message, "errorType": error_type, "requestId": request_id,
            "stackTrace": stack or []}
    return orjson.dumps(body)
