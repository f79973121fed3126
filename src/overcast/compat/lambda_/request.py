"""What an ``Invoke`` request asks, and the deployed version it reaches (pure, given the stacks' states)."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote

import orjson

from overcast import limits
from overcast.asgi import header
from overcast.compat.lambda_ import errors, names
from overcast.compat.lambda_.errors import InvalidParameterValueException, InvalidRequestContentException
from overcast.deploy import versions

PREFIX = "/2015-03-31/functions/"
SUFFIX = "/invocations"
SYNC, EVENT, DRY_RUN = "RequestResponse", "Event", "DryRun"
# Newer Invoke parameters overcast has nothing behind: refused by name rather than dropped.
_UNSUPPORTED = {b"x-amz-tenant-id": "TenantId (X-Amz-Tenant-Id)",
                b"x-amz-durable-execution-name": "DurableExecutionName (X-Amz-Durable-Execution-Name)"}


@dataclass(frozen=True)
class Call:
    """What the request asks, before looking at the platform."""

    function_name: str
    qualifier: str | None
    kind: str
    log_tail: bool
    client_context: dict | None = None  # decoded ClientContext (synchronous calls only)

    @classmethod
    def of(cls, scope, raw_path: bytes, raw_query: bytes) -> Call:
        name = unquote(raw_path.decode("latin-1")[len(PREFIX):-len(SUFFIX)], errors="strict")
        query = dict(parse_qsl(raw_query.decode("latin-1"), keep_blank_values=True))
        kind = header(scope, b"x-amz-invocation-type") or SYNC
        if kind not in (SYNC, EVENT, DRY_RUN):
            raise InvalidParameterValueException(f"Unsupported invocation type {kind!r}: use RequestResponse, "
                                                 "Event or DryRun")
        log_type = header(scope, b"x-amz-log-type") or "None"
        if log_type not in ("None", "Tail"):
            raise InvalidParameterValueException(f"Unsupported log type {log_type!r}: use None or Tail")
        for name_, what in _UNSUPPORTED.items():
            if header(scope, name_) is not None:
                raise InvalidParameterValueException(f"{what} is not supported by overcast's Invoke API")
        # Lambda hands ClientContext to synchronous invocations only (Event and DryRun accept and drop it).
        raw_context = header(scope, b"x-amz-client-context")
        client_context = client_context_of(raw_context) if kind == SYNC and raw_context is not None else None
        return cls(name, query.get("Qualifier") or None, kind, log_type == "Tail", client_context)


@dataclass(frozen=True)
class Target:
    stage: str
    stack: str
    fn: str
    spec: dict
    token: str  # the version's subject token
    live_token: str

    @property
    def version(self) -> str:
        """As ``X-Amz-Executed-Version`` shows it: ``$LATEST`` or the version number."""
        return versions.LATEST if self.token == versions.LATEST_TOKEN else self.token


def target_of(states: dict[tuple[str, str], dict], principal: str, call: Call) -> Target:
    """The version ``call`` invokes; ResourceNotFoundException / AccessDeniedException as Lambda says them."""
    ref = names.parse(call.function_name)
    qualifier = names.qualifier_of(ref, call.qualifier)
    found = names.find(states, ref)
    if found is None:
        raise errors.not_found(names.arn_of(ref.name, qualifier))
    stage, stack, fn = found
    arn = names.arn_of(ref.name, qualifier)
    if not names.may_invoke(states, principal, stage, stack, fn):
        raise errors.AccessDeniedException(
            f"User: {principal} is not authorized to perform: lambda:InvokeFunction on resource: {arn}: a key "
            "reaches its own stack's functions and those another stack of its stage exports to it (an output "
            "holding the function's name or ARN, imported with ${stack:OWNER.OUTPUT})")
    state = states[(stage, stack)]
    try:
        token = versions.resolve(state, fn, qualifier)
    except KeyError:
        raise errors.not_found(arn) from None
    spec = state["spec"]["functions"][fn]
    return Target(stage, stack, fn, spec, token, versions.resolve(state, fn, None))


def client_context_of(raw: str) -> dict:
    """``X-Amz-Client-Context``: base64 of a JSON object, at most ``lambda.client_context`` bytes."""
    lim = limits.LIMITS["lambda.client_context"]
    if len(raw) > lim.value:
        raise InvalidRequestContentException(f"Client context is {len(raw)} bytes; at most {lim.value} bytes of "
                                             f"base64-encoded data are allowed (limit {lim.name})")
    try:
        doc = orjson.loads(base64.b64decode(raw, validate=True))
    except (binascii.Error, ValueError):
        doc = None
    if not isinstance(doc, dict):
        raise InvalidRequestContentException("Client context must be a valid Base64-encoded JSON object.")
    return doc


def payload_of(body: bytes) -> bytes:
    """The event the handler receives: the body, which must be JSON (an empty one is ``{}``, as Lambda's)."""
    if not body.strip():
        return b"{}"
    try:
        orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise InvalidRequestContentException(f"Could not parse request body into json: {exc}") from None
    return body
