"""``overcast node`` and ``overcast token``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from overcast.errors import OvercastError


def register(main: click.Group) -> None:
    @main.command()
    @click.option("--nats", "nats_url", required=True, metavar="URL", help="The platform's NATS engine.")
    @click.option("--port", type=int, default=8080, show_default=True, help="HTTP port; 0 picks a free one.")
    @click.option("--host", default="127.0.0.1", show_default=True)
    @click.option("--control-port", type=int, default=0, show_default=True)
    @click.option("--data-dir", type=click.Path(path_type=Path), default=Path(".overcast-node"), show_default=True,
                  help="Code cache, token file and discovery file of this node.")
    @click.option("--idle-timeout", type=float, default=300.0, show_default=True)
    @click.option("--default-stage", default="dev", show_default=True, help="Stage also served at /.")
    @click.option("--tables", "tables_url", metavar="URL",
                  help="Table storage shared by the nodes (postgresql://...); none: no tables on this node.")
    def node(nats_url, port, host, control_port, data_dir, idle_timeout, default_stage, tables_url):
        """Join the platform at --nats URL and serve every deployed stack on this host."""
        from overcast.platform.node import NodeOptions, run_node
        from overcast.process import run_loop

        opts = NodeOptions(nats_url, host, port, control_port, data_dir, idle_timeout, default_stage,
                           tables_url=tables_url)
        try:
            run_loop(run_node(opts, out=lambda line: click.echo(line)))
        except OvercastError as exc:
            click.echo(f"error: {exc.message}", err=True)
            sys.exit(1)

    @main.group()
    def token():
        """The control API's bearer token."""

    @token.command()
    @click.option("--nats", "nats_url", metavar="URL", help="The platform's NATS engine (default: discovered).")
    @click.option("--dir", "directory", type=click.Path(path_type=Path), help="Project directory to discover from.")
    def rotate(nats_url, directory):
        """Make a new token (the old one stops working) and print it."""
        from overcast.control import auth
        from overcast.engine.connect import connect
        from overcast.platform import discovery
        from overcast.process import run_loop

        async def go():
            info = discovery.find(nats_url, directory)
            if "tokenFile" not in info:  # --nats given: still keep the project's token file current
                try:
                    local = discovery.find(None, directory)
                except OvercastError:
                    local = {}
                if local.get("nats") == info["nats"]:
                    info = local
            nc = await connect(info["nats"], "overcast-cli")
            try:
                token_file = Path(info["tokenFile"]) if info.get("tokenFile") else None
                return await auth.rotate(nc, token_file), token_file
            finally:
                await nc.close()

        try:
            new, token_file = run_loop(go())
        except OvercastError as exc:
            click.echo(f"error: {exc.message}", err=True)
            sys.exit(1)
        click.echo(new)
        if token_file:
            click.echo(f"(also written to {token_file})", err=True)
