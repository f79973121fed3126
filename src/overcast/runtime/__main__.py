"""``python -m overcast.runtime --nats URL``: the worker manager process."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from overcast.process import run_loop
from overcast.runtime.manager import Manager


def main() -> None:
    parser = argparse.ArgumentParser(prog="overcast-runtime")
    parser.add_argument("--nats", required=True)
    parser.add_argument("--idle-timeout", type=float, default=300.0)
    parser.add_argument("--cache", required=True, help="directory for fetched code artifacts")
    parser.add_argument("--endpoint", help="this node's gateway URL, given to functions as AWS_ENDPOINT_URL_*")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="runtime: %(message)s")
    run_loop(Manager(args.nats, Path(args.cache), args.idle_timeout, args.endpoint).run())


if __name__ == "__main__":
    main()
