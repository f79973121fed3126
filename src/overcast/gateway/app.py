"""The HTTP gateway: an ASGI app that turns requests into invocations over NATS.

Routes come from the desired-state bucket (watched, reloaded on every change).
A matched request becomes a payload-format-2.0 event, sent as a NATS request
on the function's subject and answered by whichever pool serves it — no
in-process shortcut, so a worker on another host answers the same way.
"""

from __future__ import annotations

import asyncio
import logging
import time

import orjson
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeout

from overcast import limits
from overcast.asgi import Answer, lifespan, read_body, send_answer
from overcast.compat import iotdata, lambda_
from overcast.compat.dynamodb.grants import grants_of
from overcast.deploy import state
from overcast.engine import protocol, subjects
from overcast.engine.connect import connect, ensure_resources
from overcast.engine.requests import Requester
from overcast.gateway import responses
from overcast.gateway.aws import AwsEndpoints
from overcast.gateway.events import build_http_event, new_lambda_request_id, new_request_id
from overcast.gateway.mounts import Target, build_table
from overcast.gateway.routing import RouteTable
from overcast.gateway.websocket import WebSockets
from overcast.platform import nodes
from overcast.runtime.config import ACCOUNT_ID
from overcast.spec.routes import DEFAULT

log = logging.getLogger("overcast.gateway")
# How long past the function's own timeout we wait for the runtime to answer.
REPLY_MARGIN_S = 5.0


