"""The control API: what ``overcast deploy`` and friends talk to (HTTP + JSON, bearer token).

Every request must carry ``Authorization: Bearer <token>``; anything else is
answered ``401 {"message": "Unauthorized"}`` and nothing more. Errors are
``{"message", "code"}`` with the status of the error; never a stack trace.

    GET    /v1/stacks?stage=S                     deployed stacks
    GET    /v1/stacks/STAGE/STACK                 one stack's state
    GET    /v1/stacks/STAGE/STACK/outputs
    GET    /v1/stacks/STAGE/STACK/history
    POST   /v1/stacks/STAGE/STACK/rollback        {"to": revision | null}
    POST   /v1/stacks/STAGE/STACK/aliases         {"function", "alias", "version"}
    DELETE /v1/stacks/STAGE/STACK?deleteData=1
    GET    /v1/code/SHA                           {"exists": bool}
    PUT    /v1/code/SHA                           upload a code archive
    POST   /v1/plan                               a deploy request -> plan
    POST   /v1/deploy                             a deploy request -> applied plan
"""

from __future__ import annotations

import logging
import re
from urllib.parse import parse_qs

import orjson

from overcast.asgi import lifespan, read_body, send_answer
from overcast.control import auth
from overcast.control.service import Service
from overcast.errors import OvercastError

log = logging.getLogger("overcast.control")
MAX_BODY = 300 * 1024 * 1024
_ROUTES: list[tuple[str, re.Pattern, str]] = [
    ("GET", re.compile(r"^/v1/stacks$"), "stacks"),
    ("GET", re.compile(r"^/v1/stacks/([^/]+)/([^/]+)$"), "stack"),
    ("GET", re.compile(r"^/v1/stacks/([^/]+)/([^/]+)/outputs$"), "outputs"),
    ("GET", re.compile(r"^/v1/stacks/([^/]+)/([^/]+)/history$"), "history"),
    ("POST", re.compile(r"^/v1/stacks/([^/]+)/([^/]+)/rollback$"), "rollback"),
    ("POST", re.compile(r"^/v1/stacks/([^/]+)/([^/]+)/aliases$"), "alias"),
    ("DELETE", re.compile(r"^/v1/stacks/([^/]+)/([^/]+)$"), "remove"),
    ("GET", re.compile(r"^/v1/code/([0-9a-f]{64})$"), "code_exists"),
    ("PUT", re.compile(r"^/v1/code/([0-9a-f]{64})$"), "code_upload"),
    ("POST", re.compile(r"^/v1/plan$"), "plan"),
    ("POST", re.compile(r"^/v1/deploy$"), "deploy"),
]


class ControlApp:
    def __init__(self, service: Service) -> None:
        self.service = service

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "lifespan":
            await lifespan(receive, send, self.service.start, self.service.stop)
            return
        if scope["type"] != "http":
            return
        status, body = await self._handle(scope, receive)
        await send_answer(send, (status, [(b"content-type", b"application/json")], orjson.dumps(body)))

    async def _handle(self, scope, receive) -> tuple[int, object]:
        headers = dict(scope["headers"])
        body = await read_body(receive, MAX_BODY)
        if not auth.check(headers.get(b"authorization"), await self.service.token_digest()):
            return 401, {"message": "Unauthorized"}
        if body is None:
            return 413, {"message": f"request body over {MAX_BODY} bytes", "code": "control.too_large"}
        for method, pattern, name in _ROUTES:
            m = pattern.match(scope["path"])
            if m and scope["method"] == method:
                break
        else:
            return 404, {"message": "Not Found"}
        query = {k: v[-1] for k, v in parse_qs(scope.get("query_string", b"").decode()).items()}
        try:
            payload = orjson.loads(body) if body and name not in ("code_upload",) else None
        except orjson.JSONDecodeError as exc:
            return 400, {"message": f"request body is not valid JSON: {exc}", "code": "control.bad_json"}
        try:
            return 200, await getattr(self.service, name)(*m.groups(), query=query, payload=payload, body=body)
        except OvercastError as exc:
            return exc.http_status, {"message": exc.message, "code": exc.code, **exc.details}
        except Exception:  # ours: logged here, never shown to the client
            log.exception("control request %s %s failed", scope["method"], scope["path"])
            return 500, {"message": "Internal Server Error", "code": "control.internal"}
