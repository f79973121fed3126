"""The baseline: the same Lambda handler behind a bare uvicorn, nothing else.

No gateway, no NATS, no worker process: a raw ASGI callable builds a minimal
API-Gateway-v2-like event, calls the handler in-process and answers its JSON.
Usage: ``python bench/baseline_server.py HANDLER_FILE``; binds a free port on
127.0.0.1 and prints ``baseline: serving at http://127.0.0.1:PORT``.
"""

from __future__ import annotations

import importlib.util
import json
import socket
import sys

import uvicorn


def load_handler(path: str):
    spec = importlib.util.spec_from_file_location("bench_handler_module", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.handler


def make_app(handler):
    async def app(scope, receive, send) -> None:
        if scope["type"] != "http":
            return
        path = scope["path"]
        parts = path.split("/")
        if scope["method"] == "GET" and len(parts) == 3 and parts[1] == "hello" and parts[2]:
            event = {
                "version": "2.0",
                "routeKey": "GET /hello/{name}",
                "rawPath": path,
                "rawQueryString": scope["query_string"].decode("latin-1"),
                "headers": {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]},
                "requestContext": {"http": {"method": "GET", "path": path, "protocol": "HTTP/1.1",
                                            "sourceIp": (scope.get("client") or ("", 0))[0]},
                                   "routeKey": "GET /hello/{name}", "stage": "$default"},
                "pathParameters": {"name": parts[2]},
                "isBase64Encoded": False,
            }
            status, body = 200, json.dumps(handler(event, None)).encode()
        else:
            status, body = 404, b'{"message":"Not Found"}'
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    return app


def main() -> None:
    handler = load_handler(sys.argv[1])
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(2048)
    config = uvicorn.Config(make_app(handler), http="httptools", loop="uvloop", access_log=False,
                            lifespan="off", log_level="warning", workers=1)
    print(f"baseline: serving at http://127.0.0.1:{sock.getsockname()[1]}", flush=True)
    uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    main()
