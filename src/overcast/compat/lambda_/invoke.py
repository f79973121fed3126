"""Answering ``POST /2015-03-31/functions/{FunctionName}/invocations`` (Lambda's ``Invoke``) on the gateway.

The request is SigV4-signed for service ``lambda`` with a key the platform issued; the function is found by
name (``names``), the key's stack must reach it, and the qualifier picks the version through
``deploy.versions``. Then, by ``X-Amz-Invocation-Type``:

``RequestResponse``  a NATS request on the version's subject, as the HTTP routes make; 200 with the result,
                     or with ``X-Amz-Function-Error: Unhandled`` and Lambda's error object
``Event``            stored with ``sources.async_invoke.enqueue`` (the function's retries and destinations
                     apply); 202 with the request id
``DryRun``           204 once the function exists and the key may invoke it
"""

from __future__ import annotations

import asyncio
import logging
import uuid

import orjson
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeout

from overcast import limits
from overcast.asgi import Answer, read_body
from overcast.compat import sigv4
from overcast.compat.lambda_ import errors
from overcast.compat.lambda_.errors import InvalidParameterValueException, InvalidRequestContentException
from overcast.compat.lambda_.request import DRY_RUN, EVENT, PREFIX, SUFFIX, Call, Target, payload_of, target_of
from overcast.engine import protocol, subjects
from overcast.errors import EngineError, LimitExceeded, OvercastError
from overcast.sources.async_store import enqueue

log = logging.getLogger("overcast.gateway")

SIGNING_NAME = "lambda"
_SCOPE = f"/{SIGNING_NAME}/aws4_request".encode()
REPLY_MARGIN_S = 5.0  # past the function's timeout: the runtime reports a timed-out handler itself first


def is_request(scope) -> bool:
    """A call of Lambda's API: a request signed for ``lambda`` (HTTP routes keep every other request, unsigned
    ones on Lambda's paths included). Only ``Invoke`` is served; :func:`handle` refuses the others by name."""
    return any(name == b"authorization" and _SCOPE in value for name, value in scope["headers"])


def is_invoke(scope) -> bool:
    path = scope["path"]
    if scope["method"] != "POST" or not path.startswith(PREFIX) or not path.endswith(SUFFIX):
        return False
    name = path[len(PREFIX):-len(SUFFIX)]
    return bool(name) and "/" not in name


async def handle(scope, receive, nc, requester, keys, states: dict[tuple[str, str], dict]) -> Answer:
    """Answer one ``Invoke``; never raises."""
    rid = str(uuid.uuid4())  # the invocation's request id, also the response's x-amzn-RequestId (as Lambda)
    lim = limits.LIMITS["lambda.sync_request_payload"]
    body = await read_body(receive, lim.value)
    try:
        if not is_invoke(scope):
            raise errors.UnsupportedOperation(
                f"{scope['method']} {scope['path']} is not supported: overcast serves only Lambda's Invoke "
                "operation (POST /2015-03-31/functions/NAME/invocations) of the Lambda API")
        if body is None:  # before the signature, which covers the body we did not keep
            raise LimitExceeded(lim, message=f"Request must be smaller than {lim.value} bytes for the "
                                             f"InvokeFunction operation (limit {lim.name})")
        raw_path = scope.get("raw_path") or scope["path"].encode()
        raw_query = scope.get("query_string", b"")
        signed = sigv4.parse_request("POST", raw_path, raw_query, scope["headers"], body, service=SIGNING_NAME)
        key = sigv4.check_signature(signed, await keys.get(signed.access_key_id))
        call = Call.of(scope, raw_path, raw_query)
        target = target_of(states, key.principal, call)
        payload = payload_of(body)
        if call.kind == DRY_RUN:
            return 204, _headers(rid), b""
        if call.kind == EVENT:
            return await _event(nc, target, payload, rid)
        return await _sync(nc, requester, target,
                           protocol.Invocation(rid, payload, call.log_tail, call.client_context))
    except UnicodeDecodeError:
        return errors.answer(InvalidParameterValueException("the function name is not valid UTF-8"), rid)
    except OvercastError as exc:
        return errors.answer(exc, rid)
    except Exception:  # ours: logged, never shown
        log.exception("Lambda Invoke %s failed inside the gateway", rid)
        exc = errors.ServiceException("Internal failure")
        exc.http_status = 500
        return errors.answer(exc, rid)


