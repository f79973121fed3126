"""``python -m overcast.gateway --nats URL --fd N``: the HTTP gateway process.

The listening socket is bound by the supervisor and inherited as ``--fd``, so
the port is known (and free) before this process starts.
"""

from __future__ import annotations

import argparse
import logging
import socket

import uvicorn

from overcast.gateway.app import Gateway
from overcast.gateway.wsframes import FrameLimitedProtocol
from overcast.process import run_loop


def main() -> None:
    parser = argparse.ArgumentParser(prog="overcast-gateway")
    parser.add_argument("--nats", required=True)
    parser.add_argument("--fd", type=int, required=True)
    parser.add_argument("--default-stage", default="dev", help="stage also served at the root path")
    parser.add_argument("--tables", help="table storage URL (sqlite:///path or postgresql://...)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="gateway: %(message)s")
    sock = socket.socket(fileno=args.fd)
    # We are the edge: no proxy-header rewriting, and no "server: uvicorn" header (API Gateway sends none).
    # WebSockets: uvicorn's websockets-sansio protocol, plus API Gateway's 32 KB frame limit (wsframes).
    config = uvicorn.Config(Gateway(args.nats, args.default_stage, args.tables), http="httptools", loop="none", lifespan="on",
                            ws=FrameLimitedProtocol,
                            access_log=False, log_level="warning", timeout_graceful_shutdown=30,
                            proxy_headers=False, server_header=False)
    server = uvicorn.Server(config)
    run_loop(server.serve(sockets=[sock]))


if __name__ == "__main__":
    main()
