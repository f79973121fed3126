"""``python -m overcast.control --nats URL --fd N [--token-file F]``: the control API process."""

from __future__ import annotations

import argparse
import logging
import socket
from pathlib import Path

import uvicorn

from overcast.control.app import ControlApp
from overcast.control.service import Service
from overcast.process import run_loop


def main() -> None:
    parser = argparse.ArgumentParser(prog="overcast-control")
    parser.add_argument("--nats", required=True)
    parser.add_argument("--fd", type=int, required=True)
    parser.add_argument("--token-file", help="where to write the platform's token when it makes the first one")
    parser.add_argument("--tables", help="table storage URL (sqlite:///path or postgresql://...)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="control: %(message)s")
    sock = socket.socket(fileno=args.fd)
    service = Service(args.nats, Path(args.token_file) if args.token_file else None, args.tables)
    config = uvicorn.Config(ControlApp(service), http="httptools", loop="none", lifespan="on", access_log=False,
                            log_level="warning", proxy_headers=False, server_header=False,
                            timeout_graceful_shutdown=60)
    run_loop(uvicorn.Server(config).serve(sockets=[sock]))


if __name__ == "__main__":
    main()
