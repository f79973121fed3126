"""``python -m overcast.sources --nats URL``: the dispatcher process (see the package docstring)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal

from overcast.engine.connect import connect
from overcast.process import run_loop


def components(nc, tables_url: str | None = None) -> list:
    """Everything this process runs; each has ``async start()`` and ``async stop()``."""
    from overcast.queues.service import QueueService
    from overcast.realtime.rules import RuleEngine
    from overcast.sources.async_first import FirstAttempts
    from overcast.sources.async_invoke import AsyncInvoker
    from overcast.sources.invoking import FunctionInvoker
    from overcast.sources.manager import MappingManager, holder_id
    from overcast.sources.status import StatusResponder
    from overcast.sources.timers import Timers

    invoker = FunctionInvoker(nc)  # started first, stopped last: the others invoke through it
    asyncer = AsyncInvoker(nc, invoker)
    first = FirstAttempts(asyncer)  # rules' function actions
    rules = RuleEngine(nc, invoker, tables_url, submit=first.submit)
    # Started in this order, stopped in the reverse. Queue owners come before the mappings that receive from them;
    # status answers once everything runs. First attempts stop after the stored path: what they store on the way
    # out is then left to the next dispatcher at once, not pulled by this one's stopping reader (whose messages
    # would wait out the ack deadline).
    return [invoker, QueueService(nc, holder=holder_id()), first, asyncer, MappingManager(nc, invoker),
            Timers(nc, invoker), rules, StatusResponder(nc, rules, first)]


async def serve(url: str, tables_url: str | None = None) -> None:
    nc = await connect(url, "overcast-dispatcher")
    parts = components(nc, tables_url)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        for part in parts:
            await part.start()
        await stop.wait()
    finally:
        for part in reversed(parts):
            try:
                await part.stop()
            except Exception:  # one part failing to stop must not keep the others running
                logging.getLogger("overcast.sources").exception("stopping %s failed", type(part).__name__)
        await nc.close()


def main() -> None:
    parser = argparse.ArgumentParser(prog="overcast-dispatcher")
    parser.add_argument("--nats", required=True)
    parser.add_argument("--tables", help="table storage URL, for topic rules' table actions")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="dispatcher: %(message)s")
    run_loop(serve(args.nats, args.tables))


if __name__ == "__main__":
    main()
