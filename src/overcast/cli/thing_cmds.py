"""``overcast things``: the MQTT device identities the platform issued."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click


def register(main: click.Group) -> None:
    from overcast.cli.main import _connect_and, _fail

    @main.group()
    def things():
        """MQTT devices (things) of the deployed stacks."""

    def _run(nats_url, directory, work):
        """``(platform info with its MQTT URLs, await work(nc))``."""
        from overcast.errors import OvercastError
        from overcast.platform import discovery

        try:
            info = _with_urls(discovery, discovery.find(nats_url, directory))
        except OvercastError as exc:
            _fail(exc)
        return info, _connect_and(info["nats"], None, work)

    def _with_urls(discovery, info: dict) -> dict:
        """``--nats URL`` of a local `overcast dev`: its MQTT URLs come from its discovery file."""
        if "mqtt" in info or not discovery.running_dir().is_dir():
            return info
        for path in discovery.running_dir().glob("*.json"):
            try:
                other = json.loads(path.read_text())
            except (OSError, ValueError):
                continue
            if other.get("nats") == info["nats"]:
                return {**other, **info}
        return info

    @things.command()
    @click.argument("thing")
    @click.option("--stage", default="dev", show_default=True, help="Stage the thing is deployed to.")
    @click.option("--stack", help="Stack declaring it (needed only if several do).")
    @click.option("--json", "as_json", is_flag=True, help="Print JSON.")
    @click.option("--nats", "nats_url", metavar="URL", help="NATS URL of the platform (default: discovered).")
    @click.option("--dir", "directory", type=click.Path(path_type=Path), help="Project directory to discover from.")
    def credentials(thing, stage, stack, as_json, nats_url, directory):
        """Print THING's MQTT username, password and the broker URLs."""
        from overcast.realtime.devices import credentials_doc, find_thing

        info, found = _run(nats_url, directory, lambda nc: find_thing(nc, thing, stage, stack))
        if not found:
            click.echo(f"error: no thing {thing!r} is deployed in stage {stage!r}"
                       + (f" by stack {stack!r}" if stack else ""), err=True)
            sys.exit(1)
        if len(found) > 1:
            click.echo(f"error: several stacks declare thing {thing!r}; pass --stack "
                       f"({', '.join(sorted(t.stack for t in found))})", err=True)
            sys.exit(1)
        doc = credentials_doc(found, info.get("mqtt"), info.get("mqttWebSocket"))[thing]
        if as_json:
            click.echo(json.dumps(doc, indent=2))
            return
        for label, key in (("username", "username"), ("password", "password"), ("client id", "clientId"),
                           ("MQTT", "mqtt"), ("MQTT over WebSocket", "websocket")):
            value = doc[key] or "(see the NATS server's mqtt/websocket config)"
            click.echo(f"{label + ':':<21}{value}")

    @things.command(name="list")
    @click.option("--stage", help="Only this stage.")
    @click.option("--nats", "nats_url", metavar="URL", help="NATS URL of the platform (default: discovered).")
    @click.option("--dir", "directory", type=click.Path(path_type=Path), help="Project directory to discover from.")
    def list_(stage, nats_url, directory):
        """Deployed things with their owners and topic allow-lists (no passwords)."""
        from overcast.realtime.devices import all_things

        _, found = _run(nats_url, directory, all_things)
        for t in sorted(found, key=lambda t: (t.stage, t.stack, t.name)):
            if stage in (None, t.stage):
                click.echo(f"{t.stage}.{t.stack}  {t.name}  publish={','.join(t.publish) or '-'}  "
                           f"subscribe={','.join(t.subscribe) or '-'}")

    @things.command(name="auth-config")
    @click.option("--nats", "nats_url", metavar="URL", help="NATS URL of the platform (default: discovered).")
    @click.option("--dir", "directory", type=click.Path(path_type=Path), help="Project directory to discover from.")
    def auth_config(nats_url, directory):
        """Print the nats-server `authorization {}` block for the deployed things (for a clustered NATS:
        write it to the servers' included auth file, then `nats-server --signal reload`)."""
        from overcast.realtime.devices import all_things
        from overcast.realtime.things import render_authorization

        _, found = _run(nats_url, directory, all_things)
        click.echo(render_authorization(found), nl=False)