def _headers(rid: str, *more: tuple[bytes, bytes]) -> list[tuple[bytes, bytes]]:
    return [(b"content-type", b"application/json"), (b"x-amzn-requestid", rid.encode()), *more]


async def _event(nc, target: Target, payload: bytes, rid: str) -> Answer:
    if target.token != target.live_token:  # async events are stored per function and run its live version
        raise InvalidParameterValueException(
            f"InvocationType Event runs the live version ({target.live_token}) in overcast, not version "
            f"{target.version}: invoke it without a Qualifier (or with one naming the live version)")
    lim = limits.LIMITS["lambda.async_payload"]
    if len(payload) > lim.value:
        raise LimitExceeded(lim, len(payload), f"{len(payload)} byte payload is too large for the Event "
                                               f"invocation type (limit {lim.value} bytes, {lim.name})")
    try:
        await enqueue(nc, target.stage, target.stack, target.fn, payload, request_id=rid)
    except EngineError as exc:
        raise errors.ServiceException(exc.message) from None
    return 202, _headers(rid), b""


async def _sync(nc, requester, target: Target, inv: protocol.Invocation) -> Answer:
    data = protocol.encode_invocation(inv)
    if len(data) > nc.max_payload:  # only with an external engine configured below our limit
        exc = LimitExceeded(limits.LIMITS["engine.max_payload"], len(data))
        exc.aws_name = "RequestEntityTooLargeException"
        raise exc
    wait = float(target.spec.get("timeout", 3)) + REPLY_MARGIN_S
    try:
        msg = await requester.request(subjects.invoke(target.stage, target.stack, target.fn, target.token), data,
                                      wait)
        reply = protocol.decode_reply(msg.data)
    except NoRespondersError:
        raise errors.ServiceException(f"no runtime serves {target.stack}.{target.fn} (version {target.version}) "
                                      "yet; try again") from None
    except (NatsTimeout, asyncio.TimeoutError):  # as Lambda reports a timed-out function: a function error
        reply = protocol.Reply(protocol.ERROR, protocol.error_payload(
            f"{inv.request_id} Task timed out after {wait:.2f} seconds", protocol.TIMEOUT_ERROR_TYPE,
            inv.request_id), inv.request_id)
    return answer_of(reply, target, inv.request_id)


def answer_of(reply: protocol.Reply, target: Target, rid: str) -> Answer:
    """A runtime's reply as Lambda answers a synchronous invocation."""
    if reply.status in (protocol.OK, protocol.ERROR):
        headers = _headers(rid, (b"x-amz-executed-version", target.version.encode()))
        if reply.status == protocol.ERROR:
            headers.append((b"x-amz-function-error", b"Unhandled"))
        if reply.log_result is not None:
            headers.append((b"x-amz-log-result", reply.log_result.encode()))
        return 200, headers, reply.payload
    try:
        info = orjson.loads(reply.payload)
    except orjson.JSONDecodeError:
        info = {"message": reply.payload.decode("utf-8", "replace")}
    if reply.status == protocol.THROTTLED:
        text = f"{info.get('message') or 'Rate Exceeded.'} (limit {info.get('limit')}: {info.get('limitValue')})"
        return errors.answer(errors.TooManyRequestsException(text, reason=info.get("Reason")), rid)
    try:
        lim = limits.LIMITS[info.get("limit") or ""]
    except KeyError:
        lim = None
    if lim is not None:
        return errors.answer(LimitExceeded(lim, message=info.get("message")), rid)
    return errors.answer(InvalidRequestContentException(info.get("message") or "the runtime refused the call"), rid)
