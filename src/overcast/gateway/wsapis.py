"""The WebSocket APIs of the deployed stacks, by path, and one invocation of a route.

Every stage's API is served at ``/STAGE{path}``; the default stage's also at
``{path}``. A path two stacks declare goes to the first (sorted by stage and
stack) with a warning; deploys should not get there.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

import orjson
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeout

from overcast.deploy import versions
from overcast.engine import protocol, subjects
from overcast.gateway.events import api_id_for, new_lambda_request_id
from overcast.spec.websocket import DEFAULT_PATH, DEFAULT_SELECTION, routes_of, selection_path

log = logging.getLogger("overcast.gateway")
# How long past the function's own timeout we wait for the runtime to answer (as for HTTP routes).
REPLY_MARGIN_S = 5.0


@dataclass(frozen=True, slots=True)
class Route:
    function: str
    subject: str
    timeout: int


@dataclass(frozen=True, slots=True)
class WsApi:
    stage: str
    stack: str
    api_id: str
    selection: tuple[str, ...]
    routes: dict[str, Route]

    @property
    def principal(self) -> str:
        return f"{self.stage}.{self.stack}"


def build_apis(states: dict[tuple[str, str], dict], default_stage: str) -> dict[str, WsApi]:
    """Path -> API for every deployed stack with a WebSocket API (pure); a taken path is skipped."""
    out: dict[str, WsApi] = {}
    for (stage, stack), state in sorted(states.items()):
        spec = state["spec"]
        declared = routes_of(spec["functions"])
        settings = spec.get("websocket")
        if not declared and not settings:
            continue
        settings = settings or {}
        routes = {}
        for key, fname in declared.items():
            fn = spec["functions"][fname]
            version = versions.resolve(state, fname, versions.LIVE)
            routes[key] = Route(fname, subjects.invoke(stage, stack, fname, version), fn["timeout"])
        api = WsApi(stage, stack, api_id_for(f"{stage}.{stack}"),
                    selection_path(settings.get("routeSelectionExpression") or DEFAULT_SELECTION), routes)
        path = settings.get("path") or DEFAULT_PATH
        for mounted in [f"/{stage}{path}"] + ([path] if stage == default_stage else []):
            if mounted in out:
                log.warning("WebSocket path %s of %s.%s is already served by %s; ignored", mounted, stage, stack,
                            out[mounted].principal)
                continue
            out[mounted] = api
    return out


async def invoke(requester, route: Route, event: dict) -> tuple[str, object]:
    """``("ok", result)``, ``("timeout", None)`` or ``("error", None)`` for one invocation."""
    data = protocol.encode_invocation(protocol.Invocation(new_lambda_request_id(), orjson.dumps(event)))
    try:
        msg = await requester.request(route.subject, data, route.timeout + REPLY_MARGIN_S)
    except NoRespondersError:
        log.warning("no runtime serves %s", route.subject)
        return "error", None
    except (NatsTimeout, asyncio.TimeoutError):
        return "timeout", None
    reply = protocol.decode_reply(msg.data)
    if reply.status == protocol.OK:
        try:
            return "ok", orjson.loads(reply.payload)
        except orjson.JSONDecodeError:
            return "error", None
    return ("timeout" if reply.error_type == protocol.TIMEOUT_ERROR_TYPE else "error"), None
