"""The AWS IoT data-plane ``Publish`` API on the gateway (REST-JSON, botocore service ``iot-data``).

``POST /topics/{topic}?qos=0|1[&retain=false]`` with the payload as the raw body, SigV4-signed for service
``iotdata`` with a key the platform issued; answers 200 with an empty body once the engine has the message
(stored, for QoS 1). The topic is one path label, so SDKs send its slashes percent-encoded (``a%2Fb``);
plain slashes are read the same way. Errors are REST-JSON: ``{"message": ...}`` with the error name in
``x-amzn-ErrorType``, so boto3 raises the exception classes AWS's endpoint gives.

Any issued key may publish to any topic (stack keys are the platform's own functions); device permissions
are the engine's, for MQTT connections. ``retain`` is refused: nats-server keeps retained messages only for
PUBLISH packets of MQTT clients, so a retained message must come from a device.
"""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl, unquote

import orjson

from overcast import limits
from overcast.asgi import Answer, read_body
from overcast.compat import sigv4
from overcast.compat.sigv4_errors import SignatureError
from overcast.errors import LimitExceeded, OvercastError
from overcast.realtime.publish import publish

log = logging.getLogger("overcast.gateway")

PREFIX = "/topics/"
SIGNING_NAME = "iotdata"
_SCOPE = f"/{SIGNING_NAME}/aws4_request".encode()



class InvalidRequestException(OvercastError):
    code = "iotdata.invalid_request"
    http_status = 400
    aws_name = "InvalidRequestException"


class MethodNotAllowedException(OvercastError):
    code = "iotdata.method_not_allowed"
    http_status = 405
    aws_name = "MethodNotAllowedException"


def is_request(scope) -> bool:
    """A request for this API: a ``/topics/...`` path signed for ``iotdata`` (HTTP routes keep other paths)."""
    if not scope["path"].startswith(PREFIX):
        return False
    return any(name == b"authorization" and _SCOPE in value for name, value in scope["headers"])


def topic_of(raw_path: bytes) -> str:
    return unquote(raw_path.decode("latin-1")[len(PREFIX):].partition("?")[0], errors="strict")


def options(raw_query: bytes) -> tuple[int, bool]:
    """``(qos, retain)`` from the query string; raises InvalidRequestException for values AWS refuses."""
    query = dict(parse_qsl(raw_query.decode("latin-1"), keep_blank_values=True))
    qos_text = query.get("qos", "0")
    if qos_text not in ("0", "1"):
        raise InvalidRequestException(f"qos must be 0 or 1, got {qos_text!r}")
    retain = query.get("retain", "false").lower()
    if retain not in ("true", "false"):
        raise InvalidRequestException(f"retain must be true or false, got {retain!r}")
    return int(qos_text), retain == "true"


async def handle(scope, receive, nc, keys) -> Answer:
    """Answer one Publish request; never raises."""
    lim = limits.LIMITS["iot.message_size"]
    body = await read_body(receive, lim.value)
    try:
        if scope["method"] != "POST":
            raise MethodNotAllowedException(f"The method {scope['method']} is not allowed on {scope['path']}; "
                                            "Publish is POST /topics/{topic}")
        if body is None:  # before the signature, which covers the body we did not keep
            raise LimitExceeded(lim)
        raw_path = scope.get("raw_path") or scope["path"].encode()
        raw_query = scope.get("query_string", b"")
        signed = sigv4.parse_request("POST", raw_path, raw_query, scope["headers"], body, service=SIGNING_NAME)
        sigv4.check_signature(signed, await keys.get(signed.access_key_id))
        qos, retain = options(raw_query)
        if retain:
            raise InvalidRequestException("retain is not supported by overcast's Publish API: nats-server retains "
                                          "only messages MQTT clients publish; publish retained messages from a "
                                          "device")
        await publish(nc, topic_of(raw_path), body, qos)
        return 200, [(b"content-type", b"application/json")], b""
    except UnicodeDecodeError:
        return error(InvalidRequestException("the topic is not valid UTF-8"))
    except OvercastError as exc:
        return error(exc)
    except Exception:  # ours: logged, never shown
        log.exception("IoT data Publish failed inside the gateway")
        exc = OvercastError("Internal failure")
        exc.aws_name = "InternalFailureException"
        return error(exc)


def error(exc: OvercastError) -> Answer:
    status = 403 if isinstance(exc, SignatureError) else exc.http_status
    name = exc.aws_name or "InternalFailureException"
    headers = [(b"content-type", b"application/json"), (b"x-amzn-errortype", name.encode())]
    return status, headers, orjson.dumps({"message": exc.message})