class Gateway:
    """Every stage's routes under ``/STAGE/...``; the default stage's also at the root."""

    def __init__(self, nats_url: str, default_stage: str = "dev", tables_url: str | None = None) -> None:
        self.nats_url = nats_url
        self.aws = AwsEndpoints(tables_url)
        self.default_stage = default_stage
        self.node_id = nodes.new_node_id()
        self.ws = WebSockets(self.node_id)
        self.nc = None
        self.requester: Requester | None = None
        self.table = RouteTable([])
        self.states: dict[tuple[str, str], dict] = {}
        self.applied: dict[str, int] = {}
        self._tasks: list[asyncio.Task] = []

    # -- ASGI ---------------------------------------------------------------
    async def __call__(self, scope, receive, send) -> None:
        kind = scope["type"]
        if kind == "http":
            await self._http(scope, receive, send)
        elif kind == "websocket":
            await self.ws.handle(scope, receive, send)
        elif kind == "lifespan":
            await lifespan(receive, send, self.start, self.stop)

    async def start(self) -> None:
        self.nc = await connect(self.nats_url, f"overcast-gateway-{self.node_id}")
        await ensure_resources(self.nc)
        await self.nc.subscribe(subjects.node_status("gateway", self.node_id), cb=self._status)
        self.requester = Requester(self.nc)
        await self.requester.start()
        await self.aws.start(self.nc)
        await self.ws.start(self.nc, self.requester)
        self._tasks = [asyncio.create_task(state.watch(self.nc, self._apply)),
                       asyncio.create_task(nodes.heartbeat(self.nc, "gateway", self.node_id))]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.aws.stop()
        if self.nc is not None:
            await self.nc.drain()

    # -- routes ---------------------------------------------------------------
    async def _apply(self, stage: str, stack: str, stack_state: dict | None, revision: int) -> None:
        name = subjects.stack_key(stage, stack)
        if stack_state is None:
            self.states.pop((stage, stack), None)
            self.applied.pop(name, None)
        else:
            self.states[(stage, stack)] = stack_state
            self.applied[name] = revision
        self.table = self._build_table()
        self.aws.set_grants(grants_of(self.states))
        self.ws.set_states(self.states, self.default_stage)

    def _build_table(self) -> RouteTable:
        return build_table(self.states, self.default_stage)

    async def _status(self, msg) -> None:
        await msg.respond(orjson.dumps({"role": "gateway", "node": self.node_id, "stacks": self.applied,
                                        "routes": list(self.table.routes)}))

    # -- requests ---------------------------------------------------------------
    async def _http(self, scope, receive, send) -> None:
        request_id = new_request_id()
        answer = await self._aws_api(scope, receive, request_id)
        if answer is not None:
            await send_answer(send, answer)
            return
        try:
            resp = await self._handle(scope, receive, request_id)
        except Exception:  # a bug of ours: log it, never show it to the client
            log.exception("request %s failed inside the gateway", request_id)
            resp = responses.internal_error()
        resp.headers.append((b"apigw-requestid", request_id.encode()))
        await send({"type": "http.response.start", "status": resp.status, "headers": resp.headers})
        await send({"type": "http.response.body", "body": resp.body})

    async def _aws_api(self, scope, receive, request_id: str) -> Answer | None:
        """The answer of an AWS-compatible API the request is for, or None: it is for an HTTP route."""
        if "/@connections/" in scope["path"]:  # the WebSocket APIs' management API (apigatewaymanagementapi)
            answer = await self.ws.management(scope, receive, self.aws.keys)
            if answer is not None:
                return answer
        if iotdata.is_request(scope):  # the IoT data-plane Publish API (boto3 "iot-data")
            return await iotdata.handle(scope, receive, self.nc, self.aws.keys)
        if lambda_.is_request(scope):  # Lambda's Invoke API (boto3 "lambda")
            return await lambda_.handle(scope, receive, self.nc, self.requester, self.aws.keys, self.states)
        target = AwsEndpoints.target(scope)
        if target is not None:  # an AWS SDK call (DynamoDB...), not an HTTP route
            return await self.aws.handle(scope, receive, target, request_id)
        return None

    async def _handle(self, scope, receive, request_id: str) -> responses.HttpResponse:
        raw_path = scope["raw_path"].decode("latin-1") if scope.get("raw_path") else scope["path"]
        match = self.table.match(scope["method"], raw_path)
        limit = limits.LIMITS["lambda.sync_request_payload"]
        body = await read_body(receive, limit.value)
        if match is None:
            return responses.not_found()
        if body is None:
            return responses.payload_too_large(limit.name, limit.value)
        target: Target = match.target
        now_ms = int(time.time() * 1000)
        client = scope.get("client") or ("127.0.0.1", 0)
        event = build_http_event(
            method=scope["method"], raw_path=raw_path, raw_query=scope.get("query_string", b"").decode("latin-1"),
            headers=scope["headers"], body=body, source_ip=client[0],
            protocol=f"HTTP/{scope.get('http_version', '1.1')}", route_key=target.route_key,
            path_parameters=None if target.route_key == DEFAULT else match.path_parameters, stage=target.stage, api_id=target.api_id, account_id=ACCOUNT_ID,
            request_id=request_id, time_epoch_ms=now_ms, stage_variables=None,
        )
        payload = orjson.dumps(event)
        if len(payload) > limit.value:
            return responses.payload_too_large(limit.name, limit.value)
        data = protocol.encode_invocation(protocol.Invocation(new_lambda_request_id(), payload))
        if len(data) > self.nc.max_payload:  # only with an external engine configured below our limit
            return responses.payload_too_large("engine.max_payload", self.nc.max_payload)
        try:
            msg = await self.requester.request(target.subject, data, target.timeout + REPLY_MARGIN_S)
        except NoRespondersError:
            log.warning("no runtime serves %s.%s", target.stack, target.function)
            return responses.service_unavailable()
        except (NatsTimeout, asyncio.TimeoutError):
            return responses.gateway_timeout()
        return _to_http(protocol.decode_reply(msg.data), target)


def _to_http(reply: protocol.Reply, target: Target) -> responses.HttpResponse:
    if reply.status == protocol.OK:
        resp = responses.map_function_result(reply.payload)
        if resp.reason:
            log.warning("%s.%s returned an invalid response (%s)", target.stack, target.function, resp.reason)
        return resp
    if reply.status == protocol.ERROR:
        if reply.error_type == protocol.TIMEOUT_ERROR_TYPE:
            return responses.gateway_timeout()
        return responses.internal_error()
    info = orjson.loads(reply.payload)
    if reply.status == protocol.THROTTLED:
        return responses.too_many_requests(info.get("limit"), info.get("limitValue"))
    return responses.payload_too_large(info.get("limit"), info.get("limitValue"))
